//! Typed rules of the 21 policy types, parsed and validated once (when a policy is
//! created, updated or loaded), never per decision.
//!
//! Rules JSON is snake_case only, as in the article (`"instant_max_usd"`). Each policy
//! type has a `deny_unknown_fields` serde struct of its keys, in the file of its
//! family, and a validation function that turns each field into its typed form with
//! an error naming the field (`rules.instant_max`). A camelCase key is refused naming
//! the snake_case spelling to use (`unknown field `instantMax`; use `instant_max``);
//! any other unknown key is refused naming it, so a typo can never silently drop a
//! limit. [`Rules::to_json`] writes the canonical form that is stored
//! (`docs/adr/0003-json-casing.md`).

use std::collections::BTreeSet;

use serde_json::{Value, json};
use waiaas_core::{Address, Amount, Network, PolicyType, Tier, Usd, ValidationError};

use crate::matching::DomainPattern;

mod access;
mod addresses;
mod approvals;
mod defi;
mod domains;
mod read;
mod spending;

pub use access::TimeRestriction;
pub use addresses::{AddressEntry, MethodEntry};
pub use defi::CategoryLimit;
pub use spending::{AssetKeyPublic, SpendingLimit, TokenLimit};

/// Longest rolling window a rule may use (365 days).
pub const MAX_WINDOW_SECONDS: u64 = 31_536_000;
/// Default DELAY window of SPENDING_LIMIT.
pub const DEFAULT_DELAY_SECONDS: u64 = 900;
/// Shortest DELAY window.
pub const MIN_DELAY_SECONDS: u64 = 60;
/// Most decimals a token may declare (ERC-20 allows up to 255; none in use exceeds 36,
/// and more would overflow the exact USD arithmetic).
pub const MAX_TOKEN_DECIMALS: u8 = 36;

/// A tier ladder: the request gets the lowest tier whose maximum it does not exceed
/// (inclusive); above every present rung it needs APPROVAL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ladder<T> {
    /// Largest INSTANT value.
    pub instant: Option<T>,
    /// Largest NOTIFY value.
    pub notify: Option<T>,
    /// Largest DELAY value.
    pub delay: Option<T>,
}

impl<T: PartialOrd + Copy> Ladder<T> {
    /// Whether any rung is present.
    pub fn is_present(&self) -> bool {
        self.instant.is_some() || self.notify.is_some() || self.delay.is_some()
    }

    /// The tier of `v`; `None` when no rung is present.
    pub fn tier(&self, v: T) -> Option<Tier> {
        if !self.is_present() {
            return None;
        }
        let within = |rung: Option<T>| rung.is_some_and(|m| v <= m);
        Some(if within(self.instant) {
            Tier::Instant
        } else if within(self.notify) {
            Tier::Notify
        } else if within(self.delay) {
            Tier::Delay
        } else {
            Tier::Approval
        })
    }
}

/// The parsed rules of one policy.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Rules {
    /// SPENDING_LIMIT.
    SpendingLimit(SpendingLimit),
    /// WHITELIST.
    Whitelist {
        /// Allowed recipients.
        addresses: Vec<Address>,
    },
    /// TIME_RESTRICTION.
    TimeRestriction(TimeRestriction),
    /// RATE_LIMIT.
    RateLimit {
        /// Maximum admitted requests per window.
        max_requests: u64,
        /// Window length.
        window_seconds: u64,
    },
    /// ALLOWED_TOKENS.
    AllowedTokens {
        /// Tokens.
        tokens: Vec<AddressEntry>,
    },
    /// CONTRACT_WHITELIST.
    ContractWhitelist {
        /// Contracts.
        contracts: Vec<AddressEntry>,
    },
    /// METHOD_WHITELIST.
    MethodWhitelist {
        /// Per-contract selectors.
        methods: Vec<MethodEntry>,
    },
    /// APPROVED_SPENDERS.
    ApprovedSpenders {
        /// Spenders.
        spenders: Vec<AddressEntry>,
    },
    /// APPROVE_AMOUNT_LIMIT.
    ApproveAmountLimit {
        /// Largest approval.
        max_amount: Option<Amount>,
        /// Refuse unlimited approvals (default true).
        block_unlimited: bool,
    },
    /// APPROVE_TIER_OVERRIDE.
    ApproveTierOverride {
        /// Tier of approvals.
        tier: Tier,
    },
    /// ALLOWED_NETWORKS.
    AllowedNetworks {
        /// Networks.
        networks: BTreeSet<Network>,
    },
    /// X402_ALLOWED_DOMAINS.
    X402AllowedDomains {
        /// Domains.
        domains: Vec<DomainPatternPublic>,
    },
    /// ERC8128_ALLOWED_DOMAINS.
    Erc8128AllowedDomains {
        /// Domains.
        domains: Vec<DomainPatternPublic>,
        /// Signed requests per minute.
        rate_limit_rpm: Option<u64>,
    },
    /// LENDING_LTV_LIMIT.
    LendingLtvLimit {
        /// Deny above.
        max_ltv: Usd,
        /// DELAY at or above.
        warning_ltv: Usd,
    },
    /// LENDING_ASSET_WHITELIST.
    LendingAssetWhitelist {
        /// Assets (compared case-insensitively).
        assets: BTreeSet<String>,
    },
    /// PERP_MAX_LEVERAGE.
    PerpMaxLeverage {
        /// Deny above.
        max_leverage: Usd,
        /// DELAY at or above.
        warning_leverage: Option<Usd>,
    },
    /// PERP_MAX_POSITION_USD.
    PerpMaxPositionUsd {
        /// Deny above.
        max_position_usd: Usd,
        /// DELAY at or above.
        warning_position_usd: Option<Usd>,
    },
    /// PERP_ALLOWED_MARKETS.
    PerpAllowedMarkets {
        /// Markets (compared case-insensitively).
        markets: BTreeSet<String>,
    },
    /// VENUE_WHITELIST.
    VenueWhitelist {
        /// Venues (compared case-insensitively).
        venues: BTreeSet<String>,
    },
    /// ACTION_CATEGORY_LIMIT.
    ActionCategoryLimit(CategoryLimit),
    /// REPUTATION_THRESHOLD.
    ReputationThreshold {
        /// Scores below this get `below_threshold_tier`.
        min_score: u8,
        /// Tier below the threshold.
        below_threshold_tier: Tier,
        /// Tier without a score.
        unrated_tier: Tier,
    },
}

