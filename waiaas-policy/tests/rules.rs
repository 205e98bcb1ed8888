//! The rules parser sees operator input and stored JSON: it must never panic, and the
//! canonical form it stores must parse back to the same rules.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use waiaas_core::PolicyType;
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

#[test]
fn every_type_has_a_valid_example_that_round_trips() {
    let a = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    let examples = [
        (
            PolicyType::SpendingLimit,
            json!({"instant_max": "1", "notify_max_usd": 2.5, "token_limits": {"native:solana": {"instant_max": "1.5"}}, "daily_limit_usd": "100", "monthly_limit_usd": "1000", "approval_timeout": 3600}),
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
            json!({"tokens": [{"address": a, "symbol": "X", "chain": "ethereum", "decimals": 6, "assetId": "eip155:1/erc20:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}]}),
        ),
        (
            PolicyType::ContractWhitelist,
            json!({"contracts": [{"address": a, "name": "router"}]}),
        ),
        (
            PolicyType::MethodWhitelist,
            json!({"methods": [{"contractAddress": a, "selectors": ["0xA9059CBB"]}]}),
        ),
        (
            PolicyType::ApprovedSpenders,
            json!({"spenders": [{"address": a, "maxAmount": "100"}]}),
        ),
        (
            PolicyType::ApproveAmountLimit,
            json!({"maxAmount": "5", "blockUnlimited": false}),
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
            json!({"domains": ["api.x.io"], "rateLimitRpm": 30}),
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
            json!({"category": "perp", "per_action_limit_usd": "1000", "tier_on_exceed": "APPROVAL"}),
        ),
        (
            PolicyType::ReputationThreshold,
            json!({"min_score": 50, "below_threshold_tier": "APPROVAL", "unrated_tier": "DELAY"}),
        ),
    ];
    assert_eq!(examples.len(), PolicyType::ALL.len());
    for (ty, v) in examples {
        let rules = Rules::parse(ty, &v).unwrap_or_else(|e| panic!("{ty}: {e}"));
        let canonical = rules.to_json();
        assert_eq!(Rules::parse(ty, &canonical).unwrap(), rules, "{ty}");
        // Canonical form is snake_case only.
        let text = canonical.to_string();
        for camel in [
            "maxAmount",
            "blockUnlimited",
            "contractAddress",
            "assetId",
            "rateLimitRpm",
        ] {
            assert!(!text.contains(camel), "{ty}: {text}");
        }
    }
}
