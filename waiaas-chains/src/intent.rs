//! Canonical intents: what a transaction or typed-data signature would do, in the terms
//! the policy engine judges (recipient, amount in base units, token, spender, contract,
//! selector).
//!
//! Decoders are conservative: anything they do not fully understand becomes
//! [`Intent::ContractCall`] on its program or contract, so `CONTRACT_WHITELIST` decides;
//! a token movement whose token cannot be named carries `token: None`, which a policy
//! engine must treat as an unknown token (deny).

use serde::{Deserialize, Serialize};
use waiaas_core::{Amount, Chain};

/// One effect of a transaction, as the policy engine sees it. Serialized with a `type`
/// tag (`TRANSFER`, `TOKEN_TRANSFER`, `APPROVE`, `CONTRACT_CALL`) and camelCase fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum Intent {
    /// Native asset (SOL in lamports, ETH in wei) to `to`.
    Transfer {
        /// Recipient address.
        to: String,
        /// Amount in base units.
        amount: Amount,
    },
    /// A fungible token transfer.
    TokenTransfer {
        /// SPL mint or ERC-20 contract; `None` when the instruction does not name it
        /// (SPL `Transfer` without mint): judge as an unknown token.
        token: Option<String>,
        /// Recipient: the destination token account on Solana, the recipient on EVM.
        to: String,
        /// Amount in the token's base units.
        amount: Amount,
        /// Decimals when the transaction states them (SPL `TransferChecked`).
        decimals: Option<u8>,
        /// The token program (Solana) that executes it; `None` on EVM.
        program: Option<String>,
    },
    /// A grant that lets `spender` move the wallet's tokens (SPL approve, ERC-20
    /// `approve`, EIP-2612 permit, Permit2).
    Approve {
        /// SPL mint or ERC-20 contract; `None` when not named (SPL `Approve`).
        token: Option<String>,
        /// Who may spend.
        spender: String,
        /// Maximum amount granted, in base units.
        amount: Amount,
        /// Decimals when stated (SPL `ApproveChecked`).
        decimals: Option<u8>,
        /// The grant is unlimited for the width of the field that carries it (at least
        /// half its maximum: `uint256` for ERC-20, `uint160` for Permit2, `u64` for SPL),
        /// or it is an operator-wide grant such as `setApprovalForAll(x, true)`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unlimited: bool,
    },
    /// An allowance raised by `amount` (ERC-20 `increaseAllowance`): a grant of at least
    /// the increment on top of an allowance the transaction does not state, so the
    /// resulting total is unknown to the decoder.
    AllowanceIncrease {
        /// ERC-20 contract.
        token: Option<String>,
        /// Who may spend.
        spender: String,
        /// The increment, in base units.
        amount: Amount,
        /// Decimals when known.
        decimals: Option<u8>,
    },
    /// A non-fungible (ERC-721) or semi-fungible (ERC-1155) token leaving the wallet.
    NftTransfer {
        /// Collection contract.
        contract: String,
        /// Recipient.
        to: String,
        /// Token id (decimal).
        token_id: String,
        /// How many (1 for ERC-721).
        amount: Amount,
    },
    /// A call that executes other calls waiaas does not attribute (a multicall to other
    /// contracts, a proxy `execute`): denied unless the operator lists the selector as
    /// opaque for this contract.
    Wrapper {
        /// Contract.
        contract: String,
        /// `0x` + the 4-byte selector.
        selector: String,
        /// Native value sent with the call.
        value: Amount,
    },
    /// Typed data whose primary type waiaas does not decode: denied unless the operator
    /// allow-lists (chain, verifying contract, primary type).
    TypedData {
        /// The domain's `verifyingContract`, when it has one.
        verifying_contract: Option<String>,
        /// `primaryType`.
        primary_type: String,
    },
    /// An instruction that is never signed for an agent, whatever the allow-lists say
    /// (SPL `SetAuthority`, System `Assign`, a nonce-authority change, closing an account
    /// to a foreign destination, …).
    Refused {
        /// Program or contract.
        contract: String,
        /// What it would do, for the denial message.
        reason: String,
    },
    /// Anything else: a call into `contract` (EVM) or an instruction of program
    /// `contract` (Solana), with the native value it carries.
    ContractCall {
        /// Contract address or program id.
        contract: String,
        /// `0x` + lowercase hex. EVM: the 4-byte selector; Solana: the instruction tag
        /// of the System (4 bytes), Token and ATA programs (1 byte), the first (up to) 8
        /// bytes of data for other programs. `None` when the call carries no data.
        selector: Option<String>,
        /// Native value sent with the call (EVM `value`); zero on Solana.
        value: Amount,
    },
}

/// A decoded unsigned transaction: its intents and the most it can cost in fees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecodedTransaction {
    /// Chain family.
    pub chain: Chain,
    /// The account that pays fees (Solana fee payer; EVM: unknown before signing, the
    /// signing wallet).
    pub fee_payer: Option<String>,
    /// The effects, in instruction order.
    pub intents: Vec<Intent>,
    /// Upper bound of the network fee in native base units: EVM `gas_limit ×
    /// max_fee_per_gas`; Solana 5 000 lamports per signature plus the compute-budget
    /// priority fee.
    pub max_fee: Amount,
    /// Solana: the transaction's lifetime is a durable nonce (its first instruction is
    /// System `AdvanceNonceAccount`), so it never expires; `None` for a recent blockhash
    /// and on EVM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durable_nonce: Option<DurableNonce>,
}

/// The durable nonce a Solana transaction consumes: whoever holds `authority` can
/// advance the nonce and so void the transaction before it lands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DurableNonce {
    /// The nonce account.
    pub nonce_account: String,
    /// The account that must sign the advance (empty when the instruction names none).
    pub authority: String,
}

/// Whether `amount` is an unlimited grant for a field of `bits` bits: at least half the
/// field's maximum (`2^(bits-1)`), the threshold every "infinite approval" UI crosses.
#[must_use]
pub fn is_unlimited(amount: Amount, bits: u32) -> bool {
    let half = ruint::aliases::U256::from(1u8)
        .checked_shl(usize::try_from(bits.saturating_sub(1)).unwrap_or(usize::MAX))
        .unwrap_or(ruint::aliases::U256::MAX);
    amount.as_u256() >= half
}
