//! Solana transactions built and signed by waiaas, executed by the real Solana runtime
//! (litesvm, with the SPL Token, Token-2022 and associated-token-account programs it
//! ships), with exact balance checks.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test helpers outside #[test] functions"
)]

use waiaas_test_support::solana_runtime::{execute_wire, set_nonce_account};
use waiaas_test_support::vault as fixtures;

use litesvm::LiteSVM;
use solana_account::Account;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use solana_transaction::Transaction;
use waiaas_chains::VaultSigner;
use waiaas_chains::solana::{
    self, ComputeBudget, Lifetime, SolanaAction, SolanaTxRequest, TokenProgram,
    associated_token_address,
};
use waiaas_core::{ErrorCode, Network, Signer, SolanaAddress, WalletInfo};

const FEE: u64 = 5_000;
const SOL: u64 = 1_000_000_000;

fn pk(a: &SolanaAddress) -> Pubkey {
    Pubkey::new_from_array(*a.as_bytes())
}

fn addr(w: &WalletInfo) -> SolanaAddress {
    SolanaAddress::parse(&w.address).unwrap()
}

fn fresh(seed: u8) -> SolanaAddress {
    // An arbitrary address nobody holds a key for (recipients only).
    SolanaAddress::from_bytes([seed; 32])
}

fn blockhash(svm: &LiteSVM) -> Lifetime {
    Lifetime::RecentBlockhash(svm.latest_blockhash().to_bytes())
}

fn balance(svm: &LiteSVM, a: &SolanaAddress) -> u64 {
    svm.get_balance(&pk(a)).unwrap_or(0)
}

fn send(svm: &mut LiteSVM, tx: &solana::SignedSolanaTx) {
    if let Err(e) = svm.send_transaction(tx.transaction.clone()) {
        panic!("transaction failed: {:?}\n{:#?}", e.err, e.meta.logs);
    }
}

fn request(svm: &LiteSVM, actions: Vec<SolanaAction>) -> SolanaTxRequest {
    SolanaTxRequest {
        actions,
        lifetime: blockhash(svm),
        compute_budget: ComputeBudget::default(),
    }
}

// --- SPL account layouts (spl-token `state.rs`), written by hand so the test does not
// trust the crate under test for the state it checks.

fn mint_data(decimals: u8, supply: u64) -> Vec<u8> {
    let mut d = vec![0u8; 82];
    // mint_authority: COption::Some(some key)
    d[0..4].copy_from_slice(&1u32.to_le_bytes());
    d[4..36].copy_from_slice(&[7u8; 32]);
    d[36..44].copy_from_slice(&supply.to_le_bytes());
    d[44] = decimals;
    d[45] = 1; // is_initialized
    d
}

fn token_account_data(mint: &SolanaAddress, owner: &SolanaAddress, amount: u64) -> Vec<u8> {
    let mut d = vec![0u8; 165];
    d[0..32].copy_from_slice(mint.as_bytes());
    d[32..64].copy_from_slice(owner.as_bytes());
    d[64..72].copy_from_slice(&amount.to_le_bytes());
    d[108] = 1; // AccountState::Initialized
    d
}

fn token_amount(svm: &LiteSVM, account: &SolanaAddress) -> u64 {
    let acc = svm.get_account(&pk(account)).expect("token account exists");
    u64::from_le_bytes(acc.data[64..72].try_into().unwrap())
}

fn delegation(svm: &LiteSVM, account: &SolanaAddress) -> (Option<SolanaAddress>, u64) {
    let d = svm.get_account(&pk(account)).unwrap().data;
    let delegate = (d[72..76] == 1u32.to_le_bytes())
        .then(|| SolanaAddress::from_bytes(d[76..108].try_into().unwrap()));
    (
        delegate,
        u64::from_le_bytes(d[121..129].try_into().unwrap()),
    )
}

fn set_mint(svm: &mut LiteSVM, mint: &SolanaAddress, program: TokenProgram, decimals: u8) {
    let data = mint_data(decimals, 1_000_000_000_000);
    let lamports = svm.minimum_balance_for_rent_exemption(data.len());
    svm.set_account(
        pk(mint),
        Account {
            lamports,
            data,
            owner: pk(&program.id()),
            executable: false,
            rent_epoch: 0,
        },
    )
    .unwrap();
}

