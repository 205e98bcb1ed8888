//! Turns a stored, approved request into a signature. Runs only after the ledger row
//! that accounts for the request is committed; what it signs is the stored request.

use waiaas_chains::VaultSigner;
use waiaas_core::{Amount, Chain, EvmAddress, Network, ValidationError, Vault};

use crate::clients::ChainClients;
use crate::error::{Error, Result};
use crate::record::ExecutionResult;
use crate::request::{ChainParams, ResolvedOperation, ResolvedRequest};

/// Gas limits used when the caller gives none.
const GAS_TRANSFER: u64 = 21_000;
const GAS_ERC20: u64 = 100_000;
/// Solana's fee per signature (lamports); the builder signs with the wallet alone and
/// sets no compute-unit price.
const SOLANA_SIGNATURE_FEE: u64 = 5_000;
/// Rent of the recipient's associated token account a Solana token transfer may create
/// (165-byte account, rent-exempt minimum): native value leaving the wallet.
const SOLANA_TOKEN_ACCOUNT_RENT: u64 = 2_039_280;
/// The same for Token-2022, whose accounts the mint's extensions size: a bound (512 bytes).
const SOLANA_TOKEN_2022_ACCOUNT_RENT_BOUND: u64 = 4_454_400;
/// A chain client's fee estimate times this is the most a request may offer.
const FEE_ESTIMATE_MULTIPLE: u64 = 4;

/// The gas limit an EVM operation is signed with (a raw transaction's, decoded from its
/// bytes, is in `chain.gas_limit`).
fn gas_limit(op: &ResolvedOperation, chain: &ChainParams) -> Option<u64> {
    chain.gas_limit.or(match op {
        ResolvedOperation::Transfer { .. } => Some(GAS_TRANSFER),
        ResolvedOperation::TokenTransfer { .. } | ResolvedOperation::Approve { .. } => {
            Some(GAS_ERC20)
        }
        _ => None,
    })
}

/// The most the network fee of what `req` signs with `chain` can cost (native base
/// units): EVM `gas_limit × max_fee_per_gas`; Solana the signature fee plus the rent of
/// a token account the transfer may create; for raw transactions what was decoded from
/// their bytes. `None` for signatures that are not transactions.
///
/// # Errors
/// `VALIDATION_FAILED` when an EVM fee parameter is missing or malformed.
pub(crate) fn max_fee(req: &ResolvedRequest, chain: &ChainParams) -> Result<Option<Amount>> {
    match (&req.operation, req.network.chain()) {
        (ResolvedOperation::SignMessage { .. } | ResolvedOperation::SignTypedData { .. }, _) => {
            Ok(None)
        }
        (ResolvedOperation::RawTransaction { .. }, _) => Ok(req.max_fee),
        (ResolvedOperation::TokenTransfer { token_program, .. }, Chain::Solana) => {
            let rent = if token_program == "token-2022" {
                SOLANA_TOKEN_2022_ACCOUNT_RENT_BOUND
            } else {
                SOLANA_TOKEN_ACCOUNT_RENT
            };
            Ok(Some(Amount::from_u64(
                SOLANA_SIGNATURE_FEE.saturating_add(rent),
            )))
        }
        (_, Chain::Solana) => Ok(Some(Amount::from_u64(SOLANA_SIGNATURE_FEE))),
        (op, Chain::Ethereum) => {
            let gas = gas_limit(op, chain)
                .ok_or_else(|| missing("chain.gasLimit", "is required for a contract call"))?;
            let per_gas = wei("chain.maxFeePerGas", chain.max_fee_per_gas.as_deref())?;
            Ok(Some(
                Amount::from_u128(per_gas)
                    .checked_mul_u64(gas)
                    .ok_or_else(|| missing("chain.maxFeePerGas", "is out of range"))?,
            ))
        }
    }
}

