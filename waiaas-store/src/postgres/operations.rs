//! The row primitives of [`crate::operations`] on a PostgreSQL transaction. The
//! caller has taken the locks the operation needs (`locks.rs`) before running it.

use std::sync::Arc;

use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::{SessionId, TxId, WalletId};
use waiaas_core::policy::{PolicyRecord, PolicyRequest};
use waiaas_core::store::{AdmissionGate, KillSwitchState, TxRecord, TxTransition, WalletStatus};
use waiaas_core::tier::Tier;

use super::PgStore;
use super::pool::Conn;
use super::{audit, clock, ledger, owners, policies, settings, transactions};
use crate::operations::{CancelScope, LedgerRow, Rows};

/// An open transaction on `conn`.
pub(super) struct PgRows<'c> {
    store: &'c PgStore,
    conn: &'c mut Conn,
    /// The kill switch and wallet status read under their locks, for the gate.
    gated: Option<(KillSwitchState, Option<WalletStatus>)>,
}

impl<'c> PgRows<'c> {
    pub(super) fn new(store: &'c PgStore, conn: &'c mut Conn) -> Self {
        Self {
            store,
            conn,
            gated: None,
        }
    }

    /// With the kill switch state and the wallet's status read under their locks.
    pub(super) fn gated(self, ks: KillSwitchState, status: Option<WalletStatus>) -> Self {
        Self {
            gated: Some((ks, status)),
            ..self
        }
    }
}

impl Rows for PgRows<'_> {
    fn advance_time(&mut self, now: i64) -> Result<i64, StoreError> {
        clock::advance_time(self.conn, now)
    }

    fn applicable_policies(&mut self, wallet: WalletId) -> Result<Arc<[PolicyRecord]>, StoreError> {
        policies::applicable(self.store, self.conn, wallet)
    }

    fn reservation_exists(&mut self, request_id: &str) -> Result<bool, StoreError> {
        ledger::reservation_exists(self.conn, request_id)
    }

    fn spend_windows(&mut self, wallet: &str) -> Result<Option<String>, StoreError> {
        ledger::spend_windows(self.conn, wallet)
    }

    fn save_spend_windows(
        &mut self,
        wallet: &str,
        state: &str,
        exists: bool,
    ) -> Result<(), StoreError> {
        ledger::save_spend_windows(self.conn, wallet, state, exists)
    }

    fn reserved_spends(&mut self, wallet: &str) -> Result<Vec<String>, StoreError> {
        ledger::reserved_spends(self.conn, wallet)
    }

    fn ledger_entries(
        &mut self,
        wallet: &str,
        after: i64,
        upto: Option<i64>,
    ) -> Result<Vec<(String, String)>, StoreError> {
        ledger::ledger_entries(self.conn, wallet, after, upto)
    }

    fn insert_reservation(
        &mut self,
        request: &PolicyRequest,
        tier: Tier,
        spend: &str,
        created_at: i64,
    ) -> Result<(), StoreError> {
        ledger::insert_reservation(self.conn, request, tier, spend, created_at)
    }

    fn ledger_row(&mut self, request_id: TxId) -> Result<Option<LedgerRow>, StoreError> {
        ledger::ledger_row(self.conn, request_id)
    }

    fn set_ledger_status(&mut self, seq: i64, status: &str, now: i64) -> Result<(), StoreError> {
        ledger::set_ledger_status(self.conn, seq, status, now)
    }

    fn tx_by_id(&mut self, id: TxId) -> Result<Option<TxRecord>, StoreError> {
        transactions::tx_by_id(self.conn, id)
    }

    fn tx_by_idempotency_key(
        &mut self,
        wallet: WalletId,
        key: &str,
    ) -> Result<Option<TxRecord>, StoreError> {
        transactions::tx_by_idempotency_key(self.conn, wallet, key)
    }

    fn in_flight(&mut self, scope: CancelScope) -> Result<Vec<TxRecord>, StoreError> {
        transactions::in_flight(self.conn, scope)
    }

    fn insert_tx(&mut self, record: &TxRecord) -> Result<(), StoreError> {
        transactions::insert_tx(self.conn, record)
    }

    fn update_tx(
        &mut self,
        current: &TxRecord,
        change: &TxTransition,
        now: i64,
    ) -> Result<(), StoreError> {
        transactions::update_tx(self.conn, current, change, now)
    }

    fn gate(
        &mut self,
        _wallet: WalletId,
        session: Option<SessionId>,
        now: i64,
    ) -> Result<Option<AdmissionGate>, StoreError> {
        // Only operations that locked the kill switch and the wallet ask: without
        // those locks the answer could be stale by commit, so refuse to guess.
        let (ks, status) = self.gated.ok_or_else(|| StoreError::Database {
            operation: "gate",
            message: "the kill switch and wallet locks were not taken".to_owned(),
        })?;
        transactions::gate(self.conn, ks, status, session, now)
    }

    fn has_owner(&mut self, wallet: WalletId) -> Result<bool, StoreError> {
        Ok(owners::owner_row(self.conn, wallet)?.is_some())
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        settings::setting_row(self.conn, key)
    }

    fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        for entry in entries {
            audit::append(self.conn, entry);
        }
        Ok(())
    }
}
