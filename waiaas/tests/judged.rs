//! Judge what is signed, through the facade: token decimals the agent cannot choose,
//! fees as value, contract calls judged by their calldata, typed data by its hashed
//! struct, descriptors that cannot lower a tier, owners who are outsiders, and the
//! approval text that shows every effect. Every attack is refused with its code and
//! leaves nothing signed or reserved; every positive path executes in litesvm / revm.
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

use std::sync::Arc;

use alloy_primitives::{Address, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, sol};
use common::{BLOCKHASH, OwnerKey, World, world, world_with};
use fixtures::*;
use litesvm::LiteSVM;
use serde_json::json;
use waiaas::{
    ActionProvider, Agent, ChainParams, Network, Operation, SendRequest, TokenSpec, Transaction,
};
use waiaas_core::policy::{ActionDescriptor, PolicyType, Usd, token_asset_id};
use waiaas_core::{Tier, TxStatus, WalletInfo};
use waiaas_test_support::evm_runtime::Genesis;
use waiaas_test_support::solana_runtime::execute_base64;

sol! {
    function transfer(address to, uint256 value) external returns (bool);
    function balanceOf(address owner) external view returns (uint256);
    function allowance(address owner, address spender) external view returns (uint256);
    function setApprovalForAll(address operator, bool approved) external;
    function multicall(bytes[] data) external returns (bytes[] results);
}

const LAMPORTS: u64 = 1_000_000_000;

/// Nothing is signed and nothing stays reserved: every row the wallet has is FAILED or
/// ended, and the ledger holds no RESERVED or COMMITTED entry for it.
fn nothing_left(w: &World, wallet: &WalletInfo) {
    for t in w.admin.transactions(&Default::default()).unwrap() {
        if t.wallet_id == wallet.id {
            assert!(
                t.result
                    .as_ref()
                    .is_none_or(|r| r.signed_transaction.is_none() && r.signature.is_none()),
                "{t:?}"
            );
        }
    }
    let held: i64 = w
        .db()
        .query_row(
            "SELECT COUNT(*) FROM spend_ledger WHERE wallet_id = ?1 AND status IN ('RESERVED', 'COMMITTED')",
            [wallet.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(held, 0, "a reservation was left behind");
}

fn denied(result: waiaas::Result<Transaction>, code: &str) {
    let err = result.unwrap_err();
    assert_eq!(err.code(), "POLICY_DENIED", "{err:?}");
    assert!(
        err.reasons().iter().any(|r| r.code.starts_with(code)),
        "expected {code} in {:?}",
        err.reasons()
    );
}

// ---------------------------------------------------------------- Solana tokens

fn pk(s: &str) -> solana_pubkey::Pubkey {
    solana_pubkey::Pubkey::new_from_array(bs58::decode(s).into_vec().unwrap().try_into().unwrap())
}

struct SolanaToken {
    svm: LiteSVM,
    mint: String,
}

/// A litesvm with the wallet funded, a 6-decimal mint, and the wallet's token account
/// holding 1 000 tokens. The layouts are written by hand (spl-token `state.rs`).
fn solana_token(wallet: &WalletInfo) -> SolanaToken {
    let mut svm = LiteSVM::new();
    svm.airdrop(&pk(&wallet.address), 10 * LAMPORTS).unwrap();
    let mint = solana_pubkey::Pubkey::new_from_array([77u8; 32]);
    let mut data = vec![0u8; 82];
    data[0..4].copy_from_slice(&1u32.to_le_bytes());
    data[4..36].copy_from_slice(&[7u8; 32]);
    data[36..44].copy_from_slice(&u64::MAX.to_le_bytes());
    data[44] = 6;
    data[45] = 1;
    let token_program = pk("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
    svm.set_account(
        mint,
        solana_account::Account {
            lamports: svm.minimum_balance_for_rent_exemption(82),
            data,
            owner: token_program,
            executable: false,
            rent_epoch: 0,
        },
    )
    .unwrap();
    let owner = waiaas_core::SolanaAddress::parse(&wallet.address).unwrap();
    let mint_addr = waiaas_core::SolanaAddress::from_bytes(mint.to_bytes());
    let ata = waiaas_chains::solana::associated_token_address(
        &owner,
        &mint_addr,
        waiaas_chains::solana::TokenProgram::Token,
    );
    let mut acc = vec![0u8; 165];
    acc[0..32].copy_from_slice(&mint.to_bytes());
    acc[32..64].copy_from_slice(owner.as_bytes());
    acc[64..72].copy_from_slice(&1_000_000_000u64.to_le_bytes());
    acc[108] = 1;
    svm.set_account(
        pk(&ata.to_string()),
        solana_account::Account {
            lamports: svm.minimum_balance_for_rent_exemption(165),
            data: acc,
            owner: token_program,
            executable: false,
            rent_epoch: 0,
        },
    )
    .unwrap();
    SolanaToken {
        svm,
        mint: mint.to_string(),
    }
}

fn token_balance(svm: &LiteSVM, owner: &str, mint: &str) -> u64 {
    let ata = waiaas_chains::solana::associated_token_address(
        &waiaas_core::SolanaAddress::parse(owner).unwrap(),
        &waiaas_core::SolanaAddress::parse(mint).unwrap(),
        waiaas_chains::solana::TokenProgram::Token,
    );
    svm.get_account(&pk(&ata.to_string()))
        .map(|a| u64::from_le_bytes(a.data[64..72].try_into().unwrap()))
        .unwrap_or(0)
}

fn solana_send(svm: &mut LiteSVM, tx: &Transaction) -> Result<(), String> {
    execute_base64(svm, common::signed(tx))
}

fn spl(to: &str, mint: &str, decimals: Option<u8>, amount: &str, blockhash: &str) -> SendRequest {
    SendRequest {
        chain: ChainParams {
            recent_blockhash: Some(blockhash.to_owned()),
            ..ChainParams::default()
        },
        ..SendRequest::new(Operation::TokenTransfer {
            to: to.to_owned(),
            token: TokenSpec {
                decimals,
                ..TokenSpec::new(mint)
            },
            amount: amount.into(),
            token_program: None,
        })
    }
}

fn priced(w: &World, network: Network, token: &str, usd: u64) {
    w.prices.set_price(
        &token_asset_id(network, token),
        Usd::from_u64(usd),
        "test",
        common::NowValue::now_value(&*w.clock),
    );
}

#[test]
fn solana_token_transfer_honest_decimals_execute_and_lying_ones_are_denied() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let mut chain = solana_token(&wallet);
    let mint = chain.mint.clone();
    priced(&w, Network::SolanaDevnet, &mint, 1);
    policy(
        &w,
        &wallet,
        PolicyType::AllowedTokens,
        json!({ "tokens": [{ "address": mint, "decimals": 6 }] }),
    );
    let agent = w.agent(wallet.id);
    let bob = solana_pubkey::Pubkey::new_from_array([9u8; 32]).to_string();
    let blockhash = chain.svm.latest_blockhash().to_string();

    // Honest: 5 tokens at the operator's 6 decimals, $5 → INSTANT; executes.
    let tx = agent
        .send(&spl(&bob, &mint, None, "5", &blockhash))
        .unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::Signed, Some(Tier::Instant))
    );
    solana_send(&mut chain.svm, &tx).unwrap();
    assert_eq!(token_balance(&chain.svm, &bob, &mint), 5_000_000);

    // Lying: "5" at 9 decimals would be judged as $5 by the lie but is 5 000 tokens.
    let before = w.admin.transactions(&Default::default()).unwrap().len();
    denied(
        agent.send(&spl(&bob, &mint, Some(9), "5", &blockhash)),
        "TOKEN_DECIMALS_MISMATCH",
    );
    let rows = w.admin.transactions(&Default::default()).unwrap();
    assert_eq!(rows.len(), before + 1);
    assert_eq!(rows[0].status, TxStatus::Failed);
    assert!(rows[0].result.is_none());
}

