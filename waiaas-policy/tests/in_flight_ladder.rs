//! 8 threads in this process and 3 child processes (this test binary re-executed),
//! 4 threads each, admit transfers against one wallet in one SQLite file through
//! admission (`PipelineStore::admit_transaction`, the one API that decides and
//! reserves), each thread on its own connection, with the real engine.
//!
//! Nothing is committed: the ladder has only a DELAY rung, so every admitted request is
//! placed QUEUED by the store's placement rule (APPROVAL, with no owner registered, waits
//! a DELAY window), in flight. The per-transaction ladder judges each request plus what
//! is in flight, so the DELAY admissions stop exactly at the rung, whatever the
//! interleaving, in every run. (The daily-cap and rate-limit proof runs through
//! `Agent::send` in `waiaas/tests/overshoot.rs`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "test code"
)]

use waiaas_test_support::vault as fixtures;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::json;
use waiaas_core::audit::{Actor, AuditEntry};
use waiaas_core::policy::{ApprovalReason, RequestBody};
use waiaas_core::store::{Admission, PlacementRules, TxRecord};
use waiaas_core::{
    Amount, Decision, ManualClock, Network, PipelineStore, PolicyRequest, PolicyType, PriceBook,
    PriceQuote, Tier, TxId, TxStatus, Usd, WalletId,
};
use waiaas_policy::{Engine, NewPolicy, PolicyAdmin};

const ENV_DB: &str = "WAIAAS_TEST_LADDER_DB";
const ENV_WALLET: &str = "WAIAAS_TEST_LADDER_WALLET";
const ENV_START: &str = "WAIAAS_TEST_LADDER_START_MS";
const PER_REQUEST_USD: u64 = 7;
const PARENT_THREADS: usize = 8;
const CHILDREN: usize = 3;
const CHILD_THREADS: usize = 4;
const PER_THREAD: usize = 20;
const ATTEMPTS: u64 = ((PARENT_THREADS + CHILDREN * CHILD_THREADS) * PER_THREAD) as u64;
const NOW: i64 = 1_767_268_800;
const DELAY_MAX_USD: u64 = 100;

/// `[DELAY, APPROVAL]` admissions.
type Counts = [u64; 2];

fn prices(now: i64) -> PriceBook {
    let mut p = PriceBook::default();
    // 1 wei = 1 USD keeps the arithmetic obvious.
    p.quotes.insert(
        "native:ethereum-mainnet".into(),
        PriceQuote {
            usd: Usd::parse("1000000000000000000").unwrap(),
            source: "test".into(),
            observed_at: now,
        },
    );
    p
}

fn unix_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// One admission, placed QUEUED (in flight) by the store's rule.
fn admit(store: &dyn PipelineStore, engine: &Engine, wallet: WalletId) -> Decision {
    let id = TxId::new();
    let request = PolicyRequest {
        request_id: id,
        wallet_id: wallet,
        network: Network::EthereumMainnet,
        body: RequestBody::Transfer {
            to: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359".into(),
            amount: Amount::from_u64(PER_REQUEST_USD),
        },
        permissions: Vec::new(),
        action: None,
        claimed_action: None,
        fee: None,
    };
    let record = TxRecord {
        id,
        wallet_id: wallet,
        session_id: None,
        network: Network::EthereumMainnet,
        kind: "TRANSFER".to_owned(),
        status: TxStatus::Pending,
        tier: None,
        request: "{}".to_owned(),
        decision: None,
        idempotency_key: None,
        owner_nonce: id.to_string(),
        result: None,
        error_code: None,
        error_message: None,
        execute_after: None,
        expires_at: None,
        created_at: NOW,
        updated_at: NOW,
    };
    let rules = PlacementRules {
        network: Network::EthereumMainnet,
        wallet_id: wallet,
        wallet_address: "0x0000000000000000000000000000000000000001".into(),
        max_fee: None,
        durable_nonce: None,
        needs_owner: false,
    };
    let sign = || panic!("nothing is placed EXECUTING");
    match store
        .admit_transaction(
            &record,
            &request,
            &prices(NOW),
            NOW,
            engine,
            &rules,
            &sign,
            &AuditEntry::new(NOW, &Actor::System, "TX_REQUESTED"),
        )
        .unwrap()
    {
        Admission::Decided {
            decision,
            record,
            refusal: None,
        } => {
            assert!(decision.allowed, "{decision:?}");
            assert_eq!(record.status, TxStatus::Queued);
            decision
        }
        other => panic!("{other:?}"),
    }
}

