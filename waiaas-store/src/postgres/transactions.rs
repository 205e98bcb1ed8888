//! Transaction rows: admission (the one place a decision and a reservation are made),
//! claims for execution, compare-and-swap transitions, cascades and listings.

use postgres::Row;
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::{SessionId, TxId, WalletId};
use waiaas_core::policy::{Decision, PolicyEngine, PolicyRequest, PriceBook, Reason};
use waiaas_core::settings::{SETTINGS_KEY, Settings};
use waiaas_core::store::{
    Admission, AdmissionGate, Claim, ExecutionCheck, KillSwitchState, LedgerEffect, PlacementRules,
    SignOutcome, TxFilter, TxRecord, TxTransition, WalletStatus,
};
use waiaas_core::tier::TxStatus;

use super::PgStore;
use super::audit::append;
use super::clock::advance_time;
use super::ledger::{commit, decide, judge, release};
use super::locks::{lock_wallet, share_kill_switch};
use super::owners::owner_row;
use super::pool::{Conn, Params};
use super::rows::{col, corrupt};
use super::settings::setting_row;
use crate::rules::{admission, placement};

const TX_COLS: &str = "id, wallet_id, session_id, network, kind, status, tier, request, decision, \
    idempotency_key, owner_nonce, result, error_code, error_message, execute_after, expires_at, \
    created_at, updated_at";

fn tx_from_row(row: &Row) -> Result<TxRecord, StoreError> {
    const T: &str = "transactions";
    let id: &str = col(row, 0)?;
    let wallet: &str = col(row, 1)?;
    let session: Option<&str> = col(row, 2)?;
    let network: &str = col(row, 3)?;
    let status: &str = col(row, 5)?;
    let tier: Option<&str> = col(row, 6)?;
    Ok(TxRecord {
        id: TxId::parse(id).map_err(|_| corrupt(T, format!("id `{id}`")))?,
        wallet_id: WalletId::parse(wallet).map_err(|_| corrupt(T, format!("wallet `{wallet}`")))?,
        session_id: session
            .map(|s| SessionId::parse(s).map_err(|_| corrupt(T, format!("session `{s}`"))))
            .transpose()?,
        network: network
            .parse()
            .map_err(|_| corrupt(T, format!("network `{network}`")))?,
        kind: col(row, 4)?,
        status: TxStatus::parse(status).ok_or_else(|| corrupt(T, format!("status `{status}`")))?,
        tier: tier
            .map(|t| t.parse().map_err(|_| corrupt(T, format!("tier `{t}`"))))
            .transpose()?,
        request: col(row, 7)?,
        decision: col(row, 8)?,
        idempotency_key: col(row, 9)?,
        owner_nonce: col(row, 10)?,
        result: col(row, 11)?,
        error_code: col(row, 12)?,
        error_message: col(row, 13)?,
        execute_after: col(row, 14)?,
        expires_at: col(row, 15)?,
        created_at: col(row, 16)?,
        updated_at: col(row, 17)?,
    })
}

fn load_tx(conn: &mut Conn, sql: &str, params: Params<'_>) -> Result<Vec<TxRecord>, StoreError> {
    conn.query("read transactions", sql, params)?
        .iter()
        .map(tx_from_row)
        .collect()
}

fn tx_by_id(conn: &mut Conn, id: TxId) -> Result<Option<TxRecord>, StoreError> {
    Ok(load_tx(
        conn,
        &format!("SELECT {TX_COLS} FROM transactions WHERE id = $1"),
        &[&id.to_string()],
    )?
    .pop())
}

/// Why a row of a wallet in `status` (read under its lock), requested by `session`,
/// may not sign at `now` with the kill switch in `ks`, if so: reads the session row
/// only when the kill switch and the wallet passed, and asks [`admission::gate`].
fn gate(
    conn: &mut Conn,
    ks: KillSwitchState,
    status: Option<WalletStatus>,
    session: Option<SessionId>,
    now: i64,
) -> Result<Option<AdmissionGate>, StoreError> {
    if ks != KillSwitchState::Active || status != Some(WalletStatus::Active) {
        return Ok(admission::gate(ks, status, None, now));
    }
    let session_row = match session {
        None => None,
        Some(session) => Some(
            conn.opt(
                "read session",
                "SELECT revoked_at, created_at, absolute_lifetime_seconds FROM sessions WHERE id = $1",
                &[&session.to_string()],
            )?
            .map(|r| {
                Ok::<_, StoreError>(admission::SessionGateRow {
                    revoked_at: col(&r, 0)?,
                    created_at: col(&r, 1)?,
                    absolute_lifetime_seconds: col(&r, 2)?,
                })
            })
            .transpose()?,
        ),
    };
    Ok(admission::gate(ks, status, session_row, now))
}

