//! Runs the language-neutral known-answer vectors in `testdata/vectors/chains/`
//! through the vault-backed signers (the same files later bindings run).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers outside #[test] functions"
)]

use waiaas_test_support::testdata::testdata;
use waiaas_test_support::vault as fixtures;

use serde_json::Value;
use waiaas_chains::hd::{self, DerivationPath};
use waiaas_chains::{OwnerAddress, VaultSigner, evm, solana};
use waiaas_core::{Chain, ErrorCode, Network, SecretString, Signer};

fn load(name: &str) -> Value {
    serde_json::from_str(&testdata(&format!("vectors/chains/{name}"))).unwrap()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing `{key}` in {v}"))
}

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text.trim_start_matches("0x")).unwrap()
}

#[test]
fn ed25519_keys_addresses_and_signatures() {
    let tv = fixtures::vault();
    for case in load("ed25519.json")["cases"].as_array().unwrap() {
        let name = s(case, "name");
        let wallet = fixtures::wallet_from_secret(
            &tv.vault,
            &format!("w{}", name.len()),
            Network::SolanaDevnet,
            s(case, "secretKey"),
        );
        assert_eq!(wallet.address, s(case, "address"), "{name}");
        assert_eq!(
            bs58::decode(&wallet.address).into_vec().unwrap(),
            unhex(s(case, "publicKey")),
            "{name}"
        );
        let signer = VaultSigner::new(&tv.vault, &wallet);
        // RFC 8032 known answers check the raw Ed25519 primitive; messages are signed
        // in the off-chain envelope (`solana_messages.rs`).
        let signature = signer.sign_ed25519(&unhex(s(case, "messageHex"))).unwrap();
        assert_eq!(hex::encode(signature), s(case, "signature"), "{name}");
        tv.vault.delete_wallet(wallet.id).unwrap();
    }
}

#[test]
fn secp256k1_addresses_and_personal_sign() {
    let v = load("secp256k1.json");
    let tv = fixtures::vault();
    for (i, case) in v["addresses"].as_array().unwrap().iter().enumerate() {
        let wallet = fixtures::wallet_from_secret(
            &tv.vault,
            &format!("a{i}"),
            Network::EthereumMainnet,
            s(case, "privateKey"),
        );
        assert_eq!(wallet.address, s(case, "address"), "{}", s(case, "name"));
    }
    for (i, case) in v["personalSign"].as_array().unwrap().iter().enumerate() {
        let tv = fixtures::vault();
        let wallet = fixtures::wallet_from_secret(
            &tv.vault,
            &format!("p{i}"),
            Network::EthereumMainnet,
            s(case, "privateKey"),
        );
        let message = s(case, "message").as_bytes();
        assert_eq!(
            format!(
                "0x{}",
                hex::encode(waiaas_chains::owner::eip191_hash(message))
            ),
            s(case, "messageHash")
        );
        let signature = evm::personal_sign(&VaultSigner::new(&tv.vault, &wallet), message).unwrap();
        assert_eq!(
            format!("0x{}", hex::encode(signature)),
            s(case, "signature")
        );
        let signer = waiaas_chains::owner::recover_eip191_signer(message, &signature).unwrap();
        assert_eq!(signer.to_checksum(), s(case, "signer"));
    }
}

#[test]
fn eip712_mail_example() {
    for case in load("eip712.json")["cases"].as_array().unwrap() {
        let tv = fixtures::vault();
        let network: Network = s(case, "network").parse().unwrap();
        let wallet =
            fixtures::wallet_from_secret(&tv.vault, "mail", network, s(case, "privateKey"));
        assert_eq!(wallet.address, s(case, "signer"));
        let json = case["typedData"].to_string();
        let hash = evm::typed_data_hash(&json).unwrap();
        assert_eq!(format!("0x{}", hex::encode(hash)), s(case, "signingHash"));
        let signature = evm::sign_typed_data(&VaultSigner::new(&tv.vault, &wallet), &json).unwrap();
        assert_eq!(
            format!("0x{}", hex::encode(signature)),
            s(case, "signature")
        );
        assert_eq!(
            evm::recover_typed_data_signer(&json, &signature)
                .unwrap()
                .to_checksum(),
            s(case, "signer")
        );
        // Mail is no standard waiaas decodes: typed data the operator must allow-list.
        assert_eq!(
            evm::decode_typed_data(network, &json).unwrap(),
            vec![waiaas_chains::intent::Intent::TypedData {
                verifying_contract: case["typedData"]["domain"]["verifyingContract"]
                    .as_str()
                    .map(str::to_owned),
                primary_type: "Mail".into(),
            }]
        );
        // The same typed data for a wallet (same key) on another chain is refused
        // before signing.
        let other = fixtures::wallet_from_secret(
            &tv.vault,
            "mail-sepolia",
            Network::EthereumSepolia,
            s(case, "privateKey"),
        );
        let err = evm::sign_typed_data(&VaultSigner::new(&tv.vault, &other), &json);
        assert_eq!(err.unwrap_err().code(), "CHAIN_MISMATCH");
    }
}

