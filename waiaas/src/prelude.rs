//! What most programs need: `use waiaas::prelude::*;`.

pub use crate::{
    Admin, Agent, Config, CreateSession, Error, Host, Network, NewPolicy, Owner, PolicyType,
    Quantity, Result, SecretString, SendRequest, StaticPriceOracle, Tier, Transaction, TxStatus,
    Usd, Waiaas, WalletId, native_asset_id,
};
