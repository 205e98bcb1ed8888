//! The PostgreSQL side of a move from SQLite (`crate::migrate`): schema, emptiness
//! check, copy, read-back, counts and the copied audit log's verdict, all in one
//! transaction that commits only when every check passed.

use postgres::types::ToSql;
use waiaas_core::audit::AuditKey;
use waiaas_core::clock::{Clock as _, SystemClock};
use waiaas_core::error::{MigrationError, StoreError};
use waiaas_core::store::AuditLogCheck;

use super::pool::{Conn, Pool};
use super::rows::col;
use super::{audit, describe_target, migrations};
use crate::migrate::{Cell, MigrationReport, SEEDED, TABLES, TableCopy, check_failed};
use crate::rules::audit::check_log;
use crate::sqlite::source::SqliteSource;

/// A PostgreSQL column type a vault uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int4,
    Int8,
    Text,
    Bytea,
    Bool,
}

impl Kind {
    fn of(data_type: &str) -> Option<Self> {
        Some(match data_type {
            "integer" => Self::Int4,
            "bigint" => Self::Int8,
            "text" => Self::Text,
            "bytea" => Self::Bytea,
            "boolean" => Self::Bool,
            _ => return None,
        })
    }

    /// Its name in PostgreSQL.
    fn name(self) -> &'static str {
        match self {
            Self::Int4 => "integer",
            Self::Int8 => "bigint",
            Self::Text => "text",
            Self::Bytea => "bytea",
            Self::Bool => "boolean",
        }
    }
}

/// A value bound for (or read back from) a column of its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Int4(Option<i32>),
    Int8(Option<i64>),
    Text(Option<String>),
    Bytea(Option<Vec<u8>>),
    Bool(Option<bool>),
}

impl Value {
    /// `cell` for a column of `kind`; `None` when the source holds another type.
    fn from_cell(kind: Kind, cell: Cell) -> Option<Self> {
        Some(match (kind, cell) {
            (Kind::Int4, Cell::Null) => Self::Int4(None),
            (Kind::Int8, Cell::Null) => Self::Int8(None),
            (Kind::Text, Cell::Null) => Self::Text(None),
            (Kind::Bytea, Cell::Null) => Self::Bytea(None),
            (Kind::Bool, Cell::Null) => Self::Bool(None),
            (Kind::Int4, Cell::Int(i)) => Self::Int4(Some(i32::try_from(i).ok()?)),
            (Kind::Int8, Cell::Int(i)) => Self::Int8(Some(i)),
            // SQLite keeps booleans as 0 / 1.
            (Kind::Bool, Cell::Int(0)) => Self::Bool(Some(false)),
            (Kind::Bool, Cell::Int(1)) => Self::Bool(Some(true)),
            (Kind::Text, Cell::Text(s)) => Self::Text(Some(s)),
            (Kind::Bytea, Cell::Bytes(b)) => Self::Bytea(Some(b)),
            _ => return None,
        })
    }

    fn param(&self) -> &(dyn ToSql + Sync) {
        match self {
            Self::Int4(v) => v,
            Self::Int8(v) => v,
            Self::Text(v) => v,
            Self::Bytea(v) => v,
            Self::Bool(v) => v,
        }
    }

    fn read(row: &postgres::Row, idx: usize, kind: Kind) -> Result<Self, StoreError> {
        Ok(match kind {
            Kind::Int4 => Self::Int4(col(row, idx)?),
            Kind::Int8 => Self::Int8(col(row, idx)?),
            Kind::Text => Self::Text(col(row, idx)?),
            Kind::Bytea => Self::Bytea(col(row, idx)?),
            Kind::Bool => Self::Bool(col(row, idx)?),
        })
    }
}

/// Copies `source` into the PostgreSQL database at `url` in one transaction; `before`
/// is the source log's verdict under `key`, which the copy must reproduce.
pub(crate) fn import(
    source: &SqliteSource,
    url: &str,
    key: &AuditKey,
    before: &AuditLogCheck,
) -> Result<MigrationReport, MigrationError> {
    let (config, connector) = super::tls::from_url(url)?;
    let target = describe_target(&config);
    let pool = Pool::new(config, connector, 1, std::time::Duration::from_secs(10));
    let mut conn = pool.connect()?;
    conn.batch("begin the copy", "BEGIN")?;
    let copied = copy(source, &mut conn, &target, key, before);
    match copied {
        Ok(report) => {
            conn.batch("commit the copy", "COMMIT")?;
            Ok(report)
        }
        Err(e) => {
            // Dropping the connection rolls back too, should this fail.
            let _ = conn.batch("roll back the copy", "ROLLBACK");
            Err(e)
        }
    }
}

