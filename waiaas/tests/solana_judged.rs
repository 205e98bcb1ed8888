//! Through the facade: an instruction with data to a whitelisted Solana program (a
//! memo) is judged by its `0x` selector and signed; a whitelisted token program does not
//! let a foreign CloseAccount through; a Solana message is signed only inside the
//! off-chain envelope, which the result carries, and a transaction passed as a message
//! is refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use common::world;
use ed25519_dalek::{Signature as DalekSignature, VerifyingKey};
use litesvm::LiteSVM;
use serde_json::json;
use solana_account::Account;
use solana_pubkey::Pubkey;
use waiaas::{Network, NewPolicy};
use waiaas_core::policy::PolicyType;
use waiaas_core::session::CreateSession;
use waiaas_core::{Permission, SolanaAddress, Tier, TxStatus};
use waiaas_test_support::solana_runtime::{SOL, execute_base64, unsigned_base64};

const MEMO: &str = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr";
const TOKEN: &str = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";

fn pk(a: &SolanaAddress) -> Pubkey {
    Pubkey::new_from_array(*a.as_bytes())
}

fn unsigned(payer: &Pubkey, ixs: &[solana_instruction::Instruction], svm: &LiteSVM) -> String {
    unsigned_base64(payer, ixs, &svm.latest_blockhash())
}

fn execute(svm: &mut LiteSVM, tx: &waiaas::Transaction) {
    execute_base64(svm, common::signed(tx)).unwrap();
    svm.expire_blockhash();
}

#[test]
fn a_memo_to_a_whitelisted_program_is_judged_by_its_selector_and_executes() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let me = pk(&SolanaAddress::parse(&wallet.address).unwrap());
    let mut svm = LiteSVM::new();
    svm.airdrop(&me, 10 * SOL).unwrap();
    for (kind, rules) in [
        (
            PolicyType::ContractWhitelist,
            json!({ "contracts": [{ "address": MEMO }] }),
        ),
        (
            PolicyType::MethodWhitelist,
            json!({ "methods": [{ "contract_address": MEMO, "selectors": ["0x7061696420696e76"] }] }),
        ),
    ] {
        w.admin
            .create_policy(NewPolicy::new(kind, rules).for_wallet(wallet.id))
            .unwrap();
    }
    let memo = |text: &[u8]| solana_instruction::Instruction {
        program_id: MEMO.parse().unwrap(),
        accounts: vec![solana_instruction::AccountMeta::new_readonly(me, true)],
        data: text.to_vec(),
    };

    let tx = agent
        .sign_transaction(None, &unsigned(&me, &[memo(b"paid invoice 42")], &svm))
        .unwrap();
    assert_eq!(
        (tx.status, tx.tier, tx.kind.as_str()),
        (TxStatus::Signed, Some(Tier::Instant), "CONTRACT_CALL")
    );
    execute(&mut svm, &tx);
    assert_eq!(svm.get_balance(&me).unwrap(), 10 * SOL - 5_000);

    // Another selector on the same program: METHOD_WHITELIST refuses it.
    let err = agent
        .sign_transaction(None, &unsigned(&me, &[memo(b"refund everything")], &svm))
        .unwrap_err();
    assert_eq!(err.code(), "POLICY_DENIED");
    assert!(
        err.reasons()
            .iter()
            .any(|r| r.code == "METHOD_NOT_WHITELISTED"),
        "{:?}",
        err.reasons()
    );
}

