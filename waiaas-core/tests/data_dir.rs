//! Password sources in their documented order, recovery.key provisioning.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

use std::ffi::OsString;
use std::io::Write as _;

use waiaas_core::{DataDir, ErrorCode, ExposeSecret, PasswordOrigin, SecretString};

fn env_of(pairs: &[(&str, OsString)]) -> impl Fn(&str) -> Option<OsString> {
    let pairs: Vec<(String, OsString)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

#[test]
fn sources_are_tried_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path());
    let file = dir.path().join("pw.txt");
    std::fs::write(&file, "  from-file \n").unwrap();
    data.provision_recovery_key().unwrap();
    let all = [
        ("WAIAAS_MASTER_PASSWORD", OsString::from("from-env")),
        ("WAIAAS_MASTER_PASSWORD_FILE", file.clone().into_os_string()),
    ];
    let (pw, origin) = data
        .resolve_password_with(
            Some(SecretString::from("explicit".to_owned())),
            env_of(&all),
        )
        .unwrap();
    assert_eq!(
        (pw.expose_secret(), origin),
        ("explicit", PasswordOrigin::Argument)
    );
    let (pw, origin) = data.resolve_password_with(None, env_of(&all)).unwrap();
    assert_eq!(
        (pw.expose_secret(), origin),
        ("from-env", PasswordOrigin::Env)
    );
    let (pw, origin) = data.resolve_password_with(None, env_of(&all[1..])).unwrap();
    assert_eq!(
        (pw.expose_secret(), origin),
        ("from-file", PasswordOrigin::EnvFile),
        "file is trimmed"
    );
    let (pw, origin) = data.resolve_password_with(None, env_of(&[])).unwrap();
    assert_eq!(origin, PasswordOrigin::RecoveryKey);
    assert_eq!(pw.expose_secret().len(), 64);
    assert!(pw.expose_secret().bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn empty_or_unreadable_sources_are_errors_not_fallthrough() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path());
    data.provision_recovery_key().unwrap();
    let empty_file = dir.path().join("empty.txt");
    let mut f = std::fs::File::create(&empty_file).unwrap();
    f.write_all(b" \n\t").unwrap();
    for env in [
        vec![("WAIAAS_MASTER_PASSWORD", OsString::new())],
        vec![(
            "WAIAAS_MASTER_PASSWORD_FILE",
            empty_file.clone().into_os_string(),
        )],
        vec![(
            "WAIAAS_MASTER_PASSWORD_FILE",
            OsString::from("/no/such/file"),
        )],
        vec![("WAIAAS_MASTER_PASSWORD_FILE", OsString::new())],
    ] {
        let err = data.resolve_password_with(None, env_of(&env)).unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED", "{env:?}");
    }
}

#[test]
fn no_source_at_all_is_master_password_required() {
    let dir = tempfile::tempdir().unwrap();
    let err = DataDir::new(dir.path())
        .resolve_password_with(None, |_| None)
        .unwrap_err();
    assert_eq!(err.code(), "MASTER_PASSWORD_REQUIRED");
}

#[test]
fn recovery_key_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path());
    let first = data.provision_recovery_key().unwrap();
    assert_eq!(
        data.provision_recovery_key().unwrap_err().code(),
        "STORAGE_ERROR"
    );
    let on_disk = std::fs::read_to_string(data.recovery_key_path()).unwrap();
    assert_eq!(on_disk.trim(), first.expose_secret());
}

#[test]
fn the_real_environment_is_read() {
    // A child process with a real environment variable, since tests cannot mutate
    // their own environment safely.
    if let Ok(dir) = std::env::var("WAIAAS_TEST_DATA_DIR") {
        let (pw, origin) = DataDir::new(dir).resolve_password(None).unwrap();
        println!("\nCHILD={origin:?}:{}", pw.expose_secret());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["the_real_environment_is_read", "--exact", "--nocapture"])
        .env("WAIAAS_TEST_DATA_DIR", dir.path())
        .env("WAIAAS_MASTER_PASSWORD", "hunter2-from-env")
        .env_remove("WAIAAS_MASTER_PASSWORD_FILE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("CHILD=Env:hunter2-from-env"), "{stdout}");
}
