//! The sequence of each store operation that decides, reserves or moves a transaction
//! row, written once over [`Rows`]: the row primitives a backend provides inside its
//! open transaction (its SQL). What each step decides is [`crate::rules`]; how a
//! backend makes the whole sequence atomic (SQLite's database lock, PostgreSQL's row
//! locks) is the backend's, around these functions.

use std::sync::Arc;

use waiaas_core::audit::{AuditEntry, AuditKey, entry_mac, head_mac};
use waiaas_core::error::StoreError;
use waiaas_core::ids::{SessionId, TxId, WalletId};
use waiaas_core::policy::{
    Decision, LedgerSnapshot, PolicyEngine, PolicyInput, PolicyRecord, PolicyRequest, PriceBook,
    Reason, ReservationStatus, Spend,
};
use waiaas_core::settings::{SETTINGS_KEY, Settings};
use waiaas_core::store::{
    Admission, AdmissionGate, Claim, ExecutionCheck, LedgerEffect, PlacementRules, SignOutcome,
    TxRecord, TxTransition,
};
use waiaas_core::tier::{Tier, TxStatus};

use crate::rules::audit::{self, HeadRow};
use crate::rules::windows::{LedgerEntry, SpendWindows, WindowStep};
use crate::rules::{admission, placement};
use crate::stored::{corrupt, json_err};

/// One ledger row as stored: `(seq, wallet, created_at, status, spend JSON)`.
pub(crate) type LedgerRow = (i64, String, i64, String, String);

/// Which in-flight rows a cascade cancels.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CancelScope {
    /// Rows requested by this session.
    Session(SessionId),
    /// Rows requested by any revoked session.
    RevokedSessions,
    /// This wallet's rows.
    Wallet(WalletId),
    /// Every row.
    All,
}

