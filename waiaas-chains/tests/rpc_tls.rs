//! The JSON-RPC client refuses an `https://` URL when built without TLS, at
//! construction and with a message naming the feature; `http://127.0.0.1` is accepted.
#![cfg(feature = "rpc")]
#![allow(clippy::unwrap_used, reason = "test code: a panic is a test failure")]

use waiaas_chains::client::rpc::{JsonRpcClient, RpcOptions};
use waiaas_core::ErrorCode;

#[cfg(not(feature = "rpc-tls"))]
#[test]
fn https_without_rpc_tls_is_refused_at_construction() {
    let e = JsonRpcClient::new("https://api.devnet.solana.com", RpcOptions::default()).unwrap_err();
    assert_eq!(e.code(), "VALIDATION_FAILED");
    assert!(e.to_string().contains("`rpc-tls`"), "{e}");
}

#[cfg(feature = "rpc-tls")]
#[test]
fn https_with_rpc_tls_is_accepted() {
    JsonRpcClient::new("https://api.devnet.solana.com", RpcOptions::default()).unwrap();
}

#[test]
fn plain_http_on_loopback_is_accepted_and_other_schemes_are_not() {
    JsonRpcClient::new("http://127.0.0.1:8899", RpcOptions::default()).unwrap();
    let e = JsonRpcClient::new("ws://127.0.0.1:8900", RpcOptions::default()).unwrap_err();
    assert_eq!(e.code(), "VALIDATION_FAILED");
}
