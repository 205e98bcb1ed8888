//! Owner actions: approvals, rejections, cancellations and the kill switch, each proven
//! by a signature from the wallet owner's own key over an exact text that waiaas
//! issued. Each text binds the wallet, network, transaction, a digest of the exact
//! stored request, amount, counterparty, tier, a single-use nonce and the expiry; the
//! action is part of the text, so an approval cannot be replayed as a rejection.

use std::sync::Arc;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use waiaas_chains::OwnerAddress;
use waiaas_core::audit::{Actor, AuditEntry};
use waiaas_core::store::{LedgerEffect, OwnerState, TxRecord, TxTransition};
use waiaas_core::{TxId, TxStatus, ValidationError, WalletId};

#[cfg(feature = "owner-signer")]
pub use waiaas_chains::OwnerSigner;

use crate::error::{Error, Result};
use crate::notify::EventKind;
use crate::pipeline::Instance;
use crate::record::Transaction;

/// How long a signed kill-switch text stays valid (seconds either side of `issued`).
pub const KILL_SWITCH_MESSAGE_WINDOW_SECS: i64 = 300;

waiaas_core::string_enum! {
    /// What the owner is asked to do.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum OwnerAction {
        /// Let a PENDING_APPROVAL transaction execute.
        Approve => "APPROVE",
        /// Refuse a PENDING_APPROVAL transaction.
        Reject => "REJECT",
        /// Cancel a QUEUED (DELAY) transaction.
        Cancel => "CANCEL",
    }
    field = "action", what = "an owner action";
}

/// The texts an owner signs for one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRequest {
    /// Transaction.
    pub tx_id: TxId,
    /// Its status now.
    pub status: TxStatus,
    /// The registered owner who must sign.
    pub owner: String,
    /// Sign this to approve (PENDING_APPROVAL only).
    pub approve_message: Option<String>,
    /// Sign this to reject (PENDING_APPROVAL only).
    pub reject_message: Option<String>,
    /// Sign this to cancel (QUEUED only).
    pub cancel_message: Option<String>,
    /// End of the approval window.
    pub expires_at: Option<i64>,
}

/// Decodes a signature given as `0x`-hex, plain hex, base58 or base64.
///
/// # Errors
/// `VALIDATION_FAILED` when none of these decodes.
pub fn decode_signature(s: &str) -> Result<Vec<u8>> {
    let s = s.trim();
    // One base64 signature in 4 096 begins with `0x` too: what is not hex after `0x` is
    // read as the other spellings (the signature check decides, not the spelling).
    if let Some(h) = s.strip_prefix("0x")
        && let Ok(b) = hex::decode(h)
    {
        return Ok(b);
    }
    if (s.len() == 128 || s.len() == 130)
        && let Ok(b) = hex::decode(s)
    {
        return Ok(b);
    }
    if let Ok(b) = bs58::decode(s).into_vec()
        && b.len() == 64
    {
        return Ok(b);
    }
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| {
            let reason = if s.starts_with("0x") {
                "is not valid hex"
            } else {
                "use 0x-hex, base58 or base64"
            };
            ValidationError::field("signature", reason).into()
        })
}

fn digest(record: &TxRecord) -> String {
    hex::encode(Sha256::digest(record.request.as_bytes()))
}

/// How every owner-action text begins; an agent's `sign_message` refuses texts that do.
pub(crate) const OWNER_ACTION_PREFIX: &str = "waiaas owner action:";

/// The exact text for `action` on `record` by the wallet whose address is `address`:
/// every decoded effect, the fee bound, the USD value judged at admission, the digest of
/// the stored request, the single-use nonce and the expiry (ISO-8601 UTC).
///
/// # Errors
/// `STORAGE_ERROR` when the stored row does not parse (the owner is never shown a text
/// whose effects could not be read).
pub(crate) fn action_message(
    record: &TxRecord,
    address: &str,
    action: OwnerAction,
) -> Result<String> {
    Ok(format!(
        "{OWNER_ACTION_PREFIX} {}\nwallet: {}\naddress: {address}\nnetwork: {}\ntransaction: {}\ntype: {}\n{}\ntier: {}\nrequest digest: sha256:{}\nnonce: {}\nexpires: {}",
        action.as_str(),
        record.wallet_id,
        record.network,
        record.id,
        record.kind,
        effect_summary(record)?,
        record.tier.map_or("-", |t| t.as_str()),
        digest(record),
        record.owner_nonce,
        record.expires_at.map_or_else(|| "-".to_owned(), iso8601),
    ))
}

