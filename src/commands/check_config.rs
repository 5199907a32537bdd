//! `shopfloor check-config [PATH]`: validates a config file and says what it found.

use crate::config::ManufacturerAuth;
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
    println!("config OK: {source}");
    println!("  station           {} on packaging line {}", c.station.id, c.station.packaging_line_tag);
    println!("  Movilitas.Cloud   {} ({auth})", c.manufacturer.base_url);
    println!("  Lagerkoll         {} ({} requests/minute)", c.production.base_url, c.production.requests_per_minute);
    for p in &c.printers {
        println!("  printer           {} at {} ({} dpi, {})", p.name, p.address, p.dpi, p.template.describe());
    }
    let s = &c.printing.serials;
    println!(
        "  label serials     local, {} of {} characters (guessing chance {:.0e} at {} packs per GTIN)",
        s.length,
        s.alphabet.len(),
        s.guess_chance(c.printing.serials_per_gtin),
        c.printing.serials_per_gtin
    );
    Ok(ExitCode::SUCCESS)
}