fn set_token_account(
    svm: &mut LiteSVM,
    owner: &SolanaAddress,
    mint: &SolanaAddress,
    program: TokenProgram,
    amount: u64,
) -> SolanaAddress {
    let ata = associated_token_address(owner, mint, program);
    let data = token_account_data(mint, owner, amount);
    let lamports = svm.minimum_balance_for_rent_exemption(data.len());
    svm.set_account(
        pk(&ata),
        Account {
            lamports,
            data,
            owner: pk(&program.id()),
            executable: false,
            rent_epoch: 0,
        },
    )
    .unwrap();
    ata
}

#[test]
fn sol_transfer_moves_exact_lamports() {
    let tv = fixtures::vault();
    let wallet = tv
        .vault
        .create_wallet("sol", Network::SolanaDevnet)
        .unwrap();
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let mut svm = LiteSVM::new();
    svm.airdrop(&pk(&addr(&wallet)), 10 * SOL).unwrap();
    let to = fresh(1);

    let tx = solana::sign_transaction(
        &signer,
        &request(
            &svm,
            vec![SolanaAction::Transfer {
                to,
                lamports: 1_234_567_890,
            }],
        ),
    )
    .unwrap();
    send(&mut svm, &tx);

    assert_eq!(balance(&svm, &to), 1_234_567_890);
    assert_eq!(
        balance(&svm, &addr(&wallet)),
        10 * SOL - 1_234_567_890 - FEE
    );
    // The transaction id is the fee payer's signature and it verifies.
    assert_eq!(tx.signature(), tx.transaction.signatures[0].to_string());
    tx.transaction.verify().unwrap();
}

#[test]
fn spl_transfer_creates_the_recipient_account_in_the_same_transaction() {
    for program in [TokenProgram::Token, TokenProgram::Token2022] {
        let tv = fixtures::vault();
        let wallet = tv
            .vault
            .create_wallet("spl", Network::SolanaDevnet)
            .unwrap();
        let signer = VaultSigner::new(&tv.vault, &wallet);
        let me = addr(&wallet);
        let mut svm = LiteSVM::new();
        svm.airdrop(&pk(&me), 10 * SOL).unwrap();
        let mint = fresh(2);
        let recipient = fresh(3);
        set_mint(&mut svm, &mint, program, 6);
        let source = set_token_account(&mut svm, &me, &mint, program, 5_000_000);
        let dest = associated_token_address(&recipient, &mint, program);
        assert!(
            svm.get_account(&pk(&dest)).is_none(),
            "recipient starts without an account"
        );

        let transfer = SolanaAction::TokenTransfer {
            mint,
            to_owner: recipient,
            amount: 1_250_000,
            decimals: 6,
            program,
            create_recipient_account: true,
            from_owner: None,
        };
        let sol_before = balance(&svm, &me);
        let tx = solana::sign_transaction(&signer, &request(&svm, vec![transfer.clone()])).unwrap();
        send(&mut svm, &tx);

        assert_eq!(token_amount(&svm, &source), 3_750_000, "{program:?}");
        assert_eq!(token_amount(&svm, &dest), 1_250_000, "{program:?}");
        let dest_account = svm.get_account(&pk(&dest)).unwrap();
        assert_eq!(dest_account.owner, pk(&program.id()));
        assert_eq!(
            &dest_account.data[32..64],
            recipient.as_bytes(),
            "owned by the recipient"
        );
        // The wallet paid the fee and the new account's rent, nothing else.
        assert_eq!(sol_before - balance(&svm, &me), FEE + dest_account.lamports);

        // Idempotent: a second transfer with creation requested succeeds too.
        svm.expire_blockhash();
        let tx = solana::sign_transaction(&signer, &request(&svm, vec![transfer])).unwrap();
        send(&mut svm, &tx);
        assert_eq!(token_amount(&svm, &dest), 2_500_000, "{program:?}");
        assert_eq!(token_amount(&svm, &source), 2_500_000, "{program:?}");
    }
}

