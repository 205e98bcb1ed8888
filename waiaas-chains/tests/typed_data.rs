//! EIP-712 typed data is decoded from what its hash covers, and default-deny: every
//! recognised standard decodes to the grants or transfer it signs (all of them), any
//! other primary type to a TYPED_DATA intent, and typed data whose JSON says more or less
//! than the hash covers is refused. Signatures are checked with alloy's signer and
//! executed against a real EIP-2612 / EIP-3009 token (`PermitToken.sol`) in revm.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test helpers outside #[test] functions"
)]

use waiaas_test_support::evm_runtime::{Evm, Genesis};
use waiaas_test_support::testdata::contract_runtime;
use waiaas_test_support::vault as fixtures;

use alloy_dyn_abi::TypedData;
use alloy_primitives::{Address, B256, Signature, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, sol};
use revm::context::TxEnv;
use revm::{ExecuteCommitEvm, ExecuteEvm};
use serde_json::{Value, json};
use waiaas_chains::VaultSigner;
use waiaas_chains::evm;
use waiaas_chains::intent::Intent;
use waiaas_core::{Amount, ErrorCode, Network};

const TOKEN: &str = "0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa";
const SPENDER: &str = "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB";
const TOKEN_B: &str = "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC";
const TOKEN_C: &str = "0xDDdDddDdDdddDDddDDddDDDDdDdDDdDDdDDDDDDd";
const OWNER: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const PERMIT2: &str = "0x000000000022D473030F116dDEE9F6B43aC78BA3";
const MAX_UINT160: &str = "1461501637330902918203684832716283019655932542975";

fn code(e: impl ErrorCode) -> &'static str {
    e.code()
}

fn decode(json: &str) -> Vec<Intent> {
    evm::decode_typed_data(Network::EthereumMainnet, json).unwrap()
}

fn refused(json: &str) -> &'static str {
    code(evm::decode_typed_data(Network::EthereumMainnet, json).unwrap_err())
}

fn refusal_message(json: &str) -> String {
    evm::decode_typed_data(Network::EthereumMainnet, json)
        .unwrap_err()
        .to_string()
}

/// `eth_signTypedData_v4` JSON whose `EIP712Domain` declares exactly the domain's fields.
fn typed(domain: &Value, types: &Value, primary: &str, message: &Value) -> String {
    let declared: Vec<Value> = [
        ("name", "string"),
        ("version", "string"),
        ("chainId", "uint256"),
        ("verifyingContract", "address"),
        ("salt", "bytes32"),
    ]
    .iter()
    .filter(|(name, _)| domain.get(name).is_some())
    .map(|(name, ty)| json!({"name": name, "type": ty}))
    .collect();
    let mut all = types.clone();
    all["EIP712Domain"] = Value::Array(declared);
    json!({"types": all, "primaryType": primary, "domain": domain, "message": message}).to_string()
}

fn domain(chain_id: u64, verifying_contract: &str) -> Value {
    json!({"name": "Token", "version": "1", "chainId": chain_id, "verifyingContract": verifying_contract})
}

fn eip2612_types() -> Value {
    json!({"Permit": [
        {"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"}
    ]})
}

fn dai_types() -> Value {
    json!({"Permit": [
        {"name": "holder", "type": "address"}, {"name": "spender", "type": "address"},
        {"name": "nonce", "type": "uint256"}, {"name": "expiry", "type": "uint256"},
        {"name": "allowed", "type": "bool"}
    ]})
}

fn eip2612(value: &str) -> Value {
    json!({"owner": OWNER, "spender": SPENDER, "value": value, "nonce": 0, "deadline": "1893456000"})
}

fn approve(token: &str, amount: Amount, unlimited: bool) -> Intent {
    Intent::Approve {
        token: Some(token.into()),
        spender: SPENDER.into(),
        amount,
        decimals: None,
        unlimited,
    }
}

fn units(s: &str) -> Amount {
    Amount::parse_base_units(s).unwrap()
}

fn pow2(bits: usize) -> U256 {
    U256::from(1u8) << bits
}

#[test]
fn eip2612_permit_decodes_to_one_approval_unlimited_from_half_of_uint256() {
    let permit = |value: &str| {
        typed(
            &domain(1, TOKEN),
            &eip2612_types(),
            "Permit",
            &eip2612(value),
        )
    };
    assert_eq!(
        decode(&permit("1000000")),
        vec![approve(TOKEN, Amount::from_u64(1_000_000), false)]
    );
    let half = pow2(255);
    assert_eq!(
        decode(&permit(&half.to_string())),
        vec![approve(TOKEN, Amount::from_u256(half), true)]
    );
    let below = half - U256::from(1u8);
    assert_eq!(
        decode(&permit(&below.to_string())),
        vec![approve(TOKEN, Amount::from_u256(below), false)]
    );
    // Hex, as some clients send it: read as the hash reads it.
    assert_eq!(
        decode(&permit("0x10")),
        vec![approve(TOKEN, Amount::from_u64(16), false)]
    );
}

