//! Sign-only decoder: a raw unsigned Solana transaction (base64 wire format, legacy or
//! v0 without address lookup tables) → [`DecodedTransaction`].
//!
//! A hand-written, bounds-checked parser: every read is checked, every count is capped
//! by the 1 232-byte packet limit, and every index is validated against the account
//! list, so hostile bytes yield `INVALID_TRANSACTION`, never a panic. Mapping to intents
//! follows the runtime's own decoding (trailing instruction bytes are ignored as the
//! programs ignore them):
//!
//! | program | instruction | intent |
//! |---|---|---|
//! | System | `Transfer`, `CreateAccount`, `CreateAccountWithSeed`, `TransferWithSeed`, `WithdrawNonceAccount` | [`Intent::Transfer`] of the lamports moved, to the account that receives them |
//! | System | `AdvanceNonceAccount` as the first instruction | none: the lifetime, in [`DecodedTransaction::durable_nonce`] |
//! | System | `AdvanceNonceAccount` elsewhere, `InitializeNonceAccount`, `UpgradeNonceAccount` | [`Intent::ContractCall`] on the System program |
//! | System | `Assign`, `AssignWithSeed`, `Allocate`, `AllocateWithSeed`, `AuthorizeNonceAccount`, any other or malformed | [`Intent::Refused`] |
//! | Compute Budget | `SetComputeUnitPrice`/`Limit` (raise `max_fee`), `RequestHeapFrame`, `SetLoadedAccountsDataSizeLimit` | none (malformed price or limit: [`Intent::Refused`]); any other: [`Intent::ContractCall`] |
//! | Token, Token-2022 | `TransferChecked` | [`Intent::TokenTransfer`] with mint and decimals |
//! | Token, Token-2022 | `Transfer` | [`Intent::TokenTransfer`] with `token: None` |
//! | Token, Token-2022 | `ApproveChecked` / `Approve` | [`Intent::Approve`] (`token: None` for `Approve`) |
//! | Token, Token-2022 | `Revoke`, `InitializeAccount*`, `SyncNative`, `FreezeAccount`, `ThawAccount`, `MintTo(Checked)` | [`Intent::ContractCall`] on the token program |
//! | Token, Token-2022 | `CloseAccount` | [`Intent::ContractCall`] when the lamports go to the fee payer, else [`Intent::Refused`] |
//! | Token, Token-2022 | `SetAuthority`, `Burn(Checked)`, any other (extensions) or malformed | [`Intent::Refused`] |
//! | Associated Token Account | `Create`, `CreateIdempotent` | [`Intent::ContractCall`] on the ATA program (it spends rent) |
//! | Associated Token Account | `RecoverNested`, any other | [`Intent::Refused`] |
//! | anything else | | [`Intent::ContractCall`] on the program |
//!
//! Selectors of [`Intent::ContractCall`] are `0x` + lowercase hex: the instruction tag
//! for the System (4 bytes), Token and ATA programs (1 byte), the first (up to) 8 bytes
//! of data for any other program.

use base64::Engine as _;
use waiaas_core::{Amount, Chain, SolanaAddress};

use super::{
    ASSOCIATED_TOKEN_PROGRAM_ID, COMPUTE_BUDGET_PROGRAM_ID, MAX_TRANSACTION_BYTES,
    SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use crate::error::ChainError;
use crate::intent::{DecodedTransaction, DurableNonce, Intent};

/// Base fee per signature, in lamports.
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;
/// Compute-unit ceiling of one transaction (used when no limit is set).
pub const MAX_COMPUTE_UNITS: u64 = 1_400_000;

/// Message version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageVersion {
    /// Legacy message.
    Legacy,
    /// Version 0 (without address lookup tables).
    V0,
}

/// One compiled instruction with its accounts resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedInstruction {
    /// Program id.
    pub program_id: SolanaAddress,
    /// Accounts, in order.
    pub accounts: Vec<SolanaAddress>,
    /// Data.
    pub data: Vec<u8>,
}

/// A parsed transaction message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMessage {
    /// Legacy or v0.
    pub version: MessageVersion,
    /// Signatures the message requires.
    pub num_required_signatures: u8,
    /// Static account keys; the first is the fee payer.
    pub account_keys: Vec<SolanaAddress>,
    /// Recent blockhash or durable nonce.
    pub recent_blockhash: [u8; 32],
    /// Instructions.
    pub instructions: Vec<ParsedInstruction>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

