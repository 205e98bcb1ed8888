//! How the SQLite backend is opened: durability and lock timeout.

use std::time::Duration;

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
