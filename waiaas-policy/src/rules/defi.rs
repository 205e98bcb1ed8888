//! The rules that judge an `action` descriptor: LENDING_LTV_LIMIT,
//! LENDING_ASSET_WHITELIST, PERP_MAX_LEVERAGE, PERP_MAX_POSITION_USD,
//! PERP_ALLOWED_MARKETS, VENUE_WHITELIST, ACTION_CATEGORY_LIMIT and
//! REPUTATION_THRESHOLD.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use waiaas_core::{Tier, Usd, ValidationError};

use super::Rules;
use super::read::{
    as_positive_usd, as_str, as_tier, as_u64, as_usd, at, err, nonempty_strings, object, opt,
    positive_usd, required,
};

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

/// The keys of LENDING_LTV_LIMIT rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LendingLtvLimitJson {
    max_ltv: Option<Value>,
    warning_ltv: Option<Value>,
}

/// The keys of LENDING_ASSET_WHITELIST rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LendingAssetWhitelistJson {
    assets: Option<Value>,
}

/// The keys of PERP_MAX_LEVERAGE rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerpMaxLeverageJson {
    max_leverage: Option<Value>,
    warning_leverage: Option<Value>,
}

/// The keys of PERP_MAX_POSITION_USD rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerpMaxPositionUsdJson {
    max_position_usd: Option<Value>,
    warning_position_usd: Option<Value>,
}

/// The keys of PERP_ALLOWED_MARKETS rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerpAllowedMarketsJson {
    markets: Option<Value>,
}

/// The keys of VENUE_WHITELIST rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VenueWhitelistJson {
    venues: Option<Value>,
}

/// The keys of ACTION_CATEGORY_LIMIT rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionCategoryLimitJson {
    category: Option<Value>,
    per_action_limit_usd: Option<Value>,
    daily_limit_usd: Option<Value>,
    monthly_limit_usd: Option<Value>,
    tier_on_exceed: Option<Value>,
}

/// The keys of REPUTATION_THRESHOLD rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReputationThresholdJson {
    min_score: Option<Value>,
    below_threshold_tier: Option<Value>,
    unrated_tier: Option<Value>,
}

/// Parses and validates LENDING_LTV_LIMIT rules (fractions: `0.75` is 75 %).
pub(super) fn parse_lending_ltv(v: &Value) -> Result<Rules, ValidationError> {
    let o: LendingLtvLimitJson = object(v, "rules")?;
    let (v, p) = required(o.max_ltv.as_ref(), "rules", "max_ltv")?;
    let max_ltv = positive_usd(as_usd(v, &p)?, &p)?;
    if max_ltv > Usd::from_u64(1) {
        return Err(err(&p, "is a fraction; write `0.75` for 75 %"));
    }
    let (v, wp) = required(o.warning_ltv.as_ref(), "rules", "warning_ltv")?;
    let warning_ltv = as_usd(v, &wp)?;
    if warning_ltv > max_ltv {
        return Err(err(&wp, "must not exceed `max_ltv`"));
    }
    Ok(Rules::LendingLtvLimit {
        max_ltv,
        warning_ltv,
    })
}

/// Parses and validates LENDING_ASSET_WHITELIST rules.
pub(super) fn parse_lending_assets(v: &Value) -> Result<Rules, ValidationError> {
    let o: LendingAssetWhitelistJson = object(v, "rules")?;
    let (v, p) = required(o.assets.as_ref(), "rules", "assets")?;
    Ok(Rules::LendingAssetWhitelist {
        assets: nonempty_strings(v, &p)?,
    })
}

/// A positive maximum and an optional warning level not above it (the perp rules).
fn max_and_warning(
    max: Option<&Value>,
    warning: Option<&Value>,
    max_name: &str,
    warning_name: &str,
) -> Result<(Usd, Option<Usd>), ValidationError> {
    let (v, p) = required(max, "rules", max_name)?;
    let max = positive_usd(as_usd(v, &p)?, &p)?;
    let warning = opt(warning, "rules", warning_name, as_usd)?;
    if warning.is_some_and(|w| w > max) {
        return Err(err(
            &at("rules", warning_name),
            format!("must not exceed `{max_name}`"),
        ));
    }
    Ok((max, warning))
}

/// Parses and validates PERP_MAX_LEVERAGE rules.
pub(super) fn parse_perp_leverage(v: &Value) -> Result<Rules, ValidationError> {
    let o: PerpMaxLeverageJson = object(v, "rules")?;
    let (max_leverage, warning_leverage) = max_and_warning(
        o.max_leverage.as_ref(),
        o.warning_leverage.as_ref(),
        "max_leverage",
        "warning_leverage",
    )?;
    Ok(Rules::PerpMaxLeverage {
        max_leverage,
        warning_leverage,
    })
}

