//! EVM transactions built and signed by waiaas, decoded and recovered with alloy, and
//! executed by revm with exact balance checks. The ERC-20 is `TestToken.sol`
//! (testdata/contracts), compiled with solc 0.8.28; its runtime bytecode is embedded.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test helpers outside #[test] functions"
)]

use waiaas_test_support::evm_runtime::{Evm, Genesis, eth_balance, execute_raw};
use waiaas_test_support::testdata::contract_runtime;
use waiaas_test_support::vault as fixtures;

use alloy_consensus::TxEnvelope;
use alloy_consensus::transaction::SignerRecoverable;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, Bytes, Signature, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use revm::context::TxEnv;
use revm::state::{AccountInfo, Bytecode};
use revm::{Database, ExecuteCommitEvm, ExecuteEvm};
use waiaas_chains::VaultSigner;
use waiaas_chains::evm::{self, EvmTxRequest, IERC20};
use waiaas_core::{Amount, ErrorCode, EvmAddress, Network, WalletInfo};

/// Hardhat / anvil account #0 (published test key).
const KEY0: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADDR0: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/// Hardhat / anvil account #1.
const KEY1: &str = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const NETWORK: Network = Network::EthereumSepolia;
const CHAIN_ID: u64 = 11_155_111;
const GWEI: u128 = 1_000_000_000;
const ETH: u128 = 1_000_000_000_000_000_000;
const BASE_FEE: u64 = 10_000_000_000;

fn evm_with(accounts: &[(Address, u128)]) -> Evm {
    // The caller of read-only calls (balanceOf, allowance) pays their gas.
    let mut genesis = Genesis::new(CHAIN_ID)
        .base_fee(BASE_FEE)
        .fund(Address::repeat_byte(0xee), U256::from(ETH));
    for (a, wei) in accounts {
        genesis = genesis.fund(*a, U256::from(*wei));
    }
    genesis.build()
}

fn a(w: &WalletInfo) -> Address {
    w.address.parse().unwrap()
}

fn ours(addr: Address) -> EvmAddress {
    EvmAddress::from_bytes(addr.into_array())
}

/// Decodes the raw bytes with alloy, recovers the sender, and executes in revm.
fn execute(evm: &mut Evm, raw: &[u8]) -> revm::context::result::ExecutionResult {
    execute_raw(evm, raw)
}

fn request(
    nonce: u64,
    to: &EvmAddress,
    value: u128,
    data: Vec<u8>,
    gas_limit: u64,
) -> EvmTxRequest {
    EvmTxRequest {
        chain_id: CHAIN_ID,
        nonce,
        max_fee_per_gas: 30 * GWEI,
        max_priority_fee_per_gas: 2 * GWEI,
        gas_limit,
        to: *to,
        value: Amount::from_u128(value),
        data,
    }
}

/// What the sender pays per gas: min(max fee, base fee + tip) = 12 gwei here.
const PRICE: u128 = 12 * GWEI;

#[test]
fn eth_transfer_moves_exact_wei() {
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
    assert_eq!(wallet.address, ADDR0);
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let recipient = Address::repeat_byte(0x42);
    let mut evm = evm_with(&[(a(&wallet), 10 * ETH)]);

    let tx = evm::sign_transaction(
        &signer,
        &request(
            0,
            &ours(recipient),
            1_500_000_000_000_000_000,
            vec![],
            21_000,
        ),
    )
    .unwrap();
    let result = execute(&mut evm, &tx.raw);
    assert!(result.is_success(), "{result:?}");
    assert_eq!(result.tx_gas_used(), 21_000);
    assert_eq!(
        eth_balance(&mut evm, recipient),
        U256::from(1_500_000_000_000_000_000u128)
    );
    assert_eq!(
        eth_balance(&mut evm, a(&wallet)),
        U256::from(10 * ETH - 1_500_000_000_000_000_000 - 21_000 * PRICE)
    );
    // The hash is keccak256 of the raw bytes.
    assert_eq!(tx.hash, keccak256(&tx.raw).0);
}

fn token_runtime() -> Bytes {
    contract_runtime("TestToken").into()
}

/// Storage slot of `balanceOf[owner]` (mapping at slot 0).
fn balance_slot(owner: Address) -> U256 {
    let mut key = [0u8; 64];
    key[12..32].copy_from_slice(owner.as_slice());
    U256::from_be_bytes(keccak256(key).0)
}

