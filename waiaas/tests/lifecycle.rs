//! DELAY windows and cancellation, the kill switch, AutoStop, the audit log,
//! idempotency and handle isolation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use common::{OwnerKey, T0, world};
use waiaas::{ChainParams, Network, SendRequest, Settings};
use waiaas_core::TxStatus;
use waiaas_core::session::CreateSession;
use waiaas_core::store::{KillSwitchState, TxFilter, WalletStatus};

use common::sol_req as req;

#[test]
fn delay_executes_at_its_time_not_a_second_before() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let tx = agent.send(&req(&wallet.address, "5")).unwrap();
    assert_eq!(tx.status, TxStatus::Queued);
    w.clock.set(T0 + 899);
    w.refresh_prices();
    assert!(w.admin.process_due().unwrap().is_empty());
    assert_eq!(agent.transaction(tx.id).unwrap().status, TxStatus::Queued);
    w.clock.set(T0 + 900);
    let done = w.admin.process_due().unwrap();
    assert_eq!(done.len(), 1);
    let executed = agent.transaction(tx.id).unwrap();
    assert_eq!(executed.status, TxStatus::Signed);
    // What executed is the stored request, byte for byte.
    assert_eq!(executed.request, tx.request);
    assert!(executed.result.unwrap().signed_transaction.is_some());
    // Cancelling after execution is refused.
    assert_eq!(
        agent.cancel(tx.id).unwrap_err().code(),
        "TX_ALREADY_PROCESSED"
    );
    assert_eq!(
        w.admin.cancel_transaction(tx.id).unwrap_err().code(),
        "TX_ALREADY_PROCESSED"
    );
}

#[test]
fn delay_can_be_cancelled_by_agent_owner_or_operator() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let owner_key = OwnerKey::solana(9);
    let by_agent = agent.send(&req(&wallet.address, "5")).unwrap().id;
    let by_owner = agent.send(&req(&wallet.address, "5")).unwrap().id;
    let by_operator = agent.send(&req(&wallet.address, "5")).unwrap().id;
    assert_eq!(agent.cancel(by_agent).unwrap().status, TxStatus::Cancelled);
    w.admin.set_owner(wallet.id, &owner_key.address()).unwrap();
    let owner = w.admin.owner_actions();
    let msg = owner
        .approval_request(by_owner)
        .unwrap()
        .cancel_message
        .unwrap();
    assert_eq!(
        owner
            .cancel_delayed(by_owner, &owner_key.sign(&msg), &msg)
            .unwrap()
            .status,
        TxStatus::Cancelled
    );
    assert_eq!(
        w.admin.cancel_transaction(by_operator).unwrap().status,
        TxStatus::Cancelled
    );
    w.clock.advance(1000);
    w.refresh_prices();
    assert!(
        w.admin.process_due().unwrap().is_empty(),
        "nothing cancelled may execute"
    );
}

#[test]
fn kill_switch_transitions_and_cascade() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let queued = agent.send(&req(&wallet.address, "5")).unwrap().id;
    assert_eq!(
        w.admin.kill_switch_state().unwrap(),
        KillSwitchState::Active
    );
    assert_eq!(
        w.admin.escalate_kill_switch("x").unwrap_err().code(),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        w.admin.recover_kill_switch().unwrap_err().code(),
        "VALIDATION_FAILED"
    );
    let report = w.admin.activate_kill_switch("test").unwrap();
    assert!(report.changed);
    assert_eq!(report.state, "SUSPENDED");
    assert_eq!(report.sessions_revoked, 1);
    assert_eq!(report.transactions_cancelled, 1);
    assert_eq!(report.wallets_suspended, 1);
    assert!(report.errors.is_empty());
    assert_eq!(
        w.admin.transaction(queued).unwrap().status,
        TxStatus::Cancelled
    );
    assert_eq!(
        w.admin.wallet(wallet.id).unwrap().status,
        WalletStatus::Suspended
    );
    // The agent's token is dead.
    assert_eq!(
        agent
            .send(&req(&wallet.address, "0.01"))
            .unwrap_err()
            .code(),
        "SESSION_REVOKED"
    );
    // A second activation changes nothing.
    assert!(!w.admin.activate_kill_switch("again").unwrap().changed);
    assert_eq!(
        w.admin.escalate_kill_switch("worse").unwrap(),
        KillSwitchState::Locked
    );
    // Nothing signs while LOCKED, even with a fresh session on a resumed wallet.
    w.admin.resume_wallet(wallet.id).unwrap();
    let agent2 = w.agent(wallet.id);
    assert_eq!(
        agent2
            .send(&req(&wallet.address, "0.01"))
            .unwrap_err()
            .code(),
        "SYSTEM_LOCKED"
    );
    assert_eq!(
        agent2.sign_message(None, b"hello").unwrap_err().code(),
        "PERMISSION_DENIED",
        "default sessions lack SIGN_MESSAGE"
    );
    assert_eq!(
        w.admin.recover_kill_switch().unwrap(),
        KillSwitchState::Active
    );
    assert_eq!(
        agent2.send(&req(&wallet.address, "0.01")).unwrap().status,
        TxStatus::Signed
    );
}

