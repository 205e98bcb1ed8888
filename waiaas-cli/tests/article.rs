//! The article's curl sequences against a server started by `waiaas start` on a free
//! loopback port with a local JSON-RPC endpoint (`--rpc`): the same flows the HTTP
//! server's own tests run in-process (`examples/http-shim/tests/flows/article.rs`), so
//! the binary a user runs is the one proven.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code"
)]

#[path = "../../examples/http-shim/tests/common/client.rs"]
mod client;
mod common;
#[path = "../../examples/http-shim/tests/flows/article.rs"]
mod flow;

use std::sync::{Arc, Mutex};

use client::Client;
use common::{Home, Served};
use serde_json::json;

/// `waiaas start --port 0 --rpc NETWORK=URL --no-public-rpc` over a vault its first
/// start creates with the test password (the fast test KDF and the article's SOL price
/// come from `--config`).
fn start(home: &Home, network: &str, rpc_url: &str) -> Served {
    let settings = home.path().join("server.json");
    let config = json!({
        "prices": [{"asset": "native:solana", "usd": "150"}],
        "waiaas": serde_json::to_value(waiaas::Config::for_tests()).unwrap(),
    });
    std::fs::write(&settings, config.to_string()).unwrap();
    let rpc = format!("{network}={rpc_url}");
    let mut cmd = home.cmd(&[
        "start",
        "--port",
        "0",
        "--rpc",
        &rpc,
        "--no-public-rpc",
        "--config",
        settings.to_str().unwrap(),
    ]);
    cmd.env("WAIAAS_MASTER_PASSWORD", client::PASSWORD)
        .env("WAIAAS_AUTO_PROVISION", "true");
    Served::spawn(cmd)
}

#[test]
fn the_articles_flow_against_waiaas_start() {
    let home = Home::new();
    let broadcast = Arc::new(Mutex::new(Vec::new()));
    let rpc = flow::node(broadcast.clone());
    let mut served = start(&home, "solana-mainnet", &rpc.url);
    flow::articles_flow(&Client::new(&served.url), &broadcast);
    served.stop();
}

#[test]
fn the_owners_body_signature_and_reject_against_waiaas_start() {
    let home = Home::new();
    let rpc = flow::node(Arc::new(Mutex::new(Vec::new())));
    let mut served = start(&home, "solana-devnet", &rpc.url);
    flow::owner_body_and_reject(&Client::new(&served.url));
    served.stop();
}
