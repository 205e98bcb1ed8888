//! The owner's side of an approval (feature `owner-signer`): sign the exact text waiaas
//! issued with the owner's own key, in the encoding [`crate::OwnerAddress::verify`] and
//! the facade's `Owner::approve` accept. For bots, tests and the language bindings; a
//! human owner signs in their wallet app instead.
//!
//! - Solana owners: Ed25519 over the text's bytes, returned as base58 (64 bytes), as a
//!   Solana wallet's `signMessage` gives it.
//! - EVM owners: EIP-191 `personal_sign` over the text, returned as `0x`-hex of
//!   `r ‖ s ‖ v` (65 bytes, `v` 27/28, low `s`), as `eth_sign`/`personal_sign` give it.
//!
//! The key lives in a type that wipes it on drop, has no `Clone`, and whose `Debug`
//! shows only the address.

use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey as EdSigningKey};
use k256::ecdsa::SigningKey as EcSigningKey;
use waiaas_core::{EvmAddress, SolanaAddress, ValidationError};
use zeroize::Zeroizing;

use crate::error::ChainError;
use crate::owner::{OwnerAddress, eip191_hash};

enum Key {
    Ed25519(EdSigningKey),
    Secp256k1(EcSigningKey),
}

/// An owner's signing key.
pub struct OwnerSigner {
    key: Key,
}

impl fmt::Debug for OwnerSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnerSigner")
            .field("address", &self.address())
            .finish_non_exhaustive()
    }
}

fn bad_key(reason: &str) -> ChainError {
    ValidationError::field("owner_key", reason).into()
}

impl OwnerSigner {
    /// A Solana owner from raw bytes: the 32-byte Ed25519 seed, or the 64-byte keypair
    /// (seed ‖ public key, the form Solana wallets export), whose public half must match.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for another length or a keypair whose halves do not match.
    pub fn solana_from_bytes(bytes: &[u8]) -> Result<Self, ChainError> {
        let (seed, public) = match bytes.len() {
            32 => (bytes, None),
            64 => {
                let (s, p) = bytes.split_at(32);
                (s, Some(p))
            }
            _ => {
                return Err(bad_key(
                    "a solana owner key is a 32-byte seed or a 64-byte keypair",
                ));
            }
        };
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            seed.try_into()
                .map_err(|_| bad_key("a solana owner key is a 32-byte seed"))?,
        );
        let key = EdSigningKey::from_bytes(&seed);
        if let Some(public) = public
            && key.verifying_key().as_bytes().as_slice() != public
        {
            return Err(bad_key(
                "the keypair's public half does not belong to its secret half",
            ));
        }
        Ok(Self {
            key: Key::Ed25519(key),
        })
    }

    /// A Solana owner from base58 (a 64-byte keypair as wallets export it, or a 32-byte
    /// seed).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for text that is not base58 or as [`OwnerSigner::solana_from_bytes`].
    pub fn solana_from_base58(text: &str) -> Result<Self, ChainError> {
        let bytes = Zeroizing::new(
            bs58::decode(text.trim())
                .into_vec()
                .map_err(|_| bad_key("not base58"))?,
        );
        Self::solana_from_bytes(&bytes)
    }

    /// A Solana owner from a `solana-keygen` key file's content (a JSON array of 64
    /// numbers).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for anything else, or as [`OwnerSigner::solana_from_bytes`].
    pub fn solana_from_keypair_json(text: &str) -> Result<Self, ChainError> {
        let bytes: Zeroizing<Vec<u8>> = Zeroizing::new(
            serde_json::from_str(text)
                .map_err(|_| bad_key("a key file is a json array of 64 numbers"))?,
        );
        Self::solana_from_bytes(&bytes)
    }

    /// An EVM owner from its 32-byte secp256k1 private key.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a key that is zero or not below the curve order.
    pub fn evm_from_bytes(bytes: &[u8; 32]) -> Result<Self, ChainError> {
        let key = EcSigningKey::from_slice(bytes)
            .map_err(|_| bad_key("not a valid secp256k1 private key"))?;
        Ok(Self {
            key: Key::Secp256k1(key),
        })
    }

    /// An EVM owner from its private key as hex (64 digits, `0x` optional).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for text that is not 32 bytes of hex, or as
    /// [`OwnerSigner::evm_from_bytes`].
    pub fn evm_from_hex(text: &str) -> Result<Self, ChainError> {
        let text = text.trim();
        let hex_text = text.strip_prefix("0x").unwrap_or(text);
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(hex_text, bytes.as_mut_slice())
            .map_err(|_| bad_key("an evm owner key is 32 bytes of hex"))?;
        Self::evm_from_bytes(&bytes)
    }

    /// The owner address to register for this key (`Admin::set_owner`): base58 for
    /// Solana, EIP-55 checksummed for EVM.
    #[must_use]
    pub fn address(&self) -> String {
        match self.owner_address() {
            OwnerAddress::Solana(a) => a.to_string(),
            OwnerAddress::Evm(a) => a.to_checksum(),
        }
    }

    /// The owner address as [`OwnerAddress`].
    #[must_use]
    pub fn owner_address(&self) -> OwnerAddress {
        match &self.key {
            Key::Ed25519(k) => {
                OwnerAddress::Solana(SolanaAddress::from_bytes(k.verifying_key().to_bytes()))
            }
            Key::Secp256k1(k) => {
                let point = k.verifying_key().to_encoded_point(false);
                // An uncompressed SEC1 point is always 65 bytes; the zero fallback is
                // unreachable and would name no key.
                let bytes: [u8; 65] = point.as_bytes().try_into().unwrap_or([0u8; 65]);
                OwnerAddress::Evm(EvmAddress::from_uncompressed_public_key(&bytes))
            }
        }
    }

    /// Signs `message` (the exact approval, rejection, cancellation or kill-switch text
    /// waiaas issued) and returns the signature in the encoding `Owner::approve` takes.
    ///
    /// # Errors
    /// `INVALID_SIGNATURE` if the secp256k1 signer fails (it does not for a valid key).
    pub fn sign(&self, message: &str) -> Result<String, ChainError> {
        match &self.key {
            Key::Ed25519(k) => {
                Ok(bs58::encode(k.sign(message.as_bytes()).to_bytes()).into_string())
            }
            Key::Secp256k1(k) => {
                let (sig, recid) = k
                    .sign_prehash_recoverable(&eip191_hash(message.as_bytes()))
                    .map_err(|_| ChainError::bad_signature("secp256k1 signing failed"))?;
                // RFC 6979 signatures from k256 have a low `s` already; normalize anyway.
                let (sig, recid) = match sig.normalize_s() {
                    Some(low) => (
                        low,
                        k256::ecdsa::RecoveryId::new(!recid.is_y_odd(), recid.is_x_reduced()),
                    ),
                    None => (sig, recid),
                };
                let mut out = Vec::with_capacity(65);
                out.extend_from_slice(&sig.to_bytes());
                out.push(if recid.is_y_odd() { 28 } else { 27 });
                Ok(format!("0x{}", hex::encode(out)))
            }
        }
    }
}
