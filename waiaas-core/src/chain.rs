//! Chains and networks. Network facts (EVM chain ids, native decimals) are data in one
//! table, not code paths.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// A chain family: decides key type, address format and transaction encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Chain {
    /// Solana: Ed25519 keys, base58 addresses.
    Solana,
    /// Ethereum and EVM networks: secp256k1 keys, EIP-55 addresses.
    Ethereum,
}

impl Chain {
    /// The lowercase name used in JSON and in the database.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Solana => "solana",
            Self::Ethereum => "ethereum",
        }
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Chain {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "solana" => Ok(Self::Solana),
            "ethereum" => Ok(Self::Ethereum),
            _ => Err(ValidationError::field(
                "chain",
                format!("`{s}` is not a chain; use `solana` or `ethereum`"),
            )),
        }
    }
}

/// Facts about one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkInfo {
    /// Canonical id, e.g. `ethereum-sepolia`.
    pub id: &'static str,
    /// Chain family.
    pub chain: Chain,
    /// EIP-155 chain id for EVM networks.
    pub evm_chain_id: Option<u64>,
    /// Whether real value moves on it.
    pub mainnet: bool,
    /// Symbol of the native asset.
    pub native_symbol: &'static str,
    /// Decimals of the native asset.
    pub native_decimals: u8,
}

/// A network wallets live on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[non_exhaustive]
pub enum Network {
    /// Solana mainnet-beta.
    SolanaMainnet,
    /// Solana devnet.
    SolanaDevnet,
    /// Solana testnet.
    SolanaTestnet,
    /// Ethereum mainnet (chain id 1).
    EthereumMainnet,
    /// Ethereum Sepolia (11155111).
    EthereumSepolia,
    /// Polygon PoS (137).
    PolygonMainnet,
    /// Polygon Amoy (80002).
    PolygonAmoy,
    /// Arbitrum One (42161).
    ArbitrumMainnet,
    /// Arbitrum Sepolia (421614).
    ArbitrumSepolia,
    /// OP Mainnet (10).
    OptimismMainnet,
    /// OP Sepolia (11155420).
    OptimismSepolia,
    /// Base (8453).
    BaseMainnet,
    /// Base Sepolia (84532).
    BaseSepolia,
}

const fn sol(id: &'static str, mainnet: bool) -> NetworkInfo {
    NetworkInfo {
        id,
        chain: Chain::Solana,
        evm_chain_id: None,
        mainnet,
        native_symbol: "SOL",
        native_decimals: 9,
    }
}

const fn evm(id: &'static str, chain_id: u64, mainnet: bool, symbol: &'static str) -> NetworkInfo {
    NetworkInfo {
        id,
        chain: Chain::Ethereum,
        evm_chain_id: Some(chain_id),
        mainnet,
        native_symbol: symbol,
        native_decimals: 18,
    }
}

/// Every supported network.
pub const ALL_NETWORKS: [Network; 13] = [
    Network::SolanaMainnet,
    Network::SolanaDevnet,
    Network::SolanaTestnet,
    Network::EthereumMainnet,
    Network::EthereumSepolia,
    Network::PolygonMainnet,
    Network::PolygonAmoy,
    Network::ArbitrumMainnet,
    Network::ArbitrumSepolia,
    Network::OptimismMainnet,
    Network::OptimismSepolia,
    Network::BaseMainnet,
    Network::BaseSepolia,
];

impl Network {
    /// Facts about this network.
    #[must_use]
    pub const fn info(self) -> NetworkInfo {
        match self {
            Self::SolanaMainnet => sol("solana-mainnet", true),
            Self::SolanaDevnet => sol("solana-devnet", false),
            Self::SolanaTestnet => sol("solana-testnet", false),
            Self::EthereumMainnet => evm("ethereum-mainnet", 1, true, "ETH"),
            Self::EthereumSepolia => evm("ethereum-sepolia", 11_155_111, false, "ETH"),
            Self::PolygonMainnet => evm("polygon-mainnet", 137, true, "POL"),
            Self::PolygonAmoy => evm("polygon-amoy", 80_002, false, "POL"),
            Self::ArbitrumMainnet => evm("arbitrum-mainnet", 42_161, true, "ETH"),
            Self::ArbitrumSepolia => evm("arbitrum-sepolia", 421_614, false, "ETH"),
            Self::OptimismMainnet => evm("optimism-mainnet", 10, true, "ETH"),
            Self::OptimismSepolia => evm("optimism-sepolia", 11_155_420, false, "ETH"),
            Self::BaseMainnet => evm("base-mainnet", 8_453, true, "ETH"),
            Self::BaseSepolia => evm("base-sepolia", 84_532, false, "ETH"),
        }
    }

    /// Canonical id, e.g. `solana-devnet`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        self.info().id
    }

    /// Chain family.
    #[must_use]
    pub fn chain(self) -> Chain {
        self.info().chain
    }

    /// EIP-155 chain id (EVM networks only).
    #[must_use]
    pub fn evm_chain_id(self) -> Option<u64> {
        self.info().evm_chain_id
    }

    /// The EVM network with this chain id.
    #[must_use]
    pub fn from_evm_chain_id(chain_id: u64) -> Option<Self> {
        ALL_NETWORKS
            .into_iter()
            .find(|n| n.evm_chain_id() == Some(chain_id))
    }

    /// Every supported network.
    pub fn all() -> impl Iterator<Item = Network> {
        ALL_NETWORKS.into_iter()
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Network {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_NETWORKS
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = ALL_NETWORKS.iter().map(|n| n.as_str()).collect();
                ValidationError::field(
                    "network",
                    format!(
                        "`{s}` is not a supported network; use one of {}",
                        known.join(", ")
                    ),
                )
            })
    }
}

impl TryFrom<String> for Network {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Network> for String {
    fn from(n: Network) -> String {
        n.as_str().to_owned()
    }
}
