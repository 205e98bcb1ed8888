//! Writing a command's answer: the API value as JSON with `--json`, plain words otherwise.

use std::io::Write;

use serde::Serialize;

use crate::failure::{Failure, Outcome, to_text};

/// Writes `value` as pretty JSON when `json`, else the text `human` builds.
pub fn emit<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T) -> String) -> Outcome {
    let text = if json {
        serde_json::to_string_pretty(value).unwrap_or_else(|_| to_text(value))
    } else {
        human(value)
    };
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}") {
        // A reader that stopped early (`| head`) is not the command's failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => result.map_err(|e| Failure::cli("CLI_OUTPUT", e.to_string())),
    }
}

/// Pretty JSON, for human output of values without a shorter form.
pub fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| to_text(value))
}