fn token_call(evm: &mut Evm, token: Address, data: Vec<u8>) -> U256 {
    let env = TxEnv {
        caller: Address::repeat_byte(0xee),
        kind: TxKind::Call(token),
        data: data.into(),
        gas_limit: 100_000,
        gas_price: u128::from(BASE_FEE),
        chain_id: Some(CHAIN_ID),
        nonce: 0,
        ..TxEnv::default()
    };
    let out = evm.transact(env).unwrap();
    assert!(out.result.is_success());
    U256::from_be_slice(out.result.output().unwrap())
}

fn token_balance(evm: &mut Evm, token: Address, owner: Address) -> U256 {
    token_call(
        evm,
        token,
        IERC20::balanceOfCall { account: owner }.abi_encode(),
    )
}

#[test]
fn erc20_transfer_approve_and_transfer_from_against_real_bytecode() {
    let tv = fixtures::vault();
    let holder = fixtures::wallet_from_secret(&tv.vault, "holder", NETWORK, KEY0);
    let spender = fixtures::wallet_from_secret(&tv.vault, "spender", NETWORK, KEY1);
    let token = Address::repeat_byte(0x70);
    let (r1, r2) = (Address::repeat_byte(0x01), Address::repeat_byte(0x02));
    let mut evm = evm_with(&[(a(&holder), ETH), (a(&spender), ETH)]);
    evm.ctx.journaled_state.database.insert_account_info(
        token,
        AccountInfo::default().with_code(Bytecode::new_raw(token_runtime())),
    );
    evm.ctx
        .journaled_state
        .database
        .insert_account_storage(token, balance_slot(a(&holder)), U256::from(1_000u64))
        .unwrap();
    evm.ctx
        .journaled_state
        .database
        .insert_account_storage(token, U256::from(2u8), U256::from(1_000u64))
        .unwrap();
    let token_ours = ours(token);

    // transfer(r1, 250)
    let data = evm::erc20_transfer_calldata(&ours(r1), Amount::from_u64(250));
    let tx = evm::sign_transaction(
        &VaultSigner::new(&tv.vault, &holder),
        &request(0, &token_ours, 0, data, 100_000),
    )
    .unwrap();
    let result = execute(&mut evm, &tx.raw);
    assert!(result.is_success(), "{result:?}");
    let gas1 = u128::from(result.tx_gas_used());
    assert_eq!(
        token_balance(&mut evm, token, a(&holder)),
        U256::from(750u64)
    );
    assert_eq!(token_balance(&mut evm, token, r1), U256::from(250u64));
    assert_eq!(
        eth_balance(&mut evm, a(&holder)),
        U256::from(ETH - gas1 * PRICE)
    );

    // approve(spender, 100)
    let data = evm::erc20_approve_calldata(&ours(a(&spender)), Amount::from_u64(100));
    let tx = evm::sign_transaction(
        &VaultSigner::new(&tv.vault, &holder),
        &request(1, &token_ours, 0, data, 100_000),
    )
    .unwrap();
    assert!(execute(&mut evm, &tx.raw).is_success());
    let allowance = |evm: &mut Evm| {
        token_call(
            evm,
            token,
            [
                &[0xdd, 0x62, 0xed, 0x3e][..],
                &U256::from_be_slice(a(&holder).as_slice()).to_be_bytes::<32>(),
                &U256::from_be_slice(a(&spender).as_slice()).to_be_bytes::<32>(),
            ]
            .concat(),
        )
    };
    assert_eq!(allowance(&mut evm), U256::from(100u64));

    // The spender moves 60 with transferFrom (a contract call with calldata we build).
    let data = IERC20::transferFromCall {
        from: a(&holder),
        to: r2,
        amount: U256::from(60u64),
    }
    .abi_encode();
    let tx = evm::sign_transaction(
        &VaultSigner::new(&tv.vault, &spender),
        &request(0, &token_ours, 0, data, 100_000),
    )
    .unwrap();
    assert!(execute(&mut evm, &tx.raw).is_success());
    assert_eq!(
        token_balance(&mut evm, token, a(&holder)),
        U256::from(690u64)
    );
    assert_eq!(token_balance(&mut evm, token, r2), U256::from(60u64));
    assert_eq!(allowance(&mut evm), U256::from(40u64));

    // Over the allowance: the contract reverts and nothing moves.
    let data = IERC20::transferFromCall {
        from: a(&holder),
        to: r2,
        amount: U256::from(41u64),
    }
    .abi_encode();
    let tx = evm::sign_transaction(
        &VaultSigner::new(&tv.vault, &spender),
        &request(1, &token_ours, 0, data, 100_000),
    )
    .unwrap();
    assert!(!execute(&mut evm, &tx.raw).is_success());
    assert_eq!(token_balance(&mut evm, token, r2), U256::from(60u64));
}

