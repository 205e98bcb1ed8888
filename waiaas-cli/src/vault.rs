//! Finding the data directory and unlocking the vault the way the library documents:
//! the password sources of `Waiaas::open`, and `WAIAAS_AUTO_PROVISION=true` creating an
//! auto-provisioned vault on first use. When none of those sources gives a password
//! and stdin is a terminal, the password is typed (not echoed).

use std::io::IsTerminal as _;
use std::path::PathBuf;

use waiaas::{Admin, Config, Host, SecretString, Unlock, Waiaas};
use waiaas_core::{DataDir, ExposeSecret as _, VaultError};

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
    let typed = if auto_provision {
        None
    } else {
        typed_password(dir, true)?
    };
    spinner::while_running("deriving the vault key (Argon2id)…", || {
        let how = if auto_provision {
            Unlock::CreateAutoProvisioned
        } else {
            Unlock::Create
        };
        Waiaas::unlock(dir, how, typed, &config, Host::default())
    })
    .map_err(Failure::from)
}

/// The master password typed at the terminal (twice when `confirm`), asked only when
/// no source of the library's gives one and stdin is a terminal; `None` otherwise, so
/// the library reads its sources or says which to set.
pub fn typed_password(dir: &std::path::Path, confirm: bool) -> Outcome<Option<SecretString>> {
    match DataDir::new(dir).resolve_password(None) {
        Err(VaultError::MasterPasswordRequired) if std::io::stdin().is_terminal() => {}
        _ => return Ok(None),
    }
    let password = prompt("master password: ")?;
    if confirm
        && prompt("repeat the master password: ")?.expose_secret() != password.expose_secret()
    {
        return Err(Failure::cli(
            "CLI_PASSWORD_MISMATCH",
            "the two passwords differ; nothing was created, run the command again",
        ));
    }
    Ok(Some(password))
}

fn prompt(text: &str) -> Outcome<SecretString> {
    rpassword::prompt_password(text)
        .map(SecretString::from)
        .map_err(|e| Failure::cli("CLI_PROMPT", format!("cannot read the password: {e}")))
}

/// Unlocks the vault in `dir` (one Argon2id run), creating it first when it does not
/// exist and `WAIAAS_AUTO_PROVISION=true`.
pub fn open(dir: &std::path::Path) -> Outcome<Admin> {
    let auto_provision = auto_provision_requested();
    if auto_provision && !exists(dir) {
        return create(dir, true);
    }
    let typed = if exists(dir) {
        typed_password(dir, false)?
    } else {
        None
    };
    let opened = spinner::while_running("unlocking the vault (Argon2id)…", || {
        Waiaas::open(dir, typed, &Config::default(), Host::default())
    });
    match opened {
        // A password source is set but there is no vault yet: first use.
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
