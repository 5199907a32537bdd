//! The `shopfloor` binary: parse the command line and dispatch.

use clap::Parser;

fn main() -> std::process::ExitCode {
    shopfloor::commands::run(shopfloor::cli::Cli::parse())
}
