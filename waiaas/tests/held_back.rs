//! Signatures that can be held back: a Solana transaction whose lifetime is a durable
//! nonce never expires, so a signature given today can land after the kill switch or
//! on a day whose cap it was never counted in. It is refused
//! `DURABLE_NONCE_NOT_ALLOWED` before anything is stored, unless the operator enabled
//! durable nonces for the wallet, and even then only when the wallet is the nonce
//! authority (so the operator can void a pending signature by advancing the nonce).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use base64::Engine as _;
use common::world;
use litesvm::LiteSVM;
use solana_pubkey::Pubkey;
use waiaas::{Network, Settings};
use waiaas_core::{SolanaAddress, Tier, TxStatus};
use waiaas_test_support::solana_runtime::{
    SOL, durable_transfer, execute_base64, set_nonce_account,
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn pk(a: &SolanaAddress) -> Pubkey {
    Pubkey::new_from_array(*a.as_bytes())
}

fn enable(w: &common::World, wallets: Vec<waiaas_core::WalletId>) {
    w.admin
        .set_settings(&Settings {
            durable_nonce_wallets: wallets,
            ..Settings::default()
        })
        .unwrap();
}

#[test]
fn durable_nonce_transactions_are_refused_unless_enabled_with_the_wallet_as_authority() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let me = pk(&SolanaAddress::parse(&wallet.address).unwrap());
    let mut svm = LiteSVM::new();
    svm.airdrop(&me, 10 * SOL).unwrap();
    let nonce_account = Pubkey::new_from_array([11u8; 32]);
    let stored = [42u8; 32];
    set_nonce_account(&mut svm, nonce_account, me, stored);
    let to = Pubkey::new_from_array([12u8; 32]);
    // 0.05 SOL = $5: INSTANT under the ladder, so only the lifetime can refuse it.
    let raw = durable_transfer(me, nonce_account, me, stored, to, 50_000_000);
    let audit_before = w.admin.audit_log(0, 10_000).unwrap().len();

    // (1) By default: refused before anything is stored or reserved.
    let err = agent.sign_transaction(None, &raw).unwrap_err();
    assert_eq!(err.code(), "DURABLE_NONCE_NOT_ALLOWED", "{err}");
    assert!(agent.transactions(0).unwrap().is_empty(), "no row");
    assert_eq!(
        w.admin.audit_log(0, 10_000).unwrap().len(),
        audit_before,
        "nothing recorded, nothing reserved"
    );
    // The same payment with a recent blockhash is INSTANT (the refusal is the lifetime).
    let blockhash_tx = {
        let ix = solana_system_interface::instruction::transfer(&me, &to, 50_000_000);
        let message =
            solana_message::Message::new_with_blockhash(&[ix], Some(&me), &svm.latest_blockhash());
        B64.encode(
            wincode::serialize(&solana_transaction::Transaction::new_unsigned(message)).unwrap(),
        )
    };
    let tx = agent.sign_transaction(None, &blockhash_tx).unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::Signed, Some(Tier::Instant))
    );

    // (2) Enabled for another wallet only: still refused for this one.
    let other_wallet = w.wallet(Network::SolanaDevnet);
    enable(&w, vec![other_wallet.id]);
    assert_eq!(
        agent.sign_transaction(None, &raw).unwrap_err().code(),
        "DURABLE_NONCE_NOT_ALLOWED"
    );

    // (3) Enabled for this wallet, but the nonce authority is someone else (who could
    // land it whenever they like, and whom the operator cannot overrule): refused.
    enable(&w, vec![wallet.id]);
    assert_eq!(
        w.admin.settings().unwrap().durable_nonce_wallets,
        vec![wallet.id]
    );
    let stranger = Pubkey::new_from_array([13u8; 32]);
    let foreign_nonce = Pubkey::new_from_array([14u8; 32]);
    set_nonce_account(&mut svm, foreign_nonce, stranger, stored);
    let foreign = durable_transfer(me, foreign_nonce, stranger, stored, to, 50_000_000);
    let rows = agent.transactions(0).unwrap().len();
    let err = agent.sign_transaction(None, &foreign).unwrap_err();
    assert_eq!(err.code(), "DURABLE_NONCE_NOT_ALLOWED", "{err}");
    assert_eq!(agent.transactions(0).unwrap().len(), rows, "no row");

    // (4) Enabled, the wallet is the authority: judged like any transfer, signed, and
    // it executes in the runtime, advancing the nonce.
    let tx = agent.sign_transaction(None, &raw).unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::Signed, Some(Tier::Instant))
    );
    execute_base64(&mut svm, common::signed(&tx)).unwrap();
    assert_eq!(svm.get_balance(&to).unwrap(), 50_000_000);
    let after = svm.get_account(&nonce_account).unwrap().data;
    assert_ne!(&after[40..72], &stored, "the nonce advanced");
}

#[test]
fn an_operator_voids_a_held_back_signature_by_advancing_the_nonce() {
    // Why the wallet must be the authority: whoever holds it can advance the nonce,
    // and a signature over the old nonce then never lands.
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let me = pk(&SolanaAddress::parse(&wallet.address).unwrap());
    let mut svm = LiteSVM::new();
    svm.airdrop(&me, 10 * SOL).unwrap();
    let nonce_account = Pubkey::new_from_array([21u8; 32]);
    let stored = [43u8; 32];
    set_nonce_account(&mut svm, nonce_account, me, stored);
    let to = Pubkey::new_from_array([22u8; 32]);
    enable(&w, vec![wallet.id]);

    let held = agent
        .sign_transaction(
            None,
            &durable_transfer(me, nonce_account, me, stored, to, 10_000_000),
        )
        .unwrap();

    // The wallet advances the nonce first (a durable-nonce transaction of its own, here
    // paying itself 1 lamport: the wallet is the authority, so it can).
    let void = agent
        .sign_transaction(
            None,
            &durable_transfer(me, nonce_account, me, stored, me, 1),
        )
        .unwrap();
    execute_base64(&mut svm, common::signed(&void)).unwrap();

    // The held-back signature no longer lands.
    assert!(execute_base64(&mut svm, common::signed(&held)).is_err());
    assert_eq!(svm.get_balance(&to).unwrap_or(0), 0);
}
