//! Owner approval texts and signatures, through the path `Owner::approve` / `reject` /
//! `cancel_delayed` / `kill_switch` use (`decode_signature`, `OwnerAddress::register` and
//! `verify`, the kill-switch text parser): never a panic, never an accepted signature
//! that an independent Ed25519 / secp256k1 check refuses, the owner's own signature
//! always accepted, and only canonical addresses and kill-switch texts accepted.
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use k256::ecdsa::signature::hazmat::PrehashVerifier as _;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use sha3::{Digest as _, Keccak256};
use waiaas::owner::decode_signature;
use waiaas_chains::OwnerAddress;
use waiaas_core::{Chain, EvmAddress};

struct Owners {
    ed: ed25519_dalek::SigningKey,
    ec: k256::ecdsa::SigningKey,
    solana: OwnerAddress,
    evm: OwnerAddress,
}

static OWNERS: LazyLock<Owners> = LazyLock::new(|| {
    let ed = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let ec = k256::ecdsa::SigningKey::from_bytes(&[9u8; 32].into()).expect("a valid scalar");
    let solana_text = bs58::encode(ed.verifying_key().as_bytes()).into_string();
    let point = ec.verifying_key().to_encoded_point(false);
    let uncompressed: [u8; 65] = point.as_bytes().try_into().expect("65 bytes");
    let evm_text = EvmAddress::from_uncompressed_public_key(&uncompressed).to_checksum();
    Owners {
        solana: OwnerAddress::register(Chain::Solana, &solana_text).expect("solana owner"),
        evm: OwnerAddress::register(Chain::Ethereum, &evm_text).expect("evm owner"),
        ed,
        ec,
    }
});

/// The EIP-191 digest, computed here rather than by the code under test.
fn eip191(message: &[u8]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(format!("\x19Ethereum Signed Message:\n{}", message.len()).as_bytes());
    h.update(message);
    h.finalize().into()
}

/// Whether `signature` over `message` is by the fixed owner key, checked with the
/// primitives directly (Ed25519 strict; ECDSA over the EIP-191 digest, either `s`).
fn truly_signed(evm: bool, message: &[u8], signature: &[u8]) -> bool {
    let o = &*OWNERS;
    if evm {
        let Some(rs) = signature.get(..64) else {
            return false;
        };
        let Ok(sig) = k256::ecdsa::Signature::from_slice(rs) else {
            return false;
        };
        let sig = sig.normalize_s().unwrap_or(sig);
        o.ec.verifying_key()
            .verify_prehash(&eip191(message), &sig)
            .is_ok()
    } else {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        o.ed.verifying_key()
            .verify_strict(message, &ed25519_dalek::Signature::from_bytes(&bytes))
            .is_ok()
    }
}

fn sign(evm: bool, message: &[u8]) -> Vec<u8> {
    let o = &*OWNERS;
    if evm {
        let (sig, recid) =
            o.ec.sign_prehash_recoverable(&eip191(message))
                .expect("signing succeeds");
        let mut out = sig.to_bytes().to_vec();
        out.push(27 + recid.to_byte());
        out
    } else {
        o.ed.sign(message).to_bytes().to_vec()
    }
}

/// Every spelling `decode_signature` documents (base58 only for the 64-byte Ed25519
/// signatures: a 65-byte one is read as base64, so an EVM owner uses hex).
fn encode(evm: bool, how: u8, bytes: &[u8]) -> String {
    match how % 4 {
        2 if evm => hex::encode(bytes),
        0 => format!("0x{}", hex::encode(bytes)),
        1 => hex::encode(bytes),
        2 => bs58::encode(bytes).into_string(),
        _ => base64::engine::general_purpose::STANDARD.encode(bytes),
    }
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let o = &*OWNERS;
    let evm: bool = u.arbitrary()?;
    let owner = if evm { o.evm } else { o.solana };
    let chain = if evm { Chain::Ethereum } else { Chain::Solana };
    let mode: u8 = u.arbitrary()?;
    let message: &str = u.arbitrary()?;

    match mode % 4 {
        // A signature the fuzzer writes: accepted only when it truly verifies.
        0 => {
            let signature: &str = u.arbitrary()?;
            if let Ok(bytes) = decode_signature(signature)
                && owner.verify(message.as_bytes(), &bytes).is_ok()
            {
                assert!(
                    truly_signed(evm, message.as_bytes(), &bytes),
                    "accepted a forged signature {signature:?} over {message:?}"
                );
            }
        }
        // The owner's own signature, in each spelling, maybe tampered with (a byte of
        // the signature, or the text it is checked against).
        1 => {
            let mut signature = sign(evm, message.as_bytes());
            let how: u8 = u.arbitrary()?;
            let flip: Option<(usize, u8)> = u.arbitrary()?;
            let other_text: Option<&str> = u.arbitrary()?;
            if let Some((at, x)) = flip
                && let Some(b) = signature.get_mut(at % 65)
            {
                *b ^= x;
            }
            let checked = other_text.unwrap_or(message);
            let text = encode(evm, how, &signature);
            let accepted = decode_signature(&text)
                .is_ok_and(|bytes| owner.verify(checked.as_bytes(), &bytes).is_ok());
            if accepted {
                assert!(
                    truly_signed(evm, checked.as_bytes(), &signature),
                    "accepted {text:?} over {checked:?}, a signature that does not verify"
                );
            } else {
                assert!(
                    !(flip.is_none_or(|(_, x)| x == 0) && checked == message),
                    "refused the owner's own signature {text:?} over {message:?}"
                );
            }
        }
        // Registration: only the canonical spelling of an address is a trust anchor.
        2 => {
            if let Ok(registered) = OwnerAddress::register(chain, message) {
                let canonical = match registered {
                    OwnerAddress::Solana(a) => a.to_string(),
                    OwnerAddress::Evm(a) => a.to_checksum(),
                };
                assert_eq!(
                    canonical, message,
                    "registered a non-canonical owner address"
                );
            }
        }
        // The kill-switch text: exactly the issued form, or refused.
        _ => {
            if let Ok((wallet, issued)) = waiaas::fuzzing::parse_kill_switch_text(message) {
                assert_eq!(
                    format!("waiaas owner action: KILL_SWITCH\nwallet: {wallet}\nissued: {issued}"),
                    message,
                    "accepted a kill-switch text that is not the issued form"
                );
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
