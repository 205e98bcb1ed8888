//! Transactions as the operator sees them: list, read, cancel, veto.

use waiaas_core::audit::Actor;
use waiaas_core::store::TxFilter;
use waiaas_core::{TxId, TxStatus};

use super::Admin;
use crate::error::{Error, Result};
use crate::record::Transaction;

impl Admin {
    /// Transactions, newest first.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn transactions(&self, filter: &TxFilter) -> Result<Vec<Transaction>> {
        Ok(self
            .inner
            .store
            .transactions(filter)?
            .iter()
            .map(Transaction::try_from)
            .collect::<std::result::Result<_, _>>()?)
    }

    /// One transaction.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`.
    pub fn transaction(&self, id: TxId) -> Result<Transaction> {
        let r = self
            .inner
            .store
            .transaction(id)?
            .ok_or(Error::TxNotFound(id))?;
        Ok(Transaction::try_from(&r)?)
    }

    /// Cancels a QUEUED or PENDING_APPROVAL transaction; its reservation is released.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`; `TX_ALREADY_PROCESSED`.
    pub fn cancel_transaction(&self, id: TxId) -> Result<Transaction> {
        self.transaction(id)?;
        self.inner
            .end(
                id,
                &[TxStatus::Queued, TxStatus::PendingApproval],
                TxStatus::Cancelled,
                &Actor::Operator,
                "TX_CANCELLED",
            )?
            .ok_or_else(|| self.inner.already_processed(id))
            .and_then(|r| Ok(Transaction::try_from(&r)?))
    }

    /// Rejects a PENDING_APPROVAL transaction on the owner's behalf (the operator's
    /// veto); its reservation is released.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`; `TX_ALREADY_PROCESSED`.
    pub fn reject_transaction(&self, id: TxId) -> Result<Transaction> {
        self.transaction(id)?;
        self.inner
            .end(
                id,
                &[TxStatus::PendingApproval],
                TxStatus::Rejected,
                &Actor::Operator,
                "TX_REJECTED",
            )?
            .ok_or_else(|| self.inner.already_processed(id))
            .and_then(|r| Ok(Transaction::try_from(&r)?))
    }

    /// Runs due DELAY transactions and expires approvals (see [`crate::Waiaas::process_due`]).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn process_due(&self) -> Result<Vec<Transaction>> {
        self.inner.process_due()
    }
}
