//! `Admin`: the operator's handle, opened with the master password.

use std::collections::HashMap;
use std::sync::Arc;

use waiaas::api;
use waiaas::{Config, Host, SecretString, StaticPriceOracle, Unlock};

use crate::events::{EventListener, notifier};
use crate::{Agent, Owner, WaiaasError, decode, encode, id, maybe_id};

/// The operator's handle: wallets, policies, sessions, the kill switch and the audit
/// log. Thread-safe; every method may block (SQLite, Argon2id), so call it off the UI
/// thread (`Dispatchers.IO` in Kotlin).
#[derive(uniffi::Object)]
pub struct Admin {
    inner: waiaas::Admin,
    prices: Arc<StaticPriceOracle>,
}

/// What the host plugs in besides `Config`: a fixed USD price table (asset id → USD per
/// whole unit, `StaticPriceOracle::from_usd`) and event listeners.
fn host(
    prices: &HashMap<String, String>,
    listeners: Vec<Arc<dyn EventListener>>,
) -> Result<(Host, Arc<StaticPriceOracle>), WaiaasError> {
    let entries: Vec<(&str, &str)> = prices
        .iter()
        .map(|(a, u)| (a.as_str(), u.as_str()))
        .collect();
    let oracle = Arc::new(StaticPriceOracle::from_usd(&entries).map_err(waiaas::Error::from)?);
    let notifiers = listeners.into_iter().map(notifier).collect();
    let host = Host {
        prices: oracle.clone(),
        notifiers,
        ..Host::default()
    };
    Ok((host, oracle))
}

/// The arguments of `create` / `open` decoded, then the vault unlocked as `how` says.
fn unlock(
    path: &str,
    password: Option<String>,
    config_json: Option<String>,
    prices: Option<HashMap<String, String>>,
    listeners: Vec<Arc<dyn EventListener>>,
    how: Unlock,
) -> Result<Arc<Admin>, WaiaasError> {
    let config =
        config_json.map_or_else(|| Ok(Config::default()), |text| decode("config", &text))?;
    let (host, prices) = host(&prices.unwrap_or_default(), listeners)?;
    let inner = waiaas::Waiaas::unlock(path, how, password.map(SecretString::from), &config, host)?;
    Ok(Arc::new(Admin { inner, prices }))
}

#[uniffi::export]
impl Admin {
    /// Creates a vault in directory `path` (Argon2id: seconds, by design). `configJson`
    /// is `waiaas::Config` as camelCase JSON; `prices` a fixed USD table by asset id;
    /// `listeners` receive every pipeline event on a library thread.
    ///
    /// # Errors
    /// `VAULT_ALREADY_EXISTS`, `VALIDATION_FAILED` (config, prices), `STORAGE_ERROR`.
    #[uniffi::constructor(default(password = None, config_json = None, prices = None, listeners = []))]
    pub fn create(
        path: String,
        password: Option<String>,
        config_json: Option<String>,
        prices: Option<HashMap<String, String>>,
        listeners: Vec<Arc<dyn EventListener>>,
    ) -> Result<Arc<Self>, WaiaasError> {
        unlock(
            &path,
            password,
            config_json,
            prices,
            listeners,
            Unlock::Create,
        )
    }

    /// Opens the vault in directory `path` (Argon2id). Arguments as in `create`.
    ///
    /// # Errors
    /// `VAULT_NOT_FOUND`, `INVALID_MASTER_PASSWORD`, `VALIDATION_FAILED`, `STORAGE_ERROR`.
    #[uniffi::constructor(default(password = None, config_json = None, prices = None, listeners = []))]
    pub fn open(
        path: String,
        password: Option<String>,
        config_json: Option<String>,
        prices: Option<HashMap<String, String>>,
        listeners: Vec<Arc<dyn EventListener>>,
    ) -> Result<Arc<Self>, WaiaasError> {
        unlock(
            &path,
            password,
            config_json,
            prices,
            listeners,
            Unlock::Open,
        )
    }

    /// Sets the USD price of one whole unit of `assetId` (`native:solana-devnet`,
    /// CAIP-19), observed now.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for an unknown asset id form or a bad decimal.
    pub fn set_price(&self, asset_id: String, usd: String) -> Result<(), WaiaasError> {
        waiaas::price::check_asset_id(&asset_id).map_err(waiaas::Error::from)?;
        let usd = waiaas::Usd::parse(&usd).map_err(waiaas::Error::from)?;
        let now = waiaas::Clock::now(&waiaas::SystemClock);
        self.prices.set_price(&asset_id, usd, "host", now);
        Ok(())
    }

