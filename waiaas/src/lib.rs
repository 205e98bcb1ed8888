#![doc = include_str!("../../README.md")]
//!
//! ## This crate
//! [`Waiaas::create`] / [`Waiaas::open`] unlock a vault and return the operator's
//! [`Admin`]; [`Waiaas::agent`] turns a session token into an [`Agent`] that can do only
//! what the token and the policies allow; [`Owner`] takes approvals, rejections and
//! cancellations signed by the wallet owner's own key.
//!
//! The pipeline (DESIGN §6): validate → session → kill switch and wallet status →
//! price → evaluate-and-reserve (one serialized transaction) → by tier: INSTANT and
//! NOTIFY sign at once; DELAY is QUEUED and executed by [`Waiaas::process_due`] once its
//! window passes; APPROVAL waits for the owner (or, with no owner, becomes DELAY). A
//! signature never leaves the library before the row that accounts for it is
//! committed.
//!
//! ## Features
//! - Both chain families are always on in the facade; a Solana-only or EVM-only
//!   build uses `waiaas-chains` with one feature directly.
//! - `webhook` (default): `notify::WebhookNotifier` over plain HTTP; `webhook-tls`
//!   adds HTTPS (rustls).
//! - `rpc`: the blocking JSON-RPC chain client (`chains::client::rpc::JsonRpcClient`)
//!   to put in [`Options::chain_clients`]: the pipeline then fetches blockhash, nonce
//!   and fees itself, broadcasts (status SUBMITTED) and [`Agent::balance`] works.

mod action;
pub mod admin;
pub mod agent;
pub mod clients;
mod effects;
pub mod error;
mod execute;
pub mod notify;
pub mod owner;
mod pipeline;
pub mod price;
pub mod record;
pub mod request;
pub mod settings;

use std::path::Path;
use std::sync::{Arc, RwLock};

pub use action::ActionProvider;
pub use admin::{Admin, AuditFilter, AuditHead, AuditVerification, KillSwitchReport, OwnerInfo};
pub use agent::{Agent, Balance};
pub use clients::ChainClients;
pub use error::{Error, ErrorInfo, Result};
pub use owner::{ApprovalRequest, Owner};
pub use price::{PriceOracle, StaticPriceOracle};
pub use record::{ExecutionResult, Transaction};
pub use request::{ChainParams, Operation, SendRequest, TokenSpec};
pub use settings::Settings;
pub use waiaas_chains as chains;
pub use waiaas_core as core;
pub use waiaas_core::{Clock, KdfParams, ManualClock, Network, SecretString, SystemClock};
pub use waiaas_policy::{NewPolicy, PolicyUpdate, QuicksetMode};
pub use waiaas_store as store;

use pipeline::Inner;
use waiaas_core::store::Backend;
use waiaas_core::{DataDir, PasswordOrigin, SessionIssuer, Vault, VaultOptions};
use waiaas_store::{SqliteStore, StoreOptions};

/// How a vault is created or opened.
#[derive(Debug, Clone)]
pub struct Options {
    /// Argon2id parameters for a new vault (default m = 64 MiB, t = 3, p = 4).
    pub kdf: KdfParams,
    /// Accept a vault made with the insecure test KDF profile (tests only).
    pub allow_insecure_kdf: bool,
    /// SQLite durability and lock timeout.
    pub store: StoreOptions,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// USD prices for the policy engine.
    pub prices: Arc<dyn PriceOracle>,
    /// A row EXECUTING or PENDING for longer than this (seconds) belongs to a process
    /// that died; it is failed and its reservation released.
    pub executing_timeout_secs: i64,
    /// Receivers of pipeline events (host callbacks, the webhook notifier, …). Each
    /// gets its own bounded queue and thread: a slow or failing notifier never stalls
    /// the pipeline.
    pub notifiers: Vec<Arc<dyn notify::Notifier>>,
    /// Events queued per notifier before new ones are dropped (and counted).
    pub notification_queue: usize,
    /// Chain clients by network (fetch chain parameters, broadcast, balances).
    pub chain_clients: clients::ChainClients,
    /// Trusted descriptors of DeFi actions (the agent's own may only make decisions
    /// stricter).
    pub action_provider: Option<Arc<dyn ActionProvider>>,
    /// How often the scheduler ([`Waiaas::spawn_scheduler`]) sends the audit log's head
    /// as an `AUDIT_HEAD` event (default hourly; also once when it starts), so that it
    /// can be anchored outside the database; `None` never sends it periodically.
    pub audit_head_interval: Option<std::time::Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            kdf: KdfParams::default(),
            allow_insecure_kdf: false,
            store: StoreOptions::default(),
            clock: Arc::new(SystemClock),
            prices: Arc::new(StaticPriceOracle::default()),
            executing_timeout_secs: 60,
            notifiers: Vec::new(),
            notification_queue: 1024,
            chain_clients: clients::ChainClients::new(),
            action_provider: None,
            audit_head_interval: Some(std::time::Duration::from_secs(3600)),
        }
    }
}

/// An unlocked waiaas instance without operator power: it makes agent handles from
/// tokens, takes owner actions and runs due work. Cheap to clone; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Waiaas {
    pub(crate) inner: Arc<Inner>,
}

fn build(data: DataDir, store: Arc<dyn Backend>, vault: Vault, options: &Options) -> Result<Admin> {
    let vault = Arc::new(vault);
    let sessions = SessionIssuer::new(
        vault.clone(),
        waiaas_core::session::SessionConfig::default(),
    )?;
    let clock = vault.clock().clone();
    let inner = Arc::new(Inner {
        vault,
        store,
        sessions,
        engine: waiaas_policy::Engine::new(),
        prices: options.prices.clone(),
        // The vault's clock never goes back (the store's persisted time high-water
        // mark): every decision of the pipeline uses it.
        clock,
        audit_head_interval: options.audit_head_interval,
        data_dir: data,
        executing_timeout_secs: options.executing_timeout_secs,
        events: notify::Dispatcher::new(options.notifiers.clone(), options.notification_queue),
        clients: options.chain_clients.clone(),
        action_provider: options.action_provider.clone(),
    });
    inner.recover_interrupted()?;
    Ok(Admin { inner })
}

