//! Amounts, addresses, networks and ids: strict parsing with typed errors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

use waiaas_core::{Amount, Chain, ErrorCode, EvmAddress, Network, SolanaAddress, WalletId};

#[test]
fn base_unit_amounts_parse_exactly() {
    assert_eq!(Amount::parse_base_units("0").unwrap(), Amount::ZERO);
    assert_eq!(
        Amount::parse_base_units("1000000000").unwrap(),
        Amount::from_u64(1_000_000_000)
    );
    let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    assert_eq!(Amount::parse_base_units(max).unwrap(), Amount::MAX);
    let over = "115792089237316195423570985008687907853269984665640564039457584007913129639936";
    for bad in [
        "", " 1", "1 ", "-1", "+1", "1.0", "1e9", "0x10", "١", "1_000", over,
    ] {
        let err = Amount::parse_base_units(bad).unwrap_err();
        assert_eq!(err.code(), "INVALID_AMOUNT", "{bad:?}");
    }
}

#[test]
fn human_amounts_refuse_ambiguity() {
    assert_eq!(
        Amount::parse_human("1.5", 9).unwrap(),
        Amount::from_u64(1_500_000_000)
    );
    assert_eq!(
        Amount::parse_human("0.000000001", 9).unwrap(),
        Amount::from_u64(1)
    );
    assert_eq!(
        Amount::parse_human("10", 6).unwrap(),
        Amount::from_u64(10_000_000)
    );
    assert_eq!(Amount::parse_human("7", 0).unwrap(), Amount::from_u64(7));
    assert_eq!(
        Amount::parse_human("1", 18).unwrap(),
        Amount::from_u128(1_000_000_000_000_000_000)
    );
    let cases = [
        ("0.0000000001", 9), // excess precision
        ("1.5", 0),          // no decimals allowed
        ("-1", 9),           // negative
        ("1e3", 9),          // exponent
        ("", 9),             // empty
        (" 1", 9),           // whitespace
        ("1 ", 9),
        ("1,5", 9), // separator
        (".5", 9),  // missing whole part
        ("1.", 9),  // missing fraction
        ("1.2.3", 9),
        ("+1", 9),
        ("NaN", 9),
        ("1", 37), // absurd decimals
        (
            "115792089237316195423570985008687907853269984665640564039457584007913129639936",
            0,
        ),
        (
            "115792089237316195423570985008687907853269984665640564039457584007913129639935",
            1,
        ),
    ];
    for (input, decimals) in cases {
        let err = Amount::parse_human(input, decimals).unwrap_err();
        assert_eq!(err.code(), "INVALID_AMOUNT", "{input:?} @ {decimals}");
    }
}

#[test]
fn human_formatting_round_trips() {
    for (s, d) in [
        ("1.5", 9),
        ("0.000000001", 9),
        ("10", 6),
        ("0", 18),
        ("123.456", 3),
    ] {
        assert_eq!(Amount::parse_human(s, d).unwrap().to_human(d), s);
    }
    assert_eq!(Amount::from_u64(1_500_000_000).to_human(9), "1.5");
    assert_eq!(Amount::from_u64(5).to_human(0), "5");
}

#[test]
fn amount_serde_is_a_digit_string() {
    let a = Amount::from_u128(u128::MAX);
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(json, format!("\"{}\"", u128::MAX));
    assert_eq!(serde_json::from_str::<Amount>(&json).unwrap(), a);
    assert!(
        serde_json::from_str::<Amount>("1").is_err(),
        "numbers lose precision; strings only"
    );
    assert!(serde_json::from_str::<Amount>("\"-1\"").is_err());
    assert_eq!(
        a.checked_add(Amount::from_u64(1)),
        Some(
            Amount::from_u128(u128::MAX)
                .checked_add(Amount::from_u64(1))
                .unwrap()
        )
    );
    assert_eq!(Amount::MAX.checked_add(Amount::from_u64(1)), None);
    assert_eq!(Amount::ZERO.checked_sub(Amount::from_u64(1)), None);
}

