//! What every HTTP notifier shares (the signed webhook and the chat services): URL
//! checks, the client, and delivery with retries and backoff.

use std::thread;
use std::time::Duration;

use super::webhook::{WebhookError, WebhookOptions};

/// Cap on the wait between two attempts, unless `backoff` itself is larger.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What one attempt came to.
pub(crate) enum Attempt {
    Delivered,
    Permanent(u16),
    Transient(String),
}

impl Attempt {
    /// The outcome of an answer with `status`: any 2xx is delivered; 429 and 5xx are
    /// retried; every other status (3xx included: redirects are not followed) is final.
    pub(crate) fn of_status(status: u16) -> Self {
        match status {
            200..=299 => Self::Delivered,
            429 | 500..=599 => Self::Transient(format!("http status {status}")),
            _ => Self::Permanent(status),
        }
    }

    /// The outcome of a request that got no answer.
    pub(crate) fn of_error(error: &ureq::Error) -> Self {
        Self::Transient(describe(error))
    }
}

/// A short, secret-free description of a transport error (never the URL).
pub(crate) fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "timed out".to_owned(),
        ureq::Error::HostNotFound => "host not found".to_owned(),
        ureq::Error::ConnectionFailed => "connection failed".to_owned(),
        ureq::Error::Io(e) => format!("connection error: {}", e.kind()),
        ureq::Error::Protocol(_) => "malformed http response".to_owned(),
        _ => "transport error".to_owned(),
    }
}

/// Refuses a URL that is not `http://` / `https://` with a host, or `https://` without
/// feature `webhook-tls`.
pub(crate) fn check_url(url: &str) -> Result<(), WebhookError> {
    let https = url.starts_with("https://");
    if !(https || url.starts_with("http://")) {
        return Err(WebhookError::InvalidUrl {
            reason: "must start with `http://` or `https://`",
        });
    }
    if https && !cfg!(feature = "webhook-tls") {
        return Err(WebhookError::InvalidUrl {
            reason: "`https://` needs the `webhook-tls` feature",
        });
    }
    let uri: ureq::http::Uri = url.parse().map_err(|_| WebhookError::InvalidUrl {
        reason: "not a valid url",
    })?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(WebhookError::InvalidUrl { reason: "no host" });
    }
    Ok(())
}

/// The client: each attempt bounded by `options.timeout`, statuses returned (not
/// errors), redirects never followed.
pub(crate) fn agent(options: &WebhookOptions) -> Result<ureq::Agent, WebhookError> {
    if options.timeout.is_zero() {
        return Err(WebhookError::InvalidOptions {
            field: "timeout",
            reason: "must be greater than zero",
        });
    }
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("waiaas/", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(ureq::Agent::new_with_config(config))
}

/// Runs `attempt` until it delivers, fails for good, or `options.max_retries` retries
/// of transient failures are spent, sleeping `backoff` (doubling, capped) in between.
/// Returns the attempts made.
pub(crate) fn deliver_with_retries(
    options: &WebhookOptions,
    mut attempt: impl FnMut() -> Attempt,
) -> Result<u32, WebhookError> {
    let allowed = options.max_retries.saturating_add(1);
    let mut attempts: u32 = 0;
    loop {
        attempts = attempts.saturating_add(1);
        let last = match attempt() {
            Attempt::Delivered => return Ok(attempts),
            Attempt::Permanent(status) => {
                return Err(WebhookError::Rejected { status, attempts });
            }
            Attempt::Transient(reason) => reason,
        };
        if attempts >= allowed {
            return Err(WebhookError::Failed { attempts, last });
        }
        thread::sleep(backoff_before_retry(options.backoff, attempts));
    }
}

/// The wait after failed attempt number `attempt` (1-based).
fn backoff_before_retry(backoff: Duration, attempt: u32) -> Duration {
    let cap = MAX_BACKOFF.max(backoff);
    let factor = 2_u32
        .checked_pow(attempt.saturating_sub(1))
        .unwrap_or(u32::MAX);
    backoff
        .checked_mul(factor)
        .map_or(cap, |wait| wait.min(cap))
}
