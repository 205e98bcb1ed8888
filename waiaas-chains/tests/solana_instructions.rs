//! Every System, SPL Token / Token-2022 and associated-token-account instruction is
//! judged by what it does, whatever the program's place on an allow-list: lamport moves
//! are transfers of the lamports the runtime moves, hand-overs of control are refused,
//! upkeep is a call with a `0x` selector. The cases that move value are executed in
//! litesvm, so the decoded amounts and recipients are checked against the runtime.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

use waiaas_test_support::solana_runtime::nonce_account_data;
use waiaas_test_support::vault as fixtures;

use litesvm::LiteSVM;
use sha2::Digest as _;
use solana_account::Account;
use solana_hash::Hash;
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;
use solana_transaction::versioned::VersionedTransaction;
use spl_token_interface::instruction as token_ix;
use waiaas_chains::solana::{self, PreparedTransaction, TokenProgram, associated_token_address};
use waiaas_chains::{DecodedTransaction, Intent, VaultSigner};
use waiaas_core::{Amount, Network, SolanaAddress};

const SOL: u64 = 1_000_000_000;
const FEE: u64 = 5_000;
const MEMO: &str = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr";
const SYSTEM: &str = "11111111111111111111111111111111";

fn pk(a: &SolanaAddress) -> Pubkey {
    Pubkey::new_from_array(*a.as_bytes())
}

fn sa(p: &Pubkey) -> SolanaAddress {
    SolanaAddress::from_bytes(p.to_bytes())
}

/// Unsigned wire bytes of a legacy message paid by `payer`.
fn unsigned(payer: &Pubkey, ixs: &[Instruction], blockhash: Hash) -> Vec<u8> {
    let message = solana_message::Message::new_with_blockhash(ixs, Some(payer), &blockhash);
    let n = message.header.num_required_signatures;
    let mut out = vec![n];
    out.extend(vec![0u8; 64 * usize::from(n)]);
    out.extend(message.serialize());
    out
}

fn decode(payer: &Pubkey, ixs: &[Instruction]) -> DecodedTransaction {
    PreparedTransaction::from_bytes(unsigned(payer, ixs, Hash::new_from_array([9; 32])))
        .unwrap()
        .decoded()
        .clone()
}

fn one(payer: &Pubkey, ix: Instruction) -> Intent {
    let decoded = decode(payer, &[ix]);
    assert_eq!(decoded.intents.len(), 1, "{:?}", decoded.intents);
    decoded.intents[0].clone()
}

fn call(contract: &str, selector: &str) -> Intent {
    Intent::ContractCall {
        contract: contract.to_owned(),
        selector: Some(selector.to_owned()),
        value: Amount::ZERO,
    }
}

fn transfer(to: &Pubkey, lamports: u64) -> Intent {
    Intent::Transfer {
        to: to.to_string(),
        amount: Amount::from_u64(lamports),
    }
}

#[track_caller]
fn assert_refused(intent: &Intent, program: &str, words: &str) {
    match intent {
        Intent::Refused { contract, reason } => {
            assert_eq!(contract, program);
            assert!(reason.contains(words), "reason `{reason}` lacks `{words}`");
        }
        other => panic!("expected a refusal ({words}), got {other:?}"),
    }
}

/// A wallet in a vault, funded in a fresh litesvm.
struct Bench {
    tv: fixtures::TestVault,
    wallet: waiaas_core::WalletInfo,
    me: Pubkey,
    svm: LiteSVM,
}

impl Bench {
    fn new() -> Self {
        let tv = fixtures::vault();
        let wallet = tv.vault.create_wallet("ix", Network::SolanaDevnet).unwrap();
        let me = pk(&SolanaAddress::parse(&wallet.address).unwrap());
        let mut svm = LiteSVM::new();
        svm.airdrop(&me, 10 * SOL).unwrap();
        Self {
            tv,
            wallet,
            me,
            svm,
        }
    }

