//! Review round 2 (issue 8, "Judge what is signed"): new attempts, holding only a
//! session token, to get a signature for value the engine did not judge, judged too
//! leniently, or that outlives the controls. Each test asserts the SAFE behaviour;
//! the ones named `hole_…` found a hole that is now closed; the one known limit kept is
//! ignored with its reason. Where value moves, the signed bytes are executed in
//! litesvm / revm.
//!
//! Tried and found judged correctly (reading the decoders, some with tests here):
//! v0 messages with lookup tables (refused, test); instructions whose program comes
//! from a lookup table (refused, test); DAI permits with `expiry = 0` (refused, test) or
//! `allowed: false` (a revocation, no grant); a `salt` in `EIP712Domain` (the grant is
//! still judged, test); an EIP-2612 permit whose `owner` is not the wallet (judged as the
//! wallet's grant: stricter); Permit2 `expiration` far beyond a near `sigDeadline` (the
//! grant is judged as an APPROVE; the allowance then lives like any ERC-20 approval);
//! several `TransferChecked` of one mint stating different decimals (the token program
//! fails the whole transaction); EVM `to = None` and non-type-2 transactions
//! (refused); an access list (no value); a price quote keyed with other casing
//! (unpriced, so APPROVAL); the 20-leg approval text (complete, test); NFT legs of
//! amount 0 or huge (always APPROVAL).
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

use alloy_primitives::{Address, TxKind, U256, keccak256};
use alloy_sol_types::{SolCall, sol};
use base64::Engine as _;
use common::{World, world};
use fixtures::*;
use litesvm::LiteSVM;
use revm::ExecuteCommitEvm;
use revm::context::TxEnv;
use serde_json::json;
use solana_instruction::Instruction;
use solana_pubkey::Pubkey;
use waiaas::{ChainParams, Network, NewPolicy, Operation, SendRequest, Transaction};
use waiaas_core::policy::PolicyType;
use waiaas_core::{TxStatus, WalletInfo};
use waiaas_test_support::evm_runtime::Genesis;

const ED25519_PRECOMPILE: &str = "Ed25519SigVerify111111111111111111111111111";
const MEMO_V1: &str = "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo";

// ================================================================= Solana

fn signed_bytes(tx: &Transaction) -> Vec<u8> {
    B64.decode(
        tx.result
            .as_ref()
            .unwrap()
            .signed_transaction
            .as_ref()
            .unwrap(),
    )
    .unwrap()
}

