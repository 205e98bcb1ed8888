//! Review round 3 (issue 8, "Judge what is signed"): attacks on the code added for the
//! round-2 holes — placement refusals inside the admission transaction, the
//! undescribed-DeFi rule, signature validity of typed data, the MAC'd audit head.
//! Each test asserts the safe behaviour; the holes this round found are closed
//! (each doc comment says how).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;
mod fixtures;

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, sol};
use common::{World, world};
use fixtures::*;
use serde_json::json;
use waiaas::{ChainParams, Network, Operation, SendRequest};
use waiaas_core::policy::PolicyType;
use waiaas_core::{Tier, TxStatus};

sol! {
    function increaseAllowance(address spender, uint256 added) external returns (bool);
    function setApprovalForAll(address operator, bool approved) external;
    function multicall(bytes[] data) external returns (bytes[] results);
}

fn evm_params(nonce: u64) -> ChainParams {
    ChainParams {
        nonce: Some(nonce),
        max_fee_per_gas: Some("20000000000".into()),
        max_priority_fee_per_gas: Some("1000000000".into()),
        gas_limit: Some(100_000),
        ..ChainParams::default()
    }
}

fn call(contract: Address, data: Vec<u8>, nonce: u64) -> SendRequest {
    SendRequest {
        chain: evm_params(nonce),
        ..SendRequest::new(Operation::ContractCall {
            contract: contract.to_checksum(None),
            data: Some(format!("0x{}", hex::encode(data))),
            value: None,
        })
    }
}

// ------------------------------------------------------------ undescribed DeFi calls

/// HOLE (item 8, "a descriptor from the agent may only raise a tier or deny"; rule 11
/// "a contract call that no descriptor describes … needs the owner"). The engine runs
/// the undescribed rule only when *neither* `action` nor `claimedAction` is present
/// (`waiaas-policy/src/engine/mod.rs`, `if req.action.is_none() && req.claimed_action.is_none()`).
/// So the agent writes its own descriptor naming a listed venue: VENUE_WHITELIST passes
/// on the agent's word, the undescribed rule is skipped, and a call the owner had to
/// approve is signed at INSTANT. The agent's descriptor lowered the tier from APPROVAL.
#[test]
fn hole_an_agent_descriptor_switches_off_the_undescribed_rule() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let venue = Address::repeat_byte(0x44);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": venue.to_checksum(None) }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::VenueWhitelist,
        json!({ "venues": ["aave"] }),
    );
    let data = vec![0x12, 0x34, 0x56, 0x78];
    let silent = agent.simulate(&call(venue, data.clone(), 0)).unwrap();
    assert_eq!(
        silent.tier,
        Tier::Approval,
        "the undescribed call needs the owner"
    );
    let mut lying = call(venue, data, 0);
    lying.action = Some(serde_json::from_value(json!({ "venue": "aave" })).unwrap());
    let d = agent.simulate(&lying).unwrap();
    let tx = agent.send(&lying);
    assert!(
        tx.as_ref().map_or(true, |t| t.status != TxStatus::Signed),
        "signed without the owner: {:?} (simulate said {:?})",
        tx.map(|t| (t.status, t.tier)),
        d.tier
    );
    assert!(
        !d.allowed || d.tier >= silent.tier,
        "the agent's own descriptor lowered the tier from {:?} to {:?}",
        silent.tier,
        d.tier
    );
}

