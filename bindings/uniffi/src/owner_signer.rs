//! `OwnerSigner`: the owner's side of an approval, for bots, tests and apps that hold
//! the owner key (`waiaas::owner::OwnerSigner`).

use std::sync::Arc;

use crate::WaiaasError;

/// Signs the exact approval texts waiaas issues with the owner's key: Ed25519 (a
/// Solana owner) or EIP-191 `personal_sign` (an EVM owner). Never shows its key.
#[derive(uniffi::Object)]
pub struct OwnerSigner {
    inner: waiaas::owner::OwnerSigner,
}

#[uniffi::export]
impl OwnerSigner {
    /// A Solana owner from its secret in base58 (the 32-byte seed or the 64-byte
    /// keypair) or a keypair JSON array (`solana-keygen` files).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for another form or a keypair whose halves do not match.
    #[uniffi::constructor]
    pub fn solana(secret: String) -> Result<Arc<Self>, WaiaasError> {
        let inner = if secret.trim_start().starts_with('[') {
            waiaas::owner::OwnerSigner::solana_from_keypair_json(&secret)
        } else {
            waiaas::owner::OwnerSigner::solana_from_base58(&secret)
        };
        Ok(Arc::new(Self {
            inner: inner.map_err(waiaas::Error::from)?,
        }))
    }

    /// An EVM owner from its `0x`-hex private key.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for another form or an invalid scalar.
    #[uniffi::constructor]
    pub fn evm(secret: String) -> Result<Arc<Self>, WaiaasError> {
        let inner =
            waiaas::owner::OwnerSigner::evm_from_hex(&secret).map_err(waiaas::Error::from)?;
        Ok(Arc::new(Self { inner }))
    }

    /// The owner address to register with `Admin.setOwner`.
    pub fn address(&self) -> String {
        self.inner.address()
    }

    /// Signs `message` (the text of an `ApprovalRequest`, exactly): base58 for
    /// Ed25519, `0x`-hex for EIP-191.
    ///
    /// # Errors
    /// `INTERNAL` if the key cannot sign (never for a loaded key).
    pub fn sign(&self, message: String) -> Result<String, WaiaasError> {
        Ok(self.inner.sign(&message).map_err(waiaas::Error::from)?)
    }
}
