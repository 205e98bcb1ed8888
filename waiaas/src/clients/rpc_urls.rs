//! Chain clients from RPC URLs (feature `rpc`): one JSON-RPC endpoint per network.

use std::collections::BTreeSet;
use std::sync::Arc;

use waiaas_chains::client::rpc::{JsonRpcClient, RpcOptions};
use waiaas_core::{Chain, Network, ValidationError};

use super::ChainClients;
use crate::error::Result;

impl ChainClients {
    /// Chain clients from one RPC URL per network, in one call:
    /// `ChainClients::from_urls(&[(Network::SolanaDevnet, "https://api.devnet.solana.com")])`.
    /// Each becomes a blocking [`JsonRpcClient`] with default [`RpcOptions`].
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a network listed twice, a URL that is not `http://` or
    /// `https://`, or an `https://` URL in a build without TLS (the message names the
    /// `rpc-tls` feature). Nothing is built when any entry is refused.
    pub fn from_urls(urls: &[(Network, &str)]) -> Result<Self> {
        let mut seen = BTreeSet::new();
        let mut clients = Self::new();
        for (network, url) in urls {
            if !seen.insert(*network) {
                return Err(ValidationError::field(
                    "rpc_url",
                    format!("`{network}` is listed twice"),
                )
                .into());
            }
            clients = clients.with_rpc(*network, url)?;
        }
        Ok(clients)
    }

    /// Uses a JSON-RPC client at `url` for `network` (replacing any client it had).
    ///
    /// # Errors
    /// As [`ChainClients::from_urls`].
    pub fn with_rpc(self, network: Network, url: &str) -> Result<Self> {
        self.with_rpc_options(network, url, RpcOptions::default())
    }

    /// [`ChainClients::with_rpc`] with explicit timeouts and retries.
    ///
    /// # Errors
    /// As [`ChainClients::from_urls`].
    pub fn with_rpc_options(
        self,
        network: Network,
        url: &str,
        options: RpcOptions,
    ) -> Result<Self> {
        let client = Arc::new(JsonRpcClient::new(url, options)?);
        Ok(match network.chain() {
            Chain::Solana => self.with_solana(network, client),
            Chain::Ethereum => self.with_evm(network, client),
        })
    }
}
