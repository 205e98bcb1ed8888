//! The waiaas quickstart: a fresh vault with real Argon2id parameters, a Solana devnet
//! and an EVM Sepolia wallet, the article's policies, an owner key, an agent session,
//! and requests that land in every tier — plus two the policy denies (an unlisted token; false decimals). Offline.
//!
//! Run: `cargo run --example quickstart`
#![allow(
    clippy::print_stdout,
    clippy::arithmetic_side_effects,
    reason = "an example prints what it does"
)]

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use waiaas::owner::OwnerSigner;
use waiaas::{
    ChainParams, Clock, Config, CreateSession, Host, ManualClock, Network, NewPolicy, Operation,
    PolicyType, SendRequest, StaticPriceOracle, SystemClock, TokenSpec, Transaction, TxStatus, Usd,
    Waiaas, native_asset_id, token_asset_id,
};

const USDC_MINT: &str = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
const BONK_MINT: &str = "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263";
const RECIPIENT: &str = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
/// A blockhash supplied by the caller (offline: no chain client fetches one).
const BLOCKHASH: &str = "GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi";

fn detail(tx: &Transaction) -> String {
    match tx.status {
        TxStatus::Signed => tx
            .result
            .as_ref()
            .and_then(|r| r.tx_hash.clone())
            .map(|h| format!("signed {}…", h.get(..16).unwrap_or(&h)))
            .unwrap_or_default(),
        TxStatus::Queued => format!(
            "executes after +{} s",
            tx.execute_after.unwrap_or(0) - tx.created_at
        ),
        TxStatus::PendingApproval => format!(
            "owner has {} s to approve",
            tx.expires_at.unwrap_or(0) - tx.created_at
        ),
        TxStatus::Cancelled => "cancelled; its reservation released".to_owned(),
        other => other.as_str().to_owned(),
    }
}

