//! End-to-end INSTANT send (verify + decide + reserve + sign + persist), Solana and EVM,
//! with `synchronous = NORMAL` and `FULL`, and 8 concurrent senders on one wallet.
//!
//! `cargo bench -p waiaas-benches --bench send`; figures in `docs/PERFORMANCE.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::arithmetic_side_effects,
    missing_docs,
    reason = "benchmark harness"
)]

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use waiaas::{Durability, Network};
use waiaas_benches::{instant_agent, percentiles};

fn bench(c: &mut Criterion) {
    for (network, label) in [
        (Network::SolanaDevnet, "solana"),
        (Network::EthereumSepolia, "evm"),
    ] {
        for (sync, sync_label) in [(Durability::Normal, "normal"), (Durability::Full, "full")] {
            let b = instant_agent(network, sync).unwrap();
            let name = format!("send_instant_{label}_{sync_label}");
            let _ = percentiles(&name, 2_000, || {
                b.agent.send(&b.request).unwrap();
            });
            let mut g = c.benchmark_group("send");
            g.sample_size(20);
            g.bench_function(&name, |bench| {
                bench.iter(|| b.agent.send(&b.request).unwrap())
            });
            g.finish();
        }
    }
    // 8 concurrent senders on one wallet.
    for (sync, sync_label) in [(Durability::Normal, "normal"), (Durability::Full, "full")] {
        let b = instant_agent(Network::SolanaDevnet, sync).unwrap();
        let per_thread = 250;
        let started = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..8 {
                let (agent, request) = (b.agent.clone(), b.request.clone());
                s.spawn(move || {
                    for _ in 0..per_thread {
                        agent.send(&request).unwrap();
                    }
                });
            }
        });
        let elapsed = started.elapsed();
        let total = 8 * per_thread;
        println!(
            "concurrent_8_senders_{sync_label}: {total} sends in {elapsed:?} = {:.0} sends/s",
            f64::from(total) / elapsed.as_secs_f64()
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
