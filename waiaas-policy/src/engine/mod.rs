//! The default-deny engine: resolution (one policy per type, the most specific wins),
//! the order in which the rule families judge a request, deny wins with every reason,
//! and tier = max. Each rule family lives in its own file:
//!
//! - `access`: ALLOWED_NETWORKS, TIME_RESTRICTION, RATE_LIMIT
//! - `legs`: which families judge each request kind
//! - `recipients`: WHITELIST
//! - `tokens`: ALLOWED_TOKENS and trusted decimals
//! - `contracts`: CONTRACT_WHITELIST, METHOD_WHITELIST, opaque calls
//! - `approvals`: APPROVED_SPENDERS, APPROVE_AMOUNT_LIMIT, APPROVE_TIER_OVERRIDE
//! - `signing`: signing permissions, undecoded typed data
//! - `domains`: X402_ALLOWED_DOMAINS, ERC8128_ALLOWED_DOMAINS
//! - `spending`: SPENDING_LIMIT ladders, USD caps, prices, fees
//! - `defi`: the action-descriptor rules and REPUTATION_THRESHOLD

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use waiaas_core::policy::{
    ApprovalReason, DAILY_WINDOW, LedgerSnapshot, MONTHLY_WINDOW, Reason, RequestBody, Spend,
    WindowTotals,
};
use waiaas_core::{
    Address, Amount, Chain, Decision, Network, PolicyEngine, PolicyId, PolicyInput, PolicyRecord,
    PolicyRequest, PolicyType, Tier, WalletId,
};

use crate::codes;
use crate::matching::parse_address;
use crate::rules::{DEFAULT_DELAY_SECONDS, Rules};

mod access;
mod approvals;
mod contracts;
mod defi;
mod domains;
mod legs;
mod recipients;
mod signing;
mod spending;
mod tokens;

/// Most instructions in a batch.
pub const MAX_BATCH: usize = 20;
/// Fewest instructions in a batch.
pub const MIN_BATCH: usize = 2;
/// Window of ERC8128 `rate_limit_rpm`.
pub const ERC8128_WINDOW: u64 = 60;

type Compiled = Result<Rules, String>;

/// A parsed policy, valid for exactly the record it was parsed from.
#[derive(Debug)]
struct CacheEntry {
    revision: u64,
    policy_type: PolicyType,
    raw: serde_json::Value,
    compiled: Arc<Compiled>,
}

/// The default-deny policy engine. Cheap to share (`Arc<Engine>`); parsed rules are
/// cached by policy id, so each stored policy is parsed once. A cache hit also
/// requires the same revision, type and rules JSON, so a stale entry can never judge
/// a changed policy.
#[derive(Debug, Default)]
pub struct Engine {
    cache: Mutex<HashMap<PolicyId, CacheEntry>>,
}

/// Resolution level: wallet+network > wallet > global+network > global.
fn level(p: &PolicyRecord) -> u8 {
    match (p.wallet_id.is_some(), p.network.is_some()) {
        (true, true) => 3,
        (true, false) => 2,
        (false, true) => 1,
        (false, false) => 0,
    }
}

struct Resolved {
    id: PolicyId,
    rules: Arc<Compiled>,
}

impl Engine {
    /// A new engine with an empty rules cache.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn compiled(&self, p: &PolicyRecord) -> Arc<Compiled> {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = cache.get(&p.id)
            && e.revision == p.revision
            && e.policy_type == p.policy_type
            && e.raw == p.rules
        {
            return Arc::clone(&e.compiled);
        }
        let c = Arc::new(Rules::parse(p.policy_type, &p.rules).map_err(|e| e.to_string()));
        cache.insert(
            p.id,
            CacheEntry {
                revision: p.revision,
                policy_type: p.policy_type,
                raw: p.rules.clone(),
                compiled: Arc::clone(&c),
            },
        );
        c
    }

    /// The compiled rules of the policies [`applicable_policies`] selects.
    fn resolve(
        &self,
        wallet: WalletId,
        network: Network,
        policies: &[PolicyRecord],
    ) -> BTreeMap<PolicyType, Resolved> {
        applicable_policies(wallet, network, policies)
            .into_iter()
            .map(|(t, p)| {
                (
                    t,
                    Resolved {
                        id: p.id,
                        rules: self.compiled(p),
                    },
                )
            })
            .collect()
    }
}

/// The policy of each type that applies to `wallet` on `network`: the most specific
/// level (wallet+network > wallet > global+network > global), then the highest
/// priority, then the oldest (smallest id). Disabled policies and other wallets' or
/// networks' policies are ignored. The engine decides with exactly these.
#[must_use]
pub fn applicable_policies(
    wallet: WalletId,
    network: Network,
    policies: &[PolicyRecord],
) -> BTreeMap<PolicyType, &PolicyRecord> {
    let mut best: BTreeMap<PolicyType, &PolicyRecord> = BTreeMap::new();
    for p in policies.iter().filter(|p| {
        p.enabled
            && p.wallet_id.is_none_or(|w| w == wallet)
            && p.network.is_none_or(|n| n == network)
    }) {
        let better = match best.get(&p.policy_type) {
            None => true,
            Some(cur) => {
                (level(p), p.priority, std::cmp::Reverse(p.id))
                    > (level(cur), cur.priority, std::cmp::Reverse(cur.id))
            }
        };
        if better {
            best.insert(p.policy_type, p);
        }
    }
    best
}

