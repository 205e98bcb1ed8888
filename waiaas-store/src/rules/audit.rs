//! Audit chaining: where the next entry goes and what it links to, which stored
//! records can verify, whether the recorded head is genuine, and how a log written
//! before schema 4 is judged when it is keyed. The hashing itself (`entry_mac`,
//! `head_mac`, `verify_chain`) is `waiaas_core::audit`; a backend stores the records
//! and the head, and asks these functions what to write.

use waiaas_core::audit::{
    Actor, AuditEntry, AuditKey, AuditRecord, AuditScheme, CHAIN_KEYED_EVENT, GENESIS_HASH,
    entry_hash, entry_mac, head_mac, verify_chain,
};
use waiaas_core::ids::{TxId, WalletId};
use waiaas_core::store::AuditLogCheck;

/// The head recorded beside the log: the last appended `(seq, hash)` and its MAC under
/// the audit key (`None` in a log written before schema 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadRow {
    /// Sequence number of the last appended record.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
    /// `head_mac(key, seq, hash)`.
    pub mac: Option<String>,
}

/// Where the next entry goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Its sequence number.
    pub seq: u64,
    /// The hash it commits to.
    pub prev_hash: String,
}

/// The recorded head if its MAC verifies under `key` (a forged or unkeyed head is
/// no head).
#[must_use]
pub fn genuine_head(key: &AuditKey, head: Option<HeadRow>) -> Option<HeadRow> {
    head.filter(|h| h.mac.as_deref() == Some(head_mac(key, h.seq, &h.hash).as_str()))
}

/// The place right after the genuine head, which the backend checks is free before
/// [`next_link`].
#[must_use]
pub fn slot_after_head(genuine: Option<&HeadRow>) -> Option<u64> {
    genuine.map(|h| h.seq.saturating_add(1))
}

/// The next entry's place. It chains from the head the key recorded, not from whatever
/// row is last: rows deleted (or the whole log emptied) by someone who can write the
/// storage stay a visible break instead of being papered over by the next entry.
/// Without a genuine head (first entry, or a forged or unreadable one) the last row is
/// all there is. It goes right after the recorded head when that place is free
/// (`slot_free`; rows planted beyond it stay a break), else after the last row. A
/// forged last row (negative or huge `seq`) never stops the append (the kill switch
/// among the audited changes must always be writable); verification reports it.
#[must_use]
pub fn next_link(genuine: Option<&HeadRow>, last: Option<(i64, &str)>, slot_free: bool) -> Link {
    let last_seq = last.and_then(|(s, _)| u64::try_from(s).ok()).unwrap_or(0);
    let prev_hash = match (genuine, last) {
        (Some(h), _) => h.hash.clone(),
        (None, Some((_, hash))) => hash.to_owned(),
        (None, None) => GENESIS_HASH.to_owned(),
    };
    let seq = match slot_after_head(genuine) {
        Some(s) if slot_free => s,
        _ => genuine
            .map_or(last_seq, |h| last_seq.max(h.seq))
            .saturating_add(1),
    };
    Link { seq, prev_hash }
}

/// Whether stored fields are exactly the canonical form of what they parse to: the MAC
/// covers the parsed fields, so stored text that is not their canonical form (an
/// unparsable id, re-spaced or duplicated JSON keys that other readers would see
/// differently) can never verify.
#[must_use]
pub fn is_canonical(details: &str, parsed: Option<&serde_json::Value>, ids_parse: bool) -> bool {
    ids_parse
        && parsed
            .and_then(|v| serde_json::to_string(v).ok())
            .is_some_and(|text| text == details)
}

/// The hash a record is verified with: a non-canonical record gets one that can never
/// match.
#[must_use]
pub fn verifiable_hash(stored: String, canonical: bool) -> String {
    if canonical {
        stored
    } else {
        format!("non-canonical:{stored}")
    }
}

/// An unknown scheme number is checked as keyed: only a valid HMAC passes.
#[must_use]
pub fn scheme_of(stored: i64) -> AuditScheme {
    AuditScheme::from_i64(stored).unwrap_or(AuditScheme::HmacSha256)
}

