//! The default-deny engine: resolution, the 21 types, tier = max, every reason.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use ruint::aliases::U256;
use rust_decimal::Decimal;
use waiaas_core::policy::{
    ApprovalReason, DAILY_WINDOW, LedgerSnapshot, MONTHLY_WINDOW, Reason, RequestBody, Spend,
    TokenRef, WindowTotals, native_asset_id, token_asset_id,
};
use waiaas_core::session::Permission;
use waiaas_core::{
    Address, Amount, Chain, Decision, Network, PolicyEngine, PolicyId, PolicyInput, PolicyRecord,
    PolicyRequest, PolicyType, Tier, Usd, WalletId,
};

use crate::codes;
use crate::matching::{AssetKey, parse_address, parse_domain, parse_selector, selector_hex};
use crate::rules::{DEFAULT_DELAY_SECONDS, Rules, SpendingLimit};

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

    /// One policy per type: the most specific level, then the highest priority, then
    /// the oldest (smallest id). Disabled policies and other wallets' or networks'
    /// policies are ignored.
    fn resolve(
        &self,
        wallet: WalletId,
        network: Network,
        policies: &[PolicyRecord],
    ) -> BTreeMap<PolicyType, Resolved> {
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
        best.into_iter()
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

impl Engine {
    /// The decimals the operator's ALLOWED_TOKENS entry in force for `wallet` on
    /// `network` gives `token` (a contract or mint address), if any: the trusted source
    /// human amounts are converted with.
    #[must_use]
    pub fn token_decimals(
        &self,
        wallet: WalletId,
        network: Network,
        token: &str,
        policies: &[PolicyRecord],
    ) -> Option<u8> {
        let addr = parse_address(network.chain(), token).ok()?;
        entry_decimals(&self.resolve(wallet, network, policies), &addr, network)
    }

    /// The symbol the operator's ALLOWED_TOKENS entry gives `token`, if any (shown to
    /// the owner; a symbol the agent writes is never shown).
    #[must_use]
    pub fn token_symbol(
        &self,
        wallet: WalletId,
        network: Network,
        token: &str,
        policies: &[PolicyRecord],
    ) -> Option<String> {
        let addr = parse_address(network.chain(), token).ok()?;
        let resolved = self.resolve(wallet, network, policies);
        token_entry(&resolved, &addr, network)?
            .label
            .as_ref()
            .map(|(_, l)| l.clone())
    }
}

/// The resolved ALLOWED_TOKENS entry of `addr`, if any.
fn token_entry<'a>(
    resolved: &'a BTreeMap<PolicyType, Resolved>,
    addr: &Address,
    network: Network,
) -> Option<&'a crate::rules::AddressEntry> {
    let asset_id = token_asset_id(network, &addr.to_string());
    match resolved.get(&PolicyType::AllowedTokens)?.rules.as_ref() {
        Ok(Rules::AllowedTokens { tokens }) => {
            allowed_token(tokens, addr, &asset_id, network.chain())
        }
        _ => None,
    }
}

/// The decimals the resolved ALLOWED_TOKENS entry of `addr` gives, if any.
fn entry_decimals(
    resolved: &BTreeMap<PolicyType, Resolved>,
    addr: &Address,
    network: Network,
) -> Option<u8> {
    token_entry(resolved, addr, network)?.decimals
}

/// The ALLOWED_TOKENS entry naming a token: by CAIP-19 id, else by address on its chain.
fn allowed_token<'a>(
    tokens: &'a [crate::rules::AddressEntry],
    addr: &Address,
    asset_id: &str,
    chain: Chain,
) -> Option<&'a crate::rules::AddressEntry> {
    tokens.iter().find(|e| match &e.asset_id {
        Some(id) => id == asset_id,
        None => e.address == *addr && e.chain.is_none_or(|c| c == chain),
    })
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

