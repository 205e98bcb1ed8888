//! The reference evaluator of the differential tests: a deliberately naive evaluator,
//! written from the semantics in `docs/policy-semantics.md` without sharing code with
//! the engine, over generated worlds (policies, one request, ledger totals, prices,
//! hour). Included by `tests/reference.rs` (proptest) and by the fuzz target
//! `fuzz/fuzz_targets/policy_differential.rs` (`#[path = ...] mod`), so both judge the
//! engine against the same reference. It only understands worlds of the shapes the
//! generators make: the constants below, and the rules that `rules_for` (proptest) and
//! the fuzz target's builder make for `GEN_TYPES`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "test code"
)]

use std::collections::BTreeMap;

use serde_json::{Value, json};
use waiaas_core::policy::{LedgerSnapshot, RequestBody, WindowTotals};
use waiaas_core::{
    Amount, Decision, Network, PolicyEngine, PolicyId, PolicyInput, PolicyRecord, PolicyRequest,
    PolicyType, PriceBook, PriceQuote, Tier, Usd, WalletId,
};
use waiaas_policy::Engine;

pub const ADDRS: [&str; 5] = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb",
    "0xD1220A0CF47C7B9BE7A2E6BA89F429762E7B9ADB",
    "0x123",
];
pub const TOKENS: [&str; 2] = [
    "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    "0x6B175474E89094C44Da98b954EedeAC495271d0F",
];
pub const SELECTORS: [&str; 2] = ["0xa9059cbb", "0x095ea7b3"];
pub const NETS: [Network; 2] = [Network::EthereumMainnet, Network::BaseMainnet];
pub const RATE_WINDOW: u64 = 60;

pub fn w1() -> WalletId {
    WalletId::parse("01900000-0000-7000-8000-000000000001").unwrap()
}
pub fn w2() -> WalletId {
    WalletId::parse("01900000-0000-7000-8000-000000000002").unwrap()
}

/// Same value for every spelling (EVM addresses compare case-insensitively).
pub fn key(a: &str) -> Option<String> {
    let h = a.strip_prefix("0x")?;
    (h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit())).then(|| h.to_ascii_lowercase())
}

/// The policy types the generators make and the reference understands.
pub const GEN_TYPES: [PolicyType; 11] = [
    PolicyType::SpendingLimit,
    PolicyType::Whitelist,
    PolicyType::AllowedNetworks,
    PolicyType::RateLimit,
    PolicyType::AllowedTokens,
    PolicyType::ContractWhitelist,
    PolicyType::MethodWhitelist,
    PolicyType::ApprovedSpenders,
    PolicyType::ApproveAmountLimit,
    PolicyType::ApproveTierOverride,
    PolicyType::TimeRestriction,
];

#[derive(Debug, Clone)]
pub struct GenPolicy {
    pub ty: PolicyType,
    pub wallet: Option<WalletId>,
    pub network: Option<Network>,
    pub priority: i64,
    pub enabled: bool,
    pub rules: Value,
    pub corrupt: bool,
}

impl GenPolicy {
    /// A generated policy; a `corrupt` one carries rules that no longer parse (the
    /// engine must then deny, `POLICY_RULES_CORRUPT`) instead of `rules`.
    pub fn generated(
        ty: PolicyType,
        wallet: Option<WalletId>,
        network: Option<Network>,
        priority: i64,
        enabled: bool,
        rules: Value,
        corrupt: bool,
    ) -> Self {
        Self {
            ty,
            wallet,
            network,
            priority,
            enabled,
            rules: if corrupt {
                serde_json::json!({"bogus_field": 1})
            } else {
                rules
            },
            corrupt,
        }
    }
}

#[derive(Debug, Clone)]
pub struct World {
    pub policies: Vec<GenPolicy>,
    pub request: PolicyRequest,
    pub requests_in_window: u64,
    pub usd_today: u64,
    pub priced: bool,
    pub hour: i64,
}

