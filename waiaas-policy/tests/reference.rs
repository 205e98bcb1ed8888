//! Differential testing: the deliberately naive reference evaluator of
//! `reference/evaluator.rs` (shared with the fuzz target `policy_differential`) must
//! agree with [`Engine`] on generated policy sets and requests. Plus the engine's
//! monotonicity and fail-closed invariants.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "test code"
)]

#[path = "reference/evaluator.rs"]
mod evaluator;

use evaluator::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use waiaas_core::policy::{RequestBody, TokenRef};
use waiaas_core::{Amount, PolicyRequest, PolicyType, TxId};
use waiaas_policy::Engine;

fn subset<T: Clone + std::fmt::Debug + 'static>(items: Vec<T>) -> impl Strategy<Value = Vec<T>> {
    let n = items.len();
    proptest::sample::subsequence(items, 1..=n)
}

fn rules_for(ty: PolicyType) -> BoxedStrategy<Value> {
    let addr_list = || subset(ADDRS[..4].to_vec());
    match ty {
        PolicyType::SpendingLimit => (
            proptest::collection::vec(proptest::option::of(prop_oneof![Just(0u64), Just(10), Just(100), Just(1000)]), 3),
            proptest::collection::vec(proptest::option::of(prop_oneof![Just("1"), Just("10"), Just("100")]), 3),
            proptest::option::of(prop_oneof![Just("50"), Just("500")]),
        )
            .prop_map(|(native, usd, daily)| {
                let mut m = serde_json::Map::new();
                let mut n: Vec<u64> = native.iter().flatten().copied().collect();
                n.sort_unstable();
                let mut it = n.into_iter();
                for (name, present) in ["instant_max", "notify_max", "delay_max"].iter().zip(&native) {
                    if present.is_some() {
                        m.insert((*name).into(), json!(it.next().unwrap().to_string()));
                    }
                }
                let mut u: Vec<u64> = usd.iter().flatten().map(|s| s.parse().unwrap()).collect();
                u.sort_unstable();
                let mut it = u.into_iter();
                for (name, present) in ["instant_max_usd", "notify_max_usd", "delay_max_usd"].iter().zip(&usd) {
                    if present.is_some() {
                        m.insert((*name).into(), json!(it.next().unwrap().to_string()));
                    }
                }
                if let Some(d) = daily {
                    m.insert("daily_limit_usd".into(), json!(d));
                }
                if m.is_empty() {
                    m.insert("instant_max".into(), json!("10"));
                }
                Value::Object(m)
            })
            .boxed(),
        PolicyType::Whitelist => addr_list().prop_map(|a| json!({"allowed_addresses": a})).boxed(),
        PolicyType::AllowedNetworks => subset(NETS.to_vec())
            .prop_map(|n| json!({"networks": n.iter().map(|n| n.as_str()).collect::<Vec<_>>()}))
            .boxed(),
        PolicyType::RateLimit => (1u64..4)
            .prop_map(|n| json!({"max_requests": n, "window_seconds": RATE_WINDOW}))
            .boxed(),
        PolicyType::AllowedTokens => subset(TOKENS.to_vec())
            .prop_map(|t| json!({"tokens": t.iter().map(|a| json!({"address": a, "decimals": 18})).collect::<Vec<_>>()}))
            .boxed(),
        PolicyType::ContractWhitelist => addr_list()
            .prop_map(|a| json!({"contracts": a.iter().map(|a| json!({"address": a})).collect::<Vec<_>>()}))
            .boxed(),
        PolicyType::MethodWhitelist => (0usize..4, subset(SELECTORS.to_vec()))
            .prop_map(|(c, s)| json!({"methods": [{"contract_address": ADDRS[c], "selectors": s}]}))
            .boxed(),
        PolicyType::ApprovedSpenders => (addr_list(), proptest::option::of(Just("100")))
            .prop_map(|(a, max)| {
                json!({"spenders": a.iter().map(|a| match max {
                    Some(m) => json!({"address": a, "max_amount": m}),
                    None => json!({"address": a}),
                }).collect::<Vec<_>>()})
            })
            .boxed(),
        PolicyType::ApproveAmountLimit => (proptest::option::of(prop_oneof![Just("50"), Just("1000")]), any::<bool>())
            .prop_map(|(max, block)| match max {
                Some(m) => json!({"max_amount": m, "block_unlimited": block}),
                None => json!({"block_unlimited": block}),
            })
            .boxed(),
        PolicyType::ApproveTierOverride => prop_oneof![Just("INSTANT"), Just("NOTIFY"), Just("DELAY"), Just("APPROVAL")]
            .prop_map(|t| json!({"tier": t}))
            .boxed(),
        PolicyType::TimeRestriction => prop_oneof![Just((9u8, 17u8)), Just((22, 6)), Just((0, 24)), Just((12, 13))]
            .prop_map(|(s, e)| json!({"allowed_hours": {"start": s, "end": e}}))
            .boxed(),
        _ => unreachable!(),
    }
}

