#![doc = include_str!("../../README.md")]
//!
//! ## This crate
//! [`Waiaas::create`] / [`Waiaas::open`] unlock a vault and return the operator's
//! [`Admin`]; [`Waiaas::agent`] turns a session token into an [`Agent`] that can do only
//! what the token and the policies allow; [`Owner`] takes approvals, rejections and
//! cancellations signed by the wallet owner's own key.
//!
//! The pipeline (`docs/ARCHITECTURE.md`, "A send, step by step"): validate → session → kill switch and wallet status →
//! price → evaluate-and-reserve (one serialized transaction) → by tier: INSTANT and
//! NOTIFY sign at once; DELAY is QUEUED and executed by [`Waiaas::process_due`] once its
//! window passes; APPROVAL waits for the owner (or, with no owner, becomes DELAY). A
//! signature never leaves the library before the row that accounts for it is
//! committed.
//!
//! ## Features
//! - `solana`, `evm` (both default): the chain families. A Solana-only build
//!   (`default-features = false, features = ["solana"]`) compiles no `alloy-*` crate, an
//!   EVM-only one no `solana-*`; a wallet on a family left out is refused with
//!   `VALIDATION_FAILED` naming the feature.
//! - `webhook` (default): `notify::WebhookNotifier` over plain HTTP; `webhook-tls`
//!   adds HTTPS (rustls).
//! - `telegram`, `ntfy`, `slack`, `discord`: the notification channels of those
//!   services (`Admin::add_notification_channel`); each implies `webhook` (HTTPS, which
//!   the real services need, with `webhook-tls`).
//! - `rpc`: the blocking JSON-RPC chain client, made from [`Config::rpc_urls`] (or
//!   `ChainClients::from_urls` in [`Host::chain_clients`]): the pipeline then fetches
//!   blockhash, nonce and fees itself, broadcasts (status SUBMITTED) and
//!   [`Agent::balance`] works.
//! - `rpc-tls`: HTTPS for the chain client and the price feeds; without it an
//!   `https://` URL is refused when the client or oracle is built, naming this feature.
//! - `prices-http`: live USD prices, `price::PythHermesOracle` and
//!   `price::CoinGeckoOracle` (with `price::FallbackPriceOracle` to chain them).
//! - `owner-signer`: `owner::OwnerSigner`, which signs owner approval texts (Ed25519 or
//!   EIP-191) for bots, tests and bindings.
//! - `fuzzing`: `fuzzing`, the kill-switch text parser and request resolution for the
//!   fuzz targets in `fuzz/` (hidden; not an API).
//! - `vectors`: `api::evaluate_chain_case`, `api::evaluate_session_case` and
//!   `api::evaluate_vault_case`, the conformance vectors of `testdata/vectors/` the
//!   bindings run (each case on a scratch vault in a temp dir).
//!
//! ## Surface
//! The root exports what a program needs; [`prelude`] the most common of it; [`api`]
//! the JSON DTOs every binding and server wraps. Every call blocks (Argon2id, signing,
//! database waits, RPC): an async host calls it from `spawn_blocking`.

mod action;
pub mod admin;
pub mod agent;
pub mod api;
mod approval_link;
mod chain_features;
pub mod clients;
mod config;
mod effects;
pub mod error;
mod execute;
mod kill_switch;
pub mod migrate;
pub mod notify;
pub mod owner;
pub mod password_gate;
mod pipeline;
pub mod prelude;
pub mod price;
pub mod record;
pub mod request;
pub mod settings;
pub mod tools;

/// Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`): the kill-switch
/// text parser and request resolution, without the store lookups around them.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    /// The wallet and issue time of a kill-switch text, as [`crate::Owner::kill_switch`]
    /// parses it before it checks the time and the signature.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for anything but an exact kill-switch text.
    pub fn parse_kill_switch_text(
        message: &str,
    ) -> Result<(waiaas_core::WalletId, i64), waiaas_core::ValidationError> {
        crate::owner::parse_kill_switch_text(message)
    }

    /// Resolves `operation` for a wallet on `network` exactly as `Agent::send` and
    /// `Agent::simulate` do, with `operator` / `chain` as the token's trusted decimals
    /// (what the store and the chain client would give).
    ///
    /// # Errors
    /// As `Agent::send` before the decision: `INVALID_AMOUNT`, `INVALID_ADDRESS`,
    /// `VALIDATION_FAILED`, `INVALID_TRANSACTION`.
    pub fn resolve_operation(
        operation: &crate::Operation,
        network: waiaas_core::Network,
        operator: Option<u8>,
        chain: Option<u8>,
    ) -> crate::Result<crate::request::ResolvedOperation> {
        operation.resolve(network, &mut |_| {
            Ok(crate::request::TrustedDecimals { operator, chain })
        })
    }
}

