//! A tour of waiaas-core on a fresh vault: create a vault with real Argon2id
//! parameters, create and import wallets, and issue, verify, renew and revoke an agent
//! session. Offline; takes about a second.
//!
//! Run: `cargo run -p waiaas-store --example vault_and_sessions`
#![allow(clippy::print_stdout, reason = "an example prints what it does")]

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use waiaas_core::session::{CreateSession, SessionConfig, SessionIssuer};
use waiaas_core::{
    Clock, DataDir, ErrorCode, ManualClock, Network, Permission, SecretString, SystemClock, Vault,
    VaultOptions,
};
use waiaas_store::{SqliteStore, StoreOptions};

fn main() -> Result<(), Box<dyn Error>> {
    let tmp = tempfile::Builder::new()
        .prefix("waiaas-quickstart-")
        .tempdir()?;
    let data = DataDir::new(tmp.path().join("vault"));
    println!("vault directory: {}", data.root().display());

    // 1. The operator's master password: auto-provisioned into recovery.key (0600).
    data.provision_recovery_key()?;
    let (password, origin) = data.resolve_password(None)?;
    println!(
        "master password source: {origin:?} ({})",
        data.recovery_key_path().display()
    );

    // The session clock starts at the real time; step 4 moves it forward to show renewal
    // without waiting half an hour.
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let options = VaultOptions {
        clock: clock.clone(),
        ..data.vault_options()
    };

    // 2. Create the vault: Argon2id m = 64 MiB, t = 3, p = 4 (the defaults).
    let store = Arc::new(SqliteStore::open_dir(&data, &StoreOptions::default())?);
    let started = Instant::now();
    let vault = Vault::create(store, &password, Default::default(), options.clone())?;
    println!(
        "vault created (one Argon2id derivation: {:?})",
        started.elapsed()
    );

    let sol = vault.create_wallet("agent-sol", Network::SolanaDevnet)?;
    println!(
        "created  {:<10} {:<18} {}",
        sol.name,
        sol.network.to_string(),
        sol.address
    );
    // A well-known test key (anvil account #0): never fund it on a real network.
    let anvil0 = SecretString::from(
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80".to_owned(),
    );
    let evm = vault.import_wallet("agent-evm", Network::EthereumSepolia, &anvil0)?;
    println!(
        "imported {:<10} {:<18} {}",
        evm.name,
        evm.network.to_string(),
        evm.address
    );
    drop(vault);

    // 3. A host process unlocks the vault (one Argon2id) and issues an agent session.
    let store = Arc::new(SqliteStore::open_dir(&data, &StoreOptions::default())?);
    let started = Instant::now();
    let vault = Arc::new(Vault::unlock(store, &password, options)?);
    println!("vault unlocked in {:?}", started.elapsed());
    let issuer = SessionIssuer::new(vault.clone(), SessionConfig::default())?;
    let issued = issuer.create(&CreateSession {
        ttl: Some(3600),
        max_renewals: 24,
        absolute_lifetime: 86_400,
        ..CreateSession::new(vec![sol.id, evm.id])
    })?;
    let token = issued.token.clone();
    println!(
        "session {} issued: ttl 3600 s, 24 renewals, 24 h absolute; token {:?}",
        issued.info.id, token
    );

    let ok = issuer.verify_access(token.expose(), sol.id, Permission::Transaction)?;
    println!(
        "verify for agent-sol / TRANSACTION: ok (generation {})",
        ok.generation
    );
    let denied = issuer.verify_access(token.expose(), sol.id, Permission::SignMessage);
    println!(
        "verify for SIGN_MESSAGE: {}",
        denied.err().map_or("allowed?!", |e| e.code())
    );
    let early = issuer.renew(token.expose());
    println!(
        "renew at once: {}",
        early.err().map_or("renewed?!", |e| e.code())
    );

    // 4. Half the TTL later the agent renews; the old token is dead at once.
    clock.advance(1801);
    let renewed = issuer.renew(token.expose())?;
    println!(
        "renew after 30 min: ok, expires at {:?}, renewals {}",
        renewed.info.expires_at, renewed.info.renewal_count
    );
    let old = issuer.verify(token.expose());
    println!("old token: {}", old.err().map_or("valid?!", |e| e.code()));

    // 5. Signing-side key access: no Argon2id, key wiped after the closure.
    let address = vault.with_signing_key(sol.id, |key| key.address())?;
    println!("signing key of agent-sol reached in scope for {address}");

    // 6. The operator revokes; every process sharing the database refuses the token.
    issuer.revoke(renewed.info.id)?;
    let revoked = issuer.verify(renewed.token.expose());
    println!(
        "after revoke: {}",
        revoked.err().map_or("valid?!", |e| e.code())
    );
    Ok(())
}
