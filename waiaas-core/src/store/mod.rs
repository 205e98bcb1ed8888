//! Storage behind one trait whose methods are whole operations, each with its
//! transaction boundary inside, so a second backend (PostgreSQL, for fleets that share
//! one wallet's limits) can implement the same contract. No backend type crosses it.

mod ledger;
mod pipeline;
mod sqlite;

pub use sqlite::{SqliteStore, StoreOptions, Synchronous};

use crate::audit::{AuditEntry, AuditKey, AuditRecord, ChainCheck};
use crate::chain::{Chain, Network};
use crate::error::StoreError;
use crate::ids::{PolicyId, SessionId, TxId, WalletId};
use crate::policy::{
    Decision, LedgerSnapshot, PolicyEngine, PolicyFilter, PolicyRecord, PolicyRequest, PriceBook,
    Reservation,
};
use crate::session::Permission;
use crate::tier::{Tier, TxStatus};

/// A vault header rewrite that comes with keying a log written before schema 4.
#[derive(Clone, PartialEq, Eq)]
pub struct HeaderUpgrade {
    /// The stored header it replaces.
    pub from: String,
    /// The new header.
    pub to: String,
}

impl std::fmt::Debug for HeaderUpgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HeaderUpgrade { .. }")
    }
}

/// An AEAD ciphertext with its nonce, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedBox {
    /// The 24-byte XChaCha20-Poly1305 nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext followed by the 16-byte tag.
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for SealedBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedBox({} bytes)", self.ciphertext.len())
    }
}

/// Whether a wallet may sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WalletStatus {
    /// Normal operation.
    Active,
    /// Signing refused until resumed (kill switch, AutoStop, operator).
    Suspended,
    /// Permanently retired.
    Terminated,
}

impl WalletStatus {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
            Self::Terminated => "TERMINATED",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "ACTIVE" => Some(Self::Active),
            "SUSPENDED" => Some(Self::Suspended),
            "TERMINATED" => Some(Self::Terminated),
            _ => None,
        }
    }
}

/// A wallet row: public facts plus its sealed secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletRecord {
    /// Id.
    pub id: WalletId,
    /// Operator-chosen name.
    pub name: String,
    /// Chain family.
    pub chain: Chain,
    /// Network.
    pub network: Network,
    /// Canonical address.
    pub address: String,
    /// Public key bytes (bound into the secret's AAD).
    pub public_key: Vec<u8>,
    /// The sealed 32-byte secret.
    pub secret: SealedBox,
    /// Version of the sealing format (AAD layout).
    pub secret_format: u32,
    /// Status.
    pub status: WalletStatus,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

/// A session-token signing secret, sealed under the vault's data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSecretRecord {
    /// Key id, carried as `kid` in token headers.
    pub id: String,
    /// The sealed 32-byte HMAC secret.
    pub secret: SealedBox,
    /// Creation time.
    pub created_at: i64,
    /// When a rotation replaced it; `None` for the current secret.
    pub retired_at: Option<i64>,
}

/// A stored agent session. Everything a token grants is here, not in the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Id (the token's `sub`).
    pub id: SessionId,
    /// Wallets the session may use.
    pub wallet_ids: Vec<WalletId>,
    /// Creation time.
    pub created_at: i64,
    /// Token lifetime in seconds; `None` for an unlimited session.
    pub ttl_seconds: Option<u64>,
    /// Renewal cap; 0 = unlimited.
    pub max_renewals: u32,
    /// Hard lifetime from creation in seconds; 0 = none.
    pub absolute_lifetime_seconds: u64,
    /// Granted permissions.
    pub permissions: Vec<Permission>,
    /// Generation of the only valid token (the `gen` claim).
    pub token_generation: u64,
    /// `iat` of the current token.
    pub token_issued_at: i64,
    /// `exp` of the current token; `None` when unlimited.
    pub expires_at: Option<i64>,
    /// Renewals so far.
    pub renewal_count: u32,
    /// When revoked.
    pub revoked_at: Option<i64>,
    /// Operator's label.
    pub label: Option<String>,
}

