//! `waiaas.Agent` (one session token) and `waiaas.Owner` (signature-proven actions).

use pyo3::prelude::*;
use serde_json::Value;
use waiaas::api;
use waiaas::{TxId, WalletId};

use crate::{Handle, call, dto, id, py_to_json};

/// An agent's handle: one session token (never shown by `repr`).
#[pyclass(frozen, weakref, module = "waiaas")]
pub(crate) struct Agent {
    pub(crate) inner: Handle<waiaas::Agent>,
}

/// An optional wallet id argument.
fn wallet_arg(py: Python<'_>, wallet_id: Option<&str>) -> PyResult<Option<WalletId>> {
    wallet_id.map(|w| id(py, w, "walletId")).transpose()
}

#[pymethods]
impl Agent {
    fn wallets(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.wallets())
    }

    #[pyo3(signature = (wallet_id=None))]
    fn address(&self, py: Python<'_>, wallet_id: Option<&str>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet = wallet_arg(py, wallet_id)?;
        call(py, || inner.address(wallet))
    }

    #[pyo3(signature = (wallet_id=None))]
    fn balance(&self, py: Python<'_>, wallet_id: Option<&str>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let wallet = wallet_arg(py, wallet_id)?;
        call(py, || inner.balance(wallet))
    }

    fn send(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let request: api::SendTransaction = dto(py, request, "request")?;
        call(py, || inner.send(&request.to_request()?))
    }

    fn simulate(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let request: api::SendTransaction = dto(py, request, "request")?;
        call(py, || inner.simulate(&request.to_request()?))
    }

    fn sign_message(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let request: api::SignMessage = dto(py, request, "request")?;
        let inner = self.inner.get()?;
        call(py, || {
            inner.sign_message(request.wallet_id, &request.bytes()?)
        })
    }

    fn sign_typed_data(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let request: api::SignTypedData = dto(py, request, "request")?;
        let inner = self.inner.get()?;
        call(py, || {
            inner.sign_typed_data(request.wallet_id, &request.json())
        })
    }

    fn sign_transaction(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let request: api::SignTransaction = dto(py, request, "request")?;
        let inner = self.inner.get()?;
        call(py, || {
            inner.sign_transaction(request.wallet_id, &request.transaction)
        })
    }

    #[pyo3(signature = (limit=20))]
    fn transactions(&self, py: Python<'_>, limit: u32) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.transactions(limit))
    }

    fn transaction(&self, py: Python<'_>, tx_id: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || inner.transaction(tx))
    }

    fn cancel(&self, py: Python<'_>, tx_id: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || inner.cancel(tx))
    }

    /// The new token is in the answer; this handle already uses it.
    fn renew(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || {
            let issued = inner.renew()?;
            Ok(api::SessionWithToken::from(&issued))
        })
    }

    fn tools(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || Ok(inner.tools()))
    }

    #[pyo3(signature = (name, arguments=None))]
    fn call_tool(
        &self,
        py: Python<'_>,
        name: String,
        arguments: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let arguments = match arguments {
            Some(a) => py_to_json(py, a, "arguments")?,
            None => Value::Null,
        };
        call(py, || Ok(inner.call_tool(&name, arguments)))
    }

    fn __repr__(&self) -> &'static str {
        "<waiaas.Agent>"
    }
}

/// Owner actions, each proven by the owner's signature.
#[pyclass(frozen, weakref, module = "waiaas")]
pub(crate) struct Owner {
    pub(crate) inner: Handle<waiaas::Owner>,
}

#[pymethods]
impl Owner {
    fn approval_request(&self, py: Python<'_>, tx_id: &str) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || inner.approval_request(tx))
    }

    fn approve(
        &self,
        py: Python<'_>,
        tx_id: &str,
        signature: String,
        message: String,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || inner.approve(tx, &signature, &message))
    }

    fn reject(
        &self,
        py: Python<'_>,
        tx_id: &str,
        signature: String,
        message: String,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || inner.reject(tx, &signature, &message))
    }

    fn cancel_delayed(
        &self,
        py: Python<'_>,
        tx_id: &str,
        signature: String,
        message: String,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || inner.cancel_delayed(tx, &signature, &message))
    }

    fn kill_switch_message(&self, py: Python<'_>, wallet_id: &str) -> PyResult<String> {
        let inner = self.inner.get()?;
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        Ok(inner.kill_switch_message(wallet))
    }

    fn kill_switch(
        &self,
        py: Python<'_>,
        signature: String,
        message: String,
    ) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.kill_switch(&signature, &message))
    }

    fn __repr__(&self) -> &'static str {
        "<waiaas.Owner>"
    }
}
