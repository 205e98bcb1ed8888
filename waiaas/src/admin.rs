//! The operator handle: wallets, owners, policies, sessions, kill switch, audit log,
//! settings, password. Whoever holds an [`Admin`] holds the master password's power.

use std::sync::Arc;

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::json;
use waiaas_chains::OwnerAddress;
use waiaas_core::audit::{Actor, AuditEntry, AuditRecord};
use waiaas_core::policy::{PolicyFilter, PolicyRecord};
use waiaas_core::session::{CreateSession, IssuedSession, SessionInfo};
use waiaas_core::store::{
    AdmissionGate, KillSwitchState, OwnerRecord, OwnerState, TxFilter, WalletStatus,
};
use waiaas_core::{
    Network, PolicyId, SecretString, SessionId, TxId, TxStatus, ValidationError, WalletId,
    WalletInfo,
};
use waiaas_policy::{NewPolicy, PolicyAdmin, PolicyUpdate, QuicksetMode};

use crate::agent::Agent;
use crate::error::{Error, Result};
use crate::notify::{Event, EventKind};
use crate::owner::{Owner, verification_text};
use crate::pipeline::Inner;
use crate::record::Transaction;
use crate::settings::{SETTINGS_KEY, Settings};

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

/// What one kill-switch activation did; each step runs even when another fails.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KillSwitchReport {
    /// State after the call.
    pub state: String,
    /// Whether this call changed the state.
    pub changed: bool,
    /// Sessions revoked.
    pub sessions_revoked: u64,
    /// In-flight transactions cancelled.
    pub transactions_cancelled: u64,
    /// Wallets suspended.
    pub wallets_suspended: u64,
    /// Steps that failed (code: message).
    pub errors: Vec<String>,
}

/// Which audit records to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditFilter {
    /// Only records after this sequence number.
    pub after: u64,
    /// At most this many (0 = all).
    pub limit: u32,
    /// Only this wallet's.
    pub wallet_id: Option<WalletId>,
    /// Only this transaction's.
    pub tx_id: Option<TxId>,
    /// Only this event (`TX_SIGNED`, …).
    pub event: Option<String>,
    /// Only this actor (`operator`, `session:<id>`, `owner:<address>`, `system`).
    pub actor: Option<String>,
    /// Only records at or after this time.
    pub since: Option<i64>,
}

/// Outcome of [`Admin::verify_audit_log`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    /// Records checked.
    pub entries: u64,
    /// The first record that fails (edited, removed before it, re-linked), if any.
    pub first_broken: Option<u64>,
    /// Whether the recorded head does not match the last record or its MAC (the log
    /// was truncated, or its head rewritten without the key).
    pub truncated: bool,
    /// The first record of the keyed chain (1 unless unkeyed records from before
    /// schema 4 were kept because their chain was already broken).
    pub keyed_from: Option<u64>,
    /// The first kept unkeyed record whose chain is broken (found, and recorded in the
    /// keyed chain, when the log was keyed; one past the last kept record when the
    /// unkeyed log had lost its tail).
    pub legacy_broken: Option<u64>,
}

impl AuditVerification {
    /// Whether the whole log verifies.
    #[must_use]
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none() && self.legacy_broken.is_none() && !self.truncated
    }
}

/// The audit log's head, as sent in the `AUDIT_HEAD` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditHead {
    /// Sequence number of the last record.
    pub seq: u64,
    /// Its keyed hash (HMAC-SHA256, hex): anchor it outside to detect a later rewrite.
    pub hash: String,
    /// The first record of the keyed chain.
    pub keyed_from: Option<u64>,
    /// When it was read (Unix seconds).
    pub at: i64,
}

/// Reads the head and announces it in an `AUDIT_HEAD` event.
pub(crate) fn announce_audit_head(inner: &crate::pipeline::Inner) -> Result<Option<AuditHead>> {
    let check = inner.store.verify_audit_log()?;
    let Some((seq, hash)) = check.head else {
        return Ok(None);
    };
    let head = AuditHead {
        seq,
        hash,
        keyed_from: check.chain.keyed_from,
        at: inner.now(),
    };
    inner.emit(
        crate::notify::EventKind::AuditHead,
        None,
        None,
        json!({
            "seq": head.seq,
            "hash": head.hash,
            "keyedFrom": head.keyed_from,
            "intact": check.chain.first_broken.is_none()
                && check.chain.legacy_broken.is_none()
                && check.head_ok,
        }),
    );
    Ok(Some(head))
}

