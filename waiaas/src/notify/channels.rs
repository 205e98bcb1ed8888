//! Notification channels the operator configures — Telegram, ntfy, Slack, Discord —
//! stored in the vault (secrets sealed under the data key) and started with the vault,
//! each as one more [`Notifier`](super::Notifier) behind the dispatcher.
//!
//! They send what a person should see: approval requests (the exact approval text with
//! its decoded effects, USD value and expiry, and a single-use link to the approval
//! page), NOTIFY-tier transactions, the kill switch and AutoStop. Sending a kind needs
//! its cargo feature (`telegram`, `ntfy`, `slack`, `discord`); a channel of a kind this
//! build lacks is kept but not started, and listed with `supported: false`.
//!
//! Channels are read when the vault is opened: one added by the CLI while a server
//! runs starts sending when the server is restarted.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use waiaas_core::audit::{Actor, AuditEntry};
use waiaas_core::store::ChannelRecord;
use waiaas_core::{ExposeSecret, SecretString, ValidationError};

use crate::Admin;
use crate::approval_link::{PAGE_URL_KEY, check_page_url};
use crate::config::redact_url;
use crate::error::Result;

/// Longest channel name.
const MAX_NAME_CHARS: usize = 64;
/// The Telegram Bot API.
pub(crate) const TELEGRAM_API: &str = "https://api.telegram.org";
/// ntfy priority when the operator sets none ("high": approvals are time-bound).
#[cfg(feature = "webhook")]
const DEFAULT_NTFY_PRIORITY: u8 = 4;

waiaas_core::string_enum! {
    /// Which service a channel sends to.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ChannelKind {
        /// A Telegram chat, through a bot (Bot API `sendMessage`).
        Telegram => "TELEGRAM",
        /// An ntfy topic (push notifications on phones and desktops).
        Ntfy => "NTFY",
        /// A Slack incoming webhook.
        Slack => "SLACK",
        /// A Discord webhook.
        Discord => "DISCORD",
    }
    field = "kind", what = "a channel kind";
}

impl ChannelKind {
    /// The cargo feature that sends to this kind.
    #[must_use]
    pub const fn feature(self) -> &'static str {
        match self {
            Self::Telegram => "telegram",
            Self::Ntfy => "ntfy",
            Self::Slack => "slack",
            Self::Discord => "discord",
        }
    }

    /// Whether this build can send to this kind.
    #[must_use]
    pub const fn supported(self) -> bool {
        match self {
            Self::Telegram => cfg!(feature = "telegram"),
            Self::Ntfy => cfg!(feature = "ntfy"),
            Self::Slack => cfg!(feature = "slack"),
            Self::Discord => cfg!(feature = "discord"),
        }
    }

    /// What the channel's secret is.
    const fn secret_name(self) -> &'static str {
        match self {
            Self::Telegram => "the bot token",
            Self::Ntfy => "the topic URL",
            Self::Slack | Self::Discord => "the webhook URL",
        }
    }
}

/// A channel to add. `secret` is the bot token (Telegram), the topic URL (ntfy: anyone
/// who knows it can read the topic) or the webhook URL (Slack, Discord): it is sealed
/// in the vault and never shown again, in `Debug`, errors or listings.
#[derive(Debug)]
pub struct NewChannel {
    /// The operator's name for it: 1–64 of `A-Z a-z 0-9 . _ -`.
    pub name: String,
    /// The service.
    pub kind: ChannelKind,
    /// The bot token, topic URL or webhook URL.
    pub secret: SecretString,
    /// Telegram: the chat to post to (a numeric id, negative for groups, or
    /// `@channelname`). Required for Telegram, refused for the others.
    pub chat_id: Option<String>,
    /// ntfy: the message priority, 1 (min) to 5 (urgent); default 4.
    pub priority: Option<u8>,
    /// Telegram: the Bot API base URL (default `https://api.telegram.org`; a local Bot
    /// API server or a test double otherwise).
    pub api_url: Option<String>,
}

/// A channel's public settings, stored in the clear beside its sealed secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ChannelParams {
    /// Where it sends, without path or query (`https://hooks.slack.com/…`).
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
}

impl ChannelParams {
    pub(crate) fn parse(record: &ChannelRecord) -> Option<Self> {
        serde_json::from_str(&record.params).ok()
    }

