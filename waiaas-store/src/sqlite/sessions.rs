//! Sessions (insert under the per-wallet cap, renewal compare-and-swap, revocation
//! with its cascade) and the session signing secrets.

use rusqlite::{Connection, Row, params};
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::{SessionId, WalletId};
use waiaas_core::session::Permission;
use waiaas_core::store::{
    AdmissionGate, LinkedSession, RenewalCas, SealedBox, SessionAccess, SessionCheck,
    SessionInsert, SessionRecord, SessionSecretRecord,
};

use super::SqliteStore;
use super::audit::append;
use super::clock::read_mark;
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

pub(super) const SESSION_COLS: &str = session_columns!();

/// The session row from the first 12 columns (`SESSION_COLS`).
pub(super) fn session_from_row(row: &Row<'_>) -> Result<SessionRecord, StoreError> {
    const T: &str = "sessions";
    let ttl: Option<i64> = row.get(2).map_err(db_err("read session"))?;
    let ttl_seconds = ttl
        .map(|v| u64::try_from(v).map_err(|_| corrupt(T, "negative ttl")))
        .transpose()?;
    Ok(SessionRecord {
        id: text_col(row, 0, T, |s| SessionId::parse(s).ok())?,
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

/// Session columns plus every linked wallet id (comma-joined, sorted): O(wallets of
/// the session), so only for listings, never on a request's path.
const SESSION_LIST_SELECT: &str = concat!(
    "SELECT ",
    session_columns!(),
    ", (SELECT group_concat(wallet_id, ',') FROM \
     (SELECT wallet_id FROM session_wallets WHERE session_id = sessions.id ORDER BY wallet_id)) \
     FROM sessions"
);

/// Session columns plus the link to the wallet `?2`, looked up in the primary key
/// `(session_id, wallet_id)`: one index probe whatever the session's size.
const SESSION_WITH_WALLET: &str = concat!(
    "SELECT ",
    session_columns!(),
    ", (SELECT wallet_id FROM session_wallets WHERE session_id = sessions.id AND wallet_id = ?2) \
     FROM sessions WHERE id = ?1"
);

/// Session columns plus its only wallet (NULL unless it has exactly one): at most two
/// index entries are read, whatever the session's size.
const SESSION_WITH_SOLE_WALLET: &str = concat!(
    "SELECT ",
    session_columns!(),
    ", (SELECT CASE WHEN COUNT(*) = 1 THEN MAX(wallet_id) END FROM \
     (SELECT wallet_id FROM session_wallets WHERE session_id = sessions.id LIMIT 2) AS linked) \
     FROM sessions WHERE id = ?1"
);

fn parse_wallet_id(s: &str) -> Result<WalletId, StoreError> {
    WalletId::parse(s).map_err(|_| corrupt("session_wallets", format!("wallet id `{s}`")))
}

fn session_wallet_ids(row: &Row<'_>) -> Result<Vec<WalletId>, StoreError> {
    let joined: Option<String> = row.get(12).map_err(db_err("read session wallets"))?;
    joined
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(parse_wallet_id)
        .collect()
}

/// Runs a `SESSION_LIST_SELECT` query and decodes every row.
fn load_sessions(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<LinkedSession>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_err("read sessions"))?;
    let mut rows = stmt.query(params).map_err(db_err("read sessions"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_err("read sessions"))? {
        out.push(LinkedSession {
            record: session_from_row(row)?,
            wallet_ids: session_wallet_ids(row)?,
        });
    }
    Ok(out)
}

fn secret_by_id(conn: &Connection, id: &str) -> Result<Option<SessionSecretRecord>, StoreError> {
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
    wallet_ids: &[WalletId],
    max_active_per_wallet: u32,
    now: i64,
    audit: &AuditEntry,
) -> Result<SessionInsert, StoreError> {
    store.audited("insert session", audit, |tx| {
    for wallet in wallet_ids {
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
    for wallet in wallet_ids {
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
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE id = ?1"
        ))
        .map_err(db_err("read session"))?;
    let mut rows = stmt
        .query([id.to_string()])
        .map_err(db_err("read session"))?;
    match rows.next().map_err(db_err("read session"))? {
        Some(row) => session_from_row(row).map(Some),
        None => Ok(None),
    }
}

pub(super) fn session_check(
    store: &SqliteStore,
    kid: &str,
    session: Option<SessionId>,
    wallet: Option<WalletId>,
) -> Result<SessionCheck, StoreError> {
    store.reader()?.snapshot(|conn| {
        let access = session
            .map(|id| session_access(conn, id, wallet))
            .transpose()?
            .flatten();
        Ok(SessionCheck {
            secret: secret_by_id(conn, kid)?,
            access,
            mark: read_mark(conn)?,
        })
    })
}

fn session_access(
    conn: &Connection,
    id: SessionId,
    wallet: Option<WalletId>,
) -> Result<Option<SessionAccess>, StoreError> {
    let id = id.to_string();
    let wallet = wallet.map(|w| w.to_string());
    let (sql, params): (&str, Vec<&dyn rusqlite::ToSql>) = match &wallet {
        Some(w) => (SESSION_WITH_WALLET, vec![&id, w]),
        None => (SESSION_WITH_SOLE_WALLET, vec![&id]),
    };
    let mut stmt = conn.prepare_cached(sql).map_err(db_err("read session"))?;
    let mut rows = stmt
        .query(params.as_slice())
        .map_err(db_err("read session"))?;
    let Some(row) = rows.next().map_err(db_err("read session"))? else {
        return Ok(None);
    };
    let linked: Option<String> = row.get(12).map_err(db_err("read session wallets"))?;
    Ok(Some(SessionAccess {
        record: session_from_row(row)?,
        wallet: linked.as_deref().map(parse_wallet_id).transpose()?,
    }))
}

pub(super) fn session_wallets(
    store: &SqliteStore,
    id: SessionId,
) -> Result<Vec<WalletId>, StoreError> {
    let conn = store.reader()?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT wallet_id FROM session_wallets WHERE session_id = ?1 ORDER BY wallet_id",
        )
        .map_err(db_err("read session wallets"))?;
    let mut rows = stmt
        .query([id.to_string()])
        .map_err(db_err("read session wallets"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_err("read session wallets"))? {
        let wallet: String = row.get(0).map_err(db_err("read session wallets"))?;
        out.push(parse_wallet_id(&wallet)?);
    }
    Ok(out)
}

pub(super) fn sessions(
    store: &SqliteStore,
    wallet: Option<WalletId>,
) -> Result<Vec<LinkedSession>, StoreError> {
    let conn = store.reader()?;
    match wallet {
        Some(w) => load_sessions(
            &conn,
            &format!(
                "{SESSION_LIST_SELECT} WHERE id IN
                 (SELECT session_id FROM session_wallets WHERE wallet_id = ?1) ORDER BY id"
            ),
            &[&w.to_string()],
        ),
        None => load_sessions(&conn, &format!("{SESSION_LIST_SELECT} ORDER BY id"), &[]),
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

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, StatementStatus, params};
    use waiaas_core::ids::{SessionId, WalletId};

    use super::{SESSION_LIST_SELECT, SESSION_WITH_SOLE_WALLET, SESSION_WITH_WALLET};
    use crate::sqlite::{SqliteStore, StoreOptions};

    /// A session linked to `n` wallets, written behind the store's back (no wallet rows:
    /// foreign keys are off on this connection). Returns its id and a linked wallet.
    fn session_with(conn: &Connection, n: usize) -> (String, String) {
        let id = SessionId::new().to_string();
        conn.execute(
            "INSERT INTO sessions (id, created_at, max_renewals, absolute_lifetime_seconds,
             permissions, token_generation, token_issued_at) VALUES (?1, 0, 0, 0, 'TRANSACTION', 1, 0)",
            [&id],
        )
        .unwrap();
        let wallets: Vec<String> = (0..n).map(|_| WalletId::new().to_string()).collect();
        for w in &wallets {
            conn.execute(
                "INSERT INTO session_wallets (session_id, wallet_id) VALUES (?1, ?2)",
                params![id, w],
            )
            .unwrap();
        }
        (id, wallets[n / 2].clone())
    }

    /// Virtual-machine steps SQLite takes to run `sql` to the end.
    fn steps(conn: &Connection, sql: &str, params: &[&str]) -> i32 {
        let mut stmt = conn.prepare(sql).unwrap();
        let params = params.iter().take(stmt.parameter_count());
        let mut rows = stmt.query(rusqlite::params_from_iter(params)).unwrap();
        while rows.next().unwrap().is_some() {}
        drop(rows);
        stmt.get_status(StatementStatus::VmStep)
    }

    /// The per-request reads cost the same for a session of 2 wallets and one of 2 000:
    /// the link is found in the primary key `(session_id, wallet_id)` and the sole-wallet
    /// check reads at most two links. The listing, which returns them all, does not.
    #[test]
    fn a_request_costs_the_same_whatever_the_wallets_in_its_session() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(SqliteStore::open(&path, &StoreOptions::default()).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA foreign_keys = OFF; BEGIN")
            .unwrap();
        let (small, small_wallet) = session_with(&conn, 2);
        let (large, large_wallet) = session_with(&conn, 2_000);
        conn.execute_batch("COMMIT").unwrap();
        let link = |id: &str, w: &str| steps(&conn, SESSION_WITH_WALLET, &[id, w]);
        assert_eq!(link(&small, &small_wallet), link(&large, &large_wallet));
        assert_eq!(link(&small, "absent"), link(&large, "absent"));
        let sole = |id: &str| steps(&conn, SESSION_WITH_SOLE_WALLET, &[id]);
        assert_eq!(sole(&small), sole(&large));
        let listing = |id: &str| {
            steps(
                &conn,
                &format!("{SESSION_LIST_SELECT} WHERE id = ?1"),
                &[id],
            )
        };
        assert!(
            listing(&large) > listing(&small) * 100,
            "the measure sees a read of the whole list"
        );
    }
}