    /// Decodes what the wallet is asked to sign, signs exactly those bytes and executes
    /// them.
    fn run(&mut self, ixs: &[Instruction]) -> (DecodedTransaction, Result<(), String>) {
        let prepared =
            PreparedTransaction::from_bytes(unsigned(&self.me, ixs, self.svm.latest_blockhash()))
                .unwrap();
        let signed =
            solana::sign_prepared(&VaultSigner::new(&self.tv.vault, &self.wallet), &prepared)
                .unwrap();
        let tx: VersionedTransaction = wincode::deserialize(&signed.bytes).unwrap();
        let outcome = self
            .svm
            .send_transaction(tx)
            .map(|_| ())
            .map_err(|e| format!("{:?} {:#?}", e.err, e.meta.logs));
        self.svm.expire_blockhash();
        (prepared.decoded().clone(), outcome)
    }

    fn balance(&self, a: &Pubkey) -> u64 {
        self.svm.get_balance(a).unwrap_or(0)
    }

    /// An initialized mint and a token account of `owner` for it (hand-written SPL
    /// layouts, so the test does not trust the code under test for the state).
    fn token_account(&mut self, program: TokenProgram, owner: &Pubkey, amount: u64) -> Pubkey {
        let program_id = pk(&program.id());
        let mint = Pubkey::new_from_array([31u8; 32]);
        let mut m = vec![0u8; 82];
        m[0..4].copy_from_slice(&1u32.to_le_bytes());
        m[4..36].copy_from_slice(self.me.as_ref());
        m[36..44].copy_from_slice(&1_000_000u64.to_le_bytes());
        m[44] = 6;
        m[45] = 1;
        self.set(mint, m, program_id);
        let ata = pk(&associated_token_address(&sa(owner), &sa(&mint), program));
        let mut d = vec![0u8; 165];
        d[0..32].copy_from_slice(mint.as_ref());
        d[32..64].copy_from_slice(owner.as_ref());
        d[64..72].copy_from_slice(&amount.to_le_bytes());
        d[108] = 1;
        self.set(ata, d, program_id);
        ata
    }

    fn set(&mut self, key: Pubkey, data: Vec<u8>, owner: Pubkey) {
        let lamports = self.svm.minimum_balance_for_rent_exemption(data.len());
        self.svm
            .set_account(
                key,
                Account {
                    lamports,
                    data,
                    owner,
                    executable: false,
                    rent_epoch: 0,
                },
            )
            .unwrap();
    }
}

/// `sha256(base || seed || owner)`, computed here rather than by the crates under test.
fn with_seed(base: &Pubkey, seed: &str, owner: &Pubkey) -> Pubkey {
    let mut h = sha2::Sha256::new();
    h.update(base.as_ref());
    h.update(seed.as_bytes());
    h.update(owner.as_ref());
    Pubkey::new_from_array(h.finalize().into())
}

#[test]
fn a_memo_with_data_is_a_call_with_a_0x_selector_and_executes() {
    let mut b = Bench::new();
    let memo = Instruction {
        program_id: MEMO.parse().unwrap(),
        accounts: vec![AccountMeta::new_readonly(b.me, true)],
        data: b"paid invoice 42".to_vec(),
    };
    let (decoded, outcome) = b.run(&[memo]);
    // The first 8 bytes of data, as the policy engine's selectors are written.
    assert_eq!(decoded.intents, vec![call(MEMO, "0x7061696420696e76")]);
    outcome.unwrap();
    assert_eq!(b.balance(&b.me), 10 * SOL - FEE);

    // Data of fewer than 8 bytes is the whole data; no data, no selector.
    let short = Instruction {
        program_id: MEMO.parse().unwrap(),
        accounts: vec![],
        data: vec![0xAB, 0x01],
    };
    assert_eq!(one(&b.me, short), call(MEMO, "0xab01"));
    let empty = Instruction {
        program_id: MEMO.parse().unwrap(),
        accounts: vec![],
        data: vec![],
    };
    assert_eq!(
        one(&b.me, empty),
        Intent::ContractCall {
            contract: MEMO.into(),
            selector: None,
            value: Amount::ZERO
        }
    );
}