#[test]
fn eip2612_permit_with_an_undeclared_allowed_key_is_refused() {
    // The attack: an EIP-2612 permit of the maximum with a DAI-style `allowed: false`
    // key. The hash ignores the undeclared key, so the signature grants the maximum.
    let max = U256::MAX.to_string();
    let mut message = eip2612(&max);
    message["allowed"] = json!(false);
    let attack = typed(&domain(1, TOKEN), &eip2612_types(), "Permit", &message);
    let honest = typed(
        &domain(1, TOKEN),
        &eip2612_types(),
        "Permit",
        &eip2612(&max),
    );
    let hash = |json: &str| {
        serde_json::from_str::<TypedData>(json)
            .unwrap()
            .eip712_signing_hash()
            .unwrap()
    };
    assert_eq!(hash(&attack), hash(&honest), "the hash ignores `allowed`");

    assert_eq!(refused(&attack), "INVALID_TRANSACTION");
    assert!(
        refusal_message(&attack).contains("`message.allowed` is not declared in `Permit`"),
        "{}",
        refusal_message(&attack)
    );
    // Nor will waiaas sign it, whatever a caller does.
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "w", Network::EthereumMainnet, KEY0);
    let signer = VaultSigner::new(&tv.vault, &wallet);
    assert_eq!(
        code(evm::sign_typed_data(&signer, &attack).unwrap_err()),
        "INVALID_TRANSACTION"
    );
    // The honest form is judged as the unlimited grant it is, and signs.
    assert_eq!(decode(&honest), vec![approve(TOKEN, Amount::MAX, true)]);
    evm::sign_typed_data(&signer, &honest).unwrap();
}

#[test]
fn dai_permit_decodes_from_its_declared_shape_only() {
    let dai = |allowed: bool| json!({"holder": OWNER, "spender": SPENDER, "nonce": 1, "expiry": 0, "allowed": allowed});
    assert_eq!(
        decode(&typed(
            &domain(1, TOKEN),
            &dai_types(),
            "Permit",
            &dai(true)
        )),
        vec![approve(TOKEN, Amount::MAX, true)]
    );
    // `allowed: false` revokes: recognised, no grant.
    assert_eq!(
        decode(&typed(
            &domain(1, TOKEN),
            &dai_types(),
            "Permit",
            &dai(false)
        )),
        Vec::<Intent>::new()
    );

    // The DAI shape declared, but the message carries EIP-2612's `value` instead of
    // `allowed`: missing a declared field.
    let mut swapped = dai(true);
    swapped.as_object_mut().unwrap().remove("allowed");
    swapped["value"] = json!(U256::MAX.to_string());
    let json = typed(&domain(1, TOKEN), &dai_types(), "Permit", &swapped);
    assert_eq!(refused(&json), "INVALID_TRANSACTION");
    // …and with both keys: `value` is undeclared.
    let mut both = dai(false);
    both["value"] = json!(U256::MAX.to_string());
    let json = typed(&domain(1, TOKEN), &dai_types(), "Permit", &both);
    assert_eq!(refused(&json), "INVALID_TRANSACTION");
    assert!(refusal_message(&json).contains("`message.value` is not declared in `Permit`"));
}

#[test]
fn a_permit_of_another_shape_is_typed_data_for_the_allow_list() {
    // Neither standard: the fields or their types differ, so the type hash is not the
    // standard's. Not guessed at: a TYPED_DATA intent the operator must allow-list.
    let two_fields = json!({"Permit": [
        {"name": "owner", "type": "address"}, {"name": "value", "type": "uint256"}
    ]});
    let json = typed(
        &domain(1, TOKEN),
        &two_fields,
        "Permit",
        &json!({"owner": OWNER, "value": "1"}),
    );
    let unrecognised = vec![Intent::TypedData {
        verifying_contract: Some(TOKEN.into()),
        primary_type: "Permit".into(),
    }];
    assert_eq!(decode(&json), unrecognised);
    // `uint` for `uint256` hashes a different type string.
    let mut alias = eip2612_types();
    alias["Permit"][2]["type"] = json!("uint");
    let json = typed(&domain(1, TOKEN), &alias, "Permit", &eip2612("1"));
    assert_eq!(decode(&json), unrecognised);
    // Fields out of the standard order.
    let mut swapped = eip2612_types();
    let fields = swapped["Permit"].as_array_mut().unwrap();
    fields.swap(0, 1);
    let json = typed(&domain(1, TOKEN), &swapped, "Permit", &eip2612("1"));
    assert_eq!(decode(&json), unrecognised);
}

fn details_type() -> Value {
    json!([
        {"name": "token", "type": "address"}, {"name": "amount", "type": "uint160"},
        {"name": "expiration", "type": "uint48"}, {"name": "nonce", "type": "uint48"}
    ])
}

fn permit2_types(primary: &str, details: &str) -> Value {
    json!({
        "PermitDetails": details_type(),
        primary: [
            {"name": "details", "type": details}, {"name": "spender", "type": "address"},
            {"name": "sigDeadline", "type": "uint256"}
        ]
    })
}

fn details(token: &str, amount: &str) -> Value {
    json!({"token": token, "amount": amount, "expiration": 1893456000u64, "nonce": 0})
}

fn permit_single(amount: &str) -> String {
    typed(
        &domain(1, PERMIT2),
        &permit2_types("PermitSingle", "PermitDetails"),
        "PermitSingle",
        &json!({"details": details(TOKEN_B, amount), "spender": SPENDER, "sigDeadline": 1}),
    )
}

fn permit_batch(entries: &[Value]) -> String {
    typed(
        &domain(1, PERMIT2),
        &permit2_types("PermitBatch", "PermitDetails[]"),
        "PermitBatch",
        &json!({"details": entries, "spender": SPENDER, "sigDeadline": 1}),
    )
}

#[test]
fn permit2_batch_returns_every_grant_in_order() {
    let json = permit_batch(&[
        details(TOKEN_B, "5"),
        details(TOKEN, MAX_UINT160),
        details(TOKEN_C, "7"),
    ]);
    assert_eq!(
        decode(&json),
        vec![
            approve(TOKEN_B, Amount::from_u64(5), false),
            approve(TOKEN, units(MAX_UINT160), true),
            approve(TOKEN_C, Amount::from_u64(7), false),
        ]
    );
    assert_eq!(decode(&permit_batch(&[])), Vec::<Intent>::new());
}