#[test]
fn approve_then_the_delegate_transfers() {
    let tv = fixtures::vault();
    let owner = tv
        .vault
        .create_wallet("owner", Network::SolanaDevnet)
        .unwrap();
    let delegate = tv
        .vault
        .create_wallet("delegate", Network::SolanaDevnet)
        .unwrap();
    let (owner_addr, delegate_addr) = (addr(&owner), addr(&delegate));
    let mut svm = LiteSVM::new();
    svm.airdrop(&pk(&owner_addr), SOL).unwrap();
    svm.airdrop(&pk(&delegate_addr), SOL).unwrap();
    let mint = fresh(4);
    let program = TokenProgram::Token;
    set_mint(&mut svm, &mint, program, 9);
    let source = set_token_account(&mut svm, &owner_addr, &mint, program, 1_000);

    let approve = SolanaAction::Approve {
        mint,
        delegate: delegate_addr,
        amount: 300,
        decimals: Some(9),
        program,
    };
    let tx = solana::sign_transaction(
        &VaultSigner::new(&tv.vault, &owner),
        &request(&svm, vec![approve]),
    )
    .unwrap();
    send(&mut svm, &tx);
    assert_eq!(delegation(&svm, &source), (Some(delegate_addr), 300));

    let recipient = fresh(5);
    let spend = SolanaAction::TokenTransfer {
        mint,
        to_owner: recipient,
        amount: 200,
        decimals: 9,
        program,
        create_recipient_account: true,
        from_owner: Some(owner_addr),
    };
    let tx = solana::sign_transaction(
        &VaultSigner::new(&tv.vault, &delegate),
        &request(&svm, vec![spend]),
    )
    .unwrap();
    send(&mut svm, &tx);
    assert_eq!(token_amount(&svm, &source), 800);
    assert_eq!(delegation(&svm, &source), (Some(delegate_addr), 100));
    assert_eq!(
        token_amount(&svm, &associated_token_address(&recipient, &mint, program)),
        200
    );

    // Beyond the remaining allowance, the token program refuses.
    svm.expire_blockhash();
    let too_much = SolanaAction::TokenTransfer {
        mint,
        to_owner: recipient,
        amount: 101,
        decimals: 9,
        program,
        create_recipient_account: false,
        from_owner: Some(owner_addr),
    };
    let tx = solana::sign_transaction(
        &VaultSigner::new(&tv.vault, &delegate),
        &request(&svm, vec![too_much]),
    )
    .unwrap();
    assert!(svm.send_transaction(tx.transaction.clone()).is_err());
    assert_eq!(token_amount(&svm, &source), 800);
}

