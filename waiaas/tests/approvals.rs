//! Owner approvals are bound to one transaction, one action and one use.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use common::{BLOCKHASH, OwnerKey, World, world};
use waiaas::{Agent, ChainParams, Network, SendRequest};
use waiaas_core::store::OwnerState;
use waiaas_core::{TxId, TxStatus, WalletInfo};

fn big(to: &str) -> SendRequest {
    SendRequest {
        chain: ChainParams {
            recent_blockhash: Some(BLOCKHASH.to_owned()),
            ..ChainParams::default()
        },
        ..SendRequest::transfer(to, "20")
    }
}

struct Setup {
    w: World,
    wallet: WalletInfo,
    agent: Agent,
    owner: OwnerKey,
}

fn setup() -> Setup {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let owner = OwnerKey::solana(7);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    Setup {
        w,
        wallet,
        agent,
        owner,
    }
}

fn pending(s: &Setup) -> TxId {
    let tx = s.agent.send(&big(&s.wallet.address)).unwrap();
    assert_eq!(tx.status, TxStatus::PendingApproval);
    tx.id
}

#[test]
fn a_valid_approval_signs_and_proves_the_owner() {
    let s = setup();
    let id = pending(&s);
    let owner = s.w.admin.owner_actions();
    let req = owner.approval_request(id).unwrap();
    let msg = req.approve_message.unwrap();
    for needle in [
        id.to_string(),
        s.wallet.id.to_string(),
        s.wallet.address.clone(),
        "solana-devnet".to_owned(),
        "20 SOL (20000000000 base units".to_owned(),
        "tier: APPROVAL".to_owned(),
        "nonce: ".to_owned(),
        "request digest: sha256:".to_owned(),
    ] {
        assert!(msg.contains(&needle), "approval text lacks {needle}: {msg}");
    }
    let tx = owner.approve(id, &s.owner.sign(&msg), &msg).unwrap();
    assert_eq!(tx.status, TxStatus::Signed);
    assert!(tx.result.unwrap().signed_transaction.is_some());
    // A verified signature locks the owner in.
    assert_eq!(
        s.w.admin.owner(s.wallet.id).unwrap().state,
        OwnerState::Locked
    );
    assert_eq!(
        s.w.admin
            .set_owner(s.wallet.id, &OwnerKey::solana(8).address())
            .unwrap_err()
            .code(),
        "OWNER_ALREADY_CONNECTED"
    );
}

#[test]
fn a_replayed_approval_is_refused() {
    let s = setup();
    let id = pending(&s);
    let owner = s.w.admin.owner_actions();
    let msg = owner.approval_request(id).unwrap().approve_message.unwrap();
    let sig = s.owner.sign(&msg);
    owner.approve(id, &sig, &msg).unwrap();
    assert_eq!(
        owner.approve(id, &sig, &msg).unwrap_err().code(),
        "TX_ALREADY_PROCESSED"
    );
    assert_eq!(
        owner.reject(id, &sig, &msg).unwrap_err().code(),
        "TX_ALREADY_PROCESSED"
    );
}

#[test]
fn a_signature_for_one_transaction_does_not_approve_another() {
    let s = setup();
    let a = pending(&s);
    let b = pending(&s);
    let owner = s.w.admin.owner_actions();
    let msg_a = owner.approval_request(a).unwrap().approve_message.unwrap();
    let sig_a = s.owner.sign(&msg_a);
    assert_eq!(
        owner.approve(b, &sig_a, &msg_a).unwrap_err().code(),
        "APPROVAL_MESSAGE_MISMATCH"
    );
    // Nor an approval text as a rejection.
    assert_eq!(
        owner.reject(a, &sig_a, &msg_a).unwrap_err().code(),
        "APPROVAL_MESSAGE_MISMATCH"
    );
    assert_eq!(
        s.w.admin.transaction(b).unwrap().status,
        TxStatus::PendingApproval
    );
    assert_eq!(
        s.w.admin.transaction(a).unwrap().status,
        TxStatus::PendingApproval
    );
}

