//! Sign-only decoder: a raw unsigned EIP-1559 transaction (`0x02 ‖ rlp(fields)`, hex)
//! → [`DecodedTransaction`], and [`call_intents`]: what one call does, for raw
//! transactions and `CONTRACT_CALL` requests alike.
//!
//! | calldata | intent(s) |
//! |---|---|
//! | empty | [`Intent::Transfer`] of `value` to `to` (inside a multicall: [`Intent::ContractCall`] without selector) |
//! | ERC-20 `transfer(to, amount)` | [`Intent::TokenTransfer`] (token = the called contract) |
//! | ERC-20 `transferFrom(from, to, amount)` (also ERC-721's: same selector) | [`Intent::TokenTransfer`] |
//! | ERC-20 `approve(spender, amount)` (also ERC-721's) | [`Intent::Approve`] |
//! | ERC-20 `increaseAllowance(spender, added)`, `increaseApproval(spender, added)` | [`Intent::AllowanceIncrease`] of the increment (the total is unknown) |
//! | ERC-20 `decreaseAllowance(spender, subtracted)` | [`Intent::ContractCall`] (only lowers a grant) |
//! | DAI `push(usr, wad)`, `move(src, dst, wad)`, `pull(usr, wad)` | [`Intent::TokenTransfer`] of `wad` (to `usr` / `dst`; `pull` too, judged as outgoing) |
//! | EIP-2612 `permit(owner, spender, value, deadline, v, r, s)` | [`Intent::Approve`] of `value` |
//! | DAI `permit(holder, spender, nonce, expiry, allowed, v, r, s)` | `allowed`: unlimited [`Intent::Approve`]; else [`Intent::ContractCall`] |
//! | ERC-1363 / ERC-677 `transferAndCall`, `transferFromAndCall` (all overloads) | [`Intent::TokenTransfer`] |
//! | ERC-1363 `approveAndCall` (both overloads) | [`Intent::Approve`] |
//! | Permit2 `approve(token, spender, amount, expiration)` | [`Intent::Approve`] of `token` (`uint160`: unlimited from 2^159) |
//! | Permit2 `permit(owner, PermitSingle \| PermitBatch, signature)` | one [`Intent::Approve`] per grant |
//! | Permit2 `transferFrom(from, to, amount, token)` and its batch form | one [`Intent::TokenTransfer`] per transfer |
//! | Permit2 `permitTransferFrom` / `permitWitnessTransferFrom` (single and batch) | one [`Intent::TokenTransfer`] per transfer (permitted token, requested amount; lengths must match) |
//! | ERC-777 `send`, `operatorSend` | [`Intent::TokenTransfer`] |
//! | ERC-777 `authorizeOperator(operator)` | unlimited [`Intent::Approve`] |
//! | ERC-721 `safeTransferFrom(from, to, id[, data])` | [`Intent::NftTransfer`] of 1 |
//! | ERC-1155 `safeTransferFrom(from, to, id, amount, data)` | [`Intent::NftTransfer`] of `amount` |
//! | ERC-1155 `safeBatchTransferFrom(from, to, ids, amounts, data)` | one [`Intent::NftTransfer`] per id (lengths must match) |
//! | `setApprovalForAll(operator, approved)` | `true`: unlimited [`Intent::Approve`] of the collection and an [`Intent::NftTransfer`] of every token (`*`) to the operator; `false`: [`Intent::ContractCall`] |
//! | self-multicall `multicall(bytes[])`, `multicall(uint256, bytes[])`, `multicall(bytes32, bytes[])` | [`Intent::ContractCall`] for the wrapper (with `value`), then every inner call decoded as a call to the same contract with value 0 |
//! | Multicall3 `aggregate*` / `tryAggregate` / `*BlockAndAggregate`, Safe `execTransaction`, ERC-4337 `execute` / `executeBatch` (both forms), Universal Router `execute` (both forms) | [`Intent::Wrapper`] with `value` (denied unless the operator lists it as opaque) |
//! | anything else | [`Intent::ContractCall`] with the 4-byte selector and `value` |
//!
//! A recognised token or NFT call that also carries native value adds an
//! [`Intent::ContractCall`] for that value, so neither effect goes unjudged. A wrapper
//! carries its value on its own [`Intent::Wrapper`]. In a self-multicall every inner
//! delegatecall sees the same `msg.value`, but only the wrapper's value leaves the
//! wallet: it is on the wrapper's leg, inner legs carry zero.
//!
//! Arguments of every recognised selector are decoded strictly (alloy-sol-types strict
//! mode): short calldata, trailing bytes, dirty padding (an address word with high
//! bits set, a `bool` other than 0/1) and non-canonical offsets are refused
//! (`INVALID_TRANSACTION`), because what the contract reads and what we read could
//! otherwise differ. Self-multicalls nested deeper than [`MAX_CALL_DEPTH`] or one call
//! decoding to more than [`MAX_CALL_INTENTS`] effects are refused likewise.
//!
//! ERC-721 `transferFrom` / `approve` share their selectors with ERC-20: they are judged
//! as ERC-20 calls on the collection (token id as amount), so the collection must be in
//! `ALLOWED_TOKENS` for a transfer, which it never is: they fail closed. The `from` of a
//! transfer is not checked against the wallet (the decoder does not know the signer): a
//! transfer is judged as the wallet's outflow either way. Contract creation is refused.

