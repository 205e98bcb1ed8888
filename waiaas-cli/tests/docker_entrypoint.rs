//! What `docker/Dockerfile` and the compose files rely on, run through the CLI as the
//! container runs it (`waiaas start --host 0.0.0.0`, `WAIAAS_DATA_DIR=/data`): a first
//! start with `WAIAAS_AUTO_PROVISION=true` creates the vault — with the Docker secret's
//! password when `WAIAAS_MASTER_PASSWORD_FILE` is set, else a generated one in
//! `recovery.key` (0600) — and a restart unlocks the same vault. (No container engine
//! here: the image itself is not built in CI.)
#![allow(clippy::unwrap_used, clippy::panic, reason = "test")]

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use common::{Home, Served};
use serde_json::json;

/// `waiaas start` as the image's entrypoint runs it, with `env` added.
fn container(home: &Home, data: &Path, env: &[(&str, &str)]) -> Served {
    let mut cmd = home.cmd(&["start", "--host", "0.0.0.0", "--port", "0"]);
    cmd.env("WAIAAS_DATA_DIR", data);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Served::spawn(cmd)
}

fn wallets_with(server: &Served, password: &str) -> u16 {
    server
        .call("GET", "/v1/wallets", ("x-master-password", password), None)
        .0
}

#[test]
fn auto_provisioned_first_start_then_restart() {
    let home = Home::new();
    let data = home.path().join("data");
    let auto = [("WAIAAS_AUTO_PROVISION", "true")];

    let mut first = container(&home, &data, &auto);
    assert_eq!(first.call("GET", "/health", ("accept", "*/*"), None).0, 200);
    let key_file = data.join("recovery.key");
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let password = std::fs::read_to_string(&key_file)
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(wallets_with(&first, &password), 200);
    let made = first.call(
        "POST",
        "/v1/wallets",
        ("x-master-password", &password),
        Some(json!({"name": "bot", "chain": "solana", "environment": "testnet"})),
    );
    assert_eq!(made.0, 201, "{:?}", made.1);
    first.stop();

    // A restart opens the same vault with the same key; nothing is regenerated.
    let mut again = container(&home, &data, &auto);
    assert_eq!(std::fs::read_to_string(&key_file).unwrap().trim(), password);
    let (status, wallets) =
        again.call("GET", "/v1/wallets", ("x-master-password", &password), None);
    assert_eq!(status, 200);
    assert_eq!(wallets.as_array().map(Vec::len), Some(1), "{wallets}");
    again.stop();
}

#[test]
fn a_docker_secret_is_the_password_and_nothing_is_written_beside_it() {
    let home = Home::new();
    let data = home.path().join("data");
    let secret = home.path().join("master_password.txt");
    std::fs::write(
        &secret,
        "a long production passphrase from the secret store\n",
    )
    .unwrap();
    let env = [
        ("WAIAAS_AUTO_PROVISION", "true"),
        ("WAIAAS_MASTER_PASSWORD_FILE", secret.to_str().unwrap()),
    ];

    let mut first = container(&home, &data, &env);
    assert!(
        !data.join("recovery.key").exists(),
        "a generated password was written"
    );
    assert_eq!(
        wallets_with(&first, "a long production passphrase from the secret store"),
        200
    );
    assert_eq!(wallets_with(&first, "something else"), 401);
    first.stop();

    let mut again = container(&home, &data, &env);
    assert_eq!(
        wallets_with(&again, "a long production passphrase from the secret store"),
        200
    );
    again.stop();
}

#[test]
fn without_auto_provision_a_first_start_creates_nothing() {
    let home = Home::new();
    let data = home.path().join("data");
    let mut cmd = home.cmd(&["start", "--host", "0.0.0.0", "--port", "0"]);
    let out = cmd.env("WAIAAS_DATA_DIR", &data).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("MASTER_PASSWORD_REQUIRED"), "{stderr}");
    assert!(!data.join("waiaas.db").exists() && !data.join("recovery.key").exists());
}