impl PolicyEngine for Engine {
    fn windows(&self, request: &PolicyRequest, policies: &[PolicyRecord]) -> Vec<u64> {
        let mut out = Vec::new();
        for r in self
            .resolve(request.wallet_id, request.network, policies)
            .values()
        {
            match r.rules.as_ref() {
                Ok(Rules::SpendingLimit(s)) => {
                    if s.daily_limit_usd.is_some() {
                        out.push(DAILY_WINDOW);
                    }
                    if s.monthly_limit_usd.is_some() {
                        out.push(MONTHLY_WINDOW);
                    }
                }
                Ok(Rules::RateLimit { window_seconds, .. }) => out.push(*window_seconds),
                Ok(Rules::Erc8128AllowedDomains {
                    rate_limit_rpm: Some(_),
                    ..
                }) => out.push(ERC8128_WINDOW),
                Ok(Rules::ActionCategoryLimit(c)) => {
                    if c.daily_limit_usd.is_some() {
                        out.push(DAILY_WINDOW);
                    }
                    if c.monthly_limit_usd.is_some() {
                        out.push(MONTHLY_WINDOW);
                    }
                }
                _ => {}
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn evaluate(&self, input: &PolicyInput<'_>) -> Decision {
        let resolved = self.resolve(
            input.request.wallet_id,
            input.request.network,
            input.policies,
        );
        if resolved.is_empty() {
            return Decision::deny(Reason {
                policy_id: None,
                policy_type: None,
                code: codes::NO_POLICY.to_owned(),
                message: format!(
                    "no policy applies to wallet `{}` on `{}`; nothing is allowed until policies are created (quickset creates a starter set)",
                    input.request.wallet_id, input.request.network
                ),
                instruction: None,
            });
        }
        let mut ev = Eval {
            req: input.request,
            chain: input.request.network.chain(),
            network: input.request.network,
            resolved,
            ledger: input.ledger,
            prices: input.prices,
            now: input.now,
            reasons: Vec::new(),
            warnings: Vec::new(),
            tier: Tier::Instant,
            approval: Vec::new(),
            moves: Vec::new(),
            needs_spending_limit: false,
            spend: Spend::default(),
        };
        ev.run();
        ev.finish()
    }
}

struct Move {
    asset_id: String,
    amount: Amount,
    /// Trusted decimals; `None` leaves the asset unpriced and outside `token_limits`.
    decimals: Option<u8>,
    native: bool,
}

struct Eval<'a> {
    req: &'a PolicyRequest,
    chain: Chain,
    network: Network,
    resolved: BTreeMap<PolicyType, Resolved>,
    ledger: &'a LedgerSnapshot,
    prices: &'a waiaas_core::PriceBook,
    now: i64,
    reasons: Vec<Reason>,
    warnings: Vec<Reason>,
    tier: Tier,
    approval: Vec<ApprovalReason>,
    moves: Vec<Move>,
    needs_spending_limit: bool,
    spend: Spend,
}

fn approval_rank(r: ApprovalReason) -> u8 {
    match r {
        ApprovalReason::UnknownPrice => 0,
        ApprovalReason::PerTx => 1,
        ApprovalReason::CumulativeDaily => 2,
        ApprovalReason::CumulativeMonthly => 3,
        ApprovalReason::ActionCategory => 4,
        ApprovalReason::Reputation => 5,
        ApprovalReason::Approve => 6,
        ApprovalReason::NftTransfer => 7,
        ApprovalReason::ContractDeploy => 8,
    }
}

impl Eval<'_> {
    fn rules(&self, t: PolicyType) -> Option<(PolicyId, &Rules)> {
        let r = self.resolved.get(&t)?;
        match r.rules.as_ref() {
            Ok(rules) => Some((r.id, rules)),
            Err(_) => None,
        }
    }

    fn is_corrupt(&self, t: PolicyType) -> bool {
        self.resolved.get(&t).is_some_and(|r| r.rules.is_err())
    }

    fn reason(
        &self,
        t: Option<PolicyType>,
        code: &str,
        message: String,
        idx: Option<u32>,
    ) -> Reason {
        let message = match idx {
            Some(i) => format!("instruction {i}: {message}"),
            None => message,
        };
        Reason {
            policy_id: t.and_then(|t| self.resolved.get(&t)).map(|r| r.id),
            policy_type: t,
            code: code.to_owned(),
            message,
            instruction: idx,
        }
    }

    fn deny(&mut self, t: Option<PolicyType>, code: &str, message: String, idx: Option<u32>) {
        let r = self.reason(t, code, message, idx);
        self.reasons.push(r);
    }

    /// Denies for a missing enabling policy unless the policy exists but is corrupt
    /// (already reported).
    fn deny_missing(&mut self, t: PolicyType, code: &str, message: String, idx: Option<u32>) {
        if !self.is_corrupt(t) {
            self.deny(Some(t), code, message, idx);
        }
    }

    fn warn(&mut self, t: Option<PolicyType>, code: &str, message: String) {
        let r = self.reason(t, code, message, None);
        self.warnings.push(r);
    }

    fn raise(&mut self, tier: Tier, why: Option<ApprovalReason>) {
        self.tier = self.tier.max(tier);
        if tier == Tier::Approval
            && let Some(w) = why
        {
            self.approval.push(w);
        }
    }

    fn window(&mut self, w: u64, t: PolicyType) -> Option<&WindowTotals> {
        if !self.ledger.windows.contains_key(&w) {
            self.deny(
                Some(t),
                codes::LEDGER_UNAVAILABLE,
                format!("ledger totals for the {w} s window were not provided; the decision cannot be made safely"),
                None,
            );
            return None;
        }
        self.ledger.windows.get(&w)
    }

    fn addr(&mut self, s: &str, field: &str, idx: Option<u32>) -> Option<Address> {
        match parse_address(self.chain, s) {
            Ok(a) => Some(a),
            Err(e) => {
                self.deny(None, codes::INVALID_ADDRESS, format!("`{field}`: {e}"), idx);
                None
            }
        }
    }

    fn run(&mut self) {
        let corrupt: Vec<(PolicyType, PolicyId, String)> = self
            .resolved
            .iter()
            .filter_map(|(t, r)| {
                r.rules
                    .as_ref()
                    .as_ref()
                    .err()
                    .map(|e| (*t, r.id, e.clone()))
            })
            .collect();
        for (t, id, e) in corrupt {
            self.deny(
                Some(t),
                codes::POLICY_RULES_CORRUPT,
                format!("stored rules of policy `{id}` ({t}) no longer parse ({e}); update or delete the policy"),
                None,
            );
        }
        self.global_checks();
        let req = self.req;
        match &req.body {
            RequestBody::Batch { instructions } => {
                if instructions.len() < MIN_BATCH || instructions.len() > MAX_BATCH {
                    self.deny(
                        None,
                        codes::INVALID_REQUEST,
                        format!(
                            "a batch holds {MIN_BATCH} to {MAX_BATCH} instructions, not {}",
                            instructions.len()
                        ),
                        None,
                    );
                }
                for (i, ins) in instructions.iter().enumerate() {
                    let idx = u32::try_from(i).ok();
                    match ins {
                        RequestBody::Transfer { .. }
                        | RequestBody::TokenTransfer { .. }
                        | RequestBody::ContractCall { .. }
                        | RequestBody::Approve { .. }
                        | RequestBody::NftTransfer { .. }
                        | RequestBody::Refused { .. } => self.leg(ins, idx),
                        other => self.deny(
                            None,
                            codes::INVALID_REQUEST,
                            format!("`{}` cannot be part of a batch", other.kind()),
                            idx,
                        ),
                    }
                }
            }
            body => self.leg(body, None),
        }
        if let Some(fee) = req.fee {
            self.fee(fee);
        }
        self.spending();
        // The agent's own descriptor is judged beside the trusted one (or none): it can
        // add denials and raise the tier, never take away what the other yields.
        if let Some(a) = &req.action {
            self.actions(a);
        }
        if let Some(a) = &req.claimed_action {
            self.actions(a);
        }
        // Only a trusted descriptor lets the DeFi rules judge a call; the agent's own
        // can add to the result, never replace the owner's look.
        if req.action.is_none() {
            self.undescribed(&req.body);
        }
    }

    fn finish(self) -> Decision {
        if !self.reasons.is_empty() {
            return Decision {
                allowed: false,
                tier: Tier::Approval,
                delay_seconds: None,
                approval_timeout: None,
                reasons: self.reasons,
                warnings: self.warnings,
                approval_reason: None,
                spend: Spend::default(),
            };
        }
        let sl = match self.rules(PolicyType::SpendingLimit) {
            Some((_, Rules::SpendingLimit(s))) => Some((s.delay_seconds, s.approval_timeout)),
            _ => None,
        };
        let tier = self.tier;
        Decision {
            allowed: true,
            tier,
            delay_seconds: (tier == Tier::Delay).then(|| sl.map_or(DEFAULT_DELAY_SECONDS, |s| s.0)),
            approval_timeout: if tier == Tier::Approval {
                sl.and_then(|s| s.1)
            } else {
                None
            },
            reasons: Vec::new(),
            warnings: self.warnings,
            approval_reason: if tier == Tier::Approval {
                self.approval
                    .iter()
                    .copied()
                    .min_by_key(|r| approval_rank(*r))
            } else {
                None
            },
            spend: self.spend,
        }
    }
}
