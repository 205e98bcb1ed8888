//! Shared test fixtures: a real vault (SQLite in a temp dir, insecure test KDF profile).

#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(clippy::unwrap_used, clippy::panic, reason = "test fixtures")]

use std::path::PathBuf;
use std::sync::Arc;

use waiaas_core::{
    KdfParams, Network, SecretString, SqliteStore, StoreOptions, Vault, VaultOptions, WalletInfo,
    WalletKey,
};

/// A vault in a temp dir; the dir lives as long as this value.
pub struct TestVault {
    pub vault: Vault,
    _dir: tempfile::TempDir,
}

pub fn vault() -> TestVault {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("vault.db"), &StoreOptions::default()).unwrap();
    let vault = Vault::create(
        Arc::new(store),
        &SecretString::from("correct horse battery staple"),
        KdfParams::insecure_for_tests(),
        VaultOptions {
            allow_insecure_kdf: true,
            ..VaultOptions::default()
        },
    )
    .unwrap();
    TestVault { vault, _dir: dir }
}

/// Imports a wallet from a known secret (EVM hex, or Solana 32-byte seed as hex).
pub fn wallet_from_secret(
    vault: &Vault,
    name: &str,
    network: Network,
    secret_hex: &str,
) -> WalletInfo {
    let bytes: [u8; 32] = hex::decode(secret_hex.trim_start_matches("0x"))
        .unwrap()
        .try_into()
        .unwrap();
    let key = WalletKey::from_secret_bytes(network.chain(), &bytes).unwrap();
    vault.insert_wallet(name, network, &key).unwrap()
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Reads a file under `testdata/`.
pub fn testdata(path: &str) -> String {
    std::fs::read_to_string(repo_root().join("testdata").join(path)).unwrap()
}
