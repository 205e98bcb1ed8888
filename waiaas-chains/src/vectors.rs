//! The signing known answers (`testdata/vectors/chains/*.json`) as one entry point: a
//! case goes through the real vault-backed signers, decoders and verifiers, and the
//! answer is written in the form of the case's `expect`. The Rust runner and every
//! binding's runner (through `waiaas::api::evaluate_chain_case`) call [`evaluate`], so
//! a binding checks the same code path, not a copy of it.
//!
//! A case names its `kind`; errors the case expects (a refused owner address, a
//! signature that does not verify, a transaction that does not decode) are part of the
//! answer (`code`, `message`), while a case that does not parse, or a failure the case
//! does not ask about, is an `Err`.

use serde_json::{Value, json};
use waiaas_core::{
    Chain, ErrorCode, Network, SecretString, Signer as _, ValidationError, Vault, WalletKey,
};

use crate::hd::{self, DerivationPath};
use crate::{ChainError, OwnerAddress, VaultSigner, evm, owner, solana};

fn bad(field: &str, reason: impl Into<String>) -> ChainError {
    ValidationError::field(field, reason).into()
}

fn text<'a>(case: &'a Value, key: &str) -> Result<&'a str, ChainError> {
    case.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(key, "is required and must be a string"))
}

fn bytes(case: &Value, key: &str) -> Result<Vec<u8>, ChainError> {
    let s = text(case, key)?;
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).map_err(|_| bad(key, "must be hex"))
}

