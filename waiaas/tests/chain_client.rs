//! With a chain client the pipeline fetches nonce and fees itself, broadcasts what it
//! signs (SUBMITTED) and reads balances — against a real local EVM node (anvil on
//! 127.0.0.1, installed by `.ci/run`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{config, host, pw};
use waiaas::{
    ChainClients, ManualClock, Network, SecretString, SendRequest, StaticPriceOracle, Waiaas,
};
use waiaas_chains::client::EvmChainClient;
use waiaas_chains::client::rpc::{JsonRpcClient, RpcOptions};
use waiaas_core::{Amount, EvmAddress, TxStatus};
use waiaas_test_support::evm_node::{Anvil, KEY0, SEPOLIA_CHAIN_ID};
use waiaas_test_support::testdata::testdata;

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

fn wait_mined(c: &JsonRpcClient, hash: &str) {
    let bytes: [u8; 32] = hex::decode(hash.trim_start_matches("0x"))
        .unwrap()
        .try_into()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(r) = c.transaction_receipt(&bytes).unwrap() {
            assert!(r.success);
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "not mined");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sends_are_filled_broadcast_and_mined_and_balances_read() {
    let node = Anvil::start(SEPOLIA_CHAIN_ID);
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(common::T0));
    let prices = Arc::new(StaticPriceOracle::new(100_000_000));
    let rpc = Arc::new(client(&node.url()));
    let opts = waiaas::Host {
        chain_clients: ChainClients::new().with_evm(Network::EthereumSepolia, rpc.clone()),
        ..host(&clock, &prices)
    };
    let admin = Waiaas::create(dir.path().join("v"), Some(pw()), &config(), opts).unwrap();
    let w = common::World {
        dir,
        clock: clock.clone(),
        prices,
        admin: admin.clone(),
    };
    w.refresh_prices();
    // anvil's pre-funded account #0.
    let key = SecretString::from(format!("0x{KEY0}"));
    let wallet = admin
        .import_wallet("anvil0", Network::EthereumSepolia, &key)
        .unwrap();
    w.ladder(wallet.id);
    let agent = w.agent(wallet.id);
    let to = "0x4242424242424242424242424242424242424242";
    let before = agent.balance(None).unwrap();
    assert_eq!(before.symbol, "ETH");
    assert_eq!(before.formatted, "10000");

    // INSTANT with no chain parameters at all: the client supplies nonce and fees.
    let tx = agent.send(&SendRequest::transfer(to, "0.001")).unwrap();
    assert_eq!(tx.status, TxStatus::Submitted, "{tx:?}");
    wait_mined(&rpc, tx.result.as_ref().unwrap().tx_hash.as_ref().unwrap());
    let recipient = EvmAddress::parse(to).unwrap();
    assert_eq!(
        rpc.balance(&recipient).unwrap(),
        Amount::from_u128(1_000_000_000_000_000)
    );

    // DELAY: executed 900 s later with a fresh nonce, then broadcast.
    let queued = agent.send(&SendRequest::transfer(to, "0.1")).unwrap();
    assert_eq!(queued.status, TxStatus::Queued);
    clock.advance(900);
    w.refresh_prices();
    let done = admin.process_due().unwrap();
    assert_eq!(done[0].status, TxStatus::Submitted, "{done:?}");
    wait_mined(
        &rpc,
        done[0].result.as_ref().unwrap().tx_hash.as_ref().unwrap(),
    );
    assert_eq!(
        rpc.balance(&recipient).unwrap(),
        Amount::from_u128(101_000_000_000_000_000)
    );
    assert!(agent.balance(None).unwrap().amount < before.amount);

    // A raw transaction whose nonce is ahead of the pending one could be held back and
    // landed later: refused before anything is stored. The pending nonce is accepted.
    // Fees as the node suggests them (a raw fee above 4x its estimate is FEE_TOO_HIGH).
    let fees = rpc.fees().unwrap();
    let raw = |nonce: u64| {
        let req = waiaas_chains::evm::EvmTxRequest {
            chain_id: 11_155_111,
            nonce,
            max_fee_per_gas: fees.max_fee_per_gas,
            max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
            gas_limit: 21_000,
            to: recipient,
            value: Amount::from_u64(1),
            data: Vec::new(),
        };
        format!("0x{}", hex::encode(req.encode_unsigned()))
    };
    let rows = admin.transactions(&Default::default()).unwrap().len();
    let err = agent.sign_transaction(None, &raw(7)).unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED", "{err:?}");
    assert!(err.to_string().contains("pending nonce is 2"), "{err}");
    assert_eq!(admin.transactions(&Default::default()).unwrap().len(), rows);
    let tx = agent.sign_transaction(None, &raw(2)).unwrap();
    assert_eq!(tx.status, TxStatus::Submitted, "{tx:?}");

    // A token the operator gave no decimals for (it is only approved, never listed in
    // ALLOWED_TOKENS): its decimals come from the chain's `decimals()` (TestToken: 18).
    let token = "0x7070707070707070707070707070707070707070";
    let runtime = testdata("contracts/TestToken.runtime.hex");
    rpc.call(
        "anvil_setCode",
        serde_json::json!([token, format!("0x{}", runtime.trim())]),
    )
    .unwrap();
    let spender = "0x5e5E5e5e5E5e5E5E5e5E5E5e5e5E5E5E5e5E5E5e";
    admin
        .create_policy(
            waiaas::NewPolicy::new(
                waiaas_core::policy::PolicyType::ApprovedSpenders,
                serde_json::json!({ "spenders": [{ "address": spender, "max_amount": "1000000000000000000" }] }),
            )
            .for_wallet(wallet.id),
        )
        .unwrap();
    let approve = |decimals: Option<u8>, amount: &str| {
        SendRequest::new(waiaas::Operation::Approve {
            spender: spender.to_owned(),
            token: waiaas::TokenSpec {
                decimals,
                ..waiaas::TokenSpec::new(token)
            },
            amount: amount.into(),
            token_program: None,
        })
    };
    let lie = agent.simulate(&approve(Some(6), "2")).unwrap();
    assert_eq!(
        lie.reason_codes(),
        vec!["TOKEN_DECIMALS_MISMATCH"],
        "{lie:?}"
    );
    // 2 tokens at the chain's 18 decimals exceed the spender's 1-token maximum; 1 passes.
    let two = agent.simulate(&approve(None, "2")).unwrap();
    assert_eq!(
        two.reason_codes(),
        vec!["APPROVE_AMOUNT_EXCEEDED"],
        "{two:?}"
    );
    assert!(agent.simulate(&approve(None, "1")).unwrap().allowed);
}

#[test]
fn without_a_client_balances_are_refused_with_a_typed_error() {
    let w = common::world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    assert_eq!(
        agent.balance(None).unwrap_err().code(),
        "CHAIN_CLIENT_REQUIRED"
    );
}
