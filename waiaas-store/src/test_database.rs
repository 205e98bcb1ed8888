//! A throwaway schema on the test PostgreSQL server (features `conformance` and
//! `postgres`), for the tests of every crate that runs a [`PgStore`](crate::PgStore).
//!
//! The server is named by `WAIAAS_TEST_POSTGRES_URL` (`.ci/postgres.sh` starts one and
//! exports it). Without it, [`TestSchema::fresh`] is `None` on a developer's machine (the
//! tests that need it pass without running) and panics in CI (`CI` set to `true`), so
//! a CI run can never skip them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    reason = "test code: a panic is a test failure"
)]

use postgres::{Client, NoTls};

/// The variable naming the test server.
pub const URL_VAR: &str = "WAIAAS_TEST_POSTGRES_URL";

/// The variable naming the PEM file of the CA that signed the test server's TLS
/// certificate (issued for `127.0.0.1` only).
pub const CA_VAR: &str = "WAIAAS_TEST_POSTGRES_CA";

/// The test server's URL: `None` without one outside CI; panics without one in CI.
#[must_use]
pub fn server_url() -> Option<String> {
    required_var(URL_VAR)
}

/// The test server's CA file ([`CA_VAR`]): `None` without one outside CI; panics
/// without one in CI.
#[must_use]
pub fn ca_file() -> Option<String> {
    required_var(CA_VAR)
}

fn required_var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Some(value),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{name} is not set: CI must start PostgreSQL (.ci/postgres.sh)")
        }
        _ => None,
    }
}

/// A schema of its own on the test server, dropped with everything in it on drop.
/// Every connection made with [`TestSchema::url`] works in it (and only in it).
#[derive(Debug)]
pub struct TestSchema {
    server: String,
    name: String,
    url: String,
}

impl TestSchema {
    /// A new empty schema, or `None` without a test server (outside CI).
    #[must_use]
    pub fn fresh() -> Option<Self> {
        let server = server_url()?;
        let name = format!("t_{}", uuid_like());
        let mut client = Client::connect(&server, NoTls).expect("connect to the test server");
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .expect("create a test schema");
        Some(Self::named(server, name))
    }

    /// An existing schema by name (another process of the same test made it).
    #[must_use]
    pub fn attach(name: &str) -> Option<Self> {
        Some(Self::named(server_url()?, name.to_owned()))
    }

    fn named(server: String, name: String) -> Self {
        let sep = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{sep}options=-c%20search_path%3D{name}");
        Self { server, name, url }
    }

    /// Its name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A URL whose connections work in this schema.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A plain client in this schema (to tamper with rows behind a store's back).
    #[must_use]
    pub fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("connect to the test schema")
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        // Best effort: a schema left behind by a killed test is only clutter.
        if let Ok(mut client) = Client::connect(&self.server, NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

/// 32 hex characters from the clock and the process id: unique per test.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{nanos:x}{:x}{:x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
