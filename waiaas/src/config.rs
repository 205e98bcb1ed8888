//! How an instance is set up: [`Config`] is data (serializable, what a config file or
//! a binding passes as JSON), [`Host`] is what the embedding process plugs in (clock,
//! prices, notifiers, chain clients).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use waiaas_core::{Clock, KdfParams, Network, SystemClock, ValidationError};
use waiaas_store::{StoreOptions, Synchronous};

use crate::action::ActionProvider;
use crate::clients::ChainClients;
use crate::notify::Notifier;
use crate::price::{PriceOracle, StaticPriceOracle};

/// Argon2id cost of a new vault (an existing vault keeps the cost in its header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KdfConfig {
    /// Memory in KiB (default 65 536 = 64 MiB; at least 19 456).
    pub memory_kib: u32,
    /// Passes (default 3; at least 2).
    pub iterations: u32,
    /// Lanes (default 4).
    pub parallelism: u32,
    /// The insecure test profile (m = 8 KiB): for test suites only; such a vault
    /// opens only with `allowInsecureKdf`. The cost fields are then ignored.
    #[serde(default)]
    pub insecure_test_profile: bool,
}

impl Default for KdfConfig {
    fn default() -> Self {
        let p = KdfParams::recommended();
        Self {
            memory_kib: p.m_cost_kib(),
            iterations: p.t_cost(),
            parallelism: p.p_cost(),
            insecure_test_profile: false,
        }
    }
}

impl KdfConfig {
    /// The insecure test profile (fast; a vault made with it needs `allowInsecureKdf`).
    #[must_use]
    pub fn insecure_for_tests() -> Self {
        Self {
            insecure_test_profile: true,
            ..Self::default()
        }
    }

    /// The Argon2id parameters.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a cost below the production floor or above the ceilings.
    pub fn params(&self) -> Result<KdfParams, ValidationError> {
        if self.insecure_test_profile {
            Ok(KdfParams::insecure_for_tests())
        } else {
            KdfParams::production(self.memory_kib, self.iterations, self.parallelism)
        }
    }
}

/// Whether every commit is fsynced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// Every commit survives power loss (the default).
    #[default]
    Full,
    /// Commits survive a process crash; the last ones may be lost on an OS crash or
    /// power loss. An explicit opt-in for speed.
    Normal,
}

/// The serializable settings of an instance (camelCase JSON, unknown fields refused).
/// `Debug` shows only the scheme and host of each RPC URL (providers put API keys in
/// the path).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Config {
    /// Argon2id cost of a new vault.
    pub kdf: KdfConfig,
    /// Accept a vault made with the insecure test profile (tests only).
    pub allow_insecure_kdf: bool,
    /// Database durability.
    pub durability: Durability,
    /// How long a write waits for another process's lock, in milliseconds.
    pub busy_timeout_ms: u64,
    /// Checkpoint the database log on a background thread this often (milliseconds);
    /// `null` leaves it to the committing thread.
    pub checkpoint_interval_ms: Option<u64>,
    /// A row EXECUTING or PENDING for longer than this (seconds) belongs to a process
    /// that died; it is failed and its reservation released.
    pub executing_timeout_secs: i64,
    /// Events queued per notifier before new ones are dropped (and counted).
    pub notification_queue: usize,
    /// How often the scheduler sends the audit head as an `AUDIT_HEAD` event
    /// (seconds); `null` never sends it periodically.
    pub audit_head_interval_secs: Option<u64>,
    /// The database: `null` (the default) is the SQLite file in the vault directory; a
    /// `postgres://user:password@host:port/database` URL is a PostgreSQL database that a
    /// fleet of hosts shares, every host seeing the same limits, revocations and kill
    /// switch (needs the `postgres` feature). TLS needs the `postgres-tls` feature:
    /// `?sslmode=require&sslrootcert=/path/ca.pem` verifies the server's certificate
    /// chain and host name (libpq's `verify-full`; without `sslrootcert`, against the
    /// Mozilla roots). `Debug` shows only its host.
    pub database_url: Option<String>,
    /// Connections this process opens to a PostgreSQL database at most (default 8).
    pub database_pool_size: u32,
    /// How long a call waits for a PostgreSQL connection (a free one, or a new one to
    /// open) before it fails `STORAGE_UNAVAILABLE`, in milliseconds (default 5000).
    pub database_timeout_ms: u64,
    /// A JSON-RPC endpoint per network (`{"solana-devnet": "http://127.0.0.1:8899"}`):
    /// the pipeline then fetches blockhash, nonce and fees, broadcasts, and reads
    /// balances. Needs the `rpc` feature (`rpc-tls` for `https://`).
    #[schemars(with = "BTreeMap<String, String>")]
    pub rpc_urls: BTreeMap<Network, String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rpc: BTreeMap<&Network, String> = self
            .rpc_urls
            .iter()
            .map(|(n, url)| (n, redact_url(url)))
            .collect();
        f.debug_struct("Config")
            .field("kdf", &self.kdf)
            .field("allow_insecure_kdf", &self.allow_insecure_kdf)
            .field("durability", &self.durability)
            .field("busy_timeout_ms", &self.busy_timeout_ms)
            .field("checkpoint_interval_ms", &self.checkpoint_interval_ms)
            .field("executing_timeout_secs", &self.executing_timeout_secs)
            .field("notification_queue", &self.notification_queue)
            .field("audit_head_interval_secs", &self.audit_head_interval_secs)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("database_pool_size", &self.database_pool_size)
            .field("database_timeout_ms", &self.database_timeout_ms)
            .field("rpc_urls", &rpc)
            .finish()
    }
}

