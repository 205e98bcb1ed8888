//! Going live: the same library against a real network through its JSON-RPC endpoint.
//! Use a devnet or testnet first (the starter policies for test coins are then enough;
//! a mainnet wallet's USD limits need prices, see the README's "Prices").
//!
//! ```sh
//! cargo run -p waiaas-examples --example go_live -- ./vault solana-devnet http://127.0.0.1:8899
//! cargo run -p waiaas-examples --example go_live -- ./vault solana-devnet https://api.devnet.solana.com <to> 0.01
//! ```
//! An `https://` URL needs the `rpc-tls` feature of waiaas. The first run creates the
//! vault with an auto-provisioned `recovery.key` and a wallet to fund; later runs open
//! it (password from `WAIAAS_MASTER_PASSWORD`, `WAIAAS_MASTER_PASSWORD_FILE` or
//! `recovery.key`), print the balance, and send when a recipient and an amount are
//! given. Not run in CI (there is no network there).
#![allow(clippy::print_stdout, reason = "an example prints what it does")]

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;

use waiaas::{Config, CreateSession, Host, Network, QuicksetMode, SendRequest, Waiaas};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, network, url, rest @ ..] = args.as_slice() else {
        return Err("usage: go_live <vault-dir> <network> <rpc-url> [<to> <amount>]".into());
    };
    let network: Network = network.parse()?;
    let config = Config {
        rpc_urls: BTreeMap::from([(network, url.clone())]),
        ..Config::default()
    };
    let admin = if Path::new(dir).join("waiaas.db").exists() {
        Waiaas::open(dir, None, &config, Host::default())?
    } else {
        let admin = Waiaas::create_auto_provisioned(dir, &config, Host::default())?;
        println!(
            "vault created; its password is in {dir}/recovery.key — store it, then delete the file"
        );
        admin
    };
    let wallet = match admin.wallets()?.into_iter().find(|w| w.network == network) {
        Some(wallet) => wallet,
        None => {
            let wallet = admin.create_wallet("go-live", network)?;
            let mode = if network.info().mainnet {
                QuicksetMode::Mainnet
            } else {
                QuicksetMode::Testnet
            };
            admin.quickset(wallet.id, mode)?;
            wallet
        }
    };
    println!("wallet {} on {network}: {}", wallet.id, wallet.address);

    let session = admin.create_session(&CreateSession::new(vec![wallet.id]))?;
    let agent = admin.agent(session.token.expose())?;
    let balance = agent.balance(None)?;
    println!("balance: {} {}", balance.formatted, balance.symbol);

    if let [to, amount] = rest {
        let tx = agent.send(&SendRequest::transfer(to, amount))?;
        println!("sent: {} {:?} {:?}", tx.id, tx.tier, tx.status);
        if let Some(hash) = tx.result.and_then(|r| r.tx_hash) {
            println!("on chain: {hash}");
        }
    }
    admin.revoke_session(session.info.id)?;
    Ok(())
}
