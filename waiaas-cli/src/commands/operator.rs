//! The operator's subcommands: each unlocks the vault with the master password, builds
//! the `waiaas::api` DTO from its flags (the library validates it) and calls `Admin`.

use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value, json};
use waiaas::api::SessionStatus;
use waiaas::api::{
    self, CreateSession, CreateWallet, ListPolicies, ListTransactions, SessionWithToken,
};
use waiaas::notify::ChannelInfo;
use waiaas::{Admin, KillSwitchState, NewPolicy, PolicyId, SessionId, SessionInfo, WalletInfo};
use waiaas_core::ValidationError;

use crate::args::{
    Command, McpCommand, PasswordCommand, PolicyCommand, SessionCommand, SessionCreate, TxCommand,
    WalletCommand,
};
use crate::commands::{mcp_serve, notify, owner, select};
use crate::failure::{Failure, Outcome};
use crate::output::{emit, pretty};
use crate::vault;

/// `waiaas init [--auto-provision]`.
pub fn init(dir: &Path, auto_provision: bool, json: bool) -> Outcome {
    let admin = vault::create(dir, auto_provision)?;
    let status = Status::read(&admin, dir, false)?;
    emit(json, &status, |s| {
        let mut text = format!("vault created in {}", s.data_dir);
        if s.recovery_key_file {
            text.push_str(&format!(
                "\nthe master password was generated into {}/recovery.key (0600): \
                 `waiaas status --show-recovery-key` prints it; store it safely, then \
                 `waiaas password change` deletes the file",
                s.data_dir
            ));
        }
        text
    })
}

/// Every subcommand that needs the unlocked vault.
pub fn run(dir: &Path, command: Command, json: bool) -> Outcome {
    let admin = vault::open(dir)?;
    match command {
        Command::Status { show_recovery_key } => {
            let status = Status::read(&admin, dir, show_recovery_key)?;
            emit(json, &status, Status::human)
        }
        Command::Wallet(WalletCommand::Create {
            name,
            chain,
            network,
            environment,
        }) => {
            // The article's `--network mainnet`: a bare environment name given as the
            // network means that environment (the DTO's `environment` field).
            let (network, environment) = match network.as_deref() {
                Some("mainnet" | "testnet") => (None, network),
                _ => (network, environment),
            };
            let request: CreateWallet = api::from_json(
                "wallet",
                object([
                    ("name", Some(Value::String(name))),
                    ("chain", chain.map(Value::String)),
                    ("network", network.map(Value::String)),
                    ("environment", environment.map(Value::String)),
                ]),
            )?;
            let wallet = admin.create_wallet(&request.name, request.network()?)?;
            emit(json, &wallet, wallet_line)
        }
        Command::Wallet(WalletCommand::List) => {
            let wallets = admin.wallets()?;
            emit(json, &wallets, |ws| lines(ws, wallet_line, "no wallets"))
        }
        Command::Wallet(WalletCommand::SetOwner { wallet, address }) => {
            let wallet = select::wallet(&admin, wallet.as_deref())?;
            let request: api::SetOwner =
                api::from_json("owner", json!({ "ownerAddress": address }))?;
            let owner = admin.set_owner(wallet.id, &request.owner_address)?;
            emit(json, &owner, pretty)
        }
        Command::Session(SessionCommand::Create(flags)) => session_create(&admin, flags, json),
        Command::Session(SessionCommand::List { wallet }) => {
            let wallet = match wallet {
                Some(w) => Some(select::wallet(&admin, Some(&w))?.id),
                None => None,
            };
            let sessions = admin.sessions(wallet)?;
            emit(json, &sessions, |ss| lines(ss, session_line, "no sessions"))
        }
        Command::Session(SessionCommand::Revoke { id }) => {
            admin.revoke_session(SessionId::parse(&id).map_err(waiaas::Error::from)?)?;
            emit(json, &json!({ "revoked": id }), |_| {
                format!("session {id} revoked")
            })
        }
        Command::Policy(command) => policy(&admin, command, json),
        Command::Quickset { wallet, mode } => {
            let wallet = select::wallet(&admin, wallet.as_deref())?;
            let request: api::Quickset = api::from_json(
                "quickset",
                json!({ "walletId": wallet.id.to_string(), "mode": mode }),
            )?;
            let created = admin.quickset(request.wallet_id, request.mode)?;
            emit(json, &created, |ps| {
                format!(
                    "{} policies created for wallet {} ({})\n{}",
                    ps.len(),
                    wallet.name,
                    wallet.network,
                    pretty(ps)
                )
            })
        }
        Command::Tx(TxCommand::List { wallet, limit }) => {
            let wallet = match wallet {
                Some(w) => Some(select::wallet(&admin, Some(&w))?.id.to_string()),
                None => None,
            };
            let request: ListTransactions = api::from_json(
                "transactions",
                object([
                    ("walletId", wallet.map(Value::String)),
                    ("limit", limit.map(Value::from)),
                ]),
            )?;
            let txs = admin.transactions(&request.filter())?;
            emit(json, &txs, pretty)
        }
        Command::Tx(TxCommand::Approve(decision)) => owner::decide(&admin, &decision, true, json),
        Command::Tx(TxCommand::Reject(decision)) => owner::decide(&admin, &decision, false, json),
        Command::Tx(TxCommand::Link { id }) => {
            let link =
                admin.approval_link(waiaas::TxId::parse(&id).map_err(waiaas::Error::from)?)?;
            emit(json, &json!({ "link": link }), |_| link.clone())
        }
        Command::KillSwitch { reason } => {
            let report = admin.activate_kill_switch(&reason)?;
            emit(json, &report, |r| {
                format!("kill switch activated\n{}", pretty(r))
            })
        }
        Command::Password(PasswordCommand::Change { new_password_file }) => {
            let current = vault::current_password(dir)?;
            let new = std::fs::read_to_string(&new_password_file).map_err(|e| {
                Failure::cli(
                    "CLI_PASSWORD_FILE",
                    format!("cannot read `{}`: {e}", new_password_file.display()),
                )
            })?;
            let new = waiaas::SecretString::from(new.trim().to_owned());
            admin.change_password(&current, &new)?;
            emit(json, &json!({ "changed": true }), |_| {
                "master password changed (recovery.key, if any, deleted)".to_owned()
            })
        }
        Command::Notify(command) => notify::run(&admin, command, json),
        Command::Mcp(McpCommand::Serve { token }) => mcp_serve::run(&admin.waiaas(), &token),
        // Dispatched before the vault is opened (main.rs).
        Command::Init { .. }
        | Command::Start { .. }
        | Command::Completions { .. }
        | Command::Db(_)
        | Command::Mcp(McpCommand::Setup { .. }) => Err(Failure::cli(
            "CLI_INTERNAL",
            "this subcommand does not take the unlocked vault",
        )),
    }
}

