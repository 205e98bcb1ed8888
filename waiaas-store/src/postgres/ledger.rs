//! The spend ledger and its rolling windows: the SQL only. Every function runs inside
//! a transaction that holds the wallet's lock; the window arithmetic (what to read,
//! how totals move) is [`crate::rules::windows`].

use waiaas_core::error::StoreError;
use waiaas_core::ids::TxId;
use waiaas_core::policy::{
    Decision, LedgerSnapshot, PolicyEngine, PolicyInput, PolicyRequest, PriceBook,
    ReservationStatus, Spend,
};

use super::PgStore;
use super::clock::advance_time;
use super::locks::lock_wallet;
use super::policies::applicable;
use super::pool::{Conn, Params};
use super::rows::{col, corrupt, json_err};
use crate::rules::windows::{LedgerEntry, SpendWindows, WindowStep};

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
        decide(store, conn, request, prices, now, engine, false)
    })
}

/// A wallet's windows as loaded, and whether its stored row exists.
struct Windows {
    state: SpendWindows,
    exists: bool,
}

fn parse_spend(text: &str) -> Result<Spend, StoreError> {
    serde_json::from_str(text).map_err(json_err("spend_ledger"))
}

fn parse_status(text: &str) -> Result<ReservationStatus, StoreError> {
    ReservationStatus::parse(text)
        .ok_or_else(|| corrupt("spend_ledger", format!("status `{text}`")))
}

/// Loads `wallet`'s windows; the first time, sums its open reservations once.
fn load_windows(conn: &mut Conn, wallet: &str) -> Result<Windows, StoreError> {
    let text: Option<String> = conn
        .opt(
            "read spend windows",
            "SELECT state FROM spend_windows WHERE wallet_id = $1",
            &[&wallet],
        )?
        .map(|r| col(&r, 0))
        .transpose()?;
    let mut state =
        SpendWindows::from_stored(text.as_deref()).map_err(json_err("spend_windows"))?;
    if !state.knows_in_flight() {
        let reserved = conn
            .query(
                "build in-flight totals",
                "SELECT spend FROM spend_ledger WHERE wallet_id = $1 AND status = 'RESERVED'",
                &[&wallet],
            )?
            .iter()
            .map(|r| parse_spend(col(r, 0)?))
            .collect::<Result<Vec<_>, _>>()?;
        state.set_in_flight(&reserved);
    }
    Ok(Windows {
        state,
        exists: text.is_some(),
    })
}

/// Writes `wallet`'s windows back when they changed.
fn save_windows(conn: &mut Conn, wallet: &str, windows: &Windows) -> Result<(), StoreError> {
    if !windows.state.dirty() {
        return Ok(());
    }
    let state = windows
        .state
        .to_stored()
        .map_err(json_err("spend_windows"))?;
    let sql = if windows.exists {
        "UPDATE spend_windows SET state = $2 WHERE wallet_id = $1"
    } else {
        "INSERT INTO spend_windows (wallet_id, state) VALUES ($1, $2)"
    };
    conn.exec("write spend windows", sql, &[&wallet, &state])?;
    Ok(())
}

