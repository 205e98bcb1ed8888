//! Wallet, owner and kill-switch inputs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use waiaas_core::{Chain, Network, ValidationError};

use super::schema::{chain_schema, network_schema};

/// Mainnet (real value) or testnet: picks a chain's default network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Solana mainnet-beta, Ethereum mainnet.
    Mainnet,
    /// Solana devnet, Ethereum Sepolia.
    Testnet,
}

/// `POST /v1/wallets`: `{"name", "chain", "environment"}`, or `{"name", "network"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateWallet {
    /// Operator's label.
    pub name: String,
    /// `solana` or `ethereum`; with `environment`, picks the default network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "chain_schema")]
    pub chain: Option<Chain>,
    /// `mainnet` or `testnet` (default `testnet`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// An exact network (`solana-devnet`, `base-sepolia`, …) instead of
    /// `chain` + `environment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "network_schema")]
    pub network: Option<Network>,
}

impl CreateWallet {
    /// The network the wallet lives on.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` when neither `chain` nor `network` is given, or when they
    /// (or `environment`) disagree.
    pub fn network(&self) -> Result<Network, ValidationError> {
        match (self.network, self.chain, self.environment) {
            (Some(network), chain, environment) => {
                if chain.is_some_and(|c| c != network.chain()) {
                    return Err(ValidationError::field(
                        "chain",
                        format!(
                            "`{network}` is not on this chain; drop `chain` or pick a network of it"
                        ),
                    ));
                }
                if environment
                    .is_some_and(|e| (e == Environment::Mainnet) != network.info().mainnet)
                {
                    return Err(ValidationError::field(
                        "environment",
                        format!(
                            "`{network}` is not in this environment; drop `environment` when `network` is given"
                        ),
                    ));
                }
                Ok(network)
            }
            (None, Some(chain), environment) => {
                Ok(match (chain, environment.unwrap_or(Environment::Testnet)) {
                    (Chain::Solana, Environment::Mainnet) => Network::SolanaMainnet,
                    (Chain::Solana, Environment::Testnet) => Network::SolanaDevnet,
                    (Chain::Ethereum, Environment::Mainnet) => Network::EthereumMainnet,
                    (Chain::Ethereum, Environment::Testnet) => Network::EthereumSepolia,
                })
            }
            (None, None, _) => Err(ValidationError::field(
                "chain",
                "is required: give `chain` (`solana` or `ethereum`) with `environment`, or `network`",
            )),
        }
    }
}

/// `PATCH`-style rename of a wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenameWallet {
    /// The new label.
    pub name: String,
}

/// `PUT /v1/wallets/{id}/owner`: the owner's address (base58 Ed25519 for Solana
/// wallets, `0x` EIP-55 for EVM wallets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetOwner {
    /// The owner's address.
    pub owner_address: String,
}

/// An owner action proven by the owner's key: the exact text waiaas issued
/// (`approval_request`, `kill_switch_message`) and the signature over it (`0x`-hex,
/// hex, base58 or base64: 64-byte Ed25519 for Solana owners, 65-byte EIP-191 for EVM
/// owners).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnerSignature {
    /// The signed text, exactly as issued.
    pub message: String,
    /// The owner's signature over it.
    pub signature: String,
}

/// `POST /v1/admin/kill-switch`: why the operator stops everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KillSwitchRequest {
    /// Recorded in the audit log and sent to notifiers.
    pub reason: String,
}

/// `POST /v1/policies/quickset`: the starter policies for a wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Quickset {
    /// The wallet.
    #[schemars(schema_with = "super::schema::wallet_id_schema")]
    pub wallet_id: waiaas_core::WalletId,
    /// `mainnet` (USD ladder and daily cap) or `testnet` (native-unit ladder).
    pub mode: waiaas_policy::QuicksetMode,
}
