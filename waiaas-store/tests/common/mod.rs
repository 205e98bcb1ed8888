//! Shared fixtures: a vault on a real SQLite file in a temp dir, with the insecure
//! fast KDF profile (explicitly allowed) and a manual clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::sync::Arc;

use waiaas_core::vault::{KdfParams, Vault, VaultOptions};
use waiaas_core::{DataDir, ManualClock, SecretString, Store};
use waiaas_store::{SqliteStore, StoreOptions};

pub const T0: i64 = 1_800_000_000;
pub const PASSWORD: &str = "correct horse battery staple";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub vault: Arc<Vault>,
}

pub fn password(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

pub fn options(clock: &Arc<ManualClock>, data: &DataDir) -> VaultOptions {
    VaultOptions {
        allow_insecure_kdf: true,
        clock: clock.clone(),
        recovery_key_path: Some(data.recovery_key_path()),
    }
}

pub fn open_store(data: &DataDir) -> Arc<dyn Store> {
    Arc::new(SqliteStore::open_dir(data, &StoreOptions::default()).unwrap())
}

pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("vault"));
    let clock = Arc::new(ManualClock::new(T0));
    let vault = Vault::create(
        open_store(&data),
        &password(PASSWORD),
        KdfParams::insecure_for_tests(),
        options(&clock, &data),
    )
    .unwrap();
    Fixture {
        dir,
        clock,
        vault: Arc::new(vault),
    }
}

impl Fixture {
    pub fn data(&self) -> DataDir {
        DataDir::new(self.dir.path().join("vault"))
    }

    /// A second, independent handle on the same database (its own connection), as a
    /// second process would have.
    pub fn reopen(&self, pw: &str) -> Result<Vault, waiaas_core::VaultError> {
        let data = self.data();
        Vault::unlock(
            open_store(&data),
            &password(pw),
            options(&self.clock, &data),
        )
    }

    pub fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.data().database_path()).unwrap()
    }

    pub fn store(&self) -> Arc<SqliteStore> {
        Arc::new(SqliteStore::open(self.data().database_path(), &StoreOptions::default()).unwrap())
    }
}
