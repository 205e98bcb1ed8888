//! Attacks on what gets signed (issue 8, "Judge what is signed"), written by a review
//! that tried to get a signature for value the policy engine did not see while holding
//! only a session token. Each test asserts the safe behaviour; the ones named `hole_…`
//! succeeded against the first version and are now closed (the doc comment of each says
//! how). Where value moves, the signed bytes are executed in litesvm / revm.
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
use common::world;
use fixtures::*;
use litesvm::LiteSVM;
use serde_json::json;
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;
use solana_signer::Signer as _;
use waiaas::{ChainParams, Network, Operation, SendRequest, Transaction};
use waiaas_core::policy::PolicyType;
use waiaas_core::{SolanaAddress, Tier, TxStatus};
use waiaas_test_support::evm_runtime::Genesis;
use waiaas_test_support::solana_runtime::execute_base64;

const TOKEN_PROGRAM: &str = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
const ATA_PROGRAM: &str = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL";
const SYSTEM_PROGRAM: &str = "11111111111111111111111111111111";

// ================================================================= Solana

fn svm_send(svm: &mut LiteSVM, tx: &Transaction) -> Result<(), String> {
    let out = execute_base64(svm, common::signed(tx));
    svm.expire_blockhash();
    out
}

/// A 6-decimal SPL mint at `[77; 32]` and, for `holder`, a token account with 1 000
/// tokens (layouts written by hand, as in `judged.rs`).
fn mint_and_account(svm: &mut LiteSVM, holder: &Pubkey) -> (Pubkey, Pubkey) {
    let mint = Pubkey::new_from_array([77u8; 32]);
    let mut data = vec![0u8; 82];
    data[0..4].copy_from_slice(&1u32.to_le_bytes());
    data[4..36].copy_from_slice(&[7u8; 32]);
    data[36..44].copy_from_slice(&u64::MAX.to_le_bytes());
    data[44] = 6;
    data[45] = 1;
    svm.set_account(
        mint,
        solana_account::Account {
            lamports: svm.minimum_balance_for_rent_exemption(82),
            data,
            owner: spk(TOKEN_PROGRAM),
            executable: false,
            rent_epoch: 0,
        },
    )
    .unwrap();
    let ata = ata_of(holder, &mint);
    let mut acc = vec![0u8; 165];
    acc[0..32].copy_from_slice(&mint.to_bytes());
    acc[32..64].copy_from_slice(&holder.to_bytes());
    acc[64..72].copy_from_slice(&1_000_000_000u64.to_le_bytes());
    acc[108] = 1;
    svm.set_account(
        ata,
        solana_account::Account {
            lamports: svm.minimum_balance_for_rent_exemption(165),
            data: acc,
            owner: spk(TOKEN_PROGRAM),
            executable: false,
            rent_epoch: 0,
        },
    )
    .unwrap();
    (mint, ata)
}

fn ata_of(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    let a = waiaas_chains::solana::associated_token_address(
        &SolanaAddress::from_bytes(owner.to_bytes()),
        &SolanaAddress::from_bytes(mint.to_bytes()),
        waiaas_chains::solana::TokenProgram::Token,
    );
    Pubkey::new_from_array(*a.as_bytes())
}

/// ATA `CreateIdempotent` paid by `payer` for `owner`'s account of `mint`.
fn create_ata(payer: &Pubkey, owner: &Pubkey, mint: &Pubkey) -> Instruction {
    Instruction {
        program_id: spk(ATA_PROGRAM),
        accounts: vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(ata_of(owner, mint), false),
            AccountMeta::new_readonly(*owner, false),
            AccountMeta::new_readonly(*mint, false),
            AccountMeta::new_readonly(spk(SYSTEM_PROGRAM), false),
            AccountMeta::new_readonly(spk(TOKEN_PROGRAM), false),
        ],
        data: vec![1],
    }
}

