//! The HTTP price oracles (feature `prices-http`) against a local HTTP server on
//! 127.0.0.1 that replays bodies from `testdata/prices/`. Those bodies are written by
//! hand in the shapes Pyth and CoinGecko document (see `testdata/prices/README.md`):
//! there is no network here, so they are not live recordings. Every failure mode must
//! leave the asset unpriced — never a crash, never an old price presented as fresh.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use waiaas::price::{
    COINGECKO_SOURCE, CoinGeckoOracle, FallbackPriceOracle, HttpPriceOptions, PYTH_ETH_USD,
    PYTH_SOL_USD, PYTH_SOURCE, PYTH_USDC_USD, PythHermesOracle, USDC_ETHEREUM, USDC_SOLANA_MINT,
};
use waiaas::{ManualClock, Network, PriceOracle, SecretString, Waiaas};
use waiaas_core::policy::{ApprovalReason, PriceQuote, Usd, native_asset_id, token_asset_id};
use waiaas_core::{ErrorCode, Tier};
use waiaas_test_support::fixed::T0;
use waiaas_test_support::replay_server::Replay;

fn body(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../testdata/prices/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

const HERMES: &str = "/v2/updates/price/latest";
const GECKO: &str = "/api/v3/simple/price";

fn sol() -> String {
    native_asset_id(Network::SolanaMainnet)
}
fn eth() -> String {
    native_asset_id(Network::EthereumMainnet)
}
fn usdc_sol() -> String {
    token_asset_id(Network::SolanaMainnet, USDC_SOLANA_MINT)
}
fn usdc_eth() -> String {
    token_asset_id(Network::EthereumMainnet, USDC_ETHEREUM)
}
fn all() -> Vec<String> {
    vec![sol(), eth(), usdc_sol(), usdc_eth()]
}

fn options(clock: &Arc<ManualClock>) -> HttpPriceOptions {
    HttpPriceOptions {
        timeout: Duration::from_secs(2),
        refresh_seconds: 0,
        max_age_seconds: 120,
        clock: clock.clone(),
        ..HttpPriceOptions::default()
    }
}

fn pyth(server: &Replay, clock: &Arc<ManualClock>) -> PythHermesOracle {
    PythHermesOracle::new(
        &server.url(),
        PythHermesOracle::default_feeds(),
        options(clock),
    )
    .unwrap()
}

fn usd(s: &str) -> Usd {
    Usd::parse(s).unwrap()
}

#[test]
fn pyth_fresh_reply_prices_each_asset_exactly_at_its_publish_time() {
    let server = Replay::start();
    server.route(HERMES, 200, body("hermes_fresh.json"));
    let clock = Arc::new(ManualClock::new(T0 + 30));
    let oracle = PythHermesOracle::new(
        &format!("{}/", server.url()),
        PythHermesOracle::default_feeds(),
        HttpPriceOptions {
            api_key: Some(SecretString::from("k-123".to_owned())),
            ..options(&clock)
        },
    )
    .unwrap();
    let q = oracle.quotes(&all());
    let expect = |u: &str| PriceQuote {
        usd: usd(u),
        source: PYTH_SOURCE.to_owned(),
        observed_at: T0,
    };
    assert_eq!(q[&sol()], expect("150.23"));
    assert_eq!(q[&eth()], expect("3012.5"));
    assert_eq!(q[&usdc_sol()], expect("0.99985"));
    assert_eq!(q[&usdc_eth()], expect("0.99985"));
    // One request for the three distinct feeds, in the documented form, with the key.
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let line = requests[0].lines().next().unwrap();
    assert!(line.starts_with("GET /v2/updates/price/latest?"), "{line}");
    assert!(
        line.contains("parsed=true&ignore_invalid_price_ids=true"),
        "{line}"
    );
    for feed in [PYTH_SOL_USD, PYTH_ETH_USD, PYTH_USDC_USD] {
        assert!(line.contains(&format!("ids%5B%5D={feed}")), "{line}");
    }
    assert!(requests[0].contains("Bearer k-123"), "{}", requests[0]);
    assert_eq!(oracle.status().last_error, None);
}

#[test]
fn pyth_stale_publish_time_is_unpriced() {
    let server = Replay::start();
    server.route(HERMES, 200, body("hermes_stale.json"));
    let clock = Arc::new(ManualClock::new(T0));
    assert!(pyth(&server, &clock).quotes(&all()).is_empty());
}

#[test]
fn pyth_absurd_confidence_and_nonpositive_prices_are_unpriced() {
    let server = Replay::start();
    server.route(HERMES, 200, body("hermes_rejects.json"));
    let clock = Arc::new(ManualClock::new(T0));
    assert!(pyth(&server, &clock).quotes(&all()).is_empty());
    // The same SOL update passes once the host accepts a 10 % interval.
    let lax = pyth(&server, &clock).with_max_confidence_bps(1_000);
    assert_eq!(lax.quotes(&[sol()])[&sol()].usd, usd("150.23"));
}

#[test]
fn malformed_reply_http_500_oversized_body_and_closed_port_are_unpriced() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = Replay::start();
    for (status, reply, why) in [
        (
            200,
            body("hermes_malformed.json"),
            "reply is not the documented shape",
        ),
        (200, "[]".to_owned(), "reply is not the documented shape"),
        (500, body("hermes_fresh.json"), "http status 500"),
        (429, String::new(), "http status 429"),
    ] {
        server.route(HERMES, status, reply);
        let oracle = pyth(&server, &clock);
        assert!(oracle.quotes(&all()).is_empty(), "{why}");
        assert_eq!(oracle.status().last_error.as_deref(), Some(why));
    }

    server.route(HERMES, 200, body("hermes_fresh.json"));
    let small = PythHermesOracle::new(
        &server.url(),
        PythHermesOracle::default_feeds(),
        HttpPriceOptions {
            max_body_bytes: 100,
            ..options(&clock)
        },
    )
    .unwrap();
    assert!(small.quotes(&all()).is_empty());
    assert_eq!(
        small.status().last_error.as_deref(),
        Some("response body too large")
    );

    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let unreachable = PythHermesOracle::new(
        &format!("http://127.0.0.1:{port}"),
        PythHermesOracle::default_feeds(),
        options(&clock),
    )
    .unwrap();
    assert!(unreachable.quotes(&all()).is_empty());
    assert!(unreachable.status().last_error.is_some());
}

