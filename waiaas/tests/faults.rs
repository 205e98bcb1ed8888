//! Faults a host meets in service, each leaving a consistent vault and a typed error:
//! - SIGKILL at random points of a loop that signs at once (INSTANT, NOTIFY), queues
//!   DELAY rows and executes them when due, 20 rounds: on reopen nothing is left in
//!   flight, every signed row's spend is committed, every interrupted row's reservation
//!   released, every signature the child received belongs to a committed SIGNED row,
//!   and the audit chain verifies;
//! - a full disk (a small tmpfs): `STORAGE_FULL`, nothing signed, the vault intact, and
//!   sends work again once space returns;
//! - the database held by another process past the busy timeout: `STORAGE_BUSY`, then
//!   success on retry;
//! - corrupted pages: `VAULT_CORRUPT` / `STORAGE_ERROR` (or the page is never read),
//!   never a panic, never a row read as SIGNED that was not.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::print_stdout,
    reason = "test code: a panic is a test failure"
)]

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use waiaas::{
    Admin, ChainParams, Config, Host, ManualClock, Network, NewPolicy, SecretString, SendRequest,
    StaticPriceOracle, Waiaas,
};
use waiaas_core::policy::{PolicyType, ReservationStatus, Usd, native_asset_id};
use waiaas_core::session::CreateSession;
use waiaas_core::store::TxFilter;
use waiaas_core::{TxStatus, WalletId};
use waiaas_store::{SqliteStore, StoreOptions};

const DB: &str = "waiaas.db";

fn pw() -> SecretString {
    SecretString::from("fault test password".to_owned())
}

fn config() -> Config {
    Config {
        executing_timeout_secs: 1,
        ..Config::for_tests()
    }
}

fn real_now() -> i64 {
    waiaas::Clock::now(&waiaas::SystemClock)
}

/// A host whose clock is `clock` and whose SOL price (100 USD) never goes stale.
fn host(clock: &Arc<ManualClock>) -> Host {
    let prices = Arc::new(StaticPriceOracle::new(u64::MAX));
    prices.set_price(
        &native_asset_id(Network::SolanaDevnet),
        Usd::from_u64(100),
        "test",
        real_now(),
    );
    Host {
        clock: clock.clone(),
        prices,
        ..Host::default()
    }
}

/// A vault in `dir` with one Solana wallet whose SPENDING_LIMIT sorts 0.001 SOL into
/// INSTANT, 0.05 SOL into NOTIFY and 1 SOL into DELAY (60 s), and a year-long session.
fn vault(dir: &Path) -> (WalletId, String) {
    let clock = Arc::new(ManualClock::new(real_now()));
    let admin = Waiaas::create(dir, Some(pw()), &config(), host(&clock)).unwrap();
    let wallet = admin
        .create_wallet("faults", Network::SolanaDevnet)
        .unwrap();
    admin
        .create_policy(
            NewPolicy::new(
                PolicyType::SpendingLimit,
                json!({ "instant_max_usd": 1, "notify_max_usd": 10, "delay_max_usd": 1_000_000,
                        "delay_seconds": 60, "daily_limit_usd": 1_000_000_000 }),
            )
            .for_wallet(wallet.id),
        )
        .unwrap();
    admin
        .set_settings(&waiaas::Settings {
            auto_stop_max_sends: 0,
            ..waiaas::Settings::default()
        })
        .unwrap();
    let token = admin
        .create_session(&CreateSession {
            ttl: Some(31_536_000),
            ..CreateSession::new(vec![wallet.id])
        })
        .unwrap()
        .token;
    (wallet.id, token.expose().to_owned())
}

fn transfer(to: &str, amount: &str) -> SendRequest {
    SendRequest {
        chain: ChainParams {
            recent_blockhash: Some("11111111111111111111111111111111".into()),
            ..ChainParams::default()
        },
        ..SendRequest::transfer(to, amount)
    }
}

