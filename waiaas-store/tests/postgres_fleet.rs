//! The PostgreSQL backend's per-wallet locking as hosts see it (feature `postgres`):
//! - a wallet held by an admission in progress (its signer running) holds up the next
//!   admission on that wallet, and no other wallet's — measured over 100 wallets;
//! - a host SIGKILLed in the middle of an admission: its transaction (decision,
//!   reservation, row, audit entries) is rolled back by the server when the connection
//!   drops, the wallet's lock goes with it, and the other hosts go on at once — nothing
//!   half-written, nothing to recover by hand. This test binary is the killed host too
//!   (re-executed with `WAIAAS_TEST_KILLED_HOST`).
#![cfg(feature = "postgres")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::print_stdout,
    reason = "test code: a panic is a test failure"
)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use waiaas_core::ids::{TxId, WalletId};
use waiaas_core::policy::PriceBook;
use waiaas_core::store::{Admission, Backend, PipelineStore, SignOutcome, Store, TxFilter};
use waiaas_core::tier::TxStatus;
use waiaas_store::conformance::{
    InstantDaily, T0, audit, key, plain_rules, request, tx_record, wallet_record,
};
use waiaas_store::test_database::TestSchema;
use waiaas_store::{PgOptions, PgStore};

const ENV_URL: &str = "WAIAAS_TEST_KILLED_HOST";
const ENV_WALLET: &str = "WAIAAS_TEST_KILLED_WALLET";

fn store(url: &str) -> PgStore {
    let s = PgStore::connect(url, &PgOptions::default()).unwrap();
    s.set_audit_key(key(), T0, None).unwrap();
    s
}

fn admit(s: &dyn Backend, wallet: WalletId, sign: &dyn Fn() -> SignOutcome) -> Admission {
    let id = TxId::new();
    s.admit_transaction(
        &tx_record(wallet, id, None, None),
        &request(wallet, id, 1),
        &PriceBook::default(),
        T0,
        &InstantDaily,
        &plain_rules(wallet),
        sign,
        &audit(T0, "TX_REQUESTED"),
    )
    .unwrap()
}

/// The host to kill: admits on the wallet and, holding its lock inside the signer,
/// says so and waits to be killed.
#[test]
fn killed_host_entry() {
    let (Ok(url), Ok(wallet)) = (std::env::var(ENV_URL), std::env::var(ENV_WALLET)) else {
        return;
    };
    let s = store(&url);
    let wallet = WalletId::parse(&wallet).unwrap();
    admit(&s, wallet, &|| {
        println!("SIGNING");
        std::io::stdout().flush().unwrap();
        std::thread::sleep(Duration::from_secs(600));
        SignOutcome::Failed {
            code: "NOT_KILLED".to_owned(),
            message: "the test did not kill this host".to_owned(),
        }
    });
}

#[test]
fn a_host_killed_mid_admission_leaves_nothing_and_blocks_no_one() {
    let Some(schema) = TestSchema::fresh() else {
        return;
    };
    let survivor = store(schema.url());
    survivor
        .create_vault_header("h", T0, &audit(T0, waiaas_core::audit::GENESIS_EVENT))
        .unwrap();
    let wallet = WalletId::new();
    survivor
        .insert_wallet(&wallet_record(wallet, "w"), &audit(T0, "WALLET_CREATED"))
        .unwrap();
    let mut killed = Command::new(std::env::current_exe().unwrap())
        .args([
            "killed_host_entry",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV_URL, schema.url())
        .env(ENV_WALLET, wallet.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the killed host holds the wallet's lock inside its admission.
    let mut lines = BufReader::new(killed.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains("SIGNING"))),
        "the host never reached its signer"
    );
    killed.kill().unwrap();
    killed.wait().unwrap();
    // The survivor admits on the same wallet at once: the lock went with the
    // connection.
    let started = Instant::now();
    let signed = || SignOutcome::Signed {
        result: "{\"signed\":true}".to_owned(),
        tx_hash: Some("h".to_owned()),
    };
    let Admission::Decided { record, .. } = admit(&survivor, wallet, &signed) else {
        panic!("not decided");
    };
    assert_eq!(record.status, TxStatus::Signed);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the wallet stayed locked for {:?}",
        started.elapsed()
    );
    // Nothing of the killed admission exists: one row, one reservation, an intact log.
    let rows = survivor
        .transactions(&TxFilter {
            wallet_id: Some(wallet),
            ..TxFilter::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 1);
    let reservations: i64 = schema
        .client()
        .query_one(
            "SELECT COUNT(*) FROM spend_ledger WHERE wallet_id = $1",
            &[&wallet.to_string()],
        )
        .unwrap()
        .get(0);
    assert_eq!(reservations, 1);
    let check = survivor.verify_audit_log().unwrap();
    assert_eq!(check.chain.first_broken, None, "{check:?}");
    assert!(check.head_ok, "{check:?}");
}

