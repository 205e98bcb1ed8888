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

use std::sync::Arc;

use alloy_consensus::TxEnvelope;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, Bytes, TxKind, U256, keccak256};
use alloy_sol_types::{SolCall, sol};
use base64::Engine as _;
use common::{BLOCKHASH, OwnerKey, World, world};
use litesvm::LiteSVM;
use revm::context::{Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::state::{AccountInfo, Bytecode};
use revm::{ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext};
use serde_json::json;
use waiaas::core::policy::{ActionDescriptor, PolicyType, Usd, token_asset_id};
use waiaas::core::{ErrorCode, Tier, TxStatus, WalletInfo};
use waiaas::{
    ActionProvider, Agent, ChainParams, Network, NewPolicy, Operation, SendRequest, TokenSpec,
    Transaction,
};

sol! {
    function transfer(address to, uint256 value) external returns (bool);
    function balanceOf(address owner) external view returns (uint256);
    function allowance(address owner, address spender) external view returns (uint256);
    function setApprovalForAll(address operator, bool approved) external;
    function multicall(bytes[] data) external returns (bytes[] results);
}

const LAMPORTS: u64 = 1_000_000_000;
const EVM_CHAIN_ID: u64 = 11_155_111;
const BASE_FEE: u128 = 10_000_000_000;

fn policy(w: &World, wallet: &WalletInfo, ty: PolicyType, rules: serde_json::Value) {
    w.admin
        .create_policy(NewPolicy::new(ty, rules).for_wallet(wallet.id))
        .unwrap();
}

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
    let held: i64 = rusqlite::Connection::open(w.dir.path().join("vault/waiaas.db"))
        .unwrap()
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
    let owner = waiaas::core::SolanaAddress::parse(&wallet.address).unwrap();
    let mint_addr = waiaas::core::SolanaAddress::from_bytes(mint.to_bytes());
    let ata = waiaas::chains::solana::associated_token_address(
        &owner,
        &mint_addr,
        waiaas::chains::solana::TokenProgram::Token,
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
    let ata = waiaas::chains::solana::associated_token_address(
        &waiaas::core::SolanaAddress::parse(owner).unwrap(),
        &waiaas::core::SolanaAddress::parse(mint).unwrap(),
        waiaas::chains::solana::TokenProgram::Token,
    );
    svm.get_account(&pk(&ata.to_string()))
        .map(|a| u64::from_le_bytes(a.data[64..72].try_into().unwrap()))
        .unwrap_or(0)
}

fn solana_send(svm: &mut LiteSVM, tx: &Transaction) -> Result<(), String> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(
            tx.result
                .as_ref()
                .unwrap()
                .signed_transaction
                .as_ref()
                .unwrap(),
        )
        .unwrap();
    let parsed: solana_transaction::Transaction = wincode::deserialize(&raw).unwrap();
    svm.send_transaction(parsed)
        .map(|_| ())
        .map_err(|e| format!("{:?}", e.err))
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
            amount: amount.to_owned(),
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
            amount: amount.to_owned(),
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
    let owner = waiaas::core::SolanaAddress::parse(&wallet.address).unwrap();
    let ata = waiaas::chains::solana::associated_token_address(
        &owner,
        &waiaas::core::SolanaAddress::parse(&mint).unwrap(),
        waiaas::chains::solana::TokenProgram::Token,
    );
    let data = chain.svm.get_account(&pk(&ata.to_string())).unwrap().data;
    assert_eq!(&data[76..108], pk(&spender).to_bytes().as_slice());
    assert_eq!(
        u64::from_le_bytes(data[121..129].try_into().unwrap()),
        10_000_000
    );
}

// ---------------------------------------------------------------- EVM tokens

type Evm = revm::handler::MainnetEvm<revm::handler::MainnetContext<CacheDB<EmptyDB>>>;

const TOKEN: Address = Address::repeat_byte(0x70);

fn token_runtime() -> Bytes {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/contracts/TestToken.runtime.hex");
    hex::decode(std::fs::read_to_string(path).unwrap().trim())
        .unwrap()
        .into()
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
    let mut db = CacheDB::new(EmptyDB::default());
    db.insert_account_info(
        wallet,
        AccountInfo::from_balance(U256::from(10u128.pow(19))),
    );
    // The account that reads views pays for them too.
    db.insert_account_info(
        Address::repeat_byte(0xee),
        AccountInfo::from_balance(U256::from(10u128.pow(19))),
    );
    db.insert_account_info(
        TOKEN,
        AccountInfo::default().with_code(Bytecode::new_raw(token_runtime())),
    );
    db.insert_account_storage(TOKEN, balance_slot(wallet), U256::from(10u128.pow(21)))
        .unwrap();
    Context::mainnet()
        .with_db(db)
        .modify_cfg_chained(|cfg| cfg.chain_id = EVM_CHAIN_ID)
        .modify_block_chained(|b| b.basefee = BASE_FEE as u64)
        .build_mainnet()
}

fn evm_execute(evm: &mut Evm, tx: &Transaction) -> bool {
    let raw = hex::decode(
        tx.result
            .as_ref()
            .unwrap()
            .signed_transaction
            .as_ref()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap();
    let TxEnvelope::Eip1559(signed) = TxEnvelope::decode_2718_exact(&raw[..]).unwrap() else {
        panic!("not EIP-1559")
    };
    let caller = alloy_consensus::transaction::SignerRecoverable::recover_signer(
        &TxEnvelope::Eip1559(signed.clone()),
    )
    .unwrap();
    let t = signed.tx();
    evm.transact_commit(TxEnv {
        tx_type: 2,
        caller,
        gas_limit: t.gas_limit,
        gas_price: t.max_fee_per_gas,
        gas_priority_fee: Some(t.max_priority_fee_per_gas),
        kind: t.to,
        value: t.value,
        data: t.input.clone(),
        nonce: t.nonce,
        chain_id: Some(t.chain_id),
        ..TxEnv::default()
    })
    .unwrap()
    .is_success()
}

fn view(evm: &mut Evm, data: Vec<u8>) -> U256 {
    let out = evm
        .transact(TxEnv {
            caller: Address::repeat_byte(0xee),
            kind: TxKind::Call(TOKEN),
            data: data.into(),
            gas_limit: 100_000,
            gas_price: BASE_FEE,
            chain_id: Some(EVM_CHAIN_ID),
            nonce: 0,
            ..TxEnv::default()
        })
        .unwrap();
    U256::from_be_slice(out.result.output().unwrap())
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
            amount: amount.to_owned(),
            token_program: None,
        })
    }
}

#[test]
fn evm_token_transfer_honest_decimals_execute_and_lying_ones_are_denied() {
    let (w, wallet, agent, mut evm) = evm_token_world();
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
            amount: amount.to_owned(),
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
