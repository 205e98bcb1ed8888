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

/// `options` of `Waiaas.create` / `Waiaas.open` (read field by field, unknown fields
/// refused).
#[napi(object)]
pub struct HostOptions {
    /// USD per whole unit by asset id (`{"native:solana-devnet": "150"}`):
    /// `StaticPriceOracle::from_usd`.
    pub prices: Option<std::collections::HashMap<String, String>>,
    /// Functions called with each pipeline event on the JS thread, off the caller's
    /// path: a slow or throwing callback never delays or breaks a send. They keep the
    /// event loop alive until `Admin.close()`.
    #[napi(ts_type = "Array<(event: WaiaasEvent) => unknown>")]
    pub notifiers: Option<Vec<Value>>,
}

/// `notify::Event`: what a notifier callback receives.
#[napi(object)]
pub struct WaiaasEvent {
    /// `TX_REQUESTED`, `TX_SIGNED`, `POLICY_DENIED`, `KILL_SWITCH_ACTIVATED`, ….
    pub kind: String,
    /// Unix seconds.
    pub at: i64,
    /// The wallet, or `null`.
    #[napi(ts_type = "string | null")]
    pub wallet_id: Value,
    /// The transaction, or `null`.
    #[napi(ts_type = "string | null")]
    pub tx_id: Value,
    /// The session, or `null`.
    #[napi(ts_type = "string | null")]
    pub session_id: Value,
    /// What happened, by kind.
    #[napi(ts_type = "Record<string, unknown>")]
    pub details: Value,
}

/// `api::OwnerInfo`.
#[napi(object)]
pub struct OwnerInfo {
    /// The wallet.
    pub wallet_id: String,
    /// `NONE`, `GRACE` (registered, unproven) or `LOCKED` (proven).
    pub state: String,
    /// The owner's address, or `null`.
    #[napi(ts_type = "string | null")]
    pub address: Value,
    /// The text to sign with `verifyOwner` (GRACE only), or `null`.
    #[napi(ts_type = "string | null")]
    pub verification_message: Value,
}

/// `api::PolicyRecord`.
#[napi(object)]
pub struct PolicyRecord {
    /// Policy id (UUID).
    pub id: String,
    /// `SPENDING_LIMIT`, `ALLOWED_TOKENS`, ….
    #[napi(js_name = "type")]
    pub kind: String,
    /// The wallet, or `null` for a global policy.
    #[napi(ts_type = "string | null")]
    pub wallet_id: Value,
    /// The network, or `null` for every network.
    #[napi(ts_type = "string | null")]
    pub network: Value,
    /// The rules (snake_case, as written).
    #[napi(ts_type = "Record<string, unknown>")]
    pub rules: Value,
    /// Higher wins within a level.
    pub priority: i64,
    /// Disabled = absent.
    pub enabled: bool,
    /// Bumped by each update.
    pub revision: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// `api::Balance`.
#[napi(object)]
pub struct Balance {
    /// The wallet.
    pub wallet_id: String,
    /// Network id.
    pub network: String,
    /// Base units (lamports, wei) as a decimal string.
    pub amount: String,
    /// The whole-unit decimal (`"1.5"`).
    pub formatted: String,
    /// `SOL`, `ETH`, ….
    pub symbol: String,
}

/// `api::KillSwitchReport`.
#[napi(object)]
pub struct KillSwitchReport {
    /// State after the call.
    pub state: String,
    /// Whether this call changed it.
    pub changed: bool,
    /// Sessions revoked.
    pub sessions_revoked: i64,
    /// In-flight transactions cancelled.
    pub transactions_cancelled: i64,
    /// Wallets suspended.
    pub wallets_suspended: i64,
    /// Steps that failed (`code: message`).
    pub errors: Vec<String>,
}

/// `api::AuditRecord`.
#[napi(object)]
pub struct AuditRecord {
    /// Position (1, 2, …; no gaps).
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// `operator`, `session:<id>`, `owner:<address>`, `system`.
    pub actor: String,
    /// `WALLET_CREATED`, `TX_SIGNED`, ….
    pub event: String,
    /// The wallet, or `null`.
    #[napi(ts_type = "string | null")]
    pub wallet_id: Value,
    /// The transaction, or `null`.
    #[napi(ts_type = "string | null")]
    pub tx_id: Value,
    /// Event details.
    #[napi(ts_type = "unknown")]
    pub details: Value,
    /// The previous record's hash.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
    /// How `hash` was computed.
    pub scheme: String,
}

/// `api::AuditHead`.
#[napi(object)]
pub struct AuditHead {
    /// Sequence number of the last record.
    pub seq: i64,
    /// Its keyed hash: anchor it outside to detect a later rewrite.
    pub hash: String,
    /// The first record of the keyed chain, or `null`.
    #[napi(ts_type = "number | null")]
    pub keyed_from: Value,
    /// When it was read (Unix seconds).
    pub at: i64,
}

/// `api::AuditVerification`.
#[napi(object)]
pub struct AuditVerification {
    /// Records checked.
    pub entries: i64,
    /// The first record that fails, or `null`.
    #[napi(ts_type = "number | null")]
    pub first_broken: Value,
    /// Whether the recorded head does not match the last record.
    pub truncated: bool,
    /// The first record of the keyed chain, or `null`.
    #[napi(ts_type = "number | null")]
    pub keyed_from: Value,
    /// The first broken record of a kept unkeyed chain, or `null`.
    #[napi(ts_type = "number | null")]
    pub legacy_broken: Value,
}
