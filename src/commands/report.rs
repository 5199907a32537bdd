//! `shopfloor report --order ID`: the batch-release report QA reads before releasing a batch —
//! packs commissioned, decommissioned by reason, refused by the service, duplicates (late ones
//! too), labels printed / verified / voided, alarms and who acknowledged them, and every
//! signature concerning the order. As a table (local times, the zone named), CSV (one row per
//! item, formula-safe, UTC) or one JSON object (UTC). Read from the line store (every station
//! of the line) when the config has one and it answers, else from the station's journal, which
//! is opened read-only.

use crate::cli::ReportArgs;
use crate::domain::audit::csv_field;
use crate::domain::batch_report::BatchReport;
use crate::printing::store;
use crate::scan::journal::Journal;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(args: ReportArgs, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    // A journal named on the command line is read as it is; otherwise the line store, if any.
    let mut unreachable = None;
    if args.journal.is_none() && !args.demo {
        let cfg = match super::audit_line::line_store_config(config) {
            Ok(c) => c,
            Err(code) => return Ok(code),
        };
        if let Some(cfg) = cfg {
            let read = super::audit_line::runtime()?.block_on(async {
                let (client, _n) = crate::line_store::connect::connect(&cfg, "shopfloor report").await?;
                crate::line_store::report::batch_report(&client, &args.order).await
            });
            match read {
                Ok(mut r) => {
                    r.source = format!("line store {}", cfg.describe());
                    return print(&args.format, &r);
                }
                Err(e) => unreachable = Some(e.to_string()),
            }
        }
    }
    let path = super::audit::journal_path(args.journal.clone(), args.demo)?;
    let mut report = match from_journal(&path, &args.order) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "error: cannot read order {} from {}: {e}. Check the path (--journal); if the file may be damaged, run `shopfloor audit --verify --journal {}`",
                args.order,
                path.display(),
                path.display()
            );
            return Ok(ExitCode::from(super::EXIT_CONFIG));
        }
    };
    // A mistyped order id would otherwise give an empty report that reads like an empty order.
    if report.packs.scanned == 0 && report.labels.printed + report.labels.voided == 0 && report.alarms.is_empty() {
        report.notes.push(format!(
            "Nothing is recorded for order {} in {}: check the order id (it is case-sensitive) or the journal (--journal).",
            args.order,
            path.display()
        ));
    }
    if let Some(why) = unreachable {
        let note = format!(
            "The line store could not be read ({why}); this report has this station's packs only. Run it again when \
             the store answers for the whole line."
        );
        eprintln!("warning: {note}");
        report.notes.push(note);
    }
    print(&args.format, &report)
}

fn print(format: &str, report: &BatchReport) -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        "csv" => csv(&mut out, report)?,
        "json" => writeln!(out, "{}", serde_json::to_string(report)?)?,
        _ => table(&mut out, report, &Zone::local())?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn from_journal(path: &Path, order: &str) -> anyhow::Result<BatchReport> {
    let journal = Journal::open_read_only(path)?;
    let mut report = journal.batch_report(order)?;
    report.source = format!("journal {}", path.display());
    let removals = std::mem::take(&mut report.labels.removals);
    report.labels = store::report_labels(order, &store::read_order_labels(path, order)?);
    report.labels.removals = removals;
    Ok(report)
}

/// How the table shows times: the machine's zone, named.
struct Zone {
    name: String,
}

impl Zone {
    fn local() -> Zone {
        let name = std::env::var("TZ")
            .ok()
            .map(|t| t.trim_start_matches(':').to_string())
            .filter(|t| !t.is_empty())
            .or_else(|| iana_time_zone::get_timezone().ok())
            .unwrap_or_else(|| "local time".into());
        Zone { name }
    }

    /// `2026-11-21 11:00:00 +01:00`, or the text as stored when it is no time.
    fn show(&self, utc: &str) -> String {
        match chrono::DateTime::parse_from_rfc3339(utc) {
            Ok(t) => t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S %:z").to_string(),
            Err(_) => utc.to_string(),
        }
    }
}

/// Control characters in a scanned code would move the terminal's cursor: shown escaped.
fn clean(s: &str) -> String {
    s.chars().flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] }).collect()
}

fn or_dash(s: Option<&str>) -> String {
    clean(s.unwrap_or("-"))
}

/// A line of text under an item, indented and wrapped at 80 columns (long words stay whole).
fn wrapped(out: &mut dyn Write, text: &str) -> std::io::Result<()> {
    wrapped_at(out, "      ", text)
}