#[test]
fn signatures_recover_with_alloy_and_equal_alloys_own_rfc6979_signatures() {
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let reference: PrivateKeySigner = KEY0.parse().unwrap();
    assert_eq!(reference.address(), a(&wallet));

    let req = request(
        7,
        &ours(Address::repeat_byte(9)),
        12345,
        vec![1, 2, 3],
        50_000,
    );
    let tx = evm::sign_transaction(&signer, &req).unwrap();
    let envelope = TxEnvelope::decode_2718_exact(&tx.raw).unwrap();
    assert_eq!(envelope.recover_signer().unwrap(), a(&wallet));
    assert_eq!(
        evm::recover_transaction_signer(&tx).unwrap().to_checksum(),
        ADDR0
    );
    // Same key, same digest: alloy's signer produces the identical signature.
    let alloy_sig = reference
        .sign_hash_sync(&alloy_consensus::SignableTransaction::signature_hash(
            &req.to_tx(),
        ))
        .unwrap();
    let TxEnvelope::Eip1559(signed) = &envelope else {
        panic!()
    };
    assert_eq!(*signed.signature(), alloy_sig);

    // personal_sign
    let message = b"waiaas owner approval";
    let sig = evm::personal_sign(&signer, message).unwrap();
    assert!(sig[64] == 27 || sig[64] == 28);
    let parsed = Signature::try_from(&sig[..]).unwrap();
    assert_eq!(
        parsed.recover_address_from_msg(message).unwrap(),
        a(&wallet)
    );
    assert_eq!(reference.sign_message_sync(message).unwrap(), parsed);

    // EIP-712 (an EIP-2612 permit for this network): same signature as alloy's signer.
    let permit = serde_json::json!({
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
            ],
            "Permit": [
                {"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"}
            ]
        },
        "primaryType": "Permit",
        "domain": {"name": "USD Coin", "version": "2", "chainId": CHAIN_ID,
                   "verifyingContract": "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238"},
        "message": {"owner": ADDR0, "spender": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                    "value": "1000000", "nonce": 0, "deadline": "1893456000"}
    })
    .to_string();
    let ours_sig = evm::sign_typed_data(&signer, &permit).unwrap();
    let typed: alloy_dyn_abi::TypedData = serde_json::from_str(&permit).unwrap();
    let theirs = reference.sign_dynamic_typed_data_sync(&typed).unwrap();
    assert_eq!(Signature::try_from(&ours_sig[..]).unwrap(), theirs);
    assert_eq!(
        evm::recover_typed_data_signer(&permit, &ours_sig)
            .unwrap()
            .to_checksum(),
        ADDR0
    );
}

