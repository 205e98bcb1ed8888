//! Moving a vault from its SQLite file to PostgreSQL (`Waiaas::migrate_to_postgres`,
//! feature `postgres`, the server of `WAIAAS_TEST_POSTGRES_URL`): a vault used through
//! the facade (wallets, policies, a session, sends, a notification channel) is copied
//! into an empty database and opened there by another host: the same wallets, sealed
//! bytes identical, the old token verifies, the audit log verifies, and the daily cap
//! already spent before the move still counts. The source is never written; a target
//! with data, a source of an older schema, a wrong password, a tampered source log and
//! a failure in the middle of the copy each leave the target as it was.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

#[test]
fn a_target_that_is_not_postgres_is_refused_before_the_source_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let err = waiaas::Waiaas::migrate_to_postgres(
        dir.path(),
        "mysql://db.example/waiaas",
        Some(common::pw()),
        &common::config(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    assert!(err.to_string().contains("databaseUrl"), "{err}");
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::path::Path;

    use serde_json::json;
    use waiaas::notify::{ChannelKind, NewChannel};
    use waiaas::{
        Admin, Config, CreateSession, Network, NewPolicy, PolicyType, SecretString, Tier, TxStatus,
        Waiaas,
    };
    use waiaas_store::test_database::TestSchema;

    use super::common;

    const TO: &str = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

    /// A vault used on SQLite and closed (as before a move: every process stopped).
    struct Source {
        dir: tempfile::TempDir,
        clock: std::sync::Arc<waiaas::ManualClock>,
        prices: std::sync::Arc<waiaas::StaticPriceOracle>,
        token: String,
        wallets: Vec<waiaas::WalletInfo>,
        audit_entries: u64,
    }

    impl Source {
        fn data(&self) -> std::path::PathBuf {
            self.dir.path().join("vault")
        }

        fn database_bytes(&self) -> Vec<u8> {
            std::fs::read(self.data().join("waiaas.db")).unwrap()
        }
    }

    /// A vault used through the facade: a Solana wallet with a 20 USD daily cap and
    /// 10 USD of it spent, an EVM wallet, a session, a notification channel.
    fn source() -> Source {
        let common::World {
            dir,
            clock,
            prices,
            admin,
        } = common::world();
        let wallet = admin
            .create_wallet("spender", Network::SolanaDevnet)
            .unwrap();
        admin
            .create_wallet("evm", Network::EthereumSepolia)
            .unwrap();
        admin
            .create_policy(
                NewPolicy::new(
                    PolicyType::SpendingLimit,
                    json!({"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000,
                           "delay_seconds": 900, "daily_limit_usd": 20}),
                )
                .for_wallet(wallet.id),
            )
            .unwrap();
        admin
            .add_notification_channel(&NewChannel {
                name: "ops".to_owned(),
                kind: ChannelKind::Slack,
                secret: SecretString::from("http://127.0.0.1:9/hooks/secret-path".to_owned()),
                chat_id: None,
                priority: None,
                api_url: None,
            })
            .unwrap();
        let issued = admin
            .create_session(&CreateSession {
                ttl: Some(3600),
                ..CreateSession::new(vec![wallet.id])
            })
            .unwrap();
        let token = issued.token.expose().to_owned();
        let agent = admin.agent(&token).unwrap();
        for _ in 0..2 {
            let tx = agent.send(&common::sol_req(TO, "0.05")).unwrap();
            assert_eq!(tx.status, TxStatus::Signed);
        }
        let audit = admin.verify_audit_log().unwrap();
        assert!(audit.is_intact());
        Source {
            wallets: admin.wallets().unwrap(),
            audit_entries: audit.entries,
            dir,
            clock,
            prices,
            token,
        }
    }

    fn pg_config(schema: &TestSchema) -> Config {
        Config {
            database_url: Some(schema.url().to_owned()),
            ..common::config()
        }
    }

    fn migrate(
        data: &Path,
        schema: &TestSchema,
    ) -> waiaas::Result<waiaas::migrate::MigrationReport> {
        Waiaas::migrate_to_postgres(data, schema.url(), Some(common::pw()), &common::config())
    }

    /// Another host on the migrated database: its own (empty) data directory.
    fn pg_host(source: &Source, schema: &TestSchema) -> (Admin, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let admin = Waiaas::open(
            dir.path(),
            Some(common::pw()),
            &pg_config(schema),
            common::host(&source.clock, &source.prices),
        )
        .unwrap();
        (admin, dir)
    }

    /// The database the test schema lives in, as the URL names it.
    fn database_name(schema: &TestSchema) -> &str {
        let path = schema.url().rsplit('/').next().unwrap();
        path.split('?').next().unwrap()
    }

    /// Rows in each table of the target, the three single-row tables its schema seeds
    /// and `schema_migrations` apart: every one of them is a vault's data.
    fn target_rows(schema: &TestSchema) -> Vec<(String, i64)> {
        let mut client = schema.client();
        let tables: Vec<String> = client
            .query(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_name NOT IN
                     ('schema_migrations', 'policy_epoch', 'kill_switch', 'time_mark')
                 ORDER BY table_name",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(tables.len() > 10, "{tables:?}");
        tables
            .into_iter()
            .map(|t| {
                let row = client
                    .query_one(&format!("SELECT count(*) FROM {t}"), &[])
                    .unwrap();
                (t, row.get::<_, i64>(0))
            })
            .collect()
    }

    fn assert_no_vault(schema: &TestSchema) {
        let rows = target_rows(schema);
        assert!(rows.iter().all(|(_, n)| *n == 0), "{rows:?}");
        let seeded: (i64, String, i64) = {
            let mut client = schema.client();
            let epoch = client
                .query_one("SELECT epoch FROM policy_epoch", &[])
                .unwrap();
            let kill = client
                .query_one("SELECT state FROM kill_switch", &[])
                .unwrap();
            let mark = client.query_one("SELECT at FROM time_mark", &[]).unwrap();
            (epoch.get(0), kill.get(0), mark.get(0))
        };
        assert_eq!(seeded, (0, "ACTIVE".to_owned(), 0), "the seeded rows");
    }

    /// `(id, bytes…)` of the sealed columns of `table` in the SQLite file.
    fn sqlite_sealed(data: &Path, sql: &str) -> Vec<(String, Vec<u8>, Vec<u8>)> {
        let conn = rusqlite::Connection::open(data.join("waiaas.db")).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn pg_sealed(schema: &TestSchema, sql: &str) -> Vec<(String, Vec<u8>, Vec<u8>)> {
        schema
            .client()
            .query(sql, &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect()
    }

    #[test]
    fn a_vault_moved_to_postgres_keeps_its_wallets_sessions_audit_log_and_spent_cap() {
        let Some(schema) = TestSchema::fresh() else {
            return;
        };
        let source = source();
        let bytes = source.database_bytes();

        let report = migrate(&source.data(), &schema).unwrap();

        // The source is read, never written.
        assert!(source.database_bytes() == bytes, "the source file changed");
        // Every table counted the same on both sides.
        let count = |t: &str| {
            report
                .tables
                .iter()
                .find(|c| c.table == t)
                .unwrap_or_else(|| panic!("{t} not in the report"))
                .rows
        };
        assert_eq!(count("wallets"), 2);
        assert_eq!(count("sessions"), 1);
        assert_eq!(count("spend_ledger"), 2);
        assert_eq!(count("notify_channels"), 1);
        assert_eq!(count("vault_header"), 1);
        for (table, rows) in target_rows(&schema) {
            if table != "unlock_attempts" {
                assert_eq!(u64::try_from(rows).unwrap(), count(&table), "{table}");
            }
        }
        assert_eq!(report.audit_entries, source.audit_entries);
        assert!(
            report
                .target
                .ends_with(&format!("/{}", database_name(&schema))),
            "{}",
            report.target
        );
        // Sealed bytes are copied as they are.
        let sealed = "SELECT id, secret_nonce, secret_ciphertext FROM wallets ORDER BY id";
        assert_eq!(
            sqlite_sealed(&source.data(), sealed),
            pg_sealed(&schema, sealed)
        );
        let sealed = "SELECT id, nonce, ciphertext FROM session_secrets ORDER BY id";
        assert_eq!(
            sqlite_sealed(&source.data(), sealed),
            pg_sealed(&schema, sealed)
        );
        let sealed = "SELECT name, secret_nonce, secret FROM notify_channels ORDER BY name";
        assert_eq!(
            sqlite_sealed(&source.data(), sealed),
            pg_sealed(&schema, sealed)
        );

        // Another host opens it with the same password.
        let (pg, _dir) = pg_host(&source, &schema);
        assert_eq!(pg.wallets().unwrap(), source.wallets);
        assert_eq!(
            pg.notification_channels().unwrap().len(),
            1,
            "the channel moved"
        );
        let audit = pg.verify_audit_log().unwrap();
        assert!(audit.is_intact(), "{audit:?}");
        assert!(audit.entries >= source.audit_entries);

        // The session issued on SQLite verifies on PostgreSQL, and 10 of the 20 USD of
        // today's cap are already spent: 5 more sign at once, 8 more escalate.
        let agent = pg.agent(&source.token).unwrap();
        let tx = agent.send(&common::sol_req(TO, "0.05")).unwrap();
        assert_eq!(
            (tx.status, tx.tier),
            (TxStatus::Signed, Some(Tier::Instant))
        );
        let tx = agent.send(&common::sol_req(TO, "0.08")).unwrap();
        assert_ne!(tx.status, TxStatus::Signed, "{tx:?}");
        assert!(
            matches!(tx.tier, Some(Tier::Delay | Tier::Approval)),
            "over the daily cap: {tx:?}"
        );
        assert!(pg.verify_audit_log().unwrap().is_intact());
    }

    #[test]
    fn a_target_with_a_vault_is_refused_and_left_as_it_was() {
        let Some(schema) = TestSchema::fresh() else {
            return;
        };
        let source = source();
        migrate(&source.data(), &schema).unwrap();
        let rows = target_rows(&schema);

        let err = migrate(&source.data(), &schema).unwrap_err();
        assert_eq!(err.code(), "MIGRATION_TARGET_NOT_EMPTY");
        assert!(err.to_string().contains("`vault_header`"), "{err}");
        assert!(
            err.to_string()
                .contains(&format!("/{}`", database_name(&schema))),
            "{err}"
        );
        assert_eq!(target_rows(&schema), rows);

        // A vault created on PostgreSQL directly is no more a target.
        let Some(other) = TestSchema::fresh() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        drop(
            Waiaas::create(
                dir.path(),
                Some(common::pw()),
                &pg_config(&other),
                waiaas::Host::default(),
            )
            .unwrap(),
        );
        let err = migrate(&source.data(), &other).unwrap_err();
        assert_eq!(err.code(), "MIGRATION_TARGET_NOT_EMPTY");
    }

    #[test]
    fn a_failure_in_the_middle_of_the_copy_leaves_the_target_empty() {
        let Some(schema) = TestSchema::fresh() else {
            return;
        };
        let source = source();
        // The target's schema exists, and refuses rows of `transactions`: copied after
        // the header, wallets, sessions, policies and the ledger.
        drop(
            waiaas_store::PgStore::connect(schema.url(), &waiaas_store::PgOptions::default())
                .unwrap(),
        );
        schema
            .client()
            .batch_execute(
                "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS
                     $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
                 CREATE TRIGGER refuse_row BEFORE INSERT ON transactions
                     FOR EACH ROW EXECUTE FUNCTION refuse_row();",
            )
            .unwrap();
        let err = migrate(&source.data(), &schema).unwrap_err();
        assert_eq!(err.code(), "STORAGE_ERROR", "{err}");
        assert!(err.to_string().contains("refused by the test"), "{err}");
        assert_no_vault(&schema);

        // Without the trigger the same copy goes through.
        schema
            .client()
            .batch_execute("DROP TRIGGER refuse_row ON transactions")
            .unwrap();
        migrate(&source.data(), &schema).unwrap();
        assert_eq!(pg_host(&source, &schema).0.wallets().unwrap().len(), 2);
    }

    #[test]
    fn a_tampered_source_log_a_wrong_password_or_an_old_schema_is_refused_before_any_write() {
        let Some(schema) = TestSchema::fresh() else {
            return;
        };
        let source = source();

        let err = Waiaas::migrate_to_postgres(
            source.data(),
            schema.url(),
            Some(SecretString::from("not the password".to_owned())),
            &common::config(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "INVALID_MASTER_PASSWORD");

        // One audit entry edited behind the vault's back.
        rusqlite::Connection::open(source.data().join("waiaas.db"))
            .unwrap()
            .execute(
                "UPDATE audit_log SET details = '{\"edited\":true}' WHERE seq = 2",
                [],
            )
            .unwrap();
        let err = migrate(&source.data(), &schema).unwrap_err();
        assert_eq!(err.code(), "MIGRATION_CHECK_FAILED");
        assert!(err.to_string().contains("source audit log"), "{err}");
        assert!(err.to_string().contains("entry 2"), "{err}");

        // A database of schema 3 (released fixture): upgraded by opening it, not here.
        let old = tempfile::tempdir().unwrap();
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/fixtures/schema-v3.db");
        std::fs::copy(&fixture, old.path().join("waiaas.db")).unwrap();
        let err = Waiaas::migrate_to_postgres(
            old.path(),
            schema.url(),
            Some(SecretString::from("fixture-password".to_owned())),
            &common::config(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "MIGRATION_SOURCE_NOT_CURRENT");
        assert!(err.to_string().contains("version 3"), "{err}");
        assert_eq!(
            std::fs::read(old.path().join("waiaas.db")).unwrap(),
            std::fs::read(&fixture).unwrap(),
            "the old source was not upgraded"
        );

        // Nothing reached the target: not even its schema.
        let tables: i64 = schema
            .client()
            .query_one(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(tables, 0);
    }
}
