//! The command line: every subcommand and flag, as clap derives.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Wallets for AI agents, inside limits you set.
#[derive(Debug, Parser)]
#[command(name = "waiaas", version, about, propagate_version = true)]
pub struct Cli {
    /// The data directory (vault database, `recovery.key`).
    #[arg(long, global = true, env = "WAIAAS_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print the API's JSON on stdout (errors as JSON on stderr) instead of plain words.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the vault.
    Init {
        /// Generate the master password and write it to `<data dir>/recovery.key` (0600).
        #[arg(long)]
        auto_provision: bool,
    },
    /// Run the HTTP server (the article's REST API) until Ctrl-C.
    Start {
        /// The address to bind (default 127.0.0.1; anything else is reachable from the
        /// network: see the README's isolated mode).
        #[arg(long)]
        host: Option<String>,
        /// The port (default 3100).
        #[arg(long)]
        port: Option<String>,
        /// A JSON-RPC endpoint per network, `NETWORK=URL` (repeatable); also
        /// `WAIAAS_RPC_<NETWORK>`. Other networks use their public endpoints.
        #[arg(long = "rpc", value_name = "NETWORK=URL")]
        rpc: Vec<String>,
        /// Give networks without `--rpc` no chain client instead of their public
        /// endpoint (the agent then supplies blockhash / nonce / fees; nothing is
        /// broadcast).
        #[arg(long)]
        no_public_rpc: bool,
        /// A server settings file (JSON: host, port, allowedHosts, prices, rpc URLs, …).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Accept this non-loopback `Host` header (repeatable).
        #[arg(long = "allow-host", value_name = "NAME")]
        allow_hosts: Vec<String>,
        /// A PostgreSQL database (`postgres://user:password@host:port/db`) that a fleet
        /// of servers shares: every one sees the same limits, revocations and kill
        /// switch. Needs a build with the `postgres` feature. Default: the SQLite file in
        /// the data directory.
        #[arg(long = "database", env = "WAIAAS_DATABASE_URL", value_name = "URL")]
        database: Option<String>,
    },
    /// Vault state, wallets, sessions and the kill switch.
    Status {
        /// Also print the generated master password from `recovery.key`.
        #[arg(long)]
        show_recovery_key: bool,
    },
    /// Wallets.
    #[command(subcommand)]
    Wallet(WalletCommand),
    /// Sessions (agent tokens).
    #[command(subcommand)]
    Session(SessionCommand),
    /// Policies.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Create the starter policies for a wallet.
    Quickset {
        /// The wallet (id or name); may be omitted when the vault has exactly one.
        #[arg(long)]
        wallet: Option<String>,
        /// `mainnet` or `testnet`.
        #[arg(long)]
        mode: String,
    },
    /// Transactions and owner decisions.
    #[command(subcommand)]
    Tx(TxCommand),
    /// Activate the kill switch: revokes every session, cancels in-flight transactions,
    /// suspends every wallet.
    KillSwitch {
        /// Why (recorded in the audit log).
        #[arg(long, default_value = "activated from the command line")]
        reason: String,
    },
    /// Notification channels (Telegram, ntfy, Slack, Discord) and the approval page URL.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// The master password.
    #[command(subcommand)]
    Password(PasswordCommand),
    /// The vault's database.
    #[command(subcommand)]
    Db(DbCommand),
    /// The MCP server for agents (Claude Desktop, Cursor, …).
    #[command(subcommand)]
    Mcp(McpCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `notify …`
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Add a channel. Its secret (Telegram: the bot token; ntfy: the topic URL; Slack,
    /// Discord: the webhook URL) is read from `--secret-file` or `WAIAAS_NOTIFY_SECRET`,
    /// never from the command line, and sealed in the vault. A running server starts
    /// sending to it when restarted.
    Add {
        /// `telegram`, `ntfy`, `slack` or `discord`.
        #[arg(value_parser = ["telegram", "ntfy", "slack", "discord"])]
        kind: String,
        /// The channel's name (`A-Z a-z 0-9 . _ -`).
        name: String,
        /// Telegram: the chat id (negative for groups) or `@channelname`.
        #[arg(long, allow_hyphen_values = true)]
        chat_id: Option<String>,
        /// ntfy: priority 1 (min) to 5 (urgent); default 4.
        #[arg(long)]
        priority: Option<u8>,
        /// Telegram: the Bot API base URL (default `https://api.telegram.org`).
        #[arg(long)]
        api_url: Option<String>,
        /// A file holding the secret (trimmed).
        #[arg(long, value_name = "PATH")]
        secret_file: Option<PathBuf>,
    },
    /// List the channels with their delivery counts and last failure.
    List,
    /// Remove a channel.
    Rm {
        /// The channel's name.
        name: String,
    },
    /// Set the approval page's public base URL (messages link to
    /// `<URL>/approve/<txId>?t=<single-use token>`), or clear it.
    PageUrl {
        /// `https://host[/path]`, the address owners reach the HTTP server at.
        #[arg(required_unless_present = "clear")]
        url: Option<String>,
        /// Clear it: approval messages then carry no link.
        #[arg(long, conflicts_with = "url")]
        clear: bool,
    },
}

/// `wallet …`
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Create a wallet.
    Create {
        /// Its name.
        #[arg(long)]
        name: String,
        /// `solana` or `ethereum` (EVM).
        #[arg(long)]
        chain: Option<String>,
        /// A network id (`solana-devnet`, `ethereum-sepolia`, …) or `mainnet` / `testnet`.
        #[arg(long, conflicts_with = "environment")]
        network: Option<String>,
        /// `mainnet` or `testnet`: the chain's default network.
        #[arg(long)]
        environment: Option<String>,
    },
    /// List wallets.
    List,
    /// Register the wallet's owner: the external key that approves APPROVAL-tier
    /// transactions (`tx approve`).
    SetOwner {
        /// The wallet (id or name); may be omitted when the vault has exactly one.
        #[arg(long)]
        wallet: Option<String>,
        /// The owner's address (Solana base58 for a Solana wallet, 0x… for EVM).
        #[arg(long)]
        address: String,
    },
}

/// `session …`
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Issue a session token for an agent (printed once).
    Create(SessionCreate),
    /// List sessions.
    List {
        /// Only this wallet's (id or name).
        #[arg(long)]
        wallet: Option<String>,
    },
    /// Revoke a session now.
    Revoke {
        /// The session id.
        id: String,
    },
}

