//! The embedded SQLite backend: WAL, busy timeout, numbered migrations,
//! `synchronous = FULL` by default. Safe for several processes on one file: every write
//! runs inside a `BEGIN IMMEDIATE` transaction, so SQLite serializes the whole database (a
//! stronger form of the per-wallet atomicity contract of the store traits). Concurrent
//! writes of one handle share a transaction and its fsync (`group_commit.rs`, ADR 0013);
//! reads see only committed state.
//!
//! Only SQL and row mapping live here, one concern per file; the decisions those
//! transactions make are the backend-neutral rules of [`crate::rules`].

mod audit;
mod backend;
mod clock;
mod connection;
mod group_commit;
mod ledger;
mod migrations;
mod notify;
mod operations;
mod options;
mod owners;
mod policies;
mod rows;
mod sessions;
mod settings;
#[cfg(feature = "postgres")]
pub(crate) mod source;
mod transactions;
mod vault;
mod wallets;

pub use options::{StoreOptions, Synchronous};

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;
use waiaas_core::DataDir;
use waiaas_core::audit::{AuditEntry, AuditKey};
use waiaas_core::error::StoreError;

use self::audit::append;
use self::connection::{Checkpointer, Reader, Readers, open_connection};
use self::group_commit::GroupCommit;
use self::migrations::{migrate, schema_version};
use self::rows::db_err;
use crate::policy_cache::PolicyCache;
use crate::stored::AuditKeySlot;

/// The SQLite [`Backend`](waiaas_core::store::Backend) (both store traits). One write
/// connection per handle (concurrent writes are grouped into one commit) and a pool of
/// read connections; share the handle (it is `Send + Sync`) rather than opening many per
/// process.
pub struct SqliteStore {
    path: PathBuf,
    writes: GroupCommit,
    readers: Readers,
    /// Failed-unlock counter, kept beside the database so that a wrong password never
    /// writes the vault database itself.
    attempts: Mutex<Connection>,
    /// Parsed policy rows, reloaded when `policy_epoch` changes.
    policy_cache: Mutex<PolicyCache>,
    /// The audit chain's key, set by the vault on create / unlock and cleared on lock;
    /// audited writes fail closed without it.
    audit_key: AuditKeySlot,
    /// The background WAL checkpointer (stopped and joined on drop).
    _checkpointer: Option<Checkpointer>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

thread_local! {
    /// Whether this thread is inside [`SqliteStore::write`] (its callbacks run there).
    static INSIDE_WRITE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the current thread as running a write's callback.
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

impl SqliteStore {
    /// Opens (creating if needed) the database of the vault directory `data`
    /// (`<dir>/waiaas.db`), creating the directory (mode 0700) first.
    ///
    /// # Errors
    /// As [`SqliteStore::open`]; `STORAGE_ERROR` when the directory cannot be created.
    pub fn open_dir(data: &DataDir, options: &StoreOptions) -> Result<Self, StoreError> {
        data.create()?;
        Self::open(data.database_path(), options)
    }

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
            waiaas_core::clock::Clock::now(&waiaas_core::clock::SystemClock),
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
            readers: Readers::new(&path, options),
            path,
            writes: GroupCommit::new(conn),
            attempts: Mutex::new(attempts),
            policy_cache: Mutex::new(PolicyCache::default()),
            audit_key: AuditKeySlot::default(),
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
        schema_version(&*self.reader()?)
    }

    /// `f` as one atomic write, durable when this returns `Ok` (see `group_commit.rs`).
    fn write<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.writes.write(op, f)
    }

    /// As [`SqliteStore::write`], appending `audit` in the same transaction when `f`
    /// reports that it changed something. Fails closed (`VAULT_LOCKED`, nothing
    /// written) without the audit key.
    fn audited<T>(
        &self,
        op: &'static str,
        audit: &AuditEntry,
        f: impl FnOnce(&Connection) -> Result<(T, bool), StoreError>,
    ) -> Result<T, StoreError> {
        let key = self.audit_key()?;
        self.write(op, |conn| {
            let (out, changed) = f(conn)?;
            if changed {
                append(conn, &key, audit)?;
            }
            Ok(out)
        })
    }