/// Whether the recorded head names the last record and its MAC verifies. A vault's log
/// always has an entry, so an empty one was emptied (`false`).
#[must_use]
pub fn head_verifies(key: &AuditKey, head: Option<&HeadRow>, last: Option<&AuditRecord>) -> bool {
    match (head, last) {
        (
            Some(HeadRow {
                seq,
                hash,
                mac: Some(mac),
            }),
            Some(last),
        ) => {
            *seq == last.seq
                && *hash == last.hash
                && bool::from(subtle::ConstantTimeEq::ct_eq(
                    mac.as_bytes(),
                    head_mac(key, *seq, hash).as_bytes(),
                ))
        }
        _ => false,
    }
}

/// How a log found under a version-1 header is keyed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegacyVerdict {
    /// Empty, or already keyed: nothing to re-chain.
    NothingToKey,
    /// The unkeyed chain and its recorded head are intact: re-chain every entry under
    /// the key.
    Rechain,
    /// The unkeyed chain breaks at this `seq` (or lost its tail after the last entry):
    /// keep the entries as they are (never blessed) and record where the keyed chain
    /// starts.
    KeepBroken(u64),
}

/// Judges a log written before schema 4 (`records` in `seq` order, `head` as recorded).
#[must_use]
pub fn legacy_verdict(records: &[AuditRecord], head: Option<&HeadRow>) -> LegacyVerdict {
    let Some(last) = records.last() else {
        return LegacyVerdict::NothingToKey;
    };
    if records.iter().any(|r| r.scheme != AuditScheme::Sha256) {
        // Keyed rows under a version-1 header: not a log written before schema 4.
        return LegacyVerdict::NothingToKey;
    }
    let mut prev = GENESIS_HASH.to_owned();
    for (r, expected) in records.iter().zip(1u64..) {
        if r.seq != expected
            || r.prev_hash != prev
            || entry_hash(r.seq, &r.prev_hash, &r.entry) != r.hash
        {
            return LegacyVerdict::KeepBroken(r.seq);
        }
        prev.clone_from(&r.hash);
    }
    if head.is_some_and(|h| h.seq == last.seq && h.hash == last.hash) {
        LegacyVerdict::Rechain
    } else {
        // The unkeyed log lost its tail: the break is after the last kept entry.
        LegacyVerdict::KeepBroken(last.seq.saturating_add(1))
    }
}

/// One audit row as a backend stores it, before it is judged.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    /// `seq` column.
    pub seq: i64,
    /// `at` column.
    pub at: i64,
    /// `actor` column.
    pub actor: String,
    /// `event` column.
    pub event: String,
    /// `wallet_id` column.
    pub wallet_id: Option<String>,
    /// `tx_id` column.
    pub tx_id: Option<String>,
    /// `details` column (JSON text).
    pub details: String,
    /// `prev_hash` column.
    pub prev_hash: String,
    /// `hash` column.
    pub hash: String,
    /// `scheme` column.
    pub scheme: i64,
}

/// The record a stored row is verified as. An edited id or details that no longer
/// parse still load (with a hash that cannot match), so that verification reports the
/// row instead of failing to read it.
///
/// # Errors
/// A negative `seq` (not a row this code wrote).
pub fn record_from_stored(row: StoredRecord) -> Result<AuditRecord, &'static str> {
    let wallet_id = row.wallet_id.as_deref().map(WalletId::parse);
    let tx_id = row.tx_id.as_deref().map(TxId::parse);
    let parsed: Option<serde_json::Value> = serde_json::from_str(&row.details).ok();
    let canonical = is_canonical(
        &row.details,
        parsed.as_ref(),
        !matches!(wallet_id, Some(Err(_))) && !matches!(tx_id, Some(Err(_))),
    );
    Ok(AuditRecord {
        seq: u64::try_from(row.seq).map_err(|_| "negative seq")?,
        entry: AuditEntry {
            at: row.at,
            actor: row.actor,
            event: row.event,
            wallet_id: wallet_id.and_then(Result::ok),
            tx_id: tx_id.and_then(Result::ok),
            details: parsed.unwrap_or(serde_json::Value::String(row.details)),
        },
        prev_hash: row.prev_hash,
        hash: verifiable_hash(row.hash, canonical),
        scheme: scheme_of(row.scheme),
    })
}

