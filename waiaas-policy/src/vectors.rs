//! The shared policy vectors (`testdata/vectors/policy/*.json`) as one entry point:
//! parse a case, sum its ledger naively into the totals the engine asks for, decide
//! with the real [`Engine`], and write the decision in the vectors' comparable form.
//! The Rust runner and every binding's runner (through `waiaas::api`) use these, so a
//! binding checks the same evaluation, not a copy of it.

use serde_json::{Value, json};
use waiaas_core::policy::{
    LedgerSnapshot, PriceBook, PriceQuote, Reason, ReservationStatus, Spend, WindowTotals,
};
use waiaas_core::{
    Decision, PolicyEngine, PolicyId, PolicyInput, PolicyRecord, PolicyRequest, Usd,
    ValidationError, WalletId,
};

use crate::Engine;

/// The wallet a case's request uses when it names none.
pub const DEFAULT_WALLET: &str = "01900000-0000-7000-8000-000000000001";

/// One parsed case.
#[derive(Debug, Clone)]
pub struct VectorCase {
    /// Unique within its file.
    pub name: String,
    /// Decision time, Unix seconds.
    pub now: i64,
    /// The policy records, ids filled in.
    pub policies: Vec<PolicyRecord>,
    /// The canonical request.
    pub request: PolicyRequest,
    /// Earlier admitted requests: creation time, status, spend.
    pub ledger: Vec<(i64, ReservationStatus, Spend)>,
    /// Prices.
    pub prices: PriceBook,
    /// What the decision must be (the case's `expect`).
    pub expect: Value,
}

fn bad(field: &str, reason: impl Into<String>) -> ValidationError {
    ValidationError::field(field, reason)
}

fn str_of<'a>(v: &'a Value, key: &str) -> Result<&'a str, ValidationError> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(key, "is required and must be a string"))
}

fn i64_of(v: &Value, key: &str) -> Result<i64, ValidationError> {
    v.get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| bad(key, "is required and must be an integer"))
}

fn before(now: i64, age: i64, key: &str) -> Result<i64, ValidationError> {
    now.checked_sub(age)
        .ok_or_else(|| bad(key, format!("`{age}` is out of range")))
}

fn policy(i: usize, p: &Value) -> Result<PolicyRecord, ValidationError> {
    let id = match p.get("id").and_then(Value::as_str) {
        Some(id) => PolicyId::parse(id)?,
        None => {
            let n = i
                .checked_add(100)
                .ok_or_else(|| bad("policies", "too many"))?;
            PolicyId::parse(&format!("01900000-0000-7000-8000-{n:012}"))?
        }
    };
    Ok(PolicyRecord {
        id,
        wallet_id: p
            .get("walletId")
            .and_then(Value::as_str)
            .map(WalletId::parse)
            .transpose()?,
        network: p
            .get("network")
            .and_then(Value::as_str)
            .map(str::parse)
            .transpose()?,
        policy_type: str_of(p, "type")?.parse()?,
        rules: p.get("rules").cloned().unwrap_or(Value::Null),
        priority: p.get("priority").and_then(Value::as_i64).unwrap_or(0),
        enabled: p.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        revision: 1,
        created_at: 0,
        updated_at: 0,
    })
}

