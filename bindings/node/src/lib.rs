//! Node.js binding of waiaas (napi-rs 3): `Waiaas`, `Admin`, `Agent`, `Owner` and
//! `OwnerSigner` as JS classes in camelCase, a thin layer over `waiaas::api` (ADR 0005).
//! Every request is a plain JS object deserialized by serde into the API's DTO, every
//! answer the DTO's pinned JSON. They cross N-API as JSON text: `src/json.js`, run as the
//! addon loads, wraps each such method so JS passes and receives objects (made and read
//! by V8's `JSON.stringify` / `JSON.parse`), as `index.d.ts` declares; the Rust methods
//! below take and answer the text. Failures become JS `Error`s in one place
//! (`src/error.rs`).
//! Calls that may be slow (Argon2id, signing, RPC) return Promises and run on the libuv
//! thread pool; notifier callbacks are thread-safe functions (`src/notify.rs`). No
//! process-global state: the addon loads in any number of worker threads.

#[macro_use]
extern crate napi_derive;

mod admin;
mod agent;
mod error;
mod notify;
mod owner_signer;
mod task;
pub mod types;
pub mod vectors;

use std::collections::BTreeMap;

use napi::Env;
use napi::bindgen_prelude::{AsyncTask, FnArgs, Function, Object};
use napi::threadsafe_function::UnknownReturnValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use waiaas::{Config, Host, SecretString, StaticPriceOracle, Unlock};
use waiaas_core::ValidationError;

use crate::error::{Failure, Outcome};
use crate::notify::JsNotifiers;
use crate::task::UnlockTask;

/// The JS layer of every method that takes or answers JSON text (`src/json.js`).
const JSON_LAYER: &str = include_str!("json.js");

/// Runs `src/json.js` over the exports of each environment that loads the addon, with
/// `refuse(field, reason)`: the JS layer's way to throw this addon's `VALIDATION_FAILED`
/// for a value JSON cannot carry.
#[napi(module_exports)]
pub fn init(exports: Object<'_>, env: Env) -> napi::Result<()> {
    let refuse = env.create_function_from_closure("refuse", |ctx| -> napi::Result<()> {
        let (field, reason): (String, String) = ctx.args()?;
        Err(error::to_js(
            ctx.env,
            ValidationError::field(field, reason).into(),
        ))
    })?;
    let layer: Function<'_, FnArgs<(Object<'_>, Refuse<'_>)>, ()> = env.run_script(JSON_LAYER)?;
    layer.call((exports, refuse).into())
}

/// `refuse(field, reason)` as `src/json.js` receives it.
type Refuse<'env> = Function<'env, FnArgs<(String, String)>, ()>;

/// JSON text made by `src/json.js` as the DTO `T` (unknown fields refused by the DTO
/// itself); a mismatch is `VALIDATION_FAILED` naming `field`, in serde's words as
/// `waiaas::api::from_json` gives them (no position in a text the caller never wrote).
pub(crate) fn from_js<T: DeserializeOwned>(field: &str, text: &str) -> Outcome<T> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let reason = message.strip_suffix(&position).unwrap_or(&message);
        ValidationError::field(field, reason).into()
    })
}

/// [`from_js`] for an optional argument: `null` (or nothing) is `T::default()`.
pub(crate) fn optional<T: DeserializeOwned + Default>(field: &str, text: &str) -> Outcome<T> {
    Ok(from_js::<Option<T>>(field, text)?.unwrap_or_default())
}

/// A DTO as its JSON text (what `src/json.js` parses for JS).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Outcome<String> {
    serde_json::to_string(value).map_err(|e| ValidationError::field("result", e.to_string()).into())
}

/// An id given as a string (`walletId`, `txId`, …), parsed as the DTOs parse it.
pub(crate) fn id<T: DeserializeOwned>(field: &str, value: String) -> Outcome<T> {
    Ok(waiaas::api::from_json(field, Value::String(value))?)
}

/// `options` read on the JS thread (it holds functions, so it crosses as an object): the
/// price table still as JSON (decoded with the rest of the inputs), the callbacks
/// already thread-safe functions.
struct HostParts {
    prices: Option<Value>,
    notifiers: JsNotifiers,
}

fn napi_input(field: &str, e: &napi::Error) -> Failure {
    ValidationError::field(field, e.reason.clone()).into()
}

fn host_parts(options: Option<&Object<'_>>) -> Outcome<HostParts> {
    let Some(options) = options else {
        return Ok(HostParts {
            prices: None,
            notifiers: JsNotifiers::default(),
        });
    };
    for key in Object::keys(options).map_err(|e| napi_input("options", &e))? {
        if key != "prices" && key != "notifiers" {
            return Err(ValidationError::field(
                "options",
                format!("unknown field `{key}`, expected `prices` or `notifiers`"),
            )
            .into());
        }
    }
    let prices: Option<Value> = options
        .get("prices")
        .map_err(|e| napi_input("options.prices", &e))?;
    let functions: Option<Vec<Function<'_, Value, UnknownReturnValue>>> =
        options.get("notifiers").map_err(|_| {
            Failure::from(ValidationError::field(
                "options.notifiers",
                "must be an array of functions",
            ))
        })?;
    let notifiers = JsNotifiers::new(&functions.unwrap_or_default())
        .map_err(|e| napi_input("options.notifiers", &e))?;
    Ok(HostParts { prices, notifiers })
}

