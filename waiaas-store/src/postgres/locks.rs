//! The row locks that serialize one wallet's operations across hosts, always taken in
//! this order: the kill switch, then wallets by id (then, at commit, the audit chain).
//! See the module docs of [`super`] and docs/adr/0011-postgres-locking.md.

use waiaas_core::error::StoreError;
use waiaas_core::ids::WalletId;
use waiaas_core::store::{KillSwitchState, WalletStatus};

use super::pool::Conn;
use super::rows::{col, corrupt};

fn kill_switch_state(text: &str) -> Result<KillSwitchState, StoreError> {
    KillSwitchState::parse(text).ok_or_else(|| corrupt("kill_switch", format!("state `{text}`")))
}

/// The kill switch state, held (`FOR KEY SHARE`) until commit: an activation waits for
/// this transaction, and this one waits for an activation in progress.
pub(super) fn share_kill_switch(conn: &mut Conn) -> Result<KillSwitchState, StoreError> {
    let row = conn.one(
        "read kill switch",
        "SELECT state FROM kill_switch WHERE id = 1 FOR KEY SHARE",
        &[],
    )?;
    kill_switch_state(col(&row, 0)?)
}

/// The kill switch state, locked for a change (conflicts with every holder of
/// [`share_kill_switch`]).
pub(super) fn lock_kill_switch(conn: &mut Conn) -> Result<KillSwitchState, StoreError> {
    let row = conn.one(
        "lock kill switch",
        "SELECT state FROM kill_switch WHERE id = 1 FOR UPDATE",
        &[],
    )?;
    kill_switch_state(col(&row, 0)?)
}

/// Locks one wallet's row until commit and returns its status (`None`: no such
/// wallet). `FOR NO KEY UPDATE`: the wallet's own operations queue, while rows that
/// merely reference it (foreign keys) can still be written.
pub(super) fn lock_wallet(
    conn: &mut Conn,
    wallet: WalletId,
) -> Result<Option<WalletStatus>, StoreError> {
    conn.opt(
        "lock wallet",
        "SELECT status FROM wallets WHERE id = $1 FOR NO KEY UPDATE",
        &[&wallet.to_string()],
    )?
    .map(|row| {
        let s: &str = col(&row, 0)?;
        WalletStatus::parse(s).ok_or_else(|| corrupt("wallets", format!("status `{s}`")))
    })
    .transpose()
}

/// Locks several wallets' rows, in id order (so two such transactions never wait for
/// each other in a cycle).
pub(super) fn lock_wallets(conn: &mut Conn, wallets: &[WalletId]) -> Result<(), StoreError> {
    let mut ids: Vec<String> = wallets.iter().map(ToString::to_string).collect();
    ids.sort_unstable();
    ids.dedup();
    conn.query(
        "lock wallets",
        "SELECT id FROM wallets WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
        &[&ids],
    )?;
    Ok(())
}

/// Locks every wallet's row, in id order (cascades over all wallets).
pub(super) fn lock_all_wallets(conn: &mut Conn) -> Result<(), StoreError> {
    conn.query(
        "lock wallets",
        "SELECT id FROM wallets ORDER BY id FOR NO KEY UPDATE",
        &[],
    )?;
    Ok(())
}
