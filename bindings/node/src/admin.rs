//! `Admin`: the operator's handle (`waiaas::Admin`).

use napi::Env;
use napi::bindgen_prelude::AsyncTask;
use waiaas::SecretString;
use waiaas::api::{
    AuditFilter, CreateSession, CreateWallet, ListPolicies, ListTransactions, NewPolicy,
    PolicyUpdate, Quickset, SessionWithToken, Settings,
};

use crate::agent::{Agent, Owner};
use crate::error::{Outcome, sync};
use crate::notify::JsNotifiers;
use crate::task::JsonTask;
use crate::{from_js, id, optional, to_js};

/// The operator: wallets, policies, sessions, owners, kill switch.
#[napi]
pub struct Admin {
    inner: Option<waiaas::Admin>,
    /// The vault's JS notifier callbacks, released by `close()` (or when this object is
    /// collected) so the process can exit.
    notifiers: JsNotifiers,
}

impl Admin {
    pub(crate) fn wrap(inner: waiaas::Admin, notifiers: JsNotifiers) -> Self {
        Self {
            inner: Some(inner),
            notifiers,
        }
    }

    fn get(&self) -> Outcome<&waiaas::Admin> {
        self.inner
            .as_ref()
            .ok_or_else(|| waiaas_core::VaultError::Locked.into())
    }

    /// A clone for a call that runs off the main thread.
    fn handle(&self) -> Outcome<waiaas::Admin> {
        self.get().cloned()
    }
}

