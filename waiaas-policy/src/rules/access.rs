//! When and where a wallet may act at all: TIME_RESTRICTION, RATE_LIMIT and
//! ALLOWED_NETWORKS.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use waiaas_core::{Network, ValidationError};

use super::read::{as_array, as_str, as_u64, err, object, required};
use super::{MAX_WINDOW_SECONDS, Rules};

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

/// The keys of TIME_RESTRICTION rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeRestrictionJson {
    allowed_hours: Option<Value>,
    allowed_days: Option<Value>,
    timezone: Option<Value>,
}

/// The keys of `allowed_hours`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursJson {
    start: Option<Value>,
    end: Option<Value>,
}

/// The keys of RATE_LIMIT rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimitJson {
    max_requests: Option<Value>,
    window_seconds: Option<Value>,
}

/// The keys of ALLOWED_NETWORKS rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowedNetworksJson {
    networks: Option<Value>,
}

/// Parses and validates TIME_RESTRICTION rules.
pub(super) fn parse_time(v: &Value) -> Result<TimeRestriction, ValidationError> {
    let o: TimeRestrictionJson = object(v, "rules")?;
    let hours = o
        .allowed_hours
        .as_ref()
        .map(|v| hours(v, "rules.allowed_hours"))
        .transpose()?;
    let days = o
        .allowed_days
        .as_ref()
        .map(|v| days(v, "rules.allowed_days"))
        .transpose()?;
    if hours.is_none() && days.is_none() {
        return Err(err("rules", "set `allowed_hours`, `allowed_days` or both"));
    }
    let timezone_name = match &o.timezone {
        Some(v) => as_str(v, "rules.timezone")?.to_owned(),
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

fn hours(v: &Value, p: &str) -> Result<(u8, u8), ValidationError> {
    let h: HoursJson = object(v, p)?;
    let (sv, sp) = required(h.start.as_ref(), p, "start")?;
    let start = as_u64(sv, &sp)?;
    if start > 23 {
        return Err(err(&sp, "must be 0 to 23"));
    }
    let (ev, ep) = required(h.end.as_ref(), p, "end")?;
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
    Ok((
        u8::try_from(start).map_err(|_| err(&sp, "must be 0 to 23"))?,
        u8::try_from(end).map_err(|_| err(&ep, "must be 1 to 24"))?,
    ))
}

fn days(v: &Value, p: &str) -> Result<BTreeSet<u8>, ValidationError> {
    let arr = as_array(v, p)?;
    if arr.is_empty() {
        return Err(err(
            p,
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
    Ok(set)
}

/// Parses and validates RATE_LIMIT rules.
pub(super) fn parse_rate_limit(v: &Value) -> Result<Rules, ValidationError> {
    let o: RateLimitJson = object(v, "rules")?;
    let (v, p) = required(o.max_requests.as_ref(), "rules", "max_requests")?;
    let max_requests = as_u64(v, &p)?;
    if max_requests == 0 {
        return Err(err(&p, "must be at least 1"));
    }
    let (v, p) = required(o.window_seconds.as_ref(), "rules", "window_seconds")?;
    let window_seconds = as_u64(v, &p)?;
    if window_seconds == 0 || window_seconds > MAX_WINDOW_SECONDS {
        return Err(err(&p, format!("must be 1 to {MAX_WINDOW_SECONDS}")));
    }
    Ok(Rules::RateLimit {
        max_requests,
        window_seconds,
    })
}

/// Parses and validates ALLOWED_NETWORKS rules.
pub(super) fn parse_allowed_networks(v: &Value) -> Result<Rules, ValidationError> {
    let o: AllowedNetworksJson = object(v, "rules")?;
    let (v, p) = required(o.networks.as_ref(), "rules", "networks")?;
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
    Ok(Rules::AllowedNetworks { networks })
}

/// The canonical JSON of TIME_RESTRICTION rules.
pub(super) fn time_json(t: &TimeRestriction) -> Value {
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

/// The canonical JSON of ALLOWED_NETWORKS rules.
pub(super) fn networks_json(networks: &BTreeSet<Network>) -> Value {
    json!({ "networks": networks.iter().map(|n| n.as_str()).collect::<Vec<_>>() })
}