use alloy_consensus::TxEip1559;
use alloy_consensus::transaction::RlpEcdsaDecodableTx;
use alloy_primitives::{Address, Bytes, TxKind};
use alloy_sol_types::SolCall;
use alloy_sol_types::abi::AbiDecoderConfig;
use ruint::aliases::U256;
use waiaas_core::{Amount, Chain, EvmAddress, Network};

use super::{
    IAccountExecute, IAccountExecuteCalls, IDaiMoves, IDaiPermit, IERC20, IERC20Allowance, IERC721,
    IERC777, IERC1155, IERC1363, IERC2612, IGnosisSafe, IMulticall3, IPermit2, ISelfMulticall,
    ISelfMulticallBlockhash, ISelfMulticallDeadline, ISignatureTransfer, IUniversalRouter,
    check_chain_id,
};
use crate::error::ChainError;
use crate::intent::{DecodedTransaction, Intent, is_unlimited};

/// Deepest nesting of self-multicalls that is decoded; deeper is refused.
pub const MAX_CALL_DEPTH: usize = 4;

/// Most effects one call may decode to (inner calls, batch items); more is refused.
pub const MAX_CALL_INTENTS: usize = 64;

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

/// Strict ABI decoding of a call's arguments (see the module docs).
fn strict<C: SolCall>(data: &[u8]) -> Result<C, ChainError> {
    C::abi_decode_with_config(data, AbiDecoderConfig::new().strict(true)).map_err(|_| {
        ChainError::invalid_tx(format!(
            "calldata for `{}` is not canonical abi (short, trailing bytes, dirty padding or \
             non-canonical offsets); encode it with a standard abi encoder",
            C::SIGNATURE
        ))
    })
}

fn address(a: Address) -> String {
    super::from_alloy(a).to_checksum()
}

fn amount(v: U256) -> Amount {
    Amount::from_u256(v)
}

fn u160(v: alloy_primitives::aliases::U160) -> Amount {
    Amount::from_u256(U256::saturating_from(v))
}

fn token_transfer(token: &str, to: Address, value: U256) -> Intent {
    Intent::TokenTransfer {
        token: Some(token.to_owned()),
        to: address(to),
        amount: amount(value),
        decimals: None,
        program: None,
    }
}

fn approve(token: &str, spender: Address, value: Amount, bits: u32) -> Intent {
    Intent::Approve {
        token: Some(token.to_owned()),
        spender: address(spender),
        amount: value,
        decimals: None,
        unlimited: is_unlimited(value, bits),
    }
}

