//! Seed-phrase import, derivation paths, signer refusals and the intent JSON shape.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions"
)]

use waiaas_test_support::vault as fixtures;

use waiaas_chains::hd::{self, DerivationPath};
use waiaas_chains::{Intent, VaultSigner, evm, solana};
use waiaas_core::{Amount, ErrorCode, Network, SecretString, Signer};

const HARDHAT: &str = "test test test test test test test test test test test junk";

#[test]
fn derivation_paths_parse_strictly() {
    for ok in ["m", "m/44'/501'/0'/0'", "m/44h/60h/0h/0/0", "m/2147483647"] {
        DerivationPath::parse(ok).unwrap();
    }
    assert_eq!(
        DerivationPath::parse("m/44h/60h/0h/0/0")
            .unwrap()
            .to_string(),
        "m/44'/60'/0'/0/0"
    );
    assert_eq!(
        DerivationPath::default_for(waiaas_core::Chain::Solana).to_string(),
        "m/44'/501'/0'/0'"
    );
    assert_eq!(
        DerivationPath::default_for(waiaas_core::Chain::Ethereum).to_string(),
        "m/44'/60'/0'/0/0"
    );
    for bad in [
        "",
        "44/0",
        "M/0",
        "m/",
        "m//1",
        "m/x",
        "m/-1",
        "m/1''",
        "m/2147483648",
        &format!("m{}", "/0".repeat(17)),
    ] {
        let err = DerivationPath::parse(bad).unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED", "{bad}");
    }
    // Ed25519 has no non-hardened derivation.
    let err = hd::key_from_mnemonic(
        waiaas_core::Chain::Solana,
        SecretString::from(HARDHAT),
        SecretString::from(""),
        Some(&DerivationPath::parse("m/44'/501'/0'/0").unwrap()),
    )
    .unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
}

#[test]
fn bad_mnemonics_are_refused_without_echoing_them() {
    let cases = [
        (
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon",
            "fails its BIP-39 checksum",
        ),
        (
            "abandon abandon abandon",
            "must have 12, 15, 18, 21 or 24 words",
        ),
        (
            "test test test test test test test test test test test junkx",
            "contains a word that is not in the BIP-39 English list",
        ),
    ];
    for (phrase, reason) in cases {
        let err = hd::key_from_mnemonic(
            waiaas_core::Chain::Ethereum,
            SecretString::from(phrase),
            SecretString::from(""),
            None,
        )
        .unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED");
        assert_eq!(err.to_string(), format!("invalid `mnemonic`: {reason}"));
        assert!(!err.to_string().contains("abandon") && !err.to_string().contains("junk"));
    }
}

#[test]
fn the_mnemonic_is_not_stored_only_the_sealed_key() {
    let tv = fixtures::vault();
    let wallet = hd::import_mnemonic(
        &tv.vault,
        "hardhat",
        Network::EthereumMainnet,
        SecretString::from(HARDHAT),
        SecretString::from(""),
        None,
    )
    .unwrap();
    assert_eq!(wallet.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    let secret =
        hex::decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80").unwrap();
    // Scan every file of the vault directory (database, WAL) for the phrase and the key.
    let dir = tv.dir.path();
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes
                .windows(HARDHAT.len())
                .any(|w| w == HARDHAT.as_bytes())
        );
        assert!(!bytes.windows(32).any(|w| w == secret.as_slice()));
    }
}

