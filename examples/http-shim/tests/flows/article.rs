//! The article's curl sequences as functions over a [`Client`], so the same flow runs
//! against the server started in-process (this crate's `article.rs`) and against
//! `waiaas start` (the CLI's `article.rs`). The caller starts the server with
//! [`node`] as its Solana endpoint: `solana-mainnet` for [`articles_flow`],
//! `solana-devnet` for [`owner_body_and_reject`].

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde_json::json;
use waiaas_test_support::replay_server::JsonRpcServer;

use super::client::{Client, assert_error};

pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Reads Solana's compact-u16.
fn compact_u16(bytes: &[u8]) -> (usize, usize) {
    let mut value = 0usize;
    for (i, b) in bytes.iter().take(3).enumerate() {
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    panic!("bad compact-u16")
}

/// Checks a Solana wire transaction: one signature, by `signer`, over the message bytes
/// that follow it. Returns the signature, base58 (the transaction id).
fn verify_solana(wire_b64: &str, signer: &str) -> String {
    let wire = B64.decode(wire_b64).unwrap();
    let (count, at) = compact_u16(&wire);
    assert_eq!(count, 1, "one signer: the wallet");
    let sig = Signature::from_slice(&wire[at..at + 64]).unwrap();
    let message = &wire[at + 64..];
    let key: [u8; 32] = bs58::decode(signer).into_vec().unwrap().try_into().unwrap();
    VerifyingKey::from_bytes(&key)
        .unwrap()
        .verify_strict(message, &sig)
        .expect("the wallet's Ed25519 signature over the message");
    // The fee payer (first account key of the message) is the wallet.
    let header = 3;
    let (_, n) = compact_u16(&message[header..]);
    let first = &message[header + n..header + n + 32];
    assert_eq!(first, key, "fee payer is the wallet");
    bs58::encode(&wire[at..at + 64]).into_string()
}

pub fn node(broadcast: Arc<Mutex<Vec<String>>>) -> JsonRpcServer {
    let blockhash = bs58::encode([7u8; 32]).into_string();
    JsonRpcServer::start(move |method, params| match method {
        "getLatestBlockhash" => Ok(json!({
            "context": {"slot": 1},
            "value": {"blockhash": blockhash, "lastValidBlockHeight": 150}
        })),
        "sendTransaction" => {
            let wire = params[0].as_str().unwrap().to_owned();
            let bytes = B64.decode(&wire).unwrap();
            let (_, at) = compact_u16(&bytes);
            broadcast.lock().unwrap().push(wire);
            Ok(json!(bs58::encode(&bytes[at..at + 64]).into_string()))
        }
        "getBalance" => Ok(json!({"context": {"slot": 1}, "value": 2_000_000_000u64})),
        _ => Err(json!({"code": -32601, "message": "method not found"})),
    })
}

/// Master auth creates a Solana mainnet wallet (`environment`), a bounded session, the
/// SPENDING_LIMIT and ALLOWED_TOKENS policies; the agent's sends land in every tier —
/// INSTANT and NOTIFY signed and broadcast through the endpoint, DELAY cancelled,
/// APPROVAL answered `PENDING_APPROVAL` with reason `SPENDING_LIMIT` — the owner
/// approves with an Ed25519 signature in the article's headers, and the replayed
/// approval is refused. Every signed transaction is checked with ed25519-dalek.
pub fn articles_flow(server: &Client, broadcast: &Mutex<Vec<String>>) {
    // Master auth: create wallet (`environment: mainnet` picks solana-mainnet).
    let wallet = server.operator(
        "POST",
        "/v1/wallets",
        Some(&json!({"name": "ai-trading-bot", "chain": "solana", "environment": "mainnet"})),
    );
    assert_eq!(wallet.status, 201, "{wallet:?}");
    assert_eq!(wallet.body["network"], "solana-mainnet");
    let wallet_id = wallet.body["id"].as_str().unwrap().to_owned();
    let address = wallet.body["address"].as_str().unwrap().to_owned();

    // The owner (an Ed25519 key the human holds) is registered before the large send.
    let owner = SigningKey::from_bytes(&[42u8; 32]);
    let owner_address = bs58::encode(owner.verifying_key().as_bytes()).into_string();
    let set = server.operator(
        "PUT",
        &format!("/v1/wallets/{wallet_id}/owner"),
        Some(&json!({"ownerAddress": owner_address})),
    );
    assert_eq!(set.status, 200, "{set:?}");

    // Bounded session, the article's body.
    let session = server.operator(
        "POST",
        "/v1/sessions",
        Some(
            &json!({"walletId": wallet_id, "ttl": 3600, "maxRenewals": 24,
                     "absoluteLifetime": 86400, "permissions": ["TRANSACTION", "BALANCE_READ"]}),
        ),
    );
    assert_eq!(session.status, 201, "{session:?}");
    let token = session.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("wai_sess_"));
    assert_eq!(session.body["session"]["maxRenewals"], 24);

    // Default-deny: before any policy the send is refused, with the reason, and 403.
    let to = bs58::encode([9u8; 32]).into_string();
    let denied = server.agent(
        &token,
        "POST",
        "/v1/transactions/send",
        Some(&json!({"type": "TRANSFER", "to": to, "humanAmount": "0.01"})),
    );
    assert_error(&denied, 403, "POLICY_DENIED");
    assert!(
        !denied.body["details"]["reasons"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{denied:?}"
    );
    assert!(denied.body["details"]["txId"].is_string(), "{denied:?}");

    // The article's two policies.
    let limit = server.operator(
        "POST",
        "/v1/policies",
        Some(&json!({
            "walletId": wallet_id, "type": "SPENDING_LIMIT",
            "rules": {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000,
                      "delay_seconds": 900, "daily_limit_usd": 5000}
        })),
    );
    assert_eq!(limit.status, 201, "{limit:?}");
    let tokens = server.operator("POST", "/v1/policies", Some(&json!({
        "walletId": wallet_id, "type": "ALLOWED_TOKENS",
        "rules": {"tokens": [{"address": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "symbol": "USDC", "chain": "solana"}]}
    })));
    assert_eq!(tokens.status, 201, "{tokens:?}");
    let listed = server.operator("GET", &format!("/v1/policies?walletId={wallet_id}"), None);
    assert_eq!(listed.body.as_array().unwrap().len(), 2, "{listed:?}");

    // The article's own body: `"amount": "0.1"` is not base units; the hint says what to use.
    let wrong = server.agent(
        &token,
        "POST",
        "/v1/transactions/send",
        Some(&json!({"type": "TRANSFER", "to": to, "amount": "0.1"})),
    );
    assert_error(&wrong, 400, "VALIDATION_FAILED");
    assert!(
        wrong.body["hint"].as_str().unwrap().contains("humanAmount"),
        "{wrong:?}"
    );

    let send = |human: &str| {
        server.agent(
            &token,
            "POST",
            "/v1/transactions/send",
            Some(&json!({"type": "TRANSFER", "to": to, "humanAmount": human})),
        )
    };

    // INSTANT ($1.50) and NOTIFY ($75): signed by the wallet, broadcast, tx hash = signature.
    for (human, tier) in [("0.01", "INSTANT"), ("0.5", "NOTIFY")] {
        let sent = send(human);
        assert_eq!(sent.status, 200, "{sent:?}");
        assert_eq!(sent.body["tier"], tier, "{sent:?}");
        assert_eq!(sent.body["status"], "SUBMITTED", "{sent:?}");
        let signed = sent.body["signedTransaction"].as_str().unwrap();
        let sig = verify_solana(signed, &address);
        assert_eq!(sent.body["txHash"], sig);
        assert_eq!(
            broadcast.lock().unwrap().last().unwrap(),
            signed,
            "what was broadcast is what was returned"
        );
    }

    // DELAY ($750): queued with its window, then cancelled by the agent; nothing broadcast.
    let before = broadcast.lock().unwrap().len();
    let delayed = send("5");
    assert_eq!(delayed.status, 200, "{delayed:?}");
    assert_eq!(delayed.body["status"], "QUEUED", "{delayed:?}");
    assert_eq!(delayed.body["tier"], "DELAY");
    assert_eq!(delayed.body["delaySeconds"], 900);
    assert!(delayed.body.get("signedTransaction").is_none());
    let delayed_id = delayed.body["id"].as_str().unwrap();
    let cancelled = server.agent(
        &token,
        "POST",
        &format!("/v1/transactions/{delayed_id}/cancel"),
        None,
    );
    assert_eq!(cancelled.status, 200, "{cancelled:?}");
    assert_eq!(cancelled.body["status"], "CANCELLED");
    let again = server.agent(
        &token,
        "POST",
        &format!("/v1/transactions/{delayed_id}/cancel"),
        None,
    );
    assert_error(&again, 409, "TX_ALREADY_PROCESSED");

    // APPROVAL ($1500): the article's answer.
    let pending = send("10");
    assert_eq!(pending.status, 200, "{pending:?}");
    assert_eq!(pending.body["status"], "PENDING_APPROVAL", "{pending:?}");
    assert_eq!(pending.body["reason"], "SPENDING_LIMIT", "{pending:?}");
    assert!(pending.body["expiresAt"].is_i64());
    let tx_id = pending.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        broadcast.lock().unwrap().len(),
        before,
        "nothing broadcast for DELAY or APPROVAL"
    );

    // The owner fetches the exact text (operator relays it) and signs it with Ed25519.
    let request = server.operator(
        "GET",
        &format!("/v1/transactions/{tx_id}/approval-request"),
        None,
    );
    assert_eq!(request.status, 200, "{request:?}");
    let text = request.body["approveMessage"].as_str().unwrap().to_owned();
    assert!(text.contains(&tx_id), "{text}");
    let signature = B64.encode(owner.sign(text.as_bytes()).to_bytes());
    let message = B64.encode(&text);

    // A signature by another key is refused and changes nothing.
    let stranger = SigningKey::from_bytes(&[43u8; 32]);
    let forged = B64.encode(stranger.sign(text.as_bytes()).to_bytes());
    let refused = server.call(
        "POST",
        &format!("/v1/transactions/{tx_id}/approve"),
        &[
            ("x-owner-signature", &forged),
            ("x-owner-message", &message),
        ],
        None,
    );
    assert_error(&refused, 401, "INVALID_SIGNATURE");

    let approved = server.call(
        "POST",
        &format!("/v1/transactions/{tx_id}/approve"),
        &[
            ("x-owner-signature", &signature),
            ("x-owner-message", &message),
        ],
        None,
    );
    assert_eq!(approved.status, 200, "{approved:?}");
    assert_eq!(approved.body["status"], "SUBMITTED", "{approved:?}");
    let signed = approved.body["signedTransaction"].as_str().unwrap();
    verify_solana(signed, &address);
    assert_eq!(broadcast.lock().unwrap().last().unwrap(), signed);

    // The same approval replayed: refused, nothing signed twice.
    let count = broadcast.lock().unwrap().len();
    let replay = server.call(
        "POST",
        &format!("/v1/transactions/{tx_id}/approve"),
        &[
            ("x-owner-signature", &signature),
            ("x-owner-message", &message),
        ],
        None,
    );
    assert_error(&replay, 409, "TX_ALREADY_PROCESSED");
    assert_eq!(broadcast.lock().unwrap().len(), count);

    // The agent sees its transactions; the balance comes through the RPC endpoint.
    let mine = server.agent(&token, "GET", "/v1/transactions", None);
    assert_eq!(mine.body.as_array().unwrap().len(), 5, "{mine:?}");
    let balance = server.agent(&token, "GET", "/v1/wallet/balance", None);
    assert_eq!(balance.body["formatted"], "2", "{balance:?}");
    let addr = server.agent(&token, "GET", "/v1/wallet/address", None);
    assert_eq!(addr.body["address"], address.as_str());
}

