//! End-to-end INSTANT send (verify + decide + reserve + sign + persist), Solana and EVM,
//! with `synchronous = NORMAL` and `FULL`, and 8 concurrent senders on one wallet.
//!
//! `cargo bench -p waiaas-benches --bench send`; figures in `docs/PERFORMANCE.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_precision_loss,
    clippy::print_stdout,
    clippy::arithmetic_side_effects,
    missing_docs,
    reason = "benchmark harness"
)]

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use waiaas::{Durability, Network, TxStatus};
use waiaas_benches::{instant_agent, instant_agent_capped, percentiles};

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
    // 8 concurrent senders on one wallet, 300 attempts each against a daily cap of
    // exactly 2 000 sends (0.0105 USD each: 0.01 moved + the 5 000-lamport fee the
    // engine counts): 2 000 must sign at once and 400 not (beyond
    // the cap a send escalates out of INSTANT) — zero overshoot; the rate is of the
    // sends that signed.
    for (sync, sync_label) in [(Durability::Normal, "normal"), (Durability::Full, "full")] {
        let b = instant_agent_capped(Network::SolanaDevnet, sync, "21").unwrap();
        let (threads, per_thread, cap) = (8, 300, 2_000);
        let started = Instant::now();
        let signed: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let (agent, request) = (b.agent.clone(), b.request.clone());
                    s.spawn(move || {
                        (0..per_thread)
                            .filter(|_| match agent.send(&request) {
                                Ok(tx) => tx.status == TxStatus::Signed,
                                Err(e) if e.code() == "POLICY_DENIED" => false,
                                Err(e) => panic!("unexpected error: {e}"),
                            })
                            .count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        let elapsed = started.elapsed();
        assert_eq!(
            signed, cap,
            "the daily cap admitted {signed} sends, not {cap}"
        );
        println!(
            "concurrent_8_senders_{sync_label}: {signed} sends signed in {elapsed:?} = {:.0} sends/s ({} held back at the cap)",
            signed as f64 / elapsed.as_secs_f64(),
            threads * per_thread - signed
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
