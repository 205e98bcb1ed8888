//! Wallet rows; a status other than ACTIVE cancels the wallet's in-flight rows.

use postgres::Row;
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::WalletId;
use waiaas_core::settings::SETTINGS_KEY;
use waiaas_core::store::{AdmissionGate, RequestReads, SealedBox, WalletRecord, WalletStatus};

use super::PgStore;
use super::audit::append;
use super::clock::advance_time;
use super::locks::lock_wallet;
use super::operations::PgRows;
use super::pool::Conn;
use super::rows::{col, text_col, u_col};
use super::settings::setting_row;
use crate::operations::{CancelScope, cancel_in_flight};

const WALLET_COLS: &str = "id, name, chain, network, address, public_key, secret_nonce, \
    secret_ciphertext, secret_format, status, created_at, updated_at";

fn wallet_from_row(row: &Row) -> Result<WalletRecord, StoreError> {
    const T: &str = "wallets";
    Ok(WalletRecord {
        id: text_col(row, 0, T, |s| WalletId::parse(s).ok())?,
        name: col(row, 1)?,
        chain: text_col(row, 2, T, |s| s.parse().ok())?,
        network: text_col(row, 3, T, |s| s.parse().ok())?,
        address: col(row, 4)?,
        public_key: col(row, 5)?,
        secret: SealedBox {
            nonce: col(row, 6)?,
            ciphertext: col(row, 7)?,
        },
        secret_format: u_col(row, 8, T)?,
        status: text_col(row, 9, T, WalletStatus::parse)?,
        created_at: col(row, 10)?,
        updated_at: col(row, 11)?,
    })
}

pub(super) fn insert_wallet(
    store: &PgStore,
    w: &WalletRecord,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    store.audited("insert wallet", audit, |conn| {
        conn.exec(
            "insert wallet",
            &format!(
                "INSERT INTO wallets ({WALLET_COLS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ),
            &[
                &w.id.to_string(),
                &w.name,
                &w.chain.as_str(),
                &w.network.as_str(),
                &w.address,
                &w.public_key,
                &w.secret.nonce,
                &w.secret.ciphertext,
                &i64::from(w.secret_format),
                &w.status.as_str(),
                &w.created_at,
                &w.updated_at,
            ],
        )?;
        Ok(((), true))
    })
}

pub(super) fn wallet(store: &PgStore, id: WalletId) -> Result<Option<WalletRecord>, StoreError> {
    store.read(|conn| wallet_by_id(conn, id))
}

pub(super) fn request_reads(
    store: &PgStore,
    id: WalletId,
    clock_now: i64,
) -> Result<RequestReads, StoreError> {
    // One pooled connection, three statements: the time last, committed at once as in
    // `monotonic_now`.
    store.read(|conn| {
        Ok(RequestReads {
            wallet: wallet_by_id(conn, id)?,
            settings: setting_row(conn, SETTINGS_KEY)?,
            now: advance_time(conn, clock_now)?,
        })
    })
}

fn wallet_by_id(conn: &mut Conn, id: WalletId) -> Result<Option<WalletRecord>, StoreError> {
    conn.opt(
        "read wallet",
        &format!("SELECT {WALLET_COLS} FROM wallets WHERE id = $1"),
        &[&id.to_string()],
    )?
    .map(|r| wallet_from_row(&r))
    .transpose()
}

pub(super) fn wallets(store: &PgStore) -> Result<Vec<WalletRecord>, StoreError> {
    store.read(|conn| {
        conn.query(
            "list wallets",
            &format!("SELECT {WALLET_COLS} FROM wallets ORDER BY created_at, id"),
            &[],
        )?
        .iter()
        .map(wallet_from_row)
        .collect()
    })
}

pub(super) fn rename_wallet(
    store: &PgStore,
    id: WalletId,
    name: &str,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("rename wallet", audit, |conn| {
        let n = conn.exec(
            "rename wallet",
            "UPDATE wallets SET name = $1, updated_at = $2 WHERE id = $3",
            &[&name, &now, &id.to_string()],
        )?;
        Ok((n == 1, n == 1))
    })
}

pub(super) fn set_wallet_status(
    store: &PgStore,
    id: WalletId,
    status: WalletStatus,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    let key = store.audit_key()?;
    store.write("set wallet status", Some(&key), |conn| {
        // The wallet's admissions and claims wait while its rows are cancelled.
        if lock_wallet(conn, id)?.is_none() {
            return Ok(false);
        }
        conn.exec(
            "set wallet status",
            "UPDATE wallets SET status = $1, updated_at = $2 WHERE id = $3",
            &[&status.as_str(), &now, &id.to_string()],
        )?;
        append(conn, audit);
        if status != WalletStatus::Active {
            cancel_in_flight(
                &mut PgRows::new(store, conn),
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
    store: &PgStore,
    id: WalletId,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("delete wallet", audit, |conn| {
        let n = conn.exec(
            "delete wallet",
            "DELETE FROM wallets WHERE id = $1",
            &[&id.to_string()],
        )?;
        Ok((n == 1, n == 1))
    })
}
