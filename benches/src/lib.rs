//! Shared helpers of the benchmarks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use waiaas::{
    Admin, Agent, ChainParams, Config, CreateSession, Durability, Host, Network, NewPolicy,
    PolicyType, SecretString, SendRequest, Settings, StaticPriceOracle, Usd, Waiaas,
    native_asset_id,
};

/// An agent allowed to send `request` at INSTANT, and the vault directory it lives in.
#[derive(Debug)]
pub struct InstantAgent {
    /// The vault's temp dir (deleted on drop).
    pub dir: tempfile::TempDir,
    /// The operator's handle of the vault.
    pub admin: Admin,
    /// The one wallet.
    pub wallet: waiaas::WalletId,
    /// The agent handle.
    pub agent: Agent,
    /// A native transfer of 0.0001 (chain parameters given, no RPC).
    pub request: SendRequest,
}

/// A vault with the test KDF and `durability`, one wallet on `network` priced at
/// 100 USD, a SPENDING_LIMIT that admits every send at INSTANT under a daily USD cap
/// (`{"instant_max_usd": "1000000000", "daily_limit_usd": "1000000000000"}`), AutoStop's
/// send counter off, and an agent of a one-hour session. `benches/bindings/` builds
/// the same set-up through the Python and Node bindings.
///
/// # Errors
/// When the temp dir or any step of the set-up fails.
pub fn instant_agent(
    network: Network,
    durability: Durability,
) -> Result<InstantAgent, Box<dyn std::error::Error>> {
    instant_agent_capped(network, durability, "1000000000000")
}

/// A vault with the test KDF and `durability` in a temp dir, `network`'s native asset
/// priced at 100 USD, and AutoStop's send counter off (benchmarks send far more than a
/// human-scale threshold).
///
/// # Errors
/// When the temp dir or any step of the set-up fails.
pub fn bench_vault(
    network: Network,
    durability: Durability,
) -> Result<(tempfile::TempDir, Admin), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let prices = Arc::new(StaticPriceOracle::new(1_000_000));
    let now = waiaas::Clock::now(&waiaas::SystemClock);
    prices.set_price(&native_asset_id(network), Usd::from_u64(100), "bench", now);
    let admin = Waiaas::create(
        dir.path().join("v"),
        Some(SecretString::from("bench".to_owned())),
        &Config {
            durability,
            ..Config::for_tests()
        },
        Host {
            prices,
            ..Host::default()
        },
    )?;
    admin.set_settings(&Settings {
        auto_stop_max_sends: 0,
        ..Settings::default()
    })?;
    Ok((dir, admin))
}

/// As [`instant_agent`], with a daily cap of `daily_limit_usd` (a Solana send counts
/// 0.0105 USD: 0.01 moved and its 5 000-lamport fee).
///
/// # Errors
/// When the temp dir or any step of the set-up fails.
pub fn instant_agent_capped(
    network: Network,
    durability: Durability,
    daily_limit_usd: &str,
) -> Result<InstantAgent, Box<dyn std::error::Error>> {
    let (dir, admin) = bench_vault(network, durability)?;
    let wallet = admin.create_wallet("bench", network)?;
    admin.create_policy(
        NewPolicy::new(
            PolicyType::SpendingLimit,
            json!({ "instant_max_usd": "1000000000", "daily_limit_usd": daily_limit_usd }),
        )
        .for_wallet(wallet.id),
    )?;
    let token = admin
        .create_session(&CreateSession::new(vec![wallet.id]))?
        .token;
    let agent = admin.waiaas().agent(token.expose())?;
    let (chain, to) = match network.chain() {
        waiaas::Chain::Solana => (
            ChainParams {
                recent_blockhash: Some("GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi".into()),
                ..ChainParams::default()
            },
            "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
        ),
        waiaas::Chain::Ethereum => (
            ChainParams {
                nonce: Some(0),
                max_fee_per_gas: Some("30000000000".into()),
                max_priority_fee_per_gas: Some("1000000000".into()),
                ..ChainParams::default()
            },
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        ),
    };
    Ok(InstantAgent {
        dir,
        admin,
        wallet: wallet.id,
        agent,
        request: SendRequest {
            chain,
            ..SendRequest::transfer(to, "0.0001")
        },
    })
}

/// Latency percentiles of single calls (criterion reports means; the targets are
/// percentiles).
#[derive(Debug, Clone, Copy)]
pub struct Percentiles {
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
}

/// Times `n` single calls of `f` after `n / 10` warm-up calls, prints and returns the
/// percentiles.
#[must_use]
pub fn percentiles(name: &str, n: usize, mut f: impl FnMut()) -> Percentiles {
    for _ in 0..n / 10 {
        f();
    }
    let mut samples: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    let at = |q: usize| {
        let i = n.saturating_mul(q) / 100;
        samples
            .get(i.min(n.saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let p = Percentiles {
        p50: at(50),
        p99: at(99),
    };
    #[expect(clippy::print_stdout, reason = "benchmark output")]
    {
        println!("{name}: p50 {:?}  p99 {:?}  (n = {n})", p.p50, p.p99);
    }
    p
}