fn wrapped_at(out: &mut dyn Write, indent: &str, text: &str) -> std::io::Result<()> {
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && indent.len() + line.chars().count() + 1 + word.chars().count() > 80 {
            writeln!(out, "{indent}{line}")?;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    writeln!(out, "{indent}{line}")
}

fn table(out: &mut dyn Write, r: &BatchReport, zone: &Zone) -> std::io::Result<()> {
    let p = &r.packs;
    writeln!(out, "Batch-release report: order {}", clean(&r.order_id))?;
    wrapped_at(out, "", &format!("From the {}", r.source))?;
    wrapped_at(out, "", &format!("Times in {} (UTC offset shown); CSV and JSON give UTC.", zone.name))?;
    for n in &r.notes {
        wrapped_at(out, "", &format!("Note: {}", clean(n)))?;
    }
    writeln!(out)?;
    writeln!(out, "PACKS")?;
    let figure = |out: &mut dyn Write, what: &str, n: i64| writeln!(out, "  {what:<28}{n:>8}");
    figure(out, "scanned", p.scanned)?;
    figure(out, "  accepted", p.accepted)?;
    figure(out, "    commissioned", p.commissioned)?;
    figure(out, "    decommissioned", p.decommissioned)?;
    figure(out, "    refused by the service", p.refused_by_service)?;
    figure(out, "    waiting for the service", p.pending)?;
    figure(out, "  refused at the station", p.refused_at_station)?;
    figure(out, "  duplicates", p.duplicates)?;
    if p.pending > 0 {
        wrapped(
            out,
            &format!(
                "{} pack(s) still wait for the service's answer: the order is not complete yet. Keep the station running and online until they are answered, then report again",
                p.pending
            ),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "DECOMMISSIONED BY REASON")?;
    if r.decommissioned.is_empty() {
        writeln!(out, "  none")?;
    }
    for d in &r.decommissioned {
        writeln!(out, "  {:<28}{:>8}", clean(&d.reason), d.count)?;
    }
    let pack = |gtin: &str, serial: &str| {
        if gtin.is_empty() {
            clean(serial)
        } else {
            format!("{}/{}", clean(gtin), clean(serial))
        }
    };
    writeln!(out)?;
    writeln!(out, "REFUSED BY THE SERVICE")?;
    if r.refused_by_service.is_empty() {
        writeln!(out, "  none")?;
    }
    for e in &r.refused_by_service {
        writeln!(out, "  {}  {}", zone.show(&e.at_utc), pack(&e.gtin, &e.serial))?;
        wrapped(out, &or_dash(e.reason.as_deref()))?;
    }
    writeln!(out)?;
    writeln!(out, "DUPLICATES")?;
    if r.duplicates.is_empty() {
        writeln!(out, "  none")?;
    }
    for d in &r.duplicates {
        let kind = match d.kind.as_str() {
            "duplicate" => "scanned twice here",
            "duplicate_line" => "claimed first by another station",
            "late_duplicate" => "LATE duplicate (found after an offline spell)",
            other => other,
        };
        writeln!(out, "  {}  {}  {}", zone.show(&d.at_utc), clean(&d.station), pack(&d.gtin, &d.serial))?;
        wrapped(out, kind)?;
        if let Some(f) = &d.first {
            wrapped(out, &format!("first: {}", clean(f)))?;
        }
        if let Some(x) = &d.resolution {
            wrapped(out, &format!("resolved: {}", clean(x)))?;
        }
    }
    writeln!(out)?;
    let l = &r.labels;
    writeln!(out, "LABELS")?;
    writeln!(out, "  printed {} = verified {} + voided {} + waiting {}", l.printed, l.verified, l.voided, l.waiting)?;
    let open = l.not_confirmed_removed();
    if !open.is_empty() {
        wrapped(
            out,
            &format!(
                "{} voided label(s) may be at the station and are not confirmed removed: find and remove them before release ({})",
                open.len(),
                open.join(" ")
            ),
        )?;
    }
    for m in &l.removals {
        let who = m.operator.as_deref().map(|o| format!(" by {o}")).unwrap_or_default();
        wrapped(
            out,
            &format!(
                "{} voided label(s) confirmed found and removed {}{who} at {}: {}",
                m.serials.len(),
                zone.show(&m.at_utc),
                m.station,
                m.serials.join(", ")
            ),
        )?;
    }
    if !l.may_be_out.is_empty() && open.is_empty() {
        writeln!(out, "  every voided label is confirmed removed")?;
    }
    if l.voided_unsent + l.in_flight > 0 {
        writeln!(out, "  voided before sending {}, with a printer now {}", l.voided_unsent, l.in_flight)?;
    }
    for v in &l.voided_labels {
        writeln!(out, "  voided {}  {}", zone.show(&v.at_utc), pack(&v.gtin, &v.serial))?;
        wrapped(out, &or_dash(v.reason.as_deref()))?;
    }
    writeln!(out)?;
    writeln!(out, "ALARMS")?;
    if r.alarms.is_empty() {
        writeln!(out, "  none")?;
    }
    for a in &r.alarms {
        writeln!(out, "  {}  {}  {}", zone.show(&a.at_utc), clean(&a.station), clean(&a.kind))?;
        wrapped(out, &clean(&a.message))?;
        match &a.acknowledged_at_utc {
            Some(t) => wrapped(
                out,
                &format!(
                    "acknowledged {} by {}",
                    zone.show(t),
                    a.acknowledged_by.as_deref().map(clean).unwrap_or_else(|| "nobody signed in".into())
                ),
            )?,
            None => wrapped(out, "NOT acknowledged")?,
        }
    }
    writeln!(out)?;
    writeln!(out, "SIGNATURES")?;
    if r.signatures.is_empty() {
        writeln!(out, "  none")?;
    }
    for s in &r.signatures {
        let who = match (&s.name, &s.role) {
            (Some(n), Some(role)) => format!("{} ({}, {})", clean(n), clean(&s.signer), clean(role)),
            (Some(n), None) => format!("{} ({})", clean(n), clean(&s.signer)),
            _ => clean(&s.signer),
        };
        writeln!(out, "  {}  {}", zone.show(&s.at_utc), who)?;
        wrapped(out, &format!("{}: {}", or_dash(s.meaning.as_deref()), or_dash(s.action.as_deref())))?;
        let record = s.record.map(|r| format!("audit row {r}")).unwrap_or_else(|| "no record".into());
        wrapped(out, &format!("signed {record}: {}", or_dash(s.summary.as_deref())))?;
        if let Some(reason) = &s.reason {
            wrapped(out, &format!("reason: {}", clean(reason)))?;
        }
    }
    Ok(())
}

/// One row per item, with the section it belongs to; times in UTC.
fn csv(out: &mut impl Write, r: &BatchReport) -> std::io::Result<()> {
    writeln!(out, "order,section,at_utc,what,count,station,gtin,serial,who,meaning,reason,acknowledged_at_utc,detail")?;
    let mut row = |fields: [&str; 12]| -> std::io::Result<()> {
        let mut all = vec![csv_field(&r.order_id)];
        all.extend(fields.iter().map(|f| csv_field(f)));
        writeln!(out, "{}", all.join(","))
    };
    for n in &r.notes {
        row(["note", "", "", "", "", "", "", "", "", "", "", n])?;
    }
    let p = &r.packs;
    for (what, n) in [
        ("scanned", p.scanned),
        ("accepted", p.accepted),
        ("commissioned", p.commissioned),
        ("decommissioned", p.decommissioned),
        ("refused_by_service", p.refused_by_service),
        ("waiting", p.pending),
        ("refused_at_station", p.refused_at_station),
        ("duplicates", p.duplicates),
    ] {
        row(["packs", "", what, &n.to_string(), "", "", "", "", "", "", "", ""])?;
    }
    for d in &r.decommissioned {
        row(["decommissioned", "", "decommissioned", &d.count.to_string(), "", "", "", "", "", &d.reason, "", ""])?;
    }
    for e in &r.refused_by_service {
        let reason = e.reason.as_deref().unwrap_or("");
        row([
            "refused_by_service",
            &e.at_utc,
            "rejected",
            "1",
            &e.station,
            &e.gtin,
            &e.serial,
            "",
            "",
            reason,
            "",
            "",
        ])?;
    }
    for d in &r.duplicates {
        let first = d.first.as_deref().unwrap_or("");
        let detail = match &d.resolution {
            Some(x) => format!("first: {first}; resolved: {x}"),
            None => format!("first: {first}"),
        };
        row(["duplicate", &d.at_utc, &d.kind, "1", &d.station, &d.gtin, &d.serial, "", "", "", "", &detail])?;
    }
    let l = &r.labels;
    for (what, n) in [
        ("printed", l.printed),
        ("verified", l.verified),
        ("voided", l.voided),
        ("waiting", l.waiting),
        ("to_check_and_remove", l.to_check_and_remove),
        ("voided_unsent", l.voided_unsent),
        ("in_flight", l.in_flight),
    ] {
        row(["labels", "", what, &n.to_string(), "", "", "", "", "", "", "", ""])?;
    }
    for v in &l.voided_labels {
        let reason = v.reason.as_deref().unwrap_or("");
        row(["label_voided", &v.at_utc, "voided", "1", &v.station, &v.gtin, &v.serial, "", "", reason, "", ""])?;
    }
    for m in &l.removals {
        let (n, who, serials) = (m.serials.len().to_string(), m.operator.as_deref().unwrap_or(""), m.serials.join(" "));
        row(["labels_removed", &m.at_utc, "confirmed removed", &n, &m.station, "", "", who, "", "", "", &serials])?;
    }
    for a in &r.alarms {
        let by = a.acknowledged_by.as_deref().unwrap_or("");
        let at = a.acknowledged_at_utc.as_deref().unwrap_or("");
        row(["alarm", &a.at_utc, &a.kind, "1", &a.station, "", "", by, "", "", at, &a.message])?;
    }
    for s in &r.signatures {
        let who = match (&s.name, &s.role) {
            (Some(n), Some(role)) => format!("{} ({}, {role})", s.signer, n),
            (Some(n), None) => format!("{} ({n})", s.signer),
            _ => s.signer.clone(),
        };
        let detail = format!(
            "audit row {} signs {}: {}",
            s.audit_id,
            s.record.map(|r| format!("audit row {r}")).unwrap_or_else(|| "no record".into()),
            s.summary.as_deref().unwrap_or("")
        );
        row([
            "signature",
            &s.at_utc,
            s.action.as_deref().unwrap_or(""),
            "1",
            &s.station,
            "",
            "",
            &who,
            s.meaning.as_deref().unwrap_or(""),
            s.reason.as_deref().unwrap_or(""),
            "",
            &detail,
        ])?;
    }
    Ok(())
}
