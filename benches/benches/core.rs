//! Foundation benchmarks: session verification, scoped key access, unlock.
//!
//! `cargo bench -p waiaas-benches --bench core`; figures in `docs/PERFORMANCE.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::print_stdout,
    missing_docs,
    reason = "benchmark harness"
)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use waiaas_benches::percentiles;
use waiaas_core::session::{CreateSession, SessionConfig, SessionIssuer};
use waiaas_core::{DataDir, KdfParams, Network, Permission, SecretString, Vault, VaultOptions};
use waiaas_store::{SqliteStore, StoreOptions, Synchronous};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("v"));
    let password = SecretString::from("bench password".to_owned());
    let store = Arc::new(
        SqliteStore::open_dir(
            &data,
            &StoreOptions {
                synchronous: Synchronous::Normal,
                ..StoreOptions::default()
            },
        )
        .unwrap(),
    );
    let vault = Arc::new(
        Vault::create(
            store,
            &password,
            KdfParams::default(),
            VaultOptions::default(),
        )
        .unwrap(),
    );
    let sol = vault.create_wallet("sol", Network::SolanaMainnet).unwrap();
    let evm = vault
        .create_wallet("evm", Network::EthereumMainnet)
        .unwrap();
    let issuer = SessionIssuer::new(vault.clone(), SessionConfig::default()).unwrap();
    let token = issuer
        .create(&CreateSession::new(vec![sol.id]))
        .unwrap()
        .token;

    let _ = percentiles("session_verify_access", 20_000, || {
        issuer
            .verify_access(token.expose(), sol.id, Permission::Transaction)
            .unwrap();
    });
    let _ = percentiles("with_signing_key_ed25519", 5_000, || {
        vault
            .with_signing_key(sol.id, |k| k.public_key_bytes())
            .unwrap();
    });
    c.bench_function("session_verify_access", |b| {
        b.iter(|| {
            issuer
                .verify_access(black_box(token.expose()), sol.id, Permission::Transaction)
                .unwrap()
        });
    });
    c.bench_function("with_signing_key_ed25519", |b| {
        b.iter(|| {
            vault
                .with_signing_key(sol.id, |k| k.public_key_bytes())
                .unwrap()
        });
    });
    c.bench_function("with_signing_key_secp256k1", |b| {
        b.iter(|| {
            vault
                .with_signing_key(evm.id, |k| k.public_key_bytes())
                .unwrap()
        });
    });
    let mut g = c.benchmark_group("unlock");
    g.sample_size(10);
    g.bench_function("unlock_default_params_m64MiB_t3_p4", |b| {
        b.iter(|| {
            let store = Arc::new(SqliteStore::open_dir(&data, &StoreOptions::default()).unwrap());
            Vault::unlock(store, &password, VaultOptions::default()).unwrap()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
