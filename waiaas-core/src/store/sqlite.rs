//! The embedded SQLite store: WAL, busy timeout, numbered migrations, `synchronous = FULL`
//! by default. Safe for several processes on one file: writes use `BEGIN IMMEDIATE`.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::ledger::{self, PolicyCache};
use super::pipeline::{self, CancelScope};
use super::{
    AdmissionGate, RenewalCas, SealedBox, SessionInsert, SessionRecord, SessionSecretRecord, Store,
    UnlockAttempts, WalletRecord, WalletStatus,
};
use crate::audit::{AuditEntry, AuditKey};
use crate::error::StoreError;
use crate::ids::{PolicyId, SessionId, TxId, WalletId};
use crate::policy::{
    Decision, LedgerSnapshot, PolicyEngine, PolicyFilter, PolicyRecord, PolicyRequest, PriceBook,
    Reservation,
};
use crate::session::Permission;

/// Numbered migrations: (version, note, SQL). Append only; never edit a released one.
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "vault header, wallets, sessions, session secrets, settings",
        include_str!("migrations/0001_initial.sql"),
    ),
    (
        2,
        "policies, policy epoch, spend ledger and its running window totals",
        include_str!("migrations/0002_policies_ledger.sql"),
    ),
    (
        3,
        "transactions, wallet owners, kill switch, hash-chained audit log",
        include_str!("migrations/0003_transactions_owners_audit.sql"),
    ),
    (
        4,
        "keyed audit chain (scheme column, MAC'd head) and the time high-water mark",
        include_str!("migrations/0004_keyed_audit_time_mark.sql"),
    ),
];

/// Durability of commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is fsynced: survives power loss (the default).
    #[default]
    Full,
    /// WAL commits are not fsynced: survives a process crash, may lose the last commits
    /// on an OS crash or power loss. An explicit opt-in.
    Normal,
}

/// How the SQLite store is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Durability (default [`Synchronous::Full`]).
    pub synchronous: Synchronous,
    /// How long a write waits for another process's lock (default 5 s).
    pub busy_timeout: Duration,
    /// Checkpoint the WAL on a background thread this often (default 250 ms), so that
    /// requests do not pay for checkpoints; `None` leaves it to SQLite's automatic
    /// checkpoint on the committing thread.
    pub checkpoint_interval: Option<Duration>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(5),
            checkpoint_interval: Some(Duration::from_millis(250)),
        }
    }
}

/// SQLite-backed [`Store`]. One connection per handle, serialized by a mutex; share the
/// handle (it is `Send + Sync`) rather than opening many per process.
pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// Failed-unlock counter, kept beside the database so that a wrong password never
    /// writes the vault database itself.
    attempts: Mutex<Connection>,
    /// Parsed policy rows, reloaded when `policy_epoch` changes.
    policy_cache: Mutex<PolicyCache>,
    /// The audit chain's key, set by the vault on create / unlock and cleared on lock;
    /// audited writes fail closed without it.
    audit_key: RwLock<Option<AuditKey>>,
    /// The background WAL checkpointer (stopped and joined on drop).
    _checkpointer: Option<Checkpointer>,
}

/// Runs `PRAGMA wal_checkpoint(PASSIVE)` on its own connection at an interval: writers
/// never wait for it, and requests no longer pay for checkpoints.
struct Checkpointer {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path, interval: Duration, busy_timeout: Duration) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(db_err("open checkpointer"))?;
        conn.busy_timeout(busy_timeout)
            .map_err(db_err("open checkpointer"))?;
        let (stop, rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("waiaas-wal-checkpoint".to_owned())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    rx.recv_timeout(interval)
                {
                    // A failed checkpoint is retried at the next tick; SQLite's automatic
                    // checkpoint remains the backstop.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| StoreError::Io {
                operation: "start checkpointer for",
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

/// Maps a database error to `STORAGE_ERROR`, naming the operation (never a value).
pub(super) fn db_err(operation: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::Database {
        operation,
        message: e.to_string(),
    }
}

/// A stored row that does not parse.
pub(super) fn corrupt(table: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::CorruptRow {
        table,
        reason: reason.into(),
    }
}

/// Creates `path` with mode 0600 if it does not exist yet.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Io {
            operation: "create",
            path: path.display().to_string(),
            message: e.to_string(),
        }),
    }
}

