//! The channel notifier: renders an event for people and sends it to one service —
//! Telegram (Bot API `sendMessage` with an inline "Review" button), ntfy (topic URL,
//! `Priority`, `Click` and a view action), Slack (incoming webhook, a button block),
//! Discord (webhook) — with the webhook's retry policy, on the dispatcher's worker
//! thread. Outcomes are counted in the store, so `waiaas status` shows them.
//!
//! Secrets (the bot token in the Bot API path, the webhook and topic URLs) stay inside
//! this type: `Debug` shows the channel's name and kind, and failures are described
//! by status or transport error, never by URL.

use std::fmt;
use std::sync::Arc;

use serde_json::json;
use waiaas_core::store::{Backend, ChannelRecord};
use waiaas_core::{ExposeSecret, SecretString, Vault};

use super::channels::{ChannelKind, ChannelParams, secret_label};
use super::http::{Attempt, agent, deliver_with_retries};
use super::message::{Message, Sources};
use super::webhook::WebhookOptions;
use super::{Event, Notifier};

/// Body limit of a service's answer that is read (Telegram's `{"ok":…}`).
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
/// Longest text each service takes (characters).
const TELEGRAM_MAX_CHARS: usize = 4096;
const DISCORD_MAX_CHARS: usize = 2000;
const SLACK_MAX_CHARS: usize = 3000;

/// Where and how one channel sends.
enum Service {
    Telegram {
        /// `<api>/bot<token>`: holds the token.
        bot_url: SecretString,
        chat_id: String,
    },
    Ntfy {
        topic_url: SecretString,
        priority: u8,
    },
    Slack {
        url: SecretString,
    },
    Discord {
        url: SecretString,
    },
}

/// Sends events to one configured channel.
pub(crate) struct ChannelNotifier {
    name: String,
    kind: ChannelKind,
    service: Service,
    agent: ureq::Agent,
    options: WebhookOptions,
    store: Arc<dyn Backend>,
    vault: Arc<Vault>,
}

impl fmt::Debug for ChannelNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelNotifier")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// `text` cut to `max` characters, marked when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl ChannelNotifier {
    /// The notifier of a stored channel; `None` when this build cannot send its kind.
    ///
    /// # Errors
    /// `VAULT_CORRUPT` when its secret fails to open; `STORAGE_ERROR` when its
    /// settings do not parse; `VALIDATION_FAILED` from the client settings.
    pub(crate) fn from_record(
        record: &ChannelRecord,
        store: Arc<dyn Backend>,
        vault: Arc<Vault>,
    ) -> crate::Result<Option<Self>> {
        let Some(kind) = ChannelKind::parse(&record.kind).filter(|k| k.supported()) else {
            return Ok(None);
        };
        let params =
            ChannelParams::parse(record).ok_or_else(|| waiaas_core::StoreError::CorruptRow {
                table: "notify_channels",
                reason: format!("settings of `{}` do not parse", record.name),
            })?;
        let plain =
            vault.open_labeled(&secret_label(&record.name, &record.kind), &record.secret)?;
        let secret = SecretString::from(String::from_utf8_lossy(&plain).into_owned());
        let service = match kind {
            ChannelKind::Telegram => Service::Telegram {
                bot_url: SecretString::from(format!(
                    "{}/bot{}",
                    params.api_url(),
                    secret.expose_secret()
                )),
                chat_id: params.chat_id.clone().unwrap_or_default(),
            },
            ChannelKind::Ntfy => Service::Ntfy {
                topic_url: secret,
                priority: params.priority(),
            },
            ChannelKind::Slack => Service::Slack { url: secret },
            ChannelKind::Discord => Service::Discord { url: secret },
        };
        let options = WebhookOptions::default();
        let agent = agent(&options)
            .map_err(|e| waiaas_core::ValidationError::field("options", e.to_string()))?;
        Ok(Some(Self {
            name: record.name.clone(),
            kind,
            service,
            agent,
            options,
            store,
            vault,
        }))
    }

    /// Sends `message` with retries and counts the outcome in the store.
    pub(crate) fn send_counted(&self, message: &Message, now: i64) {
        let outcome = deliver_with_retries(&self.options, || self.attempt(message));
        self.count(outcome.err().map(|e| e.to_string()).as_deref(), now);
    }

    /// Counts one outcome (`None`: delivered). Bookkeeping only: a failure to count
    /// never reaches the pipeline.
    pub(crate) fn count(&self, error: Option<&str>, now: i64) {
        let _counted = self.store.record_delivery(&self.name, error, now);
    }

    /// A Telegram channel's `<api>/bot<token>` and chat (`None` for other kinds).
    #[cfg(feature = "telegram")]
    pub(crate) fn telegram(&self) -> Option<(SecretString, &str)> {
        match &self.service {
            Service::Telegram { bot_url, chat_id } => Some((
                SecretString::from(bot_url.expose_secret().to_owned()),
                chat_id,
            )),
            _ => None,
        }
    }

    /// What messages are rendered from.
    pub(crate) fn sources(&self) -> Sources<'_> {
        Sources {
            store: self.store.as_ref(),
            vault: &self.vault,
        }
    }

    /// The vault's time.
    pub(crate) fn now(&self) -> i64 {
        self.vault.clock().now()
    }

    fn attempt(&self, m: &Message) -> Attempt {
        let json_post = |url: &str, body: serde_json::Value| {
            self.agent
                .post(url)
                .header("Content-Type", "application/json")
                .send(body.to_string().as_bytes())
        };
        let sent = match &self.service {
            Service::Telegram { bot_url, chat_id } => {
                let mut body = json!({
                    "chat_id": chat_id,
                    "text": clip(&format!("{}\n\n{}", m.title, m.body), TELEGRAM_MAX_CHARS),
                    "link_preview_options": { "is_disabled": true },
                });
                // A URL button under the message: Telegram opens the page in the app.
                if let (Some(link), Some(fields)) = (&m.link, body.as_object_mut()) {
                    fields.insert(
                        "reply_markup".to_owned(),
                        json!({ "inline_keyboard": [[{ "text": "Review", "url": link }]] }),
                    );
                }
                let send_url = format!("{}/sendMessage", bot_url.expose_secret());
                return match json_post(&send_url, body) {
                    Ok(mut response) => telegram_outcome(&mut response),
                    Err(error) => Attempt::of_error(&error),
                };
            }
            Service::Ntfy {
                topic_url,
                priority,
            } => {
                let mut request = self
                    .agent
                    .post(topic_url.expose_secret())
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .header("Title", &m.title)
                    .header("Priority", priority.to_string())
                    .header("Tags", "waiaas");
                if let Some(link) = &m.link {
                    request = request
                        .header("Click", link)
                        .header("Actions", format!("view, Review, {link}"));
                }
                request.send(m.body.as_bytes())
            }
            Service::Slack { url } => {
                let text = clip(&m.body, SLACK_MAX_CHARS);
                let mut blocks = vec![
                    json!({ "type": "header", "text": { "type": "plain_text", "text": m.title } }),
                    json!({ "type": "section", "text": { "type": "plain_text", "text": text } }),
                ];
                if let Some(link) = &m.link {
                    blocks.push(json!({ "type": "actions", "elements": [{
                        "type": "button",
                        "text": { "type": "plain_text", "text": "Review" },
                        "url": link,
                        "style": "primary",
                    }]}));
                }
                // No unfurling: a preview fetch must not spend the single-use link.
                json_post(
                    url.expose_secret(),
                    json!({
                        "text": m.title,
                        "blocks": blocks,
                        "unfurl_links": false,
                        "unfurl_media": false,
                    }),
                )
            }
            Service::Discord { url } => {
                let link = m
                    .link
                    .as_ref()
                    .map(|l| format!("\n\nReview: {l}"))
                    .unwrap_or_default();
                let room = DISCORD_MAX_CHARS.saturating_sub(link.chars().count());
                let content = clip(&format!("**{}**\n{}", m.title, m.body), room);
                json_post(
                    url.expose_secret(),
                    json!({
                        "content": format!("{content}{link}"),
                        // Nothing in a message may ping anyone.
                        "allowed_mentions": { "parse": [] },
                        // SUPPRESS_EMBEDS: no preview fetch spends the single-use link.
                        "flags": 4,
                    }),
                )
            }
        };
        match sent {
            Ok(response) => Attempt::of_status(response.status().as_u16()),
            Err(error) => Attempt::of_error(&error),
        }
    }
}

