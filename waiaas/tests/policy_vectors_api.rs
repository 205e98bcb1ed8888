//! The shared policy vectors through `waiaas::api::evaluate_policy_case`, the entry the
//! bindings' runners call: every case's decision matches its `expect`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

use std::path::PathBuf;

use serde_json::Value;

#[test]
fn every_policy_vector_through_the_api_entry() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/vectors/policy");
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
            let got = waiaas::api::evaluate_policy_case(case).unwrap();
            let want = waiaas_policy::vectors::expected(
                &waiaas_policy::vectors::parse_case(case).unwrap(),
            );
            if got != want {
                failures.push(format!(
                    "{}: {}\n  want {want}\n  got  {got}",
                    f.display(),
                    case["name"]
                ));
            }
        }
    }
    assert!(total >= 150, "only {total} vectors");
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // A case that does not parse is an error with a code, not a panic.
    let err = waiaas::api::evaluate_policy_case(&serde_json::json!({"now": "x"})).unwrap_err();
    assert_eq!(err.code(), "VALIDATION_FAILED");
}
