//! Sessions (insert under the per-wallet cap, renewal compare-and-swap, revocation
//! with its cascade) and the session signing secrets.

use rusqlite::{Connection, Row, params};
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::{SessionId, WalletId};
use waiaas_core::session::Permission;
use waiaas_core::store::{
    AdmissionGate, RenewalCas, SealedBox, SessionInsert, SessionRecord, SessionSecretRecord,
};

use super::SqliteStore;
use super::audit::append;
use super::operations::SqliteRows;
use super::rows::{corrupt, db_err, text_col, to_i64, u_col};
use crate::operations::{CancelScope, cancel_in_flight};

pub(super) fn secret_from_row(row: &Row<'_>) -> Result<SessionSecretRecord, StoreError> {
    Ok(SessionSecretRecord {
        id: row.get(0).map_err(db_err("read session secret"))?,
        secret: SealedBox {
            nonce: row.get(1).map_err(db_err("read session secret"))?,
            ciphertext: row.get(2).map_err(db_err("read session secret"))?,
        },
        created_at: row.get(3).map_err(db_err("read session secret"))?,
        retired_at: row.get(4).map_err(db_err("read session secret"))?,
    })
}

pub(super) const SESSION_COLS: &str = "id, created_at, ttl_seconds, max_renewals, absolute_lifetime_seconds, \
    permissions, token_generation, token_issued_at, expires_at, renewal_count, revoked_at, label";

pub(super) fn session_from_row(
    row: &Row<'_>,
    wallet_ids: Vec<WalletId>,
) -> Result<SessionRecord, StoreError> {
    const T: &str = "sessions";
    let ttl: Option<i64> = row.get(2).map_err(db_err("read session"))?;
    let ttl_seconds = ttl
        .map(|v| u64::try_from(v).map_err(|_| corrupt(T, "negative ttl")))
        .transpose()?;
    Ok(SessionRecord {
        id: text_col(row, 0, T, |s| SessionId::parse(s).ok())?,
        wallet_ids,
        created_at: row.get(1).map_err(db_err("read session"))?,
        ttl_seconds,
        max_renewals: u_col(row, 3, T)?,
        absolute_lifetime_seconds: u_col(row, 4, T)?,
        permissions: text_col(row, 5, T, Permission::parse_list)?,
        token_generation: u_col(row, 6, T)?,
        token_issued_at: row.get(7).map_err(db_err("read session"))?,
        expires_at: row.get(8).map_err(db_err("read session"))?,
        renewal_count: u_col(row, 9, T)?,
        revoked_at: row.get(10).map_err(db_err("read session"))?,
        label: row.get(11).map_err(db_err("read session"))?,
    })
}

/// Session columns plus the linked wallet ids (comma-joined, sorted), in one statement.
pub(super) const SESSION_SELECT: &str = "SELECT id, created_at, ttl_seconds, max_renewals, absolute_lifetime_seconds, \
    permissions, token_generation, token_issued_at, expires_at, renewal_count, revoked_at, label, \
    (SELECT group_concat(wallet_id, ',') FROM \
        (SELECT wallet_id FROM session_wallets WHERE session_id = sessions.id ORDER BY wallet_id)) \
    FROM sessions";

pub(super) fn session_wallet_ids(row: &Row<'_>) -> Result<Vec<WalletId>, StoreError> {
    let joined: Option<String> = row.get(12).map_err(db_err("read session wallets"))?;
    joined
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            WalletId::parse(s).map_err(|_| corrupt("session_wallets", format!("wallet id `{s}`")))
        })
        .collect()
}

/// Runs a `SESSION_SELECT` query and decodes every row.
pub(super) fn load_sessions(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<SessionRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_err("read sessions"))?;
    let mut rows = stmt.query(params).map_err(db_err("read sessions"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_err("read sessions"))? {
        out.push(session_from_row(row, session_wallet_ids(row)?)?);
    }
    Ok(out)
}

