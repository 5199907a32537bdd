//! Command-line definitions. `main.rs` parses these and hands them to `commands`.

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "shopfloor",
    version,
    about = "Terminal dashboard for pharmaceutical packaging lines",
    long_about = "Terminal dashboard for pharmaceutical packaging lines: packaging and label orders in \
                  Movilitas.Cloud, production orders in Lagerkoll, and live GS1 scanning with commissioning.\n\n\
                  Without a subcommand it runs the dashboard. Try it with `shopfloor --demo`."
)]
pub struct Cli {
    /// Config file to use (otherwise SHOPFLOOR_CONFIG, then the platform config directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Run the dashboard against the built-in simulator with demo data (no config needed).
    #[arg(long)]
    pub demo: bool,

    /// Kiosk mode for a line station: no way out without the supervisor PIN (as [kiosk] enabled).
    #[arg(long)]
    pub kiosk: bool,

    /// With --demo: the loopback address of the embedded simulator (default: a free port).
    #[arg(long, value_name = "ADDR", requires = "demo")]
    pub sim_listen: Option<SocketAddr>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the simulator of both backends on loopback, and print a config snippet for it.
    Sim(SimArgs),
    /// Check a config file and exit non-zero, naming the file, line and key, on any problem.
    CheckConfig {
        /// The file to check (otherwise the usual lookup: --config, SHOPFLOOR_CONFIG, config dir).
        path: Option<PathBuf>,
    },
    /// Print a complete, commented config file to start from.
    PrintDefaultConfig,
    /// Decode GS1 codes, one per line from standard input, into one JSON object per line.
    Decode(DecodeArgs),
    /// Scan the README's test code to see what the scanner sends and which [scanner] settings fit it.
    ScannerCheck,
    /// Make the Argon2 hash of a PIN for a person's pin_hash in [[operators]] (or the shared [kiosk] supervisor_pin_hash).
    /// The PIN is asked for without echo (or read from standard input when it is not a terminal).
    HashPin,
    /// Print the audit trail (who did what, when), or check that it was not edited.
    Audit(AuditArgs),
    /// Ask one of the station's label printers ([[printers]]) how it is, or print a test label.
    Printer {
        #[command(subcommand)]
        action: PrinterAction,
    },
    /// The labels printed for an order and how they add up: printed = verified + voided + waiting.
    Labels(LabelsArgs),
    /// The batch-release report of an order for QA: packs, decommissions, refusals, duplicates,
    /// labels, alarms and who acknowledged them, and every signature concerning the order.
    Report(ReportArgs),
    /// Copy the journal (also of a running station) with SQLite's online backup and check the
    /// copy: integrity check and audit chain.
    Backup(BackupArgs),
    /// Move the audit rows, and the scans and alarms of finished orders, older than a date into
    /// an archive file that `audit --journal FILE --verify` checks.
    Archive(ArchiveArgs),
    /// The line store shared by a line's stations (PostgreSQL): set it up, list late duplicates.
    #[command(subcommand)]
    LineStore(LineStoreCommand),
    /// The live board of every station, grouped by line, from the line store (read-only).
    Board,
    /// Print distinct valid scans of a demo order, one per line, as a scanner would type them.
    DemoScans {
        /// How many scans.
        #[arg(long, default_value_t = 10)]
        count: usize,
        /// The demo packaging order (the demo station starts with Order143 active).
        #[arg(long, default_value = "Order143")]
        order: String,
        /// Seed for the random serials; a new seed gives new serials.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum PrinterAction {
    /// Ask the printer (~HS, and ~HQES when ~HS is silent) and print its state; exit 1 when it is
    /// faulted or cannot be reached.
    Status {
        /// The printer's name in [[printers]].
        name: String,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print one test label (GS1 test code with serial TEST0001, not a product's) when the
    /// printer is ready.
    Test {
        /// The printer's name in [[printers]].
        name: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The packaging order to report on.
    #[arg(long, value_name = "ID")]
    pub order: String,
    /// table (for reading; local times), csv (for a spreadsheet; formula-safe; UTC) or json (one
    /// object; UTC).
    #[arg(long, default_value = "table", value_parser = ["table", "csv", "json"])]
    pub format: String,
    /// The journal to read (default: journal.db in the data directory). With [line_store] in the
    /// config and no --journal, the whole line is read from the line store instead.
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Read the demo station's journal.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, clap::Args)]
pub struct LabelsArgs {
    /// The packaging order whose labels to show.
    #[arg(long, value_name = "ID")]
    pub order: String,
    /// table (for reading), csv (for a spreadsheet; formula-safe) or json (one object).
    #[arg(long, default_value = "table", value_parser = ["table", "csv", "json"])]
    pub format: String,
    /// The journal to read (default: journal.db in the data directory).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Read the demo station's journal.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Only rows at or after this time: 2026-11-21, "2026-11-21 08:00" (local time) or RFC 3339.
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Only rows of this person: done by them, or about them (their sign-in, their wrong PINs).
    #[arg(long, value_name = "ID")]
    pub operator: Option<String>,
    /// table (for reading), csv (for a spreadsheet; formula-safe) or json (one object per line).
    #[arg(long, default_value = "table", value_parser = ["table", "csv", "json"])]
    pub format: String,
    /// Check the hash chain instead of printing: exit 0 when intact, 1 naming the first broken row.
    #[arg(long)]
    pub verify: bool,
    /// The journal to read (default: journal.db in the data directory).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Read the demo station's journal.
    #[arg(long)]
    pub demo: bool,
    /// Read the whole line's trail from the line store ([line_store] in the config) instead.
    #[arg(long, conflicts_with_all = ["verify", "journal", "demo"])]
    pub line_store: bool,
}

#[derive(Debug, Subcommand)]
pub enum LineStoreCommand {
    /// Create the line store's schema, or bring it to this version (run as the store's owner).
    Init {
        /// Log in as this user instead of the one in [line_store] url (e.g. the owner).
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
    },
    /// List the late duplicates a supervisor must resolve (--all: the resolved ones too).
    Duplicates {
        #[arg(long)]
        all: bool,
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
    },
    /// Mark a late duplicate resolved, saying who did and what was done with the pack.
    Resolve {
        /// Its number in the `duplicates` list.
        id: i64,
        #[arg(long, value_name = "NAME")]
        by: String,
        #[arg(long, value_name = "TEXT")]
        note: String,
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
    },
    /// A station without a screen: scans from standard input, one per line, through the journal,
    /// the line store and commissioning; one JSON answer per scan. For tests and load runs.
    #[command(hide = true)]
    Station {
        #[arg(long, value_name = "DIR")]
        data_dir: std::path::PathBuf,
        #[arg(long, value_name = "ID")]
        order: String,
        #[arg(long, value_name = "ID")]
        operator: String,
        /// Scans per burst.
        #[arg(long, default_value_t = 50)]
        burst: usize,
    },
}

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Where the copy goes: a new file, or a directory (the copy is then journal-<UTC time>.db).
    #[arg(value_name = "DEST")]
    pub dest: PathBuf,
    /// The journal to copy (default: journal.db in the data directory).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Copy the demo station's journal.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, clap::Args)]
pub struct ArchiveArgs {
    /// Move what is older than this: 2026-01-01 or "2026-01-01 06:00" (local time) or RFC 3339.
    #[arg(long, value_name = "DATE")]
    pub before: String,
    /// The archive file to write (a new file; archives are never overwritten).
    #[arg(value_name = "DEST")]
    pub dest: PathBuf,
    /// The journal to archive from (default: journal.db in the data directory).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Archive from the demo station's journal.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// How to read each line: auto, scan (AIM identifier required), bare, hri (bracketed), dl.
    #[arg(long, default_value = "auto", value_parser = ["auto", "scan", "bare", "hri", "dl"])]
    pub mode: String,
    /// A character the scanner sends in place of the GS separator, e.g. '|'.
    #[arg(long, value_name = "C")]
    pub separator: Option<char>,
    /// Also check requisite AIs (e.g. a serial needs a GTIN).
    #[arg(long)]
    pub requisites: bool,
    /// Exit with status 1 when any line could not be decoded (default: 0 once every line was
    /// read, so decode works as a filter).
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Loopback address to listen on.
    #[arg(long, default_value = crate::sim::DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Added delay before every API answer, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub latency_ms: u64,
    /// Share of API requests answered 503 without being carried out (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub error_rate: f64,
    /// Share of API requests carried out whose connection is then dropped unanswered (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub drop_rate: f64,
    /// Seed for the simulator's choices (tokens, faults), so a run can be repeated.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
    /// A fake Zebra printer taking ZPL on raw TCP, e.g. line1-zebra=127.0.0.1:9100 (repeatable;
    /// port 0 picks a free one).
    #[arg(long = "printer", value_name = "NAME=ADDR", value_parser = parse_printer)]
    pub printers: Vec<(String, SocketAddr)>,
    /// How commissioning answers a serial already commissioned: answered again (idempotent) or
    /// refused naming it (refuse).
    #[arg(long, default_value = "idempotent", value_name = "MODE", value_parser = ["idempotent", "refuse"])]
    pub recommission: String,
}

fn parse_printer(s: &str) -> Result<(String, SocketAddr), String> {
    let (name, addr) = s.split_once('=').ok_or("write NAME=127.0.0.1:PORT, e.g. line1-zebra=127.0.0.1:9100")?;
    if name.trim().is_empty() || name.contains(char::is_whitespace) || name.contains('/') {
        return Err(format!("\"{name}\" is not a printer name (no blanks or slashes)"));
    }
    let addr: SocketAddr = addr.parse().map_err(|e| format!("\"{addr}\" is not an address with a port: {e}"))?;
    Ok((name.to_string(), addr))
}
