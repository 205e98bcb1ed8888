//! SPENDING_LIMIT: the native, USD and per-asset ladders, the DELAY window and the
//! rolling daily and monthly USD caps.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use waiaas_core::{Amount, Chain, Usd, ValidationError};

use super::read::{
    as_base_units, as_positive_usd, as_u64, as_usd, at, decimal_text, err, object, opt,
};
use super::{DEFAULT_DELAY_SECONDS, Ladder, MAX_WINDOW_SECONDS, MIN_DELAY_SECONDS};
use crate::matching::AssetKey;

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

/// The keys of SPENDING_LIMIT rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpendingLimitJson {
    instant_max: Option<Value>,
    notify_max: Option<Value>,
    delay_max: Option<Value>,
    instant_max_usd: Option<Value>,
    notify_max_usd: Option<Value>,
    delay_max_usd: Option<Value>,
    token_limits: Option<Value>,
    delay_seconds: Option<Value>,
    daily_limit_usd: Option<Value>,
    monthly_limit_usd: Option<Value>,
    approval_timeout: Option<Value>,
}

/// The keys of one `token_limits` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenLimitJson {
    instant_max: Option<Value>,
    notify_max: Option<Value>,
    delay_max: Option<Value>,
}

const RUNGS: [&str; 3] = ["instant_max", "notify_max", "delay_max"];

/// Refuses a ladder whose rungs are not ascending (instant <= notify <= delay).
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
                    &at(path, name),
                    format!("`{v}` is below `{pname}` (`{p}`); keep instant <= notify <= delay"),
                ));
            }
            prev = Some((*v, name));
        }
    }
    Ok(())
}

/// Parses and validates SPENDING_LIMIT rules.
pub(super) fn parse(v: &Value) -> Result<SpendingLimit, ValidationError> {
    let o: SpendingLimitJson = object(v, "rules")?;
    let p = "rules";
    let native = Ladder {
        instant: opt(o.instant_max.as_ref(), p, "instant_max", as_base_units)?,
        notify: opt(o.notify_max.as_ref(), p, "notify_max", as_base_units)?,
        delay: opt(o.delay_max.as_ref(), p, "delay_max", as_base_units)?,
    };
    check_ladder(&native, p, RUNGS)?;
    let usd = Ladder {
        instant: opt(o.instant_max_usd.as_ref(), p, "instant_max_usd", as_usd)?,
        notify: opt(o.notify_max_usd.as_ref(), p, "notify_max_usd", as_usd)?,
        delay: opt(o.delay_max_usd.as_ref(), p, "delay_max_usd", as_usd)?,
    };
    check_ladder(
        &usd,
        p,
        ["instant_max_usd", "notify_max_usd", "delay_max_usd"],
    )?;
    let token_limits = match &o.token_limits {
        Some(v) => token_limits(v, &at(p, "token_limits"))?,
        None => Vec::new(),
    };
    let delay_seconds =
        opt(o.delay_seconds.as_ref(), p, "delay_seconds", as_u64)?.unwrap_or(DEFAULT_DELAY_SECONDS);
    if !(MIN_DELAY_SECONDS..=MAX_WINDOW_SECONDS).contains(&delay_seconds) {
        return Err(err(
            "rules.delay_seconds",
            format!("must be {MIN_DELAY_SECONDS} to {MAX_WINDOW_SECONDS} seconds"),
        ));
    }
    let daily_limit_usd = opt(
        o.daily_limit_usd.as_ref(),
        p,
        "daily_limit_usd",
        as_positive_usd,
    )?;
    let monthly_limit_usd = opt(
        o.monthly_limit_usd.as_ref(),
        p,
        "monthly_limit_usd",
        as_positive_usd,
    )?;
    let approval_timeout = opt(
        o.approval_timeout.as_ref(),
        p,
        "approval_timeout",
        |v, p| {
            let n = as_u64(v, p)?;
            if !(60..=MAX_WINDOW_SECONDS).contains(&n) {
                return Err(err(
                    p,
                    format!("must be 60 to {MAX_WINDOW_SECONDS} seconds"),
                ));
            }
            Ok(n)
        },
    )?;
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

/// `token_limits`: an object keyed by asset, each value a human-unit ladder.
fn token_limits(v: &Value, p: &str) -> Result<Vec<TokenLimit>, ValidationError> {
    let map = v
        .as_object()
        .ok_or_else(|| err(p, "must be an object keyed by asset"))?;
    let mut out = Vec::with_capacity(map.len());
    for (key, entry) in map {
        let kp = at(p, key);
        let asset = AssetKey::parse(key).map_err(|e| err(&kp, e))?;
        let e: TokenLimitJson = object(entry, &kp)?;
        let mut text: [Option<String>; 3] = [None, None, None];
        let mut vals: [Option<Usd>; 3] = [None, None, None];
        for ((name, field), (slot_t, slot_v)) in RUNGS
            .into_iter()
            .zip([&e.instant_max, &e.notify_max, &e.delay_max])
            .zip(text.iter_mut().zip(vals.iter_mut()))
        {
            if let Some(v) = field {
                let fp = at(&kp, name);
                let t = decimal_text(v)
                    .ok_or_else(|| err(&fp, "must be a decimal in token units such as \"1.5\""))?;
                let parsed = Usd::parse(&t).map_err(|x| err(&fp, x.to_string()))?;
                *slot_t = Some(t);
                *slot_v = Some(parsed);
            }
        }
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
        check_ladder(&ladder, &kp, RUNGS)?;
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
            for (name, t) in RUNGS.iter().zip(&text) {
                if let Some(t) = t {
                    Amount::parse_human(t, d).map_err(|e| err(&at(&kp, name), e.to_string()))?;
                }
            }
        }
        out.push(TokenLimit {
            key: AssetKeyPublic(asset),
            ladder,
            text,
        });
    }
    Ok(out)
}

fn ladder_json<T: std::fmt::Display>(m: &mut Map<String, Value>, l: &Ladder<T>, suffix: &str) {
    for (name, v) in RUNGS.into_iter().zip([&l.instant, &l.notify, &l.delay]) {
        if let Some(v) = v {
            m.insert(format!("{name}{suffix}"), Value::String(v.to_string()));
        }
    }
}

/// The canonical JSON of SPENDING_LIMIT rules.
pub(super) fn to_json(s: &SpendingLimit) -> Value {
    let mut m = Map::new();
    ladder_json(&mut m, &s.native, "");
    ladder_json(&mut m, &s.usd, "_usd");
    if !s.token_limits.is_empty() {
        let mut t = Map::new();
        for tl in &s.token_limits {
            let mut e = Map::new();
            for (name, v) in RUNGS.iter().zip(&tl.text) {
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