pub(super) fn session_secret(
    store: &SqliteStore,
    id: &str,
) -> Result<Option<SessionSecretRecord>, StoreError> {
    let conn = store.reader()?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, nonce, ciphertext, created_at, retired_at FROM session_secrets WHERE id = ?1",
        )
        .map_err(db_err("read session secret"))?;
    let mut rows = stmt.query([id]).map_err(db_err("read session secret"))?;
    match rows.next().map_err(db_err("read session secret"))? {
        Some(row) => secret_from_row(row).map(Some),
        None => Ok(None),
    }
}

pub(super) fn current_session_secret(
    store: &SqliteStore,
) -> Result<Option<SessionSecretRecord>, StoreError> {
    current_secret(&*store.reader()?)
}

pub(super) fn ensure_session_secret(
    store: &SqliteStore,
    candidate: &SessionSecretRecord,
) -> Result<SessionSecretRecord, StoreError> {
    store.write("ensure session secret", |conn| {
        if let Some(existing) = current_secret(conn)? {
            return Ok(existing);
        }
        insert_secret(conn, candidate)?;
        Ok(candidate.clone())
    })
}

pub(super) fn rotate_session_secret(
    store: &SqliteStore,
    next: &SessionSecretRecord,
    now: i64,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    store.audited("rotate session secret", audit, |tx| {
        tx.execute(
            "UPDATE session_secrets SET retired_at = ?1 WHERE retired_at IS NULL",
            [now],
        )
        .map_err(db_err("rotate session secret"))?;
        insert_secret(tx, next)?;
        Ok(((), true))
    })
}

pub(super) fn insert_session(
    store: &SqliteStore,
    s: &SessionRecord,
    max_active_per_wallet: u32,
    now: i64,
    audit: &AuditEntry,
) -> Result<SessionInsert, StoreError> {
    store.audited("insert session", audit, |tx| {
    for wallet in &s.wallet_ids {
        let exists: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM wallets WHERE id = ?1)",
                [wallet.to_string()],
                |r| r.get(0),
            )
            .map_err(db_err("insert session"))?;
        if !exists {
            return Ok((SessionInsert::UnknownWallet(*wallet), false));
        }
        let active: u32 = tx
            .query_row(
                "SELECT COUNT(*) FROM session_wallets sw JOIN sessions s ON s.id = sw.session_id
                 WHERE sw.wallet_id = ?1 AND s.revoked_at IS NULL
                   AND (s.expires_at IS NULL OR s.expires_at > ?2)
                   AND (s.absolute_lifetime_seconds = 0 OR s.created_at + s.absolute_lifetime_seconds > ?2)",
                params![wallet.to_string(), now],
                |r| r.get(0),
            )
            .map_err(db_err("count active sessions"))?;
        if active >= max_active_per_wallet {
            return Ok((SessionInsert::WalletAtCap(*wallet), false));
        }
    }
    let id = s.id.to_string();
    tx.execute(
        &format!(
            "INSERT INTO sessions ({SESSION_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ),
        params![
            id,
            s.created_at,
            s.ttl_seconds.map(|t| to_i64(t, "insert session")).transpose()?,
            s.max_renewals,
            to_i64(s.absolute_lifetime_seconds, "insert session")?,
            Permission::format_list(&s.permissions),
            to_i64(s.token_generation, "insert session")?,
            s.token_issued_at,
            s.expires_at,
            s.renewal_count,
            s.revoked_at,
            s.label
        ],
    )
    .map_err(db_err("insert session"))?;
    for wallet in &s.wallet_ids {
        tx.execute(
            "INSERT INTO session_wallets (session_id, wallet_id) VALUES (?1, ?2)",
            params![id, wallet.to_string()],
        )
        .map_err(db_err("link session wallet"))?;
    }
    Ok((SessionInsert::Inserted, true))
    })
}