#[test]
fn a_transaction_for_another_chain_id_is_refused_before_signing() {
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let mut req = request(0, &ours(Address::repeat_byte(1)), 1, vec![], 21_000);
    req.chain_id = 1;
    let err = evm::sign_transaction(&signer, &req).unwrap_err();
    assert_eq!(err.code(), "CHAIN_MISMATCH");
    assert_eq!(
        err.to_string(),
        "chain id 1 does not match the wallet network `ethereum-sepolia` (chain id 11155111)"
    );
    // With the vault locked, the mismatch is still what is reported: the check runs
    // before the key is reached. The right chain id reaches the vault and fails there.
    tv.vault.lock();
    let err = evm::sign_transaction(&signer, &req).unwrap_err();
    assert_eq!(err.code(), "CHAIN_MISMATCH");
    req.chain_id = CHAIN_ID;
    let err = evm::sign_transaction(&signer, &req).unwrap_err();
    assert_eq!(err.code(), "VAULT_LOCKED");

    // revm itself refuses a transaction signed for another chain.
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "w", Network::EthereumMainnet, KEY0);
    let mut mainnet_req = request(0, &ours(Address::repeat_byte(1)), 1, vec![], 21_000);
    mainnet_req.chain_id = 1;
    let tx = evm::sign_transaction(&VaultSigner::new(&tv.vault, &wallet), &mainnet_req).unwrap();
    let mut evm = evm_with(&[(a(&wallet), ETH)]);
    let envelope = TxEnvelope::decode_2718_exact(&tx.raw).unwrap();
    let TxEnvelope::Eip1559(signed) = &envelope else {
        panic!()
    };
    let env = TxEnv {
        tx_type: 2,
        caller: a(&wallet),
        gas_limit: 21_000,
        gas_price: signed.tx().max_fee_per_gas,
        gas_priority_fee: Some(signed.tx().max_priority_fee_per_gas),
        kind: signed.tx().to,
        value: signed.tx().value,
        chain_id: Some(signed.tx().chain_id),
        ..TxEnv::default()
    };
    assert!(evm.transact_commit(env).is_err());
}

#[test]
fn contract_call_with_value_reaches_the_contract() {
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
    let signer = VaultSigner::new(&tv.vault, &wallet);
    // Hand-assembled runtime: CALLVALUE, PUSH1 0, SSTORE, STOP (stores msg.value at slot 0).
    let contract = Address::repeat_byte(0xc0);
    let mut evm = evm_with(&[(a(&wallet), ETH)]);
    evm.ctx.journaled_state.database.insert_account_info(
        contract,
        AccountInfo::default().with_code(Bytecode::new_raw(Bytes::from_static(&[
            0x34, 0x60, 0x00, 0x55, 0x00,
        ]))),
    );
    let value = 250_000_000_000_000_000u128;
    let req = request(
        0,
        &ours(contract),
        value,
        vec![0xde, 0xad, 0xbe, 0xef],
        60_000,
    );
    let tx = evm::sign_transaction(&signer, &req).unwrap();
    let result = execute(&mut evm, &tx.raw);
    assert!(result.is_success(), "{result:?}");
    let gas = u128::from(result.tx_gas_used());
    assert_eq!(eth_balance(&mut evm, contract), U256::from(value));
    assert_eq!(
        evm.ctx
            .journaled_state
            .database
            .storage(contract, U256::ZERO)
            .unwrap(),
        U256::from(value)
    );
    assert_eq!(
        eth_balance(&mut evm, a(&wallet)),
        U256::from(ETH - value - gas * PRICE)
    );
    // The decoder reports it as a contract call carrying that value.
    let decoded = evm::decode_transaction(
        NETWORK,
        &format!("0x{}", hex::encode(req.encode_unsigned())),
    )
    .unwrap();
    assert_eq!(
        decoded.intents,
        vec![waiaas_chains::Intent::ContractCall {
            contract: ours(contract).to_checksum(),
            selector: Some("0xdeadbeef".into()),
            value: Amount::from_u128(value),
        }]
    );
}

#[test]
fn sign_only_raw_transaction_signs_exactly_what_was_decoded() {
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let recipient = Address::repeat_byte(0x55);
    let mut evm = evm_with(&[(a(&wallet), ETH)]);
    let unsigned = request(0, &ours(recipient), 777, vec![], 21_000).encode_unsigned();
    let raw_hex = format!("0x{}", hex::encode(&unsigned));

    let prepared = evm::PreparedTransaction::from_hex(NETWORK, &raw_hex).unwrap();
    assert_eq!(
        prepared.decoded().intents,
        vec![waiaas_chains::Intent::Transfer {
            to: ours(recipient).to_checksum(),
            amount: Amount::from_u64(777)
        }]
    );
    let signed = evm::sign_prepared(&signer, &prepared).unwrap();
    let result = execute(&mut evm, &signed.raw);
    assert!(result.is_success());
    assert_eq!(eth_balance(&mut evm, recipient), U256::from(777u64));
    // A wallet on another network cannot sign it, even when handed the prepared tx.
    let base_wallet = fixtures::wallet_from_secret(&tv.vault, "base", Network::BaseMainnet, KEY1);
    let err =
        evm::sign_prepared(&VaultSigner::new(&tv.vault, &base_wallet), &prepared).unwrap_err();
    assert_eq!(err.code(), "CHAIN_MISMATCH");
    // Nor prepare it for that network.
    let err = evm::PreparedTransaction::from_hex(Network::BaseMainnet, &raw_hex).unwrap_err();
    assert_eq!(err.code(), "CHAIN_MISMATCH");
}