/// The fee ceiling of `network`: the operator's setting (or its default), lowered to a
/// multiple of the chain client's current estimate when one serves the network (the
/// estimate `prepared` already holds, else asked now).
///
/// # Errors
/// `CHAIN_ERROR` when the client cannot estimate.
pub(crate) fn fee_ceiling(
    req: &ResolvedRequest,
    prepared: &Prepared,
    settings: &crate::settings::Settings,
    clients: &ChainClients,
) -> Result<Amount> {
    let configured = settings.fee_ceiling(req.network);
    if let Some(client) = clients.evm(req.network)
        && let Some(gas) = gas_limit(&req.operation, &prepared.chain)
    {
        let per_gas = match prepared.fee_estimate {
            Some(known) => known,
            None => client.fees()?.max_fee_per_gas,
        };
        let estimate = Amount::from_u128(per_gas)
            .checked_mul_u64(gas.saturating_mul(FEE_ESTIMATE_MULTIPLE))
            .unwrap_or(Amount::MAX);
        return Ok(configured.min(estimate));
    }
    Ok(configured)
}

/// Refuses to sign a fee above the one judged at admission.
fn check_fee(req: &ResolvedRequest, chain: &ChainParams) -> Result<()> {
    let Some(now) = max_fee(req, chain)? else {
        return Ok(());
    };
    if req.max_fee.is_none_or(|judged| now > judged) {
        return Err(missing(
            "chain.maxFeePerGas",
            "the fee to sign is above the fee that was judged; the request must be sent again",
        ));
    }
    Ok(())
}

fn missing(field: &str, why: &str) -> Error {
    ValidationError::field(field, why).into()
}

#[cfg(feature = "solana")]
fn u64_amount(field: &str, a: Amount) -> Result<u64> {
    a.to_u64()
        .ok_or_else(|| missing(field, "exceeds the 64-bit range of Solana amounts"))
}

fn wei(field: &str, s: Option<&str>) -> Result<u128> {
    let s = s.ok_or_else(|| {
        missing(
            field,
            "is required to sign an EVM transaction (no chain client configured)",
        )
    })?;
    let a = Amount::parse_base_units(s)?;
    u128::try_from(a.as_u256()).map_err(|_| missing(field, "is out of range"))
}

/// Checks, before anything is stored, that the request carries what signing needs
/// (nothing is needed when a chain client serves the network).
///
/// # Errors
/// `VALIDATION_FAILED` naming the missing chain parameter.
pub(crate) fn check_chain_params(
    network: Network,
    op: &ResolvedOperation,
    chain: &ChainParams,
    clients: &ChainClients,
) -> Result<()> {
    if clients.serves(network) {
        return Ok(());
    }
    if matches!(
        op,
        ResolvedOperation::SignMessage { .. }
            | ResolvedOperation::SignTypedData { .. }
            | ResolvedOperation::RawTransaction { .. }
    ) {
        return Ok(());
    }
    match network.chain() {
        Chain::Solana => {
            solana_blockhash(chain)?;
        }
        Chain::Ethereum => {
            chain.nonce.ok_or_else(|| {
                missing(
                    "chain.nonce",
                    "is required to sign an EVM transaction (no chain client configured)",
                )
            })?;
            wei("chain.maxFeePerGas", chain.max_fee_per_gas.as_deref())?;
            wei(
                "chain.maxPriorityFeePerGas",
                chain.max_priority_fee_per_gas.as_deref(),
            )?;
            if matches!(op, ResolvedOperation::ContractCall { .. }) && chain.gas_limit.is_none() {
                return Err(missing("chain.gasLimit", "is required for a contract call"));
            }
        }
    }
    Ok(())
}

fn solana_blockhash(chain: &ChainParams) -> Result<[u8; 32]> {
    let s = chain.recent_blockhash.as_deref().ok_or_else(|| {
        missing(
            "chain.recentBlockhash",
            "is required to sign a Solana transaction (no chain client configured)",
        )
    })?;
    let mut out = [0u8; 32];
    match bs58::decode(s).onto(&mut out) {
        Ok(32) => Ok(out),
        _ => Err(missing(
            "chain.recentBlockhash",
            "must be base58 of 32 bytes",
        )),
    }
}

#[cfg(feature = "solana")]
fn sol(s: &str) -> Result<waiaas_core::SolanaAddress> {
    Ok(waiaas_core::SolanaAddress::parse(s)?)
}

fn evm(s: &str) -> Result<EvmAddress> {
    Ok(EvmAddress::parse(s)?)
}

#[cfg(feature = "solana")]
fn token_program(p: &str) -> waiaas_chains::solana::TokenProgram {
    if p == "token-2022" {
        waiaas_chains::solana::TokenProgram::Token2022
    } else {
        waiaas_chains::solana::TokenProgram::Token
    }
}