fn parsed<T: std::str::FromStr>(case: &Value, key: &str) -> Result<T, ChainError> {
    text(case, key)?
        .parse()
        .map_err(|_| bad(key, "is not a known value"))
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn failure(e: &ChainError) -> Value {
    json!({ "code": e.code(), "message": e.to_string() })
}

/// Imports the case's 32-byte secret (`key`, hex) into `vault` as a wallet on `network`.
fn import(
    vault: &Vault,
    name: &str,
    network: Network,
    case: &Value,
    key: &str,
) -> Result<waiaas_core::WalletInfo, ChainError> {
    let secret: [u8; 32] = bytes(case, key)?
        .try_into()
        .map_err(|_| bad(key, "must be 32 bytes"))?;
    let key = WalletKey::from_secret_bytes(network.chain(), &secret)?;
    Ok(vault.insert_wallet(name, network, &key)?)
}

/// Runs one case of `testdata/vectors/chains/*.json` and returns the answer to compare
/// with its `expect` (each key of `expect` equals the same key of the answer; the
/// answer may carry more, such as an error's message where the case pins its code).
/// Keys are imported into `vault`, which should be a fresh, unlocked vault.
///
/// # Errors
/// `VALIDATION_FAILED` when the case does not parse (unknown `kind`, a missing or
/// malformed field); any error of the signing path that the case does not expect.
pub fn evaluate(case: &Value, vault: &Vault) -> Result<Value, ChainError> {
    match text(case, "kind")? {
        "ed25519" => {
            let wallet = import(vault, "vector", Network::SolanaDevnet, case, "secretKey")?;
            let public = bs58::decode(&wallet.address)
                .into_vec()
                .map_err(|_| bad("address", "is not base58"))?;
            // RFC 8032 answers check the raw primitive; messages to sign go through the
            // off-chain envelope (`solana::sign_message`).
            let signature =
                VaultSigner::new(vault, &wallet).sign_ed25519(&bytes(case, "messageHex")?)?;
            Ok(json!({
                "address": wallet.address,
                "publicKey": hex::encode(public),
                "signature": hex::encode(signature),
            }))
        }
        "secp256k1Address" => {
            let wallet = import(
                vault,
                "vector",
                Network::EthereumMainnet,
                case,
                "privateKey",
            )?;
            Ok(json!({ "address": wallet.address }))
        }
        "personalSign" => {
            let wallet = import(
                vault,
                "vector",
                Network::EthereumMainnet,
                case,
                "privateKey",
            )?;
            let message = text(case, "message")?.as_bytes();
            let signature = evm::personal_sign(&VaultSigner::new(vault, &wallet), message)?;
            Ok(json!({
                "address": wallet.address,
                "messageHash": hex0x(&owner::eip191_hash(message)),
                "signature": hex0x(&signature),
                "signer": owner::recover_eip191_signer(message, &signature)?.to_checksum(),
            }))
        }
        "eip712" => {
            let network: Network = parsed(case, "network")?;
            let wallet = import(vault, "vector", network, case, "privateKey")?;
            let json = case
                .get("typedData")
                .ok_or_else(|| bad("typedData", "is required"))?
                .to_string();
            let signature = evm::sign_typed_data(&VaultSigner::new(vault, &wallet), &json)?;
            // The same key as a wallet on another network must be refused before signing.
            let other = import(
                vault,
                "vector-other",
                parsed(case, "otherNetwork")?,
                case,
                "privateKey",
            )?;
            let refused = evm::sign_typed_data(&VaultSigner::new(vault, &other), &json)
                .err()
                .map(|e| e.code());
            Ok(json!({
                "address": wallet.address,
                "signingHash": hex0x(&evm::typed_data_hash(&json)?),
                "signature": hex0x(&signature),
                "signer": evm::recover_typed_data_signer(&json, &signature)?.to_checksum(),
                "intents": evm::decode_typed_data(network, &json)?,
                "otherNetworkCode": refused,
            }))
        }
        "bip39Seed" => {
            let seed = hd::mnemonic_to_seed(
                &SecretString::from(text(case, "mnemonic")?),
                &SecretString::from(text(case, "passphrase")?),
            )?;
            Ok(json!({ "seed": hex::encode(&seed[..]) }))
        }
        "mnemonicAddress" => {
            let chain: Chain = parsed(case, "chain")?;
            let network = match chain {
                Chain::Solana => Network::SolanaMainnet,
                Chain::Ethereum => Network::EthereumMainnet,
            };
            let path = match case.get("path").and_then(Value::as_str) {
                Some(p) => Some(DerivationPath::parse(p)?),
                None => None,
            };
            let wallet = hd::import_mnemonic(
                vault,
                "vector",
                network,
                SecretString::from(text(case, "mnemonic")?),
                SecretString::from(text(case, "passphrase")?),
                path.as_ref(),
            )?;
            // The imported key is in the vault and signs (the mnemonic is not kept).
            let signer = VaultSigner::new(vault, &wallet);
            match chain {
                Chain::Solana => signer.sign_ed25519(b"x").map(drop)?,
                Chain::Ethereum => evm::personal_sign(&signer, b"x").map(drop)?,
            }
            Ok(json!({ "address": wallet.address }))
        }
        "slip10Ed25519" => {
            let path = DerivationPath::parse(text(case, "path")?)?;
            let key = hd::slip10_ed25519(&bytes(case, "seed")?, &path)?;
            let public = ed25519_dalek::SigningKey::from_bytes(&key).verifying_key();
            Ok(json!({
                "privateKey": hex::encode(&key[..]),
                "publicKey": hex::encode(public.as_bytes()),
            }))
        }
        "ownerRegister" => Ok(
            match OwnerAddress::register(parsed(case, "chain")?, text(case, "address")?) {
                Ok(_) => json!({ "ok": true }),
                Err(e) => json!({ "ok": false, "code": e.code(), "message": e.to_string() }),
            },
        ),
        "ownerVerify" => {
            let owner = OwnerAddress::register(parsed(case, "chain")?, text(case, "owner")?)?;
            let message = match case.get("messageHex") {
                Some(_) => bytes(case, "messageHex")?,
                None => text(case, "message")?.as_bytes().to_vec(),
            };
            Ok(match owner.verify(&message, &bytes(case, "signature")?) {
                Ok(()) => json!({ "valid": true }),
                Err(e) => json!({ "valid": false, "code": e.code(), "message": e.to_string() }),
            })
        }
        "decode" => {
            let network: Network = parsed(case, "network")?;
            let raw = text(case, "raw")?;
            let decoded = match network.chain() {
                Chain::Solana => solana::decode_transaction(raw),
                Chain::Ethereum => evm::decode_transaction(network, raw),
            };
            Ok(match decoded {
                Ok(d) => json!({ "decoded": d }),
                Err(e) => failure(&e),
            })
        }
        other => Err(bad(
            "kind",
            format!("`{other}` is not a kind of chain vector"),
        )),
    }
}