#[test]
fn owner_can_trigger_the_kill_switch() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let key = OwnerKey::solana(12);
    w.admin.set_owner(wallet.id, &key.address()).unwrap();
    let owner = w.admin.owner_actions();
    let msg = owner.kill_switch_message(wallet.id);
    assert_eq!(
        owner
            .kill_switch(&OwnerKey::solana(13).sign(&msg), &msg)
            .unwrap_err()
            .code(),
        "INVALID_SIGNATURE"
    );
    let report = owner.kill_switch(&key.sign(&msg), &msg).unwrap();
    assert_eq!(report.state, "SUSPENDED");
    // A stale text is refused.
    w.admin.recover_kill_switch().unwrap();
    w.clock.advance(301);
    assert_eq!(
        owner.kill_switch(&key.sign(&msg), &msg).unwrap_err().code(),
        "VALIDATION_FAILED"
    );
}

#[test]
fn suspended_wallet_refuses_send_and_signing() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let issued = w
        .admin
        .create_session(&CreateSession {
            permissions: Some(waiaas_core::Permission::ALL.to_vec()),
            ..CreateSession::new(vec![wallet.id])
        })
        .unwrap();
    let agent = w.admin.agent(issued.token.expose()).unwrap();
    w.admin.suspend_wallet(wallet.id).unwrap();
    let send = SendRequest {
        chain: ChainParams {
            nonce: Some(0),
            max_fee_per_gas: Some("1".into()),
            max_priority_fee_per_gas: Some("1".into()),
            ..ChainParams::default()
        },
        ..SendRequest::transfer(&wallet.address, "0.001")
    };
    assert_eq!(agent.send(&send).unwrap_err().code(), "WALLET_SUSPENDED");
    assert_eq!(
        agent.sign_message(None, b"hi").unwrap_err().code(),
        "WALLET_SUSPENDED"
    );
    assert_eq!(
        agent.sign_typed_data(None, MAIL).unwrap_err().code(),
        "WALLET_SUSPENDED"
    );
}

const MAIL: &str = r#"{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],"Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}],"Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]},"primaryType":"Mail","domain":{"name":"Ether Mail","version":"1","chainId":11155111,"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},"message":{"from":{"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},"to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},"contents":"Hello, Bob!"}}"#;

#[test]
fn auto_stop_on_consecutive_failures_and_unusual_activity() {
    let w = world();
    w.admin
        .set_settings(&Settings {
            auto_stop_max_sends: 3,
            ..Settings::default()
        })
        .unwrap();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    for _ in 0..3 {
        agent.send(&req(&wallet.address, "0.01")).unwrap();
    }
    assert_eq!(
        w.admin.wallet(wallet.id).unwrap().status,
        WalletStatus::Suspended
    );
    assert_eq!(
        agent
            .send(&req(&wallet.address, "0.01"))
            .unwrap_err()
            .code(),
        "WALLET_SUSPENDED"
    );
    let events: Vec<String> = w
        .admin
        .audit_log(0, 0)
        .unwrap()
        .into_iter()
        .map(|r| r.entry.event)
        .collect();
    assert!(events.contains(&"AUTO_STOP_TRIGGERED".to_owned()));
}