/// Closed hole (item 3, "every lamport move judged"): an ATA `Create`/`CreateIdempotent` in a
/// raw transaction is judged as a plain call on the ATA program, yet it moves the rent
/// of a new token account (2 039 280 lamports) from the wallet into an account whose
/// owner the agent chooses — and that owner can `CloseAccount` it to itself at once.
/// The TOKEN_TRANSFER path counts exactly this rent as fee (`SOLANA_TOKEN_ACCOUNT_RENT`),
/// the raw path counts nothing. With the ATA program whitelisted (needed for any raw
/// transfer to a new recipient), each transaction drains ~0.02 SOL at INSTANT, unladdered,
/// uncapped, repeatable forever.
#[test]
fn hole_ata_create_moves_rent_the_attacker_reclaims() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let me = me(&wallet);
    let mut svm = LiteSVM::new();
    svm.airdrop(&me, 10 * SOL).unwrap();
    let (mint, _) = mint_and_account(&mut svm, &me);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": ATA_PROGRAM }] }),
    );
    // Ten accomplice owners (same mint): ten accounts of rent each paid by the wallet.
    let thieves: Vec<solana_keypair::Keypair> =
        (0..10).map(|_| solana_keypair::Keypair::new()).collect();
    let ixs: Vec<Instruction> = thieves
        .iter()
        .map(|t| create_ata(&me, &t.pubkey(), &mint))
        .collect();
    let before = svm.get_balance(&me).unwrap();
    let result = agent.sign_transaction(None, &unsigned(&me, &ixs, &svm));
    let Ok(tx) = result else {
        return; // refused: safe
    };
    assert_eq!(tx.status, TxStatus::Signed, "{tx:?}");
    svm_send(&mut svm, &tx).unwrap();
    let lost = before - svm.get_balance(&me).unwrap();
    // The accomplice closes one account to itself and walks away with its rent.
    let thief = &thieves[0];
    svm.airdrop(&thief.pubkey(), SOL).unwrap();
    let close = Instruction {
        program_id: spk(TOKEN_PROGRAM),
        accounts: vec![
            AccountMeta::new(ata_of(&thief.pubkey(), &mint), false),
            AccountMeta::new(thief.pubkey(), false),
            AccountMeta::new_readonly(thief.pubkey(), true),
        ],
        data: vec![9],
    };
    let t = solana_transaction::Transaction::new_signed_with_payer(
        &[close],
        Some(&thief.pubkey()),
        &[thief],
        svm.latest_blockhash(),
    );
    svm.send_transaction(t).unwrap();
    assert_eq!(
        svm.get_balance(&thief.pubkey()).unwrap(),
        SOL - 5_000 + 2_039_280
    );
    // Safe behaviour: what leaves the wallet is no more than what was judged and
    // reserved (the fee plus each account's rent, a transfer to its owner).
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
    assert!(
        lost <= judged,
        "the wallet lost {lost} lamports but only {judged} were judged"
    );
}

/// Refused: an unchecked SPL `Transfer` names no mint, so it can never be matched to
/// ALLOWED_TOKENS or priced, even with the token program whitelisted.
#[test]
fn spl_unchecked_transfer_in_a_raw_tx_is_refused() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let me = me(&wallet);
    let mut svm = LiteSVM::new();
    svm.airdrop(&me, 10 * SOL).unwrap();
    let (mint, src) = mint_and_account(&mut svm, &me);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": TOKEN_PROGRAM }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::AllowedTokens,
        json!({ "tokens": [{ "address": mint.to_string(), "decimals": 6 }] }),
    );
    let thief = Pubkey::new_from_array([9u8; 32]);
    let mut data = vec![3u8];
    data.extend_from_slice(&500_000_000u64.to_le_bytes());
    let ix = Instruction {
        program_id: spk(TOKEN_PROGRAM),
        accounts: vec![
            AccountMeta::new(src, false),
            AccountMeta::new(ata_of(&thief, &mint), false),
            AccountMeta::new_readonly(me, true),
        ],
        data,
    };
    let err = agent
        .sign_transaction(None, &unsigned(&me, &[ix], &svm))
        .unwrap_err();
    assert_eq!(err.code(), "POLICY_DENIED", "{err:?}");
    // And TransferChecked that lies about decimals is a mismatch with the operator's.
    let mut data = vec![12u8];
    data.extend_from_slice(&500_000_000u64.to_le_bytes());
    data.push(9);
    let checked = Instruction {
        program_id: spk(TOKEN_PROGRAM),
        accounts: vec![
            AccountMeta::new(src, false),
            AccountMeta::new_readonly(mint, false),
            AccountMeta::new(ata_of(&thief, &mint), false),
            AccountMeta::new_readonly(me, true),
        ],
        data,
    };
    let err = agent
        .sign_transaction(None, &unsigned(&me, &[checked], &svm))
        .unwrap_err();
    assert!(
        codes(&err).iter().any(|c| c == "TOKEN_DECIMALS_MISMATCH"),
        "{err:?}"
    );
}

