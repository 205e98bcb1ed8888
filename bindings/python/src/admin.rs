//! `waiaas.Admin`: the operator's handle, one method per `waiaas::Admin` method.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::prelude::*;
use serde_json::Value;
use waiaas::api;
use waiaas::{PolicyId, SecretString, SessionId, StaticPriceOracle, TxId, Usd, WalletId};

use crate::agent::{Agent, Owner};
use crate::{Handle, Waiaas, call, dto, id, invalid_input, optional_dto, to_py_err};

/// The operator's handle.
#[pyclass(frozen, weakref, module = "waiaas")]
pub(crate) struct Admin {
    pub(crate) inner: Handle<waiaas::Admin>,
    pub(crate) prices: Arc<StaticPriceOracle>,
}

/// The background scheduler (`Admin.spawn_scheduler`); a context manager.
#[pyclass(frozen, module = "waiaas")]
pub(crate) struct Scheduler {
    inner: Mutex<Option<waiaas::Scheduler>>,
}

impl Scheduler {
    pub(crate) fn spawn(py: Python<'_>, waiaas: &waiaas::Waiaas, interval: f64) -> PyResult<Self> {
        let interval = std::time::Duration::try_from_secs_f64(interval)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                invalid_input(
                    py,
                    "invalid `interval`: must be a positive number of seconds",
                )
            })?;
        Ok(Self {
            inner: Mutex::new(Some(waiaas.spawn_scheduler(interval))),
        })
    }

    /// Stops the thread, waiting for a `process_due` in progress, with the GIL
    /// released: that run's events may be queued for Python callables.
    fn stop_now(slot: Option<waiaas::Scheduler>) {
        if let Some(scheduler) = slot {
            let _stopped = Python::try_attach(|py| py.detach(move || drop(scheduler)));
        }
    }
}

#[pymethods]
impl Scheduler {
    /// Stops the scheduler (again: nothing).
    fn stop(&self) {
        let taken = self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        Self::stop_now(taken);
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(
        &self,
        _kind: Option<&Bound<'_, PyAny>>,
        _value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) {
        self.stop();
    }

    fn __repr__(&self) -> &'static str {
        "<waiaas.Scheduler>"
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        let taken = self
            .inner
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        Self::stop_now(taken);
    }
}

/// `chain` / `environment` / `network` keyword arguments as the `CreateWallet` DTO.
fn wallet_request(
    py: Python<'_>,
    name: String,
    chain: Option<String>,
    environment: Option<String>,
    network: Option<String>,
) -> PyResult<api::CreateWallet> {
    let mut fields = serde_json::Map::new();
    fields.insert("name".into(), Value::String(name));
    for (key, value) in [
        ("chain", chain),
        ("environment", environment),
        ("network", network),
    ] {
        if let Some(v) = value {
            fields.insert(key.into(), Value::String(v));
        }
    }
    api::from_json("wallet", Value::Object(fields)).map_err(|e| to_py_err(py, &e))
}

#[pymethods]
impl Admin {
    #[pyo3(signature = (name, chain=None, environment=None, network=None))]
    fn create_wallet(
        &self,
        py: Python<'_>,
        name: String,
        chain: Option<String>,
        environment: Option<String>,
        network: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let request = wallet_request(py, name, chain, environment, network)?;
        call(py, || {
            let network = request.network()?;
            inner.create_wallet(&request.name, network)
        })
    }

    /// `key` is a secret: it goes straight into a `SecretString` and no error echoes it.
    #[pyo3(signature = (name, key, chain=None, environment=None, network=None))]
    fn import_wallet(
        &self,
        py: Python<'_>,
        name: String,
        key: String,
        chain: Option<String>,
        environment: Option<String>,
        network: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let key = SecretString::from(key);
        let request = wallet_request(py, name, chain, environment, network)?;
        call(py, || {
            let network = request.network()?;
            inner.import_wallet(&request.name, network, &key)
        })
    }

