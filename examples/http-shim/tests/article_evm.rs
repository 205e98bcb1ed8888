//! The article's flow on an EVM wallet: `environment: testnet` picks Ethereum Sepolia,
//! the server fills nonce, fees and gas from the configured RPC endpoint, an INSTANT
//! send is signed and broadcast, a large one waits for the owner, who approves with an
//! EIP-191 signature as `0x`-hex in `X-Owner-Signature`. Each signed transaction is
//! decoded and its signer recovered with alloy (not waiaas's code).
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

mod common;

use std::sync::{Arc, Mutex};

use alloy_consensus::TxEnvelope;
use alloy_consensus::transaction::SignerRecoverable;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, TxKind, U256};
use base64::Engine as _;
use common::{config, start};
use serde_json::json;
use waiaas_test_support::owner_keys::OwnerKey;
use waiaas_test_support::replay_server::JsonRpcServer;

const SEPOLIA: u64 = 11_155_111;
const TO: &str = "0x1111111111111111111111111111111111111111";

/// Decodes a signed EIP-1559 transaction; checks chain, recipient, value and signer.
fn verify_evm(signed_hex: &str, signer: &str, value: U256) {
    let raw = hex::decode(signed_hex.trim_start_matches("0x")).unwrap();
    let envelope = TxEnvelope::decode_2718_exact(&raw[..]).unwrap();
    assert_eq!(
        envelope.recover_signer().unwrap(),
        signer.parse::<Address>().unwrap(),
        "signed by the wallet"
    );
    let TxEnvelope::Eip1559(signed) = &envelope else {
        panic!("not EIP-1559")
    };
    let tx = signed.tx();
    assert_eq!(tx.chain_id, SEPOLIA);
    assert_eq!(tx.to, TxKind::Call(TO.parse().unwrap()));
    assert_eq!(tx.value, value);
    assert_eq!(tx.max_priority_fee_per_gas, 1_000_000_000, "the node's tip");
    assert_eq!(tx.gas_limit, 21_000, "the node's estimate");
}

#[test]
fn an_evm_wallet_sends_and_its_owner_approves_with_eip191() {
    let sent = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = sent.clone();
    let rpc = JsonRpcServer::start(move |method, params| match method {
        "eth_chainId" => Ok(json!(format!("0x{SEPOLIA:x}"))),
        "eth_getTransactionCount" => Ok(json!(format!("0x{:x}", log.lock().unwrap().len()))),
        "eth_feeHistory" => Ok(json!({"baseFeePerGas": ["0x3b9aca00", "0x3b9aca00"]})),
        "eth_maxPriorityFeePerGas" => Ok(json!("0x3b9aca00")),
        "eth_estimateGas" => Ok(json!("0x5208")),
        "eth_sendRawTransaction" => {
            log.lock()
                .unwrap()
                .push(params[0].as_str().unwrap().to_owned());
            Ok(json!(format!("0x{}", "ab".repeat(32))))
        }
        _ => Err(json!({"code": -32601, "message": "method not found"})),
    });
    let server = start(config(
        &[("ethereum-sepolia", &rpc.url)],
        json!([{"asset": "native:ethereum", "usd": "3000"}]),
    ));
    let wallet = server.operator(
        "POST",
        "/v1/wallets",
        Some(&json!({"name": "evm-bot", "chain": "ethereum", "environment": "testnet"})),
    );
    assert_eq!(wallet.status, 201, "{wallet:?}");
    assert_eq!(wallet.body["network"], "ethereum-sepolia");
    let id = wallet.body["id"].as_str().unwrap().to_owned();
    let address = wallet.body["address"].as_str().unwrap().to_owned();
    let owner = OwnerKey::evm(9);
    let set = server.operator(
        "PUT",
        &format!("/v1/wallets/{id}/owner"),
        Some(&json!({"ownerAddress": owner.address()})),
    );
    assert_eq!(set.status, 200, "{set:?}");
    let policy = server.operator(
        "POST",
        "/v1/policies",
        Some(&json!({"walletId": id, "type": "SPENDING_LIMIT",
        "rules": {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000}})),
    );
    assert_eq!(policy.status, 201, "{policy:?}");
    let token = server
        .operator("POST", "/v1/sessions", Some(&json!({"walletId": id})))
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned();

    // 0.001 ETH = $3: INSTANT, signed and broadcast.
    let instant = server.agent(
        &token,
        "POST",
        "/v1/transactions/send",
        Some(&json!({"type": "TRANSFER", "to": TO, "humanAmount": "0.001"})),
    );
    assert_eq!(instant.body["tier"], "INSTANT", "{instant:?}");
    assert_eq!(instant.body["status"], "SUBMITTED", "{instant:?}");
    let signed = instant.body["signedTransaction"].as_str().unwrap();
    verify_evm(signed, &address, U256::from(1_000_000_000_000_000u64));
    assert_eq!(sent.lock().unwrap().last().unwrap(), signed);

    // 1 ETH = $3000: the owner's approval, EIP-191 over the exact text, 0x-hex header.
    let pending = server.agent(
        &token,
        "POST",
        "/v1/transactions/send",
        Some(&json!({"type": "TRANSFER", "to": TO, "amount": "1000000000000000000"})),
    );
    assert_eq!(pending.body["status"], "PENDING_APPROVAL", "{pending:?}");
    let tx = pending.body["id"].as_str().unwrap().to_owned();
    let text = server
        .operator(
            "GET",
            &format!("/v1/transactions/{tx}/approval-request"),
            None,
        )
        .body["approveMessage"]
        .as_str()
        .unwrap()
        .to_owned();
    let signature = owner.sign(&text);
    assert!(signature.starts_with("0x"));
    let message = base64::engine::general_purpose::STANDARD.encode(&text);
    // Another EVM key's signature over the same text is refused.
    let other = OwnerKey::evm(10).sign(&text);
    let refused = server.call(
        "POST",
        &format!("/v1/transactions/{tx}/approve"),
        &[("x-owner-signature", &other), ("x-owner-message", &message)],
        None,
    );
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (401, Some("INVALID_SIGNATURE")),
        "{refused:?}"
    );
    let approved = server.call(
        "POST",
        &format!("/v1/transactions/{tx}/approve"),
        &[
            ("x-owner-signature", &signature),
            ("x-owner-message", &message),
        ],
        None,
    );
    assert_eq!(approved.status, 200, "{approved:?}");
    assert_eq!(approved.body["status"], "SUBMITTED", "{approved:?}");
    let signed = approved.body["signedTransaction"].as_str().unwrap();
    verify_evm(signed, &address, U256::from(1_000_000_000_000_000_000u64));
    assert_eq!(sent.lock().unwrap().len(), 2);
}
