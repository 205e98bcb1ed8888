//! EVM: EIP-1559 transactions, ERC-20 calldata, `personal_sign` (EIP-191), EIP-712 typed
//! data, signature recovery, and the sign-only decoders.
//!
//! Built on the split `alloy-*` crates. Signing computes the digest with alloy
//! (`signature_hash`, EIP-191, EIP-712) and signs it through [`Signer::sign_prehash`]
//! (RFC 6979, low-s); every signature is recovered once more before it is returned, so a
//! signature that would not recover to the wallet never leaves this module.

pub mod decode;
pub mod typed_data;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256};
use alloy_sol_types::{SolCall, sol};
use waiaas_core::{Amount, Chain, EvmAddress, Network, Signer, ValidationError};

use crate::error::ChainError;
use crate::owner::{eip191_hash, recover_prehash_signer};

pub use decode::{PreparedTransaction, decode_transaction};
pub use typed_data::{
    decode_typed_data, recover_typed_data_signer, sign_typed_data, typed_data_hash,
};

sol! {
    /// The ERC-20 functions waiaas builds and recognises.
    interface IERC20 {
        /// Moves `amount` to `to`.
        function transfer(address to, uint256 amount) external returns (bool);
        /// Lets `spender` move up to `amount`.
        function approve(address spender, uint256 amount) external returns (bool);
        /// Moves `amount` from `from` to `to` using an allowance.
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        /// Balance of `account`.
        function balanceOf(address account) external view returns (uint256);
    }
}

