//! Notifications: typed [`Event`]s delivered to [`Notifier`]s off the caller's thread.
//!
//! The pipeline describes what happened as an [`Event`] (a transaction was signed, a policy
//! denied a request, the kill switch was activated, …) and hands it to a [`Dispatcher`].
//! The dispatcher never blocks and never fails: each notifier gets its own bounded queue
//! and worker thread, so a notifier that is slow, blocked or panicking delays nobody but
//! itself, and a full queue drops the event and counts it ([`Dispatcher::dropped`]).
//! Notifications are best-effort by design: the audit log is the record, a notification
//! is a heads-up.
//!
//! Notifiers shipped here:
//! - [`MemoryNotifier`]: keeps events in memory for hosts that poll (and for tests).
//! - [`CallbackNotifier`]: calls a closure; the language bindings wrap host callbacks in it.
//! - `WebhookNotifier` (feature `webhook`, on by default): POSTs the event as JSON with
//!   an HMAC-SHA256 signature header; see `docs/notifications.md` for the wire format and
//!   how a receiver verifies it.
//! - Channels the operator configures ([`NewChannel`], `Admin::add_notification_channel`):
//!   Telegram, ntfy, Slack and Discord (features `telegram`, `ntfy`, `slack`, `discord`),
//!   started with the vault; approval requests carry a single-use link to the approval
//!   page.
//!
//! ## Example
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use waiaas::notify::{CallbackNotifier, Dispatcher, Event, EventKind, MemoryNotifier};
//!
//! let inbox = Arc::new(MemoryNotifier::new());
//! let alerts = Arc::new(CallbackNotifier::new(|event: &Event| {
//!     // Hand the event to the host: a channel, a log, a push message, …
//!     let _ = event.kind;
//! }));
//! let dispatcher = Dispatcher::new(vec![inbox.clone(), alerts], 1024);
//!
//! dispatcher.send(Event::new(EventKind::KillSwitchActivated, 1_764_330_000));
//! assert!(dispatcher.flush(Duration::from_secs(5)));
//! assert_eq!(inbox.take()[0].kind, EventKind::KillSwitchActivated);
//! assert_eq!(dispatcher.dropped(), 0);
//! ```
//!
//! ## Wire shape
//! An event serializes as camelCase JSON, absent ids as `null`:
//! ```json
//! {"kind":"TX_SIGNED","at":1764330000,"walletId":"0192…","txId":"0192…","sessionId":null,"details":{}}
//! ```

mod channels;
#[cfg(feature = "webhook")]
mod chat;
mod dispatcher;
#[cfg(feature = "webhook")]
mod http;
#[cfg(feature = "webhook")]
mod message;
#[cfg(feature = "telegram")]
mod telegram_bot;
#[cfg(feature = "webhook")]
mod webhook;

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, PoisonError};

pub use waiaas_core::notify::{Event, EventKind, Notifier};

pub use channels::{ChannelInfo, ChannelKind, NewChannel};
#[cfg(feature = "webhook")]
pub(crate) use chat::channel_notifiers;
pub use dispatcher::{DEFAULT_SHUTDOWN_TIMEOUT, Dispatcher};
#[cfg(feature = "telegram")]
pub use telegram_bot::TelegramBots;
#[cfg(feature = "webhook")]
pub use webhook::{
    EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookError, WebhookNotifier, WebhookOptions,
};

/// Default [`MemoryNotifier`] capacity.
pub const DEFAULT_MEMORY_LIMIT: usize = 10_000;

/// Keeps events in memory, oldest first, for hosts that poll (and for tests of the
/// pipeline). Bounded: past its limit the oldest event is discarded and counted in
/// [`MemoryNotifier::discarded`].
#[derive(Debug)]
pub struct MemoryNotifier {
    inner: Mutex<MemoryInner>,
}

#[derive(Debug)]
struct MemoryInner {
    events: VecDeque<Event>,
    limit: usize,
    discarded: u64,
}

impl Default for MemoryNotifier {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryNotifier {
    /// An empty notifier that keeps up to [`DEFAULT_MEMORY_LIMIT`] events.
    #[must_use]
    pub fn new() -> Self {
        Self::with_limit(DEFAULT_MEMORY_LIMIT)
    }

    /// An empty notifier that keeps up to `limit` events (at least one).
    #[must_use]
    pub fn with_limit(limit: usize) -> Self {
        Self {
            inner: Mutex::new(MemoryInner {
                events: VecDeque::new(),
                limit: limit.max(1),
                discarded: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        // The lock is never held across foreign code, so a poisoned lock still holds
        // consistent data.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the events held, oldest first.
    #[must_use]
    pub fn events(&self) -> Vec<Event> {
        self.lock().events.iter().cloned().collect()
    }

    /// Removes and returns the events held, oldest first, in one step (what a polling
    /// host wants: no event can slip between reading and clearing).
    #[must_use]
    pub fn take(&self) -> Vec<Event> {
        self.lock().events.drain(..).collect()
    }

    /// Forgets every event held.
    pub fn clear(&self) {
        self.lock().events.clear();
    }

    /// How many events are held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().events.len()
    }

    /// Whether no event is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().events.is_empty()
    }

    /// How many old events were discarded because the limit was reached.
    #[must_use]
    pub fn discarded(&self) -> u64 {
        self.lock().discarded
    }
}

impl Notifier for MemoryNotifier {
    fn notify(&self, event: &Event) {
        let mut inner = self.lock();
        while inner.events.len() >= inner.limit {
            if inner.events.pop_front().is_none() {
                break;
            }
            inner.discarded = inner.discarded.saturating_add(1);
        }
        inner.events.push_back(event.clone());
    }
}

type Callback = Box<dyn Fn(&Event) + Send + Sync + 'static>;

/// Calls a closure for each event (the bindings wrap host callbacks with this).
pub struct CallbackNotifier {
    callback: Callback,
}

impl CallbackNotifier {
    /// A notifier that calls `callback` with each event.
    #[must_use]
    pub fn new(callback: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        Self {
            callback: Box::new(callback),
        }
    }
}

impl fmt::Debug for CallbackNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackNotifier").finish_non_exhaustive()
    }
}

impl Notifier for CallbackNotifier {
    fn notify(&self, event: &Event) {
        (self.callback)(event);
    }
}
