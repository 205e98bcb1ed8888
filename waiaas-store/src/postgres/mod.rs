//! The PostgreSQL backend (feature `postgres`), for fleets of agent hosts that share
//! one wallet's limits: every host opens its own [`PgStore`] (its own bounded pool) on
//! the same database.
//!
//! Each store trait method is one transaction (`READ COMMITTED`) that takes, in this
//! order, the locks it needs: the kill switch row (`FOR KEY SHARE` when it only reads
//! it, `FOR UPDATE` when it changes it), then the rows of the wallets it touches
//! (`FOR NO KEY UPDATE`, in id order), and last, just before `COMMIT`, the audit chain
//! (a transaction-level advisory lock) to append the entries it collected. So the
//! decision and the reservation of one wallet are serialized across hosts, different
//! wallets never wait for each other until the short audit append, and no two
//! operations can wait for each other in a cycle. Why row locks rather than
//! `SERIALIZABLE`: docs/adr/0011-postgres-locking.md.
//!
//! Only SQL and row mapping live here; the decisions are the backend-neutral rules of
//! [`crate::rules`], as for SQLite. Sealed data (vault header, wallet and session
//! secrets) is stored as the sealed bytes it is: the database never sees a key.

mod audit;
mod backend;
mod clock;
#[cfg(feature = "sqlite")]
pub(crate) mod import;
mod ledger;
mod locks;
mod migrations;
mod notify;
mod operations;
mod options;
mod owners;
mod policies;
mod pool;
mod rows;
mod sessions;
mod settings;
mod tls;
mod transactions;
mod vault;
mod wallets;

pub use options::PgOptions;

use std::sync::{Mutex, MutexGuard, PoisonError};

use waiaas_core::audit::{AuditEntry, AuditKey};
use waiaas_core::error::StoreError;

use self::pool::{Conn, Pool};
use crate::policy_cache::PolicyCache;
use crate::stored::AuditKeySlot;

