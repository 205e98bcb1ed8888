//! Errors as an HTTP server answers them: the status of each code and the body
//! `{code, message, details?, retryable, hint?}` (the TypeScript daemon's shape), plus
//! the refusals a server makes before a request reaches a handle (bad host, bad body,
//! missing credential). Defined here so every server answers the same.

use schemars::JsonSchema;
use serde::Serialize;
use waiaas_core::ErrorCode;
use waiaas_core::policy::Reason;

use super::errors::{ErrorClass, error_code_info};
use crate::error::Error;

/// The HTTP status of `code`: its class's status ([`ErrorClass::http_status`]), except
/// where the TypeScript daemon answers otherwise (409 KILL_SWITCH_ACTIVE, 410
/// APPROVAL_TIMEOUT) and for the transport refusals of [`RequestError`] (405, 413, 415).
/// An unknown code is 500.
#[must_use]
pub fn http_status(code: &str) -> u16 {
    match code {
        "KILL_SWITCH_ACTIVE" => 409,
        "APPROVAL_TIMEOUT" => 410,
        "METHOD_NOT_ALLOWED" => 405,
        "PAYLOAD_TOO_LARGE" => 413,
        "UNSUPPORTED_MEDIA_TYPE" => 415,
        _ => error_code_info(code).map_or(500, |e| e.class.http_status()),
    }
}

/// A refusal made by a server before any handle is called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The `Host` header names a host the server does not serve (DNS rebinding guard).
    #[error(
        "host `{host}` is not allowed; call the server by a loopback address or add the host to its allowed hosts"
    )]
    HostNotAllowed {
        /// The refused host, as sent.
        host: String,
    },
    /// The body is not JSON, or not JSON of the expected shape.
    #[error("invalid request body: {reason}")]
    MalformedBody {
        /// What the JSON decoder said.
        reason: String,
    },
    /// A query string that does not decode.
    #[error("invalid query string: {reason}")]
    MalformedQuery {
        /// What the decoder said.
        reason: String,
    },
    /// A path parameter that does not parse (`/v1/wallets/not-a-uuid`).
    #[error("invalid path: {reason}")]
    MalformedPath {
        /// What the decoder said.
        reason: String,
    },
    /// The body is larger than the server accepts.
    #[error("request body exceeds {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A JSON body without `Content-Type: application/json`.
    #[error("expected `Content-Type: application/json`")]
    UnsupportedMediaType,
    /// No route has this path.
    #[error("no route `{path}`")]
    RouteNotFound {
        /// The path asked for.
        path: String,
    },
    /// The route exists but not with this method.
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// An operator route called without `X-Master-Password`.
    #[error("missing `X-Master-Password` header")]
    MissingMasterPassword,
    /// An agent route called without `Authorization: Bearer wai_sess_…`.
    #[error("invalid session token: missing `Authorization: Bearer wai_sess_…` header")]
    MissingSessionToken,
    /// A handler stopped abnormally (a bug); nothing is known about the outcome.
    #[error(
        "internal error; the request may or may not have taken effect, check its result before retrying"
    )]
    Internal,
    /// An agent sent more requests than the server admits per session and window.
    #[error(
        "too many requests for this session: at most {limit} per {window_secs} s; retry in {retry_after_secs} s"
    )]
    RateLimitExceeded {
        /// Requests admitted per window.
        limit: u32,
        /// The window, in seconds.
        window_secs: u64,
        /// Seconds until the window ends.
        retry_after_secs: u64,
    },
    /// An owner route called without a signature.
    #[error(
        "invalid signature: missing `X-Owner-Signature` and `X-Owner-Message` (or `signature` and `message` in the body)"
    )]
    MissingOwnerSignature,
}

impl ErrorCode for RequestError {
    fn code(&self) -> &'static str {
        match self {
            Self::HostNotAllowed { .. } => "HOST_NOT_ALLOWED",
            Self::MalformedBody { .. }
            | Self::MalformedQuery { .. }
            | Self::MalformedPath { .. } => "VALIDATION_FAILED",
            Self::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::RouteNotFound { .. } => "ROUTE_NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::MissingMasterPassword => "INVALID_MASTER_PASSWORD",
            Self::MissingSessionToken => "INVALID_TOKEN",
            Self::MissingOwnerSignature => "INVALID_SIGNATURE",
            Self::Internal => "INTERNAL_ERROR",
            Self::RateLimitExceeded { .. } => "RATE_LIMIT_EXCEEDED",
        }
    }
}