#[test]
fn evm_addresses_compare_by_value_and_checksum_is_strict_when_asked() {
    let checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    let lower = checksummed.to_lowercase();
    let a = EvmAddress::parse(checksummed).unwrap();
    let b = EvmAddress::parse(&lower).unwrap();
    assert_eq!(a, b);
    assert_eq!(b.to_checksum(), checksummed);
    // EIP-55 test vectors.
    for v in [
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    ] {
        assert_eq!(EvmAddress::parse(v).unwrap().to_checksum(), v);
    }
    assert!(EvmAddress::parse_checksummed(checksummed).is_ok());
    for wrong in [lower.as_str(), "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"] {
        assert_eq!(
            EvmAddress::parse_checksummed(wrong).unwrap_err().code(),
            "INVALID_ADDRESS"
        );
    }
    for bad in [
        "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        " 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA\u{200b}d",
        "",
    ] {
        assert_eq!(
            EvmAddress::parse(bad).unwrap_err().code(),
            "INVALID_ADDRESS",
            "{bad:?}"
        );
    }
}

#[test]
fn solana_addresses_are_exact() {
    let usdc = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
    assert_eq!(SolanaAddress::parse(usdc).unwrap().to_string(), usdc);
    assert_eq!(
        SolanaAddress::parse("11111111111111111111111111111111")
            .unwrap()
            .as_bytes(),
        &[0u8; 32]
    );
    for bad in [
        "epjfwdd5aufqssqem2qn1xzybapc8g4wegGkZwyTDt1v", // case changes the value: not the same address
        "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1",  // too short
        "0PjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", // 0 is not base58
        " EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
        "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v\u{200b}",
        "",
    ] {
        match SolanaAddress::parse(bad) {
            Ok(a) => assert_ne!(a.to_string(), usdc, "{bad:?} must not equal USDC"),
            Err(e) => assert_eq!(e.code(), "INVALID_ADDRESS", "{bad:?}"),
        }
    }
    assert!(SolanaAddress::parse(" EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v").is_err());
}

proptest::proptest! {
    /// Every 32 bytes have one spelling: the canonical one parses back to them, and
    /// the same digits with a leading `1` added or removed (another count of zero
    /// bytes) are refused.
    #[test]
    fn a_solana_address_has_one_spelling(
        zeros in 0usize..4,
        rest in proptest::array::uniform32(proptest::num::u8::ANY),
    ) {
        let mut bytes = rest;
        bytes.iter_mut().take(zeros).for_each(|b| *b = 0);
        let canonical = bs58::encode(bytes).into_string();
        let parsed = SolanaAddress::parse(&canonical).unwrap();
        proptest::prop_assert_eq!(parsed.as_bytes(), &bytes);
        let longer = format!("1{canonical}");
        proptest::prop_assert!(SolanaAddress::parse(&longer).is_err());
        if let Some(shorter) = canonical.strip_prefix('1') {
            proptest::prop_assert!(SolanaAddress::parse(shorter).is_err());
        }
    }
}

#[test]
fn networks_are_data() {
    assert_eq!(Network::all().count(), 13);
    for n in Network::all() {
        let s = n.as_str();
        assert_eq!(s.parse::<Network>().unwrap(), n);
        assert_eq!(serde_json::to_string(&n).unwrap(), format!("\"{s}\""));
        match n.chain() {
            Chain::Solana => assert!(n.evm_chain_id().is_none()),
            Chain::Ethereum => assert_eq!(
                Network::from_evm_chain_id(n.evm_chain_id().unwrap()),
                Some(n)
            ),
        }
    }
    assert_eq!(Network::EthereumSepolia.evm_chain_id(), Some(11_155_111));
    assert_eq!(Network::BaseMainnet.evm_chain_id(), Some(8453));
    let err = "mainnet".parse::<Network>().unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
    assert!(err.to_string().contains("solana-devnet"), "{err}");
}

#[test]
fn ids_are_uuid_v7_and_parse_strictly() {
    let a = WalletId::new();
    let b = WalletId::new();
    assert!(a < b || a.as_uuid().get_version_num() == 7);
    assert_eq!(a.as_uuid().get_version_num(), 7);
    assert_eq!(a.to_string().parse::<WalletId>().unwrap(), a);
    for bad in [
        "",
        "not-a-uuid",
        "{00000000-0000-0000-0000-000000000000}",
        "00000000000000000000000000000000",
    ] {
        assert_eq!(
            bad.parse::<WalletId>().unwrap_err().code(),
            "VALIDATION_FAILED"
        );
    }
}
