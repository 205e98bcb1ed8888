//! The spend ledger: window totals, the snapshot a decision sees, reservations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Spend, Usd};
use crate::amount::Amount;
use crate::chain::Network;
use crate::ids::{TxId, WalletId};
use crate::tier::Tier;

/// Rolling-window totals of one wallet: everything admitted in the last
/// `window_seconds` (in-flight and committed; released reservations count as requests
/// but no longer as spend).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowTotals {
    /// Admitted requests.
    pub requests: u64,
    /// Admitted ERC-8128 signed requests.
    #[serde(default)]
    pub erc8128_requests: u64,
    /// USD value (of entries that had one).
    pub usd: Usd,
    /// Base units per asset id.
    #[serde(default)]
    pub assets: BTreeMap<String, Amount>,
    /// Notional USD per action category.
    #[serde(default)]
    pub category_usd: BTreeMap<String, Usd>,
}

impl WindowTotals {
    /// Adds an admitted request (its count and its spend).
    pub fn add(&mut self, spend: &Spend) {
        self.requests = self.requests.saturating_add(1);
        if spend.erc8128 {
            self.erc8128_requests = self.erc8128_requests.saturating_add(1);
        }
        self.add_spend(spend);
    }

    fn add_spend(&mut self, spend: &Spend) {
        if let Some(usd) = spend.usd {
            self.usd = self.usd.saturating_add(usd);
        }
        for (asset, amount) in &spend.assets {
            let slot = self.assets.entry(asset.clone()).or_default();
            *slot = slot.checked_add(*amount).unwrap_or(Amount::MAX);
        }
        if let (Some(cat), Some(usd)) = (&spend.category, spend.category_usd) {
            let slot = self.category_usd.entry(cat.clone()).or_default();
            *slot = slot.saturating_add(usd);
        }
    }

    /// Removes the spend of a released reservation (its request still counts).
    pub fn remove_spend(&mut self, spend: &Spend) {
        if let Some(usd) = spend.usd {
            self.usd = self.usd.saturating_sub(usd);
        }
        for (asset, amount) in &spend.assets {
            if let Some(slot) = self.assets.get_mut(asset) {
                *slot = slot.saturating_sub(*amount);
                if slot.is_zero() {
                    self.assets.remove(asset);
                }
            }
        }
        if let (Some(cat), Some(usd)) = (&spend.category, spend.category_usd)
            && let Some(slot) = self.category_usd.get_mut(cat)
        {
            *slot = slot.saturating_sub(usd);
            if *slot == Usd::ZERO {
                self.category_usd.remove(cat);
            }
        }
    }

    /// Removes a request that left the window; `released` says whether its spend was
    /// already removed.
    pub fn remove(&mut self, spend: &Spend, released: bool) {
        self.requests = self.requests.saturating_sub(1);
        if spend.erc8128 {
            self.erc8128_requests = self.erc8128_requests.saturating_sub(1);
        }
        if !released {
            self.remove_spend(spend);
        }
    }
}

/// The ledger state a decision sees: totals per window length (seconds), and what is
/// in flight. `Default` knows nothing (an engine denies rather than assume zero);
/// [`LedgerSnapshot::empty`] is a wallet without history.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerSnapshot {
    /// Totals by window length in seconds.
    pub windows: BTreeMap<u64, WindowTotals>,
    /// Reservations not yet committed or released (queued, awaiting approval,
    /// executing), whatever their age: per-transaction ladders judge the request plus
    /// these, so concurrent or queued requests cannot split one payment into many
    /// small ones. `None` when unknown.
    #[serde(default)]
    pub in_flight: Option<WindowTotals>,
}

impl LedgerSnapshot {
    /// The snapshot of a wallet without history: nothing in flight, and every window
    /// in `windows` empty.
    #[must_use]
    pub fn empty(windows: &[u64]) -> Self {
        Self {
            windows: windows
                .iter()
                .map(|w| (*w, WindowTotals::default()))
                .collect(),
            in_flight: Some(WindowTotals::default()),
        }
    }
}

/// Rolling day: 86 400 s.
pub const DAILY_WINDOW: u64 = 86_400;
/// Rolling month: 2 592 000 s (30 days).
pub const MONTHLY_WINDOW: u64 = 2_592_000;

crate::string_enum! {
    /// Status of a spend reservation.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ReservationStatus {
        /// Admitted, not yet executed (counts toward windows).
        Reserved => "RESERVED",
        /// Executed (counts toward windows).
        Committed => "COMMITTED",
        /// Cancelled, rejected, expired or failed (counts as a request, not as spend).
        Released => "RELEASED",
    }
    field = "status", what = "a reservation status";
}

/// A row of the spend ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reservation {
    /// The request id.
    pub request_id: TxId,
    /// Wallet.
    pub wallet_id: WalletId,
    /// Network.
    pub network: Network,
    /// Request kind (`TRANSFER`, …).
    pub kind: String,
    /// Tier it was admitted at.
    pub tier: Tier,
    /// Status.
    pub status: ReservationStatus,
    /// What it counts for.
    pub spend: Spend,
    /// When it was reserved.
    pub created_at: i64,
    /// Last status change.
    pub updated_at: i64,
}