/// Policies that enable `req` (so that many generated worlds are allowed and the
/// tiers get compared, not only the denials).
pub fn enablers(req: &PolicyRequest, sl: Value) -> Vec<GenPolicy> {
    let global = |ty, rules| GenPolicy {
        ty,
        wallet: None,
        network: None,
        priority: 0,
        enabled: true,
        rules,
        corrupt: false,
    };
    let mut out = vec![global(PolicyType::SpendingLimit, sl)];
    match &req.body {
        RequestBody::TokenTransfer { token, .. } => {
            out.push(global(
                PolicyType::AllowedTokens,
                json!({"tokens": [{"address": token.address, "decimals": 18}]}),
            ));
        }
        RequestBody::ContractCall { contract, .. } if key(contract).is_some() => {
            out.push(global(
                PolicyType::ContractWhitelist,
                json!({"contracts": [{"address": contract}]}),
            ));
        }
        RequestBody::Approve { spender, .. } if key(spender).is_some() => {
            out.push(global(
                PolicyType::ApprovedSpenders,
                json!({"spenders": [{"address": spender}]}),
            ));
        }
        _ => {}
    }
    out
}

pub const DAY0: i64 = 1_767_225_600;

pub fn records(ps: &[GenPolicy]) -> Vec<PolicyRecord> {
    ps.iter()
        .enumerate()
        .map(|(i, p)| PolicyRecord {
            id: PolicyId::parse(&format!("01900000-0000-7000-8000-{:012}", 100 + i)).unwrap(),
            wallet_id: p.wallet,
            network: p.network,
            policy_type: p.ty,
            rules: p.rules.clone(),
            priority: p.priority,
            enabled: p.enabled,
            revision: 1,
            created_at: 0,
            updated_at: 0,
        })
        .collect()
}

pub fn run_engine(engine: &Engine, w: &World) -> Decision {
    let policies = records(&w.policies);
    let mut ledger = LedgerSnapshot::empty(&[]);
    for win in engine.windows(&w.request, &policies) {
        let t = WindowTotals {
            requests: w.requests_in_window,
            usd: Usd::from_u64(w.usd_today),
            ..WindowTotals::default()
        };
        ledger.windows.insert(win, t);
    }
    let mut prices = PriceBook::default();
    let now = DAY0 + w.hour * 3600 + 7;
    if w.priced {
        // One wei (or token base unit) = one USD.
        let q = PriceQuote {
            usd: Usd::parse("1000000000000000000").unwrap(),
            source: "t".into(),
            observed_at: now,
        };
        prices.quotes.insert(
            waiaas_core::policy::native_asset_id(w.request.network),
            q.clone(),
        );
        for t in TOKENS {
            prices.quotes.insert(
                waiaas_core::policy::token_asset_id(w.request.network, t),
                q.clone(),
            );
        }
    }
    engine.evaluate(&PolicyInput {
        request: &w.request,
        policies: &policies,
        ledger: &ledger,
        prices: &prices,
        now,
    })
}

