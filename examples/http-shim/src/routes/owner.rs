//! `/v1/owner/*`: the wallet owner stops everything with a signature (the kill switch
//! of DESIGN.md §1's owner role), over a text fetched just before.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use waiaas::api::{KillSwitchReport, RequestError, WalletQuery};

use crate::auth::OwnerProof;
use crate::error::ApiResult;
use crate::extract::{QueryOf, blocking};
use crate::state::AppState;

/// `GET /v1/owner/kill-switch-message?walletId=`: the text the owner signs, issued now
/// (valid five minutes). Public: it holds the wallet id and the time, nothing else.
pub async fn kill_switch_message(
    State(state): State<AppState>,
    QueryOf(query): QueryOf<WalletQuery>,
) -> ApiResult<Json<Value>> {
    let wallet = query
        .wallet_id
        .ok_or_else(|| RequestError::MalformedQuery {
            reason: "`walletId` is required".to_owned(),
        })?;
    let message = state.admin.owner_actions().kill_switch_message(wallet);
    Ok(Json(json!({ "walletId": wallet, "message": message })))
}

/// `POST /v1/owner/kill-switch`: the owner's signature over that text triggers the
/// kill switch (ACTIVE → SUSPENDED and its cascade).
pub async fn kill_switch(
    State(state): State<AppState>,
    OwnerProof(proof): OwnerProof,
) -> ApiResult<Json<KillSwitchReport>> {
    let owner = state.admin.owner_actions();
    blocking(move || owner.kill_switch(&proof.signature, &proof.message))
        .await
        .map(Json)
}
