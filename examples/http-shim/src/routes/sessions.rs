//! `/v1/sessions`: the operator issues, lists and revokes; the agent renews its own.

use axum::Json;
use axum::http::StatusCode;
use waiaas::api::{CreateSession, SessionWithToken, WalletQuery};
use waiaas::{SessionId, SessionInfo};

use crate::auth::{AgentAuth, Operator};
use crate::error::ApiResult;
use crate::extract::{JsonBody, PathOf, QueryOf, blocking};

/// `POST /v1/sessions`.
pub async fn create(
    Operator(admin, _): Operator,
    JsonBody(body): JsonBody<CreateSession>,
) -> ApiResult<(StatusCode, Json<SessionWithToken>)> {
    let issued = blocking(move || admin.create_session(&body.to_request()?)).await?;
    Ok((StatusCode::CREATED, Json(SessionWithToken::from(&issued))))
}

/// `GET /v1/sessions?walletId=`.
pub async fn list(
    Operator(admin, _): Operator,
    QueryOf(query): QueryOf<WalletQuery>,
) -> ApiResult<Json<Vec<SessionInfo>>> {
    blocking(move || admin.sessions(query.wallet_id))
        .await
        .map(Json)
}

/// `DELETE /v1/sessions/{id}`.
pub async fn revoke(
    Operator(admin, _): Operator,
    PathOf(id): PathOf<SessionId>,
) -> ApiResult<StatusCode> {
    blocking(move || admin.revoke_session(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v1/sessions/{id}/renew` (the agent, with the token of that session).
pub async fn renew(
    AgentAuth(agent): AgentAuth,
    PathOf(id): PathOf<SessionId>,
) -> ApiResult<Json<SessionWithToken>> {
    let issued = blocking(move || agent.renew_session(id)).await?;
    Ok(Json(SessionWithToken::from(&issued)))
}
