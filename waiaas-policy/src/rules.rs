//! Typed rules of the 21 policy types, parsed and validated once (when a policy is
//! created, updated or loaded), never per decision.
//!
//! Rules JSON uses snake_case field names; the camelCase spelling of each field is
//! accepted too (`maxAmount` for `max_amount`). Unknown fields are refused, so a typo
//! can never silently drop a limit. [`Rules::to_json`] writes the canonical snake_case
//! form that is stored.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use waiaas_core::{Address, Amount, Chain, Network, PolicyType, Tier, Usd, ValidationError};

use crate::matching::{AssetKey, DomainPattern, parse_any_address, parse_selector, selector_hex};

/// Longest rolling window a rule may use (365 days).
pub const MAX_WINDOW_SECONDS: u64 = 31_536_000;
/// Default DELAY window of SPENDING_LIMIT.
pub const DEFAULT_DELAY_SECONDS: u64 = 900;
/// Shortest DELAY window.
pub const MIN_DELAY_SECONDS: u64 = 60;
/// Most entries one list may hold.
const MAX_LIST: usize = 1_000;
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

/// One `token_limits` entry (human units, converted with the token's decimals when a
/// request is judged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenLimit {
    /// Which asset.
    pub key: AssetKeyPublic,
    /// Human-unit strings as written (e.g. `"1.5"`).
    pub ladder: Ladder<Usd>,
    /// The same values as written, for exact conversion to base units.
    pub text: [Option<String>; 3],
}

/// A `token_limits` key as parsed (public view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetKeyPublic(pub(crate) AssetKey);

impl AssetKeyPublic {
    /// The canonical key string.
    #[must_use]
    pub fn as_string(&self) -> String {
        self.0.as_string()
    }
}

/// SPENDING_LIMIT rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendingLimit {
    /// Native base-unit ladder.
    pub native: Ladder<Amount>,
    /// USD ladder (on the request's total USD value).
    pub usd: Ladder<Usd>,
    /// Per-asset human-unit ladders.
    pub token_limits: Vec<TokenLimit>,
    /// DELAY window in seconds.
    pub delay_seconds: u64,
    /// Rolling 24 h USD cap.
    pub daily_limit_usd: Option<Usd>,
    /// Rolling 30 day USD cap.
    pub monthly_limit_usd: Option<Usd>,
    /// Seconds the owner has to approve.
    pub approval_timeout: Option<u64>,
}

/// An address entry with an optional chain restriction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressEntry {
    /// The address (EVM by value, Solana exact).
    pub address: Address,
    /// When set, the entry applies on this chain only.
    pub chain: Option<Chain>,
    /// CAIP-19 id (ALLOWED_TOKENS only).
    pub asset_id: Option<String>,
    /// Per-entry maximum (APPROVED_SPENDERS only).
    pub max_amount: Option<Amount>,
    /// The token's decimals (ALLOWED_TOKENS only; required for EVM tokens): the trusted
    /// source that converts amounts and prices, never the request.
    pub decimals: Option<u8>,
    /// Selectors of calls on this contract that wrap other calls waiaas does not decode,
    /// accepted without decoding (CONTRACT_WHITELIST only).
    pub opaque_selectors: BTreeSet<Vec<u8>>,
    /// EIP-712 primary types this contract may verify that waiaas does not decode,
    /// accepted on the session's SIGN_TYPED_DATA permission (CONTRACT_WHITELIST only).
    pub typed_data: BTreeSet<String>,
    /// Informational `name` or `symbol`, kept as given.
    pub label: Option<(&'static str, String)>,
}

/// A METHOD_WHITELIST entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodEntry {
    /// The contract.
    pub contract: Address,
    /// Allowed selectors (raw bytes).
    pub selectors: BTreeSet<Vec<u8>>,
}

/// TIME_RESTRICTION rules.
#[derive(Debug, Clone)]
pub struct TimeRestriction {
    /// `(start, end)` hours: allowed when `start <= hour < end`, or across midnight
    /// (`start > end`) when `hour >= start || hour < end`.
    pub hours: Option<(u8, u8)>,
    /// Allowed weekdays, 0 = Sunday … 6 = Saturday.
    pub days: Option<BTreeSet<u8>>,
    /// IANA zone name.
    pub timezone_name: String,
    /// The zone (from the bundled database).
    pub timezone: jiff::tz::TimeZone,
}

impl PartialEq for TimeRestriction {
    fn eq(&self, other: &Self) -> bool {
        self.hours == other.hours
            && self.days == other.days
            && self.timezone_name == other.timezone_name
    }
}

/// ACTION_CATEGORY_LIMIT rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryLimit {
    /// Category (lowercase).
    pub category: String,
    /// Per-action notional cap.
    pub per_action_limit_usd: Option<Usd>,
    /// Rolling 24 h cap.
    pub daily_limit_usd: Option<Usd>,
    /// Rolling 30 day cap.
    pub monthly_limit_usd: Option<Usd>,
    /// Tier on exceeding; `None` = deny.
    pub tier_on_exceed: Option<Tier>,
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

