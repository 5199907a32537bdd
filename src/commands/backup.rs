//! `shopfloor backup`: a checked copy of the journal, safe while the station runs.

use crate::cli::BackupArgs;
use crate::scan::journal::Journal;
use std::process::ExitCode;

pub fn run(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let path = super::audit::journal_path(args.journal, args.demo)?;
    let journal = match Journal::open_read_only(&path) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(super::EXIT_CONFIG));
        }
    };
    match journal.backup(&args.dest) {
        Ok(r) => {
            let from = r.audit.checkpoint.map(|c| format!(" from checkpoint row {c}")).unwrap_or_default();
            println!(
                "backup of {} written to {} ({} bytes): integrity check ok, audit trail intact ({} rows{from})",
                path.display(),
                r.dest.display(),
                r.bytes,
                r.audit.rows
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: backup failed: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
