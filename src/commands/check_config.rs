//! `shopfloor check-config [PATH]`: validates a config file and says what it found. Every
//! problem of the file is listed at once (see `config::parse`); an address is shown with its
//! password hidden; a closed pipe (`| head`) ends the output quietly.

use crate::config::network::redact;
use crate::config::ManufacturerAuth;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let c = match super::load_config(path) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let source = c.source.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
    let auth = match c.manufacturer.auth {
        ManufacturerAuth::Static { .. } => "static token",
        ManufacturerAuth::Dynamic { .. } => "dynamic token (api_key + api_secret)",
    };
    let net = &c.manufacturer.network;
    let proxy = net.proxy.as_ref().map(|p| redact(p.expose())).unwrap_or_else(|| "none".into());
    let ca = net
        .ca_file
        .as_ref()
        .map(|p| format!("system store + {}", p.display()))
        .unwrap_or_else(|| "system store".into());
    let mut out = std::io::stdout().lock();
    writeln!(out, "config OK: {source}")?;
    writeln!(out, "  station           {} on packaging line {}", c.station.id, c.station.packaging_line_tag)?;
    writeln!(out, "  Movilitas.Cloud   {} ({auth})", redact(c.manufacturer.base_url.as_str()))?;
    writeln!(
        out,
        "  Lagerkoll         {} ({} requests/minute)",
        redact(c.production.base_url.as_str()),
        c.production.requests_per_minute
    )?;
    writeln!(out, "  network           proxy {proxy}; trusted CAs: {ca}")?;
    writeln!(
        out,
        "  log               rolled at {} MB, {} old file(s) kept{}",
        c.log.max_file_bytes / (1024 * 1024),
        c.log.keep_files,
        if c.log.syslog { ", also to the system log" } else { "" }
    )?;
    for p in &c.printers {
        writeln!(out, "  printer           {} at {} ({} dpi, {})", p.name, p.address, p.dpi, p.template.describe())?;
    }
    let people = &c.signin.operators;
    let named = |role: crate::config::access::Role| {
        let ids: Vec<&str> = people.iter().filter(|o| o.role == role).map(|o| o.id.as_str()).collect();
        if ids.is_empty() {
            "none".to_string()
        } else {
            ids.join(", ")
        }
    };
    use crate::config::access::Role;
    writeln!(
        out,
        "  people            {} operator(s); supervisors: {}; QA: {}",
        people.iter().filter(|o| o.role == Role::Operator).count(),
        named(Role::Supervisor),
        named(Role::Qa)
    )?;
    let sig = &c.signatures;
    let signed: Vec<String> = crate::config::signatures::SignedAction::ALL
        .iter()
        .filter(|a| sig.required(**a))
        .map(|a| {
            let r = sig.rule(*a);
            let extra = [(r.reason_required, ", reason"), (r.two_person, ", two persons")]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, t)| *t)
                .collect::<String>();
            format!("{} ({}{extra})", a.key(), r.meaning)
        })
        .collect();
    if signed.is_empty() {
        writeln!(out, "  signatures        off (on by default in kiosk mode)")?;
    } else {
        writeln!(
            out,
            "  signatures        {}; session ends after {} s idle; {} wrong PINs lock a person",
            signed.join(", "),
            sig.session_idle.as_secs(),
            sig.max_failures
        )?;
    }
    let s = &c.printing.serials;
    writeln!(
        out,
        "  label serials     local, {} of {} characters (guessing chance {:.0e} at {} packs per GTIN)",
        s.length,
        s.alphabet.len(),
        s.guess_chance(c.printing.serials_per_gtin),
        c.printing.serials_per_gtin
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
