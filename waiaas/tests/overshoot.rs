//! Never overshoot, through the public API: 3 processes (this test binary re-executed)
//! × 8 threads each call `Agent::send` against one wallet of one vault — a SQLite file,
//! and (feature `postgres`) one PostgreSQL database where each process is a host with
//! its own pool. Every decision and reservation is made by admission inside the store's
//! serialized transaction — no side door.
//!
//! The wallet has a daily cap (`daily_limit_usd`) and a rate limit. A send that fits
//! under the cap is signed at once (INSTANT); one that would overshoot it escalates to
//! APPROVAL, which with no owner registered waits as DELAY (QUEUED, never signed here);
//! once the rate limit is reached every further send is denied. Whatever the
//! interleaving, exactly as many sends are signed as fit under the cap, and exactly as
//! many are admitted as the rate limit allows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use serde_json::json;
use waiaas::{ManualClock, Network, StaticPriceOracle, Waiaas};
use waiaas_core::policy::PolicyType;
use waiaas_core::store::TxFilter;
use waiaas_core::{Tier, TxStatus};

const ENV_DIR: &str = "WAIAAS_TEST_OVERSHOOT_DIR";
const ENV_TOKEN: &str = "WAIAAS_TEST_OVERSHOOT_TOKEN";
const ENV_START: &str = "WAIAAS_TEST_OVERSHOOT_START_MS";
/// The database URL of the run (absent: the vault directory's SQLite file).
const ENV_DATABASE: &str = "WAIAAS_TEST_OVERSHOOT_DATABASE";
const PROCESSES: usize = 3;
const THREADS: usize = 8;
const PER_THREAD: usize = 5;
const ATTEMPTS: u64 = (PROCESSES * THREADS * PER_THREAD) as u64;
/// 0.07 SOL at 100 USD = 7 USD (plus the network fee bound).
const AMOUNT_SOL: &str = "0.07";
const CAP_USD: u64 = 100;
const RATE: u64 = 60;
const TO: &str = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

/// What one process saw: `[signed, queued, denied by the rate limit]`.
type Counts = [u64; 3];

fn unix_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// USD as an integer number of nano-dollars (exact for the values used here).
fn nano_usd(text: &str) -> u128 {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() <= 9, "{text}");
    let frac = format!("{frac:0<9}");
    int.parse::<u128>().unwrap() * 1_000_000_000 + frac.parse::<u128>().unwrap()
}

fn config(database: Option<&str>) -> waiaas::Config {
    waiaas::Config {
        database_url: database.map(str::to_owned),
        ..common::config()
    }
}

/// One process: opens the vault, makes an agent from the shared token, and sends from
/// `THREADS` threads that all start at `start_ms`.
fn send_from_threads(dir: &Path, database: Option<&str>, token: &str, start_ms: u128) -> Counts {
    let clock = Arc::new(ManualClock::new(common::T0));
    let prices = Arc::new(StaticPriceOracle::new(600));
    let admin = Waiaas::open(
        dir,
        Some(common::pw()),
        &config(database),
        common::host(&clock, &prices),
    )
    .unwrap();
    prices.set_price(
        &waiaas_core::policy::native_asset_id(Network::SolanaDevnet),
        waiaas_core::policy::Usd::from_u64(common::SOL_USD),
        "test",
        common::T0,
    );
    let agent = admin.agent(token).unwrap();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let agent = agent.clone();
                s.spawn(move || {
                    while unix_ms() < start_ms {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    let mut c: Counts = [0; 3];
                    for _ in 0..PER_THREAD {
                        match agent.send(&common::sol_req(TO, AMOUNT_SOL)) {
                            Ok(tx) if tx.status == TxStatus::Signed => {
                                assert_eq!(tx.tier, Some(Tier::Instant));
                                c[0] += 1;
                            }
                            Ok(tx) => {
                                assert_eq!(tx.status, TxStatus::Queued, "{tx:?}");
                                c[1] += 1;
                            }
                            Err(e) => {
                                assert_eq!(e.code(), "POLICY_DENIED", "{e:?}");
                                let codes: Vec<_> =
                                    e.reasons().iter().map(|r| r.code.clone()).collect();
                                assert_eq!(codes, vec!["RATE_LIMIT_EXCEEDED"], "{e:?}");
                                c[2] += 1;
                            }
                        }
                    }
                    c
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|h| h.join().unwrap())
            .fold([0; 3], |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2]])
    })
}

/// Entry point of the child processes; does nothing when run as a normal test.
#[test]
fn child_process_entry() {
    let (Ok(dir), Ok(token), Ok(start)) = (
        std::env::var(ENV_DIR),
        std::env::var(ENV_TOKEN),
        std::env::var(ENV_START),
    ) else {
        return;
    };
    let database = std::env::var(ENV_DATABASE).ok();
    let c = send_from_threads(
        Path::new(&dir),
        database.as_deref(),
        &token,
        start.parse().unwrap(),
    );
    println!("COUNTS {} {} {}", c[0], c[1], c[2]);
}