    /// A copy of the audit key, or `VAULT_LOCKED` when none is set.
    fn audit_key(&self) -> Result<AuditKey, StoreError> {
        self.audit_key.copy()
    }

    /// A connection for a read (committed state only): the write connection when it is
    /// idle, else a pooled read connection.
    fn reader(&self) -> Result<Reader<'_>, StoreError> {
        match self.writes.idle() {
            Some(writer) => Ok(Reader::Writer(writer)),
            None => self.readers.get(),
        }
    }

    fn policy_cache(&self) -> MutexGuard<'_, PolicyCache> {
        self.policy_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn attempts_conn(&self) -> MutexGuard<'_, Connection> {
        self.attempts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::{SqliteStore, StoreOptions};
    use crate::sqlite::rows::db_err;
    use waiaas_core::error::StoreError;

    fn count(store: &SqliteStore) -> i64 {
        store
            .reader()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM settings WHERE key = 'probe'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    fn insert(conn: &rusqlite::Connection) -> Result<(), StoreError> {
        conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES ('probe', 'x', 0)",
            [],
        )
        .map(|_| ())
        .map_err(db_err("probe"))
    }

    #[test]
    fn a_write_that_fails_or_panics_leaves_no_transaction_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("t.db"), &StoreOptions::default()).unwrap();
        let failed: Result<(), _> = store.write("test", |conn| {
            insert(conn)?;
            Err(StoreError::AuditKeyMissing)
        });
        assert!(failed.is_err());
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = store.write("test", |conn| -> Result<(), StoreError> {
                insert(conn)?;
                panic!("inside the transaction")
            });
        }));
        assert!(panicked.is_err());
        // Both rolled back, and the connection takes a new transaction.
        assert_eq!(count(&store), 0);
        store.write("test", insert).unwrap();
        assert_eq!(count(&store), 1);
    }

    /// Reads in one snapshot see one state of the database: a row another handle
    /// commits between them is not seen by the second. However the snapshot ends — a
    /// value, an error, a panic — the connection leaves its read transaction, and the
    /// next write (on the same connection, the idle writer) goes through.
    #[test]
    fn reads_in_one_snapshot_see_one_state_and_the_connection_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteStore::open(&path, &StoreOptions::default()).unwrap();
        let other = SqliteStore::open(&path, &StoreOptions::default()).unwrap();
        let probes = |conn: &rusqlite::Connection| -> Result<i64, StoreError> {
            conn.query_row("SELECT count(*) FROM settings", [], |r| r.get(0))
                .map_err(db_err("probe"))
        };
        let insert = |key: &'static str| {
            move |conn: &rusqlite::Connection| {
                conn.execute(
                    "INSERT INTO settings (key, value, updated_at) VALUES (?1, 'x', 0)",
                    [key],
                )
                .map(|_| ())
                .map_err(db_err("probe"))
            }
        };
        let settings = |store: &SqliteStore| probes(&store.reader().unwrap()).unwrap();
        let initial = settings(&store);
        let (before, after) = store
            .reader()
            .unwrap()
            .snapshot(|conn| {
                let before = probes(conn)?;
                other.write("test", insert("a"))?;
                Ok((before, probes(conn)?))
            })
            .unwrap();
        assert_eq!((before, after), (initial, initial));
        assert_eq!(settings(&store), initial + 1, "a new read sees the commit");

        let failed: Result<(), _> = store
            .reader()
            .unwrap()
            .snapshot(|conn| probes(conn).and(Err(StoreError::AuditKeyMissing)));
        assert!(failed.is_err());
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = store
                .reader()
                .unwrap()
                .snapshot(|conn| -> Result<(), StoreError> {
                    probes(conn)?;
                    panic!("inside the read")
                });
        }));
        assert!(panicked.is_err());
        store.write("test", insert("b")).unwrap();
        other.write("test", insert("c")).unwrap();
        assert_eq!(settings(&store), initial + 3);
    }
}