#[test]
fn cached_quote_keeps_its_age_through_a_failed_fetch_and_expires() {
    let server = Replay::start();
    server.route(HERMES, 200, body("hermes_fresh.json"));
    let clock = Arc::new(ManualClock::new(T0));
    let oracle = PythHermesOracle::new(
        &server.url(),
        PythHermesOracle::default_feeds(),
        HttpPriceOptions {
            refresh_seconds: 10,
            ..options(&clock)
        },
    )
    .unwrap();
    assert_eq!(oracle.quotes(&[sol()]).len(), 1);
    // Within the refresh interval the cache answers.
    clock.advance(5);
    assert_eq!(oracle.quotes(&[sol()]).len(), 1);
    assert_eq!(server.requests().len(), 1);
    // The feed breaks: the cached quote is still served with its publish time…
    server.route(HERMES, 500, String::new());
    clock.advance(60);
    let q = oracle.quotes(&[sol()]);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(q[&sol()].observed_at, T0);
    // …until it is older than the maximum age: then the asset is unpriced.
    clock.advance(56);
    assert!(oracle.quotes(&[sol()]).is_empty());
}

#[test]
fn assets_without_a_feed_are_not_asked_for() {
    let server = Replay::start();
    server.route(HERMES, 200, body("hermes_fresh.json"));
    let clock = Arc::new(ManualClock::new(T0));
    let oracle = pyth(&server, &clock);
    let devnet = native_asset_id(Network::SolanaDevnet);
    assert!(oracle.quotes(&[devnet]).is_empty());
    assert!(server.requests().is_empty());
}

