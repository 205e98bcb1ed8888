//! The policy engine's decision (allowed, tier, reason codes, approval reason) must equal
//! the naive reference evaluator's on every world the bytes build.
#![no_main]

// The same reference the proptest test `waiaas-policy/tests/reference.rs` uses.
#[path = "../../waiaas-policy/tests/reference/evaluator.rs"]
mod evaluator;

use evaluator::{
    ADDRS, GEN_TYPES, GenPolicy, NETS, RATE_WINDOW, SELECTORS, TOKENS, World, enablers, reference,
    run_engine, summary, w1, w2,
};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use waiaas_core::policy::{RequestBody, TokenRef};
use waiaas_core::{Amount, PolicyRequest, PolicyType, TxId};
use waiaas_policy::Engine;

/// A byte-driven twin of the proptest strategies in `tests/reference.rs`: the same
/// shapes (the reference only understands those), chosen by the fuzzer's bytes.
fn pick<T: Copy>(u: &mut Unstructured<'_>, items: &[T]) -> Result<T> {
    u.choose(items).copied()
}

/// `true` with probability about `per256 / 256`.
fn weighted(u: &mut Unstructured<'_>, per256: u8) -> Result<bool> {
    Ok(u.arbitrary::<u8>()? < per256)
}

/// A non-empty subsequence of `items`, in order.
fn subset<T: Copy>(u: &mut Unstructured<'_>, items: &[T]) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for &item in items {
        if u.arbitrary::<bool>()? {
            out.push(item);
        }
    }
    if out.is_empty() {
        out.push(pick(u, items)?);
    }
    Ok(out)
}

