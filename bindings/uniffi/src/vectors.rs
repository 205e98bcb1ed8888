//! The shared conformance vectors (`testdata/vectors/`) through the facade entries the
//! Rust, Python and Node runners call: one case in as JSON text, the answer to compare
//! with its `expect` out.

use serde_json::Value;

use crate::{WaiaasError, decode, encode};

/// Decodes one case, runs it through `entry`, and writes the answer.
fn run(case_json: &str, entry: fn(&Value) -> waiaas::Result<Value>) -> Result<String, WaiaasError> {
    let case: Value = decode("case", case_json)?;
    encode(&entry(&case)?)
}

/// One case of `testdata/vectors/policy` evaluated by the real engine; the decision in
/// the case's `expect` form.
///
/// # Errors
/// `VALIDATION_FAILED` when the case does not parse.
#[uniffi::export]
pub fn evaluate_policy_case(case_json: String) -> Result<String, WaiaasError> {
    run(&case_json, waiaas::api::evaluate_policy_case)
}

/// One case of `testdata/vectors/chains` (keys, addresses, signatures, decoding) on a
/// scratch vault.
///
/// # Errors
/// `VALIDATION_FAILED` when the case does not parse.
#[uniffi::export]
pub fn evaluate_chain_case(case_json: String) -> Result<String, WaiaasError> {
    run(&case_json, waiaas::api::evaluate_chain_case)
}

/// One case of `testdata/vectors/sessions` (token encoding and verification).
///
/// # Errors
/// `VALIDATION_FAILED` when the case does not parse.
#[uniffi::export]
pub fn evaluate_session_case(case_json: String) -> Result<String, WaiaasError> {
    run(&case_json, waiaas::api::evaluate_session_case)
}

/// One case of `testdata/vectors/vault` (unlocking headers made outside waiaas).
///
/// # Errors
/// `VALIDATION_FAILED` when the case does not parse.
#[uniffi::export]
pub fn evaluate_vault_case(case_json: String) -> Result<String, WaiaasError> {
    run(&case_json, waiaas::api::evaluate_vault_case)
}