fn gen_policy() -> impl Strategy<Value = GenPolicy> {
    proptest::sample::select(GEN_TYPES.to_vec()).prop_flat_map(|ty| {
        (
            rules_for(ty),
            prop_oneof![Just(None), Just(Some(w1())), Just(Some(w2()))],
            proptest::option::of(proptest::sample::select(NETS.to_vec())),
            0i64..3,
            proptest::bool::weighted(0.85),
            proptest::bool::weighted(0.05),
        )
            .prop_map(
                move |(rules, wallet, network, priority, enabled, corrupt)| {
                    GenPolicy::generated(ty, wallet, network, priority, enabled, rules, corrupt)
                },
            )
    })
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        proptest::sample::select(vec![
            0u64, 1, 9, 10, 11, 49, 50, 51, 99, 100, 101, 999, 1000, 1001
        ])
        .prop_map(Amount::from_u64),
        Just(Amount::from_u256(ruint::aliases::U256::from(1u8) << 255)),
        Just(Amount::MAX),
    ]
}

fn gen_request() -> impl Strategy<Value = PolicyRequest> {
    let addr = || proptest::sample::select(ADDRS.to_vec()).prop_map(str::to_owned);
    let token = || {
        proptest::sample::select(TOKENS.to_vec()).prop_map(|a| TokenRef {
            decimals: Some(18),
            ..TokenRef::new(a)
        })
    };
    let body =
        prop_oneof![
            (addr(), amount()).prop_map(|(to, amount)| RequestBody::Transfer { to, amount }),
            (addr(), amount(), token())
                .prop_map(|(to, amount, token)| RequestBody::TokenTransfer { to, amount, token }),
            (
                addr(),
                proptest::option::of(proptest::sample::select(SELECTORS.to_vec())),
                proptest::option::of(amount())
            )
                .prop_map(|(contract, selector, value)| RequestBody::ContractCall {
                    contract,
                    selector: selector.map(str::to_owned),
                    value,
                    opaque: false,
                }),
            (addr(), amount(), token()).prop_map(|(spender, amount, token)| RequestBody::Approve {
                spender,
                amount,
                token,
                unlimited: false,
                increase: false,
            }),
        ];
    (body, proptest::sample::select(NETS.to_vec())).prop_map(|(body, network)| PolicyRequest {
        request_id: TxId::new(),
        wallet_id: w1(),
        network,
        body,
        permissions: Vec::new(),
        action: None,
        claimed_action: None,
        fee: None,
    })
}

