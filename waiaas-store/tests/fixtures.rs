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

use waiaas_core::audit::{AuditScheme, CHAIN_KEYED_EVENT, entry_hash};
use waiaas_core::session::{SessionConfig, SessionIssuer};
use waiaas_core::store::PipelineStore;
use waiaas_core::{ErrorCode, SecretString, Store, Vault, VaultOptions};
use waiaas_store::SqliteStore;
use waiaas_store::StoreOptions;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/fixtures")
        .join(name)
}

/// Writes `testdata/fixtures/schema-v1.db` (run once per released schema, then commit):
/// `WAIAAS_WRITE_FIXTURES=1 cargo test -p waiaas-store --test fixtures write_schema_v1_fixture`
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

/// `testdata/fixtures/schema-v3.db`: a vault written by the schema-3 code (commit
/// bad57f7, `Vault::create` + wallet + session + three more entries, times from
/// 1_780_000_000 by 10 s), whose audit log is the unkeyed SHA-256 chain of 6 entries.
fn open_v3(edit: impl FnOnce(&rusqlite::Connection)) -> (tempfile::TempDir, Arc<SqliteStore>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    std::fs::copy(fixture("schema-v3.db"), &db).unwrap();
    edit(&rusqlite::Connection::open(&db).unwrap());
    let store = Arc::new(SqliteStore::open(&db, &StoreOptions::default()).unwrap());
    (dir, store)
}

fn unlock_v3(store: &Arc<SqliteStore>) -> Vault {
    Vault::unlock(
        store.clone(),
        &SecretString::from("fixture-password".to_owned()),
        VaultOptions {
            allow_insecure_kdf: true,
            ..VaultOptions::default()
        },
    )
    .unwrap()
}

fn schemes(store: &SqliteStore) -> Vec<AuditScheme> {
    store
        .audit_records(0, 0)
        .unwrap()
        .iter()
        .map(|r| r.scheme)
        .collect()
}

#[test]
fn schema_v3_unkeyed_log_is_rechained_under_the_key_on_first_unlock() {
    let (_dir, store) = open_v3(|_| {});
    assert_eq!(store.schema_version().unwrap(), 6);
    // Migrated, not yet keyed: the unkeyed chain is intact as written.
    let before = store.audit_records(0, 0).unwrap();
    assert_eq!(before.len(), 6);
    assert!(before.iter().all(|r| r.scheme == AuditScheme::Sha256));
    assert_eq!(
        store.audit_head().unwrap(),
        Some((6, before[5].hash.clone()))
    );
    for r in &before {
        assert_eq!(entry_hash(r.seq, &r.prev_hash, &r.entry), r.hash);
    }
    // Without the key nothing is verified or written.
    assert_eq!(store.verify_audit_log().unwrap_err().code(), "VAULT_LOCKED");

    let header_version = |store: &SqliteStore| -> u64 {
        let text = store.vault_header().unwrap().unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["version"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(header_version(&store), 1);
    let vault = unlock_v3(&store);
    // The header is now version 2 (the log is keyed), in the same transaction.
    assert_eq!(header_version(&store), 2);
    let after = store.audit_records(0, 0).unwrap();
    assert_eq!(after.len(), 8);
    assert_eq!(after[7].entry.event, "VAULT_FORMAT_UPGRADED");
    assert!(after.iter().all(|r| r.scheme == AuditScheme::HmacSha256));
    // Same entries, new (keyed) hashes.
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old.entry, new.entry);
        assert_ne!(old.hash, new.hash);
    }
    let marker = &after[6];
    assert_eq!(marker.entry.event, CHAIN_KEYED_EVENT);
    assert_eq!(marker.entry.details["rechained"], 6);
    assert_eq!(marker.entry.details["legacyEntries"], 0);
    let check = store.verify_audit_log().unwrap();
    assert_eq!(check.chain.first_broken, None);
    assert_eq!(check.chain.legacy_broken, None);
    assert_eq!(check.chain.keyed_from, Some(1));
    assert!(check.head_ok);

    // Later entries are keyed; a second unlock keys nothing again.
    vault
        .create_wallet("after", waiaas_core::Network::SolanaDevnet)
        .unwrap();
    drop(vault);
    let vault = unlock_v3(&store);
    let log = store.audit_records(0, 0).unwrap();
    for event in [CHAIN_KEYED_EVENT, "VAULT_FORMAT_UPGRADED"] {
        assert_eq!(log.iter().filter(|r| r.entry.event == event).count(), 1);
    }
    assert_eq!(store.verify_audit_log().unwrap().chain.first_broken, None);
    // The rest of the fixture still works.
    assert_eq!(vault.wallets().unwrap().len(), 2);
    // The time mark was seeded with the latest time already written.
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let mark: i64 = conn
        .query_row("SELECT at FROM time_mark", [], |r| r.get(0))
        .unwrap();
    assert!(mark >= 1_780_000_050, "{mark}");
}