/// A grant of at least the increment: the previous allowance is not known here, so
/// repeated increments must not pass as small approvals.
fn allowance_increase(token: &str, spender: Address, added: U256) -> Intent {
    Intent::AllowanceIncrease {
        token: Some(token.to_owned()),
        spender: address(spender),
        amount: amount(added),
        decimals: None,
    }
}

fn nft_transfer(contract: &str, to: Address, id: U256, value: Amount) -> Intent {
    Intent::NftTransfer {
        contract: contract.to_owned(),
        to: address(to),
        token_id: id.to_string(),
        amount: value,
    }
}

fn permit2_grant(details: &IPermit2::PermitDetails, spender: Address) -> Intent {
    approve(&address(details.token), spender, u160(details.amount), 160)
}

fn signature_transfer(
    permitted: &ISignatureTransfer::TokenPermissions,
    details: &ISignatureTransfer::SignatureTransferDetails,
) -> Intent {
    token_transfer(
        &address(permitted.token),
        details.to,
        details.requestedAmount,
    )
}

fn signature_transfers(
    permitted: &[ISignatureTransfer::TokenPermissions],
    details: &[ISignatureTransfer::SignatureTransferDetails],
) -> Result<Effect, ChainError> {
    if permitted.len() != details.len() {
        return Err(ChainError::invalid_tx(format!(
            "permit2 batch transfer has {} permissions and {} transfers; they must pair up",
            permitted.len(),
            details.len()
        )));
    }
    Ok(Effect::Moves(
        permitted
            .iter()
            .zip(details)
            .map(|(p, d)| signature_transfer(p, d))
            .collect(),
    ))
}

/// What a recognised selector does.
enum Effect {
    /// Token / NFT effects (empty: the call moves nothing, judged as a plain call).
    Moves(Vec<Intent>),
    /// A call judged as itself (`CONTRACT_WHITELIST`, `METHOD_WHITELIST`).
    Plain,
    /// Executes calls elsewhere that waiaas does not attribute.
    Wrapper,
    /// Delegatecalls each of these on the same contract.
    SelfMulticall(Vec<Bytes>),
}

/// Whether `selector` is `C`'s; then its arguments, strictly decoded.
fn is<C: SolCall>(selector: [u8; 4], data: &[u8]) -> Result<Option<C>, ChainError> {
    if selector == C::SELECTOR {
        strict::<C>(data).map(Some)
    } else {
        Ok(None)
    }
}