pub(super) fn session(
    store: &SqliteStore,
    id: SessionId,
) -> Result<Option<SessionRecord>, StoreError> {
    let conn = store.reader()?;
    let id = id.to_string();
    Ok(load_sessions(&conn, &format!("{SESSION_SELECT} WHERE id = ?1"), &[&id])?.pop())
}

pub(super) fn sessions(
    store: &SqliteStore,
    wallet: Option<WalletId>,
) -> Result<Vec<SessionRecord>, StoreError> {
    let conn = store.reader()?;
    match wallet {
        Some(w) => load_sessions(
            &conn,
            &format!(
                "{SESSION_SELECT} WHERE id IN
                 (SELECT session_id FROM session_wallets WHERE wallet_id = ?1) ORDER BY id"
            ),
            &[&w.to_string()],
        ),
        None => load_sessions(&conn, &format!("{SESSION_SELECT} ORDER BY id"), &[]),
    }
}

pub(super) fn renew_session(
    store: &SqliteStore,
    cas: &RenewalCas,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("renew session", audit, |conn| {
        let n = conn
            .prepare_cached(
                "UPDATE sessions SET token_generation = token_generation + 1,
                 renewal_count = renewal_count + 1, token_issued_at = ?1, expires_at = ?2
             WHERE id = ?3 AND token_generation = ?4 AND renewal_count = ?5 AND revoked_at IS NULL",
            )
            .and_then(|mut s| {
                s.execute(params![
                    cas.issued_at,
                    cas.expires_at,
                    cas.id.to_string(),
                    i64::try_from(cas.expected_generation).unwrap_or(-1),
                    cas.expected_renewal_count
                ])
            })
            .map_err(db_err("renew session"))?;
        Ok((n == 1, n == 1))
    })
}

pub(super) fn revoke_session(
    store: &SqliteStore,
    id: SessionId,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    let key = store.audit_key()?;
    store.write("revoke session", |conn| {
        let n = conn
            .execute(
                "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![now, id.to_string()],
            )
            .map_err(db_err("revoke session"))?;
        if n != 1 {
            return Ok(false);
        }
        append(conn, &key, audit)?;
        cancel_in_flight(
            &mut SqliteRows::new(store, conn, Some(&key)),
            CancelScope::Session(id),
            AdmissionGate::SessionRevoked,
            now,
            audit,
        )?;
        Ok(true)
    })
}

pub(super) fn revoke_all_sessions(
    store: &SqliteStore,
    now: i64,
    audit: &AuditEntry,
) -> Result<u64, StoreError> {
    let key = store.audit_key()?;
    store.write("revoke all sessions", |conn| {
        let n = conn
            .execute(
                "UPDATE sessions SET revoked_at = ?1 WHERE revoked_at IS NULL",
                [now],
            )
            .map_err(db_err("revoke all sessions"))?;
        append(conn, &key, audit)?;
        cancel_in_flight(
            &mut SqliteRows::new(store, conn, Some(&key)),
            CancelScope::RevokedSessions,
            AdmissionGate::SessionRevoked,
            now,
            audit,
        )?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    })
}

pub(super) fn current_secret(conn: &Connection) -> Result<Option<SessionSecretRecord>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, nonce, ciphertext, created_at, retired_at FROM session_secrets
             WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .map_err(db_err("read current session secret"))?;
    let mut rows = stmt
        .query([])
        .map_err(db_err("read current session secret"))?;
    match rows.next().map_err(db_err("read current session secret"))? {
        Some(row) => secret_from_row(row).map(Some),
        None => Ok(None),
    }
}

pub(super) fn insert_secret(conn: &Connection, s: &SessionSecretRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO session_secrets (id, nonce, ciphertext, created_at, retired_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![s.id, s.secret.nonce, s.secret.ciphertext, s.created_at, s.retired_at],
    )
    .map_err(db_err("insert session secret"))?;
    Ok(())
}