/// Reads one rules object: snake_case or camelCase keys, unknown keys refused.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
    known: Vec<&'static str>,
}

fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.push(c.to_ascii_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn err(field: &str, reason: impl Into<String>) -> ValidationError {
    ValidationError::field(field, reason)
}

impl<'a> Obj<'a> {
    fn new(v: &'a Value, path: &str) -> Result<Self, ValidationError> {
        match v {
            Value::Object(map) => Ok(Self {
                map,
                path: path.to_owned(),
                known: Vec::new(),
            }),
            _ => Err(err(path, "must be a JSON object")),
        }
    }

    fn field_path(&self, name: &str) -> String {
        format!("{}.{name}", self.path)
    }

    fn get(&mut self, name: &'static str) -> Result<Option<(&'a Value, String)>, ValidationError> {
        self.known.push(name);
        let snake = self.map.get(name);
        let camel_name = camel(name);
        let camel_v = if camel_name == name {
            None
        } else {
            self.map.get(&camel_name)
        };
        match (snake, camel_v) {
            (Some(_), Some(_)) => Err(err(
                &self.field_path(name),
                format!("given twice (as `{name}` and `{camel_name}`); keep one"),
            )),
            (Some(v), None) | (None, Some(v)) if v.is_null() => Ok(None),
            (Some(v), None) | (None, Some(v)) => Ok(Some((v, self.field_path(name)))),
            (None, None) => Ok(None),
        }
    }

    fn require(&mut self, name: &'static str) -> Result<(&'a Value, String), ValidationError> {
        let path = self.field_path(name);
        self.get(name)?.ok_or_else(|| err(&path, "is required"))
    }

    /// Refuses keys that are neither a known snake_case name nor its camelCase form.
    fn finish(self) -> Result<(), ValidationError> {
        for key in self.map.keys() {
            let ok = self
                .known
                .iter()
                .any(|k| *k == key.as_str() || camel(k) == *key);
            if !ok {
                return Err(err(
                    &self.field_path(key),
                    format!("`{key}` is not a field of this rule; check the spelling"),
                ));
            }
        }
        Ok(())
    }
}

fn as_str<'v>(v: &'v Value, path: &str) -> Result<&'v str, ValidationError> {
    v.as_str().ok_or_else(|| err(path, "must be a string"))
}

fn as_u64(v: &Value, path: &str) -> Result<u64, ValidationError> {
    v.as_u64()
        .ok_or_else(|| err(path, "must be a non-negative whole number"))
}

fn as_bool(v: &Value, path: &str) -> Result<bool, ValidationError> {
    v.as_bool()
        .ok_or_else(|| err(path, "must be true or false"))
}

fn as_array<'v>(v: &'v Value, path: &str) -> Result<&'v Vec<Value>, ValidationError> {
    let a = v.as_array().ok_or_else(|| err(path, "must be a list"))?;
    if a.len() > MAX_LIST {
        return Err(err(path, format!("holds more than {MAX_LIST} entries")));
    }
    Ok(a)
}

fn as_base_units(v: &Value, path: &str) -> Result<Amount, ValidationError> {
    let s = as_str(v, path).map_err(|_| {
        err(
            path,
            "must be a string of base-unit digits such as \"1000000\"",
        )
    })?;
    Amount::parse_base_units(s).map_err(|e| err(path, e.to_string()))
}

fn as_usd(v: &Value, path: &str) -> Result<Usd, ValidationError> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(err(path, "must be a decimal such as \"10.50\"")),
    };
    Usd::parse(&text).map_err(|e| err(path, e.to_string()))
}

fn as_tier(v: &Value, path: &str) -> Result<Tier, ValidationError> {
    as_str(v, path)?
        .parse()
        .map_err(|_| err(path, "must be INSTANT, NOTIFY, DELAY or APPROVAL"))
}

fn as_chain(v: &Value, path: &str) -> Result<Chain, ValidationError> {
    as_str(v, path)?
        .parse()
        .map_err(|_| err(path, "must be `solana` or `ethereum`"))
}

fn as_address(v: &Value, path: &str, chain: Option<Chain>) -> Result<Address, ValidationError> {
    let s = as_str(v, path)?;
    let parsed = match chain {
        Some(c) => Address::parse(c, s),
        None => parse_any_address(s),
    };
    parsed.map_err(|e| err(path, e.to_string()))
}

fn nonempty_strings(v: &Value, path: &str) -> Result<BTreeSet<String>, ValidationError> {
    let mut out = BTreeSet::new();
    for (i, item) in as_array(v, path)?.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let s = as_str(item, &p)?;
        if s.is_empty() || s.trim() != s || s.chars().any(char::is_control) {
            return Err(err(
                &p,
                "must be non-empty, without surrounding spaces or control characters",
            ));
        }
        out.insert(s.to_lowercase());
    }
    if out.is_empty() {
        return Err(err(path, "must list at least one entry"));
    }
    Ok(out)
}

