//! The audit chain is keyed: whoever can write the SQLite file but lacks the master
//! password cannot rewrite history and make it verify again. The head is announced
//! (`AUDIT_HEAD`) so it can be anchored outside.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{World, config, host, pw};
use waiaas::notify::{EventKind, MemoryNotifier};
use waiaas::{Config, Host, ManualClock, Network, StaticPriceOracle, Waiaas};
use waiaas_core::audit::{AuditEntry, GENESIS_HASH, entry_hash};
use waiaas_core::{TxId, WalletId};

use common::sol_req as req;

fn db(w: &World) -> rusqlite::Connection {
    w.db()
}

/// A world with some history: wallet, policy, session, two sends.
fn busy_world() -> World {
    let w = common::world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    agent.send(&req(&wallet.address, "0.01")).unwrap();
    agent.send(&req(&wallet.address, "5")).unwrap();
    let report = w.admin.verify_audit_log().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.keyed_from, Some(1));
    w
}

/// One stored row as the attacker reads it.
fn read_entry(conn: &rusqlite::Connection, seq: i64) -> AuditEntry {
    conn.query_row(
        "SELECT at, actor, event, wallet_id, tx_id, details FROM audit_log WHERE seq = ?1",
        [seq],
        |r| {
            let wallet: Option<String> = r.get(3)?;
            let tx: Option<String> = r.get(4)?;
            let details: String = r.get(5)?;
            Ok(AuditEntry {
                at: r.get(0)?,
                actor: r.get(1)?,
                event: r.get(2)?,
                wallet_id: wallet.map(|w| WalletId::parse(&w).unwrap()),
                tx_id: tx.map(|t| TxId::parse(&t).unwrap()),
                details: serde_json::from_str(&details).unwrap(),
            })
        },
    )
    .unwrap()
}

/// What an attacker with write access does: recompute the unkeyed SHA-256 chain from
/// `from` to the end (optionally marking the rows unkeyed) and rewrite the recorded
/// head to match.
fn recompute_unkeyed_chain(conn: &rusqlite::Connection, from: i64, downgrade: bool) {
    let n: i64 = conn
        .query_row("SELECT MAX(seq) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    let mut prev: String = if from == 1 {
        GENESIS_HASH.to_owned()
    } else {
        conn.query_row(
            "SELECT hash FROM audit_log WHERE seq = ?1",
            [from - 1],
            |r| r.get(0),
        )
        .unwrap()
    };
    for seq in from..=n {
        let entry = read_entry(conn, seq);
        let hash = entry_hash(u64::try_from(seq).unwrap(), &prev, &entry);
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![prev, hash, seq],
        )
        .unwrap();
        if downgrade {
            conn.execute("UPDATE audit_log SET scheme = 0 WHERE seq = ?1", [seq])
                .unwrap();
        }
        prev = hash;
    }
    conn.execute(
        "UPDATE audit_head SET seq = ?1, hash = ?2",
        rusqlite::params![n, prev],
    )
    .unwrap();
}

