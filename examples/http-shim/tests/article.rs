//! The article's curl sequences (`flows/article.rs`) against a server started in this
//! process over a local JSON-RPC node; the CLI runs the same flows against `waiaas
//! start`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code"
)]

mod common;
#[path = "flows/article.rs"]
mod flow;

use std::sync::{Arc, Mutex};

use common::{client, config, start};
use serde_json::json;

#[test]
fn the_articles_flow() {
    let broadcast = Arc::new(Mutex::new(Vec::new()));
    let rpc = flow::node(broadcast.clone());
    let server = start(config(
        &[("solana-mainnet", &rpc.url)],
        json!([{"asset": "native:solana", "usd": "150"}]),
    ));
    flow::articles_flow(&server, &broadcast);
}

#[test]
fn the_owner_may_send_the_signature_in_the_body_and_reject() {
    let rpc = flow::node(Arc::new(Mutex::new(Vec::new())));
    let server = start(config(
        &[("solana-devnet", &rpc.url)],
        json!([{"asset": "native:solana", "usd": "150"}]),
    ));
    flow::owner_body_and_reject(&server);
}
