//! The JSON form of every response DTO of `waiaas::api`, pinned: a deterministic flow
//! (manual clock, fixed prices, fixed owner key) produces each type through the real
//! handles, ids and key-dependent strings are replaced by placeholders, and the result
//! must equal `testdata/api/dto-pins.json` (run with `WAIAAS_BLESS=1` to rewrite it
//! after a deliberate change, and say so in the change). A renamed field, a changed
//! casing or enum string, a field that appears or disappears fails here before a
//! binding or server sees it.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

mod common;

use serde_json::{Map, Value, json};
use waiaas::api::{ErrorInfo, SessionWithToken};
use waiaas::{Balance, Network, Tier};

/// Replaces what differs between runs (ids, addresses, keys, hashes, nonces).
fn normalize(v: Value) -> Value {
    let uuid =
        regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    let hex = regex::Regex::new(r"\b(0x)?[0-9a-fA-F]{32,}\b").unwrap();
    let b58 = regex::Regex::new(r"\b[1-9A-HJ-NP-Za-km-z]{32,88}\b").unwrap();
    let b64 = regex::Regex::new(r"^[A-Za-z0-9+/]{60,}={0,2}$").unwrap();
    match v {
        Value::String(s) if s.starts_with("wai_sess_") => {
            Value::String("wai_sess_<jwt>".to_owned())
        }
        Value::String(s) if b64.is_match(&s) => Value::String("<base64>".to_owned()),
        Value::String(s) => {
            let s = uuid.replace_all(&s, "<uuid>");
            let s = hex.replace_all(&s, "<hex>");
            Value::String(b58.replace_all(&s, "<base58>").into_owned())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(normalize).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (k, normalize(v)))
                .collect::<Map<_, _>>(),
        ),
        other => other,
    }
}

#[test]
fn response_dtos_have_pinned_json() {
    let w = common::world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let mut pins = Map::new();
    let mut pin = |name: &str, v: Value| {
        pins.insert(name.to_owned(), normalize(v));
    };
    pin("WalletInfo", serde_json::to_value(&wallet).unwrap());
    let owner = common::OwnerKey::solana(9);
    pin(
        "OwnerInfo",
        serde_json::to_value(w.admin.set_owner(wallet.id, &owner.address()).unwrap()).unwrap(),
    );
    let policies = w.admin.policies(waiaas::PolicyFilter::All).unwrap();
    pin("PolicyRecord", serde_json::to_value(&policies[0]).unwrap());

    let issued = w
        .admin
        .create_session(&waiaas::CreateSession::new(vec![wallet.id]))
        .unwrap();
    pin(
        "SessionWithToken",
        serde_json::to_value(SessionWithToken::from(&issued)).unwrap(),
    );
    pin(
        "SessionInfo",
        serde_json::to_value(&w.admin.sessions(Some(wallet.id)).unwrap()[0]).unwrap(),
    );
    let agent = w.admin.agent(issued.token.expose()).unwrap();

    let to = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
    let instant = agent.send(&common::sol_req(to, "0.05")).unwrap();
    assert_eq!(instant.tier, Some(Tier::Instant));
    pin(
        "Transaction.signed",
        serde_json::to_value(&instant).unwrap(),
    );
    pin(
        "Decision",
        serde_json::to_value(agent.simulate(&common::sol_req(to, "0.5")).unwrap()).unwrap(),
    );
    let pending = agent.send(&common::sol_req(to, "20")).unwrap();
    assert_eq!(pending.tier, Some(Tier::Approval));
    pin(
        "Transaction.pendingApproval",
        serde_json::to_value(&pending).unwrap(),
    );
    pin(
        "ApprovalRequest",
        serde_json::to_value(
            w.admin
                .owner_actions()
                .approval_request(pending.id)
                .unwrap(),
        )
        .unwrap(),
    );

    let denied = agent
        .send(&waiaas::SendRequest {
            wallet_id: None,
            operation: waiaas::Operation::TokenTransfer {
                to: to.to_owned(),
                token: waiaas::TokenSpec {
                    decimals: Some(6),
                    ..waiaas::TokenSpec::new("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
                },
                amount: "1".into(),
                token_program: None,
            },
            ..common::sol_req(to, "1")
        })
        .unwrap_err();
    let info: ErrorInfo = denied.to_info();
    pin(
        "ErrorInfo.policyDenied",
        serde_json::to_value(&info).unwrap(),
    );
    pin(
        "ErrorInfo.validation",
        serde_json::to_value(
            agent
                .send(&common::sol_req("not-an-address", "1"))
                .unwrap_err()
                .to_info(),
        )
        .unwrap(),
    );

    pin(
        "Balance",
        serde_json::to_value(Balance {
            wallet_id: wallet.id,
            network: Network::SolanaDevnet,
            amount: waiaas_core::Amount::from_u64(1_500_000_000),
            formatted: "1.5".to_owned(),
            symbol: "SOL".to_owned(),
        })
        .unwrap(),
    );
    pin(
        "Settings",
        serde_json::to_value(w.admin.settings().unwrap()).unwrap(),
    );
    let audit = w.admin.audit_log(0, 2).unwrap();
    pin("AuditRecord", serde_json::to_value(&audit[0]).unwrap());
    pin(
        "AuditVerification",
        serde_json::to_value(w.admin.verify_audit_log().unwrap()).unwrap(),
    );
    pin(
        "AuditHead",
        serde_json::to_value(w.admin.audit_head().unwrap()).unwrap(),
    );
    pin(
        "KillSwitchReport",
        serde_json::to_value(w.admin.activate_kill_switch("pin").unwrap()).unwrap(),
    );

    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(&Value::Object(pins)).unwrap()
    );
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/api/dto-pins.json");
    if std::env::var_os("WAIAAS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed, text,
        "the JSON of a response DTO changed: review, then run with WAIAAS_BLESS=1"
    );
    // The placeholders hid ids, not structure: spot-check a few pinned facts.
    let pinned: Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(pinned["Transaction.signed"]["status"], json!("SIGNED"));
    assert_eq!(
        pinned["ErrorInfo.policyDenied"]["code"],
        json!("POLICY_DENIED")
    );
    assert_eq!(pinned["WalletInfo"]["network"], json!("solana-devnet"));
}
