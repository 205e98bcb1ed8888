//! Kotlin and Swift bindings of waiaas (uniffi proc-macros): the handles of the Rust
//! facade (`Admin`, `Agent`, `Owner`, plus `OwnerSigner`) with the facade's methods,
//! taking and returning the JSON of `waiaas::api` DTOs as strings. No behaviour of its
//! own: every request is decoded into an `api` DTO, the Rust handle is called, and the
//! answer is written back (docs/adr/0005-thin-wrapping.md, 0008-uniffi.md).
//!
//! - DTOs cross as JSON text, exactly as in the Python and Node bindings and the HTTP
//!   server: one set of serde rules (camelCase, unknown fields refused, amounts as
//!   strings), no second type layer to keep in step with the Rust one.
//! - Errors are `WaiaasError` (Kotlin `WaiaasException`), one variant per error class
//!   (`PolicyDenied` apart), each carrying the stable `code`, the message, the denial
//!   `reasons` as records and `retryAfterSecs`; mapped in one place (`error.rs`).
//! - Calls are synchronous and thread-safe: Kotlin callers run them on
//!   `Dispatchers.IO` (or any thread), Swift callers off the main actor. A panic is
//!   caught at the boundary by uniffi and raised as an exception.

uniffi::setup_scaffolding!();

mod admin;
mod agent;
mod error;
mod events;
mod owner;
mod owner_signer;
mod vectors;

pub use admin::Admin;
pub use agent::Agent;
pub use error::{DenialReason, WaiaasError};
pub use events::EventListener;
pub use owner::Owner;
pub use owner_signer::OwnerSigner;
pub use vectors::{
    evaluate_chain_case, evaluate_policy_case, evaluate_session_case, evaluate_vault_case,
};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// JSON text from the host decoded into the API type `T`; `what` names the argument
/// in the `VALIDATION_FAILED` error.
fn decode<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, WaiaasError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        waiaas::Error::from(waiaas_core::ValidationError::field(
            what.to_owned(),
            format!("is not JSON: {e}"),
        ))
    })?;
    Ok(waiaas::api::from_json(what, value)?)
}

/// An id given as a string (`walletId`, `txId`, …), parsed as the DTOs parse it.
fn id<T: DeserializeOwned>(what: &str, text: String) -> Result<T, WaiaasError> {
    Ok(waiaas::api::from_json(what, Value::String(text))?)
}

/// An optional id.
fn maybe_id<T: DeserializeOwned>(
    what: &str,
    text: Option<String>,
) -> Result<Option<T>, WaiaasError> {
    text.map(|t| id(what, t)).transpose()
}

/// An answer as JSON text (what the host parses).
fn encode<T: Serialize>(value: &T) -> Result<String, WaiaasError> {
    serde_json::to_string(value)
        .map_err(|e| WaiaasError::internal(&format!("cannot write the result as JSON: {e}")))
}

/// Every error code with its class and message forms (`waiaas::api::ERROR_CODES`), as
/// JSON text.
///
/// # Errors
/// Never in practice (the table is static); `INTERNAL` if it could not be written.
#[uniffi::export]
pub fn error_codes() -> Result<String, WaiaasError> {
    encode(&waiaas::api::ERROR_CODES)
}

/// Panics, as a bug in a dependency would: uniffi catches it at the boundary and the
/// host sees an exception while the process goes on. Test builds only.
#[cfg(feature = "test-panic")]
#[uniffi::export]
#[expect(
    clippy::panic,
    reason = "the deliberate test-only panic proving the boundary turns it into an exception"
)]
pub fn test_panic() {
    panic!("deliberate test panic");
}
