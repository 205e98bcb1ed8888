//! `waiaas notify …`: channels added with their secret from a file or the environment
//! (never the command line), listed and shown in `status` without it, removed; the
//! approval page URL. Delivery itself is tested in the library
//! (`waiaas/tests/notify_channels.rs`).

mod common;

use common::{Home, assert_fails_with, stderr, stdout};

const SLACK_SECRET: &str = "T0000/B0000/cliSlackSecretXYZ";
const BOT_TOKEN: &str = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-4Q";

#[test]
fn channels_are_added_listed_shown_in_status_and_removed_without_showing_secrets() {
    let home = Home::new();
    home.json(&["init", "--auto-provision"]);
    let file = home.path().join("slack-url");
    std::fs::write(
        &file,
        format!("http://127.0.0.1:9/services/{SLACK_SECRET}\n"),
    )
    .unwrap();
    let mut outputs = Vec::new();

    let added = home.json(&[
        "notify",
        "add",
        "slack",
        "ops",
        "--secret-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(added["name"], "ops");
    assert_eq!(added["kind"], "SLACK");
    assert_eq!(added["target"], "http://127.0.0.1:9/…");
    outputs.push(added.to_string());

    let missing = home.run(&["notify", "add", "telegram", "tg", "--chat-id", "-100123"]);
    assert_fails_with(&missing, "CLI_SECRET_FILE");
    let out = home
        .cmd(&[
            "notify",
            "add",
            "telegram",
            "tg",
            "--chat-id",
            "-100123",
            "--api-url",
            "http://127.0.0.1:9",
        ])
        .env("WAIAAS_NOTIFY_SECRET", BOT_TOKEN)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    outputs.push(stdout(&out) + &stderr(&out));
    let refused = home
        .cmd(&["notify", "add", "discord", "d"])
        .env(
            "WAIAAS_NOTIFY_SECRET",
            "ftp://discord.com/api/webhooks/1/secretDiscordTok",
        )
        .output()
        .unwrap();
    assert_fails_with(&refused, "VALIDATION_FAILED");
    outputs.push(stderr(&refused));

    let page = home.json(&["notify", "page-url", "https://wallet.example/ops/"]);
    assert_eq!(page["pageUrl"], "https://wallet.example/ops");
    let listed = home.json(&["notify", "list"]);
    assert_eq!(listed["pageUrl"], "https://wallet.example/ops");
    assert_eq!(listed["channels"].as_array().unwrap().len(), 2);
    outputs.push(listed.to_string());
    let status = home.json(&["status"]);
    assert_eq!(status["notificationChannels"][1]["chatId"], "-100123");
    assert_eq!(status["notificationChannels"][0]["delivered"], 0);
    outputs.push(stdout(&home.run(&["status"])));

    // A link needs a pending transaction.
    let missing = home.run(&["tx", "link", "01930000-0000-7000-8000-000000000002"]);
    assert_fails_with(&missing, "TX_NOT_FOUND");

    home.json(&["notify", "rm", "ops"]);
    assert_fails_with(&home.run(&["notify", "rm", "ops"]), "VALIDATION_FAILED");
    assert_eq!(
        home.json(&["notify", "list"])["channels"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        home.json(&["notify", "page-url", "--clear"])["pageUrl"],
        serde_json::Value::Null
    );

    for text in &outputs {
        for secret in [SLACK_SECRET, BOT_TOKEN, "secretDiscordTok"] {
            assert!(!text.contains(secret), "`{secret}` shown in {text}");
        }
    }
}
