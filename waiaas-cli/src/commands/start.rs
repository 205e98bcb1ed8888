//! `waiaas start`: the reference HTTP server (`waiaas-http`) in this process, on a
//! multi-threaded runtime, until Ctrl-C.

use crate::failure::{Failure, Outcome};

/// Runs the server with `options` until Ctrl-C.
pub fn run(options: waiaas_http::StartOptions) -> Outcome {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::cli(
                "CLI_RUNTIME",
                format!("cannot start the async runtime: {e}"),
            )
        })?;
    runtime
        .block_on(waiaas_http::start::run(options, async {
            let _ = tokio::signal::ctrl_c().await;
        }))
        .map_err(|e| match e {
            waiaas_http::StartError::Vault(e) => Failure::from(e),
            waiaas_http::StartError::Other(message) => Failure::cli("SERVER_START_FAILED", message),
        })
}
