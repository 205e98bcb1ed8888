//! `Admin`: the operator's handle (`waiaas::Admin`).

use napi::Env;
use serde_json::Value;
use waiaas::api::{CreateSession, CreateWallet, NewPolicy, SessionWithToken};

use crate::agent::{Agent, Owner};
use crate::error::{Outcome, sync};
use crate::{from_js, id, to_js};

/// The operator: wallets, policies, sessions, owners, kill switch.
#[napi]
pub struct Admin {
    inner: Option<waiaas::Admin>,
}

impl Admin {
    pub(crate) fn wrap(inner: waiaas::Admin) -> Self {
        Self { inner: Some(inner) }
    }

    fn get(&self) -> Outcome<&waiaas::Admin> {
        self.inner
            .as_ref()
            .ok_or_else(|| waiaas_core::VaultError::Locked.into())
    }
}

#[napi]
impl Admin {
    /// Creates a wallet (`api::CreateWallet`: `{name, chain?, environment?, network?}`).
    #[napi(
        ts_args_type = "request: { name: string; chain?: string; environment?: string; network?: string }",
        ts_return_type = "WalletInfo"
    )]
    pub fn create_wallet(&self, env: Env, request: Value) -> napi::Result<Value> {
        sync(&env, || {
            let request: CreateWallet = from_js("request", request)?;
            let network = request.network()?;
            to_js(&self.get()?.create_wallet(&request.name, network)?)
        })
    }

    /// Every wallet (`WalletInfo[]`).
    #[napi(ts_return_type = "WalletInfo[]")]
    pub fn wallets(&self, env: Env) -> napi::Result<Value> {
        sync(&env, || to_js(&self.get()?.wallets()?))
    }

    /// Creates a policy (`api::NewPolicy`: `{type, rules, walletId?, network?, priority?, enabled?}`).
    #[napi(
        ts_args_type = "policy: { type: string; rules: Record<string, unknown>; walletId?: string; network?: string; priority?: number; enabled?: boolean }"
    )]
    pub fn create_policy(&self, env: Env, policy: Value) -> napi::Result<Value> {
        sync(&env, || {
            let policy: NewPolicy = from_js("policy", policy)?;
            to_js(&self.get()?.create_policy(policy)?)
        })
    }

    /// Issues a session (`api::CreateSession`); answers `{token, session}`.
    #[napi(
        ts_args_type = "request: { walletId?: string; walletIds?: string[]; ttl?: number; maxRenewals?: number; absoluteLifetime?: number; permissions?: string[]; label?: string }",
        ts_return_type = "SessionWithToken"
    )]
    pub fn create_session(&self, env: Env, request: Value) -> napi::Result<Value> {
        sync(&env, || {
            let request: CreateSession = from_js("request", request)?;
            let issued = self.get()?.create_session(&request.to_request()?)?;
            to_js(&SessionWithToken::from(&issued))
        })
    }

    /// Revokes a session at once, for every process using the vault.
    #[napi]
    pub fn revoke_session(&self, env: Env, session_id: String) -> napi::Result<()> {
        sync(&env, || {
            Ok(self.get()?.revoke_session(id("sessionId", session_id)?)?)
        })
    }

    /// Registers the owner of a wallet by address.
    #[napi]
    pub fn set_owner(&self, env: Env, wallet_id: String, address: String) -> napi::Result<Value> {
        sync(&env, || {
            to_js(
                &self
                    .get()?
                    .set_owner(id("walletId", wallet_id)?, &address)?,
            )
        })
    }

    /// Owner actions (approve, reject), each proven by the owner's signature.
    #[napi]
    pub fn owner_actions(&self, env: Env) -> napi::Result<Owner> {
        sync(&env, || Ok(Owner::wrap(self.get()?.owner_actions())))
    }

    /// An agent handle for a session token.
    #[napi]
    pub fn agent(&self, env: Env, token: String) -> napi::Result<Agent> {
        sync(&env, || Ok(Agent::wrap(self.get()?.agent(&token)?)))
    }

    /// Stops everything: suspends wallets, revokes sessions, cancels pending work.
    #[napi]
    pub fn activate_kill_switch(&self, env: Env, reason: String) -> napi::Result<Value> {
        sync(&env, || to_js(&self.get()?.activate_kill_switch(&reason)?))
    }

    /// Drops this handle: with no other handle (agents, owners, pending calls) left,
    /// the vault's data key is wiped at once. Later calls fail with `VAULT_LOCKED`.
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }
}
