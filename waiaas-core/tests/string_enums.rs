//! The string enums (declared with `string_enum!`) keep the exact strings they had when
//! they were hand-written, and every form — `as_str`, `parse`, `Display`, `FromStr`,
//! serde — agrees on them and refuses anything else.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use std::fmt::Debug;
use std::str::FromStr;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use waiaas_core::audit::AuditScheme;
use waiaas_core::policy::{ApprovalReason, ReservationStatus};
use waiaas_core::session::SessionStatus;
use waiaas_core::store::{KillSwitchState, OwnerState, WalletStatus};
use waiaas_core::vault::KdfProfile;
use waiaas_core::{
    Chain, ErrorCode, Network, Permission, PolicyType, Tier, TxStatus, ValidationError,
};

/// Every variant round-trips through every form, and near misses are refused by all.
fn check<T>(all: &[T], pinned: &[&str], as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>)
where
    T: Copy
        + PartialEq
        + Debug
        + ToString
        + FromStr<Err = ValidationError>
        + Serialize
        + DeserializeOwned,
{
    let names: Vec<&str> = all.iter().map(|v| as_str(*v)).collect();
    assert_eq!(names, pinned, "the strings changed");
    for (v, s) in all.iter().copied().zip(pinned) {
        assert_eq!(v.to_string(), *s);
        assert_eq!(parse(s), Some(v));
        assert_eq!(s.parse::<T>().unwrap(), v);
        assert_eq!(serde_json::to_value(v).unwrap(), json!(s));
        assert_eq!(serde_json::from_value::<T>(json!(s)).unwrap(), v);
        // Exact match only: no trimming, no case folding.
        let flipped: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect();
        for near in [
            format!(" {s}"),
            format!("{s} "),
            flipped,
            format!("{s}_"),
            String::new(),
        ] {
            assert_eq!(parse(&near), None, "{near:?}");
            let err = near.parse::<T>().unwrap_err();
            assert_eq!(err.code(), "VALIDATION_FAILED");
            assert!(
                err.to_string().contains(&format!("`{near}` is not ")),
                "{err}"
            );
            assert!(
                serde_json::from_value::<T>(json!(near)).is_err(),
                "{near:?}"
            );
        }
    }
}

#[test]
fn tier() {
    check(
        &Tier::ALL,
        &["INSTANT", "NOTIFY", "DELAY", "APPROVAL"],
        Tier::as_str,
        Tier::parse,
    );
    // Declaration order is the tier order.
    assert!(
        Tier::Instant < Tier::Notify && Tier::Notify < Tier::Delay && Tier::Delay < Tier::Approval
    );
    assert_eq!(
        "FAST".parse::<Tier>().unwrap_err().to_string(),
        "invalid `tier`: `FAST` is not a tier; use one of `INSTANT`, `NOTIFY`, `DELAY`, `APPROVAL`"
    );
    assert_eq!(
        serde_json::from_value::<Tier>(json!("FAST"))
            .unwrap_err()
            .to_string(),
        "unknown variant `FAST`, expected one of `INSTANT`, `NOTIFY`, `DELAY`, `APPROVAL`"
    );
}

#[test]
fn tx_status() {
    check(
        &TxStatus::ALL,
        &[
            "PENDING",
            "QUEUED",
            "PENDING_APPROVAL",
            "EXECUTING",
            "SIGNED",
            "SUBMITTED",
            "CONFIRMED",
            "FAILED",
            "CANCELLED",
            "REJECTED",
            "EXPIRED",
        ],
        TxStatus::as_str,
        TxStatus::parse,
    );
}

#[test]
fn policy_type() {
    check(
        &PolicyType::ALL,
        &[
            "SPENDING_LIMIT",
            "WHITELIST",
            "TIME_RESTRICTION",
            "RATE_LIMIT",
            "ALLOWED_TOKENS",
            "CONTRACT_WHITELIST",
            "METHOD_WHITELIST",
            "APPROVED_SPENDERS",
            "APPROVE_AMOUNT_LIMIT",
            "APPROVE_TIER_OVERRIDE",
            "ALLOWED_NETWORKS",
            "X402_ALLOWED_DOMAINS",
            "ERC8128_ALLOWED_DOMAINS",
            "LENDING_LTV_LIMIT",
            "LENDING_ASSET_WHITELIST",
            "PERP_MAX_LEVERAGE",
            "PERP_MAX_POSITION_USD",
            "PERP_ALLOWED_MARKETS",
            "VENUE_WHITELIST",
            "ACTION_CATEGORY_LIMIT",
            "REPUTATION_THRESHOLD",
        ],
        PolicyType::as_str,
        PolicyType::parse,
    );
    // A wrong spelling an automatic case conversion would produce is refused.
    assert_eq!(PolicyType::parse("ERC_8128_ALLOWED_DOMAINS"), None);
}

