//! The storage contract: the store traits and the records they take and return. No
//! backend lives here (the SQLite one is in `waiaas-store`), no SQL, and no backend type
//! crosses a trait.
//!
//! # Atomicity contract (every backend)
//! - **Every method is one atomic operation**: its transaction boundary is inside it.
//!   It either happens completely (with the audit entry that records it) or not at all;
//!   an error never means "done".
//! - **Decisions and reservations for one wallet are serialized**:
//!   [`PipelineStore::admit_transaction`] reads the wallet's policies and spend windows,
//!   decides, reserves and stores the row with no other admission, claim, transition or
//!   cascade for the same wallet in between — across threads and processes. So N
//!   concurrent requests can never overshoot a per-transaction ladder, a daily or monthly
//!   cap or a rate limit. Admission is the only way a decision and a reservation are made;
//!   [`Store::simulate`] is its dry run.
//! - **Compare-and-swap** where a method says so (vault header, session renewal,
//!   transaction transitions, owner state, kill switch): it applies only while the stored
//!   state is still the expected one, and reports whether it did.
//! - **Cascades are part of the change**: revoking a session, suspending a wallet or
//!   activating the kill switch cancels the in-flight rows they cover (reservations
//!   released) in the same atomic operation.
//! - How a backend serializes is its own business: SQLite serializes the whole
//!   database (`BEGIN IMMEDIATE`); the PostgreSQL backend locks the one wallet's row
//!   (`SELECT … FOR NO KEY UPDATE`), not the database, so that many agent hosts can share one
//!   wallet's limits. A backend must serialize at least per wallet, and a cascade over
//!   several wallets (the kill switch) must not interleave with any admission it covers.
//!
//! The backend-neutral rules every backend applies (window arithmetic, audit chaining,
//! admission gates, placement, transition validity) live in `waiaas_store::rules`; `waiaas_store`
//! also holds the conformance suite every backend must pass.

mod audit_log;
mod notify;
mod owner;
mod placement;
mod session;
mod transaction;
mod vault;
mod wallet;

pub use audit_log::AuditLogCheck;
pub use notify::{ApprovalLinkRecord, ChannelRecord, LinkRedemption};
pub use owner::{KillSwitchState, OwnerRecord, OwnerState};
pub use placement::{DurableNonceUse, PlacementRefusal, PlacementRules};
pub use session::{
    LinkedSession, RenewalCas, SessionAccess, SessionCheck, SessionInsert, SessionRecord,
    SessionSecretRecord,
};
pub use transaction::{
    Admission, AdmissionGate, Claim, ExecutionCheck, LedgerEffect, Placement, SignOutcome,
    TxFilter, TxRecord, TxTransition,
};
pub use vault::{HeaderUpgrade, SealedBox, UnlockAttempts};
pub use wallet::{RequestReads, WalletRecord, WalletStatus};

use crate::audit::{AuditEntry, AuditKey, AuditRecord};
use crate::error::StoreError;
use crate::ids::{PolicyId, SessionId, TxId, WalletId};
use crate::policy::{Decision, PolicyEngine, PolicyFilter, PolicyRecord, PolicyRequest, PriceBook};

/// Everything a waiaas instance stores: [`Store`] and [`PipelineStore`] in one object,
/// so the facade holds any backend as `Arc<dyn Backend>`. Implemented for every type
/// that implements both.
pub trait Backend: Store + PipelineStore {}

impl<T: Store + PipelineStore + ?Sized> Backend for T {}

/// Persistent state of waiaas: vault header, unlock attempts, time mark, wallets,
/// sessions, settings, policies, and the dry run of admission.
///
/// **Atomicity** (see the [module docs](self)): every method is one atomic operation,
/// its transaction boundary inside it; decisions for one wallet are serialized with
/// that wallet's admissions (SQLite serializes the database; a PostgreSQL backend locks
/// the wallet's row). Every method that changes state takes the [`AuditEntry`] that
/// records the change and appends it to the keyed hash-chained log in the same
/// operation (only when something changed); without the audit key
/// ([`Store::set_audit_key`]) such a method fails with `VAULT_LOCKED` and writes
/// nothing.
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
    /// [`Store::monotonic_now`] for a caller that has just read the stored `mark`: no
    /// second read while the clock is not past it; past it (once a second at most), the
    /// new mark is persisted.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn monotonic_now_after(&self, clock_now: i64, mark: i64) -> Result<i64, StoreError> {
        if clock_now > mark {
            self.monotonic_now(clock_now)
        } else {
            Ok(mark)
        }
    }

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
    /// What preparing a request of wallet `id` reads, in one read: the wallet, the
    /// stored settings and the time, as [`Store::monotonic_now`] of `clock_now`.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn request_reads(&self, id: WalletId, clock_now: i64) -> Result<RequestReads, StoreError>;
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

    /// Inserts a session linked to `wallet_ids` unless one of them is missing or at its
    /// cap of active sessions.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn insert_session(
        &self,
        session: &SessionRecord,
        wallet_ids: &[WalletId],
        max_active_per_wallet: u32,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<SessionInsert, StoreError>;
    /// One session, without its wallets.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn session(&self, id: SessionId) -> Result<Option<SessionRecord>, StoreError>;
    /// Everything verifying a request's token reads, in one read that writes nothing:
    /// the signing secret `kid`; the session `session` (skipped when `None`) with the
    /// wallet the request acts on — `wallet` when the session is linked to it, with
    /// `wallet` `None` the session's wallet when it has exactly one; and the persisted
    /// time mark. Every request verifies its token through this, so it must cost the
    /// same however many wallets the session has: it looks the link up by index and
    /// never reads the session's wallet list.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn session_check(
        &self,
        kid: &str,
        session: Option<SessionId>,
        wallet: Option<WalletId>,
    ) -> Result<SessionCheck, StoreError>;
    /// The wallets linked to a session, sorted by id; empty for an unknown session.
    /// Reads the whole list: for the APIs that return it, not for checking one link.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn session_wallets(&self, id: SessionId) -> Result<Vec<WalletId>, StoreError>;
    /// Sessions with their wallets, optionally only those linked to `wallet`, oldest
    /// first.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn sessions(&self, wallet: Option<WalletId>) -> Result<Vec<LinkedSession>, StoreError>;
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

    /// The dry run of [`PipelineStore::admit_transaction`]: decides `request` exactly as
    /// admission would at this moment, without storing a row or reserving (it may
    /// persist window bookkeeping that no decision can observe).
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
}

