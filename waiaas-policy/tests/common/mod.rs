//! Helpers shared by the integration tests.
#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers"
)]

use std::path::Path;

use waiaas_core::store::{SealedBox, WalletRecord, WalletStatus};
use waiaas_core::{Chain, Network, Store, WalletId};
use waiaas_store::{SqliteStore, StoreOptions};

/// Opens a store with `synchronous = NORMAL` (tests do not need power-loss safety) and
/// a fixed audit key (a vault would derive it from its data key).
pub fn open_store(path: &Path) -> SqliteStore {
    let store = SqliteStore::open(
        path,
        &StoreOptions {
            synchronous: waiaas_store::Synchronous::Normal,
            busy_timeout: std::time::Duration::from_secs(60),
            ..StoreOptions::default()
        },
    )
    .unwrap();
    store
        .set_audit_key(
            waiaas_core::audit::AuditKey::from_bytes(waiaas_core::audit::Zeroizing::new([1; 32])),
            0,
            None,
        )
        .unwrap();
    store
}

/// Inserts a wallet row with a dummy sealed secret (policies reference wallets).
pub fn insert_wallet(store: &dyn Store, id: WalletId, network: Network) {
    let chain: Chain = network.chain();
    store
        .insert_wallet(
            &WalletRecord {
                id,
                name: format!("w-{id}"),
                chain,
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
            &waiaas_core::audit::AuditEntry::new(
                0,
                &waiaas_core::audit::Actor::System,
                "TEST_FIXTURE",
            ),
        )
        .unwrap();
}
