//! Chain clients by network: when one is configured, the pipeline fetches what signing
//! needs (blockhash, nonce, fees, gas) at execution time, broadcasts what it signed
//! (status SUBMITTED), and agents can read balances.

#[cfg(feature = "rpc")]
mod rpc_urls;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use waiaas_chains::client::{EvmChainClient, SolanaChainClient};
use waiaas_core::{EvmAddress, Network, SolanaAddress};

/// A Solana client shared across threads.
pub type SharedSolanaClient = Arc<dyn SolanaChainClient + Send + Sync>;
/// An EVM client shared across threads.
pub type SharedEvmClient = Arc<dyn EvmChainClient + Send + Sync>;

/// The chain clients of a waiaas instance, one per network at most.
#[derive(Clone, Default)]
pub struct ChainClients {
    solana: BTreeMap<Network, SharedSolanaClient>,
    evm: BTreeMap<Network, SharedEvmClient>,
    /// Token decimals read from the chain, by network and canonical address: they never
    /// change for a deployed token, so each is read once per instance.
    decimals: Arc<Mutex<BTreeMap<(Network, String), u8>>>,
}

impl fmt::Debug for ChainClients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainClients")
            .field("solana", &self.solana.keys().collect::<Vec<_>>())
            .field("evm", &self.evm.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ChainClients {
    /// No clients: callers supply chain parameters and broadcast themselves.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `client` for the Solana network `network`.
    #[must_use]
    pub fn with_solana(mut self, network: Network, client: SharedSolanaClient) -> Self {
        self.solana.insert(network, client);
        self
    }

    /// Uses `client` for the EVM network `network`.
    #[must_use]
    pub fn with_evm(mut self, network: Network, client: SharedEvmClient) -> Self {
        self.evm.insert(network, client);
        self
    }

    /// The Solana client for `network`.
    #[must_use]
    pub fn solana(&self, network: Network) -> Option<&SharedSolanaClient> {
        self.solana.get(&network)
    }

    /// The EVM client for `network`.
    #[must_use]
    pub fn evm(&self, network: Network) -> Option<&SharedEvmClient> {
        self.evm.get(&network)
    }

    /// A token's decimals read from the chain (ERC-20 `decimals()`, the SPL mint
    /// account), cached; `None` without a client for `network` or when the chain gives
    /// no answer (the token is then judged without trusted decimals from the chain).
    pub(crate) fn token_decimals(&self, network: Network, token: &str) -> Option<u8> {
        let key = (network, token.to_owned());
        if let Some(d) = self
            .decimals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Some(*d);
        }
        let read = if let Some(client) = self.solana(network) {
            SolanaAddress::parse(token)
                .ok()
                .and_then(|mint| client.mint_decimals(&mint).ok())
        } else if let Some(client) = self.evm(network) {
            EvmAddress::parse(token)
                .ok()
                .and_then(|t| client.erc20_decimals(&t).ok())
        } else {
            None
        };
        if let Some(d) = read {
            self.decimals
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key, d);
        }
        read
    }

    /// Whether any client serves `network`.
    #[must_use]
    pub fn serves(&self, network: Network) -> bool {
        self.solana.contains_key(&network) || self.evm.contains_key(&network)
    }
}

impl ChainClients {
    /// Adds a JSON-RPC client for each `(network, url)` (a network that already has a
    /// client keeps it).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` naming the network: a URL the client refuses, or any URL in
    /// a build without the `rpc` feature.
    pub fn with_rpc_urls(mut self, urls: &BTreeMap<Network, String>) -> crate::Result<Self> {
        for (network, url) in urls {
            if self.serves(*network) {
                continue;
            }
            self = self.with_rpc_url(*network, url)?;
        }
        Ok(self)
    }

    #[cfg(feature = "rpc")]
    fn with_rpc_url(self, network: Network, url: &str) -> crate::Result<Self> {
        self.with_rpc(network, url)
    }

    #[cfg(not(feature = "rpc"))]
    fn with_rpc_url(self, network: Network, _url: &str) -> crate::Result<Self> {
        Err(waiaas_core::ValidationError::field(
            "rpcUrls",
            format!("`{network}` has an RPC URL but this build has no JSON-RPC client; enable the `rpc` feature of waiaas"),
        )
        .into())
    }
}
