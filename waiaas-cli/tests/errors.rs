//! Every failure exits 1 with its stable code in plain words (or as JSON with `--json`),
//! and usage errors exit 2 (clap).

mod common;

use common::{Home, assert_fails_with, stderr};

#[test]
fn library_errors_carry_their_code() {
    let home = Home::new();
    assert_fails_with(&home.run(&["status"]), "MASTER_PASSWORD_REQUIRED");
    home.json(&["init", "--auto-provision"]);
    assert_fails_with(&home.run(&["init", "--auto-provision"]), "STORAGE_ERROR");

    let bad_chain = home.run(&["wallet", "create", "--name", "x", "--chain", "bitcoin"]);
    assert_fails_with(&bad_chain, "VALIDATION_FAILED");
    assert!(stderr(&bad_chain).contains("bitcoin"));

    let wrong = home
        .cmd(&["status"])
        .env("WAIAAS_MASTER_PASSWORD", "not the password")
        .output()
        .unwrap();
    assert_fails_with(&wrong, "INVALID_MASTER_PASSWORD");
    assert!(!stderr(&wrong).contains("not the password"));

    let bad_rules = home.run(&[
        "policy",
        "add",
        "--type",
        "SPENDING_LIMIT",
        "--rules",
        "{nope",
    ]);
    assert_fails_with(&bad_rules, "VALIDATION_FAILED");
    assert_fails_with(
        &home.run(&["session", "revoke", "not-an-id"]),
        "VALIDATION_FAILED",
    );
}

#[test]
fn cli_errors_have_codes_too() {
    let home = Home::new();
    home.json(&["init", "--auto-provision"]);
    assert_fails_with(
        &home.run(&["quickset", "--mode", "testnet"]),
        "CLI_WALLET_NOT_FOUND",
    );
    assert_fails_with(
        &home.run(&["start", "--port", "not-a-port"]),
        "SERVER_START_FAILED",
    );
    home.json(&[
        "wallet",
        "create",
        "--name",
        "a",
        "--chain",
        "solana",
        "--environment",
        "testnet",
    ]);
    home.json(&[
        "wallet",
        "create",
        "--name",
        "b",
        "--chain",
        "solana",
        "--environment",
        "testnet",
    ]);
    assert_fails_with(&home.run(&["session", "create"]), "CLI_WALLET_AMBIGUOUS");
    let missing_key = home.run(&[
        "tx",
        "approve",
        "01a22d07-3ff0-73e6-aaf9-a37e565a5b04",
        "--key-file",
        "/nonexistent",
    ]);
    assert_fails_with(&missing_key, "CLI_KEY_FILE");
}

#[test]
fn json_errors_are_error_info() {
    let home = Home::new();
    let out = home.run(&["--json", "status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let info: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(info["code"], "MASTER_PASSWORD_REQUIRED");
    assert!(
        info["message"]
            .as_str()
            .unwrap()
            .contains("WAIAAS_MASTER_PASSWORD")
    );
}

#[test]
fn usage_errors_exit_2() {
    let home = Home::new();
    assert_eq!(home.run(&["wallet", "create"]).status.code(), Some(2));
    assert_eq!(home.run(&["no-such-command"]).status.code(), Some(2));
}

#[test]
fn completions_for_each_shell() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = home.run(&["completions", shell]);
        assert!(out.status.success());
        let script = common::stdout(&out);
        assert!(
            script.contains("quickset") && script.contains("show-recovery-key"),
            "{shell}"
        );
    }
}