#[test]
fn agents_in_three_processes_times_eight_threads_never_overshoot_a_daily_cap_or_a_rate_limit() {
    three_processes_times_eight_threads(None);
}

/// The same on PostgreSQL: the three processes are three hosts, each with its own pool.
#[cfg(feature = "postgres")]
#[test]
fn hosts_in_three_processes_times_eight_threads_never_overshoot_on_postgres() {
    if let Some(schema) = waiaas_store::test_database::TestSchema::fresh() {
        three_processes_times_eight_threads(Some(schema.url()));
    }
}

fn three_processes_times_eight_threads(database: Option<&str>) {
    let w = common::world_configured(&config(database), |h| h);
    let wallet = w
        .admin
        .create_wallet("shared", Network::SolanaDevnet)
        .unwrap();
    w.policy(
        wallet.id,
        PolicyType::SpendingLimit,
        json!({ "instant_max_usd": 1000, "daily_limit_usd": CAP_USD }),
    );
    w.policy(
        wallet.id,
        PolicyType::RateLimit,
        json!({ "max_requests": RATE, "window_seconds": 3600 }),
    );
    // AutoStop would suspend the wallet after this burst of sends; it is not what this
    // test measures.
    w.admin
        .set_settings(&waiaas::Settings {
            auto_stop_max_sends: 0,
            ..waiaas::Settings::default()
        })
        .unwrap();
    let agent = w.agent(wallet.id);
    // What one send costs under the policies (amount plus the fee bound), from the dry
    // run: the number of sends that fit under the cap follows from it.
    let per_send = agent
        .simulate(&common::sol_req(TO, AMOUNT_SOL))
        .unwrap()
        .spend
        .usd
        .unwrap();
    let per_send = nano_usd(&per_send.to_string());
    let cap = u128::from(CAP_USD) * 1_000_000_000;
    let fit = u64::try_from(cap / per_send).unwrap();
    assert!(
        fit > 0 && fit < RATE,
        "the scenario must bite on both limits"
    );
    let token = {
        let issued = w
            .admin
            .create_session(&waiaas_core::session::CreateSession {
                ttl: None,
                ..waiaas_core::session::CreateSession::new(vec![wallet.id])
            })
            .unwrap();
        issued.token.expose().to_owned()
    };
    let dir = w.dir.path().join("vault");
    let start_ms = unix_ms() + 1_500;
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            let mut child = Command::new(std::env::current_exe().unwrap());
            if let Some(url) = database {
                child.env(ENV_DATABASE, url);
            }
            child
                .args([
                    "child_process_entry",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(ENV_DIR, &dir)
                .env(ENV_TOKEN, &token)
                .env(ENV_START, start_ms.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut total: Counts = [0; 3];
    let mut processes_that_sent = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "child failed: {text}");
        let line = text
            .lines()
            .find_map(|l| l.split_once("COUNTS ").map(|(_, rest)| rest))
            .expect("child reported no counts");
        let n: Vec<u64> = line
            .split_whitespace()
            .take(3)
            .map(|x| x.parse().unwrap())
            .collect();
        if n.iter().sum::<u64>() > 0 {
            processes_that_sent += 1;
        }
        for i in 0..3 {
            total[i] += n[i];
        }
    }
    let [signed, queued, denied] = total;
    eprintln!(
        "{ATTEMPTS} sends from {PROCESSES} processes x {THREADS} threads: {signed} signed \
         (cap {CAP_USD} USD fits {fit}), {queued} queued over the cap, {denied} denied by \
         the rate limit of {RATE}"
    );
    assert_eq!(processes_that_sent, PROCESSES);
    assert_eq!(signed + queued + denied, ATTEMPTS);
    // The daily cap: exactly the sends that fit were signed, never one more.
    assert_eq!(signed, fit);
    // The rate limit: exactly RATE sends were admitted, never one more.
    assert_eq!(signed + queued, RATE);
    assert_eq!(denied, ATTEMPTS - RATE);
    // The stored rows agree with what the agents saw.
    let rows = w
        .admin
        .transactions(&TxFilter {
            wallet_id: Some(wallet.id),
            ..TxFilter::default()
        })
        .unwrap();
    let count = |s: TxStatus| rows.iter().filter(|t| t.status == s).count() as u64;
    assert_eq!(count(TxStatus::Signed), signed);
    assert_eq!(count(TxStatus::Queued), queued);
    let signed_usd: u128 = rows
        .iter()
        .filter(|t| t.status == TxStatus::Signed)
        .map(|t| nano_usd(&t.decision.as_ref().unwrap().spend.usd.unwrap().to_string()))
        .sum();
    assert!(
        signed_usd <= cap,
        "{signed_usd} nano-USD signed over a {cap} cap"
    );
}
