//! ZPL label formats without I/O: the GS1 pack label that ships with the program, checking a
//! template, filling one in for a serial (the DataMatrix data with `_` as `^BX`'s escape
//! character: FNC1 written `_1`, a `_` in the data written `__`), and reading a label format back
//! into its fields, which the simulator's fake printer records.
//!
//! Every job carries `^JZN`: a printer left at its default `^JZY` prints a label that a fault cut
//! short once more after the fault is cleared, and that second label would carry the same serial.

use std::fmt;

/// The GS1 pack label used when a printer names no template of its own (designed at 203 dpi).
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/gs1-pack-label.zpl");

/// The escape character every `^BX` must name: the default `~` is ZPL's control prefix and may
/// not stand inside field data.
pub const ESCAPE: char = '_';
/// The ASCII group separator a scanner sends for a FNC1 that is not the first character.
pub const GS: char = '\u{1d}';

/// The placeholders a template may use.
pub const PLACEHOLDERS: [(&str, &str); 7] = [
    ("datamatrix", "the GS1 DataMatrix data: (01) GTIN, (17) expiry, (10) batch, (21) serial, escaped for ^BX"),
    ("gtin", "the product code (GTIN-14)"),
    ("serial", "the serial number"),
    ("batch", "the batch"),
    ("expiry", "the expiry date as YYMMDD"),
    ("expiry_date", "the expiry date as YYYY-MM-DD (YYYY-MM when the day is 00)"),
    ("order", "the packaging order id"),
];

/// What one label carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelData {
    pub order_id: String,
    pub gtin: String,
    pub batch: String,
    /// YYMMDD.
    pub expiry: String,
    pub serial: String,
}

impl LabelData {
    /// The GS1 element string with FNC1 where ^BX needs it; variable-length fields (batch) end
    /// with a FNC1 unless last, and the serial comes last so it needs none.
    pub fn datamatrix_field(&self) -> String {
        format!(
            "{ESCAPE}101{}17{}10{}{ESCAPE}121{}",
            escape(&self.gtin),
            escape(&self.expiry),
            escape(&self.batch),
            escape(&self.serial)
        )
    }

    /// What a scanner reading the printed code sends: `]d2`, then the element string with GS
    /// between a variable-length field and the next.
    pub fn scan_data(&self) -> String {
        format!("]d201{}17{}10{}{GS}21{}", self.gtin, self.expiry, self.batch, self.serial)
    }

    /// The bracketed form, e.g. `(01)…(17)…(10)…(21)…`.
    pub fn element_string(&self) -> String {
        format!("(01){}(17){}(10){}(21){}", self.gtin, self.expiry, self.batch, self.serial)
    }
}

/// Doubles the escape character so data is never read as an escape sequence.
pub fn escape(data: &str) -> String {
    data.replace(ESCAPE, "__")
}

/// Field text may not hold ZPL's two command prefixes; replace them so a value can never
/// become a command.
fn plain(value: &str) -> String {
    value.replace(['^', '~'], " ")
}

fn expiry_date(yymmdd: &str) -> String {
    let b = yymmdd.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return yymmdd.to_string();
    }
    let yy: u8 = yymmdd[..2].parse().unwrap_or(0);
    let year = super::date::full_year(yy, super::date::current_year());
    if &yymmdd[4..] == "00" {
        format!("{year}-{}", &yymmdd[2..4])
    } else {
        format!("{year}-{}-{}", &yymmdd[2..4], &yymmdd[4..])
    }
}

/// One thing wrong with a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateProblem(pub String);

impl fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A ZPL command: its two-character name (with the prefix) and its parameters or data.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Command<'a> {
    name: String,
    rest: &'a str,
}