#[test]
fn solana_without_operator_decimals_the_token_program_enforces_the_stated_ones() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let mut chain = solana_token(&wallet);
    let mint = chain.mint.clone();
    priced(&w, Network::SolanaDevnet, &mint, 1);
    policy(
        &w,
        &wallet,
        PolicyType::AllowedTokens,
        json!({ "tokens": [{ "address": mint }] }),
    );
    let agent = w.agent(wallet.id);
    let bob = solana_pubkey::Pubkey::new_from_array([9u8; 32]).to_string();
    let blockhash = chain.svm.latest_blockhash().to_string();
    // The lie (9 decimals) is judged as stated — and is in the signed TransferChecked,
    // which the token program refuses on chain: no token moves.
    let tx = agent
        .send(&spl(&bob, &mint, Some(9), "5", &blockhash))
        .unwrap();
    assert_eq!(tx.tier, Some(Tier::Instant));
    assert!(solana_send(&mut chain.svm, &tx).is_err());
    assert_eq!(token_balance(&chain.svm, &bob, &mint), 0);
    // Without any decimals the request cannot even be converted.
    let err = agent
        .send(&spl(&bob, &mint, None, "5", &blockhash))
        .unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED", "{err:?}");
}

#[test]
fn solana_approve_with_lying_decimals_is_denied_and_honest_one_executes() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let mut chain = solana_token(&wallet);
    let mint = chain.mint.clone();
    let spender = solana_pubkey::Pubkey::new_from_array([8u8; 32]).to_string();
    policy(
        &w,
        &wallet,
        PolicyType::AllowedTokens,
        json!({ "tokens": [{ "address": mint, "decimals": 6 }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": spender, "max_amount": "10000000" }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApproveTierOverride,
        json!({ "tier": "INSTANT" }),
    );
    let agent = w.agent(wallet.id);
    let blockhash = chain.svm.latest_blockhash().to_string();
    let approve = |decimals: Option<u8>, amount: &str| SendRequest {
        chain: ChainParams {
            recent_blockhash: Some(blockhash.clone()),
            ..ChainParams::default()
        },
        ..SendRequest::new(Operation::Approve {
            spender: spender.clone(),
            token: TokenSpec {
                decimals,
                ..TokenSpec::new(&mint)
            },
            amount: amount.into(),
            token_program: None,
        })
    };
    // 0.01 at a claimed 3 decimals is 10 base units by the lie, 10 000 by the truth:
    // refused however it is read.
    denied(
        agent.send(&approve(Some(3), "0.01")),
        "TOKEN_DECIMALS_MISMATCH",
    );
    nothing_left(&w, &wallet);
    let tx = agent.send(&approve(None, "10")).unwrap();
    assert_eq!(tx.status, TxStatus::Signed);
    solana_send(&mut chain.svm, &tx).unwrap();
    let owner = waiaas_core::SolanaAddress::parse(&wallet.address).unwrap();
    let ata = waiaas_chains::solana::associated_token_address(
        &owner,
        &waiaas_core::SolanaAddress::parse(&mint).unwrap(),
        waiaas_chains::solana::TokenProgram::Token,
    );
    let data = chain.svm.get_account(&pk(&ata.to_string())).unwrap().data;
    assert_eq!(&data[76..108], pk(&spender).to_bytes().as_slice());
    assert_eq!(
        u64::from_le_bytes(data[121..129].try_into().unwrap()),
        10_000_000
    );
}

// ---------------------------------------------------------------- EVM tokens

const TOKEN: Address = Address::repeat_byte(0x70);

fn token_runtime() -> Bytes {
    waiaas_test_support::testdata::contract_runtime("TestToken").into()
}

/// `balanceOf[owner]`: the mapping at slot 0.
fn balance_slot(owner: Address) -> U256 {
    let mut key = [0u8; 64];
    key[12..32].copy_from_slice(owner.as_slice());
    U256::from_be_bytes(keccak256(key).0)
}

/// A revm with the wallet funded (10 ETH) and `TestToken` (18 decimals, solc-built)
/// at [`TOKEN`] holding 1 000 tokens for the wallet.
fn evm_token(wallet: Address) -> Evm {
    Genesis::new(EVM_CHAIN_ID)
        .base_fee(BASE_FEE as u64)
        .fund(wallet, U256::from(10u128.pow(19)))
        // The account that reads views pays for them too.
        .fund(Address::repeat_byte(0xee), U256::from(10u128.pow(19)))
        .code(TOKEN, token_runtime())
        .storage(TOKEN, balance_slot(wallet), U256::from(10u128.pow(21)))
        .build()
}

fn view(evm: &mut Evm, data: Vec<u8>) -> U256 {
    fixtures::view(evm, TOKEN, data)
}

fn evm_params(nonce: u64) -> ChainParams {
    ChainParams {
        nonce: Some(nonce),
        max_fee_per_gas: Some("20000000000".into()),
        max_priority_fee_per_gas: Some("1000000000".into()),
        ..ChainParams::default()
    }
}

fn evm_token_world() -> (World, WalletInfo, Agent, Evm) {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let token = TOKEN.to_checksum(None);
    priced(&w, Network::EthereumSepolia, &token, 1);
    policy(
        &w,
        &wallet,
        PolicyType::AllowedTokens,
        json!({ "tokens": [{ "address": token, "decimals": 18, "symbol": "TT" }] }),
    );
    let evm = evm_token(wallet.address.parse().unwrap());
    let agent = w.agent(wallet.id);
    (w, wallet, agent, evm)
}

fn erc20(to: Address, decimals: Option<u8>, amount: &str, nonce: u64) -> SendRequest {
    SendRequest {
        chain: evm_params(nonce),
        ..SendRequest::new(Operation::TokenTransfer {
            to: to.to_checksum(None),
            token: TokenSpec {
                decimals,
                ..TokenSpec::new(&TOKEN.to_checksum(None))
            },
            amount: amount.into(),
            token_program: None,
        })
    }
}

#[test]
fn evm_token_transfer_honest_decimals_execute_and_lying_ones_are_denied() {
    let (w, _, agent, mut evm) = evm_token_world();
    let bob = Address::repeat_byte(0xb0);
    // Honest: 5 TT = $5 (+ a $4 fee at 100 000 gas × 20 gwei) → INSTANT; executes.
    let tx = agent.send(&erc20(bob, None, "5", 0)).unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::Signed, Some(Tier::Instant))
    );
    assert!(evm_execute(&mut evm, &tx));
    assert_eq!(
        view(&mut evm, balanceOfCall { owner: bob }.abi_encode()),
        U256::from(5u128 * 10u128.pow(18))
    );
    // The original attack: a 6-decimal claim would make "5" tiny; a 24-decimal claim
    // makes it a million tokens valued at $5. Both refused, nothing signed or held.
    denied(
        agent.send(&erc20(bob, Some(24), "5", 1)),
        "TOKEN_DECIMALS_MISMATCH",
    );
    denied(
        agent.send(&erc20(bob, Some(6), "5", 1)),
        "TOKEN_DECIMALS_MISMATCH",
    );
    let rows = w.admin.transactions(&Default::default()).unwrap();
    assert_eq!(
        rows.iter().filter(|r| r.status == TxStatus::Signed).count(),
        1
    );
}

