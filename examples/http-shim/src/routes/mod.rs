//! The route table: every route once, with the credential it takes, its request and
//! response types — the router is built from it and the OpenAPI document is generated
//! from it, so neither can list a route the other lacks.

use axum::Router;
use axum::routing::{MethodRouter, delete, get, post, put};

use crate::state::AppState;

pub mod admin;
pub mod agent;
pub mod owner;
pub mod policies;
pub mod sessions;
pub mod transactions;
pub mod wallets;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Anyone (health, the API document).
    Public,
    /// `X-Master-Password`.
    Operator,
    /// `Authorization: Bearer wai_sess_…`.
    Agent,
    /// `X-Owner-Message` + `X-Owner-Signature` (or in the body).
    Owner,
}

/// What a route answers on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A JSON value of the named schema.
    One(&'static str),
    /// A JSON array of the named schema.
    List(&'static str),
    /// 204, no body.
    Empty,
}

/// One route.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// axum path syntax (`/v1/wallets/{id}`), also the OpenAPI path.
    pub path: &'static str,
    /// The credentials it accepts (the first is what a client normally sends).
    pub roles: &'static [Role],
    /// The JSON body's schema, if it takes one.
    pub body: Option<&'static str>,
    /// The query string's schema, if it takes one.
    pub query: Option<&'static str>,
    /// The success status.
    pub status: u16,
    /// What it answers.
    pub answer: Answer,
    /// One line for the document.
    pub summary: &'static str,
}

#[expect(
    clippy::too_many_arguments,
    reason = "one table row, spelled positionally"
)]
const fn r(
    method: &'static str,
    path: &'static str,
    roles: &'static [Role],
    body: Option<&'static str>,
    query: Option<&'static str>,
    status: u16,
    answer: Answer,
    summary: &'static str,
) -> Route {
    Route {
        method,
        path,
        roles,
        body,
        query,
        status,
        answer,
        summary,
    }
}

use Answer::{Empty, List, One};
use Role::{Agent, Operator, Owner, Public};

const OP: &[Role] = &[Operator];
const AG: &[Role] = &[Agent];
const OW: &[Role] = &[Owner];
const AG_OP: &[Role] = &[Agent, Operator];
const AG_OW: &[Role] = &[Agent, Owner];

/// Every route.
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    r("GET", "/health", &[Public], None, None, 200, One("Health"), "liveness"),
    r("GET", "/doc", &[Public], None, None, 200, One("Object"), "this API as an OpenAPI 3.1 document"),
    r("POST", "/v1/wallets", OP, Some("CreateWallet"), None, 201, One("Object"), "create a wallet (`environment` picks the chain's default network)"),
    r("GET", "/v1/wallets", OP, None, None, 200, List("Object"), "list wallets"),
    r("GET", "/v1/wallets/{id}", OP, None, None, 200, One("Object"), "one wallet"),
    r("DELETE", "/v1/wallets/{id}", OP, None, None, 204, Empty, "delete a wallet"),
    r("PUT", "/v1/wallets/{id}/owner", OP, Some("SetOwner"), None, 200, One("Object"), "register the wallet's owner"),
    r("POST", "/v1/sessions", OP, Some("CreateSession"), None, 201, One("Object"), "issue a session token for an agent"),
    r("GET", "/v1/sessions", OP, None, Some("WalletQuery"), 200, List("Object"), "list sessions"),
    r("DELETE", "/v1/sessions/{id}", OP, None, None, 204, Empty, "revoke a session"),
    r("PUT", "/v1/sessions/{id}/renew", AG, None, None, 200, One("Object"), "renew the caller's own session token"),
    r("POST", "/v1/policies", OP, Some("NewPolicy"), None, 201, One("Object"), "create a policy"),
    r("GET", "/v1/policies", OP, None, Some("ListPolicies"), 200, List("Object"), "list policies"),
    r("GET", "/v1/policies/{id}", OP, None, None, 200, One("Object"), "one policy"),
    r("PUT", "/v1/policies/{id}", OP, Some("PolicyUpdate"), None, 200, One("Object"), "update a policy"),
    r("DELETE", "/v1/policies/{id}", OP, None, None, 204, Empty, "delete a policy"),
    r("POST", "/v1/policies/quickset", OP, Some("Quickset"), None, 201, List("Object"), "create the starter policies"),
    r("GET", "/v1/wallet/address", AG, None, Some("WalletQuery"), 200, One("WalletAddress"), "the session wallet's address"),
    r("GET", "/v1/wallet/balance", AG, None, Some("WalletQuery"), 200, One("Object"), "the session wallet's native balance (needs an RPC URL)"),
    r("POST", "/v1/transactions/send", AG, Some("SendTransaction"), None, 200, One("TxResponse"), "send within policy"),
    r("POST", "/v1/transactions/simulate", AG, Some("SendTransaction"), None, 200, One("Object"), "the policy decision, nothing recorded"),
    r("POST", "/v1/transactions/sign", AG, Some("SignTransaction"), None, 200, One("TxResponse"), "sign an unsigned transaction within policy"),
    r("POST", "/v1/transactions/sign-message", AG, Some("SignMessage"), None, 200, One("TxResponse"), "sign a message"),
    r("POST", "/v1/transactions/sign-typed-data", AG, Some("SignTypedData"), None, 200, One("TxResponse"), "sign EIP-712 typed data"),
    r("GET", "/v1/transactions", AG_OP, None, Some("TransactionQuery"), 200, List("TxResponse"), "list transactions (an agent: its own)"),
    r("GET", "/v1/transactions/{id}", AG_OP, None, None, 200, One("TxResponse"), "one transaction"),
    r("GET", "/v1/transactions/{id}/approval-request", AG_OP, None, None, 200, One("Object"), "the exact texts the owner signs"),
    r("POST", "/v1/transactions/{id}/approve", OW, Some("OwnerSignature"), None, 200, One("TxResponse"), "approve (owner signature)"),
    r("POST", "/v1/transactions/{id}/reject", OW, Some("OwnerSignature"), None, 200, One("TxResponse"), "reject (owner signature)"),
    r("POST", "/v1/transactions/{id}/cancel", AG_OW, None, None, 200, One("TxResponse"), "cancel a DELAY transaction (agent, or owner signature)"),
    r("POST", "/v1/admin/kill-switch", OP, Some("KillSwitchRequest"), None, 200, One("Object"), "stop everything"),
    r("GET", "/v1/owner/kill-switch-message", &[Public], None, Some("WalletQuery"), 200, One("Object"), "the text the wallet owner signs to trigger the kill switch (valid 5 minutes)"),
    r("POST", "/v1/owner/kill-switch", OW, Some("OwnerSignature"), None, 200, One("Object"), "stop everything (owner signature over that text)"),
    r("POST", "/v1/admin/kill-switch/escalate", OP, Some("KillSwitchRequest"), None, 200, One("KillSwitch"), "escalate the kill switch to LOCKED"),
    r("POST", "/v1/admin/recover", OP, None, None, 200, One("KillSwitch"), "recover from the kill switch"),
    r("GET", "/v1/admin/status", OP, None, None, 200, One("AdminStatus"), "kill switch, wallets, sessions, version"),
    r("PUT", "/v1/admin/master-password", OP, Some("ChangePassword"), None, 204, Empty, "change the master password"),
    r("PUT", "/v1/admin/prices", OP, Some("SetPrices"), None, 200, One("PricesUpdated"), "set USD prices"),
    r("GET", "/v1/audit-logs", OP, None, Some("AuditFilter"), 200, List("Object"), "read the audit log"),
];

