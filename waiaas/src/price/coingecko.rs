//! CoinGecko prices (`GET /api/v3/simple/price`), a second source behind Pyth.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use waiaas_core::policy::{PriceQuote, Usd};
use waiaas_core::{ExposeSecret, ValidationError};

use super::PriceOracle;
use super::asset::check_asset_id;
use super::feeds::{Symbol, default_assets};
use super::http::{
    FeedCache, FeedStatus, FeedUrl, HttpPriceOptions, agent, check_base_url, check_options, get,
};

/// CoinGecko's public API (a demo key goes in [`HttpPriceOptions::api_key`]).
pub const COINGECKO_URL: &str = "https://api.coingecko.com";

/// The quote source name of this oracle.
pub const COINGECKO_SOURCE: &str = "coingecko";

/// USD prices from CoinGecko's `simple/price` endpoint, asked with
/// `include_last_updated_at=true`: the quote's time is CoinGecko's `last_updated_at`,
/// never the time it was fetched. CoinGecko sends prices as JSON numbers (binary
/// floats); a price is taken from the shortest decimal spelling of that number, and
/// one written with an exponent, ≤ 0, or without `last_updated_at` is not a price.
/// Failures leave assets unpriced exactly as for [`super::PythHermesOracle`].
#[derive(Debug)]
pub struct CoinGeckoOracle {
    base_url: FeedUrl,
    /// Asset id → CoinGecko coin id (`solana`, `ethereum`, `usd-coin`).
    coins: BTreeMap<String, String>,
    options: HttpPriceOptions,
    agent: ureq::Agent,
    cache: FeedCache,
}

#[derive(Deserialize)]
struct CoinPrice {
    usd: serde_json::Number,
    last_updated_at: i64,
}

fn quote(price: &CoinPrice) -> Option<PriceQuote> {
    let usd = Usd::parse(&price.usd.to_string()).ok()?;
    (usd != Usd::ZERO).then(|| PriceQuote {
        usd,
        source: COINGECKO_SOURCE.to_owned(),
        observed_at: price.last_updated_at,
    })
}

/// The usable quotes of a reply, by coin id.
fn parse_reply(body: &str) -> Result<BTreeMap<String, PriceQuote>, String> {
    let reply: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(body).map_err(|_| "reply is not the documented shape".to_owned())?;
    Ok(reply
        .into_iter()
        .filter_map(|(coin, value)| {
            let price: CoinPrice = serde_json::from_value(value).ok()?;
            quote(&price).map(|q| (coin, q))
        })
        .collect())
}

fn check_coin_id(coin: &str) -> Result<(), ValidationError> {
    let ok = !coin.is_empty()
        && coin
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ValidationError::field(
            "coin_id",
            format!("`{coin}` is not a coingecko coin id (lowercase letters, digits and `-`)"),
        ))
    }
}

impl CoinGeckoOracle {
    /// An oracle over the CoinGecko API at `base_url` (e.g. [`COINGECKO_URL`]) for
    /// `coins`: asset id → CoinGecko coin id. [`CoinGeckoOracle::default_coins`] lists
    /// SOL, ETH and USDC.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` as for [`super::PythHermesOracle::new`], or for a coin id that
    /// is not lowercase letters, digits and `-`.
    pub fn new(
        base_url: &str,
        coins: BTreeMap<String, String>,
        options: HttpPriceOptions,
    ) -> Result<Self, ValidationError> {
        let base_url = check_base_url(base_url)?;
        check_options(&options)?;
        for (asset, coin) in &coins {
            check_asset_id(asset)?;
            check_coin_id(coin)?;
        }
        Ok(Self {
            base_url,
            coins,
            agent: agent(&options),
            options,
            cache: FeedCache::default(),
        })
    }

    /// The default coins: `solana`, `ethereum` and `usd-coin` for the same assets as
    /// [`super::PythHermesOracle::default_feeds`].
    #[must_use]
    pub fn default_coins() -> BTreeMap<String, String> {
        default_assets()
            .into_iter()
            .map(|(asset, symbol)| {
                let coin = match symbol {
                    Symbol::Sol => "solana",
                    Symbol::Eth => "ethereum",
                    Symbol::Usdc => "usd-coin",
                };
                (asset, coin.to_owned())
            })
            .collect()
    }

    /// The outcome of the last request.
    #[must_use]
    pub fn status(&self) -> FeedStatus {
        self.cache.status()
    }

    /// Quotes by coin id for `coins`.
    fn fetch(&self, coins: &BTreeSet<&str>) -> Result<BTreeMap<String, PriceQuote>, String> {
        let url = format!(
            "{}/api/v3/simple/price?ids={}&vs_currencies=usd&include_last_updated_at=true",
            self.base_url,
            coins.iter().copied().collect::<Vec<_>>().join(",")
        );
        let header = self
            .options
            .api_key
            .as_ref()
            .map(|k| ("x-cg-demo-api-key", k.expose_secret().to_owned()));
        let body = get(&self.agent, &url, header, self.options.max_body_bytes)?;
        parse_reply(&body)
    }
}

impl PriceOracle for CoinGeckoOracle {
    fn quotes(&self, asset_ids: &[String]) -> BTreeMap<String, PriceQuote> {
        self.cache
            .quotes_by_feed_id(asset_ids, &self.coins, &self.options, |due| self.fetch(due))
    }

    fn max_age_seconds(&self) -> u64 {
        self.options.max_age_seconds
    }
}
