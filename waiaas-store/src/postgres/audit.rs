//! The keyed hash-chained audit log: append (at commit), read, verify, and keying a
//! log written before schema 4. The chaining decisions are [`crate::rules::audit`].
//!
//! The log is one chain for the whole database, so appends are serialized: an
//! operation collects its entries ([`append`]) and [`flush`] chains them under a
//! transaction-level advisory lock just before `COMMIT`. The lock is held only for the
//! append and the commit, never for a decision or a signature.

use waiaas_core::audit::{
    Actor, AuditEntry, AuditKey, AuditRecord, AuditScheme, CHAIN_KEYED_EVENT, GENESIS_HASH,
    entry_mac, head_mac, verify_chain,
};
use waiaas_core::error::StoreError;
use waiaas_core::ids::{TxId, WalletId};
use waiaas_core::store::{AuditLogCheck, HeaderUpgrade};

use super::clock::advance_time;
use super::pool::Conn;
use super::rows::{col, corrupt};
use super::{BEGIN_SNAPSHOT, PgStore};
use crate::rules::audit::{self, HeadRow};

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

/// Chains and writes the queued entries, in order, under the chain's lock, and moves
/// the time mark to the latest entry's time.
pub(super) fn flush(conn: &mut Conn, key: &AuditKey) -> Result<(), StoreError> {
    let entries = std::mem::take(&mut conn.pending_audit);
    lock_chain(conn)?;
    let mut latest = i64::MIN;
    for entry in &entries {
        write_entry(conn, key, entry)?;
        latest = latest.max(entry.at);
    }
    advance_time(conn, latest)?;
    Ok(())
}

/// Writes one entry chained to the current head (the caller holds the chain's lock).
/// Where it goes and what it links to is [`audit::next_link`].
fn write_entry(conn: &mut Conn, key: &AuditKey, entry: &AuditEntry) -> Result<(), StoreError> {
    let last: Option<(i64, String)> = conn
        .opt(
            "read audit head",
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )?
        .map(|r| Ok::<_, StoreError>((col(&r, 0)?, col(&r, 1)?)))
        .transpose()?;
    // An unreadable head is no head: the append must still happen.
    let genuine = audit::genuine_head(key, read_head(conn).ok().flatten());
    let slot_free =
        match audit::slot_after_head(genuine.as_ref()).and_then(|s| i64::try_from(s).ok()) {
            Some(s) => conn
                .opt(
                    "read audit log",
                    "SELECT 1 FROM audit_log WHERE seq = $1",
                    &[&s],
                )?
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
    conn.exec(
        "append audit",
        "INSERT INTO audit_log (seq, at, actor, event, wallet_id, tx_id, details, prev_hash, hash, scheme)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            &seq_i,
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
    record_head(conn, key, seq, &hash)
}

fn record_head(conn: &mut Conn, key: &AuditKey, seq: u64, hash: &str) -> Result<(), StoreError> {
    let seq_i = i64::try_from(seq).map_err(|_| corrupt("audit_log", "seq out of range"))?;
    conn.exec(
        "record audit head",
        "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
        &[&seq_i, &hash, &head_mac(key, seq, hash)],
    )?;
    Ok(())
}

fn read_audit_records(
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
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let seq: i64 = col(r, 0)?;
        let wallet: Option<&str> = col(r, 4)?;
        let tx: Option<&str> = col(r, 5)?;
        let details: String = col(r, 6)?;
        let scheme: i64 = col(r, 9)?;
        // An edited id or details that no longer parse still load, so that verification
        // reports the row instead of failing to read it.
        let wallet_id = wallet.map(WalletId::parse);
        let tx_id = tx.map(TxId::parse);
        let parsed: Option<serde_json::Value> = serde_json::from_str(&details).ok();
        let canonical = audit::is_canonical(
            &details,
            parsed.as_ref(),
            !matches!(wallet_id, Some(Err(_))) && !matches!(tx_id, Some(Err(_))),
        );
        out.push(AuditRecord {
            seq: u64::try_from(seq).map_err(|_| corrupt("audit_log", "negative seq"))?,
            entry: AuditEntry {
                at: col(r, 1)?,
                actor: col(r, 2)?,
                event: col(r, 3)?,
                wallet_id: wallet_id.and_then(Result::ok),
                tx_id: tx_id.and_then(Result::ok),
                details: parsed.unwrap_or(serde_json::Value::String(details)),
            },
            prev_hash: col(r, 7)?,
            hash: audit::verifiable_hash(col(r, 8)?, canonical),
            scheme: audit::scheme_of(scheme),
        });
    }
    Ok(out)
}

fn read_head(conn: &mut Conn) -> Result<Option<HeadRow>, StoreError> {
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
/// keys the log if it was never keyed, as the SQLite backend does (see its
/// `key_legacy_log`): an intact unkeyed chain is re-chained under `key`, a broken one
/// is kept and a keyed [`CHAIN_KEYED_EVENT`] entry says where it breaks.
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
        let upgraded = AuditEntry::new(now, &Actor::System, "VAULT_FORMAT_UPGRADED")
            .details(serde_json::json!({ "from": 1, "to": 2 }));
        let records = read_audit_records(conn, 0, 0)?;
        let head = read_head(conn)?;
        let broken_at = match audit::legacy_verdict(&records, head.as_ref()) {
            audit::LegacyVerdict::NothingToKey => {
                append(conn, &upgraded);
                return Ok(());
            }
            audit::LegacyVerdict::Rechain => None,
            audit::LegacyVerdict::KeepBroken(at) => Some(at),
        };
        let legacy = u64::try_from(records.len()).unwrap_or(u64::MAX);
        let details = match broken_at {
            None => {
                let mut prev = GENESIS_HASH.to_owned();
                for r in &records {
                    let hash = entry_mac(key, r.seq, &prev, &r.entry);
                    conn.exec(
                        "re-chain audit log",
                        "UPDATE audit_log SET prev_hash = $1, hash = $2, scheme = $3 WHERE seq = $4",
                        &[
                            &prev,
                            &hash,
                            &AuditScheme::HmacSha256.as_i64(),
                            &i64::try_from(r.seq).unwrap_or(i64::MAX),
                        ],
                    )?;
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
            &AuditEntry::new(now, &Actor::System, CHAIN_KEYED_EVENT).details(details),
        );
        append(conn, &upgraded);
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
