//! Wallet owners and the kill switch.

use crate::ids::WalletId;

/// The kill switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KillSwitchState {
    /// Normal operation.
    Active,
    /// Activated: nothing signs; recoverable by the operator.
    Suspended,
    /// Escalated: nothing signs; recoverable by the operator.
    Locked,
}

impl KillSwitchState {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
            Self::Locked => "LOCKED",
        }
    }

    /// Parses the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Active, Self::Suspended, Self::Locked]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Ownership state of a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OwnerState {
    /// No owner.
    None,
    /// Owner set, not yet proven by a signature.
    Grace,
    /// The owner proved the key with a signature; cannot be changed by the operator.
    Locked,
}

impl OwnerState {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Grace => "GRACE",
            Self::Locked => "LOCKED",
        }
    }

    /// Parses the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::None, Self::Grace, Self::Locked]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A wallet's registered owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRecord {
    /// Wallet.
    pub wallet_id: WalletId,
    /// Owner address (EIP-55 or base58).
    pub address: String,
    /// State (GRACE or LOCKED; NONE has no row).
    pub state: OwnerState,
    /// Random challenge the owner signs to prove the key.
    pub challenge: String,
    /// Last change.
    pub updated_at: i64,
}