/// The wallet's ledger rows in a `created_at` range, as the window rules need them.
fn ledger_entries(
    conn: &mut Conn,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<LedgerEntry>, StoreError> {
    conn.query("read spend window", sql, params)?
        .iter()
        .map(|r| {
            Ok(LedgerEntry {
                status: parse_status(col(r, 0)?)?,
                spend: parse_spend(col(r, 1)?)?,
            })
        })
        .collect()
}

/// Brings window `w` of `wallet` to `now` (see [`WindowStep`]).
fn advance_window(
    conn: &mut Conn,
    wallet: &str,
    windows: &mut Windows,
    w: u64,
    now: i64,
) -> Result<(), StoreError> {
    match windows.state.step(w, now) {
        WindowStep::Current => {}
        WindowStep::Evict { after, upto } => {
            let left = ledger_entries(
                conn,
                "SELECT status, spend FROM spend_ledger
                 WHERE wallet_id = $1 AND created_at > $2 AND created_at <= $3",
                &[&wallet, &after, &upto],
            )?;
            windows.state.evict(w, upto, &left);
        }
        WindowStep::Build { after } => {
            let rows = ledger_entries(
                conn,
                "SELECT status, spend FROM spend_ledger WHERE wallet_id = $1 AND created_at > $2",
                &[&wallet, &after],
            )?;
            windows.state.build(w, after, &rows);
        }
    }
    Ok(())
}

/// Reads the policies and window totals, decides, and (when `reserve` and allowed)
/// inserts the ledger row and adds it to every window. The caller holds the wallet's
/// lock and commits or rolls back.
pub(super) fn decide(
    store: &PgStore,
    conn: &mut Conn,
    request: &PolicyRequest,
    prices: &PriceBook,
    now: i64,
    engine: &dyn PolicyEngine,
    reserve: bool,
) -> Result<Decision, StoreError> {
    // A clock stepped back must not age spends out early or place a reservation
    // behind a window's cursor.
    let now = advance_time(conn, now)?;
    let request_id = request.request_id.to_string();
    if reserve {
        let exists: bool = col(
            &conn.one(
                "check request id",
                "SELECT EXISTS (SELECT 1 FROM spend_ledger WHERE request_id = $1)",
                &[&request_id],
            )?,
            0,
        )?;
        if exists {
            return Err(StoreError::DuplicateRequest { request_id });
        }
    }
    let wallet = request.wallet_id.to_string();
    let policies = applicable(store, conn, request.wallet_id)?;
    let mut needed = engine.windows(request, &policies);
    needed.sort_unstable();
    needed.dedup();
    needed.retain(|w| *w > 0);
    let mut windows = load_windows(conn, &wallet)?;
    for w in needed.iter().copied() {
        advance_window(conn, &wallet, &mut windows, w, now)?;
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
        let stamp = windows.state.reservation_stamp(now);
        conn.exec(
            "reserve spend",
            "INSERT INTO spend_ledger (request_id, wallet_id, network, kind, tier, status, spend, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'RESERVED', $6, $7, $7)",
            &[
                &request_id,
                &wallet,
                &request.network.as_str(),
                &request.body.kind(),
                &decision.tier.as_str(),
                &spend,
                &stamp,
            ],
        )?;
        windows.state.reserve(&decision.spend);
    }
    // Window maintenance is kept even by `simulate`: it changes no total a decision
    // can observe, and saves the next decision the work.
    save_windows(conn, &wallet, &windows)?;
    Ok(decision)
}

/// Judges `request` with the policies in force now and an empty ledger, for a row
/// whose spend was reserved at admission (see the SQLite backend's `judge`). Writes
/// nothing.
pub(super) fn judge(
    store: &PgStore,
    conn: &mut Conn,
    request: &PolicyRequest,
    prices: &PriceBook,
    now: i64,
    engine: &dyn PolicyEngine,
) -> Result<Decision, StoreError> {
    let policies = applicable(store, conn, request.wallet_id)?;
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
    conn: &mut Conn,
    op: &'static str,
    request_id: TxId,
) -> Result<Option<(i64, String, i64, Spend)>, StoreError> {
    let Some(row) = conn.opt(
        op,
        "SELECT seq, wallet_id, created_at, status, spend FROM spend_ledger WHERE request_id = $1",
        &[&request_id.to_string()],
    )?
    else {
        return Ok(None);
    };
    if parse_status(col(&row, 3)?)? != ReservationStatus::Reserved {
        return Ok(None);
    }
    Ok(Some((
        col(&row, 0)?,
        col(&row, 1)?,
        col(&row, 2)?,
        parse_spend(col(&row, 4)?)?,
    )))
}

/// Releases a reservation (its spend leaves every window and the in-flight totals).
pub(super) fn release(conn: &mut Conn, request_id: TxId, now: i64) -> Result<bool, StoreError> {
    let Some((seq, wallet, created_at, spend)) =
        reserved_row(conn, "release reservation", request_id)?
    else {
        return Ok(false);
    };
    conn.exec(
        "release reservation",
        "UPDATE spend_ledger SET status = 'RELEASED', updated_at = $1 WHERE seq = $2",
        &[&now, &seq],
    )?;
    let mut windows = load_windows(conn, &wallet)?;
    windows.state.release(created_at, &spend);
    save_windows(conn, &wallet, &windows)?;
    Ok(true)
}

/// Commits a reservation (it keeps counting in the windows, leaves the in-flight
/// totals).
pub(super) fn commit(conn: &mut Conn, request_id: TxId, now: i64) -> Result<bool, StoreError> {
    let Some((seq, wallet, _, spend)) = reserved_row(conn, "commit reservation", request_id)?
    else {
        return Ok(false);
    };
    conn.exec(
        "commit reservation",
        "UPDATE spend_ledger SET status = 'COMMITTED', updated_at = $1 WHERE seq = $2",
        &[&now, &seq],
    )?;
    let mut windows = load_windows(conn, &wallet)?;
    windows.state.commit(&spend);
    save_windows(conn, &wallet, &windows)?;
    Ok(true)
}
