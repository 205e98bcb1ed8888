//! What an agent asks for (the Rust form; the JSON form is [`crate::api::SendTransaction`]),
//! and the resolved form that is stored, judged and later executed unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use waiaas_chains::Intent;
use waiaas_core::policy::{ActionDescriptor, RequestBody, TokenRef, TypedDataKind, Usd};
use waiaas_core::{Address, Amount, Chain, Network, ValidationError, WalletId};

use crate::error::Result;

/// A transaction request. Amounts are a [`Quantity`]: base units, or a human decimal
/// of the asset (`"0.1"` SOL, `"25.5"` USDC) converted exactly with the asset's trusted
/// decimals — the native coin's from the network, a token's from the operator's
/// ALLOWED_TOKENS entry or the chain, never from the request (a request that states
/// other decimals is denied `TOKEN_DECIMALS_MISMATCH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRequest {
    /// The wallet; may be omitted when the session has exactly one.
    pub wallet_id: Option<WalletId>,
    /// What to do.
    pub operation: Operation,
    /// A repeat with the same key (per wallet) returns the first result and never
    /// signs twice.
    pub idempotency_key: Option<String>,
    /// Chain parameters (blockhash, nonce, fees) when no chain client supplies them.
    pub chain: ChainParams,
    /// Optional description of a DeFi action, for the policy types that judge them.
    /// Written by the agent, it can only make a decision stricter; descriptors that
    /// lower a tier come from the host's [`crate::ActionProvider`].
    pub action: Option<ActionDescriptor>,
}

/// A token as an agent names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenSpec {
    /// Contract address (EVM) or mint (Solana).
    pub address: String,
    /// The decimals the agent believes the token has: checked against the trusted
    /// decimals, never used in their place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    /// Display symbol (informational only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}

impl TokenSpec {
    /// A token named by its address.
    #[must_use]
    pub fn new(address: &str) -> Self {
        Self {
            address: address.to_owned(),
            decimals: None,
            symbol: None,
        }
    }
}

impl SendRequest {
    /// A request for `operation` with everything else defaulted.
    #[must_use]
    pub fn new(operation: Operation) -> Self {
        Self {
            wallet_id: None,
            operation,
            idempotency_key: None,
            chain: ChainParams::default(),
            action: None,
        }
    }

    /// A native transfer of `amount` (human decimal, e.g. `"0.1"`) to `to`.
    #[must_use]
    pub fn transfer(to: &str, amount: &str) -> Self {
        Self::new(Operation::Transfer {
            to: to.to_owned(),
            amount: Quantity::human(amount),
        })
    }
}

/// An amount as a caller states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quantity {
    /// A decimal of the asset's whole unit (`"0.1"` SOL), converted with the asset's
    /// trusted decimals.
    Human(String),
    /// An integer of the asset's smallest unit (lamports, wei, token base units).
    BaseUnits(String),
}

impl Quantity {
    /// A human decimal amount.
    #[must_use]
    pub fn human(amount: &str) -> Self {
        Self::Human(amount.to_owned())
    }

    /// An amount in base units.
    #[must_use]
    pub fn base_units(amount: &str) -> Self {
        Self::BaseUnits(amount.to_owned())
    }

    /// The text as given (for error messages).
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Human(s) | Self::BaseUnits(s) => s,
        }
    }

    fn to_amount(&self, decimals: u8) -> Result<Amount, ValidationError> {
        match self {
            Self::Human(s) => Amount::parse_human(s, decimals),
            Self::BaseUnits(s) => Amount::parse_base_units(s),
        }
    }
}

impl From<String> for Quantity {
    /// A human decimal amount (`"0.1"`).
    fn from(amount: String) -> Self {
        Self::Human(amount)
    }
}

impl From<&str> for Quantity {
    /// A human decimal amount (`"0.1"`).
    fn from(amount: &str) -> Self {
        Self::human(amount)
    }
}

/// What a request does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Native coin transfer.
    Transfer {
        /// Recipient.
        to: String,
        /// Amount of the native coin.
        amount: Quantity,
    },
    /// Fungible token transfer (SPL `TransferChecked`, ERC-20 `transfer`).
    TokenTransfer {
        /// Recipient wallet (Solana: the owner; its token account is derived).
        to: String,
        /// The token.
        token: TokenSpec,
        /// Amount of the token.
        amount: Quantity,
        /// Solana: `token-2022` for Token-2022 mints (default `token`).
        token_program: Option<String>,
    },
    /// Token approval (SPL `ApproveChecked`, ERC-20 `approve`).
    Approve {
        /// Who may spend.
        spender: String,
        /// The token.
        token: TokenSpec,
        /// Allowance.
        amount: Quantity,
        /// Solana: `token-2022` for Token-2022 mints.
        token_program: Option<String>,
    },
    /// EVM contract call (`data` = `0x` calldata, optional native `value`).
    ContractCall {
        /// Contract.
        contract: String,
        /// `0x` + hex calldata.
        data: Option<String>,
        /// Native value sent with the call.
        value: Option<Quantity>,
    },
}

