//! Placement: where a decided request goes, from the decision, what the caller states
//! about the request ([`PlacementRules`]) and what the backend read inside the admission
//! transaction (the wallet's owner, the operator [`Settings`]) — so a setting changed
//! or an owner registered after the caller prepared the request is always honoured.

use waiaas_core::WalletId;
use waiaas_core::policy::Decision;
use waiaas_core::settings::Settings;
use waiaas_core::store::{DurableNonceUse, Placement, PlacementRefusal, PlacementRules};
use waiaas_core::tier::{Tier, TxStatus};

/// Where a decided request goes at `now`, and why it was refused if the policies
/// allowed it but the settings in force or a missing owner do not: a denial is FAILED
/// `POLICY_DENIED`; a refusal FAILED with its code and message; otherwise by tier
/// (INSTANT and NOTIFY EXECUTING, DELAY QUEUED, APPROVAL PENDING_APPROVAL — or QUEUED
/// for a DELAY window when `has_owner` is false).
#[must_use]
pub fn place(
    decision: &Decision,
    rules: &PlacementRules,
    settings: &Settings,
    has_owner: bool,
    now: i64,
) -> (Placement, Option<PlacementRefusal>) {
    let refused = if decision.allowed {
        refusal(rules, settings, has_owner)
    } else {
        None
    };
    match refused {
        Some(r) => (
            Placement {
                status: TxStatus::Failed,
                execute_after: None,
                expires_at: None,
                error_code: Some(r.code().to_owned()),
                error_message: Some(r.message()),
            },
            Some(r),
        ),
        None => (by_tier(decision, settings, has_owner, now), None),
    }
}

/// Why the settings in force refuse an allowed request, checked in this order: a
/// durable nonce the operator has not enabled (or whose authority is not the wallet),
/// an allowance increase with no owner to approve it, a fee above the ceiling.
#[must_use]
pub fn refusal(
    rules: &PlacementRules,
    settings: &Settings,
    has_owner: bool,
) -> Option<PlacementRefusal> {
    if let Some(nonce) = &rules.durable_nonce
        && let Some(r) = durable_nonce(settings, rules.wallet_id, &rules.wallet_address, nonce)
    {
        return Some(r);
    }
    if rules.needs_owner && !has_owner {
        return Some(PlacementRefusal::OwnerRequired);
    }
    let ceiling = settings.fee_ceiling(rules.network);
    rules
        .max_fee
        .filter(|fee| *fee > ceiling)
        .map(|fee| PlacementRefusal::FeeAboveCeiling { fee, ceiling })
}

/// A durable-nonce transaction can be held back and landed at any later time (after
/// the kill switch, or on a day whose cap it was not counted in): it is signed only for
/// a wallet the operator enabled, and only when the nonce authority is the wallet
/// (`address`), so the operator can void a pending signature by advancing the nonce.
/// The one check admission, raw signing and execution of a queued row all apply.
#[must_use]
pub fn durable_nonce(
    settings: &Settings,
    wallet: WalletId,
    address: &str,
    nonce: &DurableNonceUse,
) -> Option<PlacementRefusal> {
    if !settings.durable_nonce_wallets.contains(&wallet) {
        return Some(PlacementRefusal::DurableNonceNotEnabled {
            wallet_id: wallet,
            nonce_account: nonce.nonce_account.clone(),
        });
    }
    if nonce.authority != address {
        return Some(PlacementRefusal::DurableNonceAuthority {
            authority: nonce.authority.clone(),
        });
    }
    None
}

