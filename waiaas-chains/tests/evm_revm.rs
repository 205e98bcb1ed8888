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

mod common;

use alloy_consensus::TxEnvelope;
use alloy_consensus::transaction::SignerRecoverable;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, Bytes, Signature, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use revm::context::{Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::state::{AccountInfo, Bytecode};
use revm::{Database, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext};
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

type Evm = revm::handler::MainnetEvm<revm::handler::MainnetContext<CacheDB<EmptyDB>>>;

fn evm_with(accounts: &[(Address, u128)]) -> Evm {
    let mut db = CacheDB::new(EmptyDB::default());
    // The caller of read-only calls (balanceOf, allowance) pays their gas.
    db.insert_account_info(
        Address::repeat_byte(0xee),
        AccountInfo::from_balance(U256::from(ETH)),
    );
    for (a, wei) in accounts {
        db.insert_account_info(*a, AccountInfo::from_balance(U256::from(*wei)));
    }
    Context::mainnet()
        .with_db(db)
        .modify_cfg_chained(|cfg| cfg.chain_id = CHAIN_ID)
        .modify_block_chained(|block| block.basefee = BASE_FEE)
        .build_mainnet()
}

fn a(w: &WalletInfo) -> Address {
    w.address.parse().unwrap()
}

fn ours(addr: Address) -> EvmAddress {
    EvmAddress::from_bytes(addr.into_array())
}

fn eth_balance(evm: &mut Evm, who: Address) -> U256 {
    evm.ctx
        .journaled_state
        .database
        .basic(who)
        .unwrap()
        .map(|i| i.balance)
        .unwrap_or_default()
}

/// Decodes the raw bytes with alloy, recovers the sender, and executes in revm.
fn execute(evm: &mut Evm, raw: &[u8]) -> revm::context::result::ExecutionResult {
    let envelope = TxEnvelope::decode_2718_exact(raw).unwrap();
    let TxEnvelope::Eip1559(signed) = &envelope else {
        panic!("not an EIP-1559 envelope")
    };
    let caller = envelope.recover_signer().unwrap();
    let tx = signed.tx();
    let env = TxEnv {
        tx_type: 2,
        caller,
        gas_limit: tx.gas_limit,
        gas_price: tx.max_fee_per_gas,
        gas_priority_fee: Some(tx.max_priority_fee_per_gas),
        kind: tx.to,
        value: tx.value,
        data: tx.input.clone(),
        nonce: tx.nonce,
        chain_id: Some(tx.chain_id),
        ..TxEnv::default()
    };
    evm.transact_commit(env).unwrap()
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
    let tv = common::vault();
    let wallet = common::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
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
    hex::decode(common::testdata("contracts/TestToken.runtime.hex").trim())
        .unwrap()
        .into()
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
    let tv = common::vault();
    let holder = common::wallet_from_secret(&tv.vault, "holder", NETWORK, KEY0);
    let spender = common::wallet_from_secret(&tv.vault, "spender", NETWORK, KEY1);
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
    let tv = common::vault();
    let wallet = common::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
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
    let tv = common::vault();
    let wallet = common::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
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
    let tv = common::vault();
    let wallet = common::wallet_from_secret(&tv.vault, "w", Network::EthereumMainnet, KEY0);
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
    let tv = common::vault();
    let wallet = common::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
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
    let tv = common::vault();
    let wallet = common::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
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
    let base_wallet = common::wallet_from_secret(&tv.vault, "base", Network::BaseMainnet, KEY1);
    let err =
        evm::sign_prepared(&VaultSigner::new(&tv.vault, &base_wallet), &prepared).unwrap_err();
    assert_eq!(err.code(), "CHAIN_MISMATCH");
    // Nor prepare it for that network.
    let err = evm::PreparedTransaction::from_hex(Network::BaseMainnet, &raw_hex).unwrap_err();
    assert_eq!(err.code(), "CHAIN_MISMATCH");
}
