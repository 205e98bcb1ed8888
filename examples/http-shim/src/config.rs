//! The server's settings: where it listens, which `Host` names it answers, the body
//! limit, the scheduler tick, the price table and the instance's own
//! [`waiaas::Config`] (whose `rpcUrls` give each network its JSON-RPC endpoint: with
//! one, the server fills blockhash, nonce and fees itself, broadcasts and serves
//! balances). One JSON file (camelCase, unknown fields refused); `--rpc NETWORK=URL`
//! and `WAIAAS_RPC_<NETWORK>` add endpoints on top; a network with none uses its public
//! endpoint ([`Network::public_rpc_url`]) unless `publicRpc` is `false`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use waiaas::api::{PriceEntry, SetPrices};
use waiaas::{Config, Network, StaticPriceOracle};

/// The default port (the article's).
pub const DEFAULT_PORT: u16 = 3100;
/// The default body limit: far above any request the API takes.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// Settings of one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to bind (default `127.0.0.1`; another one exposes the operator's
    /// routes to the network).
    pub host: IpAddr,
    /// Port (default 3100; 0 picks a free one).
    pub port: u16,
    /// `Host` header names answered besides loopback ones (`localhost`,
    /// `127.0.0.1`, `[::1]`); anything else is refused (DNS rebinding).
    pub allowed_hosts: Vec<String>,
    /// Largest request body in bytes.
    pub body_limit_bytes: usize,
    /// How often DELAY transactions that are due are executed, in milliseconds.
    pub scheduler_interval_ms: u64,
    /// Requests each agent session may make per minute (default 600; 0: unlimited);
    /// more get 429 `RATE_LIMIT_EXCEEDED`.
    pub agent_requests_per_minute: u32,
    /// Initial USD prices (`PUT /v1/admin/prices` changes them at run time).
    pub prices: Vec<PriceEntry>,
    /// Whether a network without an `rpcUrls` entry uses its public endpoint (default
    /// `true`, so the article's bodies work with no chain parameters). `false`: such a
    /// network has no chain client — the agent supplies blockhash / nonce / fees and
    /// nothing is broadcast.
    pub public_rpc: bool,
    /// The instance's settings (KDF, durability, `rpcUrls`, …).
    pub waiaas: Config,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: DEFAULT_PORT,
            allowed_hosts: Vec::new(),
            body_limit_bytes: DEFAULT_BODY_LIMIT,
            scheduler_interval_ms: 1000,
            agent_requests_per_minute: 600,
            prices: Vec::new(),
            public_rpc: true,
            waiaas: Config::default(),
        }
    }
}

/// A refused `--rpc` or `WAIAAS_RPC_*` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcSpecError(pub String);

impl std::fmt::Display for RpcSpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RpcSpecError {}

/// The environment variable of `network`'s endpoint: `WAIAAS_RPC_SOLANA_DEVNET`.
#[must_use]
pub fn rpc_env_var(network: Network) -> String {
    format!(
        "WAIAAS_RPC_{}",
        network.as_str().to_ascii_uppercase().replace('-', "_")
    )
}

impl ServerConfig {
    /// Adds `NETWORK=URL` (as `--rpc` takes it).
    ///
    /// # Errors
    /// When the text has no `=` or names no known network.
    pub fn add_rpc(&mut self, spec: &str) -> Result<(), RpcSpecError> {
        let (network, url) = spec
            .split_once('=')
            // The text is not echoed: a URL can carry a provider's key.
            .ok_or_else(|| RpcSpecError("`--rpc` takes NETWORK=URL".to_owned()))?;
        let network: Network = network
            .parse()
            .map_err(|_| RpcSpecError(format!("unknown network `{network}` in `--rpc`")))?;
        self.waiaas.rpc_urls.insert(network, url.to_owned());
        Ok(())
    }