/// Telegram answers `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,
/// "description":…}`: success needs both a 2xx and `ok`.
fn telegram_outcome(response: &mut ureq::http::Response<ureq::Body>) -> Attempt {
    let status = response.status().as_u16();
    let outcome = Attempt::of_status(status);
    if !matches!(outcome, Attempt::Delivered) {
        return outcome;
    }
    let ok = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .is_some_and(|v| v.get("ok") == Some(&json!(true)));
    if ok {
        Attempt::Delivered
    } else {
        Attempt::Transient("telegram answered without `ok`".to_owned())
    }
}

impl Notifier for ChannelNotifier {
    fn notify(&self, event: &Event) {
        let now = self.now();
        match self.sources().render(event, now) {
            Ok(None) => {}
            Ok(Some(message)) => self.send_counted(&message, now),
            Err(e) => self.count(Some(&not_rendered(&e)), now),
        }
    }
}

/// The failure recorded when a message cannot be rendered.
pub(crate) fn not_rendered(e: &crate::Error) -> String {
    format!("message not rendered: {e} ({})", e.code())
}

/// The notifiers of every stored channel this build can send to. A channel whose
/// secret or settings cannot be read is not started; its failure is counted so the
/// status shows it.
pub(crate) fn channel_notifiers(
    store: &Arc<dyn Backend>,
    vault: &Arc<Vault>,
) -> Vec<Arc<dyn Notifier>> {
    let Ok(records) = store.channels() else {
        return Vec::new();
    };
    let now = vault.clock().now();
    records
        .iter()
        .filter_map(|record| {
            match ChannelNotifier::from_record(record, store.clone(), vault.clone()) {
                Ok(Some(n)) => Some(Arc::new(n) as Arc<dyn Notifier>),
                Ok(None) => None,
                Err(e) => {
                    let reason = format!("not started: {} ({})", e, e.code());
                    let _counted = store.record_delivery(&record.name, Some(&reason), now);
                    None
                }
            }
        })
        .collect()
}
