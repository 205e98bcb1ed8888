//! What a person reads in a chat or push message: an event rendered from the stored
//! transaction (never from the event's details alone), with a link to the approval
//! page for approval requests.

use waiaas_core::store::{Backend, TxRecord};
use waiaas_core::{TxStatus, Vault};

use super::{Event, EventKind};
use crate::approval_link;
use crate::error::Result;
use crate::owner::{OwnerAction, action_message, effect_summary, iso8601};

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Message {
    /// One line, ASCII (it travels in HTTP headers for ntfy).
    pub title: String,
    /// The text, lines separated by `\n`.
    pub body: String,
    /// The approval page (approval requests, when a page URL is set).
    pub link: Option<String>,
}

/// Whether channels send `kind`: what a person should act on or know at once.
pub(crate) fn for_people(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::TxApprovalRequired
            | EventKind::TxNotify
            | EventKind::KillSwitchActivated
            | EventKind::AutoStopTriggered
    )
}

/// What the store and vault hold that a message needs.
pub(crate) struct Sources<'a> {
    pub store: &'a dyn Backend,
    pub vault: &'a Vault,
}

impl Sources<'_> {
    fn record(&self, event: &Event) -> Result<Option<TxRecord>> {
        match event.tx_id {
            Some(id) => Ok(self.store.transaction(id)?),
            None => Ok(None),
        }
    }

    /// Renders `event`; `None` for kinds channels do not send.
    pub(crate) fn render(&self, event: &Event, now: i64) -> Result<Option<Message>> {
        if !for_people(event.kind) {
            return Ok(None);
        }
        let record = self.record(event)?;
        let message = match (event.kind, record) {
            (EventKind::TxApprovalRequired, Some(record)) => self.approval(&record, now)?,
            (EventKind::TxNotify, Some(record)) => Message {
                title: format!("waiaas: transaction signed on {}", record.network),
                body: format!(
                    "A NOTIFY-tier transaction was signed.\ntransaction: {}\nwallet: {}\n{}",
                    record.id,
                    record.wallet_id,
                    effect_summary(&record)?
                ),
                link: None,
            },
            (kind, _) => Message {
                title: format!("waiaas: {kind}"),
                body: format!(
                    "{kind}{}\n{}",
                    event
                        .wallet_id
                        .map(|w| format!(" on wallet {w}"))
                        .unwrap_or_default(),
                    event.details
                ),
                link: None,
            },
        };
        Ok(Some(message))
    }

    /// An approval request: the exact text the owner signs (every decoded effect, fee
    /// bound, USD value, expiry) and a fresh single-use link to its page.
    pub(crate) fn approval(&self, record: &TxRecord, now: i64) -> Result<Message> {
        let address = self.vault.wallet(record.wallet_id)?.address;
        let text = action_message(record, &address, OwnerAction::Approve)?;
        let link = match approval_link::page_url(self.store)? {
            Some(base) if record.status == TxStatus::PendingApproval => {
                Some(approval_link::mint(self.store, &base, record, now)?)
            }
            _ => None,
        };
        let left = record
            .expires_at
            .map(|e| {
                let minutes = e.saturating_sub(now).max(0) / 60;
                format!(" before {} ({minutes} min left)", iso8601(e))
            })
            .unwrap_or_default();
        let how = if link.is_some() {
            "Review it on the approval page and sign with the owner's wallet."
        } else {
            "Sign this text with the owner's key (`waiaas tx approve <id> --key-file …`); set `waiaas notify page-url` to get an approval page link."
        };
        Ok(Message {
            title: format!("waiaas: approval needed on {}", record.network),
            body: format!("A transaction needs the owner's approval{left}. {how}\n\n{text}"),
            link,
        })
    }
}
