//! EIP-712 typed data as `eth_signTypedData_v4` sends it: hashing, signing, and the
//! decoder that turns spending grants into [`Intent::Approve`].
//!
//! Recognised grants (everything else decodes to no intent: signing it needs only the
//! session's `SIGN_TYPED_DATA` permission):
//! - EIP-2612 `Permit { owner, spender, value, nonce, deadline }` — token = the domain's
//!   `verifyingContract`; the DAI variant `Permit { holder, spender, nonce, expiry,
//!   allowed }` grants the maximum when `allowed`;
//! - Uniswap Permit2 `PermitSingle`, `PermitBatch` (allowance transfer: token and amount
//!   in `details`), `PermitTransferFrom`, `PermitBatchTransferFrom` and their
//!   `PermitWitness…` forms (signature transfer: token and amount in `permitted`).
//!
//! A recognised grant with a missing or malformed field is refused, never ignored.

use alloy_dyn_abi::TypedData;
use serde_json::Value;
use waiaas_core::{Amount, EvmAddress, Network, Signer};

use super::{check_chain_id, sign_digest, signature_bytes};
use crate::error::ChainError;
use crate::intent::Intent;

/// Largest typed-data JSON accepted.
pub const MAX_TYPED_DATA_BYTES: usize = 64 * 1024;

fn invalid(reason: impl Into<String>) -> ChainError {
    ChainError::invalid_tx(reason)
}

/// Parses `eth_signTypedData_v4` JSON.
///
/// # Errors
/// `INVALID_TRANSACTION` for oversized or malformed JSON.
pub fn parse_typed_data(json: &str) -> Result<TypedData, ChainError> {
    if json.len() > MAX_TYPED_DATA_BYTES {
        return Err(invalid("typed data larger than 64 KiB"));
    }
    serde_json::from_str(json).map_err(|e| invalid(format!("malformed typed data: {e}")))
}

/// The EIP-712 signing hash `keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message))`.
///
/// # Errors
/// `INVALID_TRANSACTION` for malformed typed data.
pub fn typed_data_hash(json: &str) -> Result<[u8; 32], ChainError> {
    let typed = parse_typed_data(json)?;
    let hash = typed
        .eip712_signing_hash()
        .map_err(|e| invalid(format!("typed data does not encode: {e}")))?;
    Ok(hash.0)
}

fn check_domain_chain(network: Network, typed: &TypedData) -> Result<(), ChainError> {
    if let Some(chain_id) = typed.domain.chain_id {
        let found = u64::try_from(chain_id).map_err(|_| invalid("domain chain id is too large"))?;
        check_chain_id(network, found)?;
    }
    Ok(())
}

/// Signs typed data with the signer's wallet: 65 bytes `r ‖ s ‖ v` (`v` 27/28). A
/// domain `chainId` other than the wallet network's is refused before signing; typed
/// data without a domain `chainId` is signed as given.
///
/// # Errors
/// `INVALID_TRANSACTION` for malformed typed data; `CHAIN_MISMATCH`; vault errors.
pub fn sign_typed_data(signer: &dyn Signer, json: &str) -> Result<[u8; 65], ChainError> {
    let typed = parse_typed_data(json)?;
    check_domain_chain(signer.network(), &typed)?;
    let hash = typed
        .eip712_signing_hash()
        .map_err(|e| invalid(format!("typed data does not encode: {e}")))?;
    let signature = sign_digest(signer, &hash.0)?;
    Ok(signature_bytes(&signature))
}

/// Recovers the address that signed typed data (65 bytes `r ‖ s ‖ v`).
///
/// # Errors
/// `INVALID_TRANSACTION` for malformed typed data; `INVALID_SIGNATURE` for a signature
/// that recovers no key.
pub fn recover_typed_data_signer(json: &str, signature: &[u8]) -> Result<EvmAddress, ChainError> {
    let hash = typed_data_hash(json)?;
    crate::owner::recover_prehash_signer(&hash, signature)
}

