//! k256 (pure Rust) against libsecp256k1 (the C library, through the `secp256k1` crate)
//! for the two operations an EVM send and an owner approval need: an RFC 6979
//! recoverable signature over a 32-byte digest, and recovering the public key from one.
//! The vault signs with libsecp256k1 since this measurement (`waiaas-chains`'s
//! `ecdsa.rs`); owner signatures are still recovered with k256 (once per approval).
//!
//! Before timing, both sign 1 000 digests with the same key: the signatures and recovery
//! ids must be byte-identical (both RFC 6979, both low-S), and recovery must give the
//! same key. A mismatch fails the run.
//!
//! `cargo bench -p waiaas-benches --bench secp256k1`; figures in `docs/PERFORMANCE.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    missing_docs,
    reason = "benchmark harness"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use secp256k1::ecdsa::RecoverableSignature;
use secp256k1::{Message, Secp256k1, SecretKey};
use waiaas_benches::percentiles;

const SECRET: [u8; 32] = [42u8; 32];

/// Distinct pseudo-random digests (xorshift): they only need to differ and to cover
/// both recovery ids.
fn digest(i: u32) -> [u8; 32] {
    let mut x = u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut d = [0u8; 32];
    for b in &mut d {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x.to_le_bytes()[0];
    }
    d
}

/// Both libraries sign and recover alike, or the run stops here.
fn check_identical(k: &SigningKey, c: &Secp256k1<secp256k1::All>, sk: &SecretKey) {
    let public = k.verifying_key().to_encoded_point(false);
    for i in 0..1_000 {
        let d = digest(i);
        let (sig, recid) = k.sign_prehash_recoverable(&d).unwrap();
        let (crecid, bytes) = c
            .sign_ecdsa_recoverable(Message::from_digest(d), sk)
            .serialize_compact();
        assert_eq!(sig.to_bytes().as_slice(), &bytes[..], "signature {i}");
        assert_eq!(
            i32::from(recid.to_byte()),
            i32::from(crecid),
            "recovery id {i}"
        );
        let recovered = VerifyingKey::recover_from_prehash(&d, &sig, recid).unwrap();
        let crecovered = c
            .recover_ecdsa(
                Message::from_digest(d),
                &RecoverableSignature::from_compact(&bytes, crecid).unwrap(),
            )
            .unwrap();
        assert_eq!(
            recovered.to_encoded_point(false),
            public,
            "k256 recovery {i}"
        );
        assert_eq!(
            &crecovered.serialize_uncompressed()[..],
            public.as_bytes(),
            "libsecp256k1 recovery {i}"
        );
    }
}

fn bench(c: &mut Criterion) {
    let k = SigningKey::from_bytes((&SECRET).into()).unwrap();
    let ctx = Secp256k1::new();
    let sk = SecretKey::from_byte_array(SECRET).unwrap();
    check_identical(&k, &ctx, &sk);

    let d = digest(7);
    let (sig, recid): (Signature, RecoveryId) = k.sign_prehash_recoverable(&d).unwrap();
    let (crecid, bytes) = ctx
        .sign_ecdsa_recoverable(Message::from_digest(d), &sk)
        .serialize_compact();
    let csig = RecoverableSignature::from_compact(&bytes, crecid).unwrap();

    let mut g = c.benchmark_group("secp256k1");
    let _ = percentiles("k256_sign_recoverable", 20_000, || {
        black_box(k.sign_prehash_recoverable(black_box(&d)).unwrap());
    });
    g.bench_function("k256_sign_recoverable", |b| {
        b.iter(|| k.sign_prehash_recoverable(black_box(&d)).unwrap())
    });
    let _ = percentiles("libsecp256k1_sign_recoverable", 20_000, || {
        black_box(ctx.sign_ecdsa_recoverable(Message::from_digest(black_box(d)), &sk));
    });
    g.bench_function("libsecp256k1_sign_recoverable", |b| {
        b.iter(|| ctx.sign_ecdsa_recoverable(Message::from_digest(black_box(d)), &sk))
    });
    let _ = percentiles("k256_recover", 20_000, || {
        black_box(VerifyingKey::recover_from_prehash(black_box(&d), &sig, recid).unwrap());
    });
    g.bench_function("k256_recover", |b| {
        b.iter(|| VerifyingKey::recover_from_prehash(black_box(&d), &sig, recid).unwrap())
    });
    let _ = percentiles("libsecp256k1_recover", 20_000, || {
        black_box(
            ctx.recover_ecdsa(Message::from_digest(black_box(d)), &csig)
                .unwrap(),
        );
    });
    g.bench_function("libsecp256k1_recover", |b| {
        b.iter(|| {
            ctx.recover_ecdsa(Message::from_digest(black_box(d)), &csig)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
