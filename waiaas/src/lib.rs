//! # waiaas
//!
//! Wallets for AI agents, inside limits a human sets. This facade crate will hold the
//! `Admin` / `Agent` / owner handles and the transaction pipeline; until it lands, use
//! `waiaas-core` directly (vault, sessions, storage), re-exported here.

pub use waiaas_core as core;
