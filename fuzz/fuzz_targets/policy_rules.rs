//! Policy rules JSON of every type: `Rules::parse` (what `PolicyAdmin::create`/`update`
//! and the engine run) never panics, accepted rules re-serialize (`to_json`) and re-parse
//! to the same value, and rules that do not parse make any decision a deny.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use waiaas_core::policy::{LedgerSnapshot, RequestBody};
use waiaas_core::{
    Amount, Network, PolicyEngine, PolicyId, PolicyInput, PolicyRecord, PolicyRequest, PolicyType,
    PriceBook, TxId, WalletId,
};
use waiaas_policy::{Engine, Rules};

// The first byte picks the policy type, the rest is the rules JSON.
fuzz_target!(|data: &[u8]| {
    let Some((&selector, json)) = data.split_first() else {
        return;
    };
    let policy_type = PolicyType::ALL[usize::from(selector) % PolicyType::ALL.len()];
    let Ok(rules) = serde_json::from_slice::<Value>(json) else {
        return;
    };
    let parsed = Rules::parse(policy_type, &rules);
    if let Ok(parsed) = &parsed {
        let canonical = parsed.to_json();
        let again = Rules::parse(policy_type, &canonical)
            .unwrap_or_else(|e| panic!("canonical rules {canonical} do not re-parse: {e}"));
        assert_eq!(&again, parsed, "re-parsing {canonical} changed the rules");
        assert_eq!(again.to_json(), canonical, "to_json is not canonical");
    }

    // The same rules as a stored policy that applies: a decision, never a panic; a
    // deny (POLICY_RULES_CORRUPT) when they do not parse.
    let wallet = WalletId::new();
    let record = PolicyRecord {
        id: PolicyId::new(),
        wallet_id: Some(wallet),
        network: None,
        policy_type,
        rules,
        priority: 0,
        enabled: true,
        revision: 1,
        created_at: 0,
        updated_at: 0,
    };
    let request = PolicyRequest {
        request_id: TxId::new(),
        wallet_id: wallet,
        network: Network::EthereumMainnet,
        body: RequestBody::Transfer {
            to: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359".into(),
            amount: Amount::from_u64(1),
        },
        permissions: vec![],
        action: None,
        claimed_action: None,
        fee: None,
    };
    let decision = Engine::new().evaluate(&PolicyInput {
        request: &request,
        policies: std::slice::from_ref(&record),
        ledger: &LedgerSnapshot::empty(&[]),
        prices: &PriceBook::default(),
        now: 1_767_225_600,
    });
    if parsed.is_err() {
        assert!(
            !decision.allowed,
            "rules that do not parse allowed a request"
        );
        assert!(
            decision.reason_codes().contains(&"POLICY_RULES_CORRUPT"),
            "rules that do not parse were not reported: {:?}",
            decision.reason_codes()
        );
    }
});
