//! The owner's approval page, the HTML the channels' links open (`docs/notifications.md`,
//! "The approval link"). Not part of the JSON API (nor of its document): it is for a
//! person in a browser, and its credentials are the link token (to see the page) and
//! the owner's signature (to decide), both checked by the library.
//!
//! - `GET /approve/{txId}?t=<token>` shows nothing of the transaction and redeems
//!   nothing: link previews and mail scanners fetch URLs, and a single-use token must
//!   not be spent by them. Its form posts the token back.
//! - `POST /approve/{txId}` (form `t`) redeems the token (`Owner::open_approval_link`)
//!   and shows the transaction: every decoded effect, the fee bound, the value at
//!   admission, the expiry, and the exact texts to sign — with a button that asks the
//!   browser wallet to sign (EIP-1193 `personal_sign` for EVM owners, the Solana
//!   wallet-standard `solana:signMessage` for Solana owners) and a field to paste a
//!   signature made elsewhere, which works without JavaScript.
//! - `POST /approve/{txId}/decision` (form `action` = `approve` | `reject`, `signature`)
//!   hands the signature over the current text of that action to `Owner::approve` /
//!   `Owner::reject`, which verify it.
//!
//! Every answer carries a locked-down CSP (no external or inline code but the page's
//! own script and style, by hash), `Referrer-Policy: no-referrer` (the token is in the
//! URL), `Cache-Control: no-store` and `X-Frame-Options: DENY`.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use waiaas::api::http_status;
use waiaas::{ApprovalPage, TxId};

use crate::extract::PathOf;
use crate::state::AppState;

/// The page's script: wallet signing and the expiry countdown (the paste path needs
/// none of it).
const SCRIPT: &str = include_str!("approval_page.js");
/// The page's style.
const STYLE: &str = include_str!("approval_page.css");

fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

/// `text` safe inside HTML text and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole HTML document with the page's headers.
fn document(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><main>{body}</main><script>{SCRIPT}</script></body></html>\n",
        title = escape(title),
    );
    let csp = format!(
        "default-src 'none'; script-src {}; style-src {}; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    let mut set = |name, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(header::CONTENT_TYPE, "text/html; charset=utf-8");
    set(header::CONTENT_SECURITY_POLICY, &csp);
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::CACHE_CONTROL, "no-store");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    response
}

/// A page that says what went wrong, with the library's code.
fn refusal(error: &waiaas::Error) -> Response {
    let status = StatusCode::from_u16(http_status(error.code())).unwrap_or(StatusCode::BAD_REQUEST);
    document(
        status,
        "waiaas: refused",
        &format!(
            "<h1>Refused</h1><p class=\"error\">{} <code>{}</code></p>",
            escape(&error.to_string()),
            error.code()
        ),
    )
}

fn bad_request(what: &str) -> Response {
    document(
        StatusCode::BAD_REQUEST,
        "waiaas: bad request",
        &format!(
            "<h1>Bad request</h1><p class=\"error\">{}</p>",
            escape(what)
        ),
    )
}

/// The link's query and the page's forms.
#[derive(Debug, Deserialize)]
pub struct LinkToken {
    t: Option<String>,
}

/// `GET /approve/{txId}?t=…`: the interstitial (redeems nothing).
pub async fn landing(
    PathOf(tx_id): PathOf<TxId>,
    axum::extract::Query(link): axum::extract::Query<LinkToken>,
) -> Response {
    let Some(token) = link.t.filter(|t| !t.is_empty()) else {
        return bad_request("this link has no token: open it exactly as the notification sent it");
    };
    document(
        StatusCode::OK,
        "waiaas: review a transaction",
        &format!(
            "<h1>A transaction waits for your review</h1>\
             <p>This link opens its page once.</p>\
             <form method=\"post\" action=\"/approve/{tx_id}\">\
             <input type=\"hidden\" name=\"t\" value=\"{}\">\
             <button type=\"submit\">Review the transaction</button></form>",
            escape(&token)
        ),
    )
}

