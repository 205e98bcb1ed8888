//! Solana: transaction builders, signing and the sign-only decoder.
//!
//! Built on the split `solana-*` crates and the SPL interface crates (no `solana-sdk`).
//! Every transaction built here ([`sign_transaction`]) is a legacy message whose fee
//! payer is the wallet and whose only required signature is the wallet's; its lifetime
//! is a recent blockhash or a durable nonce, supplied by the caller or a
//! [`crate::client::SolanaChainClient`] ([`Lifetime::recent_from`]).
//!
//! **Sign-only**: a raw transaction from elsewhere (legacy or v0 without lookup tables,
//! possibly co-signed) is decoded once into a [`PreparedTransaction`] — its intents go to
//! the policy engine — and [`sign_prepared`] then signs exactly those bytes.
//!
//! Token accounts: SPL intents name the destination *token account*; to match it with
//! a recipient wallet, derive [`associated_token_address`] for that wallet.
//!
//! **Message signing** ([`sign_message`]) signs the Solana off-chain message envelope
//! ([`offchain_message_bytes`]: `\xffsolana offchain`, a version-0 header naming the
//! wallet, then the text), never raw bytes: a transaction signature is a signature over
//! the raw message bytes, and the envelope's first byte can never start a transaction
//! message. Input that could be read as a transaction (any version, lookup tables,
//! trailing bytes, with or without signatures) is refused outright: a transaction must
//! go through the transaction path and its policy checks.

pub mod decode;

use solana_hash::Hash;
use solana_instruction::{AccountMeta, Instruction};
use solana_message::Message;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use solana_transaction::Transaction;
use waiaas_core::{Chain, Signer, SolanaAddress, ValidationError};

use crate::error::ChainError;

pub use decode::{PreparedTransaction, decode_transaction};

/// Most actions in one transaction (a batch is 2..=20).
pub const MAX_ACTIONS: usize = 20;
/// Largest serialized transaction the network accepts (IPv6 MTU minus headers).
pub const MAX_TRANSACTION_BYTES: usize = 1232;
/// The SPL Token program.
pub const TOKEN_PROGRAM_ID: &str = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
/// The SPL Token-2022 program.
pub const TOKEN_2022_PROGRAM_ID: &str = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";
/// The associated token account program.
pub const ASSOCIATED_TOKEN_PROGRAM_ID: &str = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL";
/// The system program.
pub const SYSTEM_PROGRAM_ID: &str = "11111111111111111111111111111111";
/// The compute budget program.
pub const COMPUTE_BUDGET_PROGRAM_ID: &str = "ComputeBudget111111111111111111111111111111";

/// Which SPL token program owns a mint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProgram {
    /// SPL Token.
    Token,
    /// SPL Token-2022.
    Token2022,
}

impl TokenProgram {
    /// The program id.
    #[must_use]
    pub fn id(self) -> SolanaAddress {
        match self {
            Self::Token => SolanaAddress::from_bytes(spl_token_interface::ID.to_bytes()),
            Self::Token2022 => SolanaAddress::from_bytes(TOKEN_2022_ID.to_bytes()),
        }
    }
}

const TOKEN_2022_ID: Pubkey = solana_pubkey::pubkey!("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");

/// One account of an arbitrary instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountSpec {
    /// The account.
    pub address: SolanaAddress,
    /// Must sign (only the wallet can: any other signer is refused at build time).
    pub is_signer: bool,
    /// Is written.
    pub is_writable: bool,
}

/// What one part of a transaction does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SolanaAction {
    /// System transfer of `lamports` from the wallet to `to`.
    Transfer {
        /// Recipient.
        to: SolanaAddress,
        /// Lamports.
        lamports: u64,
    },
    /// SPL `TransferChecked` from the associated token account of `from_owner` (the
    /// wallet unless it is a delegate) to the associated token account of `to_owner`.
    TokenTransfer {
        /// The mint.
        mint: SolanaAddress,
        /// Recipient wallet (owner of the destination associated token account).
        to_owner: SolanaAddress,
        /// Amount in base units.
        amount: u64,
        /// The mint's decimals (checked on chain).
        decimals: u8,
        /// Token or Token-2022.
        program: TokenProgram,
        /// Prepend an idempotent `CreateIdempotent` for the recipient's account.
        create_recipient_account: bool,
        /// Owner of the source account when the wallet spends as a delegate.
        from_owner: Option<SolanaAddress>,
    },
    /// SPL `ApproveChecked` (with decimals) or `Approve` (without) on the wallet's
    /// associated token account for `mint`.
    Approve {
        /// The mint.
        mint: SolanaAddress,
        /// The delegate.
        delegate: SolanaAddress,
        /// Maximum amount in base units.
        amount: u64,
        /// `Some` → `ApproveChecked`; `None` → `Approve`.
        decimals: Option<u8>,
        /// Token or Token-2022.
        program: TokenProgram,
    },
    /// Any instruction.
    Instruction {
        /// Program id.
        program_id: SolanaAddress,
        /// Accounts in order.
        accounts: Vec<AccountSpec>,
        /// Instruction data.
        data: Vec<u8>,
    },
}