sol! {
    /// Allowance changes beyond `approve` (OpenZeppelin ERC-20 < 5).
    interface IERC20Allowance {
        /// Raises the allowance of `spender` by `addedValue`.
        function increaseAllowance(address spender, uint256 addedValue) external returns (bool);
        /// Lowers the allowance of `spender` by `subtractedValue`.
        function decreaseAllowance(address spender, uint256 subtractedValue) external returns (bool);
        /// The older spelling (LINK and other pre-OpenZeppelin-4 tokens).
        function increaseApproval(address spender, uint256 addedValue) external returns (bool);
    }

    /// DAI's (MakerDAO `dss`) transfer aliases.
    interface IDaiMoves {
        /// `transfer(usr, wad)`.
        function push(address usr, uint256 wad) external;
        /// `transferFrom(usr, msg.sender, wad)`.
        function pull(address usr, uint256 wad) external;
        /// `transferFrom(src, dst, wad)`.
        function move(address src, address dst, uint256 wad) external;
    }

    /// EIP-2612 `permit`, submitted as a call.
    interface IERC2612 {
        /// Sets the allowance of `spender` over `owner`'s tokens to `value`.
        function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
    }

    /// DAI's pre-EIP-2612 `permit`: `allowed` grants the maximum, or revokes.
    interface IDaiPermit {
        /// Sets the allowance of `spender` over `holder`'s tokens to max or zero.
        function permit(address holder, address spender, uint256 nonce, uint256 expiry, bool allowed, uint8 v, bytes32 r, bytes32 s) external;
    }

    /// ERC-1363 / ERC-677 token calls that move or grant and then call the recipient.
    interface IERC1363 {
        /// Transfer, then `onTransferReceived`.
        function transferAndCall(address to, uint256 value) external returns (bool);
        /// Transfer with data (also ERC-677), then the recipient hook.
        function transferAndCall(address to, uint256 value, bytes data) external returns (bool);
        /// `transferFrom`, then `onTransferReceived`.
        function transferFromAndCall(address from, address to, uint256 value) external returns (bool);
        /// `transferFrom` with data, then `onTransferReceived`.
        function transferFromAndCall(address from, address to, uint256 value, bytes data) external returns (bool);
        /// Approve, then `onApprovalReceived`.
        function approveAndCall(address spender, uint256 value) external returns (bool);
        /// Approve with data, then `onApprovalReceived`.
        function approveAndCall(address spender, uint256 value, bytes data) external returns (bool);
    }

    /// ERC-721 transfers (its `transferFrom` and `approve` share the ERC-20 selectors).
    interface IERC721 {
        /// Moves `tokenId` to `to`, checking that a contract recipient accepts it.
        function safeTransferFrom(address from, address to, uint256 tokenId) external;
        /// As above, with data for the recipient.
        function safeTransferFrom(address from, address to, uint256 tokenId, bytes data) external;
        /// Lets `operator` move every token of the caller (ERC-721 and ERC-1155), or revokes.
        function setApprovalForAll(address operator, bool approved) external;
    }

    /// ERC-1155 transfers.
    interface IERC1155 {
        /// Moves `value` of token `id` to `to`.
        function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes data) external;
        /// Moves `values[i]` of token `ids[i]` to `to`.
        function safeBatchTransferFrom(address from, address to, uint256[] ids, uint256[] values, bytes data) external;
    }

    /// Uniswap Permit2 allowance calls (the token is an argument, not the callee).
    interface IPermit2 {
        /// Permit2 allowance details.
        struct PermitDetails { address token; uint160 amount; uint48 expiration; uint48 nonce; }
        /// A signed single grant.
        struct PermitSingle { PermitDetails details; address spender; uint256 sigDeadline; }
        /// A signed batch of grants.
        struct PermitBatch { PermitDetails[] details; address spender; uint256 sigDeadline; }
        /// One allowance transfer.
        struct AllowanceTransferDetails { address from; address to; uint160 amount; address token; }
        /// Lets `spender` move `amount` of `token` until `expiration`.
        function approve(address token, address spender, uint160 amount, uint48 expiration) external;
        /// Applies a signed single grant.
        function permit(address owner, PermitSingle permitSingle, bytes signature) external;
        /// Applies a signed batch of grants.
        function permit(address owner, PermitBatch permitBatch, bytes signature) external;
        /// Moves `amount` of `token` from `from` to `to` on an allowance.
        function transferFrom(address from, address to, uint160 amount, address token) external;
        /// Several allowance transfers.
        function transferFrom(AllowanceTransferDetails[] transferDetails) external;
    }

    /// Uniswap Permit2 signature transfers: the caller (spender) moves the signer's
    /// tokens to `transferDetails.to`.
    interface ISignatureTransfer {
        /// A token and the most that may move.
        struct TokenPermissions { address token; uint256 amount; }
        /// A signed single transfer permission.
        struct PermitTransferFrom { TokenPermissions permitted; uint256 nonce; uint256 deadline; }
        /// A signed batch transfer permission.
        struct PermitBatchTransferFrom { TokenPermissions[] permitted; uint256 nonce; uint256 deadline; }
        /// Where and how much.
        struct SignatureTransferDetails { address to; uint256 requestedAmount; }
        /// Moves under a single permission.
        function permitTransferFrom(PermitTransferFrom permit, SignatureTransferDetails transferDetails, address owner, bytes signature) external;
        /// Moves under a batch permission.
        function permitTransferFrom(PermitBatchTransferFrom permit, SignatureTransferDetails[] transferDetails, address owner, bytes signature) external;
        /// Moves under a single permission with a witness.
        function permitWitnessTransferFrom(PermitTransferFrom permit, SignatureTransferDetails transferDetails, address owner, bytes32 witness, string witnessTypeString, bytes signature) external;
        /// Moves under a batch permission with a witness.
        function permitWitnessTransferFrom(PermitBatchTransferFrom permit, SignatureTransferDetails[] transferDetails, address owner, bytes32 witness, string witnessTypeString, bytes signature) external;
    }

    /// ERC-777 sends and operators.
    interface IERC777 {
        /// Moves `amount` to `recipient`.
        function send(address recipient, uint256 amount, bytes data) external;
        /// Moves `amount` from `sender` to `recipient` as an operator.
        function operatorSend(address sender, address recipient, uint256 amount, bytes data, bytes operatorData) external;
        /// Lets `operator` move every token of the caller.
        function authorizeOperator(address operator) external;
    }

    /// Self-multicall (OpenZeppelin `Multicall`, Uniswap v3 periphery): delegatecalls to
    /// the same contract, so every inner call acts with the caller's authority.
    interface ISelfMulticall {
        /// Executes each `data[i]` on this contract.
        function multicall(bytes[] data) external payable returns (bytes[] results);
    }

    /// Uniswap `SwapRouter02` multicall with a deadline.
    interface ISelfMulticallDeadline {
        /// As `multicall(bytes[])`, reverting after `deadline`.
        function multicall(uint256 deadline, bytes[] data) external payable returns (bytes[] results);
    }

    /// Uniswap `SwapRouter02` multicall bound to a previous block hash.
    interface ISelfMulticallBlockhash {
        /// As `multicall(bytes[])`, reverting unless `previousBlockhash` matches.
        function multicall(bytes32 previousBlockhash, bytes[] data) external payable returns (bytes[] results);
    }

    /// Multicall3: calls other contracts (`msg.sender` there is Multicall3, but value
    /// and any allowance granted to it are forwarded).
    interface IMulticall3 {
        /// A call.
        struct Call { address target; bytes callData; }
        /// A call that may fail.
        struct Call3 { address target; bool allowFailure; bytes callData; }
        /// A call that may fail, with value.
        struct Call3Value { address target; bool allowFailure; uint256 value; bytes callData; }
        /// A call's outcome.
        struct Result { bool success; bytes returnData; }
        /// Executes `calls`, all must succeed.
        function aggregate(Call[] calls) external payable returns (uint256 blockNumber, bytes[] returnData);
        /// Executes `calls`, each may be allowed to fail.
        function aggregate3(Call3[] calls) external payable returns (Result[] returnData);
        /// Executes `calls` with value.
        function aggregate3Value(Call3Value[] calls) external payable returns (Result[] returnData);
        /// Executes `calls`, optionally requiring success.
        function tryAggregate(bool requireSuccess, Call[] calls) external payable returns (Result[] returnData);
        /// As `tryAggregate`, with the block number and hash.
        function tryBlockAndAggregate(bool requireSuccess, Call[] calls) external payable returns (uint256 blockNumber, bytes32 blockHash, Result[] returnData);
        /// As `aggregate`, with the block hash.
        function blockAndAggregate(Call[] calls) external payable returns (uint256 blockNumber, bytes32 blockHash, Result[] returnData);
    }

    /// Gnosis Safe: executes a transaction signed by the owners.
    interface IGnosisSafe {
        /// Executes `to.call{value}(data)` (or a delegatecall for `operation` 1).
        function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) external payable returns (bool success);
    }

    /// ERC-4337 smart accounts (eth-infinitism `SimpleAccount` and compatible).
    interface IAccountExecute {
        /// Calls `dest` with `value` and `func`.
        function execute(address dest, uint256 value, bytes func) external;
        /// Calls each `dest[i]` with `value[i]` and `func[i]`.
        function executeBatch(address[] dest, uint256[] value, bytes[] func) external;
    }

    /// ERC-4337 `SimpleAccount` v0.7 batch form.
    interface IAccountExecuteCalls {
        /// A call.
        struct Call { address target; uint256 value; bytes data; }
        /// Executes each call.
        function executeBatch(Call[] calls) external;
    }

    /// Uniswap Universal Router.
    interface IUniversalRouter {
        /// Runs `commands` with `inputs`, reverting after `deadline`.
        function execute(bytes commands, bytes[] inputs, uint256 deadline) external payable;
        /// Runs `commands` with `inputs`.
        function execute(bytes commands, bytes[] inputs) external payable;
    }
}

