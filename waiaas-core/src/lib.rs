//! # waiaas-core
//!
//! The contract of waiaas: ids, money, chains and addresses, errors, audit hashing, the
//! encrypted [`vault::Vault`] and agent sessions ([`session::SessionIssuer`]) over the
//! store traits ([`store::Store`], [`store::PipelineStore`], together
//! [`store::Backend`]), the operator [`Settings`] the store applies when it places an
//! admitted request (placement as data: [`store::PlacementRules`] in,
//! [`store::PlacementRefusal`] out), and the engine-independent policy types (the
//! canonical request, [`Decision`], [`PolicyEngine`]).
//!
//! Most users want the `waiaas` facade crate instead; this crate is what it, the policy
//! engine, the chain signers and the storage backends build on. It holds no SQL and no
//! database driver: the backends (SQLite today) live in `waiaas-store`, which also holds
//! the backend-neutral storage rules and the conformance suite every backend passes.
//! The store traits document the atomicity contract (one atomic operation per method;
//! decisions and reservations serialized per wallet; admission,
//! [`store::PipelineStore::admit_transaction`], is the only way a decision and a
//! reservation are made).
//!
//! ## Design in one paragraph
//! A master password runs through Argon2id **once per unlock** into a key-encryption key
//! that unwraps a random data key. The data key seals every wallet secret (bound to its
//! row by AEAD associated data) and the session signing secret. Signing decrypts the one
//! key it needs into a wiping buffer for the duration of a closure
//! ([`vault::Vault::with_signing_key`]). Sessions are `wai_sess_` + HS256 JWT tokens that
//! carry only the session id and a generation; everything they grant is read from the
//! store, so revocation and renewal take effect immediately for every process.
//!
//! ## Errors
//! Every error type implements [`ErrorCode`], a stable string such as `INVALID_TOKEN`.
//! No error, `Debug` output or log line contains a password, key, seed, data key or
//! full token.
//!
//! ## Features
//! - `test-hooks`: counters and accessors for tests (Argon2id derivation count, the DEK).
//!   Never enable it in production builds.
//! - `fuzzing`: exposes the untrusted-input parsers to the fuzz targets in `fuzz/`.
//! - `vectors`: `vectors`, the session and vault conformance vectors through the real
//!   token codec, issuer and unlock (each case on a scratch store the caller provides).
//!
//! ## Non-features
//! No network access, no key caching in plaintext, no custom cryptography beyond
//! composing RustCrypto primitives.

pub mod address;
pub mod amount;
pub mod audit;
pub mod chain;
pub mod clock;
pub mod data_dir;
pub mod error;
pub mod ids;
pub mod keys;
pub mod notify;
pub mod policy;
pub mod session;
pub mod settings;
pub mod signer;
pub mod store;
#[doc(hidden)]
pub mod string_enum;
pub mod tier;
pub mod vault;
#[cfg(feature = "vectors")]
pub mod vectors;

/// Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`): the parsers that
/// see untrusted bytes, without the surrounding I/O.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    /// Parses a session token (prefix, segments, header, claims); never panics.
    #[must_use]
    pub fn parse_session_token(token: &str) -> bool {
        crate::session::jwt::parse(token).is_ok()
    }

    /// Parses and integrity-checks a vault header; never panics.
    #[must_use]
    pub fn parse_vault_header(text: &str) -> bool {
        crate::vault::header::VaultHeader::parse(text).is_ok()
    }
}

pub use address::{Address, EvmAddress, SolanaAddress};
pub use amount::Amount;
pub use chain::{Chain, Network, NetworkInfo};
pub use clock::{Clock, ManualClock, SystemClock};
pub use data_dir::{DataDir, PasswordOrigin};
pub use error::{ErrorCode, MigrationError, SessionError, StoreError, ValidationError, VaultError};
pub use ids::{PolicyId, SessionId, TxId, WalletId};
pub use keys::WalletKey;
pub use policy::{
    Decision, PolicyEngine, PolicyInput, PolicyRecord, PolicyRequest, PolicyType, PriceBook,
    PriceQuote, Usd,
};
pub use secrecy::{ExposeSecret, SecretString};
pub use session::{CreateSession, IssuedSession, Permission, SessionIssuer, SessionToken};
pub use settings::Settings;
pub use signer::{RawSignature, Signer, SigningPayload};
pub use store::{Backend, PipelineStore, Store};
pub use tier::{Tier, TxStatus};
pub use vault::{KdfParams, StoredAuditKey, Vault, VaultOptions, WalletInfo, stored_audit_key};
