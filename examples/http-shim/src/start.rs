//! Starting the server from command-line options: what the `waiaas-http` binary and
//! `waiaas start` both run, so the two cannot drift.

use std::fmt;
use std::future::Future;
use std::io::Write as _;
use std::path::PathBuf;

use crate::{Server, ServerConfig, Unlock, open_vault};

/// The options of `waiaas start` / `waiaas-http`.
#[derive(Clone, Default)]
pub struct StartOptions {
    /// The data directory (vault database, `recovery.key`).
    pub data_dir: PathBuf,
    /// A JSON settings file (`ServerConfig`), read before the flags below.
    pub config_file: Option<PathBuf>,
    /// `--host`: the address to bind (default 127.0.0.1).
    pub host: Option<String>,
    /// `--port` (default 3100).
    pub port: Option<String>,
    /// `--rpc NETWORK=URL`, repeatable; `WAIAAS_RPC_<NETWORK>` is read too.
    pub rpc: Vec<String>,
    /// `--allow-host NAME`: a non-loopback `Host` header to accept.
    pub allow_hosts: Vec<String>,
    /// `--no-public-rpc`: networks without `--rpc` get no chain client instead of their
    /// public endpoint.
    pub no_public_rpc: bool,
    /// `--database URL` (`WAIAAS_DATABASE_URL`): a PostgreSQL database that a fleet of
    /// servers shares (needs the `postgres` feature); without it the vault is the data
    /// directory's SQLite file.
    pub database_url: Option<String>,
    /// Create the vault when none exists: with the configured password
    /// (`WAIAAS_MASTER_PASSWORD[_FILE]`), else auto-provisioned into `recovery.key`.
    pub init: bool,
}

/// Why the server did not start (or stopped).
#[derive(Debug)]
pub enum StartError {
    /// Unlocking or creating the vault failed (its code says why).
    Vault(waiaas::Error),
    /// A bad option, an unreadable settings file, a port in use, …
    Other(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Vault(e) => write!(f, "{e} ({})", e.code()),
            Self::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for StartError {}

impl fmt::Debug for StartOptions {
    // The database URL may carry a password: only whether it is set is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartOptions")
            .field("data_dir", &self.data_dir)
            .field("config_file", &self.config_file)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("rpc", &self.rpc)
            .field("allow_hosts", &self.allow_hosts)
            .field("no_public_rpc", &self.no_public_rpc)
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("init", &self.init)
            .finish()
    }
}

impl StartOptions {
    /// The server settings: the settings file, then `WAIAAS_RPC_*`, then the flags.
    ///
    /// # Errors
    /// An unreadable or invalid settings file, a bad `--host`, `--port` or `--rpc`.
    pub fn server_config(&self) -> Result<ServerConfig, StartError> {
        let other = StartError::Other;
        let mut config = match &self.config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| other(format!("cannot read `{}`: {e}", path.display())))?;
                serde_json::from_str(&text)
                    .map_err(|e| other(format!("invalid config `{}`: {e}", path.display())))?
            }
            None => ServerConfig::default(),
        };
        if let Some(host) = &self.host {
            config.host = host
                .parse()
                .map_err(|_| other(format!("invalid `--host` `{host}`")))?;
        }
        if let Some(port) = &self.port {
            config.port = port
                .parse()
                .map_err(|_| other(format!("invalid `--port` `{port}`")))?;
        }
        config.add_rpc_from_env(|name| std::env::var(name).ok());
        for spec in &self.rpc {
            config.add_rpc(spec).map_err(|e| other(e.to_string()))?;
        }
        config
            .allowed_hosts
            .extend(self.allow_hosts.iter().cloned());
        if self.no_public_rpc {
            config.public_rpc = false;
        }
        if let Some(url) = &self.database_url {
            config.waiaas.database_url = Some(url.clone());
        }
        Ok(config)
    }
}

/// How a first start creates the vault: with the operator's password when one is
/// configured (`WAIAAS_MASTER_PASSWORD`, `WAIAAS_MASTER_PASSWORD_FILE`: a Docker secret),
/// else with a generated one written to `recovery.key` (auto-provisioning).
fn first_start(is_set: impl Fn(&str) -> bool) -> Unlock {
    if is_set("WAIAAS_MASTER_PASSWORD") || is_set("WAIAAS_MASTER_PASSWORD_FILE") {
        Unlock::Create
    } else {
        Unlock::CreateAutoProvisioned
    }
}

/// Unlocks (or, with `init`, creates) the vault, binds, prints `listening on
/// http://ADDR` on stderr and serves until `shutdown` completes.
///
/// # Errors
/// [`StartError`]: bad options, the vault's error, a bind failure.
pub async fn run(
    options: StartOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let config = options.server_config()?;
    let dir = options.data_dir;
    let shared = config.waiaas.database_url.is_some();
    let unlock = if options.init && !shared && !dir.join("waiaas.db").exists() {
        first_start(|name| std::env::var_os(name).is_some())
    } else {
        Unlock::Open
    };
    let init = options.init;
    let opened = tokio::task::spawn_blocking(move || {
        match open_vault(&config, &dir, None, unlock) {
            // A shared database: the first server of the fleet creates the vault, the
            // others open it.
            Err(e) if init && shared && e.code() == "VAULT_NOT_FOUND" => open_vault(
                &config,
                &dir,
                None,
                first_start(|name| std::env::var_os(name).is_some()),
            ),
            opened => opened,
        }
        .map(|o| (o, config))
    })
    .await
    .map_err(|e| StartError::Other(e.to_string()))?;
    let ((admin, prices), config) = opened.map_err(StartError::Vault)?;
    let server = Server::bind(&config, admin, prices).await.map_err(|e| {
        StartError::Other(format!("cannot bind {}:{}: {e}", config.host, config.port))
    })?;
    let addr = server
        .local_addr()
        .map_err(|e| StartError::Other(e.to_string()))?;
    let _ = writeln!(std::io::stderr(), "listening on http://{addr}");
    server
        .serve(shutdown)
        .await
        .map_err(|e| StartError::Other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_start_uses_a_configured_password_else_generates_one() {
        let only = |var: &'static str| move |name: &str| name == var;
        assert!(matches!(
            first_start(only("WAIAAS_MASTER_PASSWORD_FILE")),
            Unlock::Create
        ));
        assert!(matches!(
            first_start(only("WAIAAS_MASTER_PASSWORD")),
            Unlock::Create
        ));
        assert!(matches!(
            first_start(|_| false),
            Unlock::CreateAutoProvisioned
        ));
    }

    #[test]
    fn the_database_flag_reaches_the_config_and_never_shows_its_password() {
        let options = StartOptions {
            database_url: Some("postgres://waiaas:s3cret@db.internal/waiaas".to_owned()),
            ..StartOptions::default()
        };
        let config = options.server_config().unwrap();
        assert_eq!(
            config.waiaas.database_url.as_deref(),
            Some("postgres://waiaas:s3cret@db.internal/waiaas")
        );
        assert!(!format!("{options:?}").contains("s3cret"));
        assert!(!format!("{config:?}").contains("s3cret"));
        assert_eq!(
            StartOptions::default()
                .server_config()
                .unwrap()
                .waiaas
                .database_url,
            None
        );
    }
}
