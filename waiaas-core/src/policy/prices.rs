//! USD price quotes and asset ids.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Usd;
use crate::chain::{Chain, Network};

/// A USD price for one whole unit of an asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceQuote {
    /// USD per whole unit (1 ETH, 1 USDC).
    pub usd: Usd,
    /// Where it came from (oracle name).
    pub source: String,
    /// When it was observed (Unix seconds).
    pub observed_at: i64,
}

/// Prices by asset id ([`native_asset_id`], [`token_asset_id`]) and the maximum age
/// a quote may have to count as fresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceBook {
    /// Quotes by asset id.
    #[serde(default)]
    pub quotes: BTreeMap<String, PriceQuote>,
    /// A quote older than this (seconds) is stale and counts as unknown.
    #[serde(default = "default_max_age")]
    pub max_age_seconds: u64,
}

fn default_max_age() -> u64 {
    300
}

impl Default for PriceBook {
    fn default() -> Self {
        Self {
            quotes: BTreeMap::new(),
            max_age_seconds: default_max_age(),
        }
    }
}

impl PriceBook {
    /// A fresh, usable quote for `asset_id` at `now`, if any. A quote from the future
    /// counts as fresh only up to the same bound; a zero price (a broken feed) is never
    /// usable, because it would make every amount worth nothing.
    #[must_use]
    pub fn fresh(&self, asset_id: &str, now: i64) -> Option<&PriceQuote> {
        let q = self.quotes.get(asset_id).filter(|q| q.usd != Usd::ZERO)?;
        let age = now.checked_sub(q.observed_at)?;
        let age = age.unsigned_abs();
        (age <= self.max_age_seconds).then_some(q)
    }
}

/// CAIP-2 reference of a Solana cluster (its genesis hash prefix).
fn solana_caip2(network: Network) -> &'static str {
    match network {
        Network::SolanaDevnet => "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
        Network::SolanaTestnet => "solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z",
        _ => "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
    }
}

/// The asset id of `network`'s native coin: `native:<network>`.
#[must_use]
pub fn native_asset_id(network: Network) -> String {
    format!("native:{}", network.as_str())
}

/// The CAIP-19 asset id of a token: `eip155:<chain id>/erc20:<lowercase address>` or
/// `solana:<genesis>/token:<mint>`. `address` must already be canonical for the chain.
#[must_use]
pub fn token_asset_id(network: Network, address: &str) -> String {
    match network.chain() {
        Chain::Ethereum => format!(
            "eip155:{}/erc20:{}",
            network.evm_chain_id().unwrap_or(0),
            address.to_ascii_lowercase()
        ),
        Chain::Solana => format!("{}/token:{address}", solana_caip2(network)),
    }
}

/// A source of USD prices.
pub trait PriceOracle: Send + Sync + std::fmt::Debug {
    /// The latest quote for each of `asset_ids` that the oracle knows (ids as
    /// [`native_asset_id`] / [`token_asset_id`]).
    fn quotes(&self, asset_ids: &[String]) -> BTreeMap<String, PriceQuote>;

    /// Quotes older than this many seconds are stale (default 300).
    fn max_age_seconds(&self) -> u64 {
        300
    }

    /// The price book for one decision.
    fn price_book(&self, asset_ids: &[String]) -> PriceBook {
        PriceBook {
            quotes: self.quotes(asset_ids),
            max_age_seconds: self.max_age_seconds(),
        }
    }
}
