//! "An RPC URL per network" in one call: `ChainClients::from_urls` builds a JSON-RPC
//! client per network, refuses `https://` without TLS compiled in (naming `rpc-tls`),
//! and the client it builds for `http://127.0.0.1` really talks to that endpoint.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use waiaas::{ChainClients, Network};
use waiaas_core::SolanaAddress;
use waiaas_test_support::replay_server::Replay;

#[test]
fn one_url_per_network_builds_the_right_client_and_it_is_used() {
    let server = Replay::start();
    server.route(
        "/",
        200,
        r#"{"jsonrpc":"2.0","id":1,"result":{"context":{"slot":7},"value":4200000000}}"#.to_owned(),
    );
    let clients = ChainClients::from_urls(&[
        (Network::SolanaDevnet, &server.url()),
        (Network::EthereumSepolia, "http://127.0.0.1:1"),
    ])
    .unwrap();
    assert!(clients.solana(Network::SolanaDevnet).is_some());
    assert!(clients.evm(Network::EthereumSepolia).is_some());
    assert!(clients.solana(Network::EthereumSepolia).is_none());
    assert!(!clients.serves(Network::SolanaMainnet));

    let address = SolanaAddress::parse("586Z7H2vpX9qNhN2T4e9Utugie3ogjbxzGaMtM3E6HR5").unwrap();
    let lamports = clients
        .solana(Network::SolanaDevnet)
        .unwrap()
        .balance(&address)
        .unwrap();
    assert_eq!(lamports, 4_200_000_000);
    let head = &server.requests()[0];
    assert!(head.starts_with("POST / "), "{head}");
}

#[test]
fn bad_entries_are_refused_with_a_stable_code() {
    for urls in [
        vec![(Network::SolanaDevnet, "ws://127.0.0.1:8900")],
        vec![(Network::SolanaDevnet, "127.0.0.1:8899")],
        vec![
            (Network::SolanaDevnet, "http://127.0.0.1:8899"),
            (Network::SolanaDevnet, "http://127.0.0.1:8898"),
        ],
    ] {
        let e = ChainClients::from_urls(&urls).unwrap_err();
        assert_eq!(e.code(), "VALIDATION_FAILED", "{urls:?}: {e}");
    }
}

#[cfg(not(feature = "rpc-tls"))]
#[test]
fn https_without_rpc_tls_is_refused_at_construction_naming_the_feature() {
    let e = ChainClients::from_urls(&[(Network::SolanaDevnet, "https://api.devnet.solana.com")])
        .unwrap_err();
    assert_eq!(e.code(), "VALIDATION_FAILED");
    assert!(e.to_string().contains("`rpc-tls`"), "{e}");
    let e = ChainClients::new()
        .with_rpc(Network::EthereumSepolia, "https://rpc.sepolia.org")
        .unwrap_err();
    assert!(e.to_string().contains("`rpc-tls`"), "{e}");
}

#[cfg(feature = "rpc-tls")]
#[test]
fn https_with_rpc_tls_is_accepted() {
    let clients =
        ChainClients::from_urls(&[(Network::SolanaDevnet, "https://api.devnet.solana.com")])
            .unwrap();
    assert!(clients.serves(Network::SolanaDevnet));
}