/// Splits ZPL into commands. `^FD` data runs to the next `^`, which is why data may hold no `^`.
fn commands(zpl: &str) -> Vec<Command<'_>> {
    let mut out = Vec::new();
    let starts: Vec<usize> = zpl.char_indices().filter(|(_, c)| *c == '^' || *c == '~').map(|(i, _)| i).collect();
    for (k, &i) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(zpl.len());
        let body = &zpl[i..end];
        let mut chars = body.char_indices().skip(1);
        let name_end = match (chars.next(), chars.next()) {
            (Some(_), Some((j, c))) => j + c.len_utf8(),
            (Some((j, c)), None) => j + c.len_utf8(),
            _ => body.len(),
        };
        // Some commands have a one-letter name followed directly by a parameter (`^A0`): the
        // name is taken as two characters, which is all the parser needs.
        out.push(Command {
            name: body[..name_end].to_ascii_uppercase(),
            rest: body[name_end..].trim_end_matches(['\r', '\n']),
        });
    }
    out
}

fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        match rest[open..].find('}') {
            Some(close) => {
                out.push(rest[open + 1..open + close].to_string());
                rest = &rest[open + close + 1..];
            }
            None => {
                out.push(rest[open + 1..].to_string());
                break;
            }
        }
    }
    out
}

/// Checks a template: one format (`^XA` … `^XZ`), only known placeholders, a GS1 DataMatrix
/// written with `^BX` and the escape character `_` holding `{datamatrix}`, the product code and
/// the serial in human-readable form (EU FMD Art. 7), and none of the commands the station sets
/// itself or that would change how the data is read.
pub fn check_template(text: &str) -> Result<(), Vec<TemplateProblem>> {
    let mut p = Vec::new();
    let mut push = |s: String| p.push(TemplateProblem(s));
    let t = text.trim();
    if !t.to_ascii_uppercase().starts_with("^XA") || !t.to_ascii_uppercase().ends_with("^XZ") {
        push("a label format starts with ^XA and ends with ^XZ".into());
    }
    let cmds = commands(t);
    let count = |n: &str| cmds.iter().filter(|c| c.name == n).count();
    if count("^XA") > 1 || count("^XZ") > 1 {
        push("holds more than one label format (^XA … ^XZ); a template is one label".into());
    }
    for name in placeholders(t) {
        if !PLACEHOLDERS.iter().any(|(k, _)| *k == name) {
            let known: Vec<String> = PLACEHOLDERS.iter().map(|(k, _)| format!("{{{k}}}")).collect();
            push(format!("{{{name}}} is not a placeholder; known ones are {}", known.join(", ")));
        }
    }
    for (name, why) in [
        ("^JZ", "the station sends ^JZN itself, so a label cut short by a fault is never printed twice"),
        ("^PQ", "the station prints one label per serial and sets the quantity itself"),
        ("^SN", "serials come from the station, never from the printer"),
        ("^SF", "serials come from the station, never from the printer"),
        ("^FH", "it makes `_` in the data a hex escape, which would change serials and batches"),
        ("^CC", "it changes the command prefix the station relies on"),
        ("~CC", "it changes the command prefix the station relies on"),
        ("^CT", "it changes the control prefix the station relies on"),
        ("~CT", "it changes the control prefix the station relies on"),
    ] {
        if count(name) > 0 {
            push(format!("uses {name}; leave it out: {why}"));
        }
    }
    let bx: Vec<usize> = cmds.iter().enumerate().filter(|(_, c)| c.name == "^BX").map(|(i, _)| i).collect();
    if bx.is_empty() {
        push("has no GS1 DataMatrix: add ^BXN,6,200,,,,_ followed by ^FD{datamatrix}^FS".into());
    }
    for i in bx {
        let params: Vec<&str> = cmds[i].rest.split(',').collect();
        if params.get(6).map(|s| s.trim()) != Some("_") {
            push("^BX must name `_` as its escape character (7th parameter, e.g. ^BXN,6,200,,,,_): the default `~` may not appear in field data".into());
        }
        let data = cmds[i + 1..].iter().find(|c| c.name == "^FD").map(|c| c.rest.trim());
        if data != Some("{datamatrix}") {
            push("the ^FD after ^BX must be exactly {datamatrix}".into());
        }
    }
    for (name, what) in [("{gtin}", "product code"), ("{serial}", "serial number")] {
        let human = cmds.windows(2).any(|w| w[0].name != "^BX" && w[1].name == "^FD" && w[1].rest.contains(name))
            || cmds.first().is_some_and(|c| c.name == "^FD" && c.rest.contains(name));
        if !human {
            push(format!("does not print the {what} ({name}) as text beside the code (EU FMD Art. 7 asks for it)"));
        }
    }
    if p.is_empty() {
        Ok(())
    } else {
        Err(p)
    }
}

