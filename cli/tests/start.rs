//! `waiaas start` runs the article's HTTP server over the vault `init` made: it binds a
//! loopback port, the operator's and the agent's curl calls work against it, and
//! Ctrl-C (SIGINT) stops it cleanly.
#![allow(clippy::unwrap_used, clippy::panic, reason = "test")]

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Home;
use serde_json::{Value, json};

fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    header: (&str, &str),
    body: Option<Value>,
) -> (u16, Value) {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header(header.0, header.1);
    let result = match body {
        Some(b) => agent.run(
            request
                .header("content-type", "application/json")
                .body(b.to_string())
                .unwrap(),
        ),
        None => agent.run(request.body(()).unwrap()),
    };
    let mut response = result.unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_json().unwrap_or(Value::Null),
    )
}

#[test]
fn start_serves_the_article_api_until_ctrl_c() {
    let home = Home::new();
    home.json(&["init", "--auto-provision"]);
    let wallet = home.json(&[
        "wallet",
        "create",
        "--name",
        "bot",
        "--chain",
        "solana",
        "--network",
        "testnet",
    ]);
    let password = std::fs::read_to_string(home.data().join("recovery.key")).unwrap();
    let password = password.trim();

    let mut server = home
        .cmd(&["start", "--port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(server.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the server exited before listening"
        );
        if let Some(url) = line.trim().strip_prefix("listening on ") {
            break url.to_owned();
        }
        assert!(Instant::now() < deadline, "no `listening on` line");
    };
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let operator = ("x-master-password", password);
    assert_eq!(
        call(
            &http,
            "GET",
            &format!("{url}/health"),
            ("accept", "*/*"),
            None
        )
        .0,
        200
    );
    // The wallet the CLI made is the server's; an operator call without the password is refused.
    let (status, wallets) = call(&http, "GET", &format!("{url}/v1/wallets"), operator, None);
    assert_eq!(status, 200, "{wallets}");
    assert!(
        wallets.to_string().contains(wallet["id"].as_str().unwrap()),
        "{wallets}"
    );
    assert_eq!(
        call(
            &http,
            "GET",
            &format!("{url}/v1/wallets"),
            ("x-master-password", "wrong"),
            None
        )
        .0,
        401
    );

    let wallet_id = wallet["id"].as_str().unwrap();
    let (status, _) = call(
        &http,
        "POST",
        &format!("{url}/v1/policies/quickset"),
        operator,
        Some(json!({"walletId": wallet_id, "mode": "testnet"})),
    );
    assert_eq!(status, 201);
    let (status, session) = call(
        &http,
        "POST",
        &format!("{url}/v1/sessions"),
        operator,
        Some(json!({"walletId": wallet_id, "ttl": 3600})),
    );
    assert_eq!(status, 201, "{session}");
    let bearer = format!("Bearer {}", session["token"].as_str().unwrap());
    let (status, address) = call(
        &http,
        "GET",
        &format!("{url}/v1/wallet/address"),
        ("authorization", &bearer),
        None,
    );
    assert_eq!(
        (status, address["address"].clone()),
        (200, wallet["address"].clone()),
        "{address}"
    );

    // Ctrl-C: a clean stop, exit status 0.
    let killed = std::process::Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still running after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
