//! Chains and networks. Network facts (EVM chain ids, native decimals) are data in one
//! table, not code paths.

use crate::error::ValidationError;

crate::string_enum! {
    /// A chain family: decides key type, address format and transaction encoding.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Chain {
        /// Solana: Ed25519 keys, base58 addresses.
        Solana => "solana",
        /// Ethereum and EVM networks: secp256k1 keys, EIP-55 addresses.
        Ethereum => "ethereum",
    }
    field = "chain", what = "a chain";
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

crate::string_enum! {
    /// A network wallets live on.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[non_exhaustive]
    pub enum Network {
        /// Solana mainnet-beta.
        SolanaMainnet => "solana-mainnet",
        /// Solana devnet.
        SolanaDevnet => "solana-devnet",
        /// Solana testnet.
        SolanaTestnet => "solana-testnet",
        /// Ethereum mainnet (chain id 1).
        EthereumMainnet => "ethereum-mainnet",
        /// Ethereum Sepolia (11155111).
        EthereumSepolia => "ethereum-sepolia",
        /// Polygon PoS (137).
        PolygonMainnet => "polygon-mainnet",
        /// Polygon Amoy (80002).
        PolygonAmoy => "polygon-amoy",
        /// Arbitrum One (42161).
        ArbitrumMainnet => "arbitrum-mainnet",
        /// Arbitrum Sepolia (421614).
        ArbitrumSepolia => "arbitrum-sepolia",
        /// OP Mainnet (10).
        OptimismMainnet => "optimism-mainnet",
        /// OP Sepolia (11155420).
        OptimismSepolia => "optimism-sepolia",
        /// Base (8453).
        BaseMainnet => "base-mainnet",
        /// Base Sepolia (84532).
        BaseSepolia => "base-sepolia",
    }
    field = "network", what = "a supported network";
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
pub const ALL_NETWORKS: [Network; 13] = Network::ALL;

impl Network {
    /// Facts about this network.
    #[must_use]
    pub const fn info(self) -> NetworkInfo {
        let id = self.as_str();
        match self {
            Self::SolanaMainnet => sol(id, true),
            Self::SolanaDevnet => sol(id, false),
            Self::SolanaTestnet => sol(id, false),
            Self::EthereumMainnet => evm(id, 1, true, "ETH"),
            Self::EthereumSepolia => evm(id, 11_155_111, false, "ETH"),
            Self::PolygonMainnet => evm(id, 137, true, "POL"),
            Self::PolygonAmoy => evm(id, 80_002, false, "POL"),
            Self::ArbitrumMainnet => evm(id, 42_161, true, "ETH"),
            Self::ArbitrumSepolia => evm(id, 421_614, false, "ETH"),
            Self::OptimismMainnet => evm(id, 10, true, "ETH"),
            Self::OptimismSepolia => evm(id, 11_155_420, false, "ETH"),
            Self::BaseMainnet => evm(id, 8_453, true, "ETH"),
            Self::BaseSepolia => evm(id, 84_532, false, "ETH"),
        }
    }

    /// The network's public JSON-RPC endpoint, run by the chain's foundation or a public
    /// provider: rate-limited and shared, good for trying waiaas, not for production
    /// traffic (configure a provider of your own). `https://`, so a client needs TLS.
    #[must_use]
    pub const fn public_rpc_url(self) -> &'static str {
        match self {
            Self::SolanaMainnet => "https://api.mainnet-beta.solana.com",
            Self::SolanaDevnet => "https://api.devnet.solana.com",
            Self::SolanaTestnet => "https://api.testnet.solana.com",
            Self::EthereumMainnet => "https://ethereum-rpc.publicnode.com",
            Self::EthereumSepolia => "https://ethereum-sepolia-rpc.publicnode.com",
            Self::PolygonMainnet => "https://polygon-rpc.com",
            Self::PolygonAmoy => "https://rpc-amoy.polygon.technology",
            Self::ArbitrumMainnet => "https://arb1.arbitrum.io/rpc",
            Self::ArbitrumSepolia => "https://sepolia-rollup.arbitrum.io/rpc",
            Self::OptimismMainnet => "https://mainnet.optimism.io",
            Self::OptimismSepolia => "https://sepolia.optimism.io",
            Self::BaseMainnet => "https://mainnet.base.org",
            Self::BaseSepolia => "https://sepolia.base.org",
        }
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
