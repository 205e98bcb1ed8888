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

use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use waiaas::core::policy::{PolicyType, Usd, native_asset_id};
use waiaas::core::session::CreateSession;
use waiaas::store::{StoreOptions, Synchronous};
use waiaas::{
    Agent, ChainParams, Network, NewPolicy, Options, SecretString, SendRequest, Settings,
    StaticPriceOracle, Waiaas,
};
use waiaas_benches::percentiles;

struct Bench {
    _dir: tempfile::TempDir,
    agent: Agent,
    request: SendRequest,
}

fn setup(network: Network, sync: Synchronous) -> Bench {
    let dir = tempfile::tempdir().unwrap();
    let prices = Arc::new(StaticPriceOracle::new(1_000_000));
    let now = waiaas::Clock::now(&waiaas::SystemClock);
    prices.set_price(&native_asset_id(network), Usd::from_u64(100), "bench", now);
    let admin = Waiaas::create(
        dir.path().join("v"),
        &SecretString::from("bench".to_owned()),
        Options {
            kdf: waiaas::KdfParams::insecure_for_tests(),
            allow_insecure_kdf: true,
            store: StoreOptions {
                synchronous: sync,
                ..StoreOptions::default()
            },
            prices,
            ..Options::default()
        },
    )
    .unwrap();
    admin
        .set_settings(&Settings {
            auto_stop_max_sends: 0,
            ..Settings::default()
        })
        .unwrap();
    let wallet = admin.create_wallet("bench", network).unwrap();
    admin
        .create_policy(
            NewPolicy::new(
                PolicyType::SpendingLimit,
                json!({ "instant_max_usd": "1000000000", "daily_limit_usd": "1000000000000" }),
            )
            .for_wallet(wallet.id),
        )
        .unwrap();
    let token = admin
        .create_session(&CreateSession::new(vec![wallet.id]))
        .unwrap()
        .token;
    let agent = admin.waiaas().agent(token.expose()).unwrap();
    let chain = match network.chain() {
        waiaas::core::Chain::Solana => ChainParams {
            recent_blockhash: Some("GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi".into()),
            ..ChainParams::default()
        },
        waiaas::core::Chain::Ethereum => ChainParams {
            nonce: Some(0),
            max_fee_per_gas: Some("30000000000".into()),
            max_priority_fee_per_gas: Some("1000000000".into()),
            ..ChainParams::default()
        },
    };
    let to = match network.chain() {
        waiaas::core::Chain::Solana => "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
        waiaas::core::Chain::Ethereum => "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    };
    Bench {
        _dir: dir,
        agent,
        request: SendRequest {
            chain,
            ..SendRequest::transfer(to, "0.0001")
        },
    }
}

fn bench(c: &mut Criterion) {
    for (network, label) in [
        (Network::SolanaDevnet, "solana"),
        (Network::EthereumSepolia, "evm"),
    ] {
        for (sync, sync_label) in [(Synchronous::Normal, "normal"), (Synchronous::Full, "full")] {
            let b = setup(network, sync);
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
    for (sync, sync_label) in [(Synchronous::Normal, "normal"), (Synchronous::Full, "full")] {
        let b = setup(Network::SolanaDevnet, sync);
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
