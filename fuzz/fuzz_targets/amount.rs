#![no_main]
//! Amounts arrive from agents as strings: parsing must never panic, and whatever
//! parses must format back to an equal value.
use libfuzzer_sys::fuzz_target;
use waiaas_core::Amount;

fuzz_target!(|input: (&str, u8)| {
    let (s, decimals) = input;
    if let Ok(a) = Amount::parse_base_units(s) {
        assert_eq!(Amount::parse_base_units(&a.to_string()).ok(), Some(a));
    }
    if let Ok(a) = Amount::parse_human(s, decimals) {
        assert_eq!(
            Amount::parse_human(&a.to_human(decimals), decimals).ok(),
            Some(a)
        );
    }
});
