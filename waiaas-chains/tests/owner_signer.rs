//! `OwnerSigner` produces exactly what the owner verifier accepts, and exactly what
//! independent implementations produce: Solana's own keypair (Ed25519 is deterministic)
//! and alloy's `personal_sign` (RFC 6979), with recovery by alloy.
#![cfg(feature = "owner-signer")]
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use alloy_signer::SignerSync as _;
use solana_signer::Signer as _;
use waiaas_chains::{OwnerAddress, OwnerSigner};
use waiaas_core::{Chain, ErrorCode};

const TEXT: &str = "waiaas owner action: APPROVE\ntransaction: 0192…\nnonce: 42";

#[test]
fn solana_owner_signature_matches_solana_keypair_and_verifies() {
    let keypair = solana_keypair::Keypair::new_from_array([9u8; 32]);
    // The 64-byte base58 form wallets export, and the seed.
    let signer = OwnerSigner::solana_from_base58(&keypair.to_base58_string()).unwrap();
    let from_seed = OwnerSigner::solana_from_bytes(&[9u8; 32]).unwrap();
    let json = format!("{:?}", keypair.to_bytes().to_vec());
    let from_json = OwnerSigner::solana_from_keypair_json(&json).unwrap();
    assert_eq!(signer.address(), keypair.pubkey().to_string());
    assert_eq!(from_seed.address(), signer.address());
    assert_eq!(from_json.address(), signer.address());

    let sig = signer.sign(TEXT).unwrap();
    let bytes = bs58::decode(&sig).into_vec().unwrap();
    // Independent: Solana's keypair signs the same bytes to the same signature.
    assert_eq!(
        bytes,
        keypair.sign_message(TEXT.as_bytes()).as_ref().to_vec()
    );
    // Independent: ed25519-dalek's strict verification against the public key.
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&keypair.pubkey().to_bytes()).unwrap();
    vk.verify_strict(
        TEXT.as_bytes(),
        &ed25519_dalek::Signature::from_slice(&bytes).unwrap(),
    )
    .unwrap();
    // The library's verifier, from the registered address.
    let owner = OwnerAddress::register(Chain::Solana, &signer.address()).unwrap();
    assert_eq!(owner, signer.owner_address());
    owner.verify(TEXT.as_bytes(), &bytes).unwrap();
    assert!(owner.verify(b"another text", &bytes).is_err());
}

#[test]
fn evm_owner_signature_matches_alloy_personal_sign_and_recovers() {
    let mut key = [0x42u8; 32];
    key[0] = 1;
    let alloy = alloy_signer_local::PrivateKeySigner::from_slice(&key).unwrap();
    let signer = OwnerSigner::evm_from_hex(&format!("0x{}", hex::encode(key))).unwrap();
    assert_eq!(signer.address(), alloy.address().to_checksum(None));
    assert_eq!(
        OwnerSigner::evm_from_hex(&hex::encode(key))
            .unwrap()
            .address(),
        signer.address()
    );

    let sig = signer.sign(TEXT).unwrap();
    assert!(sig.starts_with("0x") && sig.len() == 2 + 130, "{sig}");
    let bytes = hex::decode(&sig[2..]).unwrap();
    assert!(bytes[64] == 27 || bytes[64] == 28);
    // Independent: alloy's personal_sign gives the same signature (RFC 6979)…
    let theirs = alloy.sign_message_sync(TEXT.as_bytes()).unwrap();
    assert_eq!(bytes, theirs.as_bytes().to_vec());
    // …and alloy recovers our signature to the owner's address.
    let parsed = alloy_primitives::Signature::from_raw(&bytes).unwrap();
    assert_eq!(
        parsed.recover_address_from_msg(TEXT.as_bytes()).unwrap(),
        alloy.address()
    );
    // The library's verifier, from the checksummed address.
    let owner = OwnerAddress::register(Chain::Ethereum, &signer.address()).unwrap();
    owner.verify(TEXT.as_bytes(), &bytes).unwrap();
    assert!(owner.verify(b"another text", &bytes).is_err());
}

#[test]
fn bad_keys_are_refused_and_debug_shows_no_key() {
    let keypair = solana_keypair::Keypair::new_from_array([9u8; 32]);
    let mut mismatched = keypair.to_bytes();
    mismatched[40] ^= 1;
    for e in [
        OwnerSigner::solana_from_bytes(&[1u8; 31]).unwrap_err(),
        OwnerSigner::solana_from_bytes(&mismatched).unwrap_err(),
        OwnerSigner::solana_from_base58("0OIl").unwrap_err(),
        OwnerSigner::solana_from_keypair_json("[1,2,3]").unwrap_err(),
        OwnerSigner::evm_from_hex("0x1234").unwrap_err(),
        OwnerSigner::evm_from_bytes(&[0u8; 32]).unwrap_err(),
        OwnerSigner::evm_from_bytes(&[0xffu8; 32]).unwrap_err(),
    ] {
        assert_eq!(e.code(), "VALIDATION_FAILED", "{e}");
    }
    let signer = OwnerSigner::solana_from_bytes(&[9u8; 32]).unwrap();
    let shown = format!("{signer:?}");
    assert!(shown.contains(&signer.address()), "{shown}");
    assert!(!shown.contains(&hex::encode([9u8; 32])), "{shown}");
    assert!(!shown.contains("[9, 9"), "{shown}");
}
