//! Policy rows, the policy epoch and the per-process policy cache it invalidates.

use std::sync::Arc;

use rusqlite::{Connection, Row, params};
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::{PolicyId, WalletId};
use waiaas_core::policy::{PolicyFilter, PolicyRecord};

use crate::policy_cache::PolicyCache;

use super::SqliteStore;
use super::rows::{clamp_i64, corrupt, db_err, json_err};

pub(super) fn insert_policy(
    store: &SqliteStore,
    policy: &PolicyRecord,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    store.audited("insert policy", audit, |tx| {
        insert_row(tx, policy)?;
        Ok(((), true))
    })
}

pub(super) fn update_policy(
    store: &SqliteStore,
    policy: &PolicyRecord,
    audit: &AuditEntry,
) -> Result<Option<PolicyRecord>, StoreError> {
    store.audited("update policy", audit, |tx| {
        let out = update_row(tx, policy)?;
        let changed = out.is_some();
        Ok((out, changed))
    })
}

pub(super) fn delete_policy(
    store: &SqliteStore,
    id: PolicyId,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("delete policy", audit, |tx| {
        let out = delete_row(tx, id)?;
        Ok((out, out))
    })
}

pub(super) fn policy(
    store: &SqliteStore,
    id: PolicyId,
) -> Result<Option<PolicyRecord>, StoreError> {
    policy_row(&*store.reader()?, id)
}

pub(super) fn policies(
    store: &SqliteStore,
    filter: PolicyFilter,
) -> Result<Vec<PolicyRecord>, StoreError> {
    policy_rows(&*store.reader()?, filter)
}

pub(super) const POLICY_COLS: &str =
    "id, wallet_id, network, type, rules, priority, enabled, revision, created_at, updated_at";

pub(super) fn policy_from_row(row: &Row<'_>) -> Result<PolicyRecord, StoreError> {
    const T: &str = "policies";
    let get =
        |i: usize| -> Result<String, StoreError> { row.get(i).map_err(db_err("read policy")) };
    let id = get(0)?;
    let wallet: Option<String> = row.get(1).map_err(db_err("read policy"))?;
    let network: Option<String> = row.get(2).map_err(db_err("read policy"))?;
    let ty = get(3)?;
    let rules_text = get(4)?;
    // Rules that are not JSON still load (as a string) so the policy can be listed and
    // deleted; the engine denies while such a policy applies.
    let rules = serde_json::from_str(&rules_text).unwrap_or(serde_json::Value::String(rules_text));
    let revision: i64 = row.get(7).map_err(db_err("read policy"))?;
    Ok(PolicyRecord {
        id: PolicyId::parse(&id).map_err(|_| corrupt(T, format!("policy id `{id}`")))?,
        wallet_id: wallet
            .map(|w| WalletId::parse(&w).map_err(|_| corrupt(T, format!("wallet id `{w}`"))))
            .transpose()?,
        network: network
            .map(|n| n.parse().map_err(|_| corrupt(T, format!("network `{n}`"))))
            .transpose()?,
        policy_type: ty
            .parse()
            .map_err(|_| corrupt(T, format!("policy type `{ty}`")))?,
        rules,
        priority: row.get(5).map_err(db_err("read policy"))?,
        enabled: row.get(6).map_err(db_err("read policy"))?,
        revision: u64::try_from(revision).map_err(|_| corrupt(T, "negative revision"))?,
        created_at: row.get(8).map_err(db_err("read policy"))?,
        updated_at: row.get(9).map_err(db_err("read policy"))?,
    })
}

pub(super) fn bump_epoch(conn: &Connection) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE policy_epoch SET epoch = epoch + 1 WHERE id = 1")
        .and_then(|mut s| s.execute([]))
        .map_err(db_err("bump policy epoch"))?;
    Ok(())
}