#[test]
fn permit2_unlimited_is_half_of_uint160() {
    let single = |amount: U256| decode(&permit_single(&amount.to_string()));
    assert_eq!(
        single(pow2(160) - U256::from(1u8)),
        vec![approve(TOKEN_B, units(MAX_UINT160), true)]
    );
    assert_eq!(
        single(pow2(159)),
        vec![approve(TOKEN_B, Amount::from_u256(pow2(159)), true)]
    );
    assert_eq!(
        single(pow2(159) - U256::from(1u8)),
        vec![approve(
            TOKEN_B,
            Amount::from_u256(pow2(159) - U256::from(1u8)),
            false
        )]
    );
    // Beyond uint160 does not encode.
    assert_eq!(
        refused(&permit_single(&pow2(160).to_string())),
        "INVALID_TRANSACTION"
    );
}

#[test]
fn permit2_nested_undeclared_or_missing_keys_are_refused() {
    let mut extra = details(TOKEN_B, "5");
    extra["spender"] = json!(SPENDER);
    let json = typed(
        &domain(1, PERMIT2),
        &permit2_types("PermitSingle", "PermitDetails"),
        "PermitSingle",
        &json!({"details": extra, "spender": SPENDER, "sigDeadline": 1}),
    );
    assert_eq!(refused(&json), "INVALID_TRANSACTION");
    assert!(
        refusal_message(&json)
            .contains("`message.details.spender` is not declared in `PermitDetails`")
    );
    // In the third entry of a batch.
    let json = permit_batch(&[details(TOKEN_B, "5"), details(TOKEN, "6"), extra.clone()]);
    assert_eq!(refused(&json), "INVALID_TRANSACTION");
    assert!(refusal_message(&json).contains("`message.details[2].spender`"));
    // A declared field missing.
    let mut missing = details(TOKEN_B, "5");
    missing.as_object_mut().unwrap().remove("nonce");
    let json = permit_batch(&[details(TOKEN, "6"), missing]);
    assert_eq!(refused(&json), "INVALID_TRANSACTION");
    assert!(refusal_message(&json).contains("is missing `nonce`"));
    // The same batch without the defects decodes.
    assert_eq!(
        decode(&permit_batch(&[details(TOKEN, "6"), details(TOKEN_B, "5")])).len(),
        2
    );
}

#[test]
fn permit2_details_of_another_shape_are_typed_data() {
    // `amount` declared uint256: not Permit2's type hash.
    let mut types = permit2_types("PermitSingle", "PermitDetails");
    types["PermitDetails"][1]["type"] = json!("uint256");
    let json = typed(
        &domain(1, PERMIT2),
        &types,
        "PermitSingle",
        &json!({"details": details(TOKEN_B, "5"), "spender": SPENDER, "sigDeadline": 1}),
    );
    assert_eq!(
        decode(&json),
        vec![Intent::TypedData {
            verifying_contract: Some(PERMIT2.into()),
            primary_type: "PermitSingle".into()
        }]
    );
}

fn transfer_types(primary: &str, permitted: &str, witness: Option<(&str, Value)>) -> Value {
    let mut fields = vec![
        json!({"name": "permitted", "type": permitted}),
        json!({"name": "spender", "type": "address"}),
        json!({"name": "nonce", "type": "uint256"}),
        json!({"name": "deadline", "type": "uint256"}),
    ];
    let mut types = json!({
        "TokenPermissions": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint256"}]
    });
    if let Some((witness_type, def)) = witness {
        fields.push(json!({"name": "witness", "type": witness_type}));
        types[witness_type] = def;
    }
    types[primary] = Value::Array(fields);
    types
}

/// The transfer a Permit2 signature transfer lets the spender pull.
fn pull(token: &str, amount: Amount) -> Intent {
    Intent::TokenTransfer {
        token: Some(token.into()),
        to: SPENDER.into(),
        amount,
        decimals: None,
        program: None,
    }
}

fn permissions(token: &str, amount: &str) -> Value {
    json!({"token": token, "amount": amount})
}

