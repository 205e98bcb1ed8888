//! End to end through every tier on both chains. INSTANT output is executed by the
//! real runtimes (litesvm for Solana, revm for EVM) with exact balance checks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use alloy_consensus::TxEnvelope;
use alloy_consensus::transaction::SignerRecoverable;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, U256};
use common::{BLOCKHASH, OwnerKey, world};
use litesvm::LiteSVM;
use revm::ExecuteCommitEvm;
use revm::context::TxEnv;
use waiaas::{ChainParams, Network, SendRequest};
use waiaas_core::{ErrorCode, Tier, TxStatus};
use waiaas_test_support::evm_runtime::eth_balance;
use waiaas_test_support::evm_runtime::{Evm, Genesis};
use waiaas_test_support::solana_runtime::execute_base64;

const LAMPORTS: u64 = 1_000_000_000;

fn sol_request(to: &str, amount: &str, blockhash: &str) -> SendRequest {
    SendRequest {
        chain: ChainParams {
            recent_blockhash: Some(blockhash.to_owned()),
            ..ChainParams::default()
        },
        ..SendRequest::transfer(to, amount)
    }
}

fn evm_request(to: &str, amount: &str, nonce: u64) -> SendRequest {
    SendRequest {
        chain: ChainParams {
            nonce: Some(nonce),
            max_fee_per_gas: Some("30000000000".into()),
            max_priority_fee_per_gas: Some("2000000000".into()),
            ..ChainParams::default()
        },
        ..SendRequest::transfer(to, amount)
    }
}

#[test]
fn solana_every_tier_and_instant_executes_in_litesvm() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let mut svm = LiteSVM::new();
    let from = solana_pubkey::Pubkey::new_from_array(
        bs58::decode(&wallet.address)
            .into_vec()
            .unwrap()
            .try_into()
            .unwrap(),
    );
    svm.airdrop(&from, 100 * LAMPORTS).unwrap();
    let recipient = solana_pubkey::Pubkey::new_from_array([9u8; 32]);
    let to = recipient.to_string();
    let blockhash = svm.latest_blockhash().to_string();

    // 0.05 SOL = 5 USD → INSTANT, signed at once; the runtime accepts it.
    let tx = agent.send(&sol_request(&to, "0.05", &blockhash)).unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::Signed, Some(Tier::Instant))
    );
    let before = svm.get_balance(&from).unwrap();
    execute_base64(&mut svm, common::signed(&tx)).unwrap();
    assert_eq!(svm.get_balance(&recipient).unwrap(), 50_000_000);
    assert_eq!(before - svm.get_balance(&from).unwrap(), 50_000_000 + 5_000);

    // 0.5 SOL = 50 USD → NOTIFY, also signed at once.
    svm.expire_blockhash();
    let blockhash = svm.latest_blockhash().to_string();
    let tx = agent.send(&sol_request(&to, "0.5", &blockhash)).unwrap();
    assert_eq!((tx.status, tx.tier), (TxStatus::Signed, Some(Tier::Notify)));

    // 5 SOL = 500 USD → DELAY: queued for the policy's 900 s.
    let tx = agent.send(&sol_request(&to, "5", &blockhash)).unwrap();
    assert_eq!((tx.status, tx.tier), (TxStatus::Queued, Some(Tier::Delay)));
    assert_eq!(tx.execute_after, Some(common::T0 + 900));
    assert!(tx.result.is_none());

    // 50 SOL = 5000 USD → APPROVAL, but no owner: downgraded to DELAY.
    let tx = agent.send(&sol_request(&to, "50", &blockhash)).unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::Queued, Some(Tier::Approval))
    );

    // With an owner it waits for approval.
    let owner = OwnerKey::solana(3);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    let tx = agent.send(&sol_request(&to, "20", &blockhash)).unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::PendingApproval, Some(Tier::Approval))
    );
    assert_eq!(tx.expires_at, Some(common::T0 + 3600));
}

#[test]
fn a_denied_request_is_an_error_with_every_reason_and_is_recorded() {
    let w = world();
    let wallet = w
        .admin
        .create_wallet("no-policy", Network::SolanaDevnet)
        .unwrap();
    let agent = w.agent(wallet.id);
    let err = agent
        .send(&sol_request(&wallet.address, "0.01", BLOCKHASH))
        .unwrap_err();
    assert_eq!(err.code(), "POLICY_DENIED");
    assert!(!err.reasons().is_empty());
    assert!(
        err.reasons().iter().any(|r| r.code == "NO_POLICY"),
        "{:?}",
        err.reasons()
    );
    let recorded = w.admin.transactions(&Default::default()).unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].status, TxStatus::Failed);
    assert_eq!(recorded[0].error.as_ref().unwrap().code, "POLICY_DENIED");
}

