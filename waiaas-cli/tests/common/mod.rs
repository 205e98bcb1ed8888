//! Runs the real `waiaas` binary in a temp data dir with a clean environment.

#![allow(dead_code, reason = "each test file uses a part")]
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "test helpers"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Variables the binary reads; removed so the caller's shell cannot leak into a test.
const ENV: [&str; 8] = [
    "WAIAAS_DATA_DIR",
    "WAIAAS_MASTER_PASSWORD",
    "WAIAAS_MASTER_PASSWORD_FILE",
    "WAIAAS_AUTO_PROVISION",
    "WAIAAS_SESSION_TOKEN",
    "WAIAAS_NEW_MASTER_PASSWORD_FILE",
    "WAIAAS_NOTIFY_SECRET",
    "XDG_CONFIG_HOME",
];

/// A temp home with `~/.waiaas` as the default data dir.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn data(&self) -> PathBuf {
        self.path().join(".waiaas")
    }

    /// `waiaas ARGS` with HOME set to this home and every WAIAAS_ variable removed.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_waiaas"));
        for name in ENV {
            cmd.env_remove(name);
        }
        cmd.env("HOME", self.path()).args(args);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs and expects success; returns stdout parsed as JSON.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "waiaas {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `init --auto-provision` and a Solana testnet wallet `bot`: the wallet as JSON and
    /// the master password (`recovery.key`, trimmed).
    pub fn with_wallet(&self) -> (Value, String) {
        self.json(&["init", "--auto-provision"]);
        let wallet = self.json(&[
            "wallet",
            "create",
            "--name",
            "bot",
            "--chain",
            "solana",
            "--network",
            "testnet",
        ]);
        let password = std::fs::read_to_string(self.data().join("recovery.key")).unwrap();
        (wallet, password.trim().to_owned())
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Expects failure with exit status 1 and `code` in the plain-words stderr.
pub fn assert_fails_with(out: &Output, code: &str) {
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(out));
    let err = stderr(out);
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains(&format!("({code})")),
        "expected {code} in: {err}"
    );
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A `waiaas start` process and the URL it printed.
pub struct Served {
    pub child: std::process::Child,
    pub url: String,
}

impl Served {
    /// Spawns `cmd` (a `waiaas start …`) and waits for its `listening on` line; the URL
    /// names 127.0.0.1 even when the server bound 0.0.0.0.
    pub fn spawn(mut cmd: Command) -> Self {
        use std::io::{BufRead as _, BufReader};
        // Built first, so a failure below drops it and kills the child (see `Drop`).
        let mut served = Self {
            child: cmd.stderr(std::process::Stdio::piped()).spawn().unwrap(),
            url: String::new(),
        };
        let mut stderr = BufReader::new(served.child.stderr.take().unwrap());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let mut line = String::new();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "the server exited before listening"
            );
            if let Some(url) = line.trim().strip_prefix("listening on ") {
                served.url = url.replace("0.0.0.0", "127.0.0.1");
                return served;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no `listening on` line"
            );
        }
    }

    /// `method path` with one header and an optional JSON body: the status and the JSON
    /// answer (`Null` when there is none).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        header: (&str, &str),
        body: Option<Value>,
    ) -> (u16, Value) {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.url))
            .header(header.0, header.1);
        let result = match body {
            Some(b) => http.run(
                request
                    .header("content-type", "application/json")
                    .body(b.to_string())
                    .unwrap(),
            ),
            None => http.run(request.body(()).unwrap()),
        };
        let mut response = result.unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_json().unwrap_or(Value::Null),
        )
    }

    /// The agent with `token` asks for its wallet's address: expects `wallet`'s.
    pub fn assert_agent_sees(&self, token: &str, wallet: &Value) {
        let bearer = format!("Bearer {token}");
        let (status, address) = self.call(
            "GET",
            "/v1/wallet/address",
            ("authorization", &bearer),
            None,
        );
        assert_eq!(
            (status, &address["address"]),
            (200, &wallet["address"]),
            "{address}"
        );
    }

    /// Ctrl-C (SIGINT), then expects a clean exit within 30 s.
    pub fn stop(&mut self) {
        let killed = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status:?}");
                return;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "still running after SIGINT"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    /// A test that failed midway leaves no server running.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