/// Refused (by the runtime): two `SetComputeUnitPrice` — a huge one, then a tiny one the
/// decoder keeps. The runtime refuses duplicated compute-budget instructions, so the
/// huge price is never paid; a huge price alone is FEE_TOO_HIGH.
#[test]
fn duplicated_compute_unit_price_never_pays_more_than_judged() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let me = me(&wallet);
    let mut svm = LiteSVM::new();
    svm.airdrop(&me, 10 * SOL).unwrap();
    let transfer = solana_system_interface::instruction::transfer(
        &me,
        &Pubkey::new_from_array([5u8; 32]),
        1_000,
    );
    let huge = 1_000_000_000_000u64; // × 1.4 M CU = 1 400 SOL
    let err = agent
        .sign_transaction(
            None,
            &unsigned(&me, &[cu_price(huge), transfer.clone()], &svm),
        )
        .unwrap_err();
    assert!(codes(&err).iter().any(|c| c == "FEE_TOO_HIGH"), "{err:?}");
    let before = svm.get_balance(&me).unwrap();
    match agent.sign_transaction(
        None,
        &unsigned(&me, &[cu_price(huge), cu_price(1), transfer], &svm),
    ) {
        Err(_) => {}
        Ok(tx) => {
            let landed = svm_send(&mut svm, &tx);
            let lost = before - svm.get_balance(&me).unwrap();
            assert!(lost <= 1_000 + 5_000 + 2, "lost {lost} ({landed:?})");
        }
    }
}

/// Refused: a message that is also a (legacy) transaction message is never signed.
#[test]
fn a_solana_message_that_is_a_transaction_is_refused() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let issued = w
        .admin
        .create_session(&waiaas_core::session::CreateSession {
            permissions: Some(vec![waiaas_core::Permission::SignMessage]),
            ..waiaas_core::session::CreateSession::new(vec![wallet.id])
        })
        .unwrap();
    let agent = w.admin.agent(issued.token.expose()).unwrap();
    let me = me(&wallet);
    let svm = LiteSVM::new();
    let ix = solana_system_interface::instruction::transfer(
        &me,
        &Pubkey::new_from_array([5u8; 32]),
        SOL,
    );
    let message =
        solana_message::Message::new_with_blockhash(&[ix], Some(&me), &svm.latest_blockhash());
    let bytes = message.serialize();
    let err = agent.sign_message(None, &bytes).unwrap_err();
    assert_eq!(err.code(), "INVALID_MESSAGE", "{err:?}");
    // Valid UTF-8 that parses as a message header: "\x01\x00\x01..." style text.
    let mut text = vec![1u8, 0, 0, 1];
    text.extend_from_slice(&[b'A'; 32]);
    text.extend_from_slice(&[b'B'; 32]);
    text.push(0);
    assert!(std::str::from_utf8(&text).is_ok());
    let err = agent.sign_message(None, &text).unwrap_err();
    assert_eq!(err.code(), "INVALID_MESSAGE", "{err:?}");
}

// ================================================================= EVM

const MULTI: Address = Address::repeat_byte(0x72);

sol! {
    function increaseAllowance(address spender, uint256 added) external returns (bool);
    function allowance(address owner, address spender) external view returns (uint256);
    function transfer(address to, uint256 value) external returns (bool);
}

