//! Vault: unlock, tamper detection, password change atomicity, throttling, file modes,
//! and "one Argon2id per unlock, none per signature".

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{PASSWORD, fixture, open_store, options, password};
use waiaas_core::vault::{KdfParams, Vault, VaultOptions, hooks};
use waiaas_core::{DataDir, ErrorCode, ManualClock, Network, SecretString, WalletKey};
use waiaas_store::{SqliteStore, StoreOptions};

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn code<T: std::fmt::Debug, E: ErrorCode>(r: Result<T, E>) -> &'static str {
    r.expect_err("expected an error").code()
}

#[test]
fn create_then_unlock_with_the_same_password() {
    let f = fixture();
    let w = f
        .vault
        .create_wallet("main", Network::SolanaDevnet)
        .unwrap();
    let reopened = f.reopen(PASSWORD).unwrap();
    assert_eq!(reopened.wallet(w.id).unwrap(), w);
    assert!(!reopened.is_locked());
}

#[test]
fn wrong_password_is_typed_and_leaves_the_vault_files_byte_identical() {
    let f = fixture();
    f.vault
        .create_wallet("main", Network::EthereumSepolia)
        .unwrap();
    let data = f.data();
    let db = data.database_path();
    drop(f.vault);
    // Every file of the vault (database; recovery.key would be here too) before and after.
    let before = snapshot(data.root());
    let err = Vault::unlock(
        open_store(&data),
        &password("wrong"),
        options(&f.clock, &data),
    )
    .unwrap_err();
    assert_eq!(err.code(), "INVALID_MASTER_PASSWORD");
    let after = snapshot(data.root());
    let db_name = db.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        before.get(&db_name),
        after.get(&db_name),
        "the vault database changed"
    );
    // The only file a failure may write is the separate unlock counter.
    for (name, bytes) in &before {
        if !name.ends_with("-unlock") {
            assert_eq!(Some(bytes), after.get(name), "{name} changed");
        }
    }
}

#[test]
fn tampered_header_is_vault_corrupt_not_wrong_password() {
    let f = fixture();
    let conn = f.raw();
    let header: String = conn
        .query_row("SELECT header FROM vault_header", [], |r| r.get(0))
        .unwrap();
    // Lower the memory cost, as an attacker wanting cheaper guesses would.
    let edited = header.replace("\"m_cost_kib\": 64", "\"m_cost_kib\": 32");
    assert_ne!(edited, header);
    conn.execute("UPDATE vault_header SET header = ?1", [&edited])
        .unwrap();
    let err = f.reopen(PASSWORD).unwrap_err();
    assert_eq!(err.code(), "VAULT_CORRUPT");
    assert!(matches!(err, waiaas_core::VaultError::HeaderCorrupt { .. }));

    // Garbage instead of JSON.
    conn.execute("UPDATE vault_header SET header = 'not json'", [])
        .unwrap();
    assert_eq!(code(f.reopen(PASSWORD)), "VAULT_CORRUPT");
}

