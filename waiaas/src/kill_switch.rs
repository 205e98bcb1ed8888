//! The kill switch's activation and cascade, shared by the operator ([`crate::Admin`])
//! and the owner ([`crate::Owner`]).

use serde::{Deserialize, Serialize};
use serde_json::json;

use waiaas_core::audit::{Actor, AuditEntry};
use waiaas_core::store::{AdmissionGate, KillSwitchState, WalletStatus};

use crate::error::Result;
use crate::notify::EventKind;
use crate::pipeline::Instance;

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

/// Kill switch activation with its cascade (shared by the operator and the owner).
pub(crate) fn activate_kill_switch(
    inner: &Instance,
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