/// `scheme://host[:port]/…`: what a log may show of a URL whose path or query can hold
/// a provider's key.
pub(crate) fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials in the authority (`user:key@host`) are dropped too.
    let host = authority.rsplit('@').next().unwrap_or_default();
    let tail = if rest.len() > authority.len() {
        "/…"
    } else {
        ""
    };
    format!("{scheme}://{host}{tail}")
}

impl Default for Config {
    fn default() -> Self {
        let store = StoreOptions::default();
        Self {
            kdf: KdfConfig::default(),
            allow_insecure_kdf: false,
            durability: Durability::Full,
            busy_timeout_ms: u64::try_from(store.busy_timeout.as_millis()).unwrap_or(u64::MAX),
            checkpoint_interval_ms: store
                .checkpoint_interval
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            executing_timeout_secs: 60,
            notification_queue: 1024,
            audit_head_interval_secs: Some(3600),
            database_url: None,
            database_pool_size: 8,
            database_timeout_ms: 5000,
            rpc_urls: BTreeMap::new(),
        }
    }
}

impl Config {
    /// The fast, insecure KDF profile, allowed: for test suites only.
    #[must_use]
    pub fn for_tests() -> Self {
        Self {
            kdf: KdfConfig::insecure_for_tests(),
            allow_insecure_kdf: true,
            ..Self::default()
        }
    }

    /// The Argon2id parameters of a new vault; the insecure test profile only with
    /// `allowInsecureKdf` (else a config file could create a vault whose password is
    /// cheap to brute-force from a copied database).
    pub(crate) fn kdf_params(&self) -> Result<KdfParams, crate::Error> {
        if self.kdf.insecure_test_profile && !self.allow_insecure_kdf {
            return Err(waiaas_core::VaultError::InsecureKdf.into());
        }
        Ok(self.kdf.params()?)
    }

