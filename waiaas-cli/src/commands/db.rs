//! `waiaas db migrate`: the library's move of a vault to PostgreSQL
//! (`Waiaas::migrate_to_postgres`), its report printed.

use std::path::{Path, PathBuf};

use waiaas::migrate::MigrationReport;
use waiaas::{Config, Waiaas};
use waiaas_core::{DataDir, ValidationError};

use crate::failure::{Failure, Outcome};
use crate::output::emit;
use crate::{spinner, vault};

/// `waiaas db migrate --from sqlite:PATH --to URL`.
pub fn migrate(from: &str, to: &str, json: bool) -> Outcome {
    let dir = source_dir(from)?;
    let typed = vault::typed_password(&dir, false)?;
    let report = spinner::while_running("verifying and copying the vault…", || {
        Waiaas::migrate_to_postgres(&dir, to, typed, &Config::default())
    })
    .map_err(Failure::from)?;
    emit(json, &report, human)
}

/// The data directory `--from` names: `sqlite:DIR`, or `sqlite:DIR/waiaas.db`.
fn source_dir(from: &str) -> Outcome<PathBuf> {
    let refuse = |reason: &str| Failure::from(ValidationError::field("--from", reason));
    let path = from.strip_prefix("sqlite:").ok_or_else(|| {
        refuse("must be `sqlite:PATH`, PATH being the vault's data directory or its `waiaas.db`")
    })?;
    let path = Path::new(path);
    if !path.is_file() {
        return Ok(path.to_path_buf());
    }
    match path.parent() {
        Some(dir) if path.file_name() == DataDir::new(dir).database_path().file_name() => {
            Ok(dir.to_path_buf())
        }
        _ => Err(refuse(
            "names a file that is not a vault's `waiaas.db`: give the vault's data directory",
        )),
    }
}

fn human(report: &MigrationReport) -> String {
    let width = report
        .tables
        .iter()
        .map(|t| t.table.len())
        .max()
        .unwrap_or(0);
    let mut text = format!(
        "copied the vault into {} (schema {}), in one transaction; rows per table, equal in both:",
        report.target, report.schema_version
    );
    for t in &report.tables {
        text.push_str(&format!("\n  {:<width$}  {}", t.table, t.rows));
    }
    text.push_str(&format!(
        "\naudit log: {} entries, verified in the source before the copy and in the target before it committed",
        report.audit_entries
    ));
    if let Some((seq, hash)) = &report.audit_head {
        text.push_str(&format!(" (head {seq} {})", hash.get(..16).unwrap_or(hash)));
    }
    text.push_str(
        "\nnext: `waiaas start --database URL` on every host (each needs the master password)",
    );
    text
}
