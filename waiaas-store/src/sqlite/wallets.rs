//! Wallet rows; a status other than ACTIVE cancels the wallet's in-flight rows.

use rusqlite::{Connection, Row, params};
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::WalletId;
use waiaas_core::settings::SETTINGS_KEY;
use waiaas_core::store::{
    AdmissionGate, RequestReads, SealedBox, Store, WalletRecord, WalletStatus,
};

use super::SqliteStore;
use super::audit::append;
use super::clock::read_mark;
use super::operations::SqliteRows;
use super::rows::{db_err, text_col, u_col};
use super::settings::setting_row;
use crate::operations::{CancelScope, cancel_in_flight};

pub(super) const WALLET_COLS: &str = "id, name, chain, network, address, public_key, secret_nonce, \
    secret_ciphertext, secret_format, status, created_at, updated_at";

pub(super) fn wallet_from_row(row: &Row<'_>) -> Result<WalletRecord, StoreError> {
    const T: &str = "wallets";
    Ok(WalletRecord {
        id: text_col(row, 0, T, |s| WalletId::parse(s).ok())?,
        name: row.get(1).map_err(db_err("read wallet"))?,
        chain: text_col(row, 2, T, |s| s.parse().ok())?,
        network: text_col(row, 3, T, |s| s.parse().ok())?,
        address: row.get(4).map_err(db_err("read wallet"))?,
        public_key: row.get(5).map_err(db_err("read wallet"))?,
        secret: SealedBox {
            nonce: row.get(6).map_err(db_err("read wallet"))?,
            ciphertext: row.get(7).map_err(db_err("read wallet"))?,
        },
        secret_format: u_col(row, 8, T)?,
        status: text_col(row, 9, T, WalletStatus::parse)?,
        created_at: row.get(10).map_err(db_err("read wallet"))?,
        updated_at: row.get(11).map_err(db_err("read wallet"))?,
    })
}

pub(super) fn insert_wallet(
    store: &SqliteStore,
    w: &WalletRecord,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    store.audited("insert wallet", audit, |conn| {
    conn
        .execute(
            &format!("INSERT INTO wallets ({WALLET_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            params![
                w.id.to_string(),
                w.name,
                w.chain.as_str(),
                w.network.as_str(),
                w.address,
                w.public_key,
                w.secret.nonce,
                w.secret.ciphertext,
                w.secret_format,
                w.status.as_str(),
                w.created_at,
                w.updated_at
            ],
        )
        .map_err(db_err("insert wallet"))?;
    Ok(((), true))
    })
}

pub(super) fn wallet(
    store: &SqliteStore,
    id: WalletId,
) -> Result<Option<WalletRecord>, StoreError> {
    wallet_by_id(&*store.reader()?, id)
}

pub(super) fn request_reads(
    store: &SqliteStore,
    id: WalletId,
    clock_now: i64,
) -> Result<RequestReads, StoreError> {
    let (wallet, settings, mark) = store.reader()?.snapshot(|conn| {
        Ok((
            wallet_by_id(conn, id)?,
            setting_row(conn, SETTINGS_KEY)?,
            read_mark(conn)?,
        ))
    })?;
    Ok(RequestReads {
        wallet,
        settings,
        now: store.monotonic_now_after(clock_now, mark)?,
    })
}

fn wallet_by_id(conn: &Connection, id: WalletId) -> Result<Option<WalletRecord>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {WALLET_COLS} FROM wallets WHERE id = ?1"))
        .map_err(db_err("read wallet"))?;
    let mut rows = stmt
        .query([id.to_string()])
        .map_err(db_err("read wallet"))?;
    match rows.next().map_err(db_err("read wallet"))? {
        Some(row) => wallet_from_row(row).map(Some),
        None => Ok(None),
    }
}

pub(super) fn wallets(store: &SqliteStore) -> Result<Vec<WalletRecord>, StoreError> {
    let conn = store.reader()?;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {WALLET_COLS} FROM wallets ORDER BY created_at, id"
        ))
        .map_err(db_err("list wallets"))?;
    let mut rows = stmt.query([]).map_err(db_err("list wallets"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_err("list wallets"))? {
        out.push(wallet_from_row(row)?);
    }
    Ok(out)
}

pub(super) fn rename_wallet(
    store: &SqliteStore,
    id: WalletId,
    name: &str,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("rename wallet", audit, |conn| {
        let n = conn
            .execute(
                "UPDATE wallets SET name = ?1, updated_at = ?2 WHERE id = ?3",
                params![name, now, id.to_string()],
            )
            .map_err(db_err("rename wallet"))?;
        Ok((n == 1, n == 1))
    })
}

pub(super) fn set_wallet_status(
    store: &SqliteStore,
    id: WalletId,
    status: WalletStatus,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    let key = store.audit_key()?;
    store.write("set wallet status", |conn| {
        let n = conn
            .execute(
                "UPDATE wallets SET status = ?1, updated_at = ?2 WHERE id = ?3",
                params![status.as_str(), now, id.to_string()],
            )
            .map_err(db_err("set wallet status"))?;
        if n != 1 {
            return Ok(false);
        }
        append(conn, &key, audit)?;
        if status != WalletStatus::Active {
            cancel_in_flight(
                &mut SqliteRows::new(store, conn, Some(&key)),
                CancelScope::Wallet(id),
                AdmissionGate::Wallet(status),
                now,
                audit,
            )?;
        }
        Ok(true)
    })
}

pub(super) fn delete_wallet(
    store: &SqliteStore,
    id: WalletId,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("delete wallet", audit, |conn| {
        let n = conn
            .execute("DELETE FROM wallets WHERE id = ?1", [id.to_string()])
            .map_err(db_err("delete wallet"))?;
        Ok((n == 1, n == 1))
    })
}