#[test]
fn chain_and_network() {
    check(
        &Chain::ALL,
        &["solana", "ethereum"],
        Chain::as_str,
        Chain::parse,
    );
    check(
        &Network::ALL,
        &[
            "solana-mainnet",
            "solana-devnet",
            "solana-testnet",
            "ethereum-mainnet",
            "ethereum-sepolia",
            "polygon-mainnet",
            "polygon-amoy",
            "arbitrum-mainnet",
            "arbitrum-sepolia",
            "optimism-mainnet",
            "optimism-sepolia",
            "base-mainnet",
            "base-sepolia",
        ],
        Network::as_str,
        Network::parse,
    );
    assert_eq!(waiaas_core::chain::ALL_NETWORKS, Network::ALL);
    for n in Network::ALL {
        assert_eq!(n.info().id, n.as_str());
    }
    // As a JSON map key (policies and prices are keyed by network).
    let m: std::collections::BTreeMap<Network, u8> =
        serde_json::from_value(json!({"base-mainnet": 1})).unwrap();
    assert_eq!(m.get(&Network::BaseMainnet), Some(&1));
}

#[test]
fn permission_session_status_reservation_status_approval_reason() {
    check(
        &Permission::ALL,
        &[
            "TRANSACTION",
            "BALANCE_READ",
            "SIGN_MESSAGE",
            "SIGN_TYPED_DATA",
        ],
        Permission::as_str,
        Permission::parse,
    );
    check(
        &SessionStatus::ALL,
        &["ACTIVE", "EXPIRED", "REVOKED"],
        SessionStatus::as_str,
        SessionStatus::parse,
    );
    check(
        &ReservationStatus::ALL,
        &["RESERVED", "COMMITTED", "RELEASED"],
        ReservationStatus::as_str,
        ReservationStatus::parse,
    );
    check(
        &ApprovalReason::ALL,
        &[
            "unknown_price",
            "per_tx",
            "cumulative_daily",
            "cumulative_monthly",
            "action_category",
            "reputation",
            "approve",
            "nft_transfer",
            "contract_deploy",
        ],
        ApprovalReason::as_str,
        ApprovalReason::parse,
    );
}

#[test]
fn store_records_wallet_status_kill_switch_owner_state() {
    check(
        &WalletStatus::ALL,
        &["ACTIVE", "SUSPENDED", "TERMINATED"],
        WalletStatus::as_str,
        WalletStatus::parse,
    );
    check(
        &KillSwitchState::ALL,
        &["ACTIVE", "SUSPENDED", "LOCKED"],
        KillSwitchState::as_str,
        KillSwitchState::parse,
    );
    check(
        &OwnerState::ALL,
        &["NONE", "GRACE", "LOCKED"],
        OwnerState::as_str,
        OwnerState::parse,
    );
    assert_eq!(
        "PAUSED".parse::<WalletStatus>().unwrap_err().to_string(),
        "invalid `status`: `PAUSED` is not a wallet status; use one of `ACTIVE`, `SUSPENDED`, `TERMINATED`"
    );
    assert_eq!(
        "OFF".parse::<KillSwitchState>().unwrap_err().to_string(),
        "invalid `kill_switch`: `OFF` is not a kill switch state; use one of `ACTIVE`, `SUSPENDED`, `LOCKED`"
    );
    assert_eq!(
        "OWNED".parse::<OwnerState>().unwrap_err().to_string(),
        "invalid `owner_state`: `OWNED` is not an owner state; use one of `NONE`, `GRACE`, `LOCKED`"
    );
}

#[test]
fn kdf_profile_and_audit_scheme() {
    check(
        &KdfProfile::ALL,
        &["production", "insecure-test"],
        KdfProfile::as_str,
        KdfProfile::parse,
    );
    check(
        &AuditScheme::ALL,
        &["sha256", "hmac-sha256"],
        AuditScheme::as_str,
        AuditScheme::parse,
    );
    // The `scheme` column stores the number, not the string.
    for s in AuditScheme::ALL {
        assert_eq!(AuditScheme::from_i64(s.as_i64()), Some(s));
    }
    assert_eq!(AuditScheme::Sha256.as_i64(), 0);
    assert_eq!(AuditScheme::HmacSha256.as_i64(), 1);
}
