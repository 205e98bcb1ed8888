//! The keyed hash-chained audit log: append, read, verify, and keying a log written
//! before schema 4. The chaining decisions are [`crate::rules::audit`].

use rusqlite::{Connection, OptionalExtension, params};
use waiaas_core::audit::{
    Actor, AuditEntry, AuditKey, AuditRecord, AuditScheme, CHAIN_KEYED_EVENT, GENESIS_HASH,
    entry_mac, head_mac, verify_chain,
};
use waiaas_core::error::StoreError;
use waiaas_core::ids::{TxId, WalletId};
use waiaas_core::store::{AuditLogCheck, HeaderUpgrade};

use super::SqliteStore;
use super::clock::advance_time;
use super::rows::{corrupt, db_err};
use crate::rules::audit::{self, HeadRow};

/// Appends an entry chained to the current head under `key` (HMAC-SHA256), records
/// the new head with its MAC beside it, and moves the time mark to the entry's time.
/// Where it goes and what it links to is [`audit::next_link`].
pub(super) fn append(
    conn: &Connection,
    key: &AuditKey,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let last: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(db_err("read audit head"))?;
    // An unreadable head is no head: the append must still happen.
    let genuine = audit::genuine_head(key, read_head(conn).ok().flatten());
    let slot_free =
        match audit::slot_after_head(genuine.as_ref()).and_then(|s| i64::try_from(s).ok()) {
            Some(s) => conn
                .prepare_cached("SELECT 1 FROM audit_log WHERE seq = ?1")
                .and_then(|mut st| st.query_row([s], |_| Ok(())).optional())
                .map_err(db_err("read audit log"))?
                .is_none(),
            None => false,
        };
    let audit::Link { seq, prev_hash } = audit::next_link(
        genuine.as_ref(),
        last.as_ref().map(|(s, h)| (*s, h.as_str())),
        slot_free,
    );
    let hash = entry_mac(key, seq, &prev_hash, entry);
    let seq_i = i64::try_from(seq).map_err(|_| corrupt("audit_log", "seq out of range"))?;
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at, actor, event, wallet_id, tx_id, details, prev_hash, hash, scheme)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut s| {
        s.execute(params![
            seq_i,
            entry.at,
            entry.actor,
            entry.event,
            entry.wallet_id.map(|w| w.to_string()),
            entry.tx_id.map(|t| t.to_string()),
            entry.details.to_string(),
            prev_hash,
            hash,
            AuditScheme::HmacSha256.as_i64()
        ])
    })
    .map_err(db_err("append audit"))?;
    record_head(conn, key, seq, &hash)?;
    advance_time(conn, entry.at)?;
    Ok(())
}

pub(super) fn record_head(
    conn: &Connection,
    key: &AuditKey,
    seq: u64,
    hash: &str,
) -> Result<(), StoreError> {
    let seq_i = i64::try_from(seq).map_err(|_| corrupt("audit_log", "seq out of range"))?;
    conn.prepare_cached(
        "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
    )
    .and_then(|mut s| s.execute(params![seq_i, hash, head_mac(key, seq, hash)]))
    .map_err(db_err("record audit head"))?;
    Ok(())
}

pub(super) fn read_audit_records(
    conn: &Connection,
    after: u64,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    // Portable SQL: two fixed statements, with and without a bound limit.
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let columns = "SELECT seq, at, actor, event, wallet_id, tx_id, details, prev_hash, hash, scheme
             FROM audit_log WHERE seq > ?1 ORDER BY seq";
    let mut stmt = conn
        .prepare_cached(&if limit == 0 {
            columns.to_owned()
        } else {
            format!("{columns} LIMIT ?2")
        })
        .map_err(db_err("read audit log"))?;
    let mut rows = if limit == 0 {
        stmt.query(params![after])
    } else {
        stmt.query(params![after, limit])
    }
    .map_err(db_err("read audit log"))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db_err("read audit log"))? {
        let e = db_err("read audit log");
        let seq: i64 = r.get(0).map_err(&e)?;
        let wallet: Option<String> = r.get(4).map_err(&e)?;
        let tx: Option<String> = r.get(5).map_err(&e)?;
        let details: String = r.get(6).map_err(&e)?;
        let scheme: i64 = r.get(9).map_err(&e)?;
        // An edited id or details that no longer parse still load, so that verification
        // reports the row instead of failing to read it.
        let wallet_id = wallet.as_deref().map(WalletId::parse);
        let tx_id = tx.as_deref().map(TxId::parse);
        let parsed: Option<serde_json::Value> = serde_json::from_str(&details).ok();
        let canonical = audit::is_canonical(
            &details,
            parsed.as_ref(),
            !matches!(wallet_id, Some(Err(_))) && !matches!(tx_id, Some(Err(_))),
        );
        let hash: String = r.get(8).map_err(&e)?;
        out.push(AuditRecord {
            seq: u64::try_from(seq).map_err(|_| corrupt("audit_log", "negative seq"))?,
            entry: AuditEntry {
                at: r.get(1).map_err(&e)?,
                actor: r.get(2).map_err(&e)?,
                event: r.get(3).map_err(&e)?,
                wallet_id: wallet_id.and_then(Result::ok),
                tx_id: tx_id.and_then(Result::ok),
                details: parsed.unwrap_or(serde_json::Value::String(details)),
            },
            prev_hash: r.get(7).map_err(&e)?,
            hash: audit::verifiable_hash(hash, canonical),
            scheme: audit::scheme_of(scheme),
        });
    }
    Ok(out)
}