/// The job for one label: the template filled in, `^JZN` after `^XA` and `^PQ1` before `^XZ`;
/// `scale_from_200` (for the built-in template on a 300 or 600 dpi printer) adds `^MUD,200,dpi`
/// so the design keeps its size.
pub fn render(template: &str, data: &LabelData, scale_to_dpi: Option<u32>) -> String {
    let mut out = template.trim().to_string();
    for (key, value) in [
        ("datamatrix", data.datamatrix_field()),
        ("gtin", plain(&data.gtin)),
        ("serial", plain(&data.serial)),
        ("batch", plain(&data.batch)),
        ("expiry", plain(&data.expiry)),
        ("expiry_date", plain(&expiry_date(&data.expiry))),
        ("order", plain(&data.order_id)),
    ] {
        out = out.replace(&format!("{{{key}}}"), &value);
    }
    let head = match scale_to_dpi {
        Some(dpi) => format!("^XA\n^JZN\n^MUD,200,{dpi}"),
        None => "^XA\n^JZN".to_string(),
    };
    let body = out.get(3..).unwrap_or("");
    let body = body.get(..body.len().saturating_sub(3)).unwrap_or("");
    format!("{head}{body}^PQ1\n^XZ\n")
}

/// A field as the fake printer records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Field {
    /// "text" or "datamatrix".
    pub kind: String,
    pub x: u32,
    pub y: u32,
    /// Text as printed; a DataMatrix's data with escapes resolved and every FNC1 shown as GS.
    pub data: String,
}

/// A label format read back from ZPL.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ParsedLabel {
    pub fields: Vec<Field>,
    /// The `^JZ` setting in the format, if any ("Y" or "N").
    pub reprint_after_error: Option<String>,
    /// `^PQ` quantity (1 when absent).
    pub quantity: u32,
    /// What a scanner would send for the (first) DataMatrix: `]d2` and the element string for a
    /// GS1 DataMatrix (leading FNC1), `]d1` and the data otherwise.
    pub scan: Option<String>,
}

/// Resolves `^BX` escapes: `_1` is FNC1, `__` a literal `_`. Returns the data with FNC1 as GS and
/// whether it started with FNC1 (GS1 mode).
fn unescape_datamatrix(data: &str, escape: char) -> (String, bool) {
    let mut out = String::new();
    let mut chars = data.chars().peekable();
    let mut gs1 = false;
    let mut first = true;
    while let Some(c) = chars.next() {
        if c == escape {
            match chars.next() {
                Some(n) if n == escape => out.push(escape),
                Some('1') => {
                    if first {
                        gs1 = true;
                    }
                    out.push(GS);
                }
                Some(other) => {
                    out.push(c);
                    out.push(other);
                }
                None => out.push(c),
            }
        } else {
            out.push(c);
        }
        first = false;
    }
    (out, gs1)
}

