//! The spend ledger and its rolling windows: the SQL only. Every function runs inside a
//! transaction opened by the caller; the window arithmetic (what to read, how totals
//! move) is [`crate::rules::windows`].

use rusqlite::{Connection, OptionalExtension, params};
use waiaas_core::error::StoreError;
use waiaas_core::ids::TxId;
#[cfg(feature = "test-support")]
use waiaas_core::ids::WalletId;
#[cfg(feature = "test-support")]
use waiaas_core::policy::Reservation;
use waiaas_core::policy::{
    Decision, LedgerSnapshot, PolicyEngine, PolicyInput, PolicyRequest, PriceBook,
    ReservationStatus, Spend,
};

use super::SqliteStore;
use super::clock::advance_time;
use super::policies::applicable;
use super::rows::{corrupt, db_err, json_err};
use crate::policy_cache::PolicyCache;
use crate::rules::windows::{LedgerEntry, SpendWindows, WindowStep};

pub(super) fn simulate(
    store: &SqliteStore,
    request: &PolicyRequest,
    prices: &PriceBook,
    now: i64,
    engine: &dyn PolicyEngine,
) -> Result<Decision, StoreError> {
    // A write transaction, because window maintenance (creation, eviction) is
    // written; no reservation is.
    store.write("simulate", |conn| {
        decide(
            conn,
            &mut store.policy_cache(),
            request,
            prices,
            now,
            engine,
            false,
        )
    })
}

/// A wallet's windows as loaded, and whether its stored row exists.
pub(super) struct Windows {
    state: SpendWindows,
    exists: bool,
}

/// Loads `wallet`'s windows; the first time, sums its open reservations once.
pub(super) fn load_windows(conn: &Connection, wallet: &str) -> Result<Windows, StoreError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT state FROM spend_windows WHERE wallet_id = ?1")
        .and_then(|mut s| s.query_row([wallet], |r| r.get(0)).optional())
        .map_err(db_err("read spend windows"))?;
    let mut state =
        SpendWindows::from_stored(text.as_deref()).map_err(json_err("spend_windows"))?;
    if !state.knows_in_flight() {
        let mut reserved = Vec::new();
        let mut stmt = conn
            .prepare_cached(
                "SELECT spend FROM spend_ledger WHERE wallet_id = ?1 AND status = 'RESERVED'",
            )
            .map_err(db_err("build in-flight totals"))?;
        let mut rows = stmt
            .query([wallet])
            .map_err(db_err("build in-flight totals"))?;
        while let Some(r) = rows.next().map_err(db_err("build in-flight totals"))? {
            let spend: String = r.get(0).map_err(db_err("build in-flight totals"))?;
            reserved.push(parse_spend(&spend)?);
        }
        state.set_in_flight(&reserved);
    }
    Ok(Windows {
        state,
        exists: text.is_some(),
    })
}

/// Writes `wallet`'s windows back when they changed.
pub(super) fn save_windows(
    conn: &Connection,
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
    let sql = if windows.exists {
        "UPDATE spend_windows SET state = ?2 WHERE wallet_id = ?1"
    } else {
        "INSERT INTO spend_windows (wallet_id, state) VALUES (?1, ?2)"
    };
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute(params![wallet, state]))
        .map_err(db_err("write spend windows"))?;
    Ok(())
}

pub(super) fn parse_spend(text: &str) -> Result<Spend, StoreError> {
    serde_json::from_str(text).map_err(json_err("spend_ledger"))
}

pub(super) fn parse_reservation_status(text: &str) -> Result<ReservationStatus, StoreError> {
    ReservationStatus::parse(text)
        .ok_or_else(|| corrupt("spend_ledger", format!("status `{text}`")))
}

/// The wallet's ledger rows in a `created_at` range, as the window rules need them.
fn ledger_entries(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<LedgerEntry>, StoreError> {
    let mut stmt = conn
        .prepare_cached(sql)
        .map_err(db_err("read spend window"))?;
    let mut rows = stmt.query(params).map_err(db_err("read spend window"))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db_err("read spend window"))? {
        let status: String = r.get(0).map_err(db_err("read spend window"))?;
        let spend: String = r.get(1).map_err(db_err("read spend window"))?;
        out.push(LedgerEntry {
            status: parse_reservation_status(&status)?,
            spend: parse_spend(&spend)?,
        });
    }
    Ok(out)
}

/// Brings window `w` of `wallet` to `now`: creates it from the ledger the first time
/// (one range read of the window), afterwards reads only the rows that left it.
pub(super) fn advance_window(
    conn: &Connection,
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
                 WHERE wallet_id = ?1 AND created_at > ?2 AND created_at <= ?3",
                &[&wallet, &after, &upto],
            )?;
            windows.state.evict(w, upto, &left);
        }
        WindowStep::Build { after } => {
            let rows = ledger_entries(
                conn,
                "SELECT status, spend FROM spend_ledger WHERE wallet_id = ?1 AND created_at > ?2",
                &[&wallet, &after],
            )?;
            windows.state.build(w, after, &rows);
        }
    }
    Ok(())
}

