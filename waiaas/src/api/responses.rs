//! The answers of the article's REST API whose shape differs from the handles' own
//! types: a transaction as the TypeScript daemon returns it, the operator's status, a
//! wallet's address.

use schemars::JsonSchema;
use serde::Serialize;
use waiaas_core::TxStatus;
use waiaas_core::policy::{ApprovalReason, Reason};
use waiaas_core::store::KillSwitchState;

use crate::admin::Admin;
use crate::error::Result;
use crate::notify::ChannelInfo;
use crate::record::Transaction;

/// A transaction as `POST /v1/transactions/send` (and every transaction route) answers:
/// `{id, status, tier, reason?, reasons?, txHash?, signedTransaction?, delaySeconds?,
/// expiresAt?}`, e.g. `{"id": "…", "status": "PENDING_APPROVAL", "tier": "APPROVAL",
/// "reason": "SPENDING_LIMIT"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TxResponse {
    /// Transaction id (UUIDv7).
    pub id: String,
    /// `SIGNED`, `SUBMITTED`, `QUEUED`, `PENDING_APPROVAL`, `CANCELLED`, …
    pub status: String,
    /// `INSTANT`, `NOTIFY`, `DELAY` or `APPROVAL` (absent before a decision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The policy type that put it in its tier (APPROVAL) or denied it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why an APPROVAL was needed: `per_tx`, `cumulative_daily`, `unknown_price`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_reason: Option<String>,
    /// Every deny reason and warning of the decision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<serde_json::Value>")]
    pub reasons: Vec<Reason>,
    /// The wallet.
    pub wallet_id: String,
    /// Its network.
    pub network: String,
    /// `TRANSFER`, `TOKEN_TRANSFER`, `SIGN_MESSAGE`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Transaction id on chain: the fee payer's signature (Solana, base58) or the hash
    /// (EVM, `0x`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_hash: Option<String>,
    /// The signed transaction: base64 wire bytes (Solana) or `0x` EIP-2718 hex (EVM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_transaction: Option<String>,
    /// A message or typed-data signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Solana messages: the exact bytes the signature covers, `0x` hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_message: Option<String>,
    /// DELAY: the cancellation window in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_seconds: Option<u64>,
    /// DELAY: earliest execution (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute_after: Option<i64>,
    /// APPROVAL: end of the owner's window (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// FAILED: the stored error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The policy type behind an approval reason.
fn approval_policy(reason: ApprovalReason) -> &'static str {
    match reason {
        ApprovalReason::UnknownPrice
        | ApprovalReason::PerTx
        | ApprovalReason::CumulativeDaily
        | ApprovalReason::CumulativeMonthly => "SPENDING_LIMIT",
        ApprovalReason::ActionCategory => "ACTION_CATEGORY_LIMIT",
        ApprovalReason::Reputation => "REPUTATION_THRESHOLD",
        ApprovalReason::Approve => "APPROVE_TIER_OVERRIDE",
        ApprovalReason::NftTransfer | ApprovalReason::ContractDeploy => "CONTRACT_WHITELIST",
    }
}

impl From<&Transaction> for TxResponse {
    fn from(tx: &Transaction) -> Self {
        let decision = tx.decision.as_ref();
        let approval = decision.and_then(|d| d.approval_reason);
        let denied_by = decision
            .filter(|d| !d.allowed)
            .and_then(|d| d.reasons.iter().find_map(|r| r.policy_type))
            .map(|t| t.as_str().to_owned());
        let reason = match tx.status {
            TxStatus::PendingApproval => approval.map(|r| approval_policy(r).to_owned()),
            _ => denied_by,
        };
        let result = tx.result.as_ref();
        Self {
            id: tx.id.to_string(),
            status: tx.status.as_str().to_owned(),
            tier: tx.tier.map(|t| t.as_str().to_owned()),
            reason,
            approval_reason: approval.map(|r| r.as_str().to_owned()),
            reasons: decision
                .map(|d| d.reasons.iter().chain(&d.warnings).cloned().collect())
                .unwrap_or_default(),
            wallet_id: tx.wallet_id.to_string(),
            network: tx.network.as_str().to_owned(),
            kind: tx.kind.clone(),
            tx_hash: result.and_then(|r| r.tx_hash.clone()),
            signed_transaction: result.and_then(|r| r.signed_transaction.clone()),
            signature: result.and_then(|r| r.signature.clone()),
            signed_message: result.and_then(|r| r.signed_message.clone()),
            delay_seconds: decision
                .filter(|_| tx.status == TxStatus::Queued)
                .and_then(|d| d.delay_seconds),
            execute_after: tx.execute_after,
            expires_at: tx.expires_at,
            error: tx.error.as_ref().map(|e| e.code.clone()),
        }
    }
}

/// `GET /v1/admin/status`: what the operator checks first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminStatus {
    /// `ACTIVE`, `SUSPENDED` or `LOCKED`.
    pub kill_switch: String,
    /// Wallets in the vault.
    pub wallets: usize,
    /// Sessions recorded as active (an expired one counts until it is next used).
    pub active_sessions: usize,
    /// The waiaas version.
    pub version: String,
    /// The notification channels with their delivery counts (every process using the
    /// vault counts) and last failure.
    pub notification_channels: Vec<ChannelInfo>,
}

impl AdminStatus {
    /// Reads the status through `admin`.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn of(admin: &Admin) -> Result<Self> {
        let state: KillSwitchState = admin.kill_switch_state()?;
        let active_sessions = admin
            .sessions(None)?
            .iter()
            .filter(|s| s.status == waiaas_core::session::SessionStatus::Active)
            .count();
        Ok(Self {
            kill_switch: state.as_str().to_owned(),
            wallets: admin.wallets()?.len(),
            active_sessions,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            notification_channels: admin.notification_channels()?,
        })
    }
}

/// `GET /v1/wallet/address`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WalletAddress {
    /// The address (base58 or EIP-55).
    pub address: String,
}
