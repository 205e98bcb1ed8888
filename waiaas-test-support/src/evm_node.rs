//! A local EVM node: anvil (npm package `@foundry-rs/anvil`, installed by `.ci/run` with
//! `npm ci --prefix .ci/tools`), started on 127.0.0.1 on a free port and killed when the
//! handle drops. `WAIAAS_ANVIL` names another binary.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Hardhat / anvil account #0 (hex, no `0x`), pre-funded with 10 000 ETH by anvil.
pub const KEY0: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// The chain id the tests give anvil (Ethereum Sepolia's).
pub const SEPOLIA_CHAIN_ID: u64 = 11_155_111;

/// A running anvil; killed on drop.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    port: u16,
}

impl Anvil {
    /// The binary: `WAIAAS_ANVIL`, else the one `npm ci --prefix .ci/tools` installs.
    ///
    /// # Panics
    /// When neither exists.
    #[must_use]
    pub fn binary() -> PathBuf {
        let path = std::env::var("WAIAAS_ANVIL").map_or_else(
            |_| {
                crate::testdata::repo_root()
                    .join(".ci/tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
            },
            PathBuf::from,
        );
        assert!(
            path.exists(),
            "anvil not found at {}: run `npm ci --prefix .ci/tools` (or set WAIAAS_ANVIL)",
            path.display()
        );
        path
    }

    /// Starts anvil with `chain_id` and waits (up to 20 s) until it answers
    /// `eth_chainId`.
    ///
    /// # Panics
    /// When the binary is missing or the node does not answer in time.
    #[must_use]
    pub fn start(chain_id: u64) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(Self::binary())
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--chain-id",
                &chain_id.to_string(),
                "--silent",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let anvil = Self { child, port };
        let start = Instant::now();
        while !anvil.answers() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "anvil did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        anvil
    }

    /// `http://127.0.0.1:<port>`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Whether the node answers a JSON-RPC `eth_chainId` with a result (plain HTTP over
    /// std, so this module needs no HTTP client).
    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#;
        let request = format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        reply.starts_with("HTTP/1.1 200") && reply.contains("\"result\"")
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