/// A backend's open transaction, as the operations need it: each method one read or
/// write of its tables.
pub(crate) trait Rows {
    /// `max(now, time mark)`, moving the mark forward.
    fn advance_time(&mut self, now: i64) -> Result<i64, StoreError>;
    /// The policies that can apply to `wallet` (its own and the global ones).
    fn applicable_policies(&mut self, wallet: WalletId) -> Result<Arc<[PolicyRecord]>, StoreError>;
    /// Whether a reservation exists for `request_id`.
    fn reservation_exists(&mut self, request_id: &str) -> Result<bool, StoreError>;
    /// The stored window state of `wallet`, if any.
    fn spend_windows(&mut self, wallet: &str) -> Result<Option<String>, StoreError>;
    /// Writes the window state of `wallet` (`exists`: a row is there to update).
    fn save_spend_windows(
        &mut self,
        wallet: &str,
        state: &str,
        exists: bool,
    ) -> Result<(), StoreError>;
    /// The spend JSON of `wallet`'s RESERVED ledger rows.
    fn reserved_spends(&mut self, wallet: &str) -> Result<Vec<String>, StoreError>;
    /// `(status, spend JSON)` of `wallet`'s ledger rows with `after < created_at` and,
    /// when given, `created_at <= upto`.
    fn ledger_entries(
        &mut self,
        wallet: &str,
        after: i64,
        upto: Option<i64>,
    ) -> Result<Vec<(String, String)>, StoreError>;
    /// Inserts a RESERVED ledger row stamped `created_at`.
    fn insert_reservation(
        &mut self,
        request: &PolicyRequest,
        tier: Tier,
        spend: &str,
        created_at: i64,
    ) -> Result<(), StoreError>;
    /// The ledger row of `request_id`.
    fn ledger_row(&mut self, request_id: TxId) -> Result<Option<LedgerRow>, StoreError>;
    /// Sets ledger row `seq`'s status.
    fn set_ledger_status(&mut self, seq: i64, status: &str, now: i64) -> Result<(), StoreError>;
    /// One transaction row.
    fn tx_by_id(&mut self, id: TxId) -> Result<Option<TxRecord>, StoreError>;
    /// `wallet`'s row with idempotency key `key`.
    fn tx_by_idempotency_key(
        &mut self,
        wallet: WalletId,
        key: &str,
    ) -> Result<Option<TxRecord>, StoreError>;
    /// The in-flight rows of `scope`.
    fn in_flight(&mut self, scope: CancelScope) -> Result<Vec<TxRecord>, StoreError>;
    /// Inserts a transaction row.
    fn insert_tx(&mut self, record: &TxRecord) -> Result<(), StoreError>;
    /// Sets `current`'s status and what `change` carries (result, error, owner nonce)
    /// while its status is still `current.status`.
    fn update_tx(
        &mut self,
        current: &TxRecord,
        change: &TxTransition,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Why `wallet` (and `session`) may not sign at `now`, if so
    /// ([`admission::gate`] over what the backend reads or holds locked).
    fn gate(
        &mut self,
        wallet: WalletId,
        session: Option<SessionId>,
        now: i64,
    ) -> Result<Option<AdmissionGate>, StoreError>;
    /// Whether `wallet` has a registered owner.
    fn has_owner(&mut self, wallet: WalletId) -> Result<bool, StoreError>;
    /// A setting.
    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError>;
    /// Appends audit entries, in order, in this transaction.
    fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError>;
}

/// A wallet's windows as loaded, and whether its stored row exists.
pub(crate) struct Windows {
    pub(crate) state: SpendWindows,
    exists: bool,
}

pub(crate) fn parse_spend(text: &str) -> Result<Spend, StoreError> {
    serde_json::from_str(text).map_err(json_err("spend_ledger"))
}

pub(crate) fn parse_status(text: &str) -> Result<ReservationStatus, StoreError> {
    ReservationStatus::parse(text)
        .ok_or_else(|| corrupt("spend_ledger", format!("status `{text}`")))
}

/// Loads `wallet`'s windows; the first time, sums its open reservations once.
pub(crate) fn load_windows(rows: &mut impl Rows, wallet: &str) -> Result<Windows, StoreError> {
    let text = rows.spend_windows(wallet)?;
    let mut state =
        SpendWindows::from_stored(text.as_deref()).map_err(json_err("spend_windows"))?;
    if !state.knows_in_flight() {
        let reserved = rows
            .reserved_spends(wallet)?
            .iter()
            .map(|s| parse_spend(s))
            .collect::<Result<Vec<_>, _>>()?;
        state.set_in_flight(&reserved);
    }
    Ok(Windows {
        state,
        exists: text.is_some(),
    })
}

/// Writes `wallet`'s windows back when they changed.
pub(crate) fn save_windows(
    rows: &mut impl Rows,
    wallet: &str,
    windows: &Windows,
) -> Result<(), StoreError> {
    if !windows.state.dirty() {
        return Ok(());
    }
    let state = windows
        .state
        .to_stored()
        .map_err(json_err("spend_windows"))?;
    rows.save_spend_windows(wallet, &state, windows.exists)
}

/// Brings window `w` of `wallet` to `now`: creates it from the ledger the first time
/// (one range read of the window), afterwards reads only the rows that left it.
pub(crate) fn advance_window(
    rows: &mut impl Rows,
    wallet: &str,
    windows: &mut Windows,
    w: u64,
    now: i64,
) -> Result<(), StoreError> {
    let entries = |rows: &mut _, after, upto| -> Result<Vec<LedgerEntry>, StoreError> {
        Rows::ledger_entries(rows, wallet, after, upto)?
            .iter()
            .map(|(status, spend)| {
                Ok(LedgerEntry {
                    status: parse_status(status)?,
                    spend: parse_spend(spend)?,
                })
            })
            .collect()
    };
    match windows.state.step(w, now) {
        WindowStep::Current => {}
        WindowStep::Evict { after, upto } => {
            let left = entries(rows, after, Some(upto))?;
            windows.state.evict(w, upto, &left);
        }
        WindowStep::Build { after } => {
            let built = entries(rows, after, None)?;
            windows.state.build(w, after, &built);
        }
    }
    Ok(())
}

/// Reads the policies and window totals, decides, and (when `reserve` and allowed)
/// inserts the ledger row and adds it to every window. The caller commits or rolls back.
pub(crate) fn decide(
    rows: &mut impl Rows,
    request: &PolicyRequest,
    prices: &PriceBook,
    now: i64,
    engine: &dyn PolicyEngine,
    reserve: bool,
) -> Result<Decision, StoreError> {
    // A clock stepped back must not age spends out early or place a reservation
    // behind a window's cursor.
    let now = rows.advance_time(now)?;
    let request_id = request.request_id.to_string();
    if reserve && rows.reservation_exists(&request_id)? {
        return Err(StoreError::DuplicateRequest { request_id });
    }
    let wallet = request.wallet_id.to_string();
    let policies = rows.applicable_policies(request.wallet_id)?;
    let mut needed = engine.windows(request, &policies);
    needed.sort_unstable();
    needed.dedup();
    needed.retain(|w| *w > 0);
    let mut windows = load_windows(rows, &wallet)?;
    for w in needed.iter().copied() {
        advance_window(rows, &wallet, &mut windows, w, now)?;
    }
    let snapshot = windows.state.snapshot(&needed);
    let decision = engine.evaluate(&PolicyInput {
        request,
        policies: &policies,
        ledger: &snapshot,
        prices,
        now,
    });
    if reserve && decision.allowed {
        let spend = serde_json::to_string(&decision.spend).map_err(json_err("spend_ledger"))?;
        // After every cursor, so the row is in every window and is evicted only when a
        // cursor passes it (with the time mark this is `now`).
        let stamp = windows.state.reservation_stamp(now);
        rows.insert_reservation(request, decision.tier, &spend, stamp)?;
        windows.state.reserve(&decision.spend);
    }
    // Window maintenance (creation, eviction) is kept even by `simulate`: it changes
    // no total a decision can observe, and saves the next decision the work.
    save_windows(rows, &wallet, &windows)?;
    Ok(decision)
}

/// Judges `request` with the policies in force now and an empty ledger, for a row
/// whose spend was reserved at admission: the allow-lists, time windows and other
/// deny rules are applied again, while rate and cumulative limits (already holding
/// this row's reservation) are not counted a second time. Writes nothing.
pub(crate) fn judge(
    rows: &mut impl Rows,
    request: &PolicyRequest,
    prices: &PriceBook,
    now: i64,
    engine: &dyn PolicyEngine,
) -> Result<Decision, StoreError> {
    let policies = rows.applicable_policies(request.wallet_id)?;
    let windows = engine.windows(request, &policies);
    Ok(engine.evaluate(&PolicyInput {
        request,
        policies: &policies,
        ledger: &LedgerSnapshot::empty(&windows),
        prices,
        now,
    }))
}

/// The RESERVED ledger row of `request_id`: (seq, wallet, created_at, spend).
fn reserved_row(
    rows: &mut impl Rows,
    request_id: TxId,
) -> Result<Option<(i64, String, i64, Spend)>, StoreError> {
    let Some((seq, wallet, created_at, status, spend)) = rows.ledger_row(request_id)? else {
        return Ok(None);
    };
    if parse_status(&status)? != ReservationStatus::Reserved {
        return Ok(None);
    }
    Ok(Some((seq, wallet, created_at, parse_spend(&spend)?)))
}

/// Releases a reservation: its spend leaves every window still holding it and the
/// in-flight totals (its request keeps counting). `false` unless it was RESERVED.
pub(crate) fn release(
    rows: &mut impl Rows,
    request_id: TxId,
    now: i64,
) -> Result<bool, StoreError> {
    let Some((seq, wallet, created_at, spend)) = reserved_row(rows, request_id)? else {
        return Ok(false);
    };
    rows.set_ledger_status(seq, ReservationStatus::Released.as_str(), now)?;
    let mut windows = load_windows(rows, &wallet)?;
    windows.state.release(created_at, &spend);
    save_windows(rows, &wallet, &windows)?;
    Ok(true)
}

/// Commits a reservation: it keeps counting in the windows and leaves the in-flight
/// totals. `false` unless it was RESERVED.
pub(crate) fn commit(rows: &mut impl Rows, request_id: TxId, now: i64) -> Result<bool, StoreError> {
    let Some((seq, wallet, _, spend)) = reserved_row(rows, request_id)? else {
        return Ok(false);
    };
    rows.set_ledger_status(seq, ReservationStatus::Committed.as_str(), now)?;
    let mut windows = load_windows(rows, &wallet)?;
    windows.state.commit(&spend);
    save_windows(rows, &wallet, &windows)?;
    Ok(true)
}

fn apply_ledger(
    rows: &mut impl Rows,
    effect: LedgerEffect,
    id: TxId,
    now: i64,
) -> Result<(), StoreError> {
    match effect {
        LedgerEffect::None => {}
        LedgerEffect::Release => {
            release(rows, id, now)?;
        }
        LedgerEffect::Commit => {
            commit(rows, id, now)?;
        }
    }
    Ok(())
}

/// Applies `change` to `current` (whose compare-and-swap the caller checked in the same
/// transaction): the status update, its ledger effect and its audit entry.
pub(crate) fn apply_transition(
    rows: &mut impl Rows,
    current: &TxRecord,
    change: &TxTransition,
    now: i64,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    rows.update_tx(current, change, now)?;
    apply_ledger(rows, change.ledger, current.id, now)?;
    let mut entry = audit.clone();
    entry.details = serde_json::json!({
        "from": current.status.as_str(),
        "to": change.to.as_str(),
        "details": entry.details,
    });
    rows.append_audit(std::slice::from_ref(&entry))
}

/// Cancels the in-flight rows of `scope`, each through [`apply_transition`]
/// (reservation released, one `TX_CANCELLED` entry with the cause, carrying `audit`'s
/// time and actor). Returns how many.
pub(crate) fn cancel_in_flight(
    rows: &mut impl Rows,
    scope: CancelScope,
    cause: AdmissionGate,
    now: i64,
    audit: &AuditEntry,
) -> Result<u64, StoreError> {
    let change = admission::cancellation(cause);
    let mut n: u64 = 0;
    for row in rows.in_flight(scope)? {
        let entry = AuditEntry {
            event: "TX_CANCELLED".to_owned(),
            wallet_id: Some(row.wallet_id),
            tx_id: Some(row.id),
            details: serde_json::json!({ "cause": cause.code(), "by": audit.event }),
            ..audit.clone()
        };
        apply_transition(rows, &row, &change, now, &entry)?;
        n = n.saturating_add(1);
    }
    Ok(n)
}

/// Admission, inside the backend's write transaction (see
/// [`PipelineStore::admit_transaction`](waiaas_core::store::PipelineStore::admit_transaction)).
#[expect(
    clippy::too_many_arguments,
    reason = "one atomic operation, its inputs"
)]
pub(crate) fn admit(
    rows: &mut impl Rows,
    record: &TxRecord,
    request: &PolicyRequest,
    prices: &PriceBook,
    now: i64,
    engine: &dyn PolicyEngine,
    rules: &PlacementRules,
    sign: &dyn Fn() -> SignOutcome,
    audit: &AuditEntry,
) -> Result<Admission, StoreError> {
    // Decide at the time high-water mark; deadlines placed from an earlier `now`
    // move with it, so a clock behind the mark cannot shorten a DELAY.
    let requested_now = now;
    let now = rows.advance_time(now)?;
    let shift = now.saturating_sub(requested_now);
    if let Some(key) = &record.idempotency_key
        && let Some(existing) = rows.tx_by_idempotency_key(record.wallet_id, key)?
    {
        return Ok(Admission::Duplicate(existing));
    }
    if let Some(g) = rows.gate(record.wallet_id, record.session_id, now)? {
        return Ok(Admission::Refused(g));
    }
    let decision = decide(rows, request, prices, now, engine, true)?;
    // Read here, inside the transaction: an owner registered (or a setting changed) by
    // a transaction that committed before this one is always seen. Settings that no
    // longer parse fail the admission (nothing stored, nothing reserved).
    let has_owner = rows.has_owner(record.wallet_id)?;
    let settings = Settings::from_stored(rows.setting(SETTINGS_KEY)?.as_deref())?;
    let (placed, refusal) = placement::place(&decision, rules, &settings, has_owner, requested_now);
    let placement = admission::shift_placement(placed, shift);
    let decision_json =
        serde_json::to_string(&decision).map_err(|e| corrupt("transactions", e.to_string()))?;
    // Signing runs inside this transaction (the callback must not use the store): the
    // signature is returned only once the row that accounts for it is committed.
    let signing = (placement.status == TxStatus::Executing).then(sign);
    let admitted = admission::admitted(
        record,
        &decision,
        decision_json,
        placement,
        signing.as_ref(),
        now,
        audit,
    );
    let stored = admitted.record;
    rows.insert_tx(&stored)?;
    apply_ledger(rows, admitted.ledger, stored.id, now)?;
    // Chained together: the head is read and recorded once.
    rows.append_audit(&admitted.audit)?;
    Ok(Admission::Decided {
        decision,
        record: stored,
        refusal,
    })
}