/// The PostgreSQL [`Backend`](waiaas_core::store::Backend) (both store traits). One
/// handle per process (it is `Send + Sync` and holds the process's pool); every host
/// of a fleet opens its own on the same database.
pub struct PgStore {
    /// `host:port/database`, for `Debug` (never the password).
    target: String,
    pool: Pool,
    /// Parsed policy rows, reloaded when `policy_epoch` changes (on any host).
    policy_cache: Mutex<PolicyCache>,
    /// The audit chain's key, set by the vault on create / unlock and cleared on lock;
    /// audited writes fail closed without it.
    audit_key: AuditKeySlot,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// How a transaction starts.
const BEGIN: &str = "BEGIN";
/// One consistent snapshot for reads that must agree (the audit records and head).
const BEGIN_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`,
    /// libpq's key/value form works too) and brings its schema up to date; several
    /// hosts may do so at once.
    ///
    /// TLS (feature `postgres-tls`): `?sslmode=require` (libpq's `verify-full` and
    /// `verify-ca` are read as it) verifies the server's certificate chain and host name
    /// against the PEM file of `&sslrootcert=/path/ca.pem`, or the Mozilla roots without
    /// it; naming a CA file alone also requires TLS. The default, `prefer`, uses TLS when
    /// the server offers it, verified the same way. Without the feature a URL that asks
    /// for TLS is refused.
    ///
    /// # Errors
    /// `STORAGE_ERROR` when the URL does not parse, asks for TLS this build lacks, names
    /// an unreadable CA file, the server cannot be reached, its certificate is refused, or
    /// a migration fails; `SCHEMA_TOO_NEW` when a newer waiaas migrated it.
    pub fn connect(url: &str, options: &PgOptions) -> Result<Self, StoreError> {
        let (config, connector) = tls::from_url(url)?;
        let target = describe_target(&config);
        let pool = Pool::new(
            config,
            connector,
            options.pool_size,
            options.acquire_timeout,
        );
        let mut conn = pool.connect()?;
        migrations::migrate(
            &mut conn,
            waiaas_core::clock::Clock::now(&waiaas_core::clock::SystemClock),
        )?;
        Ok(Self {
            target,
            pool,
            policy_cache: Mutex::new(PolicyCache::default()),
            audit_key: AuditKeySlot::default(),
        })
    }

    /// Whether `url` asks for TLS (`sslmode=require`, `verify-ca`, `verify-full`, or
    /// `sslrootcert`), which a build without the `postgres-tls` feature refuses.
    #[must_use]
    pub fn url_asks_for_tls(url: &str) -> bool {
        tls::asks_for_tls(url)
    }

    /// Checks `url` as [`PgStore::connect`] reads it, without connecting or reading a
    /// CA file.
    ///
    /// # Errors
    /// `STORAGE_ERROR` naming what is wrong (never quoting the URL).
    pub fn check_url(url: &str) -> Result<(), StoreError> {
        tls::check(url)
    }

    /// The schema version of the database.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.read(migrations::schema_version)
    }

    /// `f` on a connection outside any transaction (each statement its own).
    fn read<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut pooled = self.pool.get()?;
        f(pooled.conn()?)
    }

    /// One `READ COMMITTED` transaction around `f`; the audit entries it appended are
    /// chained under `key` and written just before `COMMIT`.
    fn write<T>(
        &self,
        op: &'static str,
        key: Option<&AuditKey>,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transaction(op, BEGIN, key, f)
    }

    fn transaction<T>(
        &self,
        op: &'static str,
        begin: &str,
        key: Option<&AuditKey>,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut pooled = self.pool.get()?;
        pooled.clean = false;
        let conn = pooled.conn()?;
        match conn.batch(op, begin) {
            Ok(()) => {}
            Err(_) if conn.is_closed() => {
                // An idle connection the server dropped (a restart): nothing was sent
                // yet, so one fresh connection may try.
                drop(pooled);
                pooled = self.pool.get()?;
                pooled.clean = false;
                pooled.conn()?.batch(op, begin)?;
            }
            Err(e) => return Err(e),
        }
        let (out, clean) = run_transaction(pooled.conn()?, op, key, f);
        pooled.clean = clean;
        out
    }

    /// As [`PgStore::write`], appending `audit` when `f` reports that it changed
    /// something. Fails closed (`VAULT_LOCKED`, nothing written) without the audit key.
    fn audited<T>(
        &self,
        op: &'static str,
        audit: &AuditEntry,
        f: impl FnOnce(&mut Conn) -> Result<(T, bool), StoreError>,
    ) -> Result<T, StoreError> {
        let key = self.audit_key()?;
        self.write(op, Some(&key), |conn| {
            let (out, changed) = f(conn)?;
            if changed {
                audit::append(conn, audit);
            }
            Ok(out)
        })
    }

    /// A copy of the audit key, or `VAULT_LOCKED` when none is set.
    fn audit_key(&self) -> Result<AuditKey, StoreError> {
        self.audit_key.copy()
    }

    fn policy_cache(&self) -> MutexGuard<'_, PolicyCache> {
        self.policy_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Runs `f` in the open transaction, appends its audit entries and commits, or rolls
/// back; also says whether the connection is clean (no transaction left open).
fn run_transaction<T>(
    conn: &mut Conn,
    op: &'static str,
    key: Option<&AuditKey>,
    f: impl FnOnce(&mut Conn) -> Result<T, StoreError>,
) -> (Result<T, StoreError>, bool) {
    conn.pending_audit.clear();
    let out = f(conn).and_then(|out| {
        if !conn.pending_audit.is_empty() {
            let key = key.ok_or(StoreError::AuditKeyMissing)?;
            audit::flush(conn, key)?;
        }
        Ok(out)
    });
    match out {
        // A failed COMMIT (a lost connection) may or may not have committed: the
        // connection is dropped, the caller sees the error.
        Ok(out) => match conn.batch("commit (its outcome is unknown)", "COMMIT") {
            Ok(()) => (Ok(out), true),
            Err(e) => (Err(e), false),
        },
        Err(e) => {
            let clean = conn.batch(op, "ROLLBACK").is_ok();
            (Err(e), clean)
        }
    }
}

fn describe_target(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map_or_else(String::new, |h| match h {
            postgres::config::Host::Tcp(h) => h.clone(),
            postgres::config::Host::Unix(p) => p.display().to_string(),
        });
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}/{}", config.get_dbname().unwrap_or_default())
}