/// Child half of the SIGKILL test: INSTANT, NOTIFY and DELAY sends in turn, the clock
/// moved 61 s after each so queued rows fall due and `process_due` signs them. Prints
/// `SIGNED <tx id> <tx hash>` for every signature it received, flushed at once.
#[test]
fn child_mixed_loop() {
    let (Ok(dir), Ok(token), Ok(start)) = (
        std::env::var("WAIAAS_FAULT_DIR"),
        std::env::var("WAIAAS_FAULT_TOKEN"),
        std::env::var("WAIAAS_FAULT_START"),
    ) else {
        return; // Not running as the child.
    };
    let clock = Arc::new(ManualClock::new(start.parse().unwrap()));
    let admin = Waiaas::open(&dir, Some(pw()), &config(), host(&clock)).unwrap();
    let agent = admin.agent(&token).unwrap();
    let to = agent.address(None).unwrap();
    let mut out = std::io::stdout().lock();
    let mut report = |tx: &waiaas::Transaction| {
        if tx.status == TxStatus::Signed {
            let hash = tx.result.as_ref().unwrap().tx_hash.as_ref().unwrap();
            writeln!(out, "SIGNED {} {hash}", tx.id).unwrap();
            out.flush().unwrap();
        }
    };
    println!("CHILD_READY");
    std::io::stdout().flush().unwrap();
    for i in 0u64.. {
        let amount = ["0.001", "0.05", "1"][usize::try_from(i % 3).unwrap()];
        report(&agent.send(&transfer(&to, amount)).unwrap());
        clock.advance(61);
        for tx in admin.process_due().unwrap() {
            report(&tx);
        }
    }
}

/// A child's stdout, read on a thread: the complete lines so far.
struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    fn read(child: &mut Child) -> Self {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        Self(lines)
    }

    fn wait_for(&self, text: &str, limit: Duration) {
        let started = Instant::now();
        while !self.0.lock().unwrap().iter().any(|l| l.ends_with(text)) {
            assert!(started.elapsed() < limit, "no `{text}` from the child");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// `tx id → tx hash` of every complete `SIGNED` line.
    fn signed(&self) -> HashMap<String, String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| {
                let mut parts = l.strip_prefix("SIGNED ")?.split(' ');
                Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
            })
            .collect()
    }
}

/// Deterministic pseudo-random delays (xorshift), so a failing round can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The latest time any row carries: the next process's clock starts after it.
fn latest(store: &SqliteStore) -> i64 {
    waiaas_core::store::PipelineStore::transactions(store, &TxFilter::default())
        .unwrap()
        .iter()
        .map(|t| t.updated_at.max(t.execute_after.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(real_now())
}

#[test]
fn sigkill_at_random_points_of_a_mixed_loop_leaves_a_consistent_vault() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (_, token) = vault(&dir);
    let store = SqliteStore::open(dir.join(DB), &StoreOptions::default()).unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut received: HashMap<String, String> = HashMap::new();
    for round in 0..20 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "child_mixed_loop",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("WAIAAS_FAULT_DIR", &dir)
            .env("WAIAAS_FAULT_TOKEN", &token)
            .env("WAIAAS_FAULT_START", (latest(&store) + 1).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = Lines::read(&mut child);
        lines.wait_for("CHILD_READY", Duration::from_secs(60));
        let delay = 1 + rng.below(120);
        std::thread::sleep(Duration::from_millis(delay));
        assert!(
            child.try_wait().unwrap().is_none(),
            "round {round}: the child stopped on its own (a send or process_due failed)"
        );
        child.kill().unwrap(); // SIGKILL, wherever it is
        child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(50)); // the reader takes the last lines
        received.extend(lines.signed());

        // Reopen as the next process would, past the executing timeout: rows the child
        // left in flight are recovered at open.
        let clock = Arc::new(ManualClock::new(latest(&store) + 10));
        let admin = Waiaas::open(&dir, Some(pw()), &config(), host(&clock)).unwrap();
        check(
            &admin,
            &store,
            &received,
            &format!("round {round} (killed after {delay} ms)"),
        );
    }
    let rows =
        waiaas_core::store::PipelineStore::transactions(&store, &TxFilter::default()).unwrap();
    let signed_later = rows
        .iter()
        .filter(|t| t.status == TxStatus::Signed && t.execute_after.is_some())
        .count();
    let mut statuses: HashMap<&str, usize> = HashMap::new();
    for t in &rows {
        *statuses.entry(t.status.as_str()).or_default() += 1;
    }
    println!(
        "{} rows {statuses:?}, {} signatures received, {signed_later} DELAY rows executed",
        rows.len(),
        received.len()
    );
    assert!(
        received.len() >= 20,
        "the children signed too little to test anything"
    );
    assert!(signed_later > 0, "no DELAY row was executed by a child");
}

