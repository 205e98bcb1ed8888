//! `waiaas mcp serve`: an MCP server on stdio for one session token. It serves exactly
//! the library's agent tools (`Agent::tools()`), runs each call through
//! `Agent::call_tool`, and returns its JSON answer as the structured result — a policy
//! denial is `{"ok": false, "error": …}` with `isError`, never a protocol error.

use std::sync::Arc;

use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServiceExt};
use serde_json::Value;
use waiaas::{Agent, Waiaas};

use crate::failure::{Failure, Outcome};

/// Serves the agent for `token` until the client closes stdin.
pub fn run(waiaas: &Waiaas, token: &str) -> Outcome {
    // The token is verified before serving, so a bad one fails the start, with its code.
    let agent = Arc::new(waiaas.agent(token)?);
    // rmcp needs the reactor and timers (request timeouts, shutdown).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::cli("CLI_MCP", format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let server = AgentServer { agent }
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| Failure::cli("CLI_MCP", format!("MCP start-up failed: {e}")))?;
        server
            .waiting()
            .await
            .map(|_reason| ())
            .map_err(|e| Failure::cli("CLI_MCP", format!("MCP server stopped: {e}")))
    })
}

struct AgentServer {
    agent: Arc<Agent>,
}

impl ServerHandler for AgentServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("waiaas", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Wallet tools of one waiaas session. Every transaction is judged by the \
                 operator's policies: a denial comes back as a result with `ok: false` \
                 and every reason.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = self
            .agent
            .tools()
            .into_iter()
            .map(|t| Tool::new(t.name, t.description, schema_object(t.parameters)))
            .collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let agent = self.agent.clone();
        let name = request.name.to_string();
        let arguments = request.arguments.map_or(Value::Null, Value::Object);
        // Signing and SQLite block: off the async thread.
        let answer = tokio::task::spawn_blocking(move || agent.call_tool(&name, arguments))
            .await
            .map_err(|e| ErrorData::internal_error(format!("tool call stopped: {e}"), None))?;
        let ok = answer.get("ok").and_then(Value::as_bool) == Some(true);
        let text = answer.to_string();
        let mut result = if ok {
            CallToolResult::success(vec![ContentBlock::text(text)])
        } else {
            CallToolResult::error(vec![ContentBlock::text(text)])
        };
        result.structured_content = Some(answer);
        Ok(result.into())
    }
}

/// A tool's JSON Schema as the object MCP wants (the registry always makes objects).
fn schema_object(schema: Value) -> Arc<JsonObject> {
    match schema {
        Value::Object(map) => Arc::new(map),
        _ => Arc::new(JsonObject::new()),
    }
}
