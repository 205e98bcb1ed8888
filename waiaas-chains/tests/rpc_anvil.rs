//! The JSON-RPC client's EVM methods against a real local node: anvil (npm package
//! `@foundry-rs/anvil`, installed by `.ci/run` with `npm ci --prefix .ci/tools`),
//! started on 127.0.0.1 on a free port and killed when the test ends.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test helpers outside #[test] functions"
)]

use waiaas_test_support::evm_node::{Anvil, KEY0, SEPOLIA_CHAIN_ID};
use waiaas_test_support::testdata::testdata;
use waiaas_test_support::vault as fixtures;

use std::time::{Duration, Instant};

use serde_json::json;
use waiaas_chains::VaultSigner;
use waiaas_chains::client::rpc::{JsonRpcClient, RpcOptions};
use waiaas_chains::client::{EvmCall, EvmChainClient};
use waiaas_chains::evm::{self, EvmTxRequest};
use waiaas_core::address::keccak256;
use waiaas_core::{Amount, ErrorCode, EvmAddress, Network};

const CHAIN_ID: u64 = SEPOLIA_CHAIN_ID;
const NETWORK: Network = Network::EthereumSepolia;

fn start_anvil() -> Anvil {
    Anvil::start(CHAIN_ID)
}

fn client(url: &str) -> JsonRpcClient {
    JsonRpcClient::new(
        url,
        RpcOptions {
            timeout: Duration::from_secs(5),
            max_retries: 0,
            backoff: Duration::from_millis(10),
        },
    )
    .unwrap()
}

fn wait_receipt(client: &JsonRpcClient, hash: &[u8; 32]) -> waiaas_chains::client::EvmReceipt {
    let start = Instant::now();
    loop {
        if let Some(r) = client.transaction_receipt(hash).unwrap() {
            return r;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no receipt");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn signed_transfers_are_accepted_by_anvil_and_their_receipts_read() {
    let anvil = start_anvil();
    let node = client(&anvil.url());
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
    let me = EvmAddress::parse(&wallet.address).unwrap();
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let to = EvmAddress::from_bytes([0x42; 20]);

    assert_eq!(node.chain_id().unwrap(), CHAIN_ID);
    let nonce = node.transaction_count(&me).unwrap();
    assert_eq!(nonce, 0);
    let fees = node.fees().unwrap();
    assert!(fees.max_fee_per_gas >= fees.max_priority_fee_per_gas);
    let value = Amount::from_u128(1_234_567_890_123_456_789);
    let gas = node
        .estimate_gas(&EvmCall {
            from: me,
            to,
            value,
            data: vec![],
        })
        .unwrap();
    assert_eq!(gas, 21_000);
    let before = node.balance(&me).unwrap();

    let req = EvmTxRequest {
        chain_id: node.chain_id().unwrap(),
        nonce,
        max_fee_per_gas: fees.max_fee_per_gas,
        max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
        gas_limit: gas,
        to,
        value,
        data: vec![],
    };
    let tx = evm::sign_transaction(&signer, &req).unwrap();
    let hash = node.send_raw_transaction(&tx.raw).unwrap();
    assert_eq!(hash, tx.hash);
    let receipt = wait_receipt(&node, &hash);
    assert!(receipt.success);
    assert_eq!(receipt.gas_used, 21_000);
    let price = receipt.effective_gas_price.unwrap();
    assert!(price <= fees.max_fee_per_gas);
    assert_eq!(node.balance(&to).unwrap(), value);
    let spent = value.as_u256() + ruint::aliases::U256::from(21_000u128 * price);
    assert_eq!(
        node.balance(&me).unwrap().as_u256(),
        before.as_u256() - spent
    );
    assert_eq!(node.transaction_count(&me).unwrap(), 1);

    // The same transaction again: the node refuses it (nonce already used), typed.
    let err = node.send_raw_transaction(&tx.raw).unwrap_err();
    assert_eq!(err.code(), "CHAIN_ERROR", "{err}");

    // More than the wallet holds: INSUFFICIENT_BALANCE.
    let mut broke = req.clone();
    broke.nonce = 1;
    broke.value = Amount::from_u128(u128::MAX / 2);
    let tx = evm::sign_transaction(&signer, &broke).unwrap();
    let err = node.send_raw_transaction(&tx.raw).unwrap_err();
    assert_eq!(err.code(), "INSUFFICIENT_BALANCE", "{err}");

    // Unknown hash → no receipt.
    assert_eq!(node.transaction_receipt(&[0u8; 32]).unwrap(), None);
}

#[test]
fn erc20_transfer_through_anvil() {
    let anvil = start_anvil();
    let node = client(&anvil.url());
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "w", NETWORK, KEY0);
    let me = EvmAddress::parse(&wallet.address).unwrap();
    let signer = VaultSigner::new(&tv.vault, &wallet);

    // Install the solc-built TestToken runtime and give the wallet 1 000 tokens
    // (balanceOf mapping at slot 0).
    let token = EvmAddress::from_bytes([0x70; 20]);
    let runtime = testdata("contracts/TestToken.runtime.hex");
    node.call(
        "anvil_setCode",
        json!([token.to_string(), format!("0x{}", runtime.trim())]),
    )
    .unwrap();
    let mut key = [0u8; 64];
    key[12..32].copy_from_slice(me.as_bytes());
    let slot = format!("0x{}", hex::encode(keccak256(&key)));
    node.call(
        "anvil_setStorageAt",
        json!([token.to_string(), slot, format!("0x{:064x}", 1_000)]),
    )
    .unwrap();
    assert_eq!(
        node.erc20_balance(&token, &me).unwrap(),
        Amount::from_u64(1_000)
    );
    // `decimals()` read through eth_call (TestToken declares 18); an account without
    // code answers nothing and is refused.
    assert_eq!(node.erc20_decimals(&token).unwrap(), 18);
    assert_eq!(
        node.erc20_decimals(&EvmAddress::from_bytes([0x44; 20]))
            .unwrap_err()
            .code(),
        "CHAIN_ERROR"
    );

    let to = EvmAddress::from_bytes([0x43; 20]);
    let data = evm::erc20_transfer_calldata(&to, Amount::from_u64(400));
    // Chain id, nonce, fees and gas from the node.
    let req = EvmTxRequest::prepare(&node, NETWORK, &me, &token, Amount::ZERO, data).unwrap();
    assert_eq!((req.chain_id, req.nonce), (CHAIN_ID, 0));
    // A node serving another chain is refused.
    let err = EvmTxRequest::prepare(
        &node,
        Network::EthereumMainnet,
        &me,
        &token,
        Amount::ZERO,
        vec![],
    )
    .unwrap_err();
    assert_eq!(err.code(), "CHAIN_MISMATCH");
    let tx = evm::sign_transaction(&signer, &req).unwrap();
    let receipt = wait_receipt(&node, &node.send_raw_transaction(&tx.raw).unwrap());
    assert!(receipt.success);
    assert_eq!(
        node.erc20_balance(&token, &me).unwrap(),
        Amount::from_u64(600)
    );
    assert_eq!(
        node.erc20_balance(&token, &to).unwrap(),
        Amount::from_u64(400)
    );

    // Estimating a transfer the token would revert: TRANSACTION_REVERTED.
    let too_much = evm::erc20_transfer_calldata(&to, Amount::from_u64(601));
    let err = node
        .estimate_gas(&EvmCall {
            from: me,
            to: token,
            value: Amount::ZERO,
            data: too_much,
        })
        .unwrap_err();
    assert_eq!(err.code(), "TRANSACTION_REVERTED", "{err}");
}