#[test]
fn an_edited_row_with_a_recomputed_sha256_chain_is_detected() {
    let w = busy_world();
    let conn = db(&w);
    let n: i64 = conn
        .query_row("SELECT MAX(seq) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    let target = n / 2;
    // The attacker rewrites history (a decision that never allowed anything) …
    conn.execute(
        "UPDATE audit_log SET details = '{\"allowed\":false}' WHERE seq = ?1",
        [target],
    )
    .unwrap();
    // … and recomputes the chain after it, as the unkeyed SHA-256 allowed.
    recompute_unkeyed_chain(&conn, target, false);
    let report = w.admin.verify_audit_log().unwrap();
    assert_eq!(
        report.first_broken,
        Some(u64::try_from(target).unwrap()),
        "{report:?}"
    );
    assert!(!report.is_intact());
}

#[test]
fn a_whole_log_recomputed_as_an_unkeyed_chain_is_detected() {
    let w = busy_world();
    let conn = db(&w);
    conn.execute(
        "UPDATE audit_log SET details = '{\"allowed\":false}' WHERE seq = 3",
        [],
    )
    .unwrap();
    // Every row marked as written before the keyed chain, recomputed from genesis.
    recompute_unkeyed_chain(&conn, 1, true);
    conn.execute("UPDATE audit_head SET mac = NULL", [])
        .unwrap();
    let report = w.admin.verify_audit_log().unwrap();
    assert!(!report.is_intact(), "{report:?}");
    assert_eq!(report.first_broken, Some(1));
    assert!(report.truncated);
    // Also after a reopen (the next unlock does not bless it: the log was keyed).
    let reopened = w.reopen();
    assert!(!reopened.verify_audit_log().unwrap().is_intact());
}

#[test]
fn a_truncated_tail_is_detected_even_with_a_rewritten_head() {
    let w = busy_world();
    let conn = db(&w);
    let n: i64 = conn
        .query_row("SELECT MAX(seq) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    // Drop the last two rows (say, the signing of a transaction) …
    conn.execute("DELETE FROM audit_log WHERE seq > ?1", [n - 2])
        .unwrap();
    let report = w.admin.verify_audit_log().unwrap();
    assert!(report.truncated && !report.is_intact(), "{report:?}");
    assert_eq!(report.first_broken, None);
    // … and point the recorded head at the new last row: its MAC gives it away.
    let last_hash: String = conn
        .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [n - 2], |r| {
            r.get(0)
        })
        .unwrap();
    conn.execute(
        "UPDATE audit_head SET seq = ?1, hash = ?2",
        rusqlite::params![n - 2, last_hash],
    )
    .unwrap();
    let report = w.admin.verify_audit_log().unwrap();
    assert!(report.truncated && !report.is_intact(), "{report:?}");
    conn.execute("UPDATE audit_head SET mac = NULL", [])
        .unwrap();
    assert!(w.admin.verify_audit_log().unwrap().truncated);
    conn.execute("DELETE FROM audit_head", []).unwrap();
    assert!(w.admin.verify_audit_log().unwrap().truncated);
}

#[test]
fn the_audit_head_is_announced_periodically_and_on_demand() {
    let inbox = Arc::new(MemoryNotifier::new());
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(common::T0));
    let prices = Arc::new(StaticPriceOracle::new(600));
    let admin = Waiaas::create(
        dir.path().join("vault"),
        Some(pw()),
        &Config {
            audit_head_interval_secs: Some(60),
            ..config()
        },
        Host {
            notifiers: vec![inbox.clone()],
            ..host(&clock, &prices)
        },
    )
    .unwrap();
    admin.create_wallet("w", Network::SolanaDevnet).unwrap();

    let heads = |inbox: &MemoryNotifier| -> Vec<waiaas::notify::Event> {
        inbox
            .events()
            .into_iter()
            .filter(|e| e.kind == EventKind::AuditHead)
            .collect()
    };
    let wait_for = |count: usize| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while heads(&inbox).len() < count {
            assert!(Instant::now() < deadline, "no AUDIT_HEAD event arrived");
            std::thread::sleep(Duration::from_millis(5));
        }
    };

    // On demand: the head is returned and announced; it is the log's last record.
    let head = admin.audit_head().unwrap().unwrap();
    let last = admin.audit_log(0, 0).unwrap().pop().unwrap();
    assert_eq!((head.seq, head.hash.clone()), (last.seq, last.hash.clone()));
    wait_for(1);
    let event = heads(&inbox).pop().unwrap();
    assert_eq!(event.details["seq"], head.seq);
    assert_eq!(event.details["hash"], head.hash.as_str());
    assert_eq!(event.details["intact"], true);

    // Periodically: once when the scheduler starts …
    let scheduler = admin.waiaas().spawn_scheduler(Duration::from_millis(5));
    wait_for(2);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(heads(&inbox).len(), 2, "not again before the interval");
    // … and again once the interval has passed, with the new head.
    admin.create_wallet("w2", Network::SolanaDevnet).unwrap();
    clock.set(common::T0 + 60);
    wait_for(3);
    drop(scheduler);
    let event = heads(&inbox).pop().unwrap();
    let last = admin.audit_log(0, 0).unwrap().pop().unwrap();
    assert_eq!(event.details["seq"], last.seq);
    assert_eq!(event.details["hash"], last.hash.as_str());
    assert_eq!(event.at, common::T0 + 60);
}
