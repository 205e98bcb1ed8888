//! Admission and execution gates, placement and transition validity: what a backend
//! decides inside the transaction that admits, claims or moves a transaction row.

use waiaas_core::audit::AuditEntry;
use waiaas_core::policy::Decision;
use waiaas_core::store::{
    AdmissionGate, KillSwitchState, LedgerEffect, Placement, SignOutcome, TxRecord, TxTransition,
    WalletStatus,
};
use waiaas_core::tier::TxStatus;

/// Statuses from which a row may still be signed: what revocation, suspension and the
/// kill switch stop. (An EXECUTING row cancelled under its signer is never stored
/// SIGNED, so its signature is discarded.)
pub const IN_FLIGHT: [TxStatus; 4] = [
    TxStatus::Pending,
    TxStatus::Queued,
    TxStatus::PendingApproval,
    TxStatus::Executing,
];

/// The requesting session's state, as the gate needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionGateRow {
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// Creation time.
    pub created_at: i64,
    /// Hard lifetime from creation in seconds; 0 = none.
    pub absolute_lifetime_seconds: i64,
}

/// Why a row for `wallet_status` (`None`: no such wallet), requested by a session in
/// `session` (`Some(None)`: the session row is gone), may not sign at `now`, if so.
/// Admission and the claim for execution ask the same question, in this order: kill
/// switch, wallet, session.
#[must_use]
pub fn gate(
    kill_switch: KillSwitchState,
    wallet_status: Option<WalletStatus>,
    session: Option<Option<SessionGateRow>>,
    now: i64,
) -> Option<AdmissionGate> {
    if kill_switch != KillSwitchState::Active {
        return Some(AdmissionGate::KillSwitch(kill_switch));
    }
    match wallet_status {
        None => return Some(AdmissionGate::UnknownWallet),
        Some(WalletStatus::Active) => {}
        Some(other) => return Some(AdmissionGate::Wallet(other)),
    }
    match session {
        None => None,
        Some(None) => Some(AdmissionGate::SessionRevoked),
        Some(Some(s)) if s.revoked_at.is_some() => Some(AdmissionGate::SessionRevoked),
        // As token verification: past `created_at + absolute lifetime` nothing it asked
        // for signs, whatever was queued before.
        Some(Some(s))
            if s.absolute_lifetime_seconds > 0
                && now >= s.created_at.saturating_add(s.absolute_lifetime_seconds) =>
        {
            Some(AdmissionGate::SessionExpired)
        }
        Some(Some(_)) => None,
    }
}

/// Whether `change`'s compare-and-swap holds for `current` at the time mark `mark`:
/// the status is one of `change.from`, the owner nonce matches when one is required,
/// and the row has not expired when an unexpired row is required (judged at the
/// time high-water mark, never earlier).
#[must_use]
pub fn transition_holds(current: &TxRecord, change: &TxTransition, mark: i64) -> bool {
    let nonce_ok = change
        .owner_nonce
        .as_ref()
        .is_none_or(|n| *n == current.owner_nonce);
    let expiry_ok = change
        .unexpired_at
        .is_none_or(|t| current.expires_at.is_some_and(|e| e > t.max(mark)));
    change.from.contains(&current.status) && nonce_ok && expiry_ok
}

/// The owner nonce a transition leaves stored: a consumed nonce is marked used, so the
/// same owner action can never apply twice.
#[must_use]
pub fn consumed_nonce(current: &str, change: &TxTransition) -> String {
    match &change.owner_nonce {
        Some(n) => format!("{n}:used"),
        None => current.to_owned(),
    }
}

/// The transition a cascade applies to each in-flight row it stops (revocation,
/// suspension, kill switch): CANCELLED with the gate's code, reservation released.
#[must_use]
pub fn cancellation(cause: AdmissionGate) -> TxTransition {
    TxTransition {
        error_code: Some(cause.code().to_owned()),
        error_message: Some(cause.message().to_owned()),
        ledger: LedgerEffect::Release,
        ..TxTransition::new(&IN_FLIGHT, TxStatus::Cancelled)
    }
}

/// Moves a placement's deadlines by `shift` seconds: a decision made at the time
/// high-water mark rather than at the caller's `now` keeps the whole DELAY and
/// approval window (a clock behind the mark cannot shorten them).
#[must_use]
pub fn shift_placement(mut placement: Placement, shift: i64) -> Placement {
    placement.execute_after = placement.execute_after.map(|t| t.saturating_add(shift));
    placement.expires_at = placement.expires_at.map(|t| t.saturating_add(shift));
    placement
}

/// Whether a request rebuilt for a claim is the claimed row's (same id and wallet); a
/// request built for another row would judge the wrong thing and is denied.
#[must_use]
pub fn judges_this_row(
    request_id: waiaas_core::ids::TxId,
    wallet: waiaas_core::ids::WalletId,
    row: &TxRecord,
) -> bool {
    request_id == row.id && wallet == row.wallet_id
}

