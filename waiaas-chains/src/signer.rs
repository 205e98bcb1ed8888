//! [`VaultSigner`]: the [`Signer`] for a vault wallet, on either chain.

use ed25519_dalek::Signer as _;
use waiaas_core::{
    Network, RawSignature, Signer, SigningPayload, ValidationError, Vault, VaultError, WalletId,
    WalletInfo, WalletKey,
};

/// Signs with one vault wallet's key.
///
/// Every call decrypts the key inside [`Vault::with_signing_key`] (one AEAD open, no
/// Argon2id), signs, and lets the vault wipe it; the signer itself holds only the wallet
/// id and public facts. A suspended or deleted wallet, or a locked vault, refuses.
#[derive(Debug, Clone)]
pub struct VaultSigner<'v> {
    vault: &'v Vault,
    wallet_id: WalletId,
    network: Network,
    address: String,
    /// A wallet row read in advance: signing then touches no storage.
    record: Option<waiaas_core::store::WalletRecord>,
}

impl<'v> VaultSigner<'v> {
    /// A signer for `wallet` (as returned by the vault).
    #[must_use]
    pub fn new(vault: &'v Vault, wallet: &WalletInfo) -> Self {
        Self {
            vault,
            wallet_id: wallet.id,
            network: wallet.network,
            address: wallet.address.clone(),
            record: None,
        }
    }

    /// A signer over a wallet row read in advance: it signs without reading the store
    /// (for callers that sign inside their own store transaction).
    #[must_use]
    pub fn from_record(vault: &'v Vault, record: waiaas_core::store::WalletRecord) -> Self {
        Self {
            vault,
            wallet_id: record.id,
            network: record.network,
            address: record.address.clone(),
            record: Some(record),
        }
    }

    /// Looks the wallet up and makes its signer.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`, `VAULT_LOCKED`, `STORAGE_ERROR`.
    pub fn for_wallet(vault: &'v Vault, wallet_id: WalletId) -> Result<Self, VaultError> {
        let info = vault.wallet(wallet_id)?;
        Ok(Self::new(vault, &info))
    }

    /// The wallet this signer signs for.
    #[must_use]
    pub fn wallet_id(&self) -> WalletId {
        self.wallet_id
    }
}

fn mismatch(key: &WalletKey) -> VaultError {
    VaultError::Validation(ValidationError::field(
        "payload",
        format!("a {} key cannot sign this payload", key.chain()),
    ))
}

impl Signer for VaultSigner<'_> {
    fn network(&self) -> Network {
        self.network
    }

    fn address(&self) -> &str {
        &self.address
    }

    fn key_checked(&self) -> bool {
        // `Vault::with_record_key` opens a key only after checking its public key and
        // address against this row.
        true
    }

    fn sign(&self, payload: SigningPayload<'_>) -> Result<RawSignature, VaultError> {
        let sign = |key: &WalletKey| match (key, payload) {
            (WalletKey::Ed25519(k), SigningPayload::Ed25519Message(message)) => {
                Ok(RawSignature::Ed25519(k.sign(message).to_bytes()))
            }
            (WalletKey::Secp256k1(k), SigningPayload::Secp256k1Prehash(digest)) => {
                let (rs, recovery_id) =
                    crate::ecdsa::sign_recoverable(k, digest).ok_or_else(|| {
                        VaultError::Validation(ValidationError::field(
                            "payload",
                            "secp256k1 signing failed",
                        ))
                    })?;
                Ok(RawSignature::Secp256k1 { rs, recovery_id })
            }
            (k, _) => Err(mismatch(k)),
        };
        match &self.record {
            Some(record) => self.vault.with_record_key(record, sign)?,
            None => self.vault.with_signing_key(self.wallet_id, sign)?,
        }
    }
}