fn check_ladder<T: PartialOrd + Copy + std::fmt::Display>(
    ladder: &Ladder<T>,
    path: &str,
    names: [&str; 3],
) -> Result<(), ValidationError> {
    let rungs = [ladder.instant, ladder.notify, ladder.delay];
    let mut prev: Option<(T, &str)> = None;
    for (rung, name) in rungs.iter().zip(names) {
        if let Some(v) = rung {
            if let Some((p, pname)) = prev
                && p > *v
            {
                return Err(err(
                    &format!("{path}.{name}"),
                    format!("`{v}` is below `{pname}` (`{p}`); keep instant <= notify <= delay"),
                ));
            }
            prev = Some((*v, name));
        }
    }
    Ok(())
}

fn positive_usd(v: Usd, path: &str) -> Result<Usd, ValidationError> {
    if v == Usd::ZERO {
        return Err(err(path, "must be greater than zero"));
    }
    Ok(v)
}

fn opt<T>(
    o: &mut Obj<'_>,
    name: &'static str,
    f: impl Fn(&Value, &str) -> Result<T, ValidationError>,
) -> Result<Option<T>, ValidationError> {
    match o.get(name)? {
        Some((v, p)) => f(v, &p).map(Some),
        None => Ok(None),
    }
}

fn domains(v: &Value, path: &str) -> Result<Vec<DomainPatternPublic>, ValidationError> {
    let arr = as_array(v, path)?;
    if arr.is_empty() {
        return Err(err(path, "must list at least one domain"));
    }
    arr.iter()
        .enumerate()
        .map(|(i, d)| {
            let p = format!("{path}[{i}]");
            DomainPattern::parse(as_str(d, &p)?)
                .map(DomainPatternPublic)
                .map_err(|e| err(&p, e))
        })
        .collect()
}

/// A list of selectors (`0x` + hex), each error naming its index.
fn selector_set(list: &[Value], path: &str) -> Result<BTreeSet<Vec<u8>>, ValidationError> {
    list.iter()
        .enumerate()
        .map(|(j, s)| {
            let at = format!("{path}[{j}]");
            parse_selector(as_str(s, &at)?).map_err(|e| err(&at, e))
        })
        .collect()
}

