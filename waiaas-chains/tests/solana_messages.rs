//! Solana message signing can never produce a transaction signature: text is signed
//! inside the off-chain message envelope (`\xffsolana offchain` …), checked here with an
//! independent Ed25519 verifier against bytes rebuilt by hand from the specification,
//! and anything that reads as a transaction (any version, lookup tables, trailing bytes,
//! with signatures) is refused `INVALID_MESSAGE`. The attack it closes is executed in
//! litesvm: the same bytes, signed raw, drain the wallet.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

use waiaas_test_support::vault as fixtures;

use ed25519_dalek::{Signature as DalekSignature, VerifyingKey};
use litesvm::LiteSVM;
use solana_account::Account;
use solana_message::{AddressLookupTableAccount, VersionedMessage};
use solana_pubkey::Pubkey;
use solana_transaction::versioned::VersionedTransaction;
use waiaas_chains::VaultSigner;
use waiaas_chains::solana;
use waiaas_core::{ErrorCode, Network, Signer, SolanaAddress};

const SOL: u64 = 1_000_000_000;

fn pk(a: &SolanaAddress) -> Pubkey {
    Pubkey::new_from_array(*a.as_bytes())
}

const ALT_PROGRAM: Pubkey = solana_pubkey::pubkey!("AddressLookupTab1e1111111111111111111111111");

/// An active address lookup table holding `addresses` (layout of the lookup table
/// program's state, written by hand: `ProgramState::LookupTable` tag, deactivation slot
/// `u64::MAX`, last extended slot 0, start index 0, no authority, padding; 56 bytes of
/// metadata, then the addresses).
fn set_lookup_table(svm: &mut LiteSVM, key: Pubkey, addresses: &[Pubkey]) {
    let mut data = vec![0u8; 56];
    data[0..4].copy_from_slice(&1u32.to_le_bytes());
    data[4..12].copy_from_slice(&u64::MAX.to_le_bytes());
    for a in addresses {
        data.extend_from_slice(a.as_ref());
    }
    let lamports = svm.minimum_balance_for_rent_exemption(data.len());
    svm.set_account(
        key,
        Account {
            lamports,
            data,
            owner: ALT_PROGRAM,
            executable: false,
            rent_epoch: 0,
        },
    )
    .unwrap();
}

fn wire(signatures: &[[u8; 64]], message: &[u8]) -> Vec<u8> {
    let mut out = vec![u8::try_from(signatures.len()).unwrap()];
    for s in signatures {
        out.extend_from_slice(s);
    }
    out.extend_from_slice(message);
    out
}

/// The envelope, rebuilt from the specification (not from the code under test).
fn expected_envelope(signer: &SolanaAddress, format: u8, text: &[u8]) -> Vec<u8> {
    let mut out = b"\xffsolana offchain".to_vec();
    out.push(0); // header version
    out.extend_from_slice(&[0u8; 32]); // application domain
    out.push(format);
    out.push(1); // one signer
    out.extend_from_slice(signer.as_bytes());
    out.extend_from_slice(&u16::try_from(text.len()).unwrap().to_le_bytes());
    out.extend_from_slice(text);
    out
}

fn verify(signer: &SolanaAddress, bytes: &[u8], signature: &[u8; 64]) -> bool {
    VerifyingKey::from_bytes(signer.as_bytes())
        .unwrap()
        .verify_strict(bytes, &DalekSignature::from_bytes(signature))
        .is_ok()
}

