//! Owner verification: the wallet owner's external key proves approvals.
//!
//! - Solana owners sign with Ed25519: a detached 64-byte signature over the exact
//!   message bytes, checked with `verify_strict` against the base58 owner address.
//! - EVM owners sign with `personal_sign` (EIP-191): the signature must recover to the
//!   registered address. Registration demands the EIP-55 checksummed form, so a typo in
//!   an owner address is caught before it becomes a trust anchor.
//!
//! Needs neither chain feature: it uses `ed25519-dalek` and `k256` directly.

use ed25519_dalek::{Signature as EdSignature, VerifyingKey as EdVerifyingKey};
use k256::ecdsa::{RecoveryId, Signature as EcSignature, VerifyingKey as EcVerifyingKey};
use waiaas_core::address::keccak256;
use waiaas_core::{Chain, EvmAddress, SolanaAddress, ValidationError};

use crate::error::ChainError;

/// A registered owner: the address an approval signature must come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerAddress {
    /// A Solana owner (Ed25519 public key).
    Solana(SolanaAddress),
    /// An EVM owner (secp256k1, EIP-191 signatures).
    Evm(EvmAddress),
}

impl OwnerAddress {
    /// Parses an owner address for registration: canonical base58 for Solana, exact
    /// EIP-55 casing for EVM (all-lowercase or wrongly cased input is refused).
    ///
    /// # Errors
    /// `INVALID_ADDRESS` naming the problem.
    pub fn register(chain: Chain, address: &str) -> Result<Self, ValidationError> {
        match chain {
            Chain::Solana => SolanaAddress::parse(address).map(Self::Solana),
            Chain::Ethereum => EvmAddress::parse_checksummed(address).map(Self::Evm),
        }
    }

    /// Checks that `signature` over `message` comes from this owner.
    ///
    /// Solana: 64-byte Ed25519 signature (strict verification). EVM: 65-byte `r ‖ s ‖ v`
    /// personal_sign signature (`v` 27/28 or 0/1) over the EIP-191 hash of `message`.
    ///
    /// # Errors
    /// `INVALID_SIGNATURE` for a malformed signature or one from another key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), ChainError> {
        match self {
            Self::Solana(owner) => verify_ed25519(owner, message, signature),
            Self::Evm(owner) => {
                let signer = recover_eip191_signer(message, signature)?;
                if signer == *owner {
                    Ok(())
                } else {
                    Err(ChainError::bad_signature(
                        "the signature is not from the registered owner",
                    ))
                }
            }
        }
    }
}

/// Verifies a detached Ed25519 signature by the key behind a Solana address.
///
/// # Errors
/// `INVALID_SIGNATURE` when the signature is not 64 bytes, the address is not a valid
/// Ed25519 point, or verification fails.
pub fn verify_ed25519(
    signer: &SolanaAddress,
    message: &[u8],
    signature: &[u8],
) -> Result<(), ChainError> {
    let sig_bytes: [u8; 64] = signature
        .try_into()
        .map_err(|_| ChainError::bad_signature("an Ed25519 signature must be 64 bytes"))?;
    let key = EdVerifyingKey::from_bytes(signer.as_bytes())
        .map_err(|_| ChainError::bad_signature("the address is not an Ed25519 public key"))?;
    key.verify_strict(message, &EdSignature::from_bytes(&sig_bytes))
        .map_err(|_| ChainError::bad_signature("ed25519 verification failed"))
}

/// The EIP-191 (`personal_sign`) hash: keccak256 of
/// `"\x19Ethereum Signed Message:\n" ‖ len(message) ‖ message`.
#[must_use]
pub fn eip191_hash(message: &[u8]) -> [u8; 32] {
    let mut data = format!("\x19Ethereum Signed Message:\n{}", message.len()).into_bytes();
    data.extend_from_slice(message);
    keccak256(&data)
}

/// Recovers the address that signed `digest` with a 65-byte `r ‖ s ‖ v` signature
/// (`v` 27/28 or 0/1; a high `s` is normalized as Ethereum's `ecrecover` accepts it).
///
/// # Errors
/// `INVALID_SIGNATURE` for a wrong length, a bad `v`, or a signature that recovers no key.
pub fn recover_prehash_signer(
    digest: &[u8; 32],
    signature: &[u8],
) -> Result<EvmAddress, ChainError> {
    let (rs, v) = match signature {
        [rs @ .., v] if rs.len() == 64 => (rs, *v),
        _ => {
            return Err(ChainError::bad_signature(
                "a secp256k1 signature must be 65 bytes (r, s, v)",
            ));
        }
    };
    let parity = match v {
        0 | 27 => false,
        1 | 28 => true,
        _ => return Err(ChainError::bad_signature("`v` must be 27, 28, 0 or 1")),
    };
    let sig = EcSignature::from_slice(rs)
        .map_err(|_| ChainError::bad_signature("r or s is out of range"))?;
    let (sig, parity) = match sig.normalize_s() {
        Some(low) => (low, !parity),
        None => (sig, parity),
    };
    let recid = RecoveryId::new(parity, false);
    let key = EcVerifyingKey::recover_from_prehash(digest, &sig, recid)
        .map_err(|_| ChainError::bad_signature("the signature recovers no public key"))?;
    let point = key.to_encoded_point(false);
    let bytes: [u8; 65] = point
        .as_bytes()
        .try_into()
        .map_err(|_| ChainError::bad_signature("unexpected public key encoding"))?;
    Ok(EvmAddress::from_uncompressed_public_key(&bytes))
}

/// Recovers the signer of a `personal_sign` (EIP-191) signature over `message`.
///
/// # Errors
/// As [`recover_prehash_signer`].
pub fn recover_eip191_signer(message: &[u8], signature: &[u8]) -> Result<EvmAddress, ChainError> {
    recover_prehash_signer(&eip191_hash(message), signature)
}