/// Execution failures (here signing fails inside the admission: the wallet's sealed
/// secret no longer opens) stop the wallet at the threshold; a success in between
/// ends the streak.
#[test]
fn auto_stop_counts_consecutive_failures_and_a_success_ends_the_streak() {
    let w = world();
    w.admin
        .set_settings(&Settings {
            auto_stop_consecutive_failures: 2,
            auto_stop_max_sends: 0,
            ..Settings::default()
        })
        .unwrap();
    let wallet = w.wallet(Network::SolanaDevnet);
    let id = wallet.id.to_string();
    let sealed: Vec<u8> = w
        .db()
        .query_row(
            "SELECT secret_ciphertext FROM wallets WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    let seal = |tampered: bool| {
        let mut bytes = sealed.clone();
        if tampered {
            *bytes.last_mut().unwrap() ^= 1;
        }
        w.db()
            .execute(
                "UPDATE wallets SET secret_ciphertext = ?1 WHERE id = ?2",
                rusqlite::params![bytes, id],
            )
            .unwrap();
    };
    let fail = |agent: &waiaas::Agent| {
        let e = agent.send(&req(&wallet.address, "0.01")).unwrap_err();
        assert_eq!(e.code(), "VAULT_CORRUPT", "{e}");
    };
    let status = || w.admin.wallet(wallet.id).unwrap().status;
    let agent = w.agent(wallet.id);
    // Not an execution: a request refused before anything is stored.
    assert!(agent.send(&req(&wallet.address, "x")).is_err());
    seal(true);
    fail(&agent);
    seal(false);
    let ok = agent.send(&req(&wallet.address, "0.01")).unwrap();
    assert_eq!(ok.status, TxStatus::Signed);
    // The key is now open in this handle; a second handle has to open it again.
    seal(true);
    let other = w.reopen();
    let token = other
        .create_session(&CreateSession::new(vec![wallet.id]))
        .unwrap()
        .token;
    let agent = other.agent(token.expose()).unwrap();
    fail(&agent);
    assert_eq!(
        status(),
        WalletStatus::Active,
        "the success ended the streak"
    );
    fail(&agent);
    assert_eq!(status(), WalletStatus::Suspended);
    let stop = w
        .admin
        .audit_log(0, 0)
        .unwrap()
        .into_iter()
        .find(|r| r.entry.event == "AUTO_STOP_TRIGGERED")
        .unwrap();
    assert_eq!(stop.entry.details["reason"], "consecutive_failures");
    assert_eq!(stop.entry.details["consecutiveFailures"], 2);
}

#[test]
fn audit_log_is_hash_chained_and_detects_edits() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    agent.send(&req(&wallet.address, "0.01")).unwrap();
    agent.send(&req(&wallet.address, "5")).unwrap();
    let report = w.admin.verify_audit_log().unwrap();
    assert!(report.is_intact(), "{report:?}");
    let n = i64::try_from(report.entries).unwrap();
    assert!(n >= 6, "{n}");
    // No secret in the log.
    let text = format!("{:?}", w.admin.audit_log(0, 0).unwrap());
    assert!(!text.contains("test master password"));

    let db = rusqlite_conn(&w);
    for seq in [1, n / 2, n] {
        let before: String = db
            .query_row("SELECT details FROM audit_log WHERE seq = ?1", [seq], |r| {
                r.get(0)
            })
            .unwrap();
        db.execute(
            "UPDATE audit_log SET details = ?1 WHERE seq = ?2",
            rusqlite::params![before, seq],
        )
        .unwrap();
        assert!(
            w.admin.verify_audit_log().unwrap().is_intact(),
            "rewriting the same value is no edit"
        );
        db.execute(
            "UPDATE audit_log SET details = '{\"forged\":true}' WHERE seq = ?1",
            [seq],
        )
        .unwrap();
        assert_eq!(
            w.admin.verify_audit_log().unwrap().first_broken,
            Some(u64::try_from(seq).unwrap())
        );
        db.execute(
            "UPDATE audit_log SET details = ?1 WHERE seq = ?2",
            rusqlite::params![before, seq],
        )
        .unwrap();
        assert!(w.admin.verify_audit_log().unwrap().is_intact());
    }
    db.execute(
        "UPDATE audit_log SET actor = 'operator' WHERE seq = ?1",
        [n],
    )
    .ok();
    db.execute("UPDATE audit_log SET event = 'NOTHING' WHERE seq = 2", [])
        .unwrap();
    assert_eq!(w.admin.verify_audit_log().unwrap().first_broken, Some(2));
}

