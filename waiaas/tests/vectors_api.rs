//! The chain, session and vault vectors through `waiaas::api::evaluate_*_case`, the
//! entries the bindings' runners call: each key of every case's `expect` equals the
//! same key of the answer.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects,
    reason = "test code"
)]

use std::path::PathBuf;

use serde_json::Value;

fn run(dir: &str, evaluate: fn(&Value) -> waiaas::Result<Value>) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/vectors")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut total, mut failures) = (0_usize, Vec::new());
    for f in files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            total += 1;
            let want = case["expect"].as_object().unwrap();
            assert!(!want.is_empty(), "{}: empty expect", case["name"]);
            let got = evaluate(case).unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
            for (key, value) in want {
                if got.get(key) != Some(value) {
                    failures.push(format!(
                        "{}: {} `{key}`\n  want {value}\n  got  {}",
                        f.display(),
                        case["name"],
                        got.get(key).unwrap_or(&Value::Null)
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    total
}

#[test]
fn every_chain_vector_through_the_api_entry() {
    assert!(run("chains", waiaas::api::evaluate_chain_case) >= 53);
}

#[test]
fn every_session_vector_through_the_api_entry() {
    assert!(run("sessions", waiaas::api::evaluate_session_case) >= 31);
}

#[test]
fn every_vault_vector_through_the_api_entry() {
    assert!(run("vault", waiaas::api::evaluate_vault_case) >= 12);
}

#[test]
fn a_case_that_does_not_parse_is_a_typed_error() {
    let bad = serde_json::json!({ "kind": "nope" });
    for evaluate in [
        waiaas::api::evaluate_chain_case,
        waiaas::api::evaluate_session_case,
        waiaas::api::evaluate_vault_case,
    ] {
        assert_eq!(evaluate(&bad).unwrap_err().code(), "VALIDATION_FAILED");
    }
}
