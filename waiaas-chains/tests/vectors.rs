//! Runs the language-neutral known-answer vectors in `testdata/vectors/chains/`
//! through `waiaas_chains::vectors::evaluate`, the entry every binding's runner reaches
//! through `waiaas::api::evaluate_chain_case`: each case in a fresh vault.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers outside #[test] functions"
)]

use serde_json::Value;
use waiaas_test_support::testdata::{repo_root, testdata};

/// The answer restricted to the keys of `expect` (a key the answer lacks stays `null`
/// and fails the comparison).
fn compared(answer: &Value, expect: &Value) -> Value {
    let keys = expect.as_object().expect("`expect` is an object");
    assert!(!keys.is_empty(), "an empty `expect` would compare nothing");
    keys.keys()
        .map(|k| (k.clone(), answer.get(k).cloned().unwrap_or(Value::Null)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[test]
fn every_chain_vector() {
    let mut files: Vec<_> = std::fs::read_dir(repo_root().join("testdata/vectors/chains"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".json"))
        .collect();
    files.sort();
    let mut n = 0;
    for file in files {
        let doc: Value =
            serde_json::from_str(&testdata(&format!("vectors/chains/{file}"))).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let tv = waiaas_test_support::vault::vault();
            let name = format!("{file}: {}", case["name"]);
            let answer = waiaas_chains::vectors::evaluate(case, &tv.vault)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(compared(&answer, &case["expect"]), case["expect"], "{name}");
            n += 1;
        }
    }
    assert!(n >= 53, "only {n} chain vectors");
}

#[test]
fn a_case_that_does_not_parse_is_a_typed_error() {
    use waiaas_core::ErrorCode;
    let tv = waiaas_test_support::vault::vault();
    for case in [
        serde_json::json!({ "name": "x" }),
        serde_json::json!({ "kind": "rot13" }),
        serde_json::json!({ "kind": "ed25519", "secretKey": "zz", "messageHex": "" }),
    ] {
        let err = waiaas_chains::vectors::evaluate(&case, &tv.vault).unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED", "{case}");
    }
}
