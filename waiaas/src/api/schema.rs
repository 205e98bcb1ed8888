//! JSON Schemas of the request DTOs, and the schemas of the lower crates' types that
//! appear in them (written from those types' own lists, never retyped).

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use waiaas_core::session::Permission;
use waiaas_core::{Chain, Network};

/// Every request DTO's JSON Schema (draft 2020-12), by type name: what
/// `docs/schema/<name>.json` holds and LLM tool definitions are built from.
#[must_use]
pub fn request_schemas() -> Vec<(&'static str, serde_json::Value)> {
    fn one<T: JsonSchema>(name: &'static str) -> (&'static str, serde_json::Value) {
        (name, schemars::schema_for!(T).to_value())
    }
    vec![
        one::<super::CreateWallet>("CreateWallet"),
        one::<super::RenameWallet>("RenameWallet"),
        one::<super::SetOwner>("SetOwner"),
        one::<super::CreateSession>("CreateSession"),
        one::<super::ListPolicies>("ListPolicies"),
        one::<super::NewPolicy>("NewPolicy"),
        one::<super::PolicyUpdate>("PolicyUpdate"),
        one::<super::Quickset>("Quickset"),
        one::<super::SendTransaction>("SendTransaction"),
        one::<super::SignMessage>("SignMessage"),
        one::<super::SignTypedData>("SignTypedData"),
        one::<super::SignTransaction>("SignTransaction"),
        one::<super::ListTransactions>("ListTransactions"),
        one::<super::OwnerSignature>("OwnerSignature"),
        one::<super::KillSwitchRequest>("KillSwitchRequest"),
        one::<super::Settings>("Settings"),
    ]
}

pub(crate) fn network_schema(_: &mut SchemaGenerator) -> Schema {
    let ids: Vec<&str> = Network::all().map(Network::as_str).collect();
    json_schema!({ "type": ["string", "null"], "enum": ids, "description": "network id" })
}

pub(crate) fn chain_schema(_: &mut SchemaGenerator) -> Schema {
    let ids = [Chain::Solana.as_str(), Chain::Ethereum.as_str()];
    json_schema!({ "type": ["string", "null"], "enum": ids })
}

pub(crate) fn wallet_id_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["string", "null"], "format": "uuid" })
}

pub(crate) fn wallet_ids_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["array", "null"], "items": { "type": "string", "format": "uuid" }, "minItems": 1 })
}

pub(crate) fn permissions_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = Permission::ALL
        .into_iter()
        .map(Permission::as_str)
        .collect();
    json_schema!({ "type": ["array", "null"], "items": { "type": "string", "enum": names } })
}
