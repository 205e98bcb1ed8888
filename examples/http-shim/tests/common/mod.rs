//! A real server on a free 127.0.0.1 port over a real vault (fast test KDF) in a temp
//! dir, and a blocking HTTP client that returns every status as data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code,
    reason = "test helpers"
)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::{Value, json};
use waiaas::{Config, SecretString};
use waiaas_http::{Server, ServerConfig, Unlock, open_vault};

pub mod client;

#[allow(unused_imports, reason = "each test file uses a part")]
pub use client::{Client, PASSWORD, Reply, assert_error};

/// A running server; stopped (and its vault dir removed) on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    client: Client,
}

impl std::ops::Deref for TestServer {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The test settings: port 0, the fast KDF, `rpc` as given.
pub fn config(rpc: &[(&str, &str)], prices: Value) -> ServerConfig {
    let mut config: ServerConfig =
        serde_json::from_value(json!({ "port": 0, "prices": prices, "publicRpc": false })).unwrap();
    config.waiaas = Config::for_tests();
    config.scheduler_interval_ms = 50;
    for (network, url) in rpc {
        config.add_rpc(&format!("{network}={url}")).unwrap();
    }
    config
}

pub fn start(config: ServerConfig) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("vault");
    let (admin, prices) = open_vault(
        &config,
        &data,
        Some(SecretString::from(PASSWORD.to_owned())),
        Unlock::Create,
    )
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = Server::bind(&config, admin, prices).await.unwrap();
            tx.send(server.local_addr().unwrap()).unwrap();
            server
                .serve(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
    });
    let addr = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    TestServer {
        addr,
        dir,
        stop: Some(stop),
        thread: Some(thread),
        client: Client::new(&format!("http://{addr}")),
    }
}

impl TestServer {
    /// Raw bytes on a fresh connection (bad Host, odd bodies); the status and body.
    pub fn raw(&self, request: &[u8]) -> (u16, String) {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(request).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {text:?}"));
        let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
        (status, body)
    }
}