#[test]
fn a_batch_with_compute_budget_executes_atomically() {
    let tv = fixtures::vault();
    let wallet = tv
        .vault
        .create_wallet("batch", Network::SolanaDevnet)
        .unwrap();
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let me = addr(&wallet);
    let mut svm = LiteSVM::new();
    svm.airdrop(&pk(&me), 10 * SOL).unwrap();
    let mint = fresh(6);
    let program = TokenProgram::Token2022;
    set_mint(&mut svm, &mint, program, 2);
    let source = set_token_account(&mut svm, &me, &mint, program, 10_000);
    let (a, b, c) = (fresh(7), fresh(8), fresh(9));
    let token_recipient = associated_token_address(&c, &mint, program);
    set_token_account(&mut svm, &c, &mint, program, 0);

    let req = SolanaTxRequest {
        actions: vec![
            SolanaAction::Transfer {
                to: a,
                lamports: SOL,
            },
            SolanaAction::Transfer {
                to: b,
                lamports: 2 * SOL,
            },
            SolanaAction::TokenTransfer {
                mint,
                to_owner: c,
                amount: 4_321,
                decimals: 2,
                program,
                create_recipient_account: false,
                from_owner: None,
            },
            SolanaAction::Transfer {
                to: c,
                lamports: 3 * SOL,
            },
        ],
        lifetime: blockhash(&svm),
        compute_budget: ComputeBudget {
            unit_limit: Some(200_000),
            unit_price_micro_lamports: Some(10_000),
        },
    };
    let tx = solana::sign_transaction(&signer, &req).unwrap();
    send(&mut svm, &tx);
    // Priority fee = ceil(10 000 µ-lamports × 200 000 CU / 10⁶) = 2 000 lamports.
    let priority = 2_000;
    assert_eq!(balance(&svm, &a), SOL);
    assert_eq!(balance(&svm, &b), 2 * SOL);
    assert_eq!(balance(&svm, &c), 3 * SOL);
    assert_eq!(token_amount(&svm, &token_recipient), 4_321);
    assert_eq!(token_amount(&svm, &source), 10_000 - 4_321);
    assert_eq!(balance(&svm, &me), 10 * SOL - 6 * SOL - FEE - priority);

    // The decoder sees the same fee bound the runtime charged.
    let decoded = solana::decode_transaction(&tx.to_base64()).unwrap();
    assert_eq!(decoded.max_fee.to_u64(), Some(FEE + priority));

    // A failing part reverts the whole batch.
    svm.expire_blockhash();
    let before = balance(&svm, &me);
    let req = request(
        &svm,
        vec![
            SolanaAction::Transfer {
                to: a,
                lamports: SOL,
            },
            SolanaAction::TokenTransfer {
                mint,
                to_owner: c,
                amount: 1_000_000,
                decimals: 2,
                program,
                create_recipient_account: false,
                from_owner: None,
            },
        ],
    );
    let tx = solana::sign_transaction(&signer, &req).unwrap();
    assert!(svm.send_transaction(tx.transaction.clone()).is_err());
    assert_eq!(balance(&svm, &a), SOL, "the SOL part was rolled back");
    assert_eq!(before - balance(&svm, &me), FEE, "only the fee was charged");
}

#[test]
fn batch_size_is_bounded() {
    let tv = fixtures::vault();
    let wallet = tv
        .vault
        .create_wallet("bounds", Network::SolanaDevnet)
        .unwrap();
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let svm = LiteSVM::new();
    let one = SolanaAction::Transfer {
        to: fresh(1),
        lamports: 1,
    };
    let err = solana::sign_transaction(&signer, &request(&svm, vec![])).unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    let err = solana::sign_transaction(&signer, &request(&svm, vec![one.clone(); 21])).unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    assert_eq!(
        err.to_string(),
        "invalid `actions`: a transaction holds 1 to 20 actions, not 21"
    );
    // Instruction data past the 1 232-byte packet limit is refused before it leaves.
    let big = SolanaAction::Instruction {
        program_id: fresh(99),
        accounts: vec![],
        data: vec![0u8; 1_200],
    };
    let err = solana::sign_transaction(&signer, &request(&svm, vec![big])).unwrap_err();
    assert_eq!(err.code(), "INVALID_TRANSACTION");
    // 20 transfers to distinct recipients fit.
    let many: Vec<_> = (0..20u8)
        .map(|i| SolanaAction::Transfer {
            to: fresh(100 + i),
            lamports: 1,
        })
        .collect();
    solana::sign_transaction(&signer, &request(&svm, many)).unwrap();
    // 20 transfers to one recipient fit.
    solana::sign_transaction(&signer, &request(&svm, vec![one; 20])).unwrap();
}