/// HOLE (rule 11, undescribed DeFi; design §5 "whatever cannot be judged goes to the
/// owner"). The undescribed rule looks at `ContractCall` bodies only
/// (`engine/defi.rs` `undescribed`). An off-chain order the operator allow-listed as typed
/// data (CONTRACT_WHITELIST `typed_data: ["Order"]` on a CoW/UniswapX-style settlement
/// contract) is a DeFi swap the VENUE_WHITELIST cannot judge either, yet it is signed
/// at INSTANT with no descriptor — and with `validTo` in 2106, since
/// `maxSignatureValiditySecs` only bounds recognised permits.
#[test]
fn hole_an_allow_listed_typed_data_order_skips_the_undescribed_rule() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = typed_agent(&w, &wallet);
    let settlement = Address::repeat_byte(0x9a);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": settlement.to_checksum(None), "typed_data": ["Order"] }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::VenueWhitelist,
        json!({ "venues": ["aave"] }),
    );
    let order = json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"},
                             {"name": "chainId", "type": "uint256"},
                             {"name": "verifyingContract", "type": "address"}],
            "Order": [{"name": "sellToken", "type": "address"},
                      {"name": "buyToken", "type": "address"},
                      {"name": "receiver", "type": "address"},
                      {"name": "sellAmount", "type": "uint256"},
                      {"name": "buyAmount", "type": "uint256"},
                      {"name": "validTo", "type": "uint32"}]
        },
        "primaryType": "Order",
        "domain": {"name": "Settlement", "chainId": EVM_CHAIN_ID,
                   "verifyingContract": settlement.to_checksum(None)},
        "message": {"sellToken": Address::repeat_byte(0x11).to_checksum(None),
                    "buyToken": Address::repeat_byte(0x12).to_checksum(None),
                    "receiver": Address::repeat_byte(0xee).to_checksum(None),
                    "sellAmount": "1000000000000000000000000",
                    "buyAmount": "1",
                    "validTo": u32::MAX}
    })
    .to_string();
    let tx = agent.sign_typed_data(None, &order);
    assert!(
        tx.as_ref().map_or(true, |t| t.status != TxStatus::Signed),
        "an undescribed DeFi order was signed without the owner: {:?}",
        tx.map(|t| (t.status, t.tier))
    );
}

/// Refused: the same undescribed call sent as a raw EVM transaction (no descriptor can
/// ride on it) still needs the owner.
#[test]
fn an_undescribed_raw_transaction_still_needs_the_owner() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let venue = Address::repeat_byte(0x44);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": venue.to_checksum(None) }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::VenueWhitelist,
        json!({ "venues": ["aave"] }),
    );
    let raw = waiaas_chains::evm::EvmTxRequest {
        chain_id: EVM_CHAIN_ID,
        nonce: 0,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1,
        gas_limit: 100_000,
        to: waiaas_core::EvmAddress::parse(&venue.to_checksum(None)).unwrap(),
        value: waiaas_core::Amount::from_u128(1),
        data: vec![0x12, 0x34, 0x56, 0x78],
    };
    let tx = agent.sign_transaction(None, &format!("0x{}", hex::encode(raw.encode_unsigned())));
    assert!(
        tx.as_ref().map_or(true, |t| t.status != TxStatus::Signed),
        "{:?}",
        tx.map(|t| (t.status, t.tier))
    );
}

// ------------------------------------------------------------ placement refusals

/// An allowance increase without an owner is refused by the placement inside the
/// admission transaction. Replayed with the same idempotency key it must not come back
/// as a success, and nothing may stay reserved or be signed.
#[test]
fn hole_a_replayed_placement_refusal_is_not_reported_as_a_success() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let token = Address::repeat_byte(0x72);
    let spender = Address::repeat_byte(0x5e);
    policy(
        &w,
        &wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": spender.to_checksum(None), "max_amount": "1000" }] }),
    );
    let inc = increaseAllowanceCall {
        spender,
        added: U256::from(10u64),
    }
    .abi_encode();
    let mut req = call(token, inc, 0);
    req.idempotency_key = Some("inc-1".into());
    let first = agent.send(&req).unwrap_err();
    assert!(first.to_string().contains("register an owner"), "{first}");
    let again = agent.send(&req);
    assert!(
        again.is_err(),
        "the replay came back Ok with status {:?}",
        again.map(|t| t.status)
    );
}

// ------------------------------------------------------------ audit chain

fn forge_top_audit_row(w: &World) {
    w.db()
        .execute(
            "INSERT INTO audit_log (seq, at, actor, event, wallet_id, tx_id, details, prev_hash, hash, scheme)
             SELECT 9223372036854775807, at, actor, event, wallet_id, tx_id, details, prev_hash, hash, scheme
             FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
        )
        .unwrap();
}