fn vault_options(data: &DataDir, options: &Options) -> VaultOptions {
    VaultOptions {
        allow_insecure_kdf: options.allow_insecure_kdf,
        clock: options.clock.clone(),
        ..data.vault_options()
    }
}

impl Waiaas {
    /// Creates a new vault in directory `path` (created 0700 if needed) protected by
    /// `password`, and returns the operator handle.
    ///
    /// # Errors
    /// `VAULT_ALREADY_EXISTS`; `VALIDATION_FAILED` for an empty password;
    /// `STORAGE_ERROR`.
    pub fn create(
        path: impl AsRef<Path>,
        password: &SecretString,
        options: Options,
    ) -> Result<Admin> {
        let data = DataDir::new(path.as_ref());
        let store: Arc<dyn Backend> = Arc::new(SqliteStore::open_dir(&data, &options.store)?);
        let vault = Vault::create(
            store.clone(),
            password,
            options.kdf,
            vault_options(&data, &options),
        )?;
        build(data, store, vault, &options)
    }

    /// Creates a new vault whose master password is generated (32 random bytes, hex)
    /// and written to `<path>/recovery.key` (0600). Read it, store it safely, then
    /// change the password or delete the file.
    ///
    /// # Errors
    /// As [`Waiaas::create`]; `STORAGE_ERROR` when `recovery.key` exists.
    pub fn create_auto_provisioned(path: impl AsRef<Path>, options: Options) -> Result<Admin> {
        let data = DataDir::new(path.as_ref());
        let password = data.provision_recovery_key()?;
        Self::create(path, &password, options)
    }

    /// Opens the vault in `path`. The password is `password` when given, else
    /// `WAIAAS_MASTER_PASSWORD`, else `WAIAAS_MASTER_PASSWORD_FILE`, else
    /// `<path>/recovery.key`. Runs Argon2id once. Rows left PENDING/EXECUTING by a
    /// crashed process are failed and their reservations released.
    ///
    /// # Errors
    /// `INVALID_MASTER_PASSWORD`; `MASTER_PASSWORD_LOCKED` (with the wait);
    /// `MASTER_PASSWORD_REQUIRED`; `VAULT_CORRUPT`; `VAULT_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn open(
        path: impl AsRef<Path>,
        password: Option<SecretString>,
        options: Options,
    ) -> Result<Admin> {
        let data = DataDir::new(path.as_ref());
        let (password, _origin): (SecretString, PasswordOrigin) =
            data.resolve_password(password)?;
        let store: Arc<dyn Backend> = Arc::new(SqliteStore::open_dir(&data, &options.store)?);
        let vault = Vault::unlock(store.clone(), &password, vault_options(&data, &options))?;
        build(data, store, vault, &options)
    }

    /// An agent handle for a session token. Verifies the token now and again on every
    /// call, so a revoked or expired token stops working at the next call.
    ///
    /// # Errors
    /// `INVALID_TOKEN`, `TOKEN_EXPIRED`, `SESSION_NOT_FOUND`, `SESSION_REVOKED`,
    /// `TOKEN_SUPERSEDED`, `SESSION_EXPIRED`.
    pub fn agent(&self, token: &str) -> Result<Agent> {
        self.inner.sessions.verify(token)?;
        let parsed = waiaas_core::SessionToken::from_string(token.to_owned());
        Ok(Agent {
            inner: self.inner.clone(),
            token: Arc::new(RwLock::new(parsed)),
        })
    }

    /// Owner actions (approve, reject, cancel, kill switch), each proven by the owner's
    /// signature.
    #[must_use]
    pub fn owner(&self) -> Owner {
        Owner {
            inner: self.inner.clone(),
        }
    }

    /// Executes DELAY transactions whose window has passed, expires approvals whose
    /// window has closed, and recovers rows of crashed processes. Call it periodically
    /// (or use [`Waiaas::spawn_scheduler`]).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn process_due(&self) -> Result<Vec<Transaction>> {
        self.inner.process_due()
    }

    /// Runs [`Waiaas::process_due`] every `interval` on a background thread until the
    /// returned guard is dropped; also sends the audit head as an `AUDIT_HEAD` event
    /// every [`Options::audit_head_interval`] (timed by the vault's clock).
    #[must_use]
    pub fn spawn_scheduler(&self, interval: std::time::Duration) -> Scheduler {
        let (stop, rx) = std::sync::mpsc::channel::<()>();
        let me = self.clone();
        let head_every = self
            .inner
            .audit_head_interval
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let handle = std::thread::spawn(move || {
            let mut last_head: Option<i64> = None;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(interval) {
                // Failures are recorded on the rows; the scheduler keeps going.
                let _ = me.process_due();
                if let Some(every) = head_every {
                    let now = me.inner.now();
                    if last_head.is_none_or(|t| now.saturating_sub(t) >= every) {
                        // A failed read is retried at the next tick.
                        if admin::announce_audit_head(&me.inner).is_ok() {
                            last_head = Some(now);
                        }
                    }
                }
            }
        });
        Scheduler {
            stop: Some(stop),
            handle: Some(handle),
        }
    }
}

/// Stops the background scheduler when dropped.
#[derive(Debug)]
pub struct Scheduler {
    stop: Option<std::sync::mpsc::Sender<()>>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