    #[pyo3(signature = (name, mnemonic, chain=None, environment=None, network=None, passphrase=None, path=None))]
    #[expect(
        clippy::too_many_arguments,
        reason = "mirrors the Rust method plus the wallet DTO's keyword arguments"
    )]
    fn import_mnemonic(
        &self,
        py: Python<'_>,
        name: String,
        mnemonic: String,
        chain: Option<String>,
        environment: Option<String>,
        network: Option<String>,
        passphrase: Option<String>,
        path: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let mnemonic = SecretString::from(mnemonic);
        let passphrase = passphrase.map(SecretString::from);
        let request = wallet_request(py, name, chain, environment, network)?;
        call(py, || {
            let network = request.network()?;
            inner.import_mnemonic(
                &request.name,
                network,
                mnemonic,
                passphrase,
                path.as_deref(),
            )
        })
    }

    fn wallets(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.wallets())
    }

    fn wallet(&self, py: Python<'_>, wallet_id: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        call(py, || inner.wallet(wallet))
    }

    fn rename_wallet(&self, py: Python<'_>, wallet_id: &str, name: String) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        call(py, || inner.rename_wallet(wallet, &name))
    }

    fn suspend_wallet(&self, py: Python<'_>, wallet_id: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        call(py, || inner.suspend_wallet(wallet))
    }

    fn resume_wallet(&self, py: Python<'_>, wallet_id: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        call(py, || inner.resume_wallet(wallet))
    }

    fn delete_wallet(&self, py: Python<'_>, wallet_id: &str) -> PyResult<()> {
        let inner = self.inner.get()?;
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        call(py, || inner.delete_wallet(wallet)).map(drop)
    }

    fn owner(&self, py: Python<'_>, wallet_id: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        call(py, || inner.owner(wallet))
    }

    fn set_owner(&self, py: Python<'_>, wallet_id: &str, address: String) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        call(py, || inner.set_owner(wallet, &address))
    }

    fn remove_owner(&self, py: Python<'_>, wallet_id: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        call(py, || inner.remove_owner(wallet))
    }

    fn verify_owner(
        &self,
        py: Python<'_>,
        wallet_id: &str,
        signature: String,
        message: String,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        call(py, || inner.verify_owner(wallet, &signature, &message))
    }

    fn create_policy(&self, py: Python<'_>, policy: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let policy: api::NewPolicy = dto(py, policy, "policy")?;
        call(py, || inner.create_policy(policy))
    }

    #[pyo3(signature = (filter=None))]
    fn policies(&self, py: Python<'_>, filter: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let filter: api::ListPolicies = optional_dto(py, filter, "filter")?;
        call(py, || inner.policies(filter.filter()?))
    }

    fn update_policy(
        &self,
        py: Python<'_>,
        policy_id: &str,
        change: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let policy: PolicyId = id(py, policy_id, "policyId")?;
        let change: api::PolicyUpdate = dto(py, change, "change")?;
        call(py, || inner.update_policy(policy, change))
    }

    fn delete_policy(&self, py: Python<'_>, policy_id: &str) -> PyResult<()> {
        let inner = self.inner.get()?;
        let policy: PolicyId = id(py, policy_id, "policyId")?;
        call(py, || inner.delete_policy(policy)).map(drop)
    }

    fn quickset(&self, py: Python<'_>, wallet_id: &str, mode: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        let mode: api::QuicksetMode = id(py, mode, "mode")?;
        call(py, || inner.quickset(wallet, mode))
    }

    fn create_session(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let request: api::CreateSession = dto(py, request, "session")?;
        call(py, || {
            let issued = inner.create_session(&request.to_request()?)?;
            Ok(api::SessionWithToken::from(&issued))
        })
    }

    #[pyo3(signature = (wallet_id=None))]
    fn sessions(&self, py: Python<'_>, wallet_id: Option<&str>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet: Option<WalletId> = wallet_id.map(|w| id(py, w, "walletId")).transpose()?;
        call(py, || inner.sessions(wallet))
    }

    fn revoke_session(&self, py: Python<'_>, session_id: &str) -> PyResult<()> {
        let inner = self.inner.get()?;
        let session: SessionId = id(py, session_id, "sessionId")?;
        call(py, || inner.revoke_session(session)).map(drop)
    }

    fn rotate_session_secret(&self, py: Python<'_>) -> PyResult<()> {
        let inner = self.inner.get()?;
        call(py, || inner.rotate_session_secret()).map(drop)
    }

    #[pyo3(signature = (filter=None))]
    fn transactions(
        &self,
        py: Python<'_>,
        filter: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let filter: api::ListTransactions = optional_dto(py, filter, "filter")?;
        call(py, || inner.transactions(&filter.filter()))
    }

    fn transaction(&self, py: Python<'_>, tx_id: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || inner.transaction(tx))
    }

    fn cancel_transaction(&self, py: Python<'_>, tx_id: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || inner.cancel_transaction(tx))
    }

    fn reject_transaction(&self, py: Python<'_>, tx_id: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || inner.reject_transaction(tx))
    }

    /// Runs `process_due` every `interval` seconds on a waiaas thread (and sends the
    /// audit head periodically) until the returned `Scheduler` is stopped or dropped.
    fn spawn_scheduler(&self, py: Python<'_>, interval: f64) -> PyResult<Scheduler> {
        Scheduler::spawn(py, &self.inner.get()?.waiaas(), interval)
    }

    /// The non-operator handle (agents, owner actions, scheduler) for code that serves
    /// agents.
    fn waiaas(&self) -> PyResult<Waiaas> {
        Ok(Waiaas {
            inner: Handle::new(self.inner.get()?.waiaas()),
        })
    }

    fn process_due(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.process_due())
    }

    fn owner_actions(&self) -> PyResult<Owner> {
        let inner = self.inner.get()?;
        Ok(Owner {
            inner: Handle::new(inner.owner_actions()),
        })
    }

    fn agent(&self, py: Python<'_>, token: String) -> PyResult<Agent> {
        let inner = self.inner.get()?;
        py.detach(|| inner.agent(&token))
            .map(|agent| Agent {
                inner: Handle::new(agent),
            })
            .map_err(|e| to_py_err(py, &e))
    }

    fn kill_switch_state(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.kill_switch_state())
    }

    fn activate_kill_switch(&self, py: Python<'_>, reason: String) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.activate_kill_switch(&reason))
    }

    fn escalate_kill_switch(&self, py: Python<'_>, reason: String) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.escalate_kill_switch(&reason))
    }

    fn recover_kill_switch(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.recover_kill_switch())
    }

    #[pyo3(signature = (after=0, limit=0))]
    fn audit_log(&self, py: Python<'_>, after: u64, limit: u32) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.audit_log(after, limit))
    }

    fn audit_log_filtered(&self, py: Python<'_>, filter: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let filter: api::AuditFilter = dto(py, filter, "filter")?;
        call(py, || inner.audit_log_filtered(&filter))
    }

    fn audit_head(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.audit_head())
    }

    fn verify_audit_log(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.verify_audit_log())
    }

    fn settings(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.settings())
    }

    fn set_settings(&self, py: Python<'_>, settings: &Bound<'_, PyAny>) -> PyResult<()> {
        let inner = self.inner.get()?;
        let settings: api::Settings = dto(py, settings, "settings")?;
        call(py, || inner.set_settings(&settings)).map(drop)
    }

    /// Argon2id runs here (twice: the current password is checked, the new one
    /// derived), with the GIL released like every call.
    fn change_password(&self, py: Python<'_>, current: String, new: String) -> PyResult<()> {
        let inner = self.inner.get()?;
        let current = SecretString::from(current);
        let new = SecretString::from(new);
        call(py, || inner.change_password(&current, &new)).map(drop)
    }

    /// Sets the USD price of one whole unit of `asset_id`, observed now.
    fn set_price(&self, py: Python<'_>, asset_id: &str, usd: &str) -> PyResult<()> {
        let checked = waiaas::price::check_asset_id(asset_id).and_then(|()| Usd::parse(usd));
        let usd = checked.map_err(|e| to_py_err(py, &waiaas::Error::from(e)))?;
        self.prices.set_price(
            asset_id,
            usd,
            "host",
            waiaas::Clock::now(&waiaas::SystemClock),
        );
        Ok(())
    }

    fn __repr__(&self) -> &'static str {
        "<waiaas.Admin>"
    }
}
