//! The floor a send is measured against, in the same run as the send itself: one
//! Ed25519 signature, one secp256k1 signature (RFC 6979, recoverable, by libsecp256k1
//! as the vault signs EVM transactions), and
//! one SQLite WAL commit of one small row with `synchronous = NORMAL` and with `FULL`
//! (a send needs at least one signature and one commit). `benches/run.sh` reports each
//! send as a multiple of its floor.
//!
//! `cargo bench -p waiaas-benches --bench floor`; figures in `docs/PERFORMANCE.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    missing_docs,
    reason = "benchmark harness"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::Signer as _;
use secp256k1::{Message, Secp256k1, SecretKey};
use waiaas_benches::percentiles;

/// A 32-byte transaction digest stand-in.
const DIGEST: [u8; 32] = [7u8; 32];

fn commit_store(synchronous: &str) -> (tempfile::TempDir, rusqlite::Connection) {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("floor.db")).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous};
         CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL);"
    ))
    .unwrap();
    (dir, conn)
}

fn bench(c: &mut Criterion) {
    let ed = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
    let secp = Secp256k1::signing_only();
    let secret = SecretKey::from_byte_array([42u8; 32]).unwrap();
    let message = [9u8; 200]; // about a Solana transfer message
    let mut g = c.benchmark_group("floor");
    let _ = percentiles("floor_ed25519_sign", 20_000, || {
        black_box(ed.sign(black_box(&message)));
    });
    g.bench_function("floor_ed25519_sign", |b| {
        b.iter(|| ed.sign(black_box(&message)))
    });
    let sign = || secp.sign_ecdsa_recoverable(Message::from_digest(black_box(DIGEST)), &secret);
    let _ = percentiles("floor_secp256k1_sign", 20_000, || {
        black_box(sign());
    });
    g.bench_function("floor_secp256k1_sign", |b| b.iter(sign));
    for (label, synchronous) in [("normal", "NORMAL"), ("full", "FULL")] {
        let (_dir, conn) = commit_store(synchronous);
        let mut insert = conn.prepare("INSERT INTO t (v) VALUES (?1)").unwrap();
        let name = format!("floor_commit_{label}");
        let _ = percentiles(&name, 2_000, || {
            insert.execute([&message[..]]).unwrap();
        });
        g.sample_size(20);
        g.bench_function(&name, |b| {
            b.iter(|| insert.execute([&message[..]]).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