#[test]
fn tampered_wrapped_data_key_under_the_right_password_is_vault_corrupt() {
    let f = fixture();
    let conn = f.raw();
    let header: String = conn
        .query_row("SELECT header FROM vault_header", [], |r| r.get(0))
        .unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&header).unwrap();
    // Flip one byte of the wrapped DEK and recompute nothing: the checksum must catch it.
    let ct = json["dek_ciphertext"].as_str().unwrap().to_owned();
    let mut bytes = base64_decode(&ct);
    bytes[0] ^= 1;
    json["dek_ciphertext"] = base64_encode(&bytes).into();
    conn.execute("UPDATE vault_header SET header = ?1", [json.to_string()])
        .unwrap();
    assert_eq!(code(f.reopen(PASSWORD)), "VAULT_CORRUPT");
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn tampered_wallet_ciphertext_is_detected() {
    let f = fixture();
    let w = f
        .vault
        .create_wallet("main", Network::SolanaDevnet)
        .unwrap();
    let conn = f.raw();
    let mut ct: Vec<u8> = conn
        .query_row(
            "SELECT secret_ciphertext FROM wallets WHERE id = ?1",
            [w.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    ct[5] ^= 0x80;
    conn.execute(
        "UPDATE wallets SET secret_ciphertext = ?1 WHERE id = ?2",
        rusqlite::params![ct, w.id.to_string()],
    )
    .unwrap();
    let err = f.vault.with_signing_key(w.id, |_| ()).unwrap_err();
    assert_eq!(err.code(), "VAULT_CORRUPT");
    assert!(
        matches!(err, waiaas_core::VaultError::SecretCorrupt { wallet_id } if wallet_id == w.id)
    );
}

#[test]
fn ciphertexts_swapped_between_rows_fail_to_decrypt() {
    let f = fixture();
    let a = f
        .vault
        .create_wallet("a", Network::EthereumMainnet)
        .unwrap();
    let b = f
        .vault
        .create_wallet("b", Network::EthereumMainnet)
        .unwrap();
    let conn = f.raw();
    let get = |id: &str| -> (Vec<u8>, Vec<u8>) {
        conn.query_row(
            "SELECT secret_nonce, secret_ciphertext FROM wallets WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let (na, ca) = get(&a.id.to_string());
    let (nb, cb) = get(&b.id.to_string());
    let set = |id: &str, n: &[u8], c: &[u8]| {
        conn.execute(
            "UPDATE wallets SET secret_nonce = ?1, secret_ciphertext = ?2 WHERE id = ?3",
            rusqlite::params![n, c, id],
        )
        .unwrap();
    };
    set(&a.id.to_string(), &nb, &cb);
    set(&b.id.to_string(), &na, &ca);
    for id in [a.id, b.id] {
        assert_eq!(code(f.vault.with_signing_key(id, |_| ())), "VAULT_CORRUPT");
    }
}

#[test]
fn edited_address_column_is_detected() {
    let f = fixture();
    let a = f.vault.create_wallet("a", Network::SolanaDevnet).unwrap();
    f.raw()
        .execute(
            "UPDATE wallets SET address = '11111111111111111111111111111111' WHERE id = ?1",
            [a.id.to_string()],
        )
        .unwrap();
    assert_eq!(
        code(f.vault.with_signing_key(a.id, |_| ())),
        "VAULT_CORRUPT"
    );
}

#[test]
fn interrupted_password_change_keeps_the_old_password() {
    let f = fixture();
    let data = f.data();
    let store = Arc::new(
        SqliteStore::open_dir(
            &data,
            &StoreOptions {
                busy_timeout: Duration::from_millis(100),
                ..StoreOptions::default()
            },
        )
        .unwrap(),
    );
    let vault = Vault::unlock(store, &password(PASSWORD), options(&f.clock, &data)).unwrap();
    // Another writer holds the database: the change cannot commit.
    let blocker = f.raw();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = vault
        .change_password(&password(PASSWORD), &password("new password"), None)
        .unwrap_err();
    assert_eq!(err.code(), "STORAGE_BUSY");
    blocker.execute_batch("ROLLBACK").unwrap();
    assert!(f.reopen(PASSWORD).is_ok());
    assert_eq!(code(f.reopen("new password")), "INVALID_MASTER_PASSWORD");
}

#[test]
fn completed_password_change_switches_passwords_and_removes_recovery_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("v"));
    let clock = Arc::new(ManualClock::new(common::T0));
    let provisioned = data.provision_recovery_key().unwrap();
    let (pw, origin) = data.resolve_password_with(None, |_| None).unwrap();
    assert_eq!(origin, waiaas_core::PasswordOrigin::RecoveryKey);
    assert_eq!(
        waiaas_core::ExposeSecret::expose_secret(&pw),
        waiaas_core::ExposeSecret::expose_secret(&provisioned)
    );
    let vault = Vault::create(
        open_store(&data),
        &pw,
        KdfParams::insecure_for_tests(),
        options(&clock, &data),
    )
    .unwrap();
    let w = vault.create_wallet("w", Network::BaseSepolia).unwrap();
    vault
        .change_password(&pw, &password("brand new"), None)
        .unwrap();
    assert!(
        !data.recovery_key_path().exists(),
        "recovery.key must be deleted"
    );
    let old = Vault::unlock(open_store(&data), &pw, options(&clock, &data));
    assert_eq!(code(old), "INVALID_MASTER_PASSWORD");
    let new = Vault::unlock(
        open_store(&data),
        &password("brand new"),
        options(&clock, &data),
    )
    .unwrap();
    // The DEK did not change: existing secrets still open.
    assert_eq!(
        new.with_signing_key(w.id, |k| k.address()).unwrap(),
        w.address
    );
}

#[test]
fn change_password_with_a_wrong_current_password_is_refused() {
    let f = fixture();
    let err = f
        .vault
        .change_password(&password("nope"), &password("new"), None)
        .unwrap_err();
    assert_eq!(err.code(), "INVALID_MASTER_PASSWORD");
    assert!(f.reopen(PASSWORD).is_ok());
}

#[test]
fn database_recovery_key_and_directory_modes_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("v"));
    data.provision_recovery_key().unwrap();
    let store = open_store(&data);
    let clock = Arc::new(ManualClock::new(common::T0));
    let vault = Vault::create(
        store,
        &password("x"),
        KdfParams::insecure_for_tests(),
        options(&clock, &data),
    )
    .unwrap();
    vault.create_wallet("w", Network::SolanaMainnet).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(data.root()), 0o700);
    assert_eq!(mode(&data.recovery_key_path()), 0o600);
    for entry in std::fs::read_dir(data.root()).unwrap() {
        let p = entry.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{} is not 0600", p.display());
    }
    assert!(mode(&data.database_path()) == 0o600);
}

