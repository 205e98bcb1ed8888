//! The article's flow as a user types it, each step a real `waiaas` process in a temp
//! home: `init --auto-provision` → `wallet create` → `quickset` → `session create`.

mod common;

use common::{Home, mode};

#[test]
fn article_flow_init_wallet_quickset_session() {
    let home = Home::new();

    let init = home.json(&["init", "--auto-provision"]);
    assert_eq!(init["recoveryKeyFile"], true);
    assert!(
        init.get("recoveryKey").is_none(),
        "init must not print the key: {init}"
    );
    let data = home.data();
    assert_eq!(init["dataDir"], data.display().to_string());
    let key_file = data.join("recovery.key");
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("waiaas.db")), 0o600);
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(key.trim().len(), 64, "32 random bytes in hex");

    let wallet = home.json(&[
        "wallet",
        "create",
        "--name",
        "ai-agent",
        "--chain",
        "ethereum",
        "--network",
        "mainnet",
    ]);
    assert_eq!(wallet["name"], "ai-agent");
    assert_eq!(wallet["network"], "ethereum-mainnet");
    assert!(wallet["address"].as_str().unwrap().starts_with("0x"));
    let wallet_id = wallet["id"].as_str().unwrap().to_owned();

    let policies = home.json(&["quickset", "--mode", "mainnet"]);
    let policies = policies.as_array().unwrap();
    assert!(!policies.is_empty());
    assert!(policies.iter().all(|p| p["walletId"] == wallet_id.as_str()));
    let listed = home.json(&["policy", "list", "--wallet", "ai-agent"]);
    assert_eq!(listed.as_array().unwrap().len(), policies.len());

    let session = home.json(&["session", "create", "--ttl", "3600", "--max-renewals", "24"]);
    let token = session["token"].as_str().unwrap();
    assert!(token.starts_with("wai_sess_"), "{token}");
    assert_eq!(session["session"]["walletIds"][0], wallet_id.as_str());
    assert_eq!(session["session"]["ttl"], 3600);
    assert_eq!(session["session"]["maxRenewals"], 24);
    assert_eq!(session["session"]["status"], "ACTIVE");

    let status = home.json(&["status"]);
    assert_eq!(status["activeSessions"], 1);
    assert_eq!(status["wallets"][0]["id"], wallet_id.as_str());
    assert_eq!(status["killSwitch"], "ACTIVE");

    // The token is printed by `session create` only: no other output repeats it.
    let listing = home.run(&["session", "list"]);
    assert!(listing.status.success());
    assert!(!common::stdout(&listing).contains(token));

    let revoked = session["session"]["id"].as_str().unwrap();
    home.json(&["session", "revoke", revoked]);
    assert_eq!(home.json(&["status"])["activeSessions"], 0);
}

#[test]
fn status_shows_the_recovery_key_only_when_asked() {
    let home = Home::new();
    home.json(&["init", "--auto-provision"]);
    let key = std::fs::read_to_string(home.data().join("recovery.key")).unwrap();
    let key = key.trim();

    for args in [&["status"][..], &["--json", "status"][..]] {
        let out = home.run(args);
        assert!(out.status.success());
        let text = common::stdout(&out);
        assert!(!text.contains(key), "{args:?} printed the recovery key");
        assert!(!common::stderr(&out).contains(key));
    }
    let shown = home.json(&["status", "--show-recovery-key"]);
    assert_eq!(shown["recoveryKey"], key);
    let human = home.run(&["status", "--show-recovery-key"]);
    assert!(common::stdout(&human).contains(&format!("recovery key:    {key}")));
}

#[test]
fn auto_provision_env_creates_the_vault_on_first_use() {
    let home = Home::new();
    let out = home
        .cmd(&["--json", "status"])
        .env("WAIAAS_AUTO_PROVISION", "true")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(mode(&home.data().join("recovery.key")), 0o600);
    // Without the variable a missing vault is an error, not a silent creation…
    let other = Home::new();
    let out = other
        .cmd(&["status"])
        .env("WAIAAS_MASTER_PASSWORD", "some password")
        .output()
        .unwrap();
    common::assert_fails_with(&out, "VAULT_NOT_FOUND");
    assert!(!other.data().join("recovery.key").exists());
    assert!(
        !other.data().join("waiaas.db").exists(),
        "a failed open creates no database"
    );
    // …and with it, the first use creates the vault.
    let out = other
        .cmd(&["--json", "status"])
        .env("WAIAAS_MASTER_PASSWORD", "some password")
        .env("WAIAAS_AUTO_PROVISION", "true")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(other.data().join("recovery.key").exists());
}

#[test]
fn password_file_source_and_password_change() {
    let home = Home::new();
    let old = home.path().join("old.txt");
    let new = home.path().join("new.txt");
    std::fs::write(&old, "correct horse battery staple\n").unwrap();
    std::fs::write(&new, "a different long passphrase\n").unwrap();
    let with = |file: &std::path::Path, args: &[&str]| {
        home.cmd(args)
            .env("WAIAAS_MASTER_PASSWORD_FILE", file)
            .output()
            .unwrap()
    };
    assert!(with(&old, &["init"]).status.success());
    assert!(!home.data().join("recovery.key").exists());
    assert!(with(&old, &["status"]).status.success());

    let changed = home
        .cmd(&["password", "change", "--new-password-file"])
        .arg(&new)
        .env("WAIAAS_MASTER_PASSWORD_FILE", &old)
        .output()
        .unwrap();
    assert!(changed.status.success(), "{}", common::stderr(&changed));
    common::assert_fails_with(&with(&old, &["status"]), "INVALID_MASTER_PASSWORD");
    assert!(with(&new, &["status"]).status.success());
}

#[test]
fn kill_switch_revokes_sessions_and_suspends_wallets() {
    let home = Home::new();
    home.json(&["init", "--auto-provision"]);
    home.json(&[
        "wallet",
        "create",
        "--name",
        "bot",
        "--chain",
        "solana",
        "--environment",
        "testnet",
    ]);
    home.json(&["session", "create"]);
    assert_eq!(home.json(&["status"])["activeSessions"], 1);

    home.json(&["kill-switch", "--reason", "test"]);
    let status = home.json(&["status"]);
    assert_eq!(status["killSwitch"], "SUSPENDED");
    assert_eq!(status["activeSessions"], 0);
    assert_eq!(status["wallets"][0]["status"], "SUSPENDED");
}