/// The invariants after a crash and a reopen.
fn check(admin: &Admin, store: &SqliteStore, received: &HashMap<String, String>, when: &str) {
    let rows = admin.transactions(&TxFilter::default()).unwrap();
    let by_id: HashMap<String, &waiaas::Transaction> =
        rows.iter().map(|t| (t.id.to_string(), t)).collect();
    for t in &rows {
        let reservation = store.reservation(t.id).unwrap();
        match t.status {
            TxStatus::Signed => {
                assert!(t.result.is_some(), "{when}: {t:?}");
                assert_eq!(
                    reservation.unwrap().status,
                    ReservationStatus::Committed,
                    "{when}: {t:?}"
                );
            }
            TxStatus::Queued => {
                assert_eq!(
                    reservation.unwrap().status,
                    ReservationStatus::Reserved,
                    "{when}: {t:?}"
                );
            }
            TxStatus::Failed => {
                assert_eq!(
                    t.error.as_ref().unwrap().code,
                    "INTERRUPTED",
                    "{when}: {t:?}"
                );
                if let Some(r) = reservation {
                    assert_eq!(r.status, ReservationStatus::Released, "{when}: {t:?}");
                }
            }
            other => panic!("{when}: a row left {other:?}: {t:?}"),
        }
    }
    // No signature left the library without its committed row.
    for (id, hash) in received {
        let t = by_id
            .get(id)
            .unwrap_or_else(|| panic!("{when}: signature {hash} for unknown row {id}"));
        assert_eq!(t.status, TxStatus::Signed, "{when}: {t:?}");
        assert_eq!(
            t.result.as_ref().unwrap().tx_hash.as_deref(),
            Some(hash.as_str()),
            "{when}"
        );
    }
    assert!(admin.verify_audit_log().unwrap().is_intact(), "{when}");
}

