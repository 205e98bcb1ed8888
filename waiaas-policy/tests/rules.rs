//! The rules parser sees operator input and stored JSON: it must never panic, and the
//! canonical form it stores must parse back to the same rules.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code"
)]

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use waiaas_core::{ErrorCode, PolicyType};
use waiaas_policy::Rules;

const FIELDS: &[&str] = &[
    "instant_max",
    "notify_max",
    "delay_max",
    "instant_max_usd",
    "notify_max_usd",
    "delay_max_usd",
    "token_limits",
    "delay_seconds",
    "daily_limit_usd",
    "monthly_limit_usd",
    "approval_timeout",
    "allowed_addresses",
    "allowed_hours",
    "start",
    "end",
    "allowed_days",
    "timezone",
    "max_requests",
    "window_seconds",
    "tokens",
    "address",
    "symbol",
    "chain",
    "asset_id",
    "contracts",
    "name",
    "methods",
    "contract_address",
    "selectors",
    "spenders",
    "max_amount",
    "block_unlimited",
    "tier",
    "networks",
    "domains",
    "rate_limit_rpm",
    "max_ltv",
    "warning_ltv",
    "assets",
    "max_leverage",
    "warning_leverage",
    "max_position_usd",
    "warning_position_usd",
    "markets",
    "venues",
    "category",
    "per_action_limit_usd",
    "tier_on_exceed",
    "min_score",
    "below_threshold_tier",
    "unrated_tier",
    "native",
    "instantMax",
    "blockUnlimited",
    "maxAmount",
];

const STRINGS: &[&str] = &[
    "",
    "0",
    "1",
    "10",
    "1.5",
    "-1",
    "1e3",
    " 1",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0x123",
    "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
    "0xa9059cbb",
    "a9059cbb",
    "*.example.com",
    "example.com",
    "UTC",
    "Asia/Tokyo",
    "Nowhere/City",
    "ethereum",
    "solana",
    "ethereum-mainnet",
    "INSTANT",
    "APPROVAL",
    "perp",
    "eip155:1/erc20:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    "native:solana",
    "115792089237316195423570985008687907853269984665640564039457584007913129639936",
    "0.00000000000000000000000000001",
    "\u{200b}",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![any::<u8>().prop_map(u64::from), any::<u64>()].prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e30f64..1e30).prop_map(|f| json!(f)),
        proptest::sample::select(STRINGS.to_vec()).prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(FIELDS.to_vec()), inner), 0..6)
                .prop_map(|kv| Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>()
                )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// Arbitrary JSON never panics the parser, and whatever it accepts round-trips:
    /// parse(to_json(parse(x))) == parse(x) and to_json is a fixed point.
    #[test]
    fn parser_never_panics_and_canonical_form_round_trips(
        ty in proptest::sample::select(PolicyType::ALL.to_vec()),
        v in json_value(),
    ) {
        if let Ok(rules) = Rules::parse(ty, &v) {
            let canonical = rules.to_json();
            let again = Rules::parse(ty, &canonical).unwrap();
            prop_assert_eq!(&again, &rules);
            prop_assert_eq!(again.to_json(), canonical);
        }
    }
}

