//! A bounded pool of connections, each with its own prepared-statement cache.
//!
//! At most `pool_size` connections are open; a request waits at most `acquire_timeout`
//! for one. A connection is given back only when its last transaction ended cleanly
//! (committed or rolled back) and it is still open; otherwise it is dropped (closing it
//! makes the server roll back whatever was left open) and a new one is opened later.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Row, Statement};
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;

use super::rows::db_err;
use super::tls::Connector;

/// Bound parameters of a statement.
pub(super) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// One connection, its prepared statements, and the audit entries its open
/// transaction will append at commit.
pub(super) struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
    /// Entries appended by the open transaction, chained and written just before it
    /// commits (`audit::flush`), so that the global audit lock is held only that long.
    pub(super) pending_audit: Vec<AuditEntry>,
}

impl Conn {
    fn statement(&mut self, op: &'static str, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).map_err(db_err(op))?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Every row of `sql`.
    pub(super) fn query(
        &mut self,
        op: &'static str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, StoreError> {
        let st = self.statement(op, sql)?;
        self.client.query(&st, params).map_err(db_err(op))
    }

    /// The row of `sql`, if any (more than one is an error).
    pub(super) fn opt(
        &mut self,
        op: &'static str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<Row>, StoreError> {
        let st = self.statement(op, sql)?;
        self.client.query_opt(&st, params).map_err(db_err(op))
    }

    /// The one row of `sql`.
    pub(super) fn one(
        &mut self,
        op: &'static str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Row, StoreError> {
        let st = self.statement(op, sql)?;
        self.client.query_one(&st, params).map_err(db_err(op))
    }

    /// Runs `sql`; how many rows it changed.
    pub(super) fn exec(
        &mut self,
        op: &'static str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<u64, StoreError> {
        let st = self.statement(op, sql)?;
        self.client.execute(&st, params).map_err(db_err(op))
    }

    /// Runs statements with no parameters (transaction control, migrations).
    pub(super) fn batch(&mut self, op: &'static str, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(db_err(op))
    }

    pub(super) fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

pub(super) struct Pool {
    config: Config,
    connector: Connector,
    size: usize,
    timeout: Duration,
    state: Mutex<State>,
    freed: Condvar,
}

struct State {
    idle: Vec<Conn>,
    open: usize,
}

impl Pool {
    pub(super) fn new(
        mut config: Config,
        connector: Connector,
        size: usize,
        timeout: Duration,
    ) -> Self {
        config.connect_timeout(timeout);
        // A server that vanished (host down, network cut) is noticed by the kernel.
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        Self {
            config,
            connector,
            size: size.max(1),
            timeout,
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is a list and a count, consistent after every statement.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a connection outside the pool's bound (migrations at start-up).
    pub(super) fn connect(&self) -> Result<Conn, StoreError> {
        let client = match &self.connector {
            Connector::Plain => self.config.connect(NoTls),
            #[cfg(feature = "postgres-tls")]
            Connector::Rustls(tls) => self.config.connect(tls.clone()),
        }
        .map_err(db_err("connect"))?;
        Ok(Conn {
            client,
            statements: HashMap::new(),
            pending_audit: Vec::new(),
        })
    }

    /// A connection: an idle one, a new one while fewer than `size` are open, or the
    /// next one given back within the timeout.
    pub(super) fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let deadline = Instant::now().checked_add(self.timeout);
        let mut state = self.state();
        loop {
            if let Some(conn) = state.idle.pop() {
                if conn.is_closed() {
                    state.open = state.open.saturating_sub(1);
                    continue;
                }
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                    clean: true,
                });
            }
            if state.open < self.size {
                state.open = state.open.saturating_add(1);
                drop(state);
                return match self.connect() {
                    Ok(conn) => Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                        clean: true,
                    }),
                    Err(e) => {
                        self.forget();
                        Err(e)
                    }
                };
            }
            let left = deadline.and_then(|d| d.checked_duration_since(Instant::now()));
            let Some(left) = left.filter(|l| !l.is_zero()) else {
                return Err(StoreError::Unavailable {
                    operation: "acquire a connection",
                    message: format!(
                        "all {} connections stayed busy for {} ms",
                        self.size,
                        self.timeout.as_millis()
                    ),
                });
            };
            state = self
                .freed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// One open connection is gone.
    fn forget(&self) {
        let mut state = self.state();
        state.open = state.open.saturating_sub(1);
        drop(state);
        self.freed.notify_one();
    }
}

/// A connection borrowed from the pool; given back on drop.
pub(super) struct Pooled<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
    /// False while a transaction is open: dropped then (an error or a panic inside
    /// it), the connection is closed, never reused mid-transaction.
    pub(super) clean: bool,
}

impl Pooled<'_> {
    pub(super) fn conn(&mut self) -> Result<&mut Conn, StoreError> {
        self.conn.as_mut().ok_or_else(|| StoreError::Database {
            operation: "use a connection",
            message: "connection already given back".to_owned(),
        })
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        if self.clean && !conn.is_closed() {
            conn.pending_audit.clear();
            self.pool.state().idle.push(conn);
            self.pool.freed.notify_one();
        } else {
            drop(conn);
            self.pool.forget();
        }
    }
}
