//! Wallet owners and the kill switch.

use rusqlite::{Connection, OptionalExtension, params};
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::WalletId;
use waiaas_core::store::{AdmissionGate, KillSwitchState, OwnerRecord, OwnerState};

use super::SqliteStore;
use super::audit::append;
use super::operations::SqliteRows;
use super::rows::{corrupt, db_err};
use crate::operations::{CancelScope, cancel_in_flight};

pub(super) fn owner_row(
    conn: &Connection,
    wallet: WalletId,
) -> Result<Option<OwnerRecord>, StoreError> {
    let row: Option<(String, String, String, i64)> = conn
        .prepare_cached(
            "SELECT address, state, challenge, updated_at FROM wallet_owners WHERE wallet_id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([wallet.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
        })
        .map_err(db_err("read owner"))?;
    row.map(|(address, state, challenge, updated_at)| {
        Ok(OwnerRecord {
            wallet_id: wallet,
            address,
            state: OwnerState::parse(&state)
                .ok_or_else(|| corrupt("wallet_owners", format!("state `{state}`")))?,
            challenge,
            updated_at,
        })
    })
    .transpose()
}

pub(super) fn owner(
    store: &SqliteStore,
    wallet: WalletId,
) -> Result<Option<OwnerRecord>, StoreError> {
    owner_row(&*store.reader()?, wallet)
}

pub(super) fn set_owner(
    store: &SqliteStore,
    wallet: WalletId,
    owner: Option<&OwnerRecord>,
    allowed_from: &[OwnerState],
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    let key = store.audit_key()?;
    store.write("set owner", |conn| {
        let current = owner_row(conn, wallet)?.map_or(OwnerState::None, |o| o.state);
        if !allowed_from.contains(&current) {
            return Ok(false);
        }
        match owner {
            Some(o) => conn
                .execute(
                    "INSERT INTO wallet_owners (wallet_id, address, state, challenge, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (wallet_id) DO UPDATE SET address = excluded.address,
                         state = excluded.state, challenge = excluded.challenge,
                         updated_at = excluded.updated_at",
                    params![
                        wallet.to_string(),
                        o.address,
                        o.state.as_str(),
                        o.challenge,
                        o.updated_at
                    ],
                )
                .map_err(db_err("write owner"))?,
            None => conn
                .execute(
                    "DELETE FROM wallet_owners WHERE wallet_id = ?1",
                    [wallet.to_string()],
                )
                .map_err(db_err("remove owner"))?,
        };
        append(conn, &key, audit)?;
        Ok(true)
    })
}

pub(super) fn kill_switch(store: &SqliteStore) -> Result<KillSwitchState, StoreError> {
    let s: String = store
        .reader()?
        .prepare_cached("SELECT state FROM kill_switch WHERE id = 1")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(db_err("read kill switch"))?;
    KillSwitchState::parse(&s).ok_or_else(|| corrupt("kill_switch", format!("state `{s}`")))
}

pub(super) fn kill_switch_changed_at(store: &SqliteStore) -> Result<i64, StoreError> {
    store
        .reader()?
        .prepare_cached("SELECT updated_at FROM kill_switch WHERE id = 1")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(db_err("read kill switch"))
}

pub(super) fn set_kill_switch(
    store: &SqliteStore,
    expected: KillSwitchState,
    next: KillSwitchState,
    reason: Option<&str>,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    let key = store.audit_key()?;
    store.write("set kill switch", |conn| {
        let n = conn
            .execute(
                "UPDATE kill_switch SET state = ?1, reason = ?2, updated_at = ?3 WHERE id = 1 AND state = ?4",
                params![next.as_str(), reason, now, expected.as_str()],
            )
            .map_err(db_err("set kill switch"))?;
        if n == 1 {
            append(conn, &key, audit)?;
            if next != KillSwitchState::Active {
                cancel_in_flight(
            &mut SqliteRows::new(store, conn, Some(&key)), CancelScope::All, AdmissionGate::KillSwitch(next), now, audit)?;
            }
        }
        Ok(n == 1)
    })
}