fn copy(
    source: &SqliteSource,
    conn: &mut Conn,
    target: &str,
    key: &AuditKey,
    before: &AuditLogCheck,
) -> Result<MigrationReport, MigrationError> {
    let schema_version = migrations::migrate_in_transaction(conn, SystemClock.now())?;
    // No vault may be created on the target while the copy runs.
    conn.batch(
        "lock the target",
        "LOCK TABLE vault_header IN SHARE ROW EXCLUSIVE MODE",
    )?;
    for table in TABLES
        .iter()
        .copied()
        .filter(|t| !SEEDED.contains(t))
        .chain(["unlock_attempts"])
    {
        let row = conn.one(
            "check the target is empty",
            &format!("SELECT EXISTS (SELECT 1 FROM {table})"),
            &[],
        )?;
        if col::<bool>(&row, 0)? {
            return Err(MigrationError::TargetNotEmpty {
                target: target.to_owned(),
                table: table.to_owned(),
            });
        }
    }
    let mut tables = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        if SEEDED.contains(table) {
            conn.exec("replace a seeded row", &format!("DELETE FROM {table}"), &[])?;
        }
        let rows = copy_table(source, conn, table)?;
        let row = conn.one(
            "count copied rows",
            &format!("SELECT count(*) FROM {table}"),
            &[],
        )?;
        let copied = u64::try_from(col::<i64>(&row, 0)?).unwrap_or(0);
        if copied != rows {
            return Err(check_failed(
                &format!("row count of `{table}`"),
                format!("the source has {rows} rows, the target {copied}"),
            ));
        }
        tables.push(TableCopy {
            table: (*table).to_owned(),
            rows,
        });
    }
    // The ledger's sequence continues after the copied rows.
    conn.batch(
        "move the ledger sequence",
        "SELECT setval(pg_get_serial_sequence('spend_ledger', 'seq'),
                       GREATEST(COALESCE(MAX(seq), 0), 1), COALESCE(MAX(seq), 0) > 0)
         FROM spend_ledger",
    )?;
    let records = audit::read_audit_records(conn, 0, 0)?;
    let head = audit::read_head(conn)?;
    let after = check_log(key, &records, head.as_ref());
    if after != *before {
        return Err(check_failed(
            "copied audit log",
            format!(
                "its verdict differs from the source's ({} entries, first break {:?}, head intact {}; the source: {} entries, first break {:?}, head intact {})",
                after.entries,
                after.chain.first_broken,
                after.head_ok,
                before.entries,
                before.chain.first_broken,
                before.head_ok
            ),
        ));
    }
    Ok(MigrationReport {
        target: target.to_owned(),
        schema_version,
        tables,
        audit_entries: after.entries,
        audit_head: after.head,
    })
}

/// Copies one table row by row, each row read back as written; the rows copied.
fn copy_table(source: &SqliteSource, conn: &mut Conn, table: &str) -> Result<u64, MigrationError> {
    let columns = source.columns(table)?;
    let kinds = target_columns(conn, table, &columns)?;
    let list = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let placeholders = (1..=columns.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("INSERT INTO {table} ({list}) VALUES ({placeholders}) RETURNING {list}");
    source.for_each_row(table, &columns, |cells| {
        let mut values = Vec::with_capacity(cells.len());
        for ((cell, kind), column) in cells.into_iter().zip(&kinds).zip(&columns) {
            values.push(Value::from_cell(*kind, cell).ok_or_else(|| {
                check_failed(
                    &format!("copy of `{table}.{column}`"),
                    format!(
                        "the source holds a value the target's `{}` column cannot take",
                        kind.name()
                    ),
                )
            })?);
        }
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(Value::param).collect();
        let row = conn.one("copy a row", &sql, &params)?;
        for (i, (sent, kind)) in values.iter().zip(&kinds).enumerate() {
            if Value::read(&row, i, *kind)? != *sent {
                return Err(check_failed(
                    &format!("read-back of `{table}`"),
                    format!(
                        "column `{}` was stored as another value than the source's",
                        columns.get(i).map_or("?", String::as_str)
                    ),
                ));
            }
        }
        Ok(())
    })
}

/// The target's type of each of `columns` of `table`; the two tables must have the
/// same columns.
fn target_columns(
    conn: &mut Conn,
    table: &str,
    columns: &[String],
) -> Result<Vec<Kind>, MigrationError> {
    let rows = conn.query(
        "read the target's columns",
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1",
        &[&table],
    )?;
    let mut target: Vec<(String, String)> = rows
        .iter()
        .map(|r| Ok((col::<String>(r, 0)?, col::<String>(r, 1)?)))
        .collect::<Result<_, StoreError>>()?;
    let mismatch = |reason: String| check_failed(&format!("columns of `{table}`"), reason);
    let kinds = columns
        .iter()
        .map(|c| {
            let at = target
                .iter()
                .position(|(name, _)| name == c)
                .ok_or_else(|| mismatch(format!("the target has no column `{c}`")))?;
            let (_, data_type) = target.swap_remove(at);
            Kind::of(&data_type)
                .ok_or_else(|| mismatch(format!("column `{c}` has the type `{data_type}`")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some((extra, _)) = target.first() {
        return Err(mismatch(format!("the source has no column `{extra}`")));
    }
    Ok(kinds)
}
