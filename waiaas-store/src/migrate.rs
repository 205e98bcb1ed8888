//! Moving a vault from its SQLite file to a PostgreSQL database (`waiaas db migrate`),
//! for a fleet of hosts that must share its limits.
//!
//! `sqlite_to_postgres` (with the `postgres` feature) copies every table of the vault,
//! row by row and byte for byte: sealed data (the vault header, wallet, session and
//! channel secrets) is copied as it is stored, so the database never sees a key. What it
//! guarantees:
//! - The source is opened read-only, in one read transaction (one snapshot), and never
//!   written: no schema migration, no unlock bookkeeping.
//! - The source must have this build's schema version (else
//!   `MIGRATION_SOURCE_NOT_CURRENT`: opening it once with this waiaas upgrades it) and
//!   a keyed audit log that verifies under the vault's audit key (derived from the
//!   master password, which is why the password is needed; it is run through
//!   Argon2id once and never stored). A log that does not verify is not moved
//!   (`MIGRATION_CHECK_FAILED`).
//! - The target must hold no vault data (`MIGRATION_TARGET_NOT_EMPTY`, naming the
//!   first table with rows): a vault is never merged into another.
//! - Schema creation, the copy and every check run in one PostgreSQL transaction: each
//!   row is read back as written and compared, each table's row count compared with
//!   the source's, the ledger's sequence moved past the copied rows, and the copied
//!   audit log verified under the same key with the same verdict and head as the
//!   source's. Any failure rolls everything back and leaves the target as it was.

use serde::Serialize;

/// One stored value, as the source holds it.
#[cfg(feature = "postgres")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// What a move copied, once the target committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationReport {
    /// The target, `host:port/database` (never the password).
    pub target: String,
    /// The schema version of both databases.
    pub schema_version: u32,
    /// Every table copied, in copy order, with its row count (equal in both).
    pub tables: Vec<TableCopy>,
    /// Audit log entries, verified in the source before the copy and in the target
    /// before it committed.
    pub audit_entries: u64,
    /// `(seq, hash)` of the last audit entry, the same in both.
    pub audit_head: Option<(u64, String)>,
}

/// One table of a [`MigrationReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TableCopy {
    /// The table.
    pub table: String,
    /// Rows copied (the source's count, and the target's after the copy).
    pub rows: u64,
}

/// The tables a move copies, in an order that respects their foreign keys. Not copied:
/// `schema_migrations` (each database records its own) and the failed-unlock counter
/// (proving the password is part of the move).
#[cfg(feature = "postgres")]
pub(crate) const TABLES: &[&str] = &[
    "vault_header",
    "settings",
    "wallets",
    "session_secrets",
    "sessions",
    "session_wallets",
    "policies",
    "policy_epoch",
    "spend_ledger",
    "spend_windows",
    "transactions",
    "wallet_owners",
    "kill_switch",
    "audit_log",
    "audit_head",
    "time_mark",
    "notify_channels",
    "approval_links",
];

/// Single-row tables the schema migrations seed: the copy replaces their row.
#[cfg(feature = "postgres")]
pub(crate) const SEEDED: &[&str] = &["policy_epoch", "kill_switch", "time_mark"];

#[cfg(feature = "postgres")]
pub use self::copy::sqlite_to_postgres;

#[cfg(feature = "postgres")]
mod copy {
    use std::path::Path;

    use waiaas_core::error::MigrationError;
    use waiaas_core::{SecretString, VaultError, stored_audit_key};

    use super::{MigrationReport, TABLES};
    use crate::sqlite::source::SqliteSource;

    /// Copies the vault in the SQLite database `source` (a vault's `waiaas.db`) into
    /// the empty PostgreSQL database at `target_url`, as the [module docs](super) say.
    /// `password` is the vault's master password (run through Argon2id once, to derive
    /// the audit key the logs are verified with); `allow_insecure_kdf` admits a vault
    /// made with the test profile.
    ///
    /// # Errors
    /// - `VAULT_NOT_FOUND` when `source` holds no vault; `INVALID_MASTER_PASSWORD`,
    ///   `VAULT_CORRUPT`, `VAULT_INSECURE_KDF` as for an unlock;
    /// - `MIGRATION_SOURCE_NOT_CURRENT` for a source of another schema version or with
    ///   a log never keyed; `MIGRATION_TARGET_NOT_EMPTY`; `MIGRATION_CHECK_FAILED`
    ///   when a check fails (the source's log, a row, a count, the copied log);
    /// - `SCHEMA_TOO_NEW` for a target migrated by a newer waiaas; `STORAGE_ERROR`,
    ///   `STORAGE_UNAVAILABLE`.
    ///
    /// On every error the target is left as it was.
    pub fn sqlite_to_postgres(
        source: &Path,
        target_url: &str,
        password: &SecretString,
        allow_insecure_kdf: bool,
    ) -> Result<MigrationReport, MigrationError> {
        let source = SqliteSource::open(source)?;
        let header = source.vault_header()?.ok_or(VaultError::NotInitialized)?;
        let key = stored_audit_key(&header, password, allow_insecure_kdf)?;
        if !key.header_current {
            return Err(MigrationError::SourceAuditUnkeyed);
        }
        let before = source.verify_audit_log(&key.audit_key)?;
        if let Some(seq) = before.chain.first_broken {
            return Err(check_failed(
                "source audit log",
                format!("the chain breaks at entry {seq}; the vault's log was altered"),
            ));
        }
        if !before.head_ok {
            return Err(check_failed(
                "source audit log",
                "its recorded head does not match its last entry; the log lost its tail".to_owned(),
            ));
        }
        let mut tables = source.tables()?;
        tables.retain(|t| !TABLES.contains(&t.as_str()));
        if let Some(unknown) = tables.first() {
            return Err(check_failed(
                "tables of the source",
                format!("table `{unknown}` is not one this build copies"),
            ));
        }
        crate::postgres::import::import(&source, target_url, &key.audit_key, &before)
    }

    pub(crate) fn check_failed(check: &str, reason: String) -> MigrationError {
        MigrationError::CheckFailed {
            check: check.to_owned(),
            reason,
        }
    }
}

#[cfg(feature = "postgres")]
pub(crate) use self::copy::check_failed;
