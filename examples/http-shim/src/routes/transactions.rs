//! Reading transactions (the agent its own, the operator all) and acting on one: the
//! owner approves or rejects with a signature, the agent or the owner cancels a DELAY.

use axum::Json;
use axum::extract::State;
use waiaas::TxId;
use waiaas::api::{ApprovalRequest, TransactionQuery, TxResponse};

use crate::auth::{AgentOrOperator, AgentOrOwner, OwnerProof};
use crate::error::ApiResult;
use crate::extract::{PathOf, QueryOf, blocking};
use crate::state::AppState;

fn answers(txs: &[waiaas::Transaction]) -> Json<Vec<TxResponse>> {
    Json(txs.iter().map(TxResponse::from).collect())
}

/// `GET /v1/transactions?walletId=&status=&limit=` (an agent sees its session's
/// wallets' transactions, newest first, up to `limit`; it may not filter further).
pub async fn list(
    caller: AgentOrOperator,
    QueryOf(query): QueryOf<TransactionQuery>,
) -> ApiResult<Json<Vec<TxResponse>>> {
    let txs = blocking(move || match caller {
        AgentOrOperator::Agent(agent) => agent.transactions(query.agent_limit()?),
        AgentOrOperator::Operator(admin) => admin.transactions(&query.to_list().filter()),
    })
    .await?;
    Ok(answers(&txs))
}

/// `GET /v1/transactions/{id}`.
pub async fn get(caller: AgentOrOperator, PathOf(id): PathOf<TxId>) -> ApiResult<Json<TxResponse>> {
    let tx = blocking(move || match caller {
        AgentOrOperator::Agent(agent) => agent.transaction(id),
        AgentOrOperator::Operator(admin) => admin.transaction(id),
    })
    .await?;
    Ok(Json(TxResponse::from(&tx)))
}

/// `GET /v1/transactions/{id}/approval-request`: the exact texts the owner signs.
pub async fn approval_request(
    caller: AgentOrOperator,
    PathOf(id): PathOf<TxId>,
) -> ApiResult<Json<ApprovalRequest>> {
    blocking(move || match caller {
        AgentOrOperator::Agent(agent) => agent.approval_request(id),
        AgentOrOperator::Operator(admin) => admin.owner_actions().approval_request(id),
    })
    .await
    .map(Json)
}

/// `POST /v1/transactions/{id}/approve` (owner signature).
pub async fn approve(
    State(state): State<AppState>,
    PathOf(id): PathOf<TxId>,
    OwnerProof(sig): OwnerProof,
) -> ApiResult<Json<TxResponse>> {
    let owner = state.admin.owner_actions();
    let tx = blocking(move || owner.approve(id, &sig.signature, &sig.message)).await?;
    Ok(Json(TxResponse::from(&tx)))
}

/// `POST /v1/transactions/{id}/reject` (owner signature).
pub async fn reject(
    State(state): State<AppState>,
    PathOf(id): PathOf<TxId>,
    OwnerProof(sig): OwnerProof,
) -> ApiResult<Json<TxResponse>> {
    let owner = state.admin.owner_actions();
    let tx = blocking(move || owner.reject(id, &sig.signature, &sig.message)).await?;
    Ok(Json(TxResponse::from(&tx)))
}

/// `POST /v1/transactions/{id}/cancel` (the agent's token, or the owner's signature
/// over the cancel text).
pub async fn cancel(
    State(state): State<AppState>,
    PathOf(id): PathOf<TxId>,
    caller: AgentOrOwner,
) -> ApiResult<Json<TxResponse>> {
    let owner = state.admin.owner_actions();
    let tx = blocking(move || match caller {
        AgentOrOwner::Agent(agent) => agent.cancel(id),
        AgentOrOwner::Owner(sig) => owner.cancel_delayed(id, &sig.signature, &sig.message),
    })
    .await?;
    Ok(Json(TxResponse::from(&tx)))
}