/// Which in-flight rows a cascade cancels; the caller holds the locks of every wallet
/// they can be on.
#[derive(Debug, Clone, Copy)]
pub(super) enum CancelScope {
    /// Rows requested by this session.
    Session(SessionId),
    /// Rows requested by any revoked session.
    RevokedSessions,
    /// This wallet's rows.
    Wallet(WalletId),
    /// Every row.
    All,
}

/// Cancels the in-flight rows of `scope` inside the caller's transaction, each through
/// [`apply_transition`] (reservation released, one `TX_CANCELLED` entry with the
/// cause, carrying `audit`'s time and actor). Returns how many.
pub(super) fn cancel_in_flight(
    conn: &mut Conn,
    scope: CancelScope,
    cause: AdmissionGate,
    now: i64,
    audit: &AuditEntry,
) -> Result<u64, StoreError> {
    let in_flight: Vec<&str> = admission::IN_FLIGHT.iter().map(|s| s.as_str()).collect();
    let rows = match scope {
        CancelScope::Session(id) => load_tx(
            conn,
            &format!(
                "SELECT {TX_COLS} FROM transactions WHERE status = ANY($1) AND session_id = $2
                 ORDER BY created_at, id"
            ),
            &[&in_flight, &id.to_string()],
        )?,
        CancelScope::RevokedSessions => load_tx(
            conn,
            &format!(
                "SELECT {TX_COLS} FROM transactions WHERE status = ANY($1) AND session_id IN
                 (SELECT id FROM sessions WHERE revoked_at IS NOT NULL) ORDER BY created_at, id"
            ),
            &[&in_flight],
        )?,
        CancelScope::Wallet(id) => load_tx(
            conn,
            &format!(
                "SELECT {TX_COLS} FROM transactions WHERE status = ANY($1) AND wallet_id = $2
                 ORDER BY created_at, id"
            ),
            &[&in_flight, &id.to_string()],
        )?,
        CancelScope::All => load_tx(
            conn,
            &format!(
                "SELECT {TX_COLS} FROM transactions WHERE status = ANY($1) ORDER BY created_at, id"
            ),
            &[&in_flight],
        )?,
    };
    let change = admission::cancellation(cause);
    let mut n: u64 = 0;
    for row in &rows {
        let entry = AuditEntry {
            event: "TX_CANCELLED".to_owned(),
            wallet_id: Some(row.wallet_id),
            tx_id: Some(row.id),
            details: serde_json::json!({ "cause": cause.code(), "by": audit.event }),
            ..audit.clone()
        };
        apply_transition(conn, row, &change, now, &entry)?;
        n = n.saturating_add(1);
    }
    Ok(n)
}

/// Applies `change` to `current` (whose compare-and-swap the caller checked under the
/// wallet's lock): the status update, its ledger effect and its audit entry.
fn apply_transition(
    conn: &mut Conn,
    current: &TxRecord,
    change: &TxTransition,
    now: i64,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    conn.exec(
        "update transaction",
        "UPDATE transactions SET status = $1, result = COALESCE($2, result),
             error_code = COALESCE($3, error_code), error_message = COALESCE($4, error_message),
             owner_nonce = $5, updated_at = $6
         WHERE id = $7 AND status = $8",
        &[
            &change.to.as_str(),
            &change.result,
            &change.error_code,
            &change.error_message,
            &admission::consumed_nonce(&current.owner_nonce, change),
            &now,
            &current.id.to_string(),
            &current.status.as_str(),
        ],
    )?;
    match change.ledger {
        LedgerEffect::None => {}
        LedgerEffect::Release => {
            release(conn, current.id, now)?;
        }
        LedgerEffect::Commit => {
            commit(conn, current.id, now)?;
        }
    }
    let mut entry = audit.clone();
    entry.details = serde_json::json!({
        "from": current.status.as_str(),
        "to": change.to.as_str(),
        "details": entry.details,
    });
    append(conn, &entry);
    Ok(())
}

