//! Node.js binding of waiaas (napi-rs 3): `Waiaas`, `Admin`, `Agent` and `Owner` as JS
//! classes in camelCase, a thin layer over `waiaas::api` (ADR 0005). Every request
//! crosses as a plain JS object deserialized by serde into the API's DTO (napi's
//! `serde-json` feature: JS value ⇄ `serde_json::Value` ⇄ DTO), every answer as the
//! DTO's pinned JSON. Failures become JS `Error`s in one place (`src/error.rs`). Calls that
//! may be slow (unlocking with Argon2id, sending, approving, tool calls) return
//! Promises and run on the libuv thread pool.

#[macro_use]
extern crate napi_derive;

mod admin;
mod agent;
mod error;
mod task;
pub mod types;
pub mod vectors;

use napi::bindgen_prelude::AsyncTask;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use waiaas::{Config, Host, SecretString, StaticPriceOracle};
use waiaas_core::ValidationError;

use crate::error::Outcome;
use crate::task::UnlockTask;

/// A JS value as the DTO `T` (unknown fields refused by the DTO itself); a mismatch is
/// `VALIDATION_FAILED` naming `field`.
pub(crate) fn from_js<T: DeserializeOwned>(field: &str, value: Value) -> Outcome<T> {
    Ok(waiaas::api::from_json(field, value)?)
}

/// A DTO as its JSON (what JS receives).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Outcome<Value> {
    serde_json::to_value(value).map_err(|e| ValidationError::field("result", e.to_string()).into())
}

/// An id given as a string (`walletId`, `txId`, …), parsed as the DTOs parse it.
pub(crate) fn id<T: DeserializeOwned>(field: &str, value: String) -> Outcome<T> {
    from_js(field, Value::String(value))
}

/// What the host plugs in besides `Config` (`waiaas::Host`); only a fixed USD price
/// table in this increment.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HostOptions {
    /// USD per whole unit by asset id (`{"native:solana-devnet": "150"}`):
    /// `StaticPriceOracle::from_usd`.
    #[serde(default)]
    prices: std::collections::BTreeMap<String, String>,
}

fn unlock_inputs(
    password: Option<String>,
    config: Option<Value>,
    options: Option<Value>,
) -> Outcome<(Option<SecretString>, Config, Host)> {
    let config: Config = match config {
        Some(v) => from_js("config", v)?,
        None => Config::default(),
    };
    let options: HostOptions = match options {
        Some(v) => from_js("options", v)?,
        None => HostOptions {
            prices: std::collections::BTreeMap::new(),
        },
    };
    let mut host = Host::default();
    if !options.prices.is_empty() {
        let entries: Vec<(&str, &str)> = options
            .prices
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        host.prices = std::sync::Arc::new(StaticPriceOracle::from_usd(&entries)?);
    }
    Ok((password.map(SecretString::from), config, host))
}

/// Entry point: unlocks a vault and hands out the operator's `Admin`.
#[napi]
pub struct Waiaas;

#[napi]
impl Waiaas {
    /// Creates a vault in directory `path` (`Waiaas::create`); Argon2id runs off the
    /// main thread. `config` is `waiaas::Config` as camelCase JSON;
    /// `options.prices` a fixed USD price table.
    #[napi(
        ts_args_type = "path: string, password?: string | null, config?: Record<string, unknown> | null, options?: { prices?: Record<string, string> } | null"
    )]
    pub fn create(
        path: String,
        password: Option<String>,
        config: Option<Value>,
        options: Option<Value>,
    ) -> AsyncTask<UnlockTask> {
        AsyncTask::new(UnlockTask::new(move || {
            let (password, config, host) = unlock_inputs(password, config, options)?;
            Ok(waiaas::Waiaas::create(path, password, &config, host)?)
        }))
    }

    /// Opens the vault in `path` (`Waiaas::open`); Argon2id runs off the main thread.
    #[napi(
        ts_args_type = "path: string, password?: string | null, config?: Record<string, unknown> | null, options?: { prices?: Record<string, string> } | null"
    )]
    pub fn open(
        path: String,
        password: Option<String>,
        config: Option<Value>,
        options: Option<Value>,
    ) -> AsyncTask<UnlockTask> {
        AsyncTask::new(UnlockTask::new(move || {
            let (password, config, host) = unlock_inputs(password, config, options)?;
            Ok(waiaas::Waiaas::open(path, password, &config, host)?)
        }))
    }
}

/// The fields every error thrown or rejected by waiaas carries besides `message`
/// (type only: `catch (e) { const { code } = e as Error & WaiaasErrorFields }`).
#[napi(object)]
pub struct WaiaasErrorFields {
    /// The stable code (`POLICY_DENIED`, `INVALID_TOKEN`, …; `PANIC` for a caught panic).
    pub code: String,
    /// Its class (`INVALID_INPUT`, `UNAUTHENTICATED`, `FORBIDDEN`, `NOT_FOUND`,
    /// `CONFLICT`, `RATE_LIMITED`, `UNAVAILABLE`, `INTERNAL`).
    pub class: String,
    /// Every reason of a policy denial (empty otherwise).
    #[napi(
        ts_type = "Array<{ code: string; message: string; policyId: string | null; policyType: string | null }>"
    )]
    pub reasons: Vec<Value>,
    /// Seconds to wait before retrying (`MASTER_PASSWORD_LOCKED`, `RENEWAL_TOO_EARLY`).
    pub retry_after: Option<f64>,
}

/// One case of `testdata/vectors/policy` decided by the real engine
/// (`waiaas::api::evaluate_policy_case`): the shared vectors run in Node as in Rust.
#[napi(
    ts_args_type = "policyCase: object",
    ts_return_type = "{ allowed: boolean; tier: string; reasons: string[]; warnings: string[]; delaySeconds: number | null; approvalReason: string | null; approvalTimeout: number | null }"
)]
pub fn evaluate_policy_case(env: napi::Env, policy_case: Value) -> napi::Result<Value> {
    error::sync(&env, || {
        Ok(waiaas::api::evaluate_policy_case(&policy_case)?)
    })
}

/// Every error code with its class (`waiaas::api::ERROR_CODES`).
#[napi(ts_return_type = "Array<{ code: string; class: string; messages: string[] }>")]
pub fn error_codes(env: napi::Env) -> napi::Result<Value> {
    error::sync(&env, || to_js(&waiaas::api::ERROR_CODES))
}

/// Test-only: panics on the JS thread (sync) or on the thread pool (`async`), to prove
/// a panic becomes a JS error and the process goes on.
#[cfg(feature = "test-panic")]
#[napi(skip_typescript)]
pub fn panic_for_tests(env: napi::Env, message: String) -> napi::Result<()> {
    error::sync(&env, || panic_now(&message))
}

/// Test-only: as [`panic_for_tests`], on the libuv thread pool (a rejected Promise).
#[cfg(feature = "test-panic")]
#[napi(skip_typescript)]
pub fn panic_for_tests_async(message: String) -> AsyncTask<task::JsonTask> {
    AsyncTask::new(task::JsonTask::new(move || panic_now(&message)))
}

#[cfg(feature = "test-panic")]
#[expect(
    clippy::panic,
    reason = "the deliberate test-only panic of the `test-panic` feature"
)]
fn panic_now<T>(message: &str) -> Outcome<T> {
    panic!("{message}")
}
