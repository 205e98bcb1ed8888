//! The notification channels (Telegram, ntfy, Slack, Discord) against local replay
//! servers on 127.0.0.1 that answer as each service documents (there is no network
//! here): what each message carries (the approval text, the single-use page link), the
//! retries, the counts in the status, and that no secret ever shows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::time::{Duration, Instant};

use common::{OwnerKey, sol_req};
use serde_json::{Value, json};
use waiaas::notify::{ChannelInfo, ChannelKind, NewChannel};
use waiaas::{Admin, Network, SecretString, TxId};
use waiaas_test_support::replay_server::Replay;

const BOT_TOKEN: &str = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-4Q";
const TOPIC: &str = "/waiaas-topic-Zq9wX3secret";
const SLACK_PATH: &str = "/services/T0000/B0000/XXXXslacksecretXXXX";
const DISCORD_PATH: &str = "/api/webhooks/1234/discordsecretTOKEN";
const PAGE: &str = "https://wallet.example/ops";

/// Answers as the services document success.
fn services() -> Replay {
    let r = Replay::start();
    r.route(
        "/bot",
        200,
        json!({"ok": true, "result": {"message_id": 7, "chat": {"id": -100_123, "type": "group"}, "date": 1_764_330_000}}).to_string(),
    );
    r.route(
        TOPIC,
        200,
        json!({"id": "sPs71M8A2T", "time": 1_764_330_000, "expires": 1_764_373_200, "event": "message", "topic": "waiaas-topic-Zq9wX3secret", "message": "…"}).to_string(),
    );
    r.route(SLACK_PATH, 200, "ok".to_owned());
    r.route(DISCORD_PATH, 204, String::new());
    r
}

fn channel(name: &str, kind: ChannelKind, secret: String) -> NewChannel {
    NewChannel {
        name: name.to_owned(),
        kind,
        secret: SecretString::from(secret),
        chat_id: None,
        priority: None,
        api_url: None,
    }
}

fn add_all(admin: &Admin, server: &Replay) {
    let url = server.url();
    admin
        .add_notification_channel(&NewChannel {
            chat_id: Some("-100123".to_owned()),
            api_url: Some(url.clone()),
            ..channel("ops-telegram", ChannelKind::Telegram, BOT_TOKEN.to_owned())
        })
        .unwrap();
    admin
        .add_notification_channel(&NewChannel {
            priority: Some(5),
            ..channel("phone", ChannelKind::Ntfy, format!("{url}{TOPIC}"))
        })
        .unwrap();
    admin
        .add_notification_channel(&channel(
            "slack",
            ChannelKind::Slack,
            format!("{url}{SLACK_PATH}"),
        ))
        .unwrap();
    admin
        .add_notification_channel(&channel(
            "discord",
            ChannelKind::Discord,
            format!("{url}{DISCORD_PATH}"),
        ))
        .unwrap();
}

/// Waits until the channels have counted `n` outcomes in all.
fn settled(admin: &Admin, n: u64) -> Vec<ChannelInfo> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let channels = admin.notification_channels().unwrap();
        let done: u64 = channels.iter().map(|c| c.delivered + c.failed).sum();
        if done >= n || Instant::now() > deadline {
            assert_eq!(done, n, "{channels:?}");
            return channels;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn by_name<'a>(channels: &'a [ChannelInfo], name: &str) -> &'a ChannelInfo {
    channels.iter().find(|c| c.name == name).unwrap()
}

/// The body of the request whose head contains `path`.
fn body_to(server: &Replay, path: &str) -> Vec<(String, String)> {
    server
        .requests()
        .into_iter()
        .zip(server.bodies())
        .filter(|(head, _)| head.contains(path))
        .collect()
}

/// A header's value (names are case-insensitive on the wire).
fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

/// The token of a page link for `tx`.
fn token(link: &str, tx: TxId) -> String {
    let prefix = format!("{PAGE}/approve/{tx}?t=");
    assert!(link.starts_with(&prefix), "{link}");
    link[prefix.len()..].to_owned()
}

/// A world whose reopened vault runs the four channels, with an owner and the page URL.
fn set_up(server: &Replay) -> (common::World, Admin, waiaas_core::WalletInfo, OwnerKey) {
    let w = common::world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let owner = OwnerKey::solana(2);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    w.admin
        .set_approval_page_url(Some(&format!("{PAGE}/")))
        .unwrap();
    add_all(&w.admin, server);
    // Channels start with the vault.
    let admin = w.reopen();
    (w, admin, wallet, owner)
}