/// One thread's work: its own connection, `PER_THREAD` admissions, starting at
/// `start_ms` so that every thread of every process overlaps.
fn admit_many(db: &Path, wallet: WalletId, start_ms: u128) -> Counts {
    let store = fixtures::open_store(db);
    while unix_ms() < start_ms {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let engine = Engine::new();
    let mut c: Counts = [0; 2];
    for _ in 0..PER_THREAD {
        let d = admit(&store, &engine, wallet);
        match d.tier {
            Tier::Delay => c[0] += 1,
            Tier::Approval => {
                assert_eq!(d.approval_reason, Some(ApprovalReason::PerTx));
                c[1] += 1;
            }
            Tier::Instant | Tier::Notify => panic!("no INSTANT or NOTIFY rung in this ladder"),
        }
    }
    c
}

fn run_threads(db: &Path, wallet: WalletId, n: usize, start_ms: u128) -> Counts {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let db = db.to_path_buf();
            std::thread::spawn(move || admit_many(&db, wallet, start_ms))
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .fold([0; 2], |a, b| [a[0] + b[0], a[1] + b[1]])
}

/// Entry point of the child processes; does nothing when run as a normal test.
#[test]
fn child_process_entry() {
    let (Ok(db), Ok(wallet), Ok(start)) = (
        std::env::var(ENV_DB),
        std::env::var(ENV_WALLET),
        std::env::var(ENV_START),
    ) else {
        return;
    };
    let c = run_threads(
        Path::new(&db),
        WalletId::parse(&wallet).unwrap(),
        CHILD_THREADS,
        start.parse().unwrap(),
    );
    println!("COUNTS {} {}", c[0], c[1]);
}

#[test]
fn threads_and_processes_never_overshoot_an_in_flight_ladder() {
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("ladder.db");
    let wallet = WalletId::new();
    {
        let store = fixtures::open_store(&db);
        fixtures::insert_wallet(&store, wallet, Network::EthereumMainnet);
        let clock = ManualClock::new(NOW);
        let admin = PolicyAdmin::new(&store, &clock);
        admin
            .create(
                NewPolicy::new(
                    PolicyType::SpendingLimit,
                    json!({ "delay_max_usd": DELAY_MAX_USD.to_string() }),
                )
                .for_wallet(wallet),
            )
            .unwrap();
    }
    let start_ms = unix_ms() + 500;
    let children: Vec<_> = (0..CHILDREN)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "child_process_entry",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(ENV_DB, &db)
                .env(ENV_WALLET, wallet.to_string())
                .env(ENV_START, start_ms.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut total = run_threads(&db, wallet, PARENT_THREADS, start_ms);
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "child failed: {text}");
        // libtest may print its own text before ours on the same line.
        let line = text
            .lines()
            .find_map(|l| l.split_once("COUNTS ").map(|(_, rest)| rest))
            .expect("child reported no counts");
        let n: Vec<u64> = line
            .split_whitespace()
            .take(2)
            .map(|x| x.parse().unwrap())
            .collect();
        for i in 0..2 {
            total[i] += n[i];
        }
    }
    let [delay, approval] = total;
    eprintln!(
        "{ATTEMPTS} admissions, none committed: {delay} DELAY ({} USD in flight of a \
         {DELAY_MAX_USD} USD rung), {approval} APPROVAL",
        delay * PER_REQUEST_USD
    );
    assert_eq!(delay + approval, ATTEMPTS);
    // DELAY while everything in flight plus the request fits the DELAY rung; the rest
    // needs the owner.
    assert_eq!(delay, DELAY_MAX_USD / PER_REQUEST_USD);
    assert_eq!(approval, ATTEMPTS - DELAY_MAX_USD / PER_REQUEST_USD);
    // The stored rows agree: every admission is one QUEUED row.
    let store = fixtures::open_store(&db);
    let rows = store
        .transactions(&waiaas_core::store::TxFilter {
            wallet_id: Some(wallet),
            statuses: vec![TxStatus::Queued],
            limit: 0,
        })
        .unwrap();
    assert_eq!(rows.len() as u64, ATTEMPTS);
    let tiers = |t: Tier| rows.iter().filter(|r| r.tier == Some(t)).count() as u64;
    assert_eq!(
        [tiers(Tier::Delay), tiers(Tier::Approval)],
        [delay, approval]
    );
}
