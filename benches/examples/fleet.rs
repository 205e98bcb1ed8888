//! Fleet mode, SQLite against PostgreSQL: 3 processes × 8 threads (the "hosts", each
//! process with its own handle and, for PostgreSQL, its own pool) on one wallet or
//! spread over many; the figures of `docs/PERFORMANCE.md` ("Fleet mode").
//!
//! Two levels:
//! - `send`: `Agent::send` through the public API — token check, request resolution,
//!   policy decision (a SPENDING_LIMIT with a daily USD cap), reservation, the Ed25519
//!   signature, the rows and audit entries, commit: what a host's agent pays per send.
//! - `admit`: the store's share alone (`PipelineStore::admit_transaction` with a minimal
//!   engine and a signer that returns at once): decision plus reservation as the store
//!   serializes them.
//!
//! ```text
//! cargo run --release -p waiaas-benches --example fleet -- send sqlite 1
//! FLEET_SQLITE_FULL=1 cargo run --release -p waiaas-benches --example fleet -- send sqlite 100
//! WAIAAS_TEST_POSTGRES_URL=postgres://… cargo run --release -p waiaas-benches \
//!     --example fleet -- send postgres 100
//! # uncontended: 1 process, 1 thread
//! … --example fleet -- admit postgres 1 1 1
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

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use waiaas::{
    Admin, ChainParams, Config, CreateSession, Durability, Host, Network, NewPolicy, PolicyType,
    SecretString, SendRequest, Settings, StaticPriceOracle, Usd, Waiaas, native_asset_id,
};
use waiaas_core::store::{Admission, Backend};
use waiaas_core::{TxStatus, WalletId};
use waiaas_store::conformance::{InstantDaily, admit, key, wallet_record};
use waiaas_store::test_database::TestSchema;
use waiaas_store::{PgOptions, PgStore, SqliteStore, StoreOptions, Synchronous};

/// Calls per thread (sends: each host thread's share of the cap-free run).
const PER_THREAD: usize = 100;
const NOW: i64 = 1_800_000_000;
const NETWORK: Network = Network::SolanaDevnet;
const PASSWORD: &str = "fleet";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Send,
    Admit,
}

/// What every process is told: the level, the database, and the wallets (with a
/// session token each, for `send`).
struct Plan {
    level: Level,
    /// The PostgreSQL URL, or the SQLite file (`admit`) / vault directory (`send`).
    target: String,
    wallets: Vec<String>,
    tokens: Vec<String>,
    processes: usize,
    threads: usize,
}

fn full() -> bool {
    std::env::var_os("FLEET_SQLITE_FULL").is_some()
}

fn is_postgres(target: &str) -> bool {
    target.starts_with("postgres")
}

/// The vault's configuration: the test KDF, PostgreSQL at `target` or the SQLite file
/// in it (`FULL` with `FLEET_SQLITE_FULL`), a pool of `threads` connections.
fn vault_config(target: &str, threads: usize) -> Config {
    Config {
        database_url: is_postgres(target).then(|| target.to_owned()),
        database_pool_size: u32::try_from(threads).unwrap(),
        durability: if full() {
            Durability::Full
        } else {
            Durability::Normal
        },
        busy_timeout_ms: 60_000,
        ..Config::for_tests()
    }
}

/// `NETWORK`'s native asset at 100 USD, as every host's price feed says.
fn host() -> Host {
    let prices = Arc::new(StaticPriceOracle::new(1_000_000));
    let now = waiaas::Clock::now(&waiaas::SystemClock);
    prices.set_price(&native_asset_id(NETWORK), Usd::from_u64(100), "fleet", now);
    Host {
        prices,
        ..Host::default()
    }
}

fn vault_dir(target: &str, scratch: &Path) -> std::path::PathBuf {
    if is_postgres(target) {
        scratch.to_owned()
    } else {
        Path::new(target).to_owned()
    }
}