/// Kill switch activation with its cascade (shared by the operator and the owner).
pub(crate) fn activate_kill_switch(
    inner: &Inner,
    actor: &Actor,
    reason: &str,
) -> Result<KillSwitchReport> {
    let now = inner.now();
    let audit =
        AuditEntry::new(now, actor, "KILL_SWITCH_ACTIVATED").details(json!({ "reason": reason }));
    // Read first only to announce what the store cancels inside the state change.
    let before = inner.in_flight(None).unwrap_or_default();
    // The switch and the cancellation of every in-flight row are one transaction.
    let changed = inner.store.set_kill_switch(
        KillSwitchState::Active,
        KillSwitchState::Suspended,
        Some(reason),
        now,
        &audit,
    )?;
    let mut report = KillSwitchReport {
        changed,
        ..KillSwitchReport::default()
    };
    // Each step on its own: a failure in one never stops the others.
    match inner.sessions.revoke_all(actor) {
        Ok(n) => report.sessions_revoked = n,
        Err(e) => report
            .errors
            .push(format!("{}: {e}", waiaas_core::ErrorCode::code(&e))),
    }
    match inner.store.wallets() {
        Ok(wallets) => {
            for w in wallets
                .into_iter()
                .filter(|w| w.status == WalletStatus::Active)
            {
                let audit = AuditEntry::new(now, actor, "WALLET_SUSPENDED")
                    .wallet(w.id)
                    .details(json!({ "reason": "kill switch" }));
                match inner
                    .store
                    .set_wallet_status(w.id, WalletStatus::Suspended, now, &audit)
                {
                    Ok(true) => {
                        report.wallets_suspended = report.wallets_suspended.saturating_add(1)
                    }
                    Ok(false) => {}
                    Err(e) => report
                        .errors
                        .push(format!("{}: {e}", waiaas_core::ErrorCode::code(&e))),
                }
            }
        }
        Err(e) => report
            .errors
            .push(format!("{}: {e}", waiaas_core::ErrorCode::code(&e))),
    }
    // Sessions and wallets of the steps above cancel their rows in their own
    // transactions; the switch's own cascade already took the rest.
    report.transactions_cancelled = [
        AdmissionGate::KillSwitch(KillSwitchState::Suspended).code(),
        AdmissionGate::SessionRevoked.code(),
        AdmissionGate::Wallet(WalletStatus::Suspended).code(),
    ]
    .iter()
    .map(|cause| inner.announce_cancelled(&before, cause, actor))
    .fold(0u64, u64::saturating_add);
    report.state = inner.store.kill_switch()?.as_str().to_owned();
    if changed {
        inner.emit(
            EventKind::KillSwitchActivated,
            None,
            None,
            json!({ "reason": reason, "by": actor.label(), "report": &report }),
        );
    }
    Ok(report)
}

/// The operator handle. Cheap to clone; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Admin {
    pub(crate) inner: Arc<Inner>,
}

