//! Which assets the HTTP feeds price by default.

use waiaas_core::Network;
use waiaas_core::policy::{native_asset_id, token_asset_id};

/// USDC's mint on Solana mainnet.
pub const USDC_SOLANA_MINT: &str = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
/// USDC's contract on Ethereum mainnet.
pub const USDC_ETHEREUM: &str = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";

/// A priced symbol of the default tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Symbol {
    Sol,
    Eth,
    Usdc,
}

/// The asset ids the default tables price, with their symbol: the native coin of every
/// mainnet whose native coin is SOL or ETH (Solana, Ethereum, Arbitrum One, OP
/// Mainnet, Base), and USDC on Solana and Ethereum mainnet. Testnet coins and other
/// tokens are left to the host: an asset without a feed stays unpriced.
pub(crate) fn default_assets() -> Vec<(String, Symbol)> {
    let mut out: Vec<(String, Symbol)> = Network::all()
        .filter(|n| n.info().mainnet)
        .filter_map(|n| match n.info().native_symbol {
            "SOL" => Some((native_asset_id(n), Symbol::Sol)),
            "ETH" => Some((native_asset_id(n), Symbol::Eth)),
            _ => None,
        })
        .collect();
    out.push((
        token_asset_id(Network::SolanaMainnet, USDC_SOLANA_MINT),
        Symbol::Usdc,
    ));
    out.push((
        token_asset_id(Network::EthereumMainnet, USDC_ETHEREUM),
        Symbol::Usdc,
    ));
    out
}