/// Fills the chain parameters a client can supply and the caller left out.
/// Chain parameters completed by the network's client, and the fee estimate it gave
/// while doing so (asked once per send: the ceiling reuses it).
pub(crate) struct Prepared {
    pub chain: ChainParams,
    pub fee_estimate: Option<u128>,
}

fn fill_params(vault: &Vault, req: &ResolvedRequest, clients: &ChainClients) -> Result<Prepared> {
    let mut chain = req.chain.clone();
    let mut fee_estimate = None;
    // Messages, typed data and raw transactions carry everything they need.
    if matches!(
        req.operation,
        ResolvedOperation::SignMessage { .. }
            | ResolvedOperation::SignTypedData { .. }
            | ResolvedOperation::RawTransaction { .. }
    ) {
        return Ok(Prepared {
            chain,
            fee_estimate,
        });
    }
    if let Some(client) = clients.solana(req.network)
        && chain.recent_blockhash.is_none()
    {
        chain.recent_blockhash = Some(bs58::encode(client.latest_blockhash()?).into_string());
    }
    if let Some(client) = clients.evm(req.network) {
        let from = evm(&vault.wallet(req.wallet_id)?.address)?;
        chain.nonce = Some(pending_nonce(
            client.as_ref(),
            &from,
            "chain.nonce",
            chain.nonce,
        )?);
        if chain.max_fee_per_gas.is_none() || chain.max_priority_fee_per_gas.is_none() {
            let fees = client.fees()?;
            chain.max_fee_per_gas = Some(fees.max_fee_per_gas.to_string());
            chain.max_priority_fee_per_gas = Some(fees.max_priority_fee_per_gas.to_string());
            fee_estimate = Some(fees.max_fee_per_gas);
        }
        if chain.gas_limit.is_none()
            && let ResolvedOperation::ContractCall {
                contract,
                data,
                value,
                ..
            } = &req.operation
        {
            let data = hex::decode(data.trim_start_matches("0x"))
                .map_err(|_| missing("data", "is not valid hex"))?;
            chain.gas_limit = Some(client.estimate_gas(&waiaas_chains::client::EvmCall {
                from,
                to: evm(contract)?,
                value: *value,
                data,
            })?);
        }
    }
    Ok(Prepared {
        chain,
        fee_estimate,
    })
}

/// The account's pending nonce, which `stated` (a caller's or a raw transaction's) must
/// equal: a nonce ahead of it would be a signature that can be held back and landed
/// later (after the kill switch); a stale one cannot land.
///
/// # Errors
/// `VALIDATION_FAILED` naming `field` for another nonce; `CHAIN_ERROR`.
pub(crate) fn pending_nonce(
    client: &(dyn waiaas_chains::client::EvmChainClient + Send + Sync),
    from: &EvmAddress,
    field: &str,
    stated: Option<u64>,
) -> Result<u64> {
    let pending = client.transaction_count(from)?;
    match stated {
        Some(n) if n != pending => Err(missing(
            field,
            &format!(
                "has nonce {n} but the account's pending nonce is {pending}; use the pending one"
            ),
        )),
        _ => Ok(pending),
    }
}

/// Sends a signed transaction through the network's client, if one is configured:
/// `Ok(None)` without a client.
pub(crate) fn broadcast(
    network: Network,
    result: &ExecutionResult,
    clients: &ChainClients,
) -> Result<Option<String>> {
    let Some(signed) = &result.signed_transaction else {
        return Ok(None);
    };
    if let Some(client) = clients.solana(network) {
        return Ok(Some(client.send_transaction(signed)?));
    }
    if let Some(client) = clients.evm(network) {
        let raw = hex::decode(signed.trim_start_matches("0x"))
            .map_err(|_| missing("signedTransaction", "is not hex"))?;
        return Ok(Some(format!(
            "0x{}",
            hex::encode(client.send_raw_transaction(&raw)?)
        )));
    }
    Ok(None)
}

/// Fills chain parameters, then signs with the wallet's key (decrypted for this call
/// only).
pub(crate) fn execute(
    vault: &Vault,
    req: &ResolvedRequest,
    clients: &ChainClients,
) -> Result<ExecutionResult> {
    let chain = fill_params(vault, req, clients)?.chain;
    sign_request(&VaultSigner::for_wallet(vault, req.wallet_id)?, req, &chain)
}