    #[cfg(feature = "webhook")]
    pub(crate) fn priority(&self) -> u8 {
        self.priority.unwrap_or(DEFAULT_NTFY_PRIORITY)
    }

    #[cfg(feature = "webhook")]
    pub(crate) fn api_url(&self) -> &str {
        self.api_url.as_deref().unwrap_or(TELEGRAM_API)
    }
}

/// A configured channel, as `waiaas notify list` and the status show it: never its
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelInfo {
    /// Its name.
    pub name: String,
    /// `TELEGRAM`, `NTFY`, `SLACK` or `DISCORD`.
    pub kind: String,
    /// Where it sends: scheme and host only (the path holds the secret).
    pub target: String,
    /// Telegram: the chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// ntfy: the priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// Whether this build can send to it (its cargo feature is on).
    pub supported: bool,
    /// Messages the service accepted (every process using the vault counts).
    pub delivered: u64,
    /// Messages given up on after retries.
    pub failed: u64,
    /// Why the last failure happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error_at: Option<i64>,
}

impl From<&ChannelRecord> for ChannelInfo {
    fn from(r: &ChannelRecord) -> Self {
        let params = ChannelParams::parse(r).unwrap_or_default();
        let kind = ChannelKind::parse(&r.kind);
        Self {
            name: r.name.clone(),
            kind: r.kind.clone(),
            target: params.target,
            chat_id: params.chat_id,
            priority: params.priority,
            supported: kind.is_some_and(ChannelKind::supported),
            delivered: r.delivered,
            failed: r.failed,
            last_error: r.last_error.clone(),
            last_error_at: r.last_error_at,
        }
    }
}

/// The label a channel's secret is sealed under: moving it to another channel's row
/// (or relabelling its kind) makes it fail to open.
pub(crate) fn secret_label(name: &str, kind: &str) -> String {
    format!("notify/{kind}/{name}")
}

fn field(name: &str, reason: impl Into<String>) -> ValidationError {
    ValidationError::field(name, reason)
}

