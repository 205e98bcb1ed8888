//! The rules that judge an `action` descriptor (venue, lending, perp, category caps,
//! counterparty reputation), and the owner's look at calls nobody described.

use waiaas_core::policy::{
    ActionDescriptor, ApprovalReason, DAILY_WINDOW, MONTHLY_WINDOW, RequestBody,
};
use waiaas_core::{PolicyType, Tier};

use super::Eval;
use crate::codes;
use crate::rules::Rules;

impl Eval<'_> {
    /// A contract call nobody described, under policies that judge DeFi actions: those
    /// rules cannot be applied, so the owner decides instead of nobody.
    pub(super) fn undescribed(&mut self, body: &RequestBody) {
        // Calls, and typed data the operator allow-listed without waiaas decoding it
        // (orders on a venue), are what DeFi actions are made of.
        let calls = match body {
            RequestBody::ContractCall { .. }
            | RequestBody::SignTypedData {
                unrecognised: Some(_),
                ..
            } => true,
            RequestBody::Batch { instructions } => instructions
                .iter()
                .any(|i| matches!(i, RequestBody::ContractCall { .. })),
            _ => false,
        };
        let defi: Vec<PolicyType> = [
            PolicyType::VenueWhitelist,
            PolicyType::LendingLtvLimit,
            PolicyType::LendingAssetWhitelist,
            PolicyType::PerpMaxLeverage,
            PolicyType::PerpMaxPositionUsd,
            PolicyType::PerpAllowedMarkets,
            PolicyType::ActionCategoryLimit,
        ]
        .into_iter()
        .filter(|t| self.resolved.contains_key(t))
        .collect();
        if calls && let Some(first) = defi.first() {
            self.raise(Tier::Approval, Some(ApprovalReason::ActionCategory));
            self.warn(
                Some(*first),
                codes::ACTION_UNDESCRIBED,
                format!("a contract call without an action descriptor cannot be judged by {first}; the owner must approve (or the host's action provider must describe it)"),
            );
        }
    }

    pub(super) fn reputation(&mut self, score: Option<u8>) {
        if let Some((
            _,
            &Rules::ReputationThreshold {
                min_score,
                below_threshold_tier,
                unrated_tier,
            },
        )) = self.rules(PolicyType::ReputationThreshold)
        {
            match score {
                None => self.raise(unrated_tier, Some(ApprovalReason::Reputation)),
                Some(s) if s < min_score => {
                    self.raise(below_threshold_tier, Some(ApprovalReason::Reputation));
                }
                Some(_) => {}
            }
        }
    }

    pub(super) fn actions(&mut self, a: &ActionDescriptor) {
        let category = a.category.as_ref().map(|c| c.to_lowercase());
        if let (Some(c), Some(n)) = (&category, a.notional_usd)
            && self.spend.category.is_none()
        {
            self.spend.category = Some(c.clone());
            self.spend.category_usd = Some(n);
        }
        let missing = |ev: &mut Self, t: PolicyType, field: &str| {
            ev.deny(
                Some(t),
                codes::ACTION_FIELD_MISSING,
                format!("{t} needs the action's `{field}`; the caller must describe it"),
                None,
            );
        };
        if let Some((_, Rules::VenueWhitelist { venues })) = self.rules(PolicyType::VenueWhitelist)
        {
            let venues = venues.clone();
            match &a.venue {
                None => missing(self, PolicyType::VenueWhitelist, "venue"),
                Some(v) if !venues.contains(&v.to_lowercase()) => self.deny(
                    Some(PolicyType::VenueWhitelist),
                    codes::VENUE_NOT_ALLOWED,
                    format!("venue `{v}` is not in VENUE_WHITELIST; add it to the policy"),
                    None,
                ),
                Some(_) => {}
            }
        }
        match category.as_deref() {
            Some("lending") => self.lending(a, &missing),
            Some("perp") => self.perp(a, &missing),
            _ => {}
        }
        if let Some((_, Rules::ActionCategoryLimit(c))) =
            self.rules(PolicyType::ActionCategoryLimit)
            && category.as_deref() == Some(c.category.as_str())
        {
            let c = c.clone();
            let mut exceeded: Vec<String> = Vec::new();
            match a.notional_usd {
                None => exceeded.push("the action has no `notional_usd`".to_owned()),
                Some(n) => {
                    if let Some(max) = c.per_action_limit_usd
                        && n > max
                    {
                        exceeded.push(format!("{n} USD is above the per-action {max} USD"));
                    }
                    for (limit, w, name) in [
                        (c.daily_limit_usd, DAILY_WINDOW, "daily"),
                        (c.monthly_limit_usd, MONTHLY_WINDOW, "monthly"),
                    ] {
                        let Some(limit) = limit else { continue };
                        let Some(win) = self.window(w, PolicyType::ActionCategoryLimit) else {
                            continue;
                        };
                        let so_far = win
                            .category_usd
                            .get(&c.category)
                            .copied()
                            .unwrap_or_default();
                        let projected = so_far.saturating_add(n);
                        if projected > limit {
                            exceeded.push(format!(
                                "{name} `{}` total would be {projected} USD, above {limit} USD",
                                c.category
                            ));
                        }
                    }
                }
            }
            if !exceeded.is_empty() {
                let text = exceeded.join("; ");
                match c.tier_on_exceed {
                    Some(t) => {
                        self.raise(t, Some(ApprovalReason::ActionCategory));
                        self.warn(
                            Some(PolicyType::ActionCategoryLimit),
                            codes::ACTION_CATEGORY_LIMIT_ESCALATED,
                            format!("{text}; tier raised to {t}"),
                        );
                    }
                    None => self.deny(
                        Some(PolicyType::ActionCategoryLimit),
                        codes::ACTION_CATEGORY_LIMIT_EXCEEDED,
                        format!("{text}; lower the size or raise the ACTION_CATEGORY_LIMIT"),
                        None,
                    ),
                }
            }
        }
    }

    pub(super) fn lending(
        &mut self,
        a: &ActionDescriptor,
        missing: &dyn Fn(&mut Self, PolicyType, &str),
    ) {
        if let Some((
            _,
            &Rules::LendingLtvLimit {
                max_ltv,
                warning_ltv,
            },
        )) = self.rules(PolicyType::LendingLtvLimit)
        {
            match a.projected_ltv {
                None => missing(self, PolicyType::LendingLtvLimit, "projected_ltv"),
                Some(ltv) if ltv > max_ltv => self.deny(
                    Some(PolicyType::LendingLtvLimit),
                    codes::LENDING_LTV_EXCEEDED,
                    format!("projected LTV {ltv} is above `max_ltv` {max_ltv}; borrow less or add collateral"),
                    None,
                ),
                Some(ltv) if ltv >= warning_ltv => {
                    self.raise(Tier::Delay, None);
                    self.warn(
                        Some(PolicyType::LendingLtvLimit),
                        codes::LENDING_LTV_WARNING,
                        format!("projected LTV {ltv} is at or above `warning_ltv` {warning_ltv}; delayed"),
                    );
                }
                Some(_) => {}
            }
        }
        if let Some((_, Rules::LendingAssetWhitelist { assets })) =
            self.rules(PolicyType::LendingAssetWhitelist)
        {
            let assets = assets.clone();
            match &a.asset {
                None => missing(self, PolicyType::LendingAssetWhitelist, "asset"),
                Some(x) if !assets.contains(&x.to_lowercase()) => self.deny(
                    Some(PolicyType::LendingAssetWhitelist),
                    codes::LENDING_ASSET_NOT_ALLOWED,
                    format!("lending asset `{x}` is not in LENDING_ASSET_WHITELIST; add it to the policy"),
                    None,
                ),
                Some(_) => {}
            }
        }
    }

    pub(super) fn perp(
        &mut self,
        a: &ActionDescriptor,
        missing: &dyn Fn(&mut Self, PolicyType, &str),
    ) {
        if let Some((
            _,
            &Rules::PerpMaxLeverage {
                max_leverage,
                warning_leverage,
            },
        )) = self.rules(PolicyType::PerpMaxLeverage)
        {
            match a.leverage {
                None => missing(self, PolicyType::PerpMaxLeverage, "leverage"),
                Some(l) if l > max_leverage => self.deny(
                    Some(PolicyType::PerpMaxLeverage),
                    codes::PERP_LEVERAGE_EXCEEDED,
                    format!("leverage {l} is above `max_leverage` {max_leverage}; lower it"),
                    None,
                ),
                Some(l) if warning_leverage.is_some_and(|w| l >= w) => {
                    self.raise(Tier::Delay, None);
                    self.warn(
                        Some(PolicyType::PerpMaxLeverage),
                        codes::PERP_LEVERAGE_WARNING,
                        format!("leverage {l} is at or above `warning_leverage`; delayed"),
                    );
                }
                Some(_) => {}
            }
        }
        if let Some((
            _,
            &Rules::PerpMaxPositionUsd {
                max_position_usd,
                warning_position_usd,
            },
        )) = self.rules(PolicyType::PerpMaxPositionUsd)
        {
            match a.notional_usd {
                None => missing(self, PolicyType::PerpMaxPositionUsd, "notional_usd"),
                Some(n) if n > max_position_usd => self.deny(
                    Some(PolicyType::PerpMaxPositionUsd),
                    codes::PERP_POSITION_EXCEEDED,
                    format!("position of {n} USD is above `max_position_usd` {max_position_usd}; reduce it"),
                    None,
                ),
                Some(n) if warning_position_usd.is_some_and(|w| n >= w) => {
                    self.raise(Tier::Delay, None);
                    self.warn(
                        Some(PolicyType::PerpMaxPositionUsd),
                        codes::PERP_POSITION_WARNING,
                        format!("position of {n} USD is at or above `warning_position_usd`; delayed"),
                    );
                }
                Some(_) => {}
            }
        }
        if let Some((_, Rules::PerpAllowedMarkets { markets })) =
            self.rules(PolicyType::PerpAllowedMarkets)
        {
            let markets = markets.clone();
            match &a.market {
                None => missing(self, PolicyType::PerpAllowedMarkets, "market"),
                Some(m) if !markets.contains(&m.to_lowercase()) => self.deny(
                    Some(PolicyType::PerpAllowedMarkets),
                    codes::PERP_MARKET_NOT_ALLOWED,
                    format!("market `{m}` is not in PERP_ALLOWED_MARKETS; add it to the policy"),
                    None,
                ),
                Some(_) => {}
            }
        }
    }
}