/// Where a decided request goes by tier at `now` (no refusal): a denial FAILED
/// `POLICY_DENIED` with the reason codes; INSTANT and NOTIFY EXECUTING; DELAY QUEUED
/// until the policy's delay (or the default); APPROVAL PENDING_APPROVAL until the
/// policy's approval timeout (or the default), or — with no owner to ask — QUEUED for
/// a DELAY window instead.
#[must_use]
pub fn by_tier(decision: &Decision, settings: &Settings, has_owner: bool, now: i64) -> Placement {
    let secs = |s: u64| now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX));
    let base = Placement {
        status: TxStatus::Executing,
        execute_after: None,
        expires_at: None,
        error_code: None,
        error_message: None,
    };
    if !decision.allowed {
        return Placement {
            status: TxStatus::Failed,
            error_code: Some("POLICY_DENIED".to_owned()),
            error_message: Some(decision.reason_codes().join(", ")),
            ..base
        };
    }
    let delay = Placement {
        status: TxStatus::Queued,
        execute_after: Some(secs(
            decision
                .delay_seconds
                .unwrap_or(settings.default_delay_secs),
        )),
        ..base.clone()
    };
    match decision.tier {
        Tier::Instant | Tier::Notify => base,
        Tier::Delay => delay,
        // No owner to ask: the request waits out a DELAY window instead.
        Tier::Approval if !has_owner => delay,
        Tier::Approval => Placement {
            status: TxStatus::PendingApproval,
            expires_at: Some(secs(
                decision
                    .approval_timeout
                    .unwrap_or(settings.approval_timeout_secs),
            )),
            ..base
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waiaas_core::Amount;
    use waiaas_core::chain::Network;

    fn rules(wallet: WalletId) -> PlacementRules {
        PlacementRules {
            network: Network::SolanaDevnet,
            wallet_id: wallet,
            wallet_address: "wallet".to_owned(),
            max_fee: None,
            durable_nonce: None,
            needs_owner: false,
        }
    }

    fn allowed(tier: Tier) -> Decision {
        Decision {
            allowed: true,
            tier,
            reasons: Vec::new(),
            ..denied()
        }
    }

    fn denied() -> Decision {
        Decision::deny(waiaas_core::policy::Reason {
            policy_id: None,
            policy_type: None,
            code: "X".to_owned(),
            message: "x".to_owned(),
            instruction: None,
        })
    }

    #[test]
    fn refusals_come_in_order_with_stable_codes_and_messages() {
        let w = WalletId::new();
        let settings = Settings::default();
        let nonce = DurableNonceUse {
            nonce_account: "nonce".to_owned(),
            authority: "other".to_owned(),
        };
        let all = PlacementRules {
            durable_nonce: Some(nonce.clone()),
            needs_owner: true,
            max_fee: Some(Amount::from_u64(u64::MAX)),
            ..rules(w)
        };
        let r = refusal(&all, &settings, false).unwrap();
        assert_eq!(
            r,
            PlacementRefusal::DurableNonceNotEnabled {
                wallet_id: w,
                nonce_account: "nonce".to_owned()
            }
        );
        assert_eq!(r.code(), "DURABLE_NONCE_NOT_ALLOWED");
        assert_eq!(
            r.message(),
            format!(
                "durable nonce not allowed: the transaction uses durable nonce account `nonce` and never expires; the operator has not enabled durable nonces for wallet `{w}`"
            )
        );
        let enabled = Settings {
            durable_nonce_wallets: vec![w],
            ..Settings::default()
        };
        let r = refusal(&all, &enabled, false).unwrap();
        assert_eq!(r.code(), "DURABLE_NONCE_NOT_ALLOWED");
        assert_eq!(
            r.message(),
            "durable nonce not allowed: the nonce authority `other` is not the wallet; only a nonce the wallet can advance is allowed"
        );
        let own = PlacementRules {
            durable_nonce: Some(DurableNonceUse {
                authority: "wallet".to_owned(),
                ..nonce
            }),
            ..all
        };
        let r = refusal(&own, &enabled, false).unwrap();
        assert_eq!(r, PlacementRefusal::OwnerRequired);
        assert_eq!(r.code(), "VALIDATION_FAILED");
        assert_eq!(
            r.message(),
            "invalid `request`: raises an allowance whose total is not stated; register an owner to approve it"
        );
        let r = refusal(&own, &enabled, true).unwrap();
        assert_eq!(r.code(), "VALIDATION_FAILED");
        assert_eq!(
            r.message(),
            format!(
                "invalid `fee`: the network fee can reach `{}` base units, above the ceiling of `10000000` now in force",
                u64::MAX
            )
        );
        let at_ceiling = PlacementRules {
            max_fee: Some(Amount::from_u64(10_000_000)),
            ..own
        };
        assert_eq!(refusal(&at_ceiling, &enabled, true), None);
    }

    #[test]
    fn a_denial_is_never_refused_and_placement_follows_the_tier() {
        let w = WalletId::new();
        let settings = Settings::default();
        let needs = PlacementRules {
            needs_owner: true,
            ..rules(w)
        };
        let (p, r) = place(&denied(), &needs, &settings, false, 100);
        assert_eq!((p.status, r), (TxStatus::Failed, None));
        assert_eq!(p.error_code.as_deref(), Some("POLICY_DENIED"));
        assert_eq!(p.error_message.as_deref(), Some("X"));
        let plain = rules(w);
        let at = |tier, owner| place(&allowed(tier), &plain, &settings, owner, 100).0;
        assert_eq!(at(Tier::Instant, false).status, TxStatus::Executing);
        assert_eq!(at(Tier::Notify, false).status, TxStatus::Executing);
        assert_eq!(at(Tier::Delay, true).execute_after, Some(1000));
        let approval = at(Tier::Approval, true);
        assert_eq!(approval.status, TxStatus::PendingApproval);
        assert_eq!(approval.expires_at, Some(3700));
        let shifted = at(Tier::Approval, false);
        assert_eq!(shifted.status, TxStatus::Queued);
        assert_eq!(shifted.execute_after, Some(1000));
        assert_eq!(shifted.expires_at, None);
    }
}
