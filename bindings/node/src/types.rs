//! TypeScript shapes of the answers most hosts read, for `index.d.ts` only: each is the
//! pinned JSON of a `waiaas::api` type (`testdata/api/dto-pins.json`). Nothing here is
//! built or converted in Rust — answers cross as the DTO's own serde JSON; answers may
//! gain fields (clients ignore what they do not know).
use serde_json::Value;

/// `api::WalletInfo`.
#[napi(object)]
pub struct WalletInfo {
    /// Wallet id (UUID).
    pub id: String,
    /// Operator's label.
    pub name: String,
    /// `solana` or `ethereum`.
    pub chain: String,
    /// Network id (`solana-devnet`, …).
    pub network: String,
    /// The wallet's address.
    pub address: String,
    /// `ACTIVE`, `SUSPENDED`, `TERMINATED`.
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// `api::SessionInfo`.
#[napi(object)]
pub struct SessionInfo {
    /// Session id (UUID).
    pub id: String,
    /// The wallets it may use.
    pub wallet_ids: Vec<String>,
    /// Granted permissions.
    pub permissions: Vec<String>,
    /// `ACTIVE`, `REVOKED`, `EXPIRED`, ….
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Token expiry (unix seconds), `null` when unlimited.
    #[napi(ts_type = "number | null")]
    pub expires_at: Value,
    /// End of the absolute lifetime, or `null`.
    #[napi(ts_type = "number | null")]
    pub absolute_expires_at: Value,
    /// Token lifetime in seconds, or `null` when unlimited.
    #[napi(ts_type = "number | null")]
    pub ttl: Value,
    /// Renewals so far.
    pub renewal_count: u32,
    /// Allowed renewals (0 = unlimited).
    pub max_renewals: u32,
    /// When revoked, or `null`.
    #[napi(ts_type = "number | null")]
    pub revoked_at: Value,
    /// Operator's label, or `null`.
    #[napi(ts_type = "string | null")]
    pub label: Value,
}

/// `api::SessionWithToken`: the token (shown once) and the session.
#[napi(object)]
pub struct SessionWithToken {
    /// The bearer token (`wai_sess_…`).
    pub token: String,
    /// The session.
    pub session: SessionInfo,
}

/// `api::Reason`: one reason of a decision.
#[napi(object)]
pub struct Reason {
    /// The policy that gave it, or `null`.
    #[napi(ts_type = "string | null")]
    pub policy_id: Value,
    /// Its type (`SPENDING_LIMIT`, …), or `null`.
    #[napi(ts_type = "string | null")]
    pub policy_type: Value,
    /// Stable reason code (`TOKEN_NOT_ALLOWED`, …).
    pub code: String,
    /// What to fix.
    pub message: String,
}

/// `api::Decision`.
#[napi(object)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// `INSTANT`, `NOTIFY`, `DELAY`, `APPROVAL`, or `null` when denied.
    #[napi(ts_type = "string | null")]
    pub tier: Value,
    /// Every reason of a denial.
    pub reasons: Vec<Reason>,
    /// Seconds a DELAY waits, or `null`.
    #[napi(ts_type = "number | null")]
    pub delay_seconds: Value,
    /// Seconds the owner has, or `null`.
    #[napi(ts_type = "number | null")]
    pub approval_timeout: Value,
    /// Why it needs the owner (`per_tx`, `cumulative_daily`, …), or `null`.
    #[napi(ts_type = "string | null")]
    pub approval_reason: Value,
}

/// `api::Transaction`.
#[napi(object)]
pub struct Transaction {
    /// Transaction id (UUID).
    pub id: String,
    /// The wallet.
    pub wallet_id: String,
    /// The session that asked, or `null`.
    #[napi(ts_type = "string | null")]
    pub session_id: Value,
    /// Network id.
    pub network: String,
    /// `TRANSFER`, `TOKEN_TRANSFER`, ….
    pub kind: String,
    /// `SIGNED`, `QUEUED`, `PENDING_APPROVAL`, `CANCELLED`, ….
    pub status: String,
    /// The tier, or `null`.
    #[napi(ts_type = "string | null")]
    pub tier: Value,
    /// The request as resolved by waiaas.
    #[napi(ts_type = "Record<string, unknown>")]
    pub request: Value,
    /// The policy decision, or `null`.
    #[napi(ts_type = "Decision | null")]
    pub decision: Value,
    /// What was signed (`{txHash, signedTransaction, …}`), or `null`.
    #[napi(ts_type = "{ txHash?: string | null; signedTransaction?: string | null } | null")]
    pub result: Value,
    /// Why it failed, or `null`.
    #[napi(ts_type = "Record<string, unknown> | null")]
    pub error: Value,
    /// When a DELAY executes (unix seconds), or `null`.
    #[napi(ts_type = "number | null")]
    pub execute_after: Value,
    /// When an approval window closes, or `null`.
    #[napi(ts_type = "number | null")]
    pub expires_at: Value,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// `api::ApprovalRequest`: the exact texts the owner signs.
#[napi(object)]
pub struct ApprovalRequest {
    /// The transaction.
    pub tx_id: String,
    /// Its status.
    pub status: String,
    /// The owner's address.
    pub owner: String,
    /// Sign this to approve, or `null`.
    #[napi(ts_type = "string | null")]
    pub approve_message: Value,
    /// Sign this to reject, or `null`.
    #[napi(ts_type = "string | null")]
    pub reject_message: Value,
    /// Sign this to cancel (QUEUED only), or `null`.
    #[napi(ts_type = "string | null")]
    pub cancel_message: Value,
    /// End of the approval window, or `null`.
    #[napi(ts_type = "number | null")]
    pub expires_at: Value,
}
