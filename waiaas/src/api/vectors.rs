//! The shared policy vectors through the facade: one call a binding's ~30-line runner
//! makes per case, evaluating it exactly as the Rust runner does.

use serde_json::Value;

use crate::error::Result;

/// Evaluates one case of `testdata/vectors/policy/*.json` with the real policy engine
/// (ledger totals summed from the case's `ledger`, as `waiaas-policy/tests/vectors.rs`
/// does) and returns the decision in the form of the case's `expect`: `allowed`,
/// `tier`, sorted `reasons` and `warnings` codes, `delaySeconds`, `approvalReason`,
/// `approvalTimeout`.
///
/// # Errors
/// `VALIDATION_FAILED` when the case does not parse.
pub fn evaluate_policy_case(case: &Value) -> Result<Value> {
    let case = waiaas_policy::vectors::parse_case(case)?;
    let decision = waiaas_policy::vectors::evaluate(&waiaas_policy::Engine::new(), &case);
    Ok(waiaas_policy::vectors::summary(&decision))
}

/// Decodes a value a binding received from its host (a dict, a JS object) into an API
/// type; `what` names the argument in the error.
///
/// # Errors
/// `VALIDATION_FAILED` naming `what` and serde's account of the problem (an unknown
/// field, a missing one, a wrong type).
pub fn from_json<T: serde::de::DeserializeOwned>(what: &str, value: Value) -> Result<T> {
    serde_json::from_value(value)
        .map_err(|e| waiaas_core::ValidationError::field(what.to_owned(), e.to_string()).into())
}
