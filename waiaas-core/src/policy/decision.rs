//! The engine's answer: tier, reasons, what it spends.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{PolicyType, Usd};
use crate::amount::Amount;
use crate::ids::PolicyId;
use crate::tier::Tier;

/// One reason (deny) or warning in a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    /// The policy that produced it, if one did.
    pub policy_id: Option<PolicyId>,
    /// Its type.
    pub policy_type: Option<PolicyType>,
    /// Stable code (`WHITELIST_DENIED`, …).
    pub code: String,
    /// What happened and what to change.
    pub message: String,
    /// For batches: the 0-based index of the instruction it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<u32>,
}

crate::string_enum! {
    /// Why a request needs the owner's approval.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ApprovalReason {
        /// No fresh price for an asset a USD rule needed.
        UnknownPrice => "unknown_price",
        /// Above the per-transaction `delay_max` ladder.
        PerTx => "per_tx",
        /// The rolling daily USD cap would be exceeded.
        CumulativeDaily => "cumulative_daily",
        /// The rolling monthly USD cap would be exceeded.
        CumulativeMonthly => "cumulative_monthly",
        /// An ACTION_CATEGORY_LIMIT escalated it.
        ActionCategory => "action_category",
        /// REPUTATION_THRESHOLD escalated it.
        Reputation => "reputation",
        /// Approvals default to APPROVAL (or APPROVE_TIER_OVERRIDE said so).
        Approve => "approve",
        /// NFT transfers cannot be priced and need the owner.
        NftTransfer => "nft_transfer",
        /// Contract deployments need the owner.
        ContractDeploy => "contract_deploy",
    }
    field = "approval_reason", what = "an approval reason";
}

/// What the reservation of an allowed request adds to the spend ledger.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spend {
    /// USD value, when every moved asset had a fresh price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd: Option<Usd>,
    /// Base units per asset id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub assets: BTreeMap<String, Amount>,
    /// Action category and its notional USD (ACTION_CATEGORY_LIMIT windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Notional USD counted for `category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_usd: Option<Usd>,
    /// Whether it is an ERC-8128 signed request (ERC8128 `rate_limit_rpm`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erc8128: bool,
}

/// The answer of a policy engine. When `allowed` is false, `tier` is `APPROVAL` and
/// `reasons` lists every deny reason; an engine error is a deny reason too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Whether the request may proceed (at `tier`).
    pub allowed: bool,
    /// How much friction it gets.
    pub tier: Tier,
    /// For DELAY: seconds of the cancellation window.
    pub delay_seconds: Option<u64>,
    /// For APPROVAL: seconds the owner has (the SPENDING_LIMIT's `approval_timeout`),
    /// `None` for the caller's default.
    pub approval_timeout: Option<u64>,
    /// Every deny reason (empty when allowed).
    pub reasons: Vec<Reason>,
    /// Warnings (e.g. 80 % of a cap reached); they never deny.
    pub warnings: Vec<Reason>,
    /// For APPROVAL: the main reason.
    pub approval_reason: Option<ApprovalReason>,
    /// What the reservation records when the request is admitted.
    pub spend: Spend,
}

impl Decision {
    /// A denial with one reason (used for errors that make deciding impossible).
    #[must_use]
    pub fn deny(reason: Reason) -> Self {
        Self {
            allowed: false,
            tier: Tier::Approval,
            delay_seconds: None,
            approval_timeout: None,
            reasons: vec![reason],
            warnings: Vec::new(),
            approval_reason: None,
            spend: Spend::default(),
        }
    }

    /// The reason codes, in order.
    #[must_use]
    pub fn reason_codes(&self) -> Vec<&str> {
        self.reasons.iter().map(|r| r.code.as_str()).collect()
    }
}
