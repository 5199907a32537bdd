//! `shopfloor archive`: moves what is older than a date out of the journal into an archive file
//! (see `scan::journal::archive` for what moves and what stays).

use crate::cli::ArchiveArgs;
use crate::scan::journal::{Actor, Journal};
use std::process::ExitCode;

pub fn run(args: ArchiveArgs) -> anyhow::Result<ExitCode> {
    let path = super::audit::journal_path(args.journal, args.demo)?;
    let before = match super::audit_rows::parse_since(&args.before) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: --before {e}");
            return Ok(ExitCode::from(super::EXIT_CONFIG));
        }
    };
    if before > chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true) {
        eprintln!("error: --before {} is in the future: give a date in the past", args.before);
        return Ok(ExitCode::from(super::EXIT_CONFIG));
    }
    let mut journal = match Journal::open_existing(&path) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(super::EXIT_CONFIG));
        }
    };
    // The audit row names who ran it: the account, since no operator signs in for this.
    let account = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
    let actor = Actor { station: "shopfloor archive".into(), operator: Some(format!("os:{account}")) };
    let r = match journal.archive(&before, &args.dest, &actor) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: archive failed: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    if r.orders.is_empty() && r.audit_rows == 0 && r.alarms == 0 {
        println!(
            "nothing older than {} to archive in {} (the active order, and orders with scans not yet answered, always stay)",
            args.before,
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "archived to {}: {} orders ({} scans, {} alarms) and {} audit rows older than {}",
        r.dest.display(),
        r.orders.len(),
        r.scans,
        r.alarms,
        r.audit_rows,
        args.before
    );
    if let Some(row) = r.checkpoint {
        println!("the journal's audit trail now starts at checkpoint row {row}, the archive's last row");
    }
    println!("check both: shopfloor audit --journal {} --verify", r.dest.display());
    Ok(ExitCode::SUCCESS)
}
