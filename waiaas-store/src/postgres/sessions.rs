//! Sessions (insert under the per-wallet cap, renewal compare-and-swap, revocation
//! with its cascade) and the session signing secrets.

use postgres::Row;
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::{SessionId, WalletId};
use waiaas_core::session::Permission;
use waiaas_core::store::{
    AdmissionGate, LinkedSession, RenewalCas, SealedBox, SessionAccess, SessionCheck,
    SessionInsert, SessionRecord, SessionSecretRecord,
};

use super::PgStore;
use super::audit::append;
use super::clock::read_mark;
use super::locks::{lock_all_wallets, lock_wallets};
use super::operations::PgRows;
use super::pool::Conn;
use super::rows::{col, corrupt, text_col, to_i64, u_col};
use crate::operations::{CancelScope, cancel_in_flight};

const SECRET_COLS: &str = "id, nonce, ciphertext, created_at, retired_at";

fn secret_from_row(row: &Row) -> Result<SessionSecretRecord, StoreError> {
    Ok(SessionSecretRecord {
        id: col(row, 0)?,
        secret: SealedBox {
            nonce: col(row, 1)?,
            ciphertext: col(row, 2)?,
        },
        created_at: col(row, 3)?,
        retired_at: col(row, 4)?,
    })
}

const SESSION_COLS: &str = session_columns!();

/// Session columns plus every linked wallet id (sorted): O(wallets of the session), so
/// only for listings, never on a request's path.
const SESSION_LIST_SELECT: &str = concat!(
    "SELECT ",
    session_columns!(),
    ", ARRAY(SELECT wallet_id FROM session_wallets WHERE session_id = sessions.id \
     ORDER BY wallet_id) FROM sessions"
);

/// Session columns plus the link to the wallet `$2`, looked up in the primary key
/// `(session_id, wallet_id)`: one index probe whatever the session's size.
const SESSION_WITH_WALLET: &str = concat!(
    "SELECT ",
    session_columns!(),
    ", (SELECT wallet_id FROM session_wallets WHERE session_id = sessions.id AND wallet_id = $2) \
     FROM sessions WHERE id = $1"
);

/// Session columns plus its only wallet (NULL unless it has exactly one): at most two
/// index entries are read, whatever the session's size.
const SESSION_WITH_SOLE_WALLET: &str = concat!(
    "SELECT ",
    session_columns!(),
    ", (SELECT CASE WHEN COUNT(*) = 1 THEN MAX(wallet_id) END FROM \
     (SELECT wallet_id FROM session_wallets WHERE session_id = sessions.id LIMIT 2) AS linked) \
     FROM sessions WHERE id = $1"
);

fn parse_wallet_id(s: &str) -> Result<WalletId, StoreError> {
    WalletId::parse(s).map_err(|_| corrupt("session_wallets", format!("wallet id `{s}`")))
}

/// The session row from the first 12 columns (`SESSION_COLS`).
fn session_from_row(row: &Row) -> Result<SessionRecord, StoreError> {
    const T: &str = "sessions";
    let ttl: Option<i64> = col(row, 2)?;
    let ttl_seconds = ttl
        .map(|v| u64::try_from(v).map_err(|_| corrupt(T, "negative ttl")))
        .transpose()?;
    Ok(SessionRecord {
        id: text_col(row, 0, T, |s| SessionId::parse(s).ok())?,
        created_at: col(row, 1)?,
        ttl_seconds,
        max_renewals: u_col(row, 3, T)?,
        absolute_lifetime_seconds: u_col(row, 4, T)?,
        permissions: text_col(row, 5, T, Permission::parse_list)?,
        token_generation: u_col(row, 6, T)?,
        token_issued_at: col(row, 7)?,
        expires_at: col(row, 8)?,
        renewal_count: u_col(row, 9, T)?,
        revoked_at: col(row, 10)?,
        label: col(row, 11)?,
    })
}

fn secret_by_id(conn: &mut Conn, id: &str) -> Result<Option<SessionSecretRecord>, StoreError> {
    conn.opt(
        "read session secret",
        &format!("SELECT {SECRET_COLS} FROM session_secrets WHERE id = $1"),
        &[&id],
    )?
    .map(|r| secret_from_row(&r))
    .transpose()
}

fn current_secret(conn: &mut Conn) -> Result<Option<SessionSecretRecord>, StoreError> {
    conn.opt(
        "read current session secret",
        &format!(
            "SELECT {SECRET_COLS} FROM session_secrets
             WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1"
        ),
        &[],
    )?
    .map(|r| secret_from_row(&r))
    .transpose()
}

pub(super) fn current_session_secret(
    store: &PgStore,
) -> Result<Option<SessionSecretRecord>, StoreError> {
    store.read(current_secret)
}

