//! The chain, session and vault conformance vectors (`testdata/vectors/`) evaluated by
//! the Rust entries the Rust runners use (`waiaas::api::evaluate_*_case`), GIL released.

use pyo3::prelude::*;
use waiaas::api;

use crate::{call, py_to_json};

/// One case of `testdata/vectors/chains` through the real vault-backed signers
/// (`waiaas::api::evaluate_chain_case`).
#[pyfunction]
fn evaluate_chain_case(py: Python<'_>, case: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let case = py_to_json(py, case, "case")?;
    call(py, || api::evaluate_chain_case(&case))
}

/// One case of `testdata/vectors/sessions` through the real token codec and issuer
/// (`waiaas::api::evaluate_session_case`).
#[pyfunction]
fn evaluate_session_case(py: Python<'_>, case: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let case = py_to_json(py, case, "case")?;
    call(py, || api::evaluate_session_case(&case))
}

/// One case of `testdata/vectors/vault` through the real unlock
/// (`waiaas::api::evaluate_vault_case`).
#[pyfunction]
fn evaluate_vault_case(py: Python<'_>, case: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let case = py_to_json(py, case, "case")?;
    call(py, || api::evaluate_vault_case(&case))
}

/// Adds the three entries to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(evaluate_chain_case, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_session_case, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_vault_case, m)?)?;
    Ok(())
}