#[test]
fn close_account_is_a_call_to_the_wallet_and_refused_to_anyone_else() {
    for program in [TokenProgram::Token, TokenProgram::Token2022] {
        let program_id = pk(&program.id());
        let pid = program_id.to_string();

        // To the wallet: a call on the token program; the rent comes back.
        let mut b = Bench::new();
        let account = b.token_account(program, &b.me.clone(), 0);
        let rent = b.balance(&account);
        let close =
            token_ix::close_account(&spl_token_interface::ID, &account, &b.me, &b.me, &[]).unwrap();
        let close = Instruction {
            program_id,
            ..close
        };
        let (decoded, outcome) = b.run(std::slice::from_ref(&close));
        assert_eq!(decoded.intents, vec![call(&pid, "0x09")]);
        outcome.unwrap();
        assert_eq!(b.balance(&b.me), 10 * SOL - FEE + rent);
        assert_eq!(b.balance(&account), 0);

        // To someone else: refused, because the runtime gives them the lamports.
        let mut b = Bench::new();
        let account = b.token_account(program, &b.me.clone(), 0);
        let rent = b.balance(&account);
        let foreign = Pubkey::new_from_array([99u8; 32]);
        let close =
            token_ix::close_account(&spl_token_interface::ID, &account, &foreign, &b.me, &[])
                .unwrap();
        let close = Instruction {
            program_id,
            ..close
        };
        let (decoded, outcome) = b.run(&[close]);
        assert_refused(&decoded.intents[0], &pid, "foreign destination");
        outcome.unwrap();
        assert_eq!(b.balance(&foreign), rent, "{program:?}: the lamports left");
    }
}

#[test]
fn set_authority_and_assign_are_refused_and_hand_over_control_when_executed() {
    let mut b = Bench::new();
    let program = TokenProgram::Token;
    let account = b.token_account(program, &b.me.clone(), 500);
    let thief = Pubkey::new_from_array([98u8; 32]);
    let set = token_ix::set_authority(
        &spl_token_interface::ID,
        &account,
        Some(&thief),
        token_ix::AuthorityType::AccountOwner,
        &b.me,
        &[],
    )
    .unwrap();
    let (decoded, outcome) = b.run(&[set]);
    assert_refused(
        &decoded.intents[0],
        spl_token_interface::ID.to_string().as_str(),
        "SetAuthority",
    );
    outcome.unwrap();
    let data = b.svm.get_account(&account).unwrap().data;
    assert_eq!(
        &data[32..64],
        thief.as_ref(),
        "the tokens now belong to the thief"
    );

    // Assign: the wallet's own account handed to another program.
    let mut b = Bench::new();
    let other_program = Pubkey::new_from_array([97u8; 32]);
    let assign = solana_system_interface::instruction::assign(&b.me, &other_program);
    let (decoded, outcome) = b.run(&[assign]);
    assert_refused(&decoded.intents[0], SYSTEM, "Assign");
    outcome.unwrap();
    assert_eq!(b.svm.get_account(&b.me).unwrap().owner, other_program);
}

#[test]
fn seeded_creates_and_transfers_and_nonce_withdrawals_are_the_lamports_the_runtime_moves() {
    let mut b = Bench::new();
    let me = b.me;
    let system = Pubkey::default();
    let seed = "waiaas-vault-7";
    let derived = with_seed(&me, seed, &system);

    // CreateAccountWithSeed: the new account receives exactly the decoded amount.
    let create = solana_system_interface::instruction::create_account_with_seed(
        &me, &derived, &me, seed, 3_000_000, 0, &system,
    );
    let (decoded, outcome) = b.run(&[create]);
    assert_eq!(decoded.intents, vec![transfer(&derived, 3_000_000)]);
    outcome.unwrap();
    assert_eq!(b.balance(&derived), 3_000_000);
    assert_eq!(b.balance(&me), 10 * SOL - 3_000_000 - FEE);

    // TransferWithSeed out of it: the recipient (third account) receives the amount.
    let to = Pubkey::new_from_array([55u8; 32]);
    b.svm.airdrop(&to, SOL).unwrap();
    let send = solana_system_interface::instruction::transfer_with_seed(
        &derived,
        &me,
        seed.to_owned(),
        &system,
        &to,
        1_250_000,
    );
    let (decoded, outcome) = b.run(&[send]);
    assert_eq!(decoded.intents, vec![transfer(&to, 1_250_000)]);
    outcome.unwrap();
    assert_eq!(b.balance(&to), SOL + 1_250_000);
    assert_eq!(b.balance(&derived), 3_000_000 - 1_250_000);

    // WithdrawNonceAccount: the recipient (second account) receives the amount.
    let nonce = Pubkey::new_from_array([54u8; 32]);
    b.set(nonce, nonce_account_data(&me, [42u8; 32]), system);
    b.svm.airdrop(&nonce, SOL).unwrap();
    let withdraw =
        solana_system_interface::instruction::withdraw_nonce_account(&nonce, &me, &to, 700_000);
    let (decoded, outcome) = b.run(&[withdraw]);
    assert_eq!(decoded.intents, vec![transfer(&to, 700_000)]);
    outcome.unwrap();
    assert_eq!(b.balance(&to), SOL + 1_250_000 + 700_000);
}

