//! Transaction rows and what admission, claims and transitions take and return.

use crate::chain::Network;
use crate::ids::{SessionId, TxId, WalletId};
use crate::policy::{Decision, PolicyEngine, PolicyRequest, PriceBook};
use crate::tier::{Tier, TxStatus};

use super::{KillSwitchState, PlacementRefusal, WalletStatus};

/// A transaction request and its lifecycle, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRecord {
    /// Id.
    pub id: TxId,
    /// Wallet.
    pub wallet_id: WalletId,
    /// Session that asked (none for operator-initiated requests).
    pub session_id: Option<SessionId>,
    /// Network.
    pub network: Network,
    /// Kind (`TRANSFER`, …).
    pub kind: String,
    /// Status.
    pub status: TxStatus,
    /// Tier, once decided.
    pub tier: Option<Tier>,
    /// The original request (JSON): what was judged is what is executed.
    pub request: String,
    /// The decision (JSON).
    pub decision: Option<String>,
    /// Caller's idempotency key (unique per wallet).
    pub idempotency_key: Option<String>,
    /// Single-use nonce an owner signature must carry for this transaction.
    pub owner_nonce: String,
    /// What execution produced (JSON: signed transaction, signature, hash).
    pub result: Option<String>,
    /// Stable error code when FAILED.
    pub error_code: Option<String>,
    /// Error message when FAILED.
    pub error_message: Option<String>,
    /// DELAY: when it may execute.
    pub execute_after: Option<i64>,
    /// APPROVAL: when the approval window closes.
    pub expires_at: Option<i64>,
    /// Creation time.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

/// What the pipeline decided to do with an admitted (or denied) request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Status the row starts in.
    pub status: TxStatus,
    /// DELAY: earliest execution.
    pub execute_after: Option<i64>,
    /// APPROVAL: end of the approval window.
    pub expires_at: Option<i64>,
    /// Set for a denial.
    pub error_code: Option<String>,
    /// Set for a denial.
    pub error_message: Option<String>,
}

/// Why a request was not even decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdmissionGate {
    /// The kill switch is not ACTIVE.
    KillSwitch(KillSwitchState),
    /// The wallet is not ACTIVE.
    Wallet(WalletStatus),
    /// The wallet does not exist.
    UnknownWallet,
    /// The session was revoked after it was verified.
    SessionRevoked,
    /// The session passed its absolute lifetime.
    SessionExpired,
}

impl AdmissionGate {
    /// The stable code stored on a row this gate stops (`error_code`).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::KillSwitch(_) => "KILL_SWITCH_ACTIVE",
            Self::Wallet(WalletStatus::Terminated) => "WALLET_TERMINATED",
            Self::Wallet(_) => "WALLET_SUSPENDED",
            Self::UnknownWallet => "WALLET_NOT_FOUND",
            Self::SessionRevoked => "SESSION_REVOKED",
            Self::SessionExpired => "SESSION_EXPIRED",
        }
    }

    /// Why a row this gate stops did not execute (`error_message`).
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Self::KillSwitch(_) => "the kill switch was activated before it executed",
            Self::Wallet(WalletStatus::Terminated) => "its wallet was terminated",
            Self::Wallet(_) => "its wallet was suspended before it executed",
            Self::UnknownWallet => "its wallet no longer exists",
            Self::SessionRevoked => "the session that requested it was revoked",
            Self::SessionExpired => "the session that requested it reached its absolute lifetime",
        }
    }
}

/// What a claim for execution re-judges: the request rebuilt from the stored row exactly
/// as admission built it, judged with the policies in force at the claim and an empty
/// ledger (limits were reserved at admission and are not counted twice).
#[derive(Debug, Clone, Copy)]
pub struct ExecutionCheck<'a> {
    /// The rebuilt request (same `request_id` as the row).
    pub request: &'a PolicyRequest,
    /// Prices for it.
    pub prices: &'a PriceBook,
    /// The engine.
    pub engine: &'a dyn PolicyEngine,
}

/// Outcome of [`PipelineStore::claim_transaction`](super::PipelineStore::claim_transaction).
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The row moved to the claimed status; the caller may sign it.
    Claimed(TxRecord),
    /// A gate closed since admission (kill switch, wallet, session): the row is
    /// CANCELLED with the gate's code, its reservation released.
    Stopped {
        /// Why.
        gate: AdmissionGate,
        /// The stored row.
        record: TxRecord,
    },
    /// The policies in force now deny it: the row is FAILED `POLICY_DENIED`, its
    /// reservation released.
    Denied {
        /// The decision with every deny reason.
        decision: Decision,
        /// The stored row.
        record: TxRecord,
    },
    /// The compare-and-swap failed (already moved, nonce used, expired, absent).
    Lost,
}

/// Outcome of [`PipelineStore::admit_transaction`](super::PipelineStore::admit_transaction).
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "one value per admission, matched at once; a box would only add an allocation"
)]
pub enum Admission {
    /// Decided; the row was stored with the placement (and the spend reserved when allowed).
    Decided {
        /// The decision.
        decision: Decision,
        /// The stored row.
        record: TxRecord,
        /// Why the settings in force (or a missing owner) refused a request the policies
        /// allowed: the row is FAILED with its code, the reservation released.
        refusal: Option<PlacementRefusal>,
    },
    /// The idempotency key was used before: the first request's row, unchanged.
    Duplicate(TxRecord),
    /// Refused before deciding; nothing stored.
    Refused(AdmissionGate),
}

/// What signing inside the admission transaction produced (for a request placed
/// EXECUTING): the row is then stored SIGNED with its reservation committed, or FAILED
/// with its reservation released, in the same transaction — one commit per send. The
/// callback must not use the store (the transaction holds it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignOutcome {
    /// Signed: the execution output (JSON) and the transaction id, if any.
    Signed {
        /// Output to store.
        result: String,
        /// Transaction id / hash for the audit entry.
        tx_hash: Option<String>,
    },
    /// Signing failed.
    Failed {
        /// Stable error code.
        code: String,
        /// Message.
        message: String,
    },
}

/// What a status change does to the request's reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerEffect {
    /// Nothing.
    None,
    /// The money did not move: the spend leaves every window.
    Release,
    /// The money moved (signed): the reservation becomes committed.
    Commit,
}

/// A compare-and-swap status change of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxTransition {
    /// Allowed current statuses.
    pub from: Vec<TxStatus>,
    /// New status.
    pub to: TxStatus,
    /// When set, the stored owner nonce must equal it (single-use owner actions).
    pub owner_nonce: Option<String>,
    /// When set, `expires_at` must be later than this time.
    pub unexpired_at: Option<i64>,
    /// Execution output to store.
    pub result: Option<String>,
    /// Error code to store.
    pub error_code: Option<String>,
    /// Error message to store.
    pub error_message: Option<String>,
    /// Effect on the reservation.
    pub ledger: LedgerEffect,
}

impl TxTransition {
    /// `from` → `to` with no other condition or effect.
    #[must_use]
    pub fn new(from: &[TxStatus], to: TxStatus) -> Self {
        Self {
            from: from.to_vec(),
            to,
            owner_nonce: None,
            unexpired_at: None,
            result: None,
            error_code: None,
            error_message: None,
            ledger: LedgerEffect::None,
        }
    }
}

/// Which transactions to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxFilter {
    /// Only this wallet.
    pub wallet_id: Option<WalletId>,
    /// Only these statuses.
    pub statuses: Vec<TxStatus>,
    /// At most this many, newest first (0 = no limit).
    pub limit: u32,
}
