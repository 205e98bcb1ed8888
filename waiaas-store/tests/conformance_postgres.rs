//! The store conformance suite on the PostgreSQL backend (feature `postgres`): every
//! check on a fresh schema of the server at `WAIAAS_TEST_POSTGRES_URL` (`.ci/postgres.sh`
//! starts one and exports it), every handle its own pool (as separate hosts would
//! have). Without the URL the checks pass without running on a developer's machine, and
//! fail in CI (`CI=true`): see `waiaas_store::test_database`.
#![cfg(feature = "postgres")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a test failure"
)]

use std::sync::Arc;

use waiaas_core::store::Backend;
use waiaas_store::conformance::Harness;
use waiaas_store::test_database::TestSchema;
use waiaas_store::{PgOptions, PgStore};

struct Pg(TestSchema);

impl Harness for Pg {
    fn handle(&self) -> Arc<dyn Backend> {
        Arc::new(PgStore::connect(self.0.url(), &PgOptions::default()).unwrap())
    }

    fn tamper_audit_details(&self, seq: u64) {
        let n = self
            .0
            .client()
            .execute(
                "UPDATE audit_log SET details = '{\"tampered\":true}' WHERE seq = $1",
                &[&i64::try_from(seq).unwrap()],
            )
            .unwrap();
        assert_eq!(n, 1);
    }
}

waiaas_store::store_conformance!(optional: || TestSchema::fresh().map(Pg));
