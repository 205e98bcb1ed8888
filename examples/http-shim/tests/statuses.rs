//! The statuses of item 3 through the live server, each produced by a real state:
//! 401 SESSION_REVOKED after revocation, 401 INVALID_TOKEN, 409 KILL_SWITCH_ACTIVE
//! (retryable) while the kill switch is on, 503 SYSTEM_LOCKED once it is escalated,
//! until the operator recovers; 429
//! RENEWAL_TOO_EARLY with Retry-After, 403 PERMISSION_DENIED; the operator's price table
//! changes the tier at once and a refused table changes nothing; status and the audit
//! log answer.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

mod common;

use common::{TestServer, assert_error, config, start};
use serde_json::json;

struct Setup {
    server: TestServer,
    wallet: String,
    token: String,
    session: String,
}

fn setup() -> Setup {
    let server = start(config(
        &[],
        json!([{"asset": "native:solana", "usd": "150"}]),
    ));
    let wallet = server
        .operator(
            "POST",
            "/v1/wallets",
            Some(&json!({"name": "w", "chain": "solana"})),
        )
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.operator(
        "POST",
        "/v1/policies",
        Some(&json!({"walletId": wallet, "type": "SPENDING_LIMIT",
        "rules": {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000}})),
    );
    let s = server.operator("POST", "/v1/sessions", Some(&json!({"walletId": wallet})));
    Setup {
        token: s.body["token"].as_str().unwrap().to_owned(),
        session: s.body["session"]["id"].as_str().unwrap().to_owned(),
        server,
        wallet,
    }
}

/// A transfer with the blockhash given (no RPC endpoint in these tests).
fn send(s: &Setup, human: &str) -> common::Reply {
    s.server.agent(
        &s.token,
        "POST",
        "/v1/transactions/send",
        Some(&json!({
            "type": "TRANSFER", "to": bs58::encode([9u8; 32]).into_string(), "humanAmount": human,
            "chain": {"recentBlockhash": bs58::encode([7u8; 32]).into_string()}
        })),
    )
}

#[test]
fn a_revoked_session_is_401_at_once() {
    let s = setup();
    assert_eq!(send(&s, "0.01").status, 200);
    let r = s
        .server
        .operator("DELETE", &format!("/v1/sessions/{}", s.session), None);
    assert_eq!(r.status, 204);
    assert_error(&send(&s, "0.01"), 401, "SESSION_REVOKED");
    assert_error(
        &s.server
            .agent("wai_sess_nonsense", "GET", "/v1/wallet/address", None),
        401,
        "INVALID_TOKEN",
    );
}

#[test]
fn the_kill_switch_is_409_until_recovered() {
    let s = setup();
    let on = s.server.operator(
        "POST",
        "/v1/admin/kill-switch",
        Some(&json!({"reason": "incident"})),
    );
    assert_eq!(on.status, 200, "{on:?}");
    let status = s.server.operator("GET", "/v1/admin/status", None);
    assert_eq!(status.body["killSwitch"], "SUSPENDED", "{status:?}");
    // Activation revoked the sessions; a new one meets the kill switch itself.
    let fresh = s
        .server
        .operator("POST", "/v1/sessions", Some(&json!({"walletId": s.wallet})));
    let token = fresh.body["token"].as_str().unwrap().to_owned();
    let body = json!({"type": "TRANSFER", "to": bs58::encode([9u8; 32]).into_string(), "humanAmount": "0.01",
        "chain": {"recentBlockhash": bs58::encode([7u8; 32]).into_string()}});
    let refused = s
        .server
        .agent(&token, "POST", "/v1/transactions/send", Some(&body));
    assert_error(&refused, 409, "KILL_SWITCH_ACTIVE");
    assert_eq!(refused.body["retryable"], true);
    // Escalated to LOCKED, the whole system answers 503 SYSTEM_LOCKED.
    let locked = s.server.operator(
        "POST",
        "/v1/admin/kill-switch/escalate",
        Some(&json!({"reason": "worse"})),
    );
    assert_eq!(locked.body["killSwitch"], "LOCKED", "{locked:?}");
    let refused = s
        .server
        .agent(&token, "POST", "/v1/transactions/send", Some(&body));
    assert_error(&refused, 503, "SYSTEM_LOCKED");
    let off = s.server.operator("POST", "/v1/admin/recover", None);
    assert_eq!(off.body["killSwitch"], "ACTIVE", "{off:?}");
    let events = s
        .server
        .operator("GET", "/v1/audit-logs?event=KILL_SWITCH_ACTIVATED", None);
    assert_eq!(events.status, 200, "{events:?}");
    assert!(!events.body.as_array().unwrap().is_empty(), "{events:?}");
}