    /// Refuses settings that cannot be meant.
    pub(crate) fn check(&self) -> Result<(), ValidationError> {
        if self.executing_timeout_secs < 1 {
            return Err(ValidationError::field(
                "executingTimeoutSecs",
                "must be at least 1 (keep it above the longest execution; default 60): below, every process that opens the vault would fail the rows others are signing",
            ));
        }
        if let Some(url) = &self.database_url {
            Self::check_database_url(url)?;
        }
        if self.database_pool_size == 0 {
            return Err(ValidationError::field(
                "databasePoolSize",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// The store this configuration names: the SQLite file in `data` (created if
    /// needed), or the PostgreSQL database at `database_url` (checked by
    /// [`Config::check`] before anything is written).
    pub(crate) fn open_store(
        &self,
        data: &waiaas_core::DataDir,
    ) -> Result<std::sync::Arc<dyn waiaas_core::store::Backend>, crate::Error> {
        match self.database_url.as_deref() {
            None => Ok(std::sync::Arc::new(waiaas_store::SqliteStore::open_dir(
                data,
                &self.store_options(),
            )?)),
            Some(url) => self.open_postgres(url),
        }
    }

    /// Refuses a database URL this build cannot open.
    pub(crate) fn check_database_url(url: &str) -> Result<(), ValidationError> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ValidationError::field(
                "databaseUrl",
                "must be a `postgres://` or `postgresql://` URL (leave it unset for the SQLite file in the vault directory)",
            ));
        }
        if cfg!(not(feature = "postgres")) {
            return Err(ValidationError::field(
                "databaseUrl",
                "a PostgreSQL database needs waiaas built with the `postgres` feature",
            ));
        }
        #[cfg(feature = "postgres")]
        waiaas_store::PgStore::check_url(url)
            .map_err(|e| ValidationError::field("databaseUrl", e.to_string()))?;
        #[cfg(all(feature = "postgres", not(feature = "postgres-tls")))]
        if waiaas_store::PgStore::url_asks_for_tls(url) {
            return Err(ValidationError::field(
                "databaseUrl",
                "asks for TLS (`sslmode=require`, `verify-ca`, `verify-full` or `sslrootcert`): build waiaas with the `postgres-tls` feature, or use `sslmode=disable` on a trusted network",
            ));
        }
        Ok(())
    }

    #[cfg(feature = "postgres")]
    fn open_postgres(
        &self,
        url: &str,
    ) -> Result<std::sync::Arc<dyn waiaas_core::store::Backend>, crate::Error> {
        let options = waiaas_store::PgOptions {
            pool_size: usize::try_from(self.database_pool_size).unwrap_or(usize::MAX),
            acquire_timeout: Duration::from_millis(self.database_timeout_ms),
        };
        Ok(std::sync::Arc::new(waiaas_store::PgStore::connect(
            url, &options,
        )?))
    }

    #[cfg(not(feature = "postgres"))]
    fn open_postgres(
        &self,
        url: &str,
    ) -> Result<std::sync::Arc<dyn waiaas_core::store::Backend>, crate::Error> {
        Err(Self::without_postgres(url))
    }

    /// Why this build (without the `postgres` feature) cannot use `url`: what
    /// [`Config::check_database_url`] says of it.
    #[cfg(not(feature = "postgres"))]
    pub(crate) fn without_postgres(url: &str) -> crate::Error {
        Self::check_database_url(url)
            .err()
            .unwrap_or_else(|| ValidationError::field("databaseUrl", "unsupported database"))
            .into()
    }

    pub(crate) fn store_options(&self) -> StoreOptions {
        StoreOptions {
            synchronous: match self.durability {
                Durability::Full => Synchronous::Full,
                Durability::Normal => Synchronous::Normal,
            },
            busy_timeout: Duration::from_millis(self.busy_timeout_ms),
            checkpoint_interval: self.checkpoint_interval_ms.map(Duration::from_millis),
        }
    }

    pub(crate) fn audit_head_interval(&self) -> Option<Duration> {
        self.audit_head_interval_secs.map(Duration::from_secs)
    }
}

/// What the embedding process plugs in.
#[derive(Debug, Clone)]
pub struct Host {
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// USD prices for the policy engine.
    pub prices: Arc<dyn PriceOracle>,
    /// Receivers of pipeline events (host callbacks, the webhook notifier, …). Each
    /// gets its own bounded queue and thread: a slow or failing notifier never stalls
    /// the pipeline.
    pub notifiers: Vec<Arc<dyn Notifier>>,
    /// Chain clients by network, beside those [`Config::rpc_urls`] makes.
    pub chain_clients: ChainClients,
    /// Trusted descriptors of DeFi actions (the agent's own may only make decisions
    /// stricter).
    pub action_provider: Option<Arc<dyn ActionProvider>>,
}

impl Default for Host {
    /// The system clock, no prices (USD limits then fail closed to APPROVAL), no
    /// notifiers, no chain clients.
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            prices: Arc::new(StaticPriceOracle::default()),
            notifiers: Vec::new(),
            chain_clients: ChainClients::new(),
            action_provider: None,
        }
    }
}