pub(super) fn read_head(conn: &Connection) -> Result<Option<HeadRow>, StoreError> {
    let row: Option<(i64, String, Option<String>)> = conn
        .prepare_cached("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
        .and_then(|mut s| {
            s.query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .map_err(db_err("read audit head"))?;
    row.map(|(seq, hash, mac)| {
        Ok(HeadRow {
            seq: u64::try_from(seq).map_err(|_| corrupt("audit_head", "negative seq"))?,
            hash,
            mac,
        })
    })
    .transpose()
}

/// Replaces a version-1 vault header (compare-and-swap) and, in the same write
/// transaction, keys the log if it was never keyed (written before schema 4): when its
/// unkeyed chain and recorded head are intact every entry is re-chained under `key`;
/// otherwise the entries are kept as they are (never blessed) and a keyed
/// [`CHAIN_KEYED_EVENT`] entry states how many unkeyed entries precede it and where
/// their chain breaks, which verification keeps reporting. Nothing happens when another
/// process replaced the header first.
pub(super) fn key_legacy_log(
    store: &SqliteStore,
    key: &AuditKey,
    now: i64,
    upgrade: &HeaderUpgrade,
) -> Result<(), StoreError> {
    store.write("key audit log", |conn| {
        let replaced = conn
            .execute(
                "UPDATE vault_header SET header = ?1, updated_at = ?2 WHERE id = 1 AND header = ?3",
                params![upgrade.to, now, upgrade.from],
            )
            .map_err(db_err("upgrade vault header"))?;
        if replaced != 1 {
            return Ok(());
        }
        let upgraded = AuditEntry::new(now, &Actor::System, "VAULT_FORMAT_UPGRADED")
            .details(serde_json::json!({ "from": 1, "to": 2 }));
        let records = read_audit_records(conn, 0, 0)?;
        let broken_at = match audit::legacy_verdict(&records, read_head(conn)?.as_ref()) {
            audit::LegacyVerdict::NothingToKey => return append(conn, key, &upgraded),
            audit::LegacyVerdict::Rechain => None,
            audit::LegacyVerdict::KeepBroken(at) => Some(at),
        };
        let legacy = u64::try_from(records.len()).unwrap_or(u64::MAX);
        let details = match broken_at {
            None => {
                let mut prev = GENESIS_HASH.to_owned();
                for r in &records {
                    let hash = entry_mac(key, r.seq, &prev, &r.entry);
                    conn.prepare_cached(
                        "UPDATE audit_log SET prev_hash = ?1, hash = ?2, scheme = ?3 WHERE seq = ?4",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            prev,
                            hash,
                            AuditScheme::HmacSha256.as_i64(),
                            i64::try_from(r.seq).unwrap_or(i64::MAX)
                        ])
                    })
                    .map_err(db_err("re-chain audit log"))?;
                    prev = hash;
                }
                serde_json::json!({ "legacyEntries": 0, "rechained": legacy, "legacyBrokenAt": null })
            }
            Some(at) => {
                serde_json::json!({ "legacyEntries": legacy, "rechained": 0, "legacyBrokenAt": at })
            }
        };
        append(
            conn,
            key,
            &AuditEntry::new(now, &Actor::System, CHAIN_KEYED_EVENT).details(details),
        )?;
        append(conn, key, &upgraded)
    })
}

pub(super) fn append_audit(store: &SqliteStore, entry: &AuditEntry) -> Result<(), StoreError> {
    let key = store.audit_key()?;
    store.write("append audit", |conn| append(conn, &key, entry))
}

pub(super) fn audit_records(
    store: &SqliteStore,
    after: u64,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    read_audit_records(&store.conn(), after, limit)
}

pub(super) fn audit_head(store: &SqliteStore) -> Result<Option<(u64, String)>, StoreError> {
    Ok(read_head(&store.conn())?.map(|h| (h.seq, h.hash)))
}

pub(super) fn verify_audit_log(store: &SqliteStore) -> Result<AuditLogCheck, StoreError> {
    let key = store.audit_key()?;
    // One read transaction: the records and the head are one snapshot.
    let (records, head) = store.write("verify audit log", |conn| {
        Ok((read_audit_records(conn, 0, 0)?, read_head(conn)?))
    })?;
    let chain = verify_chain(&key, &records);
    // A vault's log always has an entry (VAULT_CREATED, or the upgrade that keyed
    // it): an empty one was emptied.
    let head_ok = audit::head_verifies(&key, head.as_ref(), records.last());
    Ok(AuditLogCheck {
        entries: u64::try_from(records.len()).unwrap_or(u64::MAX),
        chain,
        head_ok,
        head: records.last().map(|r| (r.seq, r.hash.clone())),
    })
}
