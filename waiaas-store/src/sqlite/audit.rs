//! The keyed hash-chained audit log: the SQL of append, read, verify, and keying a log
//! written before schema 4. Chaining is [`crate::operations::chain_audit_entries`]; the
//! decisions are [`crate::rules::audit`].

use rusqlite::{Connection, OptionalExtension, params};
use waiaas_core::audit::{AuditEntry, AuditKey, AuditRecord, AuditScheme};
use waiaas_core::error::StoreError;
use waiaas_core::store::{AuditLogCheck, HeaderUpgrade};

use super::SqliteStore;
use super::clock::advance_time;
use super::rows::{corrupt, db_err};
use crate::operations::{AuditRows, chain_audit_entries};
use crate::rules::audit::{self, HeadRow, StoredRecord};

/// The audit tables of an open write transaction (which holds the whole database).
struct Chain<'c>(&'c Connection);

impl AuditRows for Chain<'_> {
    fn last_audit_row(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        self.0
            .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(db_err("read audit head"))
    }

    fn audit_head(&mut self) -> Result<Option<HeadRow>, StoreError> {
        read_head(self.0)
    }

    fn audit_seq_taken(&mut self, seq: i64) -> Result<bool, StoreError> {
        Ok(self
            .0
            .prepare_cached("SELECT 1 FROM audit_log WHERE seq = ?1")
            .and_then(|mut st| st.query_row([seq], |_| Ok(())).optional())
            .map_err(db_err("read audit log"))?
            .is_some())
    }

    fn insert_audit(
        &mut self,
        seq: i64,
        entry: &AuditEntry,
        prev_hash: &str,
        hash: &str,
    ) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "INSERT INTO audit_log (seq, at, actor, event, wallet_id, tx_id, details, prev_hash, hash, scheme)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    seq,
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
        Ok(())
    }

    fn record_audit_head(&mut self, seq: i64, hash: &str, mac: &str) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
            )
            .and_then(|mut s| s.execute(params![seq, hash, mac]))
            .map_err(db_err("record audit head"))?;
        Ok(())
    }
}

/// Appends an entry chained to the current head under `key` and moves the time mark to
/// the entry's time.
pub(super) fn append(
    conn: &Connection,
    key: &AuditKey,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    append_all(conn, key, std::slice::from_ref(entry))
}

/// Appends `entries` in order, chained together (the head read and recorded once),
/// and moves the time mark to the latest of their times.
pub(super) fn append_all(
    conn: &Connection,
    key: &AuditKey,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
    chain_audit_entries(&mut Chain(conn), key, entries)?;
    if let Some(at) = entries.iter().map(|e| e.at).max() {
        advance_time(conn, at)?;
    }
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
    let read = |r: &rusqlite::Row<'_>| {
        Ok(StoredRecord {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            event: r.get(3)?,
            wallet_id: r.get(4)?,
            tx_id: r.get(5)?,
            details: r.get(6)?,
            prev_hash: r.get(7)?,
            hash: r.get(8)?,
            scheme: r.get(9)?,
        })
    };
    let stored: Vec<StoredRecord> = if limit == 0 {
        stmt.query_map(params![after], read)
            .and_then(Iterator::collect)
    } else {
        stmt.query_map(params![after, limit], read)
            .and_then(Iterator::collect)
    }
    .map_err(db_err("read audit log"))?;
    stored
        .into_iter()
        .map(|r| audit::record_from_stored(r).map_err(|e| corrupt("audit_log", e)))
        .collect()
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
/// transaction, keys the log if it was never keyed (written before schema 4), as
/// [`audit::legacy_keying`] says. Nothing happens when another process replaced the
/// header first.
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
        let records = read_audit_records(conn, 0, 0)?;
        let (rechain, entries) =
            audit::legacy_keying(key, &records, read_head(conn)?.as_ref(), now);
        for (seq, prev, hash) in rechain {
            conn.prepare_cached(
                "UPDATE audit_log SET prev_hash = ?1, hash = ?2, scheme = ?3 WHERE seq = ?4",
            )
            .and_then(|mut s| {
                s.execute(params![
                    prev,
                    hash,
                    AuditScheme::HmacSha256.as_i64(),
                    i64::try_from(seq).unwrap_or(i64::MAX)
                ])
            })
            .map_err(db_err("re-chain audit log"))?;
        }
        append_all(conn, key, &entries)
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
    read_audit_records(&*store.reader()?, after, limit)
}

pub(super) fn audit_head(store: &SqliteStore) -> Result<Option<(u64, String)>, StoreError> {
    Ok(read_head(&*store.reader()?)?.map(|h| (h.seq, h.hash)))
}

pub(super) fn verify_audit_log(store: &SqliteStore) -> Result<AuditLogCheck, StoreError> {
    let key = store.audit_key()?;
    // One read transaction: the records and the head are one snapshot.
    let (records, head) = store.write("verify audit log", |conn| {
        Ok((read_audit_records(conn, 0, 0)?, read_head(conn)?))
    })?;
    Ok(audit::check_log(&key, &records, head.as_ref()))
}