/// Token and NFT calls.
fn token_effect(
    contract: &str,
    selector: [u8; 4],
    data: &[u8],
) -> Result<Option<Effect>, ChainError> {
    let one = |i: Intent| Ok(Some(Effect::Moves(vec![i])));
    if let Some(c) = is::<IERC20::transferCall>(selector, data)? {
        return one(token_transfer(contract, c.to, c.amount));
    }
    if let Some(c) = is::<IERC20::transferFromCall>(selector, data)? {
        return one(token_transfer(contract, c.to, c.amount));
    }
    if let Some(c) = is::<IDaiMoves::pushCall>(selector, data)? {
        return one(token_transfer(contract, c.usr, c.wad));
    }
    if let Some(c) = is::<IDaiMoves::moveCall>(selector, data)? {
        return one(token_transfer(contract, c.dst, c.wad));
    }
    // `pull` moves tokens to the wallet from an allowance it holds; judged as a token
    // movement all the same (fails closed for tokens outside ALLOWED_TOKENS).
    if let Some(c) = is::<IDaiMoves::pullCall>(selector, data)? {
        return one(token_transfer(contract, c.usr, c.wad));
    }
    if let Some(c) = is::<IERC20::approveCall>(selector, data)? {
        return one(approve(contract, c.spender, amount(c.amount), 256));
    }
    if let Some(c) = is::<IERC20Allowance::increaseAllowanceCall>(selector, data)? {
        return one(allowance_increase(contract, c.spender, c.addedValue));
    }
    if let Some(c) = is::<IERC20Allowance::increaseApprovalCall>(selector, data)? {
        return one(allowance_increase(contract, c.spender, c.addedValue));
    }
    if is::<IERC20Allowance::decreaseAllowanceCall>(selector, data)?.is_some() {
        return Ok(Some(Effect::Plain));
    }
    if let Some(c) = is::<IERC2612::permitCall>(selector, data)? {
        return one(approve(contract, c.spender, amount(c.value), 256));
    }
    if let Some(c) = is::<IDaiPermit::permitCall>(selector, data)? {
        if c.allowed {
            return one(approve(contract, c.spender, Amount::MAX, 256));
        }
        return Ok(Some(Effect::Plain));
    }
    if let Some(c) = is::<IERC1363::transferAndCall_0Call>(selector, data)? {
        return one(token_transfer(contract, c.to, c.value));
    }
    if let Some(c) = is::<IERC1363::transferAndCall_1Call>(selector, data)? {
        return one(token_transfer(contract, c.to, c.value));
    }
    if let Some(c) = is::<IERC1363::transferFromAndCall_0Call>(selector, data)? {
        return one(token_transfer(contract, c.to, c.value));
    }
    if let Some(c) = is::<IERC1363::transferFromAndCall_1Call>(selector, data)? {
        return one(token_transfer(contract, c.to, c.value));
    }
    if let Some(c) = is::<IERC1363::approveAndCall_0Call>(selector, data)? {
        return one(approve(contract, c.spender, amount(c.value), 256));
    }
    if let Some(c) = is::<IERC1363::approveAndCall_1Call>(selector, data)? {
        return one(approve(contract, c.spender, amount(c.value), 256));
    }
    if let Some(c) = is::<IPermit2::approveCall>(selector, data)? {
        return one(approve(&address(c.token), c.spender, u160(c.amount), 160));
    }
    if let Some(c) = is::<IPermit2::permit_0Call>(selector, data)? {
        return one(permit2_grant(
            &c.permitSingle.details,
            c.permitSingle.spender,
        ));
    }
    if let Some(c) = is::<IPermit2::permit_1Call>(selector, data)? {
        let spender = c.permitBatch.spender;
        return Ok(Some(Effect::Moves(
            c.permitBatch
                .details
                .iter()
                .map(|d| permit2_grant(d, spender))
                .collect(),
        )));
    }
    if let Some(c) = is::<IPermit2::transferFrom_0Call>(selector, data)? {
        return one(Intent::TokenTransfer {
            token: Some(address(c.token)),
            to: address(c.to),
            amount: u160(c.amount),
            decimals: None,
            program: None,
        });
    }
    if let Some(c) = is::<IPermit2::transferFrom_1Call>(selector, data)? {
        return Ok(Some(Effect::Moves(
            c.transferDetails
                .iter()
                .map(|d| Intent::TokenTransfer {
                    token: Some(address(d.token)),
                    to: address(d.to),
                    amount: u160(d.amount),
                    decimals: None,
                    program: None,
                })
                .collect(),
        )));
    }
    if let Some(c) = is::<ISignatureTransfer::permitTransferFrom_0Call>(selector, data)? {
        return one(signature_transfer(&c.permit.permitted, &c.transferDetails));
    }
    if let Some(c) = is::<ISignatureTransfer::permitTransferFrom_1Call>(selector, data)? {
        return signature_transfers(&c.permit.permitted, &c.transferDetails).map(Some);
    }
    if let Some(c) = is::<ISignatureTransfer::permitWitnessTransferFrom_0Call>(selector, data)? {
        return one(signature_transfer(&c.permit.permitted, &c.transferDetails));
    }
    if let Some(c) = is::<ISignatureTransfer::permitWitnessTransferFrom_1Call>(selector, data)? {
        return signature_transfers(&c.permit.permitted, &c.transferDetails).map(Some);
    }
    if let Some(c) = is::<IERC777::sendCall>(selector, data)? {
        return one(token_transfer(contract, c.recipient, c.amount));
    }
    if let Some(c) = is::<IERC777::operatorSendCall>(selector, data)? {
        return one(token_transfer(contract, c.recipient, c.amount));
    }
    if let Some(c) = is::<IERC777::authorizeOperatorCall>(selector, data)? {
        return one(approve(contract, c.operator, Amount::MAX, 256));
    }
    if let Some(c) = is::<IERC721::safeTransferFrom_0Call>(selector, data)? {
        return one(nft_transfer(contract, c.to, c.tokenId, Amount::from_u64(1)));
    }
    if let Some(c) = is::<IERC721::safeTransferFrom_1Call>(selector, data)? {
        return one(nft_transfer(contract, c.to, c.tokenId, Amount::from_u64(1)));
    }
    if let Some(c) = is::<IERC721::setApprovalForAllCall>(selector, data)? {
        if c.approved {
            // The operator may take every token of the collection: an unlimited grant and,
            // for the NFT rules (collection whitelisted, recipient listed, the owner's
            // approval), a transfer of all of them (`token_id` `*`) to the operator.
            return Ok(Some(Effect::Moves(vec![
                Intent::Approve {
                    token: Some(contract.to_owned()),
                    spender: address(c.operator),
                    amount: Amount::MAX,
                    decimals: None,
                    unlimited: true,
                },
                Intent::NftTransfer {
                    contract: contract.to_owned(),
                    to: address(c.operator),
                    token_id: "*".to_owned(),
                    amount: Amount::MAX,
                },
            ])));
        }
        return Ok(Some(Effect::Plain));
    }
    if let Some(c) = is::<IERC1155::safeTransferFromCall>(selector, data)? {
        return one(nft_transfer(contract, c.to, c.id, amount(c.value)));
    }
    if let Some(c) = is::<IERC1155::safeBatchTransferFromCall>(selector, data)? {
        if c.ids.len() != c.values.len() {
            return Err(ChainError::invalid_tx(format!(
                "`safeBatchTransferFrom` has {} ids and {} amounts; they must pair up",
                c.ids.len(),
                c.values.len()
            )));
        }
        return Ok(Some(Effect::Moves(
            c.ids
                .iter()
                .zip(&c.values)
                .map(|(id, v)| nft_transfer(contract, c.to, *id, amount(*v)))
                .collect(),
        )));
    }
    Ok(None)
}