fn address_entries(
    v: &Value,
    path: &str,
    addr_field: &'static str,
    extra: &[&'static str],
) -> Result<Vec<AddressEntry>, ValidationError> {
    let arr = as_array(v, path)?;
    if arr.is_empty() {
        return Err(err(path, "must list at least one entry"));
    }
    let mut out = Vec::with_capacity(arr.len());
    for (i, item) in arr.iter().enumerate() {
        let mut o = Obj::new(item, &format!("{path}[{i}]"))?;
        let chain = opt(&mut o, "chain", as_chain)?;
        let (av, ap) = o.require(addr_field)?;
        let address = as_address(av, &ap, chain)?;
        let asset_id = if extra.contains(&"asset_id") {
            opt(&mut o, "asset_id", |v, p| {
                let s = as_str(v, p)?;
                match AssetKey::parse(s).map_err(|e| err(p, e))? {
                    AssetKey::Caip19(id) => Ok(id),
                    _ => Err(err(p, "must be a CAIP-19 token id")),
                }
            })?
        } else {
            None
        };
        let max_amount = if extra.contains(&"max_amount") {
            opt(&mut o, "max_amount", as_base_units)?
        } else {
            None
        };
        let decimals = if extra.contains(&"decimals") {
            let d = opt(&mut o, "decimals", |v, p| {
                u8::try_from(as_u64(v, p)?)
                    .ok()
                    .filter(|d| *d <= MAX_TOKEN_DECIMALS)
                    .ok_or_else(|| err(p, format!("must be 0 to {MAX_TOKEN_DECIMALS}")))
            })?;
            if d.is_none() && matches!(address, Address::Evm(_)) {
                return Err(err(
                    &format!("{path}[{i}].decimals"),
                    "is required for an EVM token (the token's `decimals()`); amounts and prices are converted with it, never with the request's",
                ));
            }
            d
        } else {
            None
        };
        let (opaque_selectors, typed_data) = if extra.contains(&"opaque_selectors") {
            let opaque = opt(&mut o, "opaque_selectors", |v, p| {
                selector_set(as_array(v, p)?, p)
            })?;
            let typed = opt(&mut o, "typed_data", |v, p| {
                as_array(v, p)?
                    .iter()
                    .enumerate()
                    .map(|(j, s)| {
                        let path = format!("{p}[{j}]");
                        let name = as_str(s, &path)?;
                        if name.is_empty()
                            || name.len() > 64
                            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        {
                            return Err(err(
                                &path,
                                "must be an EIP-712 primary type name such as `Order`",
                            ));
                        }
                        Ok(name.to_owned())
                    })
                    .collect::<Result<BTreeSet<_>, _>>()
            })?;
            (opaque.unwrap_or_default(), typed.unwrap_or_default())
        } else {
            (BTreeSet::new(), BTreeSet::new())
        };
        let mut label = None;
        for name in extra {
            if (*name == "symbol" || *name == "name")
                && let Some(l) = opt(&mut o, name, |v, p| as_str(v, p).map(str::to_owned))?
            {
                label = Some((*name, l));
            }
        }
        o.finish()?;
        out.push(AddressEntry {
            address,
            chain,
            asset_id,
            max_amount,
            decimals,
            opaque_selectors,
            typed_data,
            label,
        });
    }
    Ok(out)
}

impl Rules {
    /// Parses and validates `rules` for `policy_type`.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` naming the offending field (`rules.instant_max`, …).
    pub fn parse(policy_type: PolicyType, rules: &Value) -> Result<Self, ValidationError> {
        let mut o = Obj::new(rules, "rules")?;
        let parsed = match policy_type {
            PolicyType::SpendingLimit => Self::SpendingLimit(parse_spending(&mut o)?),
            PolicyType::Whitelist => {
                let (v, p) = o.require("allowed_addresses")?;
                let arr = as_array(v, &p)?;
                if arr.is_empty() {
                    return Err(err(&p, "must list at least one address"));
                }
                let addresses = arr
                    .iter()
                    .enumerate()
                    .map(|(i, a)| as_address(a, &format!("{p}[{i}]"), None))
                    .collect::<Result<_, _>>()?;
                Self::Whitelist { addresses }
            }
            PolicyType::TimeRestriction => Self::TimeRestriction(parse_time(&mut o)?),
            PolicyType::RateLimit => {
                let (v, p) = o.require("max_requests")?;
                let max_requests = as_u64(v, &p)?;
                if max_requests == 0 {
                    return Err(err(&p, "must be at least 1"));
                }
                let (v, p) = o.require("window_seconds")?;
                let window_seconds = as_u64(v, &p)?;
                if window_seconds == 0 || window_seconds > MAX_WINDOW_SECONDS {
                    return Err(err(&p, format!("must be 1 to {MAX_WINDOW_SECONDS}")));
                }
                Self::RateLimit {
                    max_requests,
                    window_seconds,
                }
            }
            PolicyType::AllowedTokens => {
                let (v, p) = o.require("tokens")?;
                Self::AllowedTokens {
                    tokens: address_entries(v, &p, "address", &["symbol", "asset_id", "decimals"])?,
                }
            }
            PolicyType::ContractWhitelist => {
                let (v, p) = o.require("contracts")?;
                Self::ContractWhitelist {
                    contracts: address_entries(
                        v,
                        &p,
                        "address",
                        &["name", "opaque_selectors", "typed_data"],
                    )?,
                }
            }
            PolicyType::MethodWhitelist => {
                let (v, p) = o.require("methods")?;
                let arr = as_array(v, &p)?;
                if arr.is_empty() {
                    return Err(err(&p, "must list at least one contract"));
                }
                let mut methods = Vec::with_capacity(arr.len());
                for (i, item) in arr.iter().enumerate() {
                    let mut m = Obj::new(item, &format!("{p}[{i}]"))?;
                    let (cv, cp) = m.require("contract_address")?;
                    let contract = as_address(cv, &cp, None)?;
                    let (sv, sp) = m.require("selectors")?;
                    let sels = as_array(sv, &sp)?;
                    if sels.is_empty() {
                        return Err(err(
                            &sp,
                            "must list at least one selector such as `0xa9059cbb`",
                        ));
                    }
                    let selectors = selector_set(sels, &sp)?;
                    m.finish()?;
                    methods.push(MethodEntry {
                        contract,
                        selectors,
                    });
                }
                Self::MethodWhitelist { methods }
            }
            PolicyType::ApprovedSpenders => {
                let (v, p) = o.require("spenders")?;
                Self::ApprovedSpenders {
                    spenders: address_entries(v, &p, "address", &["name", "max_amount"])?,
                }
            }
            PolicyType::ApproveAmountLimit => Self::ApproveAmountLimit {
                max_amount: opt(&mut o, "max_amount", as_base_units)?,
                block_unlimited: opt(&mut o, "block_unlimited", as_bool)?.unwrap_or(true),
            },
            PolicyType::ApproveTierOverride => {
                let (v, p) = o.require("tier")?;
                Self::ApproveTierOverride {
                    tier: as_tier(v, &p)?,
                }
            }
            PolicyType::AllowedNetworks => {
                let (v, p) = o.require("networks")?;
                let arr = as_array(v, &p)?;
                if arr.is_empty() {
                    return Err(err(&p, "must list at least one network"));
                }
                let networks = arr
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        let path = format!("{p}[{i}]");
                        as_str(n, &path)?
                            .parse::<Network>()
                            .map_err(|e| err(&path, e.to_string()))
                    })
                    .collect::<Result<_, _>>()?;
                Self::AllowedNetworks { networks }
            }
            PolicyType::X402AllowedDomains => {
                let (v, p) = o.require("domains")?;
                Self::X402AllowedDomains {
                    domains: domains(v, &p)?,
                }
            }
            PolicyType::Erc8128AllowedDomains => {
                let (v, p) = o.require("domains")?;
                let domains = domains(v, &p)?;
                let rate_limit_rpm = opt(&mut o, "rate_limit_rpm", |v, p| {
                    let n = as_u64(v, p)?;
                    if n == 0 {
                        return Err(err(p, "must be at least 1"));
                    }
                    Ok(n)
                })?;
                Self::Erc8128AllowedDomains {
                    domains,
                    rate_limit_rpm,
                }
            }
            PolicyType::LendingLtvLimit => {
                let (v, p) = o.require("max_ltv")?;
                let max_ltv = positive_usd(as_usd(v, &p)?, &p)?;
                if max_ltv > Usd::from_u64(1) {
                    return Err(err(&p, "is a fraction; write `0.75` for 75 %"));
                }
                let (v, wp) = o.require("warning_ltv")?;
                let warning_ltv = as_usd(v, &wp)?;
                if warning_ltv > max_ltv {
                    return Err(err(&wp, "must not exceed `max_ltv`"));
                }
                Self::LendingLtvLimit {
                    max_ltv,
                    warning_ltv,
                }
            }
            PolicyType::LendingAssetWhitelist => {
                let (v, p) = o.require("assets")?;
                Self::LendingAssetWhitelist {
                    assets: nonempty_strings(v, &p)?,
                }
            }
            PolicyType::PerpMaxLeverage => {
                let (v, p) = o.require("max_leverage")?;
                let max_leverage = positive_usd(as_usd(v, &p)?, &p)?;
                let warning_leverage = opt(&mut o, "warning_leverage", as_usd)?;
                if warning_leverage.is_some_and(|w| w > max_leverage) {
                    return Err(err(
                        "rules.warning_leverage",
                        "must not exceed `max_leverage`",
                    ));
                }
                Self::PerpMaxLeverage {
                    max_leverage,
                    warning_leverage,
                }
            }
            PolicyType::PerpMaxPositionUsd => {
                let (v, p) = o.require("max_position_usd")?;
                let max_position_usd = positive_usd(as_usd(v, &p)?, &p)?;
                let warning_position_usd = opt(&mut o, "warning_position_usd", as_usd)?;
                if warning_position_usd.is_some_and(|w| w > max_position_usd) {
                    return Err(err(
                        "rules.warning_position_usd",
                        "must not exceed `max_position_usd`",
                    ));
                }
                Self::PerpMaxPositionUsd {
                    max_position_usd,
                    warning_position_usd,
                }
            }
            PolicyType::PerpAllowedMarkets => {
                let (v, p) = o.require("markets")?;
                Self::PerpAllowedMarkets {
                    markets: nonempty_strings(v, &p)?,
                }
            }
            PolicyType::VenueWhitelist => {
                let (v, p) = o.require("venues")?;
                Self::VenueWhitelist {
                    venues: nonempty_strings(v, &p)?,
                }
            }
            PolicyType::ActionCategoryLimit => {
                let (v, p) = o.require("category")?;
                let category = as_str(v, &p)?;
                if category.is_empty() || category.trim() != category {
                    return Err(err(&p, "must be a non-empty category name such as `perp`"));
                }
                let limit = CategoryLimit {
                    category: category.to_lowercase(),
                    per_action_limit_usd: opt(&mut o, "per_action_limit_usd", as_usd)?,
                    daily_limit_usd: opt(&mut o, "daily_limit_usd", |v, p| {
                        positive_usd(as_usd(v, p)?, p)
                    })?,
                    monthly_limit_usd: opt(&mut o, "monthly_limit_usd", |v, p| {
                        positive_usd(as_usd(v, p)?, p)
                    })?,
                    tier_on_exceed: opt(&mut o, "tier_on_exceed", as_tier)?,
                };
                if limit.per_action_limit_usd.is_none()
                    && limit.daily_limit_usd.is_none()
                    && limit.monthly_limit_usd.is_none()
                {
                    return Err(err(
                        "rules",
                        "set at least one of `per_action_limit_usd`, `daily_limit_usd`, `monthly_limit_usd`",
                    ));
                }
                Self::ActionCategoryLimit(limit)
            }
            PolicyType::ReputationThreshold => {
                let (v, p) = o.require("min_score")?;
                let min_score = as_u64(v, &p)?;
                let min_score = u8::try_from(min_score)
                    .ok()
                    .filter(|s| *s <= 100)
                    .ok_or_else(|| err(&p, "must be 0 to 100"))?;
                let (v, p) = o.require("below_threshold_tier")?;
                let below_threshold_tier = as_tier(v, &p)?;
                let (v, p) = o.require("unrated_tier")?;
                let unrated_tier = as_tier(v, &p)?;
                Self::ReputationThreshold {
                    min_score,
                    below_threshold_tier,
                    unrated_tier,
                }
            }
        };
        o.finish()?;
        Ok(parsed)
    }
}