#[test]
fn evm_approve_is_judged_with_the_operators_decimals_and_executes() {
    let (w, wallet, agent, mut evm) = evm_token_world();
    let spender = Address::repeat_byte(0x5e);
    policy(
        &w,
        &wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": spender.to_checksum(None), "max_amount": "10000000000000000000" }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApproveTierOverride,
        json!({ "tier": "INSTANT" }),
    );
    let approve = |decimals: Option<u8>, amount: &str, nonce: u64| SendRequest {
        chain: evm_params(nonce),
        ..SendRequest::new(Operation::Approve {
            spender: spender.to_checksum(None),
            token: TokenSpec {
                decimals,
                ..TokenSpec::new(&TOKEN.to_checksum(None))
            },
            amount: amount.into(),
            token_program: None,
        })
    };
    // "10" at a claimed 0 decimals is 10 base units by the lie, 10 tokens in truth.
    denied(
        agent.send(&approve(Some(0), "10", 0)),
        "TOKEN_DECIMALS_MISMATCH",
    );
    // 11 tokens exceeds the spender's 10-token maximum, judged in base units.
    denied(
        agent.send(&approve(None, "11", 0)),
        "APPROVE_AMOUNT_EXCEEDED",
    );
    nothing_left(&w, &wallet);
    let tx = agent.send(&approve(None, "10", 0)).unwrap();
    assert_eq!(tx.status, TxStatus::Signed);
    assert!(evm_execute(&mut evm, &tx));
    let owner: Address = wallet.address.parse().unwrap();
    assert_eq!(
        view(&mut evm, allowanceCall { owner, spender }.abi_encode()),
        U256::from(10u128.pow(19))
    );
}