    /// Adds every `WAIAAS_RPC_<NETWORK>` that `var` knows.
    pub fn add_rpc_from_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        let found: BTreeMap<Network, String> = Network::all()
            .filter_map(|n| var(&rpc_env_var(n)).map(|url| (n, url)))
            .collect();
        self.waiaas.rpc_urls.extend(found);
    }

    /// The instance's settings as the server opens it: `waiaas` with, when `public_rpc`
    /// is set, each network that has no endpoint given its public one.
    #[must_use]
    pub fn instance_config(&self) -> Config {
        let mut config = self.waiaas.clone();
        if self.public_rpc {
            for network in Network::all() {
                config
                    .rpc_urls
                    .entry(network)
                    .or_insert_with(|| network.public_rpc_url().to_owned());
            }
        }
        config
    }

    /// The price oracle for [`waiaas::Host::prices`], filled from `prices` (quotes
    /// never go stale: this is an operator-set table, not a feed).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` / `INVALID_AMOUNT` for a bad entry.
    pub fn price_oracle(&self) -> Result<Arc<StaticPriceOracle>, waiaas::Error> {
        let oracle = Arc::new(StaticPriceOracle::new(u64::MAX));
        SetPrices {
            prices: self.prices.clone(),
        }
        .apply(&oracle)?;
        Ok(oracle)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use super::*;

    #[test]
    fn rpc_urls_come_from_flags_env_and_the_file() {
        let mut config: ServerConfig = serde_json::from_str(
            r#"{"port": 0, "waiaas": {"rpcUrls": {"ethereum-sepolia": "http://127.0.0.1:8545"}}}"#,
        )
        .unwrap();
        config
            .add_rpc("solana-devnet=http://127.0.0.1:8899")
            .unwrap();
        config.add_rpc_from_env(|name| {
            (name == "WAIAAS_RPC_SOLANA_MAINNET").then(|| "http://127.0.0.1:9000".to_owned())
        });
        let urls = &config.waiaas.rpc_urls;
        assert_eq!(urls[&Network::EthereumSepolia], "http://127.0.0.1:8545");
        assert_eq!(urls[&Network::SolanaDevnet], "http://127.0.0.1:8899");
        assert_eq!(urls[&Network::SolanaMainnet], "http://127.0.0.1:9000");
        assert_eq!(
            rpc_env_var(Network::SolanaDevnet),
            "WAIAAS_RPC_SOLANA_DEVNET"
        );
    }

    #[test]
    fn a_bad_rpc_spec_is_refused_without_echoing_the_url() {
        let mut config = ServerConfig::default();
        let err = config.add_rpc("https://key-123.example").unwrap_err();
        assert!(!err.to_string().contains("key-123"), "{err}");
        let err = config.add_rpc("solana-moon=http://x").unwrap_err();
        assert!(err.to_string().contains("solana-moon"), "{err}");
        assert!(config.waiaas.rpc_urls.is_empty());
    }

    #[test]
    fn networks_without_an_endpoint_use_the_public_one_unless_turned_off() {
        let mut config: ServerConfig = serde_json::from_str(r#"{"port": 0}"#).unwrap();
        config
            .add_rpc("solana-devnet=http://127.0.0.1:8899")
            .unwrap();
        let urls = config.instance_config().rpc_urls;
        assert_eq!(urls.len(), Network::all().count());
        assert_eq!(urls[&Network::SolanaDevnet], "http://127.0.0.1:8899");
        assert_eq!(
            urls[&Network::SolanaMainnet],
            "https://api.mainnet-beta.solana.com"
        );
        for network in Network::all() {
            assert!(
                network.public_rpc_url().starts_with("https://"),
                "{network}"
            );
        }
        config.public_rpc = false;
        let urls = config.instance_config().rpc_urls;
        assert_eq!(urls.keys().collect::<Vec<_>>(), [&Network::SolanaDevnet]);
    }

    #[test]
    fn defaults_are_the_articles_and_unknown_fields_are_refused() {
        let config = ServerConfig::default();
        assert_eq!(config.host.to_string(), "127.0.0.1");
        assert_eq!(config.port, 3100);
        assert!(serde_json::from_str::<ServerConfig>(r#"{"prot": 1}"#).is_err());
    }
}
