//! The approval page in a real browser: headless Chromium (Debian's `chromium`, driven by
//! `playwright-core` from `.ci/tools`, never a downloaded browser) with a test wallet
//! injected into the page — an EIP-1193 provider for an EVM owner, a wallet-standard
//! Solana wallet for a Solana owner — whose signatures are made here by test keys over
//! exactly the approval text. Open the link, see the decoded effects, sign with the
//! wallet: the transaction becomes SIGNED. A wrong key, an expired link, a replayed link
//! and a link for another transaction are refused.
//!
//! `WAIAAS_BLESS=1` rewrites the committed screenshot `docs/approval-page.png`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::path::PathBuf;

use common::{PASSWORD, TestServer, config, start};
use serde_json::{Value, json};
use waiaas::{Admin, Config, Host, SecretString, TxId, Waiaas};
use waiaas_test_support::owner_keys::OwnerKey;
use waiaas_test_support::testdata::repo_root;

fn chromium() -> PathBuf {
    let path = std::env::var("WAIAAS_CHROMIUM")
        .map_or_else(|_| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.exists(),
        "chromium not found at {}: `apt-get install chromium` (or set WAIAAS_CHROMIUM)",
        path.display()
    );
    path
}

fn playwright() -> PathBuf {
    let path = repo_root().join(".ci/tools/node_modules/playwright-core");
    assert!(
        path.exists(),
        "playwright-core not found at {}: run `npm ci --prefix .ci/tools`",
        path.display()
    );
    path
}

