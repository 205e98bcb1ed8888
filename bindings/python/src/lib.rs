//! The Python binding of waiaas: the handles of the Rust facade (`Waiaas`, `Admin`,
//! `Agent`, `Owner`) with snake_case methods, taking and returning plain dicts and
//! lists in the JSON form of `waiaas::api` (camelCase fields). No behaviour of its
//! own: every value is decoded into an `api` DTO, the Rust handle is called, and the
//! answer is written back (docs/adr/0005-thin-wrapping.md).
//!
//! - Host values cross as JSON text: `json.dumps` on the way in, `serde_json` into the
//!   DTO, and `json.loads` on the way out. One conversion for every type, with the
//!   exact serde rules (unknown fields refused, amounts as strings) and no second
//!   serde bridge to keep in step with PyO3.
//! - Every call into waiaas runs with the GIL released (`Python::detach`): Argon2id,
//!   signing and database waits never stall other Python threads.
//! - Errors are mapped in one place (`to_py_err`) to the exception classes of
//!   `waiaas._errors`, chosen by `Error::class()` (`POLICY_DENIED` has its own).

mod vectors;

use std::collections::BTreeMap;
use std::sync::Arc;

use pyo3::prelude::*;
use serde::Serialize;
use serde_json::Value;
use waiaas::api::{self, ErrorClass};
use waiaas::{Config, Host, SecretString, StaticPriceOracle, TxId, Usd, WalletId};

/// The Python class of an error: `POLICY_DENIED` is `PolicyDeniedError` (a
/// `ForbiddenError`), every other code the class of its `ErrorClass`.
fn exception_name(code: &str, class: ErrorClass) -> &'static str {
    if code == "POLICY_DENIED" {
        return "PolicyDeniedError";
    }
    match class {
        ErrorClass::InvalidInput => "InvalidInputError",
        ErrorClass::Unauthenticated => "UnauthenticatedError",
        ErrorClass::Forbidden => "ForbiddenError",
        ErrorClass::NotFound => "NotFoundError",
        ErrorClass::Conflict => "ConflictError",
        ErrorClass::RateLimited => "RateLimitedError",
        ErrorClass::Unavailable => "UnavailableError",
        ErrorClass::Internal => "InternalError",
    }
}

/// Builds `waiaas.<name>(code, message, reasons, retry_after)`.
fn raise(
    py: Python<'_>,
    name: &str,
    code: &str,
    message: &str,
    reasons: &Value,
    retry_after: Option<u64>,
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = py.import("waiaas._errors")?.getattr(name)?;
        let value = class.call1((code, message, json_to_py(py, reasons)?, retry_after))?;
        Ok(PyErr::from_value(value))
    };
    build().unwrap_or_else(|e| e)
}

/// The one mapping of a waiaas error to a Python exception.
fn to_py_err(py: Python<'_>, e: &waiaas::Error) -> PyErr {
    let info = e.to_info();
    let reasons = serde_json::to_value(&info.reasons).unwrap_or(Value::Array(Vec::new()));
    raise(
        py,
        exception_name(info.code, e.class()),
        info.code,
        &info.message,
        &reasons,
        info.retry_after_secs,
    )
}

/// A result that could not be written as JSON (a bug, never the caller's input).
fn encode_failed(py: Python<'_>, e: &serde_json::Error) -> PyErr {
    raise(
        py,
        "InternalError",
        "INTERNAL",
        &format!("cannot write the result as JSON: {e}"),
        &Value::Array(Vec::new()),
        None,
    )
}

/// A Python value (dict, list, str, int, …) as JSON.
fn py_to_json(py: Python<'_>, value: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    let text: String = py
        .import("json")?
        .call_method1("dumps", (value,))
        .and_then(|t| t.extract())
        .map_err(|e| {
            raise(
                py,
                "InvalidInputError",
                "VALIDATION_FAILED",
                &format!("invalid `{what}`: not JSON: {e}"),
                &Value::Array(Vec::new()),
                None,
            )
        })?;
    serde_json::from_str(&text).map_err(|e| {
        raise(
            py,
            "InvalidInputError",
            "VALIDATION_FAILED",
            &format!("invalid `{what}`: {e}"),
            &Value::Array(Vec::new()),
            None,
        )
    })
}

/// JSON as a Python value (dicts, lists, str, int, float, bool, None).
fn json_to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    let text = value.to_string();
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// A host value decoded into an API type (`VALIDATION_FAILED` naming `what`).
fn dto<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<T> {
    let json = py_to_json(py, value, what)?;
    api::from_json(what, json).map_err(|e| to_py_err(py, &e))
}

/// An id given as a string.
fn id<T: serde::de::DeserializeOwned>(py: Python<'_>, text: &str, what: &str) -> PyResult<T> {
    api::from_json(what, Value::String(text.to_owned())).map_err(|e| to_py_err(py, &e))
}