/// `session create` flags.
#[derive(Debug, Args)]
pub struct SessionCreate {
    /// The wallet (id or name), repeatable; may be omitted when the vault has exactly one.
    #[arg(long)]
    pub wallet: Vec<String>,
    /// Seconds the token lives before it must be renewed.
    #[arg(long)]
    pub ttl: Option<u64>,
    /// How many renewals (0 = unlimited).
    #[arg(long)]
    pub max_renewals: Option<u32>,
    /// Seconds after which the session ends whatever the renewals (0 = none).
    #[arg(long)]
    pub absolute_lifetime: Option<u64>,
    /// Comma-separated: TRANSACTION, BALANCE_READ, SIGN_MESSAGE, SIGN_TYPED_DATA.
    #[arg(long, value_delimiter = ',')]
    pub permissions: Option<Vec<String>>,
    /// A label for the listing.
    #[arg(long)]
    pub label: Option<String>,
}

/// `policy …`
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Create a policy.
    Add {
        /// The policy type (`SPENDING_LIMIT`, `WHITELIST`, …).
        #[arg(long = "type")]
        policy_type: String,
        /// The rules, a JSON object in snake_case.
        #[arg(long)]
        rules: String,
        /// Bind it to this wallet (id or name); every wallet when omitted.
        #[arg(long)]
        wallet: Option<String>,
        /// Bind it to this network; every network when omitted.
        #[arg(long)]
        network: Option<String>,
        /// Priority within its level (higher wins).
        #[arg(long)]
        priority: Option<i64>,
    },
    /// List policies.
    List {
        /// Only the policies that apply to this wallet (id or name).
        #[arg(long)]
        wallet: Option<String>,
    },
    /// Delete a policy.
    Rm {
        /// The policy id.
        id: String,
    },
}

/// `tx …`
#[derive(Debug, Subcommand)]
pub enum TxCommand {
    /// List transactions, newest first.
    List {
        /// Only this wallet's (id or name).
        #[arg(long)]
        wallet: Option<String>,
        /// At most this many.
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Approve a PENDING_APPROVAL transaction as its owner.
    Approve(OwnerDecision),
    /// Reject a PENDING_APPROVAL transaction as its owner.
    Reject(OwnerDecision),
    /// Print a fresh single-use link to a PENDING_APPROVAL transaction's approval page,
    /// to pass to the owner by hand (needs `notify page-url`).
    Link {
        /// The transaction id.
        id: String,
    },
}

/// The owner's decision on one transaction.
#[derive(Debug, Args)]
pub struct OwnerDecision {
    /// The transaction id.
    pub id: String,
    /// The owner's key file: a Solana keypair JSON array or base58 secret, or an EVM
    /// private key in hex.
    #[arg(long, value_name = "PATH")]
    pub key_file: PathBuf,
}

/// `password …`
#[derive(Debug, Subcommand)]
pub enum PasswordCommand {
    /// Change the master password (deletes `recovery.key`).
    Change {
        /// A file holding the new password (trimmed).
        #[arg(long, value_name = "PATH", env = "WAIAAS_NEW_MASTER_PASSWORD_FILE")]
        new_password_file: PathBuf,
    },
}

/// `db …`
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy the vault from its SQLite file into an empty PostgreSQL database, for
    /// servers on several hosts that spend from the same wallets (then `waiaas start
    /// --database URL` on each). The source is only read; its audit log is verified
    /// before and after (so the master password is needed, from the usual sources or
    /// typed); the copy is one transaction that a failure rolls back. Stop the servers
    /// using the vault first.
    Migrate {
        /// `sqlite:PATH`, PATH being the vault's data directory or its `waiaas.db`.
        #[arg(long, value_name = "sqlite:PATH")]
        from: String,
        /// The empty PostgreSQL database, `postgres://user:password@host:port/db`.
        #[arg(
            long,
            env = "WAIAAS_DATABASE_URL",
            hide_env_values = true,
            value_name = "URL"
        )]
        to: String,
    },
}

/// `mcp …`
#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// Serve the agent tools over stdio for one session token.
    Serve {
        /// The session token.
        #[arg(long, env = "WAIAAS_SESSION_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// Register `waiaas mcp serve` with MCP clients (Claude Desktop by default).
    Setup {
        /// The session token the client will use; without one, a session is created
        /// for `--wallet` (the operator's password needed, as for `session create`).
        #[arg(long, env = "WAIAAS_SESSION_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// The wallet of the session created when no token is given (id or name; may be
        /// omitted when the vault has exactly one).
        #[arg(long)]
        wallet: Option<String>,
        /// The lifetime in seconds of the session created when no token is given.
        #[arg(long, default_value_t = 604_800)]
        ttl: u64,
        /// Every client this build knows, not only Claude Desktop.
        #[arg(long)]
        all: bool,
        /// Print the entry (token included) instead of writing config files.
        #[arg(long)]
        print: bool,
    },
}