#[test]
fn mnemonic_seeds_and_addresses() {
    let v = load("mnemonic.json");
    for case in v["seeds"].as_array().unwrap() {
        let seed = hd::mnemonic_to_seed(
            &SecretString::from(s(case, "mnemonic")),
            &SecretString::from(s(case, "passphrase")),
        )
        .unwrap();
        assert_eq!(hex::encode(&seed[..]), s(case, "seed"));
    }
    let tv = fixtures::vault();
    for (i, case) in v["addresses"].as_array().unwrap().iter().enumerate() {
        let chain: Chain = s(case, "chain").parse().unwrap();
        let network = match chain {
            Chain::Solana => Network::SolanaMainnet,
            Chain::Ethereum => Network::EthereumMainnet,
        };
        let path = case["path"]
            .as_str()
            .map(|p| DerivationPath::parse(p).unwrap());
        let wallet = hd::import_mnemonic(
            &tv.vault,
            &format!("m{i}"),
            network,
            SecretString::from(s(case, "mnemonic")),
            SecretString::from(s(case, "passphrase")),
            path.as_ref(),
        )
        .unwrap();
        assert_eq!(wallet.address, s(case, "address"), "case {i}");
        // The imported wallet signs (its key is in the vault, the mnemonic is not).
        VaultSigner::new(&tv.vault, &wallet)
            .sign(match chain {
                Chain::Solana => waiaas_core::SigningPayload::Ed25519Message(b"x"),
                Chain::Ethereum => waiaas_core::SigningPayload::Secp256k1Prehash(&[1u8; 32]),
            })
            .unwrap();
    }
    let slip10 = &v["slip10Ed25519"];
    let seed = unhex(s(slip10, "seed"));
    for case in slip10["cases"].as_array().unwrap() {
        let path = DerivationPath::parse(s(case, "path")).unwrap();
        let key = hd::slip10_ed25519(&seed, &path).unwrap();
        assert_eq!(hex::encode(&key[..]), s(case, "privateKey"), "{path}");
        let public = ed25519_dalek::SigningKey::from_bytes(&key).verifying_key();
        assert_eq!(
            hex::encode(public.as_bytes()),
            s(case, "publicKey"),
            "{path}"
        );
    }
}

#[test]
fn owner_registration_and_verification() {
    let v = load("owner.json");
    for case in v["register"].as_array().unwrap() {
        let chain: Chain = s(case, "chain").parse().unwrap();
        let result = OwnerAddress::register(chain, s(case, "address"));
        if case["ok"].as_bool().unwrap() {
            result.unwrap();
        } else {
            assert_eq!(result.unwrap_err().code(), s(case, "code"), "{case}");
        }
    }
    for case in v["verify"].as_array().unwrap() {
        let chain: Chain = s(case, "chain").parse().unwrap();
        let owner = OwnerAddress::register(chain, s(case, "owner")).unwrap();
        let message = match case.get("messageHex") {
            Some(h) => unhex(h.as_str().unwrap()),
            None => s(case, "message").as_bytes().to_vec(),
        };
        let result = owner.verify(&message, &unhex(s(case, "signature")));
        if case["valid"].as_bool().unwrap() {
            result.unwrap_or_else(|e| panic!("{}: {e}", s(case, "name")));
        } else {
            assert_eq!(
                result.unwrap_err().code(),
                s(case, "code"),
                "{}",
                s(case, "name")
            );
        }
    }
}

#[test]
fn sign_only_decoding() {
    let v = load("decode.json");
    let decode = |network: Network, raw: &str| match network.chain() {
        Chain::Solana => solana::decode_transaction(raw),
        Chain::Ethereum => evm::decode_transaction(network, raw),
    };
    for case in v["cases"].as_array().unwrap() {
        let network: Network = s(case, "network").parse().unwrap();
        let decoded = decode(network, s(case, "raw")).unwrap();
        assert_eq!(
            serde_json::to_value(&decoded).unwrap(),
            case["decoded"],
            "{}",
            s(case, "name")
        );
    }
    for case in v["errors"].as_array().unwrap() {
        let network: Network = s(case, "network").parse().unwrap();
        let err = decode(network, s(case, "raw")).unwrap_err();
        assert_eq!(err.code(), s(case, "code"), "{}", s(case, "name"));
        if let Some(message) = case.get("message") {
            assert_eq!(
                err.to_string(),
                message.as_str().unwrap(),
                "{}",
                s(case, "name")
            );
        }
    }
}
