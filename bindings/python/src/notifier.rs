//! Python callables as waiaas notifiers (`Waiaas.create(..., notifiers=[f])`).
//!
//! waiaas runs each notifier on its own thread with its own bounded queue
//! (`waiaas::notify::Dispatcher`), so the callable runs there: it takes the GIL on that
//! thread for the call only, never while waiaas holds a lock, and a callable that is
//! slow or blocked delays nobody but its own queue. An exception it raises goes to
//! `sys.unraisablehook` (printed to stderr by default) and never reaches the pipeline.

use std::sync::Arc;

use pyo3::prelude::*;
use waiaas::notify::{CallbackNotifier, Event, Notifier};

use crate::{encode_failed, invalid_input};

/// One notifier per callable, in order; anything not callable is refused.
pub(crate) fn notifiers(
    py: Python<'_>,
    callables: Option<Vec<Bound<'_, PyAny>>>,
) -> PyResult<Vec<Arc<dyn Notifier>>> {
    callables
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, f)| {
            if !f.is_callable() {
                return Err(invalid_input(
                    py,
                    &format!("invalid `notifiers`: item {index} is not callable"),
                ));
            }
            Ok(notifier(f.unbind()))
        })
        .collect()
}

fn notifier(callable: Py<PyAny>) -> Arc<dyn Notifier> {
    Arc::new(CallbackNotifier::new(move |event: &Event| {
        // `try_attach` is `None` while the interpreter shuts down: no Python code can
        // run then, and the event is dropped like any other undeliverable one.
        let _delivered = Python::try_attach(|py| deliver(py, &callable, event));
    }))
}

/// Calls `callable(event_dict)`; an error is reported as unraisable, never propagated.
fn deliver(py: Python<'_>, callable: &Py<PyAny>, event: &Event) {
    let outcome = serde_json::to_string(event)
        .map_err(|e| encode_failed(py, &e))
        .and_then(|text| py.import("json")?.call_method1("loads", (text,)))
        .and_then(|dict| callable.call1(py, (dict,)));
    if let Err(error) = outcome {
        error.write_unraisable(py, Some(callable.bind(py)));
    }
}