#[test]
fn coingecko_reply_prices_from_last_updated_at() {
    let server = Replay::start();
    server.route(GECKO, 200, body("coingecko_fresh.json"));
    let clock = Arc::new(ManualClock::new(T0 + 10));
    let oracle = CoinGeckoOracle::new(
        &server.url(),
        CoinGeckoOracle::default_coins(),
        options(&clock),
    )
    .unwrap();
    let q = oracle.quotes(&all());
    assert_eq!(q[&sol()].usd, usd("151.07"));
    assert_eq!(q[&eth()].usd, usd("3010.12"));
    assert_eq!(q[&usdc_eth()].usd, usd("0.9999"));
    assert_eq!(q[&sol()].observed_at, T0);
    assert_eq!(q[&sol()].source, COINGECKO_SOURCE);
    let line = server.requests()[0].lines().next().unwrap().to_owned();
    assert!(
        line.starts_with(
            "GET /api/v3/simple/price?ids=ethereum,solana,usd-coin&vs_currencies=usd&include_last_updated_at=true "
        ),
        "{line}"
    );
    // Stale by its own timestamp.
    clock.set(T0 + 121);
    assert!(oracle.quotes(&all()).is_empty());
}

#[test]
fn coingecko_is_the_fallback_when_pyth_fails() {
    let server = Replay::start();
    server.route(HERMES, 500, String::new());
    server.route(GECKO, 200, body("coingecko_fresh.json"));
    let clock = Arc::new(ManualClock::new(T0));
    let gecko = CoinGeckoOracle::new(
        &server.url(),
        CoinGeckoOracle::default_coins(),
        options(&clock),
    )
    .unwrap();
    let oracle = FallbackPriceOracle::new(vec![Arc::new(pyth(&server, &clock)), Arc::new(gecko)])
        .with_clock(clock.clone());
    let q = oracle.quotes(&all());
    assert_eq!(q[&sol()].source, COINGECKO_SOURCE);
    assert_eq!(q[&sol()].usd, usd("151.07"));

    // Pyth back: it is preferred again.
    server.route(HERMES, 200, body("hermes_fresh.json"));
    assert_eq!(oracle.quotes(&all())[&sol()].source, PYTH_SOURCE);

    // Both down: unpriced.
    server.route(HERMES, 500, String::new());
    server.route(GECKO, 500, String::new());
    clock.advance(121);
    assert!(oracle.quotes(&all()).is_empty());
}

#[test]
fn bad_configuration_is_refused_at_construction() {
    let clock = Arc::new(ManualClock::new(T0));
    let feeds = |asset: &str, feed: &str| BTreeMap::from([(asset.to_owned(), feed.to_owned())]);
    for (url, f) in [
        ("ftp://127.0.0.1", PythHermesOracle::default_feeds()),
        ("http://", PythHermesOracle::default_feeds()),
        ("http://127.0.0.1", feeds("native:solana", PYTH_SOL_USD)),
        ("http://127.0.0.1", feeds(&sol(), "0x1234")),
        (
            "http://127.0.0.1",
            feeds(
                "eip155:1/erc20:0xA0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
                PYTH_USDC_USD,
            ),
        ),
    ] {
        let e = PythHermesOracle::new(url, f, options(&clock)).unwrap_err();
        assert_eq!(e.code(), "VALIDATION_FAILED", "{url}: {e}");
    }
}

