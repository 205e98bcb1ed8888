//! How a connection is protected: the `sslmode` and `sslrootcert` of the database URL.
//!
//! With the `postgres-tls` feature every TLS connection verifies the server's
//! certificate chain and host name (libpq's `verify-full`), against the CA file named by
//! `sslrootcert` or, without it (or with libpq's `sslrootcert=system`), the Mozilla roots
//! (`webpki-roots`). So `sslmode=require` here is libpq's `verify-full`, and libpq's
//! `verify-ca` / `verify-full` are read as `require`. A URL that names a CA or asks for
//! TLS never falls back to plaintext; the default, `prefer`, does when the server (or
//! someone on the path) answers that it has no TLS. Without the feature a URL that asks
//! for TLS is refused, naming the feature. `sslmode` and `sslrootcert` are read from the
//! query of a `postgres://` URL; libpq's key/value form gets its parser's `sslmode` only.

use postgres::Config;
use postgres::config::SslMode;
use waiaas_core::error::StoreError;

/// What each new connection of a pool uses.
#[derive(Clone)]
pub(super) enum Connector {
    /// No TLS: `sslmode=disable`, or a build without `postgres-tls` and a URL that
    /// does not ask for it.
    Plain,
    /// TLS through rustls, verifying chain and host name.
    #[cfg(feature = "postgres-tls")]
    Rustls(rustls_connect::MakeRustls),
}

/// The URL's connection settings and the connector they call for.
///
/// # Errors
/// `STORAGE_ERROR` when the URL does not parse, names a CA file that cannot be read, asks
/// for TLS in a build without `postgres-tls`, or both names a CA and disables TLS. The
/// message never quotes the URL (it may hold a password).
pub(super) fn from_url(url: &str) -> Result<(Config, Connector), StoreError> {
    let (url, mode, root_cert) = split_tls_params(url)?;
    let mut config = parse(&url)?;
    let connector = match (mode.as_deref(), root_cert) {
        (Some("disable"), Some(_)) => {
            return Err(refused(
                "`sslrootcert` names a CA but `sslmode=disable` turns TLS off: drop one of them",
            ));
        }
        (Some("disable"), None) => Connector::Plain,
        (mode, root_cert) => {
            // A CA file asks for verified TLS: no silent plaintext fallback.
            if mode.is_some_and(|m| m != "prefer") || root_cert.is_some() {
                config.ssl_mode(SslMode::Require);
            }
            tls_connector(config.get_ssl_mode(), root_cert)?
        }
    };
    Ok((config, connector))
}

/// The URL checked as [`from_url`] does, without reading a CA file.
pub(super) fn check(url: &str) -> Result<(), StoreError> {
    parse(&split_tls_params(url)?.0).map(|_| ())
}

/// The parser's message may quote the URL, password included: not passed on.
fn parse(url: &str) -> Result<Config, StoreError> {
    url.parse().map_err(|_| {
        refused("not a PostgreSQL connection URL (postgres://user@host:port/database)")
    })
}

/// Whether `url` asks for TLS (`sslmode=require`, `verify-ca`, `verify-full`, or a CA
/// in `sslrootcert`); a URL that does not parse does not.
pub(super) fn asks_for_tls(url: &str) -> bool {
    split_tls_params(url).is_ok_and(|(rest, mode, root_cert)| {
        root_cert.is_some()
            || mode.as_deref() == Some("require")
            || rest
                .parse::<Config>()
                .is_ok_and(|c| c.get_ssl_mode() == SslMode::Require)
    })
}

#[cfg(feature = "postgres-tls")]
fn tls_connector(_: SslMode, root_cert: Option<String>) -> Result<Connector, StoreError> {
    Ok(Connector::Rustls(rustls_connect::MakeRustls::new(
        root_cert.as_deref(),
    )?))
}

#[cfg(not(feature = "postgres-tls"))]
fn tls_connector(mode: SslMode, root_cert: Option<String>) -> Result<Connector, StoreError> {
    if root_cert.is_some() || mode == SslMode::Require {
        return Err(refused(
            "the URL asks for TLS (`sslmode` or `sslrootcert`): build waiaas with the `postgres-tls` feature, or use `sslmode=disable` on a trusted network",
        ));
    }
    Ok(Connector::Plain)
}