/// The chain parameters a send will be signed with (the caller's, completed by the
/// network's client when one is configured).
pub(crate) fn prepare_params(
    vault: &Vault,
    req: &ResolvedRequest,
    clients: &ChainClients,
) -> Result<Prepared> {
    fill_params(vault, req, clients)
}

/// Signs `req` with `signer` and `chain` parameters; touches no storage when the
/// signer was made from a wallet row.
pub(crate) fn sign_request(
    signer: &VaultSigner<'_>,
    req: &ResolvedRequest,
    chain: &ChainParams,
) -> Result<ExecutionResult> {
    check_fee(req, chain)?;
    match (&req.operation, req.network.chain()) {
        (ResolvedOperation::SignMessage { message }, chain) => {
            let bytes = hex::decode(message.trim_start_matches("0x"))
                .map_err(|_| missing("message", "is not valid hex"))?;
            let (signature, signed_message) = match chain {
                #[cfg(feature = "solana")]
                Chain::Solana => {
                    // Signed inside the off-chain message envelope, never as raw bytes.
                    let signed = waiaas_chains::solana::sign_message(signer, &bytes)?;
                    (
                        bs58::encode(signed.signature).into_string(),
                        Some(format!("0x{}", hex::encode(&signed.signed_bytes))),
                    )
                }
                #[cfg(feature = "evm")]
                Chain::Ethereum => (
                    format!(
                        "0x{}",
                        hex::encode(waiaas_chains::evm::personal_sign(signer, &bytes)?)
                    ),
                    None,
                ),
                #[cfg(not(all(feature = "solana", feature = "evm")))]
                other => return Err(crate::chain_features::not_compiled(other)),
            };
            Ok(ExecutionResult {
                signature: Some(signature),
                signed_message,
                ..ExecutionResult::default()
            })
        }
        #[cfg(feature = "evm")]
        (ResolvedOperation::SignTypedData { typed_data, .. }, Chain::Ethereum) => {
            let sig = waiaas_chains::evm::typed_data::sign_typed_data(signer, typed_data)?;
            Ok(ExecutionResult {
                signature: Some(format!("0x{}", hex::encode(sig))),
                ..ExecutionResult::default()
            })
        }
        (ResolvedOperation::SignTypedData { .. }, Chain::Solana) => {
            Err(missing("type", "EIP-712 typed data is for EVM wallets"))
        }
        #[cfg(feature = "solana")]
        (ResolvedOperation::RawTransaction { raw, .. }, Chain::Solana) => {
            // Signs exactly the bytes that were decoded and judged.
            let prepared = waiaas_chains::solana::decode::PreparedTransaction::from_base64(raw)?;
            let signed = waiaas_chains::solana::sign_prepared(signer, &prepared)?;
            Ok(ExecutionResult {
                signed_transaction: Some(signed.to_base64()),
                tx_hash: Some(bs58::encode(signed.signature).into_string()),
                signature: None,
                signed_message: None,
            })
        }
        #[cfg(feature = "evm")]
        (ResolvedOperation::RawTransaction { raw, .. }, Chain::Ethereum) => {
            let prepared =
                waiaas_chains::evm::decode::PreparedTransaction::from_hex(req.network, raw)?;
            let signed = waiaas_chains::evm::sign_prepared(signer, &prepared)?;
            Ok(ExecutionResult {
                signed_transaction: Some(signed.raw_hex()),
                tx_hash: Some(signed.hash_hex()),
                signature: None,
                signed_message: None,
            })
        }
        #[cfg(feature = "solana")]
        (op, Chain::Solana) => execute_solana(signer, op, chain),
        #[cfg(feature = "evm")]
        (op, Chain::Ethereum) => execute_evm(signer, req.network, op, chain),
        #[cfg(not(all(feature = "solana", feature = "evm")))]
        (_, other) => Err(crate::chain_features::not_compiled(other)),
    }
}

