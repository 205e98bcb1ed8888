//! TLS to PostgreSQL (feature `postgres-tls`), against the test server's TLS listener:
//! `.ci/postgres.sh` issues it a certificate for `127.0.0.1` only, signed by a CA of its
//! own (`WAIAAS_TEST_POSTGRES_CA`). What the server saw is read back independently from
//! `pg_stat_ssl` over a plain connection, by the `application_name` each store's URL sets.
#![cfg(feature = "postgres-tls")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is a test failure"
)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use waiaas_core::error::StoreError;
use waiaas_store::test_database::{TestSchema, ca_file};
use waiaas_store::{PgOptions, PgStore};

/// The schema's URL with its TLS parameters replaced by `tls` and a unique
/// `application_name` (returned too).
fn url_with(schema: &TestSchema, tls: &str) -> (String, String) {
    let app = format!("tls_{}", schema.name());
    let (base, query) = schema.url().split_once('?').unwrap();
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.starts_with("sslmode=") && !p.starts_with("sslrootcert="))
        .collect();
    let app_param = format!("application_name={app}");
    params.push(&app_param);
    if !tls.is_empty() {
        params.push(tls);
    }
    (format!("{base}?{}", params.join("&")), app)
}

/// Whether each connection of `app` uses TLS, and its protocol version, as the server
/// reports them.
fn seen_by_server(schema: &TestSchema, app: &str) -> Vec<(bool, Option<String>)> {
    schema
        .client()
        .query(
            "SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = $1",
            &[&app],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

fn fixture() -> Option<(TestSchema, String)> {
    Some((TestSchema::fresh()?, ca_file()?))
}

#[test]
fn the_servers_ca_gives_a_verified_tls_connection() {
    let Some((schema, ca)) = fixture() else {
        return;
    };
    for tls in [
        format!("sslmode=require&sslrootcert={ca}"),
        // libpq's strictest mode, which is what `require` does here.
        format!("sslmode=verify-full&sslrootcert={ca}"),
        // A CA file alone asks for TLS.
        format!("sslrootcert={ca}"),
    ] {
        let (url, app) = url_with(&schema, &tls);
        let store = PgStore::connect(&url, &PgOptions::default()).unwrap();
        // A pooled connection that stays open while the server is asked.
        assert!(store.schema_version().unwrap() > 0);
        let seen = seen_by_server(&schema, &app);
        assert!(!seen.is_empty(), "{tls}: no connection seen");
        for (ssl, version) in seen {
            assert!(ssl, "{tls}: a plaintext connection");
            assert!(version.unwrap().starts_with("TLSv1."), "{tls}");
        }
    }
}

#[test]
fn a_certificate_no_trusted_ca_signed_is_refused_never_downgraded() {
    let Some((schema, _)) = fixture() else { return };
    // `require` without the CA: the Mozilla roots do not know the test CA. The default
    // (`prefer`) tries TLS as the server offers it, and does not fall back to plaintext
    // when the certificate fails.
    for tls in ["sslmode=require", ""] {
        let (url, app) = url_with(&schema, tls);
        let e = PgStore::connect(&url, &PgOptions::default()).unwrap_err();
        // Something to fix, not an outage to retry.
        assert!(matches!(e, StoreError::Database { .. }), "{tls}: {e:?}");
        let message = e.to_string();
        assert!(message.contains("TLS handshake"), "{tls}: {message}");
        assert!(
            message.contains("sslrootcert"),
            "{tls}: says what to fix: {message}"
        );
        assert!(seen_by_server(&schema, &app).is_empty(), "{tls}");
    }
}

#[test]
fn a_host_name_the_certificate_does_not_name_is_refused() {
    let Some((schema, ca)) = fixture() else {
        return;
    };
    let (url, app) = url_with(&schema, &format!("sslmode=require&sslrootcert={ca}"));
    // The certificate names 127.0.0.1 only: the same server, reached at the same
    // address (`hostaddr`), but verified as `localhost`.
    let url = url.replacen("@127.0.0.1:", "@localhost:", 1) + "&hostaddr=127.0.0.1";
    assert!(
        url.contains("@localhost:"),
        "the test server is on 127.0.0.1: {url}"
    );
    let e = PgStore::connect(&url, &PgOptions::default()).unwrap_err();
    assert!(e.to_string().contains("not accepted"), "{e}");
    assert!(seen_by_server(&schema, &app).is_empty());
}

#[test]
fn sslmode_disable_is_plaintext_and_refuses_a_ca_file() {
    let Some((schema, ca)) = fixture() else {
        return;
    };
    let (url, app) = url_with(&schema, "sslmode=disable");
    let store = PgStore::connect(&url, &PgOptions::default()).unwrap();
    store.schema_version().unwrap();
    let seen = seen_by_server(&schema, &app);
    assert!(!seen.is_empty() && seen.iter().all(|(ssl, _)| !ssl));

    let (url, _) = url_with(&schema, &format!("sslmode=disable&sslrootcert={ca}"));
    let e = PgStore::connect(&url, &PgOptions::default()).unwrap_err();
    assert!(e.to_string().contains("sslmode=disable"), "{e}");
}

#[test]
fn an_unreadable_ca_file_is_named() {
    let Some((schema, _)) = fixture() else { return };
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    for path in [dir.path().join("missing.pem"), not_pem] {
        let path = path.display().to_string();
        let (url, _) = url_with(&schema, &format!("sslmode=require&sslrootcert={path}"));
        let e = PgStore::connect(&url, &PgOptions::default()).unwrap_err();
        assert!(e.to_string().contains(&path), "{e}");
    }
}

#[test]
fn a_unix_socket_connects_without_tls_unless_tls_is_required() {
    let Some((schema, _)) = fixture() else { return };
    // The test server's socket is in /tmp (`-k /tmp`); PostgreSQL has no TLS there.
    let (url, app) = url_with(&schema, "");
    let socket_url = url.replacen("@127.0.0.1:", "@%2Ftmp:", 1);
    let store = PgStore::connect(&socket_url, &PgOptions::default()).unwrap();
    store.schema_version().unwrap();
    let seen = seen_by_server(&schema, &app);
    assert!(!seen.is_empty() && seen.iter().all(|(ssl, _)| !ssl));

    let (url, _) = url_with(&schema, "sslmode=require");
    let socket_url = url.replacen("@127.0.0.1:", "@%2Ftmp:", 1);
    assert!(PgStore::connect(&socket_url, &PgOptions::default()).is_err());
}

/// A server (or someone on the path) that answers "no TLS" to the client's request:
/// whether the client then went on in plaintext (sent its startup message).
fn against_a_server_without_tls(url_of: impl FnOnce(u16) -> String) -> bool {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut ssl_request = [0u8; 8];
        stream.read_exact(&mut ssl_request).unwrap();
        assert_eq!(
            ssl_request,
            [0, 0, 0, 8, 4, 210, 22, 47],
            "an SSLRequest first"
        );
        stream.write_all(b"N").unwrap();
        let mut next = [0u8; 1];
        matches!(stream.read(&mut next), Ok(1))
    });
    let options = PgOptions {
        acquire_timeout: Duration::from_secs(5),
        ..PgOptions::default()
    };
    assert!(PgStore::connect(&url_of(port), &options).is_err());
    server.join().unwrap()
}

#[test]
fn a_server_that_answers_no_tls_gets_no_plaintext_when_tls_was_asked_for() {
    let Some((_, ca)) = fixture() else { return };
    for tls in ["sslmode=require".to_owned(), format!("sslrootcert={ca}")] {
        let plaintext = against_a_server_without_tls(|port| {
            format!("postgres://waiaas:s3cret@127.0.0.1:{port}/db?{tls}")
        });
        assert!(!plaintext, "{tls}: went on in plaintext");
    }
    // The default (`prefer`) does go on: what `require` is for, and the proof that
    // the stand-in server sees a plaintext startup when one comes.
    assert!(against_a_server_without_tls(|port| format!(
        "postgres://waiaas:s3cret@127.0.0.1:{port}/db"
    )));
}
