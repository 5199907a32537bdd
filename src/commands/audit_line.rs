//! The line store's part of `shopfloor audit`: `--line-store` prints the whole line's trail,
//! and `--verify` also compares the local trail with the chain head the store keeps, which is
//! how rows deleted from the end of the local journal are found.

use crate::cli::AuditArgs;
use crate::config::line_store::LineStoreConfig;
use crate::line_store::audit::{self, Comparison};
use crate::scan::audit_store::Filter;
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

/// Exit code of `--verify` when the local trail is intact but the store could not be asked.
pub const EXIT_STORE_UNREACHABLE: u8 = 3;

/// The config's `[line_store]`: from `--config` (which must load), else from the usual place
/// when a config is there; `None` when there is no line store.
pub(super) fn line_store_config(config: Option<&Path>) -> Result<Option<LineStoreConfig>, ExitCode> {
    match config {
        Some(p) => super::load_config(Some(p)).map(|c| c.line_store),
        None => Ok(crate::config::load(None, &crate::config::process_env).ok().and_then(|l| l.config.line_store)),
    }
}

pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")
}

/// `shopfloor audit --line-store`.
pub fn print_line(args: &AuditArgs, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let cfg = match line_store_config(config) {
        Ok(Some(c)) => c,
        Ok(None) => {
            eprintln!("error: --line-store needs a [line_store] section in the config (see `shopfloor print-default-config`); pass the file with --config");
            return Ok(ExitCode::from(super::EXIT_CONFIG));
        }
        Err(code) => return Ok(code),
    };
    let since = match args.since.as_deref().map(super::audit_rows::parse_since).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: --since {e}");
            return Ok(ExitCode::from(super::EXIT_CONFIG));
        }
    };
    let filter = Filter { since, operator: args.operator.clone() };
    let rows = runtime()?.block_on(async {
        let (client, _n) = crate::line_store::connect::connect(&cfg, "shopfloor audit").await?;
        audit::line_trail(&client, &filter).await
    });
    match rows {
        Ok(rows) => {
            super::audit_rows::print(&args.format, &rows)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// After the local chain was checked: compares its end with the store's head of this
/// station's chain. `explicit_journal`: the journal is not this config's station's own (a
/// copy, or the demo's), so it is not compared.
pub fn after_verify(
    local: ExitCode,
    config: Option<&Path>,
    explicit_journal: bool,
    journal: &Path,
) -> anyhow::Result<ExitCode> {
    // Compared even when the local check failed: rows deleted from the end of a tampered
    // journal are found only with the store's copy.
    let local_ok = local == ExitCode::SUCCESS;
    let cfg = match line_store_config(config) {
        Ok(Some(c)) if !explicit_journal || config.is_some() => c,
        Ok(_) => return Ok(local),
        Err(code) => return Ok(code),
    };
    let conn = rusqlite::Connection::open_with_flags(journal, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open {} to compare it with the line store", journal.display()))?;
    let asked = runtime()?.block_on(async {
        let (client, _n) = crate::line_store::connect::connect(&cfg, "shopfloor audit").await?;
        audit::head(&client, &cfg.station).await
    });
    let head = match asked {
        Ok(h) => h,
        Err(e) if !local_ok => {
            println!("line store not compared: {e}.");
            return Ok(local);
        }
        Err(e) => {
            println!(
                "line store not compared: {e}. The local chain is intact, but rows deleted from its end can only be found with the line store: run this again when it can be reached."
            );
            return Ok(ExitCode::from(EXIT_STORE_UNREACHABLE));
        }
    };
    let local_last = audit::local_last_id(&conn)?;
    let at_head = match &head {
        Some((id, _)) => audit::local_row(&conn, *id)?,
        None => None,
    };
    match audit::compare(&cfg.station, head, local_last, at_head.as_ref()) {
        Comparison::Agrees { copied, not_yet_copied } => {
            println!(
                "line store agrees: station {} rows 1 to {copied} match the copy ({not_yet_copied} newer rows not copied yet)",
                cfg.station
            );
            Ok(local)
        }
        Comparison::NothingCopied => {
            println!("line store holds no row of station {} yet: nothing to compare", cfg.station);
            Ok(local)
        }
        Comparison::TailMissing { chain, store_last, local_last } => {
            println!(
                "audit trail BROKEN: station {chain}'s rows {} to {store_last} are missing from the end of {} (the line store holds them; the local journal ends at row {local_last}). Keep a copy of the journal for the investigation; `shopfloor audit --line-store` shows the rows.",
                local_last + 1,
                journal.display()
            );
            Ok(ExitCode::from(1))
        }
        Comparison::Differs { chain, id } => {
            println!(
                "audit trail BROKEN: station {chain}'s row {id} in {} differs from its copy in the line store (rows from {id} on were changed or replaced). Keep a copy of the journal for the investigation.",
                journal.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}
