//! The Python binding of waiaas: the handles of the Rust facade (`Waiaas`, `Admin`,
//! `Agent`, `Owner`) with snake_case methods, taking and returning plain dicts and
//! lists in the JSON form of `waiaas::api` (camelCase fields). No behaviour of its
//! own: every value is decoded into an `api` DTO, the Rust handle is called, and the
//! answer is written back (docs/adr/0005-thin-wrapping.md).
//!
//! - Host values cross as JSON values: a dict/list/str/int/float/bool/None walked into a
//!   `serde_json::Value` (`convert.rs`), then `serde_json` into the DTO; answers walked
//!   back the same way. One conversion for every type, with the exact serde rules
//!   (unknown fields refused, amounts as strings) and no second serde bridge to keep
//!   in step with PyO3.
//! - Every call into waiaas runs with the GIL released (`Python::detach`): Argon2id,
//!   signing and database waits never stall other Python threads.
//! - Errors are mapped in one place (`to_py_err`) to the exception classes of
//!   `waiaas._errors`, chosen by `Error::class()` (`POLICY_DENIED` has its own).
//! - Notifier callbacks run on waiaas's notifier threads (`notifier.rs`); a handle
//!   is dropped with the GIL released (`Handle`), so those threads can drain.

mod admin;
mod agent;
mod convert;
mod notifier;
mod owner_signer;
mod vectors;

use std::collections::BTreeMap;
use std::sync::Arc;

use pyo3::prelude::*;

pub(crate) use convert::{json_to_py, py_to_json};
use serde::Serialize;
use serde_json::Value;
use waiaas::api::{self, ErrorClass};
use waiaas::notify::Notifier;
use waiaas::{Config, Host, SecretString, StaticPriceOracle};

use admin::{Admin, Scheduler};
use agent::{Agent, Owner};
use owner_signer::OwnerSigner;

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
pub(crate) fn to_py_err(py: Python<'_>, e: &waiaas::Error) -> PyErr {
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
pub(crate) fn encode_failed(py: Python<'_>, e: &serde_json::Error) -> PyErr {
    raise(
        py,
        "InternalError",
        "INTERNAL",
        &format!("cannot write the result as JSON: {e}"),
        &Value::Array(Vec::new()),
        None,
    )
}

/// `VALIDATION_FAILED` for a host value that is not what the binding can pass on.
pub(crate) fn invalid_input(py: Python<'_>, message: &str) -> PyErr {
    raise(
        py,
        "InvalidInputError",
        "VALIDATION_FAILED",
        message,
        &Value::Array(Vec::new()),
        None,
    )
}

/// A host value decoded into an API type (`VALIDATION_FAILED` naming `what`).
pub(crate) fn dto<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<T> {
    let json = py_to_json(py, value, what)?;
    api::from_json(what, json).map_err(|e| to_py_err(py, &e))
}

/// An optional host value decoded into an API type; `None` is the type's default.
pub(crate) fn optional_dto<T: serde::de::DeserializeOwned + Default>(
    py: Python<'_>,
    value: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<T> {
    match value {
        Some(v) if !v.is_none() => dto(py, v, what),
        _ => Ok(T::default()),
    }
}

/// An id (or any string-valued API type) given as a string.
pub(crate) fn id<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    text: &str,
    what: &str,
) -> PyResult<T> {
    api::from_json(what, Value::String(text.to_owned())).map_err(|e| to_py_err(py, &e))
}

/// Runs `f` with the GIL released and returns its answer as a Python value.
pub(crate) fn call<T, F>(py: Python<'_>, f: F) -> PyResult<Py<PyAny>>
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

/// A waiaas handle held by a Python object. The last handle of a vault stops its
/// notifier threads when dropped, waiting (up to 5 s) for them to drain; a thread
/// running a Python callable needs the GIL for that, so the drop runs with the GIL
/// released — Python drops objects with it held.
pub(crate) struct Handle<T: Send>(Option<T>);

impl<T: Send> Handle<T> {
    pub(crate) fn new(handle: T) -> Self {
        Self(Some(handle))
    }

    /// The handle. It is taken only by `drop`, after which no method can run; the
    /// error exists because the type system cannot see that.
    pub(crate) fn get(&self) -> PyResult<&T> {
        self.0
            .as_ref()
            .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("the handle is closed"))
    }
}

impl<T: Send> Drop for Handle<T> {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            // `None` while the interpreter shuts down: the handle then drops here.
            let _dropped = Python::try_attach(|py| py.detach(move || drop(handle)));
        }
    }
}

/// The opening arguments, decoded with the GIL held.
struct Opening {
    password: Option<SecretString>,
    config: Config,
    prices: BTreeMap<String, String>,
    notifiers: Vec<Arc<dyn Notifier>>,
}