fn session_create(admin: &Admin, flags: SessionCreate, json: bool) -> Outcome {
    let wallet_ids: Vec<Value> = if flags.wallet.is_empty() {
        vec![Value::String(select::wallet(admin, None)?.id.to_string())]
    } else {
        let mut ids = Vec::new();
        for w in &flags.wallet {
            ids.push(Value::String(
                select::wallet(admin, Some(w))?.id.to_string(),
            ));
        }
        ids
    };
    let request: CreateSession = api::from_json(
        "session",
        object([
            ("walletIds", Some(Value::Array(wallet_ids))),
            ("ttl", flags.ttl.map(Value::from)),
            ("maxRenewals", flags.max_renewals.map(Value::from)),
            ("absoluteLifetime", flags.absolute_lifetime.map(Value::from)),
            ("permissions", flags.permissions.map(Value::from)),
            ("label", flags.label.map(Value::String)),
        ]),
    )?;
    let issued = admin.create_session(&request.to_request()?)?;
    let answer = SessionWithToken::from(&issued);
    emit(json, &answer, |s| {
        format!(
            "{}\nsession {} — hand the token above to the agent; it is shown only once",
            s.token,
            session_line(&s.session)
        )
    })
}

fn policy(admin: &Admin, command: PolicyCommand, json: bool) -> Outcome {
    match command {
        PolicyCommand::Add {
            policy_type,
            rules,
            wallet,
            network,
            priority,
        } => {
            let rules: Value = serde_json::from_str(&rules)
                .map_err(|e| waiaas::Error::from(ValidationError::field("rules", e.to_string())))?;
            let wallet = match wallet {
                Some(w) => Some(Value::String(
                    select::wallet(admin, Some(&w))?.id.to_string(),
                )),
                None => None,
            };
            let request: NewPolicy = api::from_json(
                "policy",
                object([
                    ("walletId", wallet),
                    ("network", network.map(Value::String)),
                    ("type", Some(Value::String(policy_type))),
                    ("rules", Some(rules)),
                    ("priority", priority.map(Value::from)),
                ]),
            )?;
            let created = admin.create_policy(request)?;
            emit(json, &created, pretty)
        }
        PolicyCommand::List { wallet } => {
            let wallet = match wallet {
                Some(w) => Some(Value::String(
                    select::wallet(admin, Some(&w))?.id.to_string(),
                )),
                None => None,
            };
            let request: ListPolicies = api::from_json("policies", object([("walletId", wallet)]))?;
            let policies = admin.policies(request.filter()?)?;
            emit(json, &policies, pretty)
        }
        PolicyCommand::Rm { id } => {
            admin.delete_policy(PolicyId::parse(&id).map_err(waiaas::Error::from)?)?;
            emit(json, &json!({ "deleted": id }), |_| {
                format!("policy {id} deleted")
            })
        }
    }
}

