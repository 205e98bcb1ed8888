//! Growth: what a send and a decision cost as history and the policy set grow, and the
//! memory and disk a large vault takes.
//!
//! - Policies: one Solana wallet (`NORMAL`), the INSTANT send and `simulate` (the
//!   decision alone, no write) timed with 1, 10, 50 and 100 policies on the wallet.
//! - History: another wallet, the same two calls timed at 0, 10 000, 100 000 and
//!   1 000 000 transactions of history; the history is real sends (transaction, ledger
//!   and audit rows), made by 8 threads between the checkpoints. Prints the slope of the
//!   p50 in µs per 100 000 rows (least squares over the checkpoints).
//! - Memory: the process's RSS and the database's size on disk for 10 000 wallets that
//!   have each signed once, and after the history.
//!
//! `WAIAAS_GROWTH_ROWS` sets the largest history (default 1 000 000: several minutes of
//! sends on 2 cores). Run: `cargo bench -p waiaas-benches --bench growth`. Without
//! `--bench` (`cargo test --benches`, CI's smoke) it makes one small pass: 20 timed calls,
//! 50 wallets, no history.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss,
    reason = "benchmark harness"
)]

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use waiaas::{CreateSession, Durability, Network, NewPolicy, PolicyType, SendRequest};
use waiaas_benches::{InstantAgent, bench_vault, instant_agent, percentiles};

const SENDERS: u64 = 8;

/// The sizes of a run: `cargo bench` passes `--bench`; anything else is a smoke test.
#[derive(Clone, Copy)]
struct Sizes {
    timed: usize,
    wallets: usize,
    rows: u64,
}

