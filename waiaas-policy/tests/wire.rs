//! The wire forms bindings rely on (camelCase JSON) and the exact text of some reason
//! messages, pinned.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

use serde_json::json;
use waiaas_core::policy::LedgerSnapshot;
use waiaas_core::{
    PolicyEngine, PolicyId, PolicyInput, PolicyRecord, PolicyRequest, PolicyType, PriceBook,
};
use waiaas_policy::Engine;

fn request() -> PolicyRequest {
    serde_json::from_value(json!({
        "requestId": "01900000-0000-7000-8000-0000000000aa",
        "walletId": "01900000-0000-7000-8000-000000000001",
        "network": "ethereum-mainnet",
        "type": "TRANSFER",
        "to": "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "amount": "1500",
        "permissions": ["TRANSACTION"]
    }))
    .unwrap()
}

fn policy(ty: PolicyType, rules: serde_json::Value, n: u32) -> PolicyRecord {
    PolicyRecord {
        id: PolicyId::parse(&format!("01900000-0000-7000-8000-{n:012}")).unwrap(),
        wallet_id: None,
        network: None,
        policy_type: ty,
        rules,
        priority: 0,
        enabled: true,
        revision: 1,
        created_at: 0,
        updated_at: 0,
    }
}

fn decide(policies: &[PolicyRecord]) -> waiaas_core::Decision {
    Engine::new().evaluate(&PolicyInput {
        request: &request(),
        policies,
        ledger: &LedgerSnapshot::empty(&[]),
        prices: &PriceBook::default(),
        now: 1_767_268_800,
    })
}

#[test]
fn decision_wire_form_is_camel_case() {
    let d = decide(&[policy(
        PolicyType::SpendingLimit,
        json!({"instant_max": "1000", "notify_max": "2000"}),
        1,
    )]);
    assert_eq!(
        serde_json::to_value(&d).unwrap(),
        json!({
            "allowed": true,
            "tier": "NOTIFY",
            "delaySeconds": null,
            "approvalTimeout": null,
            "reasons": [],
            "warnings": [],
            "approvalReason": null,
            "spend": {"assets": {"native:ethereum-mainnet": "1500"}}
        })
    );
}

#[test]
fn deny_reasons_are_pinned() {
    let d = decide(&[]);
    assert_eq!(
        serde_json::to_value(&d.reasons).unwrap(),
        json!([{
            "policyId": null,
            "policyType": null,
            "code": "NO_POLICY",
            "message": "no policy applies to wallet `01900000-0000-7000-8000-000000000001` on `ethereum-mainnet`; nothing is allowed until policies are created (quickset creates a starter set)"
        }])
    );
    let d = decide(&[
        policy(PolicyType::SpendingLimit, json!({"instant_max": "1"}), 1),
        policy(
            PolicyType::Whitelist,
            json!({"allowed_addresses": ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"]}),
            2,
        ),
    ]);
    assert_eq!(
        serde_json::to_value(&d.reasons).unwrap(),
        json!([{
            "policyId": "01900000-0000-7000-8000-000000000002",
            "policyType": "WHITELIST",
            "code": "WHITELIST_DENIED",
            "message": "recipient `0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB` is not in WHITELIST; add it to the policy to pay it"
        }])
    );
}
