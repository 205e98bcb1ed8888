//! Group commit: concurrent writers on one handle share a transaction and its fsync.
//!
//! Every write runs in its own `SAVEPOINT` inside a `BEGIN IMMEDIATE` transaction. A
//! writer that finds others queued for the connection leaves the transaction open for
//! them and waits; the last writer of the batch commits and wakes the rest. A write
//! returns `Ok` only after the `COMMIT` that makes it durable, so under `synchronous =
//! FULL` eight concurrent senders pay one fsync instead of eight, and a lone writer
//! commits at once (no added latency). Writes still run one after the other on one
//! connection: every write sees the ones before it, so caps cannot overshoot.
//!
//! Failure stays per write where SQLite allows it: a write that fails rolls back to its
//! savepoint only. When SQLite rolls the whole transaction back (disk full, I/O error) or
//! the `COMMIT` fails, every write of the batch fails with that error — none of them took
//! effect, and none of their callers goes on as if it had.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;
use waiaas_core::error::StoreError;

use super::rows::{db_err, run};

/// Writes per batch at most: bounds how long the first writer waits for its commit.
const MAX_BATCH: usize = 32;

/// The write connection and the batch open on it.
pub(super) struct GroupCommit {
    writer: Mutex<Writer>,
    /// Threads waiting for `writer`: a writer leaves the batch open only for them.
    queued: AtomicUsize,
}

struct Writer {
    conn: Connection,
    batch: Option<Arc<Batch>>,
    writes: usize,
}

/// The write connection lent to a read while it is idle (see [`GroupCommit::idle`]).
pub(super) struct IdleWriter<'g>(MutexGuard<'g, Writer>);

impl std::ops::Deref for IdleWriter<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.0.conn
    }
}

/// One open transaction; its outcome is set once, when it commits or is lost.
#[derive(Default)]
struct Batch {
    outcome: Mutex<Option<Result<(), StoreError>>>,
    done: Condvar,
}

impl Batch {
    fn finish(&self, outcome: Result<(), StoreError>) {
        *lock(&self.outcome) = Some(outcome);
        self.done.notify_all();
    }