/// A tmpfs of `size` mounted on `at` (root only), unmounted on drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, size: &str) -> Self {
        std::fs::create_dir_all(at).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "mounting a tmpfs needs root (CI runs as root); `mount` said {status}"
        );
        Self(at.to_owned())
    }

    /// Fills the disk with a file until writing fails.
    fn fill(&self) -> PathBuf {
        let path = self.0.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 4096];
        while file
            .write_all(&chunk)
            .and_then(|()| file.sync_all())
            .is_ok()
        {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_a_typed_error_and_sends_resume_once_space_returns() {
    let tmp = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(&tmp.path().join("disk"), "8m");
    let dir = disk.0.join("vault");
    let (_, token) = vault(&dir);
    let clock = Arc::new(ManualClock::new(real_now()));
    let admin = Waiaas::open(&dir, Some(pw()), &config(), host(&clock)).unwrap();
    let agent = admin.agent(&token).unwrap();
    let to = agent.address(None).unwrap();
    assert_eq!(
        agent.send(&transfer(&to, "0.001")).unwrap().status,
        TxStatus::Signed
    );
    let before = admin.transactions(&TxFilter::default()).unwrap().len();

    let filler = disk.fill();
    let mut refused = 0;
    for _ in 0..50 {
        match agent.send(&transfer(&to, "0.001")) {
            Ok(tx) => assert_eq!(tx.status, TxStatus::Signed, "{tx:?}"),
            Err(e) => {
                assert_eq!(e.code(), "STORAGE_FULL", "{e}");
                assert!(e.to_string().contains("free disk space"), "{e}");
                refused += 1;
            }
        }
        clock.advance(1);
    }
    assert!(refused > 0, "the full disk refused nothing");
    // Whatever was recorded is consistent: signed rows carry their signature.
    for t in admin.transactions(&TxFilter::default()).unwrap() {
        assert_eq!(t.status, TxStatus::Signed, "{t:?}");
        assert!(t.result.is_some(), "{t:?}");
    }

    std::fs::remove_file(filler).unwrap();
    let after = agent.send(&transfer(&to, "0.001")).unwrap();
    assert_eq!(after.status, TxStatus::Signed);
    assert!(admin.verify_audit_log().unwrap().is_intact());
    drop((agent, admin));
    let reopened = Waiaas::open(&dir, Some(pw()), &config(), host(&clock)).unwrap();
    let rows = reopened.transactions(&TxFilter::default()).unwrap();
    assert!(rows.len() > before, "{}", rows.len());
    assert!(rows.iter().all(|t| t.status == TxStatus::Signed));
    assert!(reopened.verify_audit_log().unwrap().is_intact());
}

/// Child half of the busy test: holds an exclusive lock on the database until its
/// stdin closes.
#[test]
fn child_hold_lock() {
    let Ok(db) = std::env::var("WAIAAS_FAULT_LOCK_DB") else {
        return; // Not running as the child.
    };
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
    println!("LOCKED");
    std::io::stdout().flush().unwrap();
    let _ = std::io::stdin().read_line(&mut String::new());
    conn.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_database_held_past_the_busy_timeout_is_a_typed_error_then_works_on_retry() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (_, token) = vault(&dir);
    let clock = Arc::new(ManualClock::new(real_now()));
    let config = Config {
        busy_timeout_ms: 200,
        ..config()
    };
    let admin = Waiaas::open(&dir, Some(pw()), &config, host(&clock)).unwrap();
    let agent = admin.agent(&token).unwrap();
    let to = agent.address(None).unwrap();

    let mut holder = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_hold_lock",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("WAIAAS_FAULT_LOCK_DB", dir.join(DB))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = Lines::read(&mut holder);
    lines.wait_for("LOCKED", Duration::from_secs(60));
    let started = Instant::now();
    let err = agent.send(&transfer(&to, "0.001")).unwrap_err();
    assert_eq!(err.code(), "STORAGE_BUSY", "{err}");
    assert!(err.to_string().contains("retry"), "{err}");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "it waited the busy timeout"
    );
    assert_eq!(err.to_info().code, "STORAGE_BUSY");

    drop(holder.stdin.take()); // the other process lets go
    holder.wait().unwrap();
    let tx = agent.send(&transfer(&to, "0.001")).unwrap();
    assert_eq!(tx.status, TxStatus::Signed);
    let rows = admin.transactions(&TxFilter::default()).unwrap();
    assert_eq!(rows.len(), 1, "the refused send left nothing: {rows:?}");
    assert!(admin.verify_audit_log().unwrap().is_intact());
}

/// What a damaged vault may answer: a typed refusal, never a panic.
const DAMAGED: [&str; 5] = [
    "VAULT_CORRUPT",
    "STORAGE_ERROR",
    "SCHEMA_TOO_NEW",
    "INVALID_MASTER_PASSWORD",
    "WALLET_NOT_FOUND",
];

