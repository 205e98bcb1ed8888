//! Work that leaves the JS main thread: a closure run on the libuv thread pool
//! (`napi::Task::compute`), its answer handed back on the JS thread.

use napi::{Env, Task};

use crate::admin::Admin;
use crate::error::{Failure, Outcome, guard, to_js};
use crate::notify::JsNotifiers;

type Work<T> = Box<dyn FnOnce() -> Outcome<T> + Send>;

fn take<T>(work: &mut Option<Work<T>>) -> Outcome<T> {
    match work.take() {
        Some(f) => guard(f),
        None => Err(Failure::Panic("a task ran twice".to_owned())),
    }
}

/// A call answering with JSON text (a waiaas DTO; `src/json.js` parses it).
pub struct JsonTask {
    work: Option<Work<String>>,
}

impl JsonTask {
    /// The call `f`, to run off the main thread.
    pub fn new(f: impl FnOnce() -> Outcome<String> + Send + 'static) -> Self {
        Self {
            work: Some(Box::new(f)),
        }
    }
}

#[napi]
impl Task for JsonTask {
    type Output = Outcome<String>;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(take(&mut self.work))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        output.map_err(|failure| to_js(&env, failure))
    }
}

/// Unlocking a vault (`Waiaas.create` / `Waiaas.open`: one Argon2id run).
pub struct UnlockTask {
    work: Option<Work<waiaas::Admin>>,
    /// Handed to the `Admin` on success; released with the task on failure.
    notifiers: JsNotifiers,
}

impl UnlockTask {
    /// The unlock `f`, to run off the main thread, for a vault whose JS callbacks are
    /// `notifiers`.
    pub fn new(
        notifiers: JsNotifiers,
        f: impl FnOnce() -> Outcome<waiaas::Admin> + Send + 'static,
    ) -> Self {
        Self {
            work: Some(Box::new(f)),
            notifiers,
        }
    }
}

#[napi]
impl Task for UnlockTask {
    type Output = Outcome<waiaas::Admin>;
    type JsValue = Admin;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(take(&mut self.work))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        output
            .map(|admin| Admin::wrap(admin, std::mem::take(&mut self.notifiers)))
            .map_err(|failure| to_js(&env, failure))
    }
}
