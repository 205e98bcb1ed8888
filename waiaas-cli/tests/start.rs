//! `waiaas start` runs the article's HTTP server over the vault `init` made: it binds a
//! loopback port, the operator's and the agent's calls work against it, and Ctrl-C
//! (SIGINT) stops it cleanly.
#![allow(clippy::unwrap_used, clippy::panic, reason = "test")]

mod common;

use common::{Home, Served};
use serde_json::json;

#[test]
fn start_serves_the_article_api_until_ctrl_c() {
    let home = Home::new();
    let (wallet, password) = home.with_wallet();
    let operator = ("x-master-password", password.as_str());

    let mut server = Served::spawn(home.cmd(&["start", "--port", "0"]));
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    assert_eq!(
        server.call("GET", "/health", ("accept", "*/*"), None).0,
        200
    );
    // The wallet the CLI made is the server's; a wrong password is refused.
    let (status, wallets) = server.call("GET", "/v1/wallets", operator, None);
    assert_eq!(status, 200, "{wallets}");
    assert!(
        wallets.to_string().contains(wallet["id"].as_str().unwrap()),
        "{wallets}"
    );
    assert_eq!(
        server
            .call("GET", "/v1/wallets", ("x-master-password", "wrong"), None)
            .0,
        401
    );

    let wallet_id = wallet["id"].as_str().unwrap();
    let quickset = json!({"walletId": wallet_id, "mode": "testnet"});
    assert_eq!(
        server
            .call("POST", "/v1/policies/quickset", operator, Some(quickset))
            .0,
        201
    );
    let (status, session) = server.call(
        "POST",
        "/v1/sessions",
        operator,
        Some(json!({"walletId": wallet_id, "ttl": 3600})),
    );
    assert_eq!(status, 201, "{session}");
    server.assert_agent_sees(session["token"].as_str().unwrap(), &wallet);
    server.stop();
}