#[test]
fn throttling_engages_after_five_failures_across_handles() {
    let f = fixture();
    for _ in 0..5 {
        assert_eq!(code(f.reopen("wrong")), "INVALID_MASTER_PASSWORD");
    }
    // A fresh handle (as another process would open) sees the lock, even with the
    // right password.
    match f.reopen(PASSWORD).unwrap_err() {
        waiaas_core::VaultError::MasterPasswordLocked { retry_after_secs } => {
            assert_eq!(retry_after_secs, 30)
        }
        other => panic!("expected MASTER_PASSWORD_LOCKED, got {other:?}"),
    }
    f.clock.advance(29);
    let err = f.reopen(PASSWORD).unwrap_err();
    assert_eq!(err.code(), "MASTER_PASSWORD_LOCKED");
    assert!(err.to_string().contains("retry in 1 s"), "{err}");
    f.clock.advance(1);
    // Allowed again; another failure doubles the wait.
    assert_eq!(code(f.reopen("wrong")), "INVALID_MASTER_PASSWORD");
    match f.reopen(PASSWORD).unwrap_err() {
        waiaas_core::VaultError::MasterPasswordLocked { retry_after_secs } => {
            assert_eq!(retry_after_secs, 60)
        }
        other => panic!("expected MASTER_PASSWORD_LOCKED, got {other:?}"),
    }
    // The wait is capped at 15 minutes.
    for _ in 0..10 {
        f.clock.advance(900);
        assert_eq!(code(f.reopen("wrong")), "INVALID_MASTER_PASSWORD");
    }
    match f.reopen(PASSWORD).unwrap_err() {
        waiaas_core::VaultError::MasterPasswordLocked { retry_after_secs } => {
            assert_eq!(retry_after_secs, 900)
        }
        other => panic!("expected MASTER_PASSWORD_LOCKED, got {other:?}"),
    }
    f.clock.advance(900);
    assert!(f.reopen(PASSWORD).is_ok());
    // Success resets the count.
    assert_eq!(code(f.reopen("wrong")), "INVALID_MASTER_PASSWORD");
    assert!(f.reopen(PASSWORD).is_ok());
}