/// What `record` does, one line each: every decoded effect, the fee bound and the USD
/// value judged at admission (the owner's texts and the channels' messages share it).
///
/// # Errors
/// `STORAGE_ERROR` when the stored row does not parse.
pub(crate) fn effect_summary(record: &TxRecord) -> Result<String> {
    let Effects { lines, fee, value } = Effects::of(record)?;
    let effects = lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("effect {}: {l}", i.saturating_add(1)))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(format!(
        "{effects}\nmax network fee: {fee}\nvalue at admission: {value}"
    ))
}

/// A transaction's decoded effects, fee bound and value at admission, as words.
struct Effects {
    lines: Vec<String>,
    fee: String,
    value: String,
}

impl Effects {
    fn of(record: &TxRecord) -> Result<Self> {
        let tx = Transaction::try_from(record)?;
        Ok(Self {
            lines: crate::effects::effect_lines(&tx.request),
            fee: crate::effects::fee_line(&tx.request).unwrap_or_else(|| "none".to_owned()),
            value: tx
                .decision
                .and_then(|d| d.spend.usd)
                .map_or_else(|| "unknown".to_owned(), |u| format!("{u} USD")),
        })
    }
}

/// What an approval page shows for one transaction (from
/// [`Owner::open_approval_link`]): every decoded effect (amounts with symbols and USD,
/// the recipient), the fee bound, the value judged at admission, the expiry, and the
/// exact texts the owner signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalPage {
    /// The texts the owner may sign, the status and the expiry.
    #[serde(flatten)]
    pub request: ApprovalRequest,
    /// `solana` or `ethereum`: how the owner signs (Solana `signMessage`, EVM
    /// `personal_sign`).
    pub chain: String,
    /// The network.
    pub network: String,
    /// The wallet whose transaction it is.
    pub wallet_address: String,
    /// Each decoded effect, one line each.
    pub effects: Vec<String>,
    /// The most the network fee can cost.
    pub max_fee: String,
    /// The value judged at admission (`unknown` without a price).
    pub value: String,
    /// The end of the approval window, ISO-8601 UTC.
    pub expires: Option<String>,
}

/// Unix seconds as ISO-8601 UTC (`2026-11-30T10:00:00Z`).
pub(crate) fn iso8601(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).map_or_else(|_| secs.to_string(), |t| t.to_string())
}

/// One owner action: the text it signs and the status change it makes.
#[derive(Clone, Copy)]
struct Step {
    action: OwnerAction,
    from: TxStatus,
    to: TxStatus,
    ledger: LedgerEffect,
    event: &'static str,
}

const APPROVE: Step = Step {
    action: OwnerAction::Approve,
    from: TxStatus::PendingApproval,
    to: TxStatus::Executing,
    ledger: LedgerEffect::None,
    event: "TX_APPROVED",
};
const REJECT: Step = Step {
    action: OwnerAction::Reject,
    from: TxStatus::PendingApproval,
    to: TxStatus::Rejected,
    ledger: LedgerEffect::Release,
    event: "TX_REJECTED",
};
const CANCEL: Step = Step {
    action: OwnerAction::Cancel,
    from: TxStatus::Queued,
    to: TxStatus::Cancelled,
    ledger: LedgerEffect::Release,
    event: "TX_CANCELLED",
};

/// Owner-side operations. Holds no capability of its own: every call must carry a
/// signature by the registered owner of the wallet concerned.
#[derive(Debug, Clone)]
pub struct Owner {
    pub(crate) inner: Arc<Instance>,
}

impl Owner {
    fn record(&self, tx_id: TxId) -> Result<TxRecord> {
        self.inner
            .store
            .transaction(tx_id)?
            .ok_or(Error::TxNotFound(tx_id))
    }

    fn registered(&self, wallet: WalletId) -> Result<(OwnerAddress, String, OwnerState)> {
        let owner = self
            .inner
            .store
            .owner(wallet)?
            .ok_or(Error::OwnerNotConnected)?;
        let chain = self.inner.vault.wallet(wallet)?.chain;
        Ok((
            OwnerAddress::register(chain, &owner.address)?,
            owner.address,
            owner.state,
        ))
    }

    /// The exact texts the owner may sign for `tx_id`.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`; `OWNER_NOT_CONNECTED`; `STORAGE_ERROR`.
    pub fn approval_request(&self, tx_id: TxId) -> Result<ApprovalRequest> {
        let record = self.record(tx_id)?;
        let (_, owner, _) = self.registered(record.wallet_id)?;
        let address = self.inner.vault.wallet(record.wallet_id)?.address;
        let msg = |a| action_message(&record, &address, a).map(Some);
        let pending = record.status == TxStatus::PendingApproval;
        Ok(ApprovalRequest {
            tx_id,
            status: record.status,
            owner,
            approve_message: if pending {
                msg(OwnerAction::Approve)?
            } else {
                None
            },
            reject_message: if pending {
                msg(OwnerAction::Reject)?
            } else {
                None
            },
            cancel_message: if record.status == TxStatus::Queued {
                msg(OwnerAction::Cancel)?
            } else {
                None
            },
            expires_at: record.expires_at,
        })
    }

