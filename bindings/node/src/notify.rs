//! Notifier callbacks: JS functions that receive each pipeline event as a plain object
//! (the camelCase JSON of `waiaas::notify::Event`). Each function becomes a
//! `waiaas::notify::CallbackNotifier` (its own waiaas thread and bounded queue) that
//! hands the event to a napi thread-safe function in non-blocking mode, so the
//! notifier thread never waits for the JS main thread.

use std::sync::{Arc, Mutex, PoisonError};

use napi::Status;
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{
    ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue,
};
use serde_json::Value;
use waiaas::notify::{CallbackNotifier, Event, Notifier};

/// Events waiting for the JS thread, per callback: past this the call fails with
/// `QueueFull` and the event is dropped (notifications are best-effort; the audit log
/// is the record), so a busy JS thread never makes memory grow without bound.
const JS_QUEUE: usize = 1024;

type EventFn = ThreadsafeFunction<Value, UnknownReturnValue, Value, Status, false, false, JS_QUEUE>;

/// One callback's thread-safe function; `None` once released.
type Slot = Arc<Mutex<Option<EventFn>>>;

/// The JS callbacks of one unlocked vault. While held they keep the Node event loop
/// alive (events must reach them); [`JsNotifiers::release`] lets the process exit.
#[derive(Default)]
pub struct JsNotifiers {
    slots: Vec<Slot>,
}

impl JsNotifiers {
    /// Wraps each function; runs on the JS thread (where a thread-safe function is made).
    ///
    /// # Errors
    /// A napi error when a thread-safe function cannot be created.
    pub fn new(functions: &[Function<'_, Value, UnknownReturnValue>]) -> napi::Result<Self> {
        let slots = functions
            .iter()
            .map(|f| {
                let tsfn = f
                    .build_threadsafe_function::<Value>()
                    .callee_handled::<false>()
                    .max_queue_size::<JS_QUEUE>()
                    .build()?;
                Ok(Arc::new(Mutex::new(Some(tsfn))))
            })
            .collect::<napi::Result<Vec<Slot>>>()?;
        Ok(Self { slots })
    }

    /// The notifiers to put in `waiaas::Host::notifiers`.
    pub fn notifiers(&self) -> Vec<Arc<dyn Notifier>> {
        self.slots
            .iter()
            .map(|slot| {
                let slot = slot.clone();
                Arc::new(CallbackNotifier::new(move |event: &Event| {
                    deliver(&slot, event)
                })) as Arc<dyn Notifier>
            })
            .collect()
    }

    /// Releases every thread-safe function: no further event reaches JS, and the event
    /// loop no longer waits for them. Idempotent.
    pub fn release(&self) {
        for slot in &self.slots {
            drop(lock(slot).take());
        }
    }
}

impl Drop for JsNotifiers {
    fn drop(&mut self) {
        self.release();
    }
}

fn lock(slot: &Slot) -> std::sync::MutexGuard<'_, Option<EventFn>> {
    // Only a take or a non-blocking call happens under the lock: a poisoned lock still
    // holds a valid slot.
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// On a waiaas notifier thread: queue `event` for the JS thread without waiting.
fn deliver(slot: &Slot, event: &Event) {
    let Ok(value) = serde_json::to_value(event) else {
        return;
    };
    if let Some(f) = lock(slot).as_ref() {
        // With a return-value callback napi hands a thrown exception to that callback
        // (dropped here) instead of raising it as uncaught: a throwing JS callback
        // breaks neither a send nor the process. A full queue or a closing env drops
        // the event (the status).
        let _status = f.call_with_return_value(
            value,
            ThreadsafeFunctionCallMode::NonBlocking,
            |_result, _env| Ok(()),
        );
    }
}
