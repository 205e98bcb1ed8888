//! The [`Signer`] trait: one required signing primitive, chain helpers as default methods.
//!
//! A signer never exposes key material. Implementations (in `waiaas-chains`) reach the
//! key only through [`crate::vault::Vault::with_signing_key`], which decrypts it into a
//! wiping buffer for the duration of one call; nothing is cached in plaintext.

use std::fmt;

use crate::chain::{Chain, Network};
use crate::error::{ValidationError, VaultError};

/// What to sign, in the form each curve signs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SigningPayload<'a> {
    /// Ed25519 signs the raw bytes (a Solana transaction message, or a message as-is).
    Ed25519Message(&'a [u8]),
    /// secp256k1 signs a 32-byte digest the caller computed (an EIP-1559 signature hash,
    /// an EIP-191 or EIP-712 hash). The signature is RFC 6979 deterministic.
    Secp256k1Prehash(&'a [u8; 32]),
}

impl fmt::Debug for SigningPayload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ed25519Message(m) => write!(f, "Ed25519Message({} bytes)", m.len()),
            Self::Secp256k1Prehash(h) => write!(f, "Secp256k1Prehash(0x{})", hex::encode(h)),
        }
    }
}

/// A signature as the curve produced it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RawSignature {
    /// A 64-byte Ed25519 signature.
    Ed25519([u8; 64]),
    /// A secp256k1 ECDSA signature: `r ‖ s` (low-s normalized) and the recovery id (0 or 1).
    Secp256k1 {
        /// `r ‖ s`, 32 bytes each, big-endian; `s` is in the lower half of the order.
        rs: [u8; 64],
        /// Recovery id (y parity), 0 or 1.
        recovery_id: u8,
    },
}

impl fmt::Debug for RawSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ed25519(s) => write!(f, "Ed25519(0x{})", hex::encode(s)),
            Self::Secp256k1 { rs, recovery_id } => {
                write!(f, "Secp256k1(0x{}, v={recovery_id})", hex::encode(rs))
            }
        }
    }
}

fn wrong_curve(expected: &str) -> VaultError {
    VaultError::Validation(ValidationError::field(
        "payload",
        format!("this signer does not produce {expected} signatures"),
    ))
}

/// Signs for one wallet.
///
/// [`Signer::sign`] is the one signing primitive; [`Signer::network`] and
/// [`Signer::address`] are public facts about the wallet that need no key. The helpers
/// below build on them. A signer refuses a payload for the other curve with
/// `VALIDATION_FAILED`.
pub trait Signer: Send + Sync {
    /// The network of the wallet this signer signs for. Chain builders check every
    /// chain id they sign (EVM transactions, EIP-712 domains) against it.
    fn network(&self) -> Network;

    /// The chain family (and so the curve) of this signer's key.
    fn chain(&self) -> Chain {
        self.network().chain()
    }

    /// The signer's address: base58 (Solana) or EIP-55 (EVM). Public; reads no key.
    fn address(&self) -> &str;

    /// Whether the key was checked against [`Signer::address`] when it was loaded (the
    /// vault's signer checks each key against its wallet row once per unlock). When
    /// not, the EVM builders recover every signature back to the address before it
    /// leaves — a self-check that costs about as much as the signature.
    fn key_checked(&self) -> bool {
        false
    }

    /// The one signing primitive.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a payload of the other curve; vault errors
    /// (`VAULT_LOCKED`, `WALLET_SUSPENDED`, `WALLET_NOT_FOUND`, …) when the key cannot be
    /// reached.
    fn sign(&self, payload: SigningPayload<'_>) -> Result<RawSignature, VaultError>;

    /// Ed25519 over the raw `message` bytes.
    ///
    /// # Errors
    /// As [`Signer::sign`]; `VALIDATION_FAILED` when this is not an Ed25519 signer.
    fn sign_ed25519(&self, message: &[u8]) -> Result<[u8; 64], VaultError> {
        match self.sign(SigningPayload::Ed25519Message(message))? {
            RawSignature::Ed25519(sig) => Ok(sig),
            RawSignature::Secp256k1 { .. } => Err(wrong_curve("Ed25519")),
        }
    }

    /// secp256k1 ECDSA over a 32-byte digest: `(r ‖ s, recovery id)`.
    ///
    /// # Errors
    /// As [`Signer::sign`]; `VALIDATION_FAILED` when this is not a secp256k1 signer.
    fn sign_prehash(&self, digest: &[u8; 32]) -> Result<([u8; 64], u8), VaultError> {
        match self.sign(SigningPayload::Secp256k1Prehash(digest))? {
            RawSignature::Secp256k1 { rs, recovery_id } => Ok((rs, recovery_id)),
            RawSignature::Ed25519(_) => Err(wrong_curve("secp256k1")),
        }
    }
}
