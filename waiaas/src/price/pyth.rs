//! Pyth prices from a Hermes server (`GET /v2/updates/price/latest`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use waiaas_core::ValidationError;
use waiaas_core::policy::{PriceQuote, Usd};
use waiaas_core::{ExposeSecret, SecretString};

use super::PriceOracle;
use super::asset::check_asset_id;
use super::feeds::{Symbol, default_assets};
use super::http::{
    FeedCache, FeedStatus, FeedUrl, HttpPriceOptions, agent, check_base_url, check_options, get,
};

/// Pyth's public Hermes server. Since Pyth's 2026 Core upgrade it wants an API key
/// ([`HttpPriceOptions::api_key`]); a node provider's Hermes URL works the same way.
pub const PYTH_HERMES_URL: &str = "https://hermes.pyth.network";

/// Pyth feed id of ETH/USD (the example of Pyth's own Hermes documentation).
pub const PYTH_ETH_USD: &str = "ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace";
/// Pyth feed id of SOL/USD (as published by Pyth and used by many integrations; checked
/// against several of them, not fetched live here).
pub const PYTH_SOL_USD: &str = "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d";
/// Pyth feed id of USDC/USD (checked as [`PYTH_SOL_USD`] was).
pub const PYTH_USDC_USD: &str = "eaa020c61cc479712813461ce153894a96a6c00b21ed0cfc2798d1f9a9e9c94a";

/// The quote source name of this oracle.
pub const PYTH_SOURCE: &str = "pyth";

/// A confidence interval wider than this share of the price (basis points) makes the
/// update unusable (default 2 %).
pub const DEFAULT_MAX_CONFIDENCE_BPS: u32 = 200;

/// USD prices from Pyth's Hermes REST API.
///
/// The price of a feed is `price × 10^expo`, computed exactly from its integer and
/// exponent; the quote's time is the feed's `publish_time`, never the time it was
/// fetched, so an old update is never presented as fresh. An update with a price ≤ 0
/// or a confidence interval wider than [`PythHermesOracle::with_max_confidence_bps`]
/// is not a price. A failed request (transport error, timeout, status other than 200,
/// a body over the size limit or not in the documented shape) leaves the assets
/// unpriced (or priced by a previous update while it is still fresh): the engine then
/// fails closed to APPROVAL. Nothing here panics on what a server sends.
#[derive(Debug)]
pub struct PythHermesOracle {
    base_url: FeedUrl,
    /// Asset id → feed id (64 lowercase hex digits, no `0x`).
    feeds: BTreeMap<String, String>,
    options: HttpPriceOptions,
    max_confidence_bps: u32,
    agent: ureq::Agent,
    cache: FeedCache,
}

#[derive(Deserialize)]
struct Reply {
    parsed: Vec<Update>,
}

#[derive(Deserialize)]
struct Update {
    id: String,
    price: RawPrice,
}

#[derive(Deserialize)]
struct RawPrice {
    price: String,
    conf: String,
    expo: i32,
    publish_time: i64,
}

fn normalize_feed_id(feed_id: &str) -> Result<String, ValidationError> {
    let hex = feed_id
        .strip_prefix("0x")
        .unwrap_or(feed_id)
        .to_ascii_lowercase();
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(ValidationError::field(
            "feed_id",
            format!("`{feed_id}` is not a pyth feed id (64 hex digits)"),
        ))
    }
}

/// `digits × 10^expo` as an exact decimal, or `None` when it is not representable.
fn scaled(digits: &str, expo: i32) -> Option<Usd> {
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let text = if expo >= 0 {
        let zeros = usize::try_from(expo).ok().filter(|z| *z <= 28)?;
        format!("{digits}{}", "0".repeat(zeros))
    } else {
        let scale = usize::try_from(expo.unsigned_abs())
            .ok()
            .filter(|s| *s <= 28)?;
        match digits.len().checked_sub(scale) {
            Some(0) => format!("0.{digits}"),
            Some(whole) => {
                let (w, f) = digits.split_at_checked(whole)?;
                format!("{w}.{f}")
            }
            None => {
                let pad = scale.checked_sub(digits.len())?;
                format!("0.{}{digits}", "0".repeat(pad))
            }
        }
    };
    Usd::parse(&text).ok()
}

/// One update as a quote, or `None` when it is not a usable price.
fn quote(raw: &RawPrice, max_confidence_bps: u32) -> Option<PriceQuote> {
    // A negative or zero price is never a price; `-` makes `u64` parsing fail.
    let price: u64 = raw.price.parse().ok().filter(|p| *p > 0)?;
    let conf: u64 = raw.conf.parse().ok()?;
    // conf / price ≤ bps / 10 000, in integers.
    let lhs = u128::from(conf).checked_mul(10_000)?;
    let rhs = u128::from(price).checked_mul(u128::from(max_confidence_bps))?;
    if lhs > rhs {
        return None;
    }
    let usd = scaled(&raw.price, raw.expo)?;
    (usd != Usd::ZERO).then(|| PriceQuote {
        usd,
        source: PYTH_SOURCE.to_owned(),
        observed_at: raw.publish_time,
    })
}

