//! The reference webhook notifier (feature `webhook`; HTTPS with `webhook-tls`).
//!
//! Each event is POSTed as its JSON (the [`Event`] serialization, `Content-Type:
//! application/json`) with these headers:
//!
//! | header | value |
//! |---|---|
//! | `X-Waiaas-Timestamp` | Unix seconds when the attempt was sent, decimal (`1764330000`) |
//! | `X-Waiaas-Signature` | `sha256=` + lowercase hex of HMAC-SHA256(secret, timestamp + `.` + body) |
//! | `X-Waiaas-Event` | the event kind (`TX_SIGNED`); for routing only, it is not signed (the body carries the same kind, signed) |
//!
//! The timestamp and signature are computed afresh for every attempt. A receiver
//! recomputes the HMAC over the exact bytes it received, compares in constant time, and
//! refuses timestamps outside a tolerance window (5 minutes suggested) to bound replays.
//! `docs/notifications.md` has a worked example.
//!
//! Retries: connection errors, timeouts, HTTP 429 and 5xx are retried up to
//! `max_retries` times after the first attempt, waiting `backoff`, then twice as long
//! each time (capped at 60 s, or at `backoff` if larger). Any 2xx is success. Other
//! statuses (3xx included: redirects are not followed, so a signed body never goes
//! somewhere else) fail at once. The worst case for one event is about
//! `(max_retries + 1) × timeout` plus the backoffs; behind a [`super::Dispatcher`] that
//! time is spent on the webhook's own worker thread.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use waiaas_core::{ErrorCode, ExposeSecret, SecretString};

use super::http::{Attempt, agent, check_url, deliver_with_retries};
use super::{Event, EventKind, Notifier};

/// Header carrying the Unix time (seconds, decimal) at which the attempt was sent.
pub const TIMESTAMP_HEADER: &str = "X-Waiaas-Timestamp";
/// Header carrying `sha256=<lowercase hex HMAC-SHA256(secret, timestamp + "." + body)>`.
pub const SIGNATURE_HEADER: &str = "X-Waiaas-Signature";
/// Header carrying the event kind (`TX_SIGNED`); not covered by the signature.
pub const EVENT_HEADER: &str = "X-Waiaas-Event";

/// Shortest secret accepted, in bytes (a shorter HMAC key can be brute-forced from one
/// captured request).
const MIN_SECRET_BYTES: usize = 16;

/// Webhook settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookOptions {
    /// Total time for one HTTP attempt (connect, send, receive the status). Not zero.
    pub timeout: Duration,
    /// Attempts after the first one, for transient failures only.
    pub max_retries: u32,
    /// Wait before the first retry; doubles for each later one (capped at 60 s).
    pub backoff: Duration,
}

impl Default for WebhookOptions {
    /// 10 s per attempt, 3 retries, 500 ms first backoff.
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_retries: 3,
            backoff: Duration::from_millis(500),
        }
    }
}

/// Why a webhook could not be set up or an event could not be delivered. Messages never
/// contain the secret or the URL's path, query or credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The URL cannot be used (code `VALIDATION_FAILED`).
    #[error("invalid webhook url: {reason}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The secret is too short (code `VALIDATION_FAILED`).
    #[error("webhook secret too short: at least {min} bytes required")]
    WeakSecret {
        /// The minimum length in bytes.
        min: usize,
    },
    /// An option is out of range (code `VALIDATION_FAILED`).
    #[error("invalid webhook option `{field}`: {reason}")]
    InvalidOptions {
        /// The option's field name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The receiver answered with a status that is not retried (code `WEBHOOK_REJECTED`).
    #[error("webhook receiver refused the event with http status {status}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// Attempts made, this one included.
        attempts: u32,
    },
    /// Every attempt failed transiently (code `WEBHOOK_FAILED`).
    #[error("webhook delivery failed after {attempts} attempts: {last}")]
    Failed {
        /// Attempts made.
        attempts: u32,
        /// What went wrong on the last attempt (`timed out`, `http status 503`, …).
        last: String,
    },
}