#[test]
fn permit2_signature_transfers_and_their_witness_forms() {
    let message = |permitted: Value| json!({"permitted": permitted, "spender": SPENDER, "nonce": 7, "deadline": 1893456000u64});
    let json = typed(
        &domain(1, PERMIT2),
        &transfer_types("PermitTransferFrom", "TokenPermissions", None),
        "PermitTransferFrom",
        &message(permissions(TOKEN_B, "0x10")),
    );
    assert_eq!(
        decode(&json),
        vec![
            approve(TOKEN_B, Amount::from_u64(16), false),
            pull(TOKEN_B, Amount::from_u64(16))
        ]
    );

    let json = typed(
        &domain(1, PERMIT2),
        &transfer_types("PermitBatchTransferFrom", "TokenPermissions[]", None),
        "PermitBatchTransferFrom",
        &message(json!([
            permissions(TOKEN_B, "1"),
            permissions(TOKEN, &U256::MAX.to_string())
        ])),
    );
    assert_eq!(
        decode(&json),
        vec![
            approve(TOKEN_B, Amount::from_u64(1), false),
            pull(TOKEN_B, Amount::from_u64(1)),
            approve(TOKEN, Amount::MAX, true),
            pull(TOKEN, Amount::MAX),
        ]
    );

    // A UniswapX-style witness of any type after `deadline`.
    let order = json!([
        {"name": "swapper", "type": "address"}, {"name": "minOut", "type": "uint256"}
    ]);
    let mut witnessed = message(permissions(TOKEN_B, "3"));
    witnessed["witness"] = json!({"swapper": OWNER, "minOut": "2"});
    let json = typed(
        &domain(1, PERMIT2),
        &transfer_types(
            "PermitWitnessTransferFrom",
            "TokenPermissions",
            Some(("Order", order.clone())),
        ),
        "PermitWitnessTransferFrom",
        &witnessed,
    );
    assert_eq!(
        decode(&json),
        vec![
            approve(TOKEN_B, Amount::from_u64(3), false),
            pull(TOKEN_B, Amount::from_u64(3))
        ]
    );
    let mut batch_witnessed = message(json!([
        permissions(TOKEN_B, "3"),
        permissions(TOKEN_C, "4")
    ]));
    batch_witnessed["witness"] = json!({"swapper": OWNER, "minOut": "2"});
    let batch_types = transfer_types(
        "PermitBatchWitnessTransferFrom",
        "TokenPermissions[]",
        Some(("Order", order.clone())),
    );
    let json = typed(
        &domain(1, PERMIT2),
        &batch_types,
        "PermitBatchWitnessTransferFrom",
        &batch_witnessed,
    );
    assert_eq!(
        decode(&json),
        vec![
            approve(TOKEN_B, Amount::from_u64(3), false),
            pull(TOKEN_B, Amount::from_u64(3)),
            approve(TOKEN_C, Amount::from_u64(4), false),
            pull(TOKEN_C, Amount::from_u64(4)),
        ]
    );
    // The witness is hashed too: an undeclared key in it is refused.
    batch_witnessed["witness"]["recipient"] = json!(SPENDER);
    let json = typed(
        &domain(1, PERMIT2),
        &batch_types,
        "PermitBatchWitnessTransferFrom",
        &batch_witnessed,
    );
    assert_eq!(refused(&json), "INVALID_TRANSACTION");
    assert!(
        refusal_message(&json).contains("`message.witness.recipient` is not declared in `Order`")
    );

    // Two fields after `deadline`: not the witness form.
    let mut types = transfer_types(
        "PermitWitnessTransferFrom",
        "TokenPermissions",
        Some(("Order", order)),
    );
    types["PermitWitnessTransferFrom"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "extra", "type": "uint256"}));
    witnessed["extra"] = json!(1);
    let json = typed(
        &domain(1, PERMIT2),
        &types,
        "PermitWitnessTransferFrom",
        &witnessed,
    );
    assert!(matches!(&decode(&json)[..], [Intent::TypedData { .. }]));
}

