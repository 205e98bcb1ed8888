//! The chain error family. Every variant has a stable code ([`ErrorCode`]); messages are
//! lowercase, without a trailing period, with user input in backticks and never a secret.

use waiaas_core::{ErrorCode, ValidationError, VaultError};

/// Everything that can go wrong while building, decoding, signing, verifying or
/// broadcasting a transaction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// Bad input (addresses, amounts, sizes, derivation paths).
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The vault could not produce a signature (locked, suspended wallet, …).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Raw transaction bytes that do not decode.
    #[error("invalid transaction: {reason}")]
    InvalidTransaction {
        /// What is wrong with the bytes.
        reason: String,
    },
    /// A transaction that decodes but uses a form waiaas refuses to sign.
    #[error("unsupported transaction: {reason}")]
    UnsupportedTransaction {
        /// What is not supported.
        reason: String,
    },
    /// A message that cannot be signed as an off-chain message: empty, not text, too
    /// long, or bytes that parse as a transaction.
    #[error("invalid message: {reason}")]
    InvalidMessage {
        /// What is wrong with the message.
        reason: String,
    },
    /// A transaction whose lifetime is a durable nonce (it never expires) that the
    /// operator has not enabled for this wallet, or whose nonce authority is not the
    /// wallet.
    #[error("durable nonce not allowed: {reason}")]
    DurableNonceNotAllowed {
        /// Why it was refused.
        reason: String,
    },
    /// The transaction (or typed data) is for another network than the wallet's.
    #[error("chain id {found} does not match the wallet network `{network}` (chain id {expected})")]
    ChainMismatch {
        /// The wallet network.
        network: String,
        /// The wallet network's chain id.
        expected: u64,
        /// The chain id in the transaction.
        found: u64,
    },
    /// A signature that does not verify against the expected signer.
    #[error("invalid signature: {reason}")]
    InvalidSignature {
        /// Why it was refused.
        reason: String,
    },
    /// The node refused or failed a request (network error, RPC error, bad reply).
    #[error("chain error: {message}")]
    Rpc {
        /// What failed (never a signed transaction or key).
        message: String,
        /// Whether retrying may succeed (timeouts, connection resets, HTTP 429/5xx).
        transient: bool,
    },
    /// The account cannot pay for the transaction.
    #[error("insufficient balance: {message}")]
    InsufficientBalance {
        /// The node's explanation.
        message: String,
    },
    /// The transaction was included and failed (EVM revert, Solana instruction error).
    #[error("transaction `{tx_id}` reverted: {reason}")]
    TransactionReverted {
        /// Transaction hash or signature.
        tx_id: String,
        /// The failure as reported.
        reason: String,
    },
}

impl ChainError {
    #[cfg(any(feature = "solana", feature = "evm"))]
    pub(crate) fn invalid_tx(reason: impl Into<String>) -> Self {
        Self::InvalidTransaction {
            reason: reason.into(),
        }
    }

    #[cfg(any(feature = "solana", feature = "evm"))]
    pub(crate) fn unsupported(reason: impl Into<String>) -> Self {
        Self::UnsupportedTransaction {
            reason: reason.into(),
        }
    }

    pub(crate) fn bad_signature(reason: impl Into<String>) -> Self {
        Self::InvalidSignature {
            reason: reason.into(),
        }
    }
}

impl ErrorCode for ChainError {
    fn code(&self) -> &'static str {
        match self {
            Self::Validation(e) => e.code(),
            Self::Vault(e) => e.code(),
            Self::InvalidTransaction { .. } => "INVALID_TRANSACTION",
            Self::UnsupportedTransaction { .. } => "UNSUPPORTED_TRANSACTION",
            Self::InvalidMessage { .. } => "INVALID_MESSAGE",
            Self::DurableNonceNotAllowed { .. } => "DURABLE_NONCE_NOT_ALLOWED",
            Self::ChainMismatch { .. } => "CHAIN_MISMATCH",
            Self::InvalidSignature { .. } => "INVALID_SIGNATURE",
            Self::Rpc { .. } => "CHAIN_ERROR",
            Self::InsufficientBalance { .. } => "INSUFFICIENT_BALANCE",
            Self::TransactionReverted { .. } => "TRANSACTION_REVERTED",
        }
    }
}