fn parse_spending(o: &mut Obj<'_>) -> Result<SpendingLimit, ValidationError> {
    let native = Ladder {
        instant: opt(o, "instant_max", as_base_units)?,
        notify: opt(o, "notify_max", as_base_units)?,
        delay: opt(o, "delay_max", as_base_units)?,
    };
    check_ladder(&native, "rules", ["instant_max", "notify_max", "delay_max"])?;
    let usd = Ladder {
        instant: opt(o, "instant_max_usd", as_usd)?,
        notify: opt(o, "notify_max_usd", as_usd)?,
        delay: opt(o, "delay_max_usd", as_usd)?,
    };
    check_ladder(
        &usd,
        "rules",
        ["instant_max_usd", "notify_max_usd", "delay_max_usd"],
    )?;
    let mut token_limits = Vec::new();
    if let Some((v, p)) = o.get("token_limits")? {
        let map = v
            .as_object()
            .ok_or_else(|| err(&p, "must be an object keyed by asset"))?;
        for (key, entry) in map {
            let kp = format!("{p}.{key}");
            let asset = AssetKey::parse(key).map_err(|e| err(&kp, e))?;
            let mut e = Obj::new(entry, &kp)?;
            let mut text: [Option<String>; 3] = [None, None, None];
            let mut vals: [Option<Usd>; 3] = [None, None, None];
            for (i, name) in ["instant_max", "notify_max", "delay_max"]
                .into_iter()
                .enumerate()
            {
                if let Some((v, fp)) = e.get(name)? {
                    let t = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => {
                            return Err(err(
                                &fp,
                                "must be a decimal in token units such as \"1.5\"",
                            ));
                        }
                    };
                    let parsed = Usd::parse(&t).map_err(|x| err(&fp, x.to_string()))?;
                    if let (Some(slot_t), Some(slot_v)) = (text.get_mut(i), vals.get_mut(i)) {
                        *slot_t = Some(t);
                        *slot_v = Some(parsed);
                    }
                }
            }
            e.finish()?;
            let [a, b, c] = vals;
            let ladder = Ladder {
                instant: a,
                notify: b,
                delay: c,
            };
            if !ladder.is_present() {
                return Err(err(
                    &kp,
                    "set at least one of `instant_max`, `notify_max`, `delay_max`",
                ));
            }
            check_ladder(&ladder, &kp, ["instant_max", "notify_max", "delay_max"])?;
            // Native keys know their decimals: refuse values that cannot convert now
            // rather than denying every request later. (`native` may mean either chain:
            // it must fit the finer one, 18 decimals.)
            let native_decimals = match &asset {
                AssetKey::NativeNetwork(n) => Some(n.info().native_decimals),
                AssetKey::NativeChain(Chain::Solana) => Some(9),
                AssetKey::NativeChain(Chain::Ethereum) | AssetKey::Native => Some(18),
                AssetKey::Caip19(_) => None,
            };
            if let Some(d) = native_decimals {
                for (name, t) in ["instant_max", "notify_max", "delay_max"].iter().zip(&text) {
                    if let Some(t) = t {
                        Amount::parse_human(t, d)
                            .map_err(|e| err(&format!("{kp}.{name}"), e.to_string()))?;
                    }
                }
            }
            token_limits.push(TokenLimit {
                key: AssetKeyPublic(asset),
                ladder,
                text,
            });
        }
    }
    let delay_seconds = opt(o, "delay_seconds", as_u64)?.unwrap_or(DEFAULT_DELAY_SECONDS);
    if !(MIN_DELAY_SECONDS..=MAX_WINDOW_SECONDS).contains(&delay_seconds) {
        return Err(err(
            "rules.delay_seconds",
            format!("must be {MIN_DELAY_SECONDS} to {MAX_WINDOW_SECONDS} seconds"),
        ));
    }
    let daily_limit_usd = opt(o, "daily_limit_usd", |v, p| positive_usd(as_usd(v, p)?, p))?;
    let monthly_limit_usd = opt(o, "monthly_limit_usd", |v, p| {
        positive_usd(as_usd(v, p)?, p)
    })?;
    let approval_timeout = opt(o, "approval_timeout", |v, p| {
        let n = as_u64(v, p)?;
        if !(60..=MAX_WINDOW_SECONDS).contains(&n) {
            return Err(err(
                p,
                format!("must be 60 to {MAX_WINDOW_SECONDS} seconds"),
            ));
        }
        Ok(n)
    })?;
    if !native.is_present()
        && !usd.is_present()
        && token_limits.is_empty()
        && daily_limit_usd.is_none()
        && monthly_limit_usd.is_none()
    {
        return Err(err(
            "rules",
            "set at least one limit: `instant_max`/`notify_max`/`delay_max`, their `_usd` forms, `token_limits`, `daily_limit_usd` or `monthly_limit_usd`",
        ));
    }
    Ok(SpendingLimit {
        native,
        usd,
        token_limits,
        delay_seconds,
        daily_limit_usd,
        monthly_limit_usd,
        approval_timeout,
    })
}