/// The usable quotes of a Hermes reply, by feed id.
///
/// # Errors
/// A short reason when the body is not the documented shape.
fn parse_reply(
    body: &str,
    max_confidence_bps: u32,
) -> Result<BTreeMap<String, PriceQuote>, String> {
    let reply: Reply =
        serde_json::from_str(body).map_err(|_| "reply is not the documented shape".to_owned())?;
    Ok(reply
        .parsed
        .iter()
        .filter_map(|u| {
            let id = normalize_feed_id(&u.id).ok()?;
            quote(&u.price, max_confidence_bps).map(|q| (id, q))
        })
        .collect())
}

impl PythHermesOracle {
    /// An oracle over the Hermes server at `base_url` (e.g. [`PYTH_HERMES_URL`]) for
    /// `feeds`: asset id ([`super::check_asset_id`]) → Pyth feed id (hex, `0x`
    /// optional). [`PythHermesOracle::default_feeds`] lists SOL, ETH and USDC.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a base URL that is not `http://` / `https://` with a host,
    /// an `https://` URL in a build without TLS (the message names the `rpc-tls`
    /// feature), a misspelt asset id or feed id, a zero timeout or body limit.
    pub fn new(
        base_url: &str,
        feeds: BTreeMap<String, String>,
        options: HttpPriceOptions,
    ) -> Result<Self, ValidationError> {
        let base_url = check_base_url(base_url)?;
        check_options(&options)?;
        let feeds = feeds
            .into_iter()
            .map(|(asset, feed)| {
                check_asset_id(&asset)?;
                Ok((asset, normalize_feed_id(&feed)?))
            })
            .collect::<Result<_, ValidationError>>()?;
        Ok(Self {
            base_url,
            feeds,
            agent: agent(&options),
            options,
            max_confidence_bps: DEFAULT_MAX_CONFIDENCE_BPS,
            cache: FeedCache::default(),
        })
    }

    /// The default feeds: SOL/USD for Solana mainnet's native coin, ETH/USD for the
    /// native coin of Ethereum, Arbitrum One, OP Mainnet and Base, USDC/USD for USDC on
    /// Solana and Ethereum mainnet. Testnet coins and other tokens are the host's to
    /// add.
    #[must_use]
    pub fn default_feeds() -> BTreeMap<String, String> {
        default_assets()
            .into_iter()
            .map(|(asset, symbol)| {
                let feed = match symbol {
                    Symbol::Sol => PYTH_SOL_USD,
                    Symbol::Eth => PYTH_ETH_USD,
                    Symbol::Usdc => PYTH_USDC_USD,
                };
                (asset, feed.to_owned())
            })
            .collect()
    }

    /// Refuses updates whose confidence interval is wider than `bps` basis points of
    /// the price (default [`DEFAULT_MAX_CONFIDENCE_BPS`]).
    #[must_use]
    pub fn with_max_confidence_bps(mut self, bps: u32) -> Self {
        self.max_confidence_bps = bps;
        self
    }

    /// The outcome of the last request.
    #[must_use]
    pub fn status(&self) -> FeedStatus {
        self.cache.status()
    }

    /// Quotes by feed id for `feeds`.
    fn fetch(&self, feeds: &BTreeSet<&str>) -> Result<BTreeMap<String, PriceQuote>, String> {
        let mut url = format!("{}/v2/updates/price/latest?", self.base_url);
        for feed in feeds {
            url.push_str("ids%5B%5D=");
            url.push_str(feed);
            url.push('&');
        }
        // One unknown feed id must not make Hermes refuse the whole request (it would
        // leave every asset unpriced): the API skips it with this documented flag.
        url.push_str("parsed=true&ignore_invalid_price_ids=true");
        let header = self
            .options
            .api_key
            .as_ref()
            .map(|k: &SecretString| ("Authorization", format!("Bearer {}", k.expose_secret())));
        let body = get(&self.agent, &url, header, self.options.max_body_bytes)?;
        parse_reply(&body, self.max_confidence_bps)
    }
}

impl PriceOracle for PythHermesOracle {
    fn quotes(&self, asset_ids: &[String]) -> BTreeMap<String, PriceQuote> {
        self.cache
            .quotes_by_feed_id(asset_ids, &self.feeds, &self.options, |due| self.fetch(due))
    }

    fn max_age_seconds(&self) -> u64 {
        self.options.max_age_seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_exactly() {
        assert_eq!(scaled("15023000000", -8), Usd::parse("150.23").ok());
        assert_eq!(scaled("99985000", -8), Usd::parse("0.99985").ok());
        assert_eq!(scaled("5", -3), Usd::parse("0.005").ok());
        assert_eq!(scaled("123", -3), Usd::parse("0.123").ok());
        assert_eq!(scaled("12", 2), Usd::parse("1200").ok());
        assert_eq!(scaled("0", -8), None);
        assert_eq!(scaled("12", -40), None);
    }

    #[test]
    fn refuses_bad_updates() {
        let raw = |price: &str, conf: &str| RawPrice {
            price: price.into(),
            conf: conf.into(),
            expo: -8,
            publish_time: 1,
        };
        assert!(quote(&raw("15000000000", "300000000"), 200).is_some()); // 2 %
        assert!(quote(&raw("15000000000", "300000001"), 200).is_none());
        assert!(quote(&raw("-15000000000", "1"), 200).is_none());
        assert!(quote(&raw("0", "0"), 200).is_none());
        assert!(quote(&raw("1.5", "0"), 200).is_none());
    }
}