fn main() {
    let sizes = if std::env::args().any(|a| a == "--bench") {
        Sizes {
            timed: 2_000,
            wallets: 10_000,
            rows: std::env::var("WAIAAS_GROWTH_ROWS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(1_000_000),
        }
    } else {
        Sizes {
            timed: 20,
            wallets: 50,
            rows: 0,
        }
    };
    policies(sizes);
    wallets(sizes);
    history(sizes);
}

/// The rules of the `i`-th policy added: five types that all admit the bench transfer
/// at INSTANT, cycled, so every one is evaluated on every call.
fn policy(i: usize, to: &str) -> (PolicyType, Value) {
    match i % 5 {
        0 => (
            PolicyType::SpendingLimit,
            json!({ "instant_max_usd": "1000000000", "daily_limit_usd": "1000000000000" }),
        ),
        1 => (PolicyType::Whitelist, json!({ "allowed_addresses": [to] })),
        2 => (
            PolicyType::RateLimit,
            json!({ "max_requests": 1_000_000_000u64, "window_seconds": 3600 }),
        ),
        3 => (
            PolicyType::TimeRestriction,
            json!({ "allowed_hours": { "start": 0, "end": 24 }, "timezone": "UTC" }),
        ),
        _ => (
            PolicyType::AllowedNetworks,
            json!({ "networks": ["solana-devnet"] }),
        ),
    }
}

fn recipient(b: &InstantAgent) -> String {
    match &b.request.operation {
        waiaas::Operation::Transfer { to, .. } => to.clone(),
        other => panic!("the bench request is a transfer, not {other:?}"),
    }
}

fn policies(sizes: Sizes) {
    let b = instant_agent(Network::SolanaDevnet, Durability::Normal).unwrap();
    let to = recipient(&b);
    let mut have = 1; // instant_agent's SPENDING_LIMIT
    let mut points = Vec::new();
    for target in [1, 10, 50, 100] {
        while have < target {
            let (ty, rules) = policy(have, &to);
            b.admin
                .create_policy(NewPolicy::new(ty, rules).for_wallet(b.wallet))
                .unwrap();
            have += 1;
        }
        let simulate = percentiles(
            &format!("growth_simulate_policies_{target}"),
            sizes.timed,
            || {
                b.agent.simulate(&b.request).unwrap();
            },
        );
        let send = percentiles(
            &format!("growth_send_policies_{target}"),
            sizes.timed,
            || {
                b.agent.send(&b.request).unwrap();
            },
        );
        points.push((target as f64, simulate.p50, send.p50));
    }
    slope("policies", "policy", 1.0, &points);
}

fn history(sizes: Sizes) {
    let rows = sizes.rows;
    let b = instant_agent(Network::SolanaDevnet, Durability::Normal).unwrap();
    let mut made: u64 = 0;
    let mut points = Vec::new();
    for target in [0, 10_000, 100_000, 1_000_000]
        .into_iter()
        .filter(|t| *t <= rows)
    {
        let started = Instant::now();
        fill(&b, target.saturating_sub(made));
        made = made.max(target);
        let filled = started.elapsed();
        let simulate = percentiles(
            &format!("growth_simulate_rows_{target}"),
            sizes.timed,
            || {
                b.agent.simulate(&b.request).unwrap();
            },
        );
        let send = percentiles(&format!("growth_send_rows_{target}"), sizes.timed, || {
            b.agent.send(&b.request).unwrap();
        });
        // The timed sends are history too.
        made += (sizes.timed + sizes.timed / 10) as u64;
        println!("  (history filled to {made} sends; the fill took {filled:.1?})");
        points.push((target as f64, simulate.p50, send.p50));
    }
    slope("history", "100 000 rows", 100_000.0, &points);
    memory(
        &format!("growth_memory_{made}_transactions"),
        &b.dir.path().join("v"),
    );
}

/// `n` more sends from 8 threads.
fn fill(b: &InstantAgent, n: u64) {
    std::thread::scope(|s| {
        for t in 0..SENDERS {
            let share = n / SENDERS + u64::from(t < n % SENDERS);
            let (agent, request) = (b.agent.clone(), b.request.clone());
            s.spawn(move || {
                for _ in 0..share {
                    agent.send(&request).unwrap();
                }
            });
        }
    });
}

/// `sizes.wallets` (10 000) wallets under one global SPENDING_LIMIT and one session,
/// each signing once.
fn wallets(sizes: Sizes) {
    let n = sizes.wallets;
    let before = rss_kib();
    let (dir, admin) = bench_vault(Network::SolanaDevnet, Durability::Normal).unwrap();
    admin
        .create_policy(NewPolicy::new(
            PolicyType::SpendingLimit,
            json!({ "instant_max_usd": "1000000000", "daily_limit_usd": "1000000000000" }),
        ))
        .unwrap();
    let started = Instant::now();
    let ids: Vec<_> = (0..n)
        .map(|i| {
            admin
                .create_wallet(&format!("w{i}"), Network::SolanaDevnet)
                .unwrap()
                .id
        })
        .collect();
    let created = started.elapsed();
    let token = admin
        .create_session(&CreateSession::new(ids.clone()))
        .unwrap()
        .token;
    let agent = admin.waiaas().agent(token.expose()).unwrap();
    let template = instant_agent(Network::SolanaDevnet, Durability::Normal)
        .unwrap()
        .request;
    let started = Instant::now();
    for id in &ids {
        agent
            .send(&SendRequest {
                wallet_id: Some(*id),
                ..template.clone()
            })
            .unwrap();
    }
    println!(
        "growth_wallets: {n} wallets created in {created:.1?}, one send each in {:.1?}",
        started.elapsed()
    );
    println!("  (RSS before the vault: {} MiB)", before / 1024);
    memory(&format!("growth_memory_{n}_wallets"), &dir.path().join("v"));
}

/// Prints the least-squares slope of the `simulate` and send p50 over `points`
/// (`x`, simulate p50, send p50), per `per` units of `x`.
fn slope(name: &str, unit: &str, per: f64, points: &[(f64, Duration, Duration)]) {
    let fit = |pick: fn(&(f64, Duration, Duration)) -> Duration| {
        let n = points.len() as f64;
        let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
        let my = points.iter().map(|p| pick(p).as_secs_f64()).sum::<f64>() / n;
        let sxy: f64 = points
            .iter()
            .map(|p| (p.0 - mx) * (pick(p).as_secs_f64() - my))
            .sum();
        let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        if sxx == 0.0 {
            0.0
        } else {
            sxy / sxx * per * 1e6
        }
    };
    println!(
        "growth_slope_{name}: simulate p50 {:+.2} µs per {unit}, send p50 {:+.2} µs per {unit}",
        fit(|p| p.1),
        fit(|p| p.2)
    );
}

fn memory(name: &str, vault: &Path) {
    let db: u64 = std::fs::read_dir(vault)
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len())
        .sum();
    println!(
        "{name}: RSS {} MiB, database {} MiB on disk",
        rss_kib() / 1024,
        db / (1024 * 1024)
    );
}

/// The process's resident set (`VmRSS` of /proc/self/status), in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
