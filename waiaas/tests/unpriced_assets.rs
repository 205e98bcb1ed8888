//! Opening a vault whose USD policies name assets no oracle prices sends one
//! `UNPRICED_ASSETS` event per wallet concerned, naming those assets and policies; a
//! vault whose USD assets are all priced, or whose limits are not in USD, sends none.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use waiaas::notify::{Event, EventKind, MemoryNotifier};
use waiaas::{Admin, Config, Host, ManualClock, Network, NewPolicy, StaticPriceOracle, Waiaas};
use waiaas_core::WalletId;
use waiaas_core::policy::{PolicyType, native_asset_id, token_asset_id};
use waiaas_core::session::CreateSession;

const MINT: &str = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";

fn host(clock: &Arc<ManualClock>, prices: StaticPriceOracle, memory: &Arc<MemoryNotifier>) -> Host {
    Host {
        clock: clock.clone(),
        prices: Arc::new(prices),
        notifiers: vec![memory.clone()],
        ..Host::default()
    }
}

/// The events delivered up to a marker (a session created after opening: each
/// notifier's queue is in order, so everything sent before it has arrived).
fn events_until_marker(admin: &Admin, wallet: WalletId, memory: &MemoryNotifier) -> Vec<Event> {
    admin
        .create_session(&CreateSession::new(vec![wallet]))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let seen = memory.events();
        if seen.iter().any(|e| e.kind == EventKind::SessionCreated) {
            return seen;
        }
        assert!(Instant::now() < deadline, "no marker event");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn opening_names_the_unpriced_assets_of_usd_policies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault");
    let clock = Arc::new(ManualClock::new(common::T0));
    let only_sol = || StaticPriceOracle::from_usd(&[("native:solana-devnet", "100")]).unwrap();
    let first = Arc::new(MemoryNotifier::new());
    let admin = Waiaas::create(
        &path,
        Some(common::pw()),
        &Config::for_tests(),
        host(&clock, only_sol(), &first),
    )
    .unwrap();

    // A Solana wallet with a USD ladder and an allowed token nobody prices.
    let sol = admin.create_wallet("sol", Network::SolanaDevnet).unwrap();
    let ladder = json!({ "instant_max_usd": 10, "notify_max_usd": 100 });
    let sol_limit = admin
        .create_policy(NewPolicy::new(PolicyType::SpendingLimit, ladder.clone()).for_wallet(sol.id))
        .unwrap();
    let tokens = admin
        .create_policy(
            NewPolicy::new(
                PolicyType::AllowedTokens,
                json!({ "tokens": [{ "address": MINT, "decimals": 6 }] }),
            )
            .for_wallet(sol.id),
        )
        .unwrap();
    // An EVM wallet under a global USD daily cap: its native coin is unpriced.
    let eth = admin
        .create_wallet("eth", Network::EthereumSepolia)
        .unwrap();
    let global = admin
        .create_policy(NewPolicy::new(
            PolicyType::SpendingLimit,
            json!({ "instant_max": "1000", "daily_limit_usd": 500 }),
        ))
        .unwrap();
    // A wallet whose own limit is in base units only: no USD rule, no warning.
    let plain = admin.create_wallet("plain", Network::PolygonAmoy).unwrap();
    admin
        .create_policy(
            NewPolicy::new(PolicyType::SpendingLimit, json!({ "instant_max": "1000" }))
                .for_wallet(plain.id),
        )
        .unwrap();
    drop(admin);

    let memory = Arc::new(MemoryNotifier::new());
    let admin = Waiaas::open(
        &path,
        Some(common::pw()),
        &Config::for_tests(),
        host(&clock, only_sol(), &memory),
    )
    .unwrap();
    let events = events_until_marker(&admin, sol.id, &memory);
    let unpriced: Vec<&Event> = events
        .iter()
        .filter(|e| e.kind == EventKind::UnpricedAssets)
        .collect();
    assert_eq!(unpriced.len(), 2, "{unpriced:?}");
    let for_wallet = |w: WalletId| unpriced.iter().find(|e| e.wallet_id == Some(w)).unwrap();

    let s = for_wallet(sol.id);
    assert_eq!(
        s.details["assets"],
        json!([token_asset_id(Network::SolanaDevnet, MINT)])
    );
    let mut ids = vec![sol_limit.id.to_string(), tokens.id.to_string()];
    ids.sort();
    assert_eq!(s.details["policyIds"], json!(ids));
    assert_eq!(s.at, common::T0);

    let e = for_wallet(eth.id);
    assert_eq!(
        e.details["assets"],
        json!([native_asset_id(Network::EthereumSepolia)])
    );
    assert_eq!(e.details["policyIds"], json!([global.id.to_string()]));
    assert!(!unpriced.iter().any(|e| e.wallet_id == Some(plain.id)));
    drop(admin);

    // Every named asset priced: nothing to warn about.
    let all = StaticPriceOracle::from_usd(&[
        ("native:solana-devnet", "100"),
        ("native:ethereum-sepolia", "2000"),
        (&token_asset_id(Network::SolanaDevnet, MINT), "1"),
    ])
    .unwrap();
    let quiet = Arc::new(MemoryNotifier::new());
    let admin = Waiaas::open(
        &path,
        Some(common::pw()),
        &Config::for_tests(),
        host(&clock, all, &quiet),
    )
    .unwrap();
    let events = events_until_marker(&admin, sol.id, &quiet);
    assert!(
        !events.iter().any(|e| e.kind == EventKind::UnpricedAssets),
        "{events:?}"
    );
}