    /// Creates a wallet from `api::CreateWallet` JSON (`{"name", "chain",
    /// "environment"}` or `{"name", "network"}`); returns `WalletInfo` JSON.
    ///
    /// # Errors
    /// `VALIDATION_FAILED`, `WALLET_NAME_TAKEN`, `STORAGE_ERROR`.
    pub fn create_wallet(&self, request_json: String) -> Result<String, WaiaasError> {
        let request: api::CreateWallet = decode("wallet", &request_json)?;
        let network = request.network().map_err(waiaas::Error::from)?;
        encode(&self.inner.create_wallet(&request.name, network)?)
    }

    /// Imports a wallet from its secret key (base58 / keypair JSON for Solana, `0x`-hex
    /// for EVM) on `network`; the secret is sealed at once and never echoed.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` (network, key form), `WALLET_NAME_TAKEN`, `STORAGE_ERROR`.
    pub fn import_wallet(
        &self,
        name: String,
        network: String,
        secret: String,
    ) -> Result<String, WaiaasError> {
        let network = id("network", network)?;
        let secret = SecretString::from(secret);
        encode(&self.inner.import_wallet(&name, network, &secret)?)
    }

    /// Imports a wallet from a BIP-39 mnemonic (optional passphrase and derivation
    /// path; the chain's standard path by default); nothing secret is echoed.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` (network, mnemonic, path), `STORAGE_ERROR`.
    #[uniffi::method(default(passphrase = None, path = None))]
    pub fn import_mnemonic(
        &self,
        name: String,
        network: String,
        mnemonic: String,
        passphrase: Option<String>,
        path: Option<String>,
    ) -> Result<String, WaiaasError> {
        let network = id("network", network)?;
        let wallet = self.inner.import_mnemonic(
            &name,
            network,
            SecretString::from(mnemonic),
            passphrase.map(SecretString::from),
            path.as_deref(),
        )?;
        encode(&wallet)
    }

