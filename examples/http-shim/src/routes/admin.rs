//! `/v1/admin/*` and `/v1/audit-logs` (operator).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use waiaas::api::{
    AdminStatus, AuditFilter, AuditRecord, ChangePassword, KillSwitchReport, KillSwitchRequest,
    SetPrices,
};

use crate::auth::Operator;
use crate::error::ApiResult;
use crate::extract::{JsonBody, QueryOf, blocking};
use crate::state::AppState;

/// `POST /v1/admin/kill-switch`.
pub async fn kill_switch(
    Operator(admin, _): Operator,
    JsonBody(body): JsonBody<KillSwitchRequest>,
) -> ApiResult<Json<KillSwitchReport>> {
    blocking(move || admin.activate_kill_switch(&body.reason))
        .await
        .map(Json)
}

/// `POST /v1/admin/kill-switch/escalate`.
pub async fn escalate(
    Operator(admin, _): Operator,
    JsonBody(body): JsonBody<KillSwitchRequest>,
) -> ApiResult<Json<Value>> {
    let state = blocking(move || admin.escalate_kill_switch(&body.reason)).await?;
    Ok(Json(json!({ "killSwitch": state.as_str() })))
}

/// `POST /v1/admin/recover`.
pub async fn recover(Operator(admin, _): Operator) -> ApiResult<Json<Value>> {
    let state = blocking(move || admin.recover_kill_switch()).await?;
    Ok(Json(json!({ "killSwitch": state.as_str() })))
}

/// `GET /v1/admin/status`.
pub async fn status(Operator(admin, _): Operator) -> ApiResult<Json<AdminStatus>> {
    blocking(move || AdminStatus::of(&admin)).await.map(Json)
}

/// `PUT /v1/admin/master-password`: re-wraps the vault key (one Argon2id run).
pub async fn change_password(
    Operator(admin, current): Operator,
    JsonBody(body): JsonBody<ChangePassword>,
) -> ApiResult<StatusCode> {
    blocking(move || admin.change_password(&current, &body.secret())).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v1/admin/prices`.
pub async fn prices(
    Operator(_, _): Operator,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<SetPrices>,
) -> ApiResult<Json<Value>> {
    let updated = body.apply(&state.prices).map_err(waiaas::Error::from)?;
    Ok(Json(json!({ "updated": updated })))
}

/// `GET /v1/audit-logs?after=&limit=&walletId=&txId=&event=&actor=&since=`.
pub async fn audit_logs(
    Operator(admin, _): Operator,
    QueryOf(filter): QueryOf<AuditFilter>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    blocking(move || admin.audit_log_filtered(&filter))
        .await
        .map(Json)
}
