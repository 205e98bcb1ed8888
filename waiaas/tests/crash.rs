//! A process killed with SIGKILL in the middle of a send loop leaves a consistent
//! database: on reopen nothing is left PENDING/EXECUTING, every SIGNED row's spend is
//! committed, every interrupted row's reservation is released, and the audit chain
//! verifies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use waiaas::{
    ChainParams, Config, Host, Network, NewPolicy, SecretString, SendRequest, StaticPriceOracle,
    Waiaas,
};
use waiaas_core::TxStatus;
use waiaas_core::policy::{PolicyType, ReservationStatus, Usd, native_asset_id};
use waiaas_core::session::CreateSession;
use waiaas_core::store::TxFilter;
use waiaas_store::{SqliteStore, StoreOptions};

fn pw() -> SecretString {
    SecretString::from("crash test password".to_owned())
}

fn config(executing_timeout_secs: i64) -> Config {
    Config {
        executing_timeout_secs,
        ..Config::for_tests()
    }
}

fn host() -> Host {
    let prices = Arc::new(StaticPriceOracle::new(3600));
    let now = waiaas::Clock::now(&waiaas::SystemClock);
    prices.set_price(
        &native_asset_id(Network::SolanaDevnet),
        Usd::from_u64(100),
        "test",
        now,
    );
    Host {
        prices,
        ..Host::default()
    }
}

/// Child half: sends INSTANT transfers in a loop until killed.
#[test]
fn child_send_loop() {
    let (Ok(dir), Ok(token)) = (
        std::env::var("WAIAAS_CRASH_DIR"),
        std::env::var("WAIAAS_CRASH_TOKEN"),
    ) else {
        return; // Not running as the child.
    };
    let admin = Waiaas::open(&dir, Some(pw()), &config(3600), host()).unwrap();
    let agent = admin.agent(&token).unwrap();
    let to = agent.address(None).unwrap();
    let req = SendRequest {
        chain: ChainParams {
            recent_blockhash: Some("11111111111111111111111111111111".into()),
            ..ChainParams::default()
        },
        ..SendRequest::transfer(&to, "0.001")
    };
    println!("\nCHILD_READY");
    loop {
        agent.send(&req).unwrap();
    }
}

#[test]
fn sigkill_mid_send_loop_leaves_a_consistent_database() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let admin = Waiaas::create(&dir, Some(pw()), &config(3600), host()).unwrap();
    let wallet = admin.create_wallet("crash", Network::SolanaDevnet).unwrap();
    admin
        .create_policy(
            NewPolicy::new(
                PolicyType::SpendingLimit,
                json!({ "instant_max_usd": 1000, "daily_limit_usd": 1000000 }),
            )
            .for_wallet(wallet.id),
        )
        .unwrap();
    admin
        .set_settings(&waiaas::Settings {
            auto_stop_max_sends: 1_000_000,
            ..waiaas::Settings::default()
        })
        .unwrap();
    let token = admin
        .create_session(&CreateSession::new(vec![wallet.id]))
        .unwrap()
        .token;
    drop(admin);

    for round in 0..3u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "child_send_loop",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("WAIAAS_CRASH_DIR", &dir)
            .env("WAIAAS_CRASH_TOKEN", token.expose())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let it send for a while, then kill it wherever it is.
        let store = SqliteStore::open(dir.join("waiaas.db"), &StoreOptions::default()).unwrap();
        let started = Instant::now();
        let target = 10 * (round + 1);
        loop {
            let n = waiaas_core::store::PipelineStore::transactions(&store, &TxFilter::default())
                .unwrap()
                .len();
            if u64::try_from(n).unwrap() >= target || started.elapsed() > Duration::from_secs(60) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5 + 7 * round));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        // Reopen as the next process would, once the shortest executing timeout (1 s)
        // has passed: stale in-flight rows are recovered at open.
        std::thread::sleep(Duration::from_millis(1100));
        let admin = Waiaas::open(&dir, Some(pw()), &config(1), host()).unwrap();
        let rows = admin.transactions(&TxFilter::default()).unwrap();
        assert!(!rows.is_empty(), "round {round}: the child sent nothing");
        for t in &rows {
            let r = store.reservation(t.id).unwrap();
            match t.status {
                TxStatus::Signed => {
                    assert!(t.result.is_some());
                    assert_eq!(r.unwrap().status, ReservationStatus::Committed, "{t:?}");
                }
                TxStatus::Failed => {
                    assert_eq!(t.error.as_ref().unwrap().code, "INTERRUPTED", "{t:?}");
                    if let Some(r) = r {
                        assert_eq!(r.status, ReservationStatus::Released, "{t:?}");
                    }
                }
                other => panic!("round {round}: row left {other:?}: {t:?}"),
            }
        }
        assert!(admin.verify_audit_log().unwrap().is_intact());
    }
}
