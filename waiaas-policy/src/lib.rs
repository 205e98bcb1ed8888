//! # waiaas-policy
//!
//! The default-deny policy engine of waiaas: it sorts every request into INSTANT,
//! NOTIFY, DELAY or APPROVAL, or denies it with every reason, and reserves spend
//! atomically. Work in progress: the engine lands with the policy-engine issue; until
//! then this crate holds no code, so nothing can be allowed by it.
