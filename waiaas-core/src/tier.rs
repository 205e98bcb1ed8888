//! Security tiers and transaction statuses.

crate::string_enum! {
    /// How much friction a transaction gets. Ordered: `Instant < Notify < Delay < Approval`,
    /// so the tier of a request is the maximum over every rule that applies.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Tier {
        /// Signed at once.
        Instant => "INSTANT",
        /// Signed at once, and the owner is notified.
        Notify => "NOTIFY",
        /// Queued for a cancellation window, then signed.
        Delay => "DELAY",
        /// Waits for the owner's signature.
        Approval => "APPROVAL",
    }
    field = "tier", what = "a tier";
}

crate::string_enum! {
    /// Lifecycle of a transaction request.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum TxStatus {
        /// Accepted, not yet decided.
        Pending => "PENDING",
        /// DELAY tier: waiting for its cancellation window to pass.
        Queued => "QUEUED",
        /// APPROVAL tier: waiting for the owner.
        PendingApproval => "PENDING_APPROVAL",
        /// Being signed / broadcast.
        Executing => "EXECUTING",
        /// Signed; not broadcast (no chain client).
        Signed => "SIGNED",
        /// Broadcast to the network.
        Submitted => "SUBMITTED",
        /// Confirmed on chain.
        Confirmed => "CONFIRMED",
        /// Signing or broadcast failed.
        Failed => "FAILED",
        /// Cancelled by the agent, owner, operator or kill switch.
        Cancelled => "CANCELLED",
        /// Rejected by the owner.
        Rejected => "REJECTED",
        /// The approval window passed.
        Expired => "EXPIRED",
    }
    field = "status", what = "a transaction status";
}

impl TxStatus {
    /// Whether the request still holds a reservation and may still move money.
    #[must_use]
    pub fn is_in_flight(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Queued | Self::PendingApproval | Self::Executing
        )
    }
}
