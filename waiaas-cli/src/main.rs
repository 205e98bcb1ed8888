//! `waiaas`: the command line over the `waiaas` library. Each subcommand turns its
//! flags into `waiaas::api` DTOs, calls the facade and prints the answer; behaviour
//! (defaults, validation, error codes) is the library's (docs/adr/0005-thin-wrapping.md).

mod args;
mod commands;
mod failure;
mod output;
mod spinner;
mod vault;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::failure::{EXIT_FAILURE, Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report(json);
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn run(cli: Cli) -> Outcome {
    let Cli {
        data_dir,
        json,
        command,
    } = cli;
    match command {
        Command::Completions { shell } => commands::completions::print(shell),
        Command::Start {
            host,
            port,
            rpc,
            no_public_rpc,
            config,
            allow_hosts,
            database,
        } => commands::start::run(waiaas_http::StartOptions {
            data_dir: vault::data_dir(data_dir)?,
            config_file: config,
            host,
            port,
            rpc,
            allow_hosts,
            no_public_rpc,
            database_url: database,
            // First start with `WAIAAS_AUTO_PROVISION=true` creates the vault (Docker).
            init: vault::auto_provision_requested(),
        }),
        Command::Mcp(args::McpCommand::Setup {
            token,
            wallet,
            ttl,
            all,
            print,
        }) => {
            let dir = vault::data_dir(data_dir)?;
            let token = match token {
                Some(token) => token,
                None => commands::mcp_setup::new_session(&dir, wallet.as_deref(), ttl)?,
            };
            commands::mcp_setup::run(&dir, &token, all, print, json)
        }
        Command::Db(args::DbCommand::Migrate { from, to }) => {
            commands::db::migrate(&from, &to, json)
        }
        Command::Init { auto_provision } => {
            commands::operator::init(&vault::data_dir(data_dir)?, auto_provision, json)
        }
        command => {
            let dir = vault::data_dir(data_dir)?;
            commands::operator::run(&dir, command, json)
        }
    }
}