/// HOLE (DoS of the kill switch, design §6 / item 10). Someone who can write the
/// database file inserts one audit row with `seq = i64::MAX` (no key needed). `append`
/// (`waiaas-core/src/store/pipeline.rs`) takes `max(last row's seq, recorded head)` + 1,
/// which no longer fits `i64`, and fails `CorruptRow { audit_log, "seq out of range" }`.
/// Every write that audits fails — including `activate_kill_switch`, so the operator's
/// stop button errors out. It fails closed (admissions audit too, so nothing signs: next
/// test), but the kill switch state is never recorded, and removing the row resumes
/// signing without the kill switch having been set.
#[test]
fn hole_a_forged_top_audit_row_blocks_the_kill_switch() {
    let w = world();
    let _wallet = w.wallet(Network::EthereumSepolia);
    forge_top_audit_row(&w);
    let kill = w.admin.activate_kill_switch("incident");
    assert!(
        kill.is_ok(),
        "the kill switch could not be activated: {:?}",
        kill.err()
    );
}

/// The audit chain detects; it does not stop the wallet: with the forged row in place
/// the next entries are still written (a send, the kill switch) and verification
/// reports the forged row as a break, for as long as it stays.
#[test]
fn a_forged_top_audit_row_is_reported_and_does_not_stop_audited_writes() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    forge_top_audit_row(&w);
    let send = agent.send(&SendRequest {
        chain: evm_params(0),
        ..SendRequest::transfer(&Address::repeat_byte(0xb0).to_checksum(None), "0.000001")
    });
    assert!(send.is_ok(), "{send:?}");
    let report = w.admin.verify_audit_log().unwrap();
    assert!(
        !report.is_intact(),
        "the forged row must stay a visible break"
    );
}

// ------------------------------------------------------------ signature validity

const PERMIT2: &str = "0x000000000022D473030F116dDEE9F6B43aC78BA3";

fn domain(name: &str, contract: &str) -> serde_json::Value {
    json!({"name": name, "chainId": EVM_CHAIN_ID, "verifyingContract": contract})
}

fn domain_types() -> serde_json::Value {
    json!([{"name": "name", "type": "string"},
           {"name": "chainId", "type": "uint256"},
           {"name": "verifyingContract", "type": "address"}])
}

/// Refused: every recognised permit or authorization whose deadline lies beyond
/// `maxSignatureValiditySecs` — written as a hex string, as a JSON number, in the
/// Permit2 batch and witness forms, and in EIP-3009's receive form — is refused before
/// anything is stored.
#[test]
fn far_deadlines_are_refused_in_every_recognised_form() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = typed_agent(&w, &wallet);
    let me = wallet.address.clone();
    let token = Address::repeat_byte(0x73).to_checksum(None);
    let spender = Address::repeat_byte(0x5f).to_checksum(None);
    let far_hex = format!("0x{:x}", common::T0 + 10 * 86_400);
    let far = common::T0 + 10 * 86_400;
    let cases: Vec<(&str, serde_json::Value)> = vec![
        (
            "EIP-2612, hex deadline",
            json!({
                "types": {"EIP712Domain": domain_types(),
                          "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                                     {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                                     {"name": "deadline", "type": "uint256"}]},
                "primaryType": "Permit", "domain": domain("Token", &token),
                "message": {"owner": me, "spender": spender, "value": "1", "nonce": 0, "deadline": far_hex}
            }),
        ),
        (
            "Permit2 PermitBatch",
            json!({
                "types": {"EIP712Domain": domain_types(),
                          "PermitBatch": [{"name": "details", "type": "PermitDetails[]"}, {"name": "spender", "type": "address"},
                                          {"name": "sigDeadline", "type": "uint256"}],
                          "PermitDetails": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint160"},
                                            {"name": "expiration", "type": "uint48"}, {"name": "nonce", "type": "uint48"}]},
                "primaryType": "PermitBatch", "domain": domain("Permit2", PERMIT2),
                "message": {"details": [{"token": token, "amount": "1", "expiration": far, "nonce": 0}],
                            "spender": spender, "sigDeadline": far}
            }),
        ),
        (
            "Permit2 PermitBatchWitnessTransferFrom",
            json!({
                "types": {"EIP712Domain": domain_types(),
                          "PermitBatchWitnessTransferFrom": [{"name": "permitted", "type": "TokenPermissions[]"},
                              {"name": "spender", "type": "address"}, {"name": "nonce", "type": "uint256"},
                              {"name": "deadline", "type": "uint256"}, {"name": "witness", "type": "Order"}],
                          "TokenPermissions": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint256"}],
                          "Order": [{"name": "recipient", "type": "address"}]},
                "primaryType": "PermitBatchWitnessTransferFrom", "domain": domain("Permit2", PERMIT2),
                "message": {"permitted": [{"token": token, "amount": "1"}], "spender": spender,
                            "nonce": 7, "deadline": far.to_string(), "witness": {"recipient": spender}}
            }),
        ),
        (
            "EIP-3009 ReceiveWithAuthorization",
            json!({
                "types": {"EIP712Domain": domain_types(),
                          "ReceiveWithAuthorization": [{"name": "from", "type": "address"}, {"name": "to", "type": "address"},
                              {"name": "value", "type": "uint256"}, {"name": "validAfter", "type": "uint256"},
                              {"name": "validBefore", "type": "uint256"}, {"name": "nonce", "type": "bytes32"}]},
                "primaryType": "ReceiveWithAuthorization", "domain": domain("USD Coin", &token),
                "message": {"from": me, "to": spender, "value": "1", "validAfter": 0,
                            "validBefore": far, "nonce": format!("0x{}", "11".repeat(32))}
            }),
        ),
    ];
    for (name, typed) in cases {
        let err = agent
            .sign_typed_data(None, &typed.to_string())
            .map(|t| t.status)
            .unwrap_err();
        assert!(
            err.to_string().contains("maxSignatureValiditySecs"),
            "{name}: {err}"
        );
    }
    assert!(
        w.admin
            .transactions(&waiaas_core::store::TxFilter::default())
            .unwrap()
            .is_empty(),
        "nothing is stored"
    );
}