/// HOLE (item 2, "fees are value"; judged too leniently). The Solana fee bound counts
/// `5 000 × num_required_signatures` plus the priority fee, but the runtime also charges
/// 5 000 lamports for every signature an Ed25519 / Secp256k1 / Secp256r1 precompile
/// instruction *declares* (its first data byte, up to 255), and charges it even when
/// the precompile then fails. Oracle updates (Pyth, Switchboard, Wormhole) need the
/// Ed25519 / Secp256k1 precompiles, so an operator plausibly whitelists them. The agent
/// then fills a transaction with ~200 two-byte precompile instructions declaring 255 (or
/// here 126) signatures each — 20 of them, the batch maximum: the decoder judges a
/// 5 000-lamport fee (INSTANT, far under the 0.01 SOL ceiling), the network takes
/// 12 605 000 lamports here (25 505 000 with 255 per instruction: 2.5× the FEE_TOO_HIGH
/// ceiling, 5 000× what was judged and reserved) per transaction, repeatable at INSTANT.
///
/// litesvm is built without its precompiles, so the memo program's ELF stands in at the
/// Ed25519 address (data `~` is valid UTF-8 and declares 126 signatures); the fee is
/// computed by the runtime's own `solana-fee` from the program id, exactly as on
/// mainnet, where the real precompile would fail verification and the fee is still paid.
///
/// Closed: the Solana decoder adds every signature the three precompiles declare to
/// the base fee it bounds (`SIGNATURE_PRECOMPILES` in `waiaas-chains/src/solana/decode.rs`).
#[test]
fn hole_precompile_signature_fees_are_not_in_the_fee_bound() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let me = me(&wallet);
    let mut svm = LiteSVM::new();
    svm.airdrop(&me, 10 * SOL).unwrap();
    let memo = svm.get_account(&spk(MEMO_V1)).unwrap();
    svm.add_program(spk(ED25519_PRECOMPILE), &memo.data)
        .unwrap();
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": ED25519_PRECOMPILE, "name": "ed25519 precompile" }] }),
    );
    let ixs: Vec<Instruction> = (0..20)
        .map(|_| Instruction {
            program_id: spk(ED25519_PRECOMPILE),
            accounts: vec![],
            data: b"~".to_vec(),
        })
        .collect();
    let before = svm.get_balance(&me).unwrap();
    let tx = match agent.sign_transaction(None, &unsigned(&me, &ixs, &svm)) {
        Ok(tx) => tx,
        Err(err) => {
            eprintln!("refused: {err:?}");
            return; // refused: safe
        }
    };
    assert_eq!(tx.status, TxStatus::Signed, "{tx:?}");
    let parsed: solana_transaction::Transaction = wincode::deserialize(&signed_bytes(&tx)).unwrap();
    let meta = svm.send_transaction(parsed).unwrap();
    let lost = before - svm.get_balance(&me).unwrap();
    let judged = tx
        .decision
        .as_ref()
        .unwrap()
        .spend
        .assets
        .values()
        .next()
        .copied()
        .unwrap()
        .to_u64()
        .unwrap();
    assert_eq!(lost, meta.fee);
    assert!(
        lost <= judged,
        "the wallet paid a {lost}-lamport fee but only {judged} lamports were judged (tier {:?})",
        tx.tier
    );
}

/// Refused: a v0 message with an address lookup table, in `sign_transaction`. Accounts
/// (and program ids) loaded from a table are not in the static keys, so the decoder
/// could not see them: it refuses the message (`UNSUPPORTED_TRANSACTION`) instead of
/// judging only what it can see. Checked for a table that would supply the program of
/// the only instruction, and for one that only supplies an extra account.
#[test]
fn v0_messages_with_lookup_tables_are_refused() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let me = me(&wallet);
    for program_from_table in [true, false] {
        let mut m = vec![0x80u8, 1, 0, 1];
        // static keys: wallet, system program
        m.push(2);
        m.extend_from_slice(me.as_ref());
        m.extend_from_slice(&[0u8; 32]);
        m.extend_from_slice(&[3u8; 32]); // blockhash
        m.push(1); // one instruction
        // program index 2 = first looked-up account; else the system program (1) with
        // the looked-up account as its destination.
        if program_from_table {
            m.extend_from_slice(&[2, 1, 0, 1, 0]);
        } else {
            let mut data = 2u32.to_le_bytes().to_vec();
            data.extend_from_slice(&SOL.to_le_bytes());
            m.extend_from_slice(&[1, 2, 0, 2, u8::try_from(data.len()).unwrap()]);
            m.extend_from_slice(&data);
        }
        m.push(1); // one lookup table
        m.extend_from_slice(&[42u8; 32]);
        m.extend_from_slice(&[1, 0]); // writable index 0
        m.push(0); // no read-only
        let mut wire = vec![1u8];
        wire.extend_from_slice(&[0u8; 64]);
        wire.extend_from_slice(&m);
        let err = agent
            .sign_transaction(None, &B64.encode(&wire))
            .unwrap_err();
        assert!(
            ["UNSUPPORTED_TRANSACTION", "INVALID_TRANSACTION"].contains(&err.code()),
            "{err:?}"
        );
    }
    assert!(agent.transactions(10).unwrap_or_default().is_empty());
}

// ================================================================= EVM

/// The operator's listed token ("DAI", 18 decimals).
const LISTED: Address = Address::repeat_byte(0x71);
/// A token the wallet holds that the operator never listed ("WETH").
const UNLISTED: Address = Address::repeat_byte(0x7a);

