//! Operator settings, stored in the database so every process sharing it agrees.

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::chain::{Chain, Network};
use crate::error::StoreError;
use crate::ids::WalletId;

/// The settings key in the store.
pub const SETTINGS_KEY: &str = "waiaas.settings";

/// Operator settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Settings {
    /// Approval window when the policy sets none (seconds).
    pub approval_timeout_secs: u64,
    /// DELAY window when the policy sets none, and for APPROVAL downgraded to DELAY
    /// because the wallet has no owner (seconds).
    pub default_delay_secs: u64,
    /// Active sessions allowed per wallet.
    pub max_sessions_per_wallet: u32,
    /// AutoStop: consecutive execution failures that suspend the wallet (0 disables).
    pub auto_stop_consecutive_failures: u64,
    /// AutoStop: sends within `auto_stop_window_secs` that suspend the wallet (0
    /// disables). The check reads at most this many rows, so keep it modest.
    pub auto_stop_max_sends: u64,
    /// AutoStop: the window for `auto_stop_max_sends` (seconds).
    pub auto_stop_window_secs: u64,
    /// The most a request's network fee may cost per network (native base units);
    /// a network not listed uses [`default_fee_ceiling`].
    #[cfg_attr(
        feature = "schema",
        schemars(with = "std::collections::BTreeMap<String, String>")
    )]
    pub fee_ceilings: std::collections::BTreeMap<Network, Amount>,
    /// Solana wallets allowed to sign transactions whose lifetime is a durable nonce
    /// (they never expire, so a signature can be held back and landed after the kill
    /// switch). Even for these wallets the nonce authority must be the wallet itself,
    /// so the operator can void a pending signature by advancing the nonce. Empty by
    /// default: every durable-nonce transaction is refused `DURABLE_NONCE_NOT_ALLOWED`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "schema", schemars(with = "Vec<String>"))]
    pub durable_nonce_wallets: Vec<WalletId>,
    /// The longest a signed permit or transfer authorization (EIP-2612 `deadline`, DAI
    /// `expiry`, Permit2 deadlines, EIP-3009 `validBefore`) may stay usable, in seconds
    /// from now: a longer one could be held back and used after the kill switch.
    pub max_signature_validity_secs: u64,
}

/// The fee ceiling of a network no setting names: 0.01 SOL (enough for the signature
/// fee, a token account's rent and a generous priority fee), 0.05 of an EVM network's
/// coin (500 000 gas at 100 gwei).
#[must_use]
pub fn default_fee_ceiling(network: Network) -> Amount {
    match network.chain() {
        Chain::Solana => Amount::from_u64(10_000_000),
        Chain::Ethereum => Amount::from_u64(50_000_000_000_000_000),
    }
}

impl Settings {
    /// The fee ceiling in force on `network`.
    #[must_use]
    pub fn fee_ceiling(&self, network: Network) -> Amount {
        self.fee_ceilings
            .get(&network)
            .copied()
            .unwrap_or_else(|| default_fee_ceiling(network))
    }

    /// The settings stored under [`SETTINGS_KEY`] (`None`: never set, the defaults).
    ///
    /// # Errors
    /// `STORAGE_ERROR` ([`StoreError::CorruptRow`]) when the stored text no longer
    /// parses: never a silent default, so a corrupt row fails closed.
    pub fn from_stored(text: Option<&str>) -> Result<Self, StoreError> {
        match text {
            Some(text) => serde_json::from_str(text).map_err(|e| StoreError::CorruptRow {
                table: "settings",
                reason: e.to_string(),
            }),
            None => Ok(Self::default()),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            approval_timeout_secs: 3600,
            default_delay_secs: 900,
            max_sessions_per_wallet: 5,
            auto_stop_consecutive_failures: 5,
            auto_stop_max_sends: 20,
            auto_stop_window_secs: 300,
            fee_ceilings: std::collections::BTreeMap::new(),
            durable_nonce_wallets: Vec::new(),
            max_signature_validity_secs: 3600,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unset_row_is_the_defaults_and_a_corrupt_one_is_a_storage_error() {
        assert_eq!(Settings::from_stored(None).unwrap(), Settings::default());
        let err = Settings::from_stored(Some("{\"nope\":1}")).unwrap_err();
        assert_eq!(crate::ErrorCode::code(&err), "STORAGE_ERROR");
        let partial = Settings::from_stored(Some("{\"defaultDelaySecs\":60}")).unwrap();
        assert_eq!(partial.default_delay_secs, 60);
        assert_eq!(partial.approval_timeout_secs, 3600);
    }
}