/// `waiaas status`: what the operator wants to see at a glance.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    data_dir: String,
    vault: &'static str,
    kill_switch: KillSwitchState,
    wallets: Vec<WalletInfo>,
    active_sessions: usize,
    /// The notification channels and how their deliveries went.
    notification_channels: Vec<ChannelInfo>,
    /// Whether `recovery.key` exists (the generated password is still on disk).
    recovery_key_file: bool,
    /// Its content, only with `--show-recovery-key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery_key: Option<String>,
}

impl Status {
    fn read(admin: &Admin, dir: &Path, show_recovery_key: bool) -> Outcome<Self> {
        let sessions: Vec<SessionInfo> = admin.sessions(None)?;
        let key_path = waiaas_core::DataDir::new(dir).recovery_key_path();
        let recovery_key = if show_recovery_key && key_path.exists() {
            let text = std::fs::read_to_string(&key_path).map_err(|e| {
                Failure::cli(
                    "CLI_RECOVERY_KEY",
                    format!("cannot read `{}`: {e}", key_path.display()),
                )
            })?;
            Some(text.trim().to_owned())
        } else {
            None
        };
        Ok(Self {
            data_dir: dir.display().to_string(),
            vault: "unlocked",
            kill_switch: admin.kill_switch_state()?,
            wallets: admin.wallets()?,
            active_sessions: sessions
                .iter()
                .filter(|s| s.status == SessionStatus::Active)
                .count(),
            notification_channels: admin.notification_channels()?,
            recovery_key_file: key_path.exists(),
            recovery_key,
        })
    }

    fn human(&self) -> String {
        let mut text = format!(
            "data dir:        {}\nvault:           {}\nkill switch:     {}\nactive sessions: {}\nwallets:         {}",
            self.data_dir,
            self.vault,
            self.kill_switch.as_str(),
            self.active_sessions,
            self.wallets.len()
        );
        for w in &self.wallets {
            text.push_str(&format!("\n  {}", wallet_line(w)));
        }
        text.push_str(&format!(
            "\nnotify channels: {}",
            self.notification_channels.len()
        ));
        for c in &self.notification_channels {
            text.push_str(&format!("\n  {}", notify::channel_line(c)));
        }
        match (&self.recovery_key, self.recovery_key_file) {
            (Some(key), _) => text.push_str(&format!("\nrecovery key:    {key}")),
            (None, true) => text
                .push_str("\nrecovery key:    in recovery.key (`--show-recovery-key` prints it)"),
            (None, false) => text.push_str("\nrecovery key:    none on disk"),
        }
        text
    }
}

fn wallet_line(w: &WalletInfo) -> String {
    format!(
        "{}  {}  {}  {}  {}",
        w.id,
        w.name,
        w.network,
        w.address,
        w.status.as_str()
    )
}

fn session_line(s: &SessionInfo) -> String {
    let wallets: Vec<String> = s.wallet_ids.iter().map(ToString::to_string).collect();
    format!(
        "{}  {}  wallets {}",
        s.id,
        s.status.as_str(),
        wallets.join(",")
    )
}

pub(crate) fn lines<T>(items: &[T], line: impl Fn(&T) -> String, empty: &str) -> String {
    if items.is_empty() {
        return empty.to_owned();
    }
    items.iter().map(line).collect::<Vec<_>>().join("\n")
}

/// A JSON object of the given fields, leaving out the absent ones (so the DTO's own
/// defaults apply).
fn object<const N: usize>(fields: [(&str, Option<Value>); N]) -> Value {
    let mut map = Map::new();
    for (key, value) in fields {
        if let Some(value) = value {
            map.insert(key.to_owned(), value);
        }
    }
    Value::Object(map)
}