fn insert_tx(conn: &mut Conn, r: &TxRecord) -> Result<(), StoreError> {
    conn.exec(
        "insert transaction",
        &format!(
            "INSERT INTO transactions ({TX_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
             $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        ),
        &[
            &r.id.to_string(),
            &r.wallet_id.to_string(),
            &r.session_id.map(|s| s.to_string()),
            &r.network.as_str(),
            &r.kind,
            &r.status.as_str(),
            &r.tier.map(|t| t.as_str()),
            &r.request,
            &r.decision,
            &r.idempotency_key,
            &r.owner_nonce,
            &r.result,
            &r.error_code,
            &r.error_message,
            &r.execute_after,
            &r.expires_at,
            &r.created_at,
            &r.updated_at,
        ],
    )?;
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one atomic operation, its inputs"
)]
pub(super) fn admit_transaction(
    store: &PgStore,
    record: &TxRecord,
    request: &PolicyRequest,
    prices: &PriceBook,
    now: i64,
    engine: &dyn PolicyEngine,
    rules: &PlacementRules,
    sign: &dyn Fn() -> SignOutcome,
    audit: &AuditEntry,
) -> Result<Admission, StoreError> {
    let key = store.audit_key()?;
    store.write("admit transaction", Some(&key), |conn| {
        // The locks first (kill switch shared, then the wallet): everything below is
        // read after every change committed before them, and nothing of this wallet
        // changes until commit.
        let ks = share_kill_switch(conn)?;
        let status = lock_wallet(conn, record.wallet_id)?;
        // Decide at the time high-water mark; deadlines placed from an earlier `now`
        // move with it, so a clock behind the mark cannot shorten a DELAY.
        let requested_now = now;
        let now = advance_time(conn, now)?;
        let shift = now.saturating_sub(requested_now);
        if let Some(key) = &record.idempotency_key {
            let existing = load_tx(
                conn,
                &format!(
                    "SELECT {TX_COLS} FROM transactions WHERE wallet_id = $1 AND idempotency_key = $2"
                ),
                &[&record.wallet_id.to_string(), key],
            )?
            .pop();
            if let Some(existing) = existing {
                return Ok(Admission::Duplicate(existing));
            }
        }
        if let Some(g) = gate(conn, ks, status, record.session_id, now)? {
            return Ok(Admission::Refused(g));
        }
        let decision = decide(store, conn, request, prices, now, engine, true)?;
        // Read under the wallet's lock: an owner registered (or a setting changed) by
        // a transaction that committed before this one is always seen. Settings that
        // no longer parse fail the admission (nothing stored, nothing reserved).
        let has_owner = owner_row(conn, record.wallet_id)?.is_some();
        let settings = Settings::from_stored(setting_row(conn, SETTINGS_KEY)?.as_deref())?;
        let (placed, refusal) =
            placement::place(&decision, rules, &settings, has_owner, requested_now);
        let placement = admission::shift_placement(placed, shift);
        let decision_json = serde_json::to_string(&decision)
            .map_err(|e| corrupt("transactions", e.to_string()))?;
        // Signing runs inside this transaction (the callback must not use the store):
        // the signature is returned only once the row holding it is committed.
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
        insert_tx(conn, &stored)?;
        match admitted.ledger {
            LedgerEffect::None => {}
            LedgerEffect::Release => {
                release(conn, stored.id, now)?;
            }
            LedgerEffect::Commit => {
                commit(conn, stored.id, now)?;
            }
        }
        for entry in &admitted.audit {
            append(conn, entry);
        }
        Ok(Admission::Decided {
            decision,
            record: stored,
            refusal,
        })
    })
}

/// Reads row `id` and locks its wallet (then the row is read again: it cannot change
/// until commit). `None` when the row does not exist.
fn lock_row(conn: &mut Conn, id: TxId, share_ks: bool) -> Result<Option<Locked>, StoreError> {
    let Some(first) = tx_by_id(conn, id)? else {
        return Ok(None);
    };
    let ks = if share_ks {
        Some(share_kill_switch(conn)?)
    } else {
        None
    };
    let status = lock_wallet(conn, first.wallet_id)?;
    Ok(tx_by_id(conn, id)?.map(|row| Locked { row, ks, status }))
}

/// A transaction row read under its wallet's lock.
struct Locked {
    row: TxRecord,
    ks: Option<KillSwitchState>,
    status: Option<WalletStatus>,
}

pub(super) fn transition_transaction(
    store: &PgStore,
    id: TxId,
    change: &TxTransition,
    now: i64,
    audit: &AuditEntry,
) -> Result<Option<TxRecord>, StoreError> {
    let key = store.audit_key()?;
    store.write("transition transaction", Some(&key), |conn| {
        let Some(Locked { row: current, .. }) = lock_row(conn, id, false)? else {
            return Ok(None);
        };
        // An approval window is judged at the time high-water mark, never earlier.
        let mark = advance_time(conn, now)?;
        if !admission::transition_holds(&current, change, mark) {
            return Ok(None);
        }
        apply_transition(conn, &current, change, now, audit)?;
        tx_by_id(conn, id)
    })
}