    /// What the approval page of `tx_id` shows (no link check: see
    /// [`Owner::open_approval_link`]).
    pub(crate) fn approval_page(&self, tx_id: TxId) -> Result<ApprovalPage> {
        let request = self.approval_request(tx_id)?;
        let record = self.record(tx_id)?;
        let wallet = self.inner.vault.wallet(record.wallet_id)?;
        let Effects { lines, fee, value } = Effects::of(&record)?;
        Ok(ApprovalPage {
            request,
            chain: wallet.chain.as_str().to_owned(),
            network: record.network.as_str().to_owned(),
            wallet_address: wallet.address,
            effects: lines,
            max_fee: fee,
            value,
            expires: record.expires_at.map(iso8601),
        })
    }

    /// Checks status, expiry, the exact text and the owner's signature; on success the
    /// nonce is consumed by the status change itself (a replay finds it used).
    fn authorize(
        &self,
        tx_id: TxId,
        step: &Step,
        signature: &str,
        message: &str,
    ) -> Result<TxRecord> {
        let Step {
            action,
            from,
            to,
            ledger,
            event,
        } = *step;
        let record = self.record(tx_id)?;
        if record.status != from {
            return Err(Error::TxAlreadyProcessed {
                tx_id,
                status: record.status.as_str(),
            });
        }
        let now = self.inner.now();
        if from == TxStatus::PendingApproval && record.expires_at.is_none_or(|e| now >= e) {
            self.inner.end(
                tx_id,
                &[TxStatus::PendingApproval],
                TxStatus::Expired,
                &Actor::System,
                "TX_EXPIRED",
            )?;
            return Err(Error::ApprovalTimeout(tx_id));
        }
        let (owner, owner_text, state) = self.registered(record.wallet_id)?;
        let address = self.inner.vault.wallet(record.wallet_id)?.address;
        if message != action_message(&record, &address, action)? {
            return Err(Error::ApprovalMessageMismatch);
        }
        owner.verify(message.as_bytes(), &decode_signature(signature)?)?;
        let change = TxTransition {
            owner_nonce: Some(record.owner_nonce.clone()),
            unexpired_at: (from == TxStatus::PendingApproval).then_some(now),
            ledger,
            ..TxTransition::new(&[from], to)
        };
        let actor = Actor::Owner(owner_text);
        let audit = AuditEntry::new(now, &actor, event)
            .wallet(record.wallet_id)
            .tx(tx_id);
        let updated = if action == OwnerAction::Approve {
            // The claim re-checks the session, wallet and kill switch and re-judges the
            // request with the policies in force now, in the transaction that moves it.
            self.inner.claim(&record, &change, &audit)?
        } else {
            self.inner
                .store
                .transition_transaction(tx_id, &change, now, &audit)?
        }
        .ok_or_else(|| self.inner.already_processed(tx_id))?;
        if state == OwnerState::Grace {
            self.prove_owner(record.wallet_id, &actor)?;
        }
        let kind = match action {
            OwnerAction::Approve => EventKind::TxApproved,
            OwnerAction::Reject => EventKind::TxRejected,
            OwnerAction::Cancel => EventKind::TxCancelled,
        };
        self.inner.emit(
            kind,
            Some(record.wallet_id),
            Some(tx_id),
            serde_json::json!({ "by": actor.label() }),
        );
        Ok(updated)
    }

    fn prove_owner(&self, wallet: WalletId, actor: &Actor) -> Result<()> {
        if let Some(mut o) = self.inner.store.owner(wallet)? {
            o.state = OwnerState::Locked;
            o.updated_at = self.inner.now();
            let audit = AuditEntry::new(o.updated_at, actor, "OWNER_VERIFIED").wallet(wallet);
            self.inner
                .store
                .set_owner(wallet, Some(&o), &[OwnerState::Grace], &audit)?;
        }
        Ok(())
    }