fn parse_time(o: &mut Obj<'_>) -> Result<TimeRestriction, ValidationError> {
    let hours = match o.get("allowed_hours")? {
        Some((v, p)) => {
            let mut h = Obj::new(v, &p)?;
            let (sv, sp) = h.require("start")?;
            let start = as_u64(sv, &sp)?;
            if start > 23 {
                return Err(err(&sp, "must be 0 to 23"));
            }
            let (ev, ep) = h.require("end")?;
            let end = as_u64(ev, &ep)?;
            if !(1..=24).contains(&end) {
                return Err(err(&ep, "must be 1 to 24"));
            }
            if start == end {
                return Err(err(
                    &ep,
                    "equals `start`: the window would be empty; use 0 to 24 for all day",
                ));
            }
            h.finish()?;
            Some((
                u8::try_from(start).map_err(|_| err(&sp, "must be 0 to 23"))?,
                u8::try_from(end).map_err(|_| err(&ep, "must be 1 to 24"))?,
            ))
        }
        None => None,
    };
    let days = match o.get("allowed_days")? {
        Some((v, p)) => {
            let arr = as_array(v, &p)?;
            if arr.is_empty() {
                return Err(err(
                    &p,
                    "must list at least one day (0 = Sunday … 6 = Saturday)",
                ));
            }
            let mut set = BTreeSet::new();
            for (i, d) in arr.iter().enumerate() {
                let dp = format!("{p}[{i}]");
                let n = as_u64(d, &dp)?;
                let day = u8::try_from(n)
                    .ok()
                    .filter(|d| *d <= 6)
                    .ok_or_else(|| err(&dp, "must be 0 (Sunday) to 6 (Saturday)"))?;
                set.insert(day);
            }
            Some(set)
        }
        None => None,
    };
    if hours.is_none() && days.is_none() {
        return Err(err("rules", "set `allowed_hours`, `allowed_days` or both"));
    }
    let timezone_name = match o.get("timezone")? {
        Some((v, p)) => as_str(v, &p)?.to_owned(),
        None => "UTC".to_owned(),
    };
    let timezone = jiff::tz::TimeZone::get(&timezone_name).map_err(|_| {
        err(
            "rules.timezone",
            format!("`{timezone_name}` is not an IANA time zone such as `Europe/Berlin`"),
        )
    })?;
    Ok(TimeRestriction {
        hours,
        days,
        timezone_name,
        timezone,
    })
}

