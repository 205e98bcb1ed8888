//! The surface every binding and server wraps: owned serde DTOs, one casing, refused
//! unknown fields — defined once here, so Python, Node, Kotlin/Swift, the HTTP server
//! and the MCP server convert these types and call the handles, nothing more
//! (`docs/adr/` "thin wrapping").
//!
//! ## Conventions
//! - **camelCase** JSON field names (`walletId`, `maxRenewals`, `humanAmount`); the
//!   snake_case spelling of a field is refused like any unknown field. Policy **rules**
//!   are the one exception: they use the article's snake_case (`instant_max_usd`) and
//!   refuse camelCase.
//! - Enumerations are SCREAMING_SNAKE_CASE strings (`TRANSFER`, `BALANCE_READ`),
//!   networks their ids (`solana-devnet`), chains lowercase (`solana`, `ethereum`).
//! - Amounts are strings, never JSON numbers: `amount` is an integer of base units
//!   (lamports, wei), `humanAmount` a decimal of the whole unit (`"0.1"`); exactly one
//!   is given. USD values are decimal strings.
//! - Inputs refuse unknown fields; outputs may gain fields (clients ignore what they do
//!   not know).
//! - Errors are [`ErrorInfo`] (`{code, message, reasons, retryAfterSecs}`); every code
//!   and its class is listed in [`ERROR_CODES`]. HTTP servers answer [`ErrorBody`]
//!   (`{code, message, details?, retryable, hint?}`) with [`http_status`], and
//!   transactions as [`TxResponse`].
//!
//! JSON Schemas of the request types are committed under `docs/schema/` and produced
//! by [`request_schemas`]; a test fails when they are stale.

mod errors;
mod http_errors;
mod lists;
mod responses;
mod schema;
mod send;
mod server_requests;
mod sessions;
mod vectors;
mod wallets;

pub use errors::{ERROR_CODES, ErrorClass, ErrorCodeInfo, error_code_info};
pub use http_errors::{ErrorBody, ErrorDetails, RequestError, http_status};
pub use lists::{ListPolicies, ListTransactions, PolicyScope};
pub use responses::{AdminStatus, TxResponse, WalletAddress};
pub use schema::request_schemas;
pub(crate) use schema::wallet_id_schema;
pub use send::{
    MessageEncoding, SendKind, SendTransaction, SignMessage, SignTransaction, SignTypedData,
};
pub use server_requests::{ChangePassword, PriceEntry, SetPrices, TransactionQuery, WalletQuery};
pub use sessions::{CreateSession, SessionWithToken};
#[cfg(feature = "vectors")]
pub use vectors::{evaluate_chain_case, evaluate_session_case, evaluate_vault_case};
pub use vectors::{evaluate_policy_case, from_json};
pub use wallets::{
    CreateWallet, Environment, KillSwitchRequest, OwnerSignature, Quickset, RenameWallet, SetOwner,
};

pub use crate::admin::{AuditFilter, AuditHead, AuditVerification, OwnerInfo};
pub use crate::agent::Balance;
pub use crate::error::ErrorInfo;
pub use crate::kill_switch::KillSwitchReport;
pub use crate::notify::ChannelInfo;
pub use crate::owner::{ApprovalPage, ApprovalRequest, OwnerAction};
pub use crate::record::{ExecutionResult, Transaction, TxError};
pub use crate::request::{ChainParams, TokenSpec};
pub use crate::settings::Settings;
pub use waiaas_core::audit::AuditRecord;
pub use waiaas_core::policy::PolicyFilter;
pub use waiaas_core::policy::{ActionDescriptor, Decision, PolicyRecord, Reason};
pub use waiaas_core::session::{SessionInfo, SessionStatus};
pub use waiaas_core::store::{KillSwitchState, TxFilter};
pub use waiaas_core::vault::WalletInfo;
pub use waiaas_policy::{NewPolicy, PolicyUpdate, QuicksetMode};
