//! The reference HTTP server of waiaas: the article's REST API (`curl` to
//! `127.0.0.1:3100`) over [`waiaas::api`], for agents in other processes (the isolated
//! mode of `docs/threat-model.md`). One handler layer: each handler decodes a
//! `waiaas::api` DTO, calls the handle its credential gave it, and encodes the answer;
//! every rule (defaults, amounts, the status of each error code, the master-password
//! check) lives in the `waiaas` crate.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use waiaas_http::{Server, ServerConfig, Unlock, open_vault};
//! let config = ServerConfig::default(); // 127.0.0.1:3100
//! let (admin, prices) = open_vault(&config, "/var/lib/waiaas".as_ref(), None, Unlock::Open)?;
//! let server = Server::bind(&config, admin, prices).await?;
//! server.serve(async { tokio::signal::ctrl_c().await.ok(); }).await?;
//! # Ok(()) }
//! ```
//!
//! ## Credentials, per route
//! Each handler names the credential it takes ([`auth`]); there is no path-prefix
//! rule. Operator routes: `X-Master-Password` (checked against the unlocked
//! instance with [`waiaas::Admin::check_master_password`]: constant time, no Argon2id,
//! throttled). Agent routes: `Authorization: Bearer wai_sess_…`. Owner routes:
//! `X-Owner-Message` (base64 of the exact text from `approval-request`) and
//! `X-Owner-Signature` (base64 Ed25519 or `0x`-hex EIP-191), or both in the body.
//! [`routes::ROUTES`] lists every route of the API with its credentials. Beside it,
//! the owner's HTML approval page ([`approval_page`], `/approve/{txId}`) takes the
//! single-use link token the notification channels send and the owner's signature.
//!
//! ## Answers
//! Errors are [`waiaas::api::ErrorBody`] `{code, message, details?, retryable, hint?}`
//! with [`waiaas::api::http_status`]; transactions are [`waiaas::api::TxResponse`].
//! Malformed, oversized, mistyped bodies and unknown fields get 4xx JSON; a `Host`
//! that is not loopback (or allowed) gets 403; no CORS headers are sent.
//!
//! ## Chain access
//! A network with an `rpcUrls` entry (`--rpc`, `WAIAAS_RPC_<NETWORK>`) uses it; every
//! other network uses its public endpoint ([`ServerConfig::public_rpc`], over TLS),
//! so the article's bodies need no chain parameters.
//!
//! ## Not here
//! TLS for the server itself (put a reverse proxy in front, or keep it on loopback),
//! the `waiaas` CLI, MCP and Docker.

pub mod approval_page;
pub mod auth;
pub mod config;
pub mod error;
pub mod extract;
mod host_guard;
pub mod openapi;
pub mod rate_limit;
pub mod routes;
mod server;
pub mod start;
pub mod state;

pub use config::{DEFAULT_BODY_LIMIT, DEFAULT_PORT, ServerConfig};
pub use server::{Server, app, open_vault};
pub use start::{StartError, StartOptions};
/// How [`open_vault`] opens the vault (the facade's own choice, re-exported).
pub use waiaas::Unlock;