fn maybe<T>(
    u: &mut Unstructured<'_>,
    f: impl FnOnce(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Option<T>> {
    if u.arbitrary::<bool>()? {
        f(u).map(Some)
    } else {
        Ok(None)
    }
}

fn spending_limit(u: &mut Unstructured<'_>) -> Result<Value> {
    let mut native = Vec::new();
    for _ in 0..3 {
        native.push(maybe(u, |u| pick(u, &[0u64, 10, 100, 1000]))?);
    }
    let mut usd = Vec::new();
    for _ in 0..3 {
        usd.push(maybe(u, |u| pick(u, &[1u64, 10, 100]))?);
    }
    let daily = maybe(u, |u| pick(u, &["50", "500"]))?;
    let mut m = serde_json::Map::new();
    for (names, values) in [
        (["instant_max", "notify_max", "delay_max"], &native),
        (["instant_max_usd", "notify_max_usd", "delay_max_usd"], &usd),
    ] {
        let mut sorted: Vec<u64> = values.iter().flatten().copied().collect();
        sorted.sort_unstable();
        let mut it = sorted.into_iter();
        for (name, present) in names.iter().zip(values) {
            if present.is_some()
                && let Some(v) = it.next()
            {
                m.insert((*name).into(), json!(v.to_string()));
            }
        }
    }
    if let Some(d) = daily {
        m.insert("daily_limit_usd".into(), json!(d));
    }
    if m.is_empty() {
        m.insert("instant_max".into(), json!("10"));
    }
    Ok(Value::Object(m))
}

fn rules_for(u: &mut Unstructured<'_>, ty: PolicyType) -> Result<Value> {
    Ok(match ty {
        PolicyType::SpendingLimit => spending_limit(u)?,
        PolicyType::Whitelist => json!({"allowed_addresses": subset(u, &ADDRS[..4])?}),
        PolicyType::AllowedNetworks => {
            json!({"networks": subset(u, &NETS)?.iter().map(|n| n.as_str()).collect::<Vec<_>>()})
        }
        PolicyType::RateLimit => {
            json!({"max_requests": u.int_in_range(1u64..=3)?, "window_seconds": RATE_WINDOW})
        }
        PolicyType::AllowedTokens => json!({"tokens": subset(u, &TOKENS)?.iter()
            .map(|a| json!({"address": a, "decimals": 18})).collect::<Vec<_>>()}),
        PolicyType::ContractWhitelist => json!({"contracts": subset(u, &ADDRS[..4])?.iter()
            .map(|a| json!({"address": a})).collect::<Vec<_>>()}),
        PolicyType::MethodWhitelist => {
            let c = pick(u, &ADDRS[..4])?;
            json!({"methods": [{"contract_address": c, "selectors": subset(u, &SELECTORS)?}]})
        }
        PolicyType::ApprovedSpenders => {
            let max = maybe(u, |_| Ok("100"))?;
            json!({"spenders": subset(u, &ADDRS[..4])?.iter().map(|a| match max {
                Some(m) => json!({"address": a, "max_amount": m}),
                None => json!({"address": a}),
            }).collect::<Vec<_>>()})
        }
        PolicyType::ApproveAmountLimit => {
            let max = maybe(u, |u| pick(u, &["50", "1000"]))?;
            let block = u.arbitrary::<bool>()?;
            match max {
                Some(m) => json!({"max_amount": m, "block_unlimited": block}),
                None => json!({"block_unlimited": block}),
            }
        }
        PolicyType::ApproveTierOverride => {
            json!({"tier": pick(u, &["INSTANT", "NOTIFY", "DELAY", "APPROVAL"])?})
        }
        PolicyType::TimeRestriction => {
            let (s, e) = pick(u, &[(9u8, 17u8), (22, 6), (0, 24), (12, 13)])?;
            json!({"allowed_hours": {"start": s, "end": e}})
        }
        // GEN_TYPES holds only the types above.
        _ => json!({}),
    })
}

fn policy(u: &mut Unstructured<'_>) -> Result<GenPolicy> {
    let ty = pick(u, &GEN_TYPES)?;
    let rules = rules_for(u, ty)?;
    let wallet = pick(u, &[None, Some(w1()), Some(w2())])?;
    let network = maybe(u, |u| pick(u, &NETS))?;
    let priority = u.int_in_range(0i64..=2)?;
    let enabled = weighted(u, 218)?;
    let corrupt = weighted(u, 13)?;
    Ok(GenPolicy::generated(
        ty, wallet, network, priority, enabled, rules, corrupt,
    ))
}

/// The proptest amounts, plus any `u64` (every amount the reference can value).
fn amount(u: &mut Unstructured<'_>) -> Result<Amount> {
    Ok(match u.int_in_range(0u8..=9)? {
        0 => Amount::from_u256(ruint::aliases::U256::from(1u8) << 255),
        1 => Amount::MAX,
        2 => Amount::from_u64(u.arbitrary()?),
        _ => Amount::from_u64(pick(
            u,
            &[
                0u64, 1, 9, 10, 11, 49, 50, 51, 99, 100, 101, 999, 1000, 1001,
            ],
        )?),
    })
}

fn request(u: &mut Unstructured<'_>) -> Result<PolicyRequest> {
    let addr = |u: &mut Unstructured<'_>| pick(u, &ADDRS).map(str::to_owned);
    let token = |u: &mut Unstructured<'_>| {
        pick(u, &TOKENS).map(|a| TokenRef {
            decimals: Some(18),
            ..TokenRef::new(a)
        })
    };
    let body = match u.int_in_range(0u8..=3)? {
        0 => RequestBody::Transfer {
            to: addr(u)?,
            amount: amount(u)?,
        },
        1 => RequestBody::TokenTransfer {
            to: addr(u)?,
            amount: amount(u)?,
            token: token(u)?,
        },
        2 => RequestBody::ContractCall {
            contract: addr(u)?,
            selector: maybe(u, |u| pick(u, &SELECTORS).map(str::to_owned))?,
            value: maybe(u, amount)?,
            opaque: false,
        },
        _ => RequestBody::Approve {
            spender: addr(u)?,
            amount: amount(u)?,
            token: token(u)?,
            unlimited: false,
            increase: false,
        },
    };
    Ok(PolicyRequest {
        request_id: TxId::new(),
        wallet_id: w1(),
        network: pick(u, &NETS)?,
        body,
        permissions: Vec::new(),
        action: None,
        claimed_action: None,
        fee: None,
    })
}

fn world(u: &mut Unstructured<'_>) -> Result<World> {
    let n = u.int_in_range(0usize..=5)?;
    let mut policies = Vec::with_capacity(n);
    for _ in 0..n {
        policies.push(policy(u)?);
    }
    let request = request(u)?;
    if weighted(u, 205)? {
        let sl = match u.int_in_range(0u8..=2)? {
            0 => spending_limit(u)?,
            1 => json!({"instant_max": "10", "notify_max": "100", "delay_max": "1000"}),
            _ => json!({"instant_max_usd": "10", "notify_max_usd": "100",
                "delay_max_usd": "1000", "daily_limit_usd": "500"}),
        };
        policies.extend(enablers(&request, sl));
    }
    let requests_in_window = u.int_in_range(0u64..=3)?;
    let usd_today = match u.int_in_range(0u8..=6)? {
        0..=2 => 0,
        3 => 40,
        4 => 450,
        5 => 600,
        _ => u64::from(u.arbitrary::<u32>()?),
    };
    Ok(World {
        policies,
        request,
        requests_in_window,
        usd_today,
        priced: weighted(u, 218)?,
        hour: u.int_in_range(0i64..=23)?,
    })
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(w) = world(&mut u) else { return };
    let engine = Engine::new();
    let got = summary(&run_engine(&engine, &w));
    let (allowed, tier, reasons, approval) = reference(&w);
    let want = (allowed, tier, reasons, approval.map(str::to_owned));
    assert_eq!(got, want, "the engine and the reference disagree on {w:#?}");
});
