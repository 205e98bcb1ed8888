//! Building `waiaas-chains` with one chain feature compiles no crate of the other chain
//! (checked on the resolved dependency graph with `cargo tree`).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions"
)]

use std::process::Command;

/// The normal (non-dev) dependency crates of waiaas-chains with `features`.
fn crates_with(features: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree",
            "-p",
            "waiaas-chains",
            "--no-default-features",
            "--features",
            features,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "--locked",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let crates: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    assert!(crates.len() > 10, "suspiciously small tree: {crates:?}");
    crates
}

fn is_solana(name: &str) -> bool {
    name.starts_with("solana-") || name.starts_with("spl-") || name == "wincode"
}

fn is_evm(name: &str) -> bool {
    name.starts_with("alloy-") || name == "revm"
}

#[test]
fn solana_only_pulls_no_evm_crate() {
    for features in ["solana", "solana,rpc"] {
        let crates = crates_with(features);
        assert!(
            crates.iter().any(|c| c == "solana-transaction"),
            "{features}"
        );
        let evm: Vec<_> = crates.iter().filter(|c| is_evm(c)).collect();
        assert!(evm.is_empty(), "`{features}` pulls EVM crates: {evm:?}");
    }
}

#[test]
fn evm_only_pulls_no_solana_crate() {
    for features in ["evm", "evm,rpc"] {
        let crates = crates_with(features);
        assert!(crates.iter().any(|c| c == "alloy-consensus"), "{features}");
        let solana: Vec<_> = crates.iter().filter(|c| is_solana(c)).collect();
        assert!(
            solana.is_empty(),
            "`{features}` pulls Solana crates: {solana:?}"
        );
    }
}

#[test]
fn default_features_pull_both_chains() {
    let crates = crates_with("solana,evm");
    assert!(crates.iter().any(|c| is_solana(c)));
    assert!(crates.iter().any(|c| is_evm(c)));
}
