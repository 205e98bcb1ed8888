//! Session rows, signing secrets and the renewal compare-and-swap.

use crate::ids::{SessionId, WalletId};
use crate::session::Permission;

use super::SealedBox;

/// A session-token signing secret, sealed under the vault's data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSecretRecord {
    /// Key id, carried as `kid` in token headers.
    pub id: String,
    /// The sealed 32-byte HMAC secret.
    pub secret: SealedBox,
    /// Creation time.
    pub created_at: i64,
    /// When a rotation replaced it; `None` for the current secret.
    pub retired_at: Option<i64>,
}

/// A stored agent session. Everything a token grants is in the store, not in the token:
/// this row, and the session's wallet links, which are kept apart from it because a
/// session may span thousands of wallets. A request reads one link by index
/// ([`Store::session_check`](super::Store::session_check)); only an API that returns
/// the list reads it ([`Store::session_wallets`](super::Store::session_wallets),
/// [`Store::sessions`](super::Store::sessions)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Id (the token's `sub`).
    pub id: SessionId,
    /// Creation time.
    pub created_at: i64,
    /// Token lifetime in seconds; `None` for an unlimited session.
    pub ttl_seconds: Option<u64>,
    /// Renewal cap; 0 = unlimited.
    pub max_renewals: u32,
    /// Hard lifetime from creation in seconds; 0 = none.
    pub absolute_lifetime_seconds: u64,
    /// Granted permissions.
    pub permissions: Vec<Permission>,
    /// Generation of the only valid token (the `gen` claim).
    pub token_generation: u64,
    /// `iat` of the current token.
    pub token_issued_at: i64,
    /// `exp` of the current token; `None` when unlimited.
    pub expires_at: Option<i64>,
    /// Renewals so far.
    pub renewal_count: u32,
    /// When revoked.
    pub revoked_at: Option<i64>,
    /// Operator's label.
    pub label: Option<String>,
}

/// A session and the wallets linked to it (sorted by id), as listings return it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedSession {
    /// The session.
    pub record: SessionRecord,
    /// Its wallets, sorted by id.
    pub wallet_ids: Vec<WalletId>,
}

/// A session and the wallet one request of it acts on, read together by index
/// ([`Store::session_check`](super::Store::session_check)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAccess {
    /// The session.
    pub record: SessionRecord,
    /// The wallet asked for, when the session is linked to it; with no wallet asked
    /// for, the session's wallet when it has exactly one. `None` otherwise.
    pub wallet: Option<WalletId>,
}

/// Everything verifying one request's token reads, read together
/// ([`Store::session_check`](super::Store::session_check)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCheck {
    /// The signing secret of the token's key id, if it exists.
    pub secret: Option<SessionSecretRecord>,
    /// The session with the wallet the request acts on, if a session id was given and
    /// the session exists.
    pub access: Option<SessionAccess>,
    /// The persisted time mark, as read (not moved).
    pub mark: i64,
}

/// A compare-and-swap renewal: applies only while the stored generation is still
/// `expected_generation` and the session is not revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalCas {
    /// Session.
    pub id: SessionId,
    /// Generation the renewing token carries.
    pub expected_generation: u64,
    /// Renewal count the decision was made on.
    pub expected_renewal_count: u32,
    /// `iat` of the new token.
    pub issued_at: i64,
    /// `exp` of the new token.
    pub expires_at: i64,
}

/// Why a session insert was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionInsert {
    /// Stored.
    Inserted,
    /// A linked wallet already has `max_active_per_wallet` active sessions.
    WalletAtCap(WalletId),
    /// A linked wallet does not exist.
    UnknownWallet(WalletId),
}
