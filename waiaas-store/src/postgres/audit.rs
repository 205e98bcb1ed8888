//! The keyed hash-chained audit log: the SQL of append (at commit), read, verify, and
//! keying a log written before schema 4. Chaining is
//! [`crate::operations::chain_audit_entries`]; the decisions are [`crate::rules::audit`].
//!
//! The log is one chain for the whole database, so appends are serialized: an
//! operation collects its entries ([`append`]) and [`flush`] chains them under a
//! transaction-level advisory lock just before `COMMIT`. The lock is held only for the
//! append and the commit, never for a decision or a signature.

use waiaas_core::audit::{AuditEntry, AuditKey, AuditRecord, AuditScheme};
use waiaas_core::error::StoreError;
use waiaas_core::store::{AuditLogCheck, HeaderUpgrade};

use super::clock::advance_time;
use super::pool::Conn;
use super::rows::{col, corrupt};
use super::{BEGIN_SNAPSHOT, PgStore};
use crate::operations::{AuditRows, chain_audit_entries};
use crate::rules::audit::{self, HeadRow, StoredRecord};

/// The advisory lock key of the audit chain ("waiaas" + 2).
const AUDIT_LOCK: i64 = 0x7761_6961_6173_0002;

/// Queues `entry` for the open transaction; [`flush`] writes it at commit.
pub(super) fn append(conn: &mut Conn, entry: &AuditEntry) {
    conn.pending_audit.push(entry.clone());
}

/// Takes the audit chain's lock until commit.
fn lock_chain(conn: &mut Conn) -> Result<(), StoreError> {
    conn.batch(
        "lock audit log",
        &format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK})"),
    )
}

/// The audit tables of an open transaction that holds the chain's lock.
struct Chain<'c>(&'c mut Conn);

impl AuditRows for Chain<'_> {
    fn last_audit_row(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        self.0
            .opt(
                "read audit head",
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                &[],
            )?
            .map(|r| Ok((col(&r, 0)?, col(&r, 1)?)))
            .transpose()
    }

    fn audit_head(&mut self) -> Result<Option<HeadRow>, StoreError> {
        read_head(self.0)
    }

    fn audit_seq_taken(&mut self, seq: i64) -> Result<bool, StoreError> {
        Ok(self
            .0
            .opt(
                "read audit log",
                "SELECT 1 FROM audit_log WHERE seq = $1",
                &[&seq],
            )?
            .is_some())
    }

    fn insert_audit(
        &mut self,
        seq: i64,
        entry: &AuditEntry,
        prev_hash: &str,
        hash: &str,
    ) -> Result<(), StoreError> {
        self.0.exec(
            "append audit",
            "INSERT INTO audit_log (seq, at, actor, event, wallet_id, tx_id, details, prev_hash, hash, scheme)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &seq,
                &entry.at,
                &entry.actor,
                &entry.event,
                &entry.wallet_id.map(|w| w.to_string()),
                &entry.tx_id.map(|t| t.to_string()),
                &entry.details.to_string(),
                &prev_hash,
                &hash,
                &AuditScheme::HmacSha256.as_i64(),
            ],
        )?;
        Ok(())
    }

    fn record_audit_head(&mut self, seq: i64, hash: &str, mac: &str) -> Result<(), StoreError> {
        self.0.exec(
            "record audit head",
            "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, $1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
            &[&seq, &hash, &mac],
        )?;
        Ok(())
    }
}

/// Chains and writes the queued entries, in order, under the chain's lock, and moves
/// the time mark to the latest entry's time.
pub(super) fn flush(conn: &mut Conn, key: &AuditKey) -> Result<(), StoreError> {
    let entries = std::mem::take(&mut conn.pending_audit);
    lock_chain(conn)?;
    chain_audit_entries(&mut Chain(conn), key, &entries)?;
    let latest = entries.iter().map(|e| e.at).max().unwrap_or(i64::MIN);
    advance_time(conn, latest)?;
    Ok(())
}

