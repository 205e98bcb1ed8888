//! The key/value settings table.

use rusqlite::{Connection, OptionalExtension, params};
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;

use super::SqliteStore;
use super::rows::db_err;

pub(super) fn setting(store: &SqliteStore, key: &str) -> Result<Option<String>, StoreError> {
    setting_row(&*store.reader()?, key)
}

pub(super) fn set_setting(
    store: &SqliteStore,
    key: &str,
    value: &str,
    now: i64,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    store.audited("write setting", audit, |conn| {
        conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key, value, now],
        )
        .map_err(db_err("write setting"))?;
        Ok(((), true))
    })
}

pub(super) fn setting_row(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")
        .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
        .map_err(db_err("read setting"))
}
