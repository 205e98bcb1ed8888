//! Agent sessions: issue, list, revoke, rotate the signing secret.

use serde_json::json;
use waiaas_core::audit::Actor;
use waiaas_core::session::{CreateSession, IssuedSession, SessionInfo};
use waiaas_core::store::AdmissionGate;
use waiaas_core::{SessionId, WalletId};

use super::Admin;
use crate::error::Result;
use crate::notify::{Event, EventKind};

impl Admin {
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
}
