//! 8 threads in this process and 3 child processes (this test binary re-executed),
//! 4 threads each, send against one wallet in one SQLite file. Every request is decided
//! and reserved by `evaluate_and_reserve` on its thread's own connection.
//!
//! - Cap and rate: a daily USD cap and a rate limit. Requests that would overshoot the
//!   cap are escalated to APPROVAL and then released (the owner rejects them). Committed
//!   spend never exceeds the cap and admitted requests never exceed the rate.
//! - Ladder: nothing is committed, so every admitted request stays in flight; the
//!   per-transaction ladder counts in-flight reservations, so the INSTANT and NOTIFY
//!   admissions stop exactly where the ladder's rungs are.
//!
//! Both outcomes are exact, whatever the interleaving, in every run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "test code"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::json;
use waiaas_core::policy::{ApprovalReason, DAILY_WINDOW, RequestBody};
use waiaas_core::{
    Amount, ManualClock, Network, PolicyRequest, PolicyType, PriceBook, PriceQuote, Tier, TxId,
    Usd, WalletId,
};
use waiaas_policy::{Engine, NewPolicy, PolicyAdmin};

const ENV_DB: &str = "WAIAAS_TEST_CONCURRENCY_DB";
const ENV_WALLET: &str = "WAIAAS_TEST_CONCURRENCY_WALLET";
const ENV_START: &str = "WAIAAS_TEST_CONCURRENCY_START_MS";
const ENV_MODE: &str = "WAIAAS_TEST_CONCURRENCY_MODE";
const PER_REQUEST_USD: u64 = 7;
const PARENT_THREADS: usize = 8;
const CHILDREN: usize = 3;
const CHILD_THREADS: usize = 4;
const PER_THREAD: usize = 20;
const ATTEMPTS: u64 = ((PARENT_THREADS + CHILDREN * CHILD_THREADS) * PER_THREAD) as u64;
const NOW: i64 = 1_767_268_800;

// Cap-and-rate scenario.
const CAP_USD: u64 = 500;
const RATE: u64 = 150;
const RATE_WINDOW: u64 = 3_600;
// Ladder scenario.
const INSTANT_MAX_USD: u64 = 100;
const NOTIFY_MAX_USD: u64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Commit INSTANT admissions, release APPROVAL ones.
    CapAndRate,
    /// Leave everything in flight.
    Ladder,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Self::CapAndRate => "cap",
            Self::Ladder => "ladder",
        }
    }
}

/// Outcomes: `[INSTANT or NOTIFY admitted, APPROVAL admitted, denied]` for the cap
/// scenario; `[INSTANT, NOTIFY, APPROVAL]` for the ladder scenario.
type Counts = [u64; 3];

fn prices(now: i64) -> PriceBook {
    let mut p = PriceBook::default();
    // 1 wei = 1 USD keeps the arithmetic obvious.
    p.quotes.insert(
        "native:ethereum-mainnet".into(),
        PriceQuote {
            usd: Usd::parse("1000000000000000000").unwrap(),
            source: "test".into(),
            observed_at: now,
        },
    );
    p
}

fn unix_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// One thread's work: its own connection, `PER_THREAD` requests, starting at
/// `start_ms` so that every thread of every process overlaps.
fn send_many(db: &Path, wallet: WalletId, start_ms: u128, mode: Mode) -> Counts {
    let store = common::open_store(db);
    while unix_ms() < start_ms {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let engine = Engine::new();
    let prices = prices(NOW);
    let mut c: Counts = [0; 3];
    for _ in 0..PER_THREAD {
        let req = PolicyRequest {
            request_id: TxId::new(),
            wallet_id: wallet,
            network: Network::EthereumMainnet,
            body: RequestBody::Transfer {
                to: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359".into(),
                amount: Amount::from_u64(PER_REQUEST_USD),
            },
            permissions: Vec::new(),
            action: None,
            claimed_action: None,
            fee: None,
        };
        let d = store
            .evaluate_and_reserve(&req, &prices, NOW, &engine)
            .unwrap();
        match mode {
            Mode::CapAndRate => {
                if !d.allowed {
                    assert_eq!(d.reason_codes(), vec!["RATE_LIMIT_EXCEEDED"], "{d:?}");
                    c[2] += 1;
                } else if d.tier == Tier::Approval {
                    assert_eq!(d.approval_reason, Some(ApprovalReason::CumulativeDaily));
                    assert!(store.release_reservation(req.request_id, NOW).unwrap());
                    c[1] += 1;
                } else {
                    assert!(store.commit_reservation(req.request_id, NOW).unwrap());
                    c[0] += 1;
                }
            }
            Mode::Ladder => {
                assert!(d.allowed, "{d:?}");
                match d.tier {
                    Tier::Instant => c[0] += 1,
                    Tier::Notify => c[1] += 1,
                    Tier::Approval => {
                        assert_eq!(d.approval_reason, Some(ApprovalReason::PerTx));
                        c[2] += 1;
                    }
                    Tier::Delay => panic!("no DELAY rung in this ladder"),
                }
            }
        }
    }
    c
}

fn run_threads(db: &Path, wallet: WalletId, n: usize, start_ms: u128, mode: Mode) -> Counts {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let db = db.to_path_buf();
            std::thread::spawn(move || send_many(&db, wallet, start_ms, mode))
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .fold([0; 3], |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2]])
}

