//! Notification channels (Telegram, ntfy, Slack, Discord) and the approval-page links
//! sent through them.

use super::vault::SealedBox;
use crate::ids::TxId;

/// A configured notification channel as stored: its public settings in the clear, its
/// secret (bot token, webhook or topic URL) sealed under the vault's data key, and how
/// its deliveries went (shared by every process using the vault).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRecord {
    /// The operator's name for it (unique).
    pub name: String,
    /// `TELEGRAM`, `NTFY`, `SLACK` or `DISCORD`.
    pub kind: String,
    /// Public settings as JSON (chat id, priority, API URL).
    pub params: String,
    /// The secret, sealed with an AAD that binds the name and kind.
    pub secret: SealedBox,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// Messages the service accepted.
    pub delivered: u64,
    /// Messages given up on.
    pub failed: u64,
    /// Why the last failure happened (no secret: the transport's own words).
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<i64>,
}

/// A link to one transaction's approval page, as stored: only the SHA-256 of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalLinkRecord {
    /// Lowercase hex SHA-256 of the token.
    pub token_hash: String,
    /// The one transaction whose page it opens.
    pub tx_id: TxId,
    /// Unix seconds after which it opens nothing.
    pub expires_at: i64,
}

/// What redeeming a link token came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRedemption {
    /// The token was valid for this transaction and is now used.
    Redeemed,
    /// No such token for this transaction (unknown, or another transaction's).
    Unknown,
    /// Its expiry has passed.
    Expired,
    /// It was redeemed before.
    Used,
}
