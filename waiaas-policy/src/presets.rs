//! Starter policy sets ("quickset"), so a new user is one call away from a working,
//! default-deny wallet.
//!
//! | mode | creates (bound to the wallet) |
//! |---|---|
//! | `mainnet` | SPENDING_LIMIT: INSTANT ≤ 10 USD, NOTIFY ≤ 100 USD, DELAY ≤ 1000 USD (900 s), above that APPROVAL; rolling daily cap 5000 USD (above it APPROVAL). ALLOWED_NETWORKS: the wallet's network. |
//! | `testnet` | SPENDING_LIMIT on the native coin in whole units (testnet coins have no price): INSTANT ≤ 1, NOTIFY ≤ 10, DELAY ≤ 100 (300 s), above that APPROVAL. ALLOWED_NETWORKS: the wallet's network. |
//!
//! Neither creates ALLOWED_TOKENS, CONTRACT_WHITELIST or APPROVED_SPENDERS: token
//! transfers, contract calls and approvals stay denied until the operator lists what
//! the agent may touch. Unlimited approvals are blocked regardless.

use serde::{Deserialize, Serialize};
use serde_json::json;
use waiaas_core::{PolicyRecord, PolicyType, ValidationError, WalletId};

use crate::admin::{NewPolicy, PolicyAdmin, PolicyError};

/// Which starter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum QuicksetMode {
    /// Real money: USD ladder and daily cap.
    Mainnet,
    /// Test coins: native-unit ladder.
    Testnet,
}

/// Creates the starter set for `wallet` and returns the created policies.
///
/// # Errors
/// `WALLET_NOT_FOUND`; `VALIDATION_FAILED` when `mode` does not match the wallet's
/// network (a mainnet wallet gets the mainnet set); `STORAGE_ERROR`.
pub fn quickset(
    admin: &PolicyAdmin<'_>,
    store: &dyn waiaas_core::Store,
    wallet: WalletId,
    mode: QuicksetMode,
) -> Result<Vec<PolicyRecord>, PolicyError> {
    let w = store
        .wallet(wallet)?
        .ok_or(PolicyError::WalletNotFound(wallet))?;
    let mainnet = w.network.info().mainnet;
    if mainnet != (mode == QuicksetMode::Mainnet) {
        return Err(ValidationError::field(
            "mode",
            format!(
                "wallet `{wallet}` is on `{}`; use the `{}` quickset",
                w.network,
                if mainnet { "mainnet" } else { "testnet" }
            ),
        )
        .into());
    }
    let spending = match mode {
        QuicksetMode::Mainnet => json!({
            "instant_max_usd": "10",
            "notify_max_usd": "100",
            "delay_max_usd": "1000",
            "delay_seconds": 900,
            "daily_limit_usd": "5000",
        }),
        QuicksetMode::Testnet => json!({
            "token_limits": { "native": { "instant_max": "1", "notify_max": "10", "delay_max": "100" } },
            "delay_seconds": 300,
        }),
    };
    let mut out = Vec::new();
    out.push(admin.create(NewPolicy::new(PolicyType::SpendingLimit, spending).for_wallet(wallet))?);
    out.push(
        admin.create(
            NewPolicy::new(
                PolicyType::AllowedNetworks,
                json!({ "networks": [w.network.as_str()] }),
            )
            .for_wallet(wallet),
        )?,
    );
    Ok(out)
}