sol! {
    function approve(address spender, uint256 value) external returns (bool);
    function allowance(address owner, address spender) external view returns (uint256);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
    function increaseApproval(address spender, uint256 added) external returns (bool);
    function push(address usr, uint256 wad) external;
    function setApprovalForAll(address operator, bool approved) external;
    function increaseAllowance(address spender, uint256 added) external returns (bool);
    function mint(address to, uint256 id) external;
    function ownerOf(uint256 id) external view returns (address);
}

/// `TestMultiToken` (ERC-20 with `increaseAllowance`, ERC-1155).
const MULTI: Address = Address::repeat_byte(0x72);

/// A `TestNft` collection the operator never whitelisted.
const NFT: Address = Address::repeat_byte(0x4e);

/// `TestToken` storage: slot 0 = balanceOf.
fn balance_slot(holder: Address) -> U256 {
    let mut key = [0u8; 64];
    key[12..32].copy_from_slice(holder.as_slice());
    U256::from_be_bytes(keccak256(key).0)
}

fn evm_with(wallet: Address, spender: Address, holdings: U256) -> Evm {
    let mut genesis = Genesis::new(EVM_CHAIN_ID).base_fee(BASE_FEE as u64);
    for who in [
        wallet,
        spender,
        Address::repeat_byte(0xee),
        Address::repeat_byte(0xdd),
    ] {
        genesis = genesis.fund(who, U256::from(10u128.pow(19)));
    }
    for token in [LISTED, UNLISTED] {
        genesis = genesis.code(token, runtime("TestToken")).storage(
            token,
            balance_slot(wallet),
            holdings,
        );
    }
    genesis
        .code(MULTI, runtime("TestMultiToken"))
        .code(NFT, runtime("TestNft"))
        .build()
}

/// A transaction from an EOA the test controls (no signature needed in revm).
fn evm_call_as(evm: &mut Evm, caller: Address, to: Address, data: Vec<u8>, nonce: u64) -> bool {
    evm.transact_commit(TxEnv {
        caller,
        kind: TxKind::Call(to),
        data: data.into(),
        gas_limit: 200_000,
        gas_price: BASE_FEE,
        chain_id: Some(EVM_CHAIN_ID),
        nonce,
        ..TxEnv::default()
    })
    .unwrap()
    .is_success()
}

fn call(contract: Address, data: Vec<u8>, nonce: u64) -> SendRequest {
    SendRequest {
        chain: ChainParams {
            nonce: Some(nonce),
            max_fee_per_gas: Some("20000000000".into()),
            max_priority_fee_per_gas: Some("1000000000".into()),
            gas_limit: Some(100_000),
            ..ChainParams::default()
        },
        ..SendRequest::new(Operation::ContractCall {
            contract: contract.to_checksum(None),
            data: Some(format!("0x{}", hex::encode(data))),
            value: None,
        })
    }
}

fn approve_setup(w: &World, wallet: &WalletInfo, spender: Address, max: U256) {
    policy(
        w,
        wallet,
        PolicyType::AllowedTokens,
        json!({ "tokens": [{ "address": LISTED.to_checksum(None), "decimals": 18, "symbol": "DAI" }] }),
    );
    policy(
        w,
        wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": spender.to_checksum(None), "name": "router", "max_amount": max.to_string() }] }),
    );
    policy(
        w,
        wallet,
        PolicyType::ApproveTierOverride,
        json!({ "tier": "INSTANT" }),
    );
}

