//! The audit chain's key: derived from the DEK (HKDF-SHA256, label
//! `waiaas audit chain v1`), held by the store only while the vault is unlocked, never
//! printed. Entries appended under another key fail verification; without a key no
//! audited change is written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{PASSWORD, T0, fixture, password};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use waiaas_core::audit::{Actor, AuditEntry, AuditKey, entry_mac};
use waiaas_core::store::PipelineStore;
use waiaas_core::{DataDir, ErrorCode, Network, Store};
use waiaas_store::SqliteStore;
use waiaas_store::StoreOptions;
use zeroize::Zeroizing;

/// HKDF-SHA256 (RFC 5869), one block, written here independently of the vault.
fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let mut extract = Hmac::<Sha256>::new_from_slice(salt).unwrap();
    extract.update(ikm);
    let prk = extract.finalize().into_bytes();
    let mut expand = Hmac::<Sha256>::new_from_slice(&prk).unwrap();
    expand.update(info);
    expand.update(&[1]);
    expand.finalize().into_bytes().into()
}

fn expected_key(f: &common::Fixture) -> [u8; 32] {
    hkdf(
        b"waiaas-vault-hkdf-salt-v1",
        &f.vault.dek_for_tests().unwrap(),
        b"waiaas audit chain v1",
    )
}

fn store_at(f: &common::Fixture) -> SqliteStore {
    SqliteStore::open_dir(
        &DataDir::new(f.dir.path().join("vault")),
        &StoreOptions::default(),
    )
    .unwrap()
}

fn append(store: &SqliteStore, event: &str) -> Result<(), waiaas_core::StoreError> {
    store.append_audit(&AuditEntry::new(T0, &Actor::System, event))
}

#[test]
fn the_chain_is_keyed_with_the_hkdf_of_the_dek() {
    let f = fixture();
    f.vault.create_wallet("a", Network::SolanaDevnet).unwrap();
    let store = store_at(&f);
    let log = store.audit_records(0, 0).unwrap();
    assert!(log.len() >= 2);
    // Every stored hash is the HMAC under the independently derived key …
    let key = AuditKey::from_bytes(Zeroizing::new(expected_key(&f)));
    for r in &log {
        assert_eq!(entry_mac(&key, r.seq, &r.prev_hash, &r.entry), r.hash);
    }
    // … and not under another one.
    let other = AuditKey::from_bytes(Zeroizing::new([7u8; 32]));
    assert_ne!(
        entry_mac(&other, log[0].seq, &log[0].prev_hash, &log[0].entry),
        log[0].hash
    );
}

#[test]
fn entries_appended_with_the_wrong_key_fail_verification() {
    let f = fixture();
    f.vault.create_wallet("a", Network::SolanaDevnet).unwrap();
    // A second handle on the same file, keyed with the right key: its entries verify.
    let right = store_at(&f);
    right
        .set_audit_key(
            AuditKey::from_bytes(Zeroizing::new(expected_key(&f))),
            T0,
            None,
        )
        .unwrap();
    append(&right, "RIGHT_KEY").unwrap();
    let check = right.verify_audit_log().unwrap();
    assert_eq!(check.chain.first_broken, None);
    assert!(check.head_ok);

    // A handle keyed with another key (someone without the master password).
    let wrong = store_at(&f);
    wrong
        .set_audit_key(AuditKey::from_bytes(Zeroizing::new([7u8; 32])), T0, None)
        .unwrap();
    append(&wrong, "WRONG_KEY").unwrap();
    let forged_seq = wrong.audit_head().unwrap().unwrap().0;
    let check = right.verify_audit_log().unwrap();
    assert_eq!(check.chain.first_broken, Some(forged_seq));
    // Its head MAC is wrong too.
    assert!(!check.head_ok);
    // Entries appended after it under the right key do not hide it.
    append(&right, "RIGHT_AGAIN").unwrap();
    let check = right.verify_audit_log().unwrap();
    assert_eq!(check.chain.first_broken, Some(forged_seq));
    assert!(check.head_ok);
}