#[test]
fn a_v0_transaction_with_a_lookup_table_is_never_signed_as_a_message() {
    let tv = fixtures::vault();
    let wallet = tv
        .vault
        .create_wallet("msg", Network::SolanaDevnet)
        .unwrap();
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let me = SolanaAddress::parse(&wallet.address).unwrap();
    let mut svm = LiteSVM::new();
    svm.airdrop(&pk(&me), 10 * SOL).unwrap();
    svm.warp_to_slot(10); // the table's addresses were extended in an earlier slot
    let thief = Pubkey::new_from_array([66u8; 32]);
    let table = Pubkey::new_from_array([77u8; 32]);
    set_lookup_table(&mut svm, table, &[thief]);

    // The attack: a v0 message whose recipient comes from a lookup table, sent as a
    // "message" to sign.
    let drain = solana_system_interface::instruction::transfer(&pk(&me), &thief, 9 * SOL);
    let v0 = solana_message::v0::Message::try_compile(
        &pk(&me),
        &[drain],
        &[AddressLookupTableAccount {
            key: table,
            addresses: vec![thief],
        }],
        svm.latest_blockhash(),
    )
    .unwrap();
    assert_eq!(
        v0.address_table_lookups.len(),
        1,
        "the recipient is looked up"
    );
    let message = VersionedMessage::V0(v0).serialize();

    let err = solana::sign_message(&signer, &message).unwrap_err();
    assert_eq!(err.code(), "INVALID_MESSAGE", "{err}");
    // Nor as a whole wire transaction, nor with bytes appended.
    let err = solana::sign_message(&signer, &wire(&[[0u8; 64]], &message)).unwrap_err();
    assert_eq!(err.code(), "INVALID_MESSAGE");
    let err =
        solana::sign_message(&signer, &[message.as_slice(), b"trailing"].concat()).unwrap_err();
    assert_eq!(err.code(), "INVALID_MESSAGE");
    assert!(solana::offchain_message_bytes(&me, &message).is_err());

    // Why it matters: these exact bytes, signed raw (as `sign_message` did before),
    // are a transaction the runtime executes.
    let raw_signature = signer.sign_ed25519(&message).unwrap();
    let tx: VersionedTransaction = wincode::deserialize(&wire(&[raw_signature], &message)).unwrap();
    svm.send_transaction(tx).unwrap();
    assert_eq!(svm.get_balance(&thief).unwrap(), 9 * SOL);

    // The positive path on the same wallet: text signs.
    let signed = solana::sign_message(&signer, b"I own this wallet").unwrap();
    assert!(verify(&me, &signed.signed_bytes, &signed.signature));
}

#[test]
fn legacy_versioned_and_padded_transaction_messages_are_refused() {
    let tv = fixtures::vault();
    let wallet = tv
        .vault
        .create_wallet("msg", Network::SolanaDevnet)
        .unwrap();
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let me = SolanaAddress::parse(&wallet.address).unwrap();
    let to = Pubkey::new_from_array([5u8; 32]);
    let ix = solana_system_interface::instruction::transfer(&pk(&me), &to, SOL);
    let legacy = solana_message::Message::new_with_blockhash(
        std::slice::from_ref(&ix),
        Some(&pk(&me)),
        &[3u8; 32].into(),
    )
    .serialize();
    let v0 = VersionedMessage::V0(
        solana_message::v0::Message::try_compile(&pk(&me), &[ix], &[], [3u8; 32].into()).unwrap(),
    )
    .serialize();
    // A future version number in the v0 layout.
    let mut v5 = v0.clone();
    v5[0] = 0x85;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("legacy", legacy.clone()),
        (
            "legacy + trailing text",
            [legacy.as_slice(), b"hello"].concat(),
        ),
        ("legacy wire", wire(&[[0u8; 64]], &legacy)),
        (
            "legacy wire, signed by someone",
            wire(&[[7u8; 64]], &legacy),
        ),
        ("v0", v0.clone()),
        ("v0 + trailing zeroes", [v0.as_slice(), &[0u8; 40]].concat()),
        ("version 5", v5),
    ];
    for (name, bytes) in cases {
        let err = solana::sign_message(&signer, &bytes).unwrap_err();
        assert_eq!(err.code(), "INVALID_MESSAGE", "{name}: {err}");
        assert!(
            solana::decode::looks_like_transaction(&bytes),
            "{name} reads as a transaction"
        );
    }
    // Text does not read as a transaction and signs.
    for text in [
        "hello",
        "Sign in to example.com\nNonce: 8f3a",
        "Überweisung bestätigen",
    ] {
        assert!(!solana::decode::looks_like_transaction(text.as_bytes()));
        solana::sign_message(&signer, text.as_bytes()).unwrap();
    }
}

