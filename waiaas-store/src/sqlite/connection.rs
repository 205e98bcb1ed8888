//! Opening connections (file mode 0600, pragmas) and the background WAL checkpointer.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::config::DbConfig;
use waiaas_core::error::StoreError;

use super::rows::{db_err, run};
use super::{StoreOptions, Synchronous};

/// Runs `PRAGMA wal_checkpoint(PASSIVE)` on its own connection at an interval: writers
/// never wait for it, and requests no longer pay for checkpoints.
pub(super) struct Checkpointer {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    pub(super) fn start(
        path: &Path,
        interval: Duration,
        busy_timeout: Duration,
    ) -> Result<Self, StoreError> {
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

/// Creates `path` with mode 0600 if it does not exist yet.
pub(super) fn create_private_file(path: &Path) -> Result<(), StoreError> {
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

pub(super) fn open_connection(
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
    // Plans never depend on bound values: without this SQLite marks statements whose
    // plan looked at a parameter (an equality on an ORDER BY walk, a bound LIMIT) for
    // re-preparation on every new binding — a cached statement then costs a parse.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(db_err("enable the query planner stability guarantee"))?;
    Ok(conn)
}

/// Idle read connections kept per handle; more are opened under load and closed after.
const IDLE_READERS: usize = 8;

/// Read-only connections beside the write connection: a read sees the last committed
/// state and never waits for (nor sees the uncommitted writes of) an open batch.
pub(super) struct Readers {
    path: std::path::PathBuf,
    options: StoreOptions,
    idle: std::sync::Mutex<Vec<Connection>>,
}

/// A connection for one read: the idle write connection, or one lent by [`Readers`]
/// (returned to the pool on drop).
pub(super) enum Reader<'p> {
    Writer(super::group_commit::IdleWriter<'p>),
    Pooled {
        pool: &'p Readers,
        conn: Option<Connection>,
    },
}

impl Readers {
    pub(super) fn new(path: &Path, options: &StoreOptions) -> Self {
        Self {
            path: path.to_path_buf(),
            options: options.clone(),
            idle: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// An idle connection, or a new one (`query_only`: a write through it is an error,
    /// never a second writer contending with the batch).
    pub(super) fn get(&self) -> Result<Reader<'_>, StoreError> {
        let idle = self.idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let conn = open_connection(&self.path, &self.options, true)?;
                conn.execute_batch("PRAGMA query_only = ON;")
                    .map_err(db_err("open a read connection"))?;
                conn
            }
        };
        Ok(Reader::Pooled {
            pool: self,
            conn: Some(conn),
        })
    }
}

impl Reader<'_> {
    /// `read` in one read transaction: its statements share one snapshot and take the
    /// WAL read mark (a lock and an unlock) once instead of once each.
    pub(super) fn snapshot<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        /// Ends the read transaction however `read` ends, a panic included: the
        /// connection goes back (to writers, too) outside any transaction.
        struct End<'c>(&'c Connection);
        impl Drop for End<'_> {
            fn drop(&mut self) {
                // Nothing was written: ending a read cannot lose anything. Should the
                // cached statement fail, a fresh one is tried; a pooled connection
                // still inside a transaction is then closed, not pooled (`drop`).
                if !self.0.is_autocommit() && run(self.0, "ROLLBACK").is_err() {
                    let _ = self.0.execute_batch("ROLLBACK");
                }
            }
        }
        run(self, "BEGIN").map_err(db_err("begin a read"))?;
        let _end = End(self);
        read(self)
    }
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            Reader::Writer(w) => w,
            // Only `drop` takes the connection out.
            #[expect(clippy::unwrap_used, reason = "set in `get`, taken only in `drop`")]
            Reader::Pooled { conn, .. } => conn.as_ref().unwrap(),
        }
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Reader::Pooled { pool, conn } = self
            && let Some(conn) = conn.take()
            && conn.is_autocommit()
        {
            let mut idle = pool.idle();
            if idle.len() < IDLE_READERS {
                idle.push(conn);
            }
        }
    }
}
