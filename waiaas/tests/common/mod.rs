//! Fixtures for the facade tests: a real vault on a temp dir (fast test KDF, explicitly
//! allowed), a manual clock and fixed prices. The owner keys (held by the test, signing
//! with independent libraries) and the fixed time come from `waiaas-test-support`; the
//! `World` stays here, since it is built of this crate's own types.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    dead_code,
    unused_imports,
    reason = "test code: a panic is a test failure; each test binary uses a subset"
)]

use std::sync::Arc;

use serde_json::json;
use waiaas::{
    Admin, Agent, Config, Host, ManualClock, Network, NewPolicy, SecretString, StaticPriceOracle,
    Waiaas,
};
use waiaas_core::policy::{PolicyType, Usd, native_asset_id};
use waiaas_core::session::CreateSession;
use waiaas_core::{WalletId, WalletInfo};

pub use waiaas_test_support::fixed::T0;
pub use waiaas_test_support::owner_keys::OwnerKey;
pub const SOL_USD: u64 = 100;
pub const ETH_USD: u64 = 2000;

pub struct World {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub prices: Arc<StaticPriceOracle>,
    pub admin: Admin,
}

/// The fast test KDF, allowed.
pub fn config() -> Config {
    Config::for_tests()
}

pub fn host(clock: &Arc<ManualClock>, prices: &Arc<StaticPriceOracle>) -> Host {
    Host {
        clock: clock.clone(),
        prices: prices.clone(),
        ..Host::default()
    }
}

/// A vault on a temp dir with the fast test KDF, a manual clock at [`T0`] and the fixed
/// prices.
pub fn world() -> World {
    world_with(|host| host)
}

/// [`world`] whose host is `adapt(host)`: chain clients, notifiers, an action provider
/// or another price oracle added to the clock and the fixed prices.
pub fn world_with(adapt: impl FnOnce(Host) -> Host) -> World {
    world_configured(&config(), adapt)
}

/// [`world_with`] under `config`.
pub fn world_configured(config: &Config, adapt: impl FnOnce(Host) -> Host) -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let prices = Arc::new(StaticPriceOracle::new(600));
    let admin = Waiaas::create(
        dir.path().join("vault"),
        Some(pw()),
        config,
        adapt(host(&clock, &prices)),
    )
    .unwrap();
    let w = World {
        dir,
        clock,
        prices,
        admin,
    };
    w.refresh_prices();
    w
}

pub fn pw() -> SecretString {
    SecretString::from("test master password".to_owned())
}

impl World {
    pub fn refresh_prices(&self) {
        let now = self.clock.now_value();
        for n in [Network::SolanaDevnet, Network::SolanaMainnet] {
            self.prices
                .set_price(&native_asset_id(n), Usd::from_u64(SOL_USD), "test", now);
        }
        for n in [Network::EthereumSepolia, Network::EthereumMainnet] {
            self.prices
                .set_price(&native_asset_id(n), Usd::from_u64(ETH_USD), "test", now);
        }
    }

    /// The article's ladder: INSTANT ≤ 10 USD, NOTIFY ≤ 100, DELAY ≤ 1000 (900 s),
    /// above → APPROVAL; daily cap 5000 USD.
    pub fn ladder(&self, wallet: WalletId) {
        self.admin
            .create_policy(
                NewPolicy::new(
                    PolicyType::SpendingLimit,
                    json!({
                        "instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000,
                        "delay_seconds": 900, "daily_limit_usd": 5000
                    }),
                )
                .for_wallet(wallet),
            )
            .unwrap();
    }

    pub fn wallet(&self, network: Network) -> WalletInfo {
        let w = self.admin.create_wallet("agent", network).unwrap();
        self.ladder(w.id);
        w
    }

    pub fn agent(&self, wallet: WalletId) -> Agent {
        let issued = self
            .admin
            .create_session(&CreateSession {
                ttl: Some(3600),
                max_renewals: 24,
                ..CreateSession::new(vec![wallet])
            })
            .unwrap();
        self.admin.agent(issued.token.expose()).unwrap()
    }

    /// Creates a policy bound to `wallet`.
    pub fn policy(
        &self,
        wallet: WalletId,
        ty: PolicyType,
        rules: serde_json::Value,
    ) -> waiaas_core::PolicyId {
        self.admin
            .create_policy(NewPolicy::new(ty, rules).for_wallet(wallet))
            .unwrap()
            .id
    }

    /// A second connection to the vault's database file, as an attacker (or a test)
    /// with write access would open it.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("vault/waiaas.db")).unwrap()
    }

    pub fn reopen(&self) -> Admin {
        Waiaas::open(
            self.dir.path().join("vault"),
            Some(pw()),
            &config(),
            host(&self.clock, &self.prices),
        )
        .unwrap()
    }
}

/// Extension so tests can read the manual clock.
pub trait NowValue {
    fn now_value(&self) -> i64;
}

impl NowValue for ManualClock {
    fn now_value(&self) -> i64 {
        waiaas::Clock::now(self)
    }
}

/// The signed transaction waiaas returned (base64 for Solana, 0x hex for EVM).
pub fn signed(tx: &waiaas::Transaction) -> &str {
    tx.result
        .as_ref()
        .unwrap()
        .signed_transaction
        .as_ref()
        .unwrap()
}

/// Recent blockhash placeholder for chains params in tests that do not execute.
pub const BLOCKHASH: &str = "11111111111111111111111111111111";

/// A Solana transfer of `amount` SOL with a placeholder blockhash (not executed).
pub fn sol_req(to: &str, amount: &str) -> waiaas::SendRequest {
    sol_req_with(to, amount, BLOCKHASH)
}

/// A Solana transfer of `amount` SOL signed against `blockhash`.
pub fn sol_req_with(to: &str, amount: &str, blockhash: &str) -> waiaas::SendRequest {
    waiaas::SendRequest {
        chain: waiaas::ChainParams {
            recent_blockhash: Some(blockhash.to_owned()),
            ..waiaas::ChainParams::default()
        },
        ..waiaas::SendRequest::transfer(to, amount)
    }
}
