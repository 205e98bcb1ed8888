//! The keyed, hash-chained audit log. Each entry commits to the previous entry's hash
//! with an HMAC-SHA256 under the audit key (derived from the vault's data key), so an
//! edit, deletion or reordering of any stored row is detected by [`verify_chain`], and
//! whoever can write the database but lacks the master password cannot recompute it.
//!
//! Logs written before schema 4 used an unkeyed SHA-256 chain ([`AuditScheme::Sha256`]).
//! The first unlock after the migration re-chains them under the key if their unkeyed
//! chain is intact; if it is broken they are kept as they are, a keyed
//! [`CHAIN_KEYED_EVENT`] entry records how many unkeyed entries precede it, and
//! verification keeps reporting the break.

use std::fmt;

use crate::ids::{TxId, WalletId};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Re-exported for [`AuditKey::from_bytes`].
pub use zeroize::Zeroizing;

/// The event of the keyed entry that starts the keyed chain after kept unkeyed entries
/// (details: `legacyEntries`, `rechained`, `legacyBrokenAt`).
pub const CHAIN_KEYED_EVENT: &str = "AUDIT_CHAIN_KEYED";
/// The first entry of every vault's log.
pub const GENESIS_EVENT: &str = "VAULT_CREATED";

/// The 32-byte key of the audit chain's HMAC. Derived from the vault's data key
/// ([`crate::Vault`] hands it to the store on unlock), so it never touches the disk.
/// `Debug` is redacted; the bytes are wiped on drop; no `Clone`.
pub struct AuditKey(Zeroizing<[u8; 32]>);

impl AuditKey {
    /// Wraps key bytes (normally derived by the vault; tests may make their own).
    #[must_use]
    pub fn from_bytes(bytes: Zeroizing<[u8; 32]>) -> Self {
        Self(bytes)
    }

    /// A copy for a store that must keep the key beside the vault (the store backends
    /// hold it for as long as the vault is unlocked).
    #[must_use]
    pub fn duplicate(&self) -> Self {
        Self(Zeroizing::new(*self.0))
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length: this cannot fail for 32 bytes.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0[..]).unwrap_or_else(|_| unreachable_hmac())
    }
}

#[expect(
    clippy::panic,
    reason = "HMAC-SHA256 accepts every key length; this is unreachable"
)]
fn unreachable_hmac() -> Hmac<Sha256> {
    panic!("hmac rejected a 32-byte key")
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey([redacted])")
    }
}

crate::string_enum! {
    /// How a stored entry's hash was computed (the `scheme` column stores
    /// [`as_i64`](Self::as_i64); JSON and `Display` use the string).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum AuditScheme {
        /// Unkeyed SHA-256 (logs written before schema 4, kept only when their chain was
        /// already broken when they were keyed).
        Sha256 => "sha256",
        /// HMAC-SHA256 under the audit key.
        HmacSha256 => "hmac-sha256",
    }
    field = "scheme", what = "an audit hash scheme";
}

impl AuditScheme {
    /// The stored number.
    #[must_use]
    pub fn as_i64(self) -> i64 {
        match self {
            Self::Sha256 => 0,
            Self::HmacSha256 => 1,
        }
    }

    /// Parses the stored number.
    #[must_use]
    pub fn from_i64(v: i64) -> Option<Self> {
        match v {
            0 => Some(Self::Sha256),
            1 => Some(Self::HmacSha256),
            _ => None,
        }
    }
}

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
    /// How `hash` was computed.
    pub scheme: AuditScheme,
}

/// Feeds every field of an entry, length-prefixed, to `update`.
fn encode(
    seq: u64,
    prev_hash: &str,
    entry: &AuditEntry,
    domain: &[u8],
    update: &mut dyn FnMut(&[u8]),
) {
    let mut field = |b: &[u8]| {
        update(&(b.len() as u64).to_be_bytes());
        update(b);
    };
    field(domain);
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
}

/// The unkeyed hash of schema 3 ([`AuditScheme::Sha256`]): SHA-256 over a
/// length-prefixed encoding of every field, hex. Anyone can recompute it; kept to verify
/// logs written before schema 4.
#[must_use]
pub fn entry_hash(seq: u64, prev_hash: &str, entry: &AuditEntry) -> String {
    let mut h = Sha256::new();
    encode(seq, prev_hash, entry, b"waiaas-audit-v1", &mut |b| {
        h.update(b)
    });
    hex::encode(h.finalize())
}

/// The keyed hash ([`AuditScheme::HmacSha256`]): HMAC-SHA256 under `key` over the same
/// encoding with its own domain label, hex.
#[must_use]
pub fn entry_mac(key: &AuditKey, seq: u64, prev_hash: &str, entry: &AuditEntry) -> String {
    let mut m = key.mac();
    encode(seq, prev_hash, entry, b"waiaas-audit-hmac-v1", &mut |b| {
        m.update(b);
    });
    hex::encode(m.finalize().into_bytes())
}

