//! `/v1/wallets` (operator).

use axum::Json;
use axum::http::StatusCode;
use waiaas::api::{CreateWallet, OwnerInfo, SetOwner};
use waiaas::{WalletId, WalletInfo};

use crate::auth::Operator;
use crate::error::ApiResult;
use crate::extract::{JsonBody, PathOf, blocking};

/// `POST /v1/wallets`.
pub async fn create(
    Operator(admin, _): Operator,
    JsonBody(body): JsonBody<CreateWallet>,
) -> ApiResult<(StatusCode, Json<WalletInfo>)> {
    let info = blocking(move || admin.create_wallet(&body.name, body.network()?)).await?;
    Ok((StatusCode::CREATED, Json(info)))
}

/// `GET /v1/wallets`.
pub async fn list(Operator(admin, _): Operator) -> ApiResult<Json<Vec<WalletInfo>>> {
    blocking(move || admin.wallets()).await.map(Json)
}

/// `GET /v1/wallets/{id}`.
pub async fn get(
    Operator(admin, _): Operator,
    PathOf(id): PathOf<WalletId>,
) -> ApiResult<Json<WalletInfo>> {
    blocking(move || admin.wallet(id)).await.map(Json)
}

/// `DELETE /v1/wallets/{id}`.
pub async fn delete(
    Operator(admin, _): Operator,
    PathOf(id): PathOf<WalletId>,
) -> ApiResult<StatusCode> {
    blocking(move || admin.delete_wallet(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v1/wallets/{id}/owner`.
pub async fn set_owner(
    Operator(admin, _): Operator,
    PathOf(id): PathOf<WalletId>,
    JsonBody(body): JsonBody<SetOwner>,
) -> ApiResult<Json<OwnerInfo>> {
    blocking(move || admin.set_owner(id, &body.owner_address))
        .await
        .map(Json)
}
