//! The shared vectors through the facade: one call a binding's ~30-line runner makes
//! per case, evaluating it exactly as the Rust runner does.

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

/// A fresh SQLite store in a new temp dir, deleted when the returned guard drops:
/// every chain, session and vault case starts from an empty vault.
#[cfg(feature = "vectors")]
fn scratch_store() -> Result<(tempfile::TempDir, std::sync::Arc<dyn waiaas_core::Store>)> {
    let dir = tempfile::tempdir().map_err(|e| waiaas_core::StoreError::Io {
        operation: "create a temp dir for the vectors",
        path: std::env::temp_dir().display().to_string(),
        message: e.to_string(),
    })?;
    let store = waiaas_store::SqliteStore::open(
        dir.path().join("vectors.db"),
        &waiaas_store::StoreOptions {
            // Thrown away after one case: power-loss safety buys nothing here.
            synchronous: waiaas_store::Synchronous::Normal,
            ..waiaas_store::StoreOptions::default()
        },
    )?;
    Ok((dir, std::sync::Arc::new(store)))
}

/// Runs one case of `testdata/vectors/chains/*.json` through the real vault-backed
/// signers, decoders and verifiers (`waiaas_chains::vectors::evaluate`, as
/// `waiaas-chains/tests/vectors.rs` does), with its keys in a scratch vault, and returns
/// the answer: each key of the case's `expect` must equal the same key of it.
///
/// # Errors
/// `VALIDATION_FAILED` when the case does not parse; an error of the signing path the
/// case does not expect; `STORAGE_ERROR` when the scratch vault cannot be made.
#[cfg(feature = "vectors")]
pub fn evaluate_chain_case(case: &Value) -> Result<Value> {
    let (_dir, store) = scratch_store()?;
    let vault =
        waiaas_core::vectors::scratch_vault(store, std::sync::Arc::new(waiaas_core::SystemClock))?;
    Ok(waiaas_chains::vectors::evaluate(case, &vault)?)
}

/// Runs one case of `testdata/vectors/sessions/*.json` (`waiaas_core::vectors`) on a
/// scratch store: `encode` gives `{token}`, `verify` `{ok: true, sessionId,
/// generation, expiresAt}` or `{ok: false, code, message}`.
///
/// # Errors
/// `VALIDATION_FAILED` when the case does not parse; `STORAGE_ERROR` or a vault error
/// while setting the case up.
#[cfg(feature = "vectors")]
pub fn evaluate_session_case(case: &Value) -> Result<Value> {
    let (_dir, store) = scratch_store()?;
    Ok(waiaas_core::vectors::evaluate_session_case(case, store)?)
}

/// Runs one case of `testdata/vectors/vault/*.json` (`waiaas_core::vectors`) on a
/// scratch store: writes its header, tries its passwords in order and gives
/// `{attempts: [{ok: true, version, kdf} | {ok: false, code, retryAfterSecs?}]}`.
///
/// # Errors
/// `VALIDATION_FAILED` when the case does not parse; `STORAGE_ERROR` while setting the
/// case up.
#[cfg(feature = "vectors")]
pub fn evaluate_vault_case(case: &Value) -> Result<Value> {
    let (_dir, store) = scratch_store()?;
    Ok(waiaas_core::vectors::evaluate_vault_case(case, store)?)
}
