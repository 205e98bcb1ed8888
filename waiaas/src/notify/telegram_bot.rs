//! Telegram bot commands by long polling (`getUpdates`): no public URL, no webhook.
//!
//! A Telegram channel's chat is a *linked* chat: there, `/pending` lists the approvals
//! waiting for the owner — each as the channel's approval message, with a fresh
//! single-use link to its page — and `/start` or `/help` says what the bot does.
//! Messages from any other chat get no answer. The bot never approves or rejects: a chat
//! identity is not a key, so approving always takes the owner's signature over the
//! exact text, on the page the link opens (or with `waiaas tx approve`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::thread;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use waiaas_core::store::{TxFilter, TxRecord};
use waiaas_core::{ExposeSecret, SecretString, TxStatus};

use super::channels::ChannelKind;
use super::chat::{ChannelNotifier, not_rendered};
use super::http::{agent, describe};
use super::message::Message;
use super::webhook::WebhookOptions;
use crate::Waiaas;
use crate::pipeline::Instance;

/// The most approvals one `/pending` lists (newest first).
const MAX_LISTED: u32 = 10;
/// Longest wait after failed polls.
const MAX_POLL_BACKOFF: Duration = Duration::from_secs(60);
/// Body limit of a `getUpdates` answer.
const MAX_UPDATES_BYTES: u64 = 1024 * 1024;

/// The bots polling for commands; dropping it stops them (each after its current
/// poll, which lasts at most the poll timeout). They hold no handle on the vault
/// between commands, so dropping the last [`Waiaas`] handle locks it at once.
#[derive(Debug)]
pub struct TelegramBots {
    stop: Arc<AtomicBool>,
    bots: usize,
}

impl TelegramBots {
    /// How many bots poll (one per distinct bot token).
    #[must_use]
    pub fn bots(&self) -> usize {
        self.bots
    }
}

impl Drop for TelegramBots {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

#[derive(Deserialize)]
struct Updates {
    ok: bool,
    #[serde(default)]
    result: Vec<Update>,
}

#[derive(Deserialize)]
struct Update {
    update_id: i64,
    message: Option<IncomingMessage>,
}

#[derive(Deserialize)]
struct IncomingMessage {
    chat: Chat,
    text: Option<String>,
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
    username: Option<String>,
}

/// One bot token and the chats linked to it (chat id as configured, channel name).
struct Bot {
    bot_url: SecretString,
    chats: Vec<(String, String)>,
    agent: ureq::Agent,
    poll_secs: u64,
    inner: Weak<Instance>,
    stop: Arc<AtomicBool>,
}

impl Waiaas {
    /// Starts one long-polling thread per Telegram bot among the notification
    /// channels; each answers `/pending`, `/start` and `/help` in the chats linked to
    /// it (see the module docs). `poll` is how long one `getUpdates` waits for news (at
    /// least 1 s; 25 s suits production). A channel whose secret cannot be opened is
    /// skipped and its failure counted.
    #[must_use]
    pub fn spawn_telegram_bots(&self, poll: Duration) -> TelegramBots {
        let stop = Arc::new(AtomicBool::new(false));
        let poll_secs = poll.as_secs().max(1);
        let options = WebhookOptions {
            timeout: Duration::from_secs(poll_secs.saturating_add(10)),
            ..WebhookOptions::default()
        };
        let mut bots: Vec<Bot> = Vec::new();
        let now = self.inner.now();
        for record in self.inner.store.channels().unwrap_or_default() {
            if record.kind != ChannelKind::Telegram.as_str() {
                continue;
            }
            let channel = match ChannelNotifier::from_record(
                &record,
                self.inner.store.clone(),
                self.inner.vault.clone(),
            ) {
                Ok(Some(channel)) => channel,
                Ok(None) => continue,
                Err(e) => {
                    let reason = format!("bot not started: {e} ({})", e.code());
                    let _counted =
                        self.inner
                            .store
                            .record_delivery(&record.name, Some(&reason), now);
                    continue;
                }
            };
            let Some((bot_url, chat)) = channel.telegram() else {
                continue;
            };
            let link = (chat.to_owned(), record.name.clone());
            if let Some(bot) = bots
                .iter_mut()
                .find(|b| b.bot_url.expose_secret() == bot_url.expose_secret())
            {
                bot.chats.push(link);
            } else if let Ok(agent) = agent(&options) {
                bots.push(Bot {
                    bot_url,
                    chats: vec![link],
                    agent,
                    poll_secs,
                    inner: Arc::downgrade(&self.inner),
                    stop: stop.clone(),
                });
            }
        }
        let count = bots.len();
        for (index, bot) in bots.into_iter().enumerate() {
            // A bot whose thread cannot start answers nothing; sends are unaffected.
            let _spawned = thread::Builder::new()
                .name(format!("waiaas-telegram-{index}"))
                .spawn(move || bot.run());
        }
        TelegramBots { stop, bots: count }
    }
}

impl Bot {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    fn run(self) {
        let mut offset: i64 = 0;
        let mut failures: u32 = 0;
        let mut last_error: Option<String> = None;
        while !self.stopped() {
            match self.updates(offset) {
                Ok(updates) => {
                    failures = 0;
                    last_error = None;
                    for update in updates {
                        // Confirms this update to Telegram at the next poll.
                        offset = offset.max(update.update_id.saturating_add(1));
                        if let Some(message) = update.message
                            && !self.answer(&message)
                        {
                            return;
                        }
                    }
                }
                Err(reason) => {
                    // Counted once per new reason, not once per poll.
                    if last_error.as_deref() != Some(reason.as_str()) {
                        if !self.record(&format!("telegram getUpdates: {reason}")) {
                            return;
                        }
                        last_error = Some(reason);
                    }
                    failures = failures.saturating_add(1);
                    let wait = Duration::from_secs(2_u64.saturating_pow(failures.min(6)))
                        .min(MAX_POLL_BACKOFF);
                    self.sleep(wait);
                }
            }
        }
    }

