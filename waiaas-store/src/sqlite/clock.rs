//! The persisted time high-water mark every decision is made at.

use rusqlite::Connection;
use waiaas_core::error::StoreError;

use super::INSIDE_WRITE;
use super::SqliteStore;
use super::rows::db_err;

/// The stored time high-water mark.
pub(super) fn read_mark(conn: &Connection) -> Result<i64, StoreError> {
    conn.prepare_cached("SELECT at FROM time_mark WHERE id = 1")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(db_err("read time mark"))
}

/// The time high-water mark: `max(now, last seen)`, moved forward in the caller's
/// transaction. Every decision made inside a store transaction goes through it.
pub(super) fn advance_time(conn: &Connection, now: i64) -> Result<i64, StoreError> {
    let mark = read_mark(conn)?;
    if now > mark {
        conn.prepare_cached("UPDATE time_mark SET at = ?1 WHERE id = 1 AND at < ?1")
            .and_then(|mut s| s.execute([now]))
            .map_err(db_err("advance time mark"))?;
        Ok(now)
    } else {
        Ok(mark)
    }
}

pub(super) fn monotonic_now(store: &SqliteStore, clock_now: i64) -> Result<i64, StoreError> {
    // A clock read from a callback inside a write (which holds the connection) must
    // not wait for it: the caller falls back to the latest time it saw, and the
    // transaction itself decides at the mark (`advance_time`).
    if INSIDE_WRITE.with(std::cell::Cell::get) {
        return Err(StoreError::Database {
            operation: "read time mark",
            message: "called inside a store transaction".to_owned(),
        });
    }
    let mark = read_mark(&*store.reader()?)?;
    if clock_now <= mark {
        return Ok(mark);
    }
    // Persisted at once (in its own write): a time this process has seen stays seen
    // after a restart, whatever the clock says then.
    store.write("advance time mark", |conn| advance_time(conn, clock_now))
}

#[cfg(test)]
mod tests {
    use crate::sqlite::{SqliteStore, StoreOptions};
    use waiaas_core::store::Store;

    #[test]
    fn the_time_mark_only_moves_forward_and_never_waits_inside_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("t.db"), &StoreOptions::default()).unwrap();
        assert_eq!(store.monotonic_now(100).unwrap(), 100);
        assert_eq!(store.monotonic_now(50).unwrap(), 100);
        assert_eq!(store.monotonic_now(150).unwrap(), 150);
        // A clock read from inside a write (a signing callback) does not deadlock.
        let inside = store
            .write("test", |conn| {
                Ok((
                    store.monotonic_now(200).is_err(),
                    super::advance_time(conn, 120)?,
                ))
            })
            .unwrap();
        assert_eq!(inside, (true, 150));
        drop(store);
        let store = SqliteStore::open(dir.path().join("t.db"), &StoreOptions::default()).unwrap();
        assert_eq!(store.monotonic_now(10).unwrap(), 150);
    }
}