// ---------------------------------------------------------------- fees

fn with_fee(mut req: SendRequest, max_fee_per_gas: &str, gas: Option<u64>) -> SendRequest {
    req.chain.max_fee_per_gas = Some(max_fee_per_gas.to_owned());
    req.chain.gas_limit = gas;
    req
}

fn eth_transfer(to: Address, amount: &str, nonce: u64) -> SendRequest {
    SendRequest {
        chain: evm_params(nonce),
        ..SendRequest::transfer(&to.to_checksum(None), amount)
    }
}

#[test]
fn a_two_dollar_transfer_with_an_eight_eth_fee_is_refused_or_judged_as_eight_eth() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let bob = Address::repeat_byte(0xb0);
    // 0.001 ETH ($2) with 21 000 gas × 400 000 gwei = 8.4 ETH of fee: above the
    // default 0.05 ETH ceiling.
    let attack = with_fee(eth_transfer(bob, "0.001", 0), "400000000000000", None);
    denied(agent.send(&attack), "FEE_TOO_HIGH");
    nothing_left(&w, &wallet);
    // With the ceiling raised by the operator the fee is still value: 8.401 ETH is
    // $16 802, far above the ladder and the daily cap → APPROVAL (no owner: queued).
    let mut settings = w.admin.settings().unwrap();
    settings.fee_ceilings.insert(
        Network::EthereumSepolia,
        waiaas_core::Amount::from_u128(10u128.pow(19)),
    );
    w.admin.set_settings(&settings).unwrap();
    let tx = agent.send(&attack).unwrap();
    assert_eq!(tx.tier, Some(Tier::Approval));
    assert_eq!(tx.status, TxStatus::Queued);
    let spend = &tx.decision.as_ref().unwrap().spend;
    assert_eq!(
        spend.assets.values().next().copied(),
        Some(waiaas_core::Amount::from_u128(
            10u128.pow(15) + 21_000 * 400_000_000_000_000
        ))
    );
}

#[test]
fn the_fee_of_an_honest_transfer_is_counted_and_the_transfer_executes() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let bob = Address::repeat_byte(0xb0);
    let from: Address = wallet.address.parse().unwrap();
    let mut evm = evm_token(from);
    // 0.004 ETH ($8) + 21 000 × 20 gwei (0.00042 ETH, $0.84) = $8.84 → INSTANT;
    // 0.0046 ETH ($9.2) + the fee is $10.04 → NOTIFY: the fee tipped it.
    let tx = agent.send(&eth_transfer(bob, "0.004", 0)).unwrap();
    assert_eq!(tx.tier, Some(Tier::Instant));
    assert!(evm_execute(&mut evm, &tx));
    let tx = agent.send(&eth_transfer(bob, "0.0046", 1)).unwrap();
    assert_eq!(tx.tier, Some(Tier::Notify));
    assert!(evm_execute(&mut evm, &tx));
}

#[test]
fn a_raw_transaction_is_judged_with_the_fee_its_bytes_allow() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let raw = |max_fee_per_gas: u128| {
        let req = waiaas_chains::evm::EvmTxRequest {
            chain_id: EVM_CHAIN_ID,
            nonce: 0,
            max_fee_per_gas,
            max_priority_fee_per_gas: 1,
            gas_limit: 21_000,
            to: waiaas_core::EvmAddress::parse(&Address::repeat_byte(0xb0).to_checksum(None))
                .unwrap(),
            value: waiaas_core::Amount::from_u64(1_000_000_000_000),
            data: Vec::new(),
        };
        format!("0x{}", hex::encode(req.encode_unsigned()))
    };
    let err = agent
        .sign_transaction(None, &raw(400_000_000_000_000))
        .unwrap_err();
    assert!(
        err.reasons().iter().any(|r| r.code == "FEE_TOO_HIGH"),
        "{err:?}"
    );
    nothing_left(&w, &wallet);
    let tx = agent.sign_transaction(None, &raw(20_000_000_000)).unwrap();
    assert_eq!(tx.status, TxStatus::Signed);
}

// ---------------------------------------------------------------- contract calls

sol! {
    function mint(address to, uint256 value) external;
}

