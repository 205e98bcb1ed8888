//! Sign-only decoder: a raw unsigned EIP-1559 transaction (`0x02 ‖ rlp(fields)`, hex)
//! → [`DecodedTransaction`].
//!
//! | calldata | intent(s) |
//! |---|---|
//! | empty | [`Intent::Transfer`] of `value` to `to` |
//! | ERC-20 `transfer(to, amount)` | [`Intent::TokenTransfer`] (token = `to` contract) |
//! | ERC-20 `transferFrom(from, to, amount)` | [`Intent::TokenTransfer`] |
//! | ERC-20 `approve(spender, amount)` | [`Intent::Approve`] |
//! | anything else | [`Intent::ContractCall`] with the 4-byte selector and `value` |
//!
//! A recognised ERC-20 call that also carries native value adds a
//! [`Intent::ContractCall`] for that value, so neither effect goes unjudged. A
//! recognised selector with calldata too short for its arguments is refused
//! (`INVALID_TRANSACTION`): old compilers zero-padded short calldata. Addresses are read
//! from the low 20 bytes of their word, as the EVM does. Contract creation is refused.

use alloy_consensus::TxEip1559;
use alloy_consensus::transaction::RlpEcdsaDecodableTx;
use alloy_primitives::TxKind;
use alloy_sol_types::SolCall;
use waiaas_core::{Amount, Chain, EvmAddress, Network};

use super::{IERC20, check_chain_id};
use crate::error::ChainError;
use crate::intent::{DecodedTransaction, Intent};

/// Largest raw transaction accepted, in bytes (the txpool limit of geth is 128 KiB).
pub const MAX_TRANSACTION_BYTES: usize = 128 * 1024;

/// Parses `0x02 ‖ rlp([chain_id, nonce, max_priority_fee, max_fee, gas, to, value,
/// data, access_list])`.
///
/// # Errors
/// `INVALID_TRANSACTION` for a wrong type byte, malformed or trailing RLP, or input
/// larger than [`MAX_TRANSACTION_BYTES`].
pub fn parse_unsigned(bytes: &[u8]) -> Result<TxEip1559, ChainError> {
    if bytes.len() > MAX_TRANSACTION_BYTES {
        return Err(ChainError::invalid_tx("larger than 128 KiB"));
    }
    let (ty, mut rest) = bytes
        .split_first()
        .ok_or_else(|| ChainError::invalid_tx("empty"))?;
    if *ty != 0x02 {
        return Err(ChainError::unsupported(format!(
            "transaction type 0x{ty:02x}; only unsigned EIP-1559 (type 2) is accepted"
        )));
    }
    let tx = TxEip1559::rlp_decode(&mut rest)
        .map_err(|e| ChainError::invalid_tx(format!("malformed rlp: {e}")))?;
    if !rest.is_empty() {
        return Err(ChainError::invalid_tx(
            "trailing bytes after the transaction",
        ));
    }
    Ok(tx)
}

fn word(data: &[u8], index: usize) -> Option<&[u8]> {
    let start = index.checked_mul(32)?.checked_add(4)?;
    data.get(start..start.checked_add(32)?)
}

fn address_arg(data: &[u8], index: usize) -> Option<String> {
    let w = word(data, index)?;
    let mut out = [0u8; 20];
    out.copy_from_slice(w.get(12..)?);
    Some(EvmAddress::from_bytes(out).to_checksum())
}

fn amount_arg(data: &[u8], index: usize) -> Option<Amount> {
    word(data, index).map(|w| Amount::from_u256(ruint::aliases::U256::from_be_slice(w)))
}

fn short() -> ChainError {
    ChainError::invalid_tx("calldata is too short for the arguments of its erc-20 selector")
}

