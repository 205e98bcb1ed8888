//! `Owner`: the actions only the wallet owner may take, each proven by a signature of
//! the owner's own key over the exact text waiaas issued.

use crate::{WaiaasError, encode, id};

/// The owner's actions: approve or reject a transaction awaiting approval, cancel a
/// delayed one, engage the kill switch.
#[derive(uniffi::Object)]
pub struct Owner {
    inner: waiaas::Owner,
}

impl Owner {
    pub(crate) fn new(inner: waiaas::Owner) -> Self {
        Self { inner }
    }
}

#[uniffi::export]
impl Owner {
    /// The texts to sign for a transaction awaiting the owner (`ApprovalRequest` JSON:
    /// `approveMessage`, `rejectMessage`, the decoded effects, the expiry).
    ///
    /// # Errors
    /// `TX_NOT_FOUND`, `TX_ALREADY_PROCESSED`, `OWNER_NOT_CONNECTED`.
    pub fn approval_request(&self, tx_id: String) -> Result<String, WaiaasError> {
        encode(&self.inner.approval_request(id("txId", tx_id)?)?)
    }

    /// Approves with the owner's signature (`0x`-hex, hex, base58 or base64) over
    /// `message`; signs the transaction (`Transaction` JSON).
    ///
    /// # Errors
    /// `INVALID_SIGNATURE`, `APPROVAL_MESSAGE_MISMATCH`, `APPROVAL_TIMEOUT`,
    /// `TX_ALREADY_PROCESSED`.
    pub fn approve(
        &self,
        tx_id: String,
        signature: String,
        message: String,
    ) -> Result<String, WaiaasError> {
        encode(
            &self
                .inner
                .approve(id("txId", tx_id)?, &signature, &message)?,
        )
    }

    /// Rejects with the owner's signature over the reject text.
    ///
    /// # Errors
    /// As `approve`.
    pub fn reject(
        &self,
        tx_id: String,
        signature: String,
        message: String,
    ) -> Result<String, WaiaasError> {
        encode(
            &self
                .inner
                .reject(id("txId", tx_id)?, &signature, &message)?,
        )
    }

    /// Cancels a delayed (queued) transaction with the owner's signature.
    ///
    /// # Errors
    /// As `approve`.
    pub fn cancel_delayed(
        &self,
        tx_id: String,
        signature: String,
        message: String,
    ) -> Result<String, WaiaasError> {
        encode(
            &self
                .inner
                .cancel_delayed(id("txId", tx_id)?, &signature, &message)?,
        )
    }

    /// The text the owner signs to engage the kill switch for `walletId`.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a malformed id.
    pub fn kill_switch_message(&self, wallet_id: String) -> Result<String, WaiaasError> {
        Ok(self.inner.kill_switch_message(id("walletId", wallet_id)?))
    }

    /// Engages the kill switch with the owner's signature over `killSwitchMessage`
    /// (`KillSwitchReport` JSON).
    ///
    /// # Errors
    /// `INVALID_SIGNATURE`, `APPROVAL_MESSAGE_MISMATCH`, `OWNER_NOT_CONNECTED`.
    pub fn kill_switch(&self, signature: String, message: String) -> Result<String, WaiaasError> {
        encode(&self.inner.kill_switch(&signature, &message)?)
    }
}
