//! `/v1/policies` (operator).

use axum::Json;
use axum::http::StatusCode;
use waiaas::api::{ListPolicies, Quickset};
use waiaas::{NewPolicy, PolicyId, PolicyRecord, PolicyUpdate};

use crate::auth::Operator;
use crate::error::ApiResult;
use crate::extract::{JsonBody, PathOf, QueryOf, blocking};

/// `POST /v1/policies`.
pub async fn create(
    Operator(admin, _): Operator,
    JsonBody(body): JsonBody<NewPolicy>,
) -> ApiResult<(StatusCode, Json<PolicyRecord>)> {
    let record = blocking(move || admin.create_policy(body)).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// `GET /v1/policies?walletId=&scope=`.
pub async fn list(
    Operator(admin, _): Operator,
    QueryOf(query): QueryOf<ListPolicies>,
) -> ApiResult<Json<Vec<PolicyRecord>>> {
    blocking(move || admin.policies(query.filter()?))
        .await
        .map(Json)
}

/// `GET /v1/policies/{id}`.
pub async fn get(
    Operator(admin, _): Operator,
    PathOf(id): PathOf<PolicyId>,
) -> ApiResult<Json<PolicyRecord>> {
    blocking(move || admin.policy(id)).await.map(Json)
}

/// `PUT /v1/policies/{id}`.
pub async fn update(
    Operator(admin, _): Operator,
    PathOf(id): PathOf<PolicyId>,
    JsonBody(body): JsonBody<PolicyUpdate>,
) -> ApiResult<Json<PolicyRecord>> {
    blocking(move || admin.update_policy(id, body))
        .await
        .map(Json)
}

/// `DELETE /v1/policies/{id}`.
pub async fn delete(
    Operator(admin, _): Operator,
    PathOf(id): PathOf<PolicyId>,
) -> ApiResult<StatusCode> {
    blocking(move || admin.delete_policy(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/policies/quickset`.
pub async fn quickset(
    Operator(admin, _): Operator,
    JsonBody(body): JsonBody<Quickset>,
) -> ApiResult<(StatusCode, Json<Vec<PolicyRecord>>)> {
    let created = blocking(move || admin.quickset(body.wallet_id, body.mode)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