/// Intents of a call to `to` with `value` and `data` (shared by the transaction decoder
/// and callers that build requests).
///
/// # Errors
/// `INVALID_TRANSACTION` for a recognised selector with short calldata.
pub fn call_intents(
    to: &EvmAddress,
    value: Amount,
    data: &[u8],
) -> Result<Vec<Intent>, ChainError> {
    let contract = to.to_checksum();
    let Some(selector) = data.get(..4) else {
        if !data.is_empty() {
            // 1–3 bytes of calldata: the fallback function runs.
            return Ok(vec![Intent::ContractCall {
                contract,
                selector: Some(format!("0x{}", hex::encode(data))),
                value,
            }]);
        }
        return Ok(vec![Intent::Transfer {
            to: contract,
            amount: value,
        }]);
    };
    let token = Some(contract.clone());
    let decoded = if selector == IERC20::transferCall::SELECTOR {
        Some(Intent::TokenTransfer {
            token,
            to: address_arg(data, 0).ok_or_else(short)?,
            amount: amount_arg(data, 1).ok_or_else(short)?,
            decimals: None,
            program: None,
        })
    } else if selector == IERC20::transferFromCall::SELECTOR {
        address_arg(data, 0).ok_or_else(short)?;
        Some(Intent::TokenTransfer {
            token,
            to: address_arg(data, 1).ok_or_else(short)?,
            amount: amount_arg(data, 2).ok_or_else(short)?,
            decimals: None,
            program: None,
        })
    } else if selector == IERC20::approveCall::SELECTOR {
        let amount = amount_arg(data, 1).ok_or_else(short)?;
        Some(Intent::Approve {
            token,
            spender: address_arg(data, 0).ok_or_else(short)?,
            amount,
            decimals: None,
            unlimited: crate::intent::is_unlimited(amount, 256),
        })
    } else {
        None
    };
    let call = Intent::ContractCall {
        contract,
        selector: Some(format!("0x{}", hex::encode(selector))),
        value,
    };
    Ok(match decoded {
        Some(intent) if value.is_zero() => vec![intent],
        Some(intent) => vec![intent, call],
        None => vec![call],
    })
}

/// A raw unsigned EIP-1559 transaction decoded for sign-only: the transaction and what it
/// does. [`super::sign_prepared`] signs exactly this transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedTransaction {
    tx: TxEip1559,
    network: Network,
    decoded: DecodedTransaction,
}

impl PreparedTransaction {
    /// Decodes `0x`-hex for a wallet on `network`.
    ///
    /// # Errors
    /// As [`decode_transaction`].
    pub fn from_hex(network: Network, raw_hex: &str) -> Result<Self, ChainError> {
        let hex_part = raw_hex
            .trim()
            .strip_prefix("0x")
            .ok_or_else(|| ChainError::invalid_tx("must start with `0x`"))?;
        if hex_part.len() > MAX_TRANSACTION_BYTES.saturating_mul(2) {
            return Err(ChainError::invalid_tx("larger than 128 KiB"));
        }
        let bytes = hex::decode(hex_part).map_err(|_| ChainError::invalid_tx("not valid hex"))?;
        let decoded = decode_transaction_bytes(network, &bytes)?;
        let tx = parse_unsigned(&bytes)?;
        Ok(Self {
            tx,
            network,
            decoded,
        })
    }

    /// What the transaction does.
    #[must_use]
    pub fn decoded(&self) -> &DecodedTransaction {
        &self.decoded
    }

    /// The network it was decoded for.
    #[must_use]
    pub fn network(&self) -> Network {
        self.network
    }

    /// The transaction.
    #[must_use]
    pub fn transaction(&self) -> &TxEip1559 {
        &self.tx
    }
}

/// Decodes a raw unsigned EIP-1559 transaction for a wallet on `network`.
///
/// # Errors
/// `INVALID_TRANSACTION` for bad hex or RLP; `CHAIN_MISMATCH` when its chain id is not
/// the network's; `UNSUPPORTED_TRANSACTION` for other types and contract creation.
pub fn decode_transaction(
    network: Network,
    raw_hex: &str,
) -> Result<DecodedTransaction, ChainError> {
    let hex_part = raw_hex
        .trim()
        .strip_prefix("0x")
        .ok_or_else(|| ChainError::invalid_tx("must start with `0x`"))?;
    if hex_part.len() > MAX_TRANSACTION_BYTES.saturating_mul(2) {
        return Err(ChainError::invalid_tx("larger than 128 KiB"));
    }
    let bytes = hex::decode(hex_part).map_err(|_| ChainError::invalid_tx("not valid hex"))?;
    decode_transaction_bytes(network, &bytes)
}

/// As [`decode_transaction`], from bytes.
///
/// # Errors
/// As [`decode_transaction`].
pub fn decode_transaction_bytes(
    network: Network,
    bytes: &[u8],
) -> Result<DecodedTransaction, ChainError> {
    let tx = parse_unsigned(bytes)?;
    check_chain_id(network, tx.chain_id)?;
    let TxKind::Call(to) = tx.to else {
        return Err(ChainError::unsupported(
            "contract creation is not supported",
        ));
    };
    let intents = call_intents(
        &super::from_alloy(to),
        Amount::from_u256(tx.value),
        &tx.input,
    )?;
    let max_fee = Amount::from_u128(tx.max_fee_per_gas)
        .as_u256()
        .checked_mul(ruint::aliases::U256::from(tx.gas_limit))
        .map(Amount::from_u256)
        .ok_or_else(|| ChainError::invalid_tx("fee bound overflows"))?;
    Ok(DecodedTransaction {
        chain: Chain::Ethereum,
        fee_payer: None,
        intents,
        max_fee,
        durable_nonce: None,
    })
}
