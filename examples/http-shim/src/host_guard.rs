//! Answers only requests whose `Host` is a loopback name or one the operator allowed:
//! a web page the operator visits cannot reach the server through a DNS name that
//! resolves to 127.0.0.1 (DNS rebinding).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use waiaas::api::RequestError;

use crate::error::ApiError;

/// The `Host` names a server answers.
#[derive(Debug, Clone)]
pub struct AllowedHosts(pub Arc<Vec<String>>);

/// The host part of a `Host` header value (`[::1]:3100` → `[::1]`, `a:80` → `a`).
fn host_name(value: &str) -> &str {
    if value.starts_with('[') {
        return value.split_inclusive(']').next().unwrap_or(value);
    }
    match value.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => value,
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The middleware.
pub(crate) async fn guard(
    State(allowed): State<AllowedHosts>,
    req: Request,
    next: Next,
) -> Response {
    let value = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let host = host_name(value);
    let ok = is_loopback(host) || allowed.0.iter().any(|a| a.eq_ignore_ascii_case(host));
    if ok {
        next.run(req).await
    } else {
        ApiError::from(RequestError::HostNotAllowed {
            host: host.chars().take(100).collect(),
        })
        .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_and_loopback() {
        assert_eq!(host_name("127.0.0.1:3100"), "127.0.0.1");
        assert_eq!(host_name("[::1]:3100"), "[::1]");
        assert_eq!(host_name("localhost"), "localhost");
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("127.1.2.3"));
        assert!(is_loopback("LOCALHOST"));
        assert!(is_loopback("[::1]"));
        assert!(!is_loopback("localhost.evil.example"));
        assert!(!is_loopback("10.0.0.1"));
        assert!(!is_loopback(""));
    }
}
