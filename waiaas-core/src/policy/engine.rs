//! The policy engine trait and its input.

use std::fmt;

use super::{Decision, LedgerSnapshot, PolicyRecord, PolicyRequest, PriceBook};

/// Everything one decision depends on.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInput<'a> {
    /// The request.
    pub request: &'a PolicyRequest,
    /// Candidate policies (the engine resolves which apply).
    pub policies: &'a [PolicyRecord],
    /// Ledger totals for every window [`PolicyEngine::windows`] asked for.
    pub ledger: &'a LedgerSnapshot,
    /// Prices.
    pub prices: &'a PriceBook,
    /// Current time (Unix seconds).
    pub now: i64,
}

/// A policy engine: pure and infallible. Errors while deciding become deny reasons.
pub trait PolicyEngine: Send + Sync + fmt::Debug {
    /// The rolling windows (seconds) whose totals [`PolicyEngine::evaluate`] needs for
    /// this request under these policies.
    fn windows(&self, request: &PolicyRequest, policies: &[PolicyRecord]) -> Vec<u64>;

    /// Decides. Never panics; any internal error yields `allowed = false`.
    fn evaluate(&self, input: &PolicyInput<'_>) -> Decision;
}
