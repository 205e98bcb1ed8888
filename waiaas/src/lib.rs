#![doc = include_str!("../../README.md")]
//!
//! ## This crate
//! The facade will hold the `Admin` / `Agent` / owner handles and the transaction
//! pipeline. Until it lands, it re-exports [`waiaas_core`] as [`core`].

pub use waiaas_core as core;

pub mod notify;