#[napi]
impl Admin {
    /// Creates a wallet (`api::CreateWallet`: `{name, chain?, environment?, network?}`).
    #[napi(
        ts_args_type = "request: { name: string; chain?: string; environment?: string; network?: string }",
        ts_return_type = "WalletInfo"
    )]
    pub fn create_wallet(&self, env: Env, request: String) -> napi::Result<String> {
        sync(&env, || {
            let request: CreateWallet = from_js("request", &request)?;
            let network = request.network()?;
            to_js(&self.get()?.create_wallet(&request.name, network)?)
        })
    }

    /// Imports a key (`request` as for `createWallet`; `key`: a Solana keypair as
    /// base58 or a JSON array, an EVM private key as hex). The key is never echoed,
    /// not even in an error.
    #[napi(
        ts_args_type = "request: { name: string; chain?: string; environment?: string; network?: string }, key: string",
        ts_return_type = "WalletInfo"
    )]
    pub fn import_wallet(&self, env: Env, request: String, key: String) -> napi::Result<String> {
        let key = SecretString::from(key);
        sync(&env, || {
            let request: CreateWallet = from_js("request", &request)?;
            let network = request.network()?;
            to_js(&self.get()?.import_wallet(&request.name, network, &key)?)
        })
    }

    /// Imports a wallet from a BIP-39 mnemonic (default derivation path of the chain
    /// unless `path`); the seed derivation (PBKDF2, 2048 rounds) runs off the main
    /// thread. The mnemonic and passphrase are never echoed.
    #[napi(
        ts_args_type = "request: { name: string; chain?: string; environment?: string; network?: string }, mnemonic: string, passphrase?: string | null, path?: string | null",
        ts_return_type = "Promise<WalletInfo>"
    )]
    pub fn import_mnemonic(
        &self,
        request: String,
        mnemonic: String,
        passphrase: Option<String>,
        path: Option<String>,
    ) -> AsyncTask<JsonTask> {
        let admin = self.handle();
        let mnemonic = SecretString::from(mnemonic);
        let passphrase = passphrase.map(SecretString::from);
        AsyncTask::new(JsonTask::new(move || {
            let request: CreateWallet = from_js("request", &request)?;
            let network = request.network()?;
            to_js(&admin?.import_mnemonic(
                &request.name,
                network,
                mnemonic,
                passphrase,
                path.as_deref(),
            )?)
        }))
    }

    /// Every wallet (`WalletInfo[]`).
    #[napi(ts_return_type = "WalletInfo[]")]
    pub fn wallets(&self, env: Env) -> napi::Result<String> {
        sync(&env, || to_js(&self.get()?.wallets()?))
    }

    /// One wallet.
    #[napi(ts_return_type = "WalletInfo")]
    pub fn wallet(&self, env: Env, wallet_id: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.get()?.wallet(id("walletId", wallet_id)?)?)
        })
    }

    /// Renames a wallet.
    #[napi(ts_return_type = "WalletInfo")]
    pub fn rename_wallet(&self, env: Env, wallet_id: String, name: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(
                &self
                    .get()?
                    .rename_wallet(id("walletId", wallet_id)?, &name)?,
            )
        })
    }

    /// Suspends a wallet: it signs nothing until resumed (its in-flight transactions
    /// are cancelled).
    #[napi(ts_return_type = "WalletInfo")]
    pub fn suspend_wallet(&self, env: Env, wallet_id: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.get()?.suspend_wallet(id("walletId", wallet_id)?)?)
        })
    }

    /// Resumes a suspended wallet.
    #[napi(ts_return_type = "WalletInfo")]
    pub fn resume_wallet(&self, env: Env, wallet_id: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.get()?.resume_wallet(id("walletId", wallet_id)?)?)
        })
    }

    /// Deletes a wallet and its key. Irreversible.
    #[napi]
    pub fn delete_wallet(&self, env: Env, wallet_id: String) -> napi::Result<()> {
        sync(&env, || {
            Ok(self.get()?.delete_wallet(id("walletId", wallet_id)?)?)
        })
    }

    /// Creates a policy (`api::NewPolicy`: `{type, rules, walletId?, network?, priority?, enabled?}`).
    #[napi(
        ts_args_type = "policy: { type: string; rules: Record<string, unknown>; walletId?: string; network?: string; priority?: number; enabled?: boolean }",
        ts_return_type = "PolicyRecord"
    )]
    pub fn create_policy(&self, env: Env, policy: String) -> napi::Result<String> {
        sync(&env, || {
            let policy: NewPolicy = from_js("policy", &policy)?;
            to_js(&self.get()?.create_policy(policy)?)
        })
    }

    /// Policies (`api::ListPolicies`: `{walletId?, scope?: 'ALL' | 'GLOBAL' | 'WALLET' | 'APPLICABLE_TO'}`;
    /// every policy by default).
    #[napi(
        ts_args_type = "filter?: { walletId?: string; scope?: 'ALL' | 'GLOBAL' | 'WALLET' | 'APPLICABLE_TO' } | null",
        ts_return_type = "PolicyRecord[]"
    )]
    pub fn policies(&self, env: Env, filter: String) -> napi::Result<String> {
        sync(&env, || {
            let filter: ListPolicies = optional("filter", &filter)?;
            to_js(&self.get()?.policies(filter.filter()?)?)
        })
    }

    /// Changes a policy (`api::PolicyUpdate`: `{rules?, priority?, enabled?}`).
    #[napi(
        ts_args_type = "policyId: string, change: { rules?: Record<string, unknown>; priority?: number; enabled?: boolean }",
        ts_return_type = "PolicyRecord"
    )]
    pub fn update_policy(
        &self,
        env: Env,
        policy_id: String,
        change: String,
    ) -> napi::Result<String> {
        sync(&env, || {
            let change: PolicyUpdate = from_js("change", &change)?;
            to_js(
                &self
                    .get()?
                    .update_policy(id("policyId", policy_id)?, change)?,
            )
        })
    }

    /// Deletes a policy.
    #[napi]
    pub fn delete_policy(&self, env: Env, policy_id: String) -> napi::Result<()> {
        sync(&env, || {
            Ok(self.get()?.delete_policy(id("policyId", policy_id)?)?)
        })
    }

    /// Creates the starter policy set for a wallet (`api::Quickset`: `{walletId, mode}`).
    #[napi(
        ts_args_type = "request: { walletId: string; mode: 'mainnet' | 'testnet' }",
        ts_return_type = "PolicyRecord[]"
    )]
    pub fn quickset(&self, env: Env, request: String) -> napi::Result<String> {
        sync(&env, || {
            let request: Quickset = from_js("request", &request)?;
            to_js(&self.get()?.quickset(request.wallet_id, request.mode)?)
        })
    }

    /// Issues a session (`api::CreateSession`); answers `{token, session}`.
    #[napi(
        ts_args_type = "request: { walletId?: string; walletIds?: string[]; ttl?: number; maxRenewals?: number; absoluteLifetime?: number; permissions?: string[]; label?: string }",
        ts_return_type = "SessionWithToken"
    )]
    pub fn create_session(&self, env: Env, request: String) -> napi::Result<String> {
        sync(&env, || {
            let request: CreateSession = from_js("request", &request)?;
            let issued = self.get()?.create_session(&request.to_request()?)?;
            to_js(&SessionWithToken::from(&issued))
        })
    }

    /// Sessions, of one wallet or all.
    #[napi(ts_return_type = "SessionInfo[]")]
    pub fn sessions(&self, env: Env, wallet_id: Option<String>) -> napi::Result<String> {
        sync(&env, || {
            let wallet = wallet_id.map(|w| id("walletId", w)).transpose()?;
            to_js(&self.get()?.sessions(wallet)?)
        })
    }

    /// Revokes a session at once, for every process using the vault.
    #[napi]
    pub fn revoke_session(&self, env: Env, session_id: String) -> napi::Result<()> {
        sync(&env, || {
            Ok(self.get()?.revoke_session(id("sessionId", session_id)?)?)
        })
    }

    /// Rotates the token signing secret (tokens signed with the old one stay valid
    /// for 300 s).
    #[napi]
    pub fn rotate_session_secret(&self, env: Env) -> napi::Result<()> {
        sync(&env, || Ok(self.get()?.rotate_session_secret()?))
    }

    /// Registers the owner of a wallet by address.
    #[napi(ts_return_type = "OwnerInfo")]
    pub fn set_owner(&self, env: Env, wallet_id: String, address: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(
                &self
                    .get()?
                    .set_owner(id("walletId", wallet_id)?, &address)?,
            )
        })
    }

    /// The owner of a wallet (`state` NONE, GRACE or LOCKED).
    #[napi(ts_return_type = "OwnerInfo")]
    pub fn owner(&self, env: Env, wallet_id: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.get()?.owner(id("walletId", wallet_id)?)?)
        })
    }

    /// Removes an owner that has not proven its key yet (GRACE).
    #[napi(ts_return_type = "OwnerInfo")]
    pub fn remove_owner(&self, env: Env, wallet_id: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.get()?.remove_owner(id("walletId", wallet_id)?)?)
        })
    }

    /// Proves the owner's key with its signature over `verificationMessage`
    /// (GRACE → LOCKED).
    #[napi(ts_return_type = "OwnerInfo")]
    pub fn verify_owner(
        &self,
        env: Env,
        wallet_id: String,
        signature: String,
        message: String,
    ) -> napi::Result<String> {
        sync(&env, || {
            to_js(
                &self
                    .get()?
                    .verify_owner(id("walletId", wallet_id)?, &signature, &message)?,
            )
        })
    }

    /// Owner actions (approve, reject, cancel, kill switch), each proven by the
    /// owner's signature.
    #[napi]
    pub fn owner_actions(&self, env: Env) -> napi::Result<Owner> {
        sync(&env, || Ok(Owner::wrap(self.get()?.owner_actions())))
    }

    /// An agent handle for a session token.
    #[napi]
    pub fn agent(&self, env: Env, token: String) -> napi::Result<Agent> {
        sync(&env, || Ok(Agent::wrap(self.get()?.agent(&token)?)))
    }

    /// Transactions, newest first (`api::ListTransactions`: `{walletId?, statuses?, limit?}`;
    /// all by default).
    #[napi(
        ts_args_type = "filter?: { walletId?: string; statuses?: string[]; limit?: number } | null",
        ts_return_type = "Transaction[]"
    )]
    pub fn transactions(&self, env: Env, filter: String) -> napi::Result<String> {
        sync(&env, || {
            let filter: ListTransactions = optional("filter", &filter)?;
            to_js(&self.get()?.transactions(&filter.filter())?)
        })
    }

    /// One transaction.
    #[napi(ts_return_type = "Transaction")]
    pub fn transaction(&self, env: Env, tx_id: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.get()?.transaction(id("txId", tx_id)?)?)
        })
    }

    /// Cancels a QUEUED or PENDING_APPROVAL transaction (its reservation is released).
    #[napi(ts_return_type = "Transaction")]
    pub fn cancel_transaction(&self, env: Env, tx_id: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.get()?.cancel_transaction(id("txId", tx_id)?)?)
        })
    }

    /// Rejects a PENDING_APPROVAL transaction (the operator's veto).
    #[napi(ts_return_type = "Transaction")]
    pub fn reject_transaction(&self, env: Env, tx_id: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.get()?.reject_transaction(id("txId", tx_id)?)?)
        })
    }

    /// Runs the DELAY transactions whose time has come and expires overdue approvals,
    /// off the main thread (it signs, and broadcasts with a chain client).
    #[napi(ts_return_type = "Promise<Transaction[]>")]
    pub fn process_due(&self) -> AsyncTask<JsonTask> {
        let admin = self.handle();
        AsyncTask::new(JsonTask::new(move || to_js(&admin?.process_due()?)))
    }

    /// The kill switch state: `ACTIVE`, `SUSPENDED` or `LOCKED`.
    #[napi(ts_return_type = "'ACTIVE' | 'SUSPENDED' | 'LOCKED'")]
    pub fn kill_switch_state(&self, env: Env) -> napi::Result<String> {
        sync(&env, || to_js(&self.get()?.kill_switch_state()?))
    }

    /// Stops everything: suspends wallets, revokes sessions, cancels pending work.
    #[napi(ts_return_type = "KillSwitchReport")]
    pub fn activate_kill_switch(&self, env: Env, reason: String) -> napi::Result<String> {
        sync(&env, || to_js(&self.get()?.activate_kill_switch(&reason)?))
    }

    /// SUSPENDED → LOCKED.
    #[napi(ts_return_type = "'ACTIVE' | 'SUSPENDED' | 'LOCKED'")]
    pub fn escalate_kill_switch(&self, env: Env, reason: String) -> napi::Result<String> {
        sync(&env, || to_js(&self.get()?.escalate_kill_switch(&reason)?))
    }

    /// SUSPENDED or LOCKED → ACTIVE (wallets stay suspended until resumed one by one).
    #[napi(ts_return_type = "'ACTIVE' | 'SUSPENDED' | 'LOCKED'")]
    pub fn recover_kill_switch(&self, env: Env) -> napi::Result<String> {
        sync(&env, || to_js(&self.get()?.recover_kill_switch()?))
    }

    /// Audit records, in order (`api::AuditFilter`: `{after?, limit?, walletId?, txId?,
    /// event?, actor?, since?}`; all by default).
    #[napi(
        ts_args_type = "filter?: { after?: number; limit?: number; walletId?: string; txId?: string; event?: string; actor?: string; since?: number } | null",
        ts_return_type = "AuditRecord[]"
    )]
    pub fn audit_log(&self, env: Env, filter: String) -> napi::Result<String> {
        sync(&env, || {
            let filter: AuditFilter = optional("filter", &filter)?;
            to_js(&self.get()?.audit_log_filtered(&filter)?)
        })
    }

    /// The audit log's head (`seq` and keyed hash), also sent to every notifier as an
    /// `AUDIT_HEAD` event; `null` for an empty log.
    #[napi(ts_return_type = "AuditHead | null")]
    pub fn audit_head(&self, env: Env) -> napi::Result<String> {
        sync(&env, || to_js(&self.get()?.audit_head()?))
    }

    /// Recomputes the audit log's keyed chain and reports the first broken record.
    #[napi(ts_return_type = "AuditVerification")]
    pub fn verify_audit_log(&self, env: Env) -> napi::Result<String> {
        sync(&env, || to_js(&self.get()?.verify_audit_log()?))
    }

    /// The operator settings (`api::Settings`).
    #[napi(ts_return_type = "Record<string, unknown>")]
    pub fn settings(&self, env: Env) -> napi::Result<String> {
        sync(&env, || to_js(&self.get()?.settings()?))
    }

    /// Replaces the operator settings (`api::Settings`, every field).
    #[napi(ts_args_type = "settings: Record<string, unknown>")]
    pub fn set_settings(&self, env: Env, settings: String) -> napi::Result<()> {
        sync(&env, || {
            let settings: Settings = from_js("settings", &settings)?;
            Ok(self.get()?.set_settings(&settings)?)
        })
    }

    /// Changes the master password (Argon2id, off the main thread); `recovery.key` is
    /// deleted. Resolves to `null`.
    #[napi(ts_return_type = "Promise<null>")]
    pub fn change_password(&self, current: String, new_password: String) -> AsyncTask<JsonTask> {
        let admin = self.handle();
        let (current, new_password) = (
            SecretString::from(current),
            SecretString::from(new_password),
        );
        AsyncTask::new(JsonTask::new(move || {
            admin?.change_password(&current, &new_password)?;
            Ok("null".to_owned())
        }))
    }

    /// Drops this handle and releases the JS notifier callbacks (the event loop no
    /// longer waits for them): with no other handle (agents, owners, pending calls)
    /// left, the vault's data key is wiped at once. Later calls fail with `VAULT_LOCKED`.
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
        self.notifiers.release();
    }
}