fn addr_json(a: &Address) -> Value {
    Value::String(a.to_string())
}

fn entries_json(list: &[AddressEntry], extra_key: Option<&str>) -> Value {
    Value::Array(
        list.iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("address".into(), addr_json(&e.address));
                if let Some(c) = e.chain {
                    m.insert("chain".into(), Value::String(c.as_str().into()));
                }
                if let Some(id) = &e.asset_id {
                    m.insert("asset_id".into(), Value::String(id.clone()));
                }
                if let Some((k, l)) = &e.label {
                    m.insert((*k).into(), Value::String(l.clone()));
                }
                if let (Some(k), Some(max)) = (extra_key, e.max_amount) {
                    m.insert(k.into(), Value::String(max.to_string()));
                }
                if let Some(d) = e.decimals {
                    m.insert("decimals".into(), Value::from(d));
                }
                if !e.opaque_selectors.is_empty() {
                    m.insert(
                        "opaque_selectors".into(),
                        e.opaque_selectors
                            .iter()
                            .map(|s| Value::String(selector_hex(s)))
                            .collect(),
                    );
                }
                if !e.typed_data.is_empty() {
                    m.insert(
                        "typed_data".into(),
                        e.typed_data.iter().cloned().map(Value::String).collect(),
                    );
                }
                Value::Object(m)
            })
            .collect(),
    )
}

fn ladder_json<T: std::fmt::Display>(m: &mut Map<String, Value>, l: &Ladder<T>, suffix: &str) {
    for (name, v) in [
        ("instant_max", &l.instant),
        ("notify_max", &l.notify),
        ("delay_max", &l.delay),
    ] {
        if let Some(v) = v {
            m.insert(format!("{name}{suffix}"), Value::String(v.to_string()));
        }
    }
}

fn domains_json(d: &[DomainPatternPublic]) -> Value {
    Value::Array(
        d.iter()
            .map(|p| {
                Value::String(match &p.0 {
                    DomainPattern::Exact(s) => s.clone(),
                    DomainPattern::Wildcard(s) => format!("*.{s}"),
                })
            })
            .collect(),
    )
}

