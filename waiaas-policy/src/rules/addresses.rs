//! The address lists: WHITELIST (recipients), ALLOWED_TOKENS, CONTRACT_WHITELIST,
//! METHOD_WHITELIST and APPROVED_SPENDERS.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use waiaas_core::{Address, Chain, ValidationError};

use super::read::{
    as_address, as_array, as_base_units, as_chain, as_str, as_u64, err, object, opt, required,
    selector_set,
};
use super::{MAX_TOKEN_DECIMALS, Rules};
use crate::matching::{AssetKey, selector_hex};

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
    pub max_amount: Option<waiaas_core::Amount>,
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

impl AddressEntry {
    fn new(address: Address, chain: Option<Chain>) -> Self {
        Self {
            address,
            chain,
            asset_id: None,
            max_amount: None,
            decimals: None,
            opaque_selectors: BTreeSet::new(),
            typed_data: BTreeSet::new(),
            label: None,
        }
    }
}

/// A METHOD_WHITELIST entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodEntry {
    /// The contract.
    pub contract: Address,
    /// Allowed selectors (raw bytes).
    pub selectors: BTreeSet<Vec<u8>>,
}

/// The keys of WHITELIST rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WhitelistJson {
    allowed_addresses: Option<Value>,
}

/// The keys of ALLOWED_TOKENS rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowedTokensJson {
    tokens: Option<Value>,
}

/// The keys of one ALLOWED_TOKENS entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntryJson {
    address: Option<Value>,
    chain: Option<Value>,
    symbol: Option<Value>,
    asset_id: Option<Value>,
    decimals: Option<Value>,
}

/// The keys of CONTRACT_WHITELIST rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractWhitelistJson {
    contracts: Option<Value>,
}

/// The keys of one CONTRACT_WHITELIST entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractEntryJson {
    address: Option<Value>,
    chain: Option<Value>,
    name: Option<Value>,
    opaque_selectors: Option<Value>,
    typed_data: Option<Value>,
}

/// The keys of METHOD_WHITELIST rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MethodWhitelistJson {
    methods: Option<Value>,
}

/// The keys of one METHOD_WHITELIST entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MethodEntryJson {
    contract_address: Option<Value>,
    selectors: Option<Value>,
}

/// The keys of APPROVED_SPENDERS rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovedSpendersJson {
    spenders: Option<Value>,
}

/// The keys of one APPROVED_SPENDERS entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpenderEntryJson {
    address: Option<Value>,
    chain: Option<Value>,
    name: Option<Value>,
    max_amount: Option<Value>,
}

/// A non-empty list at `path`, each entry parsed by `f` with its own path.
fn entries<T>(
    v: &Value,
    path: &str,
    f: impl Fn(&Value, &str) -> Result<T, ValidationError>,
) -> Result<Vec<T>, ValidationError> {
    let arr = as_array(v, path)?;
    if arr.is_empty() {
        return Err(err(path, "must list at least one entry"));
    }
    arr.iter()
        .enumerate()
        .map(|(i, item)| f(item, &format!("{path}[{i}]")))
        .collect()
}

/// `chain` then `address` (parsed for that chain when one is given).
fn located(
    address: Option<&Value>,
    chain: Option<&Value>,
    p: &str,
) -> Result<AddressEntry, ValidationError> {
    let chain = opt(chain, p, "chain", as_chain)?;
    let (av, ap) = required(address, p, "address")?;
    Ok(AddressEntry::new(as_address(av, &ap, chain)?, chain))
}

fn label(
    v: Option<&Value>,
    p: &str,
    name: &'static str,
) -> Result<Option<(&'static str, String)>, ValidationError> {
    Ok(opt(v, p, name, |v, p| as_str(v, p).map(str::to_owned))?.map(|l| (name, l)))
}

/// Parses and validates WHITELIST rules.
pub(super) fn parse_whitelist(v: &Value) -> Result<Rules, ValidationError> {
    let o: WhitelistJson = object(v, "rules")?;
    let (v, p) = required(o.allowed_addresses.as_ref(), "rules", "allowed_addresses")?;
    let arr = as_array(v, &p)?;
    if arr.is_empty() {
        return Err(err(&p, "must list at least one address"));
    }
    let addresses = arr
        .iter()
        .enumerate()
        .map(|(i, a)| as_address(a, &format!("{p}[{i}]"), None))
        .collect::<Result<_, _>>()?;
    Ok(Rules::Whitelist { addresses })
}

/// Parses and validates ALLOWED_TOKENS rules.
pub(super) fn parse_allowed_tokens(v: &Value) -> Result<Rules, ValidationError> {
    let o: AllowedTokensJson = object(v, "rules")?;
    let (v, p) = required(o.tokens.as_ref(), "rules", "tokens")?;
    let tokens = entries(v, &p, |item, p| {
        let e: TokenEntryJson = object(item, p)?;
        let mut entry = located(e.address.as_ref(), e.chain.as_ref(), p)?;
        entry.asset_id = opt(e.asset_id.as_ref(), p, "asset_id", |v, p| {
            let s = as_str(v, p)?;
            match AssetKey::parse(s).map_err(|e| err(p, e))? {
                AssetKey::Caip19(id) => Ok(id),
                _ => Err(err(p, "must be a CAIP-19 token id")),
            }
        })?;
        entry.decimals = opt(e.decimals.as_ref(), p, "decimals", |v, p| {
            u8::try_from(as_u64(v, p)?)
                .ok()
                .filter(|d| *d <= MAX_TOKEN_DECIMALS)
                .ok_or_else(|| err(p, format!("must be 0 to {MAX_TOKEN_DECIMALS}")))
        })?;
        if entry.decimals.is_none() && matches!(entry.address, Address::Evm(_)) {
            return Err(err(
                &format!("{p}.decimals"),
                "is required for an EVM token (the token's `decimals()`); amounts and prices are converted with it, never with the request's",
            ));
        }
        entry.label = label(e.symbol.as_ref(), p, "symbol")?;
        Ok(entry)
    })?;
    Ok(Rules::AllowedTokens { tokens })
}

