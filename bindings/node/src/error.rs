//! The one place a failure becomes a JS `Error`: `.code`, `.class`, `.reasons`,
//! `.retryAfter`, `.message` — all taken from `waiaas::Error` and the registry
//! (`waiaas::api::error_code_info`), never decided here.

use napi::bindgen_prelude::{Object, ToNapiValue, Unknown};
use napi::{Env, Status};
use serde_json::Value;
use waiaas::api::ErrorClass;

/// Why a call failed, before it becomes a JS error (built on any thread; converted on
/// the JS thread, where an `Env` exists).
#[derive(Debug)]
pub enum Failure {
    /// An error of waiaas (including a JS value that is not the DTO: `VALIDATION_FAILED`).
    Waiaas(waiaas::Error),
    /// A panic caught at the boundary: code `PANIC`, class `INTERNAL`.
    Panic(String),
}

impl From<waiaas::Error> for Failure {
    fn from(e: waiaas::Error) -> Self {
        Self::Waiaas(e)
    }
}

impl From<waiaas_core::ValidationError> for Failure {
    fn from(e: waiaas_core::ValidationError) -> Self {
        Self::Waiaas(e.into())
    }
}

impl From<waiaas_core::VaultError> for Failure {
    fn from(e: waiaas_core::VaultError) -> Self {
        Self::Waiaas(e.into())
    }
}

/// The result of every binding call.
pub type Outcome<T> = Result<T, Failure>;

fn class_name(class: ErrorClass) -> String {
    match serde_json::to_value(class) {
        Ok(Value::String(s)) => s,
        _ => "INTERNAL".to_owned(),
    }
}

/// Builds the JS `Error` of `failure` and returns it as the `napi::Error` that throws
/// (or rejects with) exactly that object.
pub fn to_js(env: &Env, failure: Failure) -> napi::Error {
    match build(env, failure) {
        Ok(e) => e,
        Err(e) => e,
    }
}

fn build(env: &Env, failure: Failure) -> napi::Result<napi::Error> {
    let (code, class, message, reasons, retry_after) = match failure {
        Failure::Waiaas(e) => {
            let info = e.to_info();
            (
                info.code.to_string(),
                class_name(e.class()),
                info.message.clone(),
                serde_json::to_value(&info.reasons).unwrap_or(Value::Array(Vec::new())),
                info.retry_after_secs,
            )
        }
        Failure::Panic(message) => (
            "PANIC".to_owned(),
            class_name(ErrorClass::Internal),
            format!("internal error: waiaas panicked: {message}"),
            Value::Array(Vec::new()),
            None,
        ),
    };
    let mut object: Object = env.create_error(napi::Error::new(Status::GenericFailure, message))?;
    object.set("code", code)?;
    object.set("class", class)?;
    object.set("reasons", env.to_js_value(&reasons)?)?;
    object.set("retryAfter", retry_after.map(|s| s as f64))?;
    let unknown: Unknown = object.into_unknown(env)?;
    Ok(napi::Error::from(unknown))
}

/// Runs `f`, turning a panic into [`Failure::Panic`] (ADR 0007: a panic is an error at
/// the boundary, and the process goes on).
pub fn guard<T>(f: impl FnOnce() -> Outcome<T>) -> Outcome<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(outcome) => outcome,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            Err(Failure::Panic(message))
        }
    }
}

/// Runs `f` on the JS thread and throws its failure as the JS error.
pub fn sync<T>(env: &Env, f: impl FnOnce() -> Outcome<T>) -> napi::Result<T> {
    guard(f).map_err(|failure| to_js(env, failure))
}
