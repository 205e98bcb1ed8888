//! End to end: an owner registered from `OwnerSigner::address` approves an APPROVAL-tier
//! transaction with `OwnerSigner::sign` (Solana and EVM), and a signature over another
//! text is refused.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

mod common;

use common::{BLOCKHASH, world};
use waiaas::owner::OwnerSigner;
use waiaas::{ChainParams, Network, SendRequest};
use waiaas_core::TxStatus;

#[test]
fn solana_owner_approves_with_the_helper() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let owner_key = OwnerSigner::solana_from_bytes(&[7u8; 32]).unwrap();
    w.admin.set_owner(wallet.id, &owner_key.address()).unwrap();
    let tx = agent
        .send(&SendRequest {
            chain: ChainParams {
                recent_blockhash: Some(BLOCKHASH.to_owned()),
                ..ChainParams::default()
            },
            ..SendRequest::transfer(&wallet.address, "20")
        })
        .unwrap();
    assert_eq!(tx.status, TxStatus::PendingApproval);
    let owner = w.admin.owner_actions();
    let msg = owner
        .approval_request(tx.id)
        .unwrap()
        .approve_message
        .unwrap();
    let wrong = owner_key.sign(&format!("{msg} ")).unwrap();
    assert_eq!(
        owner.approve(tx.id, &wrong, &msg).unwrap_err().code(),
        "INVALID_SIGNATURE"
    );
    let done = owner
        .approve(tx.id, &owner_key.sign(&msg).unwrap(), &msg)
        .unwrap();
    assert_eq!(done.status, TxStatus::Signed);
}

#[test]
fn evm_owner_approves_with_the_helper() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let mut key = [4u8; 32];
    key[0] = 1;
    let owner_key = OwnerSigner::evm_from_bytes(&key).unwrap();
    w.admin.set_owner(wallet.id, &owner_key.address()).unwrap();
    let tx = agent
        .send(&SendRequest {
            chain: ChainParams {
                nonce: Some(0),
                max_fee_per_gas: Some("30000000000".into()),
                max_priority_fee_per_gas: Some("1000000000".into()),
                ..ChainParams::default()
            },
            ..SendRequest::transfer("0x4242424242424242424242424242424242424242", "1")
        })
        .unwrap();
    assert_eq!(tx.status, TxStatus::PendingApproval);
    let owner = w.admin.owner_actions();
    let msg = owner
        .approval_request(tx.id)
        .unwrap()
        .approve_message
        .unwrap();
    let done = owner
        .approve(tx.id, &owner_key.sign(&msg).unwrap(), &msg)
        .unwrap();
    assert_eq!(done.status, TxStatus::Signed);
}
