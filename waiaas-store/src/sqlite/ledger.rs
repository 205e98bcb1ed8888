//! The spend ledger and its rolling windows: the SQL only. Every function runs inside a
//! transaction opened by the caller; the sequence is [`crate::operations`] and the
//! window arithmetic (what to read, how totals move) [`crate::rules::windows`].

use rusqlite::{Connection, OptionalExtension, params};
use waiaas_core::error::StoreError;
use waiaas_core::ids::TxId;
#[cfg(feature = "test-support")]
use waiaas_core::ids::WalletId;
#[cfg(feature = "test-support")]
use waiaas_core::policy::LedgerSnapshot;
#[cfg(feature = "test-support")]
use waiaas_core::policy::Reservation;
use waiaas_core::policy::{Decision, PolicyEngine, PolicyRequest, PriceBook};
use waiaas_core::tier::Tier;

use super::SqliteStore;
use super::operations::SqliteRows;
use super::rows::db_err;
#[cfg(feature = "test-support")]
use super::rows::{corrupt, json_err};
use crate::operations::{self, LedgerRow};

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
        operations::decide(
            &mut SqliteRows::new(store, conn, None),
            request,
            prices,
            now,
            engine,
            false,
        )
    })
}

pub(super) fn spend_windows(conn: &Connection, wallet: &str) -> Result<Option<String>, StoreError> {
    conn.prepare_cached("SELECT state FROM spend_windows WHERE wallet_id = ?1")
        .and_then(|mut s| s.query_row([wallet], |r| r.get(0)).optional())
        .map_err(db_err("read spend windows"))
}

pub(super) fn save_spend_windows(
    conn: &Connection,
    wallet: &str,
    state: &str,
    exists: bool,
) -> Result<(), StoreError> {
    let sql = if exists {
        "UPDATE spend_windows SET state = ?2 WHERE wallet_id = ?1"
    } else {
        "INSERT INTO spend_windows (wallet_id, state) VALUES (?1, ?2)"
    };
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute(params![wallet, state]))
        .map_err(db_err("write spend windows"))?;
    Ok(())
}

pub(super) fn reserved_spends(conn: &Connection, wallet: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT spend FROM spend_ledger WHERE wallet_id = ?1 AND status = 'RESERVED'",
        )
        .map_err(db_err("build in-flight totals"))?;
    let rows = stmt
        .query_map([wallet], |r| r.get(0))
        .map_err(db_err("build in-flight totals"))?;
    rows.collect::<Result<_, _>>()
        .map_err(db_err("build in-flight totals"))
}

/// `(status, spend)` of the wallet's ledger rows created after `after` (and at or
/// before `upto`), as the window rules need them.
pub(super) fn ledger_entries(
    conn: &Connection,
    wallet: &str,
    after: i64,
    upto: Option<i64>,
) -> Result<Vec<(String, String)>, StoreError> {
    let read = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
    match upto {
        Some(upto) => conn
            .prepare_cached(
                "SELECT status, spend FROM spend_ledger
                 WHERE wallet_id = ?1 AND created_at > ?2 AND created_at <= ?3",
            )
            .and_then(|mut s| s.query_map(params![wallet, after, upto], read)?.collect()),
        None => conn
            .prepare_cached(
                "SELECT status, spend FROM spend_ledger WHERE wallet_id = ?1 AND created_at > ?2",
            )
            .and_then(|mut s| s.query_map(params![wallet, after], read)?.collect()),
    }
    .map_err(db_err("read spend window"))
}

pub(super) fn reservation_exists(conn: &Connection, request_id: &str) -> Result<bool, StoreError> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM spend_ledger WHERE request_id = ?1)")
        .and_then(|mut s| s.query_row([request_id], |r| r.get(0)))
        .map_err(db_err("check request id"))
}

pub(super) fn insert_reservation(
    conn: &Connection,
    request: &PolicyRequest,
    tier: Tier,
    spend: &str,
    created_at: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO spend_ledger (request_id, wallet_id, network, kind, tier, status, spend, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'RESERVED', ?6, ?7, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            request.request_id.to_string(),
            request.wallet_id.to_string(),
            request.network.as_str(),
            request.body.kind(),
            tier.as_str(),
            spend,
            created_at
        ])
    })
    .map_err(db_err("reserve spend"))?;
    Ok(())
}

pub(super) fn ledger_row(
    conn: &Connection,
    request_id: TxId,
) -> Result<Option<LedgerRow>, StoreError> {
    conn.prepare_cached(
        "SELECT seq, wallet_id, created_at, status, spend FROM spend_ledger WHERE request_id = ?1",
    )
    .and_then(|mut s| {
        s.query_row([request_id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()
    })
    .map_err(db_err("read reservation"))
}

pub(super) fn set_ledger_status(
    conn: &Connection,
    seq: i64,
    status: &str,
    now: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE spend_ledger SET status = ?1, updated_at = ?2 WHERE seq = ?3")
        .and_then(|mut s| s.execute(params![status, now, seq]))
        .map_err(db_err("update reservation"))?;
    Ok(())
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
        status: operations::parse_status(&status)?,
        spend: operations::parse_spend(&spend)?,
        created_at,
        updated_at,
    }))
}

#[cfg(feature = "test-support")]
pub(super) fn snapshot(
    rows: &mut SqliteRows<'_>,
    wallet: WalletId,
    windows: &[u64],
    now: i64,
) -> Result<LedgerSnapshot, StoreError> {
    let now = operations::Rows::advance_time(rows, now)?;
    let wallet = wallet.to_string();
    let windows: Vec<u64> = windows.iter().copied().filter(|w| *w > 0).collect();
    let mut state = operations::load_windows(rows, &wallet)?;
    for w in windows.iter().copied() {
        operations::advance_window(rows, &wallet, &mut state, w, now)?;
    }
    let out = state.state.snapshot(&windows);
    operations::save_windows(rows, &wallet, &state)?;
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
            operations::decide(
                &mut SqliteRows::new(self, conn, None),
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
        self.write("release reservation", |conn| {
            operations::release(&mut SqliteRows::new(self, conn, None), request_id, now)
        })
    }

    /// Marks a reservation executed; it keeps counting. `false` unless it was RESERVED.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn commit_reservation(&self, request_id: TxId, now: i64) -> Result<bool, StoreError> {
        self.write("commit reservation", |conn| {
            operations::commit(&mut SqliteRows::new(self, conn, None), request_id, now)
        })
    }

    /// One ledger row.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn reservation(&self, request_id: TxId) -> Result<Option<Reservation>, StoreError> {
        reservation(&*self.reader()?, request_id)
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
        self.write("read ledger", |conn| {
            snapshot(&mut SqliteRows::new(self, conn, None), wallet, windows, now)
        })
    }

    /// Inserts a ledger row as it is, bypassing the engine: for conformance vectors
    /// that start from a given ledger state.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn insert_ledger_row_for_tests(&self, row: &Reservation) -> Result<(), StoreError> {
        self.write("insert ledger row", |conn| insert_row_for_tests(conn, row))
    }
}