/// Runs `f` with the GIL released and returns its answer as a Python value.
fn call<T, F>(py: Python<'_>, f: F) -> PyResult<Py<PyAny>>
where
    T: Serialize,
    F: FnOnce() -> waiaas::Result<T> + Send,
{
    let answer = py.detach(|| f().map(|v| serde_json::to_value(v)));
    match answer {
        Ok(Ok(value)) => json_to_py(py, &value),
        Ok(Err(e)) => Err(encode_failed(py, &e)),
        Err(e) => Err(to_py_err(py, &e)),
    }
}

/// The opening arguments, decoded with the GIL held.
struct Opening {
    password: Option<SecretString>,
    config: Config,
    prices: BTreeMap<String, String>,
}

impl Opening {
    fn new(
        py: Python<'_>,
        password: Option<String>,
        config: Option<&Bound<'_, PyAny>>,
        prices: Option<BTreeMap<String, String>>,
    ) -> PyResult<Self> {
        let config = match config {
            Some(c) if !c.is_none() => dto(py, c, "config")?,
            _ => Config::default(),
        };
        Ok(Self {
            password: password.map(SecretString::from),
            config,
            prices: prices.unwrap_or_default(),
        })
    }

    /// The host with the fixed price table: the same `StaticPriceOracle::from_usd` the
    /// Node binding and Rust hosts use (asset ids checked, exact decimals).
    fn host(&self) -> waiaas::Result<(Host, Arc<StaticPriceOracle>)> {
        let entries: Vec<(&str, &str)> = self
            .prices
            .iter()
            .map(|(asset, usd)| (asset.as_str(), usd.as_str()))
            .collect();
        let oracle = Arc::new(StaticPriceOracle::from_usd(&entries)?);
        let host = Host {
            prices: oracle.clone(),
            ..Host::default()
        };
        Ok((host, oracle))
    }
}

/// Entry points: create or open a vault.
#[pyclass(frozen, module = "waiaas")]
struct Waiaas;

#[pymethods]
impl Waiaas {
    /// Creates a vault in directory `path` and returns the operator handle.
    #[staticmethod]
    #[pyo3(signature = (path, password=None, config=None, prices=None))]
    fn create(
        py: Python<'_>,
        path: std::path::PathBuf,
        password: Option<String>,
        config: Option<&Bound<'_, PyAny>>,
        prices: Option<BTreeMap<String, String>>,
    ) -> PyResult<Admin> {
        let o = Opening::new(py, password, config, prices)?;
        let made = py.detach(|| {
            let (host, oracle) = o.host()?;
            waiaas::Waiaas::create(&path, o.password.clone(), &o.config, host)
                .map(|admin| (admin, oracle))
        });
        let (inner, prices) = made.map_err(|e| to_py_err(py, &e))?;
        Ok(Admin { inner, prices })
    }

    /// Opens the vault in directory `path` and returns the operator handle.
    #[staticmethod]
    #[pyo3(signature = (path, password=None, config=None, prices=None))]
    fn open(
        py: Python<'_>,
        path: std::path::PathBuf,
        password: Option<String>,
        config: Option<&Bound<'_, PyAny>>,
        prices: Option<BTreeMap<String, String>>,
    ) -> PyResult<Admin> {
        let o = Opening::new(py, password, config, prices)?;
        let made = py.detach(|| {
            let (host, oracle) = o.host()?;
            waiaas::Waiaas::open(&path, o.password.clone(), &o.config, host)
                .map(|admin| (admin, oracle))
        });
        let (inner, prices) = made.map_err(|e| to_py_err(py, &e))?;
        Ok(Admin { inner, prices })
    }
}

/// The operator's handle.
#[pyclass(frozen, module = "waiaas")]
struct Admin {
    inner: waiaas::Admin,
    prices: Arc<StaticPriceOracle>,
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
        let request: api::CreateWallet =
            api::from_json("wallet", Value::Object(fields)).map_err(|e| to_py_err(py, &e))?;
        call(py, || {
            let network = request.network()?;
            self.inner.create_wallet(&request.name, network)
        })
    }

    fn wallets(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        call(py, || self.inner.wallets())
    }

    fn create_policy(&self, py: Python<'_>, policy: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let policy: api::NewPolicy = dto(py, policy, "policy")?;
        call(py, || self.inner.create_policy(policy))
    }

    fn create_session(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let request: api::CreateSession = dto(py, request, "session")?;
        call(py, || {
            let issued = self.inner.create_session(&request.to_request()?)?;
            Ok(api::SessionWithToken::from(&issued))
        })
    }

    fn revoke_session(&self, py: Python<'_>, session_id: &str) -> PyResult<()> {
        let session_id = id(py, session_id, "sessionId")?;
        call(py, || self.inner.revoke_session(session_id)).map(drop)
    }

    fn set_owner(&self, py: Python<'_>, wallet_id: &str, address: String) -> PyResult<Py<PyAny>> {
        let wallet: WalletId = id(py, wallet_id, "walletId")?;
        call(py, || self.inner.set_owner(wallet, &address))
    }

    fn owner_actions(&self) -> Owner {
        Owner {
            inner: self.inner.owner_actions(),
        }
    }

    fn agent(&self, py: Python<'_>, token: String) -> PyResult<Agent> {
        py.detach(|| self.inner.agent(&token))
            .map(|inner| Agent { inner })
            .map_err(|e| to_py_err(py, &e))
    }

    fn activate_kill_switch(&self, py: Python<'_>, reason: String) -> PyResult<Py<PyAny>> {
        call(py, || self.inner.activate_kill_switch(&reason))
    }

    fn verify_audit_log(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        call(py, || self.inner.verify_audit_log())
    }

    fn settings(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        call(py, || self.inner.settings())
    }

    fn set_settings(&self, py: Python<'_>, settings: &Bound<'_, PyAny>) -> PyResult<()> {
        let settings: api::Settings = dto(py, settings, "settings")?;
        call(py, || self.inner.set_settings(&settings)).map(drop)
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

/// An agent's handle: one session token (never shown by `repr`).
#[pyclass(frozen, module = "waiaas")]
struct Agent {
    inner: waiaas::Agent,
}

#[pymethods]
impl Agent {
    #[pyo3(signature = (wallet_id=None))]
    fn address(&self, py: Python<'_>, wallet_id: Option<&str>) -> PyResult<Py<PyAny>> {
        let wallet: Option<WalletId> = wallet_id.map(|w| id(py, w, "walletId")).transpose()?;
        call(py, || self.inner.address(wallet))
    }

    fn send(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let request: api::SendTransaction = dto(py, request, "request")?;
        call(py, || self.inner.send(&request.to_request()?))
    }

    fn simulate(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let request: api::SendTransaction = dto(py, request, "request")?;
        call(py, || self.inner.simulate(&request.to_request()?))
    }

    #[pyo3(signature = (limit=20))]
    fn transactions(&self, py: Python<'_>, limit: u32) -> PyResult<Py<PyAny>> {
        call(py, || self.inner.transactions(limit))
    }

    fn cancel(&self, py: Python<'_>, tx_id: &str) -> PyResult<Py<PyAny>> {
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || self.inner.cancel(tx))
    }

    fn tools(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        call(py, || Ok(self.inner.tools()))
    }

    #[pyo3(signature = (name, arguments=None))]
    fn call_tool(
        &self,
        py: Python<'_>,
        name: String,
        arguments: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let arguments = match arguments {
            Some(a) => py_to_json(py, a, "arguments")?,
            None => Value::Null,
        };
        call(py, || Ok(self.inner.call_tool(&name, arguments)))
    }

    fn __repr__(&self) -> &'static str {
        "<waiaas.Agent>"
    }
}

