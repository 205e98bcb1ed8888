//! Stored policies: the 21 types, the record, the list filter.

use serde::{Deserialize, Serialize};

use crate::chain::Network;
use crate::ids::{PolicyId, WalletId};

crate::string_enum! {
    /// The 21 policy types. The wire name is the SCREAMING_SNAKE_CASE spelling.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum PolicyType {
        /// Per-transaction tier ladders (base units, token units, USD) and daily/monthly USD caps.
        SpendingLimit => "SPENDING_LIMIT",
        /// Recipient allow-list.
        Whitelist => "WHITELIST",
        /// Allowed hours and weekdays in an IANA time zone.
        TimeRestriction => "TIME_RESTRICTION",
        /// At most `max_requests` admitted requests per rolling `window_seconds`.
        RateLimit => "RATE_LIMIT",
        /// Tokens the wallet may move.
        AllowedTokens => "ALLOWED_TOKENS",
        /// Contracts the wallet may call.
        ContractWhitelist => "CONTRACT_WHITELIST",
        /// Function selectors allowed per contract.
        MethodWhitelist => "METHOD_WHITELIST",
        /// Spenders that may receive an approval.
        ApprovedSpenders => "APPROVED_SPENDERS",
        /// Caps on approval amounts; blocks unlimited approvals.
        ApproveAmountLimit => "APPROVE_AMOUNT_LIMIT",
        /// The tier given to approvals.
        ApproveTierOverride => "APPROVE_TIER_OVERRIDE",
        /// Networks the wallet may use.
        AllowedNetworks => "ALLOWED_NETWORKS",
        /// Domains x402 payments may go to.
        X402AllowedDomains => "X402_ALLOWED_DOMAINS",
        /// Domains ERC-8128 signed HTTP requests may go to.
        Erc8128AllowedDomains => "ERC8128_ALLOWED_DOMAINS",
        /// Maximum projected loan-to-value for lending actions.
        LendingLtvLimit => "LENDING_LTV_LIMIT",
        /// Assets lending actions may use.
        LendingAssetWhitelist => "LENDING_ASSET_WHITELIST",
        /// Maximum leverage of perpetual positions.
        PerpMaxLeverage => "PERP_MAX_LEVERAGE",
        /// Maximum notional USD of a perpetual position.
        PerpMaxPositionUsd => "PERP_MAX_POSITION_USD",
        /// Perpetual markets allowed.
        PerpAllowedMarkets => "PERP_ALLOWED_MARKETS",
        /// Venues (protocols, exchanges) allowed.
        VenueWhitelist => "VENUE_WHITELIST",
        /// USD caps per action category.
        ActionCategoryLimit => "ACTION_CATEGORY_LIMIT",
        /// Tiers by counterparty reputation score.
        ReputationThreshold => "REPUTATION_THRESHOLD",
    }
    field = "type", what = "a policy type";
}

/// A stored policy. `rules` is kept as JSON so that a rule which no longer parses
/// (written by a newer or buggy version) can still be loaded, shown and deleted; the
/// engine denies while it applies (`POLICY_RULES_CORRUPT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRecord {
    /// Id.
    pub id: PolicyId,
    /// The wallet it applies to; `None` for every wallet (global).
    pub wallet_id: Option<WalletId>,
    /// The network it applies to; `None` for every network.
    pub network: Option<Network>,
    /// Type.
    #[serde(rename = "type")]
    pub policy_type: PolicyType,
    /// Rules JSON (snake_case, as validated and normalized when stored).
    pub rules: serde_json::Value,
    /// Within one resolution level, the highest priority wins.
    pub priority: i64,
    /// A disabled policy is treated as absent.
    pub enabled: bool,
    /// Incremented by every update (engines cache parsed rules by id and revision).
    pub revision: u64,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

/// Which policies to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyFilter {
    /// Every policy.
    All,
    /// Global policies only (no wallet).
    Global,
    /// Policies bound to this wallet (not the global ones).
    Wallet(WalletId),
    /// Everything that can apply to this wallet: its own and the global ones.
    ApplicableTo(WalletId),
}