/// A wallet on `chain` whose owner is `owner`, under a ladder that sends anything above
/// 1000 USD to APPROVAL, and an agent token for it.
fn wallet(server: &TestServer, chain: &str, owner: &OwnerKey) -> String {
    let wallet = server.operator(
        "POST",
        "/v1/wallets",
        Some(&json!({"name": format!("{chain}-w"), "chain": chain})),
    );
    let id = wallet.body["id"].as_str().unwrap().to_owned();
    server.operator(
        "PUT",
        &format!("/v1/wallets/{id}/owner"),
        Some(&json!({"ownerAddress": owner.address()})),
    );
    server.operator(
        "POST",
        "/v1/policies",
        Some(&json!({"walletId": id, "type": "SPENDING_LIMIT",
            "rules": {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000}})),
    );
    server
        .operator("POST", "/v1/sessions", Some(&json!({"walletId": id})))
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A PENDING_APPROVAL transfer and its approval text.
fn pending(server: &TestServer, token: &str, send: &Value) -> (TxId, String) {
    let tx = server.agent(token, "POST", "/v1/transactions/send", Some(send));
    assert_eq!(tx.body["status"], "PENDING_APPROVAL", "{tx:?}");
    let id = tx.body["id"].as_str().unwrap().to_owned();
    let text = server
        .operator(
            "GET",
            &format!("/v1/transactions/{id}/approval-request"),
            None,
        )
        .body["approveMessage"]
        .as_str()
        .unwrap()
        .to_owned();
    (TxId::parse(&id).unwrap(), text)
}

/// The key the test wallet looks a text up by: `0x` + hex of its UTF-8 bytes.
fn key(text: &str) -> String {
    format!("0x{}", hex::encode(text.as_bytes()))
}

/// `signer`'s signature as the wallet returns it: 0x-hex bytes.
fn wallet_signature(signer: &OwnerKey, text: &str) -> String {
    let signature = signer.sign(text);
    if signature.starts_with("0x") {
        signature
    } else {
        format!(
            "0x{}",
            hex::encode(bs58::decode(signature).into_vec().unwrap())
        )
    }
}

fn status(server: &TestServer, id: TxId) -> String {
    server
        .operator("GET", &format!("/v1/transactions/{id}"), None)
        .body["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn operator(server: &TestServer) -> Admin {
    Waiaas::open(
        server.dir.path().join("vault"),
        Some(SecretString::from(PASSWORD.to_owned())),
        &Config::for_tests(),
        Host::default(),
    )
    .unwrap()
}

#[test]
fn an_owner_approves_in_a_browser_with_a_wallet_and_every_misuse_is_refused() {
    let (chromium, playwright) = (chromium(), playwright());
    let server = start(config(
        &[],
        json!([{"asset": "native:solana", "usd": "150"}, {"asset": "native:ethereum", "usd": "3000"}]),
    ));
    let sol_owner = OwnerKey::solana(5);
    let sol = wallet(&server, "solana", &sol_owner);
    let to = bs58::encode([9u8; 32]).into_string();
    let sol_send = json!({"type": "TRANSFER", "to": to, "humanAmount": "10",
        "chain": {"recentBlockhash": bs58::encode([7u8; 32]).into_string()}});
    let (approved, approved_text) = pending(&server, &sol, &sol_send);
    let (wrong_key, wrong_key_text) = pending(&server, &sol, &sol_send);
    let evm_owner = OwnerKey::evm(9);
    let evm = wallet(&server, "ethereum", &evm_owner);
    let (evm_tx, evm_text) = pending(
        &server,
        &evm,
        &json!({"type": "TRANSFER", "to": "0x000000000000000000000000000000000000dEaD", "humanAmount": "1",
            "chain": {"nonce": 0, "maxFeePerGas": "1000000000", "maxPriorityFeePerGas": "1000000", "gasLimit": 21000}}),
    );

    let admin = operator(&server);
    admin.set_approval_page_url(Some(&server.url)).unwrap();
    let link = |id| admin.approval_link(id).unwrap();
    // A one-second approval window (the server runs on the real clock): its link
    // expires with it.
    let settings = admin.settings().unwrap();
    admin
        .set_settings(&waiaas::Settings {
            approval_timeout_secs: 1,
            ..settings.clone()
        })
        .unwrap();
    let (short, _) = pending(&server, &sol, &sol_send);
    let expired_link = link(short);
    admin.set_settings(&settings).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let approved_link = link(approved);
    let token_of = |url: &str| url.rsplit("?t=").next().unwrap().to_owned();
    let foreign = format!(
        "{}/approve/{wrong_key}?t={}",
        server.url,
        token_of(&link(approved))
    );
    let solana = |signatures: Value| json!({"chain": "solana", "owner": sol_owner.address(), "signatures": signatures});
    let bless = std::env::var_os("WAIAAS_BLESS").is_some();
    let shot = if bless {
        repo_root().join("docs/approval-page.png")
    } else {
        server.dir.path().join("approval-page.png")
    };
    let stranger = OwnerKey::solana(6);
    let spec = json!({
        "chromium": chromium,
        "playwright": playwright,
        "cases": [
            {"name": "approve", "url": approved_link, "sign": "approve", "screenshot": shot,
             "wallet": solana(json!({key(&approved_text): wallet_signature(&sol_owner, &approved_text)}))},
            {"name": "replayed", "url": approved_link, "wallet": solana(json!({}))},
            {"name": "expired", "url": expired_link, "wallet": solana(json!({}))},
            {"name": "foreign", "url": foreign, "wallet": solana(json!({}))},
            {"name": "wrong key", "url": link(wrong_key), "sign": "approve",
             "wallet": solana(json!({key(&wrong_key_text): wallet_signature(&stranger, &wrong_key_text)}))},
            {"name": "evm", "url": link(evm_tx), "sign": "approve",
             "wallet": {"chain": "ethereum", "owner": evm_owner.address(),
                        "signatures": {key(&evm_text): wallet_signature(&evm_owner, &evm_text)}}},
        ],
    });
    let spec_path = server.dir.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/approval_page_browser.mjs");
    let out = std::process::Command::new("node")
        .arg(&script)
        .arg(&spec_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the browser run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let case = |name: &str| results.iter().find(|r| r["name"] == name).unwrap().clone();
    let text = |r: &Value, field: &str| r[field].as_str().unwrap_or_default().to_owned();
    for r in &results {
        assert_eq!(
            r["problems"],
            json!([]),
            "no script error and no CSP violation: {r}"
        );
        assert!(
            !text(r, "landing").contains(" SOL"),
            "the landing shows nothing: {r}"
        );
    }

    let approve = case("approve");
    assert!(
        text(&approve, "review").contains(&format!(
            "send 10 SOL (10000000000 base units; 1500 USD at admission) to {to}"
        )),
        "{approve}"
    );
    assert!(
        text(&approve, "review").contains("1500.00075 USD")
            || text(&approve, "review").contains("USD")
    );
    assert!(text(&approve, "final").contains("Approved"), "{approve}");
    assert_eq!(status(&server, approved), "SIGNED");

    assert!(text(&case("replayed"), "review").contains("APPROVAL_LINK_USED"));
    assert!(text(&case("expired"), "review").contains("APPROVAL_LINK_EXPIRED"));
    assert!(text(&case("foreign"), "review").contains("APPROVAL_LINK_INVALID"));

    let wrong = case("wrong key");
    assert!(
        text(&wrong, "final").contains("INVALID_SIGNATURE"),
        "{wrong}"
    );
    assert_eq!(status(&server, wrong_key), "PENDING_APPROVAL");

    let evm_case = case("evm");
    assert!(
        text(&evm_case, "review").contains("send 1 ETH"),
        "{evm_case}"
    );
    assert!(text(&evm_case, "final").contains("Approved"), "{evm_case}");
    assert_eq!(status(&server, evm_tx), "SIGNED");
    assert!(shot.exists());
}