// ------------------------------------------------------------ operator grants in a wrapper

/// Refused: `setApprovalForAll(router, true)` wrapped in the collection's own
/// `multicall`, with every approval rule as lax as an operator might set it
/// (collection and `multicall` whitelisted, the router an approved spender, unlimited
/// approvals allowed, APPROVE at INSTANT): the inner grant is still an NFT transfer of
/// the whole collection, so it is not signed without the owner.
#[test]
fn set_approval_for_all_inside_a_self_multicall_is_not_signed_at_once() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let collection = Address::repeat_byte(0x72);
    let router = Address::repeat_byte(0x5e);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": collection.to_checksum(None) }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": router.to_checksum(None), "name": "router" }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApproveAmountLimit,
        json!({ "block_unlimited": false }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApproveTierOverride,
        json!({ "tier": "INSTANT" }),
    );
    let inner = setApprovalForAllCall {
        operator: router,
        approved: true,
    }
    .abi_encode();
    let wrapped = multicallCall {
        data: vec![inner.clone().into()],
    }
    .abi_encode();
    for (name, data) in [("direct", inner), ("wrapped", wrapped)] {
        let tx = agent.send(&call(collection, data, 0));
        eprintln!(
            "{name}: {:?}",
            tx.as_ref()
                .map(|t| (t.status, t.tier))
                .map_err(ToString::to_string)
        );
        assert!(
            tx.as_ref().map_or(true, |t| t.status != TxStatus::Signed),
            "{name}: signed at {:?}",
            tx.map(|t| t.tier)
        );
    }
}

// ------------------------------------------------------------ Solana approvals of unlisted mints