fn evm_with(wallet: Address) -> Evm {
    Genesis::new(EVM_CHAIN_ID)
        .base_fee(BASE_FEE as u64)
        .fund(wallet, U256::from(10u128.pow(19)))
        .fund(Address::repeat_byte(0xee), U256::from(10u128.pow(19)))
        .code(MULTI, runtime("TestMultiToken"))
        .build()
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

fn call(contract: Address, data: Vec<u8>, value: Option<&str>, nonce: u64) -> SendRequest {
    SendRequest {
        chain: evm_params(nonce),
        ..SendRequest::new(Operation::ContractCall {
            contract: contract.to_checksum(None),
            data: Some(format!("0x{}", hex::encode(data))),
            value: value.map(Into::into),
        })
    }
}

/// Closed hole (item 3, "an allowance increase is a grant of at least the increment"):
/// `increaseAllowance` is judged as an APPROVE of the increment alone, and APPROVE is
/// not reserved or counted anywhere, so repeating it accumulates an allowance past the
/// spender's `max_amount` (and past `block_unlimited`: two increments just under 2^255
/// make an allowance of ~2^256). Each request is within every rule; their sum is not.
#[test]
fn hole_repeated_increase_allowance_exceeds_the_spenders_max() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let owner: Address = wallet.address.parse().unwrap();
    let mut evm = evm_with(owner);
    let spender = Address::repeat_byte(0x5e);
    let max = U256::from(10u128 * 10u128.pow(18));
    policy(
        &w,
        &wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": spender.to_checksum(None), "max_amount": max.to_string() }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApproveTierOverride,
        json!({ "tier": "INSTANT" }),
    );
    let inc = increaseAllowanceCall {
        spender,
        added: max,
    }
    .abi_encode();
    for nonce in 0..3 {
        match agent.send(&call(MULTI, inc.clone(), None, nonce)) {
            Ok(tx) if tx.status == TxStatus::Signed => assert!(evm_execute(&mut evm, &tx)),
            _ => break,
        }
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

/// Refused: a single `increaseAllowance` above the spender's max, or unlimited.
#[test]
fn one_increase_allowance_above_the_max_or_unlimited_is_denied() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let spender = Address::repeat_byte(0x5e);
    policy(
        &w,
        &wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": spender.to_checksum(None), "max_amount": "10" }] }),
    );
    for (added, code) in [
        (U256::from(11u8), "APPROVE_AMOUNT_EXCEEDED"),
        (U256::MAX, "UNLIMITED_APPROVE_BLOCKED"),
    ] {
        let inc = increaseAllowanceCall { spender, added }.abi_encode();
        let err = agent.send(&call(MULTI, inc, None, 0)).unwrap_err();
        assert!(codes(&err).iter().any(|c| c == code), "{err:?}");
    }
}

/// Refused: native value riding on an ERC-20 `transfer` is its own CONTRACT_CALL leg, so
/// the token contract must be whitelisted and the value laddered.
#[test]
fn value_riding_on_an_erc20_transfer_is_judged_too() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    policy(
        &w,
        &wallet,
        PolicyType::AllowedTokens,
        json!({ "tokens": [{ "address": MULTI.to_checksum(None), "decimals": 18 }] }),
    );
    let data = transferCall {
        to: Address::repeat_byte(0xb0),
        value: U256::from(1u8),
    }
    .abi_encode();
    let err = agent
        .send(&call(MULTI, data.clone(), Some("5"), 0))
        .unwrap_err();
    assert!(
        codes(&err).iter().any(|c| c == "CONTRACT_NOT_WHITELISTED"),
        "{err:?}"
    );
    // Raw form: same judgement.
    let raw = waiaas_chains::evm::EvmTxRequest {
        chain_id: EVM_CHAIN_ID,
        nonce: 0,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1,
        gas_limit: 100_000,
        to: waiaas_core::EvmAddress::parse(&MULTI.to_checksum(None)).unwrap(),
        value: waiaas_core::Amount::from_u128(5 * 10u128.pow(18)),
        data,
    };
    let err = agent
        .sign_transaction(None, &format!("0x{}", hex::encode(raw.encode_unsigned())))
        .unwrap_err();
    assert!(
        codes(&err).iter().any(|c| c == "CONTRACT_NOT_WHITELISTED"),
        "{err:?}"
    );
}

/// Refused: fee parameters that overflow, a zero gas limit and a priority fee above the
/// cap never produce a signature for more than was judged.
#[test]
fn overflowing_fee_parameters_are_refused_not_wrapped() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let bob = Address::repeat_byte(0xb0).to_checksum(None);
    let mut req = SendRequest {
        chain: evm_params(0),
        ..SendRequest::transfer(&bob, "0.001")
    };
    req.chain.max_fee_per_gas = Some(u128::MAX.to_string());
    req.chain.gas_limit = Some(u64::MAX);
    assert!(agent.send(&req).is_err());
    req.chain.max_fee_per_gas = Some("340282366920938463463374607431768211456".into());
    assert!(agent.send(&req).is_err());
    // A raw transaction whose fee bound overflows u256 cannot exist (u128 × u64), but
    // one above the ceiling is FEE_TOO_HIGH.
    let raw = waiaas_chains::evm::EvmTxRequest {
        chain_id: EVM_CHAIN_ID,
        nonce: 0,
        max_fee_per_gas: u128::MAX,
        max_priority_fee_per_gas: u128::MAX,
        gas_limit: u64::MAX,
        to: waiaas_core::EvmAddress::parse(&bob).unwrap(),
        value: waiaas_core::Amount::from_u64(1),
        data: vec![],
    };
    let err = agent
        .sign_transaction(None, &format!("0x{}", hex::encode(raw.encode_unsigned())))
        .unwrap_err();
    assert!(codes(&err).iter().any(|c| c == "FEE_TOO_HIGH"), "{err:?}");
}

