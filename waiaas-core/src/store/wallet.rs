//! Wallet rows.

use crate::chain::{Chain, Network};
use crate::ids::WalletId;

use super::SealedBox;

crate::string_enum! {
    /// Whether a wallet may sign.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum WalletStatus {
        /// Normal operation.
        Active => "ACTIVE",
        /// Signing refused until resumed (kill switch, AutoStop, operator).
        Suspended => "SUSPENDED",
        /// Permanently retired.
        Terminated => "TERMINATED",
    }
    field = "status", what = "a wallet status";
}

/// A wallet row: public facts plus its sealed secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletRecord {
    /// Id.
    pub id: WalletId,
    /// Operator-chosen name.
    pub name: String,
    /// Chain family.
    pub chain: Chain,
    /// Network.
    pub network: Network,
    /// Canonical address.
    pub address: String,
    /// Public key bytes (bound into the secret's AAD).
    pub public_key: Vec<u8>,
    /// The sealed 32-byte secret.
    pub secret: SealedBox,
    /// Version of the sealing format (AAD layout).
    pub secret_format: u32,
    /// Status.
    pub status: WalletStatus,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

/// What preparing one request of a wallet reads, read together
/// ([`Store::request_reads`](super::Store::request_reads)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestReads {
    /// The wallet, if it exists.
    pub wallet: Option<WalletRecord>,
    /// The stored settings (the value under [`SETTINGS_KEY`](crate::settings::SETTINGS_KEY)).
    pub settings: Option<String>,
    /// The time, as [`Store::monotonic_now`](super::Store::monotonic_now) returns it.
    pub now: i64,
}