fn insert_secret(
    conn: &mut Conn,
    s: &SessionSecretRecord,
    if_none_current: bool,
) -> Result<(), StoreError> {
    // `session_secrets_current` admits one current secret: a host that lost the race
    // to store the first one keeps the winner's.
    let sql = if if_none_current {
        "INSERT INTO session_secrets (id, nonce, ciphertext, created_at, retired_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
    } else {
        "INSERT INTO session_secrets (id, nonce, ciphertext, created_at, retired_at)
         VALUES ($1, $2, $3, $4, $5)"
    };
    conn.exec(
        "insert session secret",
        sql,
        &[
            &s.id,
            &s.secret.nonce,
            &s.secret.ciphertext,
            &s.created_at,
            &s.retired_at,
        ],
    )?;
    Ok(())
}

pub(super) fn ensure_session_secret(
    store: &PgStore,
    candidate: &SessionSecretRecord,
) -> Result<SessionSecretRecord, StoreError> {
    store.write("ensure session secret", None, |conn| {
        if let Some(existing) = current_secret(conn)? {
            return Ok(existing);
        }
        insert_secret(conn, candidate, true)?;
        current_secret(conn)?.ok_or_else(|| corrupt("session_secrets", "no current secret"))
    })
}

pub(super) fn rotate_session_secret(
    store: &PgStore,
    next: &SessionSecretRecord,
    now: i64,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    store.audited("rotate session secret", audit, |conn| {
        conn.exec(
            "rotate session secret",
            "UPDATE session_secrets SET retired_at = $1 WHERE retired_at IS NULL",
            &[&now],
        )?;
        insert_secret(conn, next, false)?;
        Ok(((), true))
    })
}

