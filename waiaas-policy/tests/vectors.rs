//! Runs every policy decision vector in `testdata/vectors/policy/*.json` twice: against
//! the pure engine (with ledger totals summed naively from the vector's entries) and
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
use waiaas_core::policy::{
    LedgerSnapshot, PriceQuote, Reservation, ReservationStatus, Spend, WindowTotals,
};
use waiaas_core::{
    Decision, Network, PolicyEngine, PolicyId, PolicyInput, PolicyRecord, PolicyRequest, PriceBook,
    Store, Tier, TxId, Usd, WalletId,
};
use waiaas_policy::Engine;

const WALLET: &str = "01900000-0000-7000-8000-000000000001";
const WALLET2: &str = "01900000-0000-7000-8000-000000000002";

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/vectors/policy")
}

struct Case {
    file: String,
    name: String,
    now: i64,
    policies: Vec<PolicyRecord>,
    request: PolicyRequest,
    ledger: Vec<(i64, ReservationStatus, Spend)>,
    prices: PriceBook,
    expect: Value,
}

fn parse_case(file: &str, v: &Value) -> Case {
    let name = v["name"].as_str().unwrap().to_owned();
    let now = v["now"].as_i64().unwrap();
    let policies = v["policies"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, p)| PolicyRecord {
            id: match p.get("id").and_then(Value::as_str) {
                Some(id) => PolicyId::parse(id).unwrap(),
                None => {
                    PolicyId::parse(&format!("01900000-0000-7000-8000-{:012}", 100 + i)).unwrap()
                }
            },
            wallet_id: p["walletId"].as_str().map(|w| WalletId::parse(w).unwrap()),
            network: p["network"].as_str().map(|n| n.parse().unwrap()),
            policy_type: p["type"].as_str().unwrap().parse().unwrap(),
            rules: p["rules"].clone(),
            priority: p.get("priority").and_then(Value::as_i64).unwrap_or(0),
            enabled: p.get("enabled").and_then(Value::as_bool).unwrap_or(true),
            revision: 1,
            created_at: 0,
            updated_at: 0,
        })
        .collect();
    let mut req = v["request"].clone();
    let obj = req.as_object_mut().unwrap();
    obj.entry("requestId")
        .or_insert_with(|| Value::String("01900000-0000-7000-8000-0000000000ff".into()));
    obj.entry("walletId")
        .or_insert_with(|| Value::String(WALLET.into()));
    let request: PolicyRequest = serde_json::from_value(req)
        .unwrap_or_else(|e| panic!("{file}: {name}: request does not parse: {e}"));
    let ledger = v
        .get("ledger")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    let spend = Spend {
                        usd: e
                            .get("usd")
                            .map(|u| serde_json::from_value(u.clone()).unwrap()),
                        assets: e
                            .get("assets")
                            .map(|a| serde_json::from_value(a.clone()).unwrap())
                            .unwrap_or_default(),
                        category: e.get("category").and_then(Value::as_str).map(str::to_owned),
                        category_usd: e
                            .get("categoryUsd")
                            .map(|u| serde_json::from_value(u.clone()).unwrap()),
                        erc8128: e.get("erc8128").and_then(Value::as_bool).unwrap_or(false),
                    };
                    let status = ReservationStatus::parse(e["status"].as_str().unwrap()).unwrap();
                    (now - e["ageSeconds"].as_i64().unwrap(), status, spend)
                })
                .collect()
        })
        .unwrap_or_default();
    let prices = match v.get("prices") {
        None => PriceBook::default(),
        Some(p) => PriceBook {
            max_age_seconds: p["maxAgeSeconds"].as_u64().unwrap(),
            quotes: p["quotes"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, q)| {
                    (
                        k.clone(),
                        PriceQuote {
                            usd: Usd::parse(q["usd"].as_str().unwrap()).unwrap(),
                            source: q["source"].as_str().unwrap().to_owned(),
                            observed_at: now - q["ageSeconds"].as_i64().unwrap(),
                        },
                    )
                })
                .collect(),
        },
    };
    Case {
        file: file.to_owned(),
        name,
        now,
        policies,
        request,
        ledger,
        prices,
        expect: v["expect"].clone(),
    }
}

/// Naive window totals: sum every entry younger than the window.
fn naive_snapshot(case: &Case, windows: &[u64]) -> LedgerSnapshot {
    let mut snap = LedgerSnapshot::default();
    for &w in windows {
        let mut t = WindowTotals::default();
        for (created, status, spend) in &case.ledger {
            if *created > case.now - i64::try_from(w).unwrap() {
                t.add(spend);
                if *status == ReservationStatus::Released {
                    t.remove_spend(spend);
                }
            }
        }
        snap.windows.insert(w, t);
    }
    let mut in_flight = WindowTotals::default();
    for (_, status, spend) in &case.ledger {
        if *status == ReservationStatus::Reserved {
            in_flight.add(spend);
        }
    }
    snap.in_flight = Some(in_flight);
    snap
}

fn codes(list: &[waiaas_core::policy::Reason]) -> Vec<String> {
    let mut out: Vec<String> = list
        .iter()
        .map(|r| match r.instruction {
            Some(i) => format!("{}@{i}", r.code),
            None => r.code.clone(),
        })
        .collect();
    out.sort();
    out
}

fn check(case: &Case, d: &Decision, path: &str) -> Option<String> {
    let e = &case.expect;
    let want_codes = |k: &str| -> Vec<String> {
        let mut v: Vec<String> = e[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let got = serde_json::json!({
        "allowed": d.allowed,
        "tier": d.tier.as_str(),
        "reasons": codes(&d.reasons),
        "warnings": codes(&d.warnings),
        "delaySeconds": d.delay_seconds,
        "approvalReason": d.approval_reason,
        "approvalTimeout": d.approval_timeout,
    });
    let want = serde_json::json!({
        "allowed": e["allowed"],
        "tier": e["tier"],
        "reasons": want_codes("reasons"),
        "warnings": want_codes("warnings"),
        "delaySeconds": e["delaySeconds"],
        "approvalReason": e["approvalReason"],
        "approvalTimeout": e["approvalTimeout"],
    });
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
            cases.push(parse_case(&stem, c));
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
        let windows = engine.windows(&case.request, &case.policies);
        let snap = naive_snapshot(case, &windows);
        let d = engine.evaluate(&PolicyInput {
            request: &case.request,
            policies: &case.policies,
            ledger: &snap,
            prices: &case.prices,
            now: case.now,
        });
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
