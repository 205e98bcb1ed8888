//! Transaction records as the API returns them.

use serde::{Deserialize, Serialize};
use waiaas_core::policy::Decision;
use waiaas_core::store::TxRecord;
use waiaas_core::{Network, SessionId, Tier, TxId, TxStatus, WalletId};

use crate::request::ResolvedRequest;

/// What execution produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionResult {
    /// The signed transaction: base64 wire bytes (Solana) or `0x` EIP-2718 hex (EVM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_transaction: Option<String>,
    /// Transaction id: the fee payer's signature (Solana, base58) or hash (EVM, `0x`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_hash: Option<String>,
    /// A message or typed-data signature (base58 for Solana, `0x` 65-byte hex for EVM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Solana messages: the exact bytes the signature covers (the off-chain message
    /// envelope), `0x` hex, so a verifier can check the signature without rebuilding it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_message: Option<String>,
}

/// An error stored on a FAILED transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxError {
    /// Stable code.
    pub code: String,
    /// Message.
    pub message: String,
}

/// A transaction request and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// Id.
    pub id: TxId,
    /// Wallet.
    pub wallet_id: WalletId,
    /// Session that asked.
    pub session_id: Option<SessionId>,
    /// Network.
    pub network: Network,
    /// Kind.
    pub kind: String,
    /// Status.
    pub status: TxStatus,
    /// Tier.
    pub tier: Option<Tier>,
    /// The request as stored and executed.
    pub request: ResolvedRequest,
    /// The policy decision.
    pub decision: Option<Decision>,
    /// Execution output.
    pub result: Option<ExecutionResult>,
    /// Error, when FAILED.
    pub error: Option<TxError>,
    /// DELAY: earliest execution.
    pub execute_after: Option<i64>,
    /// APPROVAL: end of the approval window.
    pub expires_at: Option<i64>,
    /// Created.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

/// Parses one JSON column of a stored transaction row: a row this build cannot read is
/// a storage error, never a silently missing field.
fn column<T: serde::de::DeserializeOwned>(
    text: &str,
    column: &str,
) -> Result<T, waiaas_core::StoreError> {
    serde_json::from_str(text).map_err(|e| waiaas_core::StoreError::CorruptRow {
        table: "transactions",
        reason: format!("column `{column}`: {e}"),
    })
}

impl TryFrom<&TxRecord> for Transaction {
    type Error = waiaas_core::StoreError;

    fn try_from(r: &TxRecord) -> Result<Self, Self::Error> {
        Ok(Self {
            id: r.id,
            wallet_id: r.wallet_id,
            session_id: r.session_id,
            network: r.network,
            kind: r.kind.clone(),
            status: r.status,
            tier: r.tier,
            request: column(&r.request, "request")?,
            decision: r
                .decision
                .as_deref()
                .map(|d| column(d, "decision"))
                .transpose()?,
            result: r
                .result
                .as_deref()
                .map(|d| column(d, "result"))
                .transpose()?,
            error: r.error_code.as_ref().map(|code| TxError {
                code: code.clone(),
                message: r.error_message.clone().unwrap_or_default(),
            }),
            execute_after: r.execute_after,
            expires_at: r.expires_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}