impl RequestError {
    /// A body the JSON decoder refused, described without echoing its values (a
    /// mistyped secret is never sent back): unknown and missing fields are named, a
    /// wrong type or value says what was expected and where.
    #[must_use]
    pub fn malformed_body(error: &serde_json::Error) -> Self {
        let text = error.to_string();
        let place = format!("line {} column {}", error.line(), error.column());
        let reason = if text.starts_with("unknown field") || text.starts_with("missing field") {
            text
        } else if error.is_syntax() || error.is_eof() {
            format!("not valid JSON at {place}")
        } else if let Some((_, expected)) = text.split_once(", expected ") {
            let expected = expected.split(" at line ").next().unwrap_or(expected);
            format!("wrong type or value at {place}: expected {expected}")
        } else {
            format!("wrong type or value at {place}")
        };
        Self::MalformedBody { reason }
    }
}

/// Extra data of an error body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetails {
    /// Every policy reason of a denial.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<serde_json::Value>")]
    pub reasons: Vec<Reason>,
    /// The denied transaction (it is recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_id: Option<String>,
    /// Seconds after which a retry may succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl ErrorDetails {
    fn is_empty(&self) -> bool {
        self.reasons.is_empty() && self.tx_id.is_none() && self.retry_after_secs.is_none()
    }
}

/// An error response body: `{code, message, details?, retryable, hint?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// The stable code ([`super::ERROR_CODES`]).
    pub code: String,
    /// What went wrong (never a secret).
    pub message: String,
    /// Reasons, the denied transaction, the wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<ErrorDetails>,
    /// Whether the same request may succeed later unchanged (rate limits, a stopped or
    /// unreachable service).
    pub retryable: bool,
    /// How to fix it, when the message carries a remedy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl ErrorBody {
    fn new(code: &str, message: String, details: ErrorDetails) -> Self {
        let retryable = error_code_info(code)
            .is_some_and(|e| matches!(e.class, ErrorClass::RateLimited | ErrorClass::Unavailable));
        let hint = hint_of(&message);
        Self {
            code: code.to_owned(),
            message,
            details: (!details.is_empty()).then_some(details),
            retryable,
            hint,
        }
    }

    /// The body of a refusal made before any handle was called.
    #[must_use]
    pub fn from_request_error(error: &RequestError) -> Self {
        let details = ErrorDetails {
            retry_after_secs: match error {
                RequestError::RateLimitExceeded {
                    retry_after_secs, ..
                } => Some(*retry_after_secs),
                _ => None,
            },
            ..ErrorDetails::default()
        };
        Self::new(error.code(), error.to_string(), details)
    }

    /// The HTTP status of this body ([`http_status`] of its code).
    #[must_use]
    pub fn status(&self) -> u16 {
        http_status(&self.code)
    }
}

impl From<&Error> for ErrorBody {
    fn from(error: &Error) -> Self {
        let details = ErrorDetails {
            reasons: error.reasons().to_vec(),
            tx_id: match error {
                Error::PolicyDenied { tx_id, .. } => Some(tx_id.to_string()),
                _ => None,
            },
            retry_after_secs: error.retry_after_secs(),
        };
        Self::new(error.code(), error.to_string(), details)
    }
}

impl From<&RequestError> for ErrorBody {
    fn from(error: &RequestError) -> Self {
        Self::from_request_error(error)
    }
}