/// How long the transaction stays valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// A recent blockhash (valid ~60–90 s).
    RecentBlockhash([u8; 32]),
    /// A durable nonce: `AdvanceNonceAccount` becomes the first instruction and the
    /// stored nonce value replaces the blockhash.
    DurableNonce {
        /// The nonce account.
        account: SolanaAddress,
        /// Its authority (must be the wallet: only the wallet signs).
        authority: SolanaAddress,
        /// The nonce value currently stored in the account.
        nonce: [u8; 32],
    },
}

impl Lifetime {
    /// A recent blockhash fetched from a node.
    ///
    /// # Errors
    /// The client's errors (`CHAIN_ERROR`).
    pub fn recent_from(client: &dyn crate::client::SolanaChainClient) -> Result<Self, ChainError> {
        Ok(Self::RecentBlockhash(client.latest_blockhash()?))
    }
}

/// Optional compute-budget instructions (prepended).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ComputeBudget {
    /// `SetComputeUnitLimit`.
    pub unit_limit: Option<u32>,
    /// `SetComputeUnitPrice` in micro-lamports per compute unit.
    pub unit_price_micro_lamports: Option<u64>,
}

/// A transaction to build: 1..=20 actions, a lifetime and an optional compute budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SolanaTxRequest {
    /// What to do, in order.
    pub actions: Vec<SolanaAction>,
    /// Blockhash or durable nonce.
    pub lifetime: Lifetime,
    /// Compute-budget instructions.
    pub compute_budget: ComputeBudget,
}

fn pk(a: &SolanaAddress) -> Pubkey {
    Pubkey::new_from_array(*a.as_bytes())
}

/// The associated token account of `owner` for `mint` under `program`.
#[must_use]
pub fn associated_token_address(
    owner: &SolanaAddress,
    mint: &SolanaAddress,
    program: TokenProgram,
) -> SolanaAddress {
    let ata = spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
        &pk(owner),
        &pk(mint),
        &pk(&program.id()),
    );
    SolanaAddress::from_bytes(ata.to_bytes())
}

fn spl_error(_: impl std::fmt::Debug) -> ChainError {
    ChainError::unsupported("the token program refused to build the instruction")
}

/// The SPL interface crate builds instructions for the Token program id only.
/// `TransferChecked`, `Approve` and `ApproveChecked` have the same encoding and account
/// order in Token-2022 (it extends the Token instruction set), so the instruction is
/// built for Token and retargeted.
fn for_program(mut ix: Instruction, program: TokenProgram) -> Instruction {
    ix.program_id = pk(&program.id());
    ix
}