/// The naive reference: (allowed, tier, sorted reason codes, approval reason).
pub fn reference(w: &World) -> (bool, Tier, Vec<String>, Option<&'static str>) {
    let req = &w.request;
    let applicable: Vec<(usize, &GenPolicy)> = w
        .policies
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.enabled
                && p.wallet.is_none_or(|x| x == req.wallet_id)
                && p.network.is_none_or(|n| n == req.network)
        })
        .collect();
    if applicable.is_empty() {
        return (false, Tier::Approval, vec!["NO_POLICY".into()], None);
    }
    // Resolution, naively: sort all candidates of a type and take the first.
    let mut by_type: BTreeMap<PolicyType, Vec<(usize, &GenPolicy)>> = BTreeMap::new();
    for (i, p) in applicable {
        by_type.entry(p.ty).or_default().push((i, p));
    }
    let mut chosen: BTreeMap<PolicyType, &GenPolicy> = BTreeMap::new();
    for (ty, mut list) in by_type {
        list.sort_by_key(|(i, p)| {
            let level = usize::from(p.wallet.is_some()) * 2 + usize::from(p.network.is_some());
            (std::cmp::Reverse(level), std::cmp::Reverse(p.priority), *i)
        });
        chosen.insert(ty, list[0].1);
    }
    let mut reasons: Vec<String> = Vec::new();
    let corrupt = |t: PolicyType| chosen.get(&t).is_some_and(|p| p.corrupt);
    let rules = |t: PolicyType| chosen.get(&t).filter(|p| !p.corrupt).map(|p| &p.rules);
    for p in chosen.values() {
        if p.corrupt {
            reasons.push("POLICY_RULES_CORRUPT".into());
        }
    }
    let listed = |list: &Value, field: &str, a: &str| {
        list.as_array().unwrap().iter().any(|e| {
            let s = if field.is_empty() {
                e.as_str().unwrap()
            } else {
                e[field].as_str().unwrap()
            };
            key(s) == key(a)
        })
    };
    let mut tier = Tier::Instant;
    let mut approvals: Vec<&'static str> = Vec::new();
    if let Some(r) = rules(PolicyType::AllowedNetworks)
        && !r["networks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str() == Some(req.network.as_str()))
    {
        reasons.push("NETWORK_NOT_ALLOWED".into());
    }
    if let Some(r) = rules(PolicyType::TimeRestriction) {
        let (s, e) = (
            r["allowed_hours"]["start"].as_i64().unwrap(),
            r["allowed_hours"]["end"].as_i64().unwrap(),
        );
        let h = w.hour;
        let inside = if s < e {
            h >= s && h < e
        } else {
            h >= s || h < e
        };
        if !inside {
            reasons.push("OUTSIDE_ALLOWED_TIME".into());
        }
    }
    if let Some(r) = rules(PolicyType::RateLimit)
        && w.requests_in_window >= r["max_requests"].as_u64().unwrap()
    {
        reasons.push("RATE_LIMIT_EXCEEDED".into());
    }
    let mut moved: Option<(Amount, bool)> = None; // (amount, native)
    let mut needs_limit = false;
    let half = Amount::from_u256(ruint::aliases::U256::from(1u8) << 255);
    match &req.body {
        RequestBody::Transfer { to, amount } => {
            needs_limit = true;
            if key(to).is_none() {
                reasons.push("INVALID_ADDRESS".into());
            } else if let Some(r) = rules(PolicyType::Whitelist)
                && !listed(&r["allowed_addresses"], "", to)
            {
                reasons.push("WHITELIST_DENIED".into());
            }
            moved = Some((*amount, true));
        }
        RequestBody::TokenTransfer { to, amount, token } => {
            needs_limit = true;
            if key(to).is_none() {
                reasons.push("INVALID_ADDRESS".into());
            } else if let Some(r) = rules(PolicyType::Whitelist)
                && !listed(&r["allowed_addresses"], "", to)
            {
                reasons.push("WHITELIST_DENIED".into());
            }
            match rules(PolicyType::AllowedTokens) {
                Some(r) if listed(&r["tokens"], "address", &token.address) => {}
                Some(_) => reasons.push("TOKEN_NOT_ALLOWED".into()),
                None if !corrupt(PolicyType::AllowedTokens) => {
                    reasons.push("TOKEN_NOT_ALLOWED".into())
                }
                None => {}
            }
            moved = Some((*amount, false));
        }
        RequestBody::ContractCall {
            contract,
            selector,
            value,
            ..
        } => {
            if key(contract).is_none() {
                reasons.push("INVALID_ADDRESS".into());
            } else {
                match rules(PolicyType::ContractWhitelist) {
                    Some(r) if listed(&r["contracts"], "address", contract) => {}
                    Some(_) => reasons.push("CONTRACT_NOT_WHITELISTED".into()),
                    None if !corrupt(PolicyType::ContractWhitelist) => {
                        reasons.push("CONTRACT_NOT_WHITELISTED".into())
                    }
                    None => {}
                }
                if let Some(r) = rules(PolicyType::MethodWhitelist) {
                    let m = &r["methods"][0];
                    if key(m["contract_address"].as_str().unwrap()) == key(contract) {
                        let ok = selector.as_ref().is_some_and(|s| {
                            m["selectors"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .any(|x| x.as_str() == Some(s.as_str()))
                        });
                        if !ok {
                            reasons.push("METHOD_NOT_WHITELISTED".into());
                        }
                    }
                }
            }
            if let Some(v) = value.filter(|v| !v.is_zero()) {
                needs_limit = true;
                moved = Some((v, true));
            }
        }
        RequestBody::Approve {
            spender,
            amount,
            token,
            ..
        } => {
            // Where a token allow-list exists, only its tokens can be approved.
            if let Some(r) = rules(PolicyType::AllowedTokens)
                && !listed(&r["tokens"], "address", &token.address)
            {
                reasons.push("TOKEN_NOT_ALLOWED".into());
            }
            let (block, max) = match rules(PolicyType::ApproveAmountLimit) {
                Some(r) => (
                    r["block_unlimited"].as_bool().unwrap(),
                    r.get("max_amount")
                        .map(|m| Amount::parse_base_units(m.as_str().unwrap()).unwrap()),
                ),
                None => (true, None),
            };
            if *amount >= half && block {
                reasons.push("UNLIMITED_APPROVE_BLOCKED".into());
            }
            if max.is_some_and(|m| *amount > m) {
                reasons.push("APPROVE_AMOUNT_EXCEEDED".into());
            }
            if key(spender).is_none() {
                reasons.push("INVALID_ADDRESS".into());
            } else {
                match rules(PolicyType::ApprovedSpenders) {
                    Some(r) => match r["spenders"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|e| key(e["address"].as_str().unwrap()) == key(spender))
                    {
                        Some(e) => {
                            if let Some(m) = e.get("max_amount")
                                && *amount > Amount::parse_base_units(m.as_str().unwrap()).unwrap()
                            {
                                reasons.push("APPROVE_AMOUNT_EXCEEDED".into());
                            }
                        }
                        None => reasons.push("SPENDER_NOT_APPROVED".into()),
                    },
                    None if !corrupt(PolicyType::ApprovedSpenders) => {
                        reasons.push("SPENDER_NOT_APPROVED".into())
                    }
                    None => {}
                }
            }
            match rules(PolicyType::ApproveTierOverride) {
                Some(r) => {
                    let t: Tier = r["tier"].as_str().unwrap().parse().unwrap();
                    tier = tier.max(t);
                    if t == Tier::Approval {
                        approvals.push("approve");
                    }
                }
                None => {
                    tier = Tier::Approval;
                    approvals.push("approve");
                }
            }
        }
        _ => unreachable!(),
    }
    if needs_limit {
        match rules(PolicyType::SpendingLimit) {
            None if !corrupt(PolicyType::SpendingLimit) => reasons.push("NO_POLICY".into()),
            None => {}
            Some(r) => {
                let (amount, native) = moved.unwrap();
                let get = |k: &str| {
                    r.get(k)
                        .map(|v| v.as_str().unwrap().parse::<u128>().unwrap())
                };
                let native_rungs = [get("instant_max"), get("notify_max"), get("delay_max")];
                let usd_rungs = [
                    get("instant_max_usd"),
                    get("notify_max_usd"),
                    get("delay_max_usd"),
                ];
                let daily = get("daily_limit_usd");
                let usd_rules = usd_rungs.iter().any(Option::is_some) || daily.is_some();
                let ladder = |rungs: [Option<u128>; 3], v: Amount| -> Option<Tier> {
                    if rungs.iter().all(Option::is_none) {
                        return None;
                    }
                    let tiers = [Tier::Instant, Tier::Notify, Tier::Delay];
                    for (rung, t) in rungs.iter().zip(tiers) {
                        if let Some(m) = rung
                            && v <= Amount::from_u128(*m)
                        {
                            return Some(t);
                        }
                    }
                    Some(Tier::Approval)
                };
                let native_ladder = native && native_rungs.iter().any(Option::is_some);
                if !native_ladder && !usd_rules {
                    reasons.push("SPENDING_LIMIT_NOT_COVERED".into());
                }
                if native_ladder {
                    let t = ladder(native_rungs, amount).unwrap();
                    tier = tier.max(t);
                    if t == Tier::Approval {
                        approvals.push("per_tx");
                    }
                }
                if usd_rules {
                    // 1 base unit = 1 USD; amounts beyond 96 bits cannot be valued.
                    let valued = w.priced && amount <= Amount::from_u128((1u128 << 96) - 1);
                    if valued {
                        if let Some(t) = ladder(usd_rungs, amount) {
                            tier = tier.max(t);
                            if t == Tier::Approval {
                                approvals.push("per_tx");
                            }
                        }
                        if let Some(d) = daily
                            && Amount::from_u64(w.usd_today).checked_add(amount).unwrap()
                                > Amount::from_u128(d)
                        {
                            tier = Tier::Approval;
                            approvals.push("cumulative_daily");
                        }
                    } else {
                        tier = Tier::Approval;
                        approvals.push("unknown_price");
                    }
                }
            }
        }
    }
    reasons.sort();
    if !reasons.is_empty() {
        return (false, Tier::Approval, reasons, None);
    }
    let order = ["unknown_price", "per_tx", "cumulative_daily", "approve"];
    let reason = if tier == Tier::Approval {
        order.iter().find(|o| approvals.contains(o)).copied()
    } else {
        None
    };
    (true, tier, reasons, reason)
}

pub fn summary(d: &Decision) -> (bool, Tier, Vec<String>, Option<String>) {
    let mut codes: Vec<String> = d.reasons.iter().map(|r| r.code.clone()).collect();
    codes.sort();
    let ar = d.approval_reason.map(|r| {
        serde_json::to_value(r)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    });
    (d.allowed, d.tier, codes, ar)
}
