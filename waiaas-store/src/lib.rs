//! # waiaas-store
//!
//! The storage backends of waiaas, behind the store traits of `waiaas-core`
//! ([`waiaas_core::store::Store`], [`waiaas_core::store::PipelineStore`], together
//! [`waiaas_core::store::Backend`]).
//!
//! - [`sqlite`] (feature `sqlite`, default): the embedded backend, one SQLite file per
//!   vault. All SQL and every `rusqlite` type live there and nowhere else; no backend
//!   type crosses a trait.
//! - [`rules`]: the backend-neutral rules every backend applies inside its
//!   transactions, as plain functions over small row primitives: rolling spend-window
//!   arithmetic, audit chaining, admission gates and placement, transition validity. A
//!   second backend (PostgreSQL, for fleets of agent hosts that share one wallet's
//!   limits) reuses them and writes only its SQL.
//! - `conformance` (feature `conformance`): the suite every backend must pass,
//!   `store_conformance!(fresh_harness)`, run on SQLite in `tests/conformance_sqlite.rs`.
//!
//! ## Atomicity contract
//! Every trait method is one atomic operation. Decisions and reservations for one
//! wallet are serialized across threads and processes; SQLite serializes the whole
//! database (`BEGIN IMMEDIATE`), a PostgreSQL backend will lock the one wallet's row.
//! Admission ([`waiaas_core::store::PipelineStore::admit_transaction`]) is the only way
//! a decision and a reservation are made; [`waiaas_core::store::Store::simulate`] is its
//! dry run. See the module docs of [`waiaas_core::store`] and `docs/adr/0003`.
//!
//! ## Features
//! - `sqlite` (default): [`sqlite::SqliteStore`].
//! - `conformance`: the conformance suite macro, for backend crates' tests.
//! - `test-support`: side doors on `SqliteStore` for tests and benchmarks (decide and
//!   reserve outside admission, ledger rows as given, window snapshots). Never enable
//!   it in production builds.

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod rules;
#[cfg(feature = "sqlite")]
pub mod sqlite;

#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteStore, StoreOptions, Synchronous};
