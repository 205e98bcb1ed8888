//! Mapping PostgreSQL errors and stored columns to [`StoreError`].

use postgres::Row;
use postgres::types::FromSql;
use waiaas_core::error::StoreError;

pub(super) use crate::stored::{clamp_i64, corrupt, json_err, to_i64};

/// Maps a database error to `STORAGE_UNAVAILABLE` when the server could not be
/// reached or the connection broke (retryable), else `STORAGE_ERROR`, naming the
/// operation. Only the server's severity, message and SQLSTATE are kept: its DETAIL may
/// quote bound values.
pub(super) fn db_err(operation: &'static str) -> impl Fn(postgres::Error) -> StoreError {
    move |e| {
        let message = describe(&e);
        if retryable(&e) {
            StoreError::Unavailable { operation, message }
        } else {
            StoreError::Database { operation, message }
        }
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
        // The sources say why (a refused certificate, a reset connection); none of
        // them quotes the URL or a password.
        None => {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                message = format!("{message}: {s}");
                source = s.source();
            }
            match super::tls::hint(e) {
                Some(hint) => format!("{message} ({hint})"),
                None => message,
            }
        }
    }
}

/// A connection that is gone or could not be made, a server shutting down or starting
/// up, no connection slot, or a transaction the server chose to abort (none of ours
/// should be, by the lock order; retrying is safe all the same).
fn retryable(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        return code.code().starts_with("08")
            || [
                SqlState::ADMIN_SHUTDOWN,
                SqlState::CRASH_SHUTDOWN,
                SqlState::CANNOT_CONNECT_NOW,
                SqlState::TOO_MANY_CONNECTIONS,
                SqlState::T_R_SERIALIZATION_FAILURE,
                SqlState::T_R_DEADLOCK_DETECTED,
            ]
            .contains(code);
    }
    // No SQLSTATE: an I/O failure (connect refused or timed out, connection reset), but
    // not a failed TLS handshake, which rustls reports inside an I/O error: a refused
    // certificate is to fix, not to retry.
    std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
        && !super::tls::is_failure(e)
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
