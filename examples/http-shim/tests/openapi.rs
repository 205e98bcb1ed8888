//! The OpenAPI document: the committed `docs/openapi.json` is the generated one (run
//! with `WAIAAS_BLESS=1` to rewrite it after changing a route or a DTO), it lists every
//! route with its credentials, every `$ref` resolves, and `/doc` serves it.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

mod common;

use std::path::PathBuf;

use serde_json::{Value, json};
use waiaas_http::openapi::{document, document_text};
use waiaas_http::routes::{ROUTES, Role};

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

#[test]
fn the_committed_document_is_the_generated_one() {
    let path = committed_path();
    let generated = document_text();
    if std::env::var_os("WAIAAS_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is stale: review the change, then run `WAIAAS_BLESS=1 cargo test -p waiaas-http --test openapi`"
    );
}

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(obj) => {
            for (k, v) in obj {
                if k == "$ref" {
                    out.push(v.as_str().unwrap().to_owned());
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_route_is_documented_with_its_credentials_and_every_ref_resolves() {
    let doc = document();
    for route in ROUTES {
        let op = &doc["paths"][route.path][route.method.to_lowercase()];
        assert!(op.is_object(), "{} {} missing", route.method, route.path);
        let schemes: Vec<String> = op["security"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s.as_object().unwrap().keys().cloned())
            .collect();
        for role in route.roles {
            let name = match role {
                Role::Public => continue,
                Role::Operator => "masterPassword",
                Role::Agent => "sessionToken",
                Role::Owner => "ownerSignature",
            };
            assert!(
                schemes.iter().any(|s| s == name),
                "{} {}: {schemes:?}",
                route.method,
                route.path
            );
        }
        assert!(op["responses"][route.status.to_string()].is_object());
        assert_eq!(
            op["responses"]["default"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/ErrorBody"})
        );
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 40);
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} does not resolve"
        );
    }
    // The request DTOs are the facade's own schemas (not retyped here).
    let send = &doc["components"]["schemas"]["SendTransaction"];
    assert_eq!(send["additionalProperties"], false);
    assert!(send["properties"]["humanAmount"].is_object());
}

#[test]
fn the_server_serves_it_at_doc() {
    let s = common::start(common::config(&[], json!([])));
    let served = s.call("GET", "/doc", &[], None);
    assert_eq!(served.body, document());
}
