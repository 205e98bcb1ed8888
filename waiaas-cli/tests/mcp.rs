//! `waiaas mcp setup` writes the client config entries 0600 without printing the token;
//! `waiaas mcp serve` refuses a bad token before serving. (The MCP protocol itself is
//! tested with a real client: `waiaas-cli/tests/mcp_client.py`, a `.ci/run` step.)

mod common;

use common::{Home, mode, stdout};
use serde_json::Value;

const TOKEN: &str = "wai_sess_not.a.real-token-but-secret-enough";

#[test]
fn setup_writes_every_client_0600_and_keeps_other_entries() {
    let home = Home::new();
    let claude = home
        .path()
        .join(".config/Claude/claude_desktop_config.json");
    std::fs::create_dir_all(claude.parent().unwrap()).unwrap();
    std::fs::write(
        &claude,
        r#"{"mcpServers": {"other": {"command": "x"}}, "theme": "dark"}"#,
    )
    .unwrap();

    let out = home
        .cmd(&["mcp", "setup", "--all"])
        .env("WAIAAS_SESSION_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(!stdout(&out).contains(TOKEN) && !common::stderr(&out).contains(TOKEN));

    let files = [
        claude.clone(),
        home.path().join(".cursor/mcp.json"),
        home.path().join(".codeium/windsurf/mcp_config.json"),
    ];
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
        let config: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let entry = &config["mcpServers"]["waiaas"];
        assert_eq!(entry["command"], env!("CARGO_BIN_EXE_waiaas"));
        assert_eq!(entry["args"][0], "mcp");
        assert_eq!(entry["args"][1], "serve");
        assert_eq!(entry["args"][3], home.data().display().to_string());
        assert_eq!(entry["env"]["WAIAAS_SESSION_TOKEN"], TOKEN);
        assert!(entry["env"].get("WAIAAS_MASTER_PASSWORD").is_none());
    }
    let claude: Value = serde_json::from_str(&std::fs::read_to_string(&claude).unwrap()).unwrap();
    assert_eq!(claude["mcpServers"]["other"]["command"], "x");
    assert_eq!(claude["theme"], "dark");
}

#[test]
fn setup_without_all_writes_only_claude_desktop() {
    let home = Home::new();
    let out = home.run(&["mcp", "setup", "--token", TOKEN]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(
        home.path()
            .join(".config/Claude/claude_desktop_config.json")
            .exists()
    );
    assert!(!home.path().join(".cursor/mcp.json").exists());
}

#[test]
fn setup_print_writes_nothing_and_shows_the_entry() {
    let home = Home::new();
    let out = home
        .cmd(&["mcp", "setup", "--print", "--token", TOKEN])
        .env("WAIAAS_MASTER_PASSWORD_FILE", "/run/secrets/waiaas")
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let env = &printed["mcpServers"]["waiaas"]["env"];
    assert_eq!(env["WAIAAS_SESSION_TOKEN"], TOKEN);
    assert_eq!(env["WAIAAS_MASTER_PASSWORD_FILE"], "/run/secrets/waiaas");
    assert!(!home.path().join(".config").exists());
}

#[test]
fn setup_refuses_a_config_that_is_not_json() {
    let home = Home::new();
    let claude = home
        .path()
        .join(".config/Claude/claude_desktop_config.json");
    std::fs::create_dir_all(claude.parent().unwrap()).unwrap();
    std::fs::write(&claude, "not json").unwrap();
    common::assert_fails_with(
        &home.run(&["mcp", "setup", "--token", TOKEN]),
        "CLI_CLIENT_CONFIG",
    );
    assert_eq!(std::fs::read_to_string(&claude).unwrap(), "not json");
}

#[test]
fn serve_refuses_a_bad_token() {
    let home = Home::new();
    home.json(&["init", "--auto-provision"]);
    let out = home.run(&["mcp", "serve", "--token", "wai_sess_forged"]);
    common::assert_fails_with(&out, "INVALID_TOKEN");
    assert!(out.stdout.is_empty(), "nothing on the protocol stream");
}

#[test]
fn bare_setup_creates_a_session_for_the_only_wallet() {
    // The article's `waiaas mcp setup --all`, with no token at hand.
    let home = Home::new();
    home.json(&["init", "--auto-provision"]);
    let out = home.run(&["mcp", "setup"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "no wallet yet: {}",
        common::stderr(&out)
    );
    assert!(
        common::stderr(&out).contains("CLI_WALLET_NOT_FOUND"),
        "{}",
        common::stderr(&out)
    );
    let wallet = home.json(&["wallet", "create", "--name", "bot", "--chain", "solana"]);

    let out = home.run(&["mcp", "setup", "--all"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let file = home.path().join(".cursor/mcp.json");
    assert_eq!(mode(&file), 0o600);
    let config: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let token = config["mcpServers"]["waiaas"]["env"]["WAIAAS_SESSION_TOKEN"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(token.starts_with("wai_sess_"), "{token}");
    assert!(!stdout(&out).contains(&token) && !common::stderr(&out).contains(&token));
    // The session is the wallet's, for the default week.
    let sessions = home.json(&["session", "list"]);
    let session = &sessions.as_array().unwrap()[0];
    assert_eq!(session["walletIds"][0], wallet["id"]);
    assert_eq!(
        session["expiresAt"].as_i64().unwrap() - session["createdAt"].as_i64().unwrap(),
        604_800
    );
}
