//! Runs the real `waiaas` binary in a temp data dir with a clean environment.

#![allow(dead_code, reason = "each test file uses a part")]
#![allow(clippy::unwrap_used, reason = "test helpers")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Variables the binary reads; removed so the caller's shell cannot leak into a test.
const ENV: [&str; 7] = [
    "WAIAAS_DATA_DIR",
    "WAIAAS_MASTER_PASSWORD",
    "WAIAAS_MASTER_PASSWORD_FILE",
    "WAIAAS_AUTO_PROVISION",
    "WAIAAS_SESSION_TOKEN",
    "WAIAAS_NEW_MASTER_PASSWORD_FILE",
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