/// A feed's JSON is unsigned: over plain HTTP anyone on the path could price SOL at a
/// fraction of a cent. Plain `http://` is accepted only to this machine.
#[test]
fn plain_http_only_to_loopback() {
    let clock = Arc::new(ManualClock::new(T0));
    for url in [
        "http://hermes.pyth.network",
        "http://10.0.0.5:8080",
        "http://[2001:db8::1]",
    ] {
        let e = PythHermesOracle::new(url, PythHermesOracle::default_feeds(), options(&clock))
            .unwrap_err();
        assert_eq!(e.code(), "VALIDATION_FAILED", "{url}");
        assert!(e.to_string().contains("https://"), "{url}: {e}");
        let e = CoinGeckoOracle::new(url, CoinGeckoOracle::default_coins(), options(&clock))
            .unwrap_err();
        assert_eq!(e.code(), "VALIDATION_FAILED", "{url}");
    }
    for url in ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"] {
        let oracle = PythHermesOracle::new(url, PythHermesOracle::default_feeds(), options(&clock));
        assert!(oracle.is_ok(), "{url}");
        // `Debug` shows where, never a key a provider put in the path.
        let with_key = CoinGeckoOracle::new(
            &format!("{url}/KEY123"),
            CoinGeckoOracle::default_coins(),
            options(&clock),
        )
        .unwrap();
        assert!(!format!("{with_key:?}").contains("KEY123"));
    }
}

#[cfg(not(any(feature = "rpc-tls", feature = "webhook-tls")))]
#[test]
fn https_without_tls_is_refused_naming_the_feature() {
    let clock = Arc::new(ManualClock::new(T0));
    let e = PythHermesOracle::new(
        "https://hermes.pyth.network",
        PythHermesOracle::default_feeds(),
        options(&clock),
    )
    .unwrap_err();
    assert_eq!(e.code(), "VALIDATION_FAILED");
    assert!(e.to_string().contains("`rpc-tls`"), "{e}");
    let e = CoinGeckoOracle::new(
        "https://api.coingecko.com",
        CoinGeckoOracle::default_coins(),
        options(&clock),
    )
    .unwrap_err();
    assert!(e.to_string().contains("`rpc-tls`"), "{e}");
}

#[cfg(any(feature = "rpc-tls", feature = "webhook-tls"))]
#[test]
fn https_with_tls_is_accepted() {
    let clock = Arc::new(ManualClock::new(T0));
    PythHermesOracle::new(
        "https://hermes.pyth.network",
        PythHermesOracle::default_feeds(),
        options(&clock),
    )
    .unwrap();
}

/// Through the pipeline: a USD limit with the feed down fails closed to APPROVAL
/// (`unknown_price`); with the feed up the same transfer is INSTANT.
#[test]
fn a_dead_feed_sends_usd_limited_transfers_to_approval() {
    let server = Replay::start();
    server.route(HERMES, 500, String::new());
    let clock = Arc::new(ManualClock::new(T0));
    let mut feeds = PythHermesOracle::default_feeds();
    feeds.insert(
        native_asset_id(Network::SolanaDevnet),
        PYTH_SOL_USD.to_owned(),
    );
    let oracle = PythHermesOracle::new(&server.url(), feeds, options(&clock)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let admin = Waiaas::create(
        dir.path().join("vault"),
        Some(common::pw()),
        &waiaas::Config::for_tests(),
        waiaas::Host {
            clock: clock.clone(),
            prices: Arc::new(oracle),
            ..waiaas::Host::default()
        },
    )
    .unwrap();
    let w = common::World {
        dir,
        clock,
        prices: Arc::new(waiaas::StaticPriceOracle::new(1)),
        admin,
    };
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let request = common::sol_req(&wallet.address, "0.01");

    let d = agent.simulate(&request).unwrap();
    assert!(d.allowed);
    assert_eq!(d.tier, Tier::Approval);
    assert_eq!(d.approval_reason, Some(ApprovalReason::UnknownPrice));

    server.route(HERMES, 200, body("hermes_fresh.json"));
    let d = agent.simulate(&request).unwrap();
    assert_eq!(d.tier, Tier::Instant, "{d:?}");
}