impl ErrorCode for WebhookError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidUrl { .. } | Self::WeakSecret { .. } | Self::InvalidOptions { .. } => {
                "VALIDATION_FAILED"
            }
            Self::Rejected { .. } => "WEBHOOK_REJECTED",
            Self::Failed { .. } => "WEBHOOK_FAILED",
        }
    }
}

/// POSTs each event as signed JSON to a URL; see the module docs for the wire format and
/// the retry policy. `Debug` shows the scheme and host only, never the secret or the
/// URL's path (webhook URLs often embed a token).
pub struct WebhookNotifier {
    url: String,
    secret: SecretString,
    agent: ureq::Agent,
    options: WebhookOptions,
    delivered: AtomicU64,
    failed: AtomicU64,
}

/// `scheme://host[:port]` of `url`, without credentials, path or query.
impl fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookNotifier")
            .field("endpoint", &crate::config::redact_url(&self.url))
            .field("secret", &"[REDACTED]")
            .field("options", &self.options)
            .field("delivered", &self.delivered())
            .field("failed", &self.failed())
            .finish_non_exhaustive()
    }
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

impl WebhookNotifier {
    /// A webhook posting to `url` (`http://…`; `https://…` with feature `webhook-tls`),
    /// signing with `secret` (at least 16 bytes; 32 random bytes, hex-encoded, is a good
    /// choice).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a URL that is not `http://` / `https://` with a host, an
    /// `https://` URL without feature `webhook-tls`, a secret shorter than 16 bytes, or a
    /// zero `timeout`.
    pub fn new(
        url: &str,
        secret: SecretString,
        options: WebhookOptions,
    ) -> Result<Self, WebhookError> {
        check_url(url)?;
        if secret.expose_secret().len() < MIN_SECRET_BYTES {
            return Err(WebhookError::WeakSecret {
                min: MIN_SECRET_BYTES,
            });
        }
        let agent = agent(&options)?;
        Ok(Self {
            url: url.to_owned(),
            secret,
            agent,
            options,
            delivered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        })
    }

    /// Delivers one event now, on the calling thread, with the retry policy of the
    /// module docs. Returns the number of attempts it took. [`Notifier::notify`] calls
    /// this and counts the outcome; call it directly to see the error.
    ///
    /// # Errors
    /// `WEBHOOK_REJECTED` when the receiver answers a status that is not retried (a 4xx
    /// other than 429, or a 3xx); `WEBHOOK_FAILED` when every attempt failed transiently
    /// (connection error, timeout, 429, 5xx).
    pub fn deliver(&self, event: &Event) -> Result<u32, WebhookError> {
        let outcome = self.deliver_inner(event);
        let counter = if outcome.is_ok() {
            &self.delivered
        } else {
            &self.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
        outcome
    }

    fn deliver_inner(&self, event: &Event) -> Result<u32, WebhookError> {
        let body = serde_json::to_vec(event).map_err(|_| WebhookError::Failed {
            attempts: 0,
            last: "event could not be encoded".to_owned(),
        })?;
        deliver_with_retries(&self.options, || self.attempt(event.kind, &body))
    }

    fn signature(&self, timestamp: &str, body: &[u8]) -> Option<String> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes()).ok()?;
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        Some(format!(
            "sha256={}",
            hex::encode(mac.finalize().into_bytes())
        ))
    }

    fn attempt(&self, kind: EventKind, body: &[u8]) -> Attempt {
        let timestamp = now_unix().to_string();
        let Some(signature) = self.signature(&timestamp, body) else {
            // HMAC takes keys of any length; this cannot happen.
            return Attempt::Transient("signing failed".to_owned());
        };
        let sent = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header(EVENT_HEADER, kind.as_str())
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(SIGNATURE_HEADER, &signature)
            .send(body);
        match sent {
            Ok(response) => Attempt::of_status(response.status().as_u16()),
            Err(error) => Attempt::of_error(&error),
        }
    }

    /// Events delivered (a 2xx answer) through [`deliver`](Self::deliver) or
    /// [`Notifier::notify`].
    #[must_use]
    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    /// Events given up on (rejected, or every attempt failed).
    #[must_use]
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
}

impl Notifier for WebhookNotifier {
    fn notify(&self, event: &Event) {
        // Counted by `deliver`; a notification never reports back to the pipeline.
        let _outcome = self.deliver(event);
    }
}