/// HOLE (items 1 and 3, judged too leniently: "a token with no trusted decimals is
/// unpriced and cannot be matched"; "Same for APPROVE amounts"). An APPROVE leg never
/// consults ALLOWED_TOKENS, and APPROVED_SPENDERS `max_amount` is one base-unit number
/// for every token. The operator lists only DAI (18 decimals) and lets the router spend
/// up to 1 000 DAI (`1000e18`) at INSTANT. The agent approves the router for `1000e18`
/// base units of a token the operator never listed — WETH here (1 000 WETH ≈ 3 M USD),
/// or 10^15 units of a 6-decimal stablecoin, or an ERC-721 `approve` of NFT #id — no
/// CONTRACT_WHITELIST on the token is needed either. It signs at INSTANT, and the
/// spender then pulls 1 000 WETH (executed in revm). Swaps through a whitelisted router
/// are plain calls that spend allowances (the documented limit), so the approval is the
/// only control on what the router can take, and it does not know which token it grants.
///
/// Closed: where the operator keeps ALLOWED_TOKENS, an APPROVE of a token outside it is
/// `TOKEN_NOT_ALLOWED` (`approve()` in `waiaas-policy/src/engine/approvals.rs`).
#[test]
fn hole_approve_of_an_unlisted_token_passes_the_spenders_base_unit_cap() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let owner: Address = wallet.address.parse().unwrap();
    let spender = Address::repeat_byte(0x5e);
    let thousand = U256::from(1000u64) * U256::from(10u64).pow(U256::from(18u64));
    let mut evm = evm_with(owner, spender, thousand * U256::from(10u64));
    approve_setup(&w, &wallet, spender, thousand);
    let data = approveCall {
        spender,
        value: thousand,
    }
    .abi_encode();
    match agent.send(&call(UNLISTED, data, 0)) {
        Err(err) => {
            assert!(
                codes(&err).iter().any(|c| c == "TOKEN_NOT_ALLOWED"),
                "{err:?}"
            );
        }
        Ok(tx) => {
            assert_eq!(tx.status, TxStatus::Signed, "{tx:?}");
            assert!(evm_execute(&mut evm, &tx));
            let pulled = transferFromCall {
                from: owner,
                to: spender,
                value: thousand,
            }
            .abi_encode();
            assert!(evm_call_as(&mut evm, spender, UNLISTED, pulled, 0));
            let taken = view(
                &mut evm,
                UNLISTED,
                balanceOfCall { who: spender }.abi_encode(),
            );
            panic!(
                "an approval of token {UNLISTED} (not in ALLOWED_TOKENS) signed at {:?}; the spender took {taken} base units",
                tx.tier
            );
        }
    }
}

/// Positive control for the test above: approving the listed token within the cap
/// still signs (and executes).
#[test]
fn approve_of_the_listed_token_within_the_cap_signs() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let owner: Address = wallet.address.parse().unwrap();
    let spender = Address::repeat_byte(0x5e);
    let thousand = U256::from(1000u64) * U256::from(10u64).pow(U256::from(18u64));
    let mut evm = evm_with(owner, spender, thousand);
    approve_setup(&w, &wallet, spender, thousand);
    let data = approveCall {
        spender,
        value: thousand,
    }
    .abi_encode();
    let tx = agent.send(&call(LISTED, data, 0)).unwrap();
    assert_eq!(tx.status, TxStatus::Signed, "{tx:?}");
    assert!(evm_execute(&mut evm, &tx));
    assert_eq!(
        view(
            &mut evm,
            LISTED,
            allowanceCall { owner, spender }.abi_encode()
        ),
        thousand
    );
}