/// Reads the policies and window totals, decides, and (when `reserve` and allowed)
/// inserts the ledger row and adds it to every window. The caller commits or rolls back.
pub(super) fn decide(
    conn: &Connection,
    cache: &mut PolicyCache,
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
        let exists: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM spend_ledger WHERE request_id = ?1)")
            .and_then(|mut s| s.query_row([&request_id], |r| r.get(0)))
            .map_err(db_err("check request id"))?;
        if exists {
            return Err(StoreError::DuplicateRequest { request_id });
        }
    }
    let wallet = request.wallet_id.to_string();
    let policies = applicable(cache, conn, request.wallet_id)?;
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
        // After every cursor, so the row is in every window and is evicted only when a
        // cursor passes it (with the time mark this is `now`).
        let stamp = windows.state.reservation_stamp(now);
        conn.prepare_cached(
            "INSERT INTO spend_ledger (request_id, wallet_id, network, kind, tier, status, spend, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'RESERVED', ?6, ?7, ?7)",
        )
        .and_then(|mut s| {
            s.execute(params![
                request_id,
                wallet,
                request.network.as_str(),
                request.body.kind(),
                decision.tier.as_str(),
                spend,
                stamp
            ])
        })
        .map_err(db_err("reserve spend"))?;
        windows.state.reserve(&decision.spend);
    }
    // Window maintenance (creation, eviction) is kept even by `simulate`: it changes
    // no total a decision can observe, and saves the next decision the work.
    save_windows(conn, &wallet, &windows)?;
    Ok(decision)
}

/// Judges `request` with the policies in force now and an empty ledger, for a row
/// whose spend was reserved at admission: the allow-lists, time windows and other
/// deny rules are applied again, while rate and cumulative limits (already holding
/// this row's reservation) are not counted a second time. Writes nothing.
pub(super) fn judge(
    conn: &Connection,
    cache: &mut PolicyCache,
    request: &PolicyRequest,
    prices: &PriceBook,
    now: i64,
    engine: &dyn PolicyEngine,
) -> Result<Decision, StoreError> {
    let policies = applicable(cache, conn, request.wallet_id)?;
    let windows = engine.windows(request, &policies);
    Ok(engine.evaluate(&PolicyInput {
        request,
        policies: &policies,
        ledger: &LedgerSnapshot::empty(&windows),
        prices,
        now,
    }))
}

pub(super) fn release(conn: &Connection, request_id: TxId, now: i64) -> Result<bool, StoreError> {
    let row: Option<(i64, String, i64, String, String)> = conn
        .prepare_cached(
            "SELECT seq, wallet_id, created_at, status, spend FROM spend_ledger WHERE request_id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([request_id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()
        })
        .map_err(db_err("release reservation"))?;
    let Some((seq, wallet, created_at, status, spend)) = row else {
        return Ok(false);
    };
    if parse_reservation_status(&status)? != ReservationStatus::Reserved {
        return Ok(false);
    }
    let spend = parse_spend(&spend)?;
    conn.prepare_cached(
        "UPDATE spend_ledger SET status = 'RELEASED', updated_at = ?1 WHERE seq = ?2",
    )
    .and_then(|mut s| s.execute(params![now, seq]))
    .map_err(db_err("release reservation"))?;
    let mut windows = load_windows(conn, &wallet)?;
    windows.state.release(created_at, &spend);
    save_windows(conn, &wallet, &windows)?;
    Ok(true)
}

pub(super) fn commit(conn: &Connection, request_id: TxId, now: i64) -> Result<bool, StoreError> {
    let row: Option<(i64, String, String, String)> = conn
        .prepare_cached(
            "SELECT seq, wallet_id, status, spend FROM spend_ledger WHERE request_id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([request_id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
        })
        .map_err(db_err("commit reservation"))?;
    let Some((seq, wallet, status, spend)) = row else {
        return Ok(false);
    };
    if parse_reservation_status(&status)? != ReservationStatus::Reserved {
        return Ok(false);
    }
    conn.prepare_cached(
        "UPDATE spend_ledger SET status = 'COMMITTED', updated_at = ?1 WHERE seq = ?2",
    )
    .and_then(|mut s| s.execute(params![now, seq]))
    .map_err(db_err("commit reservation"))?;
    // Committed spend keeps counting in the windows; it is no longer in flight.
    let mut windows = load_windows(conn, &wallet)?;
    windows.state.commit(&parse_spend(&spend)?);
    save_windows(conn, &wallet, &windows)?;
    Ok(true)
}

