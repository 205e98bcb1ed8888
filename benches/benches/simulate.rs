//! `Agent::simulate` of an INSTANT Solana transfer from Rust: the floor the Python and
//! Node bindings' scripts in `benches/bindings/` are compared with (same set-up, same
//! request; the difference is what a binding adds per call).
//!
//! `cargo bench -p waiaas-benches --bench simulate`; figures in `docs/PERFORMANCE.md`.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    missing_docs,
    reason = "benchmark harness"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use waiaas::{Durability, Network, Tier};
use waiaas_benches::{instant_agent, percentiles};

fn bench(c: &mut Criterion) {
    let b = instant_agent(Network::SolanaDevnet, Durability::Normal).unwrap();
    assert_eq!(b.agent.simulate(&b.request).unwrap().tier, Tier::Instant);
    let _ = percentiles("simulate_rust", 20_000, || {
        b.agent.simulate(&b.request).unwrap();
    });
    c.bench_function("simulate_rust", |bench| {
        bench.iter(|| b.agent.simulate(&b.request).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