/// HOLE (same root as the test above; item 3): `setApprovalForAll(x, true)` is judged
/// as an unlimited APPROVE and nothing else: no CONTRACT_WHITELIST for the collection,
/// no NFT tier. An operator who allows unlimited ERC-20 approvals to its DEX router
/// (`block_unlimited: false`, the usual convenience setting) with approvals at INSTANT
/// thereby lets the agent hand every NFT of any collection to that router at INSTANT,
/// while sending one of those NFTs directly needs the collection whitelisted and the
/// owner (NFT_TRANSFER is APPROVAL). Executed in revm: the router then moves NFT #7.
///
/// Closed: the EVM decoder judges `setApprovalForAll(x, true)` as an unlimited APPROVE
/// and an NFT transfer of every token (`*`) to the operator, so the NFT rules apply.
#[test]
fn hole_set_approval_for_all_skips_the_nft_rules() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let owner: Address = wallet.address.parse().unwrap();
    let router = Address::repeat_byte(0x5e);
    let thief = Address::repeat_byte(0xba);
    let mut evm = evm_with(owner, router, U256::ZERO);
    assert!(evm_call_as(
        &mut evm,
        Address::repeat_byte(0xdd),
        NFT,
        mintCall {
            to: owner,
            id: U256::from(7u8)
        }
        .abi_encode(),
        0
    ));
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
    let data = setApprovalForAllCall {
        operator: router,
        approved: true,
    }
    .abi_encode();
    let Ok(tx) = agent.send(&call(NFT, data, 0)) else {
        return; // refused: safe
    };
    if tx.status != TxStatus::Signed {
        return; // waits for the owner: safe
    }
    assert!(evm_execute(&mut evm, &tx));
    let moved = transferFromCall {
        from: owner,
        to: thief,
        value: U256::from(7u8),
    }
    .abi_encode();
    assert!(evm_call_as(&mut evm, router, NFT, moved, 0));
    let now = view(
        &mut evm,
        NFT,
        ownerOfCall {
            id: U256::from(7u8),
        }
        .abi_encode(),
    );
    panic!(
        "setApprovalForAll on an unlisted collection signed at {:?}; NFT #7 now belongs to {now:#x}",
        tx.tier
    );
}

/// HOLE (item 3, "an allowance increase is a grant of at least the increment"; judged
/// too leniently). Only OpenZeppelin's `increaseAllowance` is decoded. The older
/// `increaseApproval(address,uint256)` (OpenZeppelin ≤ 1.x StandardToken: LINK, and
/// many 2017–2018 tokens) and DAI's `push(usr, wad)` (a `transfer`) / `move(src, dst,
/// wad)` are plain calls: once the token contract is whitelisted (LINK is, for
/// `transferAndCall` to VRF / CCIP), `increaseApproval(attacker, 2^256-1)` and
/// `push(attacker, all)` sign at INSTANT with no APPROVED_SPENDERS, WHITELIST,
/// ALLOWED_TOKENS or spending limit seeing them. (Checked on the decision and the
/// signature; no test contract implements these selectors.)
///
/// Closed: the EVM decoder reads `increaseApproval` as an allowance increase and DAI
/// `push` / `move` / `pull` as token transfers (its table lists them).
#[test]
fn hole_legacy_allowance_and_dai_transfer_selectors_are_plain_calls() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let token = Address::repeat_byte(0x11);
    let attacker = Address::repeat_byte(0xba);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": token.to_checksum(None), "name": "LINK" }] }),
    );
    let calls = [
        (
            "increaseApproval",
            increaseApprovalCall {
                spender: attacker,
                added: U256::MAX,
            }
            .abi_encode(),
        ),
        (
            "push",
            pushCall {
                usr: attacker,
                wad: U256::from(10u64).pow(U256::from(24u64)),
            }
            .abi_encode(),
        ),
    ];
    let mut signed = Vec::new();
    for (nonce, (name, data)) in calls.into_iter().enumerate() {
        if let Ok(tx) = agent.send(&call(token, data, nonce as u64)) {
            signed.push(format!("{name}: {:?} {:?}", tx.status, tx.tier));
        }
    }
    assert!(
        signed.is_empty(),
        "signed without any token, spender or recipient rule: {signed:?}"
    );
}

// ------------------------------------------------------------ typed data

fn domain_types(salt: bool) -> serde_json::Value {
    let mut d = vec![
        json!({"name": "name", "type": "string"}),
        json!({"name": "version", "type": "string"}),
        json!({"name": "chainId", "type": "uint256"}),
        json!({"name": "verifyingContract", "type": "address"}),
    ];
    if salt {
        d.push(json!({"name": "salt", "type": "bytes32"}));
    }
    serde_json::Value::Array(d)
}

