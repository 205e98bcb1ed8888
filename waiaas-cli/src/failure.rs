//! What a failed command prints and how it exits: the library's `ErrorInfo` (stable
//! code, plain message, reasons), or a CLI-level failure with a code of its own.

use std::io::Write;

use serde::Serialize;
use waiaas::ErrorInfo;

/// Exit status of a command that failed with a coded error (clap's usage errors exit 2).
pub const EXIT_FAILURE: u8 = 1;

/// A command's failure.
#[derive(Debug)]
pub enum Failure {
    /// An error from the library, with its code.
    Api(ErrorInfo),
    /// A failure of the command line itself.
    Cli {
        /// Stable code (`CLI_…`).
        code: &'static str,
        /// Plain words.
        message: String,
    },
}

impl Failure {
    /// A CLI-level failure.
    pub fn cli(code: &'static str, message: impl Into<String>) -> Self {
        Self::Cli {
            code,
            message: message.into(),
        }
    }

    /// Writes the failure to stderr: `error: <message> (CODE)` and one line per
    /// reason, or the `ErrorInfo` JSON when `json`.
    pub fn report(&self, json: bool) {
        let mut err = std::io::stderr().lock();
        // Nothing useful is left to do when stderr itself fails.
        let _ = match self {
            Self::Api(info) if json => writeln!(err, "{}", to_text(info)),
            Self::Api(info) => {
                let mut text = format!("error: {} ({})", info.message, info.code);
                for reason in &info.reasons {
                    text.push_str(&format!("\n  - {} ({})", reason.message, reason.code));
                }
                if let Some(secs) = info.retry_after_secs {
                    text.push_str(&format!("\n  retry after {secs} s"));
                }
                writeln!(err, "{text}")
            }
            Self::Cli { code, message } if json => writeln!(
                err,
                "{}",
                serde_json::json!({ "code": code, "message": message, "reasons": [] })
            ),
            Self::Cli { code, message } => writeln!(err, "error: {message} ({code})"),
        };
    }
}

impl From<waiaas::Error> for Failure {
    fn from(e: waiaas::Error) -> Self {
        Self::Api(e.to_info())
    }
}

impl From<waiaas_core::ValidationError> for Failure {
    fn from(e: waiaas_core::ValidationError) -> Self {
        Self::from(waiaas::Error::from(e))
    }
}

/// Compact JSON of an API value (serialization of these types cannot fail; an empty
/// object stands in if it ever did).
pub fn to_text(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

/// Shorthand for a command's result.
pub type Outcome<T = ()> = Result<T, Failure>;