#[test]
fn signers_refuse_the_other_curve_and_transaction_bytes_as_messages() {
    let tv = fixtures::vault();
    let sol_wallet = tv.vault.create_wallet("s", Network::SolanaDevnet).unwrap();
    let evm_wallet = tv
        .vault
        .create_wallet("e", Network::EthereumMainnet)
        .unwrap();
    let sol = VaultSigner::new(&tv.vault, &sol_wallet);
    let eth = VaultSigner::new(&tv.vault, &evm_wallet);
    assert_eq!(
        eth.sign_ed25519(b"x").unwrap_err().code(),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        sol.sign_prehash(&[0u8; 32]).unwrap_err().code(),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        evm::personal_sign(&sol, b"x").unwrap_err().code(),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        solana::sign_message(&eth, b"x").unwrap_err().code(),
        "VALIDATION_FAILED"
    );

    // A Solana transaction message cannot be signed as a "message".
    let me = waiaas_core::SolanaAddress::parse(&sol_wallet.address).unwrap();
    let message = solana::build_message(
        &me,
        &solana::SolanaTxRequest {
            actions: vec![solana::SolanaAction::Transfer {
                to: me,
                lamports: 1,
            }],
            lifetime: solana::Lifetime::RecentBlockhash([1; 32]),
            compute_budget: solana::ComputeBudget::default(),
        },
    )
    .unwrap();
    let err = solana::sign_message(&sol, &message.serialize()).unwrap_err();
    assert_eq!(err.code(), "INVALID_MESSAGE");
    // Ordinary text signs inside the off-chain envelope, and verifies against the
    // address over exactly those bytes (never over the bare text).
    let signed = solana::sign_message(&sol, b"hello").unwrap();
    assert_eq!(
        signed.signed_bytes,
        solana::offchain_message_bytes(&me, b"hello").unwrap()
    );
    waiaas_chains::owner::verify_ed25519(&me, &signed.signed_bytes, &signed.signature).unwrap();
    assert!(waiaas_chains::owner::verify_ed25519(&me, b"hello", &signed.signature).is_err());
    // A locked vault signs nothing.
    tv.vault.lock();
    assert_eq!(
        solana::sign_message(&sol, b"hello").unwrap_err().code(),
        "VAULT_LOCKED"
    );
}

#[test]
fn intents_serialize_as_the_policy_engine_reads_them() {
    let intent = Intent::TokenTransfer {
        token: Some("Mint".into()),
        to: "Dest".into(),
        amount: Amount::from_u64(5),
        decimals: Some(6),
        program: None,
    };
    assert_eq!(
        serde_json::to_value(&intent).unwrap(),
        serde_json::json!({"type": "TOKEN_TRANSFER", "token": "Mint", "to": "Dest", "amount": "5", "decimals": 6, "program": null})
    );
    let call = Intent::ContractCall {
        contract: "0xC".into(),
        selector: Some("0x12345678".into()),
        value: Amount::ZERO,
    };
    let json = serde_json::to_string(&call).unwrap();
    assert_eq!(
        json,
        r#"{"type":"CONTRACT_CALL","contract":"0xC","selector":"0x12345678","value":"0"}"#
    );
    assert_eq!(serde_json::from_str::<Intent>(&json).unwrap(), call);
}

/// A host's own EVM signer (an HSM, say) whose key is not the key of the address it
/// claims: its signatures never leave, because a signer that did not check its key at
/// load gets every signature recovered against its address. (The vault's signer checks
/// each key against its row once per unlock and skips the recovery.)
#[cfg(feature = "evm")]
#[test]
fn an_external_signer_whose_key_is_not_its_address_signs_nothing() {
    use waiaas_core::signer::{RawSignature, SigningPayload};

    struct Mismatched(k256::ecdsa::SigningKey);

    impl Signer for Mismatched {
        fn network(&self) -> Network {
            Network::EthereumSepolia
        }
        fn address(&self) -> &str {
            // Hardhat's first account, not this key's.
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        }
        fn sign(
            &self,
            payload: SigningPayload<'_>,
        ) -> Result<RawSignature, waiaas_core::VaultError> {
            let SigningPayload::Secp256k1Prehash(digest) = payload else {
                panic!("an EVM payload")
            };
            let (sig, recid) = self.0.sign_prehash_recoverable(digest).unwrap();
            let mut rs = [0u8; 64];
            rs.copy_from_slice(&sig.to_bytes());
            Ok(RawSignature::Secp256k1 {
                rs,
                recovery_id: recid.to_byte(),
            })
        }
    }

    let signer = Mismatched(k256::ecdsa::SigningKey::from_bytes((&[7u8; 32]).into()).unwrap());
    assert!(!signer.key_checked());
    let request = evm::EvmTxRequest {
        chain_id: 11_155_111,
        nonce: 0,
        max_fee_per_gas: 30_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        gas_limit: 21_000,
        to: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
            .parse()
            .unwrap(),
        value: Amount::from_u128(1),
        data: Vec::new(),
    };
    let err = evm::sign_transaction(&signer, &request).unwrap_err();
    assert_eq!(err.code(), "INVALID_SIGNATURE", "{err}");
    assert!(err.to_string().contains("does not recover"), "{err}");
}