/// What admission writes for a decided request: the row, the effect on the
/// reservation the decision made, and the audit entries, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Admitted {
    /// The row to insert.
    pub record: TxRecord,
    /// What happens to the reservation (made when the decision allowed it).
    pub ledger: LedgerEffect,
    /// The audit entries to append, in order.
    pub audit: Vec<AuditEntry>,
}

/// Builds what admission stores from the caller's `record`, the `decision` (and its
/// stored JSON), the `placement` (already shifted to the time mark) and, for a row
/// placed EXECUTING, the outcome of signing inside the transaction: SIGNED commits the
/// reservation, FAILED releases it; a request the policies allowed but the placement
/// refused (FAILED without signing) releases it too, so nothing stays reserved. The
/// audit entry `audit` is extended with the decision, followed by `TX_SIGNED` or
/// `TX_FAILED` when signing ran.
#[must_use]
pub fn admitted(
    record: &TxRecord,
    decision: &Decision,
    decision_json: String,
    placement: Placement,
    signing: Option<&SignOutcome>,
    now: i64,
    audit: &AuditEntry,
) -> Admitted {
    let mut stored = TxRecord {
        status: placement.status,
        tier: Some(decision.tier),
        decision: Some(decision_json),
        execute_after: placement.execute_after,
        expires_at: placement.expires_at,
        error_code: placement.error_code,
        error_message: placement.error_message,
        created_at: now,
        updated_at: now,
        ..record.clone()
    };
    match signing {
        Some(SignOutcome::Signed { result, .. }) => {
            stored.status = TxStatus::Signed;
            stored.result = Some(result.clone());
        }
        Some(SignOutcome::Failed { code, message }) => {
            stored.status = TxStatus::Failed;
            stored.error_code = Some(code.clone());
            stored.error_message = Some(message.clone());
        }
        None => {}
    }
    let ledger = match signing {
        Some(SignOutcome::Signed { .. }) => LedgerEffect::Commit,
        Some(SignOutcome::Failed { .. }) => LedgerEffect::Release,
        None if decision.allowed && stored.status == TxStatus::Failed => LedgerEffect::Release,
        None => LedgerEffect::None,
    };
    let mut requested = audit.clone();
    requested.details = serde_json::json!({
        "request": requested.details,
        "status": stored.status.as_str(),
        "allowed": decision.allowed,
        "tier": decision.tier.as_str(),
        "reasons": decision.reason_codes(),
    });
    let after = |event: &str, details| AuditEntry {
        event: event.to_owned(),
        details,
        ..audit.clone()
    };
    let mut entries = vec![requested];
    match signing {
        Some(SignOutcome::Signed { tx_hash, .. }) => {
            entries.push(after("TX_SIGNED", serde_json::json!({ "txHash": tx_hash })));
        }
        Some(SignOutcome::Failed { code, .. }) => {
            entries.push(after("TX_FAILED", serde_json::json!({ "code": code })));
        }
        None => {}
    }
    Admitted {
        record: stored,
        ledger,
        audit: entries,
    }
}

/// Consecutive execution failures, counted from the newest finished execution back to
/// the first one that did not fail (`failed`: per finished execution, newest first,
/// whether it FAILED; denials are not executions and must not be in it).
#[must_use]
pub fn consecutive_failures(failed: impl IntoIterator<Item = bool>) -> u64 {
    let n = failed.into_iter().take_while(|f| *f).count();
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_checks_kill_switch_then_wallet_then_session() {
        let live = SessionGateRow {
            revoked_at: None,
            created_at: 100,
            absolute_lifetime_seconds: 50,
        };
        let ok = Some(WalletStatus::Active);
        assert_eq!(
            gate(KillSwitchState::Active, ok, Some(Some(live)), 149),
            None
        );
        assert_eq!(
            gate(KillSwitchState::Active, ok, Some(Some(live)), 150),
            Some(AdmissionGate::SessionExpired)
        );
        assert_eq!(
            gate(KillSwitchState::Active, ok, Some(None), 0),
            Some(AdmissionGate::SessionRevoked)
        );
        assert_eq!(
            gate(KillSwitchState::Active, None, None, 0),
            Some(AdmissionGate::UnknownWallet)
        );
        assert_eq!(
            gate(
                KillSwitchState::Locked,
                Some(WalletStatus::Suspended),
                None,
                0
            ),
            Some(AdmissionGate::KillSwitch(KillSwitchState::Locked))
        );
    }

    #[test]
    fn consecutive_failures_stop_at_the_first_execution_that_did_not_fail() {
        assert_eq!(consecutive_failures([true, true, false, true]), 2);
        assert_eq!(consecutive_failures([false, true]), 0);
        assert_eq!(consecutive_failures([]), 0);
    }
}