fn unlock_inputs(
    password: Option<String>,
    config: &str,
    prices: Option<Value>,
    notifiers: Vec<std::sync::Arc<dyn waiaas::notify::Notifier>>,
) -> Outcome<(Option<SecretString>, Config, Host)> {
    let config: Config = optional("config", config)?;
    let prices: BTreeMap<String, String> = match prices {
        Some(v) => waiaas::api::from_json("options.prices", v)?,
        None => BTreeMap::new(),
    };
    let mut host = Host {
        notifiers,
        ..Host::default()
    };
    if !prices.is_empty() {
        let entries: Vec<(&str, &str)> = prices
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        host.prices = std::sync::Arc::new(StaticPriceOracle::from_usd(&entries)?);
    }
    Ok((password.map(SecretString::from), config, host))
}

/// Reads `options` on the JS thread and unlocks (Argon2id) on the libuv pool; a bad
/// input rejects the Promise like any other failure.
fn unlock(
    path: String,
    password: Option<String>,
    config: String,
    options: Option<&Object<'_>>,
    how: Unlock,
) -> AsyncTask<UnlockTask> {
    let (prices, notifiers) = match host_parts(options) {
        Ok(parts) => (Ok(parts.prices), parts.notifiers),
        Err(e) => (Err(e), JsNotifiers::default()),
    };
    let host_notifiers = notifiers.notifiers();
    AsyncTask::new(UnlockTask::new(notifiers, move || {
        let (password, config, host) = unlock_inputs(password, &config, prices?, host_notifiers)?;
        Ok(waiaas::Waiaas::unlock(path, how, password, &config, host)?)
    }))
}

/// Entry point: unlocks a vault and hands out the operator's `Admin`.
#[napi]
pub struct Waiaas;

// The statics are `configurable` (napi defines them read-only and fixed) so that
// `src/json.js` can put its layer over them.
#[napi]
impl Waiaas {
    /// Creates a vault in directory `path` (`Waiaas::create`); Argon2id runs off the
    /// main thread. `config` is `waiaas::Config` as camelCase JSON; `options` the
    /// host's price table and notifier callbacks (`HostOptions`).
    #[napi(
        configurable = true,
        ts_args_type = "path: string, password?: string | null, config?: Record<string, unknown> | null, options?: HostOptions | null"
    )]
    pub fn create(
        path: String,
        password: Option<String>,
        config: String,
        options: Option<Object<'_>>,
    ) -> AsyncTask<UnlockTask> {
        unlock(path, password, config, options.as_ref(), Unlock::Create)
    }

    /// Creates a vault whose master password is generated (32 random bytes, hex) and
    /// written to `<path>/recovery.key` (0600), as `Waiaas::create_auto_provisioned`: read
    /// it, store it safely, then change the password or delete the file. Argon2id runs
    /// off the main thread.
    #[napi(
        configurable = true,
        ts_args_type = "path: string, config?: Record<string, unknown> | null, options?: HostOptions | null"
    )]
    pub fn create_auto_provisioned(
        path: String,
        config: String,
        options: Option<Object<'_>>,
    ) -> AsyncTask<UnlockTask> {
        unlock(
            path,
            None,
            config,
            options.as_ref(),
            Unlock::CreateAutoProvisioned,
        )
    }

    /// Opens the vault in `path` (`Waiaas::open`); Argon2id runs off the main thread.
    #[napi(
        configurable = true,
        ts_args_type = "path: string, password?: string | null, config?: Record<string, unknown> | null, options?: HostOptions | null"
    )]
    pub fn open(
        path: String,
        password: Option<String>,
        config: String,
        options: Option<Object<'_>>,
    ) -> AsyncTask<UnlockTask> {
        unlock(path, password, config, options.as_ref(), Unlock::Open)
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
pub fn evaluate_policy_case(env: Env, policy_case: String) -> napi::Result<String> {
    error::sync(&env, || {
        let case: Value = from_js("policyCase", &policy_case)?;
        to_js(&waiaas::api::evaluate_policy_case(&case)?)
    })
}

/// Every error code with its class (`waiaas::api::ERROR_CODES`).
#[napi(ts_return_type = "Array<{ code: string; class: string; messages: string[] }>")]
pub fn error_codes(env: Env) -> napi::Result<String> {
    error::sync(&env, || to_js(&waiaas::api::ERROR_CODES))
}

/// Test-only: panics on the JS thread (sync) or on the thread pool (`async`), to prove
/// a panic becomes a JS error and the process goes on.
#[cfg(feature = "test-panic")]
#[napi(skip_typescript)]
pub fn panic_for_tests(env: Env, message: String) -> napi::Result<()> {
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
