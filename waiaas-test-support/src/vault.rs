//! A fast-KDF vault on a temp dir (SQLite, the insecure test profile explicitly allowed)
//! and store rows for the tests that drive a store without a vault.
//!
//! Depends on `waiaas-core` and `waiaas-store`: for the tests of the crates above them
//! (`waiaas-policy`, `waiaas-chains`, …), never for `waiaas-store`'s own.

use std::path::Path;
use std::sync::Arc;

use waiaas_core::audit::{Actor, AuditEntry, AuditKey, Zeroizing};
use waiaas_core::store::{SealedBox, WalletRecord, WalletStatus};
use waiaas_core::{
    KdfParams, Network, SecretString, Store, Vault, VaultOptions, WalletId, WalletInfo, WalletKey,
};
use waiaas_store::{SqliteStore, StoreOptions, Synchronous};

use crate::fixed::PASSWORD;

/// A vault in a temp dir; the dir lives as long as this value.
#[derive(Debug)]
pub struct TestVault {
    /// The unlocked vault.
    pub vault: Vault,
    /// Its directory.
    pub dir: tempfile::TempDir,
}

/// A new vault on `vault.db` in a fresh temp dir, with the fast test KDF (allowed) and
/// [`PASSWORD`].
///
/// # Panics
/// When the vault cannot be created.
#[must_use]
pub fn vault() -> TestVault {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("vault.db"), &StoreOptions::default()).unwrap();
    let vault = Vault::create(
        Arc::new(store),
        &SecretString::from(PASSWORD),
        KdfParams::insecure_for_tests(),
        VaultOptions {
            allow_insecure_kdf: true,
            ..VaultOptions::default()
        },
    )
    .unwrap();
    TestVault { vault, dir }
}

/// Imports a wallet from a known secret (EVM hex, or a Solana 32-byte seed as hex).
///
/// # Panics
/// When the secret is not 32 bytes of hex or the import fails.
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

/// Opens a store without a vault: `synchronous = NORMAL` (tests do not need power-loss
/// safety), a 60 s busy timeout (tests race processes on one file) and a fixed audit key
/// (a vault would derive it from its data key).
///
/// # Panics
/// When the store cannot be opened.
#[must_use]
pub fn open_store(path: &Path) -> SqliteStore {
    open_store_with(path, Synchronous::Normal)
}

/// [`open_store`] with the given `synchronous` setting (benchmarks compare both).
///
/// # Panics
/// When the store cannot be opened.
#[must_use]
pub fn open_store_with(path: &Path, synchronous: Synchronous) -> SqliteStore {
    let store = SqliteStore::open(
        path,
        &StoreOptions {
            synchronous,
            busy_timeout: std::time::Duration::from_secs(60),
            ..StoreOptions::default()
        },
    )
    .unwrap();
    store
        .set_audit_key(AuditKey::from_bytes(Zeroizing::new([1; 32])), 0, None)
        .unwrap();
    store
}

/// Inserts a wallet row with a dummy sealed secret (policies reference wallets).
///
/// # Panics
/// When the insert fails.
pub fn insert_wallet(store: &dyn Store, id: WalletId, network: Network) {
    store
        .insert_wallet(
            &WalletRecord {
                id,
                name: format!("w-{id}"),
                chain: network.chain(),
                network,
                address: "test".to_owned(),
                public_key: vec![0; 32],
                secret: SealedBox {
                    nonce: vec![0; 24],
                    ciphertext: vec![0; 48],
                },
                secret_format: 1,
                status: WalletStatus::Active,
                created_at: 0,
                updated_at: 0,
            },
            &AuditEntry::new(0, &Actor::System, "TEST_FIXTURE"),
        )
        .unwrap();
}