pub(super) fn claim_transaction(
    store: &PgStore,
    id: TxId,
    change: &TxTransition,
    check: &ExecutionCheck<'_>,
    now: i64,
    audit: &AuditEntry,
) -> Result<Claim, StoreError> {
    let key = store.audit_key()?;
    store.write("claim transaction", Some(&key), |conn| {
        let Some(Locked {
            row: current,
            ks,
            status,
        }) = lock_row(conn, id, true)?
        else {
            return Ok(Claim::Lost);
        };
        let mark = advance_time(conn, now)?;
        if !admission::transition_holds(&current, change, mark) {
            return Ok(Claim::Lost);
        }
        let stop = |conn: &mut Conn,
                    to: TxStatus,
                    code: &str,
                    message: String,
                    event: &str,
                    details| {
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
            apply_transition(conn, &current, &stop, now, &entry)?;
            tx_by_id(conn, id)?.ok_or_else(|| corrupt("transactions", "claimed row vanished"))
        };
        let ks = ks.unwrap_or(KillSwitchState::Active);
        if let Some(g) = gate(conn, ks, status, current.session_id, now)? {
            let record = stop(
                conn,
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
            judge(store, conn, check.request, check.prices, now, check.engine)?
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
                conn,
                TxStatus::Failed,
                "POLICY_DENIED",
                reasons.join(", "),
                "TX_FAILED",
                serde_json::json!({ "code": "POLICY_DENIED", "reasons": reasons, "stage": "execution" }),
            )?;
            return Ok(Claim::Denied { decision, record });
        }
        apply_transition(conn, &current, change, now, audit)?;
        tx_by_id(conn, id)?
            .map(Claim::Claimed)
            .ok_or_else(|| corrupt("transactions", "claimed row vanished"))
    })
}

pub(super) fn transaction(store: &PgStore, id: TxId) -> Result<Option<TxRecord>, StoreError> {
    store.read(|conn| tx_by_id(conn, id))
}

pub(super) fn transactions(
    store: &PgStore,
    filter: &TxFilter,
) -> Result<Vec<TxRecord>, StoreError> {
    let wallet = filter.wallet_id.map(|w| w.to_string());
    let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
    let sql = format!(
        "SELECT {TX_COLS} FROM transactions
         WHERE ($1::text IS NULL OR wallet_id = $1)
           AND (cardinality($2::text[]) = 0 OR status = ANY($2))
         ORDER BY created_at DESC, id DESC"
    );
    store.read(|conn| {
        if filter.limit == 0 {
            load_tx(conn, &sql, &[&wallet, &statuses])
        } else {
            load_tx(
                conn,
                &format!("{sql} LIMIT $3"),
                &[&wallet, &statuses, &i64::from(filter.limit)],
            )
        }
    })
}

pub(super) fn due_transactions(store: &PgStore, now: i64) -> Result<Vec<TxRecord>, StoreError> {
    store.read(|conn| {
        load_tx(
            conn,
            &format!(
                "SELECT {TX_COLS} FROM transactions
                 WHERE (status = 'QUEUED' AND execute_after <= $1)
                    OR (status = 'PENDING_APPROVAL' AND expires_at <= $1)
                 ORDER BY created_at, id"
            ),
            &[&now],
        )
    })
}

pub(super) fn wallet_activity(
    store: &PgStore,
    wallet: WalletId,
    since: i64,
    cap: u64,
) -> Result<(u64, u64), StoreError> {
    let w = wallet.to_string();
    let cap = i64::try_from(cap).unwrap_or(i64::MAX);
    store.read(|conn| {
        // Both walk the (wallet_id, created_at) index from the newest row and stop at `cap`.
        let sends: i64 = col(
            &conn.one(
                "count sends",
                "SELECT COUNT(*) FROM (SELECT 1 FROM transactions WHERE wallet_id = $1
                 AND created_at >= $2 AND COALESCE(error_code, '') != 'POLICY_DENIED' LIMIT $3) s",
                &[&w, &since, &cap],
            )?,
            0,
        )?;
        let statuses = conn.query(
            "count failures",
            "SELECT status FROM transactions WHERE wallet_id = $1
             AND status IN ('SIGNED', 'SUBMITTED', 'CONFIRMED', 'FAILED')
             AND COALESCE(error_code, '') != 'POLICY_DENIED'
             ORDER BY created_at DESC, id DESC LIMIT $2",
            &[&w, &cap],
        )?;
        let failed = statuses
            .iter()
            .map(|r| col::<&str>(r, 0).map(|s| s == TxStatus::Failed.as_str()))
            .collect::<Result<Vec<_>, _>>()?;
        let failures = admission::consecutive_failures(failed);
        Ok((u64::try_from(sends).unwrap_or(0), failures))
    })
}
