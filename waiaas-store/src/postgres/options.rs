//! How the PostgreSQL backend connects: the pool's bound and how long a request waits.

use std::time::Duration;

/// How [`PgStore`](super::PgStore) connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// Connections this handle opens at most (default 8): the host's share of the
    /// server's `max_connections`.
    pub pool_size: usize,
    /// How long a request waits for a free connection, and for a new one to open,
    /// before it fails `STORAGE_UNAVAILABLE` (default 5 s).
    pub acquire_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            pool_size: 8,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}
