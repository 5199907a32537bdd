//! The station's own label printers (`[[printers]]`: Zebra, ZPL over raw TCP) and how serials
//! for printed labels are made (`[printing]`). A printer needs only a name and an address; its
//! template is the built-in GS1 pack label unless it names a ZPL file, which is read and checked
//! here so a bad template stops the program before the terminal changes mode.

use super::{Checker, Problem};
use crate::domain::serial::{self, SerialSpec};
use crate::domain::zpl;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterFile {
    pub name: String,
    /// `host:port`; Zebra printers take raw ZPL on port 9100.
    pub address: String,
    #[serde(default = "default_dpi")]
    pub dpi: u32,
    /// A ZPL template file (relative to the config file's folder); the built-in one otherwise.
    #[serde(default)]
    pub template: Option<String>,
}

fn default_dpi() -> u32 {
    203
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrintingFile {
    /// Where serials for printed labels come from: "local" (made on this station).
    pub serial_source: String,
    pub serial_length: usize,
    pub serial_alphabet: String,
    /// The most packs one GTIN will ever carry; the EU FMD guessing bound is checked for it.
    pub serials_per_gtin: u64,
}

impl Default for PrintingFile {
    fn default() -> Self {
        PrintingFile {
            serial_source: "local".into(),
            serial_length: serial::DEFAULT_LENGTH,
            serial_alphabet: serial::DEFAULT_ALPHABET.into(),
            serials_per_gtin: serial::DEFAULT_SERIALS_PER_GTIN,
        }
    }
}

/// Where a printer's template came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSource {
    BuiltIn,
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub source: TemplateSource,
    pub text: String,
}

impl Template {
    pub fn built_in() -> Template {
        Template { source: TemplateSource::BuiltIn, text: zpl::DEFAULT_TEMPLATE.to_string() }
    }