/// A compare-and-swap renewal: applies only while the stored generation is still
/// `expected_generation` and the session is not revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalCas {
    /// Session.
    pub id: SessionId,
    /// Generation the renewing token carries.
    pub expected_generation: u64,
    /// Renewal count the decision was made on.
    pub expected_renewal_count: u32,
    /// `iat` of the new token.
    pub issued_at: i64,
    /// `exp` of the new token.
    pub expires_at: i64,
}

/// Failed-unlock bookkeeping, shared by every process using the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnlockAttempts {
    /// Consecutive failures since the last success.
    pub failures: u32,
    /// Time of the last failure.
    pub last_failure_at: Option<i64>,
}

/// Why a session insert was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionInsert {
    /// Stored.
    Inserted,
    /// A linked wallet already has `max_active_per_wallet` active sessions.
    WalletAtCap(WalletId),
    /// A linked wallet does not exist.
    UnknownWallet(WalletId),
}

/// Persistent state of waiaas. Every method is one atomic operation; every method that
/// changes state takes the [`AuditEntry`] that records the change and appends it to the
/// keyed hash-chained log in the same transaction (only when something changed); without
/// the audit key ([`Store::set_audit_key`]) such a method fails with `VAULT_LOCKED` and
/// writes nothing.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Installs the audit chain's key (the vault calls this on create and unlock). With
    /// `upgrade` (a vault header written before schema 4 and its replacement), first
    /// replaces the header (compare-and-swap) and, in the same transaction, keys a log
    /// that was never keyed: re-chains it under `key` when its unkeyed chain is intact,
    /// otherwise keeps it and records where the keyed chain starts (see
    /// [`crate::audit`]). Without `upgrade` an unkeyed log is never keyed (it then fails
    /// verification: someone stripped the keys).
    ///
    /// # Errors
    /// `STORAGE_ERROR`; the key is then not installed.
    fn set_audit_key(
        &self,
        key: AuditKey,
        now: i64,
        upgrade: Option<&HeaderUpgrade>,
    ) -> Result<(), StoreError>;
    /// Forgets (and wipes) the audit key: audited writes fail until it is set again.
    fn clear_audit_key(&self);
    /// The time every security decision uses: `max(clock_now, latest time seen)`,
    /// persisted, so that a clock stepped back never moves decisions back in time
    /// (expired tokens, spending windows, DELAY and approval deadlines).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn monotonic_now(&self, clock_now: i64) -> Result<i64, StoreError>;

    /// The serialized vault header, if a vault exists.
    ///
    /// # Errors
    /// `STORAGE_ERROR` on database failure (as for every method here).
    fn vault_header(&self) -> Result<Option<String>, StoreError>;
    /// Stores the first header; `false` if one already exists.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn create_vault_header(
        &self,
        header: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Replaces the header only if it still equals `expected` (crash-atomic password change).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn replace_vault_header(
        &self,
        expected: &str,
        new: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;

    /// Current failed-unlock state.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn unlock_attempts(&self) -> Result<UnlockAttempts, StoreError>;
    /// Counts one more failure; returns the new state.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn record_unlock_failure(&self, now: i64) -> Result<UnlockAttempts, StoreError>;
    /// Resets the failure count after a successful unlock.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn clear_unlock_failures(&self) -> Result<(), StoreError>;

    /// Inserts a wallet.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn insert_wallet(&self, wallet: &WalletRecord, audit: &AuditEntry) -> Result<(), StoreError>;
    /// One wallet.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn wallet(&self, id: WalletId) -> Result<Option<WalletRecord>, StoreError>;
    /// Every wallet, oldest first.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn wallets(&self) -> Result<Vec<WalletRecord>, StoreError>;
    /// Renames a wallet; `false` if absent.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn rename_wallet(
        &self,
        id: WalletId,
        name: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Sets a wallet's status; `false` if absent. Any status but ACTIVE also cancels the
    /// wallet's in-flight rows (PENDING, QUEUED, PENDING_APPROVAL, EXECUTING) in the same
    /// transaction: CANCELLED `WALLET_SUSPENDED` / `WALLET_TERMINATED`, reservations
    /// released, one `TX_CANCELLED` entry each.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn set_wallet_status(
        &self,
        id: WalletId,
        status: WalletStatus,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Deletes a wallet and its session links; `false` if absent.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn delete_wallet(&self, id: WalletId, audit: &AuditEntry) -> Result<bool, StoreError>;

    /// A signing secret by key id.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn session_secret(&self, id: &str) -> Result<Option<SessionSecretRecord>, StoreError>;
    /// The current (unretired) signing secret.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn current_session_secret(&self) -> Result<Option<SessionSecretRecord>, StoreError>;
    /// Stores `candidate` unless a current secret exists; returns the current secret.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn ensure_session_secret(
        &self,
        candidate: &SessionSecretRecord,
    ) -> Result<SessionSecretRecord, StoreError>;
    /// Retires the current secret at `now` and makes `next` current.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn rotate_session_secret(
        &self,
        next: &SessionSecretRecord,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Inserts a session unless a linked wallet is missing or at its cap of active sessions.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn insert_session(
        &self,
        session: &SessionRecord,
        max_active_per_wallet: u32,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<SessionInsert, StoreError>;
    /// One session.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn session(&self, id: SessionId) -> Result<Option<SessionRecord>, StoreError>;
    /// Sessions, optionally only those linked to `wallet`, oldest first.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn sessions(&self, wallet: Option<WalletId>) -> Result<Vec<SessionRecord>, StoreError>;
    /// Applies a renewal if the compare-and-swap holds; `false` otherwise.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn renew_session(&self, cas: &RenewalCas, audit: &AuditEntry) -> Result<bool, StoreError>;
    /// Revokes a session; `false` if absent or already revoked. Its in-flight rows are
    /// cancelled in the same transaction (`SESSION_REVOKED`, reservations released, one
    /// `TX_CANCELLED` entry each).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn revoke_session(
        &self,
        id: SessionId,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Revokes every active session; returns how many. Every in-flight row requested by
    /// a revoked session is cancelled in the same transaction, as for
    /// [`Store::revoke_session`].
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn revoke_all_sessions(&self, now: i64, audit: &AuditEntry) -> Result<u64, StoreError>;

    /// A setting.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Writes a setting.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn set_setting(
        &self,
        key: &str,
        value: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Inserts a policy. The caller validated its rules; the store only stores them.
    ///
    /// # Errors
    /// `STORAGE_ERROR`, also when `wallet_id` names no wallet.
    fn insert_policy(&self, policy: &PolicyRecord, audit: &AuditEntry) -> Result<(), StoreError>;
    /// Replaces a policy's scope, type, rules, priority, enabled flag and `updated_at`,
    /// increments its revision and returns the stored record; `None` if absent.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn update_policy(
        &self,
        policy: &PolicyRecord,
        audit: &AuditEntry,
    ) -> Result<Option<PolicyRecord>, StoreError>;
    /// Deletes a policy; `false` if absent.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn delete_policy(&self, id: PolicyId, audit: &AuditEntry) -> Result<bool, StoreError>;
    /// One policy.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn policy(&self, id: PolicyId) -> Result<Option<PolicyRecord>, StoreError>;
    /// Policies matching `filter`, oldest first.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn policies(&self, filter: PolicyFilter) -> Result<Vec<PolicyRecord>, StoreError>;

    /// Decides `request` with `engine` and, when allowed, reserves its spend, in one
    /// serialized write transaction: no other thread or process can decide for the
    /// same database between the read of the window totals and the reservation.
    ///
    /// # Errors
    /// `DUPLICATE_REQUEST` when `request.request_id` already has a reservation;
    /// `STORAGE_ERROR`. An error never means "allowed".
    fn evaluate_and_reserve(
        &self,
        request: &PolicyRequest,
        prices: &PriceBook,
        now: i64,
        engine: &dyn PolicyEngine,
    ) -> Result<Decision, StoreError>;
    /// Decides `request` exactly as [`Store::evaluate_and_reserve`] would, without
    /// reserving (it may persist window bookkeeping that no decision can observe).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn simulate(
        &self,
        request: &PolicyRequest,
        prices: &PriceBook,
        now: i64,
        engine: &dyn PolicyEngine,
    ) -> Result<Decision, StoreError>;
    /// Releases a reservation (cancel, reject, expiry, failure): its spend leaves every
    /// window, its request still counts for rate limits. `false` unless it was RESERVED.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn release_reservation(&self, request_id: TxId, now: i64) -> Result<bool, StoreError>;
    /// Marks a reservation executed; it keeps counting. `false` unless it was RESERVED.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn commit_reservation(&self, request_id: TxId, now: i64) -> Result<bool, StoreError>;
    /// One ledger row.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn reservation(&self, request_id: TxId) -> Result<Option<Reservation>, StoreError>;
    /// The window totals of `wallet` at `now` (creating or advancing the windows'
    /// bookkeeping as a decision would).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn ledger_snapshot(
        &self,
        wallet: WalletId,
        windows: &[u64],
        now: i64,
    ) -> Result<LedgerSnapshot, StoreError>;
}

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

