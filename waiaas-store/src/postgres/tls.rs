//! How a connection is protected: the `sslmode` and `sslrootcert` of the database URL.
//!
//! With the `postgres-tls` feature every TLS connection verifies the server's
//! certificate chain and host name (libpq's `verify-full`), against the CA file named by
//! `sslrootcert` or, without it, the Mozilla roots (`webpki-roots`). So `sslmode=require`
//! here is libpq's `verify-full`, and libpq's `verify-ca` / `verify-full` are read as
//! `require`. A URL that names a CA file or asks for TLS never falls back to plaintext.
//! Without the feature a URL that asks for TLS is refused, naming the feature.

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
    let mut config: Config = url.parse().map_err(|_| {
        refused("not a PostgreSQL connection URL (postgres://user@host:port/database)")
    })?;
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

/// Whether `url` asks for TLS (`sslmode=require`, `verify-ca`, `verify-full`, or a CA
/// file in `sslrootcert`); a URL that does not parse does not.
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

/// The URL without `sslmode` and `sslrootcert`, with `sslmode` (lowercase, libpq's
/// `verify-ca` / `verify-full` read as `require`) and `sslrootcert` (percent-decoded).
fn split_tls_params(url: &str) -> Result<(String, Option<String>, Option<String>), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None, None));
    };
    let mut kept = Vec::new();
    let mut mode = None;
    let mut root_cert = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => {
                mode = Some(match value {
                    "disable" | "prefer" | "require" => value.to_owned(),
                    "verify-ca" | "verify-full" => "require".to_owned(),
                    _ => {
                        return Err(refused(
                            "`sslmode` must be `disable`, `prefer`, `require`, `verify-ca` or `verify-full`",
                        ));
                    }
                });
            }
            "sslrootcert" => {
                root_cert =
                    Some(percent_decode(value).ok_or_else(|| {
                        refused("`sslrootcert` is not a valid percent-encoded path")
                    })?);
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, mode, root_cert))
}

fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = std::str::from_utf8(bytes.get(i.checked_add(1)?..i.checked_add(3)?)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i = i.checked_add(3)?;
        } else {
            out.push(b);
            i = i.checked_add(1)?;
        }
    }
    String::from_utf8(out).ok()
}

fn refused(message: &str) -> StoreError {
    StoreError::Database {
        operation: "parse the database URL",
        message: message.to_owned(),
    }
}

/// What to do about a connection error that is the server's certificate failing
/// verification, if it is one.
#[cfg(feature = "postgres-tls")]
pub(super) fn hint(e: &postgres::Error) -> Option<&'static str> {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let rustls_error = s.downcast_ref::<rustls::Error>().or_else(|| {
            s.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(rustls::Error::InvalidCertificate(_)) = rustls_error {
            return Some(
                "the server's certificate was not accepted: name its CA with `sslrootcert=/path/ca.pem` and connect with the host name the certificate was issued for",
            );
        }
        source = s.source();
    }
    None
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
        /// Mozilla roots without one.
        pub(super) fn new(root_cert: Option<&str>) -> Result<Self, StoreError> {
            let mut roots = rustls::RootCertStore::empty();
            match root_cert {
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

        fn make_tls_connect(&mut self, host: &str) -> Result<RustlsConnect, Self::Error> {
            Ok(RustlsConnect {
                config: self.0.clone(),
                server: ServerName::try_from(host.to_owned())?,
            })
        }
    }

    /// One connection's handshake with the host it was made for.
    pub(in crate::postgres) struct RustlsConnect {
        config: Arc<rustls::ClientConfig>,
        server: ServerName<'static>,
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
            Box::pin(async move { Ok(RustlsStream(connector.connect(self.server, stream).await?)) })
        }
    }

    /// The encrypted stream. No channel binding is offered: SCRAM then authenticates
    /// without it, as libpq does by default.
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