fn eip3009_types(primary: &str) -> Value {
    json!({primary: [
        {"name": "from", "type": "address"}, {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"}, {"name": "validAfter", "type": "uint256"},
        {"name": "validBefore", "type": "uint256"}, {"name": "nonce", "type": "bytes32"}
    ]})
}

fn eip3009(to: &str, value: &str) -> Value {
    json!({"from": OWNER, "to": to, "value": value, "validAfter": 0,
           "validBefore": "1893456000", "nonce": format!("0x{}", "11".repeat(32))})
}

#[test]
fn eip3009_authorizations_are_token_transfers() {
    for primary in ["TransferWithAuthorization", "ReceiveWithAuthorization"] {
        let json = typed(
            &domain(1, TOKEN),
            &eip3009_types(primary),
            primary,
            &eip3009(SPENDER, &U256::MAX.to_string()),
        );
        assert_eq!(
            decode(&json),
            vec![Intent::TokenTransfer {
                token: Some(TOKEN.into()),
                to: SPENDER.into(),
                amount: Amount::MAX,
                decimals: None,
                program: None,
            }],
            "{primary}"
        );
    }
    // CancelAuthorization moves nothing but is not a standard waiaas decodes.
    let cancel = json!({"CancelAuthorization": [
        {"name": "authorizer", "type": "address"}, {"name": "nonce", "type": "bytes32"}
    ]});
    let json = typed(
        &domain(1, TOKEN),
        &cancel,
        "CancelAuthorization",
        &json!({"authorizer": OWNER, "nonce": format!("0x{}", "11".repeat(32))}),
    );
    assert_eq!(
        decode(&json),
        vec![Intent::TypedData {
            verifying_contract: Some(TOKEN.into()),
            primary_type: "CancelAuthorization".into()
        }]
    );
}

#[test]
fn unrecognised_primary_types_are_typed_data_intents() {
    // An OpenSea Seaport listing: moves NFTs and tokens, decoded by nobody here.
    let seaport = "0x0000000000000068F116a894984e2DB1123eB395";
    let types = json!({
        "OrderComponents": [
            {"name": "offerer", "type": "address"}, {"name": "zone", "type": "address"},
            {"name": "offer", "type": "OfferItem[]"},
            {"name": "consideration", "type": "ConsiderationItem[]"},
            {"name": "orderType", "type": "uint8"}, {"name": "startTime", "type": "uint256"},
            {"name": "endTime", "type": "uint256"}, {"name": "zoneHash", "type": "bytes32"},
            {"name": "salt", "type": "uint256"}, {"name": "conduitKey", "type": "bytes32"},
            {"name": "counter", "type": "uint256"}
        ],
        "OfferItem": [
            {"name": "itemType", "type": "uint8"}, {"name": "token", "type": "address"},
            {"name": "identifierOrCriteria", "type": "uint256"},
            {"name": "startAmount", "type": "uint256"}, {"name": "endAmount", "type": "uint256"}
        ],
        "ConsiderationItem": [
            {"name": "itemType", "type": "uint8"}, {"name": "token", "type": "address"},
            {"name": "identifierOrCriteria", "type": "uint256"},
            {"name": "startAmount", "type": "uint256"}, {"name": "endAmount", "type": "uint256"},
            {"name": "recipient", "type": "address"}
        ]
    });
    let zero = format!("0x{}", "00".repeat(32));
    let message = json!({
        "offerer": OWNER, "zone": "0x0000000000000000000000000000000000000000",
        "offer": [{"itemType": 2, "token": TOKEN_B, "identifierOrCriteria": "42",
                   "startAmount": "1", "endAmount": "1"}],
        "consideration": [{"itemType": 0, "token": "0x0000000000000000000000000000000000000000",
                           "identifierOrCriteria": "0", "startAmount": "1", "endAmount": "1",
                           "recipient": SPENDER}],
        "orderType": 0, "startTime": "0", "endTime": "1893456000", "zoneHash": zero,
        "salt": "1", "conduitKey": zero, "counter": "0"
    });
    let seaport_domain =
        json!({"name": "Seaport", "version": "1.6", "chainId": 1, "verifyingContract": seaport});
    let json = typed(&seaport_domain, &types, "OrderComponents", &message);
    assert_eq!(
        decode(&json),
        vec![Intent::TypedData {
            verifying_contract: Some(seaport.into()),
            primary_type: "OrderComponents".into()
        }]
    );
    // Undeclared keys are refused for unrecognised types too (in an array of structs).
    let mut smuggled = message.clone();
    smuggled["consideration"][0]["note"] = json!("x");
    let json = typed(&seaport_domain, &types, "OrderComponents", &smuggled);
    assert_eq!(refused(&json), "INVALID_TRANSACTION");
    assert!(refusal_message(&json).contains("`message.consideration[0].note`"));

    // A login message with no verifying contract and no chain id.
    let login = json!({"Login": [{"name": "nonce", "type": "string"}]});
    let json = typed(
        &json!({"name": "dapp"}),
        &login,
        "Login",
        &json!({"nonce": "abc"}),
    );
    assert_eq!(
        decode(&json),
        vec![Intent::TypedData {
            verifying_contract: None,
            primary_type: "Login".into()
        }]
    );
}

#[test]
fn the_domain_carries_only_what_eip712domain_declares() {
    let good = typed(&domain(1, TOKEN), &eip2612_types(), "Permit", &eip2612("1"));
    assert_eq!(decode(&good).len(), 1);
    let mut value: Value = serde_json::from_str(&good).unwrap();

    // An undeclared domain key (the separator would ignore it).
    let mut extra = value.clone();
    extra["domain"]["chainid"] = json!(8453);
    assert_eq!(refused(&extra.to_string()), "INVALID_TRANSACTION");
    // A domain field declared but absent.
    let mut absent = value.clone();
    absent["domain"].as_object_mut().unwrap().remove("version");
    assert_eq!(refused(&absent.to_string()), "INVALID_TRANSACTION");
    // A domain field present but not declared.
    let mut undeclared = value.clone();
    undeclared["types"]["EIP712Domain"]
        .as_array_mut()
        .unwrap()
        .remove(1);
    assert_eq!(refused(&undeclared.to_string()), "INVALID_TRANSACTION");
    // Declared out of the standard order, or with another type.
    let mut reordered = value.clone();
    reordered["types"]["EIP712Domain"]
        .as_array_mut()
        .unwrap()
        .swap(0, 1);
    assert_eq!(refused(&reordered.to_string()), "INVALID_TRANSACTION");
    let mut retyped = value.clone();
    retyped["types"]["EIP712Domain"][2]["type"] = json!("uint64");
    assert_eq!(refused(&retyped.to_string()), "INVALID_TRANSACTION");
    // Null instead of absent.
    value["domain"]["salt"] = Value::Null;
    assert_eq!(refused(&value.to_string()), "INVALID_TRANSACTION");
}

#[test]
fn a_wrong_chain_id_is_a_chain_mismatch() {
    let permit = typed(
        &domain(8453, TOKEN),
        &eip2612_types(),
        "Permit",
        &eip2612("1"),
    );
    assert_eq!(refused(&permit), "CHAIN_MISMATCH");
    assert_eq!(
        evm::decode_typed_data(Network::BaseMainnet, &permit).unwrap(),
        vec![approve(TOKEN, Amount::from_u64(1), false)]
    );
    let login = json!({"Login": [{"name": "nonce", "type": "string"}]});
    let json = typed(
        &json!({"chainId": 8453}),
        &login,
        "Login",
        &json!({"nonce": "abc"}),
    );
    assert_eq!(refused(&json), "CHAIN_MISMATCH");
}

#[test]
fn recognised_standards_need_a_chain_id_and_a_verifying_contract() {
    let no_chain = json!({"name": "Token", "verifyingContract": TOKEN});
    let json = typed(&no_chain, &eip2612_types(), "Permit", &eip2612("1"));
    assert_eq!(refused(&json), "INVALID_TRANSACTION");
    assert!(refusal_message(&json).contains("must name its `chainId`"));
    let json = typed(
        &json!({"name": "Permit2", "verifyingContract": PERMIT2}),
        &permit2_types("PermitSingle", "PermitDetails"),
        "PermitSingle",
        &json!({"details": details(TOKEN_B, "5"), "spender": SPENDER, "sigDeadline": 1}),
    );
    assert_eq!(refused(&json), "INVALID_TRANSACTION");
    let no_contract = json!({"name": "Token", "chainId": 1});
    let json = typed(
        &no_contract,
        &eip3009_types("TransferWithAuthorization"),
        "TransferWithAuthorization",
        &eip3009(SPENDER, "1"),
    );
    assert_eq!(refused(&json), "INVALID_TRANSACTION");
    assert!(refusal_message(&json).contains("must name its `verifyingContract`"));
}

#[test]
fn ambiguous_json_is_refused() {
    let good = typed(&domain(1, TOKEN), &eip2612_types(), "Permit", &eip2612("1"));
    assert_eq!(decode(&good).len(), 1);
    // A duplicate key: parsers disagree on which copy counts.
    let duplicated = good.replacen(
        "\"value\":\"1\"",
        &format!("\"value\":\"1\",\"value\":\"{}\"", U256::MAX),
        1,
    );
    assert_ne!(duplicated, good);
    assert_eq!(refused(&duplicated), "INVALID_TRANSACTION");
    assert!(refusal_message(&duplicated).contains("duplicate key `value`"));
    // A top-level key nothing hashes.
    let mut value: Value = serde_json::from_str(&good).unwrap();
    value["metadata"] = json!({"amount": "1"});
    assert_eq!(refused(&value.to_string()), "INVALID_TRANSACTION");
    // A struct named like a Solidity type.
    let mut shadow: Value = serde_json::from_str(&good).unwrap();
    shadow["types"]["address"] = json!([{"name": "x", "type": "uint256"}]);
    assert_eq!(refused(&shadow.to_string()), "INVALID_TRANSACTION");
    // A field declared twice.
    let mut twice: Value = serde_json::from_str(&good).unwrap();
    twice["types"]["Permit"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "value", "type": "uint256"}));
    assert_eq!(refused(&twice.to_string()), "INVALID_TRANSACTION");
    // A stringified object, as viem sends it, is the same typed data.
    assert_eq!(
        decode(&Value::String(good.clone()).to_string()),
        decode(&good)
    );
    assert_eq!(refused("{"), "INVALID_TRANSACTION");
    assert_eq!(refused("[]"), "INVALID_TRANSACTION");
}

