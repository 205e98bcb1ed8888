//! The one public error of the facade: every family's error mapped in one place, each
//! with its stable code; policy denials carry every reason as data.

use serde::Serialize;
use waiaas_chains::ChainError;
use waiaas_core::policy::Reason;
use waiaas_core::{
    ErrorCode, MigrationError, SessionError, StoreError, TxId, ValidationError, VaultError,
};
use waiaas_policy::PolicyError;

/// An error from waiaas. [`Error::code`] is stable; its `Display` text says what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The policy engine denied the request; `reasons` lists every reason.
    #[error("denied by policy: {}", summary(.reasons))]
    PolicyDenied {
        /// The recorded (denied) transaction.
        tx_id: TxId,
        /// Every reason, with the policy that gave it.
        reasons: Vec<Reason>,
    },
    /// The kill switch is engaged (SUSPENDED); nothing signs until the operator
    /// recovers.
    #[error("kill switch is {state}; nothing can be signed until the operator recovers")]
    KillSwitchActive {
        /// `SUSPENDED`.
        state: &'static str,
    },
    /// The kill switch was escalated to LOCKED: the whole system is stopped until the
    /// operator recovers.
    #[error(
        "the system is locked (kill switch escalated); nothing can be signed until the operator recovers"
    )]
    SystemLocked,
    /// No transaction with this id (for this caller).
    #[error("transaction `{0}` not found")]
    TxNotFound(TxId),
    /// The transaction is no longer in a state that allows the action.
    #[error("transaction `{tx_id}` is already {status}")]
    TxAlreadyProcessed {
        /// Transaction.
        tx_id: TxId,
        /// Its status.
        status: &'static str,
    },
    /// The approval window closed; the transaction is EXPIRED.
    #[error("approval window of transaction `{0}` has closed")]
    ApprovalTimeout(TxId),
    /// The signed message is not the one waiaas issued for this action.
    #[error(
        "the signed message is not the current approval text for this transaction and action; fetch it with `approval_request`"
    )]
    ApprovalMessageMismatch,
    /// The approval-page link is not one of this transaction's.
    #[error(
        "approval link is not valid for transaction `{0}`; open the link exactly as the notification sent it"
    )]
    ApprovalLinkInvalid(TxId),
    /// The approval-page link has expired.
    #[error(
        "approval link for transaction `{0}` has expired; the approval window is over or a newer notification has a fresh link"
    )]
    ApprovalLinkExpired(TxId),
    /// The approval-page link was opened before.
    #[error(
        "approval link for transaction `{0}` was already opened; each link opens its page once, so if you did not open it, someone else did: check the transaction before signing anything"
    )]
    ApprovalLinkUsed(TxId),
    /// The wallet has no owner registered.
    #[error("wallet has no owner; register one first")]
    OwnerNotConnected,
    /// The owner proved their key; the operator can no longer change it.
    #[error("the wallet owner is verified and cannot be changed or removed by the operator")]
    OwnerAlreadyConnected,
    /// The operation needs a chain client and none serves the network.
    #[error(
        "no chain client is configured for `{network}`; give it an RPC URL in `Config::rpc_urls` or a client in `Host::chain_clients`"
    )]
    NoChainClient {
        /// The network.
        network: &'static str,
    },
    /// A chain-level failure (building, signing, RPC, signature verification).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// Session failure (token checks, renewal).
    #[error(transparent)]
    Session(#[from] SessionError),
    /// Vault failure.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Policy administration failure.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// Bad input.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// Storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Moving a vault to another database was refused or undone
    /// ([`crate::Waiaas::migrate_to_postgres`]); its storage and vault failures are
    /// [`Error::Store`] and [`Error::Vault`].
    #[error(transparent)]
    Migration(MigrationError),
}

impl From<MigrationError> for Error {
    fn from(e: MigrationError) -> Self {
        match e {
            MigrationError::Store(e) => Self::Store(e),
            MigrationError::Vault(e) => Self::Vault(e),
            e => Self::Migration(e),
        }
    }
}

fn summary(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(|r| format!("{} ({})", r.code, r.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ErrorCode for Error {
    fn code(&self) -> &'static str {
        match self {
            Self::PolicyDenied { .. } => "POLICY_DENIED",
            Self::KillSwitchActive { .. } => "KILL_SWITCH_ACTIVE",
            Self::SystemLocked => "SYSTEM_LOCKED",
            Self::TxNotFound(_) => "TX_NOT_FOUND",
            Self::TxAlreadyProcessed { .. } => "TX_ALREADY_PROCESSED",
            Self::ApprovalTimeout(_) => "APPROVAL_TIMEOUT",
            Self::ApprovalMessageMismatch => "APPROVAL_MESSAGE_MISMATCH",
            Self::ApprovalLinkInvalid(_) => "APPROVAL_LINK_INVALID",
            Self::ApprovalLinkExpired(_) => "APPROVAL_LINK_EXPIRED",
            Self::ApprovalLinkUsed(_) => "APPROVAL_LINK_USED",
            Self::OwnerNotConnected => "OWNER_NOT_CONNECTED",
            Self::OwnerAlreadyConnected => "OWNER_ALREADY_CONNECTED",
            Self::NoChainClient { .. } => "CHAIN_CLIENT_REQUIRED",
            Self::Chain(e) => e.code(),
            Self::Session(e) => e.code(),
            Self::Vault(e) => e.code(),
            Self::Policy(e) => e.code(),
            Self::Validation(e) => e.code(),
            Self::Store(e) => e.code(),
            Self::Migration(e) => e.code(),
        }
    }
}

impl Error {
    /// The stable code (same as [`ErrorCode::code`]).
    #[must_use]
    pub fn code(&self) -> &'static str {
        ErrorCode::code(self)
    }

    /// Every policy reason, for a denial; empty otherwise.
    #[must_use]
    pub fn reasons(&self) -> &[Reason] {
        match self {
            Self::PolicyDenied { reasons, .. } => reasons,
            _ => &[],
        }
    }

    /// Seconds after which retrying may succeed, when the error says so.
    #[must_use]
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::Vault(VaultError::MasterPasswordLocked { retry_after_secs })
            | Self::Session(SessionError::RenewalTooEarly { retry_after_secs }) => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// The error as data, for bindings and the HTTP server.
    #[must_use]
    pub fn to_info(&self) -> ErrorInfo {
        ErrorInfo {
            code: self.code(),
            message: self.to_string(),
            reasons: self.reasons().to_vec(),
            retry_after_secs: self.retry_after_secs(),
        }
    }
}

/// An error as data: `{code, message, reasons, retryAfterSecs}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    /// Stable code.
    pub code: &'static str,
    /// What to fix.
    pub message: String,
    /// Policy reasons (denials).
    pub reasons: Vec<Reason>,
    /// Retry hint.
    pub retry_after_secs: Option<u64>,
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
