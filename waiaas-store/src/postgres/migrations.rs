//! Numbered schema migrations (`migrations/NNNN_*.sql`, append only, numbered as the
//! SQLite backend's) and the schema version. Hosts starting at once migrate one at a
//! time (a transaction-level advisory lock); the others then find nothing to do.

use waiaas_core::error::StoreError;

use super::pool::Conn;
use super::rows::col;

/// Numbered migrations: (version, note, SQL). Append only; never edit a released one.
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "vault header, unlock attempts, wallets, sessions, session secrets, settings",
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
        "nothing: SQLite's page-layout change (the number kept in step)",
        include_str!("migrations/0006_fewer_index_pages.sql"),
    ),
];

/// The advisory lock key migrations hold ("waiaas" + 1).
const MIGRATION_LOCK: i64 = 0x7761_6961_6173_0001;

pub(super) fn schema_version(conn: &mut Conn) -> Result<u32, StoreError> {
    let row = conn.one(
        "read schema version",
        "SELECT to_regclass('schema_migrations') IS NOT NULL",
        &[],
    )?;
    if !col::<bool>(&row, 0)? {
        return Ok(0);
    }
    let row = conn.one(
        "read schema version",
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
    )?;
    u32::try_from(col::<i64>(&row, 0)?).map_err(|_| StoreError::Database {
        operation: "read schema version",
        message: "negative schema version".to_owned(),
    })
}

fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |(v, _, _)| *v)
}

/// The schema version found, refused when a newer waiaas migrated the database.
fn version_this_build_can_use(conn: &mut Conn) -> Result<u32, StoreError> {
    let latest = latest_version();
    let found = schema_version(conn)?;
    if found > latest {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: latest,
        });
    }
    Ok(found)
}

/// Brings the schema up to date; reads only when it already is.
pub(super) fn migrate(conn: &mut Conn, now: i64) -> Result<(), StoreError> {
    if version_this_build_can_use(conn)? == latest_version() {
        return Ok(());
    }
    conn.batch("begin migration", "BEGIN")?;
    let applied = apply(conn, now);
    match applied {
        Ok(()) => conn.batch("commit migration", "COMMIT"),
        Err(e) => {
            // The connection is dropped by the caller either way.
            let _ = conn.batch("roll back migration", "ROLLBACK");
            Err(e)
        }
    }
}

/// Brings the schema up to date inside the caller's open transaction (which a
/// rollback then undoes with everything else); the version it is at.
pub(super) fn migrate_in_transaction(conn: &mut Conn, now: i64) -> Result<u32, StoreError> {
    version_this_build_can_use(conn)?;
    apply(conn, now)?;
    Ok(latest_version())
}

fn apply(conn: &mut Conn, now: i64) -> Result<(), StoreError> {
    conn.batch(
        "lock migrations",
        &format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"),
    )?;
    conn.batch(
        "create schema_migrations",
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            note TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )",
    )?;
    // Another host may have migrated while we waited for the lock.
    let found = schema_version(conn)?;
    for (version, note, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > found) {
        conn.batch("apply migration", sql)?;
        conn.exec(
            "record migration",
            "INSERT INTO schema_migrations (version, note, applied_at) VALUES ($1, $2, $3)",
            &[&i64::from(*version), note, &now],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The `NNNN` of each `NNNN_*.sql` in `dir`, sorted.
    fn numbered(dir: &str) -> Vec<u32> {
        let path = format!("{}/src/{dir}/migrations", env!("CARGO_MANIFEST_DIR"));
        let mut out: Vec<u32> = std::fs::read_dir(path)
            .unwrap()
            .filter_map(|e| e.unwrap().file_name().to_str()?.get(..4)?.parse().ok())
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn migrations_are_numbered_as_sqlite_s_in_order() {
        let versions: Vec<u32> = super::MIGRATIONS.iter().map(|m| m.0).collect();
        let expected: Vec<u32> = (1..=u32::try_from(versions.len()).unwrap()).collect();
        assert_eq!(versions, expected);
        assert_eq!(numbered("postgres"), versions);
        assert_eq!(
            numbered("sqlite"),
            versions,
            "every SQLite migration has its PostgreSQL twin"
        );
    }
}