fn push_action(
    wallet: &SolanaAddress,
    action: &SolanaAction,
    out: &mut Vec<Instruction>,
) -> Result<(), ChainError> {
    let wallet_pk = pk(wallet);
    match action {
        SolanaAction::Transfer { to, lamports } => {
            out.push(solana_system_interface::instruction::transfer(
                &wallet_pk,
                &pk(to),
                *lamports,
            ));
        }
        SolanaAction::TokenTransfer {
            mint,
            to_owner,
            amount,
            decimals,
            program,
            create_recipient_account,
            from_owner,
        } => {
            let program_pk = pk(&program.id());
            let token_pk = spl_token_interface::ID;
            if *create_recipient_account {
                out.push(
                    spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
                        &wallet_pk,
                        &pk(to_owner),
                        &pk(mint),
                        &program_pk,
                    ),
                );
            }
            let source =
                associated_token_address(from_owner.as_ref().unwrap_or(wallet), mint, *program);
            let destination = associated_token_address(to_owner, mint, *program);
            let ix = spl_token_interface::instruction::transfer_checked(
                &token_pk,
                &pk(&source),
                &pk(mint),
                &pk(&destination),
                &wallet_pk,
                &[],
                *amount,
                *decimals,
            )
            .map_err(spl_error)?;
            out.push(for_program(ix, *program));
        }
        SolanaAction::Approve {
            mint,
            delegate,
            amount,
            decimals,
            program,
        } => {
            let token_pk = spl_token_interface::ID;
            let source = pk(&associated_token_address(wallet, mint, *program));
            let ix = match decimals {
                Some(d) => spl_token_interface::instruction::approve_checked(
                    &token_pk,
                    &source,
                    &pk(mint),
                    &pk(delegate),
                    &wallet_pk,
                    &[],
                    *amount,
                    *d,
                ),
                None => spl_token_interface::instruction::approve(
                    &token_pk,
                    &source,
                    &pk(delegate),
                    &wallet_pk,
                    &[],
                    *amount,
                ),
            }
            .map_err(spl_error)?;
            out.push(for_program(ix, *program));
        }
        SolanaAction::Instruction {
            program_id,
            accounts,
            data,
        } => {
            if let Some(other) = accounts
                .iter()
                .find(|a| a.is_signer && a.address != *wallet)
            {
                return Err(ChainError::unsupported(format!(
                    "account `{}` is marked as a signer; only the wallet can sign",
                    other.address
                )));
            }
            out.push(Instruction {
                program_id: pk(program_id),
                accounts: accounts
                    .iter()
                    .map(|a| AccountMeta {
                        pubkey: pk(&a.address),
                        is_signer: a.is_signer,
                        is_writable: a.is_writable,
                    })
                    .collect(),
                data: data.clone(),
            });
        }
    }
    Ok(())
}

/// The instructions of `request` for `wallet`, compute budget first, nonce advance
/// first of all.
///
/// # Errors
/// `VALIDATION_FAILED` for 0 or more than 20 actions; `UNSUPPORTED_TRANSACTION` when an
/// instruction needs another signer or the nonce authority is not the wallet.
pub fn instructions(
    wallet: &SolanaAddress,
    request: &SolanaTxRequest,
) -> Result<Vec<Instruction>, ChainError> {
    if request.actions.is_empty() || request.actions.len() > MAX_ACTIONS {
        return Err(ValidationError::field(
            "actions",
            format!(
                "a transaction holds 1 to {MAX_ACTIONS} actions, not {}",
                request.actions.len()
            ),
        )
        .into());
    }
    let mut out = Vec::new();
    if let Lifetime::DurableNonce {
        account, authority, ..
    } = &request.lifetime
    {
        if authority != wallet {
            return Err(ChainError::unsupported(
                "the durable nonce authority must be the wallet",
            ));
        }
        out.push(solana_system_interface::instruction::advance_nonce_account(
            &pk(account),
            &pk(authority),
        ));
    }
    if let Some(limit) = request.compute_budget.unit_limit {
        out.push(
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
                limit,
            ),
        );
    }
    if let Some(price) = request.compute_budget.unit_price_micro_lamports {
        out.push(
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(
                price,
            ),
        );
    }
    for action in &request.actions {
        push_action(wallet, action, &mut out)?;
    }
    Ok(out)
}

/// The unsigned legacy message of `request`, fee payer `wallet`.
///
/// # Errors
/// As [`instructions`].
pub fn build_message(
    wallet: &SolanaAddress,
    request: &SolanaTxRequest,
) -> Result<Message, ChainError> {
    let ixs = instructions(wallet, request)?;
    let hash = match request.lifetime {
        Lifetime::RecentBlockhash(h) => h,
        Lifetime::DurableNonce { nonce, .. } => nonce,
    };
    Ok(Message::new_with_blockhash(
        &ixs,
        Some(&pk(wallet)),
        &Hash::new_from_array(hash),
    ))
}

/// A signed Solana transaction ready to broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedSolanaTx {
    /// The transaction.
    pub transaction: Transaction,
    /// Its wire bytes.
    pub bytes: Vec<u8>,
}