/// Self-multicalls and wrappers.
fn wrapper_effect(selector: [u8; 4], data: &[u8]) -> Result<Option<Effect>, ChainError> {
    if let Some(c) = is::<ISelfMulticall::multicallCall>(selector, data)? {
        return Ok(Some(Effect::SelfMulticall(c.data)));
    }
    if let Some(c) = is::<ISelfMulticallDeadline::multicallCall>(selector, data)? {
        return Ok(Some(Effect::SelfMulticall(c.data)));
    }
    if let Some(c) = is::<ISelfMulticallBlockhash::multicallCall>(selector, data)? {
        return Ok(Some(Effect::SelfMulticall(c.data)));
    }
    // Calls elsewhere: decoded strictly too, so malformed wrappers are refused even
    // where the operator lists them as opaque.
    let wrapper = is::<IMulticall3::aggregateCall>(selector, data)?.is_some()
        || is::<IMulticall3::aggregate3Call>(selector, data)?.is_some()
        || is::<IMulticall3::aggregate3ValueCall>(selector, data)?.is_some()
        || is::<IMulticall3::tryAggregateCall>(selector, data)?.is_some()
        || is::<IMulticall3::tryBlockAndAggregateCall>(selector, data)?.is_some()
        || is::<IMulticall3::blockAndAggregateCall>(selector, data)?.is_some()
        || is::<IGnosisSafe::execTransactionCall>(selector, data)?.is_some()
        || is::<IAccountExecute::executeCall>(selector, data)?.is_some()
        || is::<IAccountExecute::executeBatchCall>(selector, data)?.is_some()
        || is::<IAccountExecuteCalls::executeBatchCall>(selector, data)?.is_some()
        || is::<IUniversalRouter::execute_0Call>(selector, data)?.is_some()
        || is::<IUniversalRouter::execute_1Call>(selector, data)?.is_some();
    Ok(wrapper.then_some(Effect::Wrapper))
}

