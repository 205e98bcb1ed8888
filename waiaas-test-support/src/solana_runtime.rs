//! A litesvm Solana runtime fed what waiaas signs: transactions cross as base64 or
//! wire bytes (never as waiaas types), and account states are written by hand so a test
//! does not trust the crate under test for the state it checks.

use base64::Engine as _;
use litesvm::LiteSVM;
use solana_account::Account;
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_pubkey::Pubkey;

/// Lamports in one SOL.
pub const SOL: u64 = 1_000_000_000;

/// Standard base64, as waiaas writes Solana transactions.
pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Executes a signed legacy transaction given as base64; the runtime's error as text
/// when it refuses it.
///
/// # Panics
/// When the text is not a base64 legacy transaction.
pub fn execute_base64(svm: &mut LiteSVM, signed_base64: &str) -> Result<(), String> {
    let bytes = B64.decode(signed_base64).unwrap();
    let tx: solana_transaction::Transaction = wincode::deserialize(&bytes).unwrap();
    svm.send_transaction(tx)
        .map(|_| ())
        .map_err(|e| format!("{:?}", e.err))
}

/// Executes a signed transaction (legacy or v0) given as wire bytes.
///
/// # Panics
/// When the bytes are not a transaction.
pub fn execute_wire(svm: &mut LiteSVM, bytes: &[u8]) -> Result<(), String> {
    let tx: solana_transaction::versioned::VersionedTransaction =
        wincode::deserialize(bytes).unwrap();
    svm.send_transaction(tx)
        .map(|_| ())
        .map_err(|e| format!("{:?}", e.err))
}

/// An unsigned legacy transaction of `ixs` paid by `payer` against `blockhash`, base64,
/// as an agent hands it over.
///
/// # Panics
/// When the transaction cannot be serialized.
#[must_use]
pub fn unsigned_base64(payer: &Pubkey, ixs: &[Instruction], blockhash: &Hash) -> String {
    let message = solana_message::Message::new_with_blockhash(ixs, Some(payer), blockhash);
    B64.encode(wincode::serialize(&solana_transaction::Transaction::new_unsigned(message)).unwrap())
}

/// An unsigned durable-nonce transfer of `lamports` from `payer` to `to`:
/// `AdvanceNonceAccount` (by `authority`) first, the stored `nonce` in place of the
/// blockhash. Base64.
#[must_use]
pub fn durable_transfer(
    payer: Pubkey,
    nonce_account: Pubkey,
    authority: Pubkey,
    nonce: [u8; 32],
    to: Pubkey,
    lamports: u64,
) -> String {
    let ixs = [
        solana_system_interface::instruction::advance_nonce_account(&nonce_account, &authority),
        solana_system_interface::instruction::transfer(&payer, &to, lamports),
    ];
    unsigned_base64(&payer, &ixs, &Hash::new_from_array(nonce))
}

/// The data of an initialized nonce account (system program state
/// `Versions::Current(Initialized)`, bincode, written by hand) whose authority is
/// `authority`, whose stored nonce is `nonce` and whose fee is 5 000 lamports a
/// signature.
#[must_use]
pub fn nonce_account_data(authority: &Pubkey, nonce: [u8; 32]) -> Vec<u8> {
    let mut data = vec![0u8; 80];
    data[0..4].copy_from_slice(&1u32.to_le_bytes());
    data[4..8].copy_from_slice(&1u32.to_le_bytes());
    data[8..40].copy_from_slice(authority.as_ref());
    data[40..72].copy_from_slice(&nonce);
    data[72..80].copy_from_slice(&5_000u64.to_le_bytes());
    data
}

/// Writes a rent-exempt nonce account at `account` with
/// [`nonce_account_data`]`(authority, nonce)`, owned by the system program.
///
/// # Panics
/// When litesvm refuses the account.
pub fn set_nonce_account(svm: &mut LiteSVM, account: Pubkey, authority: Pubkey, nonce: [u8; 32]) {
    let data = nonce_account_data(&authority, nonce);
    let lamports = svm.minimum_balance_for_rent_exemption(80);
    svm.set_account(
        account,
        Account {
            lamports,
            data,
            owner: Pubkey::default(),
            executable: false,
            rent_epoch: 0,
        },
    )
    .unwrap();
}