impl NewChannel {
    /// Validates the channel and returns its public settings.
    fn check(&self) -> Result<ChannelParams, ValidationError> {
        let name_ok = !self.name.is_empty()
            && self.name.chars().count() <= MAX_NAME_CHARS
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !name_ok {
            return Err(field(
                "name",
                format!("use 1 to {MAX_NAME_CHARS} of `A-Z a-z 0-9 . _ -`"),
            ));
        }
        let telegram = self.kind == ChannelKind::Telegram;
        if self.chat_id.is_some() != telegram {
            return Err(field(
                "chatId",
                if telegram {
                    "is required for TELEGRAM: the chat's numeric id (negative for groups) or `@channelname`"
                } else {
                    "applies to TELEGRAM only"
                },
            ));
        }
        if self.api_url.is_some() && !telegram {
            return Err(field("apiUrl", "applies to TELEGRAM only"));
        }
        if self.priority.is_some() && self.kind != ChannelKind::Ntfy {
            return Err(field("priority", "applies to NTFY only"));
        }
        if let Some(p) = self.priority
            && !(1..=5).contains(&p)
        {
            return Err(field("priority", "must be 1 (min) to 5 (urgent)"));
        }
        if let Some(chat) = &self.chat_id {
            let numeric = chat
                .strip_prefix('-')
                .unwrap_or(chat)
                .chars()
                .all(|c| c.is_ascii_digit());
            let username = chat.strip_prefix('@').is_some_and(|u| {
                u.len() >= 5 && u.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            if chat.is_empty() || chat == "-" || !(numeric || username) {
                return Err(field(
                    "chatId",
                    "must be a numeric chat id (negative for groups) or `@channelname`",
                ));
            }
        }
        let secret = self.secret.expose_secret();
        if secret.trim() != secret || secret.is_empty() {
            return Err(field(
                "secret",
                format!(
                    "{} is empty or has surrounding spaces",
                    self.kind.secret_name()
                ),
            ));
        }
        if telegram {
            // `<bot id>:<key>`, as BotFather gives it.
            let shape = secret.split_once(':').is_some_and(|(id, key)| {
                !id.is_empty()
                    && id.chars().all(|c| c.is_ascii_digit())
                    && key.len() >= 20
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
            });
            if !shape {
                return Err(field(
                    "secret",
                    "is not a Telegram bot token (`<digits>:<key>` from @BotFather)",
                ));
            }
        }
        if !self.kind.supported() {
            return Err(field(
                "kind",
                format!(
                    "{} needs waiaas built with feature `{}`",
                    self.kind,
                    self.kind.feature()
                ),
            ));
        }
        let target = if telegram {
            self.api_url.as_deref().unwrap_or(TELEGRAM_API)
        } else {
            secret
        };
        #[cfg(feature = "webhook")]
        {
            let (which, url) = if telegram {
                ("apiUrl", target)
            } else {
                ("secret", secret)
            };
            super::http::check_url(url).map_err(|e| field(which, e.to_string()))?;
        }
        Ok(ChannelParams {
            target: redact_url(target),
            chat_id: self.chat_id.clone(),
            priority: self.priority,
            api_url: self
                .api_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_owned()),
        })
    }
}

impl Admin {
    /// Adds a notification channel; it starts sending when the vault is next opened
    /// (restart a running server).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a bad name, a field that does not apply to the kind, a
    /// malformed chat id, token or URL, an `https://` URL without feature
    /// `webhook-tls`, a kind this build cannot send (naming its feature), or a name
    /// already taken; `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn add_notification_channel(&self, channel: &NewChannel) -> Result<ChannelInfo> {
        let params = channel.check()?;
        let kind = channel.kind.as_str();
        let now = self.inner.now();
        let record = ChannelRecord {
            name: channel.name.clone(),
            kind: kind.to_owned(),
            params: serde_json::to_string(&params).map_err(|e| field("params", e.to_string()))?,
            secret: self.inner.vault.seal_labeled(
                &secret_label(&channel.name, kind),
                channel.secret.expose_secret().as_bytes(),
            )?,
            created_at: now,
            delivered: 0,
            failed: 0,
            last_error: None,
            last_error_at: None,
        };
        let audit = AuditEntry::new(now, &Actor::Operator, "NOTIFY_CHANNEL_ADDED")
            .details(serde_json::json!({ "name": channel.name, "kind": kind }));
        if !self.inner.store.insert_channel(&record, &audit)? {
            return Err(field(
                "name",
                format!("a channel named `{}` exists; remove it first", channel.name),
            )
            .into());
        }
        Ok(ChannelInfo::from(&record))
    }

    /// The notification channels, by name, with their delivery counts.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn notification_channels(&self) -> Result<Vec<ChannelInfo>> {
        Ok(self
            .inner
            .store
            .channels()?
            .iter()
            .map(ChannelInfo::from)
            .collect())
    }

    /// Removes a notification channel (a running server keeps sending to it until it
    /// is restarted).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` when no channel has that name; `VAULT_LOCKED`;
    /// `STORAGE_ERROR`.
    pub fn remove_notification_channel(&self, name: &str) -> Result<()> {
        let audit = AuditEntry::new(self.inner.now(), &Actor::Operator, "NOTIFY_CHANNEL_REMOVED")
            .details(serde_json::json!({ "name": name }));
        if self.inner.store.delete_channel(name, &audit)? {
            Ok(())
        } else {
            Err(field("name", format!("no channel is named `{name}`")).into())
        }
    }

    /// Sets (or with `None` clears) the public base URL of the approval page that
    /// channel messages link to: `<url>/approve/<txId>?t=<token>`. Read at each
    /// message, so it applies at once.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a URL that is not `http(s)://host[/path]`;
    /// `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn set_approval_page_url(&self, url: Option<&str>) -> Result<()> {
        let value = url.map(check_page_url).transpose()?.unwrap_or_default();
        let now = self.inner.now();
        let audit = AuditEntry::new(now, &Actor::Operator, "APPROVAL_PAGE_URL_SET")
            .details(serde_json::json!({ "url": value }));
        Ok(self
            .inner
            .store
            .set_setting(PAGE_URL_KEY, &value, now, &audit)?)
    }

    /// The approval page's public base URL, when set.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn approval_page_url(&self) -> Result<Option<String>> {
        crate::approval_link::page_url(self.inner.store.as_ref())
    }
}