fn call(contract: Address, data: Vec<u8>, nonce: u64) -> SendRequest {
    SendRequest {
        chain: ChainParams {
            gas_limit: Some(100_000),
            ..evm_params(nonce)
        },
        ..SendRequest::new(Operation::ContractCall {
            contract: contract.to_checksum(None),
            data: Some(format!("0x{}", hex::encode(data))),
            value: None,
        })
    }
}

#[test]
fn a_whitelisted_token_contract_does_not_skip_the_token_rules() {
    let (w, wallet, agent, mut evm) = evm_token_world();
    let bob = Address::repeat_byte(0xb0);
    let other = Address::repeat_byte(0x71);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [
            { "address": TOKEN.to_checksum(None) },
            { "address": other.to_checksum(None) }
        ] }),
    );
    // A token not in ALLOWED_TOKENS, moved through a whitelisted contract: denied.
    let to_bob = |amount: U256| {
        transferCall {
            to: bob,
            value: amount,
        }
        .abi_encode()
    };
    denied(
        agent.send(&call(other, to_bob(U256::from(10u128.pow(24))), 0)),
        "TOKEN_NOT_ALLOWED",
    );
    // An allowed token: a million tokens is a million dollars, not an INSTANT call.
    let big = agent
        .send(&call(TOKEN, to_bob(U256::from(10u128.pow(24))), 0))
        .unwrap();
    assert_eq!(big.tier, Some(Tier::Approval));
    // It stays in flight (and would count against the next transfer) until cancelled.
    agent.cancel(big.id).unwrap();
    // setApprovalForAll(x, true) is an unlimited approval of an unlisted spender.
    let all = setApprovalForAllCall {
        operator: bob,
        approved: true,
    }
    .abi_encode();
    let err = agent.send(&call(TOKEN, all, 1)).unwrap_err();
    let codes: Vec<&str> = err.reasons().iter().map(|r| r.code.as_str()).collect();
    assert!(codes.contains(&"UNLIMITED_APPROVE_BLOCKED"), "{codes:?}");
    assert!(codes.contains(&"SPENDER_NOT_APPROVED"), "{codes:?}");
    // The positive path: 5 tokens through the call, INSTANT, and revm moves them.
    let tx = agent
        .send(&call(TOKEN, to_bob(U256::from(5u128 * 10u128.pow(18))), 0))
        .unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::Signed, Some(Tier::Instant))
    );
    assert!(evm_execute(&mut evm, &tx));
    assert_eq!(
        view(&mut evm, balanceOfCall { owner: bob }.abi_encode()),
        U256::from(5u128 * 10u128.pow(18))
    );
}

#[test]
fn a_forbidden_method_wrapped_in_a_self_multicall_is_judged() {
    let (w, wallet, agent, _) = evm_token_world();
    let bob = Address::repeat_byte(0xb0);
    let token = TOKEN.to_checksum(None);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": token }] }),
    );
    let multicall_selector = format!("0x{}", hex::encode(multicallCall::SELECTOR));
    policy(
        &w,
        &wallet,
        PolicyType::MethodWhitelist,
        json!({ "methods": [{ "contract_address": token, "selectors": [multicall_selector, "0xa9059cbb"] }] }),
    );
    let forbidden = mintCall {
        to: bob,
        value: U256::from(1u8),
    }
    .abi_encode();
    let wrapped = multicallCall {
        data: vec![forbidden.clone().into()],
    }
    .abi_encode();
    let err = agent.send(&call(TOKEN, wrapped, 0)).unwrap_err();
    assert!(
        err.reasons()
            .iter()
            .any(|r| r.code == "METHOD_NOT_WHITELISTED" && r.instruction == Some(1)),
        "{:?}",
        err.reasons()
    );
    denied(
        agent.send(&call(TOKEN, forbidden, 0)),
        "METHOD_NOT_WHITELISTED",
    );
    // A multicall of allowed methods passes: two small transfers.
    let transfers = multicallCall {
        data: vec![
            transferCall {
                to: bob,
                value: U256::from(10u128.pow(18)),
            }
            .abi_encode()
            .into(),
            transferCall {
                to: bob,
                value: U256::from(10u128.pow(18)),
            }
            .abi_encode()
            .into(),
        ],
    }
    .abi_encode();
    let tx = agent.send(&call(TOKEN, transfers, 0)).unwrap();
    assert_eq!(tx.status, TxStatus::Signed);
    nothing_left_but_signed(&w);
}

fn nothing_left_but_signed(w: &World) {
    for t in w.admin.transactions(&Default::default()).unwrap() {
        assert!(
            matches!(t.status, TxStatus::Signed | TxStatus::Failed),
            "{t:?}"
        );
    }
}

// ---------------------------------------------------------------- typed data