#[test]
fn a_transaction_signed_for_the_wrong_fee_payer_is_rejected_by_the_runtime() {
    let tv = fixtures::vault();
    let alice = tv
        .vault
        .create_wallet("alice", Network::SolanaDevnet)
        .unwrap();
    let bob = tv
        .vault
        .create_wallet("bob", Network::SolanaDevnet)
        .unwrap();
    let mut svm = LiteSVM::new();
    svm.airdrop(&pk(&addr(&alice)), SOL).unwrap();
    svm.airdrop(&pk(&addr(&bob)), SOL).unwrap();
    let to = fresh(10);

    // Bob's message (Bob pays), signed with Alice's key.
    let message = solana::build_message(
        &addr(&bob),
        &request(
            &svm,
            vec![SolanaAction::Transfer {
                to,
                lamports: 1_000_000,
            }],
        ),
    )
    .unwrap();
    // waiaas itself refuses to sign it ...
    let err =
        solana::sign_message_tx(&VaultSigner::new(&tv.vault, &alice), message.clone()).unwrap_err();
    assert_eq!(err.code(), "UNSUPPORTED_TRANSACTION");
    // ... and when the signature is forced on it, the runtime rejects it.
    let sig = VaultSigner::new(&tv.vault, &alice)
        .sign_ed25519(&message.serialize())
        .unwrap();
    let forged = Transaction {
        signatures: vec![Signature::from(sig)],
        message,
    };
    let err = svm.send_transaction(forged).unwrap_err();
    assert!(
        format!("{:?}", err.err).contains("SignatureFailure"),
        "unexpected error {:?}",
        err.err
    );
    assert_eq!(balance(&svm, &to), 0);
    assert_eq!(balance(&svm, &addr(&alice)), SOL);
    assert_eq!(balance(&svm, &addr(&bob)), SOL);
}

#[test]
fn durable_nonce_transaction_executes_and_advances_the_nonce() {
    let tv = fixtures::vault();
    let wallet = tv
        .vault
        .create_wallet("nonce", Network::SolanaDevnet)
        .unwrap();
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let me = addr(&wallet);
    let mut svm = LiteSVM::new();
    svm.airdrop(&pk(&me), 2 * SOL).unwrap();
    // A nonce account (system program state `Versions::Current(Initialized)`, bincode)
    // whose authority is the wallet and whose stored nonce is some past value.
    let nonce_account = fresh(11);
    let stored_nonce = [42u8; 32];
    set_nonce_account(&mut svm, pk(&nonce_account), pk(&me), stored_nonce);

    let to = fresh(12);
    let req = SolanaTxRequest {
        actions: vec![SolanaAction::Transfer {
            to,
            lamports: 7_777_777,
        }],
        lifetime: Lifetime::DurableNonce {
            account: nonce_account,
            authority: me,
            nonce: stored_nonce,
        },
        compute_budget: ComputeBudget::default(),
    };
    let tx = solana::sign_transaction(&signer, &req).unwrap();
    send(&mut svm, &tx);
    assert_eq!(balance(&svm, &to), 7_777_777);
    let after = svm.get_account(&pk(&nonce_account)).unwrap().data;
    assert_ne!(&after[40..72], &stored_nonce, "the nonce advanced");

    // Replaying the same transaction fails: the nonce it names is spent.
    svm.expire_blockhash();
    assert!(svm.send_transaction(tx.transaction.clone()).is_err());
    assert_eq!(balance(&svm, &to), 7_777_777);

    // The decoder sees the nonce advance as no intent and the transfer as one.
    let decoded = solana::decode_transaction(&tx.to_base64()).unwrap();
    assert_eq!(decoded.intents.len(), 1);
}

#[test]
fn a_suspended_wallet_cannot_sign() {
    let tv = fixtures::vault();
    let wallet = tv
        .vault
        .create_wallet("susp", Network::SolanaDevnet)
        .unwrap();
    tv.vault
        .store()
        .set_wallet_status(
            wallet.id,
            waiaas_core::store::WalletStatus::Suspended,
            0,
            &waiaas_core::audit::AuditEntry::new(
                0,
                &waiaas_core::audit::Actor::Operator,
                "WALLET_SUSPENDED",
            ),
        )
        .unwrap();
    let signer = VaultSigner::new(&tv.vault, &wallet);
    let svm = LiteSVM::new();
    let err = solana::sign_transaction(
        &signer,
        &request(
            &svm,
            vec![SolanaAction::Transfer {
                to: fresh(1),
                lamports: 1,
            }],
        ),
    )
    .unwrap_err();
    assert_eq!(err.code(), "WALLET_SUSPENDED");
}