/// A compare-and-swap transition of row `id`, inside the backend's write transaction.
pub(crate) fn transition(
    rows: &mut impl Rows,
    id: TxId,
    change: &TxTransition,
    now: i64,
    audit: &AuditEntry,
) -> Result<Option<TxRecord>, StoreError> {
    let Some(current) = rows.tx_by_id(id)? else {
        return Ok(None);
    };
    // An approval window is judged at the time high-water mark, never earlier.
    let mark = rows.advance_time(now)?;
    if !admission::transition_holds(&current, change, mark) {
        return Ok(None);
    }
    apply_transition(rows, &current, change, now, audit)?;
    rows.tx_by_id(id)
}

/// The claim of row `id` for execution, inside the backend's write transaction (see
/// [`PipelineStore::claim_transaction`](waiaas_core::store::PipelineStore::claim_transaction)).
pub(crate) fn claim(
    rows: &mut impl Rows,
    id: TxId,
    change: &TxTransition,
    check: &ExecutionCheck<'_>,
    now: i64,
    audit: &AuditEntry,
) -> Result<Claim, StoreError> {
    let Some(current) = rows.tx_by_id(id)? else {
        return Ok(Claim::Lost);
    };
    let mark = rows.advance_time(now)?;
    if !admission::transition_holds(&current, change, mark) {
        return Ok(Claim::Lost);
    }
    let stop = |rows: &mut _, to, code: &str, message, event: &str, details| {
        let stop = TxTransition {
            error_code: Some(code.to_owned()),
            error_message: Some(message),
            ledger: LedgerEffect::Release,
            ..TxTransition::new(&[current.status], to)
        };
        let entry = AuditEntry {
            event: event.to_owned(),
            details,
            ..audit.clone()
        };
        apply_transition(rows, &current, &stop, now, &entry)?;
        Rows::tx_by_id(rows, id)?.ok_or_else(|| corrupt("transactions", "claimed row vanished"))
    };
    if let Some(g) = rows.gate(current.wallet_id, current.session_id, now)? {
        let record = stop(
            rows,
            TxStatus::Cancelled,
            g.code(),
            g.message().to_owned(),
            "TX_CANCELLED",
            serde_json::json!({ "cause": g.code(), "stage": "execution" }),
        )?;
        return Ok(Claim::Stopped { gate: g, record });
    }
    // A request built for another row would judge the wrong thing: deny.
    let decision = if admission::judges_this_row(
        check.request.request_id,
        check.request.wallet_id,
        &current,
    ) {
        judge(rows, check.request, check.prices, now, check.engine)?
    } else {
        Decision::deny(Reason {
            policy_id: None,
            policy_type: None,
            code: "EXECUTION_REQUEST_MISMATCH".to_owned(),
            message: "the request re-judged at execution is not this transaction's".to_owned(),
            instruction: None,
        })
    };
    if !decision.allowed {
        let reasons = decision.reason_codes();
        let record = stop(
            rows,
            TxStatus::Failed,
            "POLICY_DENIED",
            reasons.join(", "),
            "TX_FAILED",
            serde_json::json!({ "code": "POLICY_DENIED", "reasons": reasons, "stage": "execution" }),
        )?;
        return Ok(Claim::Denied { decision, record });
    }
    apply_transition(rows, &current, change, now, audit)?;
    rows.tx_by_id(id)?
        .map(Claim::Claimed)
        .ok_or_else(|| corrupt("transactions", "claimed row vanished"))
}