#[test]
fn a_wrong_signer_is_refused() {
    let s = setup();
    let id = pending(&s);
    let owner = s.w.admin.owner_actions();
    let msg = owner.approval_request(id).unwrap().approve_message.unwrap();
    let err = owner
        .approve(id, &OwnerKey::solana(99).sign(&msg), &msg)
        .unwrap_err();
    assert_eq!(err.code(), "INVALID_SIGNATURE");
    assert_eq!(
        owner
            .approve(id, "not a signature", &msg)
            .unwrap_err()
            .code(),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        s.w.admin.transaction(id).unwrap().status,
        TxStatus::PendingApproval
    );
}

#[test]
fn after_expiry_approval_times_out_and_the_reservation_is_released() {
    let s = setup();
    let id = pending(&s);
    let owner = s.w.admin.owner_actions();
    let msg = owner.approval_request(id).unwrap().approve_message.unwrap();
    s.w.clock.advance(3600);
    assert_eq!(
        owner
            .approve(id, &s.owner.sign(&msg), &msg)
            .unwrap_err()
            .code(),
        "APPROVAL_TIMEOUT"
    );
    assert_eq!(s.w.admin.transaction(id).unwrap().status, TxStatus::Expired);
    let store = waiaas_store::SqliteStore::open(
        s.w.dir.path().join("vault/waiaas.db"),
        &waiaas_store::StoreOptions::default(),
    )
    .unwrap();
    let r = store.reservation(id).unwrap().unwrap();
    assert_eq!(r.status.as_str(), "RELEASED");
}

#[test]
fn expiry_is_applied_by_process_due() {
    let s = setup();
    let id = pending(&s);
    s.w.clock.advance(3599);
    assert!(s.w.admin.process_due().unwrap().is_empty());
    s.w.clock.advance(1);
    let done = s.w.admin.process_due().unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(s.w.admin.transaction(id).unwrap().status, TxStatus::Expired);
}

#[test]
fn reject_ends_it_and_releases_the_reservation() {
    let s = setup();
    let id = pending(&s);
    let owner = s.w.admin.owner_actions();
    let msg = owner.approval_request(id).unwrap().reject_message.unwrap();
    let tx = owner.reject(id, &s.owner.sign(&msg), &msg).unwrap();
    assert_eq!(tx.status, TxStatus::Rejected);
    // The released spend no longer counts: the daily cap has room again (a fresh
    // pending approval is admitted rather than escalated for the cap).
    let store = waiaas_store::SqliteStore::open(
        s.w.dir.path().join("vault/waiaas.db"),
        &waiaas_store::StoreOptions::default(),
    )
    .unwrap();
    assert_eq!(
        store.reservation(id).unwrap().unwrap().status.as_str(),
        "RELEASED"
    );
}

#[test]
fn no_owner_means_delay_instead_of_approval() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let tx = agent.send(&big(&wallet.address)).unwrap();
    assert_eq!(tx.status, TxStatus::Queued);
    assert!(
        w.admin
            .owner_actions()
            .approval_request(tx.id)
            .unwrap_err()
            .code()
            == "OWNER_NOT_CONNECTED"
    );
}

#[test]
fn evm_owner_approves_with_personal_sign() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let owner_key = OwnerKey::evm(4);
    // Registering a lowercase owner address is refused: it carries no checksum.
    assert_eq!(
        w.admin
            .set_owner(wallet.id, &owner_key.address().to_lowercase())
            .unwrap_err()
            .code(),
        "INVALID_ADDRESS"
    );
    w.admin.set_owner(wallet.id, &owner_key.address()).unwrap();
    let req = SendRequest {
        chain: ChainParams {
            nonce: Some(0),
            max_fee_per_gas: Some("30000000000".into()),
            max_priority_fee_per_gas: Some("1000000000".into()),
            ..ChainParams::default()
        },
        ..SendRequest::transfer("0x4242424242424242424242424242424242424242", "1")
    };
    let tx = agent.send(&req).unwrap();
    assert_eq!(tx.status, TxStatus::PendingApproval);
    let owner = w.admin.owner_actions();
    let msg = owner
        .approval_request(tx.id)
        .unwrap()
        .approve_message
        .unwrap();
    let signed = owner.approve(tx.id, &owner_key.sign(&msg), &msg).unwrap();
    assert_eq!(signed.status, TxStatus::Signed);
}