#[test]
fn every_system_instruction_has_a_judgement() {
    let me = Pubkey::new_from_array([1u8; 32]);
    let other = Pubkey::new_from_array([2u8; 32]);
    let nonce = Pubkey::new_from_array([3u8; 32]);
    let system = Pubkey::default();
    use solana_system_interface::instruction as s;
    assert_eq!(one(&me, s::transfer(&me, &other, 77)), transfer(&other, 77));
    assert_eq!(
        one(&me, s::create_account(&me, &other, 88, 0, &system)),
        transfer(&other, 88)
    );
    for (name, ix, words) in [
        ("assign", s::assign(&me, &other), "Assign"),
        (
            "assign with seed",
            s::assign_with_seed(&other, &me, "s", &system),
            "Assign",
        ),
        ("allocate", s::allocate(&me, 10), "Allocate"),
        (
            "allocate with seed",
            s::allocate_with_seed(&other, &me, "s", 10, &system),
            "Allocate",
        ),
        (
            "authorize nonce",
            s::authorize_nonce_account(&nonce, &me, &other),
            "AuthorizeNonceAccount",
        ),
    ] {
        let intent = one(&me, ix);
        assert!(
            matches!(&intent, Intent::Refused { reason, .. } if reason.contains(words)),
            "{name}: {intent:?}"
        );
    }
    // Nonce upkeep: calls on the System program with the 4-byte tag as selector.
    let init = Instruction::new_with_bytes(
        system,
        &[6u32.to_le_bytes().as_slice(), me.as_ref()].concat(),
        vec![AccountMeta::new(nonce, false)],
    );
    assert_eq!(one(&me, init), call(SYSTEM, "0x06000000"));
    assert_eq!(
        one(&me, s::upgrade_nonce_account(nonce)),
        call(SYSTEM, "0x0c000000")
    );
    // An advance that is not the first instruction is no lifetime: a call.
    let decoded = decode(
        &me,
        &[
            s::transfer(&me, &other, 1),
            s::advance_nonce_account(&nonce, &me),
        ],
    );
    assert_eq!(decoded.durable_nonce, None);
    assert_eq!(
        decoded.intents,
        vec![transfer(&other, 1), call(SYSTEM, "0x04000000")]
    );

    // Unknown and malformed instructions are refused.
    let raw = |data: Vec<u8>| {
        Instruction::new_with_bytes(system, &data, vec![AccountMeta::new(me, true)])
    };
    for (name, data, words) in [
        (
            "unknown tag",
            99u32.to_le_bytes().to_vec(),
            "unknown system instruction `99`",
        ),
        (
            "prefunded create",
            13u32.to_le_bytes().to_vec(),
            "unknown system instruction `13`",
        ),
        ("no tag", vec![2, 0], "malformed"),
        (
            "transfer without lamports",
            vec![2, 0, 0, 0, 1],
            "malformed",
        ),
        (
            "seed that is not UTF-8",
            [
                3u32.to_le_bytes().as_slice(),
                me.as_ref(),
                &2u64.to_le_bytes(),
                &[0xc3, 0x28],
                &1u64.to_le_bytes(),
                &0u64.to_le_bytes(),
                system.as_ref(),
            ]
            .concat(),
            "malformed",
        ),
        (
            "seed longer than the data",
            [
                3u32.to_le_bytes().as_slice(),
                me.as_ref(),
                &u64::MAX.to_le_bytes(),
            ]
            .concat(),
            "malformed",
        ),
    ] {
        let intent = one(&me, raw(data));
        assert!(
            matches!(&intent, Intent::Refused { reason, .. } if reason.contains(words)),
            "{name}: {intent:?}"
        );
    }
    // A transfer to an account the instruction does not list is malformed, not a
    // transfer to someone.
    let lonely = Instruction::new_with_bytes(
        system,
        &[2u32.to_le_bytes().as_slice(), &5u64.to_le_bytes()].concat(),
        vec![AccountMeta::new(me, true)],
    );
    assert_refused(&one(&me, lonely), SYSTEM, "malformed");
}

