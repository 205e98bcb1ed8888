//! The JSON request DTOs of `waiaas::api`, parsed as the HTTP server parses a body and
//! validated as the handles do: a typed error or a valid request, never a panic; every
//! accepted DTO re-serializes to JSON that parses back to itself, and a resolved send
//! request survives its stored JSON form and is denied with no policy.
#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use waiaas::api::{
    ChangePassword, CreateSession, CreateWallet, KillSwitchRequest, ListPolicies, ListTransactions,
    NewPolicy, OwnerSignature, PolicyUpdate, Quickset, RenameWallet, SendTransaction, SetOwner,
    SetPrices, SignMessage, SignTransaction, SignTypedData, TransactionQuery, WalletQuery,
};
use waiaas::request::ResolvedOperation;
use waiaas_core::policy::LedgerSnapshot;
use waiaas_core::{Network, PolicyEngine, PolicyInput, PolicyRequest, PriceBook, TxId, WalletId};
use waiaas_policy::{Engine, Rules};

/// Equal JSON, except that a float may come back one unit in the last place off:
/// serde_json (without `float_roundtrip`) does not parse every float it prints exactly.
/// No money path reads a JSON float (amounts and USD values are strings; typed data
/// and rules refuse floats), so only their drift is tolerated.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => {
                    x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
                }
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// `serde_json::from_slice` as the server's body extractor; whatever parses must
/// serialize to JSON that parses back to the same value.
fn parse<T: Serialize + DeserializeOwned + PartialEq + Debug>(json: &[u8]) -> Option<T> {
    let value: T = serde_json::from_slice(json).ok()?;
    let text = serde_json::to_string(&value)
        .unwrap_or_else(|e| panic!("{value:?} does not serialize: {e}"));
    let back: T = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{text} (from {value:?}) does not parse back: {e}"));
    if back != value {
        let (a, b) = (serde_json::to_value(&value), serde_json::to_value(&back));
        assert!(
            a.as_ref()
                .ok()
                .zip(b.as_ref().ok())
                .is_some_and(|(a, b)| same(a, b)),
            "{text} parses back to another value: {value:?} != {back:?}"
        );
    }
    Some(value)
}

/// What `Agent::send` / `simulate` do with a send body, up to the decision.
fn send(dto: &SendTransaction, selector: u8) {
    let Ok(request) = dto.to_request() else {
        return;
    };
    let network = Network::ALL[usize::from(selector >> 4) % Network::ALL.len()];
    let (operator, chain) = match selector & 3 {
        0 => (None, None),
        1 => (Some(6), None),
        2 => (None, Some(18)),
        _ => (Some(9), Some(6)),
    };
    let Ok(resolved) =
        waiaas::fuzzing::resolve_operation(&request.operation, network, operator, chain)
    else {
        return;
    };
    // A resolved request is stored as JSON and read back before it is executed.
    let stored = serde_json::to_string(&resolved)
        .unwrap_or_else(|e| panic!("{resolved:?} does not serialize: {e}"));
    let read: ResolvedOperation = serde_json::from_str(&stored)
        .unwrap_or_else(|e| panic!("stored {stored} does not parse back: {e}"));
    assert_eq!(
        read, resolved,
        "stored {stored} parses back to another request"
    );
    let request = PolicyRequest {
        request_id: TxId::new(),
        wallet_id: WalletId::new(),
        network,
        body: resolved.policy_body(),
        permissions: vec![],
        action: request.action.clone(),
        claimed_action: None,
        fee: None,
    };
    let decision = Engine::new().evaluate(&PolicyInput {
        request: &request,
        policies: &[],
        ledger: &LedgerSnapshot::empty(&[]),
        prices: &PriceBook::default(),
        now: 1_767_225_600,
    });
    assert!(
        !decision.allowed,
        "a request was allowed with no policy: {request:?}"
    );
}

// The first byte picks the DTO (low nibble) and, for sends, the wallet's network and
// the token's trusted decimals; the rest is the JSON body.
fuzz_target!(|data: &[u8]| {
    let Some((&selector, json)) = data.split_first() else {
        return;
    };
    match selector % 16 {
        0 => {
            if let Some(dto) = parse::<SendTransaction>(json) {
                send(&dto, selector);
            }
        }
        1 => {
            if let Some(dto) = parse::<SignMessage>(json) {
                let _ = dto.bytes();
            }
        }
        2 => {
            if let Some(dto) = parse::<SignTypedData>(json) {
                let _ =
                    waiaas_chains::evm::decode_typed_data(Network::EthereumMainnet, &dto.json());
            }
        }
        3 => {
            let _ = parse::<SignTransaction>(json);
        }
        4 => {
            if let Some(dto) = parse::<CreateSession>(json) {
                let _ = dto.to_request();
            }
        }
        5 => {
            if let Some(dto) = parse::<CreateWallet>(json) {
                let _ = dto.network();
            }
        }
        6 => {
            if let Some(dto) = parse::<ListPolicies>(json) {
                let _ = dto.filter();
            }
        }
        7 => {
            if let Some(dto) = parse::<ListTransactions>(json) {
                let _ = dto.filter();
            }
        }
        8 => {
            if let Some(dto) = parse::<SetPrices>(json) {
                let _ = dto.quotes();
            }
        }
        9 => {
            if let Some(dto) = parse::<TransactionQuery>(json) {
                let _ = dto.agent_limit();
                let _ = dto.to_list().filter();
            }
        }
        10 => {
            let _ = parse::<OwnerSignature>(json);
            // The header form: `X-Owner-Message` and `X-Owner-Signature`.
            if let Ok(text) = std::str::from_utf8(json) {
                let (message, signature) = text.split_once('\n').unwrap_or((text, ""));
                let _ = OwnerSignature::from_headers(message, signature);
            }
        }
        11 => {
            if let Some(dto) = parse::<NewPolicy>(json) {
                // As `PolicyAdmin::create`.
                let _ = Rules::parse(dto.policy_type, &dto.rules);
            }
        }
        12 => {
            let _ = parse::<PolicyUpdate>(json);
        }
        13 => {
            let _ = parse::<KillSwitchRequest>(json);
            let _ = parse::<SetOwner>(json);
        }
        14 => {
            let _ = parse::<RenameWallet>(json);
            let _ = parse::<Quickset>(json);
        }
        _ => {
            let _ = parse::<WalletQuery>(json);
            if let Ok(dto) = serde_json::from_slice::<ChangePassword>(json) {
                let _ = dto.secret();
            }
        }
    }
});
