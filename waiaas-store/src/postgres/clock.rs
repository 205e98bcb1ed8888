//! The persisted time high-water mark every decision is made at.
//!
//! One row every host moves forward. A host never waits for it: the row is taken with
//! `FOR UPDATE SKIP LOCKED`, and when another transaction holds it, that transaction is
//! moving it forward already (to its own clock reading, taken at about the same time),
//! so this one decides at `max(now, mark)` without writing. Different wallets' admissions
//! therefore never queue on the mark.

use waiaas_core::error::StoreError;

use super::PgStore;
use super::pool::Conn;
use super::rows::col;

/// The stored time mark.
pub(super) fn read_mark(conn: &mut Conn) -> Result<i64, StoreError> {
    let row = conn.one(
        "read time mark",
        "SELECT at FROM time_mark WHERE id = 1",
        &[],
    )?;
    col(&row, 0)
}

/// `max(now, mark)`, moving the stored mark forward when nobody else is.
pub(super) fn advance_time(conn: &mut Conn, now: i64) -> Result<i64, StoreError> {
    let mark = read_mark(conn)?;
    if now <= mark {
        return Ok(mark);
    }
    conn.exec(
        "advance time mark",
        "UPDATE time_mark SET at = $1 WHERE id =
             (SELECT id FROM time_mark WHERE id = 1 AND at < $1 FOR UPDATE SKIP LOCKED)",
        &[&now],
    )?;
    Ok(now)
}

pub(super) fn monotonic_now(store: &PgStore, clock_now: i64) -> Result<i64, StoreError> {
    // Its own statement, committed at once: a time this host has seen stays seen after
    // a restart, whatever the clock says then.
    store.read(|conn| advance_time(conn, clock_now))
}