fn addr(a: &EvmAddress) -> Address {
    Address::from(*a.as_bytes())
}

/// Converts an alloy address to ours.
#[must_use]
pub fn from_alloy(a: Address) -> EvmAddress {
    EvmAddress::from_bytes(a.into_array())
}

/// ERC-20 `transfer(to, amount)` calldata.
#[must_use]
pub fn erc20_transfer_calldata(to: &EvmAddress, amount: Amount) -> Vec<u8> {
    IERC20::transferCall {
        to: addr(to),
        amount: amount.as_u256(),
    }
    .abi_encode()
}

/// ERC-20 `approve(spender, amount)` calldata.
#[must_use]
pub fn erc20_approve_calldata(spender: &EvmAddress, amount: Amount) -> Vec<u8> {
    IERC20::approveCall {
        spender: addr(spender),
        amount: amount.as_u256(),
    }
    .abi_encode()
}

/// ERC-20 `balanceOf(account)` calldata (for `eth_call`).
#[must_use]
pub fn erc20_balance_of_calldata(account: &EvmAddress) -> Vec<u8> {
    IERC20::balanceOfCall {
        account: addr(account),
    }
    .abi_encode()
}

/// An EIP-1559 transaction to sign. Nonce, fees and gas come from the caller or an
/// [`crate::client::EvmChainClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmTxRequest {
    /// EIP-155 chain id; must equal the wallet network's.
    pub chain_id: u64,
    /// Sender nonce.
    pub nonce: u64,
    /// Max fee per gas (wei).
    pub max_fee_per_gas: u128,
    /// Max priority fee per gas (wei).
    pub max_priority_fee_per_gas: u128,
    /// Gas limit.
    pub gas_limit: u64,
    /// Recipient or contract (contract creation is not supported).
    pub to: EvmAddress,
    /// Native value (wei).
    pub value: Amount,
    /// Calldata.
    pub data: Vec<u8>,
}

