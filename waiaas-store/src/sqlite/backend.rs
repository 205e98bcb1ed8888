//! The store traits implemented by delegation to the files of each concern.

use super::{
    SqliteStore, audit, clock, ledger, notify, owners, policies, sessions, settings, transactions,
    vault, wallets,
};

delegate_store_traits!(SqliteStore);
