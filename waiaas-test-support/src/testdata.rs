//! Files under the repository's `testdata/`.

use std::path::PathBuf;

/// The repository root (the workspace directory).
#[must_use]
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the test-support crate sits in the workspace root")
        .to_path_buf()
}

/// The text of `testdata/<path>`.
///
/// # Panics
/// When the file cannot be read.
#[must_use]
pub fn testdata(path: &str) -> String {
    let full = repo_root().join("testdata").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()))
}

/// The solc-built runtime bytecode of a test contract in `testdata/contracts`.
///
/// # Panics
/// When the file is missing or not hex.
#[must_use]
pub fn contract_runtime(name: &str) -> Vec<u8> {
    let text = testdata(&format!("contracts/{name}.runtime.hex"));
    decode_hex(text.trim())
}

fn decode_hex(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}
