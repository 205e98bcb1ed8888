//! Mapping PostgreSQL errors and stored columns to [`StoreError`].

use postgres::Row;
use postgres::types::FromSql;
use waiaas_core::error::StoreError;

pub(super) use crate::stored::{clamp_i64, corrupt, json_err, to_i64};

/// Maps a database error to `STORAGE_ERROR`, naming the operation. Only the server's
/// severity, message and SQLSTATE are kept: its DETAIL may quote bound values.
pub(super) fn db_err(operation: &'static str) -> impl Fn(postgres::Error) -> StoreError {
    move |e| StoreError::Database {
        operation,
        message: describe(&e),
    }
}

fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        ),
        None => e.to_string(),
    }
}

/// Column `idx` of `row`.
pub(super) fn col<'a, T: FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T, StoreError> {
    row.try_get(idx).map_err(db_err("read column"))
}

/// A text column parsed by `parse`.
pub(super) fn text_col<T>(
    row: &Row,
    idx: usize,
    table: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let s: &str = col(row, idx)?;
    parse(s).ok_or_else(|| corrupt(table, format!("column {idx} holds `{s}`")))
}

/// An integer column that must fit `T`.
pub(super) fn u_col<T: TryFrom<i64>>(
    row: &Row,
    idx: usize,
    table: &'static str,
) -> Result<T, StoreError> {
    let v: i64 = col(row, idx)?;
    T::try_from(v).map_err(|_| corrupt(table, format!("column {idx} out of range")))
}
