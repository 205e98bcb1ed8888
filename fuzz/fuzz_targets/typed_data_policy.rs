//! EIP-712 typed data through the policy path of `Agent::sign_typed_data`: decoded into
//! intents (`typed_data_effects`), turned into the body the engine judges, judged. Never
//! a panic; whatever decodes also hashes; with no policy, or without the session
//! permission, it is denied; an unrecognised type is denied unless its verifying
//! contract's CONTRACT_WHITELIST entry lists it; an unlimited grant is never allowed
//! under `block_unlimited`.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use waiaas::request::ResolvedOperation;
use waiaas_chains::Intent;
use waiaas_chains::evm::typed_data::{typed_data_effects, typed_data_hash};
use waiaas_core::policy::{LedgerSnapshot, RequestBody};
use waiaas_core::session::Permission;
use waiaas_core::{
    Decision, Network, PolicyEngine, PolicyId, PolicyInput, PolicyRecord, PolicyRequest,
    PolicyType, PriceBook, TxId, WalletId,
};
use waiaas_policy::{Engine, Rules};

const NETWORK: Network = Network::EthereumMainnet;
/// The verifying contract whose `Mail` typed data the operator allow-listed.
const LISTED_CONTRACT: &str = "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC";
const LISTED_TYPE: &str = "Mail";

/// A permissive operator set: tokens, spenders and limits, unlimited grants blocked,
/// and one allow-listed typed-data type.
static POLICIES: LazyLock<Vec<PolicyRecord>> = LazyLock::new(|| {
    let record = |i: u64, policy_type, rules: serde_json::Value| {
        assert!(Rules::parse(policy_type, &rules).is_ok(), "{rules}");
        PolicyRecord {
            id: PolicyId::parse(&format!("01900000-0000-7000-8000-{i:012}")).expect("an id"),
            wallet_id: None,
            network: None,
            policy_type,
            rules,
            priority: 0,
            enabled: true,
            revision: 1,
            created_at: 0,
            updated_at: 0,
        }
    };
    vec![
        record(
            1,
            PolicyType::SpendingLimit,
            json!({"instant_max": "1000000000000000000000"}),
        ),
        record(
            2,
            PolicyType::AllowedTokens,
            json!({"tokens": [
                {"address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "decimals": 6},
                {"address": "0x6B175474E89094C44Da98b954EedeAC495271d0F", "decimals": 18},
                {"address": LISTED_CONTRACT, "decimals": 18},
            ]}),
        ),
        record(
            3,
            PolicyType::ApprovedSpenders,
            json!({"spenders": [
                {"address": "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"},
                {"address": "0x000000000022D473030F116dDEE9F6B43aC78BA3"},
            ]}),
        ),
        record(
            4,
            PolicyType::ApproveAmountLimit,
            json!({"block_unlimited": true}),
        ),
        record(
            5,
            PolicyType::ContractWhitelist,
            json!({"contracts": [
                {"address": LISTED_CONTRACT, "typed_data": [LISTED_TYPE]},
            ]}),
        ),
    ]
});

fn judge(body: &RequestBody, permissions: Vec<Permission>, policies: &[PolicyRecord]) -> Decision {
    let request = PolicyRequest {
        request_id: TxId::new(),
        wallet_id: WalletId::new(),
        network: NETWORK,
        body: body.clone(),
        permissions,
        action: None,
        claimed_action: None,
        fee: None,
    };
    Engine::new().evaluate(&PolicyInput {
        request: &request,
        policies,
        ledger: &LedgerSnapshot::empty(&[]),
        prices: &PriceBook::default(),
        now: 1_767_225_600,
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(effects) = typed_data_effects(NETWORK, text) else {
        return;
    };
    assert!(
        typed_data_hash(text).is_ok(),
        "decoded typed data that does not hash"
    );
    let intents = effects.intents;
    let body = ResolvedOperation::SignTypedData {
        typed_data: text.to_owned(),
        intents: intents.clone(),
    }
    .policy_body();
    let with_permission = vec![Permission::SignTypedData];

    assert!(
        !judge(&body, with_permission.clone(), &[]).allowed,
        "allowed with no policy"
    );
    assert!(
        !judge(&body, vec![], &POLICIES).allowed,
        "allowed without the session permission"
    );

    let decision = judge(&body, with_permission, &POLICIES);
    if !decision.allowed {
        return;
    }
    for intent in &intents {
        match intent {
            Intent::TypedData {
                verifying_contract,
                primary_type,
            } => assert!(
                primary_type == LISTED_TYPE
                    && verifying_contract
                        .as_deref()
                        .is_some_and(|c| c.eq_ignore_ascii_case(LISTED_CONTRACT)),
                "allowed unlisted typed data `{primary_type}` of {verifying_contract:?}"
            ),
            Intent::Approve { unlimited, .. } => {
                assert!(
                    !unlimited,
                    "allowed an unlimited grant under block_unlimited: {intent:?}"
                );
            }
            _ => {}
        }
    }
});