#[test]
fn text_is_signed_in_the_offchain_envelope_and_verifies_independently() {
    let tv = fixtures::vault();
    let wallet = tv
        .vault
        .create_wallet("msg", Network::SolanaDevnet)
        .unwrap();
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let me = SolanaAddress::parse(&wallet.address).unwrap();

    let long = "a".repeat(2_000);
    let cases: [(&[u8], u8); 4] = [
        // Printable ASCII fitting one packet: restricted ASCII.
        (b"Sign in to example.com, nonce 42", 0),
        // A newline is not printable: UTF-8.
        (b"Sign in to example.com\nnonce 42", 1),
        ("caf\u{e9} \u{2615}".as_bytes(), 1),
        // Past 1 232 bytes with the 85-byte preamble: extended UTF-8.
        (long.as_bytes(), 2),
    ];
    for (text, format) in cases {
        let signed = solana::sign_message(&signer, text).unwrap();
        let expected = expected_envelope(&me, format, text);
        assert_eq!(signed.signed_bytes, expected);
        assert_eq!(solana::offchain_message_bytes(&me, text).unwrap(), expected);
        // An independent verifier accepts the signature over the envelope, and not
        // over the bare text.
        assert!(verify(&me, &expected, &signed.signature));
        assert!(!verify(&me, text, &signed.signature));
    }
    // The preamble + text fit exactly 1 232 bytes: still format 0.
    let fits = "b".repeat(1_232 - 85);
    assert_eq!(
        solana::offchain_message_bytes(&me, fits.as_bytes()).unwrap()[49],
        0
    );
    let over = "b".repeat(1_232 - 84);
    assert_eq!(
        solana::offchain_message_bytes(&me, over.as_bytes()).unwrap()[49],
        2
    );

    // What cannot be an off-chain message.
    for (name, bytes) in [
        ("empty", Vec::new()),
        ("not UTF-8", vec![0xc3, 0x28, 0x41, 0x42]),
        ("too long", vec![b'a'; 65_535 - 84]),
    ] {
        let err = solana::sign_message(&signer, &bytes).unwrap_err();
        assert_eq!(err.code(), "INVALID_MESSAGE", "{name}");
    }
    // The longest extended message still signs.
    let longest = vec![b'a'; 65_535 - 85];
    let signed = solana::sign_message(&signer, &longest).unwrap();
    assert_eq!(signed.signed_bytes.len(), 65_535);
    assert!(verify(&me, &signed.signed_bytes, &signed.signature));
}

#[test]
fn the_envelope_is_never_a_transaction() {
    let tv = fixtures::vault();
    let wallet = tv
        .vault
        .create_wallet("msg", Network::SolanaDevnet)
        .unwrap();
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let me = SolanaAddress::parse(&wallet.address).unwrap();
    let mut svm = LiteSVM::new();
    svm.airdrop(&pk(&me), 10 * SOL).unwrap();

    // Texts whose envelope is as long as a transaction can be, and longer.
    for text in ["pay 1 SOL".to_owned(), "x".repeat(1_100), "y".repeat(5_000)] {
        let signed = solana::sign_message(&signer, text.as_bytes()).unwrap();
        let envelope = &signed.signed_bytes;
        assert_eq!(envelope[0], 0xff);
        // waiaas's own decoder refuses it, as a message and as a wire transaction.
        assert!(solana::decode::parse_message(envelope).is_err());
        let as_wire = wire(&[signed.signature], envelope);
        assert!(solana::decode::decode_transaction_bytes(&as_wire).is_err());
        // The Solana message types refuse it (version 127 is reserved)…
        assert!(wincode::deserialize::<VersionedMessage>(envelope).is_err());
        // …and the runtime never executes it.
        let outcome = wincode::deserialize::<VersionedTransaction>(&as_wire)
            .map_err(|e| format!("{e:?}"))
            .and_then(|tx| svm.send_transaction(tx).map_err(|e| format!("{:?}", e.err)));
        assert!(outcome.is_err(), "the envelope executed: {outcome:?}");
    }
    assert_eq!(svm.get_balance(&pk(&me)).unwrap(), 10 * SOL);
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_message_checks(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2_000)
    ) {
        let signer = SolanaAddress::from_bytes([1u8; 32]);
        let _ = solana::decode::looks_like_transaction(&bytes);
        if let Ok(envelope) = solana::offchain_message_bytes(&signer, &bytes) {
            // Whatever is accepted is enveloped, and the envelope is no transaction.
            proptest::prop_assert_eq!(&envelope[..16], b"\xffsolana offchain");
            proptest::prop_assert!(solana::decode::parse_message(&envelope).is_err());
        }
    }

    #[test]
    fn every_transfer_message_is_refused_as_a_message(
        lamports in proptest::prelude::any::<u64>(),
        to in proptest::prelude::any::<[u8; 32]>(),
        blockhash in proptest::prelude::any::<[u8; 32]>(),
        tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        versioned in proptest::prelude::any::<bool>(),
    ) {
        let me = Pubkey::new_from_array([1u8; 32]);
        let ix = solana_system_interface::instruction::transfer(&me, &Pubkey::new_from_array(to), lamports);
        let message = if versioned {
            VersionedMessage::V0(
                solana_message::v0::Message::try_compile(&me, &[ix], &[], blockhash.into()).unwrap(),
            )
            .serialize()
        } else {
            solana_message::Message::new_with_blockhash(&[ix], Some(&me), &blockhash.into()).serialize()
        };
        let padded = [message.as_slice(), &tail].concat();
        proptest::prop_assert!(solana::offchain_message_bytes(&sa(&me), &padded).is_err());
        proptest::prop_assert!(
            solana::offchain_message_bytes(&sa(&me), &wire(&[[0u8; 64]], &padded)).is_err()
        );
    }
}

fn sa(p: &Pubkey) -> SolanaAddress {
    SolanaAddress::from_bytes(p.to_bytes())
}