#[test]
fn without_the_key_audited_writes_fail_closed_and_write_nothing() {
    let f = fixture();
    let key = expected_key(&f);
    let store = store_at(&f);
    let before = store.audit_records(0, 0).unwrap().len();
    // A store handle no vault unlocked.
    let err = append(&store, "NO_KEY").unwrap_err();
    assert_eq!(err.code(), "VAULT_LOCKED");
    let err = store
        .set_setting(
            "k",
            "v",
            T0,
            &AuditEntry::new(T0, &Actor::Operator, "SETTING"),
        )
        .unwrap_err();
    assert_eq!(err.code(), "VAULT_LOCKED");
    assert_eq!(store.setting("k").unwrap(), None);
    assert_eq!(store.verify_audit_log().unwrap_err().code(), "VAULT_LOCKED");
    // Locking the vault takes the key from its store.
    let vault_store = f.vault.store().clone();
    vault_store
        .set_setting(
            "k",
            "v",
            T0,
            &AuditEntry::new(T0, &Actor::Operator, "SETTING"),
        )
        .unwrap();
    f.vault.lock();
    let err = vault_store
        .set_setting(
            "k",
            "w",
            T0,
            &AuditEntry::new(T0, &Actor::Operator, "SETTING"),
        )
        .unwrap_err();
    assert_eq!(err.code(), "VAULT_LOCKED");
    assert_eq!(vault_store.setting("k").unwrap().as_deref(), Some("v"));
    assert_eq!(store.audit_records(0, 0).unwrap().len(), before + 1);
    // A failed unlock writes nothing either (no audit entry, no key).
    let data = DataDir::new(f.dir.path().join("vault"));
    let fresh: Arc<dyn Store> = Arc::new(store_at(&f));
    assert!(
        waiaas_core::Vault::unlock(
            fresh.clone(),
            &password("wrong"),
            common::options(&f.clock, &data)
        )
        .is_err()
    );
    assert_eq!(store.audit_records(0, 0).unwrap().len(), before + 1);
    // Positive path: unlocking gives the key back.
    let vault = waiaas_core::Vault::unlock(
        fresh.clone(),
        &password(PASSWORD),
        common::options(&f.clock, &data),
    )
    .unwrap();
    vault.create_wallet("b", Network::SolanaDevnet).unwrap();
    let check = store_at(&f);
    check
        .set_audit_key(AuditKey::from_bytes(Zeroizing::new(key)), T0, None)
        .unwrap();
    assert_eq!(check.verify_audit_log().unwrap().chain.first_broken, None);
}

fn encodings(bytes: &[u8]) -> Vec<String> {
    vec![
        hex::encode(bytes),
        hex::encode_upper(bytes),
        STANDARD.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
        bs58::encode(bytes).into_string(),
        format!("{bytes:?}"),
        hex::encode(&bytes[8..24]),
    ]
}

#[test]
fn the_audit_key_never_appears_in_debug_output() {
    let f = fixture();
    f.vault.create_wallet("a", Network::SolanaDevnet).unwrap();
    let raw = expected_key(&f);
    let secrets = encodings(&raw);
    let key = AuditKey::from_bytes(Zeroizing::new(raw));
    let store = store_at(&f);
    store
        .set_audit_key(AuditKey::from_bytes(Zeroizing::new(raw)), T0, None)
        .unwrap();
    let mut outputs = vec![
        format!("{key:?}"),
        format!("{store:?}"),
        format!("{:?}", f.vault),
        format!("{:?}", f.vault.store()),
        format!("{:?}", store.audit_records(0, 0).unwrap()),
        format!("{:?}", store.verify_audit_log().unwrap()),
        format!("{:?}", f.vault.clock()),
    ];
    let e = store_at(&f)
        .append_audit(&AuditEntry::new(T0, &Actor::System, "X"))
        .unwrap_err();
    outputs.push(format!("{e:?} {e}"));
    for text in &outputs {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "leaks the audit key: {text}");
        }
    }
    assert_eq!(format!("{key:?}"), "AuditKey([redacted])");
    // The searched-for key is really the key (guards against a vacuous test).
    let last = store.audit_records(0, 0).unwrap().pop().unwrap();
    assert_eq!(
        entry_mac(&key, last.seq, &last.prev_hash, &last.entry),
        last.hash
    );
}
