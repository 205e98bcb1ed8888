//! What an agent does with its token: read its wallet, send, simulate and sign.

use axum::Json;
use waiaas::api::{
    Balance, Decision, SendTransaction, SignMessage, SignTransaction, SignTypedData, TxResponse,
    WalletAddress, WalletQuery,
};

use crate::auth::AgentAuth;
use crate::error::ApiResult;
use crate::extract::{JsonBody, QueryOf, blocking};

/// `GET /v1/wallet/address?walletId=`.
pub async fn address(
    AgentAuth(agent): AgentAuth,
    QueryOf(query): QueryOf<WalletQuery>,
) -> ApiResult<Json<WalletAddress>> {
    let address = blocking(move || agent.address(query.wallet_id)).await?;
    Ok(Json(WalletAddress { address }))
}

/// `GET /v1/wallet/balance?walletId=`.
pub async fn balance(
    AgentAuth(agent): AgentAuth,
    QueryOf(query): QueryOf<WalletQuery>,
) -> ApiResult<Json<Balance>> {
    blocking(move || agent.balance(query.wallet_id))
        .await
        .map(Json)
}

/// `POST /v1/transactions/send`.
pub async fn send(
    AgentAuth(agent): AgentAuth,
    JsonBody(body): JsonBody<SendTransaction>,
) -> ApiResult<Json<TxResponse>> {
    let tx = blocking(move || agent.send(&body.to_request()?)).await?;
    Ok(Json(TxResponse::from(&tx)))
}

/// `POST /v1/transactions/simulate`: the decision, nothing recorded or reserved.
pub async fn simulate(
    AgentAuth(agent): AgentAuth,
    JsonBody(body): JsonBody<SendTransaction>,
) -> ApiResult<Json<Decision>> {
    blocking(move || agent.simulate(&body.to_request()?))
        .await
        .map(Json)
}

/// `POST /v1/transactions/sign`.
pub async fn sign_transaction(
    AgentAuth(agent): AgentAuth,
    JsonBody(body): JsonBody<SignTransaction>,
) -> ApiResult<Json<TxResponse>> {
    let tx = blocking(move || agent.sign_transaction(body.wallet_id, &body.transaction)).await?;
    Ok(Json(TxResponse::from(&tx)))
}

/// `POST /v1/transactions/sign-message`.
pub async fn sign_message(
    AgentAuth(agent): AgentAuth,
    JsonBody(body): JsonBody<SignMessage>,
) -> ApiResult<Json<TxResponse>> {
    let tx = blocking(move || agent.sign_message(body.wallet_id, &body.bytes()?)).await?;
    Ok(Json(TxResponse::from(&tx)))
}

/// `POST /v1/transactions/sign-typed-data`.
pub async fn sign_typed_data(
    AgentAuth(agent): AgentAuth,
    JsonBody(body): JsonBody<SignTypedData>,
) -> ApiResult<Json<TxResponse>> {
    let tx = blocking(move || agent.sign_typed_data(body.wallet_id, &body.json())).await?;
    Ok(Json(TxResponse::from(&tx)))
}