/// `POST /approve/{txId}` (form `t`): redeems the link and shows the transaction.
pub async fn review(
    State(state): State<AppState>,
    PathOf(tx_id): PathOf<TxId>,
    Form(link): Form<LinkToken>,
) -> Response {
    let Some(token) = link.t else {
        return bad_request("no link token");
    };
    let owner = state.admin.owner_actions();
    match tokio::task::spawn_blocking(move || owner.open_approval_link(tx_id, &token)).await {
        Ok(Ok(page)) => document(StatusCode::OK, "waiaas: approve?", &review_body(&page)),
        Ok(Err(e)) => refusal(&e),
        Err(_) => bad_request("the server could not finish the request"),
    }
}

fn review_body(page: &ApprovalPage) -> String {
    let request = &page.request;
    let effects: String = page
        .effects
        .iter()
        .map(|e| format!("<li>{}</li>", escape(e)))
        .collect();
    let expiry = request.expires_at.map_or_else(String::new, |at| {
        let when = escape(page.expires.as_deref().unwrap_or_default());
        format!(
            "<p>Expires <time>{when}</time> (<span id=\"countdown\" data-expires=\"{at}\">\
             </span>).</p>"
        )
    });
    let decision = |action: &str, label: &str, text: &Option<String>| {
        text.as_ref().map_or_else(String::new, |text| {
            format!(
                "<form class=\"decision\" method=\"post\" action=\"/approve/{tx}/decision\" \
                 data-chain=\"{chain}\" data-owner=\"{owner}\" data-message=\"{message}\">\
                 <h2>{label}</h2>\
                 <p>The text the owner signs:</p><pre>{message}</pre>\
                 <input type=\"hidden\" name=\"action\" value=\"{action}\">\
                 <button type=\"button\" class=\"wallet\" hidden>{label} with my wallet</button>\
                 <label>Or paste a signature made elsewhere (0x-hex, base58 or base64):\
                 <textarea name=\"signature\" rows=\"3\" required></textarea></label>\
                 <button type=\"submit\">{label} with this signature</button></form>",
                tx = request.tx_id,
                chain = escape(&page.chain),
                owner = escape(&request.owner),
                message = escape(text),
            )
        })
    };
    format!(
        "<h1>Approve this transaction?</h1>\
         <p class=\"status\">Status: <strong>{status}</strong></p>\
         <dl><dt>Network</dt><dd>{network}</dd>\
         <dt>Wallet</dt><dd><code>{wallet}</code></dd>\
         <dt>Owner</dt><dd><code>{owner}</code></dd>\
         <dt>Value at admission</dt><dd>{value}</dd>\
         <dt>Maximum network fee</dt><dd>{fee}</dd></dl>\
         <h2>What it does</h2><ol class=\"effects\">{effects}</ol>{expiry}\
         <p id=\"wallet-status\" role=\"status\"></p>{approve}{reject}",
        status = request.status.as_str(),
        network = escape(&page.network),
        wallet = escape(&page.wallet_address),
        owner = escape(&request.owner),
        value = escape(&page.value),
        fee = escape(&page.max_fee),
        approve = decision("approve", "Approve", &request.approve_message),
        reject = decision("reject", "Reject", &request.reject_message),
    )
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub struct Decision {
    action: String,
    signature: String,
}

/// `POST /approve/{txId}/decision`: the owner's signature over the current text of the
/// action, verified and applied by the library.
pub async fn decide(
    State(state): State<AppState>,
    PathOf(tx_id): PathOf<TxId>,
    Form(decision): Form<Decision>,
) -> Response {
    let approve = match decision.action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return bad_request("`action` must be `approve` or `reject`"),
    };
    let owner = state.admin.owner_actions();
    let outcome = tokio::task::spawn_blocking(move || {
        let request = owner.approval_request(tx_id)?;
        let text = if approve {
            request.approve_message
        } else {
            request.reject_message
        };
        // Not pending any more: the library says so with its own error.
        let text = text.unwrap_or_default();
        if approve {
            owner.approve(tx_id, decision.signature.trim(), &text)
        } else {
            owner.reject(tx_id, decision.signature.trim(), &text)
        }
    })
    .await;
    match outcome {
        Ok(Ok(tx)) => document(
            StatusCode::OK,
            "waiaas: done",
            &format!(
                "<h1>{}</h1><p class=\"status\">Transaction <code>{}</code> is now \
                 <strong>{}</strong>.</p>",
                if approve { "Approved" } else { "Rejected" },
                tx.id,
                tx.status.as_str()
            ),
        ),
        Ok(Err(e)) => refusal(&e),
        Err(_) => bad_request("the server could not finish the request"),
    }
}
