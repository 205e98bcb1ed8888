//! Finding the data directory and unlocking the vault the way the library documents:
//! the password sources of `Waiaas::open`, and `WAIAAS_AUTO_PROVISION=true` creating an
//! auto-provisioned vault on first use.

use std::path::PathBuf;

use waiaas::{Admin, Config, Host, Unlock, Waiaas};
use waiaas_core::DataDir;

use crate::failure::{Failure, Outcome};
use crate::spinner;

/// Creates an auto-provisioned vault on first use when set to `true`.
pub const ENV_AUTO_PROVISION: &str = "WAIAAS_AUTO_PROVISION";

/// `--data-dir` / `WAIAAS_DATA_DIR`, else `~/.waiaas`.
pub fn data_dir(flag: Option<PathBuf>) -> Outcome<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(|home| PathBuf::from(home).join(".waiaas"))
        .ok_or_else(|| {
            Failure::cli(
                "CLI_DATA_DIR_UNKNOWN",
                "no data directory: pass `--data-dir`, set `WAIAAS_DATA_DIR`, or set `HOME`",
            )
        })
}

/// Whether a vault database exists in `dir`.
pub fn exists(dir: &std::path::Path) -> bool {
    DataDir::new(dir).database_path().exists()
}

/// Creates the vault in `dir`: a generated password in `recovery.key`, or the password
/// from the library's sources.
pub fn create(dir: &std::path::Path, auto_provision: bool) -> Outcome<Admin> {
    let config = Config::default();
    spinner::while_running("deriving the vault key (Argon2id)…", || {
        let how = if auto_provision {
            Unlock::CreateAutoProvisioned
        } else {
            Unlock::Create
        };
        Waiaas::unlock(dir, how, None, &config, Host::default())
    })
    .map_err(Failure::from)
}

/// Unlocks the vault in `dir` (one Argon2id run), creating it first when it does not
/// exist and `WAIAAS_AUTO_PROVISION=true`.
pub fn open(dir: &std::path::Path) -> Outcome<Admin> {
    let auto_provision = auto_provision_requested();
    if auto_provision && !exists(dir) {
        return create(dir, true);
    }
    let opened = spinner::while_running("unlocking the vault (Argon2id)…", || {
        Waiaas::open(dir, None, &Config::default(), Host::default())
    });
    match opened {
        // An open with a password but no vault leaves an empty database file behind;
        // it still counts as first use.
        Err(e) if auto_provision && e.code() == "VAULT_NOT_FOUND" => create(dir, true),
        opened => opened.map_err(Failure::from),
    }
}

/// Whether `WAIAAS_AUTO_PROVISION=true` asks for a vault on first use.
pub fn auto_provision_requested() -> bool {
    std::env::var(ENV_AUTO_PROVISION).is_ok_and(|v| v == "true")
}

/// The current master password from the library's sources (for `password change`).
pub fn current_password(dir: &std::path::Path) -> Outcome<waiaas::SecretString> {
    DataDir::new(dir)
        .resolve_password(None)
        .map(|(password, _origin)| password)
        .map_err(|e| Failure::from(waiaas::Error::from(e)))
}
