//! Links to a transaction's approval page, sent through the notification channels:
//! `<page url>/approve/<txId>?t=<token>`.
//!
//! A token is 32 random bytes (base64url); only its SHA-256 is stored, with the one
//! transaction it belongs to and its expiry (the end of the approval window). It opens
//! that transaction's page once: redeeming it marks it used in the same store
//! operation, so once opened, a copy from a chat log or a proxy's history opens
//! nothing. It
//! grants viewing only — approving still takes the owner's signature over the exact
//! text — so a leaked link shows a pending transaction and nothing more. Each channel
//! gets its own link, so one channel opening its link does not spend another's.

use base64::Engine as _;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use waiaas_core::audit::{Actor, AuditEntry};
use waiaas_core::store::{Backend, LinkRedemption};
use waiaas_core::{TxId, TxStatus, ValidationError};

use crate::Admin;
use crate::error::{Error, Result};
use crate::owner::{ApprovalPage, Owner};

/// The setting holding the approval page's public base URL.
pub(crate) const PAGE_URL_KEY: &str = "waiaas.notify.page_url";

/// How long a link lives when its transaction has no approval window.
const DEFAULT_LINK_SECS: i64 = 3600;

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks an approval page base URL: `http(s)://host[:port][/path]`, no query or
/// fragment; returned without a trailing slash.
pub(crate) fn check_page_url(url: &str) -> Result<String> {
    let bad =
        |reason: &str| -> Error { ValidationError::field("pageUrl", reason.to_owned()).into() };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with `https://` (or `http://` on a private network)"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(bad("names no host"));
    }
    if rest.contains(['?', '#', ' ']) || rest.chars().any(char::is_control) {
        return Err(bad(
            "must be a base URL without a query, a fragment or spaces",
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// The approval page's base URL, when the operator set one.
pub(crate) fn page_url(store: &dyn Backend) -> Result<Option<String>> {
    Ok(store.setting(PAGE_URL_KEY)?.filter(|u| !u.is_empty()))
}

/// Mints a link to `record`'s approval page under `base`, stores its hash, and returns
/// the full URL.
pub(crate) fn mint(
    store: &dyn Backend,
    base: &str,
    record: &waiaas_core::store::TxRecord,
    now: i64,
) -> Result<String> {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = record
        .expires_at
        .unwrap_or_else(|| now.saturating_add(DEFAULT_LINK_SECS));
    store.insert_approval_link(
        &waiaas_core::store::ApprovalLinkRecord {
            token_hash: token_hash(&token),
            tx_id: record.id,
            expires_at,
        },
        now,
    )?;
    Ok(format!("{base}/approve/{}?t={token}", record.id))
}

impl Owner {
    /// Opens the approval page of `tx_id` with the token of a link a channel sent:
    /// spends the token (each link opens its page once) and returns what the page
    /// shows — the decoded effects and the texts the owner may sign.
    ///
    /// # Errors
    /// `APPROVAL_LINK_INVALID` for a token that is not one of this transaction's links;
    /// `APPROVAL_LINK_EXPIRED` past its expiry; `APPROVAL_LINK_USED` when it was opened
    /// before; `TX_NOT_FOUND`; `OWNER_NOT_CONNECTED`; `STORAGE_ERROR`.
    pub fn open_approval_link(&self, tx_id: TxId, token: &str) -> Result<ApprovalPage> {
        let now = self.inner.now();
        let audit = AuditEntry::new(now, &Actor::System, "APPROVAL_LINK_OPENED").tx(tx_id);
        match self
            .inner
            .store
            .redeem_approval_link(&token_hash(token), tx_id, now, &audit)?
        {
            LinkRedemption::Redeemed => self.approval_page(tx_id),
            LinkRedemption::Unknown => Err(Error::ApprovalLinkInvalid(tx_id)),
            LinkRedemption::Expired => Err(Error::ApprovalLinkExpired(tx_id)),
            LinkRedemption::Used => Err(Error::ApprovalLinkUsed(tx_id)),
        }
    }
}

impl Admin {
    /// A fresh single-use link to the approval page of `tx_id`, for the operator to
    /// pass to the owner by other means (the channels send their own).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` when no approval page URL is set or the transaction is not
    /// PENDING_APPROVAL; `TX_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn approval_link(&self, tx_id: TxId) -> Result<String> {
        let store = self.inner.store.as_ref();
        let base = page_url(store)?.ok_or_else(|| {
            ValidationError::field("pageUrl", "is not set: set the approval page URL first")
        })?;
        let record = store.transaction(tx_id)?.ok_or(Error::TxNotFound(tx_id))?;
        if record.status != TxStatus::PendingApproval {
            return Err(ValidationError::field(
                "txId",
                format!(
                    "transaction `{tx_id}` is {}, not PENDING_APPROVAL",
                    record.status
                ),
            )
            .into());
        }
        mint(store, &base, &record, self.inner.now())
    }
}
