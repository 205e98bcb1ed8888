//! The operator's per-request password check for servers: the master password an
//! instance was unlocked with, kept only as a keyed hash (HMAC-SHA256 under a random key
//! made at unlock), so a request's `X-Master-Password` is checked in constant time
//! without an Argon2id run per request, and repeated failures lock it out with an
//! exponential wait, as the vault does for unlocks.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use waiaas_core::{ExposeSecret, SecretString, VaultError};

/// Consecutive failures allowed before each further attempt must wait.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait after repeated failures.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(900);

/// The wait after `failures` consecutive failures: none up to [`FREE_FAILURES`], then
/// 1 s, 2 s, 4 s, … capped at [`MAX_LOCKOUT`].
#[must_use]
pub fn lockout_after(failures: u32) -> Duration {
    match failures.checked_sub(FREE_FAILURES) {
        None => Duration::ZERO,
        Some(extra) => {
            let secs = 1u64.checked_shl(extra.min(20)).unwrap_or(u64::MAX);
            Duration::from_secs(secs).min(MAX_LOCKOUT)
        }
    }
}

#[derive(Debug, Default)]
struct Throttle {
    failures: u32,
    locked_until: Option<Instant>,
}

/// Checks a candidate master password against the one an instance was unlocked with.
pub(crate) struct PasswordGate {
    key: [u8; 32],
    tag: Mutex<[u8; 32]>,
    throttle: Mutex<Throttle>,
}

impl std::fmt::Debug for PasswordGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordGate(<redacted>)")
    }
}

impl PasswordGate {
    /// A gate for `password` under a fresh random key.
    pub(crate) fn new(password: &SecretString) -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        let tag = mac(&key, password.expose_secret().as_bytes());
        Self {
            key,
            tag: Mutex::new(tag),
            throttle: Mutex::new(Throttle::default()),
        }
    }

    /// Replaces the password (after a successful change).
    pub(crate) fn reset(&self, password: &SecretString) {
        let tag = mac(&self.key, password.expose_secret().as_bytes());
        *self.tag.lock().unwrap_or_else(PoisonError::into_inner) = tag;
        *self.throttle.lock().unwrap_or_else(PoisonError::into_inner) = Throttle::default();
    }

    /// Checks `candidate` at `now`.
    ///
    /// # Errors
    /// `MASTER_PASSWORD_LOCKED` (with the seconds left) while a lockout runs, without
    /// looking at the candidate; `INVALID_MASTER_PASSWORD` for a wrong one.
    pub(crate) fn check_at(&self, candidate: &[u8], now: Instant) -> Result<(), VaultError> {
        let mut throttle = self.throttle.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(until) = throttle.locked_until
            && until > now
        {
            let left = until.saturating_duration_since(now);
            // Round up: a client that waits the advertised seconds is let in.
            let secs = left
                .as_secs()
                .saturating_add(u64::from(left.subsec_nanos() > 0));
            return Err(VaultError::MasterPasswordLocked {
                retry_after_secs: secs,
            });
        }
        let expected = *self.tag.lock().unwrap_or_else(PoisonError::into_inner);
        if verify(&self.key, candidate, &expected) {
            *throttle = Throttle::default();
            return Ok(());
        }
        throttle.failures = throttle.failures.saturating_add(1);
        let wait = lockout_after(throttle.failures);
        throttle.locked_until = (!wait.is_zero()).then(|| now.checked_add(wait)).flatten();
        Err(VaultError::InvalidMasterPassword)
    }
}

fn keyed(key: &[u8; 32], data: &[u8]) -> Option<Hmac<Sha256>> {
    // HMAC accepts keys of any length: `None` cannot happen.
    let mut m = Hmac::<Sha256>::new_from_slice(key).ok()?;
    m.update(data);
    Some(m)
}

fn mac(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    keyed(key, data).map_or([0u8; 32], |m| m.finalize().into_bytes().into())
}

/// Whether `candidate`'s tag is `expected`, compared in constant time (HMAC's own
/// `verify_slice`).
fn verify(key: &[u8; 32], candidate: &[u8], expected: &[u8; 32]) -> bool {
    keyed(key, candidate).is_some_and(|m| m.verify_slice(expected).is_ok())
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::arithmetic_side_effects,
        reason = "test code"
    )]

    use super::*;

    fn pw(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn the_right_password_passes_and_a_wrong_one_does_not() {
        let gate = PasswordGate::new(&pw("hunter2-hunter2"));
        let now = Instant::now();
        gate.check_at(b"hunter2-hunter2", now).unwrap();
        let err = gate.check_at(b"hunter2-hunter3", now).unwrap_err();
        assert_eq!(
            waiaas_core::ErrorCode::code(&err),
            "INVALID_MASTER_PASSWORD"
        );
        // A prefix or an extension is wrong too.
        assert!(gate.check_at(b"hunter2", now).is_err());
        assert!(gate.check_at(b"hunter2-hunter2x", now).is_err());
        gate.check_at(b"hunter2-hunter2", now).unwrap();
    }

    #[test]
    fn repeated_failures_lock_out_even_the_right_password_until_the_wait_passes() {
        let gate = PasswordGate::new(&pw("right-password"));
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert!(gate.check_at(b"wrong", t0).is_err());
        }
        // The fifth failure set a 1 s wait: the right password is refused during it.
        let err = gate.check_at(b"right-password", t0).unwrap_err();
        assert!(matches!(
            err,
            VaultError::MasterPasswordLocked {
                retry_after_secs: 1
            }
        ));
        gate.check_at(b"right-password", t0 + Duration::from_secs(1))
            .unwrap();
        // Success resets the count: five more failures are free again.
        for _ in 0..FREE_FAILURES - 1 {
            assert!(matches!(
                gate.check_at(b"wrong", t0 + Duration::from_secs(2)),
                Err(VaultError::InvalidMasterPassword)
            ));
        }
    }

    #[test]
    fn the_wait_doubles_and_is_capped() {
        assert_eq!(lockout_after(4), Duration::ZERO);
        assert_eq!(lockout_after(5), Duration::from_secs(1));
        assert_eq!(lockout_after(6), Duration::from_secs(2));
        assert_eq!(lockout_after(9), Duration::from_secs(16));
        assert_eq!(lockout_after(40), MAX_LOCKOUT);
        assert_eq!(lockout_after(u32::MAX), MAX_LOCKOUT);
    }

    #[test]
    fn reset_replaces_the_password() {
        let gate = PasswordGate::new(&pw("old-password"));
        gate.reset(&pw("new-password"));
        let now = Instant::now();
        assert!(gate.check_at(b"old-password", now).is_err());
        gate.check_at(b"new-password", now).unwrap();
    }

    #[test]
    fn debug_shows_nothing() {
        let gate = PasswordGate::new(&pw("old-password"));
        assert_eq!(format!("{gate:?}"), "PasswordGate(<redacted>)");
    }
}
