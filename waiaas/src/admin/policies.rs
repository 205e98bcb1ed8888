//! Policies and the starter sets.

use waiaas_core::policy::{PolicyFilter, PolicyRecord};
use waiaas_core::{PolicyId, WalletId};
use waiaas_policy::{NewPolicy, PolicyUpdate, QuicksetMode};

use super::Admin;
use crate::error::Result;

impl Admin {
    /// Creates a policy (rules validated; the error names the field).
    ///
    /// # Errors
    /// `VALIDATION_FAILED`; `WALLET_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn create_policy(&self, policy: NewPolicy) -> Result<PolicyRecord> {
        let p = self.policy_admin().create(policy)?;
        Ok(p)
    }

    /// Updates a policy.
    ///
    /// # Errors
    /// `POLICY_NOT_FOUND`; `VALIDATION_FAILED`; `STORAGE_ERROR`.
    pub fn update_policy(&self, id: PolicyId, change: PolicyUpdate) -> Result<PolicyRecord> {
        let p = self.policy_admin().update(id, change)?;
        Ok(p)
    }

    /// Deletes a policy.
    ///
    /// # Errors
    /// `POLICY_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn delete_policy(&self, id: PolicyId) -> Result<()> {
        Ok(self.policy_admin().delete(id)?)
    }

    /// One policy.
    ///
    /// # Errors
    /// `POLICY_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn policy(&self, id: PolicyId) -> Result<PolicyRecord> {
        Ok(self.policy_admin().get(id)?)
    }

    /// Policies.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn policies(&self, filter: PolicyFilter) -> Result<Vec<PolicyRecord>> {
        Ok(self.policy_admin().list(filter)?)
    }

    /// Creates the starter policy set for a wallet (see [`waiaas_policy::quickset`]).
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `VALIDATION_FAILED` when `mode` does not fit the network.
    pub fn quickset(&self, wallet: WalletId, mode: QuicksetMode) -> Result<Vec<PolicyRecord>> {
        let created = waiaas_policy::quickset(
            &self.policy_admin(),
            self.inner.store.as_ref(),
            wallet,
            mode,
        )?;
        Ok(created)
    }
}
