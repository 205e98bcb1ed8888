//! The canonical request the engine judges: what it does, its tokens, its fee.

use serde::{Deserialize, Serialize};

use super::Usd;
use crate::amount::Amount;
use crate::chain::Network;
use crate::ids::{TxId, WalletId};
use crate::session::Permission;

/// A token as a request names it.
///
/// Decimals convert `token_limits` and USD values, so the engine never trusts the
/// request's: it takes them from the operator's ALLOWED_TOKENS entry, else from
/// `chain_decimals` (read from the chain by the host, never from the agent), else — on
/// Solana only — from the `TransferChecked` / `ApproveChecked` instruction that is signed
/// (the token program refuses other decimals on chain). Stated decimals that differ from
/// a trusted source deny the request (`TOKEN_DECIMALS_MISMATCH`); a token with no trusted
/// decimals is unpriced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRef {
    /// Contract address (EVM) or mint (Solana), as given; checked by the engine.
    pub address: String,
    /// Decimals the request (or the signed instruction) states: a claim to check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    /// Decimals read from the chain (ERC-20 `decimals()`, the SPL mint account) by the
    /// host, never from the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_decimals: Option<u8>,
    /// Display symbol (informational only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}

impl TokenRef {
    /// A token named by its address alone.
    #[must_use]
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            decimals: None,
            chain_decimals: None,
            symbol: None,
        }
    }
}

/// Typed data whose primary type waiaas does not decode: signed only when the operator
/// allow-lists it (the `typed_data` list of the verifying contract's CONTRACT_WHITELIST
/// entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TypedDataKind {
    /// The domain's `verifyingContract` (`None` when the domain has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifying_contract: Option<String>,
    /// `primaryType`.
    pub primary_type: String,
}

/// An ERC-8128 signed HTTP request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Erc8128Request {
    /// Host the signed request goes to.
    pub domain: String,
}

/// What a request does. Addresses are raw strings: the engine parses them and denies
/// malformed ones, so a bad address is a reason in the decision, not a parse failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestBody {
    /// Native coin transfer.
    #[serde(rename_all = "camelCase")]
    Transfer {
        /// Recipient.
        to: String,
        /// Base units (lamports, wei).
        amount: Amount,
    },
    /// Fungible token transfer.
    #[serde(rename_all = "camelCase")]
    TokenTransfer {
        /// Recipient.
        to: String,
        /// Base units of the token.
        amount: Amount,
        /// The token.
        token: TokenRef,
    },
    /// Arbitrary contract call (EVM) or program instruction (Solana).
    #[serde(rename_all = "camelCase")]
    ContractCall {
        /// Contract or program address.
        contract: String,
        /// `0x` + hex of the selector (EVM: 4 bytes; Solana: the instruction
        /// discriminator, 1 to 8 bytes); `None` for a call without data.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selector: Option<String>,
        /// Native value sent along (base units).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Amount>,
        /// The call executes other calls waiaas does not attribute (a multicall to other
        /// contracts, a smart-account `execute`): allowed only when the contract's
        /// CONTRACT_WHITELIST entry lists the selector in `opaque_selectors`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        opaque: bool,
    },
    /// Token approval (ERC-20 `approve`, SPL `approve`, permits, `setApprovalForAll`).
    #[serde(rename_all = "camelCase")]
    Approve {
        /// Who may spend.
        spender: String,
        /// Allowance in base units.
        amount: Amount,
        /// The token.
        token: TokenRef,
        /// Set by the decoder when the grant is unlimited for the field that carries it
        /// (Permit2's `uint160`, `setApprovalForAll`); the engine also checks the amount.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unlimited: bool,
        /// `amount` raises an allowance whose current value the request does not state
        /// (`increaseAllowance`): the resulting total is unknown, so the owner decides.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        increase: bool,
    },
    /// 2 to 20 instructions, signed as one transaction: all or nothing.
    #[serde(rename_all = "camelCase")]
    Batch {
        /// The instructions (no nested batches).
        instructions: Vec<RequestBody>,
    },
    /// NFT transfer.
    #[serde(rename_all = "camelCase")]
    NftTransfer {
        /// Recipient.
        to: String,
        /// Collection contract (EVM) or mint (Solana).
        contract: String,
        /// Token id within the collection.
        token_id: String,
        /// How many (ERC-1155; 1 for ERC-721).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<Amount>,
    },
    /// Message signing (EIP-191 / Solana off-chain message).
    #[serde(rename_all = "camelCase")]
    SignMessage {
        /// Set when the message is an ERC-8128 signed HTTP request.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        erc8128: Option<Erc8128Request>,
    },
    /// EIP-712 typed-data signing.
    #[serde(rename_all = "camelCase")]
    SignTypedData {
        /// What the signature grants or moves, decoded from the struct its hash covers
        /// (permits as APPROVE, EIP-3009 authorizations as TOKEN_TRANSFER): every leg is
        /// judged, all or nothing, like a batch.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        legs: Vec<RequestBody>,
        /// Set when the primary type is not one waiaas decodes: denied unless the
        /// operator allow-listed it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unrecognised: Option<TypedDataKind>,
    },
    /// An x402 HTTP payment.
    #[serde(rename_all = "camelCase")]
    X402Payment {
        /// Host of the resource being paid for.
        domain: String,
        /// Who receives the payment.
        pay_to: String,
        /// Base units of the payment asset.
        amount: Amount,
        /// The token paid with; `None` for the native coin.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<TokenRef>,
    },
    /// An instruction waiaas never signs for an agent (SPL `SetAuthority`, System
    /// `Assign`, closing an account to a foreign destination, …): always denied.
    #[serde(rename_all = "camelCase")]
    Refused {
        /// Program or contract.
        contract: String,
        /// What it would do.
        reason: String,
    },
    /// Contract deployment.
    #[serde(rename_all = "camelCase")]
    ContractDeploy {
        /// Native value sent to the constructor (base units).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Amount>,
    },
}

