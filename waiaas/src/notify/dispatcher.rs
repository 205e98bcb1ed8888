//! The [`Dispatcher`]: one bounded queue and one worker thread per notifier.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::{Event, Notifier};

/// How long dropping a [`Dispatcher`] waits for its queues to drain before it abandons
/// what is left (see [`Dispatcher::shutdown`]).
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest single wait on the condition variable (keeps `Instant` arithmetic in range).
const MAX_WAIT_SLICE: Duration = Duration::from_secs(3600);

/// State shared by the dispatcher and its workers.
#[derive(Debug, Default)]
struct Shared {
    /// Deliveries accepted into a queue and not yet finished (summed over workers).
    pending: AtomicU64,
    /// Worker threads still running.
    live: AtomicUsize,
    /// Deliveries dropped because a queue was full (or its worker could not start).
    dropped: AtomicU64,
    /// Deliveries whose notifier panicked.
    panicked: AtomicU64,
    /// Set when shutdown gave up waiting: workers discard what is left.
    abandon: AtomicBool,
    /// Guards the condition variable; holds no data.
    lock: Mutex<()>,
    /// Signalled when `pending` reaches zero or a worker exits.
    changed: Condvar,
}

impl Shared {
    fn guard(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wake(&self) {
        let _guard = self.guard();
        self.changed.notify_all();
    }

    /// One accepted delivery is finished (handled, skipped or refused by the queue).
    fn finish_one(&self) {
        if self.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.wake();
        }
    }

    /// Waits until `done()` holds or `timeout` passes; returns whether it holds.
    fn wait_until(&self, timeout: Duration, done: impl Fn(&Self) -> bool) -> bool {
        let started = Instant::now();
        let mut guard = self.guard();
        loop {
            if done(self) {
                return true;
            }
            let remaining = timeout.saturating_sub(started.elapsed());
            if remaining.is_zero() {
                return false;
            }
            guard = self
                .changed
                .wait_timeout(guard, remaining.min(MAX_WAIT_SLICE))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// Marks a worker as exited however its loop ends.
struct ExitGuard(Arc<Shared>);

impl Drop for ExitGuard {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::AcqRel);
        self.0.wake();
    }
}

fn run_worker(notifier: &dyn Notifier, queue: &Receiver<Arc<Event>>, shared: &Shared) {
    // Ends when the dispatcher has dropped its sender and the queue is drained.
    for event in queue {
        if !shared.abandon.load(Ordering::Acquire) {
            let outcome = catch_unwind(AssertUnwindSafe(|| notifier.notify(&event)));
            if let Err(payload) = outcome {
                shared.panicked.fetch_add(1, Ordering::Relaxed);
                // A payload whose own `Drop` panics must not kill the worker either.
                if let Err(nested) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
                    std::mem::forget(nested);
                }
            }
        }
        shared.finish_one();
    }
}

struct Worker {
    sender: SyncSender<Arc<Event>>,
    handle: Option<JoinHandle<()>>,
}

/// Delivers events on background threads through bounded queues: [`send`](Self::send)
/// never blocks and never fails; a full queue drops the event (counted by
/// [`dropped`](Self::dropped)); a notifier that panics or blocks never affects the caller.
///
/// Each notifier has its own queue of `capacity` events and its own worker thread
/// (named `waiaas-notify-<n>`), so one slow or stuck notifier (a webhook whose receiver
/// is down) does not delay the others (the host callback). Events reach each notifier in
/// the order they were sent. A notifier that panics is counted
/// ([`panicked`](Self::panicked)) and keeps receiving later events; this relies on
/// unwinding, so a host built with `panic = "abort"` loses that protection.
///
/// Dropping the dispatcher stops accepting events, lets the workers drain their queues
/// for up to [`DEFAULT_SHUTDOWN_TIMEOUT`] and joins them; past that it abandons the rest
/// (a notifier still blocked finishes its current event on a detached thread, then the
/// thread discards its queue and exits). Use [`shutdown`](Self::shutdown) to choose the
/// bound.
pub struct Dispatcher {
    workers: Vec<Worker>,
    shared: Arc<Shared>,
    capacity: usize,
}