/// Reads the fields of one label format (`^FO` position, `^FD` data; after `^BX` the data is
/// a DataMatrix's, with its escape character resolved).
pub fn parse_label(zpl: &str) -> ParsedLabel {
    let mut label = ParsedLabel { quantity: 1, ..Default::default() };
    let (mut x, mut y) = (0, 0);
    let mut pending_bx: Option<char> = None;
    for c in commands(zpl) {
        match c.name.as_str() {
            "^FO" | "^FT" => {
                let mut it = c.rest.split(',').map(|v| v.trim().parse().unwrap_or(0));
                x = it.next().unwrap_or(0);
                y = it.next().unwrap_or(0);
            }
            "^BX" => {
                let g = c.rest.split(',').nth(6).and_then(|s| s.trim().chars().next()).unwrap_or('~');
                pending_bx = Some(g);
            }
            "^FD" => {
                if let Some(esc) = pending_bx.take() {
                    let (data, gs1) = unescape_datamatrix(c.rest, esc);
                    if label.scan.is_none() {
                        label.scan = Some(if gs1 {
                            format!("]d2{}", data.strip_prefix(GS).unwrap_or(&data))
                        } else {
                            format!("]d1{data}")
                        });
                    }
                    label.fields.push(Field { kind: "datamatrix".into(), x, y, data });
                } else {
                    label.fields.push(Field { kind: "text".into(), x, y, data: c.rest.to_string() });
                }
            }
            "^JZ" => label.reprint_after_error = Some(c.rest.trim().to_ascii_uppercase()),
            "^PQ" => label.quantity = c.rest.split(',').next().and_then(|q| q.trim().parse().ok()).unwrap_or(1),
            _ => {}
        }
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(serial: &str, batch: &str) -> LabelData {
        LabelData {
            order_id: "Order143".into(),
            gtin: "02022090117459".into(),
            batch: batch.into(),
            expiry: "290512".into(),
            serial: serial.into(),
        }
    }

    #[test]
    fn the_built_in_template_passes_its_own_check() {
        check_template(DEFAULT_TEMPLATE).unwrap();
    }

    #[test]
    fn an_underscore_in_the_data_is_doubled_and_read_back_once() {
        let d = data("AB_12", "B_1");
        assert_eq!(d.datamatrix_field(), "_1010202209011745917290512".to_string() + "10B__1_121AB__12");
        let (back, gs1) = unescape_datamatrix(&d.datamatrix_field(), ESCAPE);
        assert!(gs1);
        assert_eq!(back, "\u{1d}010202209011745917290512 10B_1\u{1d}21AB_12".replace(' ', ""));
    }

    #[test]
    fn a_rendered_label_reads_back_as_the_scan_of_its_serial() {
        let d = data("AB_12", "B_1");
        let zpl = render(DEFAULT_TEMPLATE, &d, None);
        assert!(zpl.starts_with("^XA\n^JZN"), "{zpl}");
        assert!(zpl.contains("^FD_101020220901174591729051210B__1_121AB__12^FS"), "{zpl}");
        assert!(zpl.trim_end().ends_with("^PQ1\n^XZ"), "{zpl}");
        let parsed = parse_label(&zpl);
        assert_eq!(parsed.reprint_after_error.as_deref(), Some("N"));
        assert_eq!(parsed.quantity, 1);
        assert_eq!(parsed.scan.as_deref(), Some(d.scan_data().as_str()));
        let texts: Vec<&str> = parsed.fields.iter().filter(|f| f.kind == "text").map(|f| f.data.as_str()).collect();
        assert_eq!(texts, ["PC: 02022090117459", "SN: AB_12", "Lot: B_1", "Exp: 2029-05-12"]);
    }

    #[test]
    fn template_problems_are_named() {
        let bad = "^XA^FO1,1^BXN,6,200^FD{datamatrix}^FS^FO1,1^FD{gtin} {lot}^FS^JZY^XZ";
        let p: Vec<String> = check_template(bad).unwrap_err().into_iter().map(|p| p.0).collect();
        assert!(p.iter().any(|m| m.contains("{lot} is not a placeholder")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("^JZ")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("escape character")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("serial number")), "{p:?}");
        assert!(!p.iter().any(|m| m.contains("product code")), "{p:?}");
        let p = check_template("^FO1,1^FD{serial}^FS").unwrap_err();
        assert!(p[0].0.contains("^XA"), "{p:?}");
    }
}
