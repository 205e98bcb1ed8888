//! The vault header (compare-and-swap), failed-unlock bookkeeping and the audit key.

use waiaas_core::audit::{AuditEntry, AuditKey};
use waiaas_core::error::StoreError;
use waiaas_core::store::{HeaderUpgrade, UnlockAttempts};

use super::PgStore;
use super::audit::key_legacy_log;
use super::pool::Conn;
use super::rows::col;

pub(super) fn set_audit_key(
    store: &PgStore,
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

pub(super) fn clear_audit_key(store: &PgStore) {
    store.audit_key.clear();
}

pub(super) fn vault_header(store: &PgStore) -> Result<Option<String>, StoreError> {
    store.read(|conn| {
        conn.opt(
            "read vault header",
            "SELECT header FROM vault_header WHERE id = 1",
            &[],
        )?
        .map(|r| col(&r, 0))
        .transpose()
    })
}

pub(super) fn create_vault_header(
    store: &PgStore,
    header: &str,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("create vault header", audit, |conn| {
        let n = conn.exec(
            "create vault header",
            "INSERT INTO vault_header (id, header, updated_at) VALUES (1, $1, $2)
             ON CONFLICT (id) DO NOTHING",
            &[&header, &now],
        )?;
        Ok((n == 1, n == 1))
    })
}

pub(super) fn replace_vault_header(
    store: &PgStore,
    expected: &str,
    new: &str,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("replace vault header", audit, |conn| {
        let n = conn.exec(
            "replace vault header",
            "UPDATE vault_header SET header = $1, updated_at = $2 WHERE id = 1 AND header = $3",
            &[&new, &now, &expected],
        )?;
        Ok((n == 1, n == 1))
    })
}

fn attempts(conn: &mut Conn) -> Result<UnlockAttempts, StoreError> {
    let row = conn.opt(
        "read unlock attempts",
        "SELECT failures, last_failure_at FROM unlock_attempts WHERE id = 1",
        &[],
    )?;
    row.map_or(Ok(UnlockAttempts::default()), |r| {
        let failures: i64 = col(&r, 0)?;
        Ok(UnlockAttempts {
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
            last_failure_at: col(&r, 1)?,
        })
    })
}

pub(super) fn unlock_attempts(store: &PgStore) -> Result<UnlockAttempts, StoreError> {
    store.read(attempts)
}

pub(super) fn record_unlock_failure(
    store: &PgStore,
    now: i64,
) -> Result<UnlockAttempts, StoreError> {
    store.read(|conn| {
        conn.exec(
            "record unlock failure",
            "INSERT INTO unlock_attempts (id, failures, last_failure_at) VALUES (1, 1, $1)
             ON CONFLICT (id) DO UPDATE SET failures = unlock_attempts.failures + 1,
                 last_failure_at = $1",
            &[&now],
        )?;
        attempts(conn)
    })
}

pub(super) fn clear_unlock_failures(store: &PgStore) -> Result<(), StoreError> {
    store.read(|conn| {
        conn.exec("clear unlock failures", "DELETE FROM unlock_attempts", &[])?;
        Ok(())
    })
}