// --- signed and executed ------------------------------------------------------------

/// Hardhat / anvil account #0 (published test key) = `OWNER`.
const KEY0: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const NETWORK: Network = Network::EthereumSepolia;
const CHAIN_ID: u64 = 11_155_111;
const NOW: u64 = 1_800_000_000;

sol! {
    interface IPermitToken {
        function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
        function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external;
        function transferFrom(address from, address to, uint256 value) external returns (bool);
        function balanceOf(address account) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
    }
}

/// `PermitToken` at `token` with `balance` for `holder`, and gas money for `callers`.
fn chain_with_token(token: Address, holder: Address, balance: u64, callers: &[Address]) -> Evm {
    let mut genesis = Genesis::new(CHAIN_ID).timestamp(NOW);
    for caller in callers {
        genesis = genesis.fund(*caller, U256::from(10u128.pow(18)));
    }
    // balanceOf[holder] (slot 0) and totalSupply (slot 2).
    let slot = keccak256([B256::left_padding_from(holder.as_slice()).0, [0u8; 32]].concat());
    genesis
        .code(token, contract_runtime("PermitToken"))
        .storage(token, slot.into(), U256::from(balance))
        .storage(token, U256::from(2u8), U256::from(balance))
        .build()
}

fn call(
    evm: &mut Evm,
    caller: Address,
    to: Address,
    data: Vec<u8>,
) -> revm::context::result::ExecutionResult {
    let nonce = evm
        .ctx
        .journaled_state
        .database
        .cache
        .accounts
        .get(&caller)
        .map_or(0, |a| a.info.nonce);
    let env = TxEnv {
        caller,
        kind: TxKind::Call(to),
        data: data.into(),
        gas_limit: 200_000,
        gas_price: 0,
        chain_id: Some(CHAIN_ID),
        nonce,
        ..TxEnv::default()
    };
    evm.transact_commit(env).unwrap()
}

fn read(evm: &mut Evm, to: Address, data: Vec<u8>) -> U256 {
    let env = TxEnv {
        caller: Address::repeat_byte(0xee),
        kind: TxKind::Call(to),
        data: data.into(),
        gas_limit: 100_000,
        gas_price: 0,
        chain_id: Some(CHAIN_ID),
        nonce: 0,
        ..TxEnv::default()
    };
    let out = evm.transact(env).unwrap();
    assert!(out.result.is_success());
    U256::from_be_slice(out.result.output().unwrap())
}

fn balance(evm: &mut Evm, token: Address, who: Address) -> U256 {
    read(
        evm,
        token,
        IPermitToken::balanceOfCall { account: who }.abi_encode(),
    )
}

fn split(sig: &[u8; 65]) -> (u8, B256, B256) {
    (
        sig[64],
        B256::from_slice(&sig[..32]),
        B256::from_slice(&sig[32..64]),
    )
}

fn token_domain(token: Address) -> Value {
    json!({"name": "Permit Token", "version": "1", "chainId": CHAIN_ID, "verifyingContract": token.to_checksum(None)})
}