#[test]
fn deleting_the_last_audit_row_is_detected() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    agent.send(&req(&wallet.address, "0.01")).unwrap();
    let n = i64::try_from(w.admin.verify_audit_log().unwrap().entries).unwrap();
    rusqlite_conn(&w)
        .execute("DELETE FROM audit_log WHERE seq = ?1", [n])
        .unwrap();
    let report = w.admin.verify_audit_log().unwrap();
    assert!(report.truncated && !report.is_intact(), "{report:?}");
}

fn rusqlite_conn(w: &common::World) -> rusqlite::Connection {
    w.db()
}

#[test]
fn idempotent_retry_returns_the_first_result_and_signs_once() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let mut r = req(&wallet.address, "0.01");
    r.idempotency_key = Some("order-42".into());
    let first = agent.send(&r).unwrap();
    let again = agent.send(&r).unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(first.result, again.result);
    let all = w.admin.transactions(&TxFilter::default()).unwrap();
    assert_eq!(all.len(), 1, "signed once");
    let signed_events = w
        .admin
        .audit_log(0, 0)
        .unwrap()
        .into_iter()
        .filter(|e| e.entry.event == "TX_SIGNED")
        .count();
    assert_eq!(signed_events, 1);
}

#[test]
fn an_agent_sees_only_its_own_wallets() {
    let w = world();
    let a = w.wallet(Network::SolanaDevnet);
    let b = w.wallet(Network::SolanaDevnet);
    let agent_a = w.agent(a.id);
    let agent_b = w.agent(b.id);
    let tx_b = agent_b.send(&req(&b.address, "5")).unwrap();
    assert_eq!(
        agent_a.transaction(tx_b.id).unwrap_err().code(),
        "TX_NOT_FOUND"
    );
    assert_eq!(agent_a.cancel(tx_b.id).unwrap_err().code(), "TX_NOT_FOUND");
    assert!(agent_a.transactions(0).unwrap().is_empty());
    let mut other = req(&a.address, "0.01");
    other.wallet_id = Some(b.id);
    assert_eq!(
        agent_a.send(&other).unwrap_err().code(),
        "WALLET_ACCESS_DENIED"
    );
    assert_eq!(agent_b.transactions(0).unwrap().len(), 1);
}

#[test]
fn renew_through_the_agent_handle_switches_tokens() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let issued = w
        .admin
        .create_session(&CreateSession::new(vec![wallet.id]))
        .unwrap();
    let agent = w.admin.agent(issued.token.expose()).unwrap();
    assert_eq!(agent.renew().unwrap_err().code(), "RENEWAL_TOO_EARLY");
    w.clock.advance(1800);
    w.refresh_prices();
    agent.renew().unwrap();
    // The handle keeps working; the old token is superseded.
    assert!(agent.wallets().is_ok());
    assert_eq!(
        w.admin.agent(issued.token.expose()).unwrap_err().code(),
        "TOKEN_SUPERSEDED"
    );
}