/// `total >= 80 % of limit`.
fn at_80_percent(total: Usd, limit: Usd) -> bool {
    limit
        .as_decimal()
        .checked_mul(Decimal::new(8, 1))
        .is_none_or(|threshold| total.as_decimal() >= threshold)
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

    /// A contract call nobody described, under policies that judge DeFi actions: those
    /// rules cannot be applied, so the owner decides instead of nobody.
    fn undescribed(&mut self, body: &RequestBody) {
        // Calls, and typed data the operator allow-listed without waiaas decoding it
        // (orders on a venue), are what DeFi actions are made of.
        let calls = match body {
            RequestBody::ContractCall { .. }
            | RequestBody::SignTypedData {
                unrecognised: Some(_),
                ..
            } => true,
            RequestBody::Batch { instructions } => instructions
                .iter()
                .any(|i| matches!(i, RequestBody::ContractCall { .. })),
            _ => false,
        };
        let defi: Vec<PolicyType> = [
            PolicyType::VenueWhitelist,
            PolicyType::LendingLtvLimit,
            PolicyType::LendingAssetWhitelist,
            PolicyType::PerpMaxLeverage,
            PolicyType::PerpMaxPositionUsd,
            PolicyType::PerpAllowedMarkets,
            PolicyType::ActionCategoryLimit,
        ]
        .into_iter()
        .filter(|t| self.resolved.contains_key(t))
        .collect();
        if calls && let Some(first) = defi.first() {
            self.raise(Tier::Approval, Some(ApprovalReason::ActionCategory));
            self.warn(
                Some(*first),
                codes::ACTION_UNDESCRIBED,
                format!("a contract call without an action descriptor cannot be judged by {first}; the owner must approve (or the host's action provider must describe it)"),
            );
        }
    }

    fn fee(&mut self, fee: waiaas_core::policy::FeeBound) {
        if let Some(ceiling) = fee.ceiling
            && fee.max > ceiling
        {
            let info = self.network.info();
            self.deny(
                None,
                codes::FEE_TOO_HIGH,
                format!(
                    "the network fee can reach {} {} (`{}` base units), above this network's ceiling of {} {}; lower the gas limit, fee cap or priority fee",
                    fee.max.to_human(info.native_decimals),
                    info.native_symbol,
                    fee.max,
                    ceiling.to_human(info.native_decimals),
                    info.native_symbol
                ),
                None,
            );
        }
        if !fee.max.is_zero() {
            self.move_native(fee.max);
        }
    }

    fn reputation(&mut self, score: Option<u8>) {
        if let Some((
            _,
            &Rules::ReputationThreshold {
                min_score,
                below_threshold_tier,
                unrated_tier,
            },
        )) = self.rules(PolicyType::ReputationThreshold)
        {
            match score {
                None => self.raise(unrated_tier, Some(ApprovalReason::Reputation)),
                Some(s) if s < min_score => {
                    self.raise(below_threshold_tier, Some(ApprovalReason::Reputation));
                }
                Some(_) => {}
            }
        }
    }

    fn global_checks(&mut self) {
        if let Some((_, Rules::AllowedNetworks { networks })) =
            self.rules(PolicyType::AllowedNetworks)
            && !networks.contains(&self.network)
        {
            let list: Vec<&str> = networks.iter().map(|n| n.as_str()).collect();
            self.deny(
                Some(PolicyType::AllowedNetworks),
                codes::NETWORK_NOT_ALLOWED,
                format!(
                    "network `{}` is not in ALLOWED_NETWORKS ({}); add it to the policy to use it",
                    self.network,
                    list.join(", ")
                ),
                None,
            );
        }
        if let Some((_, Rules::TimeRestriction(t))) = self.rules(PolicyType::TimeRestriction) {
            let t = t.clone();
            match jiff::Timestamp::from_second(self.now) {
                Ok(ts) => {
                    let z = ts.to_zoned(t.timezone.clone());
                    let hour = u8::try_from(z.hour()).unwrap_or(u8::MAX);
                    let day = u8::try_from(z.weekday().to_sunday_zero_offset()).unwrap_or(u8::MAX);
                    let hour_ok = t.hours.is_none_or(|(s, e)| {
                        if s < e {
                            hour >= s && hour < e
                        } else {
                            hour >= s || hour < e
                        }
                    });
                    let day_ok = t.days.as_ref().is_none_or(|d| d.contains(&day));
                    if !hour_ok || !day_ok {
                        self.deny(
                            Some(PolicyType::TimeRestriction),
                            codes::OUTSIDE_ALLOWED_TIME,
                            format!(
                                "it is {} (day {day}, hour {hour}) in `{}`, outside TIME_RESTRICTION's allowed hours and days; retry inside them or change the policy",
                                z.strftime("%Y-%m-%d %H:%M"),
                                t.timezone_name
                            ),
                            None,
                        );
                    }
                }
                Err(_) => self.deny(
                    Some(PolicyType::TimeRestriction),
                    codes::OUTSIDE_ALLOWED_TIME,
                    format!("time `{}` is out of range", self.now),
                    None,
                ),
            }
        }
        if let Some((
            _,
            &Rules::RateLimit {
                max_requests,
                window_seconds,
            },
        )) = self.rules(PolicyType::RateLimit)
            && let Some(w) = self.window(window_seconds, PolicyType::RateLimit)
            && w.requests >= max_requests
        {
            let n = w.requests;
            self.deny(
                Some(PolicyType::RateLimit),
                codes::RATE_LIMIT_EXCEEDED,
                format!(
                    "{n} requests were admitted in the last {window_seconds} s and RATE_LIMIT allows {max_requests}; wait or raise the limit"
                ),
                None,
            );
        }
        // Unrated unless a trusted descriptor rates the counterparty; a score the agent
        // reports itself can only make it stricter.
        self.reputation(self.req.action.as_ref().and_then(|a| a.counterparty_score));
        if let Some(score) = self
            .req
            .claimed_action
            .as_ref()
            .map(|a| a.counterparty_score)
        {
            self.reputation(score);
        }
    }

    fn whitelist(&mut self, to: Address, idx: Option<u32>) {
        if let Some((_, Rules::Whitelist { addresses })) = self.rules(PolicyType::Whitelist)
            && !addresses.contains(&to)
        {
            self.deny(
                Some(PolicyType::Whitelist),
                codes::WHITELIST_DENIED,
                format!("recipient `{to}` is not in WHITELIST; add it to the policy to pay it"),
                idx,
            );
        }
    }

    /// Checks the token against ALLOWED_TOKENS and returns its asset id and trusted
    /// decimals (see [`TokenRef`]): the operator's entry, the chain's, or on Solana the
    /// decimals the signed `…Checked` instruction states (the token program enforces
    /// them). Any two sources that disagree deny `TOKEN_DECIMALS_MISMATCH`.
    fn token(&mut self, token: &TokenRef, idx: Option<u32>) -> Option<(String, Option<u8>)> {
        let addr = self.addr(&token.address, "token.address", idx)?;
        let asset_id = token_asset_id(self.network, &addr.to_string());
        let chain = self.chain;
        let mut operator = None;
        match self.rules(PolicyType::AllowedTokens) {
            Some((_, Rules::AllowedTokens { tokens })) => {
                match allowed_token(tokens, &addr, &asset_id, chain) {
                    Some(e) => operator = e.decimals,
                    None => self.deny(
                        Some(PolicyType::AllowedTokens),
                        codes::TOKEN_NOT_ALLOWED,
                        format!("token `{addr}` is not in ALLOWED_TOKENS; add it to the policy to move it"),
                        idx,
                    ),
                }
            }
            _ => self.deny_missing(
                PolicyType::AllowedTokens,
                codes::TOKEN_NOT_ALLOWED,
                format!("no ALLOWED_TOKENS policy applies, so token `{addr}` cannot move; create one that lists it"),
                idx,
            ),
        }
        let decimals = self.decimals(&addr, token, operator, idx);
        Some((asset_id, decimals))
    }

    /// The token's trusted decimals: the operator's, else the chain's, else on Solana
    /// those the signed `…Checked` instruction states (the token program enforces them).
    /// Any two sources that disagree deny `TOKEN_DECIMALS_MISMATCH`.
    fn decimals(
        &mut self,
        addr: &Address,
        token: &TokenRef,
        operator: Option<u8>,
        idx: Option<u32>,
    ) -> Option<u8> {
        let enforced = if self.chain == Chain::Solana {
            token.decimals
        } else {
            None
        };
        let sources = [
            ("ALLOWED_TOKENS", operator),
            ("the chain", token.chain_decimals),
            ("the request", token.decimals),
        ];
        let mut known = sources.iter().filter_map(|(s, d)| d.map(|d| (*s, d)));
        if let Some((first, d)) = known.next()
            && let Some((other, e)) = known.find(|(_, e)| *e != d)
        {
            self.deny(
                Some(PolicyType::AllowedTokens),
                codes::TOKEN_DECIMALS_MISMATCH,
                format!("token `{addr}` has {d} decimals by {first} but {e} by {other}; amounts are converted with the trusted decimals only, so state the token's real decimals (or none)"),
                idx,
            );
        }
        operator.or(token.chain_decimals).or(enforced)
    }

    /// The CONTRACT_WHITELIST entry of `addr` on this chain.
    fn contract_entry(&self, addr: &Address) -> Option<&crate::rules::AddressEntry> {
        let chain = self.chain;
        match self.resolved.get(&PolicyType::ContractWhitelist) {
            Some(r) => match r.rules.as_ref() {
                Ok(Rules::ContractWhitelist { contracts }) => contracts
                    .iter()
                    .find(|e| e.address == *addr && e.chain.is_none_or(|c| c == chain)),
                _ => None,
            },
            None => None,
        }
    }

    fn contract(&mut self, addr: Address, idx: Option<u32>) {
        match self.rules(PolicyType::ContractWhitelist) {
            Some((_, Rules::ContractWhitelist { .. })) => {
                if self.contract_entry(&addr).is_none() {
                    self.deny(
                        Some(PolicyType::ContractWhitelist),
                        codes::CONTRACT_NOT_WHITELISTED,
                        format!("contract `{addr}` is not in CONTRACT_WHITELIST; add it to the policy to call it"),
                        idx,
                    );
                }
            }
            _ => self.deny_missing(
                PolicyType::ContractWhitelist,
                codes::CONTRACT_NOT_WHITELISTED,
                format!("no CONTRACT_WHITELIST policy applies, so contract `{addr}` cannot be called; create one that lists it"),
                idx,
            ),
        }
    }

    fn move_native(&mut self, amount: Amount) {
        let info = self.network.info();
        self.moves.push(Move {
            asset_id: native_asset_id(self.network),
            amount,
            decimals: Some(info.native_decimals),
            native: true,
        });
    }

    fn permission(&mut self, p: Permission, idx: Option<u32>) {
        if !self.req.permissions.contains(&p) {
            self.deny(
                None,
                codes::PERMISSION_DENIED,
                format!(
                    "the session lacks permission `{}`; grant it when creating the session",
                    p.as_str()
                ),
                idx,
            );
        }
    }

    fn leg(&mut self, body: &RequestBody, idx: Option<u32>) {
        match body {
            RequestBody::Transfer { to, amount } => {
                self.needs_spending_limit = true;
                if let Some(to) = self.addr(to, "to", idx) {
                    self.whitelist(to, idx);
                }
                self.move_native(*amount);
            }
            RequestBody::TokenTransfer { to, amount, token } => {
                self.needs_spending_limit = true;
                if let Some(to) = self.addr(to, "to", idx) {
                    self.whitelist(to, idx);
                }
                if let Some((asset_id, decimals)) = self.token(token, idx) {
                    self.moves.push(Move {
                        asset_id,
                        amount: *amount,
                        decimals,
                        native: false,
                    });
                }
            }
            RequestBody::ContractCall {
                contract,
                selector,
                value,
                opaque,
            } => {
                let selector = match selector {
                    Some(s) => match parse_selector(s) {
                        Ok(b) => Some(b),
                        Err(e) => {
                            self.deny(None, codes::INVALID_SELECTOR, e, idx);
                            return;
                        }
                    },
                    None => None,
                };
                if let Some(addr) = self.addr(contract, "contract", idx) {
                    self.contract(addr, idx);
                    if *opaque {
                        let listed = selector.as_ref().is_some_and(|s| {
                            self.contract_entry(&addr)
                                .is_some_and(|e| e.opaque_selectors.contains(s))
                        });
                        if !listed {
                            let shown = selector
                                .as_ref()
                                .map_or_else(String::new, |s| selector_hex(s));
                            self.deny(
                                Some(PolicyType::ContractWhitelist),
                                codes::OPAQUE_CALL_NOT_ALLOWED,
                                format!("call `{shown}` on `{addr}` runs other calls that waiaas cannot judge; list the selector in the contract's CONTRACT_WHITELIST `opaque_selectors` to accept it unjudged"),
                                idx,
                            );
                        }
                    }
                    if let Some((_, Rules::MethodWhitelist { methods })) =
                        self.rules(PolicyType::MethodWhitelist)
                        && let Some(entry) = methods.iter().find(|m| m.contract == addr)
                        && !selector
                            .as_ref()
                            .is_some_and(|s| entry.selectors.contains(s))
                    {
                        let shown = selector.as_ref().map_or_else(
                            || "a call without selector".to_owned(),
                            |s| format!("selector `{}`", selector_hex(s)),
                        );
                        self.deny(
                            Some(PolicyType::MethodWhitelist),
                            codes::METHOD_NOT_WHITELISTED,
                            format!("{shown} is not allowed on contract `{addr}` by METHOD_WHITELIST; add it to the policy"),
                            idx,
                        );
                    }
                }
                if let Some(v) = value.filter(|v| !v.is_zero()) {
                    self.needs_spending_limit = true;
                    self.move_native(v);
                }
            }
            RequestBody::Approve {
                spender,
                amount,
                token,
                unlimited,
                increase,
            } => {
                self.approve(spender, *amount, token, *unlimited, idx);
                if *increase {
                    // Repeated increments could build any total: the owner decides,
                    // whatever APPROVE_TIER_OVERRIDE says.
                    self.raise(Tier::Approval, Some(ApprovalReason::Approve));
                    self.warn(
                        None,
                        codes::ALLOWANCE_TOTAL_UNKNOWN,
                        format!("the allowance of `{spender}` grows by `{amount}` on top of an amount the request does not state; the owner must approve"),
                    );
                }
            }
            RequestBody::NftTransfer { to, contract, .. } => {
                if let Some(to) = self.addr(to, "to", idx) {
                    self.whitelist(to, idx);
                }
                if let Some(c) = self.addr(contract, "contract", idx) {
                    self.contract(c, idx);
                }
                self.raise(Tier::Approval, Some(ApprovalReason::NftTransfer));
            }
            RequestBody::SignMessage { erc8128 } => {
                self.permission(Permission::SignMessage, idx);
                if let Some(e) = erc8128 {
                    self.spend.erc8128 = true;
                    self.erc8128(&e.domain);
                }
            }
            RequestBody::SignTypedData { legs, unrecognised } => {
                self.permission(Permission::SignTypedData, idx);
                for (i, leg) in legs.iter().enumerate() {
                    let at = u32::try_from(i).ok();
                    match leg {
                        RequestBody::Approve { .. } | RequestBody::TokenTransfer { .. } => {
                            self.leg(leg, at);
                        }
                        other => self.deny(
                            None,
                            codes::INVALID_REQUEST,
                            format!("typed data cannot carry `{}`", other.kind()),
                            at,
                        ),
                    }
                }
                if let Some(kind) = unrecognised {
                    self.typed_data(kind, idx);
                }
            }
            RequestBody::Refused { contract, reason } => self.deny(
                None,
                codes::INSTRUCTION_REFUSED,
                format!(
                    "an instruction of `{contract}` {reason}; waiaas never signs it for an agent"
                ),
                idx,
            ),
            RequestBody::X402Payment {
                domain,
                pay_to,
                amount,
                token,
            } => {
                self.needs_spending_limit = true;
                match parse_domain(domain) {
                    Ok(d) => match self.rules(PolicyType::X402AllowedDomains) {
                        Some((_, Rules::X402AllowedDomains { domains })) => {
                            if !domains.iter().any(|p| p.0.matches(&d)) {
                                self.deny(
                                    Some(PolicyType::X402AllowedDomains),
                                    codes::X402_DOMAIN_NOT_ALLOWED,
                                    format!("x402 payments to `{d}` are not allowed; add the domain to X402_ALLOWED_DOMAINS"),
                                    idx,
                                );
                            }
                        }
                        _ => self.deny_missing(
                            PolicyType::X402AllowedDomains,
                            codes::X402_DOMAIN_NOT_ALLOWED,
                            format!("no X402_ALLOWED_DOMAINS policy applies, so x402 payments to `{d}` are not allowed; create one"),
                            idx,
                        ),
                    },
                    Err(e) => self.deny(None, codes::INVALID_DOMAIN, e, idx),
                }
                self.addr(pay_to, "payTo", idx);
                match token {
                    Some(t) => {
                        if let Some((asset_id, decimals)) = self.token(t, idx) {
                            self.moves.push(Move {
                                asset_id,
                                amount: *amount,
                                decimals,
                                native: false,
                            });
                        }
                    }
                    None => self.move_native(*amount),
                }
            }
            RequestBody::ContractDeploy { value } => {
                self.raise(Tier::Approval, Some(ApprovalReason::ContractDeploy));
                if let Some(v) = value.filter(|v| !v.is_zero()) {
                    self.needs_spending_limit = true;
                    self.move_native(v);
                }
            }
            RequestBody::Batch { .. } => self.deny(
                None,
                codes::INVALID_REQUEST,
                "batches cannot be nested".to_owned(),
                idx,
            ),
        }
    }

    fn erc8128(&mut self, domain: &str) {
        let d = match parse_domain(domain) {
            Ok(d) => d,
            Err(e) => {
                self.deny(None, codes::INVALID_DOMAIN, e, None);
                return;
            }
        };
        match self.rules(PolicyType::Erc8128AllowedDomains) {
            Some((_, Rules::Erc8128AllowedDomains { domains, rate_limit_rpm })) => {
                let allowed = domains.iter().any(|p| p.0.matches(&d));
                let rpm = *rate_limit_rpm;
                if !allowed {
                    self.deny(
                        Some(PolicyType::Erc8128AllowedDomains),
                        codes::ERC8128_DOMAIN_NOT_ALLOWED,
                        format!("signed requests to `{d}` are not allowed; add the domain to ERC8128_ALLOWED_DOMAINS"),
                        None,
                    );
                }
                if let Some(rpm) = rpm
                    && let Some(w) = self.window(ERC8128_WINDOW, PolicyType::Erc8128AllowedDomains)
                    && w.erc8128_requests >= rpm
                {
                    self.deny(
                        Some(PolicyType::Erc8128AllowedDomains),
                        codes::ERC8128_RATE_LIMIT_EXCEEDED,
                        format!("{rpm} signed requests per minute reached; wait or raise `rate_limit_rpm`"),
                        None,
                    );
                }
            }
            _ => self.deny_missing(
                PolicyType::Erc8128AllowedDomains,
                codes::ERC8128_DOMAIN_NOT_ALLOWED,
                format!("no ERC8128_ALLOWED_DOMAINS policy applies, so signed requests to `{d}` are not allowed; create one"),
                None,
            ),
        }
    }

    /// Typed data of a primary type waiaas does not decode: allowed only when the
    /// verifying contract's CONTRACT_WHITELIST entry (on this chain) lists the type.
    fn typed_data(&mut self, kind: &waiaas_core::policy::TypedDataKind, idx: Option<u32>) {
        let listed = kind
            .verifying_contract
            .as_deref()
            .and_then(|c| parse_address(self.chain, c).ok())
            .is_some_and(|addr| {
                self.contract_entry(&addr)
                    .is_some_and(|e| e.typed_data.contains(&kind.primary_type))
            });
        if !listed {
            let contract = kind.verifying_contract.as_deref().unwrap_or("none");
            self.deny(
                Some(PolicyType::ContractWhitelist),
                codes::TYPED_DATA_NOT_ALLOWED,
                format!(
                    "typed data `{}` verified by `{contract}` is not a type waiaas decodes; list it in that contract's CONTRACT_WHITELIST `typed_data` to allow signing it",
                    kind.primary_type
                ),
                idx,
            );
        }
    }

    fn approve(
        &mut self,
        spender: &str,
        amount: Amount,
        token: &TokenRef,
        flagged_unlimited: bool,
        idx: Option<u32>,
    ) {
        let spender = self.addr(spender, "spender", idx);
        // An allowance in base units is judged as such, but the decimals it was
        // converted with (or states) must still be the token's.
        if let Some(addr) = self.addr(&token.address, "token.address", idx) {
            let operator = entry_decimals(&self.resolved, &addr, self.network);
            self.decimals(&addr, token, operator, idx);
            // Spender caps are base units of whatever token is approved: where the
            // operator keeps a token allow-list, only its tokens can be approved.
            if let Some((_, Rules::AllowedTokens { .. })) = self.rules(PolicyType::AllowedTokens)
                && token_entry(&self.resolved, &addr, self.network).is_none()
            {
                self.deny(
                    Some(PolicyType::AllowedTokens),
                    codes::TOKEN_NOT_ALLOWED,
                    format!("token `{addr}` is not in ALLOWED_TOKENS, so it cannot be approved; add it to the policy"),
                    idx,
                );
            }
        }
        let half = match self.chain {
            Chain::Ethereum => {
                Amount::from_u256(U256::from_limbs([0, 0, 0, 0x8000_0000_0000_0000]))
            }
            Chain::Solana => Amount::from_u64(0x8000_0000_0000_0000),
        };
        if self.chain == Chain::Solana && amount.to_u64().is_none() {
            self.deny(
                None,
                codes::INVALID_AMOUNT,
                format!("approval amount `{amount}` exceeds an SPL token's u64 range"),
                idx,
            );
        }
        let unlimited = flagged_unlimited || amount >= half;
        let (block_unlimited, max) = match self.rules(PolicyType::ApproveAmountLimit) {
            Some((
                _,
                Rules::ApproveAmountLimit {
                    max_amount,
                    block_unlimited,
                },
            )) => (*block_unlimited, *max_amount),
            _ => (true, None),
        };
        if unlimited && block_unlimited {
            self.deny(
                Some(PolicyType::ApproveAmountLimit),
                codes::UNLIMITED_APPROVE_BLOCKED,
                format!("approval of `{amount}` is unlimited (at least half the type's maximum); approve the exact amount needed"),
                idx,
            );
        }
        if let Some(max) = max
            && amount > max
        {
            self.deny(
                Some(PolicyType::ApproveAmountLimit),
                codes::APPROVE_AMOUNT_EXCEEDED,
                format!("approval of `{amount}` exceeds APPROVE_AMOUNT_LIMIT `max_amount` `{max}`; approve less"),
                idx,
            );
        }
        if let Some(spender) = spender {
            let chain = self.chain;
            match self.rules(PolicyType::ApprovedSpenders) {
                Some((_, Rules::ApprovedSpenders { spenders })) => {
                    match spenders
                        .iter()
                        .find(|e| e.address == spender && e.chain.is_none_or(|c| c == chain))
                    {
                        Some(e) => {
                            if let Some(max) = e.max_amount
                                && amount > max
                            {
                                self.deny(
                                    Some(PolicyType::ApprovedSpenders),
                                    codes::APPROVE_AMOUNT_EXCEEDED,
                                    format!("approval of `{amount}` exceeds the `max_amount` `{max}` of spender `{spender}`; approve less"),
                                    idx,
                                );
                            }
                        }
                        None => self.deny(
                            Some(PolicyType::ApprovedSpenders),
                            codes::SPENDER_NOT_APPROVED,
                            format!("spender `{spender}` is not in APPROVED_SPENDERS; add it to the policy"),
                            idx,
                        ),
                    }
                }
                _ => self.deny_missing(
                    PolicyType::ApprovedSpenders,
                    codes::SPENDER_NOT_APPROVED,
                    format!("no APPROVED_SPENDERS policy applies, so `{spender}` cannot be approved; create one that lists it"),
                    idx,
                ),
            }
        }
        match self.rules(PolicyType::ApproveTierOverride) {
            Some((_, &Rules::ApproveTierOverride { tier })) => {
                self.raise(tier, Some(ApprovalReason::Approve));
            }
            _ => self.raise(Tier::Approval, Some(ApprovalReason::Approve)),
        }
    }

    fn spending(&mut self) {
        // Aggregate per asset (a batch is judged on its totals, so splitting a payment
        // into small instructions gains nothing).
        let mut totals: BTreeMap<String, (Amount, Option<u8>, bool)> = BTreeMap::new();
        for m in std::mem::take(&mut self.moves) {
            let entry =
                totals
                    .entry(m.asset_id.clone())
                    .or_insert((Amount::ZERO, m.decimals, m.native));
            if entry.1 != m.decimals {
                self.deny(
                    None,
                    codes::INVALID_REQUEST,
                    format!(
                        "asset `{}` is given with decimals {:?} and {:?}; use one",
                        m.asset_id, entry.1, m.decimals
                    ),
                    None,
                );
            }
            match entry.0.checked_add(m.amount) {
                Some(sum) => entry.0 = sum,
                None => {
                    entry.0 = Amount::MAX;
                    self.reasons.push(Reason {
                        policy_id: None,
                        policy_type: None,
                        code: codes::INVALID_AMOUNT.to_owned(),
                        message: format!("amounts of `{}` overflow when added", m.asset_id),
                        instruction: None,
                    });
                }
            }
        }
        // Known USD value of everything moved (recorded even without USD rules, so a
        // cap added later counts past spending).
        let mut usd_total = Usd::ZERO;
        let mut unpriced: Vec<String> = Vec::new();
        for (asset, (amount, decimals, _)) in &totals {
            match self
                .prices
                .fresh(asset, self.now)
                .and_then(|q| Usd::value_of(*amount, (*decimals)?, q.usd))
            {
                Some(v) => usd_total = usd_total.saturating_add(v),
                None => unpriced.push(asset.clone()),
            }
        }
        if !totals.is_empty() {
            // USD of the priced assets; none at all when nothing could be priced.
            self.spend.usd = (unpriced.len() < totals.len()).then_some(usd_total);
            self.spend.assets = totals.iter().map(|(k, v)| (k.clone(), v.0)).collect();
        }
        if !self.needs_spending_limit && totals.is_empty() {
            return;
        }
        let sl = match self.rules(PolicyType::SpendingLimit) {
            Some((_, Rules::SpendingLimit(s))) => s.clone(),
            _ => {
                self.deny_missing(
                    PolicyType::SpendingLimit,
                    codes::NO_POLICY,
                    format!(
                        "`{}` moves value and needs a SPENDING_LIMIT policy; create one",
                        self.req.body.kind()
                    ),
                    None,
                );
                return;
            }
        };
        // Per-transaction ladders judge this request plus what is still in flight, so
        // queued or concurrent requests cannot split one payment into small ones.
        let Some(in_flight) = self.ledger.in_flight.clone() else {
            self.deny(
                Some(PolicyType::SpendingLimit),
                codes::LEDGER_UNAVAILABLE,
                "the in-flight totals of the ledger were not provided; the decision cannot be made safely".to_owned(),
                None,
            );
            return;
        };
        let usd_rules =
            sl.usd.is_present() || sl.daily_limit_usd.is_some() || sl.monthly_limit_usd.is_some();
        for (asset, (amount, decimals, native)) in &totals {
            let pending = in_flight.assets.get(asset).copied().unwrap_or_default();
            let effective = amount.checked_add(pending).unwrap_or(Amount::MAX);
            let mut covered = usd_rules;
            if *native && sl.native.is_present() {
                covered = true;
                if let Some(t) = sl.native.tier(effective) {
                    self.raise(t, Some(ApprovalReason::PerTx));
                }
            }
            if let Some(t) = self.token_limit_tier(&sl, asset, effective, *decimals, *native) {
                covered = true;
                if let Some(t) = t {
                    self.raise(t, Some(ApprovalReason::PerTx));
                }
            }
            if !covered {
                self.deny(
                    Some(PolicyType::SpendingLimit),
                    codes::SPENDING_LIMIT_NOT_COVERED,
                    format!("no SPENDING_LIMIT limit covers asset `{asset}`; add `token_limits` for it or USD limits"),
                    None,
                );
            }
        }
        if !usd_rules {
            return;
        }
        if !unpriced.is_empty() {
            self.raise(Tier::Approval, Some(ApprovalReason::UnknownPrice));
            self.warn(
                Some(PolicyType::SpendingLimit),
                codes::PRICE_UNAVAILABLE,
                format!(
                    "no fresh USD price for {}; the owner must approve",
                    unpriced.join(", ")
                ),
            );
            return;
        }
        if let Some(t) = sl.usd.tier(usd_total.saturating_add(in_flight.usd)) {
            self.raise(t, Some(ApprovalReason::PerTx));
        }
        for (limit, w, why, over, near, name) in [
            (
                sl.daily_limit_usd,
                DAILY_WINDOW,
                ApprovalReason::CumulativeDaily,
                codes::DAILY_LIMIT_EXCEEDED,
                codes::DAILY_LIMIT_WARNING,
                "daily",
            ),
            (
                sl.monthly_limit_usd,
                MONTHLY_WINDOW,
                ApprovalReason::CumulativeMonthly,
                codes::MONTHLY_LIMIT_EXCEEDED,
                codes::MONTHLY_LIMIT_WARNING,
                "monthly",
            ),
        ] {
            let Some(limit) = limit else { continue };
            let Some(win) = self.window(w, PolicyType::SpendingLimit) else {
                continue;
            };
            let projected = win.usd.saturating_add(usd_total);
            if projected > limit {
                self.raise(Tier::Approval, Some(why));
                self.warn(
                    Some(PolicyType::SpendingLimit),
                    over,
                    format!("{name} spending would reach {projected} USD, above the {limit} USD cap; the owner must approve"),
                );
            } else if at_80_percent(projected, limit) {
                self.warn(
                    Some(PolicyType::SpendingLimit),
                    near,
                    format!("{name} spending reaches {projected} of {limit} USD (80 % or more)"),
                );
            }
        }
    }

    /// `Some(tier)` when a `token_limits` entry covers `asset` (`Some(None)` never
    /// happens: a matched entry always has a rung); `None` when none matches.
    fn token_limit_tier(
        &mut self,
        sl: &SpendingLimit,
        asset: &str,
        amount: Amount,
        decimals: Option<u8>,
        native: bool,
    ) -> Option<Option<Tier>> {
        // Human-unit limits need trusted decimals: without them no entry matches, and
        // the asset is judged unpriced.
        let decimals = decimals?;
        let network = self.network;
        let chain = self.chain;
        let rank = |k: &AssetKey| -> Option<u8> {
            match k {
                AssetKey::Caip19(id) => (!native && id == asset).then_some(0),
                AssetKey::NativeNetwork(n) => (native && *n == network).then_some(1),
                AssetKey::NativeChain(c) => (native && *c == chain).then_some(2),
                AssetKey::Native => native.then_some(3),
            }
        };
        let tl = sl
            .token_limits
            .iter()
            .filter_map(|t| rank(&t.key.0).map(|r| (r, t)))
            .min_by_key(|(r, _)| *r)
            .map(|(_, t)| t)?;
        let mut rungs: [Option<Amount>; 3] = [None, None, None];
        for (slot, text) in rungs.iter_mut().zip(&tl.text) {
            if let Some(text) = text {
                match Amount::parse_human(text, decimals) {
                    Ok(a) => *slot = Some(a),
                    Err(e) => {
                        self.deny(
                            Some(PolicyType::SpendingLimit),
                            codes::TOKEN_LIMIT_INVALID,
                            format!(
                                "token_limits.`{}` value `{text}` does not fit {decimals} decimals ({e}); fix the policy",
                                tl.key.as_string()
                            ),
                            None,
                        );
                        return Some(None);
                    }
                }
            }
        }
        let [instant, notify, delay] = rungs;
        Some(
            crate::rules::Ladder {
                instant,
                notify,
                delay,
            }
            .tier(amount),
        )
    }

    fn actions(&mut self, a: &waiaas_core::policy::ActionDescriptor) {
        let category = a.category.as_ref().map(|c| c.to_lowercase());
        if let (Some(c), Some(n)) = (&category, a.notional_usd)
            && self.spend.category.is_none()
        {
            self.spend.category = Some(c.clone());
            self.spend.category_usd = Some(n);
        }
        let missing = |ev: &mut Self, t: PolicyType, field: &str| {
            ev.deny(
                Some(t),
                codes::ACTION_FIELD_MISSING,
                format!("{t} needs the action's `{field}`; the caller must describe it"),
                None,
            );
        };
        if let Some((_, Rules::VenueWhitelist { venues })) = self.rules(PolicyType::VenueWhitelist)
        {
            let venues = venues.clone();
            match &a.venue {
                None => missing(self, PolicyType::VenueWhitelist, "venue"),
                Some(v) if !venues.contains(&v.to_lowercase()) => self.deny(
                    Some(PolicyType::VenueWhitelist),
                    codes::VENUE_NOT_ALLOWED,
                    format!("venue `{v}` is not in VENUE_WHITELIST; add it to the policy"),
                    None,
                ),
                Some(_) => {}
            }
        }
        match category.as_deref() {
            Some("lending") => self.lending(a, &missing),
            Some("perp") => self.perp(a, &missing),
            _ => {}
        }
        if let Some((_, Rules::ActionCategoryLimit(c))) =
            self.rules(PolicyType::ActionCategoryLimit)
            && category.as_deref() == Some(c.category.as_str())
        {
            let c = c.clone();
            let mut exceeded: Vec<String> = Vec::new();
            match a.notional_usd {
                None => exceeded.push("the action has no `notional_usd`".to_owned()),
                Some(n) => {
                    if let Some(max) = c.per_action_limit_usd
                        && n > max
                    {
                        exceeded.push(format!("{n} USD is above the per-action {max} USD"));
                    }
                    for (limit, w, name) in [
                        (c.daily_limit_usd, DAILY_WINDOW, "daily"),
                        (c.monthly_limit_usd, MONTHLY_WINDOW, "monthly"),
                    ] {
                        let Some(limit) = limit else { continue };
                        let Some(win) = self.window(w, PolicyType::ActionCategoryLimit) else {
                            continue;
                        };
                        let so_far = win
                            .category_usd
                            .get(&c.category)
                            .copied()
                            .unwrap_or_default();
                        let projected = so_far.saturating_add(n);
                        if projected > limit {
                            exceeded.push(format!(
                                "{name} `{}` total would be {projected} USD, above {limit} USD",
                                c.category
                            ));
                        }
                    }
                }
            }
            if !exceeded.is_empty() {
                let text = exceeded.join("; ");
                match c.tier_on_exceed {
                    Some(t) => {
                        self.raise(t, Some(ApprovalReason::ActionCategory));
                        self.warn(
                            Some(PolicyType::ActionCategoryLimit),
                            codes::ACTION_CATEGORY_LIMIT_ESCALATED,
                            format!("{text}; tier raised to {t}"),
                        );
                    }
                    None => self.deny(
                        Some(PolicyType::ActionCategoryLimit),
                        codes::ACTION_CATEGORY_LIMIT_EXCEEDED,
                        format!("{text}; lower the size or raise the ACTION_CATEGORY_LIMIT"),
                        None,
                    ),
                }
            }
        }
    }

    fn lending(
        &mut self,
        a: &waiaas_core::policy::ActionDescriptor,
        missing: &dyn Fn(&mut Self, PolicyType, &str),
    ) {
        if let Some((
            _,
            &Rules::LendingLtvLimit {
                max_ltv,
                warning_ltv,
            },
        )) = self.rules(PolicyType::LendingLtvLimit)
        {
            match a.projected_ltv {
                None => missing(self, PolicyType::LendingLtvLimit, "projected_ltv"),
                Some(ltv) if ltv > max_ltv => self.deny(
                    Some(PolicyType::LendingLtvLimit),
                    codes::LENDING_LTV_EXCEEDED,
                    format!("projected LTV {ltv} is above `max_ltv` {max_ltv}; borrow less or add collateral"),
                    None,
                ),
                Some(ltv) if ltv >= warning_ltv => {
                    self.raise(Tier::Delay, None);
                    self.warn(
                        Some(PolicyType::LendingLtvLimit),
                        codes::LENDING_LTV_WARNING,
                        format!("projected LTV {ltv} is at or above `warning_ltv` {warning_ltv}; delayed"),
                    );
                }
                Some(_) => {}
            }
        }
        if let Some((_, Rules::LendingAssetWhitelist { assets })) =
            self.rules(PolicyType::LendingAssetWhitelist)
        {
            let assets = assets.clone();
            match &a.asset {
                None => missing(self, PolicyType::LendingAssetWhitelist, "asset"),
                Some(x) if !assets.contains(&x.to_lowercase()) => self.deny(
                    Some(PolicyType::LendingAssetWhitelist),
                    codes::LENDING_ASSET_NOT_ALLOWED,
                    format!("lending asset `{x}` is not in LENDING_ASSET_WHITELIST; add it to the policy"),
                    None,
                ),
                Some(_) => {}
            }
        }
    }

    fn perp(
        &mut self,
        a: &waiaas_core::policy::ActionDescriptor,
        missing: &dyn Fn(&mut Self, PolicyType, &str),
    ) {
        if let Some((
            _,
            &Rules::PerpMaxLeverage {
                max_leverage,
                warning_leverage,
            },
        )) = self.rules(PolicyType::PerpMaxLeverage)
        {
            match a.leverage {
                None => missing(self, PolicyType::PerpMaxLeverage, "leverage"),
                Some(l) if l > max_leverage => self.deny(
                    Some(PolicyType::PerpMaxLeverage),
                    codes::PERP_LEVERAGE_EXCEEDED,
                    format!("leverage {l} is above `max_leverage` {max_leverage}; lower it"),
                    None,
                ),
                Some(l) if warning_leverage.is_some_and(|w| l >= w) => {
                    self.raise(Tier::Delay, None);
                    self.warn(
                        Some(PolicyType::PerpMaxLeverage),
                        codes::PERP_LEVERAGE_WARNING,
                        format!("leverage {l} is at or above `warning_leverage`; delayed"),
                    );
                }
                Some(_) => {}
            }
        }
        if let Some((
            _,
            &Rules::PerpMaxPositionUsd {
                max_position_usd,
                warning_position_usd,
            },
        )) = self.rules(PolicyType::PerpMaxPositionUsd)
        {
            match a.notional_usd {
                None => missing(self, PolicyType::PerpMaxPositionUsd, "notional_usd"),
                Some(n) if n > max_position_usd => self.deny(
                    Some(PolicyType::PerpMaxPositionUsd),
                    codes::PERP_POSITION_EXCEEDED,
                    format!("position of {n} USD is above `max_position_usd` {max_position_usd}; reduce it"),
                    None,
                ),
                Some(n) if warning_position_usd.is_some_and(|w| n >= w) => {
                    self.raise(Tier::Delay, None);
                    self.warn(
                        Some(PolicyType::PerpMaxPositionUsd),
                        codes::PERP_POSITION_WARNING,
                        format!("position of {n} USD is at or above `warning_position_usd`; delayed"),
                    );
                }
                Some(_) => {}
            }
        }
        if let Some((_, Rules::PerpAllowedMarkets { markets })) =
            self.rules(PolicyType::PerpAllowedMarkets)
        {
            let markets = markets.clone();
            match &a.market {
                None => missing(self, PolicyType::PerpAllowedMarkets, "market"),
                Some(m) if !markets.contains(&m.to_lowercase()) => self.deny(
                    Some(PolicyType::PerpAllowedMarkets),
                    codes::PERP_MARKET_NOT_ALLOWED,
                    format!("market `{m}` is not in PERP_ALLOWED_MARKETS; add it to the policy"),
                    None,
                ),
                Some(_) => {}
            }
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