#[test]
fn a_signed_eip2612_permit_grants_exactly_what_was_decoded_on_a_real_token() {
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "owner", NETWORK, KEY0);
    assert_eq!(wallet.address, OWNER);
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let reference: PrivateKeySigner = KEY0.parse().unwrap();
    let owner: Address = OWNER.parse().unwrap();
    let spender = Address::repeat_byte(0x5e);
    let recipient = Address::repeat_byte(0x7e);
    let token = Address::repeat_byte(0x71);
    let mut chain = chain_with_token(token, owner, 1_000_000, &[spender]);

    let deadline = NOW + 3600;
    let message = json!({"owner": OWNER, "spender": spender.to_checksum(None),
                         "value": "250000", "nonce": 0, "deadline": deadline});
    let permit = typed(&token_domain(token), &eip2612_types(), "Permit", &message);

    // Judged as what it grants.
    assert_eq!(
        evm::decode_typed_data(NETWORK, &permit).unwrap(),
        vec![Intent::Approve {
            token: Some(token.to_checksum(None)),
            spender: spender.to_checksum(None),
            amount: Amount::from_u64(250_000),
            decimals: None,
            unlimited: false,
        }]
    );
    // Signed: recovered by waiaas and by alloy, equal to alloy's own signature.
    let sig = evm::sign_typed_data(&signer, &permit).unwrap();
    assert_eq!(
        evm::recover_typed_data_signer(&permit, &sig)
            .unwrap()
            .to_checksum(),
        OWNER
    );
    let typed_data: TypedData = serde_json::from_str(&permit).unwrap();
    let hash = typed_data.eip712_signing_hash().unwrap();
    let parsed = Signature::try_from(&sig[..]).unwrap();
    assert_eq!(parsed.recover_address_from_prehash(&hash).unwrap(), owner);
    assert_eq!(
        reference.sign_dynamic_typed_data_sync(&typed_data).unwrap(),
        parsed
    );

    // Executed: the token grants exactly the decoded allowance, and no more moves.
    let (v, r, s) = split(&sig);
    let permit_call = |value: u64| {
        IPermitToken::permitCall {
            owner,
            spender,
            value: U256::from(value),
            deadline: U256::from(deadline),
            v,
            r,
            s,
        }
        .abi_encode()
    };
    // The signature does not cover another amount.
    assert!(!call(&mut chain, spender, token, permit_call(250_001)).is_success());
    let result = call(&mut chain, spender, token, permit_call(250_000));
    assert!(result.is_success(), "{result:?}");
    assert_eq!(
        read(
            &mut chain,
            token,
            IPermitToken::allowanceCall { owner, spender }.abi_encode()
        ),
        U256::from(250_000u64)
    );
    let pull = |value: u64| {
        IPermitToken::transferFromCall {
            from: owner,
            to: recipient,
            value: U256::from(value),
        }
        .abi_encode()
    };
    assert!(!call(&mut chain, spender, token, pull(250_001)).is_success());
    assert!(call(&mut chain, spender, token, pull(250_000)).is_success());
    assert_eq!(
        balance(&mut chain, token, recipient),
        U256::from(250_000u64)
    );
    assert_eq!(balance(&mut chain, token, owner), U256::from(750_000u64));
    // Single use: the nonce moved on.
    assert!(!call(&mut chain, spender, token, permit_call(250_000)).is_success());
}

#[test]
fn the_undeclared_key_attack_would_grant_the_maximum_on_a_real_token() {
    // What the old decoder judged as amount 0 (`allowed: false`) grants the maximum when
    // signed, because the hash ignores the key. Proven with alloy's signer; waiaas
    // refuses to decode or sign it.
    let reference: PrivateKeySigner = KEY0.parse().unwrap();
    let owner: Address = OWNER.parse().unwrap();
    let spender = Address::repeat_byte(0x5e);
    let token = Address::repeat_byte(0x72);
    let mut chain = chain_with_token(token, owner, 1_000_000, &[spender]);
    let deadline = NOW + 3600;
    let message = json!({"owner": OWNER, "spender": spender.to_checksum(None),
                         "value": U256::MAX.to_string(), "nonce": 0, "deadline": deadline,
                         "allowed": false});
    let attack = typed(&token_domain(token), &eip2612_types(), "Permit", &message);

    assert_eq!(
        code(evm::decode_typed_data(NETWORK, &attack).unwrap_err()),
        "INVALID_TRANSACTION"
    );
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "owner", NETWORK, KEY0);
    assert_eq!(
        code(evm::sign_typed_data(&VaultSigner::new(&tv.vault, &wallet), &attack).unwrap_err()),
        "INVALID_TRANSACTION"
    );

    let typed_data: TypedData = serde_json::from_str(&attack).unwrap();
    let sig = reference.sign_dynamic_typed_data_sync(&typed_data).unwrap();
    let result = call(
        &mut chain,
        spender,
        token,
        IPermitToken::permitCall {
            owner,
            spender,
            value: U256::MAX,
            deadline: U256::from(deadline),
            v: 27 + u8::from(sig.v()),
            r: B256::from(sig.r().to_be_bytes::<32>()),
            s: B256::from(sig.s().to_be_bytes::<32>()),
        }
        .abi_encode(),
    );
    assert!(result.is_success(), "{result:?}");
    assert_eq!(
        read(
            &mut chain,
            token,
            IPermitToken::allowanceCall { owner, spender }.abi_encode()
        ),
        U256::MAX
    );
}

