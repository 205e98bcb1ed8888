//! Wallet owners and the kill switch.

use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::WalletId;
use waiaas_core::store::{AdmissionGate, KillSwitchState, OwnerRecord, OwnerState};

use super::PgStore;
use super::audit::append;
use super::locks::{lock_all_wallets, lock_kill_switch, lock_wallet};
use super::operations::PgRows;
use super::pool::Conn;
use super::rows::{col, corrupt};
use crate::operations::{CancelScope, cancel_in_flight};

pub(super) fn owner_row(
    conn: &mut Conn,
    wallet: WalletId,
) -> Result<Option<OwnerRecord>, StoreError> {
    conn.opt(
        "read owner",
        "SELECT address, state, challenge, updated_at FROM wallet_owners WHERE wallet_id = $1",
        &[&wallet.to_string()],
    )?
    .map(|r| {
        let state: &str = col(&r, 1)?;
        Ok(OwnerRecord {
            wallet_id: wallet,
            address: col(&r, 0)?,
            state: OwnerState::parse(state)
                .ok_or_else(|| corrupt("wallet_owners", format!("state `{state}`")))?,
            challenge: col(&r, 2)?,
            updated_at: col(&r, 3)?,
        })
    })
    .transpose()
}

pub(super) fn owner(store: &PgStore, wallet: WalletId) -> Result<Option<OwnerRecord>, StoreError> {
    store.read(|conn| owner_row(conn, wallet))
}

pub(super) fn set_owner(
    store: &PgStore,
    wallet: WalletId,
    owner: Option<&OwnerRecord>,
    allowed_from: &[OwnerState],
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    let key = store.audit_key()?;
    store.write("set owner", Some(&key), |conn| {
        // The compare-and-swap reads and writes under the wallet's lock.
        lock_wallet(conn, wallet)?;
        let current = owner_row(conn, wallet)?.map_or(OwnerState::None, |o| o.state);
        if !allowed_from.contains(&current) {
            return Ok(false);
        }
        match owner {
            Some(o) => conn.exec(
                "write owner",
                "INSERT INTO wallet_owners (wallet_id, address, state, challenge, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (wallet_id) DO UPDATE SET address = excluded.address,
                     state = excluded.state, challenge = excluded.challenge,
                     updated_at = excluded.updated_at",
                &[
                    &wallet.to_string(),
                    &o.address,
                    &o.state.as_str(),
                    &o.challenge,
                    &o.updated_at,
                ],
            )?,
            None => conn.exec(
                "remove owner",
                "DELETE FROM wallet_owners WHERE wallet_id = $1",
                &[&wallet.to_string()],
            )?,
        };
        append(conn, audit);
        Ok(true)
    })
}

pub(super) fn kill_switch(store: &PgStore) -> Result<KillSwitchState, StoreError> {
    store.read(|conn| {
        let row = conn.one(
            "read kill switch",
            "SELECT state FROM kill_switch WHERE id = 1",
            &[],
        )?;
        let s: &str = col(&row, 0)?;
        KillSwitchState::parse(s).ok_or_else(|| corrupt("kill_switch", format!("state `{s}`")))
    })
}

pub(super) fn kill_switch_changed_at(store: &PgStore) -> Result<i64, StoreError> {
    store.read(|conn| {
        col(
            &conn.one(
                "read kill switch",
                "SELECT updated_at FROM kill_switch WHERE id = 1",
                &[],
            )?,
            0,
        )
    })
}

pub(super) fn set_kill_switch(
    store: &PgStore,
    expected: KillSwitchState,
    next: KillSwitchState,
    reason: Option<&str>,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    let key = store.audit_key()?;
    store.write("set kill switch", Some(&key), |conn| {
        // Waits for every admission and claim in progress (they hold it shared); none
        // starts until this commits.
        if lock_kill_switch(conn)? != expected {
            return Ok(false);
        }
        conn.exec(
            "set kill switch",
            "UPDATE kill_switch SET state = $1, reason = $2, updated_at = $3 WHERE id = 1",
            &[&next.as_str(), &reason, &now],
        )?;
        append(conn, audit);
        if next != KillSwitchState::Active {
            lock_all_wallets(conn)?;
            cancel_in_flight(
                &mut PgRows::new(store, conn),
                CancelScope::All,
                AdmissionGate::KillSwitch(next),
                now,
                audit,
            )?;
        }
        Ok(true)
    })
}
