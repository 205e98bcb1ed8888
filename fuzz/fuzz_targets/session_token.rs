#![no_main]
//! Untrusted agent input: the session token parser must never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = waiaas_core::fuzzing::parse_session_token(s);
        let mut prefixed = String::from("wai_sess_");
        prefixed.push_str(s);
        let _ = waiaas_core::fuzzing::parse_session_token(&prefixed);
    }
});
