//! Engine-independent policy types: the canonical request, policy records, price
//! quotes, the spend-ledger snapshot, the [`Decision`] and the [`PolicyEngine`] trait.
//!
//! The decision is a value, never a `Result<bool>`: an engine that meets an error while
//! deciding returns a denying [`Decision`] that names the error. Amounts are exact
//! base units ([`Amount`](crate::Amount)); USD values are exact decimals ([`Usd`]); no floats.

mod decision;
mod engine;
mod ledger;
mod prices;
mod record;
mod request;
mod usd;

pub use decision::{ApprovalReason, Decision, Reason, Spend};
pub use engine::{PolicyEngine, PolicyInput};
pub use ledger::{
    DAILY_WINDOW, LedgerSnapshot, MONTHLY_WINDOW, Reservation, ReservationStatus, WindowTotals,
};
pub use prices::{PriceBook, PriceOracle, PriceQuote, native_asset_id, token_asset_id};
pub use record::{PolicyFilter, PolicyRecord, PolicyType};
pub use request::{
    ActionDescriptor, Erc8128Request, FeeBound, PolicyRequest, RequestBody, TokenRef, TypedDataKind,
};
pub use usd::Usd;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::Amount;
    use crate::chain::Network;
    use rust_decimal::Decimal;

    #[test]
    fn usd_parses_plain_decimals_only() {
        assert_eq!(Usd::parse("12.50").unwrap().to_string(), "12.5");
        assert_eq!(Usd::parse("0").unwrap(), Usd::ZERO);
        assert_eq!(Usd::parse("0.000001").unwrap().to_string(), "0.000001");
        for bad in [
            "", "-1", "+1", "1e3", " 1", "1 ", "1_000", "1,000", "1.", ".5", "1.2.3", "0x10", "١",
        ] {
            let e = Usd::parse(bad).unwrap_err();
            assert_eq!(crate::ErrorCode::code(&e), "INVALID_AMOUNT", "{bad:?}");
        }
        // More significant digits than a 96-bit mantissa holds.
        assert!(Usd::parse("123456789012345678901234567890").is_err());
    }

    #[test]
    fn usd_wire_form_is_a_string_and_numbers_are_read_exactly() {
        let v: Usd = serde_json::from_str("0.1").unwrap();
        assert_eq!(v, Usd::parse("0.1").unwrap());
        let v: Usd = serde_json::from_str("10").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"10\"");
        let v: Usd = serde_json::from_str("\"10.25\"").unwrap();
        assert_eq!(v, Usd::parse("10.25").unwrap());
        assert!(serde_json::from_str::<Usd>("-1").is_err());
        assert!(serde_json::from_str::<Usd>("\"-1\"").is_err());
        assert!(serde_json::from_str::<Usd>("null").is_err());
    }

    #[test]
    fn usd_arithmetic_saturates_safely() {
        let a = Usd::parse("1.5").unwrap();
        assert_eq!(a.saturating_add(a), Usd::parse("3").unwrap());
        assert_eq!(Usd::MAX.saturating_add(a), Usd::MAX);
        assert_eq!(a.saturating_sub(Usd::from_u64(2)), Usd::ZERO);
        assert_eq!(Usd::from_decimal(Decimal::NEGATIVE_ONE), None);
    }

    #[test]
    fn price_freshness_is_inclusive_and_zero_is_unusable() {
        let mut book = PriceBook::default();
        book.quotes.insert(
            "a".into(),
            PriceQuote {
                usd: Usd::from_u64(2),
                source: "t".into(),
                observed_at: 1000,
            },
        );
        book.quotes.insert(
            "z".into(),
            PriceQuote {
                usd: Usd::ZERO,
                source: "t".into(),
                observed_at: 1000,
            },
        );
        assert!(book.fresh("a", 1300).is_some());
        assert!(book.fresh("a", 1301).is_none());
        assert!(book.fresh("a", 700).is_some());
        assert!(book.fresh("a", 699).is_none());
        assert!(book.fresh("z", 1000).is_none());
        assert!(book.fresh("missing", 1000).is_none());
    }

    #[test]
    fn window_totals_add_and_remove() {
        let mut spend = Spend {
            usd: Some(Usd::from_u64(5)),
            category: Some("perp".into()),
            category_usd: Some(Usd::from_u64(7)),
            erc8128: true,
            ..Spend::default()
        };
        spend.assets.insert("x".into(), Amount::from_u64(9));
        let mut t = WindowTotals::default();
        t.add(&spend);
        t.add(&spend);
        assert_eq!(
            (t.requests, t.erc8128_requests, t.usd),
            (2, 2, Usd::from_u64(10))
        );
        t.remove_spend(&spend);
        assert_eq!((t.requests, t.usd), (2, Usd::from_u64(5)));
        t.remove(&spend, true);
        assert_eq!((t.requests, t.usd), (1, Usd::from_u64(5)));
        t.remove(&spend, false);
        assert_eq!(t, WindowTotals::default());
    }

    #[test]
    fn asset_ids() {
        assert_eq!(native_asset_id(Network::BaseMainnet), "native:base-mainnet");
        assert_eq!(
            token_asset_id(
                Network::PolygonMainnet,
                "0xABCDEF0000000000000000000000000000000001"
            ),
            "eip155:137/erc20:0xabcdef0000000000000000000000000000000001"
        );
        assert_eq!(
            token_asset_id(
                Network::SolanaDevnet,
                "So11111111111111111111111111111111111111112"
            ),
            "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1/token:So11111111111111111111111111111111111111112"
        );
    }
}
