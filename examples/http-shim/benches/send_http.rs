//! An INSTANT Solana send over loopback HTTP: `POST /v1/transactions/send` on a real
//! `waiaas-http` server (keep-alive connection, Bearer token, JSON in and out), i.e. the
//! in-process send of `benches/benches/send.rs` plus HTTP, auth and the response body.
//! Target p50 ≤ 1 ms (issue 11).
//!
//! `cargo bench -p waiaas-http --bench send_http`; figures in `docs/PERFORMANCE.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    missing_docs,
    reason = "benchmark harness"
)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use waiaas::{Config, Durability, SecretString, Settings};
use waiaas_benches::percentiles;
use waiaas_http::{Server, ServerConfig, Unlock, open_vault};

const PASSWORD: &str = "bench-password";
const TO: &str = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";

/// A running server with one wallet, its INSTANT policy and a session token; the
/// runtime thread ends with the process.
struct Running {
    _dir: tempfile::TempDir,
    url: String,
    token: String,
    http: ureq::Agent,
}

impl Running {
    fn post(&self, path: &str, auth: (&str, &str), body: &Value) -> (u16, Value) {
        let mut resp = self
            .http
            .post(format!("{}{path}", self.url))
            .header(auth.0, auth.1)
            .send_json(body)
            .unwrap();
        (resp.status().as_u16(), resp.body_mut().read_json().unwrap())
    }
}

fn start(durability: Durability) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let mut config: ServerConfig = serde_json::from_value(
        // No per-session request limit: the bench sends thousands a minute on purpose.
        json!({ "port": 0, "prices": [{"asset": "native:solana-devnet", "usd": "100"}], "publicRpc": false, "agentRequestsPerMinute": 0 }),
    )
    .unwrap();
    config.waiaas = Config {
        durability,
        ..Config::for_tests()
    };
    let (admin, prices) = open_vault(
        &config,
        &dir.path().join("v"),
        Some(SecretString::from(PASSWORD.to_owned())),
        Unlock::Create,
    )
    .unwrap();
    // AutoStop's send counter off, as in the in-process bench: only the policy decides.
    admin
        .set_settings(&Settings {
            auto_stop_max_sends: 0,
            ..Settings::default()
        })
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = Server::bind(&config, admin, prices).await.unwrap();
            tx.send(server.local_addr().unwrap()).unwrap();
            server.serve(std::future::pending()).await.unwrap();
        });
    });
    let addr = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut running = Running {
        _dir: dir,
        url: format!("http://{addr}"),
        token: String::new(),
        http,
    };
    let operator = ("x-master-password", PASSWORD);
    let (status, wallet) = running.post(
        "/v1/wallets",
        operator,
        &json!({"name": "bench", "network": "solana-devnet"}),
    );
    assert_eq!(status, 201, "{wallet}");
    let wallet_id = wallet["id"].as_str().unwrap().to_owned();
    let (status, policy) = running.post(
        "/v1/policies",
        operator,
        &json!({"walletId": wallet_id, "type": "SPENDING_LIMIT",
                "rules": {"instant_max_usd": "1000000000", "daily_limit_usd": "1000000000000"}}),
    );
    assert_eq!(status, 201, "{policy}");
    let (status, session) = running.post("/v1/sessions", operator, &json!({"walletId": wallet_id}));
    assert_eq!(status, 201, "{session}");
    running.token = format!("Bearer {}", session["token"].as_str().unwrap());
    running
}

fn bench(c: &mut Criterion) {
    // `cargo test --benches` (CI's smoke run) passes no `--bench`: a few calls suffice.
    let n = if std::env::args().any(|a| a == "--bench") {
        2_000
    } else {
        20
    };
    for (durability, label) in [(Durability::Normal, "normal"), (Durability::Full, "full")] {
        let server = start(durability);
        let request = json!({"type": "TRANSFER", "to": TO, "amount": "100000",
                             "chain": {"recentBlockhash": "11111111111111111111111111111111"}});
        let send = || {
            let (status, tx) = server.post(
                "/v1/transactions/send",
                ("authorization", &server.token),
                &request,
            );
            assert_eq!(
                (status, tx["status"].as_str()),
                (200, Some("SIGNED")),
                "{tx}"
            );
        };
        let name = format!("send_http_solana_{label}");
        let _ = percentiles(&name, n, send);
        let mut g = c.benchmark_group("send_http");
        g.sample_size(20);
        g.bench_function(&name, |b| b.iter(send));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