impl RequestBody {
    /// The kind name (`TRANSFER`, …).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Transfer { .. } => "TRANSFER",
            Self::TokenTransfer { .. } => "TOKEN_TRANSFER",
            Self::ContractCall { .. } => "CONTRACT_CALL",
            Self::Approve { .. } => "APPROVE",
            Self::Batch { .. } => "BATCH",
            Self::NftTransfer { .. } => "NFT_TRANSFER",
            Self::SignMessage { .. } => "SIGN_MESSAGE",
            Self::SignTypedData { .. } => "SIGN_TYPED_DATA",
            Self::X402Payment { .. } => "X402_PAYMENT",
            Self::ContractDeploy { .. } => "CONTRACT_DEPLOY",
            Self::Refused { .. } => "REFUSED",
        }
    }
}

/// What a DeFi-facing request does, described by the caller (the engine does not fetch
/// positions). Every field is optional; a policy that needs a missing field fails closed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionDescriptor {
    /// Integration provider (e.g. `aave`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Action name (e.g. `supply`, `open_position`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Category (`lending`, `perp`, `swap`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Notional value in USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub notional_usd: Option<Usd>,
    /// Leverage (e.g. `5` for 5x).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub leverage: Option<Usd>,
    /// Perp market (e.g. `ETH-PERP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    /// Venue (protocol or exchange).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    /// Asset the lending action supplies or borrows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// Loan-to-value after the action, as a fraction (`0.65`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub projected_ltv: Option<Usd>,
    /// Counterparty reputation score 0..=100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty_score: Option<u8>,
}

/// The canonical request the engine judges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRequest {
    /// Id of the request; its reservation is released or committed by this id.
    pub request_id: TxId,
    /// Wallet.
    pub wallet_id: WalletId,
    /// Network.
    pub network: Network,
    /// What it does.
    #[serde(flatten)]
    pub body: RequestBody,
    /// Session permissions of the caller (message and typed-data signing need theirs).
    #[serde(default)]
    pub permissions: Vec<Permission>,
    /// DeFi action descriptor from a trusted source (the host's action provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionDescriptor>,
    /// The descriptor the agent wrote itself: it may raise the tier or deny, never
    /// lower a tier (the engine judges the trusted descriptor — or none — and this one,
    /// and keeps the stricter outcome of each rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_action: Option<ActionDescriptor>,
    /// The most the network fee can cost, decoded from what is signed: added to the
    /// native amount that is laddered, capped and reserved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<FeeBound>,
}

/// The network fee of a request: its maximum and the ceiling it must stay under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeeBound {
    /// EVM `gas_limit × max_fee_per_gas`; Solana base fee per signature plus compute
    /// unit limit × price (native base units).
    pub max: Amount,
    /// The per-network ceiling (operator setting, or a multiple of the chain client's
    /// estimate); above it the request is denied `FEE_TOO_HIGH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<Amount>,
}