fn to_i64(v: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Database {
        operation: what,
        message: "value exceeds the 64-bit signed range".to_owned(),
    })
}

thread_local! {
    /// Whether this thread is inside [`SqliteStore::write`] (its callbacks run there).
    static INSIDE_WRITE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the current thread as holding the connection for a write.
struct InsideWrite;

impl InsideWrite {
    fn enter() -> Self {
        INSIDE_WRITE.with(|f| f.set(true));
        Self
    }
}

impl Drop for InsideWrite {
    fn drop(&mut self) {
        INSIDE_WRITE.with(|f| f.set(false));
    }
}

/// The time high-water mark: `max(now, last seen)`, moved forward in the caller's
/// transaction. Every decision made inside a store transaction goes through it.
pub(super) fn advance_time(conn: &Connection, now: i64) -> Result<i64, StoreError> {
    let mark: i64 = conn
        .prepare_cached("SELECT at FROM time_mark WHERE id = 1")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(db_err("read time mark"))?;
    if now > mark {
        conn.prepare_cached("UPDATE time_mark SET at = ?1 WHERE id = 1 AND at < ?1")
            .and_then(|mut s| s.execute([now]))
            .map_err(db_err("advance time mark"))?;
        Ok(now)
    } else {
        Ok(mark)
    }
}

fn open_connection(
    path: &Path,
    options: &StoreOptions,
    wal: bool,
) -> Result<Connection, StoreError> {
    create_private_file(path)?;
    let conn = Connection::open(path).map_err(db_err("open"))?;
    conn.busy_timeout(options.busy_timeout)
        .map_err(db_err("set busy timeout"))?;
    let mode = if wal { "WAL" } else { "DELETE" };
    let got: String = conn
        .query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| r.get(0))
        .map_err(db_err("set journal mode"))?;
    if !got.eq_ignore_ascii_case(mode) {
        return Err(StoreError::Database {
            operation: "set journal mode",
            message: format!("database refused journal_mode {mode} (got {got})"),
        });
    }
    let sync = match options.synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    // 16 MiB of page cache keeps the hot indexes in memory as history grows.
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {sync}; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384;"
    ))
    .map_err(db_err("set pragmas"))?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    let has_table: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')",
            [],
            |r| r.get(0),
        )
        .map_err(db_err("read schema version"))?;
    if !has_table {
        return Ok(0);
    }
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )
    .map_err(db_err("read schema version"))
}

fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |(v, _, _)| *v)
}

/// Brings the schema up to date. Reads only when it already is, so opening a current
/// database never writes it.
fn migrate(conn: &mut Connection, now: i64) -> Result<(), StoreError> {
    let latest = latest_version();
    let found = schema_version(conn)?;
    if found > latest {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: latest,
        });
    }
    if found == latest {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err("begin migration"))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            note TEXT NOT NULL,
            applied_at INTEGER NOT NULL
        )",
    )
    .map_err(db_err("create schema_migrations"))?;
    // Another process may have migrated while we waited for the lock.
    let found = schema_version(&tx)?;
    for (version, note, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > found) {
        tx.execute_batch(sql).map_err(db_err("apply migration"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, note, applied_at) VALUES (?1, ?2, ?3)",
            params![version, note, now],
        )
        .map_err(db_err("record migration"))?;
    }
    tx.commit().map_err(db_err("commit migration"))
}