impl SignedSolanaTx {
    /// The wire bytes as base64 (what `sendTransaction` takes).
    #[must_use]
    pub fn to_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&self.bytes)
    }

    /// The transaction id: the fee payer's signature, base58.
    #[must_use]
    pub fn signature(&self) -> String {
        self.transaction
            .signatures
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

fn signer_address(signer: &dyn Signer) -> Result<SolanaAddress, ChainError> {
    if signer.chain() != Chain::Solana {
        return Err(ValidationError::field("signer", "not a Solana signer").into());
    }
    Ok(SolanaAddress::parse(signer.address())?)
}

/// Signs `message` with `signer`, which must be the fee payer and the only required
/// signer.
///
/// # Errors
/// `UNSUPPORTED_TRANSACTION` when the message needs other signatures or its fee payer
/// is not the signer; `INVALID_TRANSACTION` when it would exceed 1 232 bytes (checked
/// before signing); vault errors.
pub fn sign_message_tx(
    signer: &dyn Signer,
    message: Message,
) -> Result<SignedSolanaTx, ChainError> {
    let wallet = signer_address(signer)?;
    if message.header.num_required_signatures != 1 {
        return Err(ChainError::unsupported(format!(
            "the message needs {} signatures; waiaas signs only as the single fee payer",
            message.header.num_required_signatures
        )));
    }
    if message.account_keys.first() != Some(&pk(&wallet)) {
        return Err(ChainError::unsupported("the fee payer is not the wallet"));
    }
    let message_bytes = message.serialize();
    // Wire format: short_vec signature count (1 → one byte), the signature, the message.
    let size = message_bytes.len().saturating_add(65);
    if size > MAX_TRANSACTION_BYTES {
        return Err(ChainError::invalid_tx(format!(
            "the transaction is {size} bytes; the limit is {MAX_TRANSACTION_BYTES}"
        )));
    }
    let signature = signer.sign_ed25519(&message_bytes)?;
    let mut bytes = Vec::with_capacity(size);
    bytes.push(1u8);
    bytes.extend_from_slice(&signature);
    bytes.extend_from_slice(&message_bytes);
    let transaction = Transaction {
        signatures: vec![Signature::from(signature)],
        message,
    };
    Ok(SignedSolanaTx { transaction, bytes })
}

/// Builds and signs `request` with `signer` as fee payer.
///
/// # Errors
/// As [`build_message`] and [`sign_message_tx`].
pub fn sign_transaction(
    signer: &dyn Signer,
    request: &SolanaTxRequest,
) -> Result<SignedSolanaTx, ChainError> {
    let wallet = signer_address(signer)?;
    let message = build_message(&wallet, request)?;
    sign_message_tx(signer, message)
}

/// A raw transaction signed by the wallet (sign-only path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRawTransaction {
    /// The wire bytes with the wallet's signature in its slot.
    pub bytes: Vec<u8>,
    /// The wallet's signature.
    pub signature: [u8; 64],
}

impl SignedRawTransaction {
    /// The wire bytes as base64.
    #[must_use]
    pub fn to_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&self.bytes)
    }
}

/// Signs a prepared raw transaction (sign-only): the wallet must be one of its required
/// signers; its signature goes into its slot and every other slot is kept as given
/// (other parties' signatures are not checked here: the network does).
///
/// # Errors
/// `UNSUPPORTED_TRANSACTION` when the wallet is not a required signer; vault errors.
pub fn sign_prepared(
    signer: &dyn Signer,
    prepared: &PreparedTransaction,
) -> Result<SignedRawTransaction, ChainError> {
    let wallet = signer_address(signer)?;
    let index = prepared
        .required_signers()
        .iter()
        .position(|k| *k == wallet)
        .ok_or_else(|| {
            ChainError::unsupported("the wallet is not a required signer of this transaction")
        })?;
    let signature = signer.sign_ed25519(prepared.message_bytes())?;
    let bytes = prepared
        .with_signature(index, &signature)
        .ok_or_else(|| ChainError::invalid_tx("signature slot out of range"))?;
    Ok(SignedRawTransaction { bytes, signature })
}