pub(super) fn read_audit_records(
    conn: &mut Conn,
    after: u64,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let columns = "SELECT seq, at, actor, event, wallet_id, tx_id, details, prev_hash, hash, scheme
             FROM audit_log WHERE seq > $1 ORDER BY seq";
    let rows = if limit == 0 {
        conn.query("read audit log", columns, &[&after])?
    } else {
        conn.query(
            "read audit log",
            &format!("{columns} LIMIT $2"),
            &[&after, &i64::from(limit)],
        )?
    };
    rows.iter()
        .map(|r| {
            audit::record_from_stored(StoredRecord {
                seq: col(r, 0)?,
                at: col(r, 1)?,
                actor: col(r, 2)?,
                event: col(r, 3)?,
                wallet_id: col(r, 4)?,
                tx_id: col(r, 5)?,
                details: col(r, 6)?,
                prev_hash: col(r, 7)?,
                hash: col(r, 8)?,
                scheme: col(r, 9)?,
            })
            .map_err(|e| corrupt("audit_log", e))
        })
        .collect()
}

pub(super) fn read_head(conn: &mut Conn) -> Result<Option<HeadRow>, StoreError> {
    conn.opt(
        "read audit head",
        "SELECT seq, hash, mac FROM audit_head WHERE id = 1",
        &[],
    )?
    .map(|r| {
        let seq: i64 = col(&r, 0)?;
        Ok(HeadRow {
            seq: u64::try_from(seq).map_err(|_| corrupt("audit_head", "negative seq"))?,
            hash: col(&r, 1)?,
            mac: col(&r, 2)?,
        })
    })
    .transpose()
}

/// Replaces a version-1 vault header (compare-and-swap) and, in the same transaction,
/// keys the log if it was never keyed, as [`audit::legacy_keying`] says.
pub(super) fn key_legacy_log(
    store: &PgStore,
    key: &AuditKey,
    now: i64,
    upgrade: &HeaderUpgrade,
) -> Result<(), StoreError> {
    store.write("key audit log", Some(key), |conn| {
        let replaced = conn.exec(
            "upgrade vault header",
            "UPDATE vault_header SET header = $1, updated_at = $2 WHERE id = 1 AND header = $3",
            &[&upgrade.to, &now, &upgrade.from],
        )?;
        if replaced != 1 {
            return Ok(());
        }
        lock_chain(conn)?;
        let records = read_audit_records(conn, 0, 0)?;
        let head = read_head(conn)?;
        let (rechain, entries) = audit::legacy_keying(key, &records, head.as_ref(), now);
        for (seq, prev, hash) in rechain {
            conn.exec(
                "re-chain audit log",
                "UPDATE audit_log SET prev_hash = $1, hash = $2, scheme = $3 WHERE seq = $4",
                &[
                    &prev,
                    &hash,
                    &AuditScheme::HmacSha256.as_i64(),
                    &i64::try_from(seq).unwrap_or(i64::MAX),
                ],
            )?;
        }
        for entry in &entries {
            append(conn, entry);
        }
        Ok(())
    })
}

pub(super) fn append_audit(store: &PgStore, entry: &AuditEntry) -> Result<(), StoreError> {
    let key = store.audit_key()?;
    store.write("append audit", Some(&key), |conn| {
        append(conn, entry);
        Ok(())
    })
}

pub(super) fn audit_records(
    store: &PgStore,
    after: u64,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    store.read(|conn| read_audit_records(conn, after, limit))
}

pub(super) fn audit_head(store: &PgStore) -> Result<Option<(u64, String)>, StoreError> {
    Ok(store.read(read_head)?.map(|h| (h.seq, h.hash)))
}

pub(super) fn verify_audit_log(store: &PgStore) -> Result<AuditLogCheck, StoreError> {
    let key = store.audit_key()?;
    // One snapshot: the records and the head agree.
    let (records, head) = store.transaction("verify audit log", BEGIN_SNAPSHOT, None, |conn| {
        Ok((read_audit_records(conn, 0, 0)?, read_head(conn)?))
    })?;
    Ok(audit::check_log(&key, &records, head.as_ref()))
}
