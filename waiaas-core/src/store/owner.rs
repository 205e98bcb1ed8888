//! Wallet owners and the kill switch.

use crate::ids::WalletId;

crate::string_enum! {
    /// The kill switch.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum KillSwitchState {
        /// Normal operation.
        Active => "ACTIVE",
        /// Activated: nothing signs; recoverable by the operator.
        Suspended => "SUSPENDED",
        /// Escalated: nothing signs; recoverable by the operator.
        Locked => "LOCKED",
    }
    field = "kill_switch", what = "a kill switch state";
}

crate::string_enum! {
    /// Ownership state of a wallet.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum OwnerState {
        /// No owner.
        None => "NONE",
        /// Owner set, not yet proven by a signature.
        Grace => "GRACE",
        /// The owner proved the key with a signature; cannot be changed by the operator.
        Locked => "LOCKED",
    }
    field = "owner_state", what = "an owner state";
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