#[test]
fn a_signed_eip3009_authorization_moves_exactly_the_decoded_transfer() {
    let tv = fixtures::vault();
    let wallet = fixtures::wallet_from_secret(&tv.vault, "owner", NETWORK, KEY0);
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let reference: PrivateKeySigner = KEY0.parse().unwrap();
    let owner: Address = OWNER.parse().unwrap();
    let relayer = Address::repeat_byte(0x5f);
    let recipient = Address::repeat_byte(0x7f);
    let token = Address::repeat_byte(0x73);
    let mut chain = chain_with_token(token, owner, 1_000_000, &[relayer]);

    let nonce = B256::repeat_byte(0x42);
    let valid_before = NOW + 600;
    let message = json!({"from": OWNER, "to": recipient.to_checksum(None), "value": "400000",
                         "validAfter": 0, "validBefore": valid_before, "nonce": nonce.to_string()});
    let auth = typed(
        &token_domain(token),
        &eip3009_types("TransferWithAuthorization"),
        "TransferWithAuthorization",
        &message,
    );
    assert_eq!(
        evm::decode_typed_data(NETWORK, &auth).unwrap(),
        vec![Intent::TokenTransfer {
            token: Some(token.to_checksum(None)),
            to: recipient.to_checksum(None),
            amount: Amount::from_u64(400_000),
            decimals: None,
            program: None,
        }]
    );
    let sig = evm::sign_typed_data(&signer, &auth).unwrap();
    let typed_data: TypedData = serde_json::from_str(&auth).unwrap();
    assert_eq!(
        reference.sign_dynamic_typed_data_sync(&typed_data).unwrap(),
        Signature::try_from(&sig[..]).unwrap()
    );
    let (v, r, s) = split(&sig);
    let submit = |to: Address| {
        IPermitToken::transferWithAuthorizationCall {
            from: owner,
            to,
            value: U256::from(400_000u64),
            validAfter: U256::ZERO,
            validBefore: U256::from(valid_before),
            nonce,
            v,
            r,
            s,
        }
        .abi_encode()
    };
    // Anyone may relay it, but only to the signed recipient.
    assert!(!call(&mut chain, relayer, token, submit(relayer)).is_success());
    let result = call(&mut chain, relayer, token, submit(recipient));
    assert!(result.is_success(), "{result:?}");
    assert_eq!(
        balance(&mut chain, token, recipient),
        U256::from(400_000u64)
    );
    assert_eq!(balance(&mut chain, token, owner), U256::from(600_000u64));
    // Single use.
    assert!(!call(&mut chain, relayer, token, submit(recipient)).is_success());
}

/// Typed data with `types` (besides an empty `EIP712Domain`), primary type `T0`.
fn shaped(types: &str, message: &str) -> String {
    format!(
        r#"{{"types":{{"EIP712Domain":[]{types}}},"primaryType":"T0","domain":{{}},"message":{message}}}"#
    )
}

fn nested_types(levels: usize) -> String {
    let mut types = String::new();
    for i in 0..levels {
        types.push_str(&format!(r#","T{i}":[{{"name":"a","type":"T{}"}}]"#, i + 1));
    }
    types.push_str(&format!(r#","T{levels}":[{{"name":"a","type":"uint8"}}]"#));
    types
}

/// `levels + 1` structs, each the only field of the one before, and a message filling them.
fn nested_chain(levels: usize) -> String {
    let mut message = String::from("1");
    for _ in 0..=levels {
        message = format!(r#"{{"a":{message}}}"#);
    }
    shaped(&nested_types(levels), &message)
}

#[test]
fn adversarial_types_are_refused_never_a_crash() {
    // Before these bounds, the first two overflowed the stack (the process aborts) and
    // the third expanded 2^30 nodes.
    let too_big = "nest deeper than 32 levels or expand to more than 1024 fields";
    let chain = shaped(&nested_types(1700), r#"{"a":{}}"#);
    assert!(chain.len() < evm::typed_data::MAX_TYPED_DATA_BYTES);
    assert!(refusal_message(&chain).contains(too_big));
    let dims = shaped(
        &format!(
            r#","T0":[{{"name":"a","type":"uint8{}"}}]"#,
            "[]".repeat(20_000)
        ),
        r#"{"a":[]}"#,
    );
    assert!(refusal_message(&dims).contains(too_big));
    let mut diamond = String::new();
    for i in 0..30 {
        diamond.push_str(&format!(
            r#","T{i}":[{{"name":"a","type":"T{0}"}},{{"name":"b","type":"T{0}"}}]"#,
            i + 1
        ));
    }
    diamond.push_str(r#","T30":[{"name":"a","type":"uint8"}]"#);
    assert!(refusal_message(&shaped(&diamond, "{}")).contains(too_big));
    let tuple = shaped(
        r#","T0":[{"name":"a","type":"(uint8,uint8)"}]"#,
        r#"{"a":[1,2]}"#,
    );
    assert_eq!(refused(&tuple), "INVALID_TRANSACTION");
    let recursive = shaped(r#","T0":[{"name":"a","type":"T0[]"}]"#, r#"{"a":[]}"#);
    assert!(refusal_message(&recursive).contains("`T0` contains itself"));

    // At the bound: 32 nested structs decode (as typed data for the allow-list).
    assert_eq!(
        decode(&nested_chain(31)),
        vec![Intent::TypedData {
            verifying_contract: None,
            primary_type: "T0".into()
        }]
    );
    assert!(refusal_message(&nested_chain(32)).contains(too_big));
}

/// A uint256 written as a JSON number beyond `u64` (or as a float) is refused, never
/// rounded: serde_json reads such numbers as `f64`, and a float prints back a few units
/// off (fuzz finding, `fuzz/regressions/request_dto/`). Amounts travel as strings.
#[test]
fn a_uint_given_as_a_json_number_beyond_u64_or_a_float_is_refused() {
    let permit = typed(&domain(1, TOKEN), &eip2612_types(), "Permit", &eip2612("1"));
    assert!(permit.contains(r#""value":"1""#), "{permit}");
    assert_eq!(decode(&permit).len(), 1);
    for number in [
        "1".to_owned() + &"0".repeat(75),
        "1.5".to_owned(),
        "1e3".to_owned(),
    ] {
        let json = permit.replace(r#""value":"1""#, &format!(r#""value":{number}"#));
        assert_eq!(refused(&json), "INVALID_TRANSACTION", "{json}");
    }
}