/// Owner actions, each proven by the owner's signature.
#[pyclass(frozen, module = "waiaas")]
struct Owner {
    inner: waiaas::Owner,
}

#[pymethods]
impl Owner {
    fn approval_request(&self, py: Python<'_>, tx_id: &str) -> PyResult<Py<PyAny>> {
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || self.inner.approval_request(tx))
    }

    fn approve(
        &self,
        py: Python<'_>,
        tx_id: &str,
        signature: String,
        message: String,
    ) -> PyResult<Py<PyAny>> {
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || self.inner.approve(tx, &signature, &message))
    }

    fn reject(
        &self,
        py: Python<'_>,
        tx_id: &str,
        signature: String,
        message: String,
    ) -> PyResult<Py<PyAny>> {
        let tx: TxId = id(py, tx_id, "txId")?;
        call(py, || self.inner.reject(tx, &signature, &message))
    }

    fn __repr__(&self) -> &'static str {
        "<waiaas.Owner>"
    }
}

/// One case of `testdata/vectors/policy` evaluated by the real engine
/// (`waiaas::api::evaluate_policy_case`).
#[pyfunction]
fn evaluate_policy_case(py: Python<'_>, case: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let case = py_to_json(py, case, "case")?;
    call(py, || api::evaluate_policy_case(&case))
}

/// Every error code with its class and message forms (`waiaas::api::ERROR_CODES`).
#[pyfunction]
fn error_codes(py: Python<'_>) -> PyResult<Py<PyAny>> {
    call(py, || Ok(api::ERROR_CODES))
}

/// Panics inside a released-GIL call, as a bug in a dependency would: the panic
/// surfaces as `pyo3_runtime.PanicException` and the interpreter goes on.
#[cfg(feature = "test-panic")]
#[pyfunction]
#[expect(
    clippy::panic,
    reason = "the deliberate test-only panic proving the boundary turns it into an exception"
)]
fn _test_panic(py: Python<'_>) {
    py.detach(|| panic!("deliberate test panic"));
}

/// The native part of the `waiaas` package.
#[pymodule]
fn _waiaas(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Waiaas>()?;
    m.add_class::<Admin>()?;
    m.add_class::<Agent>()?;
    m.add_class::<Owner>()?;
    m.add_function(wrap_pyfunction!(evaluate_policy_case, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    vectors::register(m)?;
    #[cfg(feature = "test-panic")]
    m.add_function(wrap_pyfunction!(_test_panic, m)?)?;
    Ok(())
}