/// Prints one row and returns its outcome (the status, or the error code).
fn row(n: usize, what: &str, result: &Result<Transaction, waiaas::Error>) -> &'static str {
    match result {
        Ok(tx) => {
            println!(
                "| {n} | {what:<34} | {:<8} | {:<16} | {} |",
                tx.tier.map_or("-", |t| t.as_str()),
                tx.status.as_str(),
                detail(tx)
            );
            tx.status.as_str()
        }
        Err(e) => {
            println!(
                "| {n} | {what:<34} | {:<8} | {:<16} | {} |",
                "-",
                e.code(),
                e.reasons()
                    .iter()
                    .map(|r| r.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            e.code()
        }
    }
}

/// What each row ends as when waiaas behaves as the README says.
const EXPECTED: [&str; 10] = [
    "SIGNED",
    "SIGNED",
    "SIGNED",
    "QUEUED",
    "CANCELLED",
    "PENDING_APPROVAL",
    "SIGNED",
    "POLICY_DENIED",
    "POLICY_DENIED",
    "SIGNED",
];

fn main() -> Result<(), Box<dyn Error>> {
    let tmp = tempfile::Builder::new()
        .prefix("waiaas-quickstart-")
        .tempdir()?;
    let dir = tmp.path().join("vault");
    // Prices come from the host's feed; here a fixed table (SOL $150, ETH $3000, USDC $1).
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let prices = Arc::new(StaticPriceOracle::new(300));
    let now = clock.now();
    prices.set_price(
        &native_asset_id(Network::SolanaDevnet),
        Usd::from_u64(150),
        "example",
        now,
    );
    prices.set_price(
        &native_asset_id(Network::EthereumSepolia),
        Usd::from_u64(3000),
        "example",
        now,
    );
    prices.set_price(
        &token_asset_id(Network::SolanaDevnet, USDC_MINT),
        Usd::from_u64(1),
        "example",
        now,
    );
    let host = Host {
        clock: clock.clone(),
        prices,
        ..Host::default()
    };

    // 1. The operator creates the vault (Argon2id m = 64 MiB, t = 3, p = 4); the master
    //    password is auto-provisioned into recovery.key (0600).
    let started = Instant::now();
    let admin = Waiaas::create_auto_provisioned(&dir, &Config::default(), host)?;
    println!(
        "vault created in {} ({:?}, one Argon2id)",
        dir.display(),
        started.elapsed()
    );

    // 2. Wallets and the article's policies.
    let sol = admin.create_wallet("ai-trading-bot", Network::SolanaDevnet)?;
    let evm = admin.create_wallet("ai-trading-bot-evm", Network::EthereumSepolia)?;
    println!("wallet {} on solana-devnet: {}", sol.id, sol.address);
    println!("wallet {} on ethereum-sepolia: {}", evm.id, evm.address);
    for w in [&sol, &evm] {
        admin.create_policy(
            NewPolicy::new(
                PolicyType::SpendingLimit,
                json!({
                    "instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000,
                    "delay_seconds": 900, "daily_limit_usd": 5000
                }),
            )
            .for_wallet(w.id),
        )?;
    }
    admin.create_policy(
        NewPolicy::new(
            PolicyType::AllowedTokens,
            json!({ "tokens": [{ "address": USDC_MINT, "symbol": "USDC", "chain": "solana", "decimals": 6 }] }),
        )
        .for_wallet(sol.id),
    )?;
    println!(
        "policies: SPENDING_LIMIT 10/100/1000 USD, delay 900 s, daily 5000 USD; ALLOWED_TOKENS USDC"
    );

    // 3. The owner's key lives in the owner's own wallet app (here: waiaas's
    //    owner-side signer, feature `owner-signer`); it is registered by address.
    let owner_key = OwnerSigner::solana_from_bytes(&[42u8; 32])?;
    let owner_address = owner_key.address();
    admin.set_owner(sol.id, &owner_address)?;
    println!("owner of ai-trading-bot: {owner_address}");

    // 4. A bounded session for the agent: ttl 1 h, 24 renewals.
    let issued = admin.create_session(&CreateSession {
        ttl: Some(3600),
        max_renewals: 24,
        ..CreateSession::new(vec![sol.id, evm.id])
    })?;
    println!(
        "session {} issued; the agent holds only its token",
        issued.info.id
    );
    let agent = admin.waiaas().agent(issued.token.expose())?;

    let chain = ChainParams {
        recent_blockhash: Some(BLOCKHASH.to_owned()),
        ..ChainParams::default()
    };
    let transfer = |amount: &str| SendRequest {
        wallet_id: Some(sol.id),
        chain: chain.clone(),
        ..SendRequest::transfer(RECIPIENT, amount)
    };
    let token = |mint: &str, symbol: &str, decimals: Option<u8>, amount: &str| SendRequest {
        wallet_id: Some(sol.id),
        chain: chain.clone(),
        ..SendRequest::new(Operation::TokenTransfer {
            to: RECIPIENT.to_owned(),
            // Decimals come from the operator's ALLOWED_TOKENS entry (or the chain),
            // never from the agent; an unlisted token is denied before they matter.
            token: TokenSpec {
                decimals,
                symbol: Some(symbol.to_owned()),
                ..TokenSpec::new(mint)
            },
            amount: amount.into(),
            token_program: None,
        })
    };

    let mut outcomes = Vec::new();
    println!();
    println!("| # | request                            | tier     | status           | detail |");
    println!("|---|------------------------------------|----------|------------------|--------|");
    outcomes.push(row(1, "0.05 SOL ($7.50)", &agent.send(&transfer("0.05"))));
    outcomes.push(row(
        2,
        "5 USDC ($5)",
        &agent.send(&token(USDC_MINT, "USDC", None, "5")),
    ));
    outcomes.push(row(3, "0.5 SOL ($75)", &agent.send(&transfer("0.5"))));
    let delayed = agent.send(&transfer("5"));
    outcomes.push(row(4, "5 SOL ($750)", &delayed));
    if let Ok(tx) = &delayed {
        outcomes.push(row(5, "  … cancelled by the agent", &agent.cancel(tx.id)));
    }
    let big = agent.send(&transfer("20"));
    outcomes.push(row(6, "20 SOL ($3000)", &big));
    if let Ok(tx) = &big {
        // The owner reviews the exact text and signs it in their wallet app.
        let owner = admin.waiaas().owner();
        let text = owner
            .approval_request(tx.id)?
            .approve_message
            .unwrap_or_default();
        let signature = owner_key.sign(&text)?;
        outcomes.push(row(
            7,
            "  … approved by the owner",
            &owner.approve(tx.id, &signature, &text),
        ));
    }
    outcomes.push(row(
        8,
        "1000 BONK (not an allowed token)",
        &agent.send(&token(BONK_MINT, "BONK", Some(5), "1000")),
    ));
    // Judge what is signed: "5 USDC" stated with 9 decimals would really move 5 000 USDC.
    outcomes.push(row(
        9,
        "5 USDC claimed with 9 decimals",
        &agent.send(&token(USDC_MINT, "USDC", Some(9), "5")),
    ));

    // EVM: nonce and fees supplied by the caller (no chain client offline).
    let eth = SendRequest {
        wallet_id: Some(evm.id),
        chain: ChainParams {
            nonce: Some(0),
            max_fee_per_gas: Some("30000000000".to_owned()),
            max_priority_fee_per_gas: Some("1000000000".to_owned()),
            ..ChainParams::default()
        },
        ..SendRequest::transfer("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0.002")
    };
    outcomes.push(row(10, "0.002 ETH ($6) on sepolia", &agent.send(&eth)));

    println!();
    let audit = admin.verify_audit_log()?;
    println!(
        "audit log: {} entries, HMAC chain intact: {}",
        audit.entries,
        audit.is_intact()
    );
    if outcomes != EXPECTED || !audit.is_intact() {
        return Err(format!(
            "the quickstart did not go as the README says: {outcomes:?}, expected {EXPECTED:?}"
        )
        .into());
    }
    Ok(())
}