impl SqliteStore {
    /// Opens (creating if needed, mode 0600) the database at `path` and migrates it.
    /// The parent directory must exist.
    ///
    /// # Errors
    /// `STORAGE_ERROR` when the file cannot be created or opened or a migration fails;
    /// `SCHEMA_TOO_NEW` when a newer waiaas wrote it.
    pub fn open(path: impl AsRef<Path>, options: &StoreOptions) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = open_connection(&path, options, true)?;
        migrate(
            &mut conn,
            crate::clock::Clock::now(&crate::clock::SystemClock),
        )?;
        let mut attempts_path = path.clone().into_os_string();
        attempts_path.push("-unlock");
        let attempts = open_connection(Path::new(&attempts_path), options, false)?;
        attempts
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS unlock_attempts (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    failures INTEGER NOT NULL,
                    last_failure_at INTEGER
                )",
            )
            .map_err(db_err("create unlock_attempts"))?;
        let checkpointer = match options.checkpoint_interval {
            Some(interval) => {
                // The committing thread checkpoints only as a backstop (~16 MiB of WAL).
                conn.execute_batch("PRAGMA wal_autocheckpoint = 4000;")
                    .map_err(db_err("set wal_autocheckpoint"))?;
                Some(Checkpointer::start(&path, interval, options.busy_timeout)?)
            }
            None => None,
        };
        Ok(Self {
            path,
            conn: Mutex::new(conn),
            attempts: Mutex::new(attempts),
            policy_cache: Mutex::new(PolicyCache::default()),
            audit_key: RwLock::new(None),
            _checkpointer: checkpointer,
        })
    }

    /// The database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema_version(&self.conn())
    }

    /// One `BEGIN IMMEDIATE` transaction around `f`.
    pub(super) fn write<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let _inside = InsideWrite::enter();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err(op))?;
        let out = f(&tx)?;
        tx.commit().map_err(db_err(op))?;
        Ok(out)
    }

    /// As [`SqliteStore::write`], appending `audit` in the same transaction when `f`
    /// reports that it changed something. Fails closed (`VAULT_LOCKED`, nothing
    /// written) without the audit key.
    pub(super) fn audited<T>(
        &self,
        op: &'static str,
        audit: &AuditEntry,
        f: impl FnOnce(&Connection) -> Result<(T, bool), StoreError>,
    ) -> Result<T, StoreError> {
        let key = self.audit_key()?;
        self.write(op, |conn| {
            let (out, changed) = f(conn)?;
            if changed {
                super::pipeline::append(conn, &key, audit)?;
            }
            Ok(out)
        })
    }

    /// A copy of the audit key, or `VAULT_LOCKED` when none is set.
    pub(super) fn audit_key(&self) -> Result<AuditKey, StoreError> {
        self.audit_key
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(AuditKey::duplicate)
            .ok_or(StoreError::AuditKeyMissing)
    }

    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open (rusqlite rolls
        // back on drop), so a poisoned connection is still consistent.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Inserts a ledger row as it is, bypassing the engine: for conformance vectors
    /// that start from a given ledger state.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    #[cfg(feature = "test-hooks")]
    pub fn insert_ledger_row_for_tests(&self, row: &Reservation) -> Result<(), StoreError> {
        ledger::insert_row_for_tests(&self.conn(), row)
    }

    pub(super) fn policy_cache(&self) -> MutexGuard<'_, PolicyCache> {
        self.policy_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn attempts_conn(&self) -> MutexGuard<'_, Connection> {
        self.attempts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn text_col<T>(
    row: &Row<'_>,
    idx: usize,
    table: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let s: String = row.get(idx).map_err(db_err("read column"))?;
    parse(&s).ok_or_else(|| corrupt(table, format!("column {idx} holds `{s}`")))
}

fn u_col<T: TryFrom<i64>>(row: &Row<'_>, idx: usize, table: &'static str) -> Result<T, StoreError> {
    let v: i64 = row.get(idx).map_err(db_err("read column"))?;
    T::try_from(v).map_err(|_| corrupt(table, format!("column {idx} out of range")))
}

const WALLET_COLS: &str = "id, name, chain, network, address, public_key, secret_nonce, \
    secret_ciphertext, secret_format, status, created_at, updated_at";

fn wallet_from_row(row: &Row<'_>) -> Result<WalletRecord, StoreError> {
    const T: &str = "wallets";
    Ok(WalletRecord {
        id: text_col(row, 0, T, |s| WalletId::parse(s).ok())?,
        name: row.get(1).map_err(db_err("read wallet"))?,
        chain: text_col(row, 2, T, |s| s.parse().ok())?,
        network: text_col(row, 3, T, |s| s.parse().ok())?,
        address: row.get(4).map_err(db_err("read wallet"))?,
        public_key: row.get(5).map_err(db_err("read wallet"))?,
        secret: SealedBox {
            nonce: row.get(6).map_err(db_err("read wallet"))?,
            ciphertext: row.get(7).map_err(db_err("read wallet"))?,
        },
        secret_format: u_col(row, 8, T)?,
        status: text_col(row, 9, T, WalletStatus::parse)?,
        created_at: row.get(10).map_err(db_err("read wallet"))?,
        updated_at: row.get(11).map_err(db_err("read wallet"))?,
    })
}

fn secret_from_row(row: &Row<'_>) -> Result<SessionSecretRecord, StoreError> {
    Ok(SessionSecretRecord {
        id: row.get(0).map_err(db_err("read session secret"))?,
        secret: SealedBox {
            nonce: row.get(1).map_err(db_err("read session secret"))?,
            ciphertext: row.get(2).map_err(db_err("read session secret"))?,
        },
        created_at: row.get(3).map_err(db_err("read session secret"))?,
        retired_at: row.get(4).map_err(db_err("read session secret"))?,
    })
}

const SESSION_COLS: &str = "id, created_at, ttl_seconds, max_renewals, absolute_lifetime_seconds, \
    permissions, token_generation, token_issued_at, expires_at, renewal_count, revoked_at, label";

fn session_from_row(row: &Row<'_>, wallet_ids: Vec<WalletId>) -> Result<SessionRecord, StoreError> {
    const T: &str = "sessions";
    let ttl: Option<i64> = row.get(2).map_err(db_err("read session"))?;
    let ttl_seconds = ttl
        .map(|v| u64::try_from(v).map_err(|_| corrupt(T, "negative ttl")))
        .transpose()?;
    Ok(SessionRecord {
        id: text_col(row, 0, T, |s| SessionId::parse(s).ok())?,
        wallet_ids,
        created_at: row.get(1).map_err(db_err("read session"))?,
        ttl_seconds,
        max_renewals: u_col(row, 3, T)?,
        absolute_lifetime_seconds: u_col(row, 4, T)?,
        permissions: text_col(row, 5, T, Permission::parse_list)?,
        token_generation: u_col(row, 6, T)?,
        token_issued_at: row.get(7).map_err(db_err("read session"))?,
        expires_at: row.get(8).map_err(db_err("read session"))?,
        renewal_count: u_col(row, 9, T)?,
        revoked_at: row.get(10).map_err(db_err("read session"))?,
        label: row.get(11).map_err(db_err("read session"))?,
    })
}

/// Session columns plus the linked wallet ids (comma-joined, sorted), in one statement.
const SESSION_SELECT: &str = "SELECT id, created_at, ttl_seconds, max_renewals, absolute_lifetime_seconds, \
    permissions, token_generation, token_issued_at, expires_at, renewal_count, revoked_at, label, \
    (SELECT group_concat(wallet_id, ',') FROM \
        (SELECT wallet_id FROM session_wallets WHERE session_id = sessions.id ORDER BY wallet_id)) \
    FROM sessions";

fn session_wallet_ids(row: &Row<'_>) -> Result<Vec<WalletId>, StoreError> {
    let joined: Option<String> = row.get(12).map_err(db_err("read session wallets"))?;
    joined
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            WalletId::parse(s).map_err(|_| corrupt("session_wallets", format!("wallet id `{s}`")))
        })
        .collect()
}