/// Entry point of the child processes; does nothing when run as a normal test.
#[test]
fn child_process_entry() {
    let (Ok(db), Ok(wallet), Ok(start), Ok(mode)) = (
        std::env::var(ENV_DB),
        std::env::var(ENV_WALLET),
        std::env::var(ENV_START),
        std::env::var(ENV_MODE),
    ) else {
        return;
    };
    let mode = if mode == Mode::Ladder.name() {
        Mode::Ladder
    } else {
        Mode::CapAndRate
    };
    let c = run_threads(
        Path::new(&db),
        WalletId::parse(&wallet).unwrap(),
        CHILD_THREADS,
        start.parse().unwrap(),
        mode,
    );
    println!("COUNTS {} {} {}", c[0], c[1], c[2]);
}

/// Sets up the database, runs the parent's threads and the child processes, and
/// returns the summed counts.
fn run(
    db: &Path,
    wallet: WalletId,
    policies: &[(PolicyType, serde_json::Value)],
    mode: Mode,
) -> Counts {
    {
        let store = common::open_store(db);
        common::insert_wallet(&store, wallet, Network::EthereumMainnet);
        let clock = ManualClock::new(NOW);
        let admin = PolicyAdmin::new(&store, &clock);
        for (ty, rules) in policies {
            admin
                .create(NewPolicy::new(*ty, rules.clone()).for_wallet(wallet))
                .unwrap();
        }
    }
    let start_ms = unix_ms() + 500;
    let children: Vec<_> = (0..CHILDREN)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "child_process_entry",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(ENV_DB, db)
                .env(ENV_WALLET, wallet.to_string())
                .env(ENV_START, start_ms.to_string())
                .env(ENV_MODE, mode.name())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut total = run_threads(db, wallet, PARENT_THREADS, start_ms, mode);
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "child failed: {text}");
        // libtest may print its own text before ours on the same line.
        let line = text
            .lines()
            .find_map(|l| l.split_once("COUNTS ").map(|(_, rest)| rest))
            .expect("child reported no counts");
        let n: Vec<u64> = line
            .split_whitespace()
            .take(3)
            .map(|x| x.parse().unwrap())
            .collect();
        for i in 0..3 {
            total[i] += n[i];
        }
    }
    assert_eq!(total.iter().sum::<u64>(), ATTEMPTS);
    total
}

#[test]
fn threads_and_processes_never_overshoot_cap_or_rate() {
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("shared.db");
    let wallet = WalletId::new();
    let [auto, escalated, denied] = run(
        &db,
        wallet,
        &[
            (
                PolicyType::SpendingLimit,
                json!({"instant_max_usd": "1000", "daily_limit_usd": CAP_USD.to_string()}),
            ),
            (
                PolicyType::RateLimit,
                json!({"max_requests": RATE, "window_seconds": RATE_WINDOW}),
            ),
        ],
        Mode::CapAndRate,
    );
    eprintln!(
        "{ATTEMPTS} attempts from {PARENT_THREADS} threads + {CHILDREN} processes x {CHILD_THREADS} threads: {auto} auto-admitted ({} USD of a {CAP_USD} USD cap), {escalated} escalated to APPROVAL and rejected, {denied} denied by the rate limit of {RATE}",
        auto * PER_REQUEST_USD
    );
    // The rate limit admits exactly RATE requests, never more.
    assert_eq!(auto + escalated, RATE);
    // Auto-admitted spend stops at the last request that fits under the cap.
    assert_eq!(auto, CAP_USD / PER_REQUEST_USD);
    // The ledger agrees: committed + reserved spend within the cap, requests within the rate.
    let store = common::open_store(&db);
    let snap = store
        .ledger_snapshot(wallet, &[RATE_WINDOW, DAILY_WINDOW], NOW)
        .unwrap();
    let day = &snap.windows[&DAILY_WINDOW];
    assert!(day.usd <= Usd::from_u64(CAP_USD));
    assert_eq!(day.usd, Usd::from_u64(auto * PER_REQUEST_USD));
    assert_eq!(snap.windows[&RATE_WINDOW].requests, RATE);
    assert_eq!(snap.in_flight.unwrap().requests, 0);
}

#[test]
fn threads_and_processes_never_overshoot_an_in_flight_ladder() {
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("ladder.db");
    let wallet = WalletId::new();
    let [instant, notify, approval] = run(
        &db,
        wallet,
        &[(
            PolicyType::SpendingLimit,
            json!({"instant_max_usd": INSTANT_MAX_USD.to_string(), "notify_max_usd": NOTIFY_MAX_USD.to_string()}),
        )],
        Mode::Ladder,
    );
    eprintln!(
        "{ATTEMPTS} attempts, none committed: {instant} INSTANT ({} USD in flight of a {INSTANT_MAX_USD} USD rung), {notify} NOTIFY, {approval} APPROVAL",
        instant * PER_REQUEST_USD
    );
    // INSTANT while everything in flight plus the request fits the INSTANT rung.
    assert_eq!(instant, INSTANT_MAX_USD / PER_REQUEST_USD);
    // NOTIFY while it fits the NOTIFY rung; the rest needs the owner.
    assert_eq!(instant + notify, NOTIFY_MAX_USD / PER_REQUEST_USD);
    assert_eq!(approval, ATTEMPTS - NOTIFY_MAX_USD / PER_REQUEST_USD);
    let store = common::open_store(&db);
    let snap = store.ledger_snapshot(wallet, &[], NOW).unwrap();
    let in_flight = snap.in_flight.unwrap();
    assert_eq!(in_flight.requests, ATTEMPTS);
    assert_eq!(in_flight.usd, Usd::from_u64(ATTEMPTS * PER_REQUEST_USD));
}
