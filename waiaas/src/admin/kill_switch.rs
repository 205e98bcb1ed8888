//! The operator's side of the kill switch (activation is shared with the owner:
//! [`crate::kill_switch`]).

use serde_json::json;
use waiaas_core::ValidationError;
use waiaas_core::audit::{Actor, AuditEntry};
use waiaas_core::store::KillSwitchState;

use super::Admin;
use crate::error::Result;
use crate::kill_switch::{KillSwitchReport, activate_kill_switch};
use crate::notify::EventKind;

impl Admin {
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
}
