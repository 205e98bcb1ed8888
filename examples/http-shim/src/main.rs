//! `waiaas-http`: the reference HTTP server on its own.
//!
//! ```text
//! waiaas-http [--data-dir DIR] [--config FILE] [--host ADDR] [--port PORT]
//!             [--rpc NETWORK=URL]... [--no-public-rpc] [--allow-host NAME]... [--init]
//! ```
//! The data dir is `--data-dir`, else `WAIAAS_DATA_DIR`, else `~/.waiaas`. The master
//! password comes from `WAIAAS_MASTER_PASSWORD`, `WAIAAS_MASTER_PASSWORD_FILE` or
//! `<data dir>/recovery.key`. `--init` creates the vault when none exists: with
//! `WAIAAS_MASTER_PASSWORD[_FILE]` when set, else a generated password in `recovery.key`.
//! `WAIAAS_RPC_<NETWORK>` (e.g. `WAIAAS_RPC_SOLANA_DEVNET`) adds RPC endpoints; other
//! networks use their public endpoints unless `--no-public-rpc`. Prints
//! `listening on http://ADDR` on stderr once bound.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use waiaas_http::StartOptions;

fn parse_args() -> Result<StartOptions, String> {
    let mut options = StartOptions::default();
    let mut data_dir = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("`{arg}` needs a value"));
        match arg.as_str() {
            "--data-dir" => data_dir = Some(PathBuf::from(value()?)),
            "--config" => options.config_file = Some(value()?.into()),
            "--host" => options.host = Some(value()?),
            "--port" => options.port = Some(value()?),
            "--rpc" => options.rpc.push(value()?),
            "--allow-host" => options.allow_hosts.push(value()?),
            "--database" => options.database_url = Some(value()?),
            "--init" => options.init = true,
            "--no-public-rpc" => options.no_public_rpc = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if options.database_url.is_none() {
        options.database_url = std::env::var("WAIAAS_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty());
    }
    options.data_dir = match data_dir
        .or_else(|| std::env::var_os("WAIAAS_DATA_DIR").map(PathBuf::from))
    {
        Some(dir) => dir,
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".waiaas"))
            .ok_or_else(|| "no data dir: pass `--data-dir` or set `WAIAAS_DATA_DIR`".to_owned())?,
    };
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let started = match parse_args() {
        Ok(options) => waiaas_http::start::run(options, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string()),
        Err(message) => Err(message),
    };
    match started {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "waiaas-http: {message}");
            ExitCode::FAILURE
        }
    }
}
