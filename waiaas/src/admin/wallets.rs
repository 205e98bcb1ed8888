//! Wallets: create, import, list, rename, suspend, resume, delete, export.

use serde_json::json;
use waiaas_core::audit::{Actor, AuditEntry};
use waiaas_core::store::{AdmissionGate, WalletStatus};
use waiaas_core::{Network, SecretString, ValidationError, WalletId, WalletInfo};

use super::{Admin, same_address};
use crate::error::Result;

impl Admin {
    /// Creates a wallet with a fresh key on `network`.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a bad name; `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn create_wallet(&self, name: &str, network: Network) -> Result<WalletInfo> {
        crate::chain_features::require(network.chain())?;
        let w = self.inner.vault.create_wallet(name, network)?;
        Ok(w)
    }

    /// Imports a key (Solana keypair base58 / JSON array; EVM 32-byte hex).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a malformed key (never echoed); `STORAGE_ERROR`.
    pub fn import_wallet(
        &self,
        name: &str,
        network: Network,
        key: &SecretString,
    ) -> Result<WalletInfo> {
        crate::chain_features::require(network.chain())?;
        let key = waiaas_core::WalletKey::import(network.chain(), key)?;
        self.refuse_owner_key(&key)?;
        Ok(self.inner.vault.insert_wallet(name, network, &key)?)
    }

    /// An owner is an outsider: a key registered as some wallet's owner is never taken
    /// into the vault (an agent with SIGN_MESSAGE could then approve for itself).
    fn refuse_owner_key(&self, key: &waiaas_core::WalletKey) -> Result<()> {
        let address = key.address();
        for w in self.inner.vault.wallets()? {
            if let Some(owner) = self.inner.store.owner(w.id)?
                && w.chain == key.chain()
                && same_address(key.chain(), &owner.address, &address)
            {
                return Err(ValidationError::field(
                    "key",
                    format!("the key is the owner of wallet `{}`; an owner's key never enters the vault", w.id),
                )
                .into());
            }
        }
        Ok(())
    }

    /// Imports a wallet from a BIP-39 mnemonic (default derivation path for the chain
    /// when `path` is `None`). The mnemonic is wiped after use and never stored.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a bad mnemonic or path; `STORAGE_ERROR`.
    pub fn import_mnemonic(
        &self,
        name: &str,
        network: Network,
        mnemonic: SecretString,
        passphrase: Option<SecretString>,
        path: Option<&str>,
    ) -> Result<WalletInfo> {
        crate::chain_features::require(network.chain())?;
        let path = path
            .map(waiaas_chains::hd::DerivationPath::parse)
            .transpose()?;
        let key = waiaas_chains::hd::key_from_mnemonic(
            network.chain(),
            mnemonic,
            passphrase.unwrap_or_else(|| SecretString::from(String::new())),
            path.as_ref(),
        )?;
        self.refuse_owner_key(&key)?;
        let w = self.inner.vault.insert_wallet(name, network, &key)?;
        Ok(w)
    }

    /// Every wallet.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn wallets(&self) -> Result<Vec<WalletInfo>> {
        Ok(self.inner.vault.wallets()?)
    }

    /// One wallet.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`.
    pub fn wallet(&self, id: WalletId) -> Result<WalletInfo> {
        Ok(self.inner.vault.wallet(id)?)
    }

    /// Renames a wallet.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn rename_wallet(&self, id: WalletId, name: &str) -> Result<WalletInfo> {
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(ValidationError::field(
                "name",
                "must be 1 to 64 characters without control characters",
            )
            .into());
        }
        let audit = AuditEntry::new(self.inner.now(), &Actor::Operator, "WALLET_RENAMED")
            .wallet(id)
            .details(json!({ "name": name }));
        if !self
            .inner
            .store
            .rename_wallet(id, name, self.inner.now(), &audit)?
        {
            return Err(waiaas_core::VaultError::WalletNotFound(id).into());
        }
        self.wallet(id)
    }

    fn set_status(&self, id: WalletId, status: WalletStatus, event: &str) -> Result<WalletInfo> {
        let audit = AuditEntry::new(self.inner.now(), &Actor::Operator, event).wallet(id);
        let before = self.inner.in_flight(Some(id))?;
        // Any status but ACTIVE cancels the wallet's in-flight rows in the same transaction.
        if !self
            .inner
            .store
            .set_wallet_status(id, status, self.inner.now(), &audit)?
        {
            return Err(waiaas_core::VaultError::WalletNotFound(id).into());
        }
        if status != WalletStatus::Active {
            self.inner.announce_cancelled(
                &before,
                AdmissionGate::Wallet(status).code(),
                &Actor::Operator,
            );
        }
        self.wallet(id)
    }

    /// Suspends a wallet: it signs nothing until resumed.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn suspend_wallet(&self, id: WalletId) -> Result<WalletInfo> {
        self.set_status(id, WalletStatus::Suspended, "WALLET_SUSPENDED")
    }

    /// Resumes a suspended wallet.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn resume_wallet(&self, id: WalletId) -> Result<WalletInfo> {
        self.set_status(id, WalletStatus::Active, "WALLET_RESUMED")
    }

    /// Deletes a wallet and its key. Irreversible.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn delete_wallet(&self, id: WalletId) -> Result<()> {
        Ok(self.inner.vault.delete_wallet(id)?)
    }

    /// **Dangerous**: a wallet's secret key in plaintext (see
    /// [`waiaas_core::Vault::export_secret`]).
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `VAULT_CORRUPT`.
    pub fn export_secret(&self, id: WalletId) -> Result<waiaas_core::vault::ExportedSecret> {
        let s = self.inner.vault.export_secret(id)?;
        self.audit("WALLET_SECRET_EXPORTED", Some(id), serde_json::Value::Null)?;
        Ok(s)
    }
}