/// Pipeline, owner, kill-switch and audit operations.
///
/// **Atomicity** (see the [module docs](self)): every method is one atomic operation.
/// [`PipelineStore::admit_transaction`] is the only way a decision and a reservation
/// are made; admissions, claims, transitions and cascades touching one wallet are
/// serialized across threads and processes (SQLite serializes the whole database; a
/// PostgreSQL backend locks the one wallet's row, not the database), so concurrent
/// requests never overshoot a ladder, a cap or a rate limit.
pub trait PipelineStore: Send + Sync {
    /// In one write transaction: returns the earlier row when `record.idempotency_key`
    /// was used before for the wallet; refuses when the kill switch is not ACTIVE, the
    /// wallet is not ACTIVE or the session was revoked or expired; otherwise decides with
    /// `engine`, reserves the spend when allowed, reads the wallet's owner and the
    /// operator settings ([`crate::settings::SETTINGS_KEY`]) and places `record` by the
    /// placement rule (`waiaas_store::rules::placement`) over the decision, `rules`, the
    /// owner and the settings — an allowed request the settings or a missing owner refuse
    /// is stored FAILED with the [`PlacementRefusal`], its reservation released — and
    /// when it is placed EXECUTING calls `sign` and stores it SIGNED (reservation
    /// committed) or FAILED (released); appends `audit` (details extended with the
    /// decision) and the signing entry.
    ///
    /// # Errors
    /// `STORAGE_ERROR`, also when the stored settings no longer parse (fail closed:
    /// nothing stored, nothing reserved). An error never means "admitted".
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
        rules: &PlacementRules,
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

    /// Sends admitted by `wallet` since `since`, counted up to `max_sends`, and its
    /// consecutive execution failures (FAILED rows other than denials, counted back from
    /// the newest request) up to `max_failures`: the cost stays bounded however long the
    /// history. A cap of 0 skips its count (reported as 0); with both 0 nothing is read.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn wallet_activity(
        &self,
        wallet: WalletId,
        since: i64,
        max_sends: u64,
        max_failures: u64,
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

    /// Stores a new notification channel; `false` (nothing written) when its name is
    /// taken.
    ///
    /// # Errors
    /// `VAULT_LOCKED` without the audit key; `STORAGE_ERROR`.
    fn insert_channel(
        &self,
        channel: &ChannelRecord,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// The notification channels, by name.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn channels(&self) -> Result<Vec<ChannelRecord>, StoreError>;
    /// Deletes a channel; `false` when none has that name.
    ///
    /// # Errors
    /// `VAULT_LOCKED` without the audit key; `STORAGE_ERROR`.
    fn delete_channel(&self, name: &str, audit: &AuditEntry) -> Result<bool, StoreError>;
    /// Counts one delivery of channel `name`: delivered with `error` `None`, else failed
    /// for that reason. Bookkeeping, not audited; a deleted channel is ignored.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn record_delivery(&self, name: &str, error: Option<&str>, now: i64) -> Result<(), StoreError>;

    /// Stores a new approval-page link (its token's hash only) and forgets links that
    /// expired long before `now`. Not audited: a link grants nothing until it is
    /// redeemed, which is.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    fn insert_approval_link(&self, link: &ApprovalLinkRecord, now: i64) -> Result<(), StoreError>;
    /// Redeems the link whose token hashes to `token_hash` for `tx_id` at `now`, at most
    /// once (compare-and-swap on its use), appending `audit` when it is redeemed.
    ///
    /// # Errors
    /// `VAULT_LOCKED` without the audit key; `STORAGE_ERROR`.
    fn redeem_approval_link(
        &self,
        token_hash: &str,
        tx_id: TxId,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<LinkRedemption, StoreError>;
}