#[test]
fn schema_v3_log_with_a_broken_unkeyed_chain_is_kept_and_its_break_reported() {
    // Row 3 was edited before the upgrade (without recomputing anything).
    let (_dir, store) = open_v3(|c| {
        c.execute(
            "UPDATE audit_log SET details = '{\"forged\":true}' WHERE seq = 3",
            [],
        )
        .unwrap();
    });
    let before = store.audit_records(0, 0).unwrap();
    let vault = unlock_v3(&store);
    let after = store.audit_records(0, 0).unwrap();
    // Not blessed: the six unkeyed entries are kept as they were.
    assert_eq!(&after[..6], &before[..]);
    assert_eq!(schemes(&store)[..6], [AuditScheme::Sha256; 6]);
    let marker = &after[6];
    assert_eq!(marker.scheme, AuditScheme::HmacSha256);
    assert_eq!(marker.entry.event, CHAIN_KEYED_EVENT);
    assert_eq!(marker.entry.details["legacyEntries"], 6);
    assert_eq!(marker.entry.details["legacyBrokenAt"], 3);
    assert_eq!(marker.prev_hash, before[5].hash);
    // Verification reports the old break; the keyed chain from the marker on holds.
    vault
        .create_wallet("after", waiaas_core::Network::SolanaDevnet)
        .unwrap();
    let check = store.verify_audit_log().unwrap();
    assert_eq!(check.chain.legacy_broken, Some(3));
    assert_eq!(check.chain.first_broken, None);
    assert_eq!(check.chain.keyed_from, Some(7));
    assert!(check.head_ok);

    // An edit in the keyed part is still found behind the old break.
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let original: String = conn
        .query_row("SELECT details FROM audit_log WHERE seq = 8", [], |r| {
            r.get(0)
        })
        .unwrap();
    conn.execute(
        "UPDATE audit_log SET details = '{\"forged\":true}' WHERE seq = 8",
        [],
    )
    .unwrap();
    assert_eq!(
        store.verify_audit_log().unwrap().chain.first_broken,
        Some(8)
    );
    conn.execute(
        "UPDATE audit_log SET details = ?1 WHERE seq = 8",
        [original],
    )
    .unwrap();
    assert_eq!(store.verify_audit_log().unwrap().chain.first_broken, None);
    // Downgrading the marker to look unkeyed (with a recomputed SHA-256) is detected.
    let marker = &store.audit_records(6, 1).unwrap()[0];
    conn.execute(
        "UPDATE audit_log SET scheme = 0, hash = ?1 WHERE seq = 7",
        [entry_hash(7, &marker.prev_hash, &marker.entry)],
    )
    .unwrap();
    let check = store.verify_audit_log().unwrap();
    assert!(check.chain.first_broken.is_some());
}

#[test]
fn schema_v3_log_that_lost_its_tail_is_kept_and_reported() {
    let (_dir, store) = open_v3(|c| {
        c.execute("DELETE FROM audit_log WHERE seq = 6", [])
            .unwrap();
    });
    unlock_v3(&store);
    let check = store.verify_audit_log().unwrap();
    // The break is right after the last kept entry.
    assert_eq!(check.chain.legacy_broken, Some(6));
    assert_eq!(check.chain.keyed_from, Some(6));
    assert_eq!(check.chain.first_broken, None);
    assert_eq!(schemes(&store)[..5], [AuditScheme::Sha256; 5]);
}
