//! Several price sources tried in order, per asset.

use std::collections::BTreeMap;
use std::sync::Arc;

use waiaas_core::policy::{PriceBook, PriceQuote};
use waiaas_core::{Clock, SystemClock};

use super::PriceOracle;

/// Asks each source in turn for the assets the ones before it could not price freshly
/// (a Pyth feed first, CoinGecko as the fallback, …). A quote counts only when it is
/// fresh for the strictest source's maximum age, at this oracle's clock; an asset no
/// source prices freshly stays unpriced, and the engine fails closed.
#[derive(Debug)]
pub struct FallbackPriceOracle {
    sources: Vec<Arc<dyn PriceOracle>>,
    clock: Arc<dyn Clock>,
    max_age_seconds: u64,
}

impl FallbackPriceOracle {
    /// `sources` in order of preference, timed by the system clock.
    #[must_use]
    pub fn new(sources: Vec<Arc<dyn PriceOracle>>) -> Self {
        let max_age_seconds = sources
            .iter()
            .map(|s| s.max_age_seconds())
            .min()
            .unwrap_or(0);
        Self {
            sources,
            clock: Arc::new(SystemClock),
            max_age_seconds,
        }
    }

    /// Times freshness with `clock` (give it the vault's clock, `Options::clock`).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

impl PriceOracle for FallbackPriceOracle {
    fn quotes(&self, asset_ids: &[String]) -> BTreeMap<String, PriceQuote> {
        let mut found = BTreeMap::new();
        let mut missing: Vec<String> = asset_ids.to_vec();
        for source in &self.sources {
            if missing.is_empty() {
                break;
            }
            let book = PriceBook {
                quotes: source.quotes(&missing),
                max_age_seconds: self.max_age_seconds,
            };
            let now = self.clock.now();
            missing.retain(|id| match book.fresh(id, now) {
                Some(q) => {
                    found.insert(id.clone(), q.clone());
                    false
                }
                None => true,
            });
        }
        found
    }

    fn max_age_seconds(&self) -> u64 {
        self.max_age_seconds
    }
}