/// Chain parameters supplied by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChainParams {
    /// Solana: a recent blockhash (base58).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recent_blockhash: Option<String>,
    /// EVM: the sender nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
    /// EVM: max fee per gas in wei (decimal string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fee_per_gas: Option<String>,
    /// EVM: max priority fee per gas in wei (decimal string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_priority_fee_per_gas: Option<String>,
    /// EVM: gas limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_limit: Option<u64>,
}

/// A request resolved against its wallet: exact base units, checked addresses. This
/// is what is stored (as JSON), judged, shown to the owner and executed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedRequest {
    /// Wallet.
    pub wallet_id: WalletId,
    /// Its network.
    pub network: Network,
    /// What to do, in base units.
    pub operation: ResolvedOperation,
    /// Chain parameters.
    pub chain: ChainParams,
    /// The descriptor the agent wrote (judged, may only make the decision stricter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionDescriptor>,
    /// The descriptor of the host's action provider (trusted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_action: Option<ActionDescriptor>,
    /// The most the network fee can cost (native base units), fixed at admission from
    /// the chain parameters that are signed; execution never signs a higher one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fee: Option<Amount>,
    /// What the owner is shown for each asset the request moves, by asset id: data the
    /// agent cannot choose, recorded at admission.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub valuation: BTreeMap<String, AssetView>,
}

/// One asset as the owner sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetView {
    /// The operator's symbol (ALLOWED_TOKENS) or the native coin's; never the agent's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// USD per whole unit: the fresh quote the decision used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd: Option<Usd>,
}

impl ResolvedRequest {
    /// A request for `operation` on `wallet`, with no chain parameters, descriptor or
    /// fee yet.
    #[must_use]
    pub fn new(wallet_id: WalletId, network: Network, operation: ResolvedOperation) -> Self {
        Self {
            wallet_id,
            network,
            operation,
            chain: ChainParams::default(),
            action: None,
            trusted_action: None,
            max_fee: None,
            valuation: BTreeMap::new(),
        }
    }
}

/// [`Operation`] in base units, plus the signing operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum ResolvedOperation {
    /// Native transfer.
    Transfer {
        /// Recipient.
        to: String,
        /// Base units.
        amount: Amount,
    },
    /// Token transfer.
    TokenTransfer {
        /// Recipient.
        to: String,
        /// Token.
        token: TokenRef,
        /// Base units.
        amount: Amount,
        /// Solana token program (`token` / `token-2022`).
        token_program: String,
    },
    /// Approval.
    Approve {
        /// Spender.
        spender: String,
        /// Token.
        token: TokenRef,
        /// Base units.
        amount: Amount,
        /// Solana token program.
        token_program: String,
    },
    /// EVM contract call.
    ContractCall {
        /// Contract.
        contract: String,
        /// `0x` calldata.
        data: String,
        /// Native value in base units.
        value: Amount,
        /// What the call does, decoded from `data` (what the policy engine judged).
        #[serde(default)]
        intents: Vec<Intent>,
    },
    /// Message signing (EIP-191 on EVM, raw Ed25519 on Solana).
    SignMessage {
        /// `0x` + hex of the exact bytes.
        message: String,
    },
    /// EIP-712 typed-data signing.
    SignTypedData {
        /// The `eth_signTypedData_v4` JSON.
        typed_data: String,
        /// What its hashed struct grants or moves (what the policy engine judged).
        #[serde(default)]
        intents: Vec<Intent>,
    },
    /// A raw unsigned transaction built elsewhere, signed exactly as given: base64 wire
    /// bytes (Solana) or `0x` RLP of a type-2 transaction (EVM).
    RawTransaction {
        /// The transaction.
        raw: String,
        /// What it does, as decoded (what the policy engine judged).
        intents: Vec<Intent>,
    },
}