#[test]
fn renewal_too_early_is_429_and_a_missing_permission_403() {
    let s = setup();
    let r = s.server.agent(
        &s.token,
        "PUT",
        &format!("/v1/sessions/{}/renew", s.session),
        None,
    );
    assert_error(&r, 429, "RENEWAL_TOO_EARLY");
    assert!(r.body["details"]["retryAfterSecs"].as_u64().unwrap() > 0);
    assert!(r.retry_after.is_some());
    let signed = s.server.agent(
        &s.token,
        "POST",
        "/v1/transactions/sign-message",
        Some(&json!({"message": "hi"})),
    );
    assert_error(&signed, 403, "PERMISSION_DENIED");
}

#[test]
fn the_operators_prices_change_the_tier_at_once() {
    let s = setup();
    // 0.05 SOL at $150 = $7.50: INSTANT.
    assert_eq!(send(&s, "0.05").body["tier"], "INSTANT");
    let r = s.server.operator(
        "PUT",
        "/v1/admin/prices",
        Some(&json!({"prices": [{"asset": "native:solana", "usd": "1000"}]})),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body["updated"].as_u64().unwrap() >= 2);
    // At $1000 it is $50: NOTIFY.
    assert_eq!(send(&s, "0.05").body["tier"], "NOTIFY");
    let bad = s.server.operator(
        "PUT",
        "/v1/admin/prices",
        Some(&json!({"prices": [{"asset": "native:solana", "usd": "0"}]})),
    );
    assert_error(&bad, 400, "VALIDATION_FAILED");
    assert_eq!(
        send(&s, "0.05").body["tier"],
        "NOTIFY",
        "a refused table changes nothing"
    );
}

#[test]
fn an_agent_over_its_request_rate_gets_429_and_other_callers_do_not() {
    let mut settings = config(&[], json!([]));
    settings.agent_requests_per_minute = 3;
    let server = start(settings);
    let wallet = server.operator(
        "POST",
        "/v1/wallets",
        Some(&json!({"name": "w", "chain": "solana"})),
    );
    let body = json!({"walletId": wallet.body["id"]});
    let first = server.operator("POST", "/v1/sessions", Some(&body));
    let second = server.operator("POST", "/v1/sessions", Some(&body));
    let token = first.body["token"].as_str().unwrap();
    for _ in 0..3 {
        let ok = server.agent(token, "GET", "/v1/wallet/address", None);
        assert_eq!(ok.status, 200, "{ok:?}");
    }
    let refused = server.agent(token, "GET", "/v1/wallet/address", None);
    assert_error(&refused, 429, "RATE_LIMIT_EXCEEDED");
    assert_eq!(refused.body["retryable"], true);
    let wait = refused.body["details"]["retryAfterSecs"].as_u64().unwrap();
    assert!((1..=60).contains(&wait), "{refused:?}");
    assert_eq!(refused.retry_after, Some(wait.to_string()));
    // Another session and the operator are counted apart.
    let other = second.body["token"].as_str().unwrap();
    assert_eq!(
        server
            .agent(other, "GET", "/v1/wallet/address", None)
            .status,
        200
    );
    assert_eq!(server.operator("GET", "/v1/wallets", None).status, 200);
}
