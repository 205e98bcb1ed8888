//! `waiaas-http`: the reference HTTP server on its own.
//!
//! ```text
//! waiaas-http [--data-dir DIR] [--config FILE] [--host ADDR] [--port PORT]
//!             [--rpc NETWORK=URL]... [--allow-host NAME]... [--init]
//! ```
//! The data dir is `--data-dir`, else `WAIAAS_DATA_DIR`, else `~/.waiaas`. The master
//! password comes from `WAIAAS_MASTER_PASSWORD`, `WAIAAS_MASTER_PASSWORD_FILE` or
//! `<data dir>/recovery.key`. `--init` creates the vault when none exists (with
//! `WAIAAS_AUTO_PROVISION=true`, a generated password in `recovery.key`).
//! `WAIAAS_RPC_<NETWORK>` (e.g. `WAIAAS_RPC_SOLANA_DEVNET`) adds RPC endpoints. Prints
//! `listening on http://ADDR` on stderr once bound.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use waiaas_http::{Server, ServerConfig, Unlock, open_vault};

struct Args {
    data_dir: Option<PathBuf>,
    config: Option<PathBuf>,
    host: Option<String>,
    port: Option<String>,
    rpc: Vec<String>,
    allow_hosts: Vec<String>,
    init: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        data_dir: None,
        config: None,
        host: None,
        port: None,
        rpc: Vec::new(),
        allow_hosts: Vec::new(),
        init: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("`{arg}` needs a value"));
        match arg.as_str() {
            "--data-dir" => args.data_dir = Some(value()?.into()),
            "--config" => args.config = Some(value()?.into()),
            "--host" => args.host = Some(value()?),
            "--port" => args.port = Some(value()?),
            "--rpc" => args.rpc.push(value()?),
            "--allow-host" => args.allow_hosts.push(value()?),
            "--init" => args.init = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(args)
}

fn config(args: &Args) -> Result<ServerConfig, String> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            serde_json::from_str(&text)
                .map_err(|e| format!("invalid config `{}`: {e}", path.display()))?
        }
        None => ServerConfig::default(),
    };
    if let Some(host) = &args.host {
        config.host = host
            .parse()
            .map_err(|_| format!("invalid `--host` `{host}`"))?;
    }
    if let Some(port) = &args.port {
        config.port = port
            .parse()
            .map_err(|_| format!("invalid `--port` `{port}`"))?;
    }
    config.add_rpc_from_env(|name| std::env::var(name).ok());
    for spec in &args.rpc {
        config.add_rpc(spec).map_err(|e| e.to_string())?;
    }
    config
        .allowed_hosts
        .extend(args.allow_hosts.iter().cloned());
    Ok(config)
}

fn data_dir(args: &Args) -> Result<PathBuf, String> {
    if let Some(dir) = &args.data_dir {
        return Ok(dir.clone());
    }
    if let Some(dir) = std::env::var_os("WAIAAS_DATA_DIR") {
        return Ok(dir.into());
    }
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".waiaas"))
        .ok_or_else(|| "no data dir: pass `--data-dir` or set `WAIAAS_DATA_DIR`".to_owned())
}

async fn run() -> Result<(), String> {
    let args = parse_args()?;
    let config = config(&args)?;
    let dir = data_dir(&args)?;
    let unlock = if args.init && !dir.join("waiaas.db").exists() {
        if std::env::var("WAIAAS_AUTO_PROVISION").is_ok_and(|v| v == "true") {
            Unlock::AutoProvision
        } else {
            Unlock::Create
        }
    } else {
        Unlock::Open
    };
    let opened = tokio::task::spawn_blocking(move || {
        open_vault(&config, &dir, None, unlock).map(|o| (o, config))
    })
    .await
    .map_err(|e| e.to_string())?;
    let ((admin, prices), config) = opened.map_err(|e| format!("{} ({})", e, e.code()))?;
    let server = Server::bind(&config, admin, prices)
        .await
        .map_err(|e| format!("cannot bind {}:{}: {e}", config.host, config.port))?;
    let addr = server.local_addr().map_err(|e| e.to_string())?;
    let _ = writeln!(std::io::stderr(), "listening on http://{addr}");
    server
        .serve(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "waiaas-http: {message}");
            ExitCode::FAILURE
        }
    }
}
