//! Databases written by released schema versions must keep opening: each fixture in
//! `testdata/fixtures/` is migrated forward and checked against what it is known to hold.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

use std::path::PathBuf;
use std::sync::Arc;

use waiaas_core::session::{SessionConfig, SessionIssuer};
use waiaas_core::store::StoreOptions;
use waiaas_core::{ErrorCode, SecretString, SqliteStore, Store, Vault, VaultOptions};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/fixtures")
        .join(name)
}

/// Writes `testdata/fixtures/schema-v1.db` (run once per released schema, then commit):
/// `WAIAAS_WRITE_FIXTURES=1 cargo test -p waiaas-core --test fixtures write_schema_v1_fixture`
#[test]
fn write_schema_v1_fixture() {
    if std::env::var_os("WAIAAS_WRITE_FIXTURES").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store =
        Arc::new(SqliteStore::open(dir.path().join("v.db"), &StoreOptions::default()).unwrap());
    let vault = Vault::create(
        store.clone(),
        &SecretString::from("fixture-password".to_owned()),
        waiaas_core::KdfParams::insecure_for_tests(),
        VaultOptions {
            allow_insecure_kdf: true,
            ..VaultOptions::default()
        },
    )
    .unwrap();
    let key = SecretString::from(
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80".to_owned(),
    );
    vault
        .import_wallet("fixture-evm", waiaas_core::Network::EthereumSepolia, &key)
        .unwrap();
    let issuer = SessionIssuer::new(Arc::new(vault), SessionConfig::default()).unwrap();
    let wallet = store.wallets().unwrap()[0].id;
    issuer
        .create(&waiaas_core::CreateSession {
            ttl: None,
            ..waiaas_core::CreateSession::new(vec![wallet])
        })
        .unwrap();
    let out = fixture("schema-v1.db");
    let _ = std::fs::remove_file(&out);
    rusqlite::Connection::open(dir.path().join("v.db"))
        .unwrap()
        .execute("VACUUM INTO ?1", [out.to_str().unwrap()])
        .unwrap();
}

#[test]
fn schema_v1_database_still_opens_and_unlocks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    std::fs::copy(fixture("schema-v1.db"), &db).unwrap();
    let store = Arc::new(SqliteStore::open(&db, &StoreOptions::default()).unwrap());
    assert!(store.schema_version().unwrap() >= 1);
    let vault = Vault::unlock(
        store.clone(),
        &SecretString::from("fixture-password".to_owned()),
        VaultOptions {
            allow_insecure_kdf: true,
            ..VaultOptions::default()
        },
    )
    .unwrap();
    let wallets = vault.wallets().unwrap();
    assert_eq!(wallets.len(), 1);
    assert_eq!(
        wallets[0].address,
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    let address = vault
        .with_signing_key(wallets[0].id, |k| k.address())
        .unwrap();
    assert_eq!(address, wallets[0].address);
    assert_eq!(store.sessions(None).unwrap().len(), 1);
}

#[test]
fn a_database_from_a_newer_waiaas_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    drop(SqliteStore::open(&db, &StoreOptions::default()).unwrap());
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "INSERT INTO schema_migrations (version, note, applied_at) VALUES (9999, 'future', 0)",
            [],
        )
        .unwrap();
    let err = SqliteStore::open(&db, &StoreOptions::default()).unwrap_err();
    assert_eq!(err.code(), "SCHEMA_TOO_NEW");
}