/// An allowed-domain pattern (public view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainPatternPublic(pub(crate) DomainPattern);

impl Rules {
    /// Parses and validates `rules` for `policy_type`.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` naming the offending field (`rules.instant_max`, …),
    /// including a key the type does not have (a camelCase key names its snake_case
    /// spelling).
    pub fn parse(policy_type: PolicyType, rules: &Value) -> Result<Self, ValidationError> {
        match policy_type {
            PolicyType::SpendingLimit => spending::parse(rules).map(Self::SpendingLimit),
            PolicyType::Whitelist => addresses::parse_whitelist(rules),
            PolicyType::TimeRestriction => access::parse_time(rules).map(Self::TimeRestriction),
            PolicyType::RateLimit => access::parse_rate_limit(rules),
            PolicyType::AllowedTokens => addresses::parse_allowed_tokens(rules),
            PolicyType::ContractWhitelist => addresses::parse_contract_whitelist(rules),
            PolicyType::MethodWhitelist => addresses::parse_method_whitelist(rules),
            PolicyType::ApprovedSpenders => addresses::parse_approved_spenders(rules),
            PolicyType::ApproveAmountLimit => approvals::parse_amount_limit(rules),
            PolicyType::ApproveTierOverride => approvals::parse_tier_override(rules),
            PolicyType::AllowedNetworks => access::parse_allowed_networks(rules),
            PolicyType::X402AllowedDomains => domains::parse_x402(rules),
            PolicyType::Erc8128AllowedDomains => domains::parse_erc8128(rules),
            PolicyType::LendingLtvLimit => defi::parse_lending_ltv(rules),
            PolicyType::LendingAssetWhitelist => defi::parse_lending_assets(rules),
            PolicyType::PerpMaxLeverage => defi::parse_perp_leverage(rules),
            PolicyType::PerpMaxPositionUsd => defi::parse_perp_position(rules),
            PolicyType::PerpAllowedMarkets => defi::parse_perp_markets(rules),
            PolicyType::VenueWhitelist => defi::parse_venues(rules),
            PolicyType::ActionCategoryLimit => {
                defi::parse_category_limit(rules).map(Self::ActionCategoryLimit)
            }
            PolicyType::ReputationThreshold => defi::parse_reputation(rules),
        }
    }

    /// The canonical snake_case JSON of these rules (what the store keeps).
    #[must_use]
    pub fn to_json(&self) -> Value {
        match self {
            Self::SpendingLimit(s) => spending::to_json(s),
            Self::Whitelist { addresses } => addresses::whitelist_json(addresses),
            Self::TimeRestriction(t) => access::time_json(t),
            Self::RateLimit {
                max_requests,
                window_seconds,
            } => json!({ "max_requests": max_requests, "window_seconds": window_seconds }),
            Self::AllowedTokens { tokens } => {
                json!({ "tokens": addresses::entries_json(tokens, false) })
            }
            Self::ContractWhitelist { contracts } => {
                json!({ "contracts": addresses::entries_json(contracts, false) })
            }
            Self::MethodWhitelist { methods } => addresses::methods_json(methods),
            Self::ApprovedSpenders { spenders } => {
                json!({ "spenders": addresses::entries_json(spenders, true) })
            }
            Self::ApproveAmountLimit {
                max_amount,
                block_unlimited,
            } => approvals::amount_limit_json(*max_amount, *block_unlimited),
            Self::ApproveTierOverride { tier } => approvals::tier_override_json(*tier),
            Self::AllowedNetworks { networks } => access::networks_json(networks),
            Self::X402AllowedDomains { domains } => domains::x402_json(domains),
            Self::Erc8128AllowedDomains {
                domains,
                rate_limit_rpm,
            } => domains::erc8128_json(domains, *rate_limit_rpm),
            Self::LendingLtvLimit {
                max_ltv,
                warning_ltv,
            } => json!({ "max_ltv": max_ltv.to_string(), "warning_ltv": warning_ltv.to_string() }),
            Self::LendingAssetWhitelist { assets } => json!({ "assets": assets }),
            Self::PerpMaxLeverage {
                max_leverage,
                warning_leverage,
            } => defi::max_warning_json(
                "max_leverage",
                *max_leverage,
                "warning_leverage",
                *warning_leverage,
            ),
            Self::PerpMaxPositionUsd {
                max_position_usd,
                warning_position_usd,
            } => defi::max_warning_json(
                "max_position_usd",
                *max_position_usd,
                "warning_position_usd",
                *warning_position_usd,
            ),
            Self::PerpAllowedMarkets { markets } => json!({ "markets": markets }),
            Self::VenueWhitelist { venues } => json!({ "venues": venues }),
            Self::ActionCategoryLimit(c) => defi::category_json(c),
            Self::ReputationThreshold {
                min_score,
                below_threshold_tier,
                unrated_tier,
            } => defi::reputation_json(*min_score, *below_threshold_tier, *unrated_tier),
        }
    }
}