#[test]
fn approval_requests_and_notify_events_reach_every_channel_with_the_text_and_a_page_link() {
    let server = services();
    let (w, admin, wallet, owner) = set_up(&server);
    assert_eq!(admin.approval_page_url().unwrap().as_deref(), Some(PAGE));
    let agent = {
        let issued = admin
            .create_session(&waiaas::CreateSession::new(vec![wallet.id]))
            .unwrap();
        admin.agent(issued.token.expose()).unwrap()
    };
    let notified = agent.send(&sol_req(&wallet.address, "0.5")).unwrap();
    let pending = agent.send(&sol_req(&wallet.address, "20")).unwrap();
    assert_eq!(pending.status, waiaas::TxStatus::PendingApproval);
    let channels = settled(&admin, 8);
    for c in &channels {
        assert_eq!((c.delivered, c.failed, c.supported), (2, 0, true), "{c:?}");
    }
    let text = admin
        .owner_actions()
        .approval_request(pending.id)
        .unwrap()
        .approve_message
        .unwrap();
    assert!(text.contains("effect 1: send 20 SOL"), "{text}");
    assert!(text.contains("2000 USD at admission"), "{text}");

    // Telegram: sendMessage to the chat, the approval text, a "Review" URL button.
    let telegram = body_to(&server, &format!("POST /bot{BOT_TOKEN}/sendMessage"));
    assert_eq!(telegram.len(), 2);
    let first: Value = serde_json::from_str(&telegram[0].1).unwrap();
    assert_eq!(first["chat_id"], "-100123");
    assert!(
        first["text"]
            .as_str()
            .unwrap()
            .contains(&notified.id.to_string())
    );
    assert!(first["text"].as_str().unwrap().contains("send 0.5 SOL"));
    assert!(first.get("reply_markup").is_none());
    let approval: Value = serde_json::from_str(&telegram[1].1).unwrap();
    assert!(
        approval["text"].as_str().unwrap().contains(&text),
        "the exact approval text"
    );
    assert!(approval["text"].as_str().unwrap().contains("min left"));
    let button = &approval["reply_markup"]["inline_keyboard"][0][0];
    assert_eq!(button["text"], "Review");
    let telegram_link = button["url"].as_str().unwrap().to_owned();

    // ntfy: the text as the body, priority, click action and a view action.
    let ntfy = body_to(&server, &format!("POST {TOPIC}"));
    assert_eq!(ntfy.len(), 2);
    let (head, body) = &ntfy[1];
    assert!(body.contains(&text));
    assert_eq!(header(head, "priority").as_deref(), Some("5"), "{head}");
    assert_eq!(
        header(head, "title").as_deref(),
        Some("waiaas: approval needed on solana-devnet")
    );
    let click = header(head, "click").unwrap();
    assert_eq!(
        header(head, "actions"),
        Some(format!("view, Review, {click}"))
    );

    // Slack: a header, the text, a button to the page.
    let slack = body_to(&server, &format!("POST {SLACK_PATH}"));
    let blocks: Value = serde_json::from_str(&slack[1].1).unwrap();
    assert!(
        blocks["blocks"][1]["text"]["text"]
            .as_str()
            .unwrap()
            .contains(&text)
    );
    assert_eq!(blocks["unfurl_links"], false);
    let slack_link = blocks["blocks"][2]["elements"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();

    // Discord: the text and the link in the content, pinging nobody.
    let discord = body_to(&server, &format!("POST {DISCORD_PATH}"));
    let message: Value = serde_json::from_str(&discord[1].1).unwrap();
    let content = message["content"].as_str().unwrap();
    assert!(content.contains("effect 1: send 20 SOL"));
    assert_eq!(message["allowed_mentions"], json!({"parse": []}));
    assert_eq!(message["flags"], 4, "no embed preview may fetch the link");
    let discord_link = content.rsplit("Review: ").next().unwrap().to_owned();

    // Each channel has its own link; each opens this transaction's page once.
    let links = [&telegram_link, &click, &slack_link, &discord_link];
    for (i, a) in links.iter().enumerate() {
        for b in &links[i + 1..] {
            assert_ne!(a, b);
        }
    }
    let owner_actions = admin.owner_actions();
    let page = owner_actions
        .open_approval_link(pending.id, &token(&telegram_link, pending.id))
        .unwrap();
    assert_eq!(page.request.approve_message.as_deref(), Some(text.as_str()));
    assert!(page.request.reject_message.is_some());
    assert_eq!(page.chain, "solana");
    assert_eq!(page.network, "solana-devnet");
    assert_eq!(page.wallet_address, wallet.address);
    assert_eq!(
        page.effects,
        [format!(
            "send 20 SOL (20000000000 base units; 2000 USD at admission) to {}",
            wallet.address
        )]
    );
    assert!(page.max_fee.starts_with("0.000005 SOL"), "{}", page.max_fee);
    assert_eq!(page.value, "2000.0005 USD");
    // Its JSON: the request's fields and the page's, camelCase.
    let json = serde_json::to_value(&page).unwrap();
    assert_eq!(json["approveMessage"], text.as_str());
    assert_eq!(json["walletAddress"], wallet.address.as_str());
    let again = owner_actions
        .open_approval_link(pending.id, &token(&telegram_link, pending.id))
        .unwrap_err();
    assert_eq!(again.code(), "APPROVAL_LINK_USED");
    let other = owner_actions
        .open_approval_link(notified.id, &token(&click, pending.id))
        .unwrap_err();
    assert_eq!(other.code(), "APPROVAL_LINK_INVALID");
    let forged = owner_actions
        .open_approval_link(pending.id, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .unwrap_err();
    assert_eq!(forged.code(), "APPROVAL_LINK_INVALID");
    // The link lives as long as the approval window.
    let expires = owner_actions
        .approval_request(pending.id)
        .unwrap()
        .expires_at
        .unwrap();
    w.clock.set(expires);
    let late = owner_actions
        .open_approval_link(pending.id, &token(&slack_link, pending.id))
        .unwrap_err();
    assert_eq!(late.code(), "APPROVAL_LINK_EXPIRED");

    // The operator can mint a link by hand, for a pending transaction only.
    assert_eq!(
        admin.approval_link(notified.id).unwrap_err().to_string(),
        format!(
            "invalid `txId`: transaction `{}` is SIGNED, not PENDING_APPROVAL",
            notified.id
        )
    );

    // Opening a link is audited; the owner still signs to approve.
    let log = admin.audit_log(0, 0).unwrap();
    assert_eq!(
        log.iter()
            .filter(|r| r.entry.event == "APPROVAL_LINK_OPENED")
            .count(),
        1
    );
    let _ = owner;
}

#[test]
fn failures_are_retried_with_backoff_counted_and_shown_in_the_status() {
    let server = services();
    // Telegram: one 502, then its normal answer. ntfy: 429 then OK.
    server.route_once("/bot", 502, "<html>Bad Gateway</html>".to_owned());
    server.route_once(
        TOPIC,
        429,
        json!({"code": 42908, "http": 429, "error": "limit reached"}).to_string(),
    );
    // Slack: down for good (500 every time). Discord: a documented 4xx, not retried.
    server.route(SLACK_PATH, 500, "rollup_error".to_owned());
    server.route(
        DISCORD_PATH,
        404,
        json!({"message": "Unknown Webhook", "code": 10015}).to_string(),
    );
    let (_w, admin, wallet, _owner) = set_up(&server);
    let agent = {
        let issued = admin
            .create_session(&waiaas::CreateSession::new(vec![wallet.id]))
            .unwrap();
        admin.agent(issued.token.expose()).unwrap()
    };
    let started = Instant::now();
    agent.send(&sol_req(&wallet.address, "0.5")).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "a send never waits for a channel"
    );
    let channels = settled(&admin, 4);
    let telegram = by_name(&channels, "ops-telegram");
    assert_eq!((telegram.delivered, telegram.failed), (1, 0));
    assert_eq!(body_to(&server, "/bot").len(), 2);
    let ntfy = by_name(&channels, "phone");
    assert_eq!((ntfy.delivered, ntfy.failed), (1, 0));
    let slack = by_name(&channels, "slack");
    assert_eq!((slack.delivered, slack.failed), (0, 1));
    assert_eq!(
        slack.last_error.as_deref(),
        Some("webhook delivery failed after 4 attempts: http status 500")
    );
    assert_eq!(body_to(&server, SLACK_PATH).len(), 4);
    let discord = by_name(&channels, "discord");
    assert_eq!((discord.delivered, discord.failed), (0, 1));
    assert_eq!(
        discord.last_error.as_deref(),
        Some("webhook receiver refused the event with http status 404")
    );
    assert_eq!(body_to(&server, DISCORD_PATH).len(), 1);

    // The operator's status carries the same counts.
    let status = waiaas::api::AdminStatus::of(&admin).unwrap();
    assert_eq!(status.notification_channels, channels);
}

#[test]
fn a_telegram_answer_without_ok_is_a_failure() {
    let server = services();
    server.route(
        "/bot",
        400,
        json!({"ok": false, "error_code": 400, "description": "Bad Request: chat not found"})
            .to_string(),
    );
    let (_w, admin, wallet, _owner) = set_up(&server);
    let issued = admin
        .create_session(&waiaas::CreateSession::new(vec![wallet.id]))
        .unwrap();
    let agent = admin.agent(issued.token.expose()).unwrap();
    agent.send(&sol_req(&wallet.address, "0.5")).unwrap();
    let channels = settled(&admin, 4);
    let telegram = by_name(&channels, "ops-telegram");
    assert_eq!((telegram.delivered, telegram.failed), (0, 1));
}

#[test]
fn secrets_never_appear_in_debug_errors_listings_the_audit_log_or_the_database_file() {
    let server = services();
    server.route(SLACK_PATH, 500, "rollup_error".to_owned());
    let (w, admin, wallet, _owner) = set_up(&server);
    let issued = admin
        .create_session(&waiaas::CreateSession::new(vec![wallet.id]))
        .unwrap();
    let agent = admin.agent(issued.token.expose()).unwrap();
    agent.send(&sol_req(&wallet.address, "0.5")).unwrap();
    let channels = settled(&admin, 4);
    let secrets = [
        BOT_TOKEN,
        "AAEhBOweik6ad9r",
        "Zq9wX3secret",
        "slacksecret",
        "discordsecretTOKEN",
    ];
    let new = channel(
        "x",
        ChannelKind::Slack,
        format!("{}{SLACK_PATH}", server.url()),
    );
    let mut seen = vec![
        format!("{admin:?}"),
        format!("{new:?}"),
        serde_json::to_string(&channels).unwrap(),
        serde_json::to_string(&waiaas::api::AdminStatus::of(&admin).unwrap()).unwrap(),
        serde_json::to_string(&admin.audit_log(0, 0).unwrap()).unwrap(),
    ];
    // Refusals name the field, never the value.
    for bad in [
        NewChannel {
            chat_id: Some("-1".to_owned()),
            ..channel("t", ChannelKind::Telegram, format!("{BOT_TOKEN} "))
        },
        channel("dup", ChannelKind::Slack, format!("ftp://x{SLACK_PATH}")),
        channel(
            "slack",
            ChannelKind::Slack,
            format!("{}{SLACK_PATH}", server.url()),
        ),
    ] {
        let e = admin.add_notification_channel(&bad).unwrap_err();
        assert_eq!(e.code(), "VALIDATION_FAILED", "{e}");
        seen.push(e.to_string());
        seen.push(format!("{e:?}"));
    }
    for text in &seen {
        for s in secrets {
            assert!(!text.contains(s), "`{s}` leaked into {text}");
        }
    }
    let mut stored = Vec::new();
    for file in ["waiaas.db", "waiaas.db-wal"] {
        if let Ok(bytes) = std::fs::read(w.dir.path().join("vault").join(file)) {
            stored.extend(bytes);
        }
    }
    for s in secrets {
        assert!(
            !stored.windows(s.len()).any(|win| win == s.as_bytes()),
            "`{s}` stored in the clear"
        );
    }
}

#[test]
fn channels_are_validated_listed_and_removed() {
    let server = services();
    let w = common::world();
    let admin = &w.admin;
    let refused = |c: NewChannel| admin.add_notification_channel(&c).unwrap_err().to_string();
    let slack = || {
        channel(
            "slack",
            ChannelKind::Slack,
            format!("{}{SLACK_PATH}", server.url()),
        )
    };
    assert_eq!(
        refused(channel("tg", ChannelKind::Telegram, BOT_TOKEN.to_owned())),
        "invalid `chatId`: is required for TELEGRAM: the chat's numeric id (negative for groups) or `@channelname`"
    );
    assert_eq!(
        refused(NewChannel {
            chat_id: Some("-100123".to_owned()),
            ..channel("tg", ChannelKind::Telegram, "not-a-token".to_owned())
        }),
        "invalid `secret`: is not a Telegram bot token (`<digits>:<key>` from @BotFather)"
    );
    assert_eq!(
        refused(NewChannel {
            priority: Some(3),
            ..slack()
        }),
        "invalid `priority`: applies to NTFY only"
    );
    assert_eq!(
        refused(NewChannel {
            priority: Some(6),
            ..channel("n", ChannelKind::Ntfy, format!("{}{TOPIC}", server.url()))
        }),
        "invalid `priority`: must be 1 (min) to 5 (urgent)"
    );
    assert_eq!(
        refused(NewChannel {
            name: "a b".to_owned(),
            ..slack()
        }),
        "invalid `name`: use 1 to 64 of `A-Z a-z 0-9 . _ -`"
    );
    let info = admin.add_notification_channel(&slack()).unwrap();
    assert_eq!(info.target, format!("{}/…", server.url()));
    assert_eq!(
        refused(slack()),
        "invalid `name`: a channel named `slack` exists; remove it first"
    );
    assert_eq!(admin.notification_channels().unwrap(), vec![info]);
    admin.remove_notification_channel("slack").unwrap();
    assert!(admin.notification_channels().unwrap().is_empty());
    assert_eq!(
        admin
            .remove_notification_channel("slack")
            .unwrap_err()
            .to_string(),
        "invalid `name`: no channel is named `slack`"
    );
    assert_eq!(
        admin
            .set_approval_page_url(Some("wallet.example"))
            .unwrap_err()
            .to_string(),
        "invalid `pageUrl`: must start with `https://` (or `http://` on a private network)"
    );
    admin.set_approval_page_url(None).unwrap();
    assert_eq!(admin.approval_page_url().unwrap(), None);
    assert_eq!(
        admin.approval_link(TxId::new()).unwrap_err().to_string(),
        "invalid `pageUrl`: is not set: set the approval page URL first"
    );
}

#[test]
fn without_a_page_url_the_approval_message_says_how_to_sign_and_has_no_link() {
    let server = services();
    let w = common::world();
    let wallet = w.wallet(Network::SolanaDevnet);
    w.admin
        .set_owner(wallet.id, &OwnerKey::solana(2).address())
        .unwrap();
    w.admin
        .add_notification_channel(&NewChannel {
            chat_id: Some("@waiaas_ops".to_owned()),
            api_url: Some(server.url()),
            ..channel("tg", ChannelKind::Telegram, BOT_TOKEN.to_owned())
        })
        .unwrap();
    let admin = w.reopen();
    let issued = admin
        .create_session(&waiaas::CreateSession::new(vec![wallet.id]))
        .unwrap();
    let agent = admin.agent(issued.token.expose()).unwrap();
    agent.send(&sol_req(&wallet.address, "20")).unwrap();
    settled(&admin, 1);
    let sent: Value = serde_json::from_str(&server.bodies()[0]).unwrap();
    assert_eq!(sent["chat_id"], "@waiaas_ops");
    assert!(sent.get("reply_markup").is_none());
    assert!(sent["text"].as_str().unwrap().contains("waiaas tx approve"));
}

/// A Telegram update carrying `text` from chat `chat`.
fn update(id: i64, chat: i64, text: &str) -> Value {
    json!({"update_id": id, "message": {"message_id": id, "date": 1_764_330_000, "chat": {"id": chat, "type": "group", "title": "ops"}, "from": {"id": 42, "is_bot": false, "first_name": "Ann"}, "text": text}})
}

#[test]
fn the_telegram_bot_lists_pending_approvals_with_links_in_linked_chats_only_and_never_approves() {
    let server = Replay::start();
    let get_updates = format!("/bot{BOT_TOKEN}/getUpdates");
    // One batch of updates, then Telegram's answer to a second poller (409), which
    // makes the bot back off instead of polling a replay server in a tight loop.
    server.route_once(
        &get_updates,
        200,
        json!({"ok": true, "result": [
            update(100, -999, "/pending"),
            update(101, -100_123, "/approve everything"),
            update(102, -100_123, "/pending@waiaas_bot"),
        ]})
        .to_string(),
    );
    server.route(
        &get_updates,
        409,
        json!({"ok": false, "error_code": 409, "description": "Conflict: terminated by other getUpdates request"}).to_string(),
    );
    server.route(
        "/bot",
        200,
        json!({"ok": true, "result": {"message_id": 7, "chat": {"id": -100_123, "type": "group"}, "date": 1_764_330_000}}).to_string(),
    );
    let w = common::world();
    let wallet = w.wallet(Network::SolanaDevnet);
    w.admin
        .set_owner(wallet.id, &OwnerKey::solana(2).address())
        .unwrap();
    w.admin.set_approval_page_url(Some(PAGE)).unwrap();
    w.admin
        .add_notification_channel(&NewChannel {
            chat_id: Some("-100123".to_owned()),
            api_url: Some(server.url()),
            ..channel("ops-telegram", ChannelKind::Telegram, BOT_TOKEN.to_owned())
        })
        .unwrap();
    let agent = w.agent(wallet.id);
    let a = agent.send(&sol_req(&wallet.address, "20")).unwrap();
    let b = agent.send(&sol_req(&wallet.address, "30")).unwrap();

    let bots = w.admin.waiaas().spawn_telegram_bots(Duration::from_secs(1));
    assert_eq!(bots.bots(), 1);
    let sent_path = format!("POST /bot{BOT_TOKEN}/sendMessage");
    let deadline = Instant::now() + Duration::from_secs(20);
    while body_to(&server, &sent_path).len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // The 409 is counted once, on the channel.
    let deadline = Instant::now() + Duration::from_secs(20);
    while w.admin.notification_channels().unwrap()[0].failed < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(bots);
    let sent: Vec<Value> = body_to(&server, &sent_path)
        .iter()
        .map(|(_, body)| serde_json::from_str(body).unwrap())
        .collect();
    assert_eq!(
        sent.len(),
        3,
        "a summary and one message per pending approval: {sent:?}"
    );
    assert!(
        sent.iter().all(|m| m["chat_id"] == "-100123"),
        "only the linked chat is answered"
    );
    assert!(
        sent[0]["text"]
            .as_str()
            .unwrap()
            .contains("2 transaction(s) wait")
    );
    let owner = w.admin.owner_actions();
    for tx in [a.id, b.id] {
        let message = sent[1..]
            .iter()
            .find(|m| m["text"].as_str().unwrap().contains(&tx.to_string()))
            .unwrap();
        let text = owner.approval_request(tx).unwrap().approve_message.unwrap();
        assert!(message["text"].as_str().unwrap().contains(&text));
        let link = message["reply_markup"]["inline_keyboard"][0][0]["url"]
            .as_str()
            .unwrap();
        owner.open_approval_link(tx, &token(link, tx)).unwrap();
        // The bot approved nothing: only the owner's signature does.
        assert_eq!(
            w.admin.transaction(tx).unwrap().status,
            waiaas::TxStatus::PendingApproval
        );
    }
    // The next poll confirmed the batch.
    let polls = body_to(&server, &format!("POST {get_updates}"));
    assert!(polls.len() >= 2);
    let second: Value = serde_json::from_str(&polls[1].1).unwrap();
    assert_eq!(second["offset"], 103);
    assert_eq!(second["timeout"], 1);
    let status = &w.admin.notification_channels().unwrap()[0];
    assert_eq!(status.delivered, 3);
    assert_eq!(
        status.last_error.as_deref(),
        Some("telegram getUpdates: http status 409")
    );
}

/// Without `webhook-tls` (the workspace run has it, from the HTTP server; `.ci/run`'s
/// feature-set step runs this file on the crate's own features) an `https://` service
/// is refused when added, naming the feature.
#[cfg(not(feature = "webhook-tls"))]
#[test]
fn without_webhook_tls_an_https_service_is_refused_naming_the_feature() {
    let w = common::world();
    let error = w
        .admin
        .add_notification_channel(&channel(
            "d",
            ChannelKind::Discord,
            format!("https://discord.com{DISCORD_PATH}"),
        ))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid `secret`: invalid webhook url: `https://` needs the `webhook-tls` feature"
    );
    assert!(!format!("{error:?}").contains("discordsecretTOKEN"));
}
