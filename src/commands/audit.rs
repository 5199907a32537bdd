//! `shopfloor audit`: prints the audit trail (table, CSV or JSON lines), filtered by time and
//! operator, or checks it: the hash chain (from its start or the checkpoint an archive run
//! left), and the triggers and tables that guard it. The journal is opened read-only and no
//! schema is run on it, so a check sees the file exactly as it is.

use crate::cli::AuditArgs;
use crate::scan::audit_store::Filter;
use crate::scan::journal::Journal;
use anyhow::Context;
use std::io::Write;

use std::process::ExitCode;

/// The journal a maintenance command works on: `--journal`, or the station's (or the demo's).
pub(super) fn journal_path(given: Option<std::path::PathBuf>, demo: bool) -> anyhow::Result<std::path::PathBuf> {
    Ok(match given {
        Some(p) => p,
        None => {
            let dir = crate::logging::data_dir().context("no data directory for this user (is HOME set?)")?;
            let dir = if demo { dir.join("demo") } else { dir };
            dir.join("journal.db")
        }
    })
}

pub fn run(args: AuditArgs, config: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    if args.line_store {
        return super::audit_line::print_line(&args, config);
    }
    let path = journal_path(args.journal.clone(), args.demo)?;
    let journal = match Journal::open_read_only(&path) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(super::EXIT_CONFIG));
        }
    };
    if args.verify {
        let local = verify(&journal, &path)?;
        return super::audit_line::after_verify(local, config, args.demo || args.journal.is_some(), &path);
    }
    let since = match args.since.as_deref().map(super::audit_rows::parse_since).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: --since {e}");
            return Ok(ExitCode::from(super::EXIT_CONFIG));
        }
    };
    let rows = journal.audit_entries(&Filter { since, operator: args.operator.clone() })?;
    super::audit_rows::print(&args.format, &rows)?;
    Ok(ExitCode::SUCCESS)
}

fn verify(journal: &Journal, path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let keep = format!("Keep a copy of {} (and its -wal file) for the investigation.", path.display());
    let report = match journal.check_audit() {
        Ok(r) => r,
        Err(e) => {
            writeln!(out, "audit trail unreadable: {e}. {keep}")?;
            return Ok(ExitCode::from(1));
        }
    };
    for p in &report.problems {
        writeln!(out, "audit trail TAMPERED: {p}. Rows may have been changed or removed without a trace.")?;
    }
    if let Some(b) = &report.broken {
        writeln!(out, "audit trail BROKEN at row {}: {}. Rows from {} on cannot be trusted.", b.id, b.why, b.id)?;
    }
    if !report.intact() {
        writeln!(out, "{keep}")?;
        return Ok(ExitCode::from(1));
    }
    let from = match report.checkpoint {
        Some(row) => format!(" from checkpoint row {row} (the rows before it are in an archive)"),
        None => String::new(),
    };
    writeln!(out, "audit trail intact: {} rows{from}, every hash and link checked ({})", report.rows, path.display())?;
    Ok(ExitCode::SUCCESS)
}
