//! Wallet key material: generation, import and public address derivation.
//!
//! Secret keys live in types that zeroize on drop and whose `Debug` is redacted; they
//! are only handed out by reference inside [`crate::vault::Vault::with_signing_key`].

use std::fmt;

use ed25519_dalek::SigningKey as Ed25519SigningKey;
use k256::ecdsa::SigningKey as Secp256k1SigningKey;
use rand_core::{OsRng, RngCore};
use secrecy::{ExposeSecret, SecretString};
use zeroize::{Zeroize, Zeroizing};

use crate::address::{EvmAddress, SolanaAddress};
use crate::chain::Chain;
use crate::error::ValidationError;

/// A wallet's secret signing key. Wiped on drop; `Debug` never shows it.
pub enum WalletKey {
    /// Solana: Ed25519.
    Ed25519(Ed25519SigningKey),
    /// EVM: secp256k1.
    Secp256k1(Secp256k1SigningKey),
}

impl fmt::Debug for WalletKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ed25519(_) => f.write_str("WalletKey::Ed25519([redacted])"),
            Self::Secp256k1(_) => f.write_str("WalletKey::Secp256k1([redacted])"),
        }
    }
}

fn bad_key(reason: &str) -> ValidationError {
    // Never echo key material back: only say what shape was expected.
    ValidationError::field("private_key", reason)
}

impl WalletKey {
    /// A fresh random key for `chain`, from the OS RNG.
    #[must_use]
    pub fn generate(chain: Chain) -> Self {
        match chain {
            Chain::Solana => {
                let mut seed = Zeroizing::new([0u8; 32]);
                OsRng.fill_bytes(&mut seed[..]);
                Self::Ed25519(Ed25519SigningKey::from_bytes(&seed))
            }
            Chain::Ethereum => Self::Secp256k1(Secp256k1SigningKey::random(&mut OsRng)),
        }
    }

    /// From the 32 stored secret bytes (Ed25519 seed or secp256k1 scalar).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a secp256k1 scalar that is zero or not below the group order.
    pub fn from_secret_bytes(chain: Chain, bytes: &[u8; 32]) -> Result<Self, ValidationError> {
        match chain {
            Chain::Solana => Ok(Self::Ed25519(Ed25519SigningKey::from_bytes(bytes))),
            Chain::Ethereum => Secp256k1SigningKey::from_bytes(bytes.into())
                .map(Self::Secp256k1)
                .map_err(|_| bad_key("not a valid secp256k1 private key (zero or out of range)")),
        }
    }

    /// Imports a key as users hold it:
    /// - Solana: a 64-byte keypair (secret seed ‖ public key) as base58, or as a JSON
    ///   array of 64 numbers (the `solana-keygen` file format);
    /// - EVM: 32 bytes as 64 hex digits, with or without `0x`.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` naming the expected format; the input is never echoed.
    pub fn import(chain: Chain, text: &SecretString) -> Result<Self, ValidationError> {
        let text = text.expose_secret().trim();
        match chain {
            Chain::Solana => {
                let keypair = if text.starts_with('[') {
                    parse_json_keypair(text)?
                } else {
                    let mut out = Zeroizing::new([0u8; 64]);
                    let n = bs58::decode(text).onto(&mut out[..]).map_err(|_| {
                        bad_key("expected a 64-byte Solana keypair as base58 or a JSON byte array")
                    })?;
                    if n != 64 {
                        return Err(bad_key("a Solana keypair must be exactly 64 bytes"));
                    }
                    out
                };
                let (seed, public) = keypair.split_at(32);
                let mut seed_arr = Zeroizing::new([0u8; 32]);
                seed_arr.copy_from_slice(seed);
                let key = Ed25519SigningKey::from_bytes(&seed_arr);
                if key.verifying_key().as_bytes().as_slice() != public {
                    return Err(bad_key(
                        "the public half of the Solana keypair does not match its secret half",
                    ));
                }
                Ok(Self::Ed25519(key))
            }
            Chain::Ethereum => {
                let hex_part = text.strip_prefix("0x").unwrap_or(text);
                if hex_part.len() != 64 || !hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad_key(
                        "expected 64 hex digits (32 bytes), optionally prefixed with `0x`",
                    ));
                }
                let mut bytes = Zeroizing::new([0u8; 32]);
                hex::decode_to_slice(hex_part, &mut bytes[..])
                    .map_err(|_| bad_key("expected 64 hex digits"))?;
                Self::from_secret_bytes(Chain::Ethereum, &bytes)
            }
        }
    }

    /// The chain family this key signs for.
    #[must_use]
    pub fn chain(&self) -> Chain {
        match self {
            Self::Ed25519(_) => Chain::Solana,
            Self::Secp256k1(_) => Chain::Ethereum,
        }
    }

    /// The 32 secret bytes, in a wiping buffer (for sealing into the vault).
    #[must_use]
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        match self {
            Self::Ed25519(k) => Zeroizing::new(k.to_bytes()),
            Self::Secp256k1(k) => Zeroizing::new(k.to_bytes().into()),
        }
    }

    /// The public key bytes: 32 for Ed25519, 33 (compressed SEC1) for secp256k1.
    #[must_use]
    pub fn public_key_bytes(&self) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
            Self::Secp256k1(k) => k.verifying_key().to_encoded_point(true).as_bytes().to_vec(),
        }
    }

    /// The address: base58 for Solana, EIP-55 for EVM.
    #[must_use]
    pub fn address(&self) -> String {
        match self {
            Self::Ed25519(k) => SolanaAddress::from_bytes(k.verifying_key().to_bytes()).to_string(),
            Self::Secp256k1(k) => evm_address(k).to_checksum(),
        }
    }
}

/// The EVM address of a secp256k1 signing key.
#[must_use]
pub fn evm_address(key: &Secp256k1SigningKey) -> EvmAddress {
    let point = key.verifying_key().to_encoded_point(false);
    let mut uncompressed = [0u8; 65];
    if let Some(bytes) = point.as_bytes().get(..65) {
        uncompressed.copy_from_slice(bytes);
    }
    EvmAddress::from_uncompressed_public_key(&uncompressed)
}

fn parse_json_keypair(text: &str) -> Result<Zeroizing<[u8; 64]>, ValidationError> {
    let mut numbers: Vec<u16> = serde_json::from_str(text)
        .map_err(|_| bad_key("expected a JSON array of 64 numbers from 0 to 255"))?;
    let mut out = Zeroizing::new([0u8; 64]);
    let result = if numbers.len() == 64 {
        numbers
            .iter()
            .zip(out.iter_mut())
            .try_for_each(|(n, o)| u8::try_from(*n).map(|b| *o = b))
            .map_err(|_| bad_key("keypair bytes must be numbers from 0 to 255"))
    } else {
        Err(bad_key(
            "a Solana keypair JSON array must hold exactly 64 numbers",
        ))
    };
    numbers.zeroize();
    result.map(|()| out)
}