impl fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dispatcher")
            .field("notifiers", &self.workers.len())
            .field("capacity", &self.capacity)
            .field("pending", &self.shared.pending.load(Ordering::Relaxed))
            .field("dropped", &self.dropped())
            .field("panicked", &self.panicked())
            .finish()
    }
}

impl Dispatcher {
    /// Starts one worker thread per notifier, each with a queue of `capacity` events
    /// (at least one). A worker thread that the OS refuses to start counts every event
    /// meant for it as dropped.
    #[must_use]
    pub fn new(notifiers: Vec<Arc<dyn Notifier>>, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let shared = Arc::new(Shared::default());
        let workers = notifiers
            .into_iter()
            .enumerate()
            .map(|(index, notifier)| {
                let (sender, queue) = sync_channel::<Arc<Event>>(capacity);
                let worker_shared = Arc::clone(&shared);
                shared.live.fetch_add(1, Ordering::AcqRel);
                let spawned = thread::Builder::new()
                    .name(format!("waiaas-notify-{index}"))
                    .spawn(move || {
                        let exit = ExitGuard(worker_shared);
                        run_worker(notifier.as_ref(), &queue, &exit.0);
                    });
                let handle = match spawned {
                    Ok(handle) => Some(handle),
                    Err(_) => {
                        // The closure (and with it the queue's receiver) is gone: sends
                        // see a disconnected queue and count the event as dropped.
                        shared.live.fetch_sub(1, Ordering::AcqRel);
                        None
                    }
                };
                Worker { sender, handle }
            })
            .collect();
        Self {
            workers,
            shared,
            capacity,
        }
    }

    /// Queues `event` for every notifier and returns at once. Never blocks and never
    /// fails: for a notifier whose queue is full the event is dropped and counted.
    pub fn send(&self, event: Event) {
        let event = Arc::new(event);
        for worker in &self.workers {
            // Counted before the worker can see it, so `pending` never goes below zero.
            self.shared.pending.fetch_add(1, Ordering::AcqRel);
            match worker.sender.try_send(Arc::clone(&event)) {
                Ok(()) => {}
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                    self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                    self.shared.finish_one();
                }
            }
        }
    }

    /// Deliveries dropped because a notifier's queue was full (one per notifier that
    /// missed an event).
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Deliveries during which the notifier panicked.
    #[must_use]
    pub fn panicked(&self) -> u64 {
        self.shared.panicked.load(Ordering::Relaxed)
    }

    /// Waits until every event sent so far has been handled by every notifier, or until
    /// `timeout` passes. Returns whether the queues are empty and idle. For tests and
    /// orderly shutdown; the pipeline never calls it.
    #[must_use]
    pub fn flush(&self, timeout: Duration) -> bool {
        self.shared
            .wait_until(timeout, |s| s.pending.load(Ordering::Acquire) == 0)
    }

    /// Stops accepting events, waits up to `timeout` for the workers to drain their
    /// queues and exit, and joins them. Returns whether everything was delivered in time;
    /// when not, the remaining events are abandoned (see the type's docs).
    #[must_use]
    pub fn shutdown(mut self, timeout: Duration) -> bool {
        self.close(timeout)
    }

    fn close(&mut self, timeout: Duration) -> bool {
        let workers = std::mem::take(&mut self.workers);
        if workers.is_empty() {
            // No notifiers, or already closed (by `shutdown` before this `Drop`).
            return self.shared.live.load(Ordering::Acquire) == 0;
        }
        // Dropping the senders lets each worker's loop end once its queue is drained.
        let handles: Vec<Option<JoinHandle<()>>> = workers
            .into_iter()
            .map(|Worker { sender, handle }| {
                drop(sender);
                handle
            })
            .collect();
        let drained = self
            .shared
            .wait_until(timeout, |s| s.live.load(Ordering::Acquire) == 0);
        if !drained {
            self.shared.abandon.store(true, Ordering::Release);
        }
        // A worker that has left its loop is joined (it takes no time; its notifier's
        // panics were caught, so the result carries nothing). One still busy is detached
        // by dropping its handle: it exits after its current event.
        for handle in handles.into_iter().flatten() {
            if drained || handle.is_finished() {
                let _joined = handle.join();
            }
        }
        drained
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        let _drained = self.close(DEFAULT_SHUTDOWN_TIMEOUT);
    }
}