#[test]
fn a_whitelisted_token_program_does_not_let_a_foreign_close_account_through() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    let me = pk(&SolanaAddress::parse(&wallet.address).unwrap());
    let mut svm = LiteSVM::new();
    svm.airdrop(&me, 10 * SOL).unwrap();
    w.admin
        .create_policy(
            NewPolicy::new(
                PolicyType::ContractWhitelist,
                json!({ "contracts": [{ "address": TOKEN }] }),
            )
            .for_wallet(wallet.id),
        )
        .unwrap();
    // An empty token account of the wallet (hand-written SPL layout).
    let mint = Pubkey::new_from_array([31u8; 32]);
    let account = Pubkey::new_from_array([32u8; 32]);
    let mut d = vec![0u8; 165];
    d[0..32].copy_from_slice(mint.as_ref());
    d[32..64].copy_from_slice(me.as_ref());
    d[108] = 1;
    let rent = svm.minimum_balance_for_rent_exemption(165);
    svm.set_account(
        account,
        Account {
            lamports: rent,
            data: d,
            owner: TOKEN.parse().unwrap(),
            executable: false,
            rent_epoch: 0,
        },
    )
    .unwrap();
    let close = |to: &Pubkey| {
        spl_token_interface::instruction::close_account(
            &spl_token_interface::ID,
            &account,
            to,
            &me,
            &[],
        )
        .unwrap()
    };

    let thief = Pubkey::new_from_array([66u8; 32]);
    let err = agent
        .sign_transaction(None, &unsigned(&me, &[close(&thief)], &svm))
        .unwrap_err();
    assert_eq!(err.code(), "POLICY_DENIED", "{err}");
    assert!(
        agent
            .transactions(0)
            .unwrap()
            .iter()
            .all(|t| t.result.is_none()),
        "nothing signed"
    );

    // To the wallet itself: a call the whitelist allows; the rent comes back.
    let tx = agent
        .sign_transaction(None, &unsigned(&me, &[close(&me)], &svm))
        .unwrap();
    assert_eq!(tx.status, TxStatus::Signed);
    execute(&mut svm, &tx);
    assert_eq!(svm.get_balance(&me).unwrap(), 10 * SOL - 5_000 + rent);
    assert_eq!(svm.get_balance(&thief).unwrap_or(0), 0);
}

#[test]
fn solana_messages_are_signed_in_the_offchain_envelope() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let issued = w
        .admin
        .create_session(&CreateSession {
            permissions: Some(Permission::ALL.to_vec()),
            ..CreateSession::new(vec![wallet.id])
        })
        .unwrap();
    let agent = w.admin.agent(issued.token.expose()).unwrap();
    let me = SolanaAddress::parse(&wallet.address).unwrap();

    let text = b"Sign in to example.com\nnonce: 7f3a";
    let tx = agent.sign_message(None, text).unwrap();
    assert_eq!(tx.status, TxStatus::Signed);
    let result = tx.result.unwrap();
    let signature: [u8; 64] = bs58::decode(result.signature.unwrap())
        .into_vec()
        .unwrap()
        .try_into()
        .unwrap();
    let envelope = hex::decode(result.signed_message.unwrap().strip_prefix("0x").unwrap()).unwrap();
    // The envelope, as the specification lays it out.
    let mut expected = b"\xffsolana offchain".to_vec();
    expected.push(0);
    expected.extend_from_slice(&[0u8; 32]);
    expected.push(1); // a newline: UTF-8 format
    expected.push(1);
    expected.extend_from_slice(me.as_bytes());
    expected.extend_from_slice(&u16::try_from(text.len()).unwrap().to_le_bytes());
    expected.extend_from_slice(text);
    assert_eq!(envelope, expected);
    let key = VerifyingKey::from_bytes(me.as_bytes()).unwrap();
    let sig = DalekSignature::from_bytes(&signature);
    key.verify_strict(&envelope, &sig).unwrap();
    assert!(
        key.verify_strict(text, &sig).is_err(),
        "never over raw bytes"
    );

    // A transaction message passed as a message is refused.
    let ix = solana_system_interface::instruction::transfer(&pk(&me), &Pubkey::default(), 1);
    let message = solana_message::Message::new_with_blockhash(
        &[ix],
        Some(&pk(&me)),
        &solana_hash::Hash::new_from_array([1; 32]),
    );
    let rows = agent.transactions(0).unwrap().len();
    let err = agent.sign_message(None, &message.serialize()).unwrap_err();
    assert_eq!(err.code(), "INVALID_MESSAGE", "{err}");
    assert_eq!(
        agent.transactions(0).unwrap().len(),
        rows,
        "refused before anything is stored"
    );
}
