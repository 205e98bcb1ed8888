//! `waiaas::tools`: the agent's LLM tools — definitions built from the API's JSON
//! Schemas, calls run through the real agent handle, answers always JSON (a denial is a
//! structured result with every reason).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

mod common;

use serde_json::{Value, json};
use waiaas::Network;

const TO: &str = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";

#[test]
fn definitions_name_every_tool_with_a_closed_object_schema() {
    let tools = waiaas::tools::agent_tools();
    let names: Vec<&str> = tools.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "get_address",
            "get_balance",
            "simulate",
            "send",
            "sign_message",
            "sign_typed_data",
            "list_transactions",
            "get_transaction",
            "cancel"
        ]
    );
    for t in &tools {
        assert_eq!(t.parameters["type"], json!("object"), "{}", t.name);
        assert_eq!(
            t.parameters["additionalProperties"],
            json!(false),
            "{}",
            t.name
        );
        assert!(t.description.len() > 20, "{}", t.name);
    }
    // The send tool's schema is the API's SendTransaction schema.
    let send = tools.iter().find(|t| t.name == "send").unwrap();
    let api = waiaas::api::request_schemas()
        .into_iter()
        .find(|(n, _)| *n == "SendTransaction")
        .unwrap()
        .1;
    assert_eq!(send.parameters, api);
    assert_eq!(
        serde_json::to_value(&tools[0]).unwrap()["name"],
        json!("get_address")
    );
}

#[test]
fn calls_run_through_the_agent_and_answer_json() {
    let w = common::world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    assert_eq!(agent.tools().len(), 9);

    let address = agent.call_tool("get_address", Value::Null);
    assert_eq!(
        address,
        json!({"ok": true, "result": {"address": wallet.address}})
    );

    let send = |amount: &str| json!({"type": "TRANSFER", "to": TO, "humanAmount": amount, "chain": {"recentBlockhash": common::BLOCKHASH}});
    let judged = agent.call_tool("simulate", send("0.5"));
    assert_eq!(judged["ok"], json!(true), "{judged}");
    assert_eq!(judged["result"]["tier"], json!("NOTIFY"));

    let sent = agent.call_tool("send", send("0.05"));
    assert_eq!(sent["result"]["status"], json!("SIGNED"), "{sent}");
    assert_eq!(sent["result"]["tier"], json!("INSTANT"));
    let id = sent["result"]["id"].as_str().unwrap().to_owned();
    let got = agent.call_tool("get_transaction", json!({"txId": id}));
    assert_eq!(got["result"]["id"], json!(id));

    let queued = agent.call_tool("send", send("5"));
    assert_eq!(queued["result"]["status"], json!("QUEUED"), "{queued}");
    let cancelled = agent.call_tool("cancel", json!({"txId": queued["result"]["id"]}));
    assert_eq!(
        cancelled["result"]["status"],
        json!("CANCELLED"),
        "{cancelled}"
    );

    let listed = agent.call_tool("list_transactions", json!({"limit": 10}));
    assert_eq!(listed["result"].as_array().unwrap().len(), 2, "{listed}");
}

#[test]
fn denials_and_mistakes_are_structured_results() {
    let w = common::world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let agent = w.agent(wallet.id);
    // No ALLOWED_TOKENS policy: default-deny, with every reason.
    let denied = agent.call_tool(
        "send",
        json!({"type": "TOKEN_TRANSFER", "to": TO, "humanAmount": "1",
               "token": {"address": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "decimals": 6},
               "chain": {"recentBlockhash": common::BLOCKHASH}}),
    );
    assert_eq!(denied["ok"], json!(false));
    assert_eq!(denied["error"]["code"], json!("POLICY_DENIED"));
    assert_eq!(
        denied["error"]["reasons"][0]["code"],
        json!("TOKEN_NOT_ALLOWED"),
        "{denied}"
    );

    for (name, args, needle) in [
        ("launch_missiles", json!({}), "is not a tool"),
        (
            "send",
            json!({"type": "TRANSFER", "to": TO, "amount": "0.1"}),
            "humanAmount",
        ),
        (
            "send",
            json!({"type": "TRANSFER", "to": TO, "humanAmount": "1", "memo": "x"}),
            "unknown field",
        ),
        ("get_transaction", json!({}), "txId"),
        ("cancel", json!({"txId": "not-an-id"}), "arguments"),
        // serde would read a struct from a positional array; a tool call names its arguments.
        ("get_address", json!([]), "JSON object"),
        (
            "get_transaction",
            json!(["01900000-0000-7000-8000-000000000001"]),
            "JSON object",
        ),
        ("simulate", json!("TRANSFER"), "JSON object"),
    ] {
        let answer = agent.call_tool(name, args);
        assert_eq!(answer["ok"], json!(false), "{name}: {answer}");
        assert_eq!(
            answer["error"]["code"],
            json!("VALIDATION_FAILED"),
            "{name}: {answer}"
        );
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{name}: {message}");
    }
    // A balance without a chain client is a typed error, not a crash.
    let balance = agent.call_tool("get_balance", json!({}));
    assert_eq!(
        balance["error"]["code"],
        json!("CHAIN_CLIENT_REQUIRED"),
        "{balance}"
    );
}