#[test]
fn a_held_wallet_holds_up_its_own_admissions_and_no_other_wallets() {
    const WALLETS: usize = 100;
    let Some(schema) = TestSchema::fresh() else {
        return;
    };
    let host_a = store(schema.url());
    let host_b = store(schema.url());
    host_a
        .create_vault_header("h", T0, &audit(T0, waiaas_core::audit::GENESIS_EVENT))
        .unwrap();
    let wallets: Vec<WalletId> = (0..WALLETS)
        .map(|_| {
            let w = WalletId::new();
            host_a
                .insert_wallet(&wallet_record(w, "w"), &audit(T0, "WALLET_CREATED"))
                .unwrap();
            w
        })
        .collect();
    let held = wallets[0];
    let signed = || SignOutcome::Signed {
        result: "{\"signed\":true}".to_owned(),
        tx_hash: Some("h".to_owned()),
    };
    let (inside, signing) = mpsc::channel::<()>();
    let (release, released) = mpsc::channel::<()>();
    let (queued_done, queued_finished) = mpsc::channel::<Instant>();
    std::thread::scope(|s| {
        // Host A holds the first wallet: its signer waits for the release.
        let host_a = &host_a;
        s.spawn(move || {
            admit(host_a, held, &|| {
                inside.send(()).unwrap();
                released.recv().unwrap();
                signed()
            })
        });
        signing.recv().unwrap();
        // Host B on the same wallet must wait for it.
        s.spawn(|| {
            admit(&host_b, held, &signed);
            queued_done.send(Instant::now()).unwrap();
        });
        // Host B on every other wallet goes through while the first is held.
        let mut latencies: Vec<Duration> = wallets[1..]
            .iter()
            .map(|w| {
                let began = Instant::now();
                let Admission::Decided { record, .. } = admit(&host_b, *w, &signed) else {
                    panic!("not decided");
                };
                assert_eq!(record.status, TxStatus::Signed);
                began.elapsed()
            })
            .collect();
        assert!(
            queued_finished.try_recv().is_err(),
            "an admission on the held wallet went through while it was held"
        );
        let released_at = Instant::now();
        release.send(()).unwrap();
        let done = queued_finished
            .recv_timeout(Duration::from_secs(30))
            .unwrap();
        assert!(
            done >= released_at,
            "the held wallet's next admission waited for it"
        );
        latencies.sort_unstable();
        let p99 = latencies[latencies.len() * 99 / 100 - 1];
        println!(
            "{} admissions on other wallets while one was held: p50 {:?}, p99 {:?}, max {:?}",
            WALLETS - 1,
            latencies[latencies.len() / 2],
            p99,
            latencies[latencies.len() - 1]
        );
        // They never waited for the held wallet (held for the whole loop).
        assert!(latencies[latencies.len() - 1] < Duration::from_secs(5));
    });
}