fn truncated() -> ChainError {
    ChainError::invalid_tx("truncated")
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ChainError> {
        let end = self.pos.checked_add(n).ok_or_else(truncated)?;
        let out = self.bytes.get(self.pos..end).ok_or_else(truncated)?;
        self.pos = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, ChainError> {
        self.take(1)?.first().copied().ok_or_else(truncated)
    }

    fn array32(&mut self) -> Result<[u8; 32], ChainError> {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.take(32)?);
        Ok(out)
    }

    /// Solana's `short_vec` length: 1–3 bytes, 7 bits each, canonical, ≤ u16::MAX.
    fn compact_u16(&mut self) -> Result<usize, ChainError> {
        let mut value: usize = 0;
        for shift in [0u32, 7, 14] {
            let byte = self.u8()?;
            value |= usize::from(byte & 0x7f).wrapping_shl(shift);
            if byte & 0x80 == 0 {
                if shift > 0 && byte == 0 {
                    return Err(ChainError::invalid_tx("non-canonical length encoding"));
                }
                if value > usize::from(u16::MAX) {
                    return Err(ChainError::invalid_tx("length does not fit in 16 bits"));
                }
                return Ok(value);
            }
        }
        Err(ChainError::invalid_tx(
            "length encoding longer than 3 bytes",
        ))
    }

    fn is_done(&self) -> bool {
        self.pos == self.bytes.len()
    }
}

fn parse_message_from(r: &mut Reader<'_>) -> Result<ParsedMessage, ChainError> {
    let first = r.u8()?;
    let (version, num_required_signatures) = if first & 0x80 != 0 {
        if first & 0x7f != 0 {
            return Err(ChainError::unsupported(format!(
                "message version {} is not supported",
                first & 0x7f
            )));
        }
        (MessageVersion::V0, r.u8()?)
    } else {
        (MessageVersion::Legacy, first)
    };
    let num_readonly_signed = r.u8()?;
    let num_readonly_unsigned = r.u8()?;
    let num_keys = r.compact_u16()?;
    let mut account_keys = Vec::new();
    for _ in 0..num_keys {
        account_keys.push(SolanaAddress::from_bytes(r.array32()?));
    }
    let required = usize::from(num_required_signatures);
    if required == 0 || required > account_keys.len() {
        return Err(ChainError::invalid_tx(
            "the header requires more signatures than there are accounts, or none",
        ));
    }
    if num_readonly_signed >= num_required_signatures
        || usize::from(num_readonly_unsigned) > account_keys.len().saturating_sub(required)
    {
        return Err(ChainError::invalid_tx("inconsistent message header"));
    }
    let recent_blockhash = r.array32()?;
    let num_ix = r.compact_u16()?;
    let mut instructions = Vec::new();
    let key = |i: u8| -> Result<SolanaAddress, ChainError> {
        account_keys
            .get(usize::from(i))
            .copied()
            .ok_or_else(|| ChainError::invalid_tx("account index out of range"))
    };
    for _ in 0..num_ix {
        let program_index = r.u8()?;
        if program_index == 0 {
            return Err(ChainError::invalid_tx("the fee payer cannot be a program"));
        }
        let program_id = key(program_index)?;
        let n_accounts = r.compact_u16()?;
        let mut accounts = Vec::new();
        for _ in 0..n_accounts {
            accounts.push(key(r.u8()?)?);
        }
        let n_data = r.compact_u16()?;
        let data = r.take(n_data)?.to_vec();
        instructions.push(ParsedInstruction {
            program_id,
            accounts,
            data,
        });
    }
    if version == MessageVersion::V0 {
        let lookups = r.compact_u16()?;
        if lookups != 0 {
            return Err(ChainError::unsupported(
                "address lookup tables are not supported; resolve them before signing",
            ));
        }
    }
    Ok(ParsedMessage {
        version,
        num_required_signatures,
        account_keys,
        recent_blockhash,
        instructions,
    })
}

