//! The OpenAPI 3.1 document, generated from the route table ([`crate::routes::ROUTES`])
//! and the JSON Schemas of the very types the handlers decode and encode (the
//! `waiaas::api` DTOs, through schemars). Served at `/doc`; committed as
//! `docs/openapi.json` and checked by a test.

use std::collections::BTreeMap;

use axum::Json;
use schemars::JsonSchema;
use serde_json::{Map, Value, json};
use waiaas::api::{
    AdminStatus, AuditFilter, ChangePassword, ErrorBody, SetPrices, TransactionQuery, TxResponse,
    WalletAddress, WalletQuery, request_schemas,
};

use crate::routes::{Answer, ROUTES, Role, Route};

fn schema_of<T: JsonSchema>() -> Value {
    schemars::schema_for!(T).to_value()
}

/// Moves a schema's `$defs` into `defs` and points its references there: OpenAPI
/// resolves `#/…` from the document root, not from the schema.
fn hoist(mut schema: Value, defs: &mut BTreeMap<String, Value>) -> Value {
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
        if let Some(Value::Object(inner)) = obj.remove("$defs") {
            for (name, def) in inner {
                let def = hoist(def, defs);
                defs.entry(name).or_insert(def);
            }
        }
    }
    rewrite_refs(&mut schema);
    schema
}

fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            for (key, v) in obj.iter_mut() {
                if key == "$ref"
                    && let Value::String(s) = v
                    && let Some(name) = s.strip_prefix("#/$defs/")
                {
                    *s = format!("#/components/schemas/{name}");
                } else {
                    rewrite_refs(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// Every named schema: the request DTOs, the server's own queries and answers, the
/// small literal answers.
fn schemas() -> BTreeMap<String, Value> {
    let mut named: Vec<(String, Value)> = request_schemas()
        .into_iter()
        .map(|(n, s)| (n.to_owned(), s))
        .collect();
    for (name, schema) in [
        ("WalletQuery", schema_of::<WalletQuery>()),
        ("TransactionQuery", schema_of::<TransactionQuery>()),
        ("AuditFilter", schema_of::<AuditFilter>()),
        ("SetPrices", schema_of::<SetPrices>()),
        ("ChangePassword", schema_of::<ChangePassword>()),
        ("TxResponse", schema_of::<TxResponse>()),
        ("ErrorBody", schema_of::<ErrorBody>()),
        ("AdminStatus", schema_of::<AdminStatus>()),
        ("WalletAddress", schema_of::<WalletAddress>()),
    ] {
        named.push((name.to_owned(), schema));
    }
    named.push(("Object".to_owned(), json!({ "type": "object" })));
    named.push((
        "Health".to_owned(),
        json!({ "type": "object", "properties": { "status": { "const": "ok" } }, "required": ["status"] }),
    ));
    named.push((
        "KillSwitch".to_owned(),
        json!({ "type": "object", "properties": { "killSwitch": { "enum": ["ACTIVE", "SUSPENDED", "LOCKED"] } }, "required": ["killSwitch"] }),
    ));
    named.push((
        "PricesUpdated".to_owned(),
        json!({ "type": "object", "properties": { "updated": { "type": "integer", "minimum": 0 } }, "required": ["updated"] }),
    ));
    let mut defs = BTreeMap::new();
    let mut out = BTreeMap::new();
    for (name, schema) in named {
        let schema = hoist(schema, &mut defs);
        out.insert(name, schema);
    }
    for (name, def) in defs {
        out.entry(name).or_insert(def);
    }
    out
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn security(roles: &[Role]) -> Value {
    Value::Array(
        roles
            .iter()
            .filter_map(|role| match role {
                Role::Public => None,
                Role::Operator => Some(json!({ "masterPassword": [] })),
                Role::Agent => Some(json!({ "sessionToken": [] })),
                Role::Owner => Some(json!({ "ownerMessage": [], "ownerSignature": [] })),
            })
            .collect(),
    )
}

fn parameters(route: &Route, schemas: &BTreeMap<String, Value>) -> Vec<Value> {
    let mut out = Vec::new();
    if route.path.contains("{id}") {
        out.push(json!({
            "name": "id", "in": "path", "required": true,
            "schema": { "type": "string", "format": "uuid" }
        }));
    }
    let props = route
        .query
        .and_then(|q| schemas.get(q))
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);
    for (name, schema) in props.into_iter().flatten() {
        out.push(json!({ "name": name, "in": "query", "required": false, "schema": schema }));
    }
    out
}

fn operation(route: &Route, schemas: &BTreeMap<String, Value>) -> Value {
    let mut op = Map::new();
    let id = format!(
        "{}{}",
        route.method.to_lowercase(),
        route
            .path
            .split(['/', '-', '{', '}'])
            .filter(|p| !p.is_empty())
            .map(|p| {
                let mut c = p.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<String>()
    );
    op.insert("operationId".into(), json!(id));
    op.insert("summary".into(), json!(route.summary));
    op.insert("security".into(), security(route.roles));
    let params = parameters(route, schemas);
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if let Some(body) = route.body {
        // Owner routes take the signature in headers or in the body.
        let required = !route.roles.contains(&Role::Owner);
        op.insert(
            "requestBody".into(),
            json!({ "required": required, "content": { "application/json": { "schema": reference(body) } } }),
        );
    }
    let ok = match route.answer {
        Answer::One(name) => {
            json!({ "description": "success", "content": { "application/json": { "schema": reference(name) } } })
        }
        Answer::List(name) => json!({
            "description": "success",
            "content": { "application/json": { "schema": { "type": "array", "items": reference(name) } } }
        }),
        Answer::Empty => json!({ "description": "done, no content" }),
    };
    op.insert(
        "responses".into(),
        json!({
            route.status.to_string(): ok,
            "default": {
                "description": "an error: `code` is stable, the status follows it",
                "content": { "application/json": { "schema": reference("ErrorBody") } }
            }
        }),
    );
    Value::Object(op)
}

/// The document.
#[must_use]
pub fn document() -> Value {
    let schemas = schemas();
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for route in ROUTES {
        paths
            .entry(route.path)
            .or_default()
            .insert(route.method.to_lowercase(), operation(route, &schemas));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "waiaas",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Wallets for AI agents inside limits a human sets: the reference HTTP server over waiaas::api. Operator routes take `X-Master-Password`, agent routes `Authorization: Bearer wai_sess_…`, owner routes `X-Owner-Message` (base64 of the exact approval text) and `X-Owner-Signature`."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "masterPassword": { "type": "apiKey", "in": "header", "name": "X-Master-Password" },
                "sessionToken": { "type": "http", "scheme": "bearer", "bearerFormat": "wai_sess_<JWT>" },
                "ownerMessage": { "type": "apiKey", "in": "header", "name": "X-Owner-Message" },
                "ownerSignature": { "type": "apiKey", "in": "header", "name": "X-Owner-Signature" }
            }
        }
    })
}

/// The document as committed: pretty JSON with a final newline.
#[must_use]
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

/// `GET /doc`.
pub(crate) async fn serve() -> Json<Value> {
    Json(document())
}