/// State that decides where an admitted request goes, read inside the admission
/// transaction (never before it, so a concurrent change cannot be missed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionContext {
    /// The wallet's registered owner, if any.
    pub owner: Option<OwnerRecord>,
    /// The raw value of the settings key the caller named, if set.
    pub settings: Option<String>,
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

/// Outcome of [`PipelineStore::claim_transaction`].
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

/// Outcome of [`Store::admit_transaction`].
#[derive(Debug, Clone, PartialEq)]
pub enum Admission {
    /// Decided; the row was stored with the placement (and the spend reserved when allowed).
    Decided {
        /// The decision.
        decision: Decision,
        /// The stored row.
        record: TxRecord,
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

/// The kill switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KillSwitchState {
    /// Normal operation.
    Active,
    /// Activated: nothing signs; recoverable by the operator.
    Suspended,
    /// Escalated: nothing signs; recoverable by the operator.
    Locked,
}

impl KillSwitchState {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
            Self::Locked => "LOCKED",
        }
    }

    /// Parses the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Active, Self::Suspended, Self::Locked]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Ownership state of a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OwnerState {
    /// No owner.
    None,
    /// Owner set, not yet proven by a signature.
    Grace,
    /// The owner proved the key with a signature; cannot be changed by the operator.
    Locked,
}

