//! Test set-ups shared by the waiaas crates' tests and benches, each written once.
//!
//! Only ever a dev-dependency (`publish = false`). Modules by concern:
//!
//! - [`evm_node`]: a local EVM node (anvil) on a free port, killed on drop;
//! - [`replay_server`]: local HTTP servers on 127.0.0.1 — [`replay_server::Replay`]
//!   replays recorded bodies by path, [`replay_server::JsonRpcServer`] answers JSON-RPC
//!   through a closure;
//! - [`fixed`]: the fixed test time and password;
//! - [`testdata`]: files under the repository's `testdata/`;
//! - `vault` (feature `store`): a fast-KDF vault on a temp dir, and store rows;
//! - `owner_keys` (feature `owner-keys`): owner keys that sign with independent
//!   libraries (ed25519-dalek, alloy);
//! - `solana_runtime` (feature `solana-runtime`): a litesvm runtime and the helpers
//!   that feed it what waiaas signs;
//! - `evm_runtime` (feature `evm-runtime`): revm, executing what waiaas signs as the
//!   signer alloy recovers.
//!
//! Nothing here depends on `waiaas-chains` or `waiaas`, whose own tests use it: their
//! types would exist twice. Helpers take and return plain strings and bytes instead.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test support: a panic is a test failure"
)]

pub mod evm_node;
pub mod fixed;
pub mod replay_server;
pub mod testdata;

#[cfg(feature = "evm-runtime")]
pub mod evm_runtime;
#[cfg(feature = "owner-keys")]
pub mod owner_keys;
#[cfg(feature = "solana-runtime")]
pub mod solana_runtime;
#[cfg(feature = "store")]
pub mod vault;
