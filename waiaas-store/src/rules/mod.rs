//! The backend-neutral storage rules: what every backend decides inside its
//! transactions, as plain functions over small row primitives. Only SQL differs between
//! backends; these do not.

pub mod admission;
pub mod audit;
pub mod windows;
