//! 8 threads in this process and 3 child processes (this test binary re-executed)
//! send against one wallet in one SQLite file with a daily USD cap and a rate limit.
//! Every request is decided and reserved by `evaluate_and_reserve`; requests that would
//! overshoot the cap are escalated to APPROVAL and then released (the owner rejects
//! them). At the end, committed spend never exceeds the cap and admitted requests never
//! exceed the rate limit — exactly, in every run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "test code"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::json;
use waiaas_core::policy::{DAILY_WINDOW, RequestBody};
use waiaas_core::{
    Amount, ManualClock, Network, PolicyRequest, PolicyType, PriceBook, PriceQuote, Store, Tier,
    TxId, Usd, WalletId,
};
use waiaas_policy::{Engine, NewPolicy, PolicyAdmin};

const ENV_DB: &str = "WAIAAS_TEST_CONCURRENCY_DB";
const ENV_WALLET: &str = "WAIAAS_TEST_CONCURRENCY_WALLET";
const ENV_NOW: &str = "WAIAAS_TEST_CONCURRENCY_NOW";
const ENV_START: &str = "WAIAAS_TEST_CONCURRENCY_START_MS";
const CAP_USD: u64 = 500;
const PER_REQUEST_USD: u64 = 7;
const RATE: u64 = 150;
const RATE_WINDOW: u64 = 3_600;
const PARENT_THREADS: usize = 8;
const CHILDREN: usize = 3;
const CHILD_THREADS: usize = 4;
const PER_THREAD: usize = 20;

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    auto: u64,
    escalated: u64,
    rate_denied: u64,
}

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
fn send_many(db: &Path, wallet: WalletId, now: i64, start_ms: u128) -> Counts {
    let store = common::open_store(db);
    while unix_ms() < start_ms {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let engine = Engine::new();
    let prices = prices(now);
    let mut c = Counts::default();
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
        };
        let d = store
            .evaluate_and_reserve(&req, &prices, now, &engine)
            .unwrap();
        if !d.allowed {
            assert_eq!(d.reason_codes(), vec!["RATE_LIMIT_EXCEEDED"], "{d:?}");
            c.rate_denied += 1;
        } else if d.tier == Tier::Approval {
            assert_eq!(
                d.approval_reason,
                Some(waiaas_core::policy::ApprovalReason::CumulativeDaily)
            );
            assert!(store.release_reservation(req.request_id, now).unwrap());
            c.escalated += 1;
        } else {
            assert!(store.commit_reservation(req.request_id, now).unwrap());
            c.auto += 1;
        }
    }
    c
}

fn run_threads(db: &Path, wallet: WalletId, now: i64, n: usize, start_ms: u128) -> Counts {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let db = db.to_path_buf();
            std::thread::spawn(move || send_many(&db, wallet, now, start_ms))
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .fold(Counts::default(), |a, b| Counts {
            auto: a.auto + b.auto,
            escalated: a.escalated + b.escalated,
            rate_denied: a.rate_denied + b.rate_denied,
        })
}

/// Entry point of the child processes; does nothing when run as a normal test.
#[test]
fn child_process_entry() {
    let (Ok(db), Ok(wallet), Ok(now), Ok(start)) = (
        std::env::var(ENV_DB),
        std::env::var(ENV_WALLET),
        std::env::var(ENV_NOW),
        std::env::var(ENV_START),
    ) else {
        return;
    };
    let c = run_threads(
        Path::new(&db),
        WalletId::parse(&wallet).unwrap(),
        now.parse().unwrap(),
        CHILD_THREADS,
        start.parse().unwrap(),
    );
    println!("COUNTS {} {} {}", c.auto, c.escalated, c.rate_denied);
}

#[test]
fn threads_and_processes_never_overshoot_cap_or_rate() {
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("shared.db");
    let now = 1_767_268_800i64;
    let wallet = WalletId::new();
    {
        let store = common::open_store(&db);
        common::insert_wallet(&store, wallet, Network::EthereumMainnet);
        let clock = ManualClock::new(now);
        let admin = PolicyAdmin::new(&store, &clock);
        admin
            .create(
                NewPolicy::new(
                    PolicyType::SpendingLimit,
                    json!({"instant_max_usd": "1000", "daily_limit_usd": CAP_USD.to_string()}),
                )
                .for_wallet(wallet),
            )
            .unwrap();
        admin
            .create(
                NewPolicy::new(
                    PolicyType::RateLimit,
                    json!({"max_requests": RATE, "window_seconds": RATE_WINDOW}),
                )
                .for_wallet(wallet),
            )
            .unwrap();
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
                .env(ENV_DB, &db)
                .env(ENV_WALLET, wallet.to_string())
                .env(ENV_NOW, now.to_string())
                .env(ENV_START, start_ms.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut total = run_threads(&db, wallet, now, PARENT_THREADS, start_ms);
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let text = String::from_utf8_lossy(&out.stdout);
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
        total.auto += n[0];
        total.escalated += n[1];
        total.rate_denied += n[2];
    }
    let attempts = ((PARENT_THREADS + CHILDREN * CHILD_THREADS) * PER_THREAD) as u64;
    eprintln!(
        "{attempts} attempts from {PARENT_THREADS} threads + {CHILDREN} processes x {CHILD_THREADS} threads: {} auto-admitted ({} USD), {} escalated to APPROVAL and rejected, {} denied by the rate limit",
        total.auto,
        total.auto * PER_REQUEST_USD,
        total.escalated,
        total.rate_denied
    );
    assert_eq!(total.auto + total.escalated + total.rate_denied, attempts);
    // The rate limit admits exactly RATE requests, never more.
    assert_eq!(total.auto + total.escalated, RATE);
    // Auto-admitted spend stops at the last request that fits under the cap.
    assert_eq!(total.auto, CAP_USD / PER_REQUEST_USD);
    // The ledger agrees: committed + reserved spend within the cap, requests within the rate.
    let store = common::open_store(&db);
    let snap = store
        .ledger_snapshot(wallet, &[RATE_WINDOW, DAILY_WINDOW], now)
        .unwrap();
    let day = &snap.windows[&DAILY_WINDOW];
    assert!(day.usd <= Usd::from_u64(CAP_USD));
    assert_eq!(day.usd, Usd::from_u64(total.auto * PER_REQUEST_USD));
    assert_eq!(snap.windows[&RATE_WINDOW].requests, RATE);
}