pub(super) fn insert_session(
    store: &PgStore,
    s: &SessionRecord,
    wallet_ids: &[WalletId],
    max_active_per_wallet: u32,
    now: i64,
    audit: &AuditEntry,
) -> Result<SessionInsert, StoreError> {
    store.audited("insert session", audit, |conn| {
        // Sessions inserted at once for one wallet on several hosts count each other.
        lock_wallets(conn, wallet_ids)?;
        for wallet in wallet_ids {
            let w = wallet.to_string();
            let exists: bool = col(
                &conn.one(
                    "insert session",
                    "SELECT EXISTS (SELECT 1 FROM wallets WHERE id = $1)",
                    &[&w],
                )?,
                0,
            )?;
            if !exists {
                return Ok((SessionInsert::UnknownWallet(*wallet), false));
            }
            let active: i64 = col(
                &conn.one(
                    "count active sessions",
                    "SELECT COUNT(*) FROM session_wallets sw JOIN sessions s ON s.id = sw.session_id
                     WHERE sw.wallet_id = $1 AND s.revoked_at IS NULL
                       AND (s.expires_at IS NULL OR s.expires_at > $2)
                       AND (s.absolute_lifetime_seconds = 0
                            OR s.created_at + s.absolute_lifetime_seconds > $2)",
                    &[&w, &now],
                )?,
                0,
            )?;
            if active >= i64::from(max_active_per_wallet) {
                return Ok((SessionInsert::WalletAtCap(*wallet), false));
            }
        }
        let id = s.id.to_string();
        conn.exec(
            "insert session",
            &format!(
                "INSERT INTO sessions ({SESSION_COLS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ),
            &[
                &id,
                &s.created_at,
                &s.ttl_seconds
                    .map(|t| to_i64(t, "insert session"))
                    .transpose()?,
                &i64::from(s.max_renewals),
                &to_i64(s.absolute_lifetime_seconds, "insert session")?,
                &Permission::format_list(&s.permissions),
                &to_i64(s.token_generation, "insert session")?,
                &s.token_issued_at,
                &s.expires_at,
                &i64::from(s.renewal_count),
                &s.revoked_at,
                &s.label,
            ],
        )?;
        for wallet in wallet_ids {
            conn.exec(
                "link session wallet",
                "INSERT INTO session_wallets (session_id, wallet_id) VALUES ($1, $2)",
                &[&id, &wallet.to_string()],
            )?;
        }
        Ok((SessionInsert::Inserted, true))
    })
}

pub(super) fn session(store: &PgStore, id: SessionId) -> Result<Option<SessionRecord>, StoreError> {
    store.read(|conn| {
        conn.opt(
            "read session",
            &format!("SELECT {SESSION_COLS} FROM sessions WHERE id = $1"),
            &[&id.to_string()],
        )?
        .map(|r| session_from_row(&r))
        .transpose()
    })
}

pub(super) fn session_check(
    store: &PgStore,
    kid: &str,
    session: Option<SessionId>,
    wallet: Option<WalletId>,
) -> Result<SessionCheck, StoreError> {
    // One pooled connection, three statements.
    store.read(|conn| {
        let secret = secret_by_id(conn, kid)?;
        let access = session
            .map(|id| session_access(conn, id, wallet))
            .transpose()?
            .flatten();
        Ok(SessionCheck {
            secret,
            access,
            mark: read_mark(conn)?,
        })
    })
}

fn session_access(
    conn: &mut Conn,
    id: SessionId,
    wallet: Option<WalletId>,
) -> Result<Option<SessionAccess>, StoreError> {
    let id = id.to_string();
    let row = match wallet {
        Some(w) => conn.opt("read session", SESSION_WITH_WALLET, &[&id, &w.to_string()])?,
        None => conn.opt("read session", SESSION_WITH_SOLE_WALLET, &[&id])?,
    };
    row.map(|r| {
        let linked: Option<String> = col(&r, 12)?;
        Ok(SessionAccess {
            record: session_from_row(&r)?,
            wallet: linked.as_deref().map(parse_wallet_id).transpose()?,
        })
    })
    .transpose()
}

pub(super) fn session_wallets(store: &PgStore, id: SessionId) -> Result<Vec<WalletId>, StoreError> {
    store.read(|conn| {
        conn.query(
            "read session wallets",
            "SELECT wallet_id FROM session_wallets WHERE session_id = $1 ORDER BY wallet_id",
            &[&id.to_string()],
        )?
        .iter()
        .map(|r| parse_wallet_id(&col::<String>(r, 0)?))
        .collect()
    })
}

pub(super) fn sessions(
    store: &PgStore,
    wallet: Option<WalletId>,
) -> Result<Vec<LinkedSession>, StoreError> {
    store.read(|conn| {
        let rows = match wallet {
            Some(w) => conn.query(
                "read sessions",
                &format!(
                    "{SESSION_LIST_SELECT} WHERE id IN
                     (SELECT session_id FROM session_wallets WHERE wallet_id = $1) ORDER BY id"
                ),
                &[&w.to_string()],
            )?,
            None => conn.query(
                "read sessions",
                &format!("{SESSION_LIST_SELECT} ORDER BY id"),
                &[],
            )?,
        };
        rows.iter()
            .map(|r| {
                let wallets: Vec<String> = col(r, 12)?;
                Ok(LinkedSession {
                    record: session_from_row(r)?,
                    wallet_ids: wallets
                        .iter()
                        .map(|w| parse_wallet_id(w))
                        .collect::<Result<_, _>>()?,
                })
            })
            .collect()
    })
}

pub(super) fn renew_session(
    store: &PgStore,
    cas: &RenewalCas,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("renew session", audit, |conn| {
        let n = conn.exec(
            "renew session",
            "UPDATE sessions SET token_generation = token_generation + 1,
                 renewal_count = renewal_count + 1, token_issued_at = $1, expires_at = $2
             WHERE id = $3 AND token_generation = $4 AND renewal_count = $5 AND revoked_at IS NULL",
            &[
                &cas.issued_at,
                &cas.expires_at,
                &cas.id.to_string(),
                &i64::try_from(cas.expected_generation).unwrap_or(-1),
                &i64::from(cas.expected_renewal_count),
            ],
        )?;
        Ok((n == 1, n == 1))
    })
}

pub(super) fn revoke_session(
    store: &PgStore,
    id: SessionId,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    let key = store.audit_key()?;
    store.write("revoke session", Some(&key), |conn| {
        // Lock every wallet the session's rows can be on before reading them: an
        // admission in progress on one of them commits first and its row is cancelled
        // here, or it starts after and sees the revocation.
        let sid = id.to_string();
        let wallets: Vec<String> = conn
            .query(
                "revoke session",
                "SELECT wallet_id FROM session_wallets WHERE session_id = $1
                 UNION SELECT wallet_id FROM transactions WHERE session_id = $1",
                &[&sid],
            )?
            .iter()
            .map(|r| col(r, 0))
            .collect::<Result<_, _>>()?;
        let wallets: Vec<WalletId> = wallets
            .iter()
            .filter_map(|w| WalletId::parse(w).ok())
            .collect();
        lock_wallets(conn, &wallets)?;
        let n = conn.exec(
            "revoke session",
            "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            &[&now, &sid],
        )?;
        if n != 1 {
            return Ok(false);
        }
        append(conn, audit);
        cancel_in_flight(
            &mut PgRows::new(store, conn),
            CancelScope::Session(id),
            AdmissionGate::SessionRevoked,
            now,
            audit,
        )?;
        Ok(true)
    })
}

pub(super) fn revoke_all_sessions(
    store: &PgStore,
    now: i64,
    audit: &AuditEntry,
) -> Result<u64, StoreError> {
    let key = store.audit_key()?;
    store.write("revoke all sessions", Some(&key), |conn| {
        lock_all_wallets(conn)?;
        let n = conn.exec(
            "revoke all sessions",
            "UPDATE sessions SET revoked_at = $1 WHERE revoked_at IS NULL",
            &[&now],
        )?;
        append(conn, audit);
        cancel_in_flight(
            &mut PgRows::new(store, conn),
            CancelScope::RevokedSessions,
            AdmissionGate::SessionRevoked,
            now,
            audit,
        )?;
        Ok(n)
    })
}