fn field<'a>(value: &'a Value, name: &str) -> Result<&'a Value, ChainError> {
    value
        .get(name)
        .ok_or_else(|| invalid(format!("permit is missing `{name}`")))
}

fn address(value: &Value, name: &str) -> Result<String, ChainError> {
    let text = field(value, name)?
        .as_str()
        .ok_or_else(|| invalid(format!("permit `{name}` is not an address")))?;
    Ok(EvmAddress::parse(text)?.to_checksum())
}

fn amount(value: &Value, name: &str) -> Result<Amount, ChainError> {
    let bad = || invalid(format!("permit `{name}` is not an unsigned integer"));
    match field(value, name)? {
        Value::String(s) => match s.strip_prefix("0x") {
            Some(hex_digits) => ruint::aliases::U256::from_str_radix(hex_digits, 16)
                .map(Amount::from_u256)
                .map_err(|_| bad()),
            None => Amount::parse_base_units(s).map_err(|_| bad()),
        },
        Value::Number(n) => n.as_u64().map(Amount::from_u64).ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn permit2_details(item: &Value, spender: &str) -> Result<Intent, ChainError> {
    let amount = amount(item, "amount")?;
    Ok(Intent::Approve {
        token: Some(address(item, "token")?),
        spender: spender.to_owned(),
        amount,
        decimals: None,
        unlimited: crate::intent::is_unlimited(amount, 160),
    })
}

fn list<'a>(value: &'a Value, name: &str) -> Result<&'a Vec<Value>, ChainError> {
    field(value, name)?
        .as_array()
        .ok_or_else(|| invalid(format!("permit `{name}` is not a list")))
}

/// Decodes typed data for a wallet on `network` into the approvals it grants.
///
/// # Errors
/// `INVALID_TRANSACTION` for malformed typed data or a recognised permit with a missing
/// or malformed field; `CHAIN_MISMATCH` for a domain `chainId` of another network.
pub fn decode_typed_data(network: Network, json: &str) -> Result<Vec<Intent>, ChainError> {
    let typed = parse_typed_data(json)?;
    check_domain_chain(network, &typed)?;
    // The hash must be computable, or the wallet could never sign it anyway.
    typed
        .eip712_signing_hash()
        .map_err(|e| invalid(format!("typed data does not encode: {e}")))?;
    let message = &typed.message;
    let primary = typed.primary_type.as_str();
    match primary {
        "Permit" => {
            let token = typed
                .domain
                .verifying_contract
                .map(|a| super::from_alloy(a).to_checksum())
                .ok_or_else(|| invalid("permit domain has no `verifyingContract`"))?;
            let spender = address(message, "spender")?;
            let amount = if message.get("allowed").is_some() {
                match field(message, "allowed")? {
                    Value::Bool(true) => Amount::MAX,
                    Value::Bool(false) => Amount::ZERO,
                    _ => return Err(invalid("permit `allowed` is not a boolean")),
                }
            } else {
                amount(message, "value")?
            };
            Ok(vec![Intent::Approve {
                token: Some(token),
                spender,
                amount,
                decimals: None,
                unlimited: crate::intent::is_unlimited(amount, 256),
            }])
        }
        "PermitSingle" => {
            let spender = address(message, "spender")?;
            Ok(vec![permit2_details(field(message, "details")?, &spender)?])
        }
        "PermitBatch" => {
            let spender = address(message, "spender")?;
            list(message, "details")?
                .iter()
                .map(|d| permit2_details(d, &spender))
                .collect()
        }
        "PermitTransferFrom" | "PermitWitnessTransferFrom" => {
            let spender = address(message, "spender")?;
            Ok(vec![permit2_details(
                field(message, "permitted")?,
                &spender,
            )?])
        }
        "PermitBatchTransferFrom" | "PermitBatchWitnessTransferFrom" => {
            let spender = address(message, "spender")?;
            list(message, "permitted")?
                .iter()
                .map(|d| permit2_details(d, &spender))
                .collect()
        }
        _ => Ok(Vec::new()),
    }
}
