//! The one mapping of a waiaas error to the foreign exception (ADR 0006): a variant per
//! error class, `POLICY_DENIED` apart so a host can catch denials alone.

use waiaas::api::ErrorClass;

/// One reason a policy denied a request (or a warning beside an allowed one).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DenialReason {
    /// Stable code (`WHITELIST_DENIED`, `SPENDING_LIMIT_EXCEEDED`, …).
    pub code: String,
    /// What happened and what to change.
    pub message: String,
    /// The policy that produced it, if one did.
    pub policy_id: Option<String>,
    /// Its type (`SPENDING_LIMIT`, …).
    pub policy_type: Option<String>,
    /// For batches: the 0-based index of the instruction it concerns.
    pub instruction: Option<u32>,
}

/// A waiaas error (Kotlin `WaiaasException`, Swift `WaiaasError`). Every variant has the
/// same fields: the stable `code` (see `errorCodes()`), `errorMessage` (what to fix;
/// never a secret), the denial `reasons` and `retryAfterSecs` where a retry can succeed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[expect(missing_docs, reason = "the fields are documented once on the enum")]
pub enum WaiaasError {
    /// A request the caller must fix.
    #[error("{code}: {error_message}")]
    InvalidInput {
        code: String,
        error_message: String,
        reasons: Vec<DenialReason>,
        retry_after_secs: Option<u64>,
    },
    /// A missing, wrong, expired or revoked credential.
    #[error("{code}: {error_message}")]
    Unauthenticated {
        code: String,
        error_message: String,
        reasons: Vec<DenialReason>,
        retry_after_secs: Option<u64>,
    },
    /// Authenticated but not allowed (kill switch, suspended wallet, scope, …).
    #[error("{code}: {error_message}")]
    Forbidden {
        code: String,
        error_message: String,
        reasons: Vec<DenialReason>,
        retry_after_secs: Option<u64>,
    },
    /// The policy engine denied the request; `reasons` lists every reason.
    #[error("{code}: {error_message}")]
    PolicyDenied {
        code: String,
        error_message: String,
        reasons: Vec<DenialReason>,
        retry_after_secs: Option<u64>,
    },
    /// No such wallet, session, policy or transaction.
    #[error("{code}: {error_message}")]
    NotFound {
        code: String,
        error_message: String,
        reasons: Vec<DenialReason>,
        retry_after_secs: Option<u64>,
    },
    /// The state changed under the request (already approved, duplicate name, …).
    #[error("{code}: {error_message}")]
    Conflict {
        code: String,
        error_message: String,
        reasons: Vec<DenialReason>,
        retry_after_secs: Option<u64>,
    },
    /// Too many requests; retry after `retryAfterSecs`.
    #[error("{code}: {error_message}")]
    RateLimited {
        code: String,
        error_message: String,
        reasons: Vec<DenialReason>,
        retry_after_secs: Option<u64>,
    },
    /// A dependency (chain RPC, price feed, database) is unavailable; retryable.
    #[error("{code}: {error_message}")]
    Unavailable {
        code: String,
        error_message: String,
        reasons: Vec<DenialReason>,
        retry_after_secs: Option<u64>,
    },
    /// A bug in waiaas, never the caller's input.
    #[error("{code}: {error_message}")]
    Internal {
        code: String,
        error_message: String,
        reasons: Vec<DenialReason>,
        retry_after_secs: Option<u64>,
    },
}

impl WaiaasError {
    /// An `INTERNAL` error with this message.
    pub(crate) fn internal(message: &str) -> Self {
        Self::Internal {
            code: "INTERNAL".to_owned(),
            error_message: message.to_owned(),
            reasons: Vec::new(),
            retry_after_secs: None,
        }
    }
}

impl From<waiaas::Error> for WaiaasError {
    fn from(e: waiaas::Error) -> Self {
        let class = e.class();
        let info = e.to_info();
        let code = info.code.to_owned();
        let error_message = info.message;
        let retry_after_secs = info.retry_after_secs;
        let reasons = info
            .reasons
            .into_iter()
            .map(|r| DenialReason {
                code: r.code,
                message: r.message,
                policy_id: r.policy_id.map(|id| id.to_string()),
                policy_type: r.policy_type.map(|t| t.as_str().to_owned()),
                instruction: r.instruction,
            })
            .collect();
        macro_rules! variant {
            ($v:ident) => {
                Self::$v {
                    code,
                    error_message,
                    reasons,
                    retry_after_secs,
                }
            };
        }
        if code == "POLICY_DENIED" {
            return variant!(PolicyDenied);
        }
        match class {
            ErrorClass::InvalidInput => variant!(InvalidInput),
            ErrorClass::Unauthenticated => variant!(Unauthenticated),
            ErrorClass::Forbidden => variant!(Forbidden),
            ErrorClass::NotFound => variant!(NotFound),
            ErrorClass::Conflict => variant!(Conflict),
            ErrorClass::RateLimited => variant!(RateLimited),
            ErrorClass::Unavailable => variant!(Unavailable),
            ErrorClass::Internal => variant!(Internal),
        }
    }
}