#[test]
fn the_audit_records_the_quotes_a_decision_used_and_filters_work() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    w.clock.advance(42);
    let tx = agent.send(&req(&wallet.address, "0.01")).unwrap();
    let requested = w
        .admin
        .audit_log_filtered(&waiaas::api::AuditFilter {
            tx_id: Some(tx.id),
            event: Some("TX_REQUESTED".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(requested.len(), 1);
    let prices = &requested[0].entry.details["request"]["prices"][0];
    assert_eq!(prices["source"], "test");
    assert_eq!(prices["ageSeconds"], 42);
    assert_eq!(prices["usd"], "100");
    let signed = w
        .admin
        .audit_log_filtered(&waiaas::api::AuditFilter {
            wallet_id: Some(wallet.id),
            event: Some("TX_SIGNED".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(signed.len(), 1);
    assert!(
        signed[0].entry.actor.starts_with("session:"),
        "{}",
        signed[0].entry.actor
    );
}

#[test]
fn the_operator_can_reject_a_pending_approval() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    w.admin
        .set_owner(wallet.id, &OwnerKey::solana(1).address())
        .unwrap();
    let agent = w.agent(wallet.id);
    let tx = agent.send(&req(&wallet.address, "20")).unwrap();
    assert_eq!(tx.status, TxStatus::PendingApproval);
    assert_eq!(
        w.admin.reject_transaction(tx.id).unwrap().status,
        TxStatus::Rejected
    );
    assert_eq!(
        w.admin.reject_transaction(tx.id).unwrap_err().code(),
        "TX_ALREADY_PROCESSED"
    );
}

#[test]
fn every_change_and_its_audit_entry_commit_together_or_not_at_all() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    // Each operator change is in the log.
    let events: Vec<String> = w
        .admin
        .audit_log(0, 0)
        .unwrap()
        .into_iter()
        .map(|r| r.entry.event)
        .collect();
    for e in [
        "VAULT_CREATED",
        "WALLET_CREATED",
        "POLICY_CREATED",
        "SESSION_CREATED",
    ] {
        assert!(events.contains(&e.to_owned()), "missing {e} in {events:?}");
    }
    // Make every audit append fail: a change must then not happen either.
    rusqlite_conn(&w)
        .execute_batch(
            "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END;",
        )
        .unwrap();
    let before = w.admin.wallets().unwrap().len();
    assert_eq!(
        w.admin
            .create_wallet("x", Network::SolanaDevnet)
            .unwrap_err()
            .code(),
        "STORAGE_ERROR"
    );
    assert_eq!(
        w.admin.wallets().unwrap().len(),
        before,
        "wallet stored without its audit entry"
    );
    assert_eq!(
        w.admin.suspend_wallet(wallet.id).unwrap_err().code(),
        "STORAGE_ERROR"
    );
    assert_eq!(
        w.admin.wallet(wallet.id).unwrap().status,
        WalletStatus::Active
    );
    assert_eq!(
        agent
            .send(&req(&wallet.address, "0.01"))
            .unwrap_err()
            .code(),
        "STORAGE_ERROR"
    );
    assert!(
        w.admin
            .transactions(&TxFilter::default())
            .unwrap()
            .is_empty(),
        "request stored without audit"
    );
    let sessions = w.admin.sessions(None).unwrap().len();
    assert!(
        w.admin
            .create_session(&CreateSession::new(vec![wallet.id]))
            .is_err()
    );
    assert_eq!(w.admin.sessions(None).unwrap().len(), sessions);
    assert!(w.admin.set_settings(&Settings::default()).is_err());
    rusqlite_conn(&w)
        .execute_batch("DROP TRIGGER no_audit;")
        .unwrap();
    assert!(w.admin.verify_audit_log().unwrap().is_intact());
}

#[test]
fn the_background_scheduler_executes_due_transactions() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let tx = agent.send(&req(&wallet.address, "5")).unwrap();
    let scheduler = w
        .admin
        .waiaas()
        .spawn_scheduler(std::time::Duration::from_millis(10));
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(agent.transaction(tx.id).unwrap().status, TxStatus::Queued);
    w.clock.advance(900);
    w.refresh_prices();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while agent.transaction(tx.id).unwrap().status == TxStatus::Queued
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    drop(scheduler);
    assert_eq!(agent.transaction(tx.id).unwrap().status, TxStatus::Signed);
}

#[test]
fn concurrent_sends_and_simulations_never_deadlock() {
    let w = world();
    w.admin
        .set_settings(&Settings {
            auto_stop_max_sends: 0,
            ..Settings::default()
        })
        .unwrap();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let (done, finished) = std::sync::mpsc::channel();
    let worker = {
        let (agent, address) = (agent.clone(), wallet.address.clone());
        std::thread::spawn(move || {
            std::thread::scope(|s| {
                for i in 0..6 {
                    let (agent, address) = (agent.clone(), address.clone());
                    s.spawn(move || {
                        for _ in 0..25 {
                            if i % 2 == 0 {
                                agent.send(&req(&address, "0.001")).unwrap();
                            } else {
                                agent.simulate(&req(&address, "0.001")).unwrap();
                            }
                        }
                    });
                }
            });
            done.send(()).unwrap();
        })
    };
    // A lock-order inversion would hang here instead of failing: bound the wait.
    finished
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("sends and simulations deadlocked");
    worker.join().unwrap();
    assert_eq!(
        w.admin.transactions(&TxFilter::default()).unwrap().len(),
        75
    );
}

#[test]
fn opening_a_directory_without_a_vault_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none");
    let err = waiaas::Waiaas::open(
        &path,
        Some(common::pw()),
        &common::config(),
        waiaas::Host::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "VAULT_NOT_FOUND");
    assert!(
        !path.join("waiaas.db").exists(),
        "no empty database left behind"
    );
}