/// Parses a bare transaction message (what is signed).
///
/// # Errors
/// `INVALID_TRANSACTION` for malformed bytes or trailing bytes; `UNSUPPORTED_TRANSACTION`
/// for a message version above 0 or address lookup tables.
pub fn parse_message(bytes: &[u8]) -> Result<ParsedMessage, ChainError> {
    if bytes.len() > MAX_TRANSACTION_BYTES {
        return Err(ChainError::invalid_tx("larger than 1232 bytes"));
    }
    let mut r = Reader { bytes, pos: 0 };
    let message = parse_message_from(&mut r)?;
    if !r.is_done() {
        return Err(ChainError::invalid_tx("trailing bytes after the message"));
    }
    Ok(message)
}

/// Parses wire bytes (signatures, then message); returns the message and its bytes.
///
/// # Errors
/// As [`parse_message`]; `INVALID_TRANSACTION` when the signature count does not match
/// the header.
pub fn parse_transaction(bytes: &[u8]) -> Result<(ParsedMessage, &[u8]), ChainError> {
    if bytes.len() > MAX_TRANSACTION_BYTES {
        return Err(ChainError::invalid_tx("larger than 1232 bytes"));
    }
    let mut r = Reader { bytes, pos: 0 };
    let num_signatures = r.compact_u16()?;
    let sig_len = num_signatures.checked_mul(64).ok_or_else(truncated)?;
    r.take(sig_len)?;
    let message_bytes = bytes.get(r.pos..).ok_or_else(truncated)?;
    let message = parse_message(message_bytes)?;
    if num_signatures != usize::from(message.num_required_signatures) {
        return Err(ChainError::invalid_tx(
            "the signature count does not match the message header",
        ));
    }
    Ok((message, message_bytes))
}

/// Walks the shape of a message the way the runtime reads it, as leniently as it
/// could ever be accepted: any version number, address lookup tables, account indexes
/// unchecked, trailing bytes ignored. Only the header rules every version shares are
/// kept (a message breaking them is sanitized away).
fn skim_message(r: &mut Reader<'_>) -> Result<(), ChainError> {
    let first = r.u8()?;
    let versioned = first & 0x80 != 0;
    let required = usize::from(if versioned { r.u8()? } else { first });
    let readonly_signed = usize::from(r.u8()?);
    let readonly_unsigned = usize::from(r.u8()?);
    let num_keys = r.compact_u16()?;
    r.take(num_keys.checked_mul(32).ok_or_else(truncated)?)?;
    if required == 0
        || readonly_signed >= required
        || required.saturating_add(readonly_unsigned) > num_keys
    {
        return Err(ChainError::invalid_tx("inconsistent message header"));
    }
    r.take(32)?;
    for _ in 0..r.compact_u16()? {
        r.u8()?;
        let accounts = r.compact_u16()?;
        r.take(accounts)?;
        let data = r.compact_u16()?;
        r.take(data)?;
    }
    if versioned {
        for _ in 0..r.compact_u16()? {
            r.take(32)?;
            let writable = r.compact_u16()?;
            r.take(writable)?;
            let readonly = r.compact_u16()?;
            r.take(readonly)?;
        }
    }
    Ok(())
}