#[cfg(feature = "test-support")]
pub(super) fn reservation(
    conn: &Connection,
    request_id: TxId,
) -> Result<Option<Reservation>, StoreError> {
    const T: &str = "spend_ledger";
    type RowTuple = (String, String, String, String, String, String, i64, i64);
    let row: Option<RowTuple> = conn
        .prepare_cached(
            "SELECT wallet_id, network, kind, tier, status, spend, created_at, updated_at
             FROM spend_ledger WHERE request_id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([request_id.to_string()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })
            .optional()
        })
        .map_err(db_err("read reservation"))?;
    let Some((wallet, network, kind, tier, status, spend, created_at, updated_at)) = row else {
        return Ok(None);
    };
    Ok(Some(Reservation {
        request_id,
        wallet_id: WalletId::parse(&wallet).map_err(|_| corrupt(T, "wallet id"))?,
        network: network.parse().map_err(|_| corrupt(T, "network"))?,
        kind,
        tier: tier.parse().map_err(|_| corrupt(T, "tier"))?,
        status: parse_reservation_status(&status)?,
        spend: parse_spend(&spend)?,
        created_at,
        updated_at,
    }))
}

#[cfg(feature = "test-support")]
pub(super) fn snapshot(
    conn: &Connection,
    wallet: WalletId,
    windows: &[u64],
    now: i64,
) -> Result<LedgerSnapshot, StoreError> {
    let now = advance_time(conn, now)?;
    let wallet = wallet.to_string();
    let windows: Vec<u64> = windows.iter().copied().filter(|w| *w > 0).collect();
    let mut rows = load_windows(conn, &wallet)?;
    for w in windows.iter().copied() {
        advance_window(conn, &wallet, &mut rows, w, now)?;
    }
    let out = rows.state.snapshot(&windows);
    save_windows(conn, &wallet, &rows)?;
    Ok(out)
}

#[cfg(feature = "test-support")]
pub(super) fn insert_row_for_tests(conn: &Connection, r: &Reservation) -> Result<(), StoreError> {
    let spend = serde_json::to_string(&r.spend).map_err(json_err("spend_ledger"))?;
    conn.execute(
        "INSERT INTO spend_ledger (request_id, wallet_id, network, kind, tier, status, spend, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            r.request_id.to_string(),
            r.wallet_id.to_string(),
            r.network.as_str(),
            r.kind,
            r.tier.as_str(),
            r.status.as_str(),
            spend,
            r.created_at,
            r.updated_at
        ],
    )
    .map_err(db_err("insert ledger row"))?;
    Ok(())
}

/// Side doors for tests and benchmarks (feature `test-support`): decide and reserve
/// outside admission, move a reservation by hand, read the ledger. Production code
/// makes decisions and reservations only through admission
/// ([`PipelineStore::admit_transaction`](waiaas_core::store::PipelineStore::admit_transaction)).
#[cfg(feature = "test-support")]
impl SqliteStore {
    /// Decides `request` with `engine` and, when allowed, reserves its spend, in one
    /// write transaction, without storing a transaction row.
    ///
    /// # Errors
    /// `DUPLICATE_REQUEST` when `request.request_id` already has a reservation;
    /// `STORAGE_ERROR`.
    pub fn evaluate_and_reserve(
        &self,
        request: &PolicyRequest,
        prices: &PriceBook,
        now: i64,
        engine: &dyn PolicyEngine,
    ) -> Result<Decision, StoreError> {
        self.write("evaluate and reserve", |conn| {
            decide(
                conn,
                &mut self.policy_cache(),
                request,
                prices,
                now,
                engine,
                true,
            )
        })
    }

    /// Releases a reservation: its spend leaves every window, its request still counts
    /// for rate limits. `false` unless it was RESERVED.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn release_reservation(&self, request_id: TxId, now: i64) -> Result<bool, StoreError> {
        self.write("release reservation", |conn| release(conn, request_id, now))
    }

    /// Marks a reservation executed; it keeps counting. `false` unless it was RESERVED.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn commit_reservation(&self, request_id: TxId, now: i64) -> Result<bool, StoreError> {
        self.write("commit reservation", |conn| commit(conn, request_id, now))
    }

    /// One ledger row.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn reservation(&self, request_id: TxId) -> Result<Option<Reservation>, StoreError> {
        reservation(&self.conn(), request_id)
    }

    /// The window totals of `wallet` at `now` (creating or advancing the windows'
    /// bookkeeping as a decision would).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn ledger_snapshot(
        &self,
        wallet: WalletId,
        windows: &[u64],
        now: i64,
    ) -> Result<LedgerSnapshot, StoreError> {
        self.write("read ledger", |conn| snapshot(conn, wallet, windows, now))
    }

    /// Inserts a ledger row as it is, bypassing the engine: for conformance vectors
    /// that start from a given ledger state.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn insert_ledger_row_for_tests(&self, row: &Reservation) -> Result<(), StoreError> {
        insert_row_for_tests(&self.conn(), row)
    }
}
