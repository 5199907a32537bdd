//! `shopfloor labels --order ID`: the labels this station printed for an order, each with its
//! state, and the reconciliation printed = verified + voided + waiting, plus the labels to look
//! for and remove (sent, never confirmed, voided).

use crate::cli::LabelsArgs;
use crate::domain::audit::csv_field;
use crate::printing::store::{Actor, LabelStore, Reconciliation};
use crate::scan::journal::Journal;
use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;

fn local(utc: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(utc)
        .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| utc.to_string())
}

pub fn run(args: LabelsArgs) -> anyhow::Result<ExitCode> {
    let path = match args.journal.clone() {
        Some(p) => p,
        None => {
            let dir = crate::logging::data_dir().context("no data directory for this user (is HOME set?)")?;
            let dir = if args.demo { dir.join("demo") } else { dir };
            dir.join("journal.db")
        }
    };
    if let Err(e) = Journal::open_existing(&path) {
        eprintln!("error: {e}");
        return Ok(ExitCode::from(super::EXIT_CONFIG));
    }
    let store = LabelStore::open(&path)?;
    // A label scanned after its run (or on the Scan tab) shows its state now; the moves are
    // audited as made by this report, which found them in the journal.
    let actor = Actor { station: "shopfloor labels".into(), operator: None };
    let rows = store.order_labels_now(&args.order, &actor)?;
    let r = Reconciliation::of(&args.order, &rows);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format.as_str() {
        "csv" => {
            writeln!(out, "serial,gtin,batch,expiry,state,reason,printer,run_id,allocated_at,sent_at,printed_at,verified_at,updated_at")?;
            for l in &rows {
                let o = |v: &Option<String>| v.clone().unwrap_or_default();
                let fields = [
                    l.serial.clone(),
                    l.gtin.clone(),
                    l.batch.clone(),
                    l.expiry.clone(),
                    l.state.name().to_string(),
                    o(&l.reason),
                    l.printer.clone(),
                    l.run_id.clone(),
                    l.allocated_at.clone(),
                    o(&l.sent_at),
                    o(&l.printed_at),
                    o(&l.verified_at),
                    l.updated_at.clone(),
                ];
                writeln!(out, "{}", fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","))?;
            }
        }
        "json" => {
            let v = serde_json::json!({"order_id": args.order, "reconciliation": r, "balances": r.balances(), "labels": rows});
            writeln!(out, "{v}")?;
        }
        _ => {
            if rows.is_empty() {
                writeln!(out, "no labels were printed for order {} at this station ({})", args.order, path.display())?;
                out.flush()?;
                return Ok(ExitCode::SUCCESS);
            }
            // Voided labels that may be out and whose removal nobody confirmed (the same rule as
            // the batch report and the Print tab after a restart).
            let open: Vec<String> = crate::printing::store::removals_outstanding(&path)?
                .into_iter()
                .filter(|(order, _)| *order == args.order)
                .map(|(_, serial)| serial)
                .collect();
            writeln!(out, "order {}: {}", args.order, r.line())?;
            writeln!(
                out,
                "  commissioned {}, to check and remove {} (voided, removal not confirmed), voided before sending {}, with the printer now {}",
                r.commissioned,
                open.len(),
                r.voided_unsent,
                r.in_flight
            )?;
            if !open.is_empty() {
                writeln!(
                    out,
                    "  {} voided label(s) may be at the station and are not confirmed removed: find them (serials marked !), remove them, and confirm it on the Print tab",
                    open.len()
                )?;
            }
            writeln!(out, "\n  {:<22} {:<13} {:<19} REASON", "SERIAL", "STATE", "CHANGED")?;
            for l in &rows {
                let mark = if open.contains(&l.serial) { "!" } else { " " };
                writeln!(
                    out,
                    "{mark} {:<22} {:<13} {:<19} {}",
                    l.serial,
                    l.state.name(),
                    local(&l.updated_at),
                    l.reason.as_deref().unwrap_or("")
                )?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