use std::path::Path;
use std::sync::{Arc, RwLock};

pub use action::ActionProvider;
pub use admin::Admin;
pub use agent::{Agent, Balance};
pub use clients::ChainClients;
pub use config::{Config, Durability, Host, KdfConfig};
pub use error::{Error, ErrorInfo, Result};
pub use owner::{ApprovalPage, ApprovalRequest, Owner};
pub use price::{PriceOracle, StaticPriceOracle};
pub use record::{ExecutionResult, Transaction};
pub use request::{ChainParams, Operation, Quantity, SendRequest, TokenSpec};
pub use settings::Settings;
pub use waiaas_core::audit::AuditRecord;
pub use waiaas_core::policy::{
    Decision, PolicyFilter, PolicyRecord, PolicyType, Usd, native_asset_id, token_asset_id,
};
pub use waiaas_core::session::{
    CreateSession, IssuedSession, Permission, SessionInfo, SessionToken,
};
pub use waiaas_core::store::{KillSwitchState, TxFilter, WalletStatus};
pub use waiaas_core::vault::{ExportedSecret, WalletInfo};
pub use waiaas_core::{
    Chain, Clock, ManualClock, Network, PolicyId, SecretString, SessionId, SystemClock, Tier, TxId,
    TxStatus, WalletId,
};
pub use waiaas_policy::{NewPolicy, PolicyUpdate, QuicksetMode};

use pipeline::Instance;
use waiaas_core::store::Backend;
use waiaas_core::{DataDir, KdfParams, PasswordOrigin, SessionIssuer, Vault, VaultOptions};

/// An unlocked waiaas instance without operator power: it makes agent handles from
/// tokens, takes owner actions and runs due work. Cheap to clone; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Waiaas {
    pub(crate) inner: Arc<Instance>,
}

fn build(
    data: DataDir,
    store: Arc<dyn Backend>,
    vault: Vault,
    config: &Config,
    host: Host,
    password: &SecretString,
) -> Result<Admin> {
    let vault = Arc::new(vault);
    let sessions = SessionIssuer::new(
        vault.clone(),
        waiaas_core::session::SessionConfig::default(),
    )?;
    let clock = vault.clock().clone();
    #[cfg_attr(
        not(feature = "webhook"),
        expect(unused_mut, reason = "no channels to add")
    )]
    let mut notifiers = host.notifiers;
    #[cfg(feature = "webhook")]
    notifiers.extend(notify::channel_notifiers(&store, &vault));
    let inner = Arc::new(Instance {
        vault,
        store,
        sessions,
        engine: waiaas_policy::Engine::new(),
        prices: host.prices,
        // The vault's clock never goes back (the store's persisted time high-water
        // mark): every decision of the pipeline uses it.
        clock,
        audit_head_interval: config.audit_head_interval(),
        data_dir: data,
        executing_timeout_secs: config.executing_timeout_secs,
        events: notify::Dispatcher::new(notifiers, config.notification_queue),
        clients: host.chain_clients,
        action_provider: host.action_provider,
        password_gate: password_gate::PasswordGate::new(password),
    });
    inner.recover_interrupted()?;
    let admin = Admin { inner };
    price::announce_unpriced_assets(&admin);
    Ok(admin)
}

/// The host with a chain client for each of `config.rpc_urls`: checked before anything
/// is written, so a refused URL leaves no vault or key file behind.
fn with_rpc_clients(config: &Config, host: Host) -> Result<Host> {
    config.check()?;
    Ok(Host {
        chain_clients: host.chain_clients.with_rpc_urls(&config.rpc_urls)?,
        ..host
    })
}