fn push(out: &mut Vec<Intent>, intent: Intent) -> Result<(), ChainError> {
    if out.len() >= MAX_CALL_INTENTS {
        return Err(ChainError::invalid_tx(format!(
            "the call decodes to more than {MAX_CALL_INTENTS} effects; split it into several \
             transactions"
        )));
    }
    out.push(intent);
    Ok(())
}

fn decode_into(
    contract: &str,
    value: Amount,
    data: &[u8],
    depth: usize,
    out: &mut Vec<Intent>,
) -> Result<(), ChainError> {
    let Some(selector) = data.get(..4).and_then(|s| <[u8; 4]>::try_from(s).ok()) else {
        let intent = if !data.is_empty() {
            // 1–3 bytes of calldata: the fallback function runs.
            Intent::ContractCall {
                contract: contract.to_owned(),
                selector: Some(format!("0x{}", hex::encode(data))),
                value,
            }
        } else if depth == 0 {
            Intent::Transfer {
                to: contract.to_owned(),
                amount: value,
            }
        } else {
            // An empty inner call of a multicall runs the contract's own fallback.
            Intent::ContractCall {
                contract: contract.to_owned(),
                selector: None,
                value,
            }
        };
        return push(out, intent);
    };
    let call = || Intent::ContractCall {
        contract: contract.to_owned(),
        selector: Some(format!("0x{}", hex::encode(selector))),
        value,
    };
    let effect = match token_effect(contract, selector, data)? {
        Some(effect) => effect,
        None => wrapper_effect(selector, data)?.unwrap_or(Effect::Plain),
    };
    match effect {
        Effect::Moves(intents) => {
            let moves_nothing = intents.is_empty();
            for intent in intents {
                push(out, intent)?;
            }
            if moves_nothing || !value.is_zero() {
                push(out, call())?;
            }
        }
        Effect::Plain => push(out, call())?,
        Effect::Wrapper => push(
            out,
            Intent::Wrapper {
                contract: contract.to_owned(),
                selector: format!("0x{}", hex::encode(selector)),
                value,
            },
        )?,
        Effect::SelfMulticall(inner) => {
            let depth = depth
                .checked_add(1)
                .filter(|d| *d <= MAX_CALL_DEPTH)
                .ok_or_else(|| {
                    ChainError::invalid_tx(format!(
                        "multicalls are nested more than {MAX_CALL_DEPTH} deep; flatten them"
                    ))
                })?;
            // The wrapper itself stays a leg, so the contract and its selector are judged.
            push(out, call())?;
            for data in &inner {
                // Delegatecalls: each inner call acts on this contract with the caller's
                // authority; the native value is already on the wrapper's leg.
                decode_into(contract, Amount::ZERO, data, depth, out)?;
            }
        }
    }
    Ok(())
}

/// Intents of a call to `to` with `value` and `data`: the one decoder for raw
/// transactions and `CONTRACT_CALL` requests (see the module docs for the table).
///
/// # Errors
/// `INVALID_TRANSACTION` for a recognised selector whose arguments are not canonical
/// ABI, an ERC-1155 batch whose ids and amounts differ in length, self-multicalls nested
/// deeper than [`MAX_CALL_DEPTH`], or more than [`MAX_CALL_INTENTS`] effects.
pub fn call_intents(
    to: &EvmAddress,
    value: Amount,
    data: &[u8],
) -> Result<Vec<Intent>, ChainError> {
    let mut out = Vec::new();
    decode_into(&to.to_checksum(), value, data, 0, &mut out)?;
    Ok(out)
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
