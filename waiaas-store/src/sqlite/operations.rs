//! The row primitives of [`crate::operations`] on a SQLite write transaction (which
//! holds the whole database: every operation is serialized).

use std::sync::Arc;

use rusqlite::Connection;
use waiaas_core::audit::{AuditEntry, AuditKey};
use waiaas_core::error::StoreError;
use waiaas_core::ids::{SessionId, TxId, WalletId};
use waiaas_core::policy::{PolicyRecord, PolicyRequest};
use waiaas_core::store::{AdmissionGate, TxRecord, TxTransition};
use waiaas_core::tier::Tier;

use super::SqliteStore;
use super::{audit, clock, ledger, owners, policies, settings, transactions};
use crate::operations::{CancelScope, LedgerRow, Rows};

/// An open write transaction of `store`, with the audit key when the operation may
/// append.
pub(super) struct SqliteRows<'c> {
    store: &'c SqliteStore,
    conn: &'c Connection,
    key: Option<&'c AuditKey>,
}

impl<'c> SqliteRows<'c> {
    pub(super) fn new(
        store: &'c SqliteStore,
        conn: &'c Connection,
        key: Option<&'c AuditKey>,
    ) -> Self {
        Self { store, conn, key }
    }
}

impl Rows for SqliteRows<'_> {
    fn advance_time(&mut self, now: i64) -> Result<i64, StoreError> {
        clock::advance_time(self.conn, now)
    }

    fn applicable_policies(&mut self, wallet: WalletId) -> Result<Arc<[PolicyRecord]>, StoreError> {
        // Lock order everywhere: connection, then policy cache.
        policies::applicable(&mut self.store.policy_cache(), self.conn, wallet)
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
        wallet: WalletId,
        session: Option<SessionId>,
        now: i64,
    ) -> Result<Option<AdmissionGate>, StoreError> {
        transactions::gate(self.conn, wallet, session, now)
    }

    fn has_owner(&mut self, wallet: WalletId) -> Result<bool, StoreError> {
        Ok(owners::owner_row(self.conn, wallet)?.is_some())
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        settings::setting_row(self.conn, key)
    }

    fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let key = self.key.ok_or(StoreError::AuditKeyMissing)?;
        audit::append_all(self.conn, key, entries)
    }
}