/// Runs a `SESSION_SELECT` query and decodes every row.
fn load_sessions(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<SessionRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_err("read sessions"))?;
    let mut rows = stmt.query(params).map_err(db_err("read sessions"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_err("read sessions"))? {
        out.push(session_from_row(row, session_wallet_ids(row)?)?);
    }
    Ok(out)
}

impl Store for SqliteStore {
    fn set_audit_key(
        &self,
        key: AuditKey,
        now: i64,
        upgrade: Option<&super::HeaderUpgrade>,
    ) -> Result<(), StoreError> {
        // Key the log first (one transaction); the key is installed only once it holds.
        if let Some(upgrade) = upgrade {
            super::pipeline::key_legacy_log(self, &key, now, upgrade)?;
        }
        *self
            .audit_key
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(key);
        Ok(())
    }

    fn clear_audit_key(&self) {
        // Dropping the key wipes it.
        *self
            .audit_key
            .write()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn monotonic_now(&self, clock_now: i64) -> Result<i64, StoreError> {
        // A clock read from a callback inside a write (which holds the connection) must
        // not wait for it: the caller falls back to the latest time it saw, and the
        // transaction itself decides at the mark (`advance_time`).
        if INSIDE_WRITE.with(std::cell::Cell::get) {
            return Err(StoreError::Database {
                operation: "read time mark",
                message: "called inside a store transaction".to_owned(),
            });
        }
        let conn = self.conn();
        let mark: i64 = conn
            .prepare_cached("SELECT at FROM time_mark WHERE id = 1")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(db_err("read time mark"))?;
        if clock_now <= mark {
            return Ok(mark);
        }
        // Persisted at once (outside any other transaction): a time this process has
        // seen stays seen after a restart, whatever the clock says then.
        conn.prepare_cached("UPDATE time_mark SET at = ?1 WHERE id = 1 AND at < ?1")
            .and_then(|mut s| s.execute([clock_now]))
            .map_err(db_err("advance time mark"))?;
        Ok(clock_now)
    }

    fn vault_header(&self) -> Result<Option<String>, StoreError> {
        self.conn()
            .prepare_cached("SELECT header FROM vault_header WHERE id = 1")
            .and_then(|mut s| s.query_row([], |r| r.get(0)).optional())
            .map_err(db_err("read vault header"))
    }

    fn create_vault_header(
        &self,
        header: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        self.audited("create vault header", audit, |conn| {
            let n = conn
                .execute(
                    "INSERT OR IGNORE INTO vault_header (id, header, updated_at) VALUES (1, ?1, ?2)",
                    params![header, now],
                )
                .map_err(db_err("create vault header"))?;
            Ok((n == 1, n == 1))
        })
    }

    fn replace_vault_header(
        &self,
        expected: &str,
        new: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        self.audited("replace vault header", audit, |conn| {
            let n = conn
                .execute(
                    "UPDATE vault_header SET header = ?1, updated_at = ?2 WHERE id = 1 AND header = ?3",
                    params![new, now, expected],
                )
                .map_err(db_err("replace vault header"))?;
            Ok((n == 1, n == 1))
        })
    }

    fn unlock_attempts(&self) -> Result<UnlockAttempts, StoreError> {
        let row: Option<(i64, Option<i64>)> = self
            .attempts_conn()
            .query_row(
                "SELECT failures, last_failure_at FROM unlock_attempts WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err("read unlock attempts"))?;
        Ok(
            row.map_or_else(UnlockAttempts::default, |(f, at)| UnlockAttempts {
                failures: u32::try_from(f).unwrap_or(u32::MAX),
                last_failure_at: at,
            }),
        )
    }

    fn record_unlock_failure(&self, now: i64) -> Result<UnlockAttempts, StoreError> {
        self.attempts_conn()
            .execute(
                "INSERT INTO unlock_attempts (id, failures, last_failure_at) VALUES (1, 1, ?1)
                 ON CONFLICT (id) DO UPDATE SET failures = failures + 1, last_failure_at = ?1",
                [now],
            )
            .map_err(db_err("record unlock failure"))?;
        self.unlock_attempts()
    }

    fn clear_unlock_failures(&self) -> Result<(), StoreError> {
        self.attempts_conn()
            .execute("DELETE FROM unlock_attempts", [])
            .map_err(db_err("clear unlock failures"))?;
        Ok(())
    }

    fn insert_wallet(&self, w: &WalletRecord, audit: &AuditEntry) -> Result<(), StoreError> {
        self.audited("insert wallet", audit, |conn| {
        conn
            .execute(
                &format!("INSERT INTO wallets ({WALLET_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
                params![
                    w.id.to_string(),
                    w.name,
                    w.chain.as_str(),
                    w.network.as_str(),
                    w.address,
                    w.public_key,
                    w.secret.nonce,
                    w.secret.ciphertext,
                    w.secret_format,
                    w.status.as_str(),
                    w.created_at,
                    w.updated_at
                ],
            )
            .map_err(db_err("insert wallet"))?;
        Ok(((), true))
        })
    }

    fn wallet(&self, id: WalletId) -> Result<Option<WalletRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {WALLET_COLS} FROM wallets WHERE id = ?1"))
            .map_err(db_err("read wallet"))?;
        let mut rows = stmt
            .query([id.to_string()])
            .map_err(db_err("read wallet"))?;
        match rows.next().map_err(db_err("read wallet"))? {
            Some(row) => wallet_from_row(row).map(Some),
            None => Ok(None),
        }
    }

    fn wallets(&self) -> Result<Vec<WalletRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {WALLET_COLS} FROM wallets ORDER BY created_at, id"
            ))
            .map_err(db_err("list wallets"))?;
        let mut rows = stmt.query([]).map_err(db_err("list wallets"))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db_err("list wallets"))? {
            out.push(wallet_from_row(row)?);
        }
        Ok(out)
    }

    fn rename_wallet(
        &self,
        id: WalletId,
        name: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        self.audited("rename wallet", audit, |conn| {
            let n = conn
                .execute(
                    "UPDATE wallets SET name = ?1, updated_at = ?2 WHERE id = ?3",
                    params![name, now, id.to_string()],
                )
                .map_err(db_err("rename wallet"))?;
            Ok((n == 1, n == 1))
        })
    }

    fn set_wallet_status(
        &self,
        id: WalletId,
        status: WalletStatus,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let key = self.audit_key()?;
        self.write("set wallet status", |conn| {
            let n = conn
                .execute(
                    "UPDATE wallets SET status = ?1, updated_at = ?2 WHERE id = ?3",
                    params![status.as_str(), now, id.to_string()],
                )
                .map_err(db_err("set wallet status"))?;
            if n != 1 {
                return Ok(false);
            }
            pipeline::append(conn, &key, audit)?;
            if status != WalletStatus::Active {
                pipeline::cancel_in_flight(
                    conn,
                    &key,
                    CancelScope::Wallet(id),
                    AdmissionGate::Wallet(status),
                    now,
                    audit,
                )?;
            }
            Ok(true)
        })
    }

    fn delete_wallet(&self, id: WalletId, audit: &AuditEntry) -> Result<bool, StoreError> {
        self.audited("delete wallet", audit, |conn| {
            let n = conn
                .execute("DELETE FROM wallets WHERE id = ?1", [id.to_string()])
                .map_err(db_err("delete wallet"))?;
            Ok((n == 1, n == 1))
        })
    }

    fn session_secret(&self, id: &str) -> Result<Option<SessionSecretRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, nonce, ciphertext, created_at, retired_at FROM session_secrets WHERE id = ?1",
            )
            .map_err(db_err("read session secret"))?;
        let mut rows = stmt.query([id]).map_err(db_err("read session secret"))?;
        match rows.next().map_err(db_err("read session secret"))? {
            Some(row) => secret_from_row(row).map(Some),
            None => Ok(None),
        }
    }

    fn current_session_secret(&self) -> Result<Option<SessionSecretRecord>, StoreError> {
        current_secret(&self.conn())
    }

    fn ensure_session_secret(
        &self,
        candidate: &SessionSecretRecord,
    ) -> Result<SessionSecretRecord, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err("ensure session secret"))?;
        if let Some(existing) = current_secret(&tx)? {
            return Ok(existing);
        }
        insert_secret(&tx, candidate)?;
        tx.commit().map_err(db_err("ensure session secret"))?;
        Ok(candidate.clone())
    }

    fn rotate_session_secret(
        &self,
        next: &SessionSecretRecord,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.audited("rotate session secret", audit, |tx| {
            tx.execute(
                "UPDATE session_secrets SET retired_at = ?1 WHERE retired_at IS NULL",
                [now],
            )
            .map_err(db_err("rotate session secret"))?;
            insert_secret(tx, next)?;
            Ok(((), true))
        })
    }

    fn insert_session(
        &self,
        s: &SessionRecord,
        max_active_per_wallet: u32,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<SessionInsert, StoreError> {
        self.audited("insert session", audit, |tx| {
        for wallet in &s.wallet_ids {
            let exists: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM wallets WHERE id = ?1)",
                    [wallet.to_string()],
                    |r| r.get(0),
                )
                .map_err(db_err("insert session"))?;
            if !exists {
                return Ok((SessionInsert::UnknownWallet(*wallet), false));
            }
            let active: u32 = tx
                .query_row(
                    "SELECT COUNT(*) FROM session_wallets sw JOIN sessions s ON s.id = sw.session_id
                     WHERE sw.wallet_id = ?1 AND s.revoked_at IS NULL
                       AND (s.expires_at IS NULL OR s.expires_at > ?2)
                       AND (s.absolute_lifetime_seconds = 0 OR s.created_at + s.absolute_lifetime_seconds > ?2)",
                    params![wallet.to_string(), now],
                    |r| r.get(0),
                )
                .map_err(db_err("count active sessions"))?;
            if active >= max_active_per_wallet {
                return Ok((SessionInsert::WalletAtCap(*wallet), false));
            }
        }
        let id = s.id.to_string();
        tx.execute(
            &format!(
                "INSERT INTO sessions ({SESSION_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ),
            params![
                id,
                s.created_at,
                s.ttl_seconds.map(|t| to_i64(t, "insert session")).transpose()?,
                s.max_renewals,
                to_i64(s.absolute_lifetime_seconds, "insert session")?,
                Permission::format_list(&s.permissions),
                to_i64(s.token_generation, "insert session")?,
                s.token_issued_at,
                s.expires_at,
                s.renewal_count,
                s.revoked_at,
                s.label
            ],
        )
        .map_err(db_err("insert session"))?;
        for wallet in &s.wallet_ids {
            tx.execute(
                "INSERT INTO session_wallets (session_id, wallet_id) VALUES (?1, ?2)",
                params![id, wallet.to_string()],
            )
            .map_err(db_err("link session wallet"))?;
        }
        Ok((SessionInsert::Inserted, true))
        })
    }

    fn session(&self, id: SessionId) -> Result<Option<SessionRecord>, StoreError> {
        let conn = self.conn();
        let id = id.to_string();
        Ok(load_sessions(&conn, &format!("{SESSION_SELECT} WHERE id = ?1"), &[&id])?.pop())
    }

    fn sessions(&self, wallet: Option<WalletId>) -> Result<Vec<SessionRecord>, StoreError> {
        let conn = self.conn();
        match wallet {
            Some(w) => load_sessions(
                &conn,
                &format!(
                    "{SESSION_SELECT} WHERE id IN
                     (SELECT session_id FROM session_wallets WHERE wallet_id = ?1) ORDER BY id"
                ),
                &[&w.to_string()],
            ),
            None => load_sessions(&conn, &format!("{SESSION_SELECT} ORDER BY id"), &[]),
        }
    }

    fn renew_session(&self, cas: &RenewalCas, audit: &AuditEntry) -> Result<bool, StoreError> {
        self.audited("renew session", audit, |conn| {
        let n = conn
            .prepare_cached(
                "UPDATE sessions SET token_generation = token_generation + 1,
                     renewal_count = renewal_count + 1, token_issued_at = ?1, expires_at = ?2
                 WHERE id = ?3 AND token_generation = ?4 AND renewal_count = ?5 AND revoked_at IS NULL",
            )
            .and_then(|mut s| {
                s.execute(params![
                    cas.issued_at,
                    cas.expires_at,
                    cas.id.to_string(),
                    i64::try_from(cas.expected_generation).unwrap_or(-1),
                    cas.expected_renewal_count
                ])
            })
            .map_err(db_err("renew session"))?;
        Ok((n == 1, n == 1))
        })
    }

    fn revoke_session(
        &self,
        id: SessionId,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let key = self.audit_key()?;
        self.write("revoke session", |conn| {
            let n = conn
                .execute(
                    "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                    params![now, id.to_string()],
                )
                .map_err(db_err("revoke session"))?;
            if n != 1 {
                return Ok(false);
            }
            pipeline::append(conn, &key, audit)?;
            pipeline::cancel_in_flight(
                conn,
                &key,
                CancelScope::Session(id),
                AdmissionGate::SessionRevoked,
                now,
                audit,
            )?;
            Ok(true)
        })
    }

    fn revoke_all_sessions(&self, now: i64, audit: &AuditEntry) -> Result<u64, StoreError> {
        let key = self.audit_key()?;
        self.write("revoke all sessions", |conn| {
            let n = conn
                .execute(
                    "UPDATE sessions SET revoked_at = ?1 WHERE revoked_at IS NULL",
                    [now],
                )
                .map_err(db_err("revoke all sessions"))?;
            pipeline::append(conn, &key, audit)?;
            pipeline::cancel_in_flight(
                conn,
                &key,
                CancelScope::RevokedSessions,
                AdmissionGate::SessionRevoked,
                now,
                audit,
            )?;
            Ok(u64::try_from(n).unwrap_or(u64::MAX))
        })
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_err("read setting"))
    }

    fn set_setting(
        &self,
        key: &str,
        value: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.audited("write setting", audit, |conn| {
            conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![key, value, now],
            )
            .map_err(db_err("write setting"))?;
            Ok(((), true))
        })
    }

    fn insert_policy(&self, policy: &PolicyRecord, audit: &AuditEntry) -> Result<(), StoreError> {
        self.audited("insert policy", audit, |tx| {
            ledger::insert_policy(tx, policy)?;
            Ok(((), true))
        })
    }

    fn update_policy(
        &self,
        policy: &PolicyRecord,
        audit: &AuditEntry,
    ) -> Result<Option<PolicyRecord>, StoreError> {
        self.audited("update policy", audit, |tx| {
            let out = ledger::update_policy(tx, policy)?;
            let changed = out.is_some();
            Ok((out, changed))
        })
    }

    fn delete_policy(&self, id: PolicyId, audit: &AuditEntry) -> Result<bool, StoreError> {
        self.audited("delete policy", audit, |tx| {
            let out = ledger::delete_policy(tx, id)?;
            Ok((out, out))
        })
    }

    fn policy(&self, id: PolicyId) -> Result<Option<PolicyRecord>, StoreError> {
        ledger::policy(&self.conn(), id)
    }

    fn policies(&self, filter: PolicyFilter) -> Result<Vec<PolicyRecord>, StoreError> {
        ledger::policies(&self.conn(), filter)
    }

    fn evaluate_and_reserve(
        &self,
        request: &PolicyRequest,
        prices: &PriceBook,
        now: i64,
        engine: &dyn PolicyEngine,
    ) -> Result<Decision, StoreError> {
        self.write("evaluate and reserve", |conn| {
            ledger::decide(
                conn,
                &mut self.policy_cache(),
                request,
                prices,
                now,
                engine,
                true,
            )
        })
    }

    fn simulate(
        &self,
        request: &PolicyRequest,
        prices: &PriceBook,
        now: i64,
        engine: &dyn PolicyEngine,
    ) -> Result<Decision, StoreError> {
        // A write transaction, because window maintenance (creation, eviction) is
        // written; no reservation is.
        self.write("simulate", |conn| {
            ledger::decide(
                conn,
                &mut self.policy_cache(),
                request,
                prices,
                now,
                engine,
                false,
            )
        })
    }

    fn release_reservation(&self, request_id: TxId, now: i64) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err("release reservation"))?;
        let out = ledger::release(&tx, request_id, now)?;
        tx.commit().map_err(db_err("release reservation"))?;
        Ok(out)
    }

    fn commit_reservation(&self, request_id: TxId, now: i64) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err("commit reservation"))?;
        let out = ledger::commit(&tx, request_id, now)?;
        tx.commit().map_err(db_err("commit reservation"))?;
        Ok(out)
    }

    fn reservation(&self, request_id: TxId) -> Result<Option<Reservation>, StoreError> {
        ledger::reservation(&self.conn(), request_id)
    }

    fn ledger_snapshot(
        &self,
        wallet: WalletId,
        windows: &[u64],
        now: i64,
    ) -> Result<LedgerSnapshot, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err("read ledger"))?;
        let out = ledger::snapshot(&tx, wallet, windows, now)?;
        tx.commit().map_err(db_err("read ledger"))?;
        Ok(out)
    }
}