fn open_store(target: &str, threads: usize) -> Arc<dyn Backend> {
    let store: Arc<dyn Backend> = if is_postgres(target) {
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
                    synchronous: if full() {
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

/// Wallets (and a session each) for the run.
fn set_up(level: Level, target: &str, count: usize, scratch: &Path) -> (Vec<String>, Vec<String>) {
    match level {
        Level::Admit => {
            let store = open_store(target, 1);
            let audit = waiaas_core::audit::AuditEntry::new(
                NOW,
                &waiaas_core::audit::Actor::Operator,
                "WALLET_CREATED",
            );
            let wallets = (0..count)
                .map(|_| {
                    let id = WalletId::new();
                    store
                        .insert_wallet(&wallet_record(id, "w"), &audit)
                        .unwrap();
                    id.to_string()
                })
                .collect();
            (wallets, Vec::new())
        }
        Level::Send => {
            let admin = Waiaas::create(
                vault_dir(target, scratch),
                Some(SecretString::from(PASSWORD.to_owned())),
                &vault_config(target, 1),
                host(),
            )
            .unwrap();
            admin
                .set_settings(&Settings {
                    auto_stop_max_sends: 0,
                    ..Settings::default()
                })
                .unwrap();
            // One global limit: INSTANT under a daily cap no run reaches.
            admin
                .create_policy(NewPolicy::new(
                    PolicyType::SpendingLimit,
                    json!({ "instant_max_usd": "1000000000", "daily_limit_usd": "1000000000000" }),
                ))
                .unwrap();
            (0..count)
                .map(|i| {
                    let wallet = admin.create_wallet(&format!("w{i}"), NETWORK).unwrap();
                    let token = admin
                        .create_session(&CreateSession::new(vec![wallet.id]))
                        .unwrap()
                        .token;
                    (wallet.id.to_string(), token.expose().to_owned())
                })
                .unzip()
        }
    }
}

/// Times `PER_THREAD` calls of `call` (given the thread's wallet index) in each thread,
/// once every process is ready (each says `READY` and waits for the go on stdin), so
/// the processes overlap and the slowest one's time covers the run.
fn timed_threads(plan: &Plan, process: usize, call: impl Fn(usize) + Sync) -> (u128, Vec<u128>) {
    println!("READY");
    std::io::stdout().flush().unwrap();
    std::io::stdin().read_line(&mut String::new()).unwrap();
    let start = Instant::now();
    let latencies = std::thread::scope(|s| {
        let workers: Vec<_> = (0..plan.threads)
            .map(|t| {
                let call = &call;
                let wallet = (process * plan.threads + t) % plan.wallets.len();
                s.spawn(move || {
                    (0..PER_THREAD)
                        .map(|_| {
                            let began = Instant::now();
                            call(wallet);
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
    (start.elapsed().as_micros(), latencies)
}

/// One process (one host): prints its elapsed time and latencies (µs).
fn child(plan: &Plan, process: usize, scratch: &Path) {
    let (elapsed, latencies) = match plan.level {
        Level::Admit => {
            let store = open_store(&plan.target, plan.threads);
            let wallets: Vec<WalletId> = plan
                .wallets
                .iter()
                .map(|w| WalletId::parse(w).unwrap())
                .collect();
            timed_threads(plan, process, |w| {
                let a = admit(
                    store.as_ref(),
                    &InstantDaily,
                    wallets[w],
                    None,
                    1,
                    NOW,
                    None,
                );
                assert!(matches!(a, Admission::Decided { .. }));
            })
        }
        Level::Send => {
            let admin: Admin = Waiaas::open(
                vault_dir(&plan.target, scratch),
                Some(SecretString::from(PASSWORD.to_owned())),
                &vault_config(&plan.target, plan.threads),
                host(),
            )
            .unwrap();
            let agents: Vec<_> = plan
                .tokens
                .iter()
                .map(|t| admin.waiaas().agent(t).unwrap())
                .collect();
            let request = SendRequest {
                chain: ChainParams {
                    recent_blockhash: Some("GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi".into()),
                    ..ChainParams::default()
                },
                ..SendRequest::transfer("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM", "0.0001")
            };
            timed_threads(plan, process, |w| {
                let tx = agents[w].send(&request).unwrap();
                assert_eq!(tx.status, TxStatus::Signed, "signed at INSTANT");
            })
        }
    };
    let lat: Vec<String> = latencies.iter().map(ToString::to_string).collect();
    println!("ELAPSED {elapsed}");
    println!("LAT {}", lat.join(" "));
}

fn percentile(sorted: &[u128], p: usize) -> u128 {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap()
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn main() {
    if let Ok(process) = std::env::var("FLEET_PROCESS") {
        let plan = Plan {
            level: if env("FLEET_LEVEL") == "send" {
                Level::Send
            } else {
                Level::Admit
            },
            target: env("FLEET_TARGET"),
            wallets: list(&env("FLEET_WALLETS")),
            tokens: list(&env("FLEET_TOKENS")),
            processes: env("FLEET_PROCESSES").parse().unwrap(),
            threads: env("FLEET_THREADS").parse().unwrap(),
        };
        child(
            &plan,
            process.parse().unwrap(),
            Path::new(&env("FLEET_SCRATCH")),
        );
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).map_or(default.to_owned(), Clone::clone);
    let level = match arg(1, "send").as_str() {
        "send" => Level::Send,
        "admit" => Level::Admit,
        other => panic!("level `{other}`: send or admit"),
    };
    let backend = arg(2, "sqlite");
    let count: usize = arg(3, "1").parse().unwrap();
    let processes: usize = arg(4, "3").parse().unwrap();
    let threads: usize = arg(5, "8").parse().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let schema;
    let target = if backend == "postgres" {
        schema = TestSchema::fresh().expect("set WAIAAS_TEST_POSTGRES_URL");
        schema.url().to_owned()
    } else {
        let name = if level == Level::Send {
            "vault"
        } else {
            "fleet.db"
        };
        scratch.path().join(name).display().to_string()
    };
    let (wallets, tokens) = set_up(level, &target, count, scratch.path());
    let plan = Plan {
        level,
        target,
        wallets,
        tokens,
        processes,
        threads,
    };
    let mut children: Vec<_> = (0..plan.processes)
        .map(|p| {
            Command::new(std::env::current_exe().unwrap())
                .env(
                    "FLEET_LEVEL",
                    if level == Level::Send {
                        "send"
                    } else {
                        "admit"
                    },
                )
                .env("FLEET_TARGET", &plan.target)
                .env("FLEET_WALLETS", plan.wallets.join(","))
                .env("FLEET_TOKENS", plan.tokens.join(","))
                .env("FLEET_PROCESSES", plan.processes.to_string())
                .env("FLEET_THREADS", plan.threads.to_string())
                .env("FLEET_SCRATCH", scratch.path())
                .env("FLEET_PROCESS", p.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut outputs: Vec<_> = children
        .iter_mut()
        .map(|c| BufReader::new(c.stdout.take().unwrap()))
        .collect();
    for out in &mut outputs {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "READY");
    }
    for c in &mut children {
        writeln!(c.stdin.as_mut().unwrap()).unwrap();
    }
    let mut all: Vec<u128> = Vec::new();
    let mut slowest = 0u128;
    for (mut c, mut out) in children.into_iter().zip(outputs) {
        let mut text = String::new();
        out.read_to_string(&mut text).unwrap();
        assert!(c.wait().unwrap().success());
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
    let what = if level == Level::Send {
        "sends"
    } else {
        "admissions"
    };
    let durability = match (backend.as_str(), full()) {
        ("postgres", _) => "",
        (_, true) => " FULL",
        (_, false) => " NORMAL",
    };
    println!(
        "{backend}{durability}, {count} wallet(s), {} processes x {} threads: {n} {what} \
         in {:.2} s = {:.0}/s; latency p50 {} us, p99 {} us, max {} us",
        plan.processes,
        plan.threads,
        slowest as f64 / 1e6,
        n as f64 / (slowest as f64 / 1e6),
        percentile(&all, 50),
        percentile(&all, 99),
        all[n - 1],
    );
}