/// The URL without `sslmode` and `sslrootcert`, with `sslmode` (libpq's `verify-ca` /
/// `verify-full` read as `require`) and `sslrootcert` (percent-decoded). Only a
/// `postgres://` URL has a query; a key/value string is left to its parser.
fn split_tls_params(url: &str) -> Result<(String, Option<String>, Option<String>), StoreError> {
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let Some((base, query)) = url.split_once('?').filter(|_| is_url) else {
        return Ok((url.to_owned(), None, None));
    };
    let mut kept = Vec::new();
    let mut mode = None;
    let mut root_cert = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match key {
            "sslmode" => &mut mode,
            "sslrootcert" => &mut root_cert,
            _ => {
                kept.push(pair);
                continue;
            }
        };
        if slot.is_some() {
            // The last would win in libpq: a later `sslmode=disable` would quietly
            // undo an earlier `require`.
            return Err(refused(&format!("`{key}` is given twice: keep one")));
        }
        *slot = Some(match key {
            "sslmode" => match value {
                "disable" | "prefer" | "require" => value.to_owned(),
                "verify-ca" | "verify-full" => "require".to_owned(),
                _ => {
                    return Err(refused(
                        "`sslmode` must be `disable`, `prefer`, `require`, `verify-ca` or `verify-full`",
                    ));
                }
            },
            _ => percent_decode(value)
                .ok_or_else(|| refused("`sslrootcert` is not a valid percent-encoded path"))?,
        });
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, mode, root_cert))
}

/// `value` percent-decoded; `None` for a bad escape, invalid UTF-8 or a control
/// character (the path is quoted in error messages).
fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i.checked_add(1)?..i.checked_add(3)?)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i = i.checked_add(3)?;
        } else {
            out.push(b);
            i = i.checked_add(1)?;
        }
    }
    String::from_utf8(out)
        .ok()
        .filter(|path| !path.chars().any(char::is_control))
}

fn refused(message: &str) -> StoreError {
    StoreError::Database {
        operation: "parse the database URL",
        message: message.to_owned(),
    }
}

/// The TLS failure behind a connection error, if it is one: a failed handshake (a
/// refused certificate, no host name to verify) is a set-up error to fix, not an outage
/// to retry.
#[cfg(feature = "postgres-tls")]
fn failure(e: &postgres::Error) -> Option<&rustls::Error> {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let found = s.downcast_ref::<rustls::Error>().or_else(|| {
            s.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if found.is_some() {
            return found;
        }
        source = s.source();
    }
    None
}

/// Whether `e` is a failed TLS handshake (never retryable).
#[cfg(feature = "postgres-tls")]
pub(super) fn is_failure(e: &postgres::Error) -> bool {
    failure(e).is_some()
}

#[cfg(not(feature = "postgres-tls"))]
pub(super) fn is_failure(_: &postgres::Error) -> bool {
    false
}

/// What to do about a connection error that is the server's certificate failing
/// verification, if it is one.
#[cfg(feature = "postgres-tls")]
pub(super) fn hint(e: &postgres::Error) -> Option<&'static str> {
    matches!(failure(e), Some(rustls::Error::InvalidCertificate(_))).then_some(
        "the server's certificate was not accepted: name its CA with `sslrootcert=/path/ca.pem` and connect with the host name the certificate was issued for",
    )
}

#[cfg(not(feature = "postgres-tls"))]
pub(super) fn hint(_: &postgres::Error) -> Option<&'static str> {
    None
}

#[cfg(feature = "postgres-tls")]
mod rustls_connect {
    //! tokio-postgres's TLS traits over tokio-rustls.

    use std::future::Future;
    use std::io;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
    use waiaas_core::error::StoreError;

    use super::refused;

    /// One rustls configuration shared by every connection of a pool.
    #[derive(Clone)]
    pub(in crate::postgres) struct MakeRustls(Arc<rustls::ClientConfig>);

