//! `evaluate_and_reserve` with 20 policies (including daily and monthly USD caps) over
//! a ledger holding 10 000 and 100 000 rows of the same wallet, spread over the last 60
//! days (so the monthly window holds about half of them). The cost must stay flat as
//! history grows: the store keeps running window totals and evicts incrementally.
//!
//! Besides criterion's estimate, prints p50/p99/max over 20 000 timed calls per size.
//! Run: `cargo bench -p waiaas-policy --bench evaluate_and_reserve`
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::cast_possible_truncation,
    reason = "benchmark harness"
)]

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use criterion::Criterion;
use serde_json::json;
use waiaas_core::policy::{RequestBody, Reservation, ReservationStatus, Spend};
use waiaas_core::{
    Amount, ManualClock, Network, PolicyRequest, PolicyType, PriceBook, PriceQuote, Store, Tier,
    TxId, Usd, WalletId,
};
use waiaas_policy::{Engine, NewPolicy, PolicyAdmin};
use waiaas_store::{SqliteStore, Synchronous};
use waiaas_test_support::vault as fixtures;

const TO: &str = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
const C: &str = "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb";
const T0: i64 = 1_767_268_800;

fn setup(path: &Path, rows: u64, sync: Synchronous) -> (SqliteStore, WalletId) {
    let store = fixtures::open_store_with(path, sync);
    let w = WalletId::new();
    fixtures::insert_wallet(&store, w, Network::EthereumMainnet);
    let clock = ManualClock::new(T0);
    let admin = PolicyAdmin::new(&store, &clock);
    let policies = [
        (
            PolicyType::SpendingLimit,
            json!({"instant_max_usd": "1000000", "notify_max_usd": "2000000", "delay_max_usd": "3000000", "daily_limit_usd": "1000000000000", "monthly_limit_usd": "10000000000000"}),
        ),
        (PolicyType::Whitelist, json!({"allowed_addresses": [TO, C]})),
        (
            PolicyType::TimeRestriction,
            json!({"allowed_hours": {"start": 0, "end": 24}, "timezone": "Europe/Berlin"}),
        ),
        (
            PolicyType::RateLimit,
            json!({"max_requests": 1_000_000_000u64, "window_seconds": 3600}),
        ),
        (
            PolicyType::AllowedTokens,
            json!({"tokens": [{"address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "decimals": 6}]}),
        ),
        (
            PolicyType::ContractWhitelist,
            json!({"contracts": [{"address": C}]}),
        ),
        (
            PolicyType::MethodWhitelist,
            json!({"methods": [{"contract_address": C, "selectors": ["0xa9059cbb"]}]}),
        ),
        (
            PolicyType::ApprovedSpenders,
            json!({"spenders": [{"address": C}]}),
        ),
        (
            PolicyType::ApproveAmountLimit,
            json!({"max_amount": "1000"}),
        ),
        (PolicyType::ApproveTierOverride, json!({"tier": "DELAY"})),
        (
            PolicyType::AllowedNetworks,
            json!({"networks": ["ethereum-mainnet"]}),
        ),
        (
            PolicyType::X402AllowedDomains,
            json!({"domains": ["*.example.com"]}),
        ),
        (
            PolicyType::Erc8128AllowedDomains,
            json!({"domains": ["api.example.com"], "rate_limit_rpm": 60}),
        ),
        (
            PolicyType::LendingLtvLimit,
            json!({"max_ltv": "0.8", "warning_ltv": "0.7"}),
        ),
        (
            PolicyType::LendingAssetWhitelist,
            json!({"assets": ["USDC"]}),
        ),
        (PolicyType::PerpMaxLeverage, json!({"max_leverage": "10"})),
        (
            PolicyType::PerpMaxPositionUsd,
            json!({"max_position_usd": "10000"}),
        ),
        (
            PolicyType::PerpAllowedMarkets,
            json!({"markets": ["ETH-PERP"]}),
        ),
        (PolicyType::VenueWhitelist, json!({"venues": ["aave"]})),
        (
            PolicyType::ActionCategoryLimit,
            json!({"category": "perp", "daily_limit_usd": "1000"}),
        ),
    ];
    for (ty, rules) in policies {
        admin
            .create(NewPolicy::new(ty, rules).for_wallet(w))
            .unwrap();
    }
    // History: `rows` committed transfers spread evenly over the last 60 days.
    let span = 60 * 86_400i64;
    for i in 0..rows {
        let created = T0 - span + (i as i64 * span) / rows as i64;
        let mut spend = Spend {
            usd: Some(Usd::from_u64(3)),
            ..Spend::default()
        };
        spend.assets.insert(
            "native:ethereum-mainnet".into(),
            Amount::from_u64(1_000_000),
        );
        store
            .insert_ledger_row_for_tests(&Reservation {
                request_id: TxId::new(),
                wallet_id: w,
                network: Network::EthereumMainnet,
                kind: "TRANSFER".into(),
                tier: Tier::Instant,
                status: ReservationStatus::Committed,
                spend,
                created_at: created,
                updated_at: created,
            })
            .unwrap();
    }
    (store, w)
}

fn request(w: WalletId) -> PolicyRequest {
    PolicyRequest {
        request_id: TxId::new(),
        wallet_id: w,
        network: Network::EthereumMainnet,
        body: RequestBody::Transfer {
            to: TO.into(),
            amount: Amount::from_u64(1_000_000_000_000),
        },
        permissions: Vec::new(),
        action: None,
        claimed_action: None,
        fee: None,
    }
}

fn prices(now: i64) -> PriceBook {
    let mut p = PriceBook::default();
    p.quotes.insert(
        "native:ethereum-mainnet".into(),
        PriceQuote {
            usd: Usd::from_u64(3000),
            source: "bench".into(),
            observed_at: now,
        },
    );
    p
}

fn one(store: &SqliteStore, engine: &Engine, w: WalletId, clock: &AtomicI64) {
    // Time moves one second per call, so windows evict as they would in service.
    let now = clock.fetch_add(1, Ordering::Relaxed);
    let d = store
        .evaluate_and_reserve(&request(w), &prices(now), now, engine)
        .unwrap();
    assert!(d.allowed && d.tier == Tier::Instant, "{d:?}");
}

fn percentiles(
    store: &SqliteStore,
    engine: &Engine,
    w: WalletId,
    clock: &AtomicI64,
) -> (Duration, Duration, Duration) {
    let mut v: Vec<Duration> = (0..20_000)
        .map(|_| {
            let t = Instant::now();
            one(store, engine, w, clock);
            t.elapsed()
        })
        .collect();
    v.sort_unstable();
    (v[v.len() / 2], v[v.len() * 99 / 100], v[v.len() - 1])
}

/// Where the time goes: the pure decision, and the store path without the write.
fn breakdown(c: &mut Criterion) {
    let dir = bench_dir();
    let (store, w) = setup(&dir.path().join("parts.db"), 10_000, Synchronous::Normal);
    let engine = Engine::new();
    let policies = store
        .policies(waiaas_core::policy::PolicyFilter::ApplicableTo(w))
        .unwrap();
    let req = request(w);
    let windows = waiaas_core::PolicyEngine::windows(&engine, &req, &policies);
    let ledger = store.ledger_snapshot(w, &windows, T0).unwrap();
    let p = prices(T0);
    c.bench_function("engine_evaluate/20_policies", |b| {
        b.iter(|| {
            let d = waiaas_core::PolicyEngine::evaluate(
                &engine,
                &waiaas_core::PolicyInput {
                    request: &req,
                    policies: &policies,
                    ledger: &ledger,
                    prices: &p,
                    now: T0,
                },
            );
            assert!(d.allowed);
        });
    });
    c.bench_function("simulate/20_policies/10000_rows", |b| {
        b.iter(|| assert!(store.simulate(&req, &p, T0, &engine).unwrap().allowed));
    });
}

/// A temporary directory, under `WAIAAS_BENCH_DIR` when set (e.g. a tmpfs, to separate
/// file-system cost from CPU cost).
fn bench_dir() -> tempfile::TempDir {
    match std::env::var_os("WAIAAS_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d).unwrap(),
        None => tempfile::tempdir().unwrap(),
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    if std::env::var_os("WAIAAS_BENCH_ONLY").is_none() {
        breakdown(&mut c);
    }
    for sync in [Synchronous::Normal, Synchronous::Full] {
        for rows in [10_000u64, 100_000] {
            let name = format!("evaluate_and_reserve/20_policies/{rows}_rows/{sync:?}");
            // `WAIAAS_BENCH_ONLY=<substring>` skips the other sizes entirely (setup included),
            // e.g. for profiling one configuration.
            if std::env::var("WAIAAS_BENCH_ONLY").is_ok_and(|only| !name.contains(&only)) {
                continue;
            }
            let dir = bench_dir();
            let (store, w) = setup(&dir.path().join("bench.db"), rows, sync);
            let engine = Engine::new();
            let clock = AtomicI64::new(T0);
            one(&store, &engine, w, &clock); // builds the windows once
            c.bench_function(&name, |b| b.iter(|| one(&store, &engine, w, &clock)));
            let (p50, p99, max) = percentiles(&store, &engine, w, &clock);
            println!("{name}: p50 {p50:?} p99 {p99:?} max {max:?} (20000 calls)");
        }
    }
    c.final_summary();
}
