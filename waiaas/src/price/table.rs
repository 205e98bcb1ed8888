//! A fixed price table in one line, for offline use, testnets and tests.

use std::collections::BTreeMap;
use std::sync::RwLock;

use waiaas_core::policy::{PriceQuote, Usd};
use waiaas_core::{Clock, SystemClock, ValidationError};

use super::StaticPriceOracle;
use super::asset::check_asset_id;

/// The `source` of every quote of a table made by [`StaticPriceOracle::from_usd`].
pub const STATIC_SOURCE: &str = "static";

impl StaticPriceOracle {
    /// A table of fixed USD prices per whole unit, as exact decimal strings:
    /// `StaticPriceOracle::from_usd(&[("native:solana-mainnet", "150"), ("native:ethereum-mainnet", "3000.25")])`.
    ///
    /// Its quotes never go stale (the table's maximum age is unbounded): use it offline,
    /// on testnets and in tests, not in place of a live feed where prices move. Asset
    /// ids are checked ([`super::check_asset_id`]); an asset left out stays unpriced, so a
    /// USD rule that needs it still fails closed to APPROVAL.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a misspelt asset id, a duplicate entry or a zero price;
    /// `INVALID_AMOUNT` for a price that is not a plain decimal (`150`, `0.9998`).
    pub fn from_usd(entries: &[(&str, &str)]) -> Result<Self, ValidationError> {
        let observed_at = SystemClock.now();
        let mut quotes = BTreeMap::new();
        for (asset_id, usd) in entries {
            check_asset_id(asset_id)?;
            let usd = Usd::parse(usd)?;
            if usd == Usd::ZERO {
                return Err(ValidationError::field(
                    "usd",
                    format!("`{asset_id}`: a price of zero would make every amount worthless"),
                ));
            }
            let quote = PriceQuote {
                usd,
                source: STATIC_SOURCE.to_owned(),
                observed_at,
            };
            if quotes.insert((*asset_id).to_owned(), quote).is_some() {
                return Err(ValidationError::field(
                    "asset_id",
                    format!("`{asset_id}` is listed twice"),
                ));
            }
        }
        Ok(Self {
            quotes: RwLock::new(quotes),
            max_age_seconds: u64::MAX,
        })
    }
}
