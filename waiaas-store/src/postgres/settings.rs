//! The key/value settings table.

use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;

use super::PgStore;
use super::pool::Conn;
use super::rows::col;

pub(super) fn setting(store: &PgStore, key: &str) -> Result<Option<String>, StoreError> {
    store.read(|conn| setting_row(conn, key))
}

pub(super) fn set_setting(
    store: &PgStore,
    key: &str,
    value: &str,
    now: i64,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    store.audited("write setting", audit, |conn| {
        conn.exec(
            "write setting",
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            &[&key, &value, &now],
        )?;
        Ok(((), true))
    })
}

pub(super) fn setting_row(conn: &mut Conn, key: &str) -> Result<Option<String>, StoreError> {
    conn.opt(
        "read setting",
        "SELECT value FROM settings WHERE key = $1",
        &[&key],
    )?
    .map(|r| col(&r, 0))
    .transpose()
}