fn evm_with(funded: Address) -> Evm {
    Genesis::new(11_155_111)
        .base_fee(10_000_000_000)
        .fund(funded, U256::from(10u128.pow(19)))
        .build()
}

#[test]
fn evm_every_tier_and_instant_executes_in_revm() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let from: Address = wallet.address.parse().unwrap();
    let to = Address::repeat_byte(0x42);
    let mut evm = evm_with(from);

    // 0.001 ETH = 2 USD → INSTANT.
    let tx = agent
        .send(&evm_request(&to.to_checksum(None), "0.001", 0))
        .unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::Signed, Some(Tier::Instant))
    );
    let raw = hex::decode(
        tx.result
            .as_ref()
            .unwrap()
            .signed_transaction
            .as_ref()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap();
    let envelope = TxEnvelope::decode_2718_exact(&raw[..]).unwrap();
    assert_eq!(
        envelope.recover_signer().unwrap(),
        from,
        "signed by the wallet"
    );
    let TxEnvelope::Eip1559(signed) = &envelope else {
        panic!("not EIP-1559")
    };
    let t = signed.tx();
    let result = evm
        .transact_commit(TxEnv {
            tx_type: 2,
            caller: from,
            gas_limit: t.gas_limit,
            gas_price: t.max_fee_per_gas,
            gas_priority_fee: Some(t.max_priority_fee_per_gas),
            kind: t.to,
            value: t.value,
            data: t.input.clone(),
            nonce: t.nonce,
            chain_id: Some(t.chain_id),
            ..TxEnv::default()
        })
        .unwrap();
    assert!(result.is_success());
    assert_eq!(
        eth_balance(&mut evm, to),
        U256::from(1_000_000_000_000_000u128)
    );

    let tx = agent
        .send(&evm_request(&to.to_checksum(None), "0.01", 1))
        .unwrap();
    assert_eq!((tx.status, tx.tier), (TxStatus::Signed, Some(Tier::Notify)));
    let tx = agent
        .send(&evm_request(&to.to_checksum(None), "0.1", 2))
        .unwrap();
    assert_eq!((tx.status, tx.tier), (TxStatus::Queued, Some(Tier::Delay)));
    let owner = OwnerKey::evm(5);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    let tx = agent
        .send(&evm_request(&to.to_checksum(None), "1", 3))
        .unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::PendingApproval, Some(Tier::Approval))
    );
}

#[test]
fn unknown_price_fails_closed_to_approval() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    w.prices
        .remove_price(&waiaas_core::policy::native_asset_id(Network::SolanaDevnet));
    let d = agent
        .simulate(&sol_request(&wallet.address, "0.01", BLOCKHASH))
        .unwrap();
    assert!(d.allowed);
    assert_eq!(d.tier, Tier::Approval);
}

#[test]
fn simulate_has_no_side_effects() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let d = agent
        .simulate(&sol_request(&wallet.address, "0.05", BLOCKHASH))
        .unwrap();
    assert_eq!(d.tier, Tier::Instant);
    assert!(
        w.admin
            .transactions(&Default::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn bad_input_is_typed_before_anything_is_stored() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let cases = [
        (
            sol_request("not-an-address", "0.05", BLOCKHASH),
            "INVALID_ADDRESS",
        ),
        (
            sol_request(&wallet.address, "-1", BLOCKHASH),
            "INVALID_AMOUNT",
        ),
        (
            sol_request(&wallet.address, "0.0000000001", BLOCKHASH),
            "INVALID_AMOUNT",
        ),
        (
            SendRequest::transfer(&wallet.address, "0.05"),
            "VALIDATION_FAILED",
        ),
    ];
    for (req, code) in cases {
        assert_eq!(agent.send(&req).unwrap_err().code(), code, "{req:?}");
    }
    assert!(
        w.admin
            .transactions(&Default::default())
            .unwrap()
            .is_empty()
    );
    let _ = ErrorCode::code(&agent.send(&sol_request("x", "1", BLOCKHASH)).unwrap_err());
}
