//! `Config` as data a config file holds: one JSON-RPC URL per network makes the chain
//! client (here a local JSON-RPC server on 127.0.0.1 answers `getBalance`); an `https://`
//! URL in a build without TLS, the insecure KDF profile without `allowInsecureKdf`, and an
//! executing timeout below 1 s are refused before anything is written; `Debug` hides
//! what a provider's URL carries.
#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::json;
use waiaas::{Config, CreateSession, Host, Network, Waiaas};
use waiaas_test_support::replay_server::JsonRpcServer;

#[test]
fn rpc_urls_in_the_config_make_the_chain_client() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let node = JsonRpcServer::start(move |method, params| {
        log.lock()
            .unwrap()
            .push((method.to_owned(), params.clone()));
        match method {
            "getBalance" => Ok(json!({"context": {"slot": 1}, "value": 1_500_000_000u64})),
            _ => Err(json!({"code": -32601, "message": "method not found"})),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let config: Config = serde_json::from_value(json!({
        "kdf": {"memoryKib": 65536, "iterations": 3, "parallelism": 4, "insecureTestProfile": true},
        "allowInsecureKdf": true,
        "rpcUrls": {"solana-devnet": node.url},
    }))
    .unwrap();
    let admin = Waiaas::create(
        dir.path().join("v"),
        Some(common::pw()),
        &config,
        Host::default(),
    )
    .unwrap();
    let wallet = admin.create_wallet("w", Network::SolanaDevnet).unwrap();
    let issued = admin
        .create_session(&CreateSession::new(vec![wallet.id]))
        .unwrap();
    let balance = admin
        .agent(issued.token.expose())
        .unwrap()
        .balance(None)
        .unwrap();
    assert_eq!(balance.formatted, "1.5");
    assert_eq!(balance.symbol, "SOL");
    let calls = seen.lock().unwrap();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].0, "getBalance");
    assert_eq!(
        calls[0].1[0],
        json!(wallet.address),
        "the wallet's own address was asked for"
    );
}

// A workspace-wide test run unifies `rpc-tls` in (the HTTP server enables it):
// `.ci/run` runs this file with the crate's own features too ("feature sets").
#[cfg(not(feature = "rpc-tls"))]
#[test]
fn an_https_rpc_url_without_tls_is_refused_naming_the_feature() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        rpc_urls: BTreeMap::from([(
            Network::SolanaDevnet,
            "https://api.devnet.solana.com".to_owned(),
        )]),
        ..Config::for_tests()
    };
    let err = Waiaas::create(
        dir.path().join("v"),
        Some(common::pw()),
        &config,
        Host::default(),
    )
    .map(|_| ())
    .unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    assert!(err.to_string().contains("rpc-tls"), "{err}");
    // Refused before anything was written: no vault, no key file.
    assert!(!dir.path().join("v").join("waiaas.db").exists());
    let auto = Waiaas::create_auto_provisioned(dir.path().join("a"), &config, Host::default());
    assert_eq!(auto.map(|_| ()).unwrap_err().code(), "VALIDATION_FAILED");
    assert!(!dir.path().join("a").join("recovery.key").exists());
}

#[cfg(feature = "rpc-tls")]
#[test]
fn an_https_rpc_url_is_accepted_with_tls() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        rpc_urls: BTreeMap::from([(
            Network::SolanaDevnet,
            "https://api.devnet.solana.com".to_owned(),
        )]),
        ..Config::for_tests()
    };
    Waiaas::create(
        dir.path().join("v"),
        Some(common::pw()),
        &config,
        Host::default(),
    )
    .unwrap();
}

#[test]
fn unsafe_settings_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let weak: Config = serde_json::from_value(json!({
        "kdf": {"memoryKib": 65536, "iterations": 3, "parallelism": 4, "insecureTestProfile": true}
    }))
    .unwrap();
    let err = Waiaas::create(
        dir.path().join("w"),
        Some(common::pw()),
        &weak,
        Host::default(),
    )
    .map(|_| ())
    .unwrap_err();
    assert_eq!(err.code(), "VAULT_INSECURE_KDF");
    assert!(!dir.path().join("w").join("waiaas.db").exists());

    let hasty = Config {
        executing_timeout_secs: 0,
        ..Config::for_tests()
    };
    let err = Waiaas::create(
        dir.path().join("t"),
        Some(common::pw()),
        &hasty,
        Host::default(),
    )
    .map(|_| ())
    .unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    assert!(err.to_string().contains("executingTimeoutSecs"), "{err}");
}

#[test]
fn debug_output_hides_what_rpc_urls_carry() {
    let config = Config {
        rpc_urls: BTreeMap::from([(
            Network::EthereumSepolia,
            "https://user:pass@eth-sepolia.example/v2/SECRETKEY123?x=1".to_owned(),
        )]),
        ..Config::default()
    };
    let shown = format!("{config:?}");
    assert!(shown.contains("https://eth-sepolia.example/…"), "{shown}");
    for secret in ["SECRETKEY123", "pass", "user"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}
