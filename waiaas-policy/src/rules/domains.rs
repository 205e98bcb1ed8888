//! The signed-request domains: X402_ALLOWED_DOMAINS and ERC8128_ALLOWED_DOMAINS.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use waiaas_core::ValidationError;

use super::read::{as_u64, domains, err, object, opt, required};
use super::{DomainPatternPublic, Rules};
use crate::matching::DomainPattern;

/// The keys of X402_ALLOWED_DOMAINS rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct X402AllowedDomainsJson {
    domains: Option<Value>,
}

/// The keys of ERC8128_ALLOWED_DOMAINS rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Erc8128AllowedDomainsJson {
    domains: Option<Value>,
    rate_limit_rpm: Option<Value>,
}

/// Parses and validates X402_ALLOWED_DOMAINS rules.
pub(super) fn parse_x402(v: &Value) -> Result<Rules, ValidationError> {
    let o: X402AllowedDomainsJson = object(v, "rules")?;
    let (v, p) = required(o.domains.as_ref(), "rules", "domains")?;
    Ok(Rules::X402AllowedDomains {
        domains: domains(v, &p)?,
    })
}

/// Parses and validates ERC8128_ALLOWED_DOMAINS rules.
pub(super) fn parse_erc8128(v: &Value) -> Result<Rules, ValidationError> {
    let o: Erc8128AllowedDomainsJson = object(v, "rules")?;
    let (v, p) = required(o.domains.as_ref(), "rules", "domains")?;
    let domains = domains(v, &p)?;
    let rate_limit_rpm = opt(
        o.rate_limit_rpm.as_ref(),
        "rules",
        "rate_limit_rpm",
        |v, p| {
            let n = as_u64(v, p)?;
            if n == 0 {
                return Err(err(p, "must be at least 1"));
            }
            Ok(n)
        },
    )?;
    Ok(Rules::Erc8128AllowedDomains {
        domains,
        rate_limit_rpm,
    })
}

/// The canonical JSON of a domain list.
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

/// The canonical JSON of X402_ALLOWED_DOMAINS rules.
pub(super) fn x402_json(domains: &[DomainPatternPublic]) -> Value {
    json!({ "domains": domains_json(domains) })
}

/// The canonical JSON of ERC8128_ALLOWED_DOMAINS rules.
pub(super) fn erc8128_json(domains: &[DomainPatternPublic], rate_limit_rpm: Option<u64>) -> Value {
    let mut m = Map::new();
    m.insert("domains".into(), domains_json(domains));
    if let Some(r) = rate_limit_rpm {
        m.insert("rate_limit_rpm".into(), json!(r));
    }
    Value::Object(m)
}