fn dai_permit(owner: Address, allowed: bool, expiry: u64) -> String {
    json!({
        "types": {
            "EIP712Domain": domain_types(false),
            "Permit": [
                {"name": "holder", "type": "address"}, {"name": "spender", "type": "address"},
                {"name": "nonce", "type": "uint256"}, {"name": "expiry", "type": "uint256"},
                {"name": "allowed", "type": "bool"}
            ]
        },
        "primaryType": "Permit",
        "domain": {"name": "Dai Stablecoin", "version": "1", "chainId": EVM_CHAIN_ID,
                   "verifyingContract": LISTED.to_checksum(None)},
        "message": {"holder": owner.to_checksum(None),
                    "spender": Address::repeat_byte(0xba).to_checksum(None),
                    "nonce": 0, "expiry": expiry, "allowed": allowed}
    })
    .to_string()
}

/// Refused: DAI permits that never expire (`expiry = 0`), whether they grant
/// (`allowed: true`) or revoke; a granting DAI permit to an unlisted spender with a near
/// expiry; and an EIP-2612 permit with a `salt` in its domain, a second
/// `EIP712Domain` field that must not hide the grant. Nothing is stored signed.
#[test]
fn dai_permits_and_salted_domains_are_judged() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = typed_agent(&w, &wallet);
    let owner: Address = wallet.address.parse().unwrap();
    for allowed in [true, false] {
        assert!(
            agent
                .sign_typed_data(None, &dai_permit(owner, allowed, 0))
                .is_err(),
            "expiry 0, allowed {allowed}"
        );
    }
    let near = u64::try_from(common::T0).unwrap() + 600;
    let err = agent
        .sign_typed_data(None, &dai_permit(owner, true, near))
        .unwrap_err();
    assert_eq!(err.code(), "POLICY_DENIED", "{err:?}");
    let salted = json!({
        "types": {
            "EIP712Domain": domain_types(true),
            "Permit": [
                {"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"}
            ]
        },
        "primaryType": "Permit",
        "domain": {"name": "T", "version": "1", "chainId": EVM_CHAIN_ID,
                   "verifyingContract": LISTED.to_checksum(None),
                   "salt": format!("0x{}", "ab".repeat(32))},
        "message": {"owner": owner.to_checksum(None),
                    "spender": Address::repeat_byte(0xba).to_checksum(None),
                    "value": U256::MAX.to_string(), "nonce": 0, "deadline": near}
    })
    .to_string();
    let err = agent.sign_typed_data(None, &salted).unwrap_err();
    assert_eq!(err.code(), "POLICY_DENIED", "{err:?}");
    let signed = agent
        .transactions(50)
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t.status == TxStatus::Signed)
        .count();
    assert_eq!(signed, 0);
}

/// Refused to hide anything: the owner's approval text for a raw Solana transaction of
/// 20 transfers (the batch maximum) names every recipient and amount, the fee bound and
/// the expiry; nothing is cut.
#[test]
fn the_approval_text_of_a_twenty_leg_raw_transaction_shows_every_leg() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let owner = common::OwnerKey::solana(7);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    let me = me(&wallet);
    let svm = LiteSVM::new();
    let recipients: Vec<Pubkey> = (1..=20u8)
        .map(|i| Pubkey::new_from_array([i; 32]))
        .collect();
    let ixs: Vec<Instruction> = recipients
        .iter()
        .enumerate()
        .map(|(i, to)| solana_system_interface::instruction::transfer(&me, to, SOL + i as u64))
        .collect();
    let tx = agent
        .sign_transaction(None, &unsigned(&me, &ixs, &svm))
        .unwrap();
    assert_eq!(tx.status, TxStatus::PendingApproval, "{tx:?}");
    let text = w
        .admin
        .owner_actions()
        .approval_request(tx.id)
        .unwrap()
        .approve_message
        .unwrap();
    for (i, to) in recipients.iter().enumerate() {
        assert!(
            text.contains(&format!("{} base units", SOL + i as u64))
                && text.contains(&to.to_string()),
            "leg {i} missing from:\n{text}"
        );
    }
    assert!(text.contains("max network fee: 0.000005 SOL"), "{text}");
    assert!(text.contains("expires: 20"), "{text}");
}