#[cfg(feature = "solana")]
fn execute_solana(
    signer: &VaultSigner<'_>,
    op: &ResolvedOperation,
    chain: &ChainParams,
) -> Result<ExecutionResult> {
    use waiaas_chains::solana::{ComputeBudget, Lifetime, SolanaAction, SolanaTxRequest};
    let action = match op {
        ResolvedOperation::Transfer { to, amount } => SolanaAction::Transfer {
            to: sol(to)?,
            lamports: u64_amount("amount", *amount)?,
        },
        ResolvedOperation::TokenTransfer {
            to,
            token,
            amount,
            token_program: program,
        } => SolanaAction::TokenTransfer {
            mint: sol(&token.address)?,
            to_owner: sol(to)?,
            amount: u64_amount("amount", *amount)?,
            decimals: token
                .decimals
                .ok_or_else(|| missing("token.decimals", "are unknown"))?,
            program: token_program(program),
            create_recipient_account: true,
            from_owner: None,
        },
        ResolvedOperation::Approve {
            spender,
            token,
            amount,
            token_program: program,
        } => SolanaAction::Approve {
            mint: sol(&token.address)?,
            delegate: sol(spender)?,
            amount: u64_amount("amount", *amount)?,
            decimals: token.decimals,
            program: token_program(program),
        },
        ResolvedOperation::ContractCall { .. }
        | ResolvedOperation::SignMessage { .. }
        | ResolvedOperation::SignTypedData { .. }
        | ResolvedOperation::RawTransaction { .. } => {
            return Err(missing("type", "not a Solana transaction operation"));
        }
    };
    let signed = waiaas_chains::solana::sign_transaction(
        signer,
        &SolanaTxRequest {
            actions: vec![action],
            lifetime: Lifetime::RecentBlockhash(solana_blockhash(chain)?),
            compute_budget: ComputeBudget::default(),
        },
    )?;
    Ok(ExecutionResult {
        signed_transaction: Some(signed.to_base64()),
        tx_hash: Some(signed.signature()),
        signature: None,
        signed_message: None,
    })
}

#[cfg(feature = "evm")]
fn execute_evm(
    signer: &VaultSigner<'_>,
    network: Network,
    op: &ResolvedOperation,
    chain: &ChainParams,
) -> Result<ExecutionResult> {
    use waiaas_chains::evm::{EvmTxRequest, erc20_approve_calldata, erc20_transfer_calldata};
    let (to, value, data) = match op {
        ResolvedOperation::Transfer { to, amount } => (evm(to)?, *amount, Vec::new()),
        ResolvedOperation::TokenTransfer {
            to, token, amount, ..
        } => (
            evm(&token.address)?,
            Amount::ZERO,
            erc20_transfer_calldata(&evm(to)?, *amount),
        ),
        ResolvedOperation::Approve {
            spender,
            token,
            amount,
            ..
        } => (
            evm(&token.address)?,
            Amount::ZERO,
            erc20_approve_calldata(&evm(spender)?, *amount),
        ),
        ResolvedOperation::ContractCall {
            contract,
            data,
            value,
            ..
        } => (
            evm(contract)?,
            *value,
            hex::decode(data.trim_start_matches("0x"))
                .map_err(|_| missing("data", "is not valid hex"))?,
        ),
        ResolvedOperation::SignMessage { .. }
        | ResolvedOperation::SignTypedData { .. }
        | ResolvedOperation::RawTransaction { .. } => {
            return Err(missing("type", "not an EVM transaction operation"));
        }
    };
    let chain_id = network
        .evm_chain_id()
        .ok_or_else(|| missing("network", "is not an EVM network"))?;
    let request = EvmTxRequest {
        chain_id,
        nonce: chain
            .nonce
            .ok_or_else(|| missing("chain.nonce", "is required to sign an EVM transaction"))?,
        max_fee_per_gas: wei("chain.maxFeePerGas", chain.max_fee_per_gas.as_deref())?,
        max_priority_fee_per_gas: wei(
            "chain.maxPriorityFeePerGas",
            chain.max_priority_fee_per_gas.as_deref(),
        )?,
        gas_limit: gas_limit(op, chain)
            .ok_or_else(|| missing("chain.gasLimit", "is required for a contract call"))?,
        to,
        value,
        data,
    };
    let signed = waiaas_chains::evm::sign_transaction(signer, &request)?;
    Ok(ExecutionResult {
        signed_transaction: Some(signed.raw_hex()),
        tx_hash: Some(signed.hash_hex()),
        signature: None,
        signed_message: None,
    })
}