#[test]
fn unlock_runs_argon2id_once_and_signing_runs_it_never() {
    let f = fixture();
    let w = f.vault.create_wallet("w", Network::SolanaDevnet).unwrap();
    let before = hooks::argon2_derivations();
    let vault = f.reopen(PASSWORD).unwrap();
    assert_eq!(
        hooks::argon2_derivations() - before,
        1,
        "unlock must derive exactly once"
    );
    let before = hooks::argon2_derivations();
    for _ in 0..10 {
        vault.with_signing_key(w.id, |k| k.address()).unwrap();
    }
    vault.create_wallet("x", Network::EthereumSepolia).unwrap();
    assert_eq!(
        hooks::argon2_derivations(),
        before,
        "signing must not derive"
    );
}

#[test]
fn locked_vault_refuses_secret_access() {
    let f = fixture();
    let w = f.vault.create_wallet("w", Network::SolanaDevnet).unwrap();
    f.vault.lock();
    assert!(f.vault.is_locked());
    assert_eq!(code(f.vault.with_signing_key(w.id, |_| ())), "VAULT_LOCKED");
    assert_eq!(
        code(f.vault.create_wallet("y", Network::SolanaDevnet)),
        "VAULT_LOCKED"
    );
    // Public facts stay readable.
    assert_eq!(f.vault.wallet(w.id).unwrap().address, w.address);
}

#[test]
fn unknown_wallet_is_wallet_not_found() {
    let f = fixture();
    let id = waiaas_core::WalletId::new();
    assert_eq!(code(f.vault.wallet(id)), "WALLET_NOT_FOUND");
    assert_eq!(
        code(f.vault.with_signing_key(id, |_| ())),
        "WALLET_NOT_FOUND"
    );
    assert_eq!(code(f.vault.delete_wallet(id)), "WALLET_NOT_FOUND");
}

#[test]
fn suspended_wallet_cannot_reach_its_key() {
    let f = fixture();
    let w = f.vault.create_wallet("w", Network::SolanaDevnet).unwrap();
    f.vault
        .store()
        .set_wallet_status(
            w.id,
            waiaas_core::store::WalletStatus::Suspended,
            common::T0,
            &waiaas_core::audit::AuditEntry::new(
                common::T0,
                &waiaas_core::audit::Actor::Operator,
                "WALLET_SUSPENDED",
            ),
        )
        .unwrap();
    assert_eq!(
        code(f.vault.with_signing_key(w.id, |_| ())),
        "WALLET_SUSPENDED"
    );
}

#[test]
fn insecure_test_profile_is_refused_unless_allowed() {
    let f = fixture();
    let data = f.data();
    let strict = VaultOptions {
        allow_insecure_kdf: false,
        ..options(&f.clock, &data)
    };
    assert_eq!(
        code(Vault::unlock(
            open_store(&data),
            &password(PASSWORD),
            strict
        )),
        "VAULT_INSECURE_KDF"
    );
}

#[test]
fn production_parameters_below_the_floor_are_refused() {
    assert_eq!(code(KdfParams::production(1024, 3, 1)), "VALIDATION_FAILED");
    assert_eq!(
        code(KdfParams::production(65_536, 1, 1)),
        "VALIDATION_FAILED"
    );
    assert!(KdfParams::production(19_456, 2, 1).is_ok());
    assert_eq!(KdfParams::default().m_cost_kib(), 65_536);
    assert_eq!(KdfParams::default().t_cost(), 3);
    assert_eq!(KdfParams::default().p_cost(), 4);
}