/// The signing domain that starts every Solana off-chain message. Its first byte,
/// `0xff`, can never start a transaction message (legacy messages start with a
/// signature count below 128; versioned ones with `0x80 | version`, and version 127 is
/// reserved for this), so the runtime never accepts the signature as a transaction's.
pub const OFFCHAIN_SIGNING_DOMAIN: &[u8; 16] = b"\xffsolana offchain";
/// The application domain waiaas writes in the off-chain message header (32 zero
/// bytes: the message is not scoped to one application).
pub const OFFCHAIN_APPLICATION_DOMAIN: [u8; 32] = [0u8; 32];
/// Off-chain message header version.
const OFFCHAIN_VERSION: u8 = 0;
/// Signing domain, version, application domain, format, signer count, one signer,
/// message length.
const OFFCHAIN_PREAMBLE_LEN: usize = 16 + 1 + 32 + 1 + 1 + 32 + 2;
/// Formats 0 and 1 fit the preamble and message in one packet; format 2 in `u16::MAX`.
const OFFCHAIN_SHORT_LIMIT: usize = MAX_TRANSACTION_BYTES;
const OFFCHAIN_LONG_LIMIT: usize = u16::MAX as usize;

fn invalid_message(reason: impl Into<String>) -> ChainError {
    ChainError::InvalidMessage {
        reason: reason.into(),
    }
}

/// The exact bytes waiaas signs for `message` by `signer`: the Solana off-chain message
/// (version 0): `\xffsolana offchain`, version `0`, the 32-byte application domain
/// ([`OFFCHAIN_APPLICATION_DOMAIN`]), the format (`0` restricted ASCII `0x20..=0x7e` and
/// `1` UTF-8, both when the whole fits 1 232 bytes; `2` UTF-8 up to 65 535 bytes), one
/// signer (`signer`), the message length (`u16` little-endian), then the message.
/// A verifier rebuilds these bytes and checks the Ed25519 signature over them.
///
/// # Errors
/// `INVALID_MESSAGE` when the message is empty, not UTF-8, too long, or parses (even
/// leniently, as a prefix) as a transaction message or a wire transaction.
pub fn offchain_message_bytes(
    signer: &SolanaAddress,
    message: &[u8],
) -> Result<Vec<u8>, ChainError> {
    if message.is_empty() {
        return Err(invalid_message("the message is empty"));
    }
    if decode::looks_like_transaction(message) {
        return Err(invalid_message(
            "the message can be read as a Solana transaction; sign transactions as transactions",
        ));
    }
    if std::str::from_utf8(message).is_err() {
        return Err(invalid_message(
            "the message is not UTF-8 text; Solana off-chain messages carry text",
        ));
    }
    let total = message.len().saturating_add(OFFCHAIN_PREAMBLE_LEN);
    let format = if total > OFFCHAIN_LONG_LIMIT {
        return Err(invalid_message(format!(
            "the message is {} bytes; the limit is {}",
            message.len(),
            OFFCHAIN_LONG_LIMIT.saturating_sub(OFFCHAIN_PREAMBLE_LEN)
        )));
    } else if total > OFFCHAIN_SHORT_LIMIT {
        2u8
    } else if message.iter().all(|b| (0x20..=0x7e).contains(b)) {
        0
    } else {
        1
    };
    let length = u16::try_from(message.len())
        .map_err(|_| invalid_message("the message does not fit a 16-bit length"))?;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(OFFCHAIN_SIGNING_DOMAIN);
    out.push(OFFCHAIN_VERSION);
    out.extend_from_slice(&OFFCHAIN_APPLICATION_DOMAIN);
    out.push(format);
    out.push(1);
    out.extend_from_slice(signer.as_bytes());
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(message);
    Ok(out)
}

/// A signed off-chain message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOffchainMessage {
    /// The Ed25519 signature over [`SignedOffchainMessage::signed_bytes`].
    pub signature: [u8; 64],
    /// What was signed: the off-chain message envelope ([`offchain_message_bytes`]).
    pub signed_bytes: Vec<u8>,
}

/// Signs `message` as a Solana off-chain message: Ed25519 over
/// [`offchain_message_bytes`], never over the raw bytes, so no message signature can
/// be a transaction signature.
///
/// # Errors
/// `INVALID_MESSAGE` as [`offchain_message_bytes`]; vault errors; `VALIDATION_FAILED`
/// for a non-Solana signer.
pub fn sign_message(
    signer: &dyn Signer,
    message: &[u8],
) -> Result<SignedOffchainMessage, ChainError> {
    let wallet = signer_address(signer)?;
    let signed_bytes = offchain_message_bytes(&wallet, message)?;
    let signature = signer.sign_ed25519(&signed_bytes)?;
    Ok(SignedOffchainMessage {
        signature,
        signed_bytes,
    })
}