// ---- Self-multicalls executed: the intents are exactly what moves. ----

alloy_sol_types::sol! {
    /// Views and test-only mints of `TestCollectibles.sol`.
    interface ITestCollectibles {
        function mint(address to, uint256 value) external;
        function mint(address to, uint256 id, uint256 value) external;
        function balanceOf(address account, uint256 id) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
        function isApprovedForAll(address owner, address operator) external view returns (bool);
        function ownerOf(uint256 id) external view returns (address);
    }
}

fn runtime(name: &str) -> Bytes {
    contract_runtime(name).into()
}

fn deploy(evm: &mut Evm, at: Address, name: &str) {
    evm.ctx.journaled_state.database.insert_account_info(
        at,
        AccountInfo::default().with_code(Bytecode::new_raw(runtime(name))),
    );
}

/// Runs a setup call (a test-only mint) from a helper account of its own (the reader
/// account of `token_call` keeps nonce 0).
fn setup_call(evm: &mut Evm, to: Address, data: Vec<u8>) {
    let caller = Address::repeat_byte(0xed);
    let db = &mut evm.ctx.journaled_state.database;
    let nonce = match db.basic(caller).unwrap() {
        Some(info) => info.nonce,
        None => {
            db.insert_account_info(caller, AccountInfo::from_balance(U256::from(ETH)));
            0
        }
    };
    let env = TxEnv {
        caller,
        kind: TxKind::Call(to),
        data: data.into(),
        gas_limit: 200_000,
        gas_price: u128::from(BASE_FEE),
        chain_id: Some(CHAIN_ID),
        nonce,
        ..TxEnv::default()
    };
    assert!(evm.transact_commit(env).unwrap().is_success());
}

fn word_address(w: U256) -> Address {
    Address::from_word(w.to_be_bytes::<32>().into())
}

/// Decodes the unsigned transaction as the sign-only path does, signs exactly it, and
/// executes the signed bytes.
fn decode_sign_execute(
    evm: &mut Evm,
    signer: &VaultSigner<'_>,
    req: &EvmTxRequest,
) -> (
    Vec<waiaas_chains::Intent>,
    revm::context::result::ExecutionResult,
) {
    let raw_hex = format!("0x{}", hex::encode(req.encode_unsigned()));
    let prepared = evm::PreparedTransaction::from_hex(NETWORK, &raw_hex).unwrap();
    let intents = prepared.decoded().intents.clone();
    // The facade's CONTRACT_CALL path uses the same decoder on the same call.
    assert_eq!(
        evm::decode::call_intents(&req.to, req.value, &req.data).unwrap(),
        intents
    );
    let signed = evm::sign_prepared(signer, &prepared).unwrap();
    (intents, execute(evm, &signed.raw))
}

