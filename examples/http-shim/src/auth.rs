//! Credentials, checked per route by the extractor each handler names (never by path
//! prefix): [`Operator`] (`X-Master-Password`), [`AgentAuth`] (`Authorization: Bearer
//! wai_sess_…`), [`OwnerProof`] (owner signature in headers or body), and the unions
//! of the few routes two roles share. A route answers nothing before its extractor
//! has accepted the credential.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use waiaas::api::{OwnerSignature, RequestError};
use waiaas::{Admin, Agent, SecretString};

use crate::error::{ApiError, ApiResult};
use crate::extract::{blocking, body_bytes, is_json};
use crate::state::AppState;

/// The operator's header.
pub const MASTER_PASSWORD: &str = "x-master-password";
/// The owner's signed text, base64.
pub const OWNER_MESSAGE: &str = "x-owner-message";
/// The owner's signature.
pub const OWNER_SIGNATURE: &str = "x-owner-signature";

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The caller proved the master password (kept, as a secret, for the password
/// change, which needs the current one).
#[derive(Debug)]
pub struct Operator(pub Admin, pub SecretString);

fn operator(parts: &Parts, state: &AppState) -> ApiResult<Operator> {
    let given =
        header(&parts.headers, MASTER_PASSWORD).ok_or(RequestError::MissingMasterPassword)?;
    state.admin.check_master_password(given)?;
    Ok(Operator(
        state.admin.clone(),
        SecretString::from(given.to_owned()),
    ))
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        operator(parts, state)
    }
}

/// The caller holds a valid session token.
#[derive(Debug)]
pub struct AgentAuth(pub Agent);

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = header(headers, "authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn agent(parts: &Parts, state: &AppState) -> ApiResult<AgentAuth> {
    let token = bearer(&parts.headers)
        .ok_or(RequestError::MissingSessionToken)?
        .to_owned();
    let waiaas = state.admin.waiaas();
    let (agent, token) = blocking(move || waiaas.agent(&token).map(|a| (a, token))).await?;
    state.limiter.admit(&token, std::time::Instant::now())?;
    Ok(AgentAuth(agent))
}

impl FromRequestParts<AppState> for AgentAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        agent(parts, state).await
    }
}

fn owner_headers(headers: &HeaderMap) -> Option<ApiResult<OwnerSignature>> {
    let message = header(headers, OWNER_MESSAGE);
    let signature = header(headers, OWNER_SIGNATURE);
    match (message, signature) {
        (Some(m), Some(s)) => {
            Some(OwnerSignature::from_headers(m, s).map_err(|e| waiaas::Error::from(e).into()))
        }
        (None, None) => None,
        _ => Some(Err(RequestError::MissingOwnerSignature.into())),
    }
}

/// An owner signature: `X-Owner-Message` (base64 of the exact text) with
/// `X-Owner-Signature`, or a JSON body `{"message", "signature"}`. The facade checks it
/// against the registered owner; this only carries it.
#[derive(Debug)]
pub struct OwnerProof(pub OwnerSignature);

async fn owner_proof(req: Request, state: &AppState) -> ApiResult<OwnerProof> {
    if let Some(sig) = owner_headers(req.headers()) {
        return sig.map(OwnerProof);
    }
    if !is_json(req.headers()) {
        return Err(RequestError::MissingOwnerSignature.into());
    }
    let bytes = body_bytes(req, state).await?;
    if bytes.is_empty() {
        return Err(RequestError::MissingOwnerSignature.into());
    }
    serde_json::from_slice(&bytes)
        .map(OwnerProof)
        .map_err(|e| RequestError::malformed_body(&e).into())
}

impl FromRequest<AppState> for OwnerProof {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        owner_proof(req, state).await
    }
}

/// Routes an agent (its own records) or the operator (all) may read.
#[derive(Debug)]
pub enum AgentOrOperator {
    /// `Authorization: Bearer …` was given.
    Agent(Agent),
    /// `X-Master-Password` was given (and no bearer token).
    Operator(Admin),
}

impl FromRequestParts<AppState> for AgentOrOperator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key("authorization") {
            return agent(parts, state).await.map(|a| Self::Agent(a.0));
        }
        if parts.headers.contains_key(MASTER_PASSWORD) {
            return operator(parts, state).map(|o| Self::Operator(o.0));
        }
        Err(RequestError::MissingSessionToken.into())
    }
}

/// `POST /v1/transactions/{id}/cancel`: the agent cancels its own DELAY transaction,
/// or the owner with a signature over the cancel text.
#[derive(Debug)]
pub enum AgentOrOwner {
    /// `Authorization: Bearer …` was given.
    Agent(Agent),
    /// Owner signature headers or body.
    Owner(OwnerSignature),
}

impl FromRequest<AppState> for AgentOrOwner {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if req.headers().contains_key("authorization") {
            let (parts, _) = req.into_parts();
            return agent(&parts, state).await.map(|a| Self::Agent(a.0));
        }
        let has_owner_headers = owner_headers(req.headers()).is_some();
        if has_owner_headers || is_json(req.headers()) {
            return owner_proof(req, state).await.map(|p| Self::Owner(p.0));
        }
        Err(RequestError::MissingSessionToken.into())
    }
}