#[test]
fn owner_states_none_grace_locked() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let key = OwnerKey::solana(1);
    assert_eq!(w.admin.owner(wallet.id).unwrap().state, OwnerState::None);
    assert_eq!(
        w.admin.remove_owner(wallet.id).unwrap_err().code(),
        "OWNER_NOT_CONNECTED"
    );
    assert_eq!(
        w.admin
            .verify_owner(wallet.id, "x", "y")
            .unwrap_err()
            .code(),
        "OWNER_NOT_CONNECTED"
    );
    let info = w.admin.set_owner(wallet.id, &key.address()).unwrap();
    assert_eq!(info.state, OwnerState::Grace);
    // GRACE: replace and remove are allowed.
    w.admin
        .set_owner(wallet.id, &OwnerKey::solana(2).address())
        .unwrap();
    w.admin.remove_owner(wallet.id).unwrap();
    let info = w.admin.set_owner(wallet.id, &key.address()).unwrap();
    let msg = info.verification_message.unwrap();
    assert_eq!(
        w.admin
            .verify_owner(wallet.id, &OwnerKey::solana(2).sign(&msg), &msg)
            .unwrap_err()
            .code(),
        "INVALID_SIGNATURE"
    );
    let info = w
        .admin
        .verify_owner(wallet.id, &key.sign(&msg), &msg)
        .unwrap();
    assert_eq!(info.state, OwnerState::Locked);
    assert_eq!(
        w.admin.remove_owner(wallet.id).unwrap_err().code(),
        "OWNER_ALREADY_CONNECTED"
    );
    assert_eq!(
        w.admin
            .set_owner(wallet.id, &OwnerKey::solana(3).address())
            .unwrap_err()
            .code(),
        "OWNER_ALREADY_CONNECTED"
    );
}

#[test]
fn an_agent_cannot_approve_its_own_transaction_with_its_wallet_key() {
    let s = setup();
    let id = pending(&s);
    let owner = s.w.admin.owner_actions();
    let msg = owner.approval_request(id).unwrap().approve_message.unwrap();
    // The wallet key signs as the wallet (the agent's key), not as the owner.
    let wallet_sig =
        s.w.admin
            .export_secret(s.wallet.id)
            .map(|secret| {
                let bytes = bs58::decode(secret.expose()).into_vec().unwrap();
                let key = ed25519_dalek::SigningKey::from_bytes(&bytes[..32].try_into().unwrap());
                use ed25519_dalek::Signer as _;
                bs58::encode(key.sign(msg.as_bytes()).to_bytes()).into_string()
            })
            .unwrap();
    assert_eq!(
        owner.approve(id, &wallet_sig, &msg).unwrap_err().code(),
        "INVALID_SIGNATURE"
    );
    assert_eq!(
        s.w.admin.transaction(id).unwrap().status,
        TxStatus::PendingApproval
    );
}

/// Fuzz finding (`fuzz/regressions/owner_approval/`): one base64 signature in 4 096
/// begins with `0x`; it used to be read as hex only and refused, so the owner's own
/// approval failed. This one is an EIP-191 signature (65 bytes) over `>8ab`.
#[test]
fn a_base64_signature_beginning_with_0x_is_read_as_base64() {
    use base64::Engine as _;

    let key = k256::ecdsa::SigningKey::from_bytes(&[9u8; 32].into()).unwrap();
    let point = key.verifying_key().to_encoded_point(false);
    let address =
        waiaas_core::EvmAddress::from_uncompressed_public_key(point.as_bytes().try_into().unwrap());
    let owner =
        waiaas_chains::OwnerAddress::register(waiaas_core::Chain::Ethereum, &address.to_checksum())
            .unwrap();
    let message = ">8ab";
    let (sig, recid) = key
        .sign_prehash_recoverable(&waiaas_chains::owner::eip191_hash(message.as_bytes()))
        .unwrap();
    let mut raw = sig.to_bytes().to_vec();
    raw.push(27 + recid.to_byte());
    let signature = base64::engine::general_purpose::STANDARD.encode(&raw);
    assert!(signature.starts_with("0x"), "{signature}");
    let bytes = waiaas::owner::decode_signature(&signature).unwrap();
    assert_eq!(bytes, raw);
    owner.verify(message.as_bytes(), &bytes).unwrap();
    // Still refused: hex that is not hex, and another text.
    assert!(waiaas::owner::decode_signature("0x!!").is_err());
    assert!(owner.verify(b">8ac", &bytes).is_err());
}
