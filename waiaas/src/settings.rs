//! Operator settings, stored in the database so every process sharing it agrees.
//!
//! The type lives in `waiaas-core` (the store applies the settings inside the admission
//! transaction); this module is its place in the facade.

pub use waiaas_core::settings::{Settings, default_fee_ceiling};

/// The settings key in the store.
pub(crate) use waiaas_core::settings::SETTINGS_KEY;