/// The owner sends the signature in the body (base64 or hex) and rejects; an approval
/// text cannot reject.
pub fn owner_body_and_reject(server: &Client) {
    let wallet = server.operator(
        "POST",
        "/v1/wallets",
        Some(&json!({"name": "w", "chain": "solana"})),
    );
    assert_eq!(
        wallet.body["network"], "solana-devnet",
        "testnet is the default environment"
    );
    let wallet_id = wallet.body["id"].as_str().unwrap().to_owned();
    let (owner, token) = server.owner_ladder_session(&wallet_id, [5u8; 32]);
    let to = bs58::encode([9u8; 32]).into_string();
    let pending = server.agent(
        &token,
        "POST",
        "/v1/transactions/send",
        Some(&json!({"type": "TRANSFER", "to": to, "humanAmount": "10"})),
    );
    assert_eq!(pending.body["status"], "PENDING_APPROVAL", "{pending:?}");
    let tx_id = pending.body["id"].as_str().unwrap().to_owned();
    // The agent may fetch the texts of its own transaction to relay them.
    let request = server.agent(
        &token,
        "GET",
        &format!("/v1/transactions/{tx_id}/approval-request"),
        None,
    );
    let approve_text = request.body["approveMessage"].as_str().unwrap().to_owned();
    let reject_text = request.body["rejectMessage"].as_str().unwrap().to_owned();
    // An approval text cannot be used to reject.
    let wrong = server.call(
        "POST",
        &format!("/v1/transactions/{tx_id}/reject"),
        &[],
        Some(&json!({
            "message": approve_text,
            "signature": B64.encode(owner.sign(approve_text.as_bytes()).to_bytes()),
        })),
    );
    assert_error(&wrong, 401, "APPROVAL_MESSAGE_MISMATCH");
    let rejected = server.call(
        "POST",
        &format!("/v1/transactions/{tx_id}/reject"),
        &[],
        Some(&json!({
            "message": reject_text,
            "signature": format!("0x{}", hex_of(&owner.sign(reject_text.as_bytes()).to_bytes())),
        })),
    );
    assert_eq!(rejected.status, 200, "{rejected:?}");
    assert_eq!(rejected.body["status"], "REJECTED");
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
