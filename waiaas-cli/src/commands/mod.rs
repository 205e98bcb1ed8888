//! One module per group of subcommands.

pub mod completions;
pub mod db;
pub mod mcp_serve;
pub mod mcp_setup;
mod notify;
pub mod operator;
pub mod owner;
mod select;
pub mod start;