impl EvmTxRequest {
    /// The alloy transaction.
    #[must_use]
    pub fn to_tx(&self) -> TxEip1559 {
        TxEip1559 {
            chain_id: self.chain_id,
            nonce: self.nonce,
            gas_limit: self.gas_limit,
            max_fee_per_gas: self.max_fee_per_gas,
            max_priority_fee_per_gas: self.max_priority_fee_per_gas,
            to: TxKind::Call(addr(&self.to)),
            value: self.value.as_u256(),
            access_list: Default::default(),
            input: Bytes::copy_from_slice(&self.data),
        }
    }

    /// The unsigned transaction as `0x02 ‖ rlp(fields)` (what sign-only callers send).
    #[must_use]
    pub fn encode_unsigned(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.to_tx().encode_for_signing(&mut out);
        out
    }
}

impl EvmTxRequest {
    /// Fills chain id, nonce, fees and gas limit from a node for a call from `from`.
    /// The gas limit is the node's estimate plus 20 % (unused gas is not charged). The
    /// chain id reported by the node must be `network`'s, or the request is refused.
    ///
    /// # Errors
    /// `CHAIN_MISMATCH` when the node serves another chain; the client's errors
    /// (`CHAIN_ERROR`, `TRANSACTION_REVERTED` when the call would revert,
    /// `INSUFFICIENT_BALANCE`).
    pub fn prepare(
        client: &dyn crate::client::EvmChainClient,
        network: Network,
        from: &EvmAddress,
        to: &EvmAddress,
        value: Amount,
        data: Vec<u8>,
    ) -> Result<Self, ChainError> {
        let chain_id = check_chain_id(network, client.chain_id()?)?;
        let nonce = client.transaction_count(from)?;
        let fees = client.fees()?;
        let estimate = client.estimate_gas(&crate::client::EvmCall {
            from: *from,
            to: *to,
            value,
            data: data.clone(),
        })?;
        let gas_limit = estimate.saturating_add(estimate / 5);
        Ok(Self {
            chain_id,
            nonce,
            max_fee_per_gas: fees.max_fee_per_gas,
            max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
            gas_limit,
            to: *to,
            value,
            data,
        })
    }
}

/// A signed EIP-1559 transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEvmTx {
    /// The envelope.
    pub envelope: TxEnvelope,
    /// EIP-2718 bytes (`0x02 ‖ rlp`), what `eth_sendRawTransaction` takes.
    pub raw: Vec<u8>,
    /// Transaction hash.
    pub hash: [u8; 32],
}

impl SignedEvmTx {
    /// `0x`-prefixed hex of [`SignedEvmTx::raw`].
    #[must_use]
    pub fn raw_hex(&self) -> String {
        format!("0x{}", hex::encode(&self.raw))
    }

    /// `0x`-prefixed hex of the hash.
    #[must_use]
    pub fn hash_hex(&self) -> String {
        format!("0x{}", hex::encode(self.hash))
    }
}

/// The wallet network's chain id, or the refusal when `chain_id` differs.
///
/// # Errors
/// `CHAIN_MISMATCH` when they differ; `VALIDATION_FAILED` for a non-EVM network.
pub fn check_chain_id(network: Network, chain_id: u64) -> Result<u64, ChainError> {
    let expected = network.evm_chain_id().ok_or_else(|| {
        ValidationError::field("network", format!("`{network}` is not an EVM network"))
    })?;
    if expected != chain_id {
        return Err(ChainError::ChainMismatch {
            network: network.to_string(),
            expected,
            found: chain_id,
        });
    }
    Ok(expected)
}

