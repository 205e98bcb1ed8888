//! The store conformance suite on the SQLite backend: real database files in temp
//! dirs, every handle its own connection (as separate processes would have).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a test failure"
)]

use std::path::PathBuf;
use std::sync::Arc;

use waiaas_core::store::Backend;
use waiaas_store::conformance::Harness;
use waiaas_store::{SqliteStore, StoreOptions, Synchronous};

struct Sqlite {
    dir: tempfile::TempDir,
}

impl Sqlite {
    fn path(&self) -> PathBuf {
        self.dir.path().join("conformance.db")
    }
}

impl Harness for Sqlite {
    fn handle(&self) -> Arc<dyn Backend> {
        Arc::new(
            SqliteStore::open(
                self.path(),
                &StoreOptions {
                    synchronous: Synchronous::Normal,
                    busy_timeout: std::time::Duration::from_secs(60),
                    ..StoreOptions::default()
                },
            )
            .unwrap(),
        )
    }

    fn tamper_audit_details(&self, seq: u64) {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        let n = conn
            .execute(
                "UPDATE audit_log SET details = '{\"tampered\":true}' WHERE seq = ?1",
                [i64::try_from(seq).unwrap()],
            )
            .unwrap();
        assert_eq!(n, 1);
    }
}

waiaas_store::store_conformance!(|| Sqlite {
    dir: tempfile::tempdir().unwrap(),
});