fn typed(
    domain_contract: Address,
    types: serde_json::Value,
    primary: &str,
    message: serde_json::Value,
) -> String {
    let mut all = types;
    all["EIP712Domain"] = json!([
        {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
    ]);
    json!({
        "types": all,
        "primaryType": primary,
        "domain": {"name": "Token", "version": "1", "chainId": EVM_CHAIN_ID,
                   "verifyingContract": domain_contract.to_checksum(None)},
        "message": message
    })
    .to_string()
}

fn eip3009(token: Address, owner: &str, to: Address, value: &str) -> String {
    typed(
        token,
        json!({"TransferWithAuthorization": [
            {"name": "from", "type": "address"}, {"name": "to", "type": "address"},
            {"name": "value", "type": "uint256"}, {"name": "validAfter", "type": "uint256"},
            {"name": "validBefore", "type": "uint256"}, {"name": "nonce", "type": "bytes32"}
        ]}),
        "TransferWithAuthorization",
        json!({"from": owner, "to": to.to_checksum(None), "value": value, "validAfter": 0,
               "validBefore": (common::T0 + 600).to_string(), "nonce": format!("0x{}", "11".repeat(32))}),
    )
}

fn eip2612(token: Address, owner: &str, spender: Address, value: &str) -> String {
    typed(
        token,
        json!({"Permit": [
            {"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
            {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"}
        ]}),
        "Permit",
        json!({"owner": owner, "spender": spender.to_checksum(None), "value": value,
               "nonce": 0, "deadline": (common::T0 + 600).to_string()}),
    )
}

#[test]
fn an_eip3009_authorization_is_a_reserved_token_transfer() {
    let (w, wallet, _, _) = evm_token_world();
    let agent = typed_agent(&w, &wallet);
    let bob = Address::repeat_byte(0xb0);
    let unlisted = Address::repeat_byte(0x71);
    // Unlimited USDC-style authorization of a token outside ALLOWED_TOKENS: denied.
    denied(
        agent.sign_typed_data(
            None,
            &eip3009(unlisted, &wallet.address, bob, &U256::MAX.to_string()),
        ),
        "TOKEN_NOT_ALLOWED",
    );
    nothing_left(&w, &wallet);
    // 5 TT of an allowed token: INSTANT, signed, reserved like a transfer.
    let five = (5u128 * 10u128.pow(18)).to_string();
    let json = eip3009(TOKEN, &wallet.address, bob, &five);
    let tx = agent.sign_typed_data(None, &json).unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::Signed, Some(Tier::Instant))
    );
    let assets = &tx.decision.as_ref().unwrap().spend.assets;
    assert_eq!(
        assets.get(&token_asset_id(
            Network::EthereumSepolia,
            &TOKEN.to_checksum(None)
        )),
        Some(&waiaas_core::Amount::from_u128(5 * 10u128.pow(18)))
    );
    // The signature recovers to the wallet over the EIP-712 hash (independent check).
    let sig = tx.result.unwrap().signature.unwrap();
    let recovered = waiaas_chains::evm::typed_data::recover_typed_data_signer(
        &json,
        &hex::decode(sig.trim_start_matches("0x")).unwrap(),
    )
    .unwrap();
    assert_eq!(recovered.to_checksum(), wallet.address);
    // One that never expires could be held back and used after the kill switch.
    let forever = json.replace(
        &format!("\"validBefore\":\"{}\"", common::T0 + 600),
        &format!("\"validBefore\":\"{}\"", U256::MAX),
    );
    assert_ne!(forever, json);
    let err = agent.sign_typed_data(None, &forever).unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED", "{err:?}");
    assert!(
        err.to_string().contains("maxSignatureValiditySecs"),
        "{err}"
    );
    // A million tokens is a million dollars: escalated, not signed.
    let big = agent
        .sign_typed_data(
            None,
            &eip3009(TOKEN, &wallet.address, bob, &10u128.pow(24).to_string()),
        )
        .unwrap();
    assert_eq!(big.tier, Some(Tier::Approval));
    assert!(big.result.is_none());
}

#[test]
fn unrecognised_typed_data_is_denied_until_the_operator_lists_it() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = typed_agent(&w, &wallet);
    let market = Address::repeat_byte(0x3a);
    let order = typed(
        market,
        json!({"Order": [{"name": "maker", "type": "address"}, {"name": "price", "type": "uint256"}]}),
        "Order",
        json!({"maker": wallet.address, "price": "1"}),
    );
    denied(
        agent.sign_typed_data(None, &order),
        "TYPED_DATA_NOT_ALLOWED",
    );
    nothing_left(&w, &wallet);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": market.to_checksum(None), "typed_data": ["Order"] }] }),
    );
    let tx = agent.sign_typed_data(None, &order).unwrap();
    assert_eq!(tx.status, TxStatus::Signed);
}

#[test]
fn a_permit_for_an_allowed_spender_is_signed_and_an_unlisted_one_is_denied() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = typed_agent(&w, &wallet);
    let spender = Address::repeat_byte(0x5e);
    policy(
        &w,
        &wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": spender.to_checksum(None) }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApproveTierOverride,
        json!({ "tier": "INSTANT" }),
    );
    let json = eip2612(TOKEN, &wallet.address, spender, "1000");
    let tx = agent.sign_typed_data(None, &json).unwrap();
    assert_eq!(tx.status, TxStatus::Signed);
    let unlisted = eip2612(TOKEN, &wallet.address, Address::repeat_byte(0x66), "1000");
    denied(
        agent.sign_typed_data(None, &unlisted),
        "SPENDER_NOT_APPROVED",
    );
    let unlimited = eip2612(TOKEN, &wallet.address, spender, &U256::MAX.to_string());
    denied(
        agent.sign_typed_data(None, &unlimited),
        "UNLIMITED_APPROVE_BLOCKED",
    );
}

// ---------------------------------------------------------------- descriptors

#[derive(Debug)]
struct Rates(u8);

