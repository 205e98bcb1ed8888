//! # waiaas-policy
//!
//! The default-deny policy engine of waiaas. [`Engine`] implements
//! [`waiaas_core::PolicyEngine`]: it sorts every request into INSTANT, NOTIFY, DELAY or
//! APPROVAL, or denies it with every reason. The decision is a value: an error while
//! deciding (rules that no longer parse, missing ledger totals, an unusable amount)
//! is a deny reason, never a panic and never an allow.
//!
//! The semantics (DESIGN §5, `docs/policy-semantics.md`):
//! 1. default-deny: with no policy nothing moves, and each request kind needs its
//!    enabling policy;
//! 2. deny wins and every reason is reported;
//! 3. the tier is the maximum over every applicable rule;
//! 4. one policy per type, the most specific wins (wallet+network > wallet >
//!    global+network > global, then priority, then the oldest);
//! 5. an unknown or stale price fails closed to APPROVAL;
//! 6. exact integer and decimal money math, inclusive limits;
//! 7. the decision and the spend reservation are one serialized transaction
//!    ([`waiaas_core::Store::evaluate_and_reserve`]);
//! 8. rolling daily and monthly windows count in-flight amounts;
//! 9. strict address matching (EVM by value with `0x`, Solana exact).
//!
//! Policies are created and changed through [`PolicyAdmin`], which validates rules
//! ([`Rules::parse`]) on create and update; [`quickset`] creates a starter set.

pub mod admin;
pub mod codes;
mod engine;
mod matching;
pub mod presets;
pub mod rules;

pub use admin::{NewPolicy, PolicyAdmin, PolicyError, PolicyUpdate};
pub use engine::{ERC8128_WINDOW, Engine, MAX_BATCH, MIN_BATCH};
pub use presets::{QuicksetMode, quickset};
pub use rules::Rules;