impl Opening {
    fn new(
        py: Python<'_>,
        password: Option<String>,
        config: Option<&Bound<'_, PyAny>>,
        prices: Option<BTreeMap<String, String>>,
        notifiers: Option<Vec<Bound<'_, PyAny>>>,
    ) -> PyResult<Self> {
        let config = match config {
            Some(c) if !c.is_none() => dto(py, c, "config")?,
            _ => Config::default(),
        };
        Ok(Self {
            password: password.map(SecretString::from),
            config,
            prices: prices.unwrap_or_default(),
            notifiers: notifier::notifiers(py, notifiers)?,
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
            notifiers: self.notifiers.clone(),
            ..Host::default()
        };
        Ok((host, oracle))
    }

    /// Unlocks the vault in `path` as `how` says, with the GIL released (Argon2id).
    fn unlock(
        self,
        py: Python<'_>,
        path: &std::path::Path,
        how: waiaas::Unlock,
    ) -> PyResult<Admin> {
        let made = py.detach(|| {
            let (host, oracle) = self.host()?;
            waiaas::Waiaas::unlock(path, how, self.password.clone(), &self.config, host)
                .map(|admin| (admin, oracle))
        });
        let (inner, prices) = made.map_err(|e| to_py_err(py, &e))?;
        Ok(Admin {
            inner: Handle::new(inner),
            prices,
        })
    }
}

/// Entry points (create or open a vault: static methods) and, as an instance from
/// `Admin.waiaas()`, the non-operator handle: it makes agent handles and owner actions
/// and runs the scheduler, and cannot touch wallets, policies or sessions — what to give
/// code that serves agents.
#[pyclass(frozen, weakref, module = "waiaas")]
pub(crate) struct Waiaas {
    pub(crate) inner: Handle<waiaas::Waiaas>,
}

#[pymethods]
impl Waiaas {
    fn agent(&self, py: Python<'_>, token: String) -> PyResult<Agent> {
        let inner = self.inner.get()?;
        py.detach(|| inner.agent(&token))
            .map(|agent| Agent {
                inner: Handle::new(agent),
            })
            .map_err(|e| to_py_err(py, &e))
    }

    fn owner(&self) -> PyResult<Owner> {
        Ok(Owner {
            inner: Handle::new(self.inner.get()?.owner()),
        })
    }

    fn process_due(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.get()?;
        call(py, || inner.process_due())
    }

    fn spawn_scheduler(&self, py: Python<'_>, interval: f64) -> PyResult<Scheduler> {
        Scheduler::spawn(py, self.inner.get()?, interval)
    }

    fn __repr__(&self) -> &'static str {
        "<waiaas.Waiaas>"
    }

    /// Creates a vault in directory `path` and returns the operator handle.
    #[staticmethod]
    #[pyo3(signature = (path, password=None, config=None, prices=None, notifiers=None))]
    fn create(
        py: Python<'_>,
        path: std::path::PathBuf,
        password: Option<String>,
        config: Option<&Bound<'_, PyAny>>,
        prices: Option<BTreeMap<String, String>>,
        notifiers: Option<Vec<Bound<'_, PyAny>>>,
    ) -> PyResult<Admin> {
        Opening::new(py, password, config, prices, notifiers)?.unlock(
            py,
            &path,
            waiaas::Unlock::Create,
        )
    }

    /// Opens the vault in directory `path` and returns the operator handle.
    #[staticmethod]
    #[pyo3(signature = (path, password=None, config=None, prices=None, notifiers=None))]
    fn open(
        py: Python<'_>,
        path: std::path::PathBuf,
        password: Option<String>,
        config: Option<&Bound<'_, PyAny>>,
        prices: Option<BTreeMap<String, String>>,
        notifiers: Option<Vec<Bound<'_, PyAny>>>,
    ) -> PyResult<Admin> {
        Opening::new(py, password, config, prices, notifiers)?.unlock(
            py,
            &path,
            waiaas::Unlock::Open,
        )
    }

    /// Creates a vault whose master password is generated and written to
    /// `<path>/recovery.key` (0600); read it, store it safely, then change the password.
    #[staticmethod]
    #[pyo3(signature = (path, config=None, prices=None, notifiers=None))]
    fn create_auto_provisioned(
        py: Python<'_>,
        path: std::path::PathBuf,
        config: Option<&Bound<'_, PyAny>>,
        prices: Option<BTreeMap<String, String>>,
        notifiers: Option<Vec<Bound<'_, PyAny>>>,
    ) -> PyResult<Admin> {
        Opening::new(py, None, config, prices, notifiers)?.unlock(
            py,
            &path,
            waiaas::Unlock::CreateAutoProvisioned,
        )
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
    m.add_class::<OwnerSigner>()?;
    m.add_class::<Scheduler>()?;
    m.add_function(wrap_pyfunction!(evaluate_policy_case, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    vectors::register(m)?;
    #[cfg(feature = "test-panic")]
    m.add_function(wrap_pyfunction!(_test_panic, m)?)?;
    Ok(())
}