impl ActionProvider for Rates {
    fn describe(&self, _: &waiaas::request::ResolvedRequest) -> Option<ActionDescriptor> {
        Some(ActionDescriptor {
            counterparty_score: Some(self.0),
            ..ActionDescriptor::default()
        })
    }
}

fn rated_world(provider: Option<Arc<dyn ActionProvider>>) -> (World, WalletInfo, Agent) {
    let w = world_with(|host| waiaas::Host {
        action_provider: provider,
        ..host
    });
    let wallet = w.wallet(Network::SolanaDevnet);
    policy(
        &w,
        &wallet,
        PolicyType::ReputationThreshold,
        json!({ "min_score": 50, "below_threshold_tier": "APPROVAL", "unrated_tier": "APPROVAL" }),
    );
    let agent = w.agent(wallet.id);
    (w, wallet, agent)
}

fn scored(to: &str, score: Option<u8>) -> SendRequest {
    SendRequest {
        chain: ChainParams {
            recent_blockhash: Some(BLOCKHASH.to_owned()),
            ..ChainParams::default()
        },
        action: score.map(|s| ActionDescriptor {
            counterparty_score: Some(s),
            ..ActionDescriptor::default()
        }),
        ..SendRequest::transfer(to, "0.01")
    }
}

#[test]
fn a_score_the_agent_reports_cannot_lower_the_tier_and_a_trusted_one_can() {
    let bob = solana_pubkey::Pubkey::new_from_array([9u8; 32]).to_string();
    let (_w, _, agent) = rated_world(None);
    // The review's attack: a self-reported 100 turned APPROVAL into INSTANT.
    assert_eq!(
        agent.simulate(&scored(&bob, Some(100))).unwrap().tier,
        Tier::Approval
    );
    assert_eq!(
        agent.simulate(&scored(&bob, None)).unwrap().tier,
        Tier::Approval
    );
    let (_w, _, agent) = rated_world(Some(Arc::new(Rates(100))));
    assert_eq!(
        agent.simulate(&scored(&bob, None)).unwrap().tier,
        Tier::Instant
    );
    let tx = agent.send(&scored(&bob, None)).unwrap();
    assert_eq!(tx.tier, Some(Tier::Instant));
    // The agent may still make it stricter.
    assert_eq!(
        agent.simulate(&scored(&bob, Some(1))).unwrap().tier,
        Tier::Approval
    );
}

// ---------------------------------------------------------------- owners

#[test]
fn an_owner_is_never_a_wallet_of_the_vault_and_agents_never_sign_owner_texts() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let other = w.wallet(Network::SolanaDevnet);
    let err = w.admin.set_owner(wallet.id, &other.address).unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    let err = w.admin.set_owner(wallet.id, &wallet.address).unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    let evm = w.wallet(Network::EthereumSepolia);
    let evm2 = w.wallet(Network::EthereumSepolia);
    let err = w
        .admin
        .set_owner(evm.id, &evm2.address.to_lowercase())
        .unwrap_err();
    assert!(matches!(
        err.code(),
        "VALIDATION_FAILED" | "INVALID_ADDRESS"
    ));
    let err = w.admin.set_owner(evm.id, &evm2.address).unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    // An outsider's key is accepted — and can then never be imported as a wallet.
    w.admin
        .set_owner(wallet.id, &OwnerKey::solana(3).address())
        .unwrap();
    let owner_secret = waiaas::SecretString::from(
        bs58::encode(ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]).to_keypair_bytes())
            .into_string(),
    );
    let err = w
        .admin
        .import_wallet("stolen", Network::SolanaDevnet, &owner_secret)
        .unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED", "{err:?}");
    assert!(err.to_string().contains("owner of wallet"), "{err}");
    // sign_message refuses the owner-action prefix on both chains, storing nothing.
    let issued = w
        .admin
        .create_session(&waiaas_core::session::CreateSession {
            permissions: Some(vec![waiaas_core::Permission::SignMessage]),
            ..waiaas_core::session::CreateSession::new(vec![wallet.id, evm.id])
        })
        .unwrap();
    let agent = w.admin.agent(issued.token.expose()).unwrap();
    for id in [wallet.id, evm.id] {
        let err = agent
            .sign_message(Some(id), b"waiaas owner action: APPROVE\nwallet: x")
            .unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED");
    }
    assert!(
        w.admin
            .transactions(&Default::default())
            .unwrap()
            .is_empty()
    );
    assert!(agent.sign_message(Some(evm.id), b"hello").is_ok());
}

// ---------------------------------------------------------------- approval text

