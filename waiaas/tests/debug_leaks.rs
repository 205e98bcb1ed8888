//! No secret in the `Debug` output of the facade's public types that can hold one: the
//! instance, operator, agent and owner handles, an owner signer, an exported wallet
//! secret, issued sessions and their API answer, the settings with an RPC URL carrying
//! a provider key. Searched for as text and in the encodings a secret is printed in
//! (`waiaas-store/tests/leaks.rs` does the same for the core types).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::collections::BTreeMap;

use base64::Engine as _;
use common::{pw, world};
use waiaas::api::SessionWithToken;
use waiaas::owner::OwnerSigner;
use waiaas::{Config, Network};
use waiaas_core::ExposeSecret as _;
use waiaas_core::session::CreateSession;

/// The forms a secret could take in text.
fn forms(secret: &str) -> Vec<String> {
    let mut all = vec![
        secret.to_owned(),
        hex::encode(secret),
        base64::engine::general_purpose::STANDARD.encode(secret),
    ];
    // A window from the middle catches partial prints.
    if secret.len() >= 24 {
        all.push(secret[secret.len() / 2 - 8..secret.len() / 2 + 8].to_owned());
    }
    all
}

fn assert_hidden(what: &str, debug: &str, secrets: &[(&str, &str)]) {
    for (name, secret) in secrets {
        for form in forms(secret) {
            assert!(
                !debug.contains(&form),
                "the {name} appears in the Debug of {what}: {debug}"
            );
        }
    }
}

#[test]
fn handles_signers_sessions_and_settings_print_no_secret() {
    let w = world();
    let sol = w.wallet(Network::SolanaDevnet);
    let evm = w.wallet(Network::EthereumSepolia);
    let sol_secret = w.admin.export_secret(sol.id).unwrap();
    let evm_secret = w.admin.export_secret(evm.id).unwrap();
    let issued = w
        .admin
        .create_session(&CreateSession::new(vec![sol.id, evm.id]))
        .unwrap();
    let token = issued.token.expose().to_owned();
    let agent = w.admin.agent(&token).unwrap();
    let owner_key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    let signer = OwnerSigner::evm_from_hex(owner_key).unwrap();
    let config = Config {
        rpc_urls: BTreeMap::from([(
            Network::EthereumSepolia,
            "https://sepolia.example/v3/provider-key-0123456789abcdef".to_owned(),
        )]),
        ..Config::for_tests()
    };
    let password = pw();
    let secrets = [
        ("master password", password.expose_secret()),
        ("Solana wallet secret", sol_secret.expose()),
        ("EVM wallet secret", evm_secret.expose()),
        ("session token", token.as_str()),
        // The token's signature alone is enough to matter.
        ("token signature", token.rsplit('.').next().unwrap()),
        ("owner key", owner_key),
        ("RPC provider key", "provider-key-0123456789abcdef"),
    ];
    let printed = [
        ("Waiaas", format!("{:?}", w.admin.waiaas())),
        ("Admin", format!("{:?}", w.admin)),
        ("Agent", format!("{agent:?}")),
        ("Owner", format!("{:?}", w.admin.owner_actions())),
        ("OwnerSigner", format!("{signer:?}")),
        ("ExportedSecret", format!("{sol_secret:?} {evm_secret:?}")),
        ("IssuedSession", format!("{issued:?}")),
        (
            "SessionWithToken",
            format!("{:?}", SessionWithToken::from(&issued)),
        ),
        ("Config", format!("{config:?}")),
    ];
    for (what, debug) in &printed {
        assert_hidden(what, debug, &secrets);
    }
}
