//! `waiaas notify …`: the notification channels and the approval page URL.

use std::path::Path;

use serde_json::json;
use waiaas::notify::{ChannelInfo, ChannelKind, NewChannel};
use waiaas::{Admin, SecretString};

use crate::args::NotifyCommand;
use crate::commands::operator::lines;
use crate::failure::{Failure, Outcome};
use crate::output::emit;

/// Where a channel's secret comes from when `--secret-file` is not given.
const SECRET_ENV: &str = "WAIAAS_NOTIFY_SECRET";

pub fn run(admin: &Admin, command: NotifyCommand, json: bool) -> Outcome {
    match command {
        NotifyCommand::Add {
            kind,
            name,
            chat_id,
            priority,
            api_url,
            secret_file,
        } => {
            let kind: ChannelKind = kind
                .to_ascii_uppercase()
                .parse()
                .map_err(waiaas::Error::from)?;
            let channel = NewChannel {
                name,
                kind,
                secret: secret(secret_file.as_deref())?,
                chat_id,
                priority,
                api_url,
            };
            let info = admin.add_notification_channel(&channel)?;
            emit(json, &info, |c| {
                format!(
                    "channel added: {}\n(a running server starts sending to it when restarted)",
                    channel_line(c)
                )
            })
        }
        NotifyCommand::List => {
            let channels = admin.notification_channels()?;
            let page = admin.approval_page_url()?;
            emit(
                json,
                &json!({ "pageUrl": page, "channels": channels }),
                |_| {
                    format!(
                        "approval page: {}\n{}",
                        page.as_deref()
                            .unwrap_or("not set (`waiaas notify page-url URL`)"),
                        lines(&channels, channel_line, "no channels")
                    )
                },
            )
        }
        NotifyCommand::Rm { name } => {
            admin.remove_notification_channel(&name)?;
            emit(json, &json!({ "removed": name }), |_| {
                format!("channel {name} removed")
            })
        }
        NotifyCommand::PageUrl { url, clear: _ } => {
            // clap makes `url` required unless `--clear`.
            admin.set_approval_page_url(url.as_deref())?;
            let page = admin.approval_page_url()?;
            emit(json, &json!({ "pageUrl": page }), |_| match &page {
                Some(p) => format!("approval page: {p}/approve/<txId>?t=<token>"),
                None => "approval page cleared: approval messages carry no link".to_owned(),
            })
        }
    }
}

/// The secret from `--secret-file` (trimmed) or `WAIAAS_NOTIFY_SECRET`.
fn secret(file: Option<&Path>) -> Result<SecretString, Failure> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path).map_err(|e| {
            Failure::cli(
                "CLI_SECRET_FILE",
                format!("cannot read `{}`: {e}", path.display()),
            )
        })?,
        None => std::env::var(SECRET_ENV).map_err(|_| {
            Failure::cli(
                "CLI_SECRET_FILE",
                format!(
                    "no secret: give the bot token or webhook URL with `--secret-file PATH` or `{SECRET_ENV}` (never on the command line)"
                ),
            )
        })?,
    };
    Ok(SecretString::from(text.trim().to_owned()))
}

/// One line per channel: name, kind, where, counts, last failure.
pub fn channel_line(c: &ChannelInfo) -> String {
    let mut line = format!(
        "{}  {}  {}{}  delivered {}  failed {}",
        c.name,
        c.kind,
        c.target,
        c.chat_id
            .as_ref()
            .map(|id| format!(" chat {id}"))
            .unwrap_or_default(),
        c.delivered,
        c.failed
    );
    if !c.supported {
        line.push_str("  (not sent by this build)");
    }
    if let Some(error) = &c.last_error {
        line.push_str(&format!("  last error: {error}"));
    }
    line
}
