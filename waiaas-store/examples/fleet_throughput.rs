//! Admissions per second and their latency, 3 processes × 8 threads against one store,
//! on one wallet or spread over many: the figures of `docs/PERFORMANCE.md` (fleet
//! mode). Each process opens its own handle (its own pool, for PostgreSQL), as the
//! hosts of a fleet do. An admission here is the whole store operation of a send —
//! locks, policy read, window maintenance, decision, reservation, the signed row, the
//! audit entries, commit — with a minimal engine (a daily window on one asset) and a
//! signer that returns at once, so the figures are the store's, not the signature's.
//!
//! ```text
//! cargo run --release -p waiaas-store --example fleet_throughput -- sqlite 1
//! WAIAAS_TEST_POSTGRES_URL=postgres://… cargo run --release -p waiaas-store \
//!     --example fleet_throughput -- postgres 100
//! # uncontended latency: 1 process, 1 thread
//! … --example fleet_throughput -- postgres 1 1 1
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::print_stdout,
    reason = "a measurement program: a panic is a failed run"
)]

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use waiaas_core::policy::{
    Decision, PolicyEngine, PolicyInput, PolicyRecord, PolicyRequest, Spend,
};
use waiaas_core::store::{Admission, Backend};
use waiaas_core::tier::Tier;
use waiaas_core::{Amount, WalletId};
use waiaas_store::conformance::{admit, key, wallet_record};
use waiaas_store::test_database::TestSchema;
use waiaas_store::{PgOptions, PgStore, SqliteStore, StoreOptions, Synchronous};

const PER_THREAD: usize = 150;
const NOW: i64 = 1_800_000_000;

/// Allows every transfer at INSTANT, counting it in a daily window of asset `X`.
#[derive(Debug)]
struct DailyWindow;

impl PolicyEngine for DailyWindow {
    fn windows(&self, _: &PolicyRequest, _: &[PolicyRecord]) -> Vec<u64> {
        vec![86_400]
    }

    fn evaluate(&self, _: &PolicyInput<'_>) -> Decision {
        let mut assets = BTreeMap::new();
        assets.insert("X".to_owned(), Amount::from_u64(1));
        Decision {
            allowed: true,
            tier: Tier::Instant,
            delay_seconds: None,
            approval_timeout: None,
            reasons: Vec::new(),
            warnings: Vec::new(),
            approval_reason: None,
            spend: Spend {
                assets,
                ..Spend::default()
            },
        }
    }
}

/// Processes and threads per process: the 3rd and 4th arguments (default 3 × 8),
/// passed on to the children.
fn shape() -> (usize, usize) {
    let arg = |i: usize, default| {
        std::env::args()
            .nth(i)
            .map_or(default, |n| n.parse().unwrap())
    };
    let processes =
        std::env::var("FLEET_PROCESSES").map_or_else(|_| arg(3, 3), |n| n.parse().unwrap());
    let threads = std::env::var("FLEET_THREADS").map_or_else(|_| arg(4, 8), |n| n.parse().unwrap());
    (processes, threads)
}

fn open(target: &str, threads: usize) -> Arc<dyn Backend> {
    let store: Arc<dyn Backend> = if target.starts_with("postgres") {
        Arc::new(
            PgStore::connect(
                target,
                &PgOptions {
                    pool_size: threads,
                    ..PgOptions::default()
                },
            )
            .unwrap(),
        )
    } else {
        Arc::new(
            SqliteStore::open(
                target,
                &StoreOptions {
                    // FULL (an fsync per commit, as PostgreSQL's default) with
                    // FLEET_SQLITE_FULL set; NORMAL otherwise.
                    synchronous: if std::env::var_os("FLEET_SQLITE_FULL").is_some() {
                        Synchronous::Full
                    } else {
                        Synchronous::Normal
                    },
                    busy_timeout: Duration::from_secs(60),
                    ..StoreOptions::default()
                },
            )
            .unwrap(),
        )
    };
    store.set_audit_key(key(), NOW, None).unwrap();
    store
}

/// One process: `threads` threads, thread `t` of process `p` on wallet
/// `(p * threads + t) % wallets.len()`; prints its latencies (µs) and elapsed time.
fn child(target: &str, wallets: &[WalletId], process: usize) {
    let (_, threads) = shape();
    let store = open(target, threads);
    let start = Instant::now();
    let latencies: Vec<u128> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let store = store.clone();
                let wallet = wallets[(process * threads + t) % wallets.len()];
                s.spawn(move || {
                    (0..PER_THREAD)
                        .map(|_| {
                            let began = Instant::now();
                            let a = admit(store.as_ref(), &DailyWindow, wallet, None, 1, NOW, None);
                            assert!(matches!(a, Admission::Decided { .. }));
                            began.elapsed().as_micros()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let elapsed = start.elapsed().as_micros();
    let lat: Vec<String> = latencies.iter().map(ToString::to_string).collect();
    println!("ELAPSED {elapsed}");
    println!("LAT {}", lat.join(" "));
}

fn percentile(sorted: &[u128], p: usize) -> u128 {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn main() {
    if let (Ok(target), Ok(wallets), Ok(process)) = (
        std::env::var("FLEET_TARGET"),
        std::env::var("FLEET_WALLETS"),
        std::env::var("FLEET_PROCESS"),
    ) {
        let wallets: Vec<WalletId> = wallets
            .split(',')
            .map(|w| WalletId::parse(w).unwrap())
            .collect();
        child(&target, &wallets, process.parse().unwrap());
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let backend = args.get(1).map_or("sqlite", String::as_str);
    let count: usize = args.get(2).map_or(1, |n| n.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let schema;
    let target = if backend == "postgres" {
        schema = TestSchema::fresh().expect("set WAIAAS_TEST_POSTGRES_URL");
        schema.url().to_owned()
    } else {
        dir.path().join("fleet.db").display().to_string()
    };
    let (processes, threads) = shape();
    let setup = open(&target, 1);
    let audit = waiaas_core::audit::AuditEntry::new(
        NOW,
        &waiaas_core::audit::Actor::Operator,
        "WALLET_CREATED",
    );
    let wallets: Vec<WalletId> = (0..count)
        .map(|_| {
            let id = WalletId::new();
            setup
                .insert_wallet(&wallet_record(id, "w"), &audit)
                .unwrap();
            id
        })
        .collect();
    let ids: Vec<String> = wallets.iter().map(ToString::to_string).collect();
    let children: Vec<_> = (0..processes)
        .map(|p| {
            Command::new(std::env::current_exe().unwrap())
                .env("FLEET_PROCESSES", processes.to_string())
                .env("FLEET_THREADS", threads.to_string())
                .env("FLEET_TARGET", &target)
                .env("FLEET_WALLETS", ids.join(","))
                .env("FLEET_PROCESS", p.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut all: Vec<u128> = Vec::new();
    let mut slowest = 0u128;
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            if let Some(e) = line.strip_prefix("ELAPSED ") {
                slowest = slowest.max(e.parse().unwrap());
            } else if let Some(l) = line.strip_prefix("LAT ") {
                all.extend(l.split(' ').map(|x| x.parse::<u128>().unwrap()));
            }
        }
    }
    all.sort_unstable();
    let n = all.len();
    println!(
        "{backend}, {count} wallet(s), {processes} processes x {threads} threads: {n} admissions \
         in {:.2} s = {:.0}/s; latency p50 {} us, p99 {} us, max {} us",
        slowest as f64 / 1e6,
        n as f64 / (slowest as f64 / 1e6),
        percentile(&all, 50),
        percentile(&all, 99),
        all[n - 1],
    );
}
