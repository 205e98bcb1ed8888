//! Requests per agent session and window: a runaway agent loop is answered 429
//! `RATE_LIMIT_EXCEEDED` (with `Retry-After`) instead of filling the ledger and the
//! audit log. Keyed by a hash of the verified token (the token itself is not kept), so
//! only valid sessions make entries. Policy RATE_LIMIT rules are separate: they judge
//! transactions, this bounds requests of every kind.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher as _;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use waiaas::api::RequestError;

/// Past this many tracked sessions, windows that ended are dropped.
const PRUNE_AT: usize = 4096;

/// Fixed windows per session.
#[derive(Debug)]
pub struct RequestLimiter {
    limit: u32,
    window: Duration,
    keys: RandomState,
    windows: Mutex<HashMap<u64, (Instant, u32)>>,
}

impl RequestLimiter {
    /// At most `limit` requests per `window` per session; `limit` 0 admits everything.
    #[must_use]
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            keys: RandomState::new(),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of the session holding `token`.
    ///
    /// # Errors
    /// `RATE_LIMIT_EXCEEDED` with the seconds until the session's window ends.
    pub fn admit(&self, token: &str, now: Instant) -> Result<(), RequestError> {
        if self.limit == 0 {
            return Ok(());
        }
        let key = self.keys.hash_one(token);
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= PRUNE_AT {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let (start, count) = windows.entry(key).or_insert((now, 0));
        let elapsed = now.duration_since(*start);
        if elapsed >= self.window {
            *start = now;
            *count = 0;
        }
        if *count >= self.limit {
            let left = self.window.saturating_sub(now.duration_since(*start));
            return Err(RequestError::RateLimitExceeded {
                limit: self.limit,
                window_secs: self.window.as_secs(),
                // Rounded up: retrying after this many seconds is admitted.
                retry_after_secs: left
                    .as_secs()
                    .saturating_add(u64::from(left.subsec_nanos() > 0)),
            });
        }
        *count = count.saturating_add(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::arithmetic_side_effects,
        reason = "test code"
    )]

    use super::*;

    #[test]
    fn a_session_gets_its_limit_per_window_and_others_are_not_affected() {
        let limiter = RequestLimiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        limiter.admit("a", t0).unwrap();
        limiter.admit("a", t0).unwrap();
        let refused = limiter
            .admit("a", t0 + Duration::from_millis(500))
            .unwrap_err();
        assert_eq!(
            refused,
            RequestError::RateLimitExceeded {
                limit: 2,
                window_secs: 60,
                retry_after_secs: 60
            }
        );
        limiter.admit("b", t0).unwrap();
        // The window ends: admitted again.
        limiter.admit("a", t0 + Duration::from_secs(60)).unwrap();
    }

    #[test]
    fn zero_admits_everything_and_old_windows_are_pruned() {
        let off = RequestLimiter::new(0, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..10 {
            off.admit("a", t0).unwrap();
        }
        let limiter = RequestLimiter::new(1, Duration::from_secs(1));
        for i in 0..PRUNE_AT {
            limiter.admit(&i.to_string(), t0).unwrap();
        }
        limiter.admit("late", t0 + Duration::from_secs(2)).unwrap();
        assert_eq!(limiter.windows.lock().unwrap().len(), 1);
    }
}
