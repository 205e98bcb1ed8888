//! # waiaas-policy
//!
//! The default-deny policy engine of waiaas. [`Engine`] implements
//! [`waiaas_core::PolicyEngine`]: it sorts every request into INSTANT, NOTIFY, DELAY or
//! APPROVAL, or denies it with every reason. The decision is a value: an error while
//! deciding (rules that no longer parse, missing ledger totals, an unusable amount)
//! is a deny reason, never a panic and never an allow.
//!
//! The semantics (`docs/policy-semantics.md`):
//! 1. default-deny: with no policy nothing moves, and each request kind needs its
//!    enabling policy;
//! 2. deny wins and every reason is reported;
//! 3. the tier is the maximum over every applicable rule;
//! 4. one policy per type, the most specific wins (wallet+network > wallet >
//!    global+network > global, then priority, then the oldest);
//! 5. an unknown or stale price fails closed to APPROVAL;
//! 6. exact integer and decimal money math, inclusive limits;
//! 7. the decision and the spend reservation are one serialized transaction
//!    (admission, [`waiaas_core::PipelineStore::admit_transaction`]), and per-transaction ladders
//!    count the wallet's in-flight reservations;
//! 8. rolling daily and monthly windows count in-flight amounts;
//! 9. strict address matching (EVM by value with `0x`, Solana exact).
//!
//! Policies are created and changed through [`PolicyAdmin`], which validates rules
//! ([`Rules::parse`]) on create and update; [`quickset`] creates a starter set.
//!
//! ```
//! use serde_json::json;
//! use waiaas_core::policy::{LedgerSnapshot, RequestBody};
//! use waiaas_core::{
//!     Amount, Network, PolicyEngine, PolicyId, PolicyInput, PolicyRecord, PolicyRequest,
//!     PolicyType, PriceBook, Tier, TxId, WalletId,
//! };
//! use waiaas_policy::Engine;
//!
//! let wallet = WalletId::new();
//! let limit = PolicyRecord {
//!     id: PolicyId::new(),
//!     wallet_id: Some(wallet),
//!     network: None,
//!     policy_type: PolicyType::SpendingLimit,
//!     rules: json!({ "instant_max": "1000", "notify_max": "5000" }),
//!     priority: 0,
//!     enabled: true,
//!     revision: 1,
//!     created_at: 0,
//!     updated_at: 0,
//! };
//! let request = |amount: u64| PolicyRequest {
//!     request_id: TxId::new(),
//!     wallet_id: wallet,
//!     network: Network::EthereumSepolia,
//!     body: RequestBody::Transfer {
//!         to: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359".into(),
//!         amount: Amount::from_u64(amount),
//!     },
//!     permissions: vec![],
//!     action: None,
//!     claimed_action: None,
//!     fee: None,
//! };
//! let engine = Engine::new();
//! let decide = |policies: &[PolicyRecord], amount| {
//!     engine.evaluate(&PolicyInput {
//!         request: &request(amount),
//!         policies,
//!         ledger: &LedgerSnapshot::empty(&[]),
//!         prices: &PriceBook::default(),
//!         now: 1_767_225_600,
//!     })
//! };
//! // With no policy nothing moves.
//! assert_eq!(decide(&[], 1).reason_codes(), vec!["NO_POLICY"]);
//! // Limits are inclusive; above the last rung the owner must approve.
//! assert_eq!(decide(&[limit.clone()], 1000).tier, Tier::Instant);
//! assert_eq!(decide(&[limit.clone()], 1001).tier, Tier::Notify);
//! assert_eq!(decide(&[limit], 5001).tier, Tier::Approval);
//! ```

pub mod admin;
pub mod codes;
mod engine;
mod matching;
pub mod presets;
pub mod rules;
pub mod vectors;

pub use admin::{NewPolicy, PolicyAdmin, PolicyError, PolicyUpdate};
pub use engine::{ERC8128_WINDOW, Engine, MAX_BATCH, MIN_BATCH, applicable_policies};
pub use presets::{QuicksetMode, quickset};
pub use rules::Rules;