/// The verdict on a whole log: its records in `seq` order and the recorded head, read
/// in one snapshot.
#[must_use]
pub fn check_log(key: &AuditKey, records: &[AuditRecord], head: Option<&HeadRow>) -> AuditLogCheck {
    AuditLogCheck {
        entries: u64::try_from(records.len()).unwrap_or(u64::MAX),
        chain: verify_chain(key, records),
        // A vault's log always has an entry (VAULT_CREATED, or the upgrade that keyed
        // it): an empty one was emptied.
        head_ok: head_verifies(key, head, records.last()),
        head: records.last().map(|r| (r.seq, r.hash.clone())),
    }
}

/// What keying a log found under a version-1 header writes (after the header was
/// replaced): `(seq, prev_hash, hash)` for every record to re-chain under `key`, then
/// the entries to append. An intact unkeyed chain is re-chained; a broken one is kept
/// as it is (never blessed) and a keyed [`CHAIN_KEYED_EVENT`] entry states how many
/// unkeyed entries precede it and where their chain breaks.
#[must_use]
pub fn legacy_keying(
    key: &AuditKey,
    records: &[AuditRecord],
    head: Option<&HeadRow>,
    now: i64,
) -> (Vec<(u64, String, String)>, Vec<AuditEntry>) {
    let upgraded = AuditEntry::new(now, &Actor::System, "VAULT_FORMAT_UPGRADED")
        .details(serde_json::json!({ "from": 1, "to": 2 }));
    let broken_at = match legacy_verdict(records, head) {
        LegacyVerdict::NothingToKey => return (Vec::new(), vec![upgraded]),
        LegacyVerdict::Rechain => None,
        LegacyVerdict::KeepBroken(at) => Some(at),
    };
    let legacy = u64::try_from(records.len()).unwrap_or(u64::MAX);
    let mut updates = Vec::new();
    let details = match broken_at {
        None => {
            let mut prev = GENESIS_HASH.to_owned();
            for r in records {
                let hash = entry_mac(key, r.seq, &prev, &r.entry);
                updates.push((r.seq, prev, hash.clone()));
                prev = hash;
            }
            serde_json::json!({ "legacyEntries": 0, "rechained": legacy, "legacyBrokenAt": null })
        }
        Some(at) => {
            serde_json::json!({ "legacyEntries": legacy, "rechained": 0, "legacyBrokenAt": at })
        }
    };
    let keyed = AuditEntry::new(now, &Actor::System, CHAIN_KEYED_EVENT).details(details);
    (updates, vec![keyed, upgraded])
}

#[cfg(test)]
mod tests {
    use super::*;
    use waiaas_core::audit::Zeroizing;

    #[test]
    fn the_next_link_follows_the_genuine_head_not_the_last_row() {
        let key = AuditKey::from_bytes(Zeroizing::new([1; 32]));
        assert_eq!(
            next_link(None, None, false),
            Link {
                seq: 1,
                prev_hash: GENESIS_HASH.to_owned()
            }
        );
        let head = HeadRow {
            seq: 5,
            hash: "h5".to_owned(),
            mac: Some(head_mac(&key, 5, "h5")),
        };
        let genuine = genuine_head(&key, Some(head.clone()));
        assert_eq!(genuine.as_ref(), Some(&head));
        // Rows 4 and 5 were deleted: the next entry still links to the recorded head.
        let link = next_link(genuine.as_ref(), Some((3, "h3")), true);
        assert_eq!((link.seq, link.prev_hash.as_str()), (6, "h5"));
        // A row was planted at 6: go after the last row.
        let link = next_link(genuine.as_ref(), Some((9, "h9")), false);
        assert_eq!(link.seq, 10);
        // A forged head is ignored.
        let forged = HeadRow {
            mac: Some("00".to_owned()),
            ..head
        };
        assert_eq!(genuine_head(&key, Some(forged)), None);
        let link = next_link(None, Some((-7, "x")), false);
        assert_eq!((link.seq, link.prev_hash.as_str()), (1, "x"));
    }
}
