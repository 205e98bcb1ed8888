//! Trusted DeFi action descriptors. The policy types that judge DeFi actions
//! (LENDING_*, PERP_*, VENUE_WHITELIST, ACTION_CATEGORY_LIMIT, REPUTATION_THRESHOLD) read
//! a descriptor of the action. One the agent writes itself is a claim: it may make the
//! decision stricter, never more lenient. A descriptor that can lower a tier (a
//! counterparty score, a projected LTV) comes from the host through this trait, wired by
//! the operator (`Host::action_provider`).

use waiaas_core::policy::ActionDescriptor;

use crate::request::ResolvedRequest;

/// Describes what a request does from data the agent does not control (the host's own
/// position tracking, a reputation service, …).
pub trait ActionProvider: Send + Sync + std::fmt::Debug {
    /// The trusted descriptor of `request`, or `None` when the host has none (the
    /// request is then judged as undescribed: unrated counterparty, no notional).
    fn describe(&self, request: &ResolvedRequest) -> Option<ActionDescriptor>;
}
