#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]
//! Notifications: dispatcher isolation and ordering, the event wire shape, and the webhook
//! notifier against a real HTTP server on 127.0.0.1.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;
use waiaas::notify::{CallbackNotifier, Dispatcher, Event, EventKind, MemoryNotifier, Notifier};
use waiaas_core::{SessionId, TxId, WalletId};

fn event(n: i64) -> Event {
    Event::new(EventKind::TxSigned, n).with_details(json!({ "n": n }))
}

fn ats(events: &[Event]) -> Vec<i64> {
    events.iter().map(|e| e.at).collect()
}

/// Polls `cond` until it holds or `timeout` passes.
fn eventually(timeout: Duration, cond: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if cond() {
            return true;
        }
        thread::sleep(Duration::from_millis(5));
    }
    cond()
}

/// A notifier that reports each event it starts, then blocks until released (one
/// release per event), then records it.
#[derive(Debug)]
struct Blocking {
    entered: Mutex<Sender<i64>>,
    release: Mutex<Receiver<()>>,
    seen: MemoryNotifier,
}

impl Blocking {
    fn new() -> (Arc<Self>, Receiver<i64>, Sender<()>) {
        let (entered_tx, entered_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel();
        let notifier = Arc::new(Self {
            entered: Mutex::new(entered_tx),
            release: Mutex::new(release_rx),
            seen: MemoryNotifier::new(),
        });
        (notifier, entered_rx, release_tx)
    }
}

impl Notifier for Blocking {
    fn notify(&self, event: &Event) {
        let _ = self.entered.lock().unwrap().send(event.at);
        // Err = the test dropped its sender: release everything.
        let _ = self.release.lock().unwrap().recv();
        self.seen.notify(event);
    }
}

/// Runs `f` on another thread and fails if it does not return within `limit` (a `send`
/// that blocked would otherwise hang the test).
fn returns_within(limit: Duration, f: impl FnOnce() + Send + 'static) -> Duration {
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        let start = Instant::now();
        f();
        let _ = done_tx.send(start.elapsed());
    });
    done_rx
        .recv_timeout(limit)
        .expect("the call did not return in time: it blocked")
}

#[test]
fn dispatcher_is_send_sync_and_notifiers_are_objects() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Dispatcher>();
    let _: Vec<Arc<dyn Notifier>> = vec![
        Arc::new(MemoryNotifier::new()),
        Arc::new(CallbackNotifier::new(|_| {})),
    ];
}

#[test]
fn events_arrive_in_order_and_none_is_lost_when_the_queue_has_room() {
    let first = Arc::new(MemoryNotifier::new());
    let second = Arc::new(MemoryNotifier::new());
    let dispatcher = Dispatcher::new(vec![first.clone(), second.clone()], 2_000);
    for n in 0..2_000 {
        dispatcher.send(event(n));
    }
    assert!(dispatcher.flush(Duration::from_secs(10)));
    let expected: Vec<i64> = (0..2_000).collect();
    assert_eq!(ats(&first.events()), expected);
    assert_eq!(ats(&second.events()), expected);
    assert_eq!(dispatcher.dropped(), 0);
    assert_eq!(dispatcher.panicked(), 0);
    // The events arrive intact, not just in order.
    assert_eq!(first.events()[7], event(7));
}

