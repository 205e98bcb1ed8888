//! What the HTTP price feeds share: settings, the URL check, one bounded GET, and the
//! cache that keeps a failed or stale fetch from ever becoming a price.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use waiaas_core::policy::{PriceBook, PriceQuote};
use waiaas_core::{Clock, SecretString, SystemClock, ValidationError};

/// Settings of an HTTP price feed.
#[derive(Clone)]
pub struct HttpPriceOptions {
    /// Total time for one request (connect, send, receive); default 3 s. A feed that
    /// does not answer in time leaves its assets unpriced for this decision.
    pub timeout: Duration,
    /// Largest response body read; a longer one is a failed fetch (default 256 KiB).
    pub max_body_bytes: u64,
    /// A quote whose publish time is older than this (seconds) is never returned
    /// (default 120).
    pub max_age_seconds: u64,
    /// At most one request per asset this often (seconds, default 10), whether the last
    /// one succeeded or failed; in between the cache answers.
    pub refresh_seconds: u64,
    /// The provider's API key, when it wants one (Hermes: `Authorization: Bearer`;
    /// CoinGecko: `x-cg-demo-api-key`).
    pub api_key: Option<SecretString>,
    /// The clock freshness is judged by (give it the vault's clock, `Options::clock`).
    pub clock: Arc<dyn Clock>,
}

impl Default for HttpPriceOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3),
            max_body_bytes: 256 * 1024,
            max_age_seconds: 120,
            refresh_seconds: 10,
            api_key: None,
            clock: Arc::new(SystemClock),
        }
    }
}

impl fmt::Debug for HttpPriceOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpPriceOptions")
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_age_seconds", &self.max_age_seconds)
            .field("refresh_seconds", &self.refresh_seconds)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// A feed's base URL: `Display` is the URL requests are built from, `Debug` only its
/// scheme and host (providers put API keys in the path).
pub(crate) struct FeedUrl(String);

impl fmt::Display for FeedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FeedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::config::redact_url(&self.0))
    }
}

/// Whether this build can speak HTTPS (feature `rpc-tls`, or `webhook-tls`, which
/// enable rustls in the same HTTP client).
pub(crate) const TLS: bool = cfg!(any(feature = "rpc-tls", feature = "webhook-tls"));

/// Checks a feed's base URL: `https://` (only with TLS compiled in), or `http://` to a
/// loopback host only — a feed's JSON is unsigned, so whoever sits on a plain-HTTP path
/// could price SOL at a fraction of a cent and walk a large transfer under the USD
/// limits. Returns it without a trailing `/`.
pub(crate) fn check_base_url(url: &str) -> Result<FeedUrl, ValidationError> {
    let https = url.starts_with("https://");
    if !(https || url.starts_with("http://")) {
        return Err(ValidationError::field(
            "price_feed_url",
            "must start with `http://` or `https://`",
        ));
    }
    if https && !TLS {
        return Err(ValidationError::field(
            "price_feed_url",
            "`https://` needs TLS: enable the `rpc-tls` feature of `waiaas`",
        ));
    }
    let uri: ureq::http::Uri = url
        .parse()
        .map_err(|_| ValidationError::field("price_feed_url", "is not a valid url"))?;
    let host = uri.host().unwrap_or_default();
    if host.is_empty() {
        return Err(ValidationError::field("price_feed_url", "has no host"));
    }
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !https && !loopback {
        return Err(ValidationError::field(
            "price_feed_url",
            format!(
                "`{host}` over plain `http://` could be answered by anyone on the path (prices are unsigned); use `https://` (feature `rpc-tls`) or a feed on this machine"
            ),
        ));
    }
    Ok(FeedUrl(url.trim_end_matches('/').to_owned()))
}

pub(crate) fn check_options(options: &HttpPriceOptions) -> Result<(), ValidationError> {
    if options.timeout.is_zero() {
        return Err(ValidationError::field(
            "timeout",
            "must be greater than zero",
        ));
    }
    if options.max_body_bytes == 0 {
        return Err(ValidationError::field(
            "max_body_bytes",
            "must be greater than zero",
        ));
    }
    Ok(())
}

pub(crate) fn agent(options: &HttpPriceOptions) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("waiaas/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::new_with_config(config)
}

/// Why a fetch gave no prices (kept for [`FeedStatus`]; never carries a key).
pub(crate) fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "timed out".to_owned(),
        ureq::Error::HostNotFound => "host not found".to_owned(),
        ureq::Error::ConnectionFailed => "connection failed".to_owned(),
        ureq::Error::Io(e) => format!("connection error: {}", e.kind()),
        ureq::Error::Protocol(_) => "malformed http response".to_owned(),
        ureq::Error::BodyExceedsLimit(_) => "response body too large".to_owned(),
        _ => "transport error".to_owned(),
    }
}

