//! A deliberately small HS256 JWT codec.
//!
//! Written here rather than taken from a general JWT crate so that exactly one algorithm
//! exists (nothing to confuse, no `none`), parsing is strict (canonical unpadded
//! base64url, no unknown header fields or claims), no process-global crypto provider is
//! installed inside a host application, and time comes from our [`crate::clock::Clock`].
//! See `docs/adr/0001-session-tokens.md`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::SessionError;

/// Token prefix; anything else is refused before parsing.
pub const TOKEN_PREFIX: &str = "wai_sess_";
/// Longer tokens are refused before any decoding work.
pub(crate) const MAX_TOKEN_LEN: usize = 2048;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
    kid: String,
}

/// The claims waiaas puts in a token. Everything else lives in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Claims {
    pub sub: String,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    pub r#gen: u64,
}

/// A parsed, not yet verified token.
pub(crate) struct Parsed<'a> {
    pub kid: String,
    pub claims: Claims,
    pub signing_input: &'a str,
    pub signature: [u8; 32],
}

fn invalid(reason: &'static str) -> SessionError {
    SessionError::InvalidToken { reason }
}

fn mac(key: &[u8], input: &str) -> Result<Hmac<Sha256>, SessionError> {
    let mut m =
        <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| invalid("bad signing key"))?;
    m.update(input.as_bytes());
    Ok(m)
}

/// Signs `claims` under `key`, returning the full `wai_sess_…` token.
pub(crate) fn encode(kid: &str, claims: &Claims, key: &[u8]) -> Result<String, SessionError> {
    let header = Header {
        alg: "HS256".to_owned(),
        typ: Some("JWT".to_owned()),
        kid: kid.to_owned(),
    };
    let h = serde_json::to_vec(&header).map_err(|_| invalid("cannot encode header"))?;
    let c = serde_json::to_vec(claims).map_err(|_| invalid("cannot encode claims"))?;
    let signing_input = format!("{}.{}", B64URL.encode(h), B64URL.encode(c));
    let sig = mac(key, &signing_input)?.finalize().into_bytes();
    Ok(format!(
        "{TOKEN_PREFIX}{signing_input}.{}",
        B64URL.encode(sig)
    ))
}

/// Parses the prefix, the three segments, the header (HS256 only) and the claims.
pub(crate) fn parse(token: &str) -> Result<Parsed<'_>, SessionError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(invalid("token is too long"));
    }
    let jwt = token
        .strip_prefix(TOKEN_PREFIX)
        .ok_or_else(|| invalid("missing `wai_sess_` prefix"))?;
    let mut parts = jwt.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("expected three dot-separated segments"));
    };
    let header: Header = B64URL
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| invalid("malformed header"))?;
    if header.alg != "HS256" {
        return Err(invalid("unsupported algorithm; only HS256 is accepted"));
    }
    if header.typ.as_deref().is_some_and(|t| t != "JWT") {
        return Err(invalid("unsupported token type"));
    }
    let claims: Claims = B64URL
        .decode(c)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| invalid("malformed claims"))?;
    let signature: [u8; 32] = B64URL
        .decode(s)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| invalid("malformed signature"))?;
    let signing_input = jwt
        .len()
        .checked_sub(s.len().saturating_add(1))
        .and_then(|end| jwt.get(..end))
        .ok_or_else(|| invalid("malformed token"))?;
    Ok(Parsed {
        kid: header.kid,
        claims,
        signing_input,
        signature,
    })
}

/// Constant-time signature check.
pub(crate) fn verify(parsed: &Parsed<'_>, key: &[u8]) -> Result<(), SessionError> {
    mac(key, parsed.signing_input)?
        .verify_slice(&parsed.signature)
        .map_err(|_| invalid("signature does not verify"))
}