/// HOLE (design, judged too leniently; same family as the APPROVE cap above): the
/// SPENDING_LIMIT native ladder (`instant_max`, … in base units) "applies to the native
/// coin of any network", so one global policy written in wei for the EVM wallets
/// (`instant_max` = 0.1 ETH = 10^17 wei) lets a Solana wallet of the same vault send
/// 10^17 lamports (10^8 SOL) at INSTANT: base units mean 10^9 times more on Solana.
/// The agent of any Solana wallet the policy covers spends its whole balance at once.
///
/// Fix: `waiaas-policy/src/rules/spending.rs` / `engine/spending.rs` (native ladder): refuse base-unit
/// native ladders on policies without a `network` (or key them by chain, like
/// `token_limits` `native:<chain>`), or state the ladder in human units of the coin.
#[test]
#[ignore = "KNOWN LIMIT (documented in docs/policy-semantics.md): a global base-unit native ladder applies to every chain's base unit"]
fn hole_a_global_native_ladder_in_wei_is_unbounded_on_solana() {
    let w = world();
    w.admin
        .create_policy(NewPolicy::new(
            PolicyType::SpendingLimit,
            json!({ "instant_max": "100000000000000000", "notify_max": "1000000000000000000",
                    "delay_max": "10000000000000000000" }),
        ))
        .unwrap();
    let wallet = w.admin.create_wallet("sol", Network::SolanaDevnet).unwrap();
    let agent = w.agent(wallet.id);
    let req = common::sol_req(&Pubkey::new_from_array([9u8; 32]).to_string(), "1000000");
    let decision = agent.simulate(&req).unwrap();
    let signed = agent.send(&req).map(|t| (t.status, t.tier));
    assert!(
        !decision.allowed || decision.tier > waiaas_core::Tier::Instant,
        "1 000 000 SOL is INSTANT under a ladder of 0.1 ETH: {decision:?}; send: {signed:?}"
    );
}

/// HOLE (reopens a closed one: "repeated allowance increases need the owner"). An
/// `increaseAllowance` is raised to APPROVAL because repeated increments can build any
/// total — but a wallet with no owner registered turns APPROVAL into DELAY, and the
/// DELAY re-judge at execution looks at each increment alone. Three increments of the
/// spender's whole `max_amount`, queued back to back, all execute when their window
/// passes: the spender may take 3 × `max_amount` (executed in revm). The same holds for
/// any number of increments, and up to `2^256 - 1` (past `block_unlimited`).
///
/// Closed: an allowance increase needs a registered owner; without one it is refused
/// at admission instead of falling back to DELAY (`raises_allowance` in the pipeline).
#[test]
fn hole_allowance_increases_without_an_owner_add_up_past_the_max() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let owner: Address = wallet.address.parse().unwrap();
    let spender = Address::repeat_byte(0x5e);
    let mut evm = evm_with(owner, spender, U256::ZERO);
    let max = U256::from(10u128 * 10u128.pow(18));
    policy(
        &w,
        &wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": spender.to_checksum(None), "max_amount": max.to_string() }] }),
    );
    let inc = increaseAllowanceCall {
        spender,
        added: max,
    }
    .abi_encode();
    // Closed: without an owner an increase is refused outright (never queued as DELAY).
    for nonce in 0..3 {
        let err = agent.send(&call(MULTI, inc.clone(), nonce)).unwrap_err();
        assert!(err.to_string().contains("register an owner"), "{err}");
    }
    w.clock.advance(7 * 86_400);
    w.refresh_prices();
    let mut done = w.admin.process_due().unwrap();
    done.sort_by_key(|t| t.created_at);
    for tx in done.iter().filter(|t| t.status == TxStatus::Signed) {
        assert!(evm_execute(&mut evm, tx));
    }
    let granted = view(
        &mut evm,
        MULTI,
        allowanceCall { owner, spender }.abi_encode(),
    );
    assert!(
        granted <= max,
        "the spender may now take {granted}, above its max_amount {max}"
    );
}