/// The remedy part of a message: messages say what to fix after `; ` (cedar's rules,
/// ADR 0006), e.g. ``give a decimal amount as `humanAmount` ``. Only a clause that
/// starts with an instruction counts (`; got 0` is a fact, not a remedy).
fn hint_of(message: &str) -> Option<String> {
    const VERBS: &[&str] = &[
        "give", "use", "drop", "send", "fetch", "register", "resume", "revoke", "upgrade", "pass",
        "unlock", "retry", "create", "call", "add", "pick", "say", "set", "check", "change", "run",
    ];
    let (_, remedy) = message.rsplit_once("; ")?;
    let remedy = remedy.trim();
    let first = remedy.split_whitespace().next()?;
    VERBS.contains(&first).then(|| remedy.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use super::*;
    use crate::api::SendTransaction;

    #[test]
    fn the_daemons_statuses() {
        for (code, status) in [
            ("INVALID_TOKEN", 401),
            ("TOKEN_EXPIRED", 401),
            ("SESSION_REVOKED", 401),
            ("INVALID_MASTER_PASSWORD", 401),
            ("POLICY_DENIED", 403),
            ("PERMISSION_DENIED", 403),
            ("WALLET_NOT_FOUND", 404),
            ("TX_NOT_FOUND", 404),
            ("TX_ALREADY_PROCESSED", 409),
            ("KILL_SWITCH_ACTIVE", 409),
            ("APPROVAL_TIMEOUT", 410),
            ("MASTER_PASSWORD_LOCKED", 429),
            ("VAULT_LOCKED", 503),
            ("VALIDATION_FAILED", 400),
            ("PAYLOAD_TOO_LARGE", 413),
            ("HOST_NOT_ALLOWED", 403),
            ("STORAGE_ERROR", 500),
            ("NO_SUCH_CODE", 500),
        ] {
            assert_eq!(http_status(code), status, "{code}");
        }
    }

    #[test]
    fn a_decimal_amount_gets_a_hint_naming_human_amount() {
        let send: SendTransaction = serde_json::from_str(
            r#"{"type": "TRANSFER", "to": "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", "amount": "0.1"}"#,
        )
        .unwrap();
        let err = Error::from(send.to_request().unwrap_err());
        let body = ErrorBody::from(&err);
        assert_eq!(body.code, "VALIDATION_FAILED");
        assert_eq!(body.status(), 400);
        assert!(!body.retryable);
        assert!(
            body.hint.as_deref().unwrap().contains("`humanAmount`"),
            "{body:?}"
        );
        let json = serde_json::to_value(&body).unwrap();
        assert!(json.get("details").is_none(), "{json}");
    }

    #[test]
    fn only_an_instruction_is_a_hint() {
        assert_eq!(
            hint_of("invalid `x`: bad; drop it").as_deref(),
            Some("drop it")
        );
        assert_eq!(
            hint_of("invalid `ttl`: must be between 300 and 31536000; got 0"),
            None
        );
        assert_eq!(hint_of("session revoked"), None);
    }

    #[test]
    fn a_lockout_is_retryable_with_the_wait_in_details() {
        let err = Error::from(waiaas_core::VaultError::MasterPasswordLocked {
            retry_after_secs: 8,
        });
        let body = ErrorBody::from(&err);
        assert_eq!(body.status(), 429);
        assert!(body.retryable);
        assert_eq!(body.details.unwrap().retry_after_secs, Some(8));
    }

    #[test]
    fn a_malformed_body_is_described_without_its_values() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[expect(dead_code, reason = "only decoded")]
        struct Body {
            secret: String,
        }
        let cases = [
            (r#"{"secret": 12345678}"#, "expected a string"),
            (r#"{"secret": "x", "other": 1}"#, "unknown field `other`"),
            (r#"{}"#, "missing field `secret`"),
            (r#"{"secret": "#, "not valid JSON"),
        ];
        for (body, expect) in cases {
            let err = serde_json::from_str::<Body>(body).unwrap_err();
            let msg = ErrorBody::from(&RequestError::malformed_body(&err)).message;
            assert!(msg.contains(expect), "{body}: {msg}");
            assert!(!msg.contains("12345678"), "{msg}");
        }
    }

    #[test]
    fn request_errors_have_registered_codes_and_statuses() {
        let cases = [
            (
                RequestError::HostNotAllowed {
                    host: "evil.example".into(),
                },
                403,
            ),
            (RequestError::MalformedBody { reason: "x".into() }, 400),
            (RequestError::PayloadTooLarge { limit: 10 }, 413),
            (RequestError::UnsupportedMediaType, 415),
            (RequestError::RouteNotFound { path: "/x".into() }, 404),
            (RequestError::MethodNotAllowed, 405),
            (RequestError::MissingMasterPassword, 401),
            (RequestError::MissingSessionToken, 401),
            (RequestError::MissingOwnerSignature, 401),
            (RequestError::Internal, 500),
        ];
        for (error, status) in cases {
            let body = ErrorBody::from(&error);
            assert!(error_code_info(&body.code).is_some(), "{}", body.code);
            assert_eq!(body.status(), status, "{error:?}");
        }
    }
}