#[test]
fn every_token_instruction_has_a_judgement() {
    let me = Pubkey::new_from_array([1u8; 32]);
    let account = Pubkey::new_from_array([2u8; 32]);
    let mint = Pubkey::new_from_array([3u8; 32]);
    let other = Pubkey::new_from_array([4u8; 32]);
    let t = spl_token_interface::ID;
    for program in [TokenProgram::Token, TokenProgram::Token2022] {
        let program_id = pk(&program.id());
        let pid = program_id.to_string();
        let on = |ix: Instruction| Instruction { program_id, ..ix };
        let calls: Vec<(Instruction, &str)> = vec![
            (token_ix::revoke(&t, &account, &me, &[]).unwrap(), "0x05"),
            (
                token_ix::initialize_account(&t, &account, &mint, &me).unwrap(),
                "0x01",
            ),
            (
                token_ix::initialize_account2(&t, &account, &mint, &me).unwrap(),
                "0x10",
            ),
            (
                token_ix::initialize_account3(&t, &account, &mint, &me).unwrap(),
                "0x12",
            ),
            (token_ix::sync_native(&t, &account).unwrap(), "0x11"),
            (
                token_ix::freeze_account(&t, &account, &mint, &me, &[]).unwrap(),
                "0x0a",
            ),
            (
                token_ix::thaw_account(&t, &account, &mint, &me, &[]).unwrap(),
                "0x0b",
            ),
            (
                token_ix::mint_to(&t, &mint, &account, &me, &[], 5).unwrap(),
                "0x07",
            ),
            (
                token_ix::mint_to_checked(&t, &mint, &account, &me, &[], 5, 6).unwrap(),
                "0x0e",
            ),
            (
                token_ix::close_account(&t, &account, &me, &me, &[]).unwrap(),
                "0x09",
            ),
        ];
        for (ix, selector) in calls {
            assert_eq!(one(&me, on(ix)), call(&pid, selector), "{selector}");
        }
        let refusals: Vec<(Instruction, &str)> = vec![
            (
                token_ix::set_authority(
                    &t,
                    &mint,
                    Some(&other),
                    token_ix::AuthorityType::MintTokens,
                    &me,
                    &[],
                )
                .unwrap(),
                "SetAuthority",
            ),
            (
                token_ix::burn(&t, &account, &mint, &me, &[], 9).unwrap(),
                "Burn",
            ),
            (
                token_ix::burn_checked(&t, &account, &mint, &me, &[], 9, 6).unwrap(),
                "Burn",
            ),
            (
                token_ix::close_account(&t, &account, &other, &me, &[]).unwrap(),
                "foreign destination",
            ),
            (
                token_ix::initialize_mint(&t, &mint, &me, None, 6).unwrap(),
                "unknown token instruction `0`",
            ),
            (
                token_ix::withdraw_excess_lamports(&t, &account, &other, &me, &[]).unwrap(),
                "unknown token instruction `38`",
            ),
            (
                token_ix::unwrap_lamports(&t, &account, &other, &me, &[], None).unwrap(),
                "unknown token instruction `45`",
            ),
            (
                // A batch can carry any token instruction (a foreign CloseAccount here).
                token_ix::batch(
                    &t,
                    &[token_ix::close_account(&t, &account, &other, &me, &[]).unwrap()],
                )
                .unwrap(),
                "unknown token instruction `255`",
            ),
        ];
        for (ix, words) in refusals {
            assert_refused(&one(&me, on(ix)), &pid, words);
        }
        // Token-2022 extension instructions (e.g. 26 TransferFeeExtension), short or
        // empty data: refused.
        for (data, words) in [
            (vec![26u8, 1, 2, 3], "unknown token instruction `26`"),
            (vec![12u8, 1, 0, 0], "malformed token instruction `12`"),
            (vec![3u8], "malformed token instruction `3`"),
            (vec![], "empty token instruction"),
        ] {
            let ix = Instruction::new_with_bytes(
                program_id,
                &data,
                vec![AccountMeta::new(account, false), AccountMeta::new(me, true)],
            );
            assert_refused(&one(&me, ix), &pid, words);
        }
    }
}