/// Parses and validates CONTRACT_WHITELIST rules.
pub(super) fn parse_contract_whitelist(v: &Value) -> Result<Rules, ValidationError> {
    let o: ContractWhitelistJson = object(v, "rules")?;
    let (v, p) = required(o.contracts.as_ref(), "rules", "contracts")?;
    let contracts = entries(v, &p, |item, p| {
        let e: ContractEntryJson = object(item, p)?;
        let mut entry = located(e.address.as_ref(), e.chain.as_ref(), p)?;
        entry.opaque_selectors = opt(
            e.opaque_selectors.as_ref(),
            p,
            "opaque_selectors",
            |v, p| selector_set(as_array(v, p)?, p),
        )?
        .unwrap_or_default();
        entry.typed_data =
            opt(e.typed_data.as_ref(), p, "typed_data", typed_data_names)?.unwrap_or_default();
        entry.label = label(e.name.as_ref(), p, "name")?;
        Ok(entry)
    })?;
    Ok(Rules::ContractWhitelist { contracts })
}

/// EIP-712 primary type names (`Order`): 1 to 64 ASCII letters, digits or `_`.
fn typed_data_names(v: &Value, p: &str) -> Result<BTreeSet<String>, ValidationError> {
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
        .collect()
}

/// Parses and validates METHOD_WHITELIST rules.
pub(super) fn parse_method_whitelist(v: &Value) -> Result<Rules, ValidationError> {
    let o: MethodWhitelistJson = object(v, "rules")?;
    let (v, p) = required(o.methods.as_ref(), "rules", "methods")?;
    let arr = as_array(v, &p)?;
    if arr.is_empty() {
        return Err(err(&p, "must list at least one contract"));
    }
    let mut methods = Vec::with_capacity(arr.len());
    for (i, item) in arr.iter().enumerate() {
        let ip = format!("{p}[{i}]");
        let m: MethodEntryJson = object(item, &ip)?;
        let (cv, cp) = required(m.contract_address.as_ref(), &ip, "contract_address")?;
        let contract = as_address(cv, &cp, None)?;
        let (sv, sp) = required(m.selectors.as_ref(), &ip, "selectors")?;
        let sels = as_array(sv, &sp)?;
        if sels.is_empty() {
            return Err(err(
                &sp,
                "must list at least one selector such as `0xa9059cbb`",
            ));
        }
        methods.push(MethodEntry {
            contract,
            selectors: selector_set(sels, &sp)?,
        });
    }
    Ok(Rules::MethodWhitelist { methods })
}

/// Parses and validates APPROVED_SPENDERS rules.
pub(super) fn parse_approved_spenders(v: &Value) -> Result<Rules, ValidationError> {
    let o: ApprovedSpendersJson = object(v, "rules")?;
    let (v, p) = required(o.spenders.as_ref(), "rules", "spenders")?;
    let spenders = entries(v, &p, |item, p| {
        let e: SpenderEntryJson = object(item, p)?;
        let mut entry = located(e.address.as_ref(), e.chain.as_ref(), p)?;
        entry.max_amount = opt(e.max_amount.as_ref(), p, "max_amount", as_base_units)?;
        entry.label = label(e.name.as_ref(), p, "name")?;
        Ok(entry)
    })?;
    Ok(Rules::ApprovedSpenders { spenders })
}

/// The canonical JSON of an address list (`max_amount` only for APPROVED_SPENDERS).
pub(super) fn entries_json(list: &[AddressEntry], with_max_amount: bool) -> Value {
    Value::Array(
        list.iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("address".into(), Value::String(e.address.to_string()));
                if let Some(c) = e.chain {
                    m.insert("chain".into(), Value::String(c.as_str().into()));
                }
                if let Some(id) = &e.asset_id {
                    m.insert("asset_id".into(), Value::String(id.clone()));
                }
                if let Some((k, l)) = &e.label {
                    m.insert((*k).into(), Value::String(l.clone()));
                }
                if let (true, Some(max)) = (with_max_amount, e.max_amount) {
                    m.insert("max_amount".into(), Value::String(max.to_string()));
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

/// The canonical JSON of WHITELIST rules.
pub(super) fn whitelist_json(addresses: &[Address]) -> Value {
    json!({ "allowed_addresses": addresses.iter().map(ToString::to_string).collect::<Vec<_>>() })
}

/// The canonical JSON of METHOD_WHITELIST rules.
pub(super) fn methods_json(methods: &[MethodEntry]) -> Value {
    json!({
        "methods": methods.iter().map(|m| json!({
            "contract_address": m.contract.to_string(),
            "selectors": m.selectors.iter().map(|s| selector_hex(s)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()
    })
}