#[test]
fn a_self_multicall_moves_erc20_and_erc1155_exactly_as_its_intents_say() {
    use waiaas_chains::Intent;
    use waiaas_chains::evm::{IERC20Allowance, IERC721, IERC1155, ISelfMulticall};
    let tv = fixtures::vault();
    let holder = fixtures::wallet_from_secret(&tv.vault, "holder", NETWORK, KEY0);
    let operator = fixtures::wallet_from_secret(&tv.vault, "operator", NETWORK, KEY1);
    let (h, op) = (a(&holder), a(&operator));
    let (r1, r2) = (Address::repeat_byte(0x01), Address::repeat_byte(0x02));
    let token = Address::repeat_byte(0x71);
    let mut evm = evm_with(&[(h, ETH), (op, ETH)]);
    deploy(&mut evm, token, "TestMultiToken");
    setup_call(
        &mut evm,
        token,
        ITestCollectibles::mint_0Call {
            to: h,
            value: U256::from(1_000u64),
        }
        .abi_encode(),
    );
    for (id, value) in [(7u64, 10u64), (8, 5)] {
        setup_call(
            &mut evm,
            token,
            ITestCollectibles::mint_1Call {
                to: h,
                id: U256::from(id),
                value: U256::from(value),
            }
            .abi_encode(),
        );
    }
    let erc1155_balance = |evm: &mut Evm, who: Address, id: u64| {
        token_call(
            evm,
            token,
            ITestCollectibles::balanceOfCall {
                account: who,
                id: U256::from(id),
            }
            .abi_encode(),
        )
    };
    let take_id7 = |nonce: u64, value: u64| {
        request(
            nonce,
            &ours(token),
            0,
            IERC1155::safeTransferFromCall {
                from: h,
                to: op,
                id: U256::from(7u64),
                value: U256::from(value),
                data: Bytes::new(),
            }
            .abi_encode(),
            100_000,
        )
    };
    // Before the multicall, the operator cannot move the holder's ids.
    let op_signer = VaultSigner::new(&tv.vault, &operator);
    let (_, result) = decode_sign_execute(&mut evm, &op_signer, &take_id7(0, 1));
    assert!(!result.is_success());

    let inner = vec![
        evm::erc20_transfer_calldata(&ours(r1), Amount::from_u64(250)),
        IERC1155::safeTransferFromCall {
            from: h,
            to: r2,
            id: U256::from(7u64),
            value: U256::from(3u64),
            data: Bytes::new(),
        }
        .abi_encode(),
        // A nested multicall: its batch transfer is decoded and executed too.
        ISelfMulticall::multicallCall {
            data: vec![
                IERC1155::safeBatchTransferFromCall {
                    from: h,
                    to: r2,
                    ids: vec![U256::from(7u64), U256::from(8u64)],
                    values: vec![U256::from(2u64), U256::from(5u64)],
                    data: Bytes::new(),
                }
                .abi_encode()
                .into(),
            ],
        }
        .abi_encode(),
        IERC721::setApprovalForAllCall {
            operator: op,
            approved: true,
        }
        .abi_encode(),
        IERC20Allowance::increaseAllowanceCall {
            spender: op,
            addedValue: U256::from(40u64),
        }
        .abi_encode(),
    ];
    let data = ISelfMulticall::multicallCall {
        data: inner.into_iter().map(Bytes::from).collect(),
    }
    .abi_encode();
    let req = request(0, &ours(token), 0, data, 300_000);
    let (intents, result) =
        decode_sign_execute(&mut evm, &VaultSigner::new(&tv.vault, &holder), &req);
    assert!(result.is_success(), "{result:?}");

    let t = ours(token).to_checksum();
    let multicall_leg = Intent::ContractCall {
        contract: t.clone(),
        selector: Some(format!(
            "0x{}",
            hex::encode(ISelfMulticall::multicallCall::SELECTOR)
        )),
        value: Amount::ZERO,
    };
    let nft = |to: Address, id: &str, amount: u64| Intent::NftTransfer {
        contract: t.clone(),
        to: ours(to).to_checksum(),
        token_id: id.into(),
        amount: Amount::from_u64(amount),
    };
    assert_eq!(
        intents,
        vec![
            multicall_leg.clone(),
            Intent::TokenTransfer {
                token: Some(t.clone()),
                to: ours(r1).to_checksum(),
                amount: Amount::from_u64(250),
                decimals: None,
                program: None,
            },
            nft(r2, "7", 3),
            multicall_leg,
            nft(r2, "7", 2),
            nft(r2, "8", 5),
            Intent::Approve {
                token: Some(t.clone()),
                spender: ours(op).to_checksum(),
                amount: Amount::MAX,
                decimals: None,
                unlimited: true,
            },
            Intent::NftTransfer {
                contract: t.clone(),
                to: ours(op).to_checksum(),
                token_id: "*".into(),
                amount: Amount::MAX,
            },
            Intent::AllowanceIncrease {
                token: Some(t.clone()),
                spender: ours(op).to_checksum(),
                amount: Amount::from_u64(40),
                decimals: None,
            },
        ]
    );

    // Replay the intents on a model of the holdings and compare with the chain.
    let mut erc20: std::collections::BTreeMap<Address, U256> = [
        (h, U256::from(1_000u64)),
        (r1, U256::ZERO),
        (r2, U256::ZERO),
    ]
    .into();
    let mut ids: std::collections::BTreeMap<(Address, u64), U256> = [
        ((h, 7), U256::from(10u64)),
        ((h, 8), U256::from(5u64)),
        ((r2, 7), U256::ZERO),
        ((r2, 8), U256::ZERO),
    ]
    .into();
    let parse = |s: &str| s.parse::<Address>().unwrap();
    for intent in &intents {
        match intent {
            Intent::TokenTransfer {
                token: tk,
                to,
                amount,
                ..
            } => {
                assert_eq!(tk.as_deref(), Some(t.as_str()));
                *erc20.get_mut(&h).unwrap() -= amount.as_u256();
                *erc20.entry(parse(to)).or_default() += amount.as_u256();
            }
            // The operator grant's "whole collection" leg moves nothing by itself.
            Intent::NftTransfer { token_id, .. } if token_id == "*" => {}
            Intent::NftTransfer {
                to,
                token_id,
                amount,
                ..
            } => {
                let id: u64 = token_id.parse().unwrap();
                *ids.get_mut(&(h, id)).unwrap() -= amount.as_u256();
                *ids.entry((parse(to), id)).or_default() += amount.as_u256();
            }
            Intent::Approve {
                spender,
                amount,
                unlimited: true,
                ..
            } => {
                assert_eq!(*amount, Amount::MAX);
                let approved = token_call(
                    &mut evm,
                    token,
                    ITestCollectibles::isApprovedForAllCall {
                        owner: h,
                        operator: parse(spender),
                    }
                    .abi_encode(),
                );
                assert_eq!(approved, U256::from(1u8));
            }
            // No allowance before: the increment is the allowance after.
            Intent::Approve {
                spender,
                amount,
                unlimited: false,
                ..
            }
            | Intent::AllowanceIncrease {
                spender, amount, ..
            } => {
                let allowance = token_call(
                    &mut evm,
                    token,
                    ITestCollectibles::allowanceCall {
                        owner: h,
                        spender: parse(spender),
                    }
                    .abi_encode(),
                );
                assert_eq!(allowance, amount.as_u256());
            }
            Intent::ContractCall { value, .. } => assert!(value.is_zero()),
            other => panic!("unexpected {other:?}"),
        }
    }
    for (who, expected) in &erc20 {
        assert_eq!(token_balance(&mut evm, token, *who), *expected, "{who}");
    }
    for ((who, id), expected) in &ids {
        assert_eq!(
            erc1155_balance(&mut evm, *who, *id),
            *expected,
            "{who} {id}"
        );
    }
    assert_eq!(erc20[&h], U256::from(750u64));
    assert_eq!(ids[&(h, 7)], U256::from(5u64));

    // The approval is for all: the operator now takes what is left of id 7.
    let (_, result) = decode_sign_execute(&mut evm, &op_signer, &take_id7(1, 5));
    assert!(result.is_success(), "{result:?}");
    assert_eq!(erc1155_balance(&mut evm, h, 7), U256::ZERO);
    assert_eq!(erc1155_balance(&mut evm, op, 7), U256::from(5u64));
}

