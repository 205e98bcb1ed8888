//! Fleet mode through the public API: several hosts (each its own `Waiaas` handle, so
//! its own pool) on one PostgreSQL database (feature `postgres`, the server of
//! `WAIAAS_TEST_POSTGRES_URL`; see `waiaas_store::test_database`). What one host does —
//! revoke a session, activate the kill switch, suspend a wallet, edit a policy — the
//! others honour at their next request. Without the feature, the database URL is
//! refused before anything is written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use waiaas::{Config, Host, Waiaas};

#[test]
fn a_database_url_that_is_not_postgres_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        database_url: Some("mysql://db.example/waiaas".to_owned()),
        ..common::config()
    };
    let err = Waiaas::create_auto_provisioned(dir.path().join("v"), &config, Host::default())
        .unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    assert!(err.to_string().contains("databaseUrl"), "{err}");
    assert!(!dir.path().join("v").exists(), "nothing written");
    // The password never shows in `Debug`.
    let config = Config {
        database_url: Some("postgres://waiaas:s3cret@db.internal:5432/waiaas".to_owned()),
        ..common::config()
    };
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("db.internal:5432"), "{shown}");
}

#[cfg(not(feature = "postgres"))]
#[test]
fn a_postgres_url_without_the_feature_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        database_url: Some("postgres://127.0.0.1:1/waiaas".to_owned()),
        ..common::config()
    };
    let err = Waiaas::create(
        dir.path().join("v"),
        Some(common::pw()),
        &config,
        Host::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    assert!(err.to_string().contains("`postgres` feature"), "{err}");
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::sync::Arc;

    use serde_json::json;
    use waiaas::{
        Admin, Config, ManualClock, Network, NewPolicy, PolicyType, PolicyUpdate,
        StaticPriceOracle, Waiaas,
    };
    use waiaas_core::TxStatus;
    use waiaas_store::test_database::TestSchema;

    use super::common;

    const TO: &str = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

    pub fn config(schema: &TestSchema) -> Config {
        Config {
            database_url: Some(schema.url().to_owned()),
            ..common::config()
        }
    }

    /// Another host: its own data directory, clock, prices and pool on the database.
    pub fn host(schema: &TestSchema) -> (Admin, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(common::T0));
        let prices = Arc::new(StaticPriceOracle::new(600));
        prices.set_price(
            &waiaas_core::policy::native_asset_id(Network::SolanaDevnet),
            waiaas_core::policy::Usd::from_u64(common::SOL_USD),
            "test",
            common::T0,
        );
        let admin = Waiaas::open(
            dir.path(),
            Some(common::pw()),
            &config(schema),
            common::host(&clock, &prices),
        )
        .unwrap();
        (admin, dir)
    }

    #[test]
    fn what_host_a_changes_host_b_honours_at_its_next_request() {
        let Some(schema) = TestSchema::fresh() else {
            return;
        };
        let a = common::world_configured(&config(&schema), |h| h);
        let wallet = a.wallet(Network::SolanaDevnet);
        let (b, _b_dir) = host(&schema);
        let send = || common::sol_req(TO, "0.01");

        // Revocation on A: B's agent is refused at its next call.
        let issued = a
            .admin
            .create_session(&waiaas::CreateSession::new(vec![wallet.id]))
            .unwrap();
        let on_b = b.agent(issued.token.expose()).unwrap();
        assert_eq!(on_b.send(&send()).unwrap().status, TxStatus::Signed);
        a.admin.revoke_session(issued.info.id).unwrap();
        assert_eq!(on_b.send(&send()).unwrap_err().code(), "SESSION_REVOKED");

        // A policy edit on A: B decides with it at once (no cache outlives the epoch).
        let on_b = b
            .agent(
                a.admin
                    .create_session(&waiaas::CreateSession::new(vec![wallet.id]))
                    .unwrap()
                    .token
                    .expose(),
            )
            .unwrap();
        let whitelist = a
            .admin
            .create_policy(
                NewPolicy::new(PolicyType::Whitelist, json!({ "allowed_addresses": [TO] }))
                    .for_wallet(wallet.id),
            )
            .unwrap();
        assert_eq!(on_b.send(&send()).unwrap().status, TxStatus::Signed);
        a.admin
            .update_policy(
                whitelist.id,
                PolicyUpdate {
                    rules: Some(
                        json!({ "allowed_addresses": ["11111111111111111111111111111112"] }),
                    ),
                    ..PolicyUpdate::default()
                },
            )
            .unwrap();
        let denied = on_b.send(&send()).unwrap_err();
        assert_eq!(denied.code(), "POLICY_DENIED", "{denied:?}");
        a.admin.delete_policy(whitelist.id).unwrap();
        assert_eq!(on_b.send(&send()).unwrap().status, TxStatus::Signed);

        // Suspension on A, then the kill switch on A: B refuses.
        a.admin.suspend_wallet(wallet.id).unwrap();
        assert_eq!(on_b.send(&send()).unwrap_err().code(), "WALLET_SUSPENDED");
        a.admin.resume_wallet(wallet.id).unwrap();
        assert_eq!(on_b.send(&send()).unwrap().status, TxStatus::Signed);
        // Activation also revokes every session: B's agent is refused either way, and B
        // reads the switch as A left it.
        a.admin.activate_kill_switch("fleet test").unwrap();
        let refused = on_b.send(&send()).unwrap_err();
        assert!(
            ["SESSION_REVOKED", "KILL_SWITCH_ACTIVE"].contains(&refused.code()),
            "{refused:?}"
        );
        assert_eq!(
            b.kill_switch_state().unwrap(),
            waiaas_core::store::KillSwitchState::Suspended
        );

        // Both hosts wrote one audit chain, and it verifies from either.
        assert!(a.admin.verify_audit_log().unwrap().is_intact());
        assert!(b.verify_audit_log().unwrap().is_intact());
    }
}
