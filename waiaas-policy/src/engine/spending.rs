//! SPENDING_LIMIT: per-asset totals, the native, `token_limits` and USD ladders over
//! what is in flight, unknown prices, the rolling daily and monthly caps, and the
//! network fee as native value.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use waiaas_core::policy::{
    ApprovalReason, DAILY_WINDOW, FeeBound, MONTHLY_WINDOW, Reason, native_asset_id,
};
use waiaas_core::{Amount, PolicyType, Tier, Usd};

use super::{Eval, Move};
use crate::codes;
use crate::matching::AssetKey;
use crate::rules::{Ladder, Rules, SpendingLimit};

/// `total >= 80 % of limit`.
pub(super) fn at_80_percent(total: Usd, limit: Usd) -> bool {
    limit
        .as_decimal()
        .checked_mul(Decimal::new(8, 1))
        .is_none_or(|threshold| total.as_decimal() >= threshold)
}

impl Eval<'_> {
    pub(super) fn fee(&mut self, fee: FeeBound) {
        if let Some(ceiling) = fee.ceiling
            && fee.max > ceiling
        {
            let info = self.network.info();
            self.deny(
                None,
                codes::FEE_TOO_HIGH,
                format!(
                    "the network fee can reach {} {} (`{}` base units), above this network's ceiling of {} {}; lower the gas limit, fee cap or priority fee",
                    fee.max.to_human(info.native_decimals),
                    info.native_symbol,
                    fee.max,
                    ceiling.to_human(info.native_decimals),
                    info.native_symbol
                ),
                None,
            );
        }
        if !fee.max.is_zero() {
            self.move_native(fee.max);
        }
    }

    pub(super) fn move_native(&mut self, amount: Amount) {
        let info = self.network.info();
        self.moves.push(Move {
            asset_id: native_asset_id(self.network),
            amount,
            decimals: Some(info.native_decimals),
            native: true,
        });
    }

    pub(super) fn spending(&mut self) {
        // Aggregate per asset (a batch is judged on its totals, so splitting a payment
        // into small instructions gains nothing).
        let mut totals: BTreeMap<String, (Amount, Option<u8>, bool)> = BTreeMap::new();
        for m in std::mem::take(&mut self.moves) {
            let entry =
                totals
                    .entry(m.asset_id.clone())
                    .or_insert((Amount::ZERO, m.decimals, m.native));
            if entry.1 != m.decimals {
                self.deny(
                    None,
                    codes::INVALID_REQUEST,
                    format!(
                        "asset `{}` is given with decimals {:?} and {:?}; use one",
                        m.asset_id, entry.1, m.decimals
                    ),
                    None,
                );
            }
            match entry.0.checked_add(m.amount) {
                Some(sum) => entry.0 = sum,
                None => {
                    entry.0 = Amount::MAX;
                    self.reasons.push(Reason {
                        policy_id: None,
                        policy_type: None,
                        code: codes::INVALID_AMOUNT.to_owned(),
                        message: format!("amounts of `{}` overflow when added", m.asset_id),
                        instruction: None,
                    });
                }
            }
        }
        // Known USD value of everything moved (recorded even without USD rules, so a
        // cap added later counts past spending).
        let mut usd_total = Usd::ZERO;
        let mut unpriced: Vec<String> = Vec::new();
        for (asset, (amount, decimals, _)) in &totals {
            match self
                .prices
                .fresh(asset, self.now)
                .and_then(|q| Usd::value_of(*amount, (*decimals)?, q.usd))
            {
                Some(v) => usd_total = usd_total.saturating_add(v),
                None => unpriced.push(asset.clone()),
            }
        }
        if !totals.is_empty() {
            // USD of the priced assets; none at all when nothing could be priced.
            self.spend.usd = (unpriced.len() < totals.len()).then_some(usd_total);
            self.spend.assets = totals.iter().map(|(k, v)| (k.clone(), v.0)).collect();
        }
        if !self.needs_spending_limit && totals.is_empty() {
            return;
        }
        let sl = match self.rules(PolicyType::SpendingLimit) {
            Some((_, Rules::SpendingLimit(s))) => s.clone(),
            _ => {
                self.deny_missing(
                    PolicyType::SpendingLimit,
                    codes::NO_POLICY,
                    format!(
                        "`{}` moves value and needs a SPENDING_LIMIT policy; create one",
                        self.req.body.kind()
                    ),
                    None,
                );
                return;
            }
        };
        // Per-transaction ladders judge this request plus what is still in flight, so
        // queued or concurrent requests cannot split one payment into small ones.
        let Some(in_flight) = self.ledger.in_flight.clone() else {
            self.deny(
                Some(PolicyType::SpendingLimit),
                codes::LEDGER_UNAVAILABLE,
                "the in-flight totals of the ledger were not provided; the decision cannot be made safely".to_owned(),
                None,
            );
            return;
        };
        let usd_rules =
            sl.usd.is_present() || sl.daily_limit_usd.is_some() || sl.monthly_limit_usd.is_some();
        for (asset, (amount, decimals, native)) in &totals {
            let pending = in_flight.assets.get(asset).copied().unwrap_or_default();
            let effective = amount.checked_add(pending).unwrap_or(Amount::MAX);
            let mut covered = usd_rules;
            if *native && sl.native.is_present() {
                covered = true;
                if let Some(t) = sl.native.tier(effective) {
                    self.raise(t, Some(ApprovalReason::PerTx));
                }
            }
            if let Some(t) = self.token_limit_tier(&sl, asset, effective, *decimals, *native) {
                covered = true;
                if let Some(t) = t {
                    self.raise(t, Some(ApprovalReason::PerTx));
                }
            }
            if !covered {
                self.deny(
                    Some(PolicyType::SpendingLimit),
                    codes::SPENDING_LIMIT_NOT_COVERED,
                    format!("no SPENDING_LIMIT limit covers asset `{asset}`; add `token_limits` for it or USD limits"),
                    None,
                );
            }
        }
        if !usd_rules {
            return;
        }
        if !unpriced.is_empty() {
            self.raise(Tier::Approval, Some(ApprovalReason::UnknownPrice));
            self.warn(
                Some(PolicyType::SpendingLimit),
                codes::PRICE_UNAVAILABLE,
                format!(
                    "no fresh USD price for {}; the owner must approve",
                    unpriced.join(", ")
                ),
            );
            return;
        }
        if let Some(t) = sl.usd.tier(usd_total.saturating_add(in_flight.usd)) {
            self.raise(t, Some(ApprovalReason::PerTx));
        }
        for (limit, w, why, over, near, name) in [
            (
                sl.daily_limit_usd,
                DAILY_WINDOW,
                ApprovalReason::CumulativeDaily,
                codes::DAILY_LIMIT_EXCEEDED,
                codes::DAILY_LIMIT_WARNING,
                "daily",
            ),
            (
                sl.monthly_limit_usd,
                MONTHLY_WINDOW,
                ApprovalReason::CumulativeMonthly,
                codes::MONTHLY_LIMIT_EXCEEDED,
                codes::MONTHLY_LIMIT_WARNING,
                "monthly",
            ),
        ] {
            let Some(limit) = limit else { continue };
            let Some(win) = self.window(w, PolicyType::SpendingLimit) else {
                continue;
            };
            let projected = win.usd.saturating_add(usd_total);
            if projected > limit {
                self.raise(Tier::Approval, Some(why));
                self.warn(
                    Some(PolicyType::SpendingLimit),
                    over,
                    format!("{name} spending would reach {projected} USD, above the {limit} USD cap; the owner must approve"),
                );
            } else if at_80_percent(projected, limit) {
                self.warn(
                    Some(PolicyType::SpendingLimit),
                    near,
                    format!("{name} spending reaches {projected} of {limit} USD (80 % or more)"),
                );
            }
        }
    }

    /// `Some(tier)` when a `token_limits` entry covers `asset` (`Some(None)` never
    /// happens: a matched entry always has a rung); `None` when none matches.
    pub(super) fn token_limit_tier(
        &mut self,
        sl: &SpendingLimit,
        asset: &str,
        amount: Amount,
        decimals: Option<u8>,
        native: bool,
    ) -> Option<Option<Tier>> {
        // Human-unit limits need trusted decimals: without them no entry matches, and
        // the asset is judged unpriced.
        let decimals = decimals?;
        let network = self.network;
        let chain = self.chain;
        let rank = |k: &AssetKey| -> Option<u8> {
            match k {
                AssetKey::Caip19(id) => (!native && id == asset).then_some(0),
                AssetKey::NativeNetwork(n) => (native && *n == network).then_some(1),
                AssetKey::NativeChain(c) => (native && *c == chain).then_some(2),
                AssetKey::Native => native.then_some(3),
            }
        };
        let tl = sl
            .token_limits
            .iter()
            .filter_map(|t| rank(&t.key.0).map(|r| (r, t)))
            .min_by_key(|(r, _)| *r)
            .map(|(_, t)| t)?;
        let mut rungs: [Option<Amount>; 3] = [None, None, None];
        for (slot, text) in rungs.iter_mut().zip(&tl.text) {
            if let Some(text) = text {
                match Amount::parse_human(text, decimals) {
                    Ok(a) => *slot = Some(a),
                    Err(e) => {
                        self.deny(
                            Some(PolicyType::SpendingLimit),
                            codes::TOKEN_LIMIT_INVALID,
                            format!(
                                "token_limits.`{}` value `{text}` does not fit {decimals} decimals ({e}); fix the policy",
                                tl.key.as_string()
                            ),
                            None,
                        );
                        return Some(None);
                    }
                }
            }
        }
        let [instant, notify, delay] = rungs;
        Some(
            Ladder {
                instant,
                notify,
                delay,
            }
            .tier(amount),
        )
    }
}
