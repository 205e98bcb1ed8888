//! Chain access without `--rpc`: a network with no endpoint uses its public one (over
//! TLS), so the article's bodies need no chain parameters; `publicRpc: false` leaves it
//! without a chain client. There is no network here: the public endpoint is shown to be
//! *used* (the balance call reaches the chain client and fails as a retryable chain
//! error, or succeeds where the network is reachable), never `CHAIN_CLIENT_REQUIRED`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

mod common;

use common::{Reply, assert_error, config, start};
use serde_json::json;

fn balance(public_rpc: bool) -> Reply {
    let mut settings = config(&[], json!([]));
    settings.public_rpc = public_rpc;
    let server = start(settings);
    let wallet = server.operator(
        "POST",
        "/v1/wallets",
        Some(&json!({"name": "w", "chain": "solana", "environment": "testnet"})),
    );
    assert_eq!(wallet.status, 201, "{wallet:?}");
    let session = server.operator(
        "POST",
        "/v1/sessions",
        Some(&json!({"walletId": wallet.body["id"]})),
    );
    let token = session.body["token"].as_str().unwrap();
    server.agent(token, "GET", "/v1/wallet/balance", None)
}

#[test]
fn a_network_without_an_endpoint_uses_its_public_one() {
    let reply = balance(true);
    if reply.status != 200 {
        assert_eq!(reply.body["code"], "CHAIN_ERROR", "{reply:?}");
        assert_eq!(reply.body["retryable"], true, "{reply:?}");
        // The endpoint is not echoed (a configured one can carry a provider's key).
        assert!(!reply.body.to_string().contains("https://"), "{reply:?}");
    }
}

#[test]
fn public_rpc_off_leaves_the_network_without_a_chain_client() {
    assert_error(&balance(false), 503, "CHAIN_CLIENT_REQUIRED");
}