impl OwnerState {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Grace => "GRACE",
            Self::Locked => "LOCKED",
        }
    }

    /// Parses the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::None, Self::Grace, Self::Locked]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A wallet's registered owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRecord {
    /// Wallet.
    pub wallet_id: WalletId,
    /// Owner address (EIP-55 or base58).
    pub address: String,
    /// State (GRACE or LOCKED; NONE has no row).
    pub state: OwnerState,
    /// Random challenge the owner signs to prove the key.
    pub challenge: String,
    /// Last change.
    pub updated_at: i64,
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

/// Pipeline, owner, kill-switch and audit operations (migration 0003).
pub trait PipelineStore: Send + Sync {
    /// In one write transaction: returns the earlier row when `record.idempotency_key`
    /// was used before for the wallet; refuses when the kill switch is not ACTIVE, the
    /// wallet is not ACTIVE or the session was revoked or expired; otherwise decides with
    /// `engine`, reserves the spend when allowed, reads the wallet's owner and the
    /// setting `settings_key` and places `record` with `place(&decision, &context)`, and
    /// when it is placed EXECUTING calls `sign` and stores it SIGNED (reservation
    /// committed) or FAILED (released); appends `audit` (details extended with the
    /// decision) and the signing entry.
    ///
    /// # Errors
    /// `STORAGE_ERROR`. An error never means "admitted".
    #[expect(
        clippy::too_many_arguments,
        reason = "one atomic operation, its inputs"
    )]
    fn admit_transaction(
        &self,
        record: &TxRecord,
        request: &PolicyRequest,
        prices: &PriceBook,
        now: i64,
        engine: &dyn PolicyEngine,
        settings_key: &str,
        place: &dyn Fn(&Decision, &AdmissionContext) -> Result<Placement, StoreError>,
        sign: &dyn Fn() -> SignOutcome,
        audit: &AuditEntry,
    ) -> Result<Admission, StoreError>;

    /// Claims a QUEUED or PENDING_APPROVAL row for execution, in one write transaction:
    /// applies `change` (to EXECUTING) only if its compare-and-swap holds (as
    /// [`PipelineStore::transition_transaction`]), the kill switch and the wallet are
    /// ACTIVE, the requesting session is neither revoked nor past its absolute lifetime,
    /// and `check` re-judged with the policies in force now and an empty ledger allows
    /// it. Otherwise the row is CANCELLED (a gate) or FAILED `POLICY_DENIED` (the
    /// policies), its reservation released and the outcome audited, in the same
    /// transaction: no change committed after the claim can be missed by it.
    ///
    /// # Errors
    /// `STORAGE_ERROR`. An error never means "claimed".
    fn claim_transaction(
        &self,
        id: TxId,
        change: &TxTransition,
        check: &ExecutionCheck<'_>,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<Claim, StoreError>;

    /// Applies `change` if the row is in one of `change.from` (and the nonce / expiry
    /// conditions hold), with its ledger effect and `audit`, in one write transaction.
    /// Returns the updated row, or `None` when the compare-and-swap failed.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn transition_transaction(
        &self,
        id: TxId,
        change: &TxTransition,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<Option<TxRecord>, StoreError>;

    /// One transaction.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn transaction(&self, id: TxId) -> Result<Option<TxRecord>, StoreError>;

    /// Transactions matching `filter`, newest first.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn transactions(&self, filter: &TxFilter) -> Result<Vec<TxRecord>, StoreError>;

    /// QUEUED rows whose `execute_after <= now` and PENDING_APPROVAL rows whose
    /// `expires_at <= now`, oldest first.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn due_transactions(&self, now: i64) -> Result<Vec<TxRecord>, StoreError>;

    /// Sends admitted by `wallet` since `since`, and its consecutive execution failures
    /// (FAILED rows other than denials, counted back from the newest request), each
    /// counted up to `cap` only, so the cost stays bounded however long the history.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn wallet_activity(
        &self,
        wallet: WalletId,
        since: i64,
        cap: u64,
    ) -> Result<(u64, u64), StoreError>;

    /// The registered owner of a wallet, if any.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn owner(&self, wallet: WalletId) -> Result<Option<OwnerRecord>, StoreError>;

    /// Sets (`Some`) or removes (`None`) a wallet's owner if its current state is one of
    /// `allowed_from`; returns `false` otherwise. Appends `audit`.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn set_owner(
        &self,
        wallet: WalletId,
        owner: Option<&OwnerRecord>,
        allowed_from: &[OwnerState],
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;

    /// The kill switch state.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn kill_switch(&self) -> Result<KillSwitchState, StoreError>;

    /// When the kill switch last changed state (Unix seconds; 0 when it never did).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn kill_switch_changed_at(&self) -> Result<i64, StoreError>;

    /// Moves the kill switch from `expected` to `next`; `false` if it was not `expected`.
    /// Appends `audit`. When `next` is not ACTIVE, every in-flight row (PENDING, QUEUED,
    /// PENDING_APPROVAL, EXECUTING) is cancelled in the same transaction
    /// (`KILL_SWITCH_ACTIVE`, reservations released, one `TX_CANCELLED` entry each).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn set_kill_switch(
        &self,
        expected: KillSwitchState,
        next: KillSwitchState,
        reason: Option<&str>,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;

    /// Appends an audit entry on its own.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// Audit records with `seq > after`, in order, at most `limit` (0 = all).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn audit_records(&self, after: u64, limit: u32) -> Result<Vec<AuditRecord>, StoreError>;

    /// The `(seq, hash)` of the last appended record, as recorded beside the log (so a
    /// truncated log is detected).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn audit_head(&self) -> Result<Option<(u64, String)>, StoreError>;

    /// Verifies the whole log under the audit key: the keyed chain, the unkeyed
    /// entries kept from before schema 4, and the MAC'd recorded head.
    ///
    /// # Errors
    /// `VAULT_LOCKED` without the audit key; `STORAGE_ERROR`.
    fn verify_audit_log(&self) -> Result<AuditLogCheck, StoreError>;
}

/// What [`PipelineStore::verify_audit_log`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLogCheck {
    /// Records checked.
    pub entries: u64,
    /// The chain's verdict.
    pub chain: ChainCheck,
    /// Whether the recorded head names the last record and its MAC verifies (`false`
    /// when the log lost its tail, or the head was rewritten without the key).
    pub head_ok: bool,
    /// `(seq, hash)` of the last record.
    pub head: Option<(u64, String)>,
}
