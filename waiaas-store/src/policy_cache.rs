//! The per-process policy cache every backend keeps: the whole policy set, reloaded
//! when the stored policy epoch moved (any writer, any process or host, bumps it with
//! every policy write), and the applicable subset per wallet.

use std::collections::HashMap;
use std::sync::Arc;

use waiaas_core::error::StoreError;
use waiaas_core::ids::WalletId;
use waiaas_core::policy::PolicyRecord;

/// Policies cached per process, invalidated by the policy epoch.
#[derive(Debug, Default)]
pub(crate) struct PolicyCache {
    epoch: Option<i64>,
    all: Vec<PolicyRecord>,
    per_wallet: HashMap<WalletId, Arc<[PolicyRecord]>>,
}

impl PolicyCache {
    /// The policies that can apply to `wallet` (its own and the global ones) at the
    /// stored `epoch`, read inside the caller's transaction; `load_all` reads every
    /// policy when the epoch moved since the last call.
    pub(crate) fn applicable(
        &mut self,
        epoch: i64,
        wallet: WalletId,
        load_all: impl FnOnce() -> Result<Vec<PolicyRecord>, StoreError>,
    ) -> Result<Arc<[PolicyRecord]>, StoreError> {
        if self.epoch != Some(epoch) {
            self.all = load_all()?;
            self.per_wallet.clear();
            self.epoch = Some(epoch);
        }
        if let Some(p) = self.per_wallet.get(&wallet) {
            return Ok(Arc::clone(p));
        }
        let list: Arc<[PolicyRecord]> = self
            .all
            .iter()
            .filter(|p| p.wallet_id.is_none() || p.wallet_id == Some(wallet))
            .cloned()
            .collect();
        self.per_wallet.insert(wallet, Arc::clone(&list));
        Ok(list)
    }
}
