//! No secret appears in the `Debug` or `Display` output of any public type or error:
//! searched for as raw text and in every encoding a secret could be printed in.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{PASSWORD, fixture, password};
use waiaas_core::session::{CreateSession, SessionConfig, SessionIssuer};
use waiaas_core::{DataDir, ExposeSecret, Network, VaultOptions};

/// Every way a byte string might show up in text.
fn encodings(bytes: &[u8]) -> Vec<String> {
    vec![
        hex::encode(bytes),
        hex::encode_upper(bytes),
        STANDARD.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
        bs58::encode(bytes).into_string(),
        format!("{bytes:?}"),
        // A window of the middle of each encoding catches partial prints.
        hex::encode(&bytes[8..24]),
    ]
}

fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "{what} leaks a secret: {text}");
    }
}

#[test]
fn nothing_secret_in_debug_or_display() {
    let f = fixture();
    let sol = f.vault.create_wallet("sol", Network::SolanaDevnet).unwrap();
    let evm = f
        .vault
        .create_wallet("evm", Network::EthereumSepolia)
        .unwrap();
    let issuer = SessionIssuer::new(f.vault.clone(), SessionConfig::default()).unwrap();
    let issued = issuer
        .create(&CreateSession::new(vec![sol.id, evm.id]))
        .unwrap();
    let token = issued.token.expose().to_owned();

    let mut secrets = vec![PASSWORD.to_owned(), token.clone()];
    secrets.push(token.strip_prefix("wai_sess_").unwrap().to_owned());
    secrets.push(token.rsplit('.').next().unwrap().to_owned()); // the signature
    secrets.extend(encodings(&f.vault.dek_for_tests().unwrap()));
    for id in [sol.id, evm.id] {
        let secret = f.vault.with_signing_key(id, |k| k.secret_bytes()).unwrap();
        secrets.extend(encodings(&secret[..]));
        secrets.push(f.vault.export_secret(id).unwrap().expose().to_owned());
    }

    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut add = |what: &str, text: String| outputs.push((what.to_owned(), text));
    add("Vault", format!("{:?}", f.vault));
    add("WalletInfo", format!("{sol:?} {evm:?}"));
    add("IssuedSession", format!("{issued:?}"));
    add("SessionToken", format!("{:?}", issued.token));
    add(
        "VerifiedSession",
        format!("{:?}", issuer.verify(&token).unwrap()),
    );
    add("SessionIssuer", format!("{issuer:?}"));
    add(
        "records",
        format!("{:?}", f.vault.store().wallets().unwrap()),
    );
    add(
        "sessions",
        format!("{:?}", f.vault.store().sessions(None).unwrap()),
    );
    add(
        "secret",
        format!("{:?}", f.vault.store().current_session_secret().unwrap()),
    );
    add("options", format!("{:?}", VaultOptions::default()));
    add("password", format!("{:?}", password(PASSWORD)));
    add("data dir", format!("{:?}", DataDir::new("/tmp/x")));
    for id in [sol.id, evm.id] {
        add(
            "WalletKey",
            f.vault.with_signing_key(id, |k| format!("{k:?}")).unwrap(),
        );
        add(
            "ExportedSecret",
            format!("{:?}", f.vault.export_secret(id).unwrap()),
        );
    }
    // Errors from every family, including those that carry user input.
    let mut errors: Vec<String> = Vec::new();
    let mut err =
        |e: &dyn std::fmt::Debug, d: &dyn std::fmt::Display| errors.push(format!("{e:?} {d}"));
    let e = f.reopen("wrong password").unwrap_err();
    err(&e, &e);
    let e = issuer.verify(&format!("{token}x")).unwrap_err();
    err(&e, &e);
    let e = issuer
        .verify(&token.replace("wai_sess_", "wai_live_"))
        .unwrap_err();
    err(&e, &e);
    let secret_hex = f.vault.export_secret(evm.id).unwrap().expose().to_owned();
    let e = f
        .vault
        .import_wallet("x", Network::SolanaDevnet, &password(&secret_hex))
        .unwrap_err();
    err(&e, &e);
    let e = f
        .vault
        .import_wallet(
            "x",
            Network::EthereumMainnet,
            &password(&format!("{secret_hex}00")),
        )
        .unwrap_err();
    err(&e, &e);
    let e = f
        .vault
        .change_password(&password("wrong"), &password(PASSWORD), None)
        .unwrap_err();
    err(&e, &e);
    for (i, e) in errors.into_iter().enumerate() {
        add(&format!("error {i}"), e);
    }
    assert!(outputs.len() > 15);
    for (what, text) in &outputs {
        assert_clean(what, text, &secrets);
    }
    // The secrets are really what the vault holds (guards against a vacuous test).
    assert!(secrets.iter().any(|s| s == &token));
    assert_eq!(password(PASSWORD).expose_secret(), PASSWORD);
}