/// Parses one case as `testdata/vectors/README.md` describes it.
///
/// # Errors
/// `VALIDATION_FAILED` naming the field that does not parse.
pub fn parse_case(v: &Value) -> Result<VectorCase, ValidationError> {
    let now = i64_of(v, "now")?;
    let policies = v
        .get("policies")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("policies", "is required and must be a list"))?
        .iter()
        .enumerate()
        .map(|(i, p)| policy(i, p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut request = v.get("request").cloned().unwrap_or(Value::Null);
    let obj = request
        .as_object_mut()
        .ok_or_else(|| bad("request", "is required and must be an object"))?;
    obj.entry("requestId")
        .or_insert_with(|| Value::String("01900000-0000-7000-8000-0000000000ff".into()));
    obj.entry("walletId")
        .or_insert_with(|| Value::String(DEFAULT_WALLET.into()));
    let request: PolicyRequest =
        serde_json::from_value(request).map_err(|e| bad("request", e.to_string()))?;
    let mut ledger = Vec::new();
    for e in v
        .get("ledger")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let spend: Spend =
            serde_json::from_value(e.clone()).map_err(|err| bad("ledger", err.to_string()))?;
        let status = str_of(e, "status")?;
        let status = ReservationStatus::parse(status)
            .ok_or_else(|| bad("status", format!("`{status}` is not a reservation status")))?;
        let created = before(now, i64_of(e, "ageSeconds")?, "ageSeconds")?;
        ledger.push((created, status, spend));
    }
    let prices = match v.get("prices") {
        None => PriceBook::default(),
        Some(p) => PriceBook {
            max_age_seconds: p
                .get("maxAgeSeconds")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad("maxAgeSeconds", "is required"))?,
            quotes: p
                .get("quotes")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, q)| {
                    Ok((
                        k.clone(),
                        PriceQuote {
                            usd: Usd::parse(str_of(q, "usd")?)?,
                            source: str_of(q, "source")?.to_owned(),
                            observed_at: before(now, i64_of(q, "ageSeconds")?, "ageSeconds")?,
                        },
                    ))
                })
                .collect::<Result<_, ValidationError>>()?,
        },
    };
    Ok(VectorCase {
        name: str_of(v, "name")?.to_owned(),
        now,
        policies,
        request,
        ledger,
        prices,
        expect: v.get("expect").cloned().unwrap_or(Value::Null),
    })
}

/// Naive window totals: every entry younger than the window summed (a `RELEASED`
/// entry counts as a request, not as spend); in flight = the `RESERVED` entries.
#[must_use]
pub fn naive_snapshot(case: &VectorCase, windows: &[u64]) -> LedgerSnapshot {
    let mut snap = LedgerSnapshot::default();
    for &w in windows {
        let start = case
            .now
            .saturating_sub(i64::try_from(w).unwrap_or(i64::MAX));
        let mut t = WindowTotals::default();
        for (created, status, spend) in &case.ledger {
            if *created > start {
                t.add(spend);
                if *status == ReservationStatus::Released {
                    t.remove_spend(spend);
                }
            }
        }
        snap.windows.insert(w, t);
    }
    let mut in_flight = WindowTotals::default();
    for (_, status, spend) in &case.ledger {
        if *status == ReservationStatus::Reserved {
            in_flight.add(spend);
        }
    }
    snap.in_flight = Some(in_flight);
    snap
}

/// The decision of `engine` on `case`, with totals from [`naive_snapshot`].
#[must_use]
pub fn evaluate(engine: &Engine, case: &VectorCase) -> Decision {
    let windows = engine.windows(&case.request, &case.policies);
    let snap = naive_snapshot(case, &windows);
    engine.evaluate(&PolicyInput {
        request: &case.request,
        policies: &case.policies,
        ledger: &snap,
        prices: &case.prices,
        now: case.now,
    })
}

fn codes(list: &[Reason]) -> Vec<String> {
    let mut out: Vec<String> = list
        .iter()
        .map(|r| match r.instruction {
            Some(i) => format!("{}@{i}", r.code),
            None => r.code.clone(),
        })
        .collect();
    out.sort();
    out
}

/// A decision in the form of a case's `expect`: `allowed`, `tier`, `reasons` and
/// `warnings` (sorted codes, `CODE@index` for a batch instruction), `delaySeconds`,
/// `approvalReason`, `approvalTimeout`.
#[must_use]
pub fn summary(d: &Decision) -> Value {
    json!({
        "allowed": d.allowed,
        "tier": d.tier.as_str(),
        "reasons": codes(&d.reasons),
        "warnings": codes(&d.warnings),
        "delaySeconds": d.delay_seconds,
        "approvalReason": d.approval_reason,
        "approvalTimeout": d.approval_timeout,
    })
}

/// A case's `expect` in the same form as [`summary`] (code lists sorted).
#[must_use]
pub fn expected(case: &VectorCase) -> Value {
    let e = &case.expect;
    let sorted = |k: &str| {
        let mut v: Vec<String> = e
            .get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect();
        v.sort();
        v
    };
    let field = |k: &str| e.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "allowed": field("allowed"),
        "tier": field("tier"),
        "reasons": sorted("reasons"),
        "warnings": sorted("warnings"),
        "delaySeconds": field("delaySeconds"),
        "approvalReason": field("approvalReason"),
        "approvalTimeout": field("approvalTimeout"),
    })
}
