//! Transaction rows: the locks and SQL of admission (the one place a decision and a
//! reservation are made), claims for execution, compare-and-swap transitions and
//! cascades (their sequence is [`crate::operations`]), and listings.

use postgres::Row;
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::{SessionId, TxId, WalletId};
use waiaas_core::policy::{PolicyEngine, PolicyRequest, PriceBook};
use waiaas_core::store::{
    Admission, AdmissionGate, Claim, ExecutionCheck, KillSwitchState, PlacementRules, SignOutcome,
    TxFilter, TxRecord, TxTransition, WalletStatus,
};
use waiaas_core::tier::TxStatus;

use super::PgStore;
use super::locks::{lock_wallet, share_kill_switch};
use super::operations::PgRows;
use super::pool::{Conn, Params};
use super::rows::{col, corrupt};
use crate::operations::{self, CancelScope};
use crate::rules::admission;

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

pub(super) fn tx_by_id(conn: &mut Conn, id: TxId) -> Result<Option<TxRecord>, StoreError> {
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
pub(super) fn gate(
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

/// The in-flight rows of `scope` (the caller holds the locks of every wallet they can
/// be on).
pub(super) fn in_flight(conn: &mut Conn, scope: CancelScope) -> Result<Vec<TxRecord>, StoreError> {
    let in_flight: Vec<&str> = admission::IN_FLIGHT.iter().map(|s| s.as_str()).collect();
    match scope {
        CancelScope::Session(id) => load_tx(
            conn,
            &format!(
                "SELECT {TX_COLS} FROM transactions WHERE status = ANY($1) AND session_id = $2
                 ORDER BY created_at, id"
            ),
            &[&in_flight, &id.to_string()],
        ),
        CancelScope::RevokedSessions => load_tx(
            conn,
            &format!(
                "SELECT {TX_COLS} FROM transactions WHERE status = ANY($1) AND session_id IN
                 (SELECT id FROM sessions WHERE revoked_at IS NOT NULL) ORDER BY created_at, id"
            ),
            &[&in_flight],
        ),
        CancelScope::Wallet(id) => load_tx(
            conn,
            &format!(
                "SELECT {TX_COLS} FROM transactions WHERE status = ANY($1) AND wallet_id = $2
                 ORDER BY created_at, id"
            ),
            &[&in_flight, &id.to_string()],
        ),
        CancelScope::All => load_tx(
            conn,
            &format!(
                "SELECT {TX_COLS} FROM transactions WHERE status = ANY($1) ORDER BY created_at, id"
            ),
            &[&in_flight],
        ),
    }
}

/// Sets `current`'s status (while it is still `current.status`) and what `change`
/// carries.
pub(super) fn update_tx(
    conn: &mut Conn,
    current: &TxRecord,
    change: &TxTransition,
    now: i64,
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
    Ok(())
}

pub(super) fn tx_by_idempotency_key(
    conn: &mut Conn,
    wallet: WalletId,
    key: &str,
) -> Result<Option<TxRecord>, StoreError> {
    Ok(load_tx(
        conn,
        &format!(
            "SELECT {TX_COLS} FROM transactions WHERE wallet_id = $1 AND idempotency_key = $2"
        ),
        &[&wallet.to_string(), &key],
    )?
    .pop())
}

pub(super) fn insert_tx(conn: &mut Conn, r: &TxRecord) -> Result<(), StoreError> {
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
        // The locks first (kill switch shared, then the wallet): everything the
        // admission reads is read after every change committed before them, and
        // nothing of this wallet changes until commit.
        let ks = share_kill_switch(conn)?;
        let status = lock_wallet(conn, record.wallet_id)?;
        operations::admit(
            &mut PgRows::new(store, conn).gated(ks, status),
            record,
            request,
            prices,
            now,
            engine,
            rules,
            sign,
            audit,
        )
    })
}

/// Locks the wallet of row `id` (and, for a claim, the kill switch first), so that the
/// row cannot change until commit. `None` when the row does not exist.
fn lock_row_wallet(
    conn: &mut Conn,
    id: TxId,
    share_ks: bool,
) -> Result<Option<(KillSwitchState, Option<WalletStatus>)>, StoreError> {
    let Some(row) = tx_by_id(conn, id)? else {
        return Ok(None);
    };
    let ks = if share_ks {
        share_kill_switch(conn)?
    } else {
        KillSwitchState::Active
    };
    let status = lock_wallet(conn, row.wallet_id)?;
    Ok(Some((ks, status)))
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
        if lock_row_wallet(conn, id, false)?.is_none() {
            return Ok(None);
        }
        operations::transition(&mut PgRows::new(store, conn), id, change, now, audit)
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
        let Some((ks, status)) = lock_row_wallet(conn, id, true)? else {
            return Ok(Claim::Lost);
        };
        operations::claim(
            &mut PgRows::new(store, conn).gated(ks, status),
            id,
            change,
            check,
            now,
            audit,
        )
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
    max_sends: u64,
    max_failures: u64,
) -> Result<(u64, u64), StoreError> {
    if max_sends == 0 && max_failures == 0 {
        return Ok((0, 0));
    }
    let w = wallet.to_string();
    let as_i64 = |cap: u64| i64::try_from(cap).unwrap_or(i64::MAX);
    store.read(|conn| {
        // Both walk the (wallet_id, created_at) index from the newest row and stop at
        // their cap.
        let mut sends = 0;
        if max_sends > 0 {
            sends = col::<i64>(
                &conn.one(
                    "count sends",
                    "SELECT COUNT(*) FROM (SELECT 1 FROM transactions WHERE wallet_id = $1
                     AND created_at >= $2 AND COALESCE(error_code, '') != 'POLICY_DENIED'
                     LIMIT $3) s",
                    &[&w, &since, &as_i64(max_sends)],
                )?,
                0,
            )?;
        }
        let mut failures = 0;
        if max_failures > 0 {
            let statuses = conn.query(
                "count failures",
                "SELECT status FROM transactions WHERE wallet_id = $1
                 AND status IN ('SIGNED', 'SUBMITTED', 'CONFIRMED', 'FAILED')
                 AND COALESCE(error_code, '') != 'POLICY_DENIED'
                 ORDER BY created_at DESC, id DESC LIMIT $2",
                &[&w, &as_i64(max_failures)],
            )?;
            let failed = statuses
                .iter()
                .map(|r| col::<&str>(r, 0).map(|s| s == TxStatus::Failed.as_str()))
                .collect::<Result<Vec<_>, _>>()?;
            failures = admission::consecutive_failures(failed);
        }
        Ok((u64::try_from(sends).unwrap_or(0), failures))
    })
}