/// Parses and validates PERP_MAX_POSITION_USD rules.
pub(super) fn parse_perp_position(v: &Value) -> Result<Rules, ValidationError> {
    let o: PerpMaxPositionUsdJson = object(v, "rules")?;
    let (max_position_usd, warning_position_usd) = max_and_warning(
        o.max_position_usd.as_ref(),
        o.warning_position_usd.as_ref(),
        "max_position_usd",
        "warning_position_usd",
    )?;
    Ok(Rules::PerpMaxPositionUsd {
        max_position_usd,
        warning_position_usd,
    })
}

/// Parses and validates PERP_ALLOWED_MARKETS rules.
pub(super) fn parse_perp_markets(v: &Value) -> Result<Rules, ValidationError> {
    let o: PerpAllowedMarketsJson = object(v, "rules")?;
    let (v, p) = required(o.markets.as_ref(), "rules", "markets")?;
    Ok(Rules::PerpAllowedMarkets {
        markets: nonempty_strings(v, &p)?,
    })
}

/// Parses and validates VENUE_WHITELIST rules.
pub(super) fn parse_venues(v: &Value) -> Result<Rules, ValidationError> {
    let o: VenueWhitelistJson = object(v, "rules")?;
    let (v, p) = required(o.venues.as_ref(), "rules", "venues")?;
    Ok(Rules::VenueWhitelist {
        venues: nonempty_strings(v, &p)?,
    })
}

/// Parses and validates ACTION_CATEGORY_LIMIT rules.
pub(super) fn parse_category_limit(v: &Value) -> Result<CategoryLimit, ValidationError> {
    let o: ActionCategoryLimitJson = object(v, "rules")?;
    let (v, p) = required(o.category.as_ref(), "rules", "category")?;
    let category = as_str(v, &p)?;
    if category.is_empty() || category.trim() != category {
        return Err(err(&p, "must be a non-empty category name such as `perp`"));
    }
    let limit = CategoryLimit {
        category: category.to_lowercase(),
        per_action_limit_usd: opt(
            o.per_action_limit_usd.as_ref(),
            "rules",
            "per_action_limit_usd",
            as_usd,
        )?,
        daily_limit_usd: opt(
            o.daily_limit_usd.as_ref(),
            "rules",
            "daily_limit_usd",
            as_positive_usd,
        )?,
        monthly_limit_usd: opt(
            o.monthly_limit_usd.as_ref(),
            "rules",
            "monthly_limit_usd",
            as_positive_usd,
        )?,
        tier_on_exceed: opt(
            o.tier_on_exceed.as_ref(),
            "rules",
            "tier_on_exceed",
            as_tier,
        )?,
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
    Ok(limit)
}

/// Parses and validates REPUTATION_THRESHOLD rules.
pub(super) fn parse_reputation(v: &Value) -> Result<Rules, ValidationError> {
    let o: ReputationThresholdJson = object(v, "rules")?;
    let (v, p) = required(o.min_score.as_ref(), "rules", "min_score")?;
    let min_score = u8::try_from(as_u64(v, &p)?)
        .ok()
        .filter(|s| *s <= 100)
        .ok_or_else(|| err(&p, "must be 0 to 100"))?;
    let (v, p) = required(
        o.below_threshold_tier.as_ref(),
        "rules",
        "below_threshold_tier",
    )?;
    let below_threshold_tier = as_tier(v, &p)?;
    let (v, p) = required(o.unrated_tier.as_ref(), "rules", "unrated_tier")?;
    let unrated_tier = as_tier(v, &p)?;
    Ok(Rules::ReputationThreshold {
        min_score,
        below_threshold_tier,
        unrated_tier,
    })
}

/// The canonical JSON of a required and an optional decimal (`max_…`, `warning_…`).
pub(super) fn max_warning_json(
    max_key: &str,
    max: Usd,
    warning_key: &str,
    warning: Option<Usd>,
) -> Value {
    let mut m = Map::new();
    m.insert(max_key.into(), Value::String(max.to_string()));
    if let Some(w) = warning {
        m.insert(warning_key.into(), Value::String(w.to_string()));
    }
    Value::Object(m)
}

/// The canonical JSON of ACTION_CATEGORY_LIMIT rules.
pub(super) fn category_json(c: &CategoryLimit) -> Value {
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

/// The canonical JSON of REPUTATION_THRESHOLD rules.
pub(super) fn reputation_json(min_score: u8, below: Tier, unrated: Tier) -> Value {
    json!({
        "min_score": min_score,
        "below_threshold_tier": below.as_str(),
        "unrated_tier": unrated.as_str(),
    })
}
