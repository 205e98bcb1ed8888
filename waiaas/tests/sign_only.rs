//! Sign-only: a raw unsigned transaction built elsewhere is decoded, judged and signed
//! byte for byte; the result executes in the real runtime.
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
use base64::Engine as _;
use common::world;
use litesvm::LiteSVM;
use waiaas::Network;
use waiaas_chains::solana::{
    ComputeBudget, Lifetime, SolanaAction, SolanaTxRequest, build_message,
};
use waiaas_core::{Amount, EvmAddress, SolanaAddress, Tier, TxStatus};
use waiaas_test_support::solana_runtime::execute_base64;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn unsigned_sol_transfer(
    svm: &LiteSVM,
    from: &SolanaAddress,
    to: SolanaAddress,
    lamports: u64,
) -> String {
    let message = build_message(
        from,
        &SolanaTxRequest {
            actions: vec![SolanaAction::Transfer { to, lamports }],
            lifetime: Lifetime::RecentBlockhash(svm.latest_blockhash().to_bytes()),
            compute_budget: ComputeBudget::default(),
        },
    )
    .unwrap();
    let tx = solana_transaction::Transaction::new_unsigned(message);
    B64.encode(wincode::serialize(&tx).unwrap())
}

#[test]
fn a_raw_solana_transfer_is_judged_signed_and_executes() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let from = SolanaAddress::parse(&wallet.address).unwrap();
    let mut svm = LiteSVM::new();
    let payer = solana_pubkey::Pubkey::new_from_array(*from.as_bytes());
    svm.airdrop(&payer, 10_000_000_000).unwrap();
    let to = SolanaAddress::from_bytes([5u8; 32]);

    // 0.05 SOL = $5 → INSTANT.
    let raw = unsigned_sol_transfer(&svm, &from, to, 50_000_000);
    let tx = agent.sign_transaction(None, &raw).unwrap();
    assert_eq!(
        (tx.status, tx.tier, tx.kind.as_str()),
        (TxStatus::Signed, Some(Tier::Instant), "TRANSFER")
    );
    execute_base64(&mut svm, common::signed(&tx)).unwrap();
    assert_eq!(
        svm.get_balance(&solana_pubkey::Pubkey::new_from_array([5u8; 32]))
            .unwrap(),
        50_000_000
    );

    // 5 SOL = $500 → DELAY, like any request.
    let raw = unsigned_sol_transfer(&svm, &from, to, 5_000_000_000);
    assert_eq!(
        agent.sign_transaction(None, &raw).unwrap().status,
        TxStatus::Queued
    );

    // Another fee payer, garbage: typed errors.
    let other = SolanaAddress::from_bytes([8u8; 32]);
    let raw = unsigned_sol_transfer(&svm, &other, to, 1);
    assert_eq!(
        agent.sign_transaction(None, &raw).unwrap_err().code(),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        agent.sign_transaction(None, "!!!").unwrap_err().code(),
        "INVALID_TRANSACTION"
    );
    assert_eq!(
        agent.sign_transaction(None, "AAAA").unwrap_err().code(),
        "INVALID_TRANSACTION"
    );

    // A suspended wallet signs nothing.
    w.admin.suspend_wallet(wallet.id).unwrap();
    let raw = unsigned_sol_transfer(&svm, &from, to, 1_000);
    assert_eq!(
        agent.sign_transaction(None, &raw).unwrap_err().code(),
        "WALLET_SUSPENDED"
    );
}

#[test]
fn a_raw_evm_transfer_is_signed_by_the_wallet_and_other_chains_are_refused() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let request = |chain_id: u64| waiaas_chains::evm::EvmTxRequest {
        chain_id,
        nonce: 0,
        max_fee_per_gas: 30_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        gas_limit: 21_000,
        to: EvmAddress::from_bytes([0x42; 20]),
        value: Amount::from_u128(1_000_000_000_000_000),
        data: Vec::new(),
    };
    let raw = format!("0x{}", hex::encode(request(11_155_111).encode_unsigned()));
    let tx = agent.sign_transaction(None, &raw).unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::Signed, Some(Tier::Instant))
    );
    let signed = hex::decode(
        tx.result
            .unwrap()
            .signed_transaction
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap();
    let envelope = TxEnvelope::decode_2718_exact(&signed[..]).unwrap();
    assert_eq!(
        envelope.recover_signer().unwrap().to_checksum(None),
        wallet.address
    );
    let mainnet = format!("0x{}", hex::encode(request(1).encode_unsigned()));
    assert_eq!(
        agent.sign_transaction(None, &mainnet).unwrap_err().code(),
        "CHAIN_MISMATCH"
    );
}
