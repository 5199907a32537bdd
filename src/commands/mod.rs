//! What each subcommand does. This is the binary's edge: errors become messages and exit codes.

mod archive;
mod audit;
mod audit_line;
mod audit_rows;
mod backup;
mod board;
mod check_config;
mod dashboard;
mod decode;
mod hash_pin;
mod headless;
mod labels;
mod line_store;
mod printer;
mod report;
mod scanner_check;
mod sim;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Ignores SIGINT, SIGQUIT and SIGTSTP (Ctrl-C, Ctrl-\, Ctrl-Z): a kiosk never ends or stops
/// by a key. Ignored signals stay ignored across exec, which the kiosk wrapper relies on too.
pub fn ignore_keyboard_signals() {
    #[cfg(unix)]
    for sig in [libc::SIGINT, libc::SIGQUIT, libc::SIGTSTP] {
        // SAFETY: setting a signal's disposition to "ignore" installs no handler code and is
        // safe to do at any point of a program.
        unsafe {
            libc::signal(sig, libc::SIG_IGN);
        }
    }
}

/// Exit code for a config file that is missing or wrong.
pub const EXIT_CONFIG: u8 = 2;

/// Finds and checks the config file, printing warnings; on a problem prints it and gives the
/// exit code to leave with (before any terminal mode changes).
fn load_config(path: Option<&std::path::Path>) -> Result<crate::config::Config, ExitCode> {
    load_config_controls(path).map(|(c, _)| c)
}

/// As `load_config`, with the snapshot a starting station records in its audit trail.
fn load_config_controls(
    path: Option<&std::path::Path>,
) -> Result<(crate::config::Config, crate::config::controls::Snapshot), ExitCode> {
    match crate::config::load(path, &crate::config::process_env) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("{w}");
            }
            Ok((loaded.config, loaded.controls))
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(EXIT_CONFIG))
        }
    }
}

pub fn run(cli: Cli) -> ExitCode {
    // Everything the station writes (journal and its -wal/-shm, logs, label orders, picking
    // lists, backups) holds production data: readable by this user only, whoever creates it.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let _log = crate::logging::init();
    let result = match cli.command {
        Some(Command::Sim(args)) => sim::run(args),
        Some(Command::CheckConfig { path }) => check_config::run(path.or(cli.config).as_deref()),
        Some(Command::Decode(args)) => decode::run(args),
        Some(Command::ScannerCheck) => scanner_check::run(),
        Some(Command::HashPin) => hash_pin::run(),
        Some(Command::Audit(args)) => audit::run(args, cli.config.as_deref()),
        Some(Command::Printer { action }) => printer::run(cli.config.as_deref(), action),
        Some(Command::Labels(args)) => labels::run(args),
        Some(Command::Report(args)) => report::run(args, cli.config.as_deref()),
        Some(Command::Backup(args)) => backup::run(args),
        Some(Command::Archive(args)) => archive::run(args),
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
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(crate::config::EXAMPLE.as_bytes())
                .and_then(|()| out.flush())
                .map(|()| ExitCode::SUCCESS)
                .map_err(anyhow::Error::from)
        }
        None => dashboard::run(cli.config.as_deref(), cli.demo, cli.kiosk, cli.sim_listen),
    };
    result.unwrap_or_else(|e| {
        // `| head` closed the pipe: the reader has what it wanted, which is no error.
        if is_broken_pipe(&e) {
            return ExitCode::SUCCESS;
        }
        eprintln!("error: {e:#}");
        ExitCode::FAILURE
    })
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
