//! Numbered schema migrations (`migrations/NNNN_*.sql`, append only) and the schema
//! version.

use rusqlite::{Connection, TransactionBehavior, params};
use waiaas_core::error::StoreError;

use super::rows::db_err;

/// Numbered migrations: (version, note, SQL). Append only; never edit a released one.
pub(super) const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "vault header, wallets, sessions, session secrets, settings",
        include_str!("migrations/0001_initial.sql"),
    ),
    (
        2,
        "policies, policy epoch, spend ledger and its running window totals",
        include_str!("migrations/0002_policies_ledger.sql"),
    ),
    (
        3,
        "transactions, wallet owners, kill switch, hash-chained audit log",
        include_str!("migrations/0003_transactions_owners_audit.sql"),
    ),
    (
        4,
        "keyed audit chain (scheme column, MAC'd head) and the time high-water mark",
        include_str!("migrations/0004_keyed_audit_time_mark.sql"),
    ),
    (
        5,
        "notification channels (sealed secrets, delivery counters) and approval-page links",
        include_str!("migrations/0005_notify_channels_approval_links.sql"),
    ),
    (
        6,
        "fewer index pages per send: the status index keeps in-flight rows only; \
         spend_windows without rowid",
        include_str!("migrations/0006_fewer_index_pages.sql"),
    ),
];

pub(super) fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    let has_table: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')",
            [],
            |r| r.get(0),
        )
        .map_err(db_err("read schema version"))?;
    if !has_table {
        return Ok(0);
    }
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )
    .map_err(db_err("read schema version"))
}

pub(super) fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |(v, _, _)| *v)
}

/// Brings the schema up to date. Reads only when it already is, so opening a current
/// database never writes it.
pub(super) fn migrate(conn: &mut Connection, now: i64) -> Result<(), StoreError> {
    let latest = latest_version();
    let found = schema_version(conn)?;
    if found > latest {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: latest,
        });
    }
    if found == latest {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err("begin migration"))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            note TEXT NOT NULL,
            applied_at INTEGER NOT NULL
        )",
    )
    .map_err(db_err("create schema_migrations"))?;
    // Another process may have migrated while we waited for the lock.
    let found = schema_version(&tx)?;
    for (version, note, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > found) {
        tx.execute_batch(sql).map_err(db_err("apply migration"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, note, applied_at) VALUES (?1, ?2, ?3)",
            params![version, note, now],
        )
        .map_err(db_err("record migration"))?;
    }
    tx.commit().map_err(db_err("commit migration"))
}
