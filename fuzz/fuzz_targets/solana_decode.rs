//! Raw Solana transactions (wire bytes and base64) must decode or fail with a typed
//! error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waiaas_chains::solana::decode;

fuzz_target!(|data: &[u8]| {
    let _ = decode::decode_transaction_bytes(data);
    let _ = decode::parse_message(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = waiaas_chains::solana::decode_transaction(text);
    }
});