/// One valid rules object per policy type, each using every field its type has.
fn examples() -> Vec<(PolicyType, Value)> {
    let a = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    let examples = vec![
        (
            PolicyType::SpendingLimit,
            json!({"instant_max": "1", "notify_max": "2", "delay_max": "3", "instant_max_usd": "1", "notify_max_usd": 2.5, "delay_max_usd": "30", "token_limits": {"native:solana": {"instant_max": "1.5", "notify_max": "2", "delay_max": "3"}}, "delay_seconds": 600, "daily_limit_usd": "100", "monthly_limit_usd": "1000", "approval_timeout": 3600}),
        ),
        (
            PolicyType::Whitelist,
            json!({"allowed_addresses": [a, "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"]}),
        ),
        (
            PolicyType::TimeRestriction,
            json!({"allowed_hours": {"start": 22, "end": 6}, "allowed_days": [1, 5], "timezone": "Asia/Tokyo"}),
        ),
        (
            PolicyType::RateLimit,
            json!({"max_requests": 5, "window_seconds": 60}),
        ),
        (
            PolicyType::AllowedTokens,
            json!({"tokens": [{"address": a, "symbol": "X", "chain": "ethereum", "decimals": 6, "asset_id": "eip155:1/erc20:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}]}),
        ),
        (
            PolicyType::ContractWhitelist,
            json!({"contracts": [{"address": a, "chain": "ethereum", "name": "router", "opaque_selectors": ["0xac9650d8"], "typed_data": ["Order"]}]}),
        ),
        (
            PolicyType::MethodWhitelist,
            json!({"methods": [{"contract_address": a, "selectors": ["0xA9059CBB"]}]}),
        ),
        (
            PolicyType::ApprovedSpenders,
            json!({"spenders": [{"address": a, "chain": "ethereum", "name": "router", "max_amount": "100"}]}),
        ),
        (
            PolicyType::ApproveAmountLimit,
            json!({"max_amount": "5", "block_unlimited": false}),
        ),
        (PolicyType::ApproveTierOverride, json!({"tier": "NOTIFY"})),
        (
            PolicyType::AllowedNetworks,
            json!({"networks": ["solana-devnet", "base-mainnet"]}),
        ),
        (
            PolicyType::X402AllowedDomains,
            json!({"domains": ["*.Example.com", "api.x.io"]}),
        ),
        (
            PolicyType::Erc8128AllowedDomains,
            json!({"domains": ["api.x.io"], "rate_limit_rpm": 30}),
        ),
        (
            PolicyType::LendingLtvLimit,
            json!({"max_ltv": "0.8", "warning_ltv": "0.7"}),
        ),
        (
            PolicyType::LendingAssetWhitelist,
            json!({"assets": ["USDC"]}),
        ),
        (
            PolicyType::PerpMaxLeverage,
            json!({"max_leverage": 10, "warning_leverage": 5}),
        ),
        (
            PolicyType::PerpMaxPositionUsd,
            json!({"max_position_usd": "10000", "warning_position_usd": "5000"}),
        ),
        (
            PolicyType::PerpAllowedMarkets,
            json!({"markets": ["ETH-PERP"]}),
        ),
        (PolicyType::VenueWhitelist, json!({"venues": ["aave"]})),
        (
            PolicyType::ActionCategoryLimit,
            json!({"category": "perp", "per_action_limit_usd": "1000", "daily_limit_usd": "5000", "monthly_limit_usd": "20000", "tier_on_exceed": "APPROVAL"}),
        ),
        (
            PolicyType::ReputationThreshold,
            json!({"min_score": 50, "below_threshold_tier": "APPROVAL", "unrated_tier": "DELAY"}),
        ),
    ];
    assert_eq!(examples.len(), PolicyType::ALL.len());
    examples
}

/// Every object key in `v` with the path the parser names it by (`rules.tokens[0].asset_id`).
fn keys(v: &Value, path: &str, out: &mut Vec<(String, Vec<String>)>, trail: &[String]) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let mut t = trail.to_vec();
                t.push(k.clone());
                out.push((format!("{path}.{k}"), t.clone()));
                keys(child, &format!("{path}.{k}"), out, &t);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let mut t = trail.to_vec();
                t.push(format!("[{i}]"));
                keys(child, &format!("{path}[{i}]"), out, &t);
            }
        }
        _ => {}
    }
}