/// The router of [`ROUTES`] (a test checks each entry is served with its method).
pub(crate) fn router() -> Router<AppState> {
    let routes: Vec<(&str, MethodRouter<AppState>)> = vec![
        ("/health", get(health)),
        ("/doc", get(crate::openapi::serve)),
        ("/v1/wallets", post(wallets::create).get(wallets::list)),
        (
            "/v1/wallets/{id}",
            get(wallets::get).delete(wallets::delete),
        ),
        ("/v1/wallets/{id}/owner", put(wallets::set_owner)),
        ("/v1/sessions", post(sessions::create).get(sessions::list)),
        ("/v1/sessions/{id}", delete(sessions::revoke)),
        ("/v1/sessions/{id}/renew", put(sessions::renew)),
        ("/v1/policies", post(policies::create).get(policies::list)),
        ("/v1/policies/quickset", post(policies::quickset)),
        (
            "/v1/policies/{id}",
            get(policies::get)
                .put(policies::update)
                .delete(policies::delete),
        ),
        ("/v1/wallet/address", get(agent::address)),
        ("/v1/wallet/balance", get(agent::balance)),
        ("/v1/transactions/send", post(agent::send)),
        ("/v1/transactions/simulate", post(agent::simulate)),
        ("/v1/transactions/sign", post(agent::sign_transaction)),
        ("/v1/transactions/sign-message", post(agent::sign_message)),
        (
            "/v1/transactions/sign-typed-data",
            post(agent::sign_typed_data),
        ),
        ("/v1/transactions", get(transactions::list)),
        ("/v1/transactions/{id}", get(transactions::get)),
        (
            "/v1/transactions/{id}/approval-request",
            get(transactions::approval_request),
        ),
        ("/v1/transactions/{id}/approve", post(transactions::approve)),
        ("/v1/transactions/{id}/reject", post(transactions::reject)),
        ("/v1/transactions/{id}/cancel", post(transactions::cancel)),
        ("/v1/admin/kill-switch", post(admin::kill_switch)),
        ("/v1/admin/kill-switch/escalate", post(admin::escalate)),
        (
            "/v1/owner/kill-switch-message",
            get(owner::kill_switch_message),
        ),
        ("/v1/owner/kill-switch", post(owner::kill_switch)),
        ("/v1/admin/recover", post(admin::recover)),
        ("/v1/admin/status", get(admin::status)),
        ("/v1/admin/master-password", put(admin::change_password)),
        ("/v1/admin/prices", put(admin::prices)),
        ("/v1/audit-logs", get(admin::audit_logs)),
        // The owner's HTML page, not part of the API document (`approval_page`).
        (
            "/approve/{id}",
            get(crate::approval_page::landing).post(crate::approval_page::review),
        ),
        ("/approve/{id}/decision", post(crate::approval_page::decide)),
    ];
    routes
        .into_iter()
        .fold(Router::new(), |router, (path, method)| {
            router.route(path, method)
        })
}

/// `GET /health`.
async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}