/// Whether `bytes`, or a prefix of them, could be read as a transaction message or a
/// wire transaction (signatures, then a message) of any version, with or without
/// lookup tables. A signature over such bytes could be a transaction signature, so
/// they are never signed as a message.
#[must_use]
pub fn looks_like_transaction(bytes: &[u8]) -> bool {
    let as_message = skim_message(&mut Reader { bytes, pos: 0 }).is_ok();
    let mut r = Reader { bytes, pos: 0 };
    let as_wire = r
        .compact_u16()
        .and_then(|n| n.checked_mul(64).ok_or_else(truncated))
        .and_then(|len| r.take(len))
        .and_then(|_| skim_message(&mut r))
        .is_ok();
    as_message || as_wire
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = data.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// `0x` + lowercase hex of the first `len` bytes of `data` (the form the policy
/// engine's selectors take); `None` without data.
fn selector(data: &[u8], len: usize) -> Option<String> {
    let end = data.len().min(len);
    data.get(..end)
        .filter(|s| !s.is_empty())
        .map(|s| format!("0x{}", hex::encode(s)))
}

fn call(ix: &ParsedInstruction, selector_len: usize) -> Intent {
    Intent::ContractCall {
        contract: ix.program_id.to_string(),
        selector: selector(&ix.data, selector_len),
        value: Amount::ZERO,
    }
}

fn refused(ix: &ParsedInstruction, reason: impl Into<String>) -> Intent {
    Intent::Refused {
        contract: ix.program_id.to_string(),
        reason: reason.into(),
    }
}

fn account(ix: &ParsedInstruction, i: usize) -> Option<String> {
    ix.accounts.get(i).map(ToString::to_string)
}

/// SPL Token and Token-2022 (the same encoding for the instructions below; Token-2022
/// adds extension instructions, which are refused). `fee_payer` is the wallet.
fn token_intent(ix: &ParsedInstruction, fee_payer: Option<&SolanaAddress>) -> Intent {
    let program = ix.program_id.to_string();
    let Some(&tag) = ix.data.first() else {
        return refused(ix, "empty token instruction");
    };
    let decoded = match tag {
        // Transfer { amount }: [source, destination, authority]
        3 => u64_at(&ix.data, 1)
            .zip(account(ix, 1))
            .map(|(amount, to)| Intent::TokenTransfer {
                token: None,
                to,
                amount: Amount::from_u64(amount),
                decimals: None,
                program: Some(program.clone()),
            }),
        // Approve { amount }: [source, delegate, owner]
        4 => u64_at(&ix.data, 1)
            .zip(account(ix, 1))
            .map(|(amount, spender)| Intent::Approve {
                token: None,
                spender,
                amount: Amount::from_u64(amount),
                decimals: None,
                unlimited: crate::intent::is_unlimited(Amount::from_u64(amount), 64),
            }),
        // TransferChecked { amount, decimals }: [source, mint, destination, authority]
        12 => u64_at(&ix.data, 1)
            .zip(ix.data.get(9).copied())
            .zip(account(ix, 1).zip(account(ix, 2)))
            .map(|((amount, decimals), (mint, to))| Intent::TokenTransfer {
                token: Some(mint),
                to,
                amount: Amount::from_u64(amount),
                decimals: Some(decimals),
                program: Some(program.clone()),
            }),
        // ApproveChecked { amount, decimals }: [source, mint, delegate, owner]
        13 => u64_at(&ix.data, 1)
            .zip(ix.data.get(9).copied())
            .zip(account(ix, 1).zip(account(ix, 2)))
            .map(|((amount, decimals), (mint, spender))| Intent::Approve {
                token: Some(mint),
                spender,
                amount: Amount::from_u64(amount),
                decimals: Some(decimals),
                unlimited: crate::intent::is_unlimited(Amount::from_u64(amount), 64),
            }),
        // InitializeAccount(2/3), Revoke, MintTo(Checked), Freeze/Thaw, SyncNative: no
        // value leaves the wallet; CONTRACT_WHITELIST (and METHOD_WHITELIST) decide.
        1 | 5 | 7 | 10 | 11 | 14 | 16 | 17 | 18 => Some(call(ix, 1)),
        6 => Some(refused(
            ix,
            "hands control of a token account or mint to another key (`SetAuthority`)",
        )),
        8 | 15 => Some(refused(
            ix,
            "destroys tokens, value that leaves the wallet (`Burn`, `BurnChecked`)",
        )),
        // CloseAccount: [account, destination, owner]; the rent lamports go to the
        // destination.
        9 => Some(match ix.accounts.get(1) {
            Some(destination) if Some(destination) == fee_payer => call(ix, 1),
            _ => refused(
                ix,
                "sends the account's lamports to a foreign destination (`CloseAccount`)",
            ),
        }),
        other => Some(refused(ix, format!("unknown token instruction `{other}`"))),
    };
    // A short instruction the program would reject.
    decoded.unwrap_or_else(|| refused(ix, format!("malformed token instruction `{tag}`")))
}

/// A bincode `String` (u64 length, then UTF-8 bytes) at `at`; returns the offset after it.
fn skip_seed(data: &[u8], at: usize) -> Option<usize> {
    let len = usize::try_from(u64_at(data, at)?).ok()?;
    let start = at.checked_add(8)?;
    let end = start.checked_add(len)?;
    std::str::from_utf8(data.get(start..end)?).ok()?;
    Some(end)
}

/// Lamports moved by a System instruction and the index of the account that receives
/// them, when the whole instruction is present (the runtime decodes it whole).
fn system_move(tag: u32, data: &[u8]) -> Option<(u64, usize)> {
    match tag {
        // CreateAccount { lamports, space, owner }: [funding, new]
        0 => {
            data.get(..52)?;
            Some((u64_at(data, 4)?, 1))
        }
        // Transfer { lamports }: [from, to]; WithdrawNonceAccount(lamports): [nonce, to, …]
        2 | 5 => Some((u64_at(data, 4)?, 1)),
        // CreateAccountWithSeed { base, seed, lamports, space, owner }: [funding, new, base?]
        3 => {
            let after_seed = skip_seed(data, 36)?;
            data.get(..after_seed.checked_add(48)?)?;
            Some((u64_at(data, after_seed)?, 1))
        }
        // TransferWithSeed { lamports, from_seed, from_owner }: [from, base, to]
        11 => {
            let after_seed = skip_seed(data, 12)?;
            data.get(..after_seed.checked_add(32)?)?;
            Some((u64_at(data, 4)?, 2))
        }
        _ => None,
    }
}

/// The System program: lamport moves are transfers; changes of ownership, allocation or
/// nonce authority are refused; nonce upkeep is a call on the program.
fn system_intent(ix: &ParsedInstruction) -> Intent {
    let Some(tag) = u32_at(&ix.data, 0) else {
        return refused(ix, "malformed system instruction");
    };
    match tag {
        0 | 2 | 3 | 5 | 11 => system_move(tag, &ix.data)
            .and_then(|(lamports, to)| {
                Some(Intent::Transfer {
                    to: account(ix, to)?,
                    amount: Amount::from_u64(lamports),
                })
            })
            .unwrap_or_else(|| refused(ix, format!("malformed system instruction `{tag}`"))),
        1 | 10 => refused(
            ix,
            "gives the account to another program, which can then take its lamports (`Assign`, `AssignWithSeed`)",
        ),
        8 | 9 => refused(
            ix,
            "changes an account's size (`Allocate`, `AllocateWithSeed`)",
        ),
        7 => refused(
            ix,
            "hands the nonce account and its lamports to another key (`AuthorizeNonceAccount`)",
        ),
        // AdvanceNonceAccount (outside the first instruction), InitializeNonceAccount,
        // UpgradeNonceAccount.
        4 | 6 | 12 => call(ix, 4),
        other => refused(ix, format!("unknown system instruction `{other}`")),
    }
}

/// Rent of a token account (165 bytes) at the rent-exempt minimum, and the bound used for
/// Token-2022 accounts, whose extensions the mint decides (up to 512 bytes counted):
/// `(128 + size) × 6 960` lamports.
const TOKEN_ACCOUNT_RENT: u64 = 2_039_280;
const TOKEN_2022_ACCOUNT_RENT_BOUND: u64 = 4_454_400;

/// The associated token account program. Creating an account the wallet pays for and
/// someone else owns moves its rent to that owner (who can close it and keep the
/// lamports): a TRANSFER of the rent, judged like any other. Creating the wallet's own
/// account (or one another account pays for) is a call the whitelist decides;
/// `RecoverNested` moves tokens and is refused.
fn associated_token_intent(ix: &ParsedInstruction, fee_payer: Option<&SolanaAddress>) -> Intent {
    let payer = fee_payer.map(ToString::to_string);
    match ix.data.first() {
        // Create (empty data or 0), CreateIdempotent (1):
        // [funding, account, owner, mint, system program, token program].
        None | Some(0 | 1) => match (account(ix, 0), account(ix, 2)) {
            (Some(funding), Some(owner))
                if Some(&funding) == payer.as_ref() && Some(&owner) != payer.as_ref() =>
            {
                let rent = if account(ix, 5).as_deref() == Some(TOKEN_PROGRAM_ID) {
                    TOKEN_ACCOUNT_RENT
                } else {
                    TOKEN_2022_ACCOUNT_RENT_BOUND
                };
                Intent::Transfer {
                    to: owner,
                    amount: Amount::from_u64(rent),
                }
            }
            (Some(_), Some(_)) => call(ix, 1),
            _ => refused(ix, "is a malformed associated token account creation"),
        },
        Some(2) => refused(
            ix,
            "moves tokens out of a nested associated token account (`RecoverNested`)",
        ),
        Some(other) => refused(
            ix,
            format!("unknown associated token account instruction `{other}`"),
        ),
    }
}

/// The durable nonce of a message: its first instruction is System
/// `AdvanceNonceAccount` ([nonce, recent blockhashes sysvar, authority]), which is how
/// the runtime recognises a nonce transaction.
fn durable_nonce(message: &ParsedMessage) -> Option<DurableNonce> {
    let first = message.instructions.first()?;
    (first.program_id.to_string() == SYSTEM_PROGRAM_ID && u32_at(&first.data, 0) == Some(4)).then(
        || DurableNonce {
            nonce_account: account(first, 0).unwrap_or_default(),
            authority: account(first, 2).unwrap_or_default(),
        },
    )
}

#[derive(Default)]
struct Budget {
    unit_limit: Option<u32>,
    unit_price: Option<u64>,
}

/// Maps parsed instructions to intents and computes the fee bound.
///
/// # Errors
/// `INVALID_TRANSACTION` when the fee bound overflows.
pub fn intents(message: &ParsedMessage) -> Result<DecodedTransaction, ChainError> {
    let mut intents = Vec::new();
    let mut budget = Budget::default();
    let fee_payer = message.account_keys.first();
    let durable_nonce = durable_nonce(message);
    for (index, ix) in message.instructions.iter().enumerate() {
        let program = ix.program_id.to_string();
        match program.as_str() {
            // The nonce advance that makes the lifetime is described by `durable_nonce`.
            SYSTEM_PROGRAM_ID if index == 0 && durable_nonce.is_some() => {}
            SYSTEM_PROGRAM_ID => intents.push(system_intent(ix)),
            COMPUTE_BUDGET_PROGRAM_ID => match ix.data.first() {
                // The runtime refuses a second one; so do we (the fee is judged once).
                Some(2) if budget.unit_limit.is_some() => {
                    intents.push(refused(ix, "sets the compute unit limit twice"));
                }
                Some(3) if budget.unit_price.is_some() => {
                    intents.push(refused(ix, "sets the compute unit price twice"));
                }
                Some(2) => match u32_at(&ix.data, 1) {
                    Some(limit) => budget.unit_limit = Some(limit),
                    None => intents.push(refused(ix, "malformed compute unit limit")),
                },
                Some(3) => match u64_at(&ix.data, 1) {
                    Some(price) => budget.unit_price = Some(price),
                    None => intents.push(refused(ix, "malformed compute unit price")),
                },
                Some(1 | 4) => {}
                _ => intents.push(call(ix, 1)),
            },
            TOKEN_PROGRAM_ID | TOKEN_2022_PROGRAM_ID => intents.push(token_intent(ix, fee_payer)),
            ASSOCIATED_TOKEN_PROGRAM_ID => intents.push(associated_token_intent(ix, fee_payer)),
            _ => intents.push(call(ix, 8)),
        }
    }
    let units = budget
        .unit_limit
        .map_or(MAX_COMPUTE_UNITS, |l| u64::from(l).min(MAX_COMPUTE_UNITS));
    let priority = u128::from(budget.unit_price.unwrap_or(0))
        .checked_mul(u128::from(units))
        .and_then(|micro| micro.checked_add(999_999))
        .map(|micro| micro / 1_000_000)
        .ok_or_else(|| ChainError::invalid_tx("fee bound overflows"))?;
    // The runtime charges every signature the signature-verify precompiles declare (the
    // first data byte), even when the check fails, on top of the transaction's own.
    let precompile_signatures: u128 = message
        .instructions
        .iter()
        .filter(|ix| SIGNATURE_PRECOMPILES.contains(&ix.program_id.to_string().as_str()))
        .map(|ix| u128::from(ix.data.first().copied().unwrap_or(0)))
        .sum();
    let base = u128::from(LAMPORTS_PER_SIGNATURE)
        .checked_mul(
            u128::from(message.num_required_signatures).saturating_add(precompile_signatures),
        )
        .ok_or_else(|| ChainError::invalid_tx("fee bound overflows"))?;
    let max_fee = base
        .checked_add(priority)
        .ok_or_else(|| ChainError::invalid_tx("fee bound overflows"))?;
    Ok(DecodedTransaction {
        chain: Chain::Solana,
        fee_payer: fee_payer.map(ToString::to_string),
        intents,
        max_fee: Amount::from_u128(max_fee),
        durable_nonce,
    })
}

/// The signature-verify precompiles (Ed25519, secp256k1, secp256r1), whose declared
/// signatures are charged like the transaction's own.
const SIGNATURE_PRECOMPILES: [&str; 3] = [
    "Ed25519SigVerify111111111111111111111111111",
    "KeccakSecp256k11111111111111111111111111111",
    "Secp256r1SigVerify1111111111111111111111111",
];

/// Decodes a base64 unsigned (or partly signed) transaction into intents.
///
/// # Errors
/// `INVALID_TRANSACTION` for bad base64, oversized input, truncated or malformed bytes;
/// `UNSUPPORTED_TRANSACTION` for message versions above 0 or address lookup tables.
pub fn decode_transaction(base64_tx: &str) -> Result<DecodedTransaction, ChainError> {
    // 1232 bytes encode to at most 1644 base64 characters.
    if base64_tx.len() > 1644 {
        return Err(ChainError::invalid_tx("larger than 1232 bytes"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_tx.trim())
        .map_err(|_| ChainError::invalid_tx("not valid base64"))?;
    decode_transaction_bytes(&bytes)
}

/// As [`decode_transaction`], from wire bytes.
///
/// # Errors
/// As [`decode_transaction`].
pub fn decode_transaction_bytes(bytes: &[u8]) -> Result<DecodedTransaction, ChainError> {
    let (message, _) = parse_transaction(bytes)?;
    intents(&message)
}

/// A raw transaction decoded for sign-only: the exact wire bytes and what they do.
/// [`super::sign_prepared`] signs these bytes and nothing else, so what the policy
/// engine judged ([`PreparedTransaction::decoded`]) is what gets signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedTransaction {
    bytes: Vec<u8>,
    message_offset: usize,
    signer_keys: Vec<SolanaAddress>,
    decoded: DecodedTransaction,
}

impl PreparedTransaction {
    /// Decodes base64 wire bytes (unsigned, or partly signed by other parties).
    ///
    /// # Errors
    /// As [`decode_transaction`].
    pub fn from_base64(base64_tx: &str) -> Result<Self, ChainError> {
        if base64_tx.len() > 1644 {
            return Err(ChainError::invalid_tx("larger than 1232 bytes"));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64_tx.trim())
            .map_err(|_| ChainError::invalid_tx("not valid base64"))?;
        Self::from_bytes(bytes)
    }

    /// As [`PreparedTransaction::from_base64`], from wire bytes.
    ///
    /// # Errors
    /// As [`decode_transaction`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, ChainError> {
        let (message, message_bytes) = parse_transaction(&bytes)?;
        let message_offset = bytes.len().saturating_sub(message_bytes.len());
        let decoded = intents(&message)?;
        let signer_keys = message
            .account_keys
            .iter()
            .take(usize::from(message.num_required_signatures))
            .copied()
            .collect();
        Ok(Self {
            bytes,
            message_offset,
            signer_keys,
            decoded,
        })
    }

    /// What the transaction does.
    #[must_use]
    pub fn decoded(&self) -> &DecodedTransaction {
        &self.decoded
    }

    /// The accounts whose signatures the transaction needs, fee payer first.
    #[must_use]
    pub fn required_signers(&self) -> &[SolanaAddress] {
        &self.signer_keys
    }

    /// The message bytes (what each signer signs).
    #[must_use]
    pub fn message_bytes(&self) -> &[u8] {
        self.bytes.get(self.message_offset..).unwrap_or_default()
    }

    /// The wire bytes with `signature` placed in the slot of required signer `index`.
    pub(crate) fn with_signature(&self, index: usize, signature: &[u8; 64]) -> Option<Vec<u8>> {
        let mut out = self.bytes.clone();
        // The signature slots end where the message begins.
        let slots_start = self
            .message_offset
            .checked_sub(self.signer_keys.len().checked_mul(64)?)?;
        let start = slots_start.checked_add(index.checked_mul(64)?)?;
        out.get_mut(start..start.checked_add(64)?)?
            .copy_from_slice(signature);
        Some(out)
    }
}
