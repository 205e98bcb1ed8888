//! The vault header (compare-and-swap), failed-unlock bookkeeping (in the side
//! database, so a wrong password never writes the vault) and the audit key.

use rusqlite::{OptionalExtension, params};
use waiaas_core::audit::{AuditEntry, AuditKey};
use waiaas_core::error::StoreError;
use waiaas_core::store::{HeaderUpgrade, Store, UnlockAttempts};

use super::SqliteStore;
use super::audit::key_legacy_log;
use super::rows::db_err;

pub(super) fn set_audit_key(
    store: &SqliteStore,
    key: AuditKey,
    now: i64,
    upgrade: Option<&HeaderUpgrade>,
) -> Result<(), StoreError> {
    // Key the log first (one transaction); the key is installed only once it holds.
    if let Some(upgrade) = upgrade {
        key_legacy_log(store, &key, now, upgrade)?;
    }
    store.audit_key.install(key);
    Ok(())
}

pub(super) fn clear_audit_key(store: &SqliteStore) {
    store.audit_key.clear();
}

pub(super) fn vault_header(store: &SqliteStore) -> Result<Option<String>, StoreError> {
    store
        .reader()?
        .prepare_cached("SELECT header FROM vault_header WHERE id = 1")
        .and_then(|mut s| s.query_row([], |r| r.get(0)).optional())
        .map_err(db_err("read vault header"))
}

pub(super) fn create_vault_header(
    store: &SqliteStore,
    header: &str,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("create vault header", audit, |conn| {
        let n = conn
            .execute(
                "INSERT INTO vault_header (id, header, updated_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO NOTHING",
                params![header, now],
            )
            .map_err(db_err("create vault header"))?;
        Ok((n == 1, n == 1))
    })
}

pub(super) fn replace_vault_header(
    store: &SqliteStore,
    expected: &str,
    new: &str,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("replace vault header", audit, |conn| {
        let n = conn
            .execute(
                "UPDATE vault_header SET header = ?1, updated_at = ?2 WHERE id = 1 AND header = ?3",
                params![new, now, expected],
            )
            .map_err(db_err("replace vault header"))?;
        Ok((n == 1, n == 1))
    })
}

pub(super) fn unlock_attempts(store: &SqliteStore) -> Result<UnlockAttempts, StoreError> {
    let row: Option<(i64, Option<i64>)> = store
        .attempts_conn()
        .query_row(
            "SELECT failures, last_failure_at FROM unlock_attempts WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db_err("read unlock attempts"))?;
    Ok(
        row.map_or_else(UnlockAttempts::default, |(f, at)| UnlockAttempts {
            failures: u32::try_from(f).unwrap_or(u32::MAX),
            last_failure_at: at,
        }),
    )
}

pub(super) fn record_unlock_failure(
    store: &SqliteStore,
    now: i64,
) -> Result<UnlockAttempts, StoreError> {
    store
        .attempts_conn()
        .execute(
            "INSERT INTO unlock_attempts (id, failures, last_failure_at) VALUES (1, 1, ?1)
             ON CONFLICT (id) DO UPDATE SET failures = failures + 1, last_failure_at = ?1",
            [now],
        )
        .map_err(db_err("record unlock failure"))?;
    store.unlock_attempts()
}

pub(super) fn clear_unlock_failures(store: &SqliteStore) -> Result<(), StoreError> {
    store
        .attempts_conn()
        .execute("DELETE FROM unlock_attempts", [])
        .map_err(db_err("clear unlock failures"))?;
    Ok(())
}
