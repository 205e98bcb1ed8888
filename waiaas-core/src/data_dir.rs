//! The on-disk layout of a vault and where the master password comes from.
//!
//! ```text
//! <dir>/               0700
//!   waiaas.db          0600  SQLite: header, wallets, sessions, …
//!   waiaas.db-unlock   0600  failed-unlock counter (kept apart so a wrong password
//!                            never writes the vault database)
//!   recovery.key       0600  only when auto-provisioned; deleted by a password change
//! ```

use std::ffi::OsString;
use std::fs::{DirBuilder, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rand_core::{OsRng, RngCore};
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::error::{StoreError, VaultError};
use crate::vault::VaultOptions;

/// Environment variable holding the master password.
pub const ENV_PASSWORD: &str = "WAIAAS_MASTER_PASSWORD";
/// Environment variable naming a file that holds the master password.
pub const ENV_PASSWORD_FILE: &str = "WAIAAS_MASTER_PASSWORD_FILE";
/// Name of the auto-provisioned password file.
pub const RECOVERY_KEY_FILE: &str = "recovery.key";
/// Name of the database file.
pub const DATABASE_FILE: &str = "waiaas.db";

/// Where a master password came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordOrigin {
    /// Passed by the caller.
    Argument,
    /// `WAIAAS_MASTER_PASSWORD`.
    Env,
    /// The file named by `WAIAAS_MASTER_PASSWORD_FILE`.
    EnvFile,
    /// `<dir>/recovery.key`.
    RecoveryKey,
}

/// A vault directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

fn io_err(operation: &'static str, path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::Io {
        operation,
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn read_password_file(path: &Path, source_name: &'static str) -> Result<SecretString, VaultError> {
    let text =
        Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| VaultError::PasswordSource {
                source_name,
                reason: format!("cannot read `{}`: {e}", path.display()),
            })?,
        );
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(VaultError::PasswordSource {
            source_name,
            reason: format!("`{}` is empty", path.display()),
        });
    }
    Ok(SecretString::from(trimmed.to_owned()))
}

impl DataDir {
    /// The vault directory at `root` (not created yet).
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<dir>/waiaas.db`.
    #[must_use]
    pub fn database_path(&self) -> PathBuf {
        self.root.join(DATABASE_FILE)
    }

    /// `<dir>/recovery.key`.
    #[must_use]
    pub fn recovery_key_path(&self) -> PathBuf {
        self.root.join(RECOVERY_KEY_FILE)
    }

    /// Creates the directory (mode 0700) if it does not exist.
    ///
    /// # Errors
    /// `STORAGE_ERROR` when it cannot be created.
    pub fn create(&self) -> Result<(), StoreError> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.root)
            .map_err(|e| io_err("create directory", &self.root, &e))
    }

    /// Vault options wired to this directory (a password change deletes `recovery.key`).
    #[must_use]
    pub fn vault_options(&self) -> VaultOptions {
        VaultOptions {
            recovery_key_path: Some(self.recovery_key_path()),
            ..VaultOptions::default()
        }
    }

    /// Generates a random master password (32 bytes, hex) and writes it to
    /// `recovery.key` with mode 0600. Refuses to overwrite an existing file.
    ///
    /// # Errors
    /// `STORAGE_ERROR` when the file exists or cannot be written.
    pub fn provision_recovery_key(&self) -> Result<SecretString, VaultError> {
        self.create()?;
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut bytes[..]);
        let password = Zeroizing::new(hex::encode(&bytes[..]));
        let path = self.recovery_key_path();
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io_err("create", &path, &e))?;
        file.write_all(password.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all())
            .map_err(|e| io_err("write", &path, &e))?;
        Ok(SecretString::from(password.as_str().to_owned()))
    }

    /// Finds the master password, in order: `explicit`, `WAIAAS_MASTER_PASSWORD`,
    /// `WAIAAS_MASTER_PASSWORD_FILE` (trimmed), `<dir>/recovery.key` (trimmed).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` when a source that is set is empty or unreadable (no silent
    /// fall-through to the next source); `MASTER_PASSWORD_REQUIRED` when none is set.
    pub fn resolve_password(
        &self,
        explicit: Option<SecretString>,
    ) -> Result<(SecretString, PasswordOrigin), VaultError> {
        self.resolve_password_with(explicit, |name| std::env::var_os(name))
    }

    /// [`DataDir::resolve_password`] with an injected environment (for tests and hosts
    /// that keep configuration elsewhere).
    ///
    /// # Errors
    /// As [`DataDir::resolve_password`].
    pub fn resolve_password_with(
        &self,
        explicit: Option<SecretString>,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<(SecretString, PasswordOrigin), VaultError> {
        if let Some(p) = explicit {
            return Ok((p, PasswordOrigin::Argument));
        }
        if let Some(value) = env(ENV_PASSWORD) {
            let value =
                Zeroizing::new(
                    value
                        .into_string()
                        .map_err(|_| VaultError::PasswordSource {
                            source_name: ENV_PASSWORD,
                            reason: "is not valid UTF-8".to_owned(),
                        })?,
                );
            if value.is_empty() {
                return Err(VaultError::PasswordSource {
                    source_name: ENV_PASSWORD,
                    reason: "is set but empty".to_owned(),
                });
            }
            return Ok((
                SecretString::from(value.as_str().to_owned()),
                PasswordOrigin::Env,
            ));
        }
        if let Some(path) = env(ENV_PASSWORD_FILE) {
            if path.is_empty() {
                return Err(VaultError::PasswordSource {
                    source_name: ENV_PASSWORD_FILE,
                    reason: "is set but empty".to_owned(),
                });
            }
            return Ok((
                read_password_file(Path::new(&path), ENV_PASSWORD_FILE)?,
                PasswordOrigin::EnvFile,
            ));
        }
        let recovery = self.recovery_key_path();
        if recovery.exists() {
            return Ok((
                read_password_file(&recovery, RECOVERY_KEY_FILE)?,
                PasswordOrigin::RecoveryKey,
            ));
        }
        Err(VaultError::MasterPasswordRequired)
    }
}
