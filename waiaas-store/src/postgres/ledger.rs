//! The spend ledger and its rolling windows: the SQL only. Every function runs inside
//! a transaction that holds the wallet's lock; the sequence is [`crate::operations`]
//! and the window arithmetic [`crate::rules::windows`].

use waiaas_core::error::StoreError;
use waiaas_core::ids::TxId;
use waiaas_core::policy::{Decision, PolicyEngine, PolicyRequest, PriceBook};
use waiaas_core::tier::Tier;

use super::PgStore;
use super::locks::lock_wallet;
use super::operations::PgRows;
use super::pool::Conn;
use super::rows::col;
use crate::operations::{self, LedgerRow};

pub(super) fn simulate(
    store: &PgStore,
    request: &PolicyRequest,
    prices: &PriceBook,
    now: i64,
    engine: &dyn PolicyEngine,
) -> Result<Decision, StoreError> {
    // Under the wallet's lock, because window maintenance (creation, eviction) is
    // written; no reservation is.
    store.write("simulate", None, |conn| {
        lock_wallet(conn, request.wallet_id)?;
        operations::decide(
            &mut PgRows::new(store, conn),
            request,
            prices,
            now,
            engine,
            false,
        )
    })
}

pub(super) fn spend_windows(conn: &mut Conn, wallet: &str) -> Result<Option<String>, StoreError> {
    conn.opt(
        "read spend windows",
        "SELECT state FROM spend_windows WHERE wallet_id = $1",
        &[&wallet],
    )?
    .map(|r| col(&r, 0))
    .transpose()
}

pub(super) fn save_spend_windows(
    conn: &mut Conn,
    wallet: &str,
    state: &str,
    exists: bool,
) -> Result<(), StoreError> {
    let sql = if exists {
        "UPDATE spend_windows SET state = $2 WHERE wallet_id = $1"
    } else {
        "INSERT INTO spend_windows (wallet_id, state) VALUES ($1, $2)"
    };
    conn.exec("write spend windows", sql, &[&wallet, &state])?;
    Ok(())
}

pub(super) fn reserved_spends(conn: &mut Conn, wallet: &str) -> Result<Vec<String>, StoreError> {
    conn.query(
        "build in-flight totals",
        "SELECT spend FROM spend_ledger WHERE wallet_id = $1 AND status = 'RESERVED'",
        &[&wallet],
    )?
    .iter()
    .map(|r| col(r, 0))
    .collect()
}

/// `(status, spend)` of the wallet's ledger rows created after `after` (and at or
/// before `upto`).
pub(super) fn ledger_entries(
    conn: &mut Conn,
    wallet: &str,
    after: i64,
    upto: Option<i64>,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = match upto {
        Some(upto) => conn.query(
            "read spend window",
            "SELECT status, spend FROM spend_ledger
             WHERE wallet_id = $1 AND created_at > $2 AND created_at <= $3",
            &[&wallet, &after, &upto],
        )?,
        None => conn.query(
            "read spend window",
            "SELECT status, spend FROM spend_ledger WHERE wallet_id = $1 AND created_at > $2",
            &[&wallet, &after],
        )?,
    };
    rows.iter().map(|r| Ok((col(r, 0)?, col(r, 1)?))).collect()
}

pub(super) fn reservation_exists(conn: &mut Conn, request_id: &str) -> Result<bool, StoreError> {
    col(
        &conn.one(
            "check request id",
            "SELECT EXISTS (SELECT 1 FROM spend_ledger WHERE request_id = $1)",
            &[&request_id],
        )?,
        0,
    )
}

pub(super) fn insert_reservation(
    conn: &mut Conn,
    request: &PolicyRequest,
    tier: Tier,
    spend: &str,
    created_at: i64,
) -> Result<(), StoreError> {
    conn.exec(
        "reserve spend",
        "INSERT INTO spend_ledger (request_id, wallet_id, network, kind, tier, status, spend, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'RESERVED', $6, $7, $7)",
        &[
            &request.request_id.to_string(),
            &request.wallet_id.to_string(),
            &request.network.as_str(),
            &request.body.kind(),
            &tier.as_str(),
            &spend,
            &created_at,
        ],
    )?;
    Ok(())
}

pub(super) fn ledger_row(
    conn: &mut Conn,
    request_id: TxId,
) -> Result<Option<LedgerRow>, StoreError> {
    conn.opt(
        "read reservation",
        "SELECT seq, wallet_id, created_at, status, spend FROM spend_ledger WHERE request_id = $1",
        &[&request_id.to_string()],
    )?
    .map(|r| {
        Ok((
            col(&r, 0)?,
            col(&r, 1)?,
            col(&r, 2)?,
            col(&r, 3)?,
            col(&r, 4)?,
        ))
    })
    .transpose()
}

pub(super) fn set_ledger_status(
    conn: &mut Conn,
    seq: i64,
    status: &str,
    now: i64,
) -> Result<(), StoreError> {
    conn.exec(
        "update reservation",
        "UPDATE spend_ledger SET status = $1, updated_at = $2 WHERE seq = $3",
        &[&status, &now, &seq],
    )?;
    Ok(())
}