#[test]
fn corrupted_pages_are_typed_errors_never_a_panic_nor_a_false_signed_row() {
    let tmp = tempfile::tempdir().unwrap();
    let pristine = tmp.path().join("pristine");
    let (_, token) = vault(&pristine);
    let clock = Arc::new(ManualClock::new(real_now()));
    let mut signed = HashMap::new();
    {
        let admin = Waiaas::open(&pristine, Some(pw()), &config(), host(&clock)).unwrap();
        let agent = admin.agent(&token).unwrap();
        let to = agent.address(None).unwrap();
        for _ in 0..20 {
            let tx = agent.send(&transfer(&to, "0.001")).unwrap();
            signed.insert(tx.id, tx.result.clone().unwrap().tx_hash.unwrap());
        }
    }
    // Everything in the main file: the copies below damage the database itself.
    checkpoint(&pristine.join(DB));
    let bytes = std::fs::read(pristine.join(DB)).unwrap();
    let page = 4096;
    let pages = bytes.len() / page;
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    // Garbage over the start of page n (its b-tree header and cell pointers) or its end
    // (where cells are stored), one page at a time; page 0 holds the file header.
    let spans = |n: usize| {
        [
            (n * page, n * page + 64),
            ((n + 1) * page - 1024, (n + 1) * page),
        ]
    };
    for (n, (from, to)) in (1..pages).flat_map(|n| spans(n).map(|s| (n, s))) {
        let dir = tmp.path().join(format!("damaged-{n}-{from}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut damaged = bytes.clone();
        for (i, b) in damaged[from..to].iter_mut().enumerate() {
            *b = u8::try_from((i * 37 + n) % 251).unwrap();
        }
        std::fs::write(dir.join(DB), &damaged).unwrap();
        let outcome = exercise(&dir, &token, &signed);
        *outcomes.entry(outcome).or_default() += 1;
        std::fs::remove_dir_all(&dir).unwrap();
    }
    println!("{pages} pages, each damaged at its start and at its end: {outcomes:?}");
    assert!(
        outcomes.keys().any(|k| k != "OK"),
        "no damage was noticed at all: {outcomes:?}"
    );
}

/// Folds the WAL into the database file, so the file alone is the vault.
fn checkpoint(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
}

/// Opens a damaged copy and uses it: `OK` (the damage fell where nothing reads, e.g.
/// a page's free space), the audit chain's verdict, or the first refusal's code (which
/// must be a damage code). Rows read back as SIGNED must be ones that were signed, with the
/// same hash.
fn exercise(dir: &Path, token: &str, signed: &HashMap<waiaas::TxId, String>) -> String {
    let clock = Arc::new(ManualClock::new(real_now() + 10));
    let refused = |e: waiaas::Error| {
        assert!(
            DAMAGED.contains(&e.code()),
            "{}: {e} ({})",
            dir.display(),
            e.code()
        );
        e.code().to_owned()
    };
    let admin = match Waiaas::open(dir, Some(pw()), &config(), host(&clock)) {
        Ok(a) => a,
        Err(e) => return refused(e),
    };
    match admin.transactions(&TxFilter::default()) {
        Ok(rows) => {
            for t in rows.iter().filter(|t| t.status == TxStatus::Signed) {
                let hash = t.result.as_ref().and_then(|r| r.tx_hash.as_ref());
                assert_eq!(hash, signed.get(&t.id), "{}: {t:?}", dir.display());
            }
        }
        Err(e) => return refused(e),
    }
    // The audit chain notices damage to the rows it covers.
    match admin.verify_audit_log() {
        Ok(v) if !v.is_intact() => return "AUDIT_CHAIN_BROKEN".to_owned(),
        Ok(_) => {}
        Err(e) => return refused(e),
    }
    let agent = match admin.agent(token) {
        Ok(a) => a,
        Err(e) if e.code() == "SESSION_NOT_FOUND" || e.code() == "INVALID_TOKEN" => {
            return e.code().to_owned();
        }
        Err(e) => return refused(e),
    };
    let sent = agent
        .address(None)
        .and_then(|to| agent.send(&transfer(&to, "0.001")));
    match sent {
        Ok(tx) => {
            assert_eq!(tx.status, TxStatus::Signed);
            "OK".to_owned()
        }
        Err(e) if e.code() == "POLICY_DENIED" => "POLICY_DENIED".to_owned(),
        Err(e) => refused(e),
    }
}
