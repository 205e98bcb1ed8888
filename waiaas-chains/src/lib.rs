//! # waiaas-chains
//!
//! Signers, transaction builders, sign-only decoders, owner-signature verification and
//! JSON-RPC clients for Solana and EVM chains.
//!
//! - [`VaultSigner`] implements [`waiaas_core::Signer`] for any vault wallet: the key is
//!   decrypted for one signature inside [`waiaas_core::Vault::with_signing_key`] and
//!   wiped; nothing is cached in plaintext.
//! - [`solana`] (feature `solana`): system and SPL transfers (Token and Token-2022, with
//!   idempotent creation of the recipient's associated token account), SPL approvals,
//!   arbitrary instructions, batches of up to 20 actions, compute budget, blockhash or
//!   durable nonce, message signing, and a decoder for raw unsigned transactions.
//! - [`evm`] (feature `evm`): EIP-1559 transactions, ERC-20 calldata, contract calls,
//!   `personal_sign`, EIP-712 typed data, signature recovery, and decoders for raw
//!   unsigned type-2 transactions and for permits in typed data.
//! - [`intent`]: the canonical [`Intent`]s decoders produce for the policy engine.
//! - [`hd`]: keys from BIP-39 mnemonics (SLIP-0010 Ed25519, BIP-32 secp256k1).
//! - [`owner`]: owner-signature verification (Ed25519, EIP-191).
//! - `owner_signer` (feature `owner-signer`): the owner's side, `OwnerSigner` signs an
//!   approval text with an Ed25519 or secp256k1 key in the encoding the verifier takes.
//! - [`client`]: the [`client::SolanaChainClient`] and [`client::EvmChainClient`]
//!   traits, and `client::rpc::JsonRpcClient` (feature `rpc`).
//!
//! ## Example
//! Sign a SOL transfer with a vault wallet, then decode it as the policy engine sees it:
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use waiaas_chains::solana::{self, ComputeBudget, Lifetime, SolanaAction, SolanaTxRequest};
//! use waiaas_chains::{Intent, VaultSigner};
//! use waiaas_core::{Amount, KdfParams, Network, SecretString, SolanaAddress, Vault, VaultOptions};
//! use waiaas_store::{SqliteStore, StoreOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let store = SqliteStore::open(dir.path().join("vault.db"), &StoreOptions::default())?;
//! let options = VaultOptions { allow_insecure_kdf: true, ..VaultOptions::default() };
//! let password = SecretString::from("correct horse battery staple");
//! let vault = Vault::create(Arc::new(store), &password, KdfParams::insecure_for_tests(), options)?;
//! let wallet = vault.create_wallet("agent", Network::SolanaDevnet)?;
//!
//! let to = SolanaAddress::parse("586Z7H2vpX9qNhN2T4e9Utugie3ogjbxzGaMtM3E6HR5")?;
//! let request = SolanaTxRequest {
//!     actions: vec![SolanaAction::Transfer { to, lamports: 1_000_000 }],
//!     // In production: `Lifetime::recent_from(&client)?`.
//!     lifetime: Lifetime::RecentBlockhash([7; 32]),
//!     compute_budget: ComputeBudget::default(),
//! };
//! let signed = solana::sign_transaction(&VaultSigner::new(&vault, &wallet), &request)?;
//!
//! let decoded = solana::decode_transaction(&signed.to_base64())?;
//! assert_eq!(
//!     decoded.intents,
//!     vec![Intent::Transfer { to: to.to_string(), amount: Amount::from_u64(1_000_000) }]
//! );
//! # Ok(())
//! # }
//! ```
//!
//! ## Features
//! - `solana` (default): pulls only the split `solana-*` / SPL interface crates.
//! - `evm` (default): pulls only the split `alloy-*` crates.
//! - `rpc`: the blocking JSON-RPC client over HTTP (`ureq` without TLS).
//! - `rpc-tls`: HTTPS for the client (rustls); without it an `https://` URL is refused
//!   when the client is built.
//! - `owner-signer`: `owner_signer::OwnerSigner`, for bots, tests and bindings that act
//!   as a wallet owner (no extra dependency).
//! - `vectors` (implies `solana` and `evm`): `vectors::evaluate` runs one case of the
//!   language-neutral signing known answers (`testdata/vectors/chains`).
//!
//! Building with only one chain feature compiles no crate of the other chain (checked
//! by `tests/feature_isolation.rs`).
//!
//! ## Non-features
//! No address lookup tables (v0 messages with lookups are refused), no contract
//! deployment, no legacy or EIP-2930 EVM transactions, no multi-signer Solana
//! transactions: waiaas signs only as the single fee payer.

pub mod client;
mod ecdsa;
pub mod error;
pub mod hd;
pub mod intent;
pub mod owner;
#[cfg(feature = "owner-signer")]
pub mod owner_signer;
pub mod signer;

#[cfg(feature = "evm")]
pub mod evm;
#[cfg(feature = "solana")]
pub mod solana;
#[cfg(feature = "vectors")]
pub mod vectors;

pub use error::ChainError;
pub use hd::{DerivationPath, import_mnemonic, key_from_mnemonic};
pub use intent::{DecodedTransaction, Intent};
pub use owner::OwnerAddress;
#[cfg(feature = "owner-signer")]
pub use owner_signer::OwnerSigner;
pub use signer::VaultSigner;
