//! The audit log: read, filter, verify, its head.

use serde::{Deserialize, Serialize};
use serde_json::json;
use waiaas_core::audit::AuditRecord;

use waiaas_core::{TxId, WalletId};

use super::Admin;
use crate::error::Result;

/// Which audit records to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct AuditFilter {
    /// Only records after this sequence number.
    pub after: u64,
    /// At most this many (0 = all).
    pub limit: u32,
    /// Only this wallet's.
    #[schemars(with = "Option<String>")]
    pub wallet_id: Option<WalletId>,
    /// Only this transaction's.
    #[schemars(with = "Option<String>")]
    pub tx_id: Option<TxId>,
    /// Only this event (`TX_SIGNED`, …).
    pub event: Option<String>,
    /// Only this actor (`operator`, `session:<id>`, `owner:<address>`, `system`).
    pub actor: Option<String>,
    /// Only records at or after this time.
    pub since: Option<i64>,
}

/// Outcome of [`Admin::verify_audit_log`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    /// Records checked.
    pub entries: u64,
    /// The first record that fails (edited, removed before it, re-linked), if any.
    pub first_broken: Option<u64>,
    /// Whether the recorded head does not match the last record or its MAC (the log
    /// was truncated, or its head rewritten without the key).
    pub truncated: bool,
    /// The first record of the keyed chain (1 unless unkeyed records from before
    /// schema 4 were kept because their chain was already broken).
    pub keyed_from: Option<u64>,
    /// The first kept unkeyed record whose chain is broken (found, and recorded in the
    /// keyed chain, when the log was keyed; one past the last kept record when the
    /// unkeyed log had lost its tail).
    pub legacy_broken: Option<u64>,
}

impl AuditVerification {
    /// Whether the whole log verifies.
    #[must_use]
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none() && self.legacy_broken.is_none() && !self.truncated
    }
}

/// The audit log's head, as sent in the `AUDIT_HEAD` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditHead {
    /// Sequence number of the last record.
    pub seq: u64,
    /// Its keyed hash (HMAC-SHA256, hex): anchor it outside to detect a later rewrite.
    pub hash: String,
    /// The first record of the keyed chain.
    pub keyed_from: Option<u64>,
    /// When it was read (Unix seconds).
    pub at: i64,
}

/// Reads the head and announces it in an `AUDIT_HEAD` event.
pub(crate) fn announce_audit_head(inner: &crate::pipeline::Instance) -> Result<Option<AuditHead>> {
    let check = inner.store.verify_audit_log()?;
    let Some((seq, hash)) = check.head else {
        return Ok(None);
    };
    let head = AuditHead {
        seq,
        hash,
        keyed_from: check.chain.keyed_from,
        at: inner.now(),
    };
    inner.emit(
        crate::notify::EventKind::AuditHead,
        None,
        None,
        json!({
            "seq": head.seq,
            "hash": head.hash,
            "keyedFrom": head.keyed_from,
            "intact": check.chain.first_broken.is_none()
                && check.chain.legacy_broken.is_none()
                && check.head_ok,
        }),
    );
    Ok(Some(head))
}

impl Admin {
    /// Audit records after `after`, at most `limit` (0 = all).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn audit_log(&self, after: u64, limit: u32) -> Result<Vec<AuditRecord>> {
        Ok(self.inner.store.audit_records(after, limit)?)
    }

    /// Audit records matching `filter`, in order.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn audit_log_filtered(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let mut out: Vec<AuditRecord> = self
            .inner
            .store
            .audit_records(filter.after, 0)?
            .into_iter()
            .filter(|r| {
                filter
                    .wallet_id
                    .is_none_or(|w| r.entry.wallet_id == Some(w))
            })
            .filter(|r| filter.tx_id.is_none_or(|t| r.entry.tx_id == Some(t)))
            .filter(|r| filter.event.as_deref().is_none_or(|e| r.entry.event == e))
            .filter(|r| filter.actor.as_deref().is_none_or(|a| r.entry.actor == a))
            .filter(|r| filter.since.is_none_or(|t| r.entry.at >= t))
            .collect();
        if filter.limit > 0 {
            out.truncate(usize::try_from(filter.limit).unwrap_or(usize::MAX));
        }
        Ok(out)
    }

    /// Recomputes the keyed chain (HMAC-SHA256 under a key derived from the vault's
    /// data key) and the MAC'd head; reports the first record that does not verify.
    /// An edit recomputed without the master password (for instance with the unkeyed
    /// SHA-256 of older versions) is detected like any other.
    ///
    /// # Errors
    /// `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn verify_audit_log(&self) -> Result<AuditVerification> {
        let check = self.inner.store.verify_audit_log()?;
        Ok(AuditVerification {
            entries: check.entries,
            first_broken: check.chain.first_broken,
            truncated: !check.head_ok,
            keyed_from: check.chain.keyed_from,
            legacy_broken: check.chain.legacy_broken,
        })
    }

    /// The audit log's head (`seq` and keyed hash), also sent as an `AUDIT_HEAD` event
    /// to every notifier so it can be anchored outside; `None` for an empty log. The
    /// scheduler sends it periodically ([`crate::Config::audit_head_interval_secs`]).
    ///
    /// # Errors
    /// `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn audit_head(&self) -> Result<Option<AuditHead>> {
        announce_audit_head(&self.inner)
    }
}
