//! Event listeners implemented by the host (Kotlin / Swift), plugged in as waiaas
//! notifiers.

use std::sync::Arc;

use waiaas::notify::{CallbackNotifier, Event, Notifier};

/// What a listener may throw; waiaas records nothing of it and goes on (a listener can
/// never stall or fail a send).
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum EventListenerError {
    /// The listener failed.
    #[error("the event listener failed: {0}")]
    Failed(String),
}

impl From<uniffi::UnexpectedUniFFICallbackError> for EventListenerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed(e.reason)
    }
}

/// Receives every pipeline event (`TX_SIGNED`, `APPROVAL_REQUESTED`, `KILL_SWITCH`, …)
/// as the JSON of `waiaas::notify::Event`, on a library thread (one queue and thread per
/// listener; a slow listener delays only its own events).
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    /// Handles one event (`{"kind", "walletId", "txId", "at", "details", …}`).
    ///
    /// # Errors
    /// Whatever the host throws; it is dropped.
    fn on_event(&self, event_json: String) -> Result<(), EventListenerError>;
}

/// A host listener as a waiaas notifier (its own waiaas thread and bounded queue).
pub(crate) fn notifier(listener: Arc<dyn EventListener>) -> Arc<dyn Notifier> {
    Arc::new(CallbackNotifier::new(move |event: &Event| {
        if let Ok(json) = serde_json::to_string(event) {
            // A listener's failure is its own: the pipeline has already committed.
            let _ = listener.on_event(json);
        }
    }))
}
