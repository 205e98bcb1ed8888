//! Runs every policy decision vector in `testdata/vectors/policy/*.json` twice: against
//! the pure engine (with ledger totals summed naively from the vector's entries, by
//! `waiaas_policy::vectors`, the entry the bindings' runners call too) and
//! through the SQLite store (`simulate`, then `evaluate_and_reserve` of `waiaas-store`'s
//! `test-support` feature), which must agree.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "test code"
)]

use waiaas_test_support::vault as fixtures;

use std::path::PathBuf;

use serde_json::Value;
use waiaas_core::policy::{Reservation, ReservationStatus};
use waiaas_core::{Decision, Network, Store, Tier, TxId, WalletId};
use waiaas_policy::Engine;
use waiaas_policy::vectors::{self, VectorCase};

const WALLET: &str = vectors::DEFAULT_WALLET;
const WALLET2: &str = "01900000-0000-7000-8000-000000000002";

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/vectors/policy")
}

struct Case {
    file: String,
    case: VectorCase,
}

impl std::ops::Deref for Case {
    type Target = VectorCase;
    fn deref(&self) -> &VectorCase {
        &self.case
    }
}

fn check(case: &Case, d: &Decision, path: &str) -> Option<String> {
    let got = vectors::summary(d);
    let want = vectors::expected(case);
    (got != want).then(|| {
        format!(
            "{}: {} [{path}]\n  want {want}\n  got  {got}\n  reasons: {:?}",
            case.file,
            case.name,
            d.reasons.iter().map(|r| &r.message).collect::<Vec<_>>()
        )
    })
}

fn load_cases() -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vector_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for f in files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        for c in doc["cases"].as_array().unwrap() {
            cases.push(Case {
                file: stem.clone(),
                case: vectors::parse_case(c)
                    .unwrap_or_else(|e| panic!("{stem}: {}: {e}", c["name"])),
            });
        }
    }
    cases
}

#[test]
fn vectors_pure_engine() {
    let cases = load_cases();
    assert!(cases.len() >= 150, "only {} vectors", cases.len());
    for ty in waiaas_core::PolicyType::ALL {
        assert!(
            cases
                .iter()
                .any(|c| c.policies.iter().any(|p| p.policy_type == ty)),
            "no vector uses {ty}"
        );
    }
    let engine = Engine::new();
    let mut failures = Vec::new();
    for case in &cases {
        let d = vectors::evaluate(&engine, case);
        if let Some(f) = check(case, &d, "engine") {
            failures.push(f);
        }
        // Invariants every decision must hold.
        assert_eq!(d.allowed, d.reasons.is_empty(), "{}", case.name);
        if !d.allowed {
            assert_eq!(d.tier, Tier::Approval);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn vectors_through_sqlite_store() {
    let cases = load_cases();
    let engine = Engine::new();
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let store = fixtures::open_store(&dir.path().join(format!("v{i}.db")));
        for w in [WALLET, WALLET2] {
            fixtures::insert_wallet(
                &store,
                WalletId::parse(w).unwrap(),
                Network::EthereumMainnet,
            );
        }
        for p in &case.policies {
            store
                .insert_policy(
                    p,
                    &waiaas_core::audit::AuditEntry::new(
                        0,
                        &waiaas_core::audit::Actor::System,
                        "TEST_FIXTURE",
                    ),
                )
                .unwrap();
        }
        for (j, (created, status, spend)) in case.ledger.iter().enumerate() {
            store
                .insert_ledger_row_for_tests(&Reservation {
                    request_id: TxId::parse(&format!("01900000-0000-7000-9000-{j:012}")).unwrap(),
                    wallet_id: case.request.wallet_id,
                    network: case.request.network,
                    kind: "TRANSFER".to_owned(),
                    tier: Tier::Instant,
                    status: *status,
                    spend: spend.clone(),
                    created_at: *created,
                    updated_at: *created,
                })
                .unwrap();
        }
        let simulated = store
            .simulate(&case.request, &case.prices, case.now, &engine)
            .unwrap();
        if let Some(f) = check(case, &simulated, "store simulate") {
            failures.push(f);
        }
        let decided = store
            .evaluate_and_reserve(&case.request, &case.prices, case.now, &engine)
            .unwrap();
        assert_eq!(
            decided, simulated,
            "{}: reserve and simulate disagree",
            case.name
        );
        let row = store.reservation(case.request.request_id).unwrap();
        assert_eq!(
            row.is_some(),
            decided.allowed,
            "{}: reservation iff allowed",
            case.name
        );
        if let Some(row) = row {
            assert_eq!(row.status, ReservationStatus::Reserved);
            assert_eq!(row.spend, decided.spend);
        }
        drop(store);
    }
    assert!(
        failures.is_empty(),
        "{} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
