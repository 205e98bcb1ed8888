//! The Rust side of the cross-language test (`examples/cross_language/`): a peer that
//! reads one JSON command per line on stdin and answers one JSON line on stdout, as the
//! Python (`peer.py`) and Node (`peer.mjs`) peers do, so a driver can hold one vault
//! open in three processes at once and check that sessions issued and revoked in one
//! language are honoured by the others at the next call.
//!
//! Commands: `create` (a vault, a wallet and a policy; Rust only), `open`, `issue`,
//! `agent` (a named handle from a token), `simulate` (through a named handle),
//! `revoke`. Answers: `{"ok": true, …}` or `{"ok": false, "code": …}`.
//!
//! Run: `cargo run --example cross_language` (driven by
//! `examples/cross_language/test_cross_language.py`).
#![allow(clippy::print_stdout, reason = "the peer answers on stdout")]

use std::collections::HashMap;
use std::io::{BufRead, Write};

use serde_json::{Value, json};
use waiaas::api::{
    self, CreateSession, CreateWallet, NewPolicy, SendTransaction, SessionWithToken,
};
use waiaas::{Admin, Agent, Config, Host, SecretString, Waiaas};

fn text(command: &Value, key: &str) -> String {
    command
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn field<T: serde::de::DeserializeOwned>(command: &Value, key: &str) -> waiaas::Result<T> {
    api::from_json(key, command.get(key).cloned().unwrap_or(Value::Null))
}

/// A command that failed: in waiaas (answered with its code), or malformed.
enum Failure {
    Waiaas(waiaas::Error),
    Command(&'static str),
}

impl From<waiaas::Error> for Failure {
    fn from(e: waiaas::Error) -> Self {
        Self::Waiaas(e)
    }
}

/// Runs one command against the peer's state.
fn run(
    admin: &mut Option<Admin>,
    agents: &mut HashMap<String, Agent>,
    command: &Value,
) -> Result<Value, Failure> {
    let opened = || {
        admin
            .clone()
            .ok_or(Failure::Command("`create` or `open` the vault first"))
    };
    match text(command, "op").as_str() {
        "create" => {
            let config: Config = field(command, "config")?;
            let new = Waiaas::create(
                text(command, "dir"),
                Some(SecretString::from(text(command, "password"))),
                &config,
                Host::default(),
            )?;
            let wallet: CreateWallet = field(command, "wallet")?;
            let wallet =
                new.create_wallet(&wallet.name, wallet.network().map_err(waiaas::Error::from)?)?;
            let mut policy: serde_json::Map<String, Value> = field(command, "policy")?;
            policy.insert("walletId".into(), json!(wallet.id));
            new.create_policy(api::from_json::<NewPolicy>("policy", policy.into())?)?;
            *admin = Some(new);
            Ok(json!({ "wallet": wallet }))
        }
        "open" => {
            let config: Config = field(command, "config")?;
            *admin = Some(Waiaas::open(
                text(command, "dir"),
                Some(SecretString::from(text(command, "password"))),
                &config,
                Host::default(),
            )?);
            Ok(json!({}))
        }
        "issue" => {
            let request: CreateSession = field(command, "session")?;
            let issued =
                opened()?.create_session(&request.to_request().map_err(waiaas::Error::from)?)?;
            Ok(json!({ "session": SessionWithToken::from(&issued) }))
        }
        "agent" => {
            let agent = opened()?.agent(&text(command, "token"))?;
            agents.insert(text(command, "name"), agent);
            Ok(json!({}))
        }
        "simulate" => {
            let request: SendTransaction = field(command, "request")?;
            let agent = agents
                .get(&text(command, "name"))
                .ok_or(Failure::Command("no agent of that name"))?;
            Ok(
                json!({ "decision": agent.simulate(&request.to_request().map_err(waiaas::Error::from)?)? }),
            )
        }
        "revoke" => {
            opened()?.revoke_session(field(command, "sessionId")?)?;
            Ok(json!({}))
        }
        _ => Err(Failure::Command("unknown `op`")),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut admin, mut agents) = (None, HashMap::new());
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let command: Value = serde_json::from_str(&line?)?;
        let answer = match run(&mut admin, &mut agents, &command) {
            Ok(mut fields) => {
                if let Some(fields) = fields.as_object_mut() {
                    fields.insert("ok".into(), json!(true));
                }
                fields
            }
            Err(Failure::Waiaas(e)) => {
                json!({ "ok": false, "code": e.code(), "message": e.to_string() })
            }
            Err(Failure::Command(why)) => {
                json!({ "ok": false, "code": "BAD_COMMAND", "message": why })
            }
        };
        writeln!(out, "{answer}")?;
        out.flush()?;
    }
    Ok(())
}