impl ResolvedOperation {
    /// The kind name.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Transfer { .. } => "TRANSFER",
            Self::TokenTransfer { .. } => "TOKEN_TRANSFER",
            Self::Approve { .. } => "APPROVE",
            Self::ContractCall { .. } => "CONTRACT_CALL",
            Self::SignMessage { .. } => "SIGN_MESSAGE",
            Self::SignTypedData { .. } => "SIGN_TYPED_DATA",
            Self::RawTransaction { intents, .. } => match intents.as_slice() {
                [one] => intent_body(one).kind(),
                _ => "BATCH",
            },
        }
    }

    /// The recipient / spender / contract, when there is one.
    #[must_use]
    pub fn counterparty(&self) -> Option<&str> {
        match self {
            Self::Transfer { to, .. } | Self::TokenTransfer { to, .. } => Some(to),
            Self::Approve { spender, .. } => Some(spender),
            Self::ContractCall { contract, .. } => Some(contract),
            Self::SignMessage { .. } | Self::SignTypedData { .. } | Self::RawTransaction { .. } => {
                None
            }
        }
    }
}

/// Parses strictly and returns the canonical form (EIP-55 for EVM, base58 for Solana).
fn check_address(chain: Chain, s: &str) -> Result<String, ValidationError> {
    Address::parse(chain, s).map(|a| a.to_string())
}

fn token_program(chain: Chain, p: Option<&str>) -> Result<String, ValidationError> {
    match (chain, p) {
        (_, None) => Ok("token".to_owned()),
        (Chain::Solana, Some(p @ ("token" | "token-2022"))) => Ok(p.to_owned()),
        (Chain::Solana, Some(other)) => Err(ValidationError::field(
            "tokenProgram",
            format!("`{other}` is not `token` or `token-2022`"),
        )),
        (Chain::Ethereum, Some(_)) => Err(ValidationError::field(
            "tokenProgram",
            "only Solana tokens have a token program",
        )),
    }
}

fn parse_hex(field: &str, s: &str) -> Result<Vec<u8>, ValidationError> {
    let h = s
        .strip_prefix("0x")
        .ok_or_else(|| ValidationError::field(field, "must be `0x` followed by hex"))?;
    hex::decode(h).map_err(|_| ValidationError::field(field, "is not valid hex"))
}

impl Operation {
    /// The token the operation moves or approves, when it names one.
    #[must_use]
    pub fn token(&self) -> Option<&TokenSpec> {
        match self {
            Self::TokenTransfer { token, .. } | Self::Approve { token, .. } => Some(token),
            Self::Transfer { .. } | Self::ContractCall { .. } => None,
        }
    }

    /// Converts human amounts to base units and checks addresses for `network`.
    /// `trusted_decimals` gives the token's decimals from a source the agent cannot
    /// choose (the operator's ALLOWED_TOKENS entry, the chain), for its canonical
    /// address. A token amount is converted with them; when the request states other
    /// decimals, it is converted with the stated ones and carries them, so the policy
    /// engine denies it `TOKEN_DECIMALS_MISMATCH` (and records the denial). Without
    /// trusted decimals the stated ones convert (the engine then judges the token
    /// unpriced); with neither, the request is refused.
    ///
    /// # Errors
    /// `INVALID_AMOUNT`, `INVALID_ADDRESS` or `VALIDATION_FAILED` naming the field;
    /// `INVALID_TRANSACTION` for calldata a known selector cannot decode; what
    /// `trusted_decimals` returns.
    pub(crate) fn resolve(
        &self,
        network: Network,
        trusted_decimals: &mut dyn FnMut(&str) -> Result<TrustedDecimals>,
    ) -> Result<ResolvedOperation> {
        let chain = network.chain();
        let native = network.info().native_decimals;
        let mut token = |spec: &TokenSpec, amount: &Quantity| -> Result<(TokenRef, Amount)> {
            let address = check_address(chain, &spec.address)?;
            let found = trusted_decimals(&address)?;
            let used = match (found.value(), spec.decimals) {
                (Some(t), Some(s)) if s != t => s,
                (Some(t), _) => t,
                // On Solana the signed `…Checked` instruction carries the decimals and the
                // token program refuses others; an EVM amount converted with the agent's
                // decimals would be the agent's number.
                (None, Some(s)) if chain == Chain::Solana => s,
                (None, _) => {
                    return Err(ValidationError::field(
                        "token.decimals",
                        format!("the decimals of token `{address}` are unknown; add `decimals` to its ALLOWED_TOKENS entry or configure a chain client for the network"),
                    )
                    .into());
                }
            };
            Ok((
                TokenRef {
                    address,
                    decimals: Some(used),
                    chain_decimals: found.chain,
                    symbol: spec.symbol.clone(),
                },
                amount.to_amount(used)?,
            ))
        };
        let resolved = match self {
            Self::Transfer { to, amount } => ResolvedOperation::Transfer {
                to: check_address(chain, to)?,
                amount: amount.to_amount(native)?,
            },
            Self::TokenTransfer {
                to,
                token: spec,
                amount,
                token_program: program,
            } => {
                let (token, amount) = token(spec, amount)?;
                ResolvedOperation::TokenTransfer {
                    to: check_address(chain, to)?,
                    token,
                    amount,
                    token_program: token_program(chain, program.as_deref())?,
                }
            }
            Self::Approve {
                spender,
                token: spec,
                amount,
                token_program: program,
            } => {
                let (token, amount) = token(spec, amount)?;
                ResolvedOperation::Approve {
                    spender: check_address(chain, spender)?,
                    token,
                    amount,
                    token_program: token_program(chain, program.as_deref())?,
                }
            }
            Self::ContractCall {
                contract,
                data,
                value,
            } => {
                if chain != Chain::Ethereum {
                    return Err(ValidationError::field(
                        "type",
                        "CONTRACT_CALL is for EVM wallets; sign Solana instructions with sign_transaction",
                    )
                    .into());
                }
                let data = data.as_deref().unwrap_or("0x");
                let bytes = parse_hex("data", data)?;
                let value = value
                    .as_ref()
                    .map(|v| v.to_amount(native))
                    .transpose()?
                    .unwrap_or(Amount::ZERO);
                let address = waiaas_core::EvmAddress::parse(contract)?;
                // One decoder for every entry point: the call is judged by what its
                // data does, exactly as the same bytes in a raw transaction would be.
                let mut intents = crate::chain_features::evm_call_intents(&address, value, &bytes)?;
                state_trusted_decimals(&mut intents, trusted_decimals)?;
                ResolvedOperation::ContractCall {
                    contract: address.to_checksum(),
                    data: data.to_ascii_lowercase(),
                    value,
                    intents,
                }
            }
        };
        fits_chain_integer(chain, self, &resolved)?;
        Ok(resolved)
    }
}

