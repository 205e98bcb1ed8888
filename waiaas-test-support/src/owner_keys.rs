//! Owner keys held by the test (never by waiaas) that sign the way a wallet app would,
//! with libraries independent of waiaas: ed25519-dalek for Solana, alloy for EVM.

use alloy_signer::SignerSync;

/// An owner key held by the test.
#[derive(Debug)]
pub enum OwnerKey {
    /// An Ed25519 (Solana) key.
    Solana(ed25519_dalek::SigningKey),
    /// A secp256k1 (EVM) key.
    Evm(alloy_signer_local::PrivateKeySigner),
}

impl OwnerKey {
    /// The Ed25519 key whose seed is 32 × `seed`.
    #[must_use]
    pub fn solana(seed: u8) -> Self {
        Self::Solana(ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
    }

    /// The secp256k1 key `01` followed by 31 × `seed` (always a valid scalar).
    ///
    /// # Panics
    /// Never for a `u8` seed.
    #[must_use]
    pub fn evm(seed: u8) -> Self {
        let mut k = [seed; 32];
        k[0] = 1;
        Self::Evm(alloy_signer_local::PrivateKeySigner::from_slice(&k).unwrap())
    }

    /// The address: base58 public key, or EIP-55 checksummed.
    #[must_use]
    pub fn address(&self) -> String {
        match self {
            Self::Solana(k) => bs58::encode(k.verifying_key().to_bytes()).into_string(),
            Self::Evm(s) => s.address().to_checksum(None),
        }
    }

    /// Signs `message` the way a wallet app would: Ed25519 detached (base58) or
    /// EIP-191 personal_sign (0x hex).
    ///
    /// # Panics
    /// When alloy fails to sign.
    #[must_use]
    pub fn sign(&self, message: &str) -> String {
        match self {
            Self::Solana(k) => {
                use ed25519_dalek::Signer as _;
                bs58::encode(k.sign(message.as_bytes()).to_bytes()).into_string()
            }
            Self::Evm(s) => {
                let sig = s.sign_message_sync(message.as_bytes()).unwrap();
                format!("0x{}", hex::encode(sig.as_bytes()))
            }
        }
    }
}
