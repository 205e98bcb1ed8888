//! Session inputs and the one output that carries a token.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use waiaas_core::session::{self, Permission, SessionInfo};
use waiaas_core::{IssuedSession, ValidationError, WalletId};

use super::schema::{permissions_schema, wallet_id_schema, wallet_ids_schema};

/// `POST /v1/sessions`, as in the article:
/// `{"walletId", "ttl", "maxRenewals", "absoluteLifetime", "permissions"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSession {
    /// The one wallet the session may use (or give `walletIds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
    /// The wallets the session may use (or give `walletId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_ids_schema")]
    pub wallet_ids: Option<Vec<WalletId>>,
    /// Token lifetime in seconds (300 ..= 31 536 000; default 3600). A renewal moves
    /// the expiry to now + `ttl` and is allowed once half of it has passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u64>,
    /// How many renewals are allowed (default 0 = unlimited).
    #[serde(default)]
    pub max_renewals: u32,
    /// Hard lifetime from creation in seconds, renewals included (default 0 = none).
    #[serde(default)]
    pub absolute_lifetime: u64,
    /// Granted permissions (default `TRANSACTION` and `BALANCE_READ`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "permissions_schema")]
    pub permissions: Option<Vec<Permission>>,
    /// Free-form label for the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl CreateSession {
    /// The session request the issuer takes.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` unless exactly one of `walletId` / `walletIds` is given.
    pub fn to_request(&self) -> Result<session::CreateSession, ValidationError> {
        let wallet_ids = match (self.wallet_id, &self.wallet_ids) {
            (Some(id), None) => vec![id],
            (None, Some(ids)) => ids.clone(),
            _ => {
                return Err(ValidationError::field(
                    "walletId",
                    "give exactly one of `walletId` and `walletIds`",
                ));
            }
        };
        let mut request = session::CreateSession::new(wallet_ids);
        if self.ttl.is_some() {
            request.ttl = self.ttl;
        }
        request.max_renewals = self.max_renewals;
        request.absolute_lifetime = self.absolute_lifetime;
        request.permissions.clone_from(&self.permissions);
        request.label.clone_from(&self.label);
        Ok(request)
    }
}

/// A session as issued or renewed: the token (`wai_sess_…`, shown once; hand it to
/// the agent) and the session's public facts.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionWithToken {
    /// The bearer token.
    pub token: String,
    /// The session.
    pub session: SessionInfo,
}

impl std::fmt::Debug for SessionWithToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionWithToken")
            .field("token", &"wai_sess_<redacted>")
            .field("session", &self.session)
            .finish()
    }
}

impl From<&IssuedSession> for SessionWithToken {
    fn from(issued: &IssuedSession) -> Self {
        Self {
            token: issued.token.expose().to_owned(),
            session: issued.info.clone(),
        }
    }
}
