#![no_main]
//! A vault header read from disk may be tampered with: parsing must never panic and
//! never accept unbounded KDF parameters.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = waiaas_core::fuzzing::parse_vault_header(s);
    }
});