#[test]
fn a_self_multicall_moves_erc721_tokens_and_value_exactly_as_its_intents_say() {
    use waiaas_chains::Intent;
    use waiaas_chains::evm::{IERC20, IERC721, ISelfMulticall};
    let tv = fixtures::vault();
    let holder = fixtures::wallet_from_secret(&tv.vault, "holder", NETWORK, KEY0);
    let operator = fixtures::wallet_from_secret(&tv.vault, "operator", NETWORK, KEY1);
    let (h, op) = (a(&holder), a(&operator));
    let r2 = Address::repeat_byte(0x02);
    let nft = Address::repeat_byte(0x72);
    let mut evm = evm_with(&[(h, ETH), (op, ETH)]);
    deploy(&mut evm, nft, "TestNft");
    for id in [42u64, 43, 44] {
        setup_call(
            &mut evm,
            nft,
            ITestCollectibles::mint_0Call {
                to: h,
                value: U256::from(id),
            }
            .abi_encode(),
        );
    }
    let owner_of = |evm: &mut Evm, id: u64| {
        word_address(token_call(
            evm,
            nft,
            ITestCollectibles::ownerOfCall { id: U256::from(id) }.abi_encode(),
        ))
    };
    let value = 1_000u128;
    let data = ISelfMulticall::multicallCall {
        data: vec![
            IERC721::safeTransferFrom_0Call {
                from: h,
                to: r2,
                tokenId: U256::from(42u64),
            }
            .abi_encode()
            .into(),
            IERC721::safeTransferFrom_1Call {
                from: h,
                to: r2,
                tokenId: U256::from(43u64),
                data: Bytes::from_static(&[0x12, 0x34]),
            }
            .abi_encode()
            .into(),
        ],
    }
    .abi_encode();
    let req = request(0, &ours(nft), value, data, 300_000);
    let (intents, result) =
        decode_sign_execute(&mut evm, &VaultSigner::new(&tv.vault, &holder), &req);
    assert!(result.is_success(), "{result:?}");
    let gas = u128::from(result.tx_gas_used());
    let n = ours(nft).to_checksum();
    let leg = |to: Address, id: &str| Intent::NftTransfer {
        contract: n.clone(),
        to: ours(to).to_checksum(),
        token_id: id.into(),
        amount: Amount::from_u64(1),
    };
    assert_eq!(
        intents,
        vec![
            Intent::ContractCall {
                contract: n.clone(),
                selector: Some(format!(
                    "0x{}",
                    hex::encode(ISelfMulticall::multicallCall::SELECTOR)
                )),
                value: Amount::from_u128(value),
            },
            leg(r2, "42"),
            leg(r2, "43"),
        ]
    );
    // Each NFT leg moved its token to its recipient, and nothing else moved.
    for intent in &intents {
        if let Intent::NftTransfer { to, token_id, .. } = intent {
            let id: u64 = token_id.parse().unwrap();
            assert_eq!(owner_of(&mut evm, id), to.parse::<Address>().unwrap());
        }
    }
    assert_eq!(owner_of(&mut evm, 44), h);
    // The value on the wrapper's leg is what left the wallet (besides gas).
    assert_eq!(eth_balance(&mut evm, nft), U256::from(value));
    assert_eq!(
        eth_balance(&mut evm, h),
        U256::from(ETH - value - gas * PRICE)
    );

    // setApprovalForAll in a second multicall (it is not payable, so no value here).
    let data = ISelfMulticall::multicallCall {
        data: vec![
            IERC721::setApprovalForAllCall {
                operator: op,
                approved: true,
            }
            .abi_encode()
            .into(),
        ],
    }
    .abi_encode();
    let req = request(1, &ours(nft), 0, data, 100_000);
    let (intents, result) =
        decode_sign_execute(&mut evm, &VaultSigner::new(&tv.vault, &holder), &req);
    assert!(result.is_success(), "{result:?}");
    assert_eq!(
        intents[1..],
        [
            Intent::Approve {
                token: Some(n.clone()),
                spender: ours(op).to_checksum(),
                amount: Amount::MAX,
                decimals: None,
                unlimited: true,
            },
            Intent::NftTransfer {
                contract: n.clone(),
                to: ours(op).to_checksum(),
                token_id: "*".into(),
                amount: Amount::MAX,
            }
        ]
    );
    assert_eq!(
        token_call(
            &mut evm,
            nft,
            ITestCollectibles::isApprovedForAllCall {
                owner: h,
                operator: op,
            }
            .abi_encode(),
        ),
        U256::from(1u8)
    );

    // The unlimited approval is real: the operator takes token 44 with the collection's
    // `transferFrom`, which shares the ERC-20 selector and so decodes as a token transfer
    // of the collection (ALLOWED_TOKENS never lists a collection: it fails closed).
    let take = request(
        0,
        &ours(nft),
        0,
        IERC20::transferFromCall {
            from: h,
            to: op,
            amount: U256::from(44u64),
        }
        .abi_encode(),
        100_000,
    );
    let (intents, result) =
        decode_sign_execute(&mut evm, &VaultSigner::new(&tv.vault, &operator), &take);
    assert!(result.is_success(), "{result:?}");
    assert_eq!(
        intents,
        vec![Intent::TokenTransfer {
            token: Some(n.clone()),
            to: ours(op).to_checksum(),
            amount: Amount::from_u64(44),
            decimals: None,
            program: None,
        }]
    );
    assert_eq!(owner_of(&mut evm, 44), op);
}
