//! The hash-chained audit log. Each entry commits to the previous entry's hash, so an
//! edit, deletion or reordering of any stored row is detected by [`verify_chain`].

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::{TxId, WalletId};

/// The hash the first entry chains to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who caused an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum Actor {
    /// The operator (master password holder).
    Operator,
    /// An agent session.
    Session(String),
    /// A wallet owner (address).
    Owner(String),
    /// waiaas itself (scheduler, recovery, AutoStop).
    System,
}

impl Actor {
    /// `operator`, `session:<id>`, `owner:<address>` or `system`.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::Operator => "operator".to_owned(),
            Self::Session(id) => format!("session:{id}"),
            Self::Owner(a) => format!("owner:{a}"),
            Self::System => "system".to_owned(),
        }
    }
}

/// An entry to append. Never put a secret in `details`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Time (Unix seconds).
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What (`TX_SIGNED`, `WALLET_CREATED`, …).
    pub event: String,
    /// Wallet concerned.
    pub wallet_id: Option<WalletId>,
    /// Transaction concerned.
    pub tx_id: Option<TxId>,
    /// Structured details.
    pub details: serde_json::Value,
}

impl AuditEntry {
    /// An entry with no wallet, transaction or details.
    #[must_use]
    pub fn new(at: i64, actor: &Actor, event: &str) -> Self {
        Self {
            at,
            actor: actor.label(),
            event: event.to_owned(),
            wallet_id: None,
            tx_id: None,
            details: serde_json::Value::Null,
        }
    }

    /// Sets the wallet.
    #[must_use]
    pub fn wallet(mut self, id: WalletId) -> Self {
        self.wallet_id = Some(id);
        self
    }

    /// Sets the transaction.
    #[must_use]
    pub fn tx(mut self, id: TxId) -> Self {
        self.tx_id = Some(id);
        self
    }

    /// Sets the details.
    #[must_use]
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// A stored entry with its chain position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// Position (1, 2, …; no gaps).
    pub seq: u64,
    /// The entry.
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// Hash of the previous record ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

/// The hash of an entry at `seq` chained to `prev_hash`: SHA-256 over a length-prefixed
/// encoding of every field, hex.
#[must_use]
pub fn entry_hash(seq: u64, prev_hash: &str, entry: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    };
    field(b"waiaas-audit-v1");
    field(&seq.to_be_bytes());
    field(prev_hash.as_bytes());
    field(&entry.at.to_be_bytes());
    field(entry.actor.as_bytes());
    field(entry.event.as_bytes());
    field(
        entry
            .wallet_id
            .map(|w| w.to_string())
            .unwrap_or_default()
            .as_bytes(),
    );
    field(
        entry
            .tx_id
            .map(|t| t.to_string())
            .unwrap_or_default()
            .as_bytes(),
    );
    field(entry.details.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Checks a chain read in `seq` order: `Ok(())` or the `seq` of the first record that
/// does not match (edited, deleted before it, reordered or re-linked).
///
/// # Errors
/// The sequence number of the first broken record.
pub fn verify_chain(records: &[AuditRecord]) -> Result<(), u64> {
    let mut prev = GENESIS_HASH.to_owned();
    let mut expected_seq: u64 = 1;
    for r in records {
        if r.seq != expected_seq
            || r.prev_hash != prev
            || entry_hash(r.seq, &r.prev_hash, &r.entry) != r.hash
        {
            return Err(r.seq);
        }
        prev.clone_from(&r.hash);
        expected_seq = expected_seq.saturating_add(1);
    }
    Ok(())
}