/// Refused: an idempotency key replayed with a bigger body returns the first result and
/// never signs the second body.
#[test]
fn an_idempotency_key_replayed_with_another_body_signs_nothing_new() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let bob = Address::repeat_byte(0xb0).to_checksum(None);
    let small = SendRequest {
        chain: evm_params(0),
        idempotency_key: Some("k1".into()),
        ..SendRequest::transfer(&bob, "0.001")
    };
    let first = agent.send(&small).unwrap();
    assert_eq!(first.status, TxStatus::Signed);
    let big = SendRequest {
        chain: evm_params(0),
        idempotency_key: Some("k1".into()),
        ..SendRequest::transfer(&bob, "4")
    };
    match agent.send(&big) {
        Ok(again) => {
            assert_eq!(again.id, first.id);
            assert_eq!(again.result, first.result);
        }
        Err(e) => assert_ne!(e.code(), "INTERNAL", "{e:?}"),
    }
    let rows = w.admin.transactions(&Default::default()).unwrap();
    assert_eq!(rows.iter().filter(|t| t.wallet_id == wallet.id).count(), 1);
}

// ------------------------------------------------------------ typed data

fn permit(chain_id: serde_json::Value, extra_types: serde_json::Value, value: &str) -> String {
    let mut types = json!({
        "EIP712Domain": [
            {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
            {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
        ],
        "Permit": [
            {"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
            {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"}
        ]
    });
    if let serde_json::Value::Object(extra) = extra_types {
        for (k, v) in extra {
            types[k] = v;
        }
    }
    json!({
        "types": types,
        "primaryType": "Permit",
        "domain": {"name": "Token", "version": "1", "chainId": chain_id,
                   "verifyingContract": MULTI.to_checksum(None)},
        "message": {"owner": Address::repeat_byte(1).to_checksum(None),
                    "spender": Address::repeat_byte(0x66).to_checksum(None),
                    "value": value, "nonce": 0, "deadline": (common::T0 + 600).to_string()}
    })
    .to_string()
}

/// Refused: permits to an unlisted spender, whatever the chain id's spelling, the
/// presence of unused extra types, or a `Permit` re-declared with a different order.
#[test]
fn typed_data_tricks_are_refused() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = typed_agent(&w, &wallet);
    // chainId as a decimal string and as hex: still decoded as a permit → spender denied.
    for chain_id in [json!("11155111"), json!("0xaa36a7"), json!(EVM_CHAIN_ID)] {
        let err = agent
            .sign_typed_data(None, &permit(chain_id.clone(), json!({}), "1000"))
            .unwrap_err();
        assert!(
            codes(&err)
                .iter()
                .any(|c| c == "SPENDER_NOT_APPROVED" || c == "NO_POLICY"),
            "{chain_id}: {err:?}"
        );
    }
    // Another chain's id: refused.
    assert!(
        agent
            .sign_typed_data(None, &permit(json!(1), json!({}), "1000"))
            .is_err()
    );
    // An unused extra type does not hide the permit.
    let err = agent
        .sign_typed_data(
            None,
            &permit(
                json!(EVM_CHAIN_ID),
                json!({"Zzz": [{"name": "a", "type": "uint256"}]}),
                "1000",
            ),
        )
        .unwrap_err();
    assert_eq!(err.code(), "POLICY_DENIED", "{err:?}");
    // `Permit` referencing a struct (so the hash is not EIP-2612's): not recognised → denied.
    let err = agent
        .sign_typed_data(
            None,
            &json!({
                "types": {
                    "EIP712Domain": [{"name": "chainId", "type": "uint256"},
                                     {"name": "verifyingContract", "type": "address"}],
                    "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                               {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                               {"name": "deadline", "type": "uint256"}, {"name": "x", "type": "X"}],
                    "X": [{"name": "y", "type": "uint256"}]
                },
                "primaryType": "Permit",
                "domain": {"chainId": EVM_CHAIN_ID, "verifyingContract": MULTI.to_checksum(None)},
                "message": {"owner": Address::repeat_byte(1).to_checksum(None),
                            "spender": Address::repeat_byte(0x66).to_checksum(None),
                            "value": "1", "nonce": 0, "deadline": 1, "x": {"y": 1}}
            })
            .to_string(),
        )
        .unwrap_err();
    assert!(
        codes(&err).iter().any(|c| c == "TYPED_DATA_NOT_ALLOWED"),
        "{err:?}"
    );
}

// ------------------------------------------------------------ descriptors

/// Refused: an agent-written descriptor cannot take a request below the tier it has
/// without one (a low notional under ACTION_CATEGORY_LIMIT, a perfect score).
#[test]
fn an_agent_descriptor_cannot_lower_the_tier() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    policy(
        &w,
        &wallet,
        PolicyType::ReputationThreshold,
        json!({ "min_score": 50, "below_threshold_tier": "APPROVAL", "unrated_tier": "APPROVAL" }),
    );
    let bob = Address::repeat_byte(0xb0).to_checksum(None);
    let plain = SendRequest {
        chain: evm_params(0),
        ..SendRequest::transfer(&bob, "0.001")
    };
    let base = agent.simulate(&plain).unwrap();
    let mut lying = plain.clone();
    lying.action = Some(
        serde_json::from_value(
            json!({ "counterpartyScore": 100, "category": "transfer", "notionalUsd": "0" }),
        )
        .unwrap(),
    );
    let with = agent.simulate(&lying).unwrap();
    assert!(with.tier >= base.tier, "{:?} < {:?}", with.tier, base.tier);
}

// ------------------------------------------------------------ messages (EVM)

/// Closed hole (item 4, "messages can never be transactions"; "raw-hash signing is never
/// offered"): EVM `sign_message` signs any bytes under EIP-191, including exactly 32
/// binary bytes. `personal_sign(h)` for a 32-byte `h` IS the `eth_sign` signature type
/// that Safe (`v > 30`), CoW Protocol (`ethsign` scheme) and 0x (`EthSign`) accept as an
/// authorization of the order / Safe transaction whose digest is `h`. So an agent with
/// SIGN_MESSAGE on a wallet that owns a Safe, or that has approved the CoW vault relayer,
/// signs a value-moving order the engine judges as a bare message (permission only).
#[test]
fn hole_evm_personal_sign_of_a_digest_is_an_eth_sign_authorization() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let issued = w
        .admin
        .create_session(&waiaas_core::session::CreateSession {
            permissions: Some(vec![waiaas_core::Permission::SignMessage]),
            ..waiaas_core::session::CreateSession::new(vec![wallet.id])
        })
        .unwrap();
    let agent = w.admin.agent(issued.token.expose()).unwrap();
    // Stands for a CoW order digest / Safe transaction hash chosen by the attacker.
    let digest = alloy_primitives::keccak256(b"sell every approved token for 1 wei to the thief");
    match agent.sign_message(None, digest.as_slice()) {
        Err(_) => {} // refused: safe
        Ok(tx) => {
            let sig = tx.result.unwrap().signature.unwrap();
            let bytes = hex::decode(sig.trim_start_matches("0x")).unwrap();
            let sig = alloy_primitives::Signature::try_from(&bytes[..]).unwrap();
            // The eth_sign scheme of Safe / CoW / 0x: ecrecover(keccak("\x19Ethereum
            // Signed Message:\n32" ‖ digest)).
            let signer = sig.recover_address_from_msg(digest.as_slice()).unwrap();
            let wallet_addr: Address = wallet.address.parse().unwrap();
            assert_ne!(
                signer, wallet_addr,
                "the wallet produced a valid eth_sign authorization of digest {digest}"
            );
        }
    }
}

// ------------------------------------------------------------ omitted descriptors

/// Closed hole (item 8, design): DeFi policies judge only a descriptor that is present. Without
/// a host ActionProvider (or when it returns none), an agent that writes a truthful
/// descriptor is denied, while the same call with no descriptor at all is allowed: the
/// agent "lowers" VENUE_WHITELIST / LENDING_LTV_LIMIT / PERP_* / ACTION_CATEGORY_LIMIT by
/// omission.
#[test]
fn hole_omitting_the_descriptor_skips_defi_policies() {
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
    let mut honest = call(venue, data.clone(), None, 0);
    honest.action = Some(serde_json::from_value(json!({ "venue": "shadyswap" })).unwrap());
    let err = agent.simulate(&honest);
    assert!(
        err.as_ref().is_ok_and(|d| !d.allowed) || err.is_err(),
        "the truthful descriptor is denied"
    );
    // Without one, the DeFi rules cannot judge it: the owner must.
    let silent = call(venue, data, None, 0);
    let d = agent.simulate(&silent).unwrap();
    assert!(
        !d.allowed || d.tier == Tier::Approval,
        "the same call without a descriptor is allowed at {:?}",
        d.tier
    );
}

// ------------------------------------------------------------ Permit2 signature transfers

fn permit2_transfer(token: Address, spender: Address, amount: &str, nonce: u64) -> String {
    json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"},
                             {"name": "chainId", "type": "uint256"},
                             {"name": "verifyingContract", "type": "address"}],
            "PermitTransferFrom": [{"name": "permitted", "type": "TokenPermissions"},
                                   {"name": "spender", "type": "address"},
                                   {"name": "nonce", "type": "uint256"},
                                   {"name": "deadline", "type": "uint256"}],
            "TokenPermissions": [{"name": "token", "type": "address"},
                                 {"name": "amount", "type": "uint256"}]
        },
        "primaryType": "PermitTransferFrom",
        "domain": {"name": "Permit2", "chainId": EVM_CHAIN_ID,
                   "verifyingContract": "0x000000000022D473030F116dDEE9F6B43aC78BA3"},
        "message": {"permitted": {"token": token.to_checksum(None), "amount": amount},
                    "spender": spender.to_checksum(None), "nonce": nonce.to_string(),
                    "deadline": (common::T0 + 600).to_string()}
    })
    .to_string()
}

