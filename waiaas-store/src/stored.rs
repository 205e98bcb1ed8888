//! Errors and conversions of stored values every backend shares.

use std::sync::{PoisonError, RwLock};

use waiaas_core::audit::AuditKey;
use waiaas_core::error::StoreError;

/// The audit chain's key a store holds: set by the vault on create and unlock, cleared
/// (and wiped) on lock; audited writes fail closed (`VAULT_LOCKED`) without it.
#[derive(Default)]
pub(crate) struct AuditKeySlot(RwLock<Option<AuditKey>>);

impl AuditKeySlot {
    /// Installs `key` (replacing and wiping any previous one).
    pub(crate) fn install(&self, key: AuditKey) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Some(key);
    }

    /// Forgets the key; dropping it wipes it.
    pub(crate) fn clear(&self) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// A copy of the key, or `VAULT_LOCKED` when none is set.
    pub(crate) fn copy(&self) -> Result<AuditKey, StoreError> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(AuditKey::duplicate)
            .ok_or(StoreError::AuditKeyMissing)
    }
}

/// A stored row that does not parse.
pub(crate) fn corrupt(table: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::CorruptRow {
        table,
        reason: reason.into(),
    }
}

/// A value to store as a signed 64-bit integer; `STORAGE_ERROR` when it does not fit.
pub(crate) fn to_i64(v: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Database {
        operation: what,
        message: "value exceeds the 64-bit signed range".to_owned(),
    })
}

/// Stored JSON of `table` that does not parse (or a value that does not serialize).
pub(crate) fn json_err(table: &'static str) -> impl Fn(serde_json::Error) -> StoreError {
    move |e| corrupt(table, e.to_string())
}

/// A count or revision stored as a signed 64-bit integer, saturating.
pub(crate) fn clamp_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