fn signer_address(signer: &dyn Signer) -> Result<EvmAddress, ChainError> {
    if signer.chain() != Chain::Ethereum {
        return Err(ValidationError::field("signer", "not an EVM signer").into());
    }
    Ok(EvmAddress::parse(signer.address())?)
}

/// Signs a digest; unless the signer's key was checked against its address at load,
/// checks that the signature recovers to the signer.
fn sign_digest(signer: &dyn Signer, digest: &[u8; 32]) -> Result<Signature, ChainError> {
    let expected = signer_address(signer)?;
    let (rs, recovery_id) = signer.sign_prehash(digest)?;
    let (r, s) = rs.split_at(32);
    let signature = Signature::new(
        U256::from_be_slice(r),
        U256::from_be_slice(s),
        recovery_id == 1,
    );
    if signer.key_checked() {
        return Ok(signature);
    }
    let recovered = recover_prehash_signer(digest, &signature.as_bytes())?;
    if recovered != expected {
        return Err(ChainError::bad_signature(
            "the signature does not recover to the wallet address",
        ));
    }
    Ok(signature)
}

/// Signs an EIP-1559 transaction with the signer's wallet. The chain id is checked
/// against the wallet's network **before** the key is touched.
///
/// # Errors
/// `CHAIN_MISMATCH` for another chain id; `VALIDATION_FAILED` for a non-EVM signer;
/// vault errors.
pub fn sign_transaction(
    signer: &dyn Signer,
    request: &EvmTxRequest,
) -> Result<SignedEvmTx, ChainError> {
    check_chain_id(signer.network(), request.chain_id)?;
    sign_tx(signer, request.to_tx())
}

fn sign_tx(signer: &dyn Signer, tx: TxEip1559) -> Result<SignedEvmTx, ChainError> {
    let digest: B256 = tx.signature_hash();
    let signature = sign_digest(signer, &digest.0)?;
    let signed = tx.into_signed(signature);
    let hash = signed.hash().0;
    let envelope = TxEnvelope::Eip1559(signed);
    let raw = envelope.encoded_2718();
    Ok(SignedEvmTx {
        envelope,
        raw,
        hash,
    })
}

/// Signs a prepared raw transaction (sign-only): exactly the decoded transaction. Its
/// chain id was checked against the network it was decoded for and is checked again
/// against the signer's wallet network.
///
/// # Errors
/// `CHAIN_MISMATCH`; `VALIDATION_FAILED` for a non-EVM signer; vault errors.
pub fn sign_prepared(
    signer: &dyn Signer,
    prepared: &PreparedTransaction,
) -> Result<SignedEvmTx, ChainError> {
    let tx = prepared.transaction().clone();
    check_chain_id(prepared.network(), tx.chain_id)?;
    check_chain_id(signer.network(), tx.chain_id)?;
    sign_tx(signer, tx)
}

/// `personal_sign` (EIP-191): the 65-byte `r ‖ s ‖ v` signature with `v` = 27 or 28.
///
/// # Errors
/// `VALIDATION_FAILED` for a non-EVM signer; vault errors.
pub fn personal_sign(signer: &dyn Signer, message: &[u8]) -> Result<[u8; 65], ChainError> {
    let signature = sign_digest(signer, &eip191_hash(message))?;
    Ok(signature_bytes(&signature))
}

/// `r ‖ s ‖ v` with `v` = 27 or 28 (the form `personal_sign` and
/// `eth_signTypedData_v4` return).
#[must_use]
pub fn signature_bytes(signature: &Signature) -> [u8; 65] {
    let mut out = signature.as_bytes();
    if let Some(v) = out.last_mut() {
        *v = if signature.v() { 28 } else { 27 };
    }
    out
}

/// Recovers the sender of a signed EIP-1559 transaction (independent check).
///
/// # Errors
/// `INVALID_SIGNATURE` when no key recovers.
pub fn recover_transaction_signer(tx: &SignedEvmTx) -> Result<EvmAddress, ChainError> {
    match &tx.envelope {
        TxEnvelope::Eip1559(signed) => {
            let digest = signed.tx().signature_hash();
            recover_prehash_signer(&digest.0, &signed.signature().as_bytes())
        }
        _ => Err(ChainError::unsupported(
            "only EIP-1559 transactions are signed",
        )),
    }
}