#[test]
fn events_sent_from_many_threads_all_arrive() {
    let memory = Arc::new(MemoryNotifier::new());
    let dispatcher = Arc::new(Dispatcher::new(vec![memory.clone()], 4_000));
    let handles: Vec<_> = (0..4_i64)
        .map(|t| {
            let dispatcher = dispatcher.clone();
            thread::spawn(move || {
                for n in 0..1_000 {
                    dispatcher.send(event(t * 1_000 + n));
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert!(dispatcher.flush(Duration::from_secs(10)));
    let got = ats(&memory.events());
    // Per sender thread, order is preserved; overall, every event arrives once.
    for t in 0..4_i64 {
        let mine: Vec<i64> = got.iter().copied().filter(|n| n / 1_000 == t).collect();
        assert_eq!(mine, (t * 1_000..(t + 1) * 1_000).collect::<Vec<_>>());
    }
    assert_eq!(got.len(), 4_000);
    assert_eq!(dispatcher.dropped(), 0);
}

#[test]
fn a_panicking_notifier_does_not_stop_later_events_or_other_notifiers() {
    let survived = Arc::new(MemoryNotifier::new());
    let survived_in_callback = survived.clone();
    // Panics on every even event, records the odd ones.
    let panicky = Arc::new(CallbackNotifier::new(move |e: &Event| {
        assert!(e.at % 2 == 1, "notifier failure on purpose");
        survived_in_callback.notify(e);
    }));
    let other = Arc::new(MemoryNotifier::new());
    let dispatcher = Dispatcher::new(vec![panicky, other.clone()], 100);
    for n in 0..10 {
        dispatcher.send(event(n));
    }
    assert!(dispatcher.flush(Duration::from_secs(10)));
    assert_eq!(ats(&survived.events()), vec![1, 3, 5, 7, 9]);
    assert_eq!(ats(&other.events()), (0..10).collect::<Vec<_>>());
    assert_eq!(dispatcher.panicked(), 5);
    assert_eq!(dispatcher.dropped(), 0);
    // The dispatcher still works afterwards.
    dispatcher.send(event(11));
    assert!(dispatcher.flush(Duration::from_secs(10)));
    assert_eq!(ats(&survived.events()), vec![1, 3, 5, 7, 9, 11]);
}

#[test]
fn a_blocked_notifier_never_blocks_send_and_a_full_queue_drops_and_counts() {
    const CAPACITY: usize = 4;
    let (blocking, entered, release) = Blocking::new();
    let dispatcher = Arc::new(Dispatcher::new(vec![blocking.clone()], CAPACITY));

    dispatcher.send(event(0));
    // The worker holds event 0 and blocks: the queue is empty again.
    assert_eq!(entered.recv_timeout(Duration::from_secs(10)).unwrap(), 0);

    let sender = dispatcher.clone();
    let took = returns_within(Duration::from_secs(10), move || {
        for n in 1..=30 {
            sender.send(event(n));
        }
    });
    assert!(took < Duration::from_secs(2), "30 sends took {took:?}");
    // CAPACITY events fit in the queue, the rest were dropped and counted.
    assert_eq!(dispatcher.dropped(), 30 - CAPACITY as u64);
    // Still blocked: nothing was delivered past event 0, and flush says so.
    assert!(!dispatcher.flush(Duration::from_millis(100)));
    assert!(blocking.seen.is_empty());

    drop(release); // unblock for good
    assert!(dispatcher.flush(Duration::from_secs(10)));
    let expected: Vec<i64> = (0..=CAPACITY as i64).collect();
    assert_eq!(ats(&blocking.seen.events()), expected);
}

#[test]
fn a_blocked_notifier_does_not_delay_the_other_notifiers() {
    let (blocking, entered, release) = Blocking::new();
    let memory = Arc::new(MemoryNotifier::new());
    let dispatcher = Dispatcher::new(vec![blocking.clone(), memory.clone()], 100);
    for n in 0..10 {
        dispatcher.send(event(n));
    }
    assert_eq!(entered.recv_timeout(Duration::from_secs(10)).unwrap(), 0);
    assert!(eventually(Duration::from_secs(10), || memory.len() == 10));
    assert!(blocking.seen.is_empty());
    drop(release);
    assert!(dispatcher.flush(Duration::from_secs(10)));
    assert_eq!(blocking.seen.len(), 10);
}

#[test]
fn drop_delivers_what_was_queued() {
    let memory = Arc::new(MemoryNotifier::new());
    let dispatcher = Dispatcher::new(vec![memory.clone()], 500);
    for n in 0..500 {
        dispatcher.send(event(n));
    }
    drop(dispatcher);
    assert_eq!(ats(&memory.events()), (0..500).collect::<Vec<_>>());
}

#[test]
fn shutdown_is_bounded_when_a_notifier_never_returns() {
    let (blocking, entered, release) = Blocking::new();
    let dispatcher = Dispatcher::new(vec![blocking.clone()], 10);
    for n in 0..5 {
        dispatcher.send(event(n));
    }
    assert_eq!(entered.recv_timeout(Duration::from_secs(10)).unwrap(), 0);
    let start = Instant::now();
    assert!(!dispatcher.shutdown(Duration::from_millis(200)));
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // Released after the shutdown gave up: the detached worker finishes the event it
    // holds and abandons the rest.
    release.send(()).unwrap();
    assert!(eventually(Duration::from_secs(10), || blocking.seen.len() == 1));
    thread::sleep(Duration::from_millis(100));
    assert_eq!(ats(&blocking.seen.events()), vec![0]);
    // Further releases find nobody waiting.
    assert!(entered.recv_timeout(Duration::from_millis(100)).is_err());
}

#[test]
fn a_dispatcher_without_notifiers_accepts_and_flushes() {
    let dispatcher = Dispatcher::new(Vec::new(), 0);
    dispatcher.send(event(1));
    assert!(dispatcher.flush(Duration::from_millis(10)));
    assert_eq!(dispatcher.dropped(), 0);
    assert!(dispatcher.shutdown(Duration::from_millis(10)));
}

#[test]
fn capacity_zero_means_one() {
    let (blocking, entered, release) = Blocking::new();
    let dispatcher = Dispatcher::new(vec![blocking.clone()], 0);
    dispatcher.send(event(0));
    assert_eq!(entered.recv_timeout(Duration::from_secs(10)).unwrap(), 0);
    dispatcher.send(event(1)); // queued
    dispatcher.send(event(2)); // dropped
    assert_eq!(dispatcher.dropped(), 1);
    drop(release);
    assert!(dispatcher.flush(Duration::from_secs(10)));
    assert_eq!(ats(&blocking.seen.events()), vec![0, 1]);
}

#[test]
fn event_json_shape_is_camel_case_with_screaming_kinds() {
    let wallet = WalletId::parse("01930000-0000-7000-8000-000000000001").unwrap();
    let tx = TxId::parse("01930000-0000-7000-8000-000000000002").unwrap();
    let session = SessionId::parse("01930000-0000-7000-8000-000000000003").unwrap();
    let e = Event::new(EventKind::TxApprovalRequired, 1_764_330_000)
        .with_wallet(wallet)
        .with_tx(tx)
        .with_session(session)
        .with_details(json!({ "amount": "1.5", "tier": "APPROVAL" }));
    let text = serde_json::to_string(&e).unwrap();
    assert_eq!(
        text,
        r#"{"kind":"TX_APPROVAL_REQUIRED","at":1764330000,"walletId":"01930000-0000-7000-8000-000000000001","txId":"01930000-0000-7000-8000-000000000002","sessionId":"01930000-0000-7000-8000-000000000003","details":{"amount":"1.5","tier":"APPROVAL"}}"#
    );
    assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), e);

    let bare = serde_json::to_value(Event::new(EventKind::KillSwitchActivated, 5)).unwrap();
    assert_eq!(
        bare,
        json!({"kind":"KILL_SWITCH_ACTIVATED","at":5,"walletId":null,"txId":null,"sessionId":null,"details":{}})
    );
}

#[test]
fn every_kind_has_its_wire_name() {
    let names: Vec<String> = EventKind::ALL
        .iter()
        .map(|k| {
            let wire = serde_json::to_value(k).unwrap();
            assert_eq!(wire, json!(k.as_str()));
            assert_eq!(k.to_string(), k.as_str());
            assert_eq!(serde_json::from_value::<EventKind>(wire).unwrap(), *k);
            k.as_str().to_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "TX_REQUESTED",
            "TX_NOTIFY",
            "TX_QUEUED",
            "TX_APPROVAL_REQUIRED",
            "TX_APPROVED",
            "TX_REJECTED",
            "TX_EXPIRED",
            "TX_CANCELLED",
            "TX_SIGNED",
            "TX_FAILED",
            "POLICY_DENIED",
            "CUMULATIVE_LIMIT_WARNING",
            "KILL_SWITCH_ACTIVATED",
            "KILL_SWITCH_ESCALATED",
            "KILL_SWITCH_RECOVERED",
            "AUTO_STOP_TRIGGERED",
            "SESSION_CREATED",
            "SESSION_REVOKED",
            "AUDIT_HEAD",
            "UNPRICED_ASSETS",
        ]
    );
    assert!(serde_json::from_value::<EventKind>(json!("TX_UNKNOWN")).is_err());
}

#[test]
fn memory_notifier_is_bounded_and_take_drains() {
    let memory = MemoryNotifier::with_limit(3);
    for n in 0..5 {
        memory.notify(&event(n));
    }
    assert_eq!(ats(&memory.events()), vec![2, 3, 4]);
    assert_eq!(memory.discarded(), 2);
    assert_eq!(ats(&memory.take()), vec![2, 3, 4]);
    assert!(memory.is_empty());
    memory.notify(&event(9));
    memory.clear();
    assert_eq!(memory.len(), 0);
}

#[cfg(feature = "webhook")]
mod webhook {
    use std::collections::HashMap;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};

    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    use waiaas::notify::{WebhookError, WebhookNotifier, WebhookOptions};
    use waiaas_core::{ErrorCode, SecretString};

    use super::*;

    const SECRET: &str = "whsec-test-0123456789abcdef0123456789";

    #[derive(Debug, Clone)]
    struct Received {
        method: String,
        path: String,
        headers: HashMap<String, String>,
        body: Vec<u8>,
        at: Instant,
    }

    #[derive(Debug, Clone, Copy)]
    enum Reply {
        Status(u16),
        Redirect,
        /// Read the request, never answer, keep the connection open.
        Silent,
    }

    struct Server {
        url: String,
        requests: Arc<Mutex<Vec<Received>>>,
    }

    impl Server {
        fn requests(&self) -> Vec<Received> {
            self.requests.lock().unwrap().clone()
        }

        fn count(&self) -> usize {
            self.requests.lock().unwrap().len()
        }
    }

    fn read_request(stream: &TcpStream) -> Option<Received> {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let mut parts = line.split_whitespace();
        let method = parts.next()?.to_owned();
        let path = parts.next()?.to_owned();
        let mut headers = HashMap::new();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).ok()?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':')?;
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
        let length: usize = headers.get("content-length")?.parse().ok()?;
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        Some(Received {
            method,
            path,
            headers,
            body,
            at: Instant::now(),
        })
    }

    /// A real HTTP/1.1 server on 127.0.0.1: the n-th request gets `replies[n]` (the
    /// last one repeats).
    fn serve(replies: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/waiaas", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let Some(request) = read_request(&stream) else {
                    continue;
                };
                let index = {
                    let mut all = recorded.lock().unwrap();
                    all.push(request);
                    all.len() - 1
                };
                let reply = replies[index.min(replies.len() - 1)];
                let head = match reply {
                    Reply::Silent => {
                        held.push(stream);
                        continue;
                    }
                    Reply::Status(code) => format!("HTTP/1.1 {code} X\r\n"),
                    Reply::Redirect => {
                        "HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\n".to_owned()
                    }
                };
                let _ = stream.write_all(
                    format!("{head}Content-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
                );
                let _ = stream.flush();
            }
        });
        Server { url, requests }
    }

    fn options(timeout_ms: u64, max_retries: u32, backoff_ms: u64) -> WebhookOptions {
        WebhookOptions {
            timeout: Duration::from_millis(timeout_ms),
            max_retries,
            backoff: Duration::from_millis(backoff_ms),
        }
    }

    fn webhook(url: &str, options: WebhookOptions) -> WebhookNotifier {
        WebhookNotifier::new(url, SecretString::from(SECRET), options).unwrap()
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    /// Verifies a request the way a receiver would, with its own HMAC computation.
    fn verify(request: &Received, secret: &[u8]) -> bool {
        let timestamp = &request.headers["x-waiaas-timestamp"];
        let signature = &request.headers["x-waiaas-signature"];
        let Some(hex_sig) = signature.strip_prefix("sha256=") else {
            return false;
        };
        let Ok(given) = hex::decode(hex_sig) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(&request.body);
        mac.verify_slice(&given).is_ok()
    }

    fn sample() -> Event {
        Event::new(EventKind::TxSigned, 1_764_330_000)
            .with_wallet(WalletId::new())
            .with_tx(TxId::new())
            .with_details(json!({ "amount": "0.25", "symbol": "SOL", "tier": "NOTIFY" }))
    }

    #[test]
    fn posts_the_event_json_with_a_verifiable_signature() {
        let server = serve(vec![Reply::Status(200)]);
        let hook = webhook(&server.url, options(5_000, 0, 10));
        let e = sample();
        assert_eq!(hook.deliver(&e).unwrap(), 1);
        assert_eq!(hook.delivered(), 1);
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        let r = &requests[0];
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/hooks/waiaas");
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(r.headers["x-waiaas-event"], "TX_SIGNED");
        assert!(r.headers["user-agent"].starts_with("waiaas/"));
        // The body is exactly the event's JSON.
        assert_eq!(r.body, serde_json::to_vec(&e).unwrap());
        assert_eq!(serde_json::from_slice::<Event>(&r.body).unwrap(), e);
        // Header format: decimal seconds, `sha256=` + 64 lowercase hex digits.
        let timestamp: i64 = r.headers["x-waiaas-timestamp"].parse().unwrap();
        assert!(
            (now() - timestamp).abs() <= 60,
            "timestamp {timestamp} is not recent"
        );
        let signature = &r.headers["x-waiaas-signature"];
        let digits = signature.strip_prefix("sha256=").unwrap();
        assert_eq!(digits.len(), 64);
        assert!(
            digits
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert!(verify(r, SECRET.as_bytes()));
        // A receiver with another secret, or a tampered body or timestamp, rejects it.
        assert!(!verify(r, b"whsec-some-other-secret-000000000"));
        let mut tampered = r.clone();
        tampered.body = serde_json::to_vec(&sample()).unwrap();
        assert!(!verify(&tampered, SECRET.as_bytes()));
        let mut replayed = r.clone();
        replayed
            .headers
            .insert("x-waiaas-timestamp".into(), (timestamp + 3600).to_string());
        assert!(!verify(&replayed, SECRET.as_bytes()));
    }

    #[test]
    fn retries_on_500_then_succeeds_signing_each_attempt() {
        let server = serve(vec![
            Reply::Status(500),
            Reply::Status(502),
            Reply::Status(200),
        ]);
        let hook = webhook(&server.url, options(5_000, 5, 10));
        assert_eq!(hook.deliver(&sample()).unwrap(), 3);
        assert_eq!(server.count(), 3);
        for r in server.requests() {
            assert!(verify(&r, SECRET.as_bytes()));
        }
        assert_eq!((hook.delivered(), hook.failed()), (1, 0));
    }

    #[test]
    fn retries_on_429() {
        let server = serve(vec![Reply::Status(429), Reply::Status(204)]);
        let hook = webhook(&server.url, options(5_000, 3, 10));
        assert_eq!(hook.deliver(&sample()).unwrap(), 2);
        assert_eq!(server.count(), 2);
    }

    #[test]
    fn stops_after_max_retries() {
        let server = serve(vec![Reply::Status(503)]);
        let hook = webhook(&server.url, options(5_000, 2, 10));
        let err = hook.deliver(&sample()).unwrap_err();
        assert_eq!(
            err,
            WebhookError::Failed {
                attempts: 3,
                last: "http status 503".into()
            }
        );
        assert_eq!(err.code(), "WEBHOOK_FAILED");
        assert_eq!(
            err.to_string(),
            "webhook delivery failed after 3 attempts: http status 503"
        );
        thread::sleep(Duration::from_millis(200));
        assert_eq!(server.count(), 3);
        assert_eq!((hook.delivered(), hook.failed()), (0, 1));
    }

    #[test]
    fn backoff_doubles_between_attempts() {
        let server = serve(vec![
            Reply::Status(500),
            Reply::Status(500),
            Reply::Status(200),
        ]);
        let hook = webhook(&server.url, options(5_000, 2, 150));
        assert_eq!(hook.deliver(&sample()).unwrap(), 3);
        let r = server.requests();
        let first = r[1].at - r[0].at;
        let second = r[2].at - r[1].at;
        assert!(first >= Duration::from_millis(150), "{first:?}");
        assert!(second >= Duration::from_millis(300), "{second:?}");
    }

    #[test]
    fn no_retry_on_400() {
        let server = serve(vec![Reply::Status(400), Reply::Status(200)]);
        let hook = webhook(&server.url, options(5_000, 5, 10));
        let err = hook.deliver(&sample()).unwrap_err();
        assert_eq!(
            err,
            WebhookError::Rejected {
                status: 400,
                attempts: 1
            }
        );
        assert_eq!(err.code(), "WEBHOOK_REJECTED");
        assert_eq!(
            err.to_string(),
            "webhook receiver refused the event with http status 400"
        );
        thread::sleep(Duration::from_millis(200));
        assert_eq!(server.count(), 1);
    }

    #[test]
    fn redirects_are_not_followed() {
        let server = serve(vec![Reply::Redirect, Reply::Status(200)]);
        let hook = webhook(&server.url, options(5_000, 5, 10));
        let err = hook.deliver(&sample()).unwrap_err();
        assert_eq!(
            err,
            WebhookError::Rejected {
                status: 307,
                attempts: 1
            }
        );
        thread::sleep(Duration::from_millis(200));
        assert_eq!(server.count(), 1);
    }

    #[test]
    fn a_server_that_never_answers_times_out_each_attempt() {
        let server = serve(vec![Reply::Silent]);
        let hook = webhook(&server.url, options(300, 1, 10));
        let start = Instant::now();
        let err = hook.deliver(&sample()).unwrap_err();
        let took = start.elapsed();
        assert_eq!(
            err,
            WebhookError::Failed {
                attempts: 2,
                last: "timed out".into()
            }
        );
        assert!(took >= Duration::from_millis(600), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert!(eventually(Duration::from_secs(2), || server.count() == 2));
    }

    #[test]
    fn connection_refused_is_retried_then_given_up() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let hook = webhook(&format!("http://127.0.0.1:{port}/x"), options(2_000, 2, 10));
        match hook.deliver(&sample()).unwrap_err() {
            WebhookError::Failed { attempts, last } => {
                assert_eq!(attempts, 3);
                assert!(last.starts_with("connection"), "{last}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn through_the_dispatcher_a_dead_receiver_never_blocks_the_caller() {
        let server = serve(vec![Reply::Silent]);
        let hook = Arc::new(webhook(&server.url, options(1_000, 1, 10)));
        let memory = Arc::new(MemoryNotifier::new());
        let dispatcher = Arc::new(Dispatcher::new(vec![hook.clone(), memory.clone()], 16));
        let sender = dispatcher.clone();
        let took = returns_within(Duration::from_secs(10), move || {
            for n in 0..3 {
                sender.send(event(n));
            }
        });
        // Three events would take ≥ 6 s to deliver; the sends return at once.
        assert!(took < Duration::from_millis(500), "{took:?}");
        // The other notifier is not held up by the webhook.
        assert!(eventually(Duration::from_millis(900), || memory.len() == 3));
        assert_eq!(hook.failed(), 0);
        assert!(dispatcher.flush(Duration::from_secs(20)));
        assert_eq!((hook.delivered(), hook.failed()), (0, 3));
        assert_eq!(server.count(), 6);
    }

    #[test]
    fn through_the_dispatcher_events_are_delivered() {
        let server = serve(vec![Reply::Status(200)]);
        let hook = Arc::new(webhook(&server.url, options(5_000, 0, 10)));
        let dispatcher = Dispatcher::new(vec![hook.clone()], 16);
        for n in 0..3 {
            dispatcher.send(event(n));
        }
        assert!(dispatcher.flush(Duration::from_secs(10)));
        let bodies: Vec<Event> = server
            .requests()
            .iter()
            .map(|r| {
                assert!(verify(r, SECRET.as_bytes()));
                serde_json::from_slice(&r.body).unwrap()
            })
            .collect();
        assert_eq!(bodies, vec![event(0), event(1), event(2)]);
    }

    #[test]
    fn secrets_never_appear_in_debug_or_errors() {
        let url = "http://alice:pa55word@127.0.0.1:9/hooks/T0KEN-in-path?key=qu3ry";
        let hook = webhook(url, options(500, 0, 10));
        let shown = format!("{hook:?}");
        for secret in [SECRET, "pa55word", "alice", "T0KEN", "qu3ry"] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
        assert!(shown.contains("127.0.0.1:9"), "{shown}");
        assert!(shown.contains("[REDACTED]"), "{shown}");

        let hook = Arc::new(hook);
        let dispatcher = Dispatcher::new(vec![hook.clone()], 1);
        let shown = format!("{dispatcher:?}");
        assert!(!shown.contains(SECRET));
        drop(dispatcher);

        // Port 9 (discard) is closed here: the error names no part of the URL.
        let err = hook.deliver(&sample()).unwrap_err();
        let message = format!("{err} {err:?}");
        for secret in [SECRET, "pa55word", "T0KEN", "qu3ry", "127.0.0.1"] {
            assert!(!message.contains(secret), "{secret} leaked in {message}");
        }
    }

    #[test]
    fn construction_validates_url_secret_and_options() {
        let ok = "http://127.0.0.1:8080/hook";
        let secret = || SecretString::from(SECRET);
        let err = |url: &str, secret: SecretString, o: WebhookOptions| {
            WebhookNotifier::new(url, secret, o).unwrap_err()
        };
        let e = err(
            "ftp://example.invalid/x",
            secret(),
            WebhookOptions::default(),
        );
        assert_eq!(e.code(), "VALIDATION_FAILED");
        assert_eq!(
            e.to_string(),
            "invalid webhook url: must start with `http://` or `https://`"
        );
        assert_eq!(
            err("http://", secret(), WebhookOptions::default()).code(),
            "VALIDATION_FAILED"
        );
        assert_eq!(
            err("http://exa mple/", secret(), WebhookOptions::default()).to_string(),
            "invalid webhook url: not a valid url"
        );
        let e = err(ok, SecretString::from("short"), WebhookOptions::default());
        assert_eq!(
            e.to_string(),
            "webhook secret too short: at least 16 bytes required"
        );
        assert_eq!(e.code(), "VALIDATION_FAILED");
        let e = err(ok, secret(), options(0, 1, 1));
        assert_eq!(
            e.to_string(),
            "invalid webhook option `timeout`: must be greater than zero"
        );
        let https = WebhookNotifier::new(
            "https://example.invalid/hook",
            secret(),
            WebhookOptions::default(),
        );
        if cfg!(feature = "webhook-tls") {
            assert!(https.is_ok());
        } else {
            assert_eq!(
                https.unwrap_err().to_string(),
                "invalid webhook url: `https://` needs the `webhook-tls` feature"
            );
        }
        assert!(WebhookNotifier::new(ok, secret(), WebhookOptions::default()).is_ok());
    }
}
