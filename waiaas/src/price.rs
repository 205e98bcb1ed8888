//! USD prices for the policy engine. Quotes carry their source and time; a quote older
//! than the staleness limit counts as unknown, and an unknown price fails closed.
//!
//! - [`StaticPriceOracle`]: prices the host sets; [`StaticPriceOracle::from_usd`] makes a
//!   fixed table in one line for offline use.
//! - `PythHermesOracle` and `CoinGeckoOracle` (feature `prices-http`): live prices over
//!   blocking HTTP, cached, with a maximum age; a failed or stale fetch leaves the asset
//!   unpriced, never priced by a stale quote presented as fresh.
//! - [`FallbackPriceOracle`]: several sources in order (Pyth first, CoinGecko second).

mod asset;
#[cfg(feature = "prices-http")]
mod coingecko;
mod fallback;
#[cfg(feature = "prices-http")]
mod feeds;
#[cfg(feature = "prices-http")]
mod http;
#[cfg(feature = "prices-http")]
mod pyth;
mod table;
mod unpriced;

pub use asset::check_asset_id;
#[cfg(feature = "prices-http")]
pub use coingecko::{COINGECKO_SOURCE, COINGECKO_URL, CoinGeckoOracle};
pub use fallback::FallbackPriceOracle;
#[cfg(feature = "prices-http")]
pub use feeds::{USDC_ETHEREUM, USDC_SOLANA_MINT};
#[cfg(feature = "prices-http")]
pub use http::{FeedStatus, HttpPriceOptions};
#[cfg(feature = "prices-http")]
pub use pyth::{
    DEFAULT_MAX_CONFIDENCE_BPS, PYTH_ETH_USD, PYTH_HERMES_URL, PYTH_SOL_USD, PYTH_SOURCE,
    PYTH_USDC_USD, PythHermesOracle,
};
pub use table::STATIC_SOURCE;
pub(crate) use unpriced::announce_unpriced_assets;

use std::collections::BTreeMap;
use std::sync::{PoisonError, RwLock};

pub use waiaas_core::policy::PriceOracle;
use waiaas_core::policy::{PriceQuote, Usd};

/// Prices set by the host (from its own feed, or fixed for tests and testnets).
#[derive(Debug)]
pub struct StaticPriceOracle {
    quotes: RwLock<BTreeMap<String, PriceQuote>>,
    max_age_seconds: u64,
}

impl StaticPriceOracle {
    /// An empty table whose quotes go stale after `max_age_seconds`.
    #[must_use]
    pub fn new(max_age_seconds: u64) -> Self {
        Self {
            quotes: RwLock::new(BTreeMap::new()),
            max_age_seconds,
        }
    }

    /// Sets the USD price of one whole unit of `asset_id`, observed at `observed_at`.
    pub fn set_price(&self, asset_id: &str, usd: Usd, source: &str, observed_at: i64) {
        self.quotes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                asset_id.to_owned(),
                PriceQuote {
                    usd,
                    source: source.to_owned(),
                    observed_at,
                },
            );
    }

    /// Forgets a price (it becomes unknown).
    pub fn remove_price(&self, asset_id: &str) {
        self.quotes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(asset_id);
    }
}

impl Default for StaticPriceOracle {
    fn default() -> Self {
        Self::new(300)
    }
}

impl PriceOracle for StaticPriceOracle {
    fn quotes(&self, asset_ids: &[String]) -> BTreeMap<String, PriceQuote> {
        let q = self.quotes.read().unwrap_or_else(PoisonError::into_inner);
        asset_ids
            .iter()
            .filter_map(|id| q.get(id).map(|p| (id.clone(), p.clone())))
            .collect()
    }

    fn max_age_seconds(&self) -> u64 {
        self.max_age_seconds
    }
}
