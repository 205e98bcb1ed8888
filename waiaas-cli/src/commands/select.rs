//! Naming a wallet on the command line: its id or its name, or nothing when the vault
//! holds exactly one (the article's `quickset --mode mainnet`).

use waiaas::{Admin, WalletInfo};

use crate::failure::{Failure, Outcome};

/// The wallet `name_or_id` names, or the only wallet when `None`.
pub fn wallet(admin: &Admin, name_or_id: Option<&str>) -> Outcome<WalletInfo> {
    let wallets = admin.wallets()?;
    let mut matches: Vec<WalletInfo> = match name_or_id {
        Some(key) => wallets
            .into_iter()
            .filter(|w| w.id.to_string() == key || w.name == key)
            .collect(),
        None => wallets,
    };
    match (matches.len(), name_or_id) {
        (1, _) => matches
            .pop()
            .ok_or_else(|| Failure::cli("CLI_WALLET_NOT_FOUND", "")),
        (0, Some(key)) => Err(Failure::cli(
            "CLI_WALLET_NOT_FOUND",
            format!("no wallet has the id or name `{key}`"),
        )),
        (0, None) => Err(Failure::cli(
            "CLI_WALLET_NOT_FOUND",
            "the vault has no wallet yet: run `waiaas wallet create` first",
        )),
        (n, Some(key)) => Err(Failure::cli(
            "CLI_WALLET_AMBIGUOUS",
            format!("{n} wallets are named `{key}`: pass the wallet id"),
        )),
        (n, None) => Err(Failure::cli(
            "CLI_WALLET_AMBIGUOUS",
            format!("the vault has {n} wallets: pass `--wallet` with an id or name"),
        )),
    }
}