#[test]
fn sign_only_raw_transactions_legacy_v0_and_co_signed_execute() {
    use solana::PreparedTransaction;
    let tv = fixtures::vault();
    let alice = tv
        .vault
        .create_wallet("alice", Network::SolanaDevnet)
        .unwrap();
    let bob = tv
        .vault
        .create_wallet("bob", Network::SolanaDevnet)
        .unwrap();
    let (a, b) = (addr(&alice), addr(&bob));
    let mut svm = LiteSVM::new();
    svm.airdrop(&pk(&a), 10 * SOL).unwrap();
    svm.airdrop(&pk(&b), 10 * SOL).unwrap();
    let to = fresh(20);
    svm.airdrop(&pk(&to), SOL).unwrap(); // rent-exempt already, so small transfers land

    // (1) A legacy unsigned transaction from a dApp: one zeroed signature slot.
    let message = solana::build_message(
        &a,
        &request(&svm, vec![SolanaAction::Transfer { to, lamports: 111 }]),
    )
    .unwrap();
    let mut wire = vec![1u8];
    wire.extend_from_slice(&[0u8; 64]);
    wire.extend_from_slice(&message.serialize());
    let prepared = PreparedTransaction::from_bytes(wire).unwrap();
    assert_eq!(
        prepared.decoded().intents,
        vec![waiaas_chains::Intent::Transfer {
            to: to.to_string(),
            amount: waiaas_core::Amount::from_u64(111)
        }]
    );
    // Only a required signer can sign it.
    let err = solana::sign_prepared(&VaultSigner::new(&tv.vault, &bob), &prepared).unwrap_err();
    assert_eq!(err.code(), "UNSUPPORTED_TRANSACTION");
    let signed = solana::sign_prepared(&VaultSigner::new(&tv.vault, &alice), &prepared).unwrap();
    // The same bytes decode to the same intents once signed.
    assert_eq!(
        solana::decode_transaction(&signed.to_base64()).unwrap(),
        *prepared.decoded()
    );
    execute_wire(&mut svm, &signed.bytes).unwrap();
    assert_eq!(balance(&svm, &to), SOL + 111);

    // (2) A v0 message (no lookup tables).
    let ixs = solana::instructions(
        &a,
        &request(&svm, vec![SolanaAction::Transfer { to, lamports: 222 }]),
    )
    .unwrap();
    let v0 = solana_message::v0::Message::try_compile(&pk(&a), &ixs, &[], svm.latest_blockhash())
        .unwrap();
    let mut wire = vec![1u8];
    wire.extend_from_slice(&[0u8; 64]);
    wire.extend_from_slice(&v0.serialize());
    let prepared = PreparedTransaction::from_base64(&base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        &wire,
    ))
    .unwrap();
    let signed = solana::sign_prepared(&VaultSigner::new(&tv.vault, &alice), &prepared).unwrap();
    execute_wire(&mut svm, &signed.bytes).unwrap();
    assert_eq!(balance(&svm, &to), SOL + 333);

    // (3) Two required signers (Alice pays, Bob also transfers): each fills its own slot.
    let ixs = vec![
        solana_system_interface::instruction::transfer(&pk(&a), &pk(&to), 1_000),
        solana_system_interface::instruction::transfer(&pk(&b), &pk(&to), 2_000),
    ];
    let message =
        solana_message::Message::new_with_blockhash(&ixs, Some(&pk(&a)), &svm.latest_blockhash());
    let mut wire = vec![2u8];
    wire.extend_from_slice(&[0u8; 128]);
    wire.extend_from_slice(&message.serialize());
    let prepared = PreparedTransaction::from_bytes(wire).unwrap();
    assert_eq!(prepared.required_signers(), &[a, b]);
    let half = solana::sign_prepared(&VaultSigner::new(&tv.vault, &bob), &prepared).unwrap();
    // With only Bob's signature the runtime refuses it.
    assert!(execute_wire(&mut svm, &half.bytes).is_err());
    let prepared = PreparedTransaction::from_bytes(half.bytes).unwrap();
    let full = solana::sign_prepared(&VaultSigner::new(&tv.vault, &alice), &prepared).unwrap();
    execute_wire(&mut svm, &full.bytes).unwrap();
    assert_eq!(balance(&svm, &to), SOL + 3_333);
    assert_eq!(balance(&svm, &b), 10 * SOL - 2_000);
    assert_eq!(
        balance(&svm, &a),
        10 * SOL - 111 - 222 - 1_000 - 3 * FEE - FEE
    );
}
