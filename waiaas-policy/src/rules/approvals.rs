//! APPROVE_AMOUNT_LIMIT and APPROVE_TIER_OVERRIDE (APPROVED_SPENDERS is an address
//! list, in `addresses`).

use serde::Deserialize;
use serde_json::{Map, Value, json};
use waiaas_core::{Amount, Tier, ValidationError};

use super::Rules;
use super::read::{as_base_units, as_bool, as_tier, object, opt, required};

/// The keys of APPROVE_AMOUNT_LIMIT rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveAmountLimitJson {
    max_amount: Option<Value>,
    block_unlimited: Option<Value>,
}

/// The keys of APPROVE_TIER_OVERRIDE rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveTierOverrideJson {
    tier: Option<Value>,
}

/// Parses and validates APPROVE_AMOUNT_LIMIT rules (`block_unlimited` defaults to true).
pub(super) fn parse_amount_limit(v: &Value) -> Result<Rules, ValidationError> {
    let o: ApproveAmountLimitJson = object(v, "rules")?;
    Ok(Rules::ApproveAmountLimit {
        max_amount: opt(o.max_amount.as_ref(), "rules", "max_amount", as_base_units)?,
        block_unlimited: opt(
            o.block_unlimited.as_ref(),
            "rules",
            "block_unlimited",
            as_bool,
        )?
        .unwrap_or(true),
    })
}

/// Parses and validates APPROVE_TIER_OVERRIDE rules.
pub(super) fn parse_tier_override(v: &Value) -> Result<Rules, ValidationError> {
    let o: ApproveTierOverrideJson = object(v, "rules")?;
    let (v, p) = required(o.tier.as_ref(), "rules", "tier")?;
    Ok(Rules::ApproveTierOverride {
        tier: as_tier(v, &p)?,
    })
}

/// The canonical JSON of APPROVE_AMOUNT_LIMIT rules.
pub(super) fn amount_limit_json(max_amount: Option<Amount>, block_unlimited: bool) -> Value {
    let mut m = Map::new();
    if let Some(a) = max_amount {
        m.insert("max_amount".into(), Value::String(a.to_string()));
    }
    m.insert("block_unlimited".into(), Value::Bool(block_unlimited));
    Value::Object(m)
}

/// The canonical JSON of APPROVE_TIER_OVERRIDE rules.
pub(super) fn tier_override_json(tier: Tier) -> Value {
    json!({ "tier": tier.as_str() })
}
