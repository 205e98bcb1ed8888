//! # waiaas-store
//!
//! The storage backends of waiaas, behind the store traits of `waiaas-core`
//! ([`waiaas_core::store::Store`], [`waiaas_core::store::PipelineStore`], together
//! [`waiaas_core::store::Backend`]).
//!
//! - [`sqlite`] (feature `sqlite`, default): the embedded backend, one SQLite file per
//!   vault. All SQL and every `rusqlite` type live there and nowhere else; no backend
//!   type crosses a trait.
//! - `postgres` (feature `postgres`): `PgStore`, for fleets of agent hosts that share
//!   one wallet's limits through one PostgreSQL database (per-wallet row locks,
//!   `docs/adr/0011-postgres-locking.md`).
//! - [`rules`]: the backend-neutral rules every backend applies inside its
//!   transactions, as plain functions over small row primitives: rolling spend-window
//!   arithmetic, audit chaining, admission gates and placement, transition validity.
//!   Both backends reuse them and write only their SQL.
//! - [`migrate`]: moving a vault from its SQLite file to PostgreSQL
//!   (`migrate::sqlite_to_postgres`, with both features), copied and checked in one
//!   transaction.
//! - `conformance` (feature `conformance`): the suite every backend must pass,
//!   `store_conformance!(fresh_harness)`, run on SQLite in `tests/conformance_sqlite.rs`
//!   and on PostgreSQL in `tests/conformance_postgres.rs`.
//!
//! ## Atomicity contract
//! Every trait method is one atomic operation. Decisions and reservations for one
//! wallet are serialized across threads and processes; SQLite serializes the whole
//! database (`BEGIN IMMEDIATE`), the PostgreSQL backend locks the one wallet's row.
//! Admission ([`waiaas_core::store::PipelineStore::admit_transaction`]) is the only way
//! a decision and a reservation are made; [`waiaas_core::store::Store::simulate`] is its
//! dry run. See the module docs of [`waiaas_core::store`] and `docs/adr/0003`.
//!
//! ## Features
//! - `sqlite` (default): [`sqlite::SqliteStore`].
//! - `postgres`: `PgStore` and `PgOptions` (not default: it compiles the PostgreSQL
//!   client and tokio).
//! - `postgres-tls`: TLS to PostgreSQL through rustls (`sslmode` / `sslrootcert` in the
//!   URL; see `PgStore::connect`).
//! - `conformance`: the conformance suite macro, for backend crates' tests (with
//!   `postgres` also `test_database`, a throwaway schema on the test server).
//! - `test-support`: side doors on `SqliteStore` for tests and benchmarks (decide and
//!   reserve outside admission, ledger rows as given, window snapshots). Never enable
//!   it in production builds.

/// The session columns both backends select, in the order their `session_from_row`
/// reads them: a macro, so that `concat!` builds each query as a constant.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
macro_rules! session_columns {
    () => {
        "id, created_at, ttl_seconds, max_renewals, absolute_lifetime_seconds, permissions, \
         token_generation, token_issued_at, expires_at, renewal_count, revoked_at, label"
    };
}

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[macro_use]
mod delegation;
#[cfg(feature = "sqlite")]
pub mod migrate;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod operations;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod policy_cache;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod rules;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod stored;
#[cfg(all(feature = "conformance", feature = "postgres"))]
pub mod test_database;

#[cfg(feature = "postgres")]
pub use postgres::{PgOptions, PgStore};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteStore, StoreOptions, Synchronous};