    /// Sleeps `wait` in short steps, returning early when stopped.
    fn sleep(&self, wait: Duration) {
        let step = Duration::from_millis(100);
        let mut left = wait;
        while !left.is_zero() && !self.stopped() {
            let now = left.min(step);
            thread::sleep(now);
            left = left.saturating_sub(now);
        }
    }

    /// Counts a poll failure on the bot's first channel; `false` once the instance is
    /// gone.
    fn record(&self, reason: &str) -> bool {
        let Some(inner) = self.inner.upgrade() else {
            return false;
        };
        if let Some((_, name)) = self.chats.first() {
            let _counted = inner.store.record_delivery(name, Some(reason), inner.now());
        }
        true
    }

    fn updates(&self, offset: i64) -> Result<Vec<Update>, String> {
        let body = json!({
            "offset": offset,
            "timeout": self.poll_secs,
            "allowed_updates": ["message"],
        });
        let mut response = self
            .agent
            .post(&format!("{}/getUpdates", self.bot_url.expose_secret()))
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes())
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        if !(200..=299).contains(&status) {
            return Err(format!("http status {status}"));
        }
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_UPDATES_BYTES)
            .read_to_string()
            .map_err(|e| describe(&e))?;
        match serde_json::from_str::<Updates>(&text) {
            Ok(updates) if updates.ok => Ok(updates.result),
            _ => Err("telegram answered without `ok`".to_owned()),
        }
    }

    /// The channel linked to `chat`, if any.
    fn linked(&self, chat: &Chat) -> Option<&str> {
        let id = chat.id.to_string();
        let username = chat.username.as_ref().map(|u| format!("@{u}"));
        self.chats
            .iter()
            .find(|(linked, _)| *linked == id || username.as_deref() == Some(linked.as_str()))
            .map(|(_, name)| name.as_str())
    }

    /// Answers one message; `false` once the instance is gone.
    fn answer(&self, message: &IncomingMessage) -> bool {
        let Some(channel_name) = self.linked(&message.chat) else {
            return true;
        };
        // `/pending@waiaas_bot` in groups names the bot.
        let command = message
            .text
            .as_deref()
            .and_then(|t| t.split_whitespace().next())
            .map(|c| c.split('@').next().unwrap_or(c));
        let Some(command @ ("/pending" | "/start" | "/help")) = command else {
            return true;
        };
        let Some(inner) = self.inner.upgrade() else {
            return false;
        };
        let Ok(Some(record)) = inner
            .store
            .channels()
            .map(|all| all.into_iter().find(|c| c.name == channel_name))
        else {
            return true;
        };
        let Ok(Some(channel)) =
            ChannelNotifier::from_record(&record, inner.store.clone(), inner.vault.clone())
        else {
            return true;
        };
        let now = channel.now();
        if command == "/pending" {
            pending(&inner, &channel, now);
        } else {
            channel.send_counted(&help(), now);
        }
        true
    }
}

fn help() -> Message {
    Message {
        title: "waiaas".to_owned(),
        body: "This bot announces transactions that wait for the wallet owner's approval. \
               /pending lists them, each with a link to its approval page (a link opens \
               once). The bot cannot approve anything: approving takes the owner's \
               signature on that page."
            .to_owned(),
        link: None,
    }
}

/// Lists the pending approvals in the channel's chat: a summary, then each one's
/// approval message with a fresh link.
fn pending(inner: &Instance, channel: &ChannelNotifier, now: i64) {
    let filter = TxFilter {
        statuses: vec![TxStatus::PendingApproval],
        limit: MAX_LISTED,
        ..TxFilter::default()
    };
    let open: Vec<TxRecord> = match inner.store.transactions(&filter) {
        Ok(rows) => rows
            .into_iter()
            .filter(|r| r.expires_at.is_some_and(|e| e > now))
            .collect(),
        Err(e) => {
            channel.count(Some(&not_rendered(&e.into())), now);
            return;
        }
    };
    let summary = match open.len() {
        0 => "No transaction waits for the owner's approval.".to_owned(),
        n => format!(
            "{n} transaction(s) wait for the owner's approval{}; each follows with a link to its page.",
            if n >= MAX_LISTED as usize {
                " (the newest shown)"
            } else {
                ""
            }
        ),
    };
    channel.send_counted(
        &Message {
            title: "waiaas: pending approvals".to_owned(),
            body: summary,
            link: None,
        },
        now,
    );
    let sources = channel.sources();
    for record in &open {
        match sources.approval(record, now) {
            Ok(message) => channel.send_counted(&message, now),
            Err(e) => channel.count(Some(&not_rendered(&e)), now),
        }
    }
}