impl Admin {
    fn policy_admin(&self) -> PolicyAdmin<'_> {
        PolicyAdmin::new(self.inner.store.as_ref(), self.inner.clock.as_ref())
    }

    fn audit(
        &self,
        event: &str,
        wallet: Option<WalletId>,
        details: serde_json::Value,
    ) -> Result<()> {
        let mut entry = AuditEntry::new(self.inner.now(), &Actor::Operator, event).details(details);
        entry.wallet_id = wallet;
        self.inner.audit(&entry)
    }

    /// The non-operator handle: makes agent handles from tokens and takes owner
    /// actions. Give this (not the `Admin`) to code that serves agents.
    #[must_use]
    pub fn waiaas(&self) -> crate::Waiaas {
        crate::Waiaas {
            inner: self.inner.clone(),
        }
    }

    /// An agent handle for `token` (see [`crate::Waiaas::agent`]).
    ///
    /// # Errors
    /// As [`crate::Waiaas::agent`].
    pub fn agent(&self, token: &str) -> Result<Agent> {
        self.waiaas().agent(token)
    }

    /// Owner actions (see [`Owner`]).
    #[must_use]
    pub fn owner_actions(&self) -> Owner {
        self.waiaas().owner()
    }

    // ---- wallets ----

    /// Creates a wallet with a fresh key on `network`.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a bad name; `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn create_wallet(&self, name: &str, network: Network) -> Result<WalletInfo> {
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

    // ---- owners ----

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

    // ---- policies ----

    /// Creates a policy (rules validated; the error names the field).
    ///
    /// # Errors
    /// `VALIDATION_FAILED`; `WALLET_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn create_policy(&self, policy: NewPolicy) -> Result<PolicyRecord> {
        let p = self.policy_admin().create(policy)?;
        Ok(p)
    }

    /// Updates a policy.
    ///
    /// # Errors
    /// `POLICY_NOT_FOUND`; `VALIDATION_FAILED`; `STORAGE_ERROR`.
    pub fn update_policy(&self, id: PolicyId, change: PolicyUpdate) -> Result<PolicyRecord> {
        let p = self.policy_admin().update(id, change)?;
        Ok(p)
    }

    /// Deletes a policy.
    ///
    /// # Errors
    /// `POLICY_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn delete_policy(&self, id: PolicyId) -> Result<()> {
        Ok(self.policy_admin().delete(id)?)
    }

    /// Policies.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn policies(&self, filter: PolicyFilter) -> Result<Vec<PolicyRecord>> {
        Ok(self.policy_admin().list(filter)?)
    }

    /// Creates the starter policy set for a wallet (see [`waiaas_policy::quickset`]).
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `VALIDATION_FAILED` when `mode` does not fit the network.
    pub fn quickset(&self, wallet: WalletId, mode: QuicksetMode) -> Result<Vec<PolicyRecord>> {
        let created = waiaas_policy::quickset(
            &self.policy_admin(),
            self.inner.store.as_ref(),
            wallet,
            mode,
        )?;
        Ok(created)
    }

    // ---- sessions ----

    /// Issues an agent session (uses the `max_sessions_per_wallet` setting).
    ///
    /// # Errors
    /// `VALIDATION_FAILED`; `WALLET_NOT_FOUND`; `SESSION_LIMIT_EXCEEDED`.
    pub fn create_session(&self, request: &CreateSession) -> Result<IssuedSession> {
        let issued = self
            .inner
            .sessions_with(self.inner.settings()?.max_sessions_per_wallet)?
            .create(request)?;
        self.inner.events.send(
            Event::new(EventKind::SessionCreated, self.inner.now())
                .with_session(issued.info.id)
                .with_details(json!({ "wallets": request.wallet_ids })),
        );
        Ok(issued)
    }

    /// Sessions, optionally for one wallet.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn sessions(&self, wallet: Option<WalletId>) -> Result<Vec<SessionInfo>> {
        Ok(self.inner.sessions.list(wallet)?)
    }

    /// Revokes a session at once, for every process.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND`.
    pub fn revoke_session(&self, id: SessionId) -> Result<()> {
        let before: Vec<_> = self
            .inner
            .in_flight(None)?
            .into_iter()
            .filter(|r| r.session_id == Some(id))
            .collect();
        // The store cancels the session's in-flight rows in the revoking transaction.
        self.inner.sessions.revoke(id)?;
        self.inner.announce_cancelled(
            &before,
            AdmissionGate::SessionRevoked.code(),
            &Actor::Operator,
        );
        self.inner
            .events
            .send(Event::new(EventKind::SessionRevoked, self.inner.now()).with_session(id));
        Ok(())
    }

    /// Rotates the token signing secret (old tokens stay valid for 300 s).
    ///
    /// # Errors
    /// `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn rotate_session_secret(&self) -> Result<()> {
        Ok(self.inner.sessions.rotate_secret()?)
    }

    // ---- kill switch ----

    /// The kill switch state.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn kill_switch_state(&self) -> Result<KillSwitchState> {
        Ok(self.inner.store.kill_switch()?)
    }

    /// ACTIVE → SUSPENDED: revokes every session, cancels every in-flight transaction
    /// and suspends every wallet (each step independent of the others).
    ///
    /// # Errors
    /// `STORAGE_ERROR` reading the state.
    pub fn activate_kill_switch(&self, reason: &str) -> Result<KillSwitchReport> {
        activate_kill_switch(&self.inner, &Actor::Operator, reason)
    }

    /// SUSPENDED → LOCKED.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` unless SUSPENDED.
    pub fn escalate_kill_switch(&self, reason: &str) -> Result<KillSwitchState> {
        self.kill_switch_transition(
            KillSwitchState::Suspended,
            KillSwitchState::Locked,
            reason,
            "KILL_SWITCH_ESCALATED",
        )
    }

    /// SUSPENDED or LOCKED → ACTIVE. Wallets stay suspended until resumed one by one,
    /// and revoked sessions stay revoked.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` when already ACTIVE.
    pub fn recover_kill_switch(&self) -> Result<KillSwitchState> {
        let current = self.kill_switch_state()?;
        if current == KillSwitchState::Active {
            return Err(ValidationError::field("killSwitch", "is already ACTIVE").into());
        }
        self.kill_switch_transition(
            current,
            KillSwitchState::Active,
            "recovered",
            "KILL_SWITCH_RECOVERED",
        )
    }

    fn kill_switch_transition(
        &self,
        from: KillSwitchState,
        to: KillSwitchState,
        reason: &str,
        event: &str,
    ) -> Result<KillSwitchState> {
        let now = self.inner.now();
        let audit =
            AuditEntry::new(now, &Actor::Operator, event).details(json!({ "reason": reason }));
        let changed = self
            .inner
            .store
            .set_kill_switch(from, to, Some(reason), now, &audit)?;
        if changed {
            let kind = if to == KillSwitchState::Active {
                EventKind::KillSwitchRecovered
            } else {
                EventKind::KillSwitchEscalated
            };
            self.inner
                .emit(kind, None, None, json!({ "reason": reason }));
        }
        if !changed {
            let current = self.kill_switch_state()?;
            return Err(ValidationError::field(
                "killSwitch",
                format!("is {}, not {}", current.as_str(), from.as_str()),
            )
            .into());
        }
        Ok(to)
    }

    // ---- transactions ----

    /// Transactions, newest first.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn transactions(&self, filter: &TxFilter) -> Result<Vec<Transaction>> {
        Ok(self
            .inner
            .store
            .transactions(filter)?
            .iter()
            .map(Transaction::from)
            .collect())
    }

    /// One transaction.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`.
    pub fn transaction(&self, id: TxId) -> Result<Transaction> {
        let r = self
            .inner
            .store
            .transaction(id)?
            .ok_or(Error::TxNotFound(id))?;
        Ok(Transaction::from(&r))
    }

    /// Cancels a QUEUED or PENDING_APPROVAL transaction; its reservation is released.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`; `TX_ALREADY_PROCESSED`.
    pub fn cancel_transaction(&self, id: TxId) -> Result<Transaction> {
        self.transaction(id)?;
        self.inner
            .end(
                id,
                &[TxStatus::Queued, TxStatus::PendingApproval],
                TxStatus::Cancelled,
                &Actor::Operator,
                "TX_CANCELLED",
            )?
            .map(|r| Transaction::from(&r))
            .ok_or_else(|| self.inner.already_processed(id))
    }

    /// Rejects a PENDING_APPROVAL transaction on the owner's behalf (the operator's
    /// veto); its reservation is released.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`; `TX_ALREADY_PROCESSED`.
    pub fn reject_transaction(&self, id: TxId) -> Result<Transaction> {
        self.transaction(id)?;
        self.inner
            .end(
                id,
                &[TxStatus::PendingApproval],
                TxStatus::Rejected,
                &Actor::Operator,
                "TX_REJECTED",
            )?
            .map(|r| Transaction::from(&r))
            .ok_or_else(|| self.inner.already_processed(id))
    }

    /// Runs due DELAY transactions and expires approvals (see [`crate::Waiaas::process_due`]).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn process_due(&self) -> Result<Vec<Transaction>> {
        self.inner.process_due()
    }

    // ---- audit, settings, password ----

    /// Audit records after `after`, at most `limit` (0 = all).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn audit_log(&self, after: u64, limit: u32) -> Result<Vec<AuditRecord>> {
        Ok(self.inner.store.audit_records(after, limit)?)
    }

    /// Audit records matching `filter`, in order.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn audit_log_filtered(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let mut out: Vec<AuditRecord> = self
            .inner
            .store
            .audit_records(filter.after, 0)?
            .into_iter()
            .filter(|r| {
                filter
                    .wallet_id
                    .is_none_or(|w| r.entry.wallet_id == Some(w))
            })
            .filter(|r| filter.tx_id.is_none_or(|t| r.entry.tx_id == Some(t)))
            .filter(|r| filter.event.as_deref().is_none_or(|e| r.entry.event == e))
            .filter(|r| filter.actor.as_deref().is_none_or(|a| r.entry.actor == a))
            .filter(|r| filter.since.is_none_or(|t| r.entry.at >= t))
            .collect();
        if filter.limit > 0 {
            out.truncate(usize::try_from(filter.limit).unwrap_or(usize::MAX));
        }
        Ok(out)
    }

    /// Recomputes the keyed chain (HMAC-SHA256 under a key derived from the vault's
    /// data key) and the MAC'd head; reports the first record that does not verify.
    /// An edit recomputed without the master password (for instance with the unkeyed
    /// SHA-256 of older versions) is detected like any other.
    ///
    /// # Errors
    /// `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn verify_audit_log(&self) -> Result<AuditVerification> {
        let check = self.inner.store.verify_audit_log()?;
        Ok(AuditVerification {
            entries: check.entries,
            first_broken: check.chain.first_broken,
            truncated: !check.head_ok,
            keyed_from: check.chain.keyed_from,
            legacy_broken: check.chain.legacy_broken,
        })
    }

    /// The audit log's head (`seq` and keyed hash), also sent as an `AUDIT_HEAD` event
    /// to every notifier so it can be anchored outside; `None` for an empty log. The
    /// scheduler sends it periodically ([`crate::Options::audit_head_interval`]).
    ///
    /// # Errors
    /// `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn audit_head(&self) -> Result<Option<AuditHead>> {
        announce_audit_head(&self.inner)
    }

    /// The settings.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn settings(&self) -> Result<Settings> {
        self.inner.settings()
    }

    /// Replaces the settings.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a zero window, timeout or cap; `STORAGE_ERROR`.
    pub fn set_settings(&self, settings: &Settings) -> Result<()> {
        if settings.approval_timeout_secs == 0
            || settings.default_delay_secs < 60
            || settings.max_sessions_per_wallet == 0
            || settings.auto_stop_window_secs == 0
        {
            return Err(ValidationError::field(
                "settings",
                "timeouts and caps must be positive, and the default delay at least 60 s",
            )
            .into());
        }
        let text = serde_json::to_string(settings)
            .map_err(|e| ValidationError::field("settings", e.to_string()))?;
        let audit = AuditEntry::new(self.inner.now(), &Actor::Operator, "SETTINGS_CHANGED")
            .details(json!(settings));
        Ok(self
            .inner
            .store
            .set_setting(SETTINGS_KEY, &text, self.inner.now(), &audit)?)
    }

    /// Changes the master password (deletes `recovery.key`).
    ///
    /// # Errors
    /// `INVALID_MASTER_PASSWORD`; `VALIDATION_FAILED`; `STORAGE_ERROR`.
    pub fn change_password(&self, current: &SecretString, new: &SecretString) -> Result<()> {
        Ok(self.inner.vault.change_password(current, new, None)?)
    }
}

/// Address equality on `chain`: EVM by value (any casing), Solana exactly.
fn same_address(chain: waiaas_core::Chain, a: &str, b: &str) -> bool {
    match chain {
        waiaas_core::Chain::Ethereum => a.eq_ignore_ascii_case(b),
        waiaas_core::Chain::Solana => a == b,
    }
}
