//! Audit rows for people: the table, CSV and JSON lines `audit` and `audit --line-store`
//! print, and the `--since` / `--before` times they take. A signature row is shown with the
//! signer's printed name, the meaning and the row it signs, in every format.

use crate::domain::audit::{csv_field, Entry, Signed};
use std::io::Write;

/// Writes rows to standard output in the chosen format (table, csv or json).
pub(super) fn print(format: &str, rows: &[Entry]) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        "csv" => {
            writeln!(
                out,
                "id,at_utc,utc_offset,station,operator,action,object,old_value,new_value,reason,prev_hash,hash,signer_name,meaning,signs_row,signer_role,signed_with"
            )?;
            for r in rows {
                let s = Signed::of(r);
                let fields = [
                    r.id.to_string(),
                    r.at_utc.clone(),
                    r.utc_offset.clone(),
                    r.station.clone(),
                    r.operator.clone().unwrap_or_default(),
                    r.action.clone(),
                    r.object.clone(),
                    r.old_value.clone().unwrap_or_default(),
                    r.new_value.clone().unwrap_or_default(),
                    r.reason.clone().unwrap_or_default(),
                    r.prev_hash.clone(),
                    r.hash.clone(),
                    s.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
                    s.as_ref().map(|s| s.meaning.clone()).unwrap_or_default(),
                    s.as_ref().map(|s| s.record.to_string()).unwrap_or_default(),
                    s.as_ref().map(|s| s.role.clone()).unwrap_or_default(),
                    s.as_ref().map(|s| s.signed_with.clone()).unwrap_or_default(),
                ];
                writeln!(out, "{}", fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","))?;
            }
        }
        "json" => {
            for r in rows {
                let mut v = serde_json::to_value(r)?;
                if let (Some(s), Some(map)) = (Signed::of(r), v.as_object_mut()) {
                    map.insert(
                        "signature".into(),
                        serde_json::json!({
                            "signer": s.signer,
                            "name": s.name,
                            "role": s.role,
                            "meaning": s.meaning,
                            "signs_row": s.record,
                            "signed_with": s.signed_with,
                            "summary": s.summary,
                            "reason": s.reason,
                        }),
                    );
                }
                writeln!(out, "{}", serde_json::to_string(&v)?)?;
            }
        }
        _ => table(&mut out, rows)?,
    }
    out.flush()?;
    Ok(())
}

/// Local time as written at the station: the UTC time shifted by the offset stored with it.
fn local_time(r: &Entry) -> String {
    let utc = chrono::DateTime::parse_from_rfc3339(&r.at_utc).ok();
    let offset = chrono::DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{}", r.utc_offset)).ok();
    match (utc, offset) {
        (Some(t), Some(o)) => t.with_timezone(o.offset()).format("%Y-%m-%d %H:%M:%S %:z").to_string(),
        _ => r.at_utc.clone(),
    }
}

fn table(out: &mut impl Write, rows: &[Entry]) -> std::io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "no audit rows match");
    }
    writeln!(
        out,
        "{:>6}  {:<26}  {:<16}  {:<12}  {:<24}  {:<28}  CHANGE / REASON",
        "ID", "TIME (STATION LOCAL)", "STATION", "OPERATOR", "ACTION", "OBJECT"
    )?;
    for r in rows {
        let change = match (&r.old_value, &r.new_value, Signed::of(r)) {
            (_, _, Some(s)) => {
                let with = if s.signed_with.is_empty() { String::new() } else { format!(", {}", s.signed_with) };
                format!(
                    "SIGNED by {} ({}, {}{with}), meaning: {}, for row {}: {}",
                    s.name, s.signer, s.role, s.meaning, s.record, s.summary
                )
            }
            // The settings themselves are in the JSON and CSV forms; the table names the hash.
            (old, Some(new), _) if r.action == crate::domain::audit::actions::CONFIG_LOADED => {
                let hash = serde_json::from_str::<serde_json::Value>(new)
                    .ok()
                    .and_then(|v| v["hash"].as_str().map(|h| h.chars().take(12).collect::<String>()))
                    .unwrap_or_default();
                let was = old.as_deref().map(|o| format!("{}… → ", o.chars().take(12).collect::<String>()));
                format!("config {}{hash}…", was.unwrap_or_default())
            }
            (None, None, _) => String::new(),
            (old, new, _) => format!("{} → {}", old.as_deref().unwrap_or("-"), new.as_deref().unwrap_or("-")),
        };
        let reason = match (r.reason.as_deref(), r.action == crate::domain::audit::actions::SIGNATURE) {
            (Some(x), true) => format!(" (reason: {x})"),
            (Some(x), false) => format!(" ({x})"),
            (None, _) => String::new(),
        };
        // Control characters from a scanned code would move the terminal's cursor: shown escaped.
        let clean = |s: &str| {
            s.chars()
                .flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] })
                .collect::<String>()
        };
        writeln!(
            out,
            "{:>6}  {:<26}  {:<16}  {:<12}  {:<24}  {:<28}  {}",
            r.id,
            local_time(r),
            clean(&r.station),
            clean(r.operator.as_deref().unwrap_or("-")),
            r.action,
            clean(&r.object),
            clean(&format!("{change}{reason}"))
        )?;
    }
    Ok(())
}

/// `--since`: a date or date and time in local time, or RFC 3339; as the stored UTC form.
pub(super) fn parse_since(s: &str) -> Result<String, String> {
    use chrono::{Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
    let s = s.trim();
    let utc = if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        t.with_timezone(&Utc)
    } else if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let midnight = d.and_hms_opt(0, 0, 0).ok_or("is not a date")?;
        Local.from_local_datetime(&midnight).earliest().ok_or("is not a local time")?.with_timezone(&Utc)
    } else {
        let t = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
            .ok_or_else(|| format!("\"{s}\" is not a time: write 2026-11-21, \"2026-11-21 08:00\" or RFC 3339"))?;
        Local.from_local_datetime(&t).earliest().ok_or("is not a local time")?.with_timezone(&Utc)
    };
    Ok(utc.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}