fn world() -> impl Strategy<Value = World> {
    (
        proptest::collection::vec(gen_policy(), 0..6),
        gen_request(),
        proptest::bool::weighted(0.8),
        prop_oneof![
            rules_for(PolicyType::SpendingLimit),
            Just(json!({"instant_max": "10", "notify_max": "100", "delay_max": "1000"})),
            Just(json!({"instant_max_usd": "10", "notify_max_usd": "100", "delay_max_usd": "1000", "daily_limit_usd": "500"})),
        ],
        0u64..4,
        prop_oneof![3 => Just(0u64), 1 => Just(40), 1 => Just(450), 1 => Just(600)],
        proptest::bool::weighted(0.85),
        0i64..24,
    )
        .prop_map(
            |(mut policies, request, enable, sl, requests_in_window, usd_today, priced, hour)| {
                if enable {
                    policies.extend(enablers(&request, sl));
                }
                World {
                    policies,
                    request,
                    requests_in_window,
                    usd_today,
                    priced,
                    hour,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_the_reference(w in world()) {
        let engine = Engine::new();
        let got = summary(&run_engine(&engine, &w));
        if std::env::var_os("WAIAAS_REFERENCE_STATS").is_some() {
            eprintln!("STAT {} {:?}", got.0, got.1);
        }
        let (a, t, r, ar) = reference(&w);
        prop_assert_eq!(got, (a, t, r, ar.map(str::to_owned)));
    }

    /// Adding a restricting policy of a type not yet present never widens access and
    /// never lowers the tier. (ALLOWED_TOKENS, CONTRACT_WHITELIST and APPROVED_SPENDERS
    /// are enabling lists, absent = deny, so they are not restrictions in this sense.)
    #[test]
    fn adding_a_deny_rule_never_widens(
        w in world(),
        (ty, rules) in proptest::sample::select(vec![PolicyType::Whitelist, PolicyType::AllowedNetworks,
            PolicyType::RateLimit, PolicyType::TimeRestriction, PolicyType::MethodWhitelist])
            .prop_flat_map(|ty| (Just(ty), rules_for(ty))),
    ) {
        prop_assume!(!w.policies.iter().any(|p| p.ty == ty));
        let extra = GenPolicy { ty, wallet: None, network: None, priority: 0, enabled: true, rules, corrupt: false };
        let engine = Engine::new();
        let before = run_engine(&engine, &w);
        let mut w2 = w.clone();
        w2.policies.push(GenPolicy { wallet: Some(w1()), network: None, enabled: true, ..extra });
        let after = run_engine(&engine, &w2);
        if after.allowed {
            prop_assert!(before.allowed, "adding {:?} allowed a denied request", w2.policies.last());
            prop_assert!(after.tier >= before.tier);
        }
    }

    /// Lowering every limit of every SPENDING_LIMIT never lowers the tier.
    #[test]
    fn lowering_a_limit_never_lowers_the_tier(w in world()) {
        let engine = Engine::new();
        let before = run_engine(&engine, &w);
        let mut w2 = w.clone();
        for p in w2.policies.iter_mut().filter(|p| p.ty == PolicyType::SpendingLimit && !p.corrupt) {
            let obj = p.rules.as_object_mut().unwrap();
            for (k, v) in obj.iter_mut() {
                let n: u64 = v.as_str().unwrap().parse().unwrap();
                let lowered = if k == "daily_limit_usd" { (n / 2).max(1) } else { n / 2 };
                *v = json!(lowered.to_string());
            }
        }
        let after = run_engine(&engine, &w2);
        prop_assert_eq!(after.allowed, before.allowed);
        if after.allowed {
            prop_assert!(after.tier >= before.tier, "{:?} -> {:?}", before.tier, after.tier);
        }
    }

    /// Corrupting the rules of any policy that decides makes the decision deny.
    #[test]
    fn an_evaluation_error_never_allows(w in world(), pick in any::<prop::sample::Index>()) {
        let engine = Engine::new();
        let applicable: Vec<usize> = (0..w.policies.len())
            .filter(|i| {
                let p = &w.policies[*i];
                p.enabled && p.wallet.is_none_or(|x| x == w1()) && p.network.is_none_or(|n| n == w.request.network)
            })
            .collect();
        prop_assume!(!applicable.is_empty());
        let mut w2 = w.clone();
        let i = applicable[pick.index(applicable.len())];
        // Make it win its type and break it.
        w2.policies[i].wallet = Some(w1());
        w2.policies[i].network = Some(w.request.network);
        w2.policies[i].priority = 99;
        w2.policies[i].rules = json!(["not", "rules"]);
        let d = run_engine(&engine, &w2);
        prop_assert!(!d.allowed);
        prop_assert!(d.reason_codes().contains(&"POLICY_RULES_CORRUPT"));
    }
}
