//! An agent's tools for LLM function calling, defined once: each tool's name,
//! description and JSON Schema (from the API's request DTOs), and one entry point that
//! runs a call from its name and JSON arguments. The bindings expose
//! `agent.tools()` / `agent.call_tool(name, args)`; the MCP server serves the same list.
//!
//! A call never fails as a Rust error: its answer is JSON, `{"ok": true, "result": …}`
//! or `{"ok": false, "error": {code, message, reasons, retryAfterSecs}}`, so a policy
//! denial reaches the model as data it can read (every reason), not as an exception.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use waiaas_core::{TxId, ValidationError, WalletId};

use crate::agent::Agent;
use crate::api::{SendTransaction, SignMessage, SignTypedData};
use crate::error::{Error, Result};

/// One tool as an LLM function-calling definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolDefinition {
    /// The function name (`send`, `get_balance`, …).
    pub name: &'static str,
    /// What it does, for the model.
    pub description: &'static str,
    /// JSON Schema of its arguments (an object; unknown fields refused).
    pub parameters: Value,
}

/// Arguments naming an optional wallet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WalletArgs {
    /// The wallet; may be omitted when the session has exactly one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::api::wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
}

/// Arguments naming one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TxArgs {
    /// The transaction id.
    #[schemars(with = "String")]
    pub tx_id: TxId,
}

/// Arguments of `list_transactions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListArgs {
    /// At most this many, newest first (default 20, at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// The tools, in the order they are offered.
const TOOLS: [(&str, &str); 9] = [
    (
        "get_address",
        "The address of the agent's wallet (to receive funds or show the user).",
    ),
    (
        "get_balance",
        "The native balance of the agent's wallet, in base units and as a decimal.",
    ),
    (
        "simulate",
        "Judge a transaction without sending it: the tier it would land in (INSTANT, NOTIFY, DELAY, APPROVAL) or every reason it would be denied.",
    ),
    (
        "send",
        "Send a transaction (native transfer, token transfer, token approval, EVM contract call). It is judged by the operator's policies: it may be signed at once, queued for a delay, wait for the owner's approval, or be denied with reasons.",
    ),
    (
        "sign_message",
        "Sign a text message with the wallet's key (policy applies).",
    ),
    (
        "sign_typed_data",
        "Sign EIP-712 typed data with an EVM wallet's key (policy applies; permits are judged as approvals).",
    ),
    (
        "list_transactions",
        "The agent's recent transactions, newest first.",
    ),
    (
        "get_transaction",
        "One of the agent's transactions: status, tier, decision and result.",
    ),
    (
        "cancel",
        "Cancel one of the agent's queued (DELAY) transactions.",
    ),
];

fn parameters(name: &str) -> Value {
    let schema = match name {
        "get_address" | "get_balance" => schemars::schema_for!(WalletArgs),
        "simulate" | "send" => schemars::schema_for!(SendTransaction),
        "sign_message" => schemars::schema_for!(SignMessage),
        "sign_typed_data" => schemars::schema_for!(SignTypedData),
        "list_transactions" => schemars::schema_for!(ListArgs),
        _ => schemars::schema_for!(TxArgs),
    };
    schema.to_value()
}

/// Every agent tool as a function-calling definition.
#[must_use]
pub fn agent_tools() -> Vec<ToolDefinition> {
    TOOLS
        .iter()
        .map(|(name, description)| ToolDefinition {
            name,
            description,
            parameters: parameters(name),
        })
        .collect()
}

fn args<T: DeserializeOwned>(tool: &str, value: Value) -> Result<T> {
    // A model may send `null` or nothing for a tool without arguments. Anything else
    // must be an object: serde would also read a struct from a positional array.
    let value = match value {
        Value::Null => json!({}),
        Value::Object(_) => value,
        _ => {
            return Err(ValidationError::field(
                "arguments",
                format!("of `{tool}`: must be a JSON object of named arguments"),
            )
            .into());
        }
    };
    serde_json::from_value(value)
        .map_err(|e| ValidationError::field("arguments", format!("of `{tool}`: {e}")).into())
}

fn to_json(value: impl Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| ValidationError::field("result", e.to_string()).into())
}

impl Agent {
    /// This agent's tools as LLM function-calling definitions (see [`agent_tools`]).
    #[must_use]
    pub fn tools(&self) -> Vec<ToolDefinition> {
        agent_tools()
    }

    /// Runs the tool `name` with JSON `arguments`; the answer is JSON, never an error
    /// (see the [module docs](self)).
    #[must_use]
    pub fn call_tool(&self, name: &str, arguments: Value) -> Value {
        match self.run_tool(name, arguments) {
            Ok(result) => json!({ "ok": true, "result": result }),
            Err(e) => json!({ "ok": false, "error": e.to_info() }),
        }
    }

    fn run_tool(&self, name: &str, arguments: Value) -> Result<Value> {
        match name {
            "get_address" => {
                let a: WalletArgs = args(name, arguments)?;
                to_json(json!({ "address": self.address(a.wallet_id)? }))
            }
            "get_balance" => {
                let a: WalletArgs = args(name, arguments)?;
                to_json(self.balance(a.wallet_id)?)
            }
            "simulate" => {
                let a: SendTransaction = args(name, arguments)?;
                to_json(self.simulate(&a.to_request()?)?)
            }
            "send" => {
                let a: SendTransaction = args(name, arguments)?;
                to_json(self.send(&a.to_request()?)?)
            }
            "sign_message" => {
                let a: SignMessage = args(name, arguments)?;
                to_json(self.sign_message(a.wallet_id, &a.bytes()?)?)
            }
            "sign_typed_data" => {
                let a: SignTypedData = args(name, arguments)?;
                to_json(self.sign_typed_data(a.wallet_id, &a.json())?)
            }
            "list_transactions" => {
                let a: ListArgs = args(name, arguments)?;
                to_json(self.transactions(a.limit.unwrap_or(20).min(100))?)
            }
            "get_transaction" => {
                let a: TxArgs = args(name, arguments)?;
                to_json(self.transaction(a.tx_id)?)
            }
            "cancel" => {
                let a: TxArgs = args(name, arguments)?;
                to_json(self.cancel(a.tx_id)?)
            }
            other => Err(Error::from(ValidationError::field(
                "name",
                format!(
                    "`{other}` is not a tool; use one of {}",
                    TOOLS.map(|t| t.0).join(", ")
                ),
            ))),
        }
    }
}
