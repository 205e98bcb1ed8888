//! The operator handle: wallets, owners, policies, sessions, kill switch, audit log,
//! settings, password. Whoever holds an [`Admin`] holds the master password's power.
//! One file per area; each adds its methods to [`Admin`].

use std::sync::Arc;

use serde_json::json;
use waiaas_core::audit::{Actor, AuditEntry};
use waiaas_core::{SecretString, ValidationError, WalletId};
use waiaas_policy::PolicyAdmin;

use crate::agent::Agent;
use crate::error::Result;
use crate::owner::Owner;
use crate::pipeline::Instance;
use crate::settings::{SETTINGS_KEY, Settings};

mod audit;
mod kill_switch;
mod owners;
mod policies;
mod sessions;
mod transactions;
mod wallets;

pub(crate) use audit::announce_audit_head;
pub use audit::{AuditFilter, AuditHead, AuditVerification};
pub use owners::OwnerInfo;

/// The operator handle. Cheap to clone; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Admin {
    pub(crate) inner: Arc<Instance>,
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
        self.inner.vault.change_password(current, new, None)?;
        self.inner.password_gate.reset(new);
        Ok(())
    }

    /// Checks a master password given with a request (a server's `X-Master-Password`)
    /// against the one this instance was unlocked with: a keyed hash compared in
    /// constant time, no Argon2id run; after [`crate::password_gate::FREE_FAILURES`]
    /// consecutive failures each further attempt waits (doubling, capped at
    /// [`crate::password_gate::MAX_LOCKOUT`]), the right password included.
    ///
    /// # Errors
    /// `INVALID_MASTER_PASSWORD`; `MASTER_PASSWORD_LOCKED` with the seconds to wait.
    pub fn check_master_password(&self, candidate: &str) -> Result<()> {
        Ok(self
            .inner
            .password_gate
            .check_at(candidate.as_bytes(), std::time::Instant::now())?)
    }
}

/// Address equality on `chain`: EVM by value (any casing), Solana exactly.
pub(super) fn same_address(chain: waiaas_core::Chain, a: &str, b: &str) -> bool {
    match chain {
        waiaas_core::Chain::Ethereum => a.eq_ignore_ascii_case(b),
        waiaas_core::Chain::Solana => a == b,
    }
}