impl Rules {
    /// The canonical snake_case JSON of these rules (what the store keeps).
    #[must_use]
    pub fn to_json(&self) -> Value {
        match self {
            Self::SpendingLimit(s) => {
                let mut m = Map::new();
                ladder_json(&mut m, &s.native, "");
                ladder_json(&mut m, &s.usd, "_usd");
                if !s.token_limits.is_empty() {
                    let mut t = Map::new();
                    for tl in &s.token_limits {
                        let mut e = Map::new();
                        for (name, v) in ["instant_max", "notify_max", "delay_max"]
                            .iter()
                            .zip(&tl.text)
                        {
                            if let Some(v) = v {
                                e.insert((*name).into(), Value::String(v.clone()));
                            }
                        }
                        t.insert(tl.key.as_string(), Value::Object(e));
                    }
                    m.insert("token_limits".into(), Value::Object(t));
                }
                m.insert("delay_seconds".into(), json!(s.delay_seconds));
                if let Some(v) = s.daily_limit_usd {
                    m.insert("daily_limit_usd".into(), Value::String(v.to_string()));
                }
                if let Some(v) = s.monthly_limit_usd {
                    m.insert("monthly_limit_usd".into(), Value::String(v.to_string()));
                }
                if let Some(v) = s.approval_timeout {
                    m.insert("approval_timeout".into(), json!(v));
                }
                Value::Object(m)
            }
            Self::Whitelist { addresses } => {
                json!({ "allowed_addresses": addresses.iter().map(addr_json).collect::<Vec<_>>() })
            }
            Self::TimeRestriction(t) => {
                let mut m = Map::new();
                if let Some((s, e)) = t.hours {
                    m.insert("allowed_hours".into(), json!({ "start": s, "end": e }));
                }
                if let Some(d) = &t.days {
                    m.insert("allowed_days".into(), json!(d));
                }
                m.insert("timezone".into(), Value::String(t.timezone_name.clone()));
                Value::Object(m)
            }
            Self::RateLimit {
                max_requests,
                window_seconds,
            } => json!({ "max_requests": max_requests, "window_seconds": window_seconds }),
            Self::AllowedTokens { tokens } => json!({ "tokens": entries_json(tokens, None) }),
            Self::ContractWhitelist { contracts } => {
                json!({ "contracts": entries_json(contracts, None) })
            }
            Self::MethodWhitelist { methods } => json!({
                "methods": methods.iter().map(|m| json!({
                    "contract_address": m.contract.to_string(),
                    "selectors": m.selectors.iter().map(|s| {
                        selector_hex(s)
                    }).collect::<Vec<_>>(),
                })).collect::<Vec<_>>()
            }),
            Self::ApprovedSpenders { spenders } => {
                json!({ "spenders": entries_json(spenders, Some("max_amount")) })
            }
            Self::ApproveAmountLimit {
                max_amount,
                block_unlimited,
            } => {
                let mut m = Map::new();
                if let Some(a) = max_amount {
                    m.insert("max_amount".into(), Value::String(a.to_string()));
                }
                m.insert("block_unlimited".into(), Value::Bool(*block_unlimited));
                Value::Object(m)
            }
            Self::ApproveTierOverride { tier } => json!({ "tier": tier.as_str() }),
            Self::AllowedNetworks { networks } => {
                json!({ "networks": networks.iter().map(|n| n.as_str()).collect::<Vec<_>>() })
            }
            Self::X402AllowedDomains { domains } => json!({ "domains": domains_json(domains) }),
            Self::Erc8128AllowedDomains {
                domains,
                rate_limit_rpm,
            } => {
                let mut m = Map::new();
                m.insert("domains".into(), domains_json(domains));
                if let Some(r) = rate_limit_rpm {
                    m.insert("rate_limit_rpm".into(), json!(r));
                }
                Value::Object(m)
            }
            Self::LendingLtvLimit {
                max_ltv,
                warning_ltv,
            } => json!({ "max_ltv": max_ltv.to_string(), "warning_ltv": warning_ltv.to_string() }),
            Self::LendingAssetWhitelist { assets } => json!({ "assets": assets }),
            Self::PerpMaxLeverage {
                max_leverage,
                warning_leverage,
            } => {
                let mut m = Map::new();
                m.insert(
                    "max_leverage".into(),
                    Value::String(max_leverage.to_string()),
                );
                if let Some(w) = warning_leverage {
                    m.insert("warning_leverage".into(), Value::String(w.to_string()));
                }
                Value::Object(m)
            }
            Self::PerpMaxPositionUsd {
                max_position_usd,
                warning_position_usd,
            } => {
                let mut m = Map::new();
                m.insert(
                    "max_position_usd".into(),
                    Value::String(max_position_usd.to_string()),
                );
                if let Some(w) = warning_position_usd {
                    m.insert("warning_position_usd".into(), Value::String(w.to_string()));
                }
                Value::Object(m)
            }
            Self::PerpAllowedMarkets { markets } => json!({ "markets": markets }),
            Self::VenueWhitelist { venues } => json!({ "venues": venues }),
            Self::ActionCategoryLimit(c) => {
                let mut m = Map::new();
                m.insert("category".into(), Value::String(c.category.clone()));
                for (k, v) in [
                    ("per_action_limit_usd", c.per_action_limit_usd),
                    ("daily_limit_usd", c.daily_limit_usd),
                    ("monthly_limit_usd", c.monthly_limit_usd),
                ] {
                    if let Some(v) = v {
                        m.insert(k.into(), Value::String(v.to_string()));
                    }
                }
                if let Some(t) = c.tier_on_exceed {
                    m.insert("tier_on_exceed".into(), Value::String(t.as_str().into()));
                }
                Value::Object(m)
            }
            Self::ReputationThreshold {
                min_score,
                below_threshold_tier,
                unrated_tier,
            } => json!({
                "min_score": min_score,
                "below_threshold_tier": below_threshold_tier.as_str(),
                "unrated_tier": unrated_tier.as_str(),
            }),
        }
    }
}