/// Refused: where ALLOWED_TOKENS exists, a Solana `Approve` (no mint in the
/// instruction) and an `ApproveChecked` of an unlisted mint are not signed, even with
/// the delegate an approved spender and APPROVE at INSTANT.
#[test]
fn solana_approvals_of_unlisted_or_unnamed_mints_are_refused() {
    use base64::Engine as _;
    use solana_instruction::{AccountMeta, Instruction};
    use solana_pubkey::Pubkey;
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let me = Pubkey::new_from_array(
        *waiaas_core::SolanaAddress::parse(&wallet.address)
            .unwrap()
            .as_bytes(),
    );
    let listed = Pubkey::new_unique();
    let unlisted = Pubkey::new_unique();
    let source = Pubkey::new_unique();
    let delegate = Pubkey::new_unique();
    let token_program: Pubkey = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
        .parse()
        .unwrap();
    policy(
        &w,
        &wallet,
        PolicyType::AllowedTokens,
        json!({ "tokens": [{ "address": listed.to_string(), "decimals": 6 }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": delegate.to_string(), "max_amount": "1000000" }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApproveTierOverride,
        json!({ "tier": "INSTANT" }),
    );
    let mut unchecked = vec![4u8];
    unchecked.extend_from_slice(&1_000u64.to_le_bytes());
    let approve = Instruction {
        program_id: token_program,
        accounts: vec![
            AccountMeta::new(source, false),
            AccountMeta::new_readonly(delegate, false),
            AccountMeta::new_readonly(me, true),
        ],
        data: unchecked,
    };
    let mut checked = vec![13u8];
    checked.extend_from_slice(&1_000u64.to_le_bytes());
    checked.push(6);
    let approve_checked = Instruction {
        program_id: token_program,
        accounts: vec![
            AccountMeta::new(source, false),
            AccountMeta::new_readonly(unlisted, false),
            AccountMeta::new_readonly(delegate, false),
            AccountMeta::new_readonly(me, true),
        ],
        data: checked,
    };
    for (name, ix) in [
        ("Approve", approve),
        ("ApproveChecked unlisted", approve_checked),
    ] {
        let message = solana_message::Message::new_with_blockhash(
            &[ix],
            Some(&me),
            &solana_hash::Hash::new_from_array([7; 32]),
        );
        let raw = base64::engine::general_purpose::STANDARD.encode(
            wincode::serialize(&solana_transaction::Transaction::new_unsigned(message)).unwrap(),
        );
        let tx = agent.sign_transaction(None, &raw);
        eprintln!(
            "{name}: {:?}",
            tx.as_ref()
                .map(|t| (t.status, t.tier))
                .map_err(ToString::to_string)
        );
        assert!(
            tx.as_ref().map_or(true, |t| t.status != TxStatus::Signed),
            "{name}: signed at {:?}",
            tx.map(|t| t.tier)
        );
    }
}

/// HOLE (same root as `hole_an_agent_descriptor_switches_off_the_undescribed_rule`):
/// under ACTION_CATEGORY_LIMIT (`swap`, 100 USD per action, APPROVAL above), an
/// undescribed call needs the owner — but the agent writes `{category: "swap",
/// notionalUsd: "0"}` and the same call signs at INSTANT, counting 0 USD against the
/// category's caps.
#[test]
fn hole_an_agent_descriptor_with_zero_notional_passes_the_category_limit() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let dex = Address::repeat_byte(0x45);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": dex.to_checksum(None) }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ActionCategoryLimit,
        json!({"category": "swap", "per_action_limit_usd": "100", "tier_on_exceed": "APPROVAL"}),
    );
    let data = vec![0x38, 0xed, 0x17, 0x39];
    let silent = agent.simulate(&call(dex, data.clone(), 0)).unwrap();
    assert_eq!(
        silent.tier,
        Tier::Approval,
        "the undescribed call needs the owner"
    );
    let mut lying = call(dex, data, 0);
    lying.action =
        Some(serde_json::from_value(json!({ "category": "swap", "notionalUsd": "0" })).unwrap());
    let tx = agent.send(&lying);
    assert!(
        tx.as_ref().map_or(true, |t| t.status != TxStatus::Signed),
        "signed without the owner: {:?}",
        tx.map(|t| (t.status, t.tier))
    );
}

/// HOLE (same class as `hole_a_forged_top_audit_row_blocks_the_kill_switch`): a recorded
/// head rewritten with a negative `seq` (no key needed) makes `read_head` fail
/// (`CorruptRow { audit_head, "negative seq" }`) before its MAC is even checked, so every
/// append — and the kill switch — fails.
#[test]
fn hole_a_negative_audit_head_blocks_the_kill_switch() {
    let w = world();
    let _wallet = w.wallet(Network::EthereumSepolia);
    w.db()
        .execute("UPDATE audit_head SET seq = -1 WHERE id = 1", [])
        .unwrap();
    let kill = w.admin.activate_kill_switch("incident");
    assert!(
        kill.is_ok(),
        "the kill switch could not be activated: {:?}",
        kill.err()
    );
}
