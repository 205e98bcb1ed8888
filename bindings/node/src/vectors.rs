//! The chain, session and vault conformance vectors (`testdata/vectors/`) evaluated by
//! the Rust entries the Rust runners use (`waiaas::api::evaluate_*_case`).

use napi::Env;
use serde_json::Value;

use crate::{error, from_js, to_js};

/// One case of `testdata/vectors/chains` through the real vault-backed signers
/// (`waiaas::api::evaluate_chain_case`).
#[napi(
    ts_args_type = "chainCase: object",
    ts_return_type = "Record<string, unknown>"
)]
pub fn evaluate_chain_case(env: Env, chain_case: String) -> napi::Result<String> {
    error::sync(&env, || {
        let case: Value = from_js("chainCase", &chain_case)?;
        to_js(&waiaas::api::evaluate_chain_case(&case)?)
    })
}

/// One case of `testdata/vectors/sessions` through the real token codec and issuer
/// (`waiaas::api::evaluate_session_case`).
#[napi(
    ts_args_type = "sessionCase: object",
    ts_return_type = "Record<string, unknown>"
)]
pub fn evaluate_session_case(env: Env, session_case: String) -> napi::Result<String> {
    error::sync(&env, || {
        let case: Value = from_js("sessionCase", &session_case)?;
        to_js(&waiaas::api::evaluate_session_case(&case)?)
    })
}

/// One case of `testdata/vectors/vault` through the real unlock
/// (`waiaas::api::evaluate_vault_case`).
#[napi(
    ts_args_type = "vaultCase: object",
    ts_return_type = "Record<string, unknown>"
)]
pub fn evaluate_vault_case(env: Env, vault_case: String) -> napi::Result<String> {
    error::sync(&env, || {
        let case: Value = from_js("vaultCase", &vault_case)?;
        to_js(&waiaas::api::evaluate_vault_case(&case)?)
    })
}