    /// Every wallet (`WalletInfo[]` JSON).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn wallets(&self) -> Result<String, WaiaasError> {
        encode(&self.inner.wallets()?)
    }

    /// One wallet (`WalletInfo` JSON).
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`, `VALIDATION_FAILED` for a malformed id.
    pub fn wallet(&self, wallet_id: String) -> Result<String, WaiaasError> {
        encode(&self.inner.wallet(id("walletId", wallet_id)?)?)
    }

    /// Renames a wallet.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`, `WALLET_NAME_TAKEN`, `VALIDATION_FAILED`.
    pub fn rename_wallet(&self, wallet_id: String, name: String) -> Result<String, WaiaasError> {
        encode(
            &self
                .inner
                .rename_wallet(id("walletId", wallet_id)?, &name)?,
        )
    }

    /// Suspends a wallet: nothing it holds signs until it is resumed.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`.
    pub fn suspend_wallet(&self, wallet_id: String) -> Result<String, WaiaasError> {
        encode(&self.inner.suspend_wallet(id("walletId", wallet_id)?)?)
    }

    /// Resumes a suspended wallet.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`.
    pub fn resume_wallet(&self, wallet_id: String) -> Result<String, WaiaasError> {
        encode(&self.inner.resume_wallet(id("walletId", wallet_id)?)?)
    }

    /// Deletes a wallet and its sealed key.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`, `STORAGE_ERROR`.
    pub fn delete_wallet(&self, wallet_id: String) -> Result<(), WaiaasError> {
        Ok(self.inner.delete_wallet(id("walletId", wallet_id)?)?)
    }

    /// Registers the wallet's owner (the key that approves large transfers); returns
    /// `OwnerInfo` JSON.
    ///
    /// # Errors
    /// `INVALID_ADDRESS`, `OWNER_ALREADY_CONNECTED`, `WALLET_NOT_FOUND`.
    pub fn set_owner(&self, wallet_id: String, address: String) -> Result<String, WaiaasError> {
        encode(&self.inner.set_owner(id("walletId", wallet_id)?, &address)?)
    }

    /// The wallet's owner (`OwnerInfo` JSON).
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`.
    pub fn owner(&self, wallet_id: String) -> Result<String, WaiaasError> {
        encode(&self.inner.owner(id("walletId", wallet_id)?)?)
    }

    /// Removes the wallet's owner (refused once the owner has proven their key).
    ///
    /// # Errors
    /// `OWNER_ALREADY_CONNECTED`, `OWNER_NOT_CONNECTED`, `WALLET_NOT_FOUND`.
    pub fn remove_owner(&self, wallet_id: String) -> Result<String, WaiaasError> {
        encode(&self.inner.remove_owner(id("walletId", wallet_id)?)?)
    }

    /// Verifies the owner: their signature over the verification text proves the key
    /// (after which the operator can no longer change it).
    ///
    /// # Errors
    /// `INVALID_SIGNATURE`, `APPROVAL_MESSAGE_MISMATCH`, `OWNER_NOT_CONNECTED`.
    pub fn verify_owner(
        &self,
        wallet_id: String,
        signature: String,
        message: String,
    ) -> Result<String, WaiaasError> {
        encode(
            &self
                .inner
                .verify_owner(id("walletId", wallet_id)?, &signature, &message)?,
        )
    }

    /// Creates a policy from `api::NewPolicy` JSON (rules in snake_case); returns the
    /// `PolicyRecord` JSON.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` naming the bad rule field, `WALLET_NOT_FOUND`.
    pub fn create_policy(&self, policy_json: String) -> Result<String, WaiaasError> {
        let policy: api::NewPolicy = decode("policy", &policy_json)?;
        encode(&self.inner.create_policy(policy)?)
    }

    /// Changes a policy (`api::PolicyUpdate` JSON).
    ///
    /// # Errors
    /// `POLICY_NOT_FOUND`, `VALIDATION_FAILED`.
    pub fn update_policy(
        &self,
        policy_id: String,
        change_json: String,
    ) -> Result<String, WaiaasError> {
        let change: api::PolicyUpdate = decode("change", &change_json)?;
        encode(
            &self
                .inner
                .update_policy(id("policyId", policy_id)?, change)?,
        )
    }

    /// Deletes a policy.
    ///
    /// # Errors
    /// `POLICY_NOT_FOUND`.
    pub fn delete_policy(&self, policy_id: String) -> Result<(), WaiaasError> {
        Ok(self.inner.delete_policy(id("policyId", policy_id)?)?)
    }

    /// Policies (`api::ListPolicies` JSON: `{}` for every one, `{"walletId"}` for one
    /// wallet's own, `{"walletId", "scope": "APPLICABLE_TO"}`, `{"scope": "GLOBAL"}`);
    /// `PolicyRecord[]` JSON.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for an unknown field or a scope without its wallet.
    #[uniffi::method(default(filter_json = "{}"))]
    pub fn policies(&self, filter_json: String) -> Result<String, WaiaasError> {
        let list: api::ListPolicies = decode("filter", &filter_json)?;
        let filter = list.filter().map_err(waiaas::Error::from)?;
        encode(&self.inner.policies(filter)?)
    }

    /// The starter policies for a wallet (`mode`: `mainnet` or `testnet`).
    ///
    /// # Errors
    /// `VALIDATION_FAILED`, `WALLET_NOT_FOUND`.
    pub fn quickset(&self, wallet_id: String, mode: String) -> Result<String, WaiaasError> {
        encode(
            &self
                .inner
                .quickset(id("walletId", wallet_id)?, id("mode", mode)?)?,
        )
    }

    /// Issues a session from `api::CreateSession` JSON; returns `SessionWithToken` JSON
    /// (the token is shown this once).
    ///
    /// # Errors
    /// `VALIDATION_FAILED`, `WALLET_NOT_FOUND`.
    pub fn create_session(&self, request_json: String) -> Result<String, WaiaasError> {
        let request: api::CreateSession = decode("session", &request_json)?;
        let request = request.to_request().map_err(waiaas::Error::from)?;
        encode(&api::SessionWithToken::from(
            &self.inner.create_session(&request)?,
        ))
    }

    /// Sessions, of one wallet or all (`SessionInfo[]` JSON; never a token).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    #[uniffi::method(default(wallet_id = None))]
    pub fn sessions(&self, wallet_id: Option<String>) -> Result<String, WaiaasError> {
        encode(&self.inner.sessions(maybe_id("walletId", wallet_id)?)?)
    }

    /// Revokes a session: its token is refused from the next request on, in every
    /// process that opens this vault.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND`.
    pub fn revoke_session(&self, session_id: String) -> Result<(), WaiaasError> {
        Ok(self.inner.revoke_session(id("sessionId", session_id)?)?)
    }

    /// Rotates the secret session tokens are signed with; tokens made with the old one
    /// stay valid for a 300 s grace period.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn rotate_session_secret(&self) -> Result<(), WaiaasError> {
        Ok(self.inner.rotate_session_secret()?)
    }

    /// An agent's handle for a session token.
    ///
    /// # Errors
    /// `INVALID_TOKEN`, `SESSION_REVOKED`, `SESSION_EXPIRED`.
    pub fn agent(&self, token: String) -> Result<Arc<Agent>, WaiaasError> {
        Ok(Arc::new(Agent::new(self.inner.agent(&token)?)))
    }

    /// The owner's actions (each proven by the owner's signature).
    pub fn owner_actions(&self) -> Arc<Owner> {
        Arc::new(Owner::new(self.inner.owner_actions()))
    }

    /// Transactions, newest first (`api::ListTransactions` JSON: `walletId`,
    /// `statuses`, `limit`, each optional; `{}` for all); `Transaction[]` JSON.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for an unknown field, a malformed id or status.
    #[uniffi::method(default(filter_json = "{}"))]
    pub fn transactions(&self, filter_json: String) -> Result<String, WaiaasError> {
        let list: api::ListTransactions = decode("filter", &filter_json)?;
        encode(&self.inner.transactions(&list.filter())?)
    }

    /// One transaction (`Transaction` JSON).
    ///
    /// # Errors
    /// `TX_NOT_FOUND`.
    pub fn transaction(&self, tx_id: String) -> Result<String, WaiaasError> {
        encode(&self.inner.transaction(id("txId", tx_id)?)?)
    }

    /// Cancels a queued (DELAY) or pending transaction.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`, `TX_ALREADY_PROCESSED`.
    pub fn cancel_transaction(&self, tx_id: String) -> Result<String, WaiaasError> {
        encode(&self.inner.cancel_transaction(id("txId", tx_id)?)?)
    }

    /// Rejects a transaction awaiting approval, as the operator.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`, `TX_ALREADY_PROCESSED`.
    pub fn reject_transaction(&self, tx_id: String) -> Result<String, WaiaasError> {
        encode(&self.inner.reject_transaction(id("txId", tx_id)?)?)
    }

    /// Signs the queued transactions whose delay has passed (the scheduler's work, for
    /// hosts that drive it themselves); `Transaction[]` JSON.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn process_due(&self) -> Result<String, WaiaasError> {
        encode(&self.inner.process_due()?)
    }

    /// The kill switch state (`ACTIVE`, `SUSPENDED`, `LOCKED`) as JSON.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn kill_switch_state(&self) -> Result<String, WaiaasError> {
        encode(&self.inner.kill_switch_state()?)
    }

    /// Engages the kill switch: nothing signs from now on, pending work is cancelled.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn activate_kill_switch(&self, reason: String) -> Result<String, WaiaasError> {
        encode(&self.inner.activate_kill_switch(&reason)?)
    }

    /// Escalates the kill switch to LOCKED (sessions revoked).
    ///
    /// # Errors
    /// `KILL_SWITCH_*` state errors, `STORAGE_ERROR`.
    pub fn escalate_kill_switch(&self, reason: String) -> Result<String, WaiaasError> {
        encode(&self.inner.escalate_kill_switch(&reason)?)
    }

    /// Recovers from the kill switch.
    ///
    /// # Errors
    /// `KILL_SWITCH_*` state errors, `STORAGE_ERROR`.
    pub fn recover_kill_switch(&self) -> Result<String, WaiaasError> {
        encode(&self.inner.recover_kill_switch()?)
    }

    /// Audit records (`api::AuditFilter` JSON, `{}` for all); `AuditRecord[]` JSON.
    ///
    /// # Errors
    /// `VALIDATION_FAILED`, `STORAGE_ERROR`.
    #[uniffi::method(default(filter_json = "{}"))]
    pub fn audit_log(&self, filter_json: String) -> Result<String, WaiaasError> {
        let filter: api::AuditFilter = decode("filter", &filter_json)?;
        encode(&self.inner.audit_log_filtered(&filter)?)
    }

    /// Verifies the audit hash chain (`AuditVerification` JSON).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn verify_audit_log(&self) -> Result<String, WaiaasError> {
        encode(&self.inner.verify_audit_log()?)
    }

    /// The newest audit record's sequence number and hash (`AuditHead` JSON, or
    /// `null` for an empty log), to anchor the chain elsewhere.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn audit_head(&self) -> Result<String, WaiaasError> {
        encode(&self.inner.audit_head()?)
    }

    /// The operator settings (`Settings` JSON).
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn settings(&self) -> Result<String, WaiaasError> {
        encode(&self.inner.settings()?)
    }

    /// Replaces the operator settings (`Settings` JSON).
    ///
    /// # Errors
    /// `VALIDATION_FAILED`, `STORAGE_ERROR`.
    pub fn set_settings(&self, settings_json: String) -> Result<(), WaiaasError> {
        let settings: api::Settings = decode("settings", &settings_json)?;
        Ok(self.inner.set_settings(&settings)?)
    }

    /// Changes the master password (Argon2id twice: seconds).
    ///
    /// # Errors
    /// `INVALID_MASTER_PASSWORD`, `VALIDATION_FAILED` (a weak new password).
    pub fn change_password(&self, current: String, new: String) -> Result<(), WaiaasError> {
        Ok(self
            .inner
            .change_password(&SecretString::from(current), &SecretString::from(new))?)
    }
}
