//! The pipeline notifies through the `Notifier` trait; a notifier that blocks never
//! stalls it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use common::{OwnerKey, config};
use waiaas::notify::{CallbackNotifier, EventKind, MemoryNotifier, Notifier};
use waiaas::{Config, Host, Network};
use waiaas_core::session::CreateSession;

use common::sol_req as req;

fn world_with(notifiers: Vec<Arc<dyn Notifier>>, queue: usize) -> (common::World, waiaas::Admin) {
    let config = Config {
        notification_queue: queue,
        ..config()
    };
    let w = common::world_configured(&config, |host| Host { notifiers, ..host });
    let admin = w.admin.clone();
    (w, admin)
}

#[test]
fn every_tier_emits_its_events() {
    let memory = Arc::new(MemoryNotifier::new());
    let (w, admin) = world_with(vec![memory.clone()], 1024);
    let wallet = w.wallet(Network::SolanaDevnet);
    let owner = OwnerKey::solana(2);
    admin.set_owner(wallet.id, &owner.address()).unwrap();
    let agent = w.agent(wallet.id);
    agent.send(&req(&wallet.address, "0.05")).unwrap();
    agent.send(&req(&wallet.address, "0.5")).unwrap();
    let queued = agent.send(&req(&wallet.address, "5")).unwrap();
    agent.cancel(queued.id).unwrap();
    let pending = agent.send(&req(&wallet.address, "20")).unwrap();
    let actions = admin.owner_actions();
    let msg = actions
        .approval_request(pending.id)
        .unwrap()
        .approve_message
        .unwrap();
    actions
        .approve(pending.id, &owner.sign(&msg), &msg)
        .unwrap();
    let _ = agent.send(&req(&wallet.address, "100"));
    admin.activate_kill_switch("test").unwrap();
    // Delivery is asynchronous: wait for the queue to drain.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !memory
        .events()
        .iter()
        .any(|e| e.kind == EventKind::KillSwitchActivated)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    let kinds: Vec<EventKind> = memory.events().iter().map(|e| e.kind).collect();
    for k in [
        EventKind::SessionCreated,
        EventKind::TxRequested,
        EventKind::TxSigned,
        EventKind::TxNotify,
        EventKind::TxQueued,
        EventKind::TxCancelled,
        EventKind::TxApprovalRequired,
        EventKind::TxApproved,
        EventKind::KillSwitchActivated,
    ] {
        assert!(kinds.contains(&k), "missing {k:?} in {kinds:?}");
    }
    let signed = memory
        .events()
        .into_iter()
        .filter(|e| e.kind == EventKind::TxSigned)
        .count();
    assert_eq!(signed, 3);
}

#[test]
fn a_blocking_notifier_never_stalls_the_pipeline() {
    let (release, blocked) = mpsc::channel::<()>();
    let blocked = std::sync::Mutex::new(blocked);
    let stuck: Arc<dyn Notifier> = Arc::new(CallbackNotifier::new(move |_| {
        // Blocks until the test ends.
        let _ = blocked.lock().unwrap().recv();
    }));
    let (w, admin) = world_with(vec![stuck], 4);
    let wallet = w.wallet(Network::SolanaDevnet);
    let issued = admin
        .create_session(&CreateSession::new(vec![wallet.id]))
        .unwrap();
    let agent = admin.agent(issued.token.expose()).unwrap();
    let started = Instant::now();
    for _ in 0..15 {
        agent.send(&req(&wallet.address, "0.01")).unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    drop(release);
}
