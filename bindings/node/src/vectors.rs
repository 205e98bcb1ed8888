//! The chain, session and vault conformance vectors (`testdata/vectors/`) evaluated by
//! the Rust entries the Rust runners use (`waiaas::api::evaluate_*_case`).

use serde_json::Value;

use crate::error;

/// One case of `testdata/vectors/chains` through the real vault-backed signers
/// (`waiaas::api::evaluate_chain_case`).
#[napi(
    ts_args_type = "chainCase: object",
    ts_return_type = "Record<string, unknown>"
)]
pub fn evaluate_chain_case(env: napi::Env, chain_case: Value) -> napi::Result<Value> {
    error::sync(&env, || Ok(waiaas::api::evaluate_chain_case(&chain_case)?))
}

/// One case of `testdata/vectors/sessions` through the real token codec and issuer
/// (`waiaas::api::evaluate_session_case`).
#[napi(
    ts_args_type = "sessionCase: object",
    ts_return_type = "Record<string, unknown>"
)]
pub fn evaluate_session_case(env: napi::Env, session_case: Value) -> napi::Result<Value> {
    error::sync(&env, || {
        Ok(waiaas::api::evaluate_session_case(&session_case)?)
    })
}

/// One case of `testdata/vectors/vault` through the real unlock
/// (`waiaas::api::evaluate_vault_case`).
#[napi(
    ts_args_type = "vaultCase: object",
    ts_return_type = "Record<string, unknown>"
)]
pub fn evaluate_vault_case(env: napi::Env, vault_case: Value) -> napi::Result<Value> {
    error::sync(&env, || Ok(waiaas::api::evaluate_vault_case(&vault_case)?))
}
