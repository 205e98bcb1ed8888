//! `waiaas completions SHELL`: the completion script, generated from the clap definitions.

use clap::CommandFactory;

use crate::args::Cli;
use crate::failure::Outcome;

/// Writes the completion script for `shell` to stdout.
pub fn print(shell: clap_complete::Shell) -> Outcome {
    clap_complete::generate(shell, &mut Cli::command(), "waiaas", &mut std::io::stdout());
    Ok(())
}