    /// Approves a PENDING_APPROVAL transaction with the owner's signature over
    /// `approve_message`; it is then signed at once.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`; `TX_ALREADY_PROCESSED` (also for a replayed signature);
    /// `APPROVAL_TIMEOUT` after the window (the transaction becomes EXPIRED);
    /// `APPROVAL_MESSAGE_MISMATCH` for any other text (another transaction's, another
    /// action's); `INVALID_SIGNATURE` for a signature not by the registered owner;
    /// `OWNER_NOT_CONNECTED`; signing errors.
    pub fn approve(&self, tx_id: TxId, signature: &str, message: &str) -> Result<Transaction> {
        let record = self.authorize(tx_id, &APPROVE, signature, message)?;
        let owner = self
            .inner
            .store
            .owner(record.wallet_id)?
            .map(|o| o.address)
            .unwrap_or_default();
        self.inner.run(&record, &Actor::Owner(owner))
    }

    /// Rejects a PENDING_APPROVAL transaction; its reservation is released.
    ///
    /// # Errors
    /// As [`Owner::approve`], with `reject_message`.
    pub fn reject(&self, tx_id: TxId, signature: &str, message: &str) -> Result<Transaction> {
        let record = self.authorize(tx_id, &REJECT, signature, message)?;
        Ok(Transaction::try_from(&record)?)
    }

    /// Cancels a QUEUED (DELAY) transaction; its reservation is released.
    ///
    /// # Errors
    /// As [`Owner::approve`], with `cancel_message`.
    pub fn cancel_delayed(
        &self,
        tx_id: TxId,
        signature: &str,
        message: &str,
    ) -> Result<Transaction> {
        let record = self.authorize(tx_id, &CANCEL, signature, message)?;
        Ok(Transaction::try_from(&record)?)
    }

    /// The text an owner signs to trigger the kill switch, issued now.
    #[must_use]
    pub fn kill_switch_message(&self, wallet: WalletId) -> String {
        kill_switch_text(wallet, self.inner.now())
    }

    /// Triggers the kill switch (ACTIVE → SUSPENDED and its cascade) with the owner's
    /// signature over a text from [`Owner::kill_switch_message`] issued within the last
    /// five minutes.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a malformed or stale text; `OWNER_NOT_CONNECTED`;
    /// `INVALID_SIGNATURE`; `STORAGE_ERROR`.
    pub fn kill_switch(
        &self,
        signature: &str,
        message: &str,
    ) -> Result<crate::kill_switch::KillSwitchReport> {
        let (wallet, issued) = parse_kill_switch_text(message)?;
        if (self.inner.now().saturating_sub(issued)).abs() > KILL_SWITCH_MESSAGE_WINDOW_SECS {
            return Err(ValidationError::field(
                "message",
                "was issued more than five minutes ago; fetch a fresh one",
            )
            .into());
        }
        // A text issued before the kill switch last changed (activated, recovered) is
        // spent: replaying it cannot stop the wallet again after a recovery.
        if issued <= self.inner.store.kill_switch_changed_at()? {
            return Err(ValidationError::field(
                "message",
                "was issued before the kill switch last changed; fetch a fresh one",
            )
            .into());
        }
        let (owner, owner_text, _) = self.registered(wallet)?;
        owner.verify(message.as_bytes(), &decode_signature(signature)?)?;
        crate::kill_switch::activate_kill_switch(&self.inner, &Actor::Owner(owner_text), "owner")
    }
}

fn kill_switch_text(wallet: WalletId, issued: i64) -> String {
    format!("waiaas owner action: KILL_SWITCH\nwallet: {wallet}\nissued: {issued}")
}

/// The wallet and issue time of a kill-switch text, which must be exactly what
/// [`Owner::kill_switch_message`] issues for them (no other spelling of the same claim).
///
/// # Errors
/// `VALIDATION_FAILED` (`message`) for any other text.
pub(crate) fn parse_kill_switch_text(message: &str) -> Result<(WalletId, i64), ValidationError> {
    let mut lines = message.lines();
    let (Some(head), Some(wallet), Some(issued), None) =
        (lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return Err(ValidationError::field(
            "message",
            "is not a kill switch text",
        ));
    };
    let wallet = wallet
        .strip_prefix("wallet: ")
        .and_then(|w| WalletId::parse(w).ok())
        .ok_or_else(|| ValidationError::field("message", "names no wallet"))?;
    let issued: i64 = issued
        .strip_prefix("issued: ")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| ValidationError::field("message", "has no issue time"))?;
    if head != "waiaas owner action: KILL_SWITCH" || message != kill_switch_text(wallet, issued) {
        return Err(ValidationError::field(
            "message",
            "is not a kill switch text",
        ));
    }
    Ok((wallet, issued))
}

/// The text an owner signs to prove their key (GRACE → LOCKED).
pub(crate) fn verification_text(wallet: WalletId, owner: &str, challenge: &str) -> String {
    format!("waiaas owner action: VERIFY\nwallet: {wallet}\nowner: {owner}\nchallenge: {challenge}")
}