    fn wait(&self) -> Result<(), StoreError> {
        let mut outcome = lock(&self.outcome);
        loop {
            if let Some(result) = outcome.as_ref() {
                return result.clone();
            }
            outcome = self
                .done
                .wait(outcome)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl GroupCommit {
    pub(super) fn new(conn: Connection) -> Self {
        Self {
            writer: Mutex::new(Writer {
                conn,
                batch: None,
                writes: 0,
            }),
            queued: AtomicUsize::new(0),
        }
    }

    /// The write connection for a read, when nobody is writing or waiting to: no batch
    /// is open, so it holds only committed state, and its page cache is the warmest (a
    /// read connection's cache is reset whenever another connection has written).
    pub(super) fn idle(&self) -> Option<IdleWriter<'_>> {
        if self.queued.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let w = self.writer.try_lock().ok()?;
        w.batch.is_none().then_some(IdleWriter(w))
    }

    /// Runs `f` as one write of the current batch (opening one if none is) and returns
    /// its result once the batch is committed. A panic in `f` rolls its write back and
    /// propagates after the batch is settled.
    pub(super) fn write<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut w = lock(&self.writer);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let batch = match &w.batch {
            Some(batch) => Arc::clone(batch),
            None => {
                // No batch is open, so no write is: a read transaction left open on
                // this connection (never expected) must not fail every write after it.
                if !w.conn.is_autocommit() {
                    let _ = w.conn.execute_batch("ROLLBACK");
                }
                if let Err(e) = run(&w.conn, "BEGIN IMMEDIATE") {
                    return Err(db_err(op)(e));
                }
                let batch = Arc::new(Batch::default());
                w.batch = Some(Arc::clone(&batch));
                w.writes = 0;
                batch
            }
        };
        w.writes = w.writes.saturating_add(1);
        let out = catch_unwind(AssertUnwindSafe(|| savepoint(&w.conn, op, f)));
        let failed = !matches!(out, Ok(Ok(_)));
        let outcome = if w.conn.is_autocommit() {
            // SQLite rolled the whole transaction back: the batch's earlier writes are
            // gone with it.
            let lost = match &out {
                Ok(Err(e)) => e.clone(),
                _ => StoreError::Database {
                    operation: op,
                    message: "the transaction was rolled back".to_owned(),
                },
            };
            w.batch = None;
            batch.finish(Err(lost.clone()));
            Err(lost)
        } else if self.queued.load(Ordering::SeqCst) > 0 && w.writes < MAX_BATCH {
            drop(w);
            // A failed write has nothing to wait for: its savepoint is rolled back.
            if failed { Ok(()) } else { batch.wait() }
        } else {
            let committed = run(&w.conn, "COMMIT").map(|_| ()).map_err(db_err(op));
            if committed.is_err() && !w.conn.is_autocommit() {
                // Nothing to report to beyond the commit error itself.
                let _ = w.conn.execute_batch("ROLLBACK");
            }
            w.batch = None;
            batch.finish(committed.clone());
            committed
        };
        match out {
            Err(panic) => resume_unwind(panic),
            Ok(Err(e)) => Err(e),
            Ok(Ok(value)) => outcome.map(|()| value),
        }
    }
}

/// `f` inside its own savepoint: released when it succeeds, rolled back when it fails.
fn savepoint<T>(
    conn: &Connection,
    op: &'static str,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    run(conn, "SAVEPOINT write").map_err(db_err(op))?;
    let undo = |conn: &Connection| {
        if !conn.is_autocommit() {
            let _ = run(conn, "ROLLBACK TO write");
            let _ = run(conn, "RELEASE write");
        }
    };
    let _inside = super::InsideWrite::enter();
    let result = catch_unwind(AssertUnwindSafe(|| f(conn)));
    match result {
        Ok(Ok(value)) => match run(conn, "RELEASE write") {
            Ok(_) => Ok(value),
            Err(e) => {
                undo(conn);
                Err(db_err(op)(e))
            }
        },
        Ok(Err(e)) => {
            undo(conn);
            Err(e)
        }
        Err(panic) => {
            undo(conn);
            resume_unwind(panic)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::sync::{Arc, Barrier};

    use rusqlite::Connection;
    use waiaas_core::error::StoreError;

    use super::GroupCommit;
    use crate::sqlite::StoreOptions;
    use crate::sqlite::connection::open_connection;
    use crate::sqlite::rows::db_err;

    fn open(dir: &tempfile::TempDir) -> (GroupCommit, impl Fn() -> Connection) {
        let path = dir.path().join("t.db");
        let options = StoreOptions::default();
        let conn = open_connection(&path, &options, true).unwrap();
        conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)")
            .unwrap();
        let reader = move || open_connection(&path, &options, true).unwrap();
        (GroupCommit::new(conn), reader)
    }

    fn insert(conn: &Connection, k: &str) -> Result<(), StoreError> {
        conn.execute("INSERT INTO t (k, n) VALUES (?1, 0)", [k])
            .map(|_| ())
            .map_err(db_err("insert"))
    }

    fn committed(reader: &Connection, k: &str) -> bool {
        reader
            .query_row("SELECT count(*) FROM t WHERE k = ?1", [k], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
            == 1
    }

    /// Runs `second` (a write) while another thread's write of `a` is open and waiting
    /// for it: that write holds the connection until `second` is queued, so `second`
    /// joins its batch. Returns both outcomes.
    fn behind_a_first_write<R: Send>(
        gc: &GroupCommit,
        second: impl FnOnce() -> R,
    ) -> (R, Result<(), StoreError>) {
        let started = Barrier::new(2);
        std::thread::scope(|s| {
            let first = s.spawn(|| {
                gc.write("first", |conn| {
                    insert(conn, "a")?;
                    started.wait();
                    while gc.queued.load(Ordering::SeqCst) == 0 {
                        std::thread::yield_now();
                    }
                    Ok(())
                })
            });
            started.wait();
            let out = second();
            (out, first.join().unwrap())
        })
    }

    #[test]
    fn a_queued_write_joins_the_batch_and_both_return_only_once_committed() {
        let dir = tempfile::tempdir().unwrap();
        let (gc, reader) = open(&dir);
        let (second, first) = behind_a_first_write(&gc, || {
            gc.write("second", |conn| {
                // `a` is written, in this transaction, but not committed yet: the first
                // writer is still waiting for this write's commit.
                let in_txn: i64 = conn
                    .query_row("SELECT count(*) FROM t WHERE k = 'a'", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(in_txn, 1);
                assert!(!committed(&reader(), "a"));
                insert(conn, "b")
            })
        });
        second.unwrap();
        first.unwrap();
        let r = reader();
        assert!(committed(&r, "a") && committed(&r, "b"));
    }

    #[test]
    fn a_failed_write_rolls_back_alone_and_the_batch_commits() {
        let dir = tempfile::tempdir().unwrap();
        let (gc, reader) = open(&dir);
        let (failed, first) = behind_a_first_write(&gc, || {
            gc.write("second", |conn| -> Result<(), StoreError> {
                insert(conn, "b")?;
                Err(StoreError::AuditKeyMissing)
            })
        });
        assert_eq!(failed, Err(StoreError::AuditKeyMissing));
        first.unwrap();
        let r = reader();
        assert!(committed(&r, "a"));
        assert!(!committed(&r, "b"));
    }

    #[test]
    fn a_lost_transaction_fails_every_write_of_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let (gc, reader) = open(&dir);
        let (lost, first) = behind_a_first_write(&gc, || {
            // As SQLite does on a full disk or an I/O error: the whole transaction goes.
            gc.write("second", |conn| {
                insert(conn, "b")?;
                conn.execute_batch("ROLLBACK").map_err(db_err("rollback"))
            })
        });
        assert!(lost.is_err());
        // The first write was rolled back with it: its caller must not go on as if it
        // were durable.
        assert!(first.is_err());
        let r = reader();
        assert!(!committed(&r, "a") && !committed(&r, "b"));
        // The connection takes new writes.
        gc.write("again", |conn| insert(conn, "c")).unwrap();
        assert!(committed(&reader(), "c"));
    }

    #[test]
    fn a_panicking_write_rolls_back_and_the_connection_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let (gc, reader) = open(&dir);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = gc.write("panics", |conn| -> Result<(), StoreError> {
                insert(conn, "a")?;
                panic!("inside the write")
            });
        }));
        assert!(panicked.is_err());
        gc.write("after", |conn| insert(conn, "b")).unwrap();
        let r = reader();
        assert!(!committed(&r, "a") && committed(&r, "b"));
    }

    #[test]
    fn concurrent_read_modify_writes_lose_no_update_and_are_durable_on_return() {
        let dir = tempfile::tempdir().unwrap();
        let (gc, reader) = open(&dir);
        gc.write("seed", |conn| insert(conn, "counter")).unwrap();
        let gc = Arc::new(gc);
        let reader = Arc::new(reader);
        std::thread::scope(|s| {
            for t in 0..8 {
                let (gc, reader) = (Arc::clone(&gc), Arc::clone(&reader));
                s.spawn(move || {
                    let r = reader();
                    for i in 0..50 {
                        let key = format!("{t}-{i}");
                        gc.write("bump", |conn| {
                            let n: i64 = conn
                                .query_row("SELECT n FROM t WHERE k = 'counter'", [], |r| r.get(0))
                                .map_err(db_err("read"))?;
                            conn.execute("UPDATE t SET n = ?1 WHERE k = 'counter'", [n + 1])
                                .map_err(db_err("bump"))?;
                            insert(conn, &key)
                        })
                        .unwrap();
                        assert!(committed(&r, &key), "{key} returned before its commit");
                    }
                });
            }
        });
        let n: i64 = reader()
            .query_row("SELECT n FROM t WHERE k = 'counter'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 400);
    }
}