/// One GET with the feed's header, bounded in time and size; the body when the
/// status is 200.
pub(crate) fn get(
    agent: &ureq::Agent,
    url: &str,
    header: Option<(&str, String)>,
    max_body_bytes: u64,
) -> Result<String, String> {
    let mut request = agent.get(url).header("Accept", "application/json");
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let mut response = request.call().map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(format!("http status {status}"));
    }
    response
        .body_mut()
        .with_config()
        .limit(max_body_bytes)
        .read_to_string()
        .map_err(|e| describe(&e))
}

/// The outcome of a feed's last request, for hosts that want to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedStatus {
    /// When the last request was made (the oracle's clock), if one was.
    pub last_attempt: Option<i64>,
    /// Why it gave no prices, when it failed (a transport error, an http status, a body
    /// that is not the documented shape).
    pub last_error: Option<String>,
}

#[derive(Debug, Default)]
struct CacheState {
    quotes: BTreeMap<String, PriceQuote>,
    last_attempt: BTreeMap<String, i64>,
    status: Option<(i64, Option<String>)>,
}

/// Quotes by asset id, refreshed at most every `refresh_seconds`, returned only while
/// fresh by their own publish time. A failed fetch changes nothing but the status.
#[derive(Debug, Default)]
pub(crate) struct FeedCache {
    state: Mutex<CacheState>,
}

impl FeedCache {
    /// The fresh quotes for `asset_ids` (all known to the feed); calls `fetch` for
    /// those not tried within `refresh_seconds`. `fetch` returns a quote per asset it
    /// could price (a missing one is unpriced) or why the whole request failed.
    pub(crate) fn quotes(
        &self,
        asset_ids: &[String],
        options: &HttpPriceOptions,
        fetch: impl FnOnce(&[String]) -> Result<BTreeMap<String, PriceQuote>, String>,
    ) -> BTreeMap<String, PriceQuote> {
        let now = options.clock.now();
        let refresh = i64::try_from(options.refresh_seconds).unwrap_or(i64::MAX);
        let due: Vec<String> = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            let due: Vec<String> = asset_ids
                .iter()
                .filter(|id| {
                    state.last_attempt.get(*id).is_none_or(|t| {
                        // A clock that went back also refreshes.
                        now < *t || now.saturating_sub(*t) >= refresh
                    })
                })
                .cloned()
                .collect();
            for id in &due {
                state.last_attempt.insert(id.clone(), now);
            }
            due
        };
        if !due.is_empty() {
            let fetched = fetch(&due);
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            match fetched {
                Ok(mut quotes) => {
                    for id in &due {
                        // The feed's latest word wins: an asset it did not price (or
                        // priced with an absurd confidence) loses its older quote.
                        match quotes.remove(id) {
                            Some(q) => state.quotes.insert(id.clone(), q),
                            None => state.quotes.remove(id),
                        };
                    }
                    state.status = Some((now, None));
                }
                Err(reason) => state.status = Some((now, Some(reason))),
            }
        }
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let book = PriceBook {
            quotes: asset_ids
                .iter()
                .filter_map(|id| state.quotes.get(id).map(|q| (id.clone(), q.clone())))
                .collect(),
            max_age_seconds: options.max_age_seconds,
        };
        drop(state);
        book.quotes
            .iter()
            .filter(|(id, _)| book.fresh(id, now).is_some())
            .map(|(id, q)| (id.clone(), q.clone()))
            .collect()
    }

    /// [`FeedCache::quotes`] for a feed that names assets by its own ids (`ids`: asset
    /// id → feed id; assets it does not list are unpriced): `fetch` is given the feed
    /// ids due and answers by feed id.
    pub(crate) fn quotes_by_feed_id(
        &self,
        asset_ids: &[String],
        ids: &BTreeMap<String, String>,
        options: &HttpPriceOptions,
        fetch: impl FnOnce(&BTreeSet<&str>) -> Result<BTreeMap<String, PriceQuote>, String>,
    ) -> BTreeMap<String, PriceQuote> {
        let known: Vec<String> = asset_ids
            .iter()
            .filter(|a| ids.contains_key(*a))
            .cloned()
            .collect();
        if known.is_empty() {
            return BTreeMap::new();
        }
        self.quotes(&known, options, |due| {
            let feed_ids: BTreeSet<&str> = due
                .iter()
                .filter_map(|a| ids.get(a).map(String::as_str))
                .collect();
            let by_feed = fetch(&feed_ids)?;
            Ok(due
                .iter()
                .filter_map(|a| by_feed.get(ids.get(a)?).map(|q| (a.clone(), q.clone())))
                .collect())
        })
    }

    pub(crate) fn status(&self) -> FeedStatus {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        FeedStatus {
            last_attempt: state.status.as_ref().map(|(t, _)| *t),
            last_error: state.status.as_ref().and_then(|(_, e)| e.clone()),
        }
    }
}