/// `v` with the key at `trail` renamed to `new`.
fn rename(v: &Value, trail: &[String], new: &str) -> Value {
    let mut v = v.clone();
    let mut cur = &mut v;
    for step in &trail[..trail.len() - 1] {
        cur = match step.strip_prefix('[') {
            Some(i) => &mut cur[i.trim_end_matches(']').parse::<usize>().unwrap()],
            None => &mut cur[step.as_str()],
        };
    }
    let map = cur.as_object_mut().unwrap();
    let last = trail.last().unwrap();
    let val = map.remove(last).unwrap();
    map.insert(new.to_owned(), val);
    v
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
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

#[test]
fn every_family_round_trips_through_its_canonical_form() {
    for (ty, v) in examples() {
        let rules = Rules::parse(ty, &v).unwrap_or_else(|e| panic!("{ty}: {e}"));
        let canonical = rules.to_json();
        assert_eq!(Rules::parse(ty, &canonical).unwrap(), rules, "{ty}");
        assert_eq!(
            Rules::parse(ty, &canonical).unwrap().to_json(),
            canonical,
            "{ty}"
        );
        // Every field of the example survives into the canonical form, spelled the same.
        let mut given = Vec::new();
        keys(&v, "rules", &mut given, &[]);
        let mut stored = Vec::new();
        keys(&canonical, "rules", &mut stored, &[]);
        let stored: Vec<_> = stored.into_iter().map(|(p, _)| p).collect();
        for (path, _) in given {
            assert!(
                stored.contains(&path),
                "{ty}: {path} missing from {canonical}"
            );
        }
        // Canonical keys are snake_case (asset keys under `token_limits` aside).
        for (path, trail) in {
            let mut all = Vec::new();
            keys(&canonical, "rules", &mut all, &[]);
            all
        } {
            let key = trail.last().unwrap();
            if trail.len() >= 2 && trail[trail.len() - 2] == "token_limits" {
                continue;
            }
            assert!(!key.chars().any(|c| c.is_ascii_uppercase()), "{ty}: {path}");
        }
    }
}

#[test]
fn a_camel_case_key_is_refused_naming_the_snake_case_spelling() {
    let mut checked = 0;
    for (ty, v) in examples() {
        let mut all = Vec::new();
        keys(&v, "rules", &mut all, &[]);
        for (path, trail) in all {
            let key = trail.last().unwrap();
            let in_token_limits = trail.len() >= 2 && trail[trail.len() - 2] == "token_limits";
            if !key.contains('_') || in_token_limits {
                continue;
            }
            let camel_key = camel(key);
            let bad = rename(&v, &trail, &camel_key);
            let err = Rules::parse(ty, &bad).unwrap_err();
            assert_eq!(err.code(), "VALIDATION_FAILED", "{ty} {path}");
            let camel_path = format!("{}.{camel_key}", &path[..path.len() - key.len() - 1]);
            assert_eq!(
                err.to_string(),
                format!("invalid `{camel_path}`: unknown field `{camel_key}`; use `{key}`"),
                "{ty} {path}"
            );
            checked += 1;
        }
    }
    // Every multi-word field of every family was tried (a shrinking example list would
    // make this test vacuous).
    assert_eq!(checked, 40, "camelCase keys tried");
}

#[test]
fn the_camel_case_refusal_text_is_pinned() {
    let err = Rules::parse(PolicyType::SpendingLimit, &json!({"instantMaxUsd": "5"})).unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    assert_eq!(
        err.to_string(),
        "invalid `rules.instantMaxUsd`: unknown field `instantMaxUsd`; use `instant_max_usd`"
    );
    // Both spellings at once: the camelCase one is still refused.
    let err = Rules::parse(
        PolicyType::ApproveAmountLimit,
        &json!({"block_unlimited": true, "blockUnlimited": false}),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid `rules.blockUnlimited`: unknown field `blockUnlimited`; use `block_unlimited`"
    );
}

#[test]
fn an_unknown_key_is_refused_naming_it() {
    for (ty, v) in examples() {
        let mut bad = v.clone();
        bad["colour"] = json!("1");
        let err = Rules::parse(ty, &bad).unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED", "{ty}");
        assert!(
            err.to_string()
                .starts_with("invalid `rules.colour`: unknown field `colour`; expected one of `"),
            "{ty}: {err}"
        );
    }
    // The list names every field of the type, in declaration order.
    let err = Rules::parse(
        PolicyType::RateLimit,
        &json!({"max_requests": 1, "window_seconds": 60, "burst": 2}),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid `rules.burst`: unknown field `burst`; expected one of `max_requests`, `window_seconds`"
    );
    // Nested objects are checked too, named by their path.
    let err = Rules::parse(
        PolicyType::ApprovedSpenders,
        &json!({"spenders": [{"address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "limit": "1"}]}),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid `rules.spenders[0].limit`: unknown field `limit`"),
        "{err}"
    );
    // A field of another type is unknown here (`symbol` belongs to ALLOWED_TOKENS).
    let err = Rules::parse(
        PolicyType::ApprovedSpenders,
        &json!({"spenders": [{"address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "symbol": "X"}]}),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid `rules.spenders[0].symbol`: unknown field `symbol`"),
        "{err}"
    );
}

#[test]
fn a_non_object_is_refused() {
    for ty in PolicyType::ALL {
        for v in [json!(null), json!([]), json!("x"), json!(1)] {
            let err = Rules::parse(ty, &v).unwrap_err();
            assert_eq!(
                err.to_string(),
                "invalid `rules`: must be a JSON object",
                "{ty}"
            );
        }
    }
}
