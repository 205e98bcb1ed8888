//! List queries: which policies and which transactions to read. The handles take the
//! store's filter types, which have no JSON form; these are their JSON spellings.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use waiaas_core::policy::PolicyFilter;
use waiaas_core::store::TxFilter;
use waiaas_core::{TxStatus, ValidationError, WalletId};

use super::schema::wallet_id_schema;

/// Which policies a listing covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyScope {
    /// Every policy (no `walletId`).
    All,
    /// Global policies only (no `walletId`).
    Global,
    /// The policies bound to `walletId` (not the global ones).
    Wallet,
    /// Everything that can apply to `walletId`: its own and the global ones.
    ApplicableTo,
}

/// Which policies to list: `{}` for every one, `{"walletId"}` for one wallet's own,
/// `{"walletId", "scope": "APPLICABLE_TO"}` for all that apply to it,
/// `{"scope": "GLOBAL"}` for the global ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListPolicies {
    /// The wallet (required by scopes `WALLET` and `APPLICABLE_TO`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
    /// `ALL`, `GLOBAL`, `WALLET` or `APPLICABLE_TO` (default `WALLET` with a
    /// `walletId`, `ALL` without).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<PolicyScope>,
}

impl ListPolicies {
    /// The filter [`crate::Admin::policies`] takes.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` when `walletId` and `scope` disagree.
    pub fn filter(&self) -> Result<PolicyFilter, ValidationError> {
        match (self.scope, self.wallet_id) {
            (None | Some(PolicyScope::All), None) => Ok(PolicyFilter::All),
            (Some(PolicyScope::Global), None) => Ok(PolicyFilter::Global),
            (None | Some(PolicyScope::Wallet), Some(w)) => Ok(PolicyFilter::Wallet(w)),
            (Some(PolicyScope::ApplicableTo), Some(w)) => Ok(PolicyFilter::ApplicableTo(w)),
            (Some(PolicyScope::Wallet | PolicyScope::ApplicableTo), None) => Err(
                ValidationError::field("walletId", "is required with this `scope`"),
            ),
            (Some(PolicyScope::All | PolicyScope::Global), Some(_)) => Err(ValidationError::field(
                "walletId",
                "does not apply to this `scope`; drop it",
            )),
        }
    }
}

/// Which transactions to list, newest first: `{"walletId", "statuses", "limit"}`,
/// every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListTransactions {
    /// Only this wallet's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
    /// Only these statuses (`QUEUED`, `PENDING_APPROVAL`, `SIGNED`, …; default all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "statuses_schema")]
    pub statuses: Vec<TxStatus>,
    /// At most this many (default 0 = no limit).
    #[serde(default)]
    pub limit: u32,
}

impl ListTransactions {
    /// The filter [`crate::Admin::transactions`] takes.
    #[must_use]
    pub fn filter(&self) -> TxFilter {
        TxFilter {
            wallet_id: self.wallet_id,
            statuses: self.statuses.clone(),
            limit: self.limit,
        }
    }
}

fn statuses_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "array", "items": { "type": "string", "enum": TxStatus::NAMES } })
}
