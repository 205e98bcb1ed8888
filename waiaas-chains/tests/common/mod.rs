//! Shared test fixtures: a real vault (SQLite in a temp dir, insecure test KDF profile).

#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test fixtures"
)]

use std::path::PathBuf;
use std::sync::Arc;

use waiaas_core::{KdfParams, Network, SecretString, Vault, VaultOptions, WalletInfo, WalletKey};
use waiaas_store::{SqliteStore, StoreOptions};

/// A vault in a temp dir; the dir lives as long as this value.
pub struct TestVault {
    pub vault: Vault,
    pub dir: tempfile::TempDir,
}

pub fn vault() -> TestVault {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("vault.db"), &StoreOptions::default()).unwrap();
    let vault = Vault::create(
        Arc::new(store),
        &SecretString::from("correct horse battery staple"),
        KdfParams::insecure_for_tests(),
        VaultOptions {
            allow_insecure_kdf: true,
            ..VaultOptions::default()
        },
    )
    .unwrap();
    TestVault { vault, dir }
}

/// Imports a wallet from a known secret (EVM hex, or Solana 32-byte seed as hex).
pub fn wallet_from_secret(
    vault: &Vault,
    name: &str,
    network: Network,
    secret_hex: &str,
) -> WalletInfo {
    let bytes: [u8; 32] = hex::decode(secret_hex.trim_start_matches("0x"))
        .unwrap()
        .try_into()
        .unwrap();
    let key = WalletKey::from_secret_bytes(network.chain(), &bytes).unwrap();
    vault.insert_wallet(name, network, &key).unwrap()
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Reads a file under `testdata/`.
pub fn testdata(path: &str) -> String {
    std::fs::read_to_string(repo_root().join("testdata").join(path)).unwrap()
}

/// A minimal HTTP/1.1 JSON-RPC server on 127.0.0.1 for tests: each request body is
/// parsed as JSON-RPC and answered by `handler` (`Ok(result)` or `Err(error object)`,
/// or `Err(Value::Null)` to answer HTTP 503). One connection per request.
pub struct RpcServer {
    pub url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    addr: std::net::SocketAddr,
}

impl RpcServer {
    pub fn start<F>(handler: F) -> Self
    where
        F: Fn(&str, &serde_json::Value) -> Result<serde_json::Value, serde_json::Value>
            + Send
            + 'static,
    {
        use std::io::{BufRead, BufReader, Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("content-length")
                    {
                        length = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0u8; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let method = request["method"].as_str().unwrap_or_default().to_owned();
                let (status, reply) = match handler(&method, &request["params"]) {
                    Ok(result) => (
                        "200 OK",
                        serde_json::json!({"jsonrpc": "2.0", "id": request["id"], "result": result}),
                    ),
                    Err(serde_json::Value::Null) => {
                        ("503 Service Unavailable", serde_json::json!({}))
                    }
                    Err(error) => (
                        "200 OK",
                        serde_json::json!({"jsonrpc": "2.0", "id": request["id"], "error": error}),
                    ),
                };
                let text = reply.to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
            }
        });
        RpcServer {
            url: format!("http://{addr}"),
            stop,
            thread: Some(thread),
            addr,
        }
    }
}

impl Drop for RpcServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop.
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