/// Closed hole (item 5, judged too leniently): a Permit2 `PermitTransferFrom` (and the batch and
/// witness forms) is a one-shot TRANSFER of the wallet's tokens to a recipient the
/// spender picks — the same effect as EIP-3009, which is judged as a reserved
/// TOKEN_TRANSFER — but it is judged as an APPROVE: not laddered in USD, never reserved,
/// invisible to daily / monthly caps. Permit2 nonces are unordered, so N signatures are
/// all valid at once: with the settlement contract an approved spender (UniswapX reactor,
/// whose orders' outputs the agent writes in the witness) and APPROVE at INSTANT, the
/// agent signs away N × `max_amount` while the daily cap of 5 000 USD sees nothing.
#[test]
fn hole_permit2_signature_transfers_escape_the_daily_cap() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = typed_agent(&w, &wallet);
    let token = Address::repeat_byte(0x73);
    let reactor = Address::repeat_byte(0x5f);
    w.prices.set_price(
        &waiaas_core::policy::token_asset_id(Network::EthereumSepolia, &token.to_checksum(None)),
        waiaas_core::policy::Usd::from_u64(1_000),
        "test",
        common::NowValue::now_value(&*w.clock),
    );
    policy(
        &w,
        &wallet,
        PolicyType::AllowedTokens,
        json!({ "tokens": [{ "address": token.to_checksum(None), "decimals": 18 }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": reactor.to_checksum(None), "max_amount": "10000000000000000000" }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApproveTierOverride,
        json!({ "tier": "INSTANT" }),
    );
    // Each: 10 tokens at 1 000 USD = 10 000 USD, twice the 5 000 USD daily cap.
    let mut signed = 0;
    for nonce in 1..=5u64 {
        match agent.sign_typed_data(
            None,
            &permit2_transfer(token, reactor, "10000000000000000000", nonce),
        ) {
            Ok(tx) if tx.status == TxStatus::Signed => signed += 1,
            _ => {}
        }
    }
    assert!(
        signed == 0,
        "{signed} one-shot transfers of 10 000 USD each were signed without the owner, past a 5 000 USD daily cap"
    );
}