#[test]
fn default_production_parameters_unlock() {
    // Real parameters once, so the production path is exercised end to end.
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("v"));
    let opts = || VaultOptions::default();
    let vault = Vault::create(
        open_store(&data),
        &password("pw"),
        KdfParams::default(),
        opts(),
    )
    .unwrap();
    let w = vault.create_wallet("w", Network::EthereumMainnet).unwrap();
    drop(vault);
    let vault = Vault::unlock(open_store(&data), &password("pw"), opts()).unwrap();
    assert_eq!(vault.kdf_params().unwrap(), KdfParams::default());
    assert_eq!(vault.wallet(w.id).unwrap().address, w.address);
}

#[test]
fn create_twice_and_unlock_without_a_vault_are_typed() {
    let f = fixture();
    let data = f.data();
    let again = Vault::create(
        open_store(&data),
        &password("x"),
        KdfParams::insecure_for_tests(),
        options(&f.clock, &data),
    );
    assert_eq!(code(again), "VAULT_ALREADY_EXISTS");
    let empty = DataDir::new(f.dir.path().join("empty"));
    assert_eq!(
        code(Vault::unlock(
            open_store(&empty),
            &password("x"),
            VaultOptions::default()
        )),
        "VAULT_NOT_FOUND"
    );
}

#[test]
fn empty_password_is_a_validation_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("v"));
    let r = Vault::create(
        open_store(&data),
        &SecretString::from(String::new()),
        KdfParams::insecure_for_tests(),
        VaultOptions::default(),
    );
    assert_eq!(code(r), "VALIDATION_FAILED");
}

#[test]
fn imported_keys_keep_their_addresses_and_export_round_trips() {
    let f = fixture();
    // solana-keygen JSON format and base58 of the same 64-byte keypair.
    let key = WalletKey::generate(waiaas_core::Chain::Solana);
    let seed = key.secret_bytes();
    let mut pair = seed.to_vec();
    pair.extend_from_slice(&key.public_key_bytes());
    let json = serde_json::to_string(&pair).unwrap();
    let a = f
        .vault
        .import_wallet("json", Network::SolanaDevnet, &password(&json))
        .unwrap();
    let b58 = bs58::encode(&pair).into_string();
    let b = f
        .vault
        .import_wallet("b58", Network::SolanaDevnet, &password(&b58))
        .unwrap();
    assert_eq!(a.address, key.address());
    assert_eq!(b.address, key.address());
    assert_eq!(f.vault.export_secret(b.id).unwrap().expose(), b58);

    // A well-known EVM key: anvil/hardhat account #0.
    let evm = f
        .vault
        .import_wallet(
            "evm",
            Network::EthereumSepolia,
            &password("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"),
        )
        .unwrap();
    assert_eq!(evm.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assert_eq!(
        f.vault.export_secret(evm.id).unwrap().expose(),
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
    );

    // Mismatched halves, wrong lengths, zero scalar: typed, never echoed.
    let mut bad = pair.clone();
    bad[40] ^= 1;
    let err = f
        .vault
        .import_wallet(
            "bad",
            Network::SolanaDevnet,
            &password(&bs58::encode(&bad).into_string()),
        )
        .unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    for input in ["0x00", &"00".repeat(32), "zz", "[1,2,3]"] {
        let net = if input.starts_with('[') {
            Network::SolanaDevnet
        } else {
            Network::EthereumMainnet
        };
        let err = f
            .vault
            .import_wallet("bad", net, &password(input))
            .unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED", "{input}");
        assert!(!err.to_string().contains(input) || input.len() < 4, "{err}");
    }
}

#[test]
fn storage_errors_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    // Not a SQLite database.
    let path = dir.path().join("junk.db");
    std::fs::write(
        &path,
        b"this is not a database, just text padding the first page",
    )
    .unwrap();
    let err = waiaas_store::SqliteStore::open(&path, &StoreOptions::default()).unwrap_err();
    assert_eq!(err.code(), "STORAGE_ERROR");
    // Missing parent directory.
    let err = waiaas_store::SqliteStore::open(
        dir.path().join("no/such/dir/x.db"),
        &StoreOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "STORAGE_ERROR");
}
