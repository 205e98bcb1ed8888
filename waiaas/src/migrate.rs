//! Moving a vault from its SQLite file to a PostgreSQL database that a fleet of hosts
//! shares (`waiaas db migrate`). The copy and its checks are
//! `waiaas_store::migrate::sqlite_to_postgres`; this adds the password sources and the
//! configuration checks every other entry point applies.

use std::path::Path;

pub use waiaas_store::migrate::{MigrationReport, TableCopy};

use crate::{Config, Result, SecretString, Waiaas};
use waiaas_core::{DataDir, PasswordOrigin};

impl Waiaas {
    /// Copies the vault in directory `path` (its `waiaas.db`) into the empty PostgreSQL
    /// database at `database_url`, then every host opens it with
    /// [`Config::database_url`]. The source is read, never written; the copy and its
    /// checks (the audit log verified before and after, every row read back, every
    /// table's count) are one PostgreSQL transaction, so a failure leaves the target as
    /// it was. Stop every process using the vault first: what they write after the copy
    /// read its snapshot stays behind.
    ///
    /// The master password (`password`, else the sources [`Waiaas::open`] reads, with
    /// `recovery.key` in `path`) is needed because the audit log is verified under a
    /// key derived from the vault's data key; the copy itself moves sealed bytes only.
    /// Only `config.allow_insecure_kdf` is read from `config`.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a URL that is not `postgres://` (or a build without the
    /// `postgres` feature); `MASTER_PASSWORD_REQUIRED`; `VAULT_NOT_FOUND`;
    /// `INVALID_MASTER_PASSWORD`; `VAULT_CORRUPT`; `VAULT_INSECURE_KDF`;
    /// `MIGRATION_SOURCE_NOT_CURRENT`; `MIGRATION_TARGET_NOT_EMPTY`;
    /// `MIGRATION_CHECK_FAILED`; `SCHEMA_TOO_NEW`; `STORAGE_ERROR`;
    /// `STORAGE_UNAVAILABLE`.
    pub fn migrate_to_postgres(
        path: impl AsRef<Path>,
        database_url: &str,
        password: Option<SecretString>,
        config: &Config,
    ) -> Result<MigrationReport> {
        Config::check_database_url(database_url)?;
        let data = DataDir::new(path.as_ref());
        let (password, _origin): (SecretString, PasswordOrigin) =
            data.resolve_password(password)?;
        copy(&data, database_url, &password, config)
    }
}

#[cfg(feature = "postgres")]
fn copy(
    data: &DataDir,
    database_url: &str,
    password: &SecretString,
    config: &Config,
) -> Result<MigrationReport> {
    Ok(waiaas_store::migrate::sqlite_to_postgres(
        &data.database_path(),
        database_url,
        password,
        config.allow_insecure_kdf,
    )?)
}

#[cfg(not(feature = "postgres"))]
fn copy(
    _data: &DataDir,
    database_url: &str,
    _password: &SecretString,
    _config: &Config,
) -> Result<MigrationReport> {
    Err(Config::without_postgres(database_url))
}
