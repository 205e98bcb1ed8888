//! A vault database opened read-only, as the source of a move to another database
//! (`crate::migrate`). Every read happens in one read transaction, so the header, the
//! audit log and every table are one snapshot; nothing is ever written (no migration,
//! no unlock bookkeeping, no checkpoint).

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use waiaas_core::audit::AuditKey;
use waiaas_core::error::{MigrationError, StoreError};
use waiaas_core::store::AuditLogCheck;

use super::audit::{read_audit_records, read_head};
use super::migrations::{latest_version, schema_version};
use super::rows::db_err;
use crate::migrate::Cell;
use crate::rules::audit::check_log;

/// The source vault database, read-only, inside one read transaction.
pub(crate) struct SqliteSource {
    conn: Connection,
}

impl SqliteSource {
    /// Opens the database at `path` read-only and starts the snapshot every later read
    /// shares. Refuses a schema other than this build's.
    pub(crate) fn open(path: &Path) -> Result<Self, MigrationError> {
        if !path.is_file() {
            return Err(waiaas_core::VaultError::NotInitialized.into());
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_err("open the source database"))?;
        // A running writer's commit may hold the database briefly.
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db_err("open the source database"))?;
        conn.execute_batch("BEGIN")
            .map_err(db_err("begin the source snapshot"))?;
        let found = schema_version(&conn)?;
        let supported = latest_version();
        if found < supported {
            return Err(MigrationError::SourceSchemaOlder { found, supported });
        }
        if found > supported {
            return Err(MigrationError::SourceSchemaNewer { found, supported });
        }
        Ok(Self { conn })
    }

    /// The stored vault header (`None`: no vault in this database).
    pub(crate) fn vault_header(&self) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT header FROM vault_header WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_err("read vault header"))
    }

    /// The audit log's verdict under `key`.
    pub(crate) fn verify_audit_log(&self, key: &AuditKey) -> Result<AuditLogCheck, StoreError> {
        let records = read_audit_records(&self.conn, 0, 0)?;
        let head = read_head(&self.conn)?;
        Ok(check_log(key, &records, head.as_ref()))
    }

    /// The names of the tables (SQLite's own and `schema_migrations` left out).
    pub(crate) fn tables(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name",
            )
            .map_err(db_err("list tables"))?;
        let names = stmt
            .query_map([], |r| r.get(0))
            .and_then(Iterator::collect)
            .map_err(db_err("list tables"))?;
        Ok(names)
    }

    /// The column names of `table`, in their order.
    pub(crate) fn columns(&self, table: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
            .map_err(db_err("list columns"))?;
        let names = stmt
            .query_map([table], |r| r.get(0))
            .and_then(Iterator::collect)
            .map_err(db_err("list columns"))?;
        Ok(names)
    }

    /// Calls `each` with every row of `table` (its `columns`, in that order, values as
    /// stored); how many rows there were. `table` and `columns` are names this crate
    /// checked against the target's schema, quoted all the same.
    pub(crate) fn for_each_row(
        &self,
        table: &str,
        columns: &[String],
        mut each: impl FnMut(Vec<Cell>) -> Result<(), MigrationError>,
    ) -> Result<u64, MigrationError> {
        let list: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
        let sql = format!("SELECT {} FROM {}", list.join(", "), quoted(table));
        let mut stmt = self.conn.prepare(&sql).map_err(db_err("read rows"))?;
        let mut rows = stmt.query([]).map_err(db_err("read rows"))?;
        let mut count: u64 = 0;
        while let Some(row) = rows.next().map_err(db_err("read rows"))? {
            let mut cells = Vec::with_capacity(columns.len());
            for (i, column) in columns.iter().enumerate() {
                let value = row.get_ref(i).map_err(db_err("read rows"))?;
                cells.push(cell(table, column, value)?);
            }
            each(cells)?;
            count = count.saturating_add(1);
        }
        Ok(count)
    }
}

/// `name` as a quoted SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn cell(table: &str, column: &str, value: ValueRef<'_>) -> Result<Cell, MigrationError> {
    Ok(match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Text(bytes) => Cell::Text(String::from_utf8(bytes.to_vec()).map_err(|_| {
            MigrationError::CheckFailed {
                check: format!("copy of `{table}.{column}`"),
                reason: "the source holds text that is not UTF-8".to_owned(),
            }
        })?),
        ValueRef::Blob(bytes) => Cell::Bytes(bytes.to_vec()),
        ValueRef::Real(_) => {
            return Err(MigrationError::CheckFailed {
                check: format!("copy of `{table}.{column}`"),
                reason: "the source holds a floating-point value, which no column of a vault takes"
                    .to_owned(),
            });
        }
    })
}
