//! The warning on open: USD policies that name assets no configured oracle prices.
//!
//! A USD rule over an unpriced asset fails closed (every such transfer waits for the
//! owner's APPROVAL), which is safe but surprising: an operator who set
//! `instant_max_usd` and forgot the price feed finds every payment held. When a vault
//! opens, this asks the oracle once for every asset a USD policy needs and sends one
//! `UNPRICED_ASSETS` event per wallet concerned.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use waiaas_core::policy::{
    PolicyFilter, PolicyRecord, PolicyType, native_asset_id, token_asset_id,
};
use waiaas_core::{Chain, EvmAddress, PolicyId, SolanaAddress, WalletId, WalletInfo};

use crate::admin::Admin;
use crate::notify::{Event, EventKind};

/// The SPENDING_LIMIT fields valued in USD.
const USD_FIELDS: [&str; 5] = [
    "instant_max_usd",
    "notify_max_usd",
    "delay_max_usd",
    "daily_limit_usd",
    "monthly_limit_usd",
];

/// The policy of `ty` the engine would apply to `wallet`.
fn resolve<'a>(
    policies: &'a [PolicyRecord],
    wallet: &WalletInfo,
    ty: PolicyType,
) -> Option<&'a PolicyRecord> {
    waiaas_policy::applicable_policies(wallet.id, wallet.network, policies)
        .get(&ty)
        .copied()
}

/// The token asset ids of the ALLOWED_TOKENS entries usable on `wallet`'s network.
fn allowed_tokens(policy: &PolicyRecord, wallet: &WalletInfo) -> Vec<String> {
    let tokens = policy
        .rules
        .get("tokens")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    tokens
        .iter()
        .filter(|t| {
            t.get("chain")
                .and_then(Value::as_str)
                .is_none_or(|c| c == wallet.chain.as_str())
        })
        .filter_map(|t| t.get("address").and_then(Value::as_str))
        .filter(|a| match wallet.chain {
            Chain::Solana => SolanaAddress::parse(a).is_ok(),
            Chain::Ethereum => EvmAddress::parse(a).is_ok(),
        })
        .map(|a| token_asset_id(wallet.network, a))
        .collect()
}

/// The assets each wallet's USD policies need priced, with the policies that need them.
fn needed(
    wallets: &[WalletInfo],
    policies: &[PolicyRecord],
) -> BTreeMap<WalletId, (BTreeSet<String>, BTreeSet<PolicyId>)> {
    let mut out = BTreeMap::new();
    for wallet in wallets {
        let Some(limit) = resolve(policies, wallet, PolicyType::SpendingLimit) else {
            continue;
        };
        let in_usd = USD_FIELDS
            .iter()
            .any(|f| limit.rules.get(*f).is_some_and(|v| !v.is_null()));
        if !in_usd {
            continue;
        }
        let mut assets = BTreeSet::from([native_asset_id(wallet.network)]);
        let mut ids = BTreeSet::from([limit.id]);
        if let Some(tokens) = resolve(policies, wallet, PolicyType::AllowedTokens) {
            let listed = allowed_tokens(tokens, wallet);
            if !listed.is_empty() {
                ids.insert(tokens.id);
                assets.extend(listed);
            }
        }
        out.insert(wallet.id, (assets, ids));
    }
    out
}

/// Sends one `UNPRICED_ASSETS` event per wallet whose USD policies name assets the
/// oracle has no fresh price for. Best-effort like every notification: a storage error
/// here sends nothing (the next call reports it).
pub(crate) fn announce_unpriced_assets(admin: &Admin) {
    let (Ok(wallets), Ok(policies)) = (admin.wallets(), admin.policies(PolicyFilter::All)) else {
        return;
    };
    let needed = needed(&wallets, &policies);
    let assets: Vec<String> = needed
        .values()
        .flat_map(|(a, _)| a.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if assets.is_empty() {
        return;
    }
    let inner = &admin.inner;
    let book = inner.prices.price_book(&assets);
    let now = inner.now();
    for (wallet, (assets, policy_ids)) in needed {
        let unpriced: Vec<&String> = assets
            .iter()
            .filter(|a| book.fresh(a, now).is_none())
            .collect();
        if unpriced.is_empty() {
            continue;
        }
        let mut event = Event::new(EventKind::UnpricedAssets, now).with_wallet(wallet);
        event.details = json!({
            "assets": unpriced,
            "policyIds": policy_ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "message": "usd policies name assets no configured price oracle prices freshly; \
                        transfers of them wait for the owner's approval until a price is available",
        });
        inner.events.send(event);
    }
}
