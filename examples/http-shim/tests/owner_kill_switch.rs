//! The owner's kill switch over HTTP: fetch the text, sign it with the registered
//! owner's key, post it; everything stops (sessions revoked, sends refused). Another
//! key, a text without a wallet, and the same signed text replayed after the operator
//! recovered are refused and change nothing.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

mod common;

use base64::Engine as _;
use common::{TestServer, assert_error, config, start};
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn signed(server: &TestServer, wallet: &str, key: &SigningKey) -> (String, String) {
    let issued = server.call(
        "GET",
        &format!("/v1/owner/kill-switch-message?walletId={wallet}"),
        &[],
        None,
    );
    assert_eq!(issued.status, 200, "{issued:?}");
    let text = issued.body["message"].as_str().unwrap().to_owned();
    (
        B64.encode(key.sign(text.as_bytes()).to_bytes()),
        B64.encode(text),
    )
}

fn post(server: &TestServer, (signature, message): &(String, String)) -> common::Reply {
    server.call(
        "POST",
        "/v1/owner/kill-switch",
        &[
            ("x-owner-signature", signature),
            ("x-owner-message", message),
        ],
        None,
    )
}

#[test]
fn the_owner_stops_everything_with_a_signature_and_cannot_replay_it() {
    let server = start(config(&[], json!([])));
    let wallet = server.operator(
        "POST",
        "/v1/wallets",
        Some(&json!({"name": "w", "chain": "solana"})),
    );
    let wallet = wallet.body["id"].as_str().unwrap().to_owned();
    let owner = SigningKey::from_bytes(&[3u8; 32]);
    let address = bs58::encode(owner.verifying_key().as_bytes()).into_string();
    let set = server.operator(
        "PUT",
        &format!("/v1/wallets/{wallet}/owner"),
        Some(&json!({"ownerAddress": address})),
    );
    assert_eq!(set.status, 200, "{set:?}");
    let session = server.operator("POST", "/v1/sessions", Some(&json!({"walletId": wallet})));
    let token = session.body["token"].as_str().unwrap().to_owned();

    // No wallet named; another key: refused, the switch stays off.
    let bare = server.call("GET", "/v1/owner/kill-switch-message", &[], None);
    assert_error(&bare, 400, "VALIDATION_FAILED");
    let stranger = SigningKey::from_bytes(&[4u8; 32]);
    assert_error(
        &post(&server, &signed(&server, &wallet, &stranger)),
        401,
        "INVALID_SIGNATURE",
    );
    let status = server.operator("GET", "/v1/admin/status", None);
    assert_eq!(status.body["killSwitch"], "ACTIVE", "{status:?}");

    // The owner's signature: SUSPENDED, the agent's session revoked.
    let proof = signed(&server, &wallet, &owner);
    let report = post(&server, &proof);
    assert_eq!(report.status, 200, "{report:?}");
    let status = server.operator("GET", "/v1/admin/status", None);
    assert_eq!(status.body["killSwitch"], "SUSPENDED", "{status:?}");
    let balance = server.agent(&token, "GET", "/v1/wallet/address", None);
    assert_error(&balance, 401, "SESSION_REVOKED");

    // Recovered by the operator, the same signed text cannot stop it again.
    let off = server.operator("POST", "/v1/admin/recover", None);
    assert_eq!(off.body["killSwitch"], "ACTIVE", "{off:?}");
    assert_error(&post(&server, &proof), 400, "VALIDATION_FAILED");
    let status = server.operator("GET", "/v1/admin/status", None);
    assert_eq!(status.body["killSwitch"], "ACTIVE", "{status:?}");
}
