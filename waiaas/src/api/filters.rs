//! What the operator lists: the JSON forms of [`TxFilter`] and [`PolicyFilter`], which
//! carry no serde of their own (they are store arguments, not wire types).

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use waiaas_core::policy::PolicyFilter;
use waiaas_core::store::TxFilter;
use waiaas_core::{TxStatus, ValidationError, WalletId};

use super::schema::wallet_id_schema;

fn statuses_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "array", "items": { "type": "string", "enum": TxStatus::NAMES } })
}

/// `GET /v1/transactions` (operator): `{"walletId", "statuses", "limit"}`, all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListTransactions {
    /// Only this wallet's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
    /// Only these statuses (`QUEUED`, `PENDING_APPROVAL`, …; empty = any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "statuses_schema")]
    pub statuses: Vec<TxStatus>,
    /// At most this many, newest first (default 0 = no limit).
    #[serde(default)]
    pub limit: u32,
}

impl ListTransactions {
    /// The filter `Admin::transactions` takes.
    #[must_use]
    pub fn to_filter(&self) -> TxFilter {
        TxFilter {
            wallet_id: self.wallet_id,
            statuses: self.statuses.clone(),
            limit: self.limit,
        }
    }
}

/// Which policies [`ListPolicies`] selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyScope {
    /// Every policy (the default without `walletId`).
    All,
    /// Global policies only (no wallet).
    Global,
    /// The wallet's own policies, not the global ones (the default with `walletId`).
    Wallet,
    /// Everything that can apply to the wallet: its own and the global ones.
    Applicable,
}

/// `GET /v1/policies`: `{"walletId", "scope"}`, both optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListPolicies {
    /// The wallet (required by `WALLET` and `APPLICABLE`, refused by `ALL` and `GLOBAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
    /// `ALL`, `GLOBAL`, `WALLET` or `APPLICABLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<PolicyScope>,
}

impl ListPolicies {
    /// The filter `Admin::policies` takes.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` when `walletId` is missing for `WALLET` / `APPLICABLE`, or
    /// given with `ALL` / `GLOBAL` (it would be ignored).
    pub fn to_filter(&self) -> Result<PolicyFilter, ValidationError> {
        let scope = self.scope.unwrap_or(if self.wallet_id.is_some() {
            PolicyScope::Wallet
        } else {
            PolicyScope::All
        });
        match (scope, self.wallet_id) {
            (PolicyScope::All, None) => Ok(PolicyFilter::All),
            (PolicyScope::Global, None) => Ok(PolicyFilter::Global),
            (PolicyScope::Wallet, Some(w)) => Ok(PolicyFilter::Wallet(w)),
            (PolicyScope::Applicable, Some(w)) => Ok(PolicyFilter::ApplicableTo(w)),
            (PolicyScope::All | PolicyScope::Global, Some(_)) => Err(ValidationError::field(
                "walletId",
                "does not apply to scope `ALL` or `GLOBAL`; drop it or use `WALLET` / `APPLICABLE`",
            )),
            (PolicyScope::Wallet | PolicyScope::Applicable, None) => Err(ValidationError::field(
                "walletId",
                "is required for scope `WALLET` and `APPLICABLE`",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn policy_scopes_map_to_filters() {
        let w = WalletId::new();
        let list = |v: serde_json::Value| {
            serde_json::from_value::<ListPolicies>(v)
                .unwrap()
                .to_filter()
        };
        assert_eq!(list(json!({})).unwrap(), PolicyFilter::All);
        assert_eq!(
            list(json!({"scope": "GLOBAL"})).unwrap(),
            PolicyFilter::Global
        );
        assert_eq!(
            list(json!({"walletId": w})).unwrap(),
            PolicyFilter::Wallet(w)
        );
        assert_eq!(
            list(json!({"walletId": w, "scope": "APPLICABLE"})).unwrap(),
            PolicyFilter::ApplicableTo(w)
        );
        assert!(list(json!({"scope": "APPLICABLE"})).is_err());
        assert!(list(json!({"walletId": w, "scope": "GLOBAL"})).is_err());
        assert!(serde_json::from_value::<ListPolicies>(json!({"wallet_id": w})).is_err());
    }

    #[test]
    fn transaction_filter_decodes_statuses() {
        let f: ListTransactions =
            serde_json::from_value(json!({"statuses": ["QUEUED"], "limit": 5})).unwrap();
        assert_eq!(
            f.to_filter(),
            TxFilter {
                wallet_id: None,
                statuses: vec![TxStatus::Queued],
                limit: 5
            }
        );
        assert!(serde_json::from_value::<ListTransactions>(json!({"status": "QUEUED"})).is_err());
        assert!(serde_json::from_value::<ListTransactions>(json!({"statuses": ["NOPE"]})).is_err());
    }
}