/// A new vault in `data` under `password` (the host's RPC clients already made).
fn create_vault(
    data: DataDir,
    password: &SecretString,
    kdf: KdfParams,
    config: &Config,
    host: Host,
) -> Result<Admin> {
    let store = config.open_store(&data)?;
    let vault = Vault::create(
        store.clone(),
        password,
        kdf,
        vault_options(&data, config, &host),
    )?;
    build(data, store, vault, config, host, password)
}

fn vault_options(data: &DataDir, config: &Config, host: &Host) -> VaultOptions {
    VaultOptions {
        allow_insecure_kdf: config.allow_insecure_kdf,
        clock: host.clock.clone(),
        ..data.vault_options()
    }
}

/// Which constructor unlocks a vault: what a binding, server or CLI passes on from its
/// host to [`Waiaas::unlock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlock {
    /// [`Waiaas::open`]: an existing vault.
    Open,
    /// [`Waiaas::create`]: a new vault with the given (or configured) password.
    Create,
    /// [`Waiaas::create_auto_provisioned`]: a new vault with a generated password in
    /// `recovery.key` (any given password is not used).
    CreateAutoProvisioned,
}

impl Waiaas {
    /// Creates a new vault in directory `path` (created 0700 if needed) protected by
    /// `password`, and returns the operator handle. With `password` `None` the
    /// password comes from the sources [`Waiaas::open`] reads (`WAIAAS_MASTER_PASSWORD`,
    /// `WAIAAS_MASTER_PASSWORD_FILE`, an existing `<path>/recovery.key`).
    ///
    /// # Errors
    /// `VAULT_ALREADY_EXISTS`; `VALIDATION_FAILED` for an empty password or a KDF cost
    /// out of range; `MASTER_PASSWORD_REQUIRED`; `STORAGE_ERROR`.
    pub fn create(
        path: impl AsRef<Path>,
        password: Option<SecretString>,
        config: &Config,
        host: Host,
    ) -> Result<Admin> {
        let kdf = config.kdf_params()?;
        let host = with_rpc_clients(config, host)?;
        let data = DataDir::new(path.as_ref());
        let (password, _origin): (SecretString, PasswordOrigin) =
            data.resolve_password(password)?;
        create_vault(data, &password, kdf, config, host)
    }

    /// Creates a new vault whose master password is generated (32 random bytes, hex)
    /// and written to `<path>/recovery.key` (0600). Read it, store it safely, then
    /// change the password or delete the file.
    ///
    /// # Errors
    /// As [`Waiaas::create`]; `STORAGE_ERROR` when `recovery.key` exists.
    pub fn create_auto_provisioned(
        path: impl AsRef<Path>,
        config: &Config,
        host: Host,
    ) -> Result<Admin> {
        // Every check before `recovery.key` is written: a refused config leaves no file.
        let kdf = config.kdf_params()?;
        let host = with_rpc_clients(config, host)?;
        let data = DataDir::new(path.as_ref());
        let password = data.provision_recovery_key()?;
        create_vault(data, &password, kdf, config, host)
    }

    /// Opens or creates the vault in `path` as `how` says.
    ///
    /// # Errors
    /// As [`Waiaas::open`], [`Waiaas::create`] or [`Waiaas::create_auto_provisioned`].
    pub fn unlock(
        path: impl AsRef<Path>,
        how: Unlock,
        password: Option<SecretString>,
        config: &Config,
        host: Host,
    ) -> Result<Admin> {
        match how {
            Unlock::Open => Self::open(path, password, config, host),
            Unlock::Create => Self::create(path, password, config, host),
            Unlock::CreateAutoProvisioned => Self::create_auto_provisioned(path, config, host),
        }
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
        config: &Config,
        host: Host,
    ) -> Result<Admin> {
        let host = with_rpc_clients(config, host)?;
        let data = DataDir::new(path.as_ref());
        let (password, _origin): (SecretString, PasswordOrigin) =
            data.resolve_password(password)?;
        // Opening never creates: no database file is no vault (and none is left behind).
        if config.database_url.is_none() && !data.database_path().exists() {
            return Err(waiaas_core::VaultError::NotInitialized.into());
        }
        let store = config.open_store(&data)?;
        let vault = Vault::unlock(
            store.clone(),
            &password,
            vault_options(&data, config, &host),
        )?;
        build(data, store, vault, config, host, &password)
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
    /// every [`Config::audit_head_interval_secs`] (timed by the vault's clock).
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
