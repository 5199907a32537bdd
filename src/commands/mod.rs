//! What each subcommand does. This is the binary's edge: errors become messages and exit codes.

mod audit;
mod audit_line;
mod board;
mod check_config;
mod dashboard;
mod decode;
mod hash_pin;
mod headless;
mod line_store;
mod scanner_check;
mod sim;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Exit code for a config file that is missing or wrong.
pub const EXIT_CONFIG: u8 = 2;

/// Finds and checks the config file, printing warnings; on a problem prints it and gives the
/// exit code to leave with (before any terminal mode changes).
fn load_config(path: Option<&std::path::Path>) -> Result<crate::config::Config, ExitCode> {
    match crate::config::load(path, &crate::config::process_env) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("{w}");
            }
            Ok(loaded.config)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(EXIT_CONFIG))
        }
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let _log = crate::logging::init();
    let result = match cli.command {
        Some(Command::Sim(args)) => sim::run(args),
        Some(Command::CheckConfig { path }) => check_config::run(path.or(cli.config).as_deref()),
        Some(Command::Decode(args)) => decode::run(args),
        Some(Command::ScannerCheck) => scanner_check::run(),
        Some(Command::HashPin) => hash_pin::run(),
        Some(Command::Audit(args)) => audit::run(args, cli.config.as_deref()),
        Some(Command::LineStore(c)) => line_store::run(c, cli.config.as_deref()),
        Some(Command::Board) => board::run(cli.config.as_deref()),
        Some(Command::DemoScans { count, order, seed }) => match crate::sim::demo_scans(&order, count, seed) {
            Some(scans) => {
                use std::io::Write;
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                for s in scans {
                    let _ = writeln!(out, "{s}");
                }
                let _ = out.flush();
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!("error: {order} is not a demo packaging order; try Order143, PO-2611-001 … PO-2611-005");
                Ok(ExitCode::from(EXIT_CONFIG))
            }
        },
        Some(Command::PrintDefaultConfig) => {
            print!("{}", crate::config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        None => dashboard::run(cli.config.as_deref(), cli.demo, cli.kiosk, cli.sim_listen),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::FAILURE
    })
}
