//! Policy administration through the SQLite store, and the spend ledger's running
//! window totals against a naive model.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "test code"
)]

use waiaas_test_support::vault as fixtures;

use proptest::prelude::*;
use serde_json::json;
use waiaas_core::policy::{
    LedgerSnapshot, PolicyFilter, RequestBody, ReservationStatus, Spend, WindowTotals,
};
use waiaas_core::{
    Amount, Decision, ErrorCode, ManualClock, Network, PolicyEngine, PolicyInput, PolicyRecord,
    PolicyRequest, PolicyType, PriceBook, Store, Tier, TxId, Usd, WalletId,
};
use waiaas_policy::{
    Engine, NewPolicy, PolicyAdmin, PolicyError, PolicyUpdate, QuicksetMode, quickset,
};

const A2: &str = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";

fn transfer(wallet: WalletId, amount: u64) -> PolicyRequest {
    PolicyRequest {
        request_id: TxId::new(),
        wallet_id: wallet,
        network: Network::EthereumMainnet,
        body: RequestBody::Transfer {
            to: A2.to_owned(),
            amount: Amount::from_u64(amount),
        },
        permissions: Vec::new(),
        action: None,
        claimed_action: None,
        fee: None,
    }
}

fn setup() -> (tempfile::TempDir, waiaas_store::SqliteStore, WalletId) {
    let dir = tempfile::tempdir().unwrap();
    let store = fixtures::open_store(&dir.path().join("w.db"));
    let w = WalletId::new();
    fixtures::insert_wallet(&store, w, Network::EthereumMainnet);
    (dir, store, w)
}

#[test]
fn create_validates_and_normalizes() {
    let (_d, store, w) = setup();
    let clock = ManualClock::new(1000);
    let admin = PolicyAdmin::new(&store, &clock);
    let p = admin
        .create(
            NewPolicy::new(
                PolicyType::SpendingLimit,
                json!({"instant_max": "10", "notify_max_usd": 5, "delay_seconds": 120}),
            )
            .for_wallet(w),
        )
        .unwrap();
    assert_eq!(
        p.rules,
        json!({"instant_max": "10", "notify_max_usd": "5", "delay_seconds": 120})
    );
    assert_eq!(admin.get(p.id).unwrap(), p);

    let err = admin
        .create(NewPolicy::new(
            PolicyType::SpendingLimit,
            json!({"instant_max": "10", "notify_max": "5"}),
        ))
        .unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    assert!(err.to_string().contains("rules.notify_max"), "{err}");

    for (ty, rules, field) in [
        (PolicyType::SpendingLimit, json!({}), "rules"),
        (
            PolicyType::SpendingLimit,
            json!({"instant_max": "1", "delay_seconds": 59}),
            "rules.delay_seconds",
        ),
        (
            PolicyType::SpendingLimit,
            json!({"instant_max": "-1"}),
            "rules.instant_max",
        ),
        (
            PolicyType::SpendingLimit,
            json!({"instant_max": 10}),
            "rules.instant_max",
        ),
        (
            PolicyType::SpendingLimit,
            json!({"instant_max": "1", "instantMax": "1"}),
            "rules.instantMax",
        ),
        (
            PolicyType::SpendingLimit,
            json!({"token_limits": {"native": {"instant_max": "2", "notify_max": "1"}}}),
            "rules.token_limits.native.notify_max",
        ),
        (
            PolicyType::Whitelist,
            json!({"allowed_addresses": ["0x123"]}),
            "rules.allowed_addresses[0]",
        ),
        (
            PolicyType::Whitelist,
            json!({"allowed_addresses": [" 0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"]}),
            "rules.allowed_addresses[0]",
        ),
        (
            PolicyType::TimeRestriction,
            json!({"allowed_hours": {"start": 24, "end": 3}}),
            "rules.allowed_hours.start",
        ),
        (
            PolicyType::TimeRestriction,
            json!({"allowed_days": [7]}),
            "rules.allowed_days[0]",
        ),
        (
            PolicyType::TimeRestriction,
            json!({"allowed_days": [1], "timezone": "Mars/Olympus"}),
            "rules.timezone",
        ),
        (
            PolicyType::RateLimit,
            json!({"max_requests": 0, "window_seconds": 60}),
            "rules.max_requests",
        ),
        (
            PolicyType::MethodWhitelist,
            json!({"methods": [{"contract_address": A2, "selectors": ["a9059cbb"]}]}),
            "rules.methods[0].selectors[0]",
        ),
        (
            PolicyType::MethodWhitelist,
            json!({"methods": [{"contract_address": A2, "selectors": ["0xa905\u{200b}9cbb"]}]}),
            "rules.methods[0].selectors[0]",
        ),
        (
            PolicyType::X402AllowedDomains,
            json!({"domains": ["https://x.com"]}),
            "rules.domains[0]",
        ),
        (
            PolicyType::ApproveTierOverride,
            json!({"tier": "FAST"}),
            "rules.tier",
        ),
        (
            PolicyType::ReputationThreshold,
            json!({"min_score": 101, "below_threshold_tier": "DELAY", "unrated_tier": "DELAY"}),
            "rules.min_score",
        ),
        (
            PolicyType::LendingLtvLimit,
            json!({"max_ltv": "0.8", "warning_ltv": "0.9"}),
            "rules.warning_ltv",
        ),
        (
            PolicyType::AllowedNetworks,
            json!({"networks": ["mars-mainnet"]}),
            "rules.networks[0]",
        ),
        (
            PolicyType::Whitelist,
            json!({"allowed_addresses": [A2], "extra": 1}),
            "rules.extra",
        ),
    ] {
        let err = admin.create(NewPolicy::new(ty, rules.clone())).unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED", "{ty} {rules}");
        assert!(
            err.to_string().contains(&format!("`{field}`")),
            "{ty} {rules}: {err}"
        );
    }
    // Nothing invalid was stored.
    assert_eq!(admin.list(PolicyFilter::All).unwrap().len(), 1);
}

