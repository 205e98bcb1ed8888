//! Security tiers and transaction statuses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// How much friction a transaction gets. Ordered: `Instant < Notify < Delay < Approval`,
/// so the tier of a request is the maximum over every rule that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Tier {
    /// Signed at once.
    Instant,
    /// Signed at once, and the owner is notified.
    Notify,
    /// Queued for a cancellation window, then signed.
    Delay,
    /// Waits for the owner's signature.
    Approval,
}

impl Tier {
    /// The uppercase name (`INSTANT`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Instant => "INSTANT",
            Self::Notify => "NOTIFY",
            Self::Delay => "DELAY",
            Self::Approval => "APPROVAL",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tier {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "INSTANT" => Ok(Self::Instant),
            "NOTIFY" => Ok(Self::Notify),
            "DELAY" => Ok(Self::Delay),
            "APPROVAL" => Ok(Self::Approval),
            _ => Err(ValidationError::field(
                "tier",
                format!("`{s}` is not a tier; use INSTANT, NOTIFY, DELAY or APPROVAL"),
            )),
        }
    }
}

/// Lifecycle of a transaction request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TxStatus {
    /// Accepted, not yet decided.
    Pending,
    /// DELAY tier: waiting for its cancellation window to pass.
    Queued,
    /// APPROVAL tier: waiting for the owner.
    PendingApproval,
    /// Being signed / broadcast.
    Executing,
    /// Signed; not broadcast (no chain client).
    Signed,
    /// Broadcast to the network.
    Submitted,
    /// Confirmed on chain.
    Confirmed,
    /// Signing or broadcast failed.
    Failed,
    /// Cancelled by the agent, owner, operator or kill switch.
    Cancelled,
    /// Rejected by the owner.
    Rejected,
    /// The approval window passed.
    Expired,
}

impl TxStatus {
    /// The uppercase name (`PENDING_APPROVAL`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Queued => "QUEUED",
            Self::PendingApproval => "PENDING_APPROVAL",
            Self::Executing => "EXECUTING",
            Self::Signed => "SIGNED",
            Self::Submitted => "SUBMITTED",
            Self::Confirmed => "CONFIRMED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
            Self::Rejected => "REJECTED",
            Self::Expired => "EXPIRED",
        }
    }

    /// Whether the request still holds a reservation and may still move money.
    #[must_use]
    pub fn is_in_flight(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Queued | Self::PendingApproval | Self::Executing
        )
    }
}

impl fmt::Display for TxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