/// Solana lamports and SPL amounts are `u64` on chain: a larger amount could never be
/// signed as stated, so it is refused here, before anything is decided or reserved.
/// (EVM amounts are `uint256`, the range of [`Amount`] itself.)
fn fits_chain_integer(
    chain: Chain,
    request: &Operation,
    resolved: &ResolvedOperation,
) -> Result<(), ValidationError> {
    let (amount, input) = match (resolved, request) {
        (ResolvedOperation::Transfer { amount, .. }, Operation::Transfer { amount: input, .. })
        | (
            ResolvedOperation::TokenTransfer { amount, .. },
            Operation::TokenTransfer { amount: input, .. },
        )
        | (ResolvedOperation::Approve { amount, .. }, Operation::Approve { amount: input, .. }) => {
            (amount, input)
        }
        _ => return Ok(()),
    };
    if chain == Chain::Solana && amount.to_u64().is_none() {
        return Err(ValidationError::InvalidAmount {
            input: input.as_str().to_owned(),
            reason: "exceeds the largest Solana amount (u64: 18446744073709551615 base units)"
                .to_owned(),
        });
    }
    Ok(())
}

/// A token's decimals from the sources the agent cannot choose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TrustedDecimals {
    /// The operator's ALLOWED_TOKENS entry.
    pub operator: Option<u8>,
    /// The chain (ERC-20 `decimals()`, the SPL mint account), read by the host.
    pub chain: Option<u8>,
}

impl TrustedDecimals {
    /// The decimals amounts convert with: the operator's, else the chain's.
    pub(crate) fn value(self) -> Option<u8> {
        self.operator.or(self.chain)
    }
}

/// Gives each decoded token leg that states no decimals (an ERC-20 call never does) the
/// token's trusted decimals, so the owner sees human amounts and the engine checks them
/// again against the policy in force. Decimals a leg states (SPL `TransferChecked`) are
/// kept: the engine judges them against the trusted ones.
///
/// # Errors
/// What `trusted_decimals` returns.
pub(crate) fn state_trusted_decimals(
    intents: &mut [Intent],
    trusted_decimals: &mut dyn FnMut(&str) -> Result<TrustedDecimals>,
) -> Result<()> {
    for intent in intents {
        if let Intent::TokenTransfer {
            token: Some(token),
            decimals: decimals @ None,
            ..
        }
        | Intent::Approve {
            token: Some(token),
            decimals: decimals @ None,
            ..
        }
        | Intent::AllowanceIncrease {
            token: Some(token),
            decimals: decimals @ None,
            ..
        } = intent
        {
            *decimals = trusted_decimals(token)?.value();
        }
    }
    Ok(())
}

