//! Policy rows, the policy epoch and the process's policy cache it invalidates.

use std::sync::Arc;

use postgres::Row;
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::{PolicyId, WalletId};
use waiaas_core::policy::{PolicyFilter, PolicyRecord};

use super::PgStore;
use super::pool::Conn;
use super::rows::{clamp_i64, col, corrupt, json_err};

const POLICY_COLS: &str =
    "id, wallet_id, network, type, rules, priority, enabled, revision, created_at, updated_at";

fn policy_from_row(row: &Row) -> Result<PolicyRecord, StoreError> {
    const T: &str = "policies";
    let id: &str = col(row, 0)?;
    let wallet: Option<&str> = col(row, 1)?;
    let network: Option<&str> = col(row, 2)?;
    let ty: &str = col(row, 3)?;
    let rules_text: String = col(row, 4)?;
    // Rules that are not JSON still load (as a string) so the policy can be listed and
    // deleted; the engine denies while such a policy applies.
    let rules = serde_json::from_str(&rules_text).unwrap_or(serde_json::Value::String(rules_text));
    let revision: i64 = col(row, 7)?;
    Ok(PolicyRecord {
        id: PolicyId::parse(id).map_err(|_| corrupt(T, format!("policy id `{id}`")))?,
        wallet_id: wallet
            .map(|w| WalletId::parse(w).map_err(|_| corrupt(T, format!("wallet id `{w}`"))))
            .transpose()?,
        network: network
            .map(|n| n.parse().map_err(|_| corrupt(T, format!("network `{n}`"))))
            .transpose()?,
        policy_type: ty
            .parse()
            .map_err(|_| corrupt(T, format!("policy type `{ty}`")))?,
        rules,
        priority: col(row, 5)?,
        enabled: col(row, 6)?,
        revision: u64::try_from(revision).map_err(|_| corrupt(T, "negative revision"))?,
        created_at: col(row, 8)?,
        updated_at: col(row, 9)?,
    })
}

fn bump_epoch(conn: &mut Conn) -> Result<(), StoreError> {
    conn.exec(
        "bump policy epoch",
        "UPDATE policy_epoch SET epoch = epoch + 1 WHERE id = 1",
        &[],
    )?;
    Ok(())
}

pub(super) fn insert_policy(
    store: &PgStore,
    p: &PolicyRecord,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    let rules = serde_json::to_string(&p.rules).map_err(json_err("policies"))?;
    store.audited("insert policy", audit, |conn| {
        conn.exec(
            "insert policy",
            &format!(
                "INSERT INTO policies ({POLICY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ),
            &[
                &p.id.to_string(),
                &p.wallet_id.map(|w| w.to_string()),
                &p.network.map(|n| n.as_str()),
                &p.policy_type.as_str(),
                &rules,
                &p.priority,
                &p.enabled,
                &clamp_i64(p.revision.max(1)),
                &p.created_at,
                &p.updated_at,
            ],
        )?;
        bump_epoch(conn)?;
        Ok(((), true))
    })
}

pub(super) fn update_policy(
    store: &PgStore,
    p: &PolicyRecord,
    audit: &AuditEntry,
) -> Result<Option<PolicyRecord>, StoreError> {
    let rules = serde_json::to_string(&p.rules).map_err(json_err("policies"))?;
    store.audited("update policy", audit, |conn| {
        let n = conn.exec(
            "update policy",
            "UPDATE policies SET wallet_id = $1, network = $2, type = $3, rules = $4,
                 priority = $5, enabled = $6, revision = revision + 1, updated_at = $7
             WHERE id = $8",
            &[
                &p.wallet_id.map(|w| w.to_string()),
                &p.network.map(|n| n.as_str()),
                &p.policy_type.as_str(),
                &rules,
                &p.priority,
                &p.enabled,
                &p.updated_at,
                &p.id.to_string(),
            ],
        )?;
        if n == 0 {
            return Ok((None, false));
        }
        bump_epoch(conn)?;
        let out = policy_row(conn, p.id)?;
        Ok((out, true))
    })
}

pub(super) fn delete_policy(
    store: &PgStore,
    id: PolicyId,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("delete policy", audit, |conn| {
        let n = conn.exec(
            "delete policy",
            "DELETE FROM policies WHERE id = $1",
            &[&id.to_string()],
        )?;
        if n > 0 {
            bump_epoch(conn)?;
        }
        Ok((n > 0, n > 0))
    })
}

fn policy_row(conn: &mut Conn, id: PolicyId) -> Result<Option<PolicyRecord>, StoreError> {
    conn.opt(
        "read policy",
        &format!("SELECT {POLICY_COLS} FROM policies WHERE id = $1"),
        &[&id.to_string()],
    )?
    .map(|r| policy_from_row(&r))
    .transpose()
}

pub(super) fn policy(store: &PgStore, id: PolicyId) -> Result<Option<PolicyRecord>, StoreError> {
    store.read(|conn| policy_row(conn, id))
}

fn policy_rows(conn: &mut Conn, filter: PolicyFilter) -> Result<Vec<PolicyRecord>, StoreError> {
    let base = format!("SELECT {POLICY_COLS} FROM policies");
    let rows = match filter {
        PolicyFilter::All => conn.query(
            "list policies",
            &format!("{base} ORDER BY created_at, id"),
            &[],
        )?,
        PolicyFilter::Global => conn.query(
            "list policies",
            &format!("{base} WHERE wallet_id IS NULL ORDER BY created_at, id"),
            &[],
        )?,
        PolicyFilter::Wallet(w) => conn.query(
            "list policies",
            &format!("{base} WHERE wallet_id = $1 ORDER BY created_at, id"),
            &[&w.to_string()],
        )?,
        PolicyFilter::ApplicableTo(w) => conn.query(
            "list policies",
            &format!("{base} WHERE wallet_id = $1 OR wallet_id IS NULL ORDER BY created_at, id"),
            &[&w.to_string()],
        )?,
    };
    rows.iter().map(policy_from_row).collect()
}

pub(super) fn policies(
    store: &PgStore,
    filter: PolicyFilter,
) -> Result<Vec<PolicyRecord>, StoreError> {
    store.read(|conn| policy_rows(conn, filter))
}

/// The policies that can apply to `wallet` at the stored policy epoch (read in the
/// caller's transaction, so an edit committed on any host is seen), through the
/// process's cache. The cache is held only while it is consulted or reloaded.
pub(super) fn applicable(
    store: &PgStore,
    conn: &mut Conn,
    wallet: WalletId,
) -> Result<Arc<[PolicyRecord]>, StoreError> {
    let epoch: i64 = col(
        &conn.one(
            "read policy epoch",
            "SELECT epoch FROM policy_epoch WHERE id = 1",
            &[],
        )?,
        0,
    )?;
    store
        .policy_cache()
        .applicable(epoch, wallet, || policy_rows(conn, PolicyFilter::All))
}
