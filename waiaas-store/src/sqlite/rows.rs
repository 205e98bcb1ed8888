//! Mapping database errors and stored columns to [`StoreError`].

use rusqlite::Row;
use waiaas_core::error::StoreError;

pub(super) use crate::stored::{clamp_i64, corrupt, json_err, to_i64};

/// Maps a database error to `STORAGE_ERROR`, naming the operation (never a value).
/// A database error as the store's: a full disk and a lock held past the busy timeout
/// get their own (retryable) kinds, everything else is `Database`.
pub(super) fn db_err(operation: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => StoreError::Full { operation },
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            StoreError::Busy { operation }
        }
        _ => StoreError::Database {
            operation,
            message: e.to_string(),
        },
    }
}

pub(super) fn text_col<T>(
    row: &Row<'_>,
    idx: usize,
    table: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let s: String = row.get(idx).map_err(db_err("read column"))?;
    parse(&s).ok_or_else(|| corrupt(table, format!("column {idx} holds `{s}`")))
}

pub(super) fn u_col<T: TryFrom<i64>>(
    row: &Row<'_>,
    idx: usize,
    table: &'static str,
) -> Result<T, StoreError> {
    let v: i64 = row.get(idx).map_err(db_err("read column"))?;
    T::try_from(v).map_err(|_| corrupt(table, format!("column {idx} out of range")))
}

/// Runs one statement without parameters, as a cached statement.
pub(super) fn run(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql).and_then(|mut s| s.execute([]))
}