/// The canonical body of one decoded intent. A token the transaction does not name is
/// an empty address, which the engine denies as an unknown token.
fn intent_body(intent: &Intent) -> RequestBody {
    let token = |address: &Option<String>, decimals: &Option<u8>| TokenRef {
        address: address.clone().unwrap_or_default(),
        decimals: *decimals,
        chain_decimals: None,
        symbol: None,
    };
    match intent {
        Intent::Transfer { to, amount } => RequestBody::Transfer {
            to: to.clone(),
            amount: *amount,
        },
        Intent::TokenTransfer {
            token: t,
            to,
            amount,
            decimals,
            ..
        } => RequestBody::TokenTransfer {
            to: to.clone(),
            amount: *amount,
            token: token(t, decimals),
        },
        Intent::Approve {
            token: t,
            spender,
            amount,
            decimals,
            unlimited,
        } => RequestBody::Approve {
            spender: spender.clone(),
            amount: *amount,
            token: token(t, decimals),
            unlimited: *unlimited,
            increase: false,
        },
        Intent::AllowanceIncrease {
            token: t,
            spender,
            amount,
            decimals,
        } => RequestBody::Approve {
            spender: spender.clone(),
            amount: *amount,
            token: token(t, decimals),
            unlimited: false,
            increase: true,
        },
        Intent::NftTransfer {
            contract,
            to,
            token_id,
            amount,
        } => RequestBody::NftTransfer {
            to: to.clone(),
            contract: contract.clone(),
            token_id: token_id.clone(),
            amount: Some(*amount),
        },
        Intent::ContractCall {
            contract,
            selector,
            value,
        } => RequestBody::ContractCall {
            contract: contract.clone(),
            selector: selector.clone(),
            value: (!value.is_zero()).then_some(*value),
            opaque: false,
        },
        Intent::Wrapper {
            contract,
            selector,
            value,
        } => RequestBody::ContractCall {
            contract: contract.clone(),
            selector: Some(selector.clone()),
            value: (!value.is_zero()).then_some(*value),
            opaque: true,
        },
        Intent::Refused { contract, reason } => RequestBody::Refused {
            contract: contract.clone(),
            reason: reason.clone(),
        },
        // Typed data in a transaction is a decoder bug; anything this build does not
        // know is refused.
        _ => RequestBody::Refused {
            contract: String::new(),
            reason: "does something this build of waiaas cannot decode".to_owned(),
        },
    }
}

/// One body for a list of decoded intents: the intent itself, or a batch judged on
/// its totals (all or nothing).
fn intents_body(intents: &[Intent]) -> RequestBody {
    match intents {
        [one] => intent_body(one),
        many => RequestBody::Batch {
            instructions: many.iter().map(intent_body).collect(),
        },
    }
}

/// The body of typed data: each decoded grant or transfer a leg, an unrecognised
/// primary type named for the allow-list.
fn typed_data_body(intents: &[Intent]) -> RequestBody {
    let mut legs = Vec::new();
    let mut unrecognised = None;
    for intent in intents {
        match intent {
            Intent::TypedData {
                verifying_contract,
                primary_type,
            } => {
                unrecognised = Some(TypedDataKind {
                    verifying_contract: verifying_contract.clone(),
                    primary_type: primary_type.clone(),
                });
            }
            other => legs.push(intent_body(other)),
        }
    }
    RequestBody::SignTypedData { legs, unrecognised }
}

impl ResolvedOperation {
    /// The canonical request body the policy engine judges: what the signed bytes do.
    #[must_use]
    pub fn policy_body(&self) -> RequestBody {
        match self {
            Self::Transfer { to, amount } => RequestBody::Transfer {
                to: to.clone(),
                amount: *amount,
            },
            Self::TokenTransfer {
                to, token, amount, ..
            } => RequestBody::TokenTransfer {
                to: to.clone(),
                amount: *amount,
                token: token.clone(),
            },
            Self::Approve {
                spender,
                token,
                amount,
                ..
            } => RequestBody::Approve {
                spender: spender.clone(),
                amount: *amount,
                token: token.clone(),
                unlimited: false,
                increase: false,
            },
            Self::ContractCall { intents, .. } | Self::RawTransaction { intents, .. } => {
                intents_body(intents)
            }
            Self::SignMessage { .. } => RequestBody::SignMessage { erc8128: None },
            Self::SignTypedData { intents, .. } => typed_data_body(intents),
        }
    }
}
