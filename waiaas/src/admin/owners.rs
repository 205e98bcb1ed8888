//! Wallet owners: register, verify, remove.

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::json;
use waiaas_chains::OwnerAddress;
use waiaas_core::audit::{Actor, AuditEntry};
use waiaas_core::store::{OwnerRecord, OwnerState};
use waiaas_core::{ValidationError, WalletId};

use super::{Admin, same_address};
use crate::error::{Error, Result};
use crate::owner::verification_text;

/// A wallet's owner as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerInfo {
    /// Wallet.
    pub wallet_id: WalletId,
    /// NONE, GRACE or LOCKED.
    pub state: OwnerState,
    /// The owner address, when set.
    pub address: Option<String>,
    /// The text the owner signs to prove the key (GRACE only).
    pub verification_message: Option<String>,
}

impl Admin {
    /// The owner of a wallet.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn owner(&self, wallet: WalletId) -> Result<OwnerInfo> {
        self.wallet(wallet)?;
        Ok(match self.inner.store.owner(wallet)? {
            None => OwnerInfo {
                wallet_id: wallet,
                state: OwnerState::None,
                address: None,
                verification_message: None,
            },
            Some(o) => OwnerInfo {
                wallet_id: wallet,
                state: o.state,
                verification_message: (o.state == OwnerState::Grace)
                    .then(|| verification_text(wallet, &o.address, &o.challenge)),
                address: Some(o.address),
            },
        })
    }

    /// Registers (or replaces, while unproven) the wallet's owner. EVM owners must be
    /// given in EIP-55 form; Solana owners in canonical base58.
    ///
    /// # Errors
    /// `INVALID_ADDRESS`; `OWNER_ALREADY_CONNECTED` once the owner proved the key;
    /// `WALLET_NOT_FOUND`.
    pub fn set_owner(&self, wallet: WalletId, address: &str) -> Result<OwnerInfo> {
        let chain = self.wallet(wallet)?.chain;
        let parsed = OwnerAddress::register(chain, address)?;
        let canonical = match parsed {
            OwnerAddress::Solana(a) => a.to_string(),
            OwnerAddress::Evm(a) => a.to_checksum(),
        };
        // An owner is an outsider: a key the vault holds (which an agent with
        // SIGN_MESSAGE could make sign) can never approve.
        if self
            .inner
            .vault
            .wallets()?
            .iter()
            .any(|w| w.chain == chain && same_address(chain, &w.address, &canonical))
        {
            return Err(ValidationError::field(
                "ownerAddress",
                format!("`{canonical}` is a wallet of this vault; the owner must be a key the vault does not hold"),
            )
            .into());
        }
        let mut challenge = [0u8; 16];
        OsRng.fill_bytes(&mut challenge);
        let now = self.inner.now();
        let record = OwnerRecord {
            wallet_id: wallet,
            address: canonical.clone(),
            state: OwnerState::Grace,
            challenge: hex::encode(challenge),
            updated_at: now,
        };
        let audit = AuditEntry::new(now, &Actor::Operator, "OWNER_SET")
            .wallet(wallet)
            .details(json!({ "owner": canonical }));
        if !self.inner.store.set_owner(
            wallet,
            Some(&record),
            &[OwnerState::None, OwnerState::Grace],
            &audit,
        )? {
            return Err(Error::OwnerAlreadyConnected);
        }
        self.owner(wallet)
    }

    /// Removes an unproven (GRACE) owner.
    ///
    /// # Errors
    /// `OWNER_NOT_CONNECTED` without an owner; `OWNER_ALREADY_CONNECTED` once proven.
    pub fn remove_owner(&self, wallet: WalletId) -> Result<OwnerInfo> {
        match self.inner.owner_state(wallet)? {
            OwnerState::None => return Err(Error::OwnerNotConnected),
            OwnerState::Locked => return Err(Error::OwnerAlreadyConnected),
            OwnerState::Grace => {}
        }
        let audit =
            AuditEntry::new(self.inner.now(), &Actor::Operator, "OWNER_REMOVED").wallet(wallet);
        if !self
            .inner
            .store
            .set_owner(wallet, None, &[OwnerState::Grace], &audit)?
        {
            return Err(Error::OwnerAlreadyConnected);
        }
        self.owner(wallet)
    }

    /// Proves the owner's key: a signature over the owner's `verification_message`
    /// moves GRACE → LOCKED.
    ///
    /// # Errors
    /// `OWNER_NOT_CONNECTED` in NONE; `APPROVAL_MESSAGE_MISMATCH` for another text;
    /// `INVALID_SIGNATURE`.
    pub fn verify_owner(
        &self,
        wallet: WalletId,
        signature: &str,
        message: &str,
    ) -> Result<OwnerInfo> {
        let owner = self
            .inner
            .store
            .owner(wallet)?
            .ok_or(Error::OwnerNotConnected)?;
        if owner.state == OwnerState::Locked {
            return self.owner(wallet);
        }
        if message != verification_text(wallet, &owner.address, &owner.challenge) {
            return Err(Error::ApprovalMessageMismatch);
        }
        let chain = self.wallet(wallet)?.chain;
        OwnerAddress::register(chain, &owner.address)?.verify(
            message.as_bytes(),
            &crate::owner::decode_signature(signature)?,
        )?;
        let now = self.inner.now();
        let proven = OwnerRecord {
            state: OwnerState::Locked,
            updated_at: now,
            ..owner.clone()
        };
        let audit =
            AuditEntry::new(now, &Actor::Owner(owner.address), "OWNER_VERIFIED").wallet(wallet);
        self.inner
            .store
            .set_owner(wallet, Some(&proven), &[OwnerState::Grace], &audit)?;
        self.owner(wallet)
    }
}