fn current_secret(conn: &Connection) -> Result<Option<SessionSecretRecord>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, nonce, ciphertext, created_at, retired_at FROM session_secrets
             WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .map_err(db_err("read current session secret"))?;
    let mut rows = stmt
        .query([])
        .map_err(db_err("read current session secret"))?;
    match rows.next().map_err(db_err("read current session secret"))? {
        Some(row) => secret_from_row(row).map(Some),
        None => Ok(None),
    }
}

fn insert_secret(conn: &Connection, s: &SessionSecretRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO session_secrets (id, nonce, ciphertext, created_at, retired_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![s.id, s.secret.nonce, s.secret.ciphertext, s.created_at, s.retired_at],
    )
    .map_err(db_err("insert session secret"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{SqliteStore, StoreOptions};
    use crate::store::Store;

    #[test]
    fn the_time_mark_only_moves_forward_and_never_waits_inside_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("t.db"), &StoreOptions::default()).unwrap();
        assert_eq!(store.monotonic_now(100).unwrap(), 100);
        assert_eq!(store.monotonic_now(50).unwrap(), 100);
        assert_eq!(store.monotonic_now(150).unwrap(), 150);
        // A clock read from inside a write (a signing callback) does not deadlock.
        let inside = store
            .write("test", |conn| {
                Ok((
                    store.monotonic_now(200).is_err(),
                    super::advance_time(conn, 120)?,
                ))
            })
            .unwrap();
        assert_eq!(inside, (true, 150));
        drop(store);
        let store = SqliteStore::open(dir.path().join("t.db"), &StoreOptions::default()).unwrap();
        assert_eq!(store.monotonic_now(10).unwrap(), 150);
    }
}