/// The audit log's rows, as chaining an entry needs them. The caller holds the chain
/// (SQLite's database lock, PostgreSQL's advisory lock) until commit.
pub(crate) trait AuditRows {
    /// `(seq, hash)` of the row with the highest `seq`.
    fn last_audit_row(&mut self) -> Result<Option<(i64, String)>, StoreError>;
    /// The recorded head.
    fn audit_head(&mut self) -> Result<Option<HeadRow>, StoreError>;
    /// Whether a row with `seq` exists.
    fn audit_seq_taken(&mut self, seq: i64) -> Result<bool, StoreError>;
    /// Inserts a keyed record.
    fn insert_audit(
        &mut self,
        seq: i64,
        entry: &AuditEntry,
        prev_hash: &str,
        hash: &str,
    ) -> Result<(), StoreError>;
    /// Records the head `(seq, hash)` with its MAC.
    fn record_audit_head(&mut self, seq: i64, hash: &str, mac: &str) -> Result<(), StoreError>;
}

/// Appends `entries` in order, each chained to the one before (the first to the current
/// head) under `key` (HMAC-SHA256), and records the new head with its MAC beside it;
/// where an entry goes and what it links to is [`audit::next_link`]. Once an entry
/// lands after every existing row (the usual case), the next one goes right after it,
/// linked to it, with nothing to read; the head is recorded once, after the last.
pub(crate) fn chain_audit_entries(
    rows: &mut impl AuditRows,
    key: &AuditKey,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
    // The log's end when it is known to be the genuine head with no row beyond it.
    let mut end: Option<(u64, String)> = None;
    for entry in entries {
        let (seq, prev_hash) = match end.take() {
            Some((seq, hash)) => (seq.saturating_add(1), hash),
            None => {
                let last = rows.last_audit_row()?;
                // An unreadable head is no head: the append must still happen.
                let genuine = audit::genuine_head(key, rows.audit_head().ok().flatten());
                let slot_free = match audit::slot_after_head(genuine.as_ref())
                    .and_then(|s| i64::try_from(s).ok())
                {
                    Some(s) => !rows.audit_seq_taken(s)?,
                    None => false,
                };
                let link = audit::next_link(
                    genuine.as_ref(),
                    last.as_ref().map(|(s, h)| (*s, h.as_str())),
                    slot_free,
                );
                let beyond_last = last
                    .as_ref()
                    .is_none_or(|(s, _)| i64::try_from(link.seq).is_ok_and(|l| l > *s));
                if !beyond_last {
                    // Rows planted beyond the head: chain the slow way, one at a time.
                    write_entry(rows, key, link.seq, &link.prev_hash, entry)?;
                    continue;
                }
                (link.seq, link.prev_hash)
            }
        };
        let hash = entry_mac(key, seq, &prev_hash, entry);
        let seq_i = i64::try_from(seq).map_err(|_| corrupt("audit_log", "seq out of range"))?;
        rows.insert_audit(seq_i, entry, &prev_hash, &hash)?;
        end = Some((seq, hash));
    }
    if let Some((seq, hash)) = end {
        let seq_i = i64::try_from(seq).map_err(|_| corrupt("audit_log", "seq out of range"))?;
        rows.record_audit_head(seq_i, &hash, &head_mac(key, seq, &hash))?;
    }
    Ok(())
}

/// Inserts one entry at `seq` linked to `prev_hash` and records it as the head.
fn write_entry(
    rows: &mut impl AuditRows,
    key: &AuditKey,
    seq: u64,
    prev_hash: &str,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let hash = entry_mac(key, seq, prev_hash, entry);
    let seq_i = i64::try_from(seq).map_err(|_| corrupt("audit_log", "seq out of range"))?;
    rows.insert_audit(seq_i, entry, prev_hash, &hash)?;
    rows.record_audit_head(seq_i, &hash, &head_mac(key, seq, &hash))
}
