//! Chain clients: what the signer needs from a node (blockhash, nonce, fees, balances)
//! and broadcasting.
//!
//! The traits use only `waiaas-core` types, so they exist whatever chain features are
//! on; `rpc::JsonRpcClient` (feature `rpc`) implements both over JSON-RPC.

#[cfg(feature = "rpc")]
pub mod rpc;

use waiaas_core::{Amount, EvmAddress, SolanaAddress};

use crate::error::ChainError;

/// An SPL token account balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBalance {
    /// Base units.
    pub amount: Amount,
    /// The mint's decimals.
    pub decimals: u8,
}

/// Where a Solana transaction stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SolanaTxStatus {
    /// Slot it landed in.
    pub slot: u64,
    /// `processed`, `confirmed` or `finalized`.
    pub confirmation: String,
    /// The runtime's error, when it failed (JSON text).
    pub error: Option<String>,
}

/// What a Solana signer needs from a node.
pub trait SolanaChainClient {
    /// A recent blockhash (commitment `confirmed`).
    ///
    /// # Errors
    /// `CHAIN_ERROR` when the node cannot be reached or answers nonsense.
    fn latest_blockhash(&self) -> Result<[u8; 32], ChainError>;

    /// Lamports held by `address`.
    ///
    /// # Errors
    /// `CHAIN_ERROR`.
    fn balance(&self, address: &SolanaAddress) -> Result<u64, ChainError>;

    /// Balance of an SPL token account.
    ///
    /// # Errors
    /// `CHAIN_ERROR` (also when the account does not exist).
    fn token_account_balance(
        &self,
        token_account: &SolanaAddress,
    ) -> Result<TokenBalance, ChainError>;

    /// The decimals of an SPL mint (Token or Token-2022), read from its account.
    ///
    /// # Errors
    /// `CHAIN_ERROR` when the account does not exist or is not an initialized mint.
    fn mint_decimals(&self, mint: &SolanaAddress) -> Result<u8, ChainError>;

    /// Broadcasts a signed transaction (base64); returns its signature (base58).
    ///
    /// # Errors
    /// `INSUFFICIENT_BALANCE` when the payer cannot pay; `TRANSACTION_REVERTED` when
    /// preflight simulation fails; `CHAIN_ERROR`.
    fn send_transaction(&self, transaction_base64: &str) -> Result<String, ChainError>;

    /// The status of a signature, `None` when the node has not seen it.
    ///
    /// # Errors
    /// `CHAIN_ERROR`.
    fn signature_status(&self, signature: &str) -> Result<Option<SolanaTxStatus>, ChainError>;
}

/// EIP-1559 fee suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeEstimate {
    /// `2 × next base fee + priority fee` (survives six full blocks of base-fee growth).
    pub max_fee_per_gas: u128,
    /// The node's suggested priority fee.
    pub max_priority_fee_per_gas: u128,
}

/// A mined EVM transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvmReceipt {
    /// `true` when it succeeded (`status` 1).
    pub success: bool,
    /// Block number.
    pub block_number: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Price paid per gas (wei), when the node reports it.
    pub effective_gas_price: Option<u128>,
}

/// A call to estimate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmCall {
    /// Sender.
    pub from: EvmAddress,
    /// Recipient or contract.
    pub to: EvmAddress,
    /// Native value (wei).
    pub value: Amount,
    /// Calldata.
    pub data: Vec<u8>,
}

/// What an EVM signer needs from a node.
pub trait EvmChainClient {
    /// `eth_chainId`.
    ///
    /// # Errors
    /// `CHAIN_ERROR`.
    fn chain_id(&self) -> Result<u64, ChainError>;

    /// The next nonce of `address` (pending block).
    ///
    /// # Errors
    /// `CHAIN_ERROR`.
    fn transaction_count(&self, address: &EvmAddress) -> Result<u64, ChainError>;

    /// Fee suggestion from `eth_feeHistory` and `eth_maxPriorityFeePerGas`.
    ///
    /// # Errors
    /// `CHAIN_ERROR`.
    fn fees(&self) -> Result<FeeEstimate, ChainError>;

    /// `eth_estimateGas`.
    ///
    /// # Errors
    /// `TRANSACTION_REVERTED` when the call reverts; `INSUFFICIENT_BALANCE`; `CHAIN_ERROR`.
    fn estimate_gas(&self, call: &EvmCall) -> Result<u64, ChainError>;

    /// Wei held by `address`.
    ///
    /// # Errors
    /// `CHAIN_ERROR`.
    fn balance(&self, address: &EvmAddress) -> Result<Amount, ChainError>;

    /// ERC-20 `balanceOf(owner)` on `token` (via `eth_call`).
    ///
    /// # Errors
    /// `CHAIN_ERROR`.
    fn erc20_balance(&self, token: &EvmAddress, owner: &EvmAddress) -> Result<Amount, ChainError>;

    /// ERC-20 `decimals()` of `token` (via `eth_call`).
    ///
    /// # Errors
    /// `CHAIN_ERROR` when the call fails or answers a value above 255.
    fn erc20_decimals(&self, token: &EvmAddress) -> Result<u8, ChainError>;

    /// `eth_sendRawTransaction`; returns the transaction hash.
    ///
    /// # Errors
    /// `INSUFFICIENT_BALANCE`; `CHAIN_ERROR` (nonce too low, underpriced, …).
    fn send_raw_transaction(&self, raw: &[u8]) -> Result<[u8; 32], ChainError>;

    /// `eth_getTransactionReceipt`; `None` while pending or unknown.
    ///
    /// # Errors
    /// `CHAIN_ERROR`.
    fn transaction_receipt(&self, hash: &[u8; 32]) -> Result<Option<EvmReceipt>, ChainError>;
}