    pub fn describe(&self) -> String {
        match &self.source {
            TemplateSource::BuiltIn => "built-in GS1 pack label".into(),
            TemplateSource::File(p) => p.display().to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printer {
    pub name: String,
    /// `host:port` as written.
    pub address: String,
    pub dpi: u32,
    pub template: Template,
}

impl Printer {
    /// The job for one label on this printer.
    pub fn render(&self, data: &zpl::LabelData) -> String {
        // The built-in template is drawn at 203 dpi; ^MU scales it up on finer heads.
        let scale = (self.template.source == TemplateSource::BuiltIn && self.dpi > 203).then_some(self.dpi);
        zpl::render(&self.template.text, data, scale)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SerialSourceKind {
    /// Made on the station from the operating system's cryptographic random generator.
    #[default]
    Local,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrintingConfig {
    pub serial_source: SerialSourceKind,
    pub serials: SerialSpec,
    pub serials_per_gtin: u64,
}

/// The line of `key` inside the `index`-th `[[printers]]` block (or of the block's header).
fn line_in_block(src: &str, index: usize, key: Option<&str>) -> Option<usize> {
    let mut block: Option<usize> = None;
    let mut seen = 0;
    for (i, line) in src.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            if t.trim_matches(|c| c == '[' || c == ']').trim() == "printers" {
                if seen == index {
                    block = Some(i + 1);
                    if key.is_none() {
                        return block;
                    }
                } else if block.is_some() {
                    return block;
                }
                seen += 1;
            } else if block.is_some() {
                return block;
            }
            continue;
        }
        if block.is_some() && key.is_some_and(|k| t.split('=').next().map(str::trim) == Some(k)) {
            return Some(i + 1);
        }
    }
    block
}

/// Whether `host:port` has both parts, the port a number from 1 to 65535.
pub fn check_address(address: &str) -> Result<(), String> {
    let (host, port) = address.rsplit_once(':').ok_or_else(|| format!("\"{address}\" has no port"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(format!("\"{address}\" has no host name or address"));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => Err(format!("\"{port}\" is not a port number")),
    }
}

pub(super) fn check(
    c: &mut Checker,
    printers: &[PrinterFile],
    printing: &PrintingFile,
    config_path: &Path,
) -> (Vec<Printer>, PrintingConfig) {
    let mut out = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for (i, p) in printers.iter().enumerate() {
        let name = p.name.trim();
        let mut problem = |key: &str, message: String, expected: &str| {
            c.problems.push(Problem {
                line: line_in_block(c.src, i, Some(key)),
                key: format!("printers.{}.{key}", if name.is_empty() { "?" } else { name }),
                message,
                expected: expected.into(),
            })
        };
        if name.is_empty() || name.chars().any(|ch| ch.is_whitespace() || ch == '/') || !names.insert(name.to_string())
        {
            problem(
                "name",
                format!("printer name \"{name}\" is empty, has blanks or slashes, or is listed twice"),
                "each [[printers]] with its own name, e.g. name = \"line1-zebra\"",
            );
        }
        if let Err(e) = check_address(&p.address) {
            problem("address", e, "the printer's host and raw TCP port, e.g. address = \"10.1.4.20:9100\"");
        }
        if !matches!(p.dpi, 203 | 300 | 600) {
            problem("dpi", format!("{} dpi is not a Zebra print head's resolution", p.dpi), "203, 300 or 600");
        }
        let template = match p.template.as_deref().map(str::trim) {
            None | Some("") => Template::built_in(),
            Some(file) => {
                let path = config_path.parent().unwrap_or(Path::new(".")).join(file);
                match std::fs::read_to_string(&path) {
                    Err(e) => {
                        problem(
                            "template",
                            format!("cannot read the template {}: {e}", path.display()),
                            "the path of a ZPL file, relative to the config file's folder",
                        );
                        Template::built_in()
                    }
                    Ok(text) => {
                        if let Err(problems) = zpl::check_template(&text) {
                            for tp in problems {
                                problem(
                                    "template",
                                    format!("{}: {tp}", path.display()),
                                    "one ^XA … ^XZ format with ^BXN,6,200,,,,_ ^FD{datamatrix}^FS and {gtin} and {serial} as text",
                                );
                            }
                        }
                        Template { source: TemplateSource::File(path), text }
                    }
                }
            }
        };
        out.push(Printer { name: name.to_string(), address: p.address.trim().to_string(), dpi: p.dpi, template });
    }
    if printing.serial_source != "local" {
        c.push(
            "printing",
            "serial_source",
            format!("\"{}\" is not a serial source", printing.serial_source),
            "\"local\" (serials made on this station)",
        );
    }
    let serials = match SerialSpec::new(printing.serial_length, &printing.serial_alphabet, printing.serials_per_gtin) {
        Ok(s) => s,
        Err(e) => {
            let key = if e.contains("character") && e.contains("1 to") { "serial_length" } else { "serial_alphabet" };
            c.push(
                "printing",
                key,
                e,
                "serial_length 1-20 and serial_alphabet of distinct GS1 CSET 82 characters, enough for EU FMD's 1-in-10,000 bound",
            );
            SerialSpec::default()
        }
    };
    (
        out,
        PrintingConfig {
            serial_source: SerialSourceKind::Local,
            serials,
            serials_per_gtin: printing.serials_per_gtin.max(1),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &str, dir: &Path) -> Result<crate::config::Config, Vec<Problem>> {
        parse_text(&format!("{}\n{extra}", crate::config::EXAMPLE), dir)
    }

    fn parse_text(text: &str, dir: &Path) -> Result<crate::config::Config, Vec<Problem>> {
        let env = |k: &str| k.starts_with("SHOPFLOOR_").then(|| "x".to_string());
        match crate::config::parse(text, &dir.join("c.toml"), &env) {
            Ok(l) => Ok(l.config),
            Err(crate::config::ConfigError::Invalid { problems, .. }) => Err(problems),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_name_and_an_address_are_all_a_printer_needs() {
        let dir = tempfile::tempdir().unwrap();
        let c = parse("[[printers]]\nname = \"p1\"\naddress = \"10.0.0.5:9100\"\n", dir.path()).unwrap();
        assert_eq!(c.printers[0].dpi, 203);
        assert_eq!(c.printers[0].template.source, TemplateSource::BuiltIn);
        assert_eq!(c.printing.serials.length, serial::DEFAULT_LENGTH);
    }

    #[test]
    fn bad_printers_and_templates_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.zpl"), "^XA^FO1,1^FD{serial} {lot}^FS^XZ").unwrap();
        let extra = "[[printers]]\nname = \"p1\"\naddress = \"10.0.0.5\"\ndpi = 250\n\n[[printers]]\nname = \"p1\"\naddress = \"h:9100\"\ntemplate = \"t.zpl\"\n";
        let text = crate::config::EXAMPLE
            .replace("serial_length = 12", "serial_length = 4")
            .replace("serial_alphabet = \"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ\"", "serial_alphabet = \"0123456789\"");
        let p = parse_text(&format!("{text}\n{extra}"), dir.path()).unwrap_err();
        let keys: Vec<(&str, Option<usize>)> = p.iter().map(|p| (p.key.as_str(), p.line)).collect();
        let base = crate::config::EXAMPLE.lines().count() + 1;
        assert!(keys.contains(&("printers.p1.address", Some(base + 3))), "{keys:?}");
        assert!(keys.contains(&("printers.p1.dpi", Some(base + 4))), "{keys:?}");
        assert!(keys.contains(&("printers.p1.name", Some(base + 7))), "{keys:?}");
        assert!(p.iter().any(|p| p.key == "printers.p1.template" && p.message.contains("{lot}")), "{p:?}");
        assert!(p.iter().any(|p| p.key == "printing.serial_alphabet" && p.message.contains("10,000")), "{p:?}");
    }
}