#[test]
fn the_owner_sees_every_decoded_effect_the_fee_and_an_iso_expiry() {
    let (w, wallet, agent, _) = evm_token_world();
    let owner = OwnerKey::evm(7);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    let bob = Address::repeat_byte(0xb0);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": TOKEN.to_checksum(None) }] }),
    );
    let data = multicallCall {
        data: vec![
            transferCall {
                to: bob,
                value: U256::from(10u128.pow(24)),
            }
            .abi_encode()
            .into(),
        ],
    }
    .abi_encode();
    let tx = agent.send(&call(TOKEN, data, 0)).unwrap();
    assert_eq!(tx.status, TxStatus::PendingApproval);
    let text = w
        .admin
        .owner_actions()
        .approval_request(tx.id)
        .unwrap()
        .approve_message
        .unwrap();
    let token = TOKEN.to_checksum(None);
    assert!(
        text.contains(&format!(
            "effect 1: call {token} with selector 0x{}",
            hex::encode(multicallCall::SELECTOR)
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "effect 2: send 1000000 TT (token {token}; 1000000000000000000000000 base units, 18 decimals; 1000000 USD at admission) to {}",
            bob.to_checksum(None)
        )),
        "{text}"
    );
    assert!(
        text.contains(
            "max network fee: 0.002 ETH (2000000000000000 base units; 4 USD at admission)"
        ),
        "{text}"
    );
    assert!(text.contains("value at admission: "), "{text}");
    assert!(text.contains("expires: 2027-01-15T09:00:00Z"), "{text}");
    // The owner signs exactly that text and the transaction executes.
    let done = w
        .admin
        .owner_actions()
        .approve(tx.id, &owner.sign(&text), &text)
        .unwrap();
    assert_eq!(done.status, TxStatus::Signed);
}

fn permit2_batch(spender: Address, tokens: &[Address]) -> String {
    let permit2 =
        Address::parse_checksummed("0x000000000022D473030F116dDEE9F6B43aC78BA3", None).unwrap();
    let details: Vec<serde_json::Value> = tokens
        .iter()
        .map(|t| json!({"token": t.to_checksum(None), "amount": "1000", "expiration": 1893456000u64, "nonce": 0}))
        .collect();
    typed(
        permit2,
        json!({
            "PermitDetails": [
                {"name": "token", "type": "address"}, {"name": "amount", "type": "uint160"},
                {"name": "expiration", "type": "uint48"}, {"name": "nonce", "type": "uint48"}
            ],
            "PermitBatch": [
                {"name": "details", "type": "PermitDetails[]"}, {"name": "spender", "type": "address"},
                {"name": "sigDeadline", "type": "uint256"}
            ]
        }),
        "PermitBatch",
        json!({"details": details, "spender": spender.to_checksum(None), "sigDeadline": (common::T0 + 600).to_string()}),
    )
}

#[test]
fn a_permit2_batch_is_judged_grant_by_grant() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = typed_agent(&w, &wallet);
    let router = Address::repeat_byte(0x5e);
    policy(
        &w,
        &wallet,
        PolicyType::ApprovedSpenders,
        json!({ "spenders": [{ "address": router.to_checksum(None), "max_amount": "1000" }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::ApproveTierOverride,
        json!({ "tier": "INSTANT" }),
    );
    let tokens = [TOKEN, Address::repeat_byte(0x71)];
    // Every grant allowed: signed.
    let tx = agent
        .sign_typed_data(None, &permit2_batch(router, &tokens))
        .unwrap();
    assert_eq!(tx.status, TxStatus::Signed);
    // The same batch to an unlisted spender: every grant is denied, each by its index.
    let err = agent
        .sign_typed_data(None, &permit2_batch(Address::repeat_byte(0x66), &tokens))
        .unwrap_err();
    let indexed: Vec<Option<u32>> = err
        .reasons()
        .iter()
        .filter(|r| r.code == "SPENDER_NOT_APPROVED")
        .map(|r| r.instruction)
        .collect();
    assert_eq!(indexed, vec![Some(0), Some(1)], "{:?}", err.reasons());
}

sol! {
    function safeTransferFrom(address from, address to, uint256 tokenId) external;
}

#[test]
fn an_nft_transfer_to_an_allowed_recipient_reaches_the_owner_and_others_are_denied() {
    let w = world();
    let wallet = w.wallet(Network::EthereumSepolia);
    let agent = w.agent(wallet.id);
    let owner = OwnerKey::evm(9);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    let collection = Address::repeat_byte(0x33);
    let friend = Address::repeat_byte(0xf1);
    policy(
        &w,
        &wallet,
        PolicyType::ContractWhitelist,
        json!({ "contracts": [{ "address": collection.to_checksum(None) }] }),
    );
    policy(
        &w,
        &wallet,
        PolicyType::Whitelist,
        json!({ "allowed_addresses": [friend.to_checksum(None)] }),
    );
    let me: Address = wallet.address.parse().unwrap();
    let send_nft = |to: Address| {
        safeTransferFromCall {
            from: me,
            to,
            tokenId: U256::from(42u8),
        }
        .abi_encode()
    };
    // Before: a whitelisted collection let any recipient take the NFT at INSTANT.
    denied(
        agent.send(&call(collection, send_nft(Address::repeat_byte(0xee)), 0)),
        "WHITELIST_DENIED",
    );
    let tx = agent.send(&call(collection, send_nft(friend), 0)).unwrap();
    assert_eq!(
        (tx.status, tx.tier),
        (TxStatus::PendingApproval, Some(Tier::Approval))
    );
    let actions = w.admin.owner_actions();
    let text = actions
        .approval_request(tx.id)
        .unwrap()
        .approve_message
        .unwrap();
    assert!(
        text.contains(&format!(
            "send 1 of NFT {} #42 to {}",
            collection.to_checksum(None),
            friend.to_checksum(None)
        )),
        "{text}"
    );
    let done = actions.approve(tx.id, &owner.sign(&text), &text).unwrap();
    assert_eq!(done.status, TxStatus::Signed);
}
