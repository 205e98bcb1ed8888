//! The one-line static price table: exact decimals, typed errors, never stale, and an
//! asset it leaves out stays unpriced (the engine fails closed).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::sync::Arc;

use waiaas::price::STATIC_SOURCE;
use waiaas::{Network, PriceOracle, StaticPriceOracle};
use waiaas_core::policy::{ApprovalReason, Usd, native_asset_id};
use waiaas_core::{ErrorCode, Tier};

#[test]
fn from_usd_prices_exactly_and_never_goes_stale() {
    let table = StaticPriceOracle::from_usd(&[
        ("native:solana-devnet", "150.25"),
        (
            "eip155:1/erc20:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
            "0.9998",
        ),
    ])
    .unwrap();
    let ids = [
        "native:solana-devnet".to_owned(),
        "eip155:1/erc20:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48".to_owned(),
        "native:ethereum-mainnet".to_owned(),
    ];
    let book = table.price_book(&ids);
    assert_eq!(book.quotes.len(), 2, "an asset left out is unpriced");
    let q = &book.quotes["native:solana-devnet"];
    assert_eq!(q.usd, Usd::parse("150.25").unwrap());
    assert_eq!(q.source, STATIC_SOURCE);
    // Fresh at any time, before or long after it was made.
    for now in [0, q.observed_at, q.observed_at + 10 * 365 * 86_400] {
        assert!(book.fresh("native:solana-devnet", now).is_some(), "{now}");
    }
}

#[test]
fn from_usd_refuses_bad_entries_with_typed_errors() {
    let cases: [(&[(&str, &str)], &str); 7] = [
        (&[("native:solana-devnet", "1e3")], "INVALID_AMOUNT"),
        (&[("native:solana-devnet", "-1")], "INVALID_AMOUNT"),
        (&[("native:solana-devnet", "")], "INVALID_AMOUNT"),
        (&[("native:solana-devnet", "0")], "VALIDATION_FAILED"),
        (&[("native:solana", "1")], "VALIDATION_FAILED"),
        (
            &[(
                "eip155:1/erc20:0xA0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
                "1",
            )],
            "VALIDATION_FAILED",
        ),
        (
            &[("native:solana-devnet", "1"), ("native:solana-devnet", "2")],
            "VALIDATION_FAILED",
        ),
    ];
    for (entries, code) in cases {
        let e = StaticPriceOracle::from_usd(entries).unwrap_err();
        assert_eq!(e.code(), code, "{entries:?}: {e}");
    }
}

#[test]
fn a_vault_priced_by_the_table_ladders_in_usd() {
    let table =
        StaticPriceOracle::from_usd(&[(&native_asset_id(Network::SolanaDevnet), "100")]).unwrap();
    // The vault prices through the table only (the world's fixed prices are not its
    // oracle).
    let w = common::world_with(|host| waiaas::Host {
        prices: Arc::new(table),
        ..host
    });
    let sol = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(sol.id);
    // 0.05 SOL × 100 = 5 USD ≤ 10: INSTANT; 0.5 SOL = 50 USD: NOTIFY.
    let d = agent
        .simulate(&common::sol_req(&sol.address, "0.05"))
        .unwrap();
    assert_eq!(d.tier, Tier::Instant);
    let d = agent
        .simulate(&common::sol_req(&sol.address, "0.5"))
        .unwrap();
    assert_eq!(d.tier, Tier::Notify);
    // A year later the table still prices.
    w.clock.advance(365 * 86_400);
    let agent = w.agent(sol.id);
    let d = agent
        .simulate(&common::sol_req(&sol.address, "0.05"))
        .unwrap();
    assert_eq!(d.tier, Tier::Instant);
    assert_ne!(d.approval_reason, Some(ApprovalReason::UnknownPrice));
}
