//! `waiaas db migrate --from sqlite:PATH --to postgres://…` on a vault the CLI made and
//! used, then `waiaas start --database URL` on another host's data directory serves the
//! migrated vault: the operator's wallets, and the agent's token issued before the move.
//! A second move into the same database is refused. Needs the test PostgreSQL server
//! (`WAIAAS_TEST_POSTGRES_URL`, `.ci/postgres.sh`).
#![allow(clippy::unwrap_used, clippy::panic, reason = "test")]

mod common;

use common::{Home, Served, assert_fails_with, stdout};
use serde_json::json;
use waiaas_store::test_database::TestSchema;

#[test]
fn a_migrated_vault_is_served_from_postgres_by_start_database() {
    let Some(schema) = TestSchema::fresh() else {
        return;
    };
    let home = Home::new();
    let (wallet, password) = home.with_wallet();
    home.json(&["quickset", "--mode", "testnet"]);
    let session = home.json(&["session", "create", "--ttl", "3600"]);
    let token = session["token"].as_str().unwrap().to_owned();
    let from = format!("sqlite:{}", home.data().display());

    // The password comes from `recovery.key` beside the source, as for any command.
    let out = home.run(&["db", "migrate", "--from", &from, "--to", schema.url()]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("copied the vault into"), "{text}");
    assert!(text.contains("wallets"), "{text}");
    assert!(text.contains("verified in the source"), "{text}");

    // Into the same database again: refused, naming the table found.
    let out = home.run(&["db", "migrate", "--from", &from, "--to", schema.url()]);
    assert_fails_with(&out, "MIGRATION_TARGET_NOT_EMPTY");
    assert!(common::stderr(&out).contains("vault_header"));
    // The report as JSON, on a second empty database, from the `waiaas.db` path.
    let Some(second) = TestSchema::fresh() else {
        return;
    };
    let file = format!("sqlite:{}", home.data().join("waiaas.db").display());
    let report = home.json(&["db", "migrate", "--from", &file, "--to", second.url()]);
    let wallets = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "wallets")
        .unwrap();
    assert_eq!(wallets["rows"], json!(1), "{report}");

    // Another host: an empty data directory, the password from the environment.
    let host = Home::new();
    let mut cmd = host.cmd(&["start", "--port", "0", "--database", schema.url()]);
    cmd.env("WAIAAS_MASTER_PASSWORD", &password);
    let mut server = Served::spawn(cmd);
    let operator = ("x-master-password", password.as_str());
    let (status, listed) = server.call("GET", "/v1/wallets", operator, None);
    assert_eq!(status, 200, "{listed}");
    assert!(
        listed.to_string().contains(wallet["id"].as_str().unwrap()),
        "{listed}"
    );
    server.assert_agent_sees(&token, &wallet);
    server.stop();
    assert!(
        !host.data().join("waiaas.db").exists(),
        "the server used PostgreSQL, not a new SQLite file"
    );
}

#[test]
fn a_source_that_is_not_sqlite_is_refused() {
    let home = Home::new();
    let out = home.run(&[
        "db",
        "migrate",
        "--from",
        "/var/lib/waiaas",
        "--to",
        "postgres://db.example/waiaas",
    ]);
    assert_fails_with(&out, "VALIDATION_FAILED");
    assert!(common::stderr(&out).contains("sqlite:PATH"));
}
