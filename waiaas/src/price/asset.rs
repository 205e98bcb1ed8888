//! The asset ids prices are keyed by, checked once where a host configures them.

use std::str::FromStr;

use waiaas_core::{Network, ValidationError};

/// Checks that `asset_id` is spelled as the policy engine asks for prices:
/// `native:<network>` ([`waiaas_core::policy::native_asset_id`]),
/// `eip155:<chain id>/erc20:<lowercase 0x address>` or `solana:<genesis>/token:<mint>`
/// ([`waiaas_core::policy::token_asset_id`]). A misspelt id would never be asked for, so
/// the asset it meant would stay unpriced without anyone noticing.
///
/// # Errors
/// `VALIDATION_FAILED` naming what is wrong.
pub fn check_asset_id(asset_id: &str) -> Result<(), ValidationError> {
    let bad = |reason: &str| ValidationError::field("asset_id", format!("`{asset_id}`: {reason}"));
    if let Some(network) = asset_id.strip_prefix("native:") {
        return Network::from_str(network)
            .map(|_| ())
            .map_err(|_| bad("unknown network after `native:`"));
    }
    if let Some(rest) = asset_id.strip_prefix("eip155:") {
        let (chain_id, address) = rest
            .split_once("/erc20:")
            .ok_or_else(|| bad("write `eip155:<chain id>/erc20:<address>`"))?;
        let known = chain_id
            .parse::<u64>()
            .ok()
            .and_then(Network::from_evm_chain_id)
            .is_some();
        if !known {
            return Err(bad("unknown evm chain id"));
        }
        let hex = address
            .strip_prefix("0x")
            .ok_or_else(|| bad("the token address needs `0x`"))?;
        if hex.len() != 40
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(bad("the token address must be 40 lowercase hex digits"));
        }
        return Ok(());
    }
    if let Some(rest) = asset_id.strip_prefix("solana:") {
        let (_genesis, mint) = rest
            .split_once("/token:")
            .ok_or_else(|| bad("write `solana:<genesis>/token:<mint>`"))?;
        return waiaas_core::SolanaAddress::parse(mint)
            .map(|_| ())
            .map_err(|_| bad("the mint is not a solana address"));
    }
    Err(bad(
        "use `native:<network>`, `eip155:<chain id>/erc20:<address>` or `solana:<genesis>/token:<mint>`",
    ))
}