    impl MakeRustls {
        /// Verifies against the certificates of the PEM file `root_cert`, or the
        /// Mozilla roots without one (or with `system`).
        pub(super) fn new(root_cert: Option<&str>) -> Result<Self, StoreError> {
            let mut roots = rustls::RootCertStore::empty();
            match root_cert.filter(|path| *path != "system") {
                Some(path) => {
                    let unreadable = |e: &dyn std::fmt::Display| {
                        refused(&format!("`sslrootcert` file `{path}` cannot be read: {e}"))
                    };
                    let certs = CertificateDer::pem_file_iter(path)
                        .map_err(|e| unreadable(&e))?
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| unreadable(&e))?;
                    let (added, _) = roots.add_parsable_certificates(certs);
                    if added == 0 {
                        return Err(refused(&format!(
                            "`sslrootcert` file `{path}` holds no usable PEM certificate"
                        )));
                    }
                }
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| refused(&format!("TLS set-up failed: {e}")))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(Self(Arc::new(config)))
        }
    }

    impl<S> MakeTlsConnect<S> for MakeRustls
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        type Stream = RustlsStream<S>;
        type TlsConnect = RustlsConnect;
        type Error = rustls::pki_types::InvalidDnsNameError;

        /// `host` is empty for a Unix socket or a URL with `hostaddr` alone: there is no
        /// name to verify a certificate against, so a handshake is refused (in
        /// `connect`), while a connection that needs none goes on (a server answers no
        /// to TLS on a Unix socket).
        fn make_tls_connect(&mut self, host: &str) -> Result<RustlsConnect, Self::Error> {
            Ok(RustlsConnect {
                config: self.0.clone(),
                server: (!host.is_empty())
                    .then(|| ServerName::try_from(host.to_owned()))
                    .transpose()?,
            })
        }
    }

    /// One connection's handshake with the host it was made for.
    pub(in crate::postgres) struct RustlsConnect {
        config: Arc<rustls::ClientConfig>,
        server: Option<ServerName<'static>>,
    }

    impl<S> TlsConnect<S> for RustlsConnect
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        type Stream = RustlsStream<S>;
        type Error = io::Error;
        type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

        fn connect(self, stream: S) -> Self::Future {
            let connector = tokio_rustls::TlsConnector::from(self.config);
            Box::pin(async move {
                // A rustls error inside, as for a refused certificate: not retryable.
                let server = self.server.ok_or_else(|| {
                    io::Error::other(rustls::Error::General(
                        "TLS needs the server's host name to verify its certificate (give `host`, not only `hostaddr`)"
                            .to_owned(),
                    ))
                })?;
                Ok(RustlsStream(connector.connect(server, stream).await?))
            })
        }
    }

    /// The encrypted stream. No channel binding is offered: SCRAM then authenticates
    /// without it, as libpq does by default (`channel_binding=require` is refused).
    pub(in crate::postgres) struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

    impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
        fn channel_binding(&self) -> ChannelBinding {
            ChannelBinding::none()
        }
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
        }
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().0).poll_flush(cx)
        }

        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: StoreError) -> String {
        e.to_string()
    }

    #[test]
    fn tls_parameters_are_taken_out_of_the_url_and_the_rest_kept() {
        let (url, mode, root) = split_tls_params(
            "postgres://u:pw@h:5432/db?application_name=a&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca%20x.pem&connect_timeout=3",
        )
        .unwrap();
        assert_eq!(
            url,
            "postgres://u:pw@h:5432/db?application_name=a&connect_timeout=3"
        );
        assert_eq!(mode.as_deref(), Some("require"));
        assert_eq!(root.as_deref(), Some("/tmp/ca x.pem"));
        // A key/value string has no query: a `?` in a value is the value's.
        let kv = "host=h password=a?sslmode=disable";
        assert_eq!(split_tls_params(kv).unwrap(), (kv.to_owned(), None, None));
        let (url, mode, root) = split_tls_params("postgres://h/db?sslmode=disable").unwrap();
        assert_eq!(
            (url.as_str(), mode.as_deref(), root),
            ("postgres://h/db", Some("disable"), None)
        );
    }

    #[test]
    fn a_bad_sslmode_or_root_path_is_refused_without_quoting_the_url() {
        for url in [
            "postgres://u:secretpw@h/db?sslmode=allow",
            "postgres://u:secretpw@h/db?sslrootcert=%zz",
            "postgres://u:secretpw@h/db?sslmode=disable&sslrootcert=/ca.pem",
            "postgres://u:secretpw@h/db?sslrootcert=/nonexistent/ca.pem",
            "postgres://u:secretpw@h/db?sslmode=require&sslmode=disable",
            "postgres://u:secretpw@h/db?sslrootcert=%+f",
            "postgres://u:secretpw@h/db?sslrootcert=ca%0A.pem",
        ] {
            let e = message(from_url(url).err().unwrap());
            assert!(!e.contains("secretpw"), "{e}");
            assert!(e.contains("sslmode") || e.contains("sslrootcert"), "{e}");
        }
    }

    #[test]
    fn which_urls_ask_for_tls() {
        for url in [
            "postgres://h/db?sslmode=require",
            "postgres://h/db?sslmode=verify-ca",
            "postgres://h/db?sslrootcert=/ca.pem",
            "host=h dbname=db sslmode=require",
        ] {
            assert!(asks_for_tls(url), "{url}");
        }
        for url in [
            "postgres://h/db",
            "postgres://h/db?sslmode=prefer",
            "postgres://h/db?sslmode=disable",
        ] {
            assert!(!asks_for_tls(url), "{url}");
        }
    }

    #[test]
    fn plaintext_only_when_the_url_allows_it() {
        assert!(matches!(
            from_url("postgres://h/db?sslmode=disable").unwrap().1,
            Connector::Plain
        ));
        let require = from_url("postgres://h/db?sslmode=require");
        if cfg!(feature = "postgres-tls") {
            let (config, connector) = require.unwrap();
            assert_eq!(config.get_ssl_mode(), SslMode::Require);
            assert!(!matches!(connector, Connector::Plain));
        } else {
            assert!(message(require.err().unwrap()).contains("postgres-tls"));
        }
    }
}
