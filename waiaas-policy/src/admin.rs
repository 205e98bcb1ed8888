//! Creating, changing, listing and deleting policies, with validation on create AND
//! update. The store only stores; every rule that reaches it went through
//! [`Rules::parse`] and is kept in its canonical snake_case form.

use serde::{Deserialize, Serialize};
use waiaas_core::audit::{Actor, AuditEntry};
use waiaas_core::policy::PolicyFilter;
use waiaas_core::{
    Clock, ErrorCode, Network, PolicyId, PolicyRecord, PolicyType, Store, StoreError,
    ValidationError, WalletId,
};

use crate::rules::Rules;

/// A policy to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPolicy {
    /// The wallet it binds to; `None` for every wallet.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub wallet_id: Option<WalletId>,
    /// The network it binds to; `None` for every network.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub network: Option<Network>,
    /// Type.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "policy_type_schema"))]
    pub policy_type: PolicyType,
    /// Rules, snake_case only (a camelCase key is refused naming the snake_case one).
    pub rules: serde_json::Value,
    /// Priority within its resolution level (higher wins; default 0).
    #[serde(default)]
    pub priority: i64,
    /// Enabled (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

#[cfg(feature = "schema")]
fn policy_type_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<&str> = PolicyType::ALL
        .into_iter()
        .map(PolicyType::as_str)
        .collect();
    schemars::json_schema!({ "type": "string", "enum": names })
}

fn yes() -> bool {
    true
}

impl NewPolicy {
    /// A global, enabled policy with priority 0.
    #[must_use]
    pub fn new(policy_type: PolicyType, rules: serde_json::Value) -> Self {
        Self {
            wallet_id: None,
            network: None,
            policy_type,
            rules,
            priority: 0,
            enabled: true,
        }
    }

    /// Binds it to `wallet`.
    #[must_use]
    pub fn for_wallet(mut self, wallet: WalletId) -> Self {
        self.wallet_id = Some(wallet);
        self
    }

    /// Binds it to `network`.
    #[must_use]
    pub fn on_network(mut self, network: Network) -> Self {
        self.network = Some(network);
        self
    }

    /// Sets the priority.
    #[must_use]
    pub fn with_priority(mut self, priority: i64) -> Self {
        self.priority = priority;
        self
    }
}

/// A change to a policy: every field left `None` stays as it is.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyUpdate {
    /// New rules (validated as on create).
    #[serde(default)]
    pub rules: Option<serde_json::Value>,
    /// New priority.
    #[serde(default)]
    pub priority: Option<i64>,
    /// Enable or disable.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Policy administration failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Rules or scope fail validation (the error names the field).
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// No policy with this id.
    #[error("policy `{0}` not found")]
    NotFound(PolicyId),
    /// The wallet the policy binds to does not exist.
    #[error("wallet `{0}` not found; create the wallet before its policies")]
    WalletNotFound(WalletId),
    /// Storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ErrorCode for PolicyError {
    fn code(&self) -> &'static str {
        match self {
            Self::Validation(e) => e.code(),
            Self::NotFound(_) => "POLICY_NOT_FOUND",
            Self::WalletNotFound(_) => "WALLET_NOT_FOUND",
            Self::Store(e) => e.code(),
        }
    }
}

/// The audit entry of a policy write: the whole record after the change.
fn audit(record: &PolicyRecord, event: &str) -> AuditEntry {
    let mut entry =
        AuditEntry::new(record.updated_at, &Actor::Operator, event).details(serde_json::json!({
            "policyId": record.id,
            "type": record.policy_type,
            "network": record.network,
            "rules": record.rules,
            "priority": record.priority,
            "enabled": record.enabled,
        }));
    entry.wallet_id = record.wallet_id;
    entry
}

/// Policy administration over a [`Store`] (an operator capability).
#[derive(Debug, Clone, Copy)]
pub struct PolicyAdmin<'a> {
    store: &'a dyn Store,
    clock: &'a dyn Clock,
}

impl<'a> PolicyAdmin<'a> {
    /// Administration of the policies in `store`, timestamped by `clock`.
    #[must_use]
    pub fn new(store: &'a dyn Store, clock: &'a dyn Clock) -> Self {
        Self { store, clock }
    }

    fn check_scope(
        &self,
        wallet: Option<WalletId>,
        network: Option<Network>,
    ) -> Result<(), PolicyError> {
        if let Some(w) = wallet {
            let rec = self
                .store
                .wallet(w)?
                .ok_or(PolicyError::WalletNotFound(w))?;
            if let Some(n) = network
                && n.chain() != rec.chain
            {
                return Err(ValidationError::field(
                    "network",
                    format!(
                        "`{n}` is not a {} network, but wallet `{w}` is; pick one of its networks",
                        rec.chain
                    ),
                )
                .into());
            }
        }
        Ok(())
    }

    /// Validates and stores a new policy.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` naming the field; `WALLET_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn create(&self, new: NewPolicy) -> Result<PolicyRecord, PolicyError> {
        let rules = Rules::parse(new.policy_type, &new.rules)?;
        self.check_scope(new.wallet_id, new.network)?;
        let now = self.clock.now();
        let record = PolicyRecord {
            id: PolicyId::new(),
            wallet_id: new.wallet_id,
            network: new.network,
            policy_type: new.policy_type,
            rules: rules.to_json(),
            priority: new.priority,
            enabled: new.enabled,
            revision: 1,
            created_at: now,
            updated_at: now,
        };
        self.store
            .insert_policy(&record, &audit(&record, "POLICY_CREATED"))?;
        Ok(record)
    }

    /// Validates and applies a change.
    ///
    /// # Errors
    /// `POLICY_NOT_FOUND`; `VALIDATION_FAILED` naming the field; `STORAGE_ERROR`.
    pub fn update(&self, id: PolicyId, change: PolicyUpdate) -> Result<PolicyRecord, PolicyError> {
        let mut record = self.store.policy(id)?.ok_or(PolicyError::NotFound(id))?;
        if let Some(rules) = change.rules {
            record.rules = Rules::parse(record.policy_type, &rules)?.to_json();
        } else {
            // Re-validate what is stored: an update never re-enables corrupt rules silently.
            Rules::parse(record.policy_type, &record.rules)?;
        }
        if let Some(p) = change.priority {
            record.priority = p;
        }
        if let Some(e) = change.enabled {
            record.enabled = e;
        }
        record.updated_at = self.clock.now();
        self.store
            .update_policy(&record, &audit(&record, "POLICY_UPDATED"))?
            .ok_or(PolicyError::NotFound(id))
    }

    /// Deletes a policy.
    ///
    /// # Errors
    /// `POLICY_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn delete(&self, id: PolicyId) -> Result<(), PolicyError> {
        let entry = AuditEntry::new(self.clock.now(), &Actor::Operator, "POLICY_DELETED")
            .details(serde_json::json!({ "policyId": id }));
        if self.store.delete_policy(id, &entry)? {
            Ok(())
        } else {
            Err(PolicyError::NotFound(id))
        }
    }

    /// One policy.
    ///
    /// # Errors
    /// `POLICY_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn get(&self, id: PolicyId) -> Result<PolicyRecord, PolicyError> {
        self.store.policy(id)?.ok_or(PolicyError::NotFound(id))
    }

    /// Policies matching `filter`, oldest first.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn list(&self, filter: PolicyFilter) -> Result<Vec<PolicyRecord>, PolicyError> {
        Ok(self.store.policies(filter)?)
    }
}