/// The MAC of the recorded head `(seq, hash)`, so that a truncated log cannot be given
/// a matching head without the key.
#[must_use]
pub fn head_mac(key: &AuditKey, seq: u64, hash: &str) -> String {
    let mut m = key.mac();
    m.update(b"waiaas-audit-head-v1|");
    m.update(&seq.to_be_bytes());
    m.update(b"|");
    m.update(hash.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

fn ct_eq(a: &str, b: &str) -> bool {
    bool::from(subtle::ConstantTimeEq::ct_eq(a.as_bytes(), b.as_bytes()))
}

/// Whether `record`'s stored hash is right for its scheme.
#[must_use]
pub fn record_hash_ok(key: &AuditKey, record: &AuditRecord) -> bool {
    match record.scheme {
        AuditScheme::Sha256 => ct_eq(
            &entry_hash(record.seq, &record.prev_hash, &record.entry),
            &record.hash,
        ),
        AuditScheme::HmacSha256 => ct_eq(
            &entry_mac(key, record.seq, &record.prev_hash, &record.entry),
            &record.hash,
        ),
    }
}

/// What [`verify_chain`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChainCheck {
    /// The first record that breaks the keyed chain or its rules (edited, deleted before
    /// it, reordered, re-linked, appended with another key, or an unkeyed record where
    /// only keyed ones may be).
    pub first_broken: Option<u64>,
    /// The first unkeyed record kept from before schema 4 whose unkeyed chain is broken.
    pub legacy_broken: Option<u64>,
    /// The first record of the keyed chain (`None` for an empty log).
    pub keyed_from: Option<u64>,
}

/// Checks a log read in `seq` order under `key`.
///
/// Rules: `seq` runs 1, 2, … without gaps and each record links to the previous stored
/// hash; unkeyed records may only form a prefix, and then the first keyed record must
/// be the [`CHAIN_KEYED_EVENT`] entry whose (keyed) details state exactly that many
/// unkeyed entries, so turning keyed records into unkeyed ones is detected; every
/// keyed record's HMAC must verify. The unkeyed prefix is checked with its SHA-256
/// chain and its break reported apart ([`ChainCheck::legacy_broken`]).
#[must_use]
pub fn verify_chain(key: &AuditKey, records: &[AuditRecord]) -> ChainCheck {
    let mut out = ChainCheck::default();
    let mut prev = GENESIS_HASH.to_owned();
    let mut expected_seq: u64 = 1;
    let mut legacy: u64 = 0;
    for r in records {
        let linked = r.seq == expected_seq && r.prev_hash == prev;
        let hash_ok = record_hash_ok(key, r);
        match r.scheme {
            AuditScheme::Sha256 if out.keyed_from.is_none() => {
                legacy = legacy.saturating_add(1);
                if (!linked || !hash_ok) && out.legacy_broken.is_none() {
                    out.legacy_broken = Some(r.seq);
                }
            }
            AuditScheme::Sha256 => {
                out.first_broken.get_or_insert(r.seq);
            }
            AuditScheme::HmacSha256 => {
                let starts = out.keyed_from.is_none();
                if starts {
                    out.keyed_from = Some(r.seq);
                }
                // A keyed log begins with the vault's creation or with the marker that
                // keyed an older log: one that begins anywhere else lost its start.
                let marker_ok = !starts
                    || if legacy == 0 {
                        r.entry.event == GENESIS_EVENT || r.entry.event == CHAIN_KEYED_EVENT
                    } else {
                        states_legacy(&r.entry, legacy)
                    };
                if !linked || !hash_ok || !marker_ok {
                    out.first_broken.get_or_insert(r.seq);
                } else if starts && legacy > 0 {
                    // The (keyed) marker records the break found when the log was keyed,
                    // including a lost tail that the kept records cannot show.
                    let recorded = r
                        .entry
                        .details
                        .get("legacyBrokenAt")
                        .and_then(serde_json::Value::as_u64);
                    out.legacy_broken = match (out.legacy_broken, recorded) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
            }
        }
        // Continue from the stored hash: a break is reported once, and the records after
        // it are still checked against each other.
        prev.clone_from(&r.hash);
        expected_seq = r.seq.saturating_add(1);
    }
    if legacy > 0 && out.keyed_from.is_none() {
        // Only unkeyed records although the key is known: nothing authenticates them.
        out.first_broken.get_or_insert(1);
    }
    out
}

fn states_legacy(entry: &AuditEntry, legacy: u64) -> bool {
    entry.event == CHAIN_KEYED_EVENT
        && entry
            .details
            .get("legacyEntries")
            .and_then(serde_json::Value::as_u64)
            == Some(legacy)
}
