//! Which chain families this build serves (features `solana`, `evm`, both by default),
//! and the few chain-specific calls shared code makes, each refusing a chain that is
//! not compiled in with a typed error naming the feature to enable.

use waiaas_core::{Chain, ValidationError};

use crate::error::{Error, Result};

/// Whether this build signs for `chain`.
pub(crate) const fn compiled(chain: Chain) -> bool {
    match chain {
        Chain::Solana => cfg!(feature = "solana"),
        Chain::Ethereum => cfg!(feature = "evm"),
    }
}

/// `VALIDATION_FAILED` for a wallet or request on a chain this build does not serve.
pub(crate) fn not_compiled(chain: Chain) -> Error {
    let feature = match chain {
        Chain::Solana => "solana",
        Chain::Ethereum => "evm",
    };
    ValidationError::field(
        "network",
        format!("`{chain}` wallets need the `{feature}` feature of `waiaas`"),
    )
    .into()
}

/// Refuses `chain` when it is not compiled in.
///
/// # Errors
/// As [`not_compiled`].
pub(crate) fn require(chain: Chain) -> Result<()> {
    if compiled(chain) {
        Ok(())
    } else {
        Err(not_compiled(chain))
    }
}

#[cfg(feature = "evm")]
pub(crate) use waiaas_chains::evm::typed_data::TypedDataEffects;

/// What typed data does (EVM builds decode it; others have none to decode).
#[cfg(not(feature = "evm"))]
pub(crate) struct TypedDataEffects {
    /// Every grant and transfer.
    pub intents: Vec<waiaas_chains::Intent>,
    /// Until when a signature can be used.
    pub valid_until: Option<waiaas_core::Amount>,
}

/// [`waiaas_chains::evm::typed_data::typed_data_effects`].
///
/// # Errors
/// Its errors; [`not_compiled`] without feature `evm`.
pub(crate) fn typed_data_effects(
    network: waiaas_core::Network,
    typed_data_json: &str,
) -> Result<TypedDataEffects> {
    #[cfg(feature = "evm")]
    return Ok(waiaas_chains::evm::typed_data::typed_data_effects(
        network,
        typed_data_json,
    )?);
    #[cfg(not(feature = "evm"))]
    {
        let _ = (network, typed_data_json);
        Err(not_compiled(Chain::Ethereum))
    }
}

/// The durable nonce of a raw Solana transaction, if it has one.
///
/// # Errors
/// Decoding errors; [`not_compiled`] without feature `solana`.
pub(crate) fn solana_durable_nonce(
    raw: &str,
) -> Result<Option<waiaas_chains::intent::DurableNonce>> {
    #[cfg(feature = "solana")]
    return Ok(
        waiaas_chains::solana::decode::PreparedTransaction::from_base64(raw)?
            .decoded()
            .durable_nonce
            .clone(),
    );
    #[cfg(not(feature = "solana"))]
    {
        let _ = raw;
        Err(not_compiled(Chain::Solana))
    }
}

/// [`waiaas_chains::evm::decode::call_intents`].
///
/// # Errors
/// Its errors; [`not_compiled`] without feature `evm`.
pub(crate) fn evm_call_intents(
    contract: &waiaas_core::EvmAddress,
    value: waiaas_core::Amount,
    data: &[u8],
) -> Result<Vec<waiaas_chains::Intent>> {
    #[cfg(feature = "evm")]
    return Ok(waiaas_chains::evm::decode::call_intents(
        contract, value, data,
    )?);
    #[cfg(not(feature = "evm"))]
    {
        let _ = (contract, value, data);
        Err(not_compiled(Chain::Ethereum))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_left_out_is_refused_naming_its_feature() {
        for (chain, feature) in [(Chain::Solana, "`solana`"), (Chain::Ethereum, "`evm`")] {
            let e = not_compiled(chain);
            assert_eq!(e.code(), "VALIDATION_FAILED");
            assert!(e.to_string().contains(feature), "{e}");
            assert_eq!(require(chain).is_ok(), compiled(chain));
        }
        assert_eq!(compiled(Chain::Solana), cfg!(feature = "solana"));
        assert_eq!(compiled(Chain::Ethereum), cfg!(feature = "evm"));
    }
}