#[test]
fn scope_is_checked() {
    let (_d, store, w) = setup();
    let clock = ManualClock::new(1000);
    let admin = PolicyAdmin::new(&store, &clock);
    let ladder = json!({"instant_max": "1"});
    let missing = WalletId::new();
    let err = admin
        .create(NewPolicy::new(PolicyType::SpendingLimit, ladder.clone()).for_wallet(missing))
        .unwrap_err();
    assert_eq!(err, PolicyError::WalletNotFound(missing));
    let err = admin
        .create(
            NewPolicy::new(PolicyType::SpendingLimit, ladder)
                .for_wallet(w)
                .on_network(Network::SolanaMainnet),
        )
        .unwrap_err();
    assert!(err.to_string().contains("`network`"), "{err}");
}

#[test]
fn update_validates_bumps_revision_and_takes_effect_across_handles() {
    let (dir, store, w) = setup();
    let other = fixtures::open_store(&dir.path().join("w.db"));
    let clock = ManualClock::new(1000);
    let admin = PolicyAdmin::new(&store, &clock);
    let engine = Engine::new();
    let p = admin
        .create(
            NewPolicy::new(PolicyType::SpendingLimit, json!({"instant_max": "100"})).for_wallet(w),
        )
        .unwrap();
    let prices = PriceBook::default();
    // `other` caches the policy set...
    let d = other
        .simulate(&transfer(w, 150), &prices, 1000, &engine)
        .unwrap();
    assert_eq!((d.allowed, d.tier), (true, Tier::Approval));
    // ...and sees the update made through `store`.
    clock.set(1001);
    let err = admin
        .update(
            p.id,
            PolicyUpdate {
                rules: Some(json!({"instant_max": "x"})),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    let updated = admin
        .update(
            p.id,
            PolicyUpdate {
                rules: Some(json!({"instant_max": "200"})),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(updated.revision, 2);
    assert_eq!(updated.updated_at, 1001);
    assert_eq!(
        updated.rules,
        json!({"instant_max": "200", "delay_seconds": 900})
    );
    let d = other
        .simulate(&transfer(w, 150), &prices, 1000, &engine)
        .unwrap();
    assert_eq!((d.allowed, d.tier), (true, Tier::Instant));
    // Disabling leaves nothing: default deny.
    admin
        .update(
            p.id,
            PolicyUpdate {
                enabled: Some(false),
                ..Default::default()
            },
        )
        .unwrap();
    let d = other
        .simulate(&transfer(w, 1), &prices, 1000, &engine)
        .unwrap();
    assert_eq!(d.reason_codes(), vec!["NO_POLICY"]);
    admin.delete(p.id).unwrap();
    assert_eq!(admin.delete(p.id).unwrap_err(), PolicyError::NotFound(p.id));
    assert_eq!(admin.get(p.id).unwrap_err().code(), "POLICY_NOT_FOUND");
}

#[test]
fn list_filters() {
    let (_d, store, w) = setup();
    let w2 = WalletId::new();
    fixtures::insert_wallet(&store, w2, Network::EthereumMainnet);
    let clock = ManualClock::new(1000);
    let admin = PolicyAdmin::new(&store, &clock);
    let rules = json!({"networks": ["ethereum-mainnet"]});
    let g = admin
        .create(NewPolicy::new(PolicyType::AllowedNetworks, rules.clone()))
        .unwrap();
    let a = admin
        .create(NewPolicy::new(PolicyType::AllowedNetworks, rules.clone()).for_wallet(w))
        .unwrap();
    let b = admin
        .create(NewPolicy::new(PolicyType::AllowedNetworks, rules).for_wallet(w2))
        .unwrap();
    let ids = |f| {
        admin
            .list(f)
            .unwrap()
            .into_iter()
            .map(|p: PolicyRecord| p.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(PolicyFilter::All), vec![g.id, a.id, b.id]);
    assert_eq!(ids(PolicyFilter::Global), vec![g.id]);
    assert_eq!(ids(PolicyFilter::Wallet(w)), vec![a.id]);
    assert_eq!(ids(PolicyFilter::ApplicableTo(w2)), vec![g.id, b.id]);
}

#[test]
fn corrupt_stored_rules_deny_and_can_still_be_deleted() {
    let (_d, store, w) = setup();
    let clock = ManualClock::new(1000);
    let admin = PolicyAdmin::new(&store, &clock);
    let engine = Engine::new();
    let p = admin
        .create(
            NewPolicy::new(PolicyType::SpendingLimit, json!({"instant_max": "100"})).for_wallet(w),
        )
        .unwrap();
    // Simulate a row damaged on disk or written by a newer version.
    let mut bad = p.clone();
    bad.rules = json!({"instant_max": {"nested": true}});
    store
        .update_policy(
            &bad,
            &waiaas_core::audit::AuditEntry::new(
                0,
                &waiaas_core::audit::Actor::System,
                "TEST_FIXTURE",
            ),
        )
        .unwrap();
    let d = store
        .evaluate_and_reserve(&transfer(w, 1), &PriceBook::default(), 1000, &engine)
        .unwrap();
    assert!(!d.allowed);
    assert_eq!(d.reason_codes(), vec!["POLICY_RULES_CORRUPT"]);
    assert_eq!(d.reasons[0].policy_id, Some(p.id));
    // An update that leaves the corrupt rules in place is refused; delete works.
    assert_eq!(
        admin
            .update(
                p.id,
                PolicyUpdate {
                    priority: Some(3),
                    ..Default::default()
                }
            )
            .unwrap_err()
            .code(),
        "VALIDATION_FAILED"
    );
    admin.delete(p.id).unwrap();
}

#[test]
fn reserve_release_commit_and_duplicates() {
    let (_d, store, w) = setup();
    let clock = ManualClock::new(1000);
    let admin = PolicyAdmin::new(&store, &clock);
    admin
        .create(
            NewPolicy::new(
                PolicyType::SpendingLimit,
                json!({"instant_max": "100", "daily_limit_usd": "10"}),
            )
            .for_wallet(w),
        )
        .unwrap();
    let engine = Engine::new();
    let mut prices = PriceBook::default();
    prices.quotes.insert(
        "native:ethereum-mainnet".to_owned(),
        waiaas_core::PriceQuote {
            usd: Usd::parse("100000000000000000").unwrap(),
            source: "t".into(),
            observed_at: 1000,
        },
    );
    let r1 = transfer(w, 60); // 6 USD at 0.1 USD per wei
    let d1: Decision = store
        .evaluate_and_reserve(&r1, &prices, 1000, &engine)
        .unwrap();
    assert_eq!((d1.allowed, d1.tier), (true, Tier::Instant));
    assert_eq!(d1.spend.usd, Some(Usd::parse("6").unwrap()));
    let dup = store
        .evaluate_and_reserve(&r1, &prices, 1000, &engine)
        .unwrap_err();
    assert_eq!(dup.code(), "DUPLICATE_REQUEST");
    // 60 wei in flight + 60 > instant_max 100: the per-tx ladder counts the in-flight
    // reservation; and 6 + 6 USD > the 10 USD daily cap.
    let r2 = transfer(w, 60);
    let sim = store.simulate(&r2, &prices, 1001, &engine).unwrap();
    assert_eq!(
        sim.approval_reason,
        Some(waiaas_core::policy::ApprovalReason::PerTx)
    );
    assert_eq!(
        sim.warnings
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>(),
        vec!["DAILY_LIMIT_EXCEEDED"]
    );
    assert!(
        store.reservation(r2.request_id).unwrap().is_none(),
        "simulate reserves nothing"
    );
    // Released: the spend leaves the window.
    assert!(store.release_reservation(r1.request_id, 1002).unwrap());
    assert!(!store.release_reservation(r1.request_id, 1002).unwrap());
    assert!(!store.commit_reservation(r1.request_id, 1002).unwrap());
    assert_eq!(
        store.reservation(r1.request_id).unwrap().unwrap().status,
        ReservationStatus::Released
    );
    let d2 = store
        .evaluate_and_reserve(&r2, &prices, 1003, &engine)
        .unwrap();
    assert_eq!(d2.tier, Tier::Instant);
    assert!(store.commit_reservation(r2.request_id, 1004).unwrap());
    assert!(!store.release_reservation(r2.request_id, 1004).unwrap());
    // Committed still counts; a day later it has left the window.
    let r3 = transfer(w, 60);
    assert_eq!(
        store.simulate(&r3, &prices, 1005, &engine).unwrap().tier,
        Tier::Approval
    );
    // (prices are fresh again: the quote is re-observed a day later)
    let mut later = prices.clone();
    for q in later.quotes.values_mut() {
        q.observed_at = 1003 + 86_399;
    }
    let at = |t| store.simulate(&r3, &later, t, &engine).unwrap();
    assert_eq!(
        at(1003 + 86_399).approval_reason,
        Some(waiaas_core::policy::ApprovalReason::CumulativeDaily)
    );
    assert_eq!(at(1003 + 86_400).tier, Tier::Instant);
}

#[test]
fn quickset_creates_the_documented_sets() {
    let (_d, store, w) = setup();
    let clock = ManualClock::new(1000);
    let admin = PolicyAdmin::new(&store, &clock);
    let err = quickset(&admin, &store, w, QuicksetMode::Testnet).unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    let created = quickset(&admin, &store, w, QuicksetMode::Mainnet).unwrap();
    let types: Vec<PolicyType> = created.iter().map(|p| p.policy_type).collect();
    assert_eq!(
        types,
        vec![PolicyType::SpendingLimit, PolicyType::AllowedNetworks]
    );
    let engine = Engine::new();
    let mut prices = PriceBook::default();
    prices.quotes.insert(
        "native:ethereum-mainnet".to_owned(),
        waiaas_core::PriceQuote {
            usd: Usd::from_u64(2000),
            source: "t".into(),
            observed_at: 1000,
        },
    );
    // 0.005 ETH = 10 USD: INSTANT; 0.05 ETH = 100 USD: NOTIFY; 0.5 ETH: DELAY; 1 ETH: APPROVAL.
    for (wei, tier) in [
        (5_000_000_000_000_000u64, Tier::Instant),
        (50_000_000_000_000_000, Tier::Notify),
        (500_000_000_000_000_000, Tier::Delay),
        (1_000_000_000_000_000_000, Tier::Approval),
    ] {
        let d = store
            .simulate(&transfer(w, wei), &prices, 1000, &engine)
            .unwrap();
        assert_eq!((d.allowed, d.tier), (true, tier), "{wei}");
    }
    // Other networks are not allowed; tokens are not allowed until listed.
    let mut on_base = transfer(w, 1);
    on_base.network = Network::BaseMainnet;
    assert_eq!(
        store
            .simulate(&on_base, &prices, 1000, &engine)
            .unwrap()
            .reason_codes(),
        vec!["NETWORK_NOT_ALLOWED"]
    );

    let t = WalletId::new();
    fixtures::insert_wallet(&store, t, Network::SolanaDevnet);
    let created = quickset(&admin, &store, t, QuicksetMode::Testnet).unwrap();
    assert_eq!(created.len(), 2);
    let mut req = transfer(t, 1_000_000_000);
    req.network = Network::SolanaDevnet;
    req.body = RequestBody::Transfer {
        to: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v".into(),
        amount: Amount::from_u64(1_000_000_000),
    };
    assert_eq!(
        store.simulate(&req, &prices, 1000, &engine).unwrap().tier,
        Tier::Instant
    );
}

/// Allows everything with a fixed spend; asks for the windows under test.
#[derive(Debug)]
struct AllowAll {
    windows: Vec<u64>,
}

impl PolicyEngine for AllowAll {
    fn windows(&self, _: &PolicyRequest, _: &[PolicyRecord]) -> Vec<u64> {
        self.windows.clone()
    }
    fn evaluate(&self, input: &PolicyInput<'_>) -> Decision {
        let RequestBody::Transfer { amount, .. } = &input.request.body else {
            panic!()
        };
        let units = amount.to_u64().unwrap();
        let mut spend = Spend {
            usd: Some(Usd::from_u64(units)),
            erc8128: units % 3 == 0,
            ..Spend::default()
        };
        spend
            .assets
            .insert("native:ethereum-mainnet".into(), *amount);
        if units % 2 == 0 {
            spend.category = Some("perp".into());
            spend.category_usd = Some(Usd::from_u64(units));
        }
        Decision {
            allowed: true,
            tier: Tier::Instant,
            delay_seconds: None,
            approval_timeout: None,
            reasons: vec![],
            warnings: vec![],
            approval_reason: None,
            spend,
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Reserve(u64),
    Release(usize),
    Commit(usize),
    Advance(i64),
    Check(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u64..50).prop_map(Op::Reserve),
        2 => any::<usize>().prop_map(Op::Release),
        1 => any::<usize>().prop_map(Op::Commit),
        3 => prop_oneof![0i64..5, 50i64..70, 3_000i64..4_000, 80_000i64..90_000].prop_map(Op::Advance),
        2 => prop_oneof![Just(60u64), Just(3_600), Just(86_400)].prop_map(Op::Check),
    ]
}

fn naive(rows: &[(i64, ReservationStatus, Spend)], now: i64, w: u64) -> WindowTotals {
    let mut t = WindowTotals::default();
    for (created, status, spend) in rows {
        if *created > now - i64::try_from(w).unwrap() {
            t.add(spend);
            if *status == ReservationStatus::Released {
                t.remove_spend(spend);
            }
        }
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The running totals (incremental eviction, release, commit) equal a naive sum
    /// over the ledger at every step, for windows created early and late.
    #[test]
    fn running_window_totals_match_a_naive_sum(ops in proptest::collection::vec(op(), 1..60)) {
        let (_d, store, w) = setup();
        let engine = AllowAll { windows: vec![60, 86_400] };
        let mut now = 1_000_000i64;
        let mut rows: Vec<(TxId, i64, ReservationStatus, Spend)> = Vec::new();
        for op in ops {
            match op {
                Op::Reserve(units) => {
                    let req = transfer(w, units);
                    let d = store.evaluate_and_reserve(&req, &PriceBook::default(), now, &engine).unwrap();
                    rows.push((req.request_id, now, ReservationStatus::Reserved, d.spend));
                }
                Op::Release(i) | Op::Commit(i) if !rows.is_empty() => {
                    let i = i % rows.len();
                    let release = matches!(op, Op::Release(_));
                    let changed = if release {
                        store.release_reservation(rows[i].0, now).unwrap()
                    } else {
                        store.commit_reservation(rows[i].0, now).unwrap()
                    };
                    prop_assert_eq!(changed, rows[i].2 == ReservationStatus::Reserved);
                    if changed {
                        rows[i].2 = if release { ReservationStatus::Released } else { ReservationStatus::Committed };
                    }
                }
                Op::Release(_) | Op::Commit(_) => {}
                Op::Advance(s) => now += s,
                Op::Check(win) => {
                    let snap: LedgerSnapshot = store.ledger_snapshot(w, &[win], now).unwrap();
                    let flat: Vec<_> = rows.iter().map(|r| (r.1, r.2, r.3.clone())).collect();
                    prop_assert_eq!(&snap.windows[&win], &naive(&flat, now, win), "window {}", win);
                    let mut in_flight = WindowTotals::default();
                    for r in rows.iter().filter(|r| r.2 == ReservationStatus::Reserved) {
                        in_flight.add(&r.3);
                    }
                    prop_assert_eq!(snap.in_flight.as_ref(), Some(&in_flight));
                }
            }
        }
        let flat: Vec<_> = rows.iter().map(|r| (r.1, r.2, r.3.clone())).collect();
        for win in [60u64, 86_400] {
            let snap = store.ledger_snapshot(w, &[win], now).unwrap();
            prop_assert_eq!(&snap.windows[&win], &naive(&flat, now, win));
        }
    }
}

/// An engine that is not given the ledger totals it asked for denies (it never
/// treats missing totals as zero).
#[test]
fn missing_ledger_totals_deny() {
    let engine = Engine::new();
    let w = WalletId::new();
    let policies = vec![PolicyRecord {
        id: waiaas_core::PolicyId::new(),
        wallet_id: None,
        network: None,
        policy_type: PolicyType::SpendingLimit,
        rules: json!({"instant_max": "10", "daily_limit_usd": "100"}),
        priority: 0,
        enabled: true,
        revision: 1,
        created_at: 0,
        updated_at: 0,
    }];
    let mut prices = PriceBook::default();
    prices.quotes.insert(
        "native:ethereum-mainnet".to_owned(),
        waiaas_core::PriceQuote {
            usd: Usd::from_u64(1),
            source: "t".into(),
            observed_at: 0,
        },
    );
    let req = transfer(w, 1);
    assert_eq!(engine.windows(&req, &policies), vec![86_400]);
    let eval = |ledger: &LedgerSnapshot| {
        engine.evaluate(&PolicyInput {
            request: &req,
            policies: &policies,
            ledger,
            prices: &prices,
            now: 0,
        })
    };
    // Neither the window nor the in-flight totals.
    assert_eq!(
        eval(&LedgerSnapshot::default()).reason_codes(),
        vec!["LEDGER_UNAVAILABLE"]
    );
    // The window but not the in-flight totals.
    let mut only_windows = LedgerSnapshot::empty(&[86_400]);
    only_windows.in_flight = None;
    assert_eq!(
        eval(&only_windows).reason_codes(),
        vec!["LEDGER_UNAVAILABLE"]
    );
    // The in-flight totals but not the window.
    assert_eq!(
        eval(&LedgerSnapshot::empty(&[])).reason_codes(),
        vec!["LEDGER_UNAVAILABLE"]
    );
    assert!(eval(&LedgerSnapshot::empty(&[86_400])).allowed);
}