#[test]
fn associated_token_account_creation_is_a_rent_transfer_and_recover_nested_is_refused() {
    use spl_associated_token_account_interface::instruction as ata;
    let me = Pubkey::new_from_array([1u8; 32]);
    let mint = Pubkey::new_from_array([3u8; 32]);
    let other = Pubkey::new_from_array([4u8; 32]);
    let t = spl_token_interface::ID;
    let pid = solana::ASSOCIATED_TOKEN_PROGRAM_ID;
    // An account the wallet pays for and `other` owns: its rent moves to `other`.
    let rent = Intent::Transfer {
        to: other.to_string(),
        amount: Amount::from_u64(2_039_280),
    };
    let create = ata::create_associated_token_account(&me, &other, &mint, &t);
    assert_eq!(create.data, vec![0]);
    assert_eq!(one(&me, create), rent);
    let idempotent = ata::create_associated_token_account_idempotent(&me, &other, &mint, &t);
    assert_eq!(one(&me, idempotent), rent);
    // Token-2022 accounts may be larger: a bound is counted.
    let t22 = ata::create_associated_token_account(&me, &other, &mint, &spl_token_2022_id());
    assert_eq!(
        one(&me, t22),
        Intent::Transfer {
            to: other.to_string(),
            amount: Amount::from_u64(4_454_400),
        }
    );
    // The wallet's own account: the rent stays under its control, a call.
    let own = ata::create_associated_token_account_idempotent(&me, &me, &mint, &t);
    assert_eq!(one(&me, own), call(pid, "0x01"));
    let legacy_create = Instruction {
        data: vec![],
        ..ata::create_associated_token_account(&me, &me, &mint, &t)
    };
    assert!(matches!(
        one(&me, legacy_create),
        Intent::ContractCall { selector: None, .. }
    ));
    assert_refused(
        &one(&me, ata::recover_nested(&me, &mint, &other, &t)),
        pid,
        "RecoverNested",
    );
    let unknown = Instruction {
        data: vec![7],
        ..ata::create_associated_token_account(&me, &other, &mint, &t)
    };
    assert_refused(&one(&me, unknown), pid, "unknown associated token account");
}

#[test]
fn a_token_batch_moves_what_its_inner_instructions_move() {
    // Why an unknown token instruction is refused rather than left to the allow-list:
    // p-token's `Batch` (tag 255) runs a foreign CloseAccount inside it.
    let mut b = Bench::new();
    let account = b.token_account(TokenProgram::Token, &b.me.clone(), 0);
    let rent = b.balance(&account);
    let foreign = Pubkey::new_from_array([96u8; 32]);
    let inner =
        token_ix::close_account(&spl_token_interface::ID, &account, &foreign, &b.me, &[]).unwrap();
    let batch = token_ix::batch(&spl_token_interface::ID, &[inner]).unwrap();
    let (decoded, outcome) = b.run(&[batch]);
    assert_refused(
        &decoded.intents[0],
        spl_token_interface::ID.to_string().as_str(),
        "unknown token instruction `255`",
    );
    outcome.unwrap();
    assert_eq!(
        b.balance(&foreign),
        rent,
        "the batch closed to a foreign account"
    );
}

fn spl_token_2022_id() -> Pubkey {
    Pubkey::from_str_const(solana::TOKEN_2022_PROGRAM_ID)
}
