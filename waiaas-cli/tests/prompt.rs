//! With no password source (no `WAIAAS_MASTER_PASSWORD[_FILE]`, no `recovery.key`) and
//! a terminal on stdin, the password is typed: `init` asks twice (a mismatch creates
//! nothing), later commands ask once. The terminal is a real pseudo-terminal made by
//! util-linux's `script`, which feeds it the typed lines.
#![allow(clippy::unwrap_used, reason = "test")]

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::{Home, stdout};

/// Runs `waiaas ARGS` on a pseudo-terminal with `typed` as the keyboard.
fn on_terminal(home: &Home, args: &str, typed: &str) -> (bool, String) {
    let line = format!("{} {args}", env!("CARGO_BIN_EXE_waiaas"));
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]);
    for name in [
        "WAIAAS_MASTER_PASSWORD",
        "WAIAAS_MASTER_PASSWORD_FILE",
        "WAIAAS_DATA_DIR",
    ] {
        cmd.env_remove(name);
    }
    let mut child = cmd
        .env("HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(typed.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), stdout(&out))
}

#[test]
fn init_asks_twice_and_later_commands_once() {
    let home = Home::new();
    let (ok, out) = on_terminal(&home, "init", "first-password\nsecond-password\n");
    assert!(!ok, "{out}");
    assert!(out.contains("CLI_PASSWORD_MISMATCH"), "{out}");
    assert!(!home.data().join("waiaas.db").exists());

    let typed = "correct-horse-battery\n";
    let (ok, out) = on_terminal(&home, "init", &typed.repeat(2));
    assert!(ok, "{out}");
    assert!(out.contains("repeat the master password"), "{out}");
    assert!(!home.data().join("recovery.key").exists());

    // The typed password is the vault's: a later command asks for it once.
    let (ok, out) = on_terminal(&home, "wallet list", typed);
    assert!(ok, "{out}");
    assert!(out.contains("no wallets"), "{out}");
    let (ok, out) = on_terminal(&home, "wallet list", "wrong-password\n");
    assert!(!ok, "{out}");
    assert!(out.contains("INVALID_MASTER_PASSWORD"), "{out}");
}

#[test]
fn without_a_terminal_nothing_is_asked_and_the_error_says_what_to_set() {
    let home = Home::new();
    let out = home.run(&["init"]);
    common::assert_fails_with(&out, "MASTER_PASSWORD_REQUIRED");
    assert!(!home.data().join("waiaas.db").exists());
}