pub(super) fn insert_row(conn: &Connection, p: &PolicyRecord) -> Result<(), StoreError> {
    let rules = serde_json::to_string(&p.rules).map_err(json_err("policies"))?;
    conn.prepare_cached(&format!(
        "INSERT INTO policies ({POLICY_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    ))
    .and_then(|mut s| {
        s.execute(params![
            p.id.to_string(),
            p.wallet_id.map(|w| w.to_string()),
            p.network.map(|n| n.as_str()),
            p.policy_type.as_str(),
            rules,
            p.priority,
            p.enabled,
            clamp_i64(p.revision.max(1)),
            p.created_at,
            p.updated_at
        ])
    })
    .map_err(db_err("insert policy"))?;
    bump_epoch(conn)
}

pub(super) fn update_row(
    conn: &Connection,
    p: &PolicyRecord,
) -> Result<Option<PolicyRecord>, StoreError> {
    let rules = serde_json::to_string(&p.rules).map_err(json_err("policies"))?;
    let n = conn
        .prepare_cached(
            "UPDATE policies SET wallet_id = ?1, network = ?2, type = ?3, rules = ?4,
                 priority = ?5, enabled = ?6, revision = revision + 1, updated_at = ?7
             WHERE id = ?8",
        )
        .and_then(|mut s| {
            s.execute(params![
                p.wallet_id.map(|w| w.to_string()),
                p.network.map(|n| n.as_str()),
                p.policy_type.as_str(),
                rules,
                p.priority,
                p.enabled,
                p.updated_at,
                p.id.to_string()
            ])
        })
        .map_err(db_err("update policy"))?;
    if n == 0 {
        return Ok(None);
    }
    bump_epoch(conn)?;
    policy_row(conn, p.id)
}

pub(super) fn delete_row(conn: &Connection, id: PolicyId) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached("DELETE FROM policies WHERE id = ?1")
        .and_then(|mut s| s.execute([id.to_string()]))
        .map_err(db_err("delete policy"))?;
    if n > 0 {
        bump_epoch(conn)?;
    }
    Ok(n > 0)
}

pub(super) fn policy_row(
    conn: &Connection,
    id: PolicyId,
) -> Result<Option<PolicyRecord>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {POLICY_COLS} FROM policies WHERE id = ?1"))
        .map_err(db_err("read policy"))?;
    let mut rows = stmt
        .query([id.to_string()])
        .map_err(db_err("read policy"))?;
    match rows.next().map_err(db_err("read policy"))? {
        Some(row) => policy_from_row(row).map(Some),
        None => Ok(None),
    }
}

pub(super) fn policy_rows(
    conn: &Connection,
    filter: PolicyFilter,
) -> Result<Vec<PolicyRecord>, StoreError> {
    let base = format!("SELECT {POLICY_COLS} FROM policies");
    let (sql, arg): (String, Option<String>) = match filter {
        PolicyFilter::All => (format!("{base} ORDER BY created_at, id"), None),
        PolicyFilter::Global => (
            format!("{base} WHERE wallet_id IS NULL ORDER BY created_at, id"),
            None,
        ),
        PolicyFilter::Wallet(w) => (
            format!("{base} WHERE wallet_id = ?1 ORDER BY created_at, id"),
            Some(w.to_string()),
        ),
        PolicyFilter::ApplicableTo(w) => (
            format!("{base} WHERE wallet_id = ?1 OR wallet_id IS NULL ORDER BY created_at, id"),
            Some(w.to_string()),
        ),
    };
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err("list policies"))?;
    let mut rows = match &arg {
        Some(a) => stmt.query([a]),
        None => stmt.query([]),
    }
    .map_err(db_err("list policies"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_err("list policies"))? {
        out.push(policy_from_row(row)?);
    }
    Ok(out)
}

/// The policies that can apply to `wallet` at the stored policy epoch, through the
/// process's cache.
pub(super) fn applicable(
    cache: &mut PolicyCache,
    conn: &Connection,
    wallet: WalletId,
) -> Result<Arc<[PolicyRecord]>, StoreError> {
    let epoch: i64 = conn
        .prepare_cached("SELECT epoch FROM policy_epoch WHERE id = 1")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(db_err("read policy epoch"))?;
    cache.applicable(epoch, wallet, || policy_rows(conn, PolicyFilter::All))
}
