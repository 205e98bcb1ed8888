//! `Agent::simulate` of an INSTANT Solana transfer from Rust: the floor the Python and
//! Node bindings' scripts in `benches/bindings/` are compared with (same set-up, same
//! request; the difference is what a binding adds per call). `simulate_rust_json` adds
//! the JSON round trip a binding makes (request text → `api::SendTransaction` → the
//! decision as JSON text), to tell serde's share from the FFI's.
//!
//! `cargo bench -p waiaas-benches --bench simulate`; figures in `docs/PERFORMANCE.md`.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    missing_docs,
    reason = "benchmark harness"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use waiaas::api::SendTransaction;
use waiaas::{Durability, Network, Tier};
use waiaas_benches::{instant_agent, percentiles};

/// The request of `benches/bindings/setup.json`, as a binding receives it.
const REQUEST: &str = r#"{"type": "TRANSFER", "to": "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
    "humanAmount": "0.0001", "chain": {"recentBlockhash": "GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi"}}"#;

fn bench(c: &mut Criterion) {
    let b = instant_agent(Network::SolanaDevnet, Durability::Normal).unwrap();
    assert_eq!(b.agent.simulate(&b.request).unwrap().tier, Tier::Instant);
    let _ = percentiles("simulate_rust", 20_000, || {
        b.agent.simulate(&b.request).unwrap();
    });
    c.bench_function("simulate_rust", |bench| {
        bench.iter(|| b.agent.simulate(&b.request).unwrap())
    });
    let json_round_trip = || {
        let request: SendTransaction = serde_json::from_str(REQUEST).unwrap();
        let decision = b.agent.simulate(&request.to_request().unwrap()).unwrap();
        serde_json::to_string(&decision).unwrap()
    };
    assert_eq!(
        serde_json::from_str::<SendTransaction>(REQUEST)
            .unwrap()
            .to_request()
            .unwrap(),
        b.request
    );
    let _ = percentiles("simulate_rust_json", 20_000, || {
        json_round_trip();
    });
    c.bench_function("simulate_rust_json", |bench| bench.iter(json_round_trip));
}

criterion_group!(benches, bench);
criterion_main!(benches);
