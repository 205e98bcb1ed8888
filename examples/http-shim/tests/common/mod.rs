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

pub const PASSWORD: &str = "my-secure-password";

/// A running server; stopped (and its vault dir removed) on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    pub url: String,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    http: ureq::Agent,
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
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    TestServer {
        addr,
        url: format!("http://{addr}"),
        dir,
        stop: Some(stop),
        thread: Some(thread),
        http,
    }
}

/// A response: status, JSON body (`Null` when empty), headers of interest.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
}

impl TestServer {
    /// `method path` with `headers` and an optional JSON body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        let url = format!("{}{path}", self.url);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let result = match body {
            Some(b) => {
                let req = builder
                    .header("content-type", "application/json")
                    .body(b.to_string())
                    .unwrap();
                self.http.run(req)
            }
            None => self.http.run(builder.body(()).unwrap()),
        };
        let mut resp = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let retry_after = header("retry-after");
        let text = resp.body_mut().read_to_string().unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {text}"))
        };
        Reply {
            status,
            body,
            content_type,
            retry_after,
        }
    }

    pub fn operator(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.call(method, path, &[("x-master-password", PASSWORD)], body)
    }

    pub fn agent(&self, token: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let auth = format!("Bearer {token}");
        self.call(method, path, &[("authorization", &auth)], body)
    }

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

/// Asserts an error reply: status, code, the body shape of item 3.
pub fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(reply.body["code"], code, "{reply:?}");
    assert!(reply.body["message"].is_string(), "{reply:?}");
    assert!(reply.body["retryable"].is_boolean(), "{reply:?}");
    assert!(
        reply
            .content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json")),
        "{reply:?}"
    );
}
