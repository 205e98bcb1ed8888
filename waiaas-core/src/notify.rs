//! The events the pipeline reports and the [`Notifier`] contract that receives them
//! (implementations — memory, callback, signed webhook — and the dispatcher that keeps
//! them off the caller's thread live in the `waiaas` facade).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{SessionId, TxId, WalletId};

crate::string_enum! {
    /// What happened, as a fixed string (`TX_SIGNED`, `POLICY_DENIED`, …).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum EventKind {
        /// An agent submitted a transaction request (before the policy decision).
        TxRequested => "TX_REQUESTED",
        /// A NOTIFY-tier transaction was signed: it went through, and the owner should know.
        TxNotify => "TX_NOTIFY",
        /// A DELAY-tier transaction was queued; it executes after its delay unless cancelled.
        TxQueued => "TX_QUEUED",
        /// An APPROVAL-tier transaction waits for the owner's signature.
        TxApprovalRequired => "TX_APPROVAL_REQUIRED",
        /// The owner approved a pending transaction.
        TxApproved => "TX_APPROVED",
        /// The owner (or the operator) rejected a pending transaction.
        TxRejected => "TX_REJECTED",
        /// A pending transaction's approval window passed without a decision.
        TxExpired => "TX_EXPIRED",
        /// A queued or pending transaction was cancelled.
        TxCancelled => "TX_CANCELLED",
        /// A transaction was signed (and broadcast when a chain client is configured).
        TxSigned => "TX_SIGNED",
        /// Signing or broadcasting a transaction failed.
        TxFailed => "TX_FAILED",
        /// The policy engine denied a request.
        PolicyDenied => "POLICY_DENIED",
        /// A cumulative (daily / monthly) spending limit is close to being reached.
        CumulativeLimitWarning => "CUMULATIVE_LIMIT_WARNING",
        /// The kill switch was activated (ACTIVE → SUSPENDED).
        KillSwitchActivated => "KILL_SWITCH_ACTIVATED",
        /// The kill switch was escalated (SUSPENDED → LOCKED).
        KillSwitchEscalated => "KILL_SWITCH_ESCALATED",
        /// The kill switch was recovered (back to ACTIVE).
        KillSwitchRecovered => "KILL_SWITCH_RECOVERED",
        /// AutoStop suspended a wallet (consecutive failures or unusual activity).
        AutoStopTriggered => "AUTO_STOP_TRIGGERED",
        /// An agent session was created.
        SessionCreated => "SESSION_CREATED",
        /// An agent session was revoked.
        SessionRevoked => "SESSION_REVOKED",
        /// The audit log's head (details: `seq`, `hash`, `keyedFrom`), sent periodically by
        /// the scheduler and on demand (`Admin::audit_head` in the facade) so it can be anchored
        /// outside the database: a log rewritten or truncated later no longer contains an
        /// anchored head.
        AuditHead => "AUDIT_HEAD",
        /// Sent when a vault opens, per wallet whose USD policies (SPENDING_LIMIT's `_usd`
        /// ladder and caps, over the native coin and the ALLOWED_TOKENS) name assets no
        /// configured oracle prices freshly (details: `assets`, `policyIds`, `message`).
        /// Those transfers fail closed to APPROVAL until a price is available.
        UnpricedAssets => "UNPRICED_ASSETS",
    }
    field = "kind", what = "an event kind";
}

/// One notification: what happened, when, to which wallet / transaction / session, and
/// kind-specific details (amounts, reasons, tiers: public data only, never a secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// When it happened, in seconds since the Unix epoch.
    pub at: i64,
    /// The wallet concerned, if any.
    pub wallet_id: Option<WalletId>,
    /// The transaction concerned, if any.
    pub tx_id: Option<TxId>,
    /// The agent session concerned, if any.
    pub session_id: Option<SessionId>,
    /// Kind-specific details (a JSON object; `{}` when there are none).
    pub details: serde_json::Value,
}

impl Event {
    /// An event of `kind` at `at` (Unix seconds) with no ids and empty details.
    #[must_use]
    pub fn new(kind: EventKind, at: i64) -> Self {
        Self {
            kind,
            at,
            wallet_id: None,
            tx_id: None,
            session_id: None,
            details: serde_json::Value::Object(serde_json::Map::new()),
        }
    }

    /// Sets the wallet.
    #[must_use]
    pub fn with_wallet(mut self, wallet_id: WalletId) -> Self {
        self.wallet_id = Some(wallet_id);
        self
    }

    /// Sets the transaction.
    #[must_use]
    pub fn with_tx(mut self, tx_id: TxId) -> Self {
        self.tx_id = Some(tx_id);
        self
    }

    /// Sets the session.
    #[must_use]
    pub fn with_session(mut self, session_id: SessionId) -> Self {
        self.session_id = Some(session_id);
        self
    }

    /// Sets the details.
    #[must_use]
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// Receives events. Implementations must be cheap to call or do their own buffering;
/// behind the facade's dispatcher each one runs on its own worker thread, so a slow one only
/// delays itself. `notify` has no error channel on purpose: a notification that cannot
/// be delivered must never change what happens to money.
pub trait Notifier: Send + Sync + fmt::Debug {
    /// Handles one event.
    fn notify(&self, event: &Event);
}
