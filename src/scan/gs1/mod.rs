//! GS1 decoding, driven by the GS1 Barcode Syntax Dictionary (`table.rs`, generated).
//!
//! Reads the four ways a code reaches the station: scanner data with an AIM symbology
//! identifier (`]d2…`), bare element strings with the GS separator, the bracketed human-readable
//! form an operator can type from a damaged label (`(01)…(17)…`), and GS1 Digital Link URIs.
//! Checks AIs, lengths, character sets, check digits, dates and times, mutually exclusive and
//! repeated AIs, and (as a policy) requisite AIs. Errors carry the kind names of the GS1 test
//! vectors and a message that says what to do.

mod dl;
mod lint;
pub mod spec;
#[rustfmt::skip]
mod table;

use spec::{lookup, AiDef};
use std::fmt;

/// The GS1 separator (FNC1 in data), ASCII group separator.
pub const GS: char = '\u{1d}';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    EmptyData,
    MissingSymbologyId,
    UnknownSymbologyId,
    NotGs1,
    UnknownAi,
    InvalidAi,
    EmptyValue,
    EmptyElement,
    ValueTooShort,
    ValueTooLong,
    InvalidLength,
    InvalidCharacter,
    IllegalSeparatorChar,
    BadCheckDigit,
    BadDate,
    BadTime,
    InvalidValue,
    MutuallyExclusiveAis,
    RepeatedAiMismatch,
    MissingRequisiteAi,
    DuplicateAi,
    GtinNot14Digits,
    InvalidUri,
    DlInvalidPath,
    DlAiInWrongPlace,
}

impl ErrorKind {
    /// The machine-readable name (the GS1 test vectors' names).
    pub fn name(self) -> &'static str {
        use ErrorKind::*;
        match self {
            EmptyData => "empty_data",
            MissingSymbologyId => "missing_symbology_id",
            UnknownSymbologyId => "unknown_symbology_id",
            NotGs1 => "not_gs1",
            UnknownAi => "unknown_ai",
            InvalidAi => "invalid_ai",
            EmptyValue => "empty_value",
            EmptyElement => "empty_element",
            ValueTooShort => "value_too_short",
            ValueTooLong => "value_too_long",
            InvalidLength => "invalid_length",
            InvalidCharacter => "invalid_character",
            IllegalSeparatorChar => "illegal_separator_char",
            BadCheckDigit => "bad_check_digit",
            BadDate => "bad_date",
            BadTime => "bad_time",
            InvalidValue => "invalid_value",
            MutuallyExclusiveAis => "mutually_exclusive_ais",
            RepeatedAiMismatch => "repeated_ai_mismatch",
            MissingRequisiteAi => "missing_requisite_ai",
            DuplicateAi => "duplicate_ai",
            GtinNot14Digits => "gtin_not_14_digits",
            InvalidUri => "invalid_uri",
            DlInvalidPath => "dl_invalid_path",
            DlAiInWrongPlace => "dl_ai_in_wrong_place",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DecodeError {
    pub kind: ErrorKind,
    pub message: String,
}

fn fail<T>(kind: ErrorKind, message: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError { kind, message: message.into() })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Decide by the first characters: `]` scan data, `(` bracketed, `http` Digital Link.
    Auto,
    /// Scanner data; an AIM symbology identifier is required.
    Scan,
    Bare,
    Hri,
    Dl,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// A character the scanner sends in place of the GS separator (e.g. `|`).
    pub separator: Option<char>,
    /// Check requisite AIs (`req=`), e.g. that a serial (21) comes with a GTIN (01).
    pub requisites: bool,
    pub strip_whitespace: bool,
    pub permit_zero_suppressed_gtin_in_dl: bool,
    pub hhmm_9999_means_no_time: bool,
    pub this_year: i32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Auto,
            separator: None,
            requisites: false,
            strip_whitespace: false,
            permit_zero_suppressed_gtin_in_dl: false,
            hhmm_9999_means_no_time: false,
            this_year: crate::domain::date::current_year(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decoded {
    pub symbology: Option<String>,
    /// AI and value, in the order they came.
    pub ais: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

impl Decoded {
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.ais.iter().find(|(a, _)| a == ai).map(|(_, v)| v.as_str())
    }

    /// The bracketed form, e.g. `(01)09520123456788(21)SN1`.
    pub fn hri(&self) -> String {
        self.ais.iter().map(|(a, v)| format!("({a}){}", v.replace('(', "\\("))).collect()
    }

    /// One JSON line: `{"ok":true,"symbology":…,"ais":{…},"warnings":[…]}`, AIs in order.
    pub fn to_json(&self) -> String {
        let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
        let ais: Vec<String> = self.ais.iter().map(|(a, v)| format!("{}:{}", q(a), q(v))).collect();
        let warnings: Vec<String> = self.warnings.iter().map(|w| q(w)).collect();
        let sym = self.symbology.as_deref().map(q).unwrap_or_else(|| "null".into());
        format!(
            "{{\"ok\":true,\"symbology\":{sym},\"ais\":{{{}}},\"warnings\":[{}]}}",
            ais.join(","),
            warnings.join(",")
        )
    }
}

impl DecodeError {
    pub fn to_json(&self) -> String {
        let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
        format!("{{\"ok\":false,\"error\":{},\"message\":{}}}", q(self.kind.name()), q(&self.message))
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Auto => "auto",
            Mode::Scan => "scan",
            Mode::Bare => "bare",
            Mode::Hri => "hri",
            Mode::Dl => "dl",
        })
    }
}

/// Carriers whose data are GS1 element strings.
const GS1_ELEMENT_CARRIERS: [&str; 5] = ["]d2", "]C1", "]e0", "]Q3", "]J1"];
/// Carriers of plain data (a Digital Link URI may be inside).
const PLAIN_CARRIERS: [&str; 3] = ["]d1", "]Q1", "]J0"];

pub fn decode(input: &str, opts: &Options) -> Result<Decoded, DecodeError> {
    let mut text = if opts.strip_whitespace { input.trim().to_string() } else { input.to_string() };
    if let Some(sep) = opts.separator {
        text = text.replace(sep, &GS.to_string());
    }
    let mode = match opts.mode {
        Mode::Auto if text.starts_with(']') => Mode::Scan,
        Mode::Auto if text.starts_with('(') => Mode::Hri,
        Mode::Auto if dl::is_uri(&text) => Mode::Dl,
        Mode::Auto => Mode::Bare,
        m => m,
    };
    let mut out = Decoded::default();
    match mode {
        Mode::Scan => scan(&text, opts, &mut out)?,
        Mode::Bare => {
            if text.is_empty() {
                return fail(ErrorKind::EmptyData, "nothing was read: scan again");
            }
            element_string(&text, opts, &mut out)?
        }
        Mode::Hri => hri(&text, opts, &mut out)?,
        Mode::Dl => dl::parse(&text, opts, &mut out)?,
        Mode::Auto => unreachable_auto()?,
    }
    associations(&out, opts)?;
    Ok(out)
}

fn unreachable_auto() -> Result<(), DecodeError> {
    fail(ErrorKind::EmptyData, "no input form could be chosen")
}

fn scan(text: &str, opts: &Options, out: &mut Decoded) -> Result<(), DecodeError> {
    if text.is_empty() {
        return fail(ErrorKind::EmptyData, "nothing was read: scan again");
    }
    if !text.starts_with(']') {
        return fail(
            ErrorKind::MissingSymbologyId,
            "the scan has no symbology identifier (]d2, ]C1, …): turn on the AIM identifier in the scanner, or use another mode",
        );
    }
    let sym: String = text.chars().take(3).collect();
    let data = &text[sym.len()..];
    let known_shape = sym.len() == 3 && sym.as_bytes()[1].is_ascii_alphabetic() && sym.as_bytes()[2].is_ascii_digit();
    if !known_shape {
        return fail(
            ErrorKind::UnknownSymbologyId,
            format!("\"{sym}\" is not a symbology identifier the station knows"),
        );
    }
    out.symbology = Some(sym.clone());
    if data.is_empty() {
        return fail(ErrorKind::EmptyData, "the code holds no data: scan again");
    }
    if GS1_ELEMENT_CARRIERS.contains(&sym.as_str()) {
        return element_string(data, opts, out);
    }
    if PLAIN_CARRIERS.contains(&sym.as_str()) {
        if dl::is_uri(data) {
            return dl::parse(data, opts, out);
        }
        return fail(ErrorKind::NotGs1, "this code holds plain data, not GS1 data: scan the pack's GS1 DataMatrix");
    }
    match sym.as_str() {
        "]E0" | "]E4" => {
            let want = if sym == "]E0" { 13 } else { 8 };
            if data.len() != want || !data.bytes().all(|b| b.is_ascii_digit()) {
                return fail(
                    ErrorKind::InvalidLength,
                    format!(
                        "an {} code has {want} digits, this one {}",
                        if want == 13 { "EAN-13" } else { "EAN-8" },
                        data.len()
                    ),
                );
            }
            let gtin = format!("{data:0>14}");
            let def = lookup("01")
                .ok_or(DecodeError { kind: ErrorKind::UnknownAi, message: "no AI 01 in the table".into() })?;
            check_value(def, &gtin, opts)?;
            out.ais.push(("01".into(), gtin));
            Ok(())
        }
        _ => fail(ErrorKind::NotGs1, format!("{sym} codes carry no GS1 data: scan the pack's GS1 DataMatrix")),
    }
}

/// Adds an AI, refusing a repeat with another value (a repeat with the same value is kept once).
fn push(out: &mut Decoded, ai: &str, value: String) -> Result<(), DecodeError> {
    match out.get(ai) {
        Some(v) if v == value => Ok(()),
        Some(v) => fail(ErrorKind::RepeatedAiMismatch, format!("({ai}) appears twice with different values ({v} and {value}): the code is damaged or two codes were read as one")),
        None => {
            out.ais.push((ai.to_string(), value));
            Ok(())
        }
    }
}

fn element_string(data: &str, opts: &Options, out: &mut Decoded) -> Result<(), DecodeError> {
    if data.contains('^') {
        return fail(
            ErrorKind::IllegalSeparatorChar,
            "the data holds ^, which scanners send in place of the separator: set the separator in [scanner] (or --separator ^)",
        );
    }
    let chars: Vec<char> = data.chars().collect();
    let mut i = 0;
    let mut last_gs = true; // a leading separator stands for the code's own FNC1
    let mut first = true;
    while i < chars.len() {
        if chars[i] == GS {
            if last_gs && !first {
                return fail(ErrorKind::EmptyElement, "two separators in a row: the code is damaged, scan again");
            }
            last_gs = true;
            first = false;
            i += 1;
            continue;
        }
        first = false;
        last_gs = false;
        let two: String = chars[i..].iter().take(2).collect();
        if two.len() < 2 || !two.chars().all(|c| c.is_ascii_digit()) {
            return fail(
                ErrorKind::InvalidAi,
                format!("expected an AI (digits) at \"{}\"", chars[i..].iter().take(8).collect::<String>()),
            );
        }
        let Some(alen) = spec::ai_length(&two) else {
            return fail(ErrorKind::UnknownAi, format!("no AI starts with {two}: the code is not GS1 or is damaged"));
        };
        if i + alen > chars.len() || !chars[i..i + alen].iter().all(|c| c.is_ascii_digit()) {
            return fail(
                ErrorKind::InvalidAi,
                format!("the AI at \"{}\" is incomplete", chars[i..].iter().collect::<String>()),
            );
        }
        let ai: String = chars[i..i + alen].iter().collect();
        let Some(def) = lookup(&ai) else {
            return fail(ErrorKind::UnknownAi, format!("({ai}) is not a GS1 AI: the code is damaged or not GS1"));
        };
        i += alen;
        let end = chars[i..].iter().position(|c| *c == GS).map(|p| i + p).unwrap_or(chars.len());
        let end = match def.fixed_len().filter(|_| def.fixed) {
            Some(n) => end.min(i + n),
            None => end,
        };
        let value: String = chars[i..end].iter().collect();
        if value.is_empty() {
            return fail(ErrorKind::EmptyValue, format!("({ai}) has no value"));
        }
        check_value(def, &value, opts)?;
        if def.variable() {
            lost_separator_warning(&ai, &value, opts, out);
        }
        push(out, &ai, value)?;
        i = end;
    }
    if out.ais.is_empty() {
        return fail(ErrorKind::EmptyData, "the code holds no AI");
    }
    Ok(())
}

fn hri(text: &str, opts: &Options, out: &mut Decoded) -> Result<(), DecodeError> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return fail(ErrorKind::EmptyData, "nothing was typed");
    }
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '(' {
            return fail(
                ErrorKind::InvalidAi,
                "write each AI in brackets, e.g. (01)09520123456788(17)250600(10)ABC(21)SN1",
            );
        }
        let close = chars[i..].iter().position(|c| *c == ')').map(|p| i + p);
        let Some(close) = close else { return fail(ErrorKind::InvalidAi, "an AI's bracket is not closed") };
        let ai: String = chars[i + 1..close].iter().collect();
        let plausible = (2..=4).contains(&ai.len())
            && ai.chars().all(|c| c.is_ascii_digit())
            && spec::ai_length(&ai[..2]).is_none_or(|n| n == ai.len());
        if !plausible {
            return fail(ErrorKind::InvalidAi, format!("({ai}) is not a valid AI: AIs have 2 to 4 digits"));
        }
        let Some(def) = lookup(&ai) else {
            return fail(ErrorKind::UnknownAi, format!("({ai}) is not a GS1 AI"));
        };
        let mut value = String::new();
        let mut j = close + 1;
        while j < chars.len() && chars[j] != '(' {
            if chars[j] == '\\' && chars.get(j + 1) == Some(&'(') {
                value.push('(');
                j += 2;
                continue;
            }
            value.push(chars[j]);
            j += 1;
        }
        if value.is_empty() {
            return fail(ErrorKind::EmptyValue, format!("({ai}) has no value"));
        }
        check_value(def, &value, opts)?;
        push(out, &ai, value)?;
        i = j;
    }
    Ok(())
}

/// Applies the AI's components to its value: characters, lengths, then content checks.
pub(crate) fn check_value(def: &AiDef, value: &str, opts: &Options) -> Result<(), DecodeError> {
    let ai = def.ai;
    let chars: Vec<char> = value.chars().collect();
    let policy = lint::Policy { this_year: opts.this_year, hhmm_9999_means_no_time: opts.hhmm_9999_means_no_time };
    let mut pos = 0;
    for c in def.components {
        let remaining = chars.len() - pos;
        if remaining == 0 && c.optional {
            break;
        }
        let take = if c.min == c.max { c.min as usize } else { remaining.min(c.max as usize) };
        if remaining < take || take < c.min as usize || take == 0 {
            return fail(
                ErrorKind::ValueTooShort,
                format!(
                    "({ai}) \"{value}\" is too short: it needs {} characters",
                    def.components.iter().filter(|c| !c.optional).map(|c| c.min as usize).sum::<usize>()
                ),
            );
        }
        let seg: String = chars[pos..pos + take].iter().collect();
        if let Some(bad) = seg.chars().find(|ch| !c.cset.allows(*ch)) {
            let shown = if bad.is_control() || bad == ' ' { format!("{:?}", bad) } else { format!("'{bad}'") };
            return fail(
                ErrorKind::InvalidCharacter,
                format!("({ai}) holds {shown}, which it may not: {} only", c.cset.describe()),
            );
        }
        for l in c.linters {
            if let Err((kind, msg)) = lint::run(l, &seg, &policy) {
                return fail(kind, format!("({ai}) {msg}"));
            }
        }
        pos += take;
    }
    if pos < chars.len() {
        return fail(
            ErrorKind::ValueTooLong,
            format!("({ai}) \"{value}\" is too long: at most {} characters", def.max_len()),
        );
    }
    Ok(())
}

/// A variable-length value that ends in what reads as a whole fixed-length AI probably
/// swallowed it because the separator was lost.
fn lost_separator_warning(ai: &str, value: &str, opts: &Options, out: &mut Decoded) {
    let chars: Vec<char> = value.chars().collect();
    for p in 1..chars.len().saturating_sub(2) {
        let rest: String = chars[p..].iter().collect();
        let Some(alen) = spec::ai_length(&rest[..2.min(rest.len())]) else { continue };
        if rest.len() <= alen {
            continue;
        }
        let Some(def) = lookup(&rest[..alen]).filter(|d| d.fixed) else { continue };
        let tail = &rest[alen..];
        if def.fixed_len() == Some(tail.chars().count()) && check_value(def, tail, opts).is_ok() {
            out.warnings.push(format!(
                "({ai}) \"{value}\" ends in what reads as ({}) {tail}: if the pack has that AI, the separator was lost — check [scanner] separator",
                def.ai
            ));
            return;
        }
    }
}

/// Mutually exclusive AIs always; requisite AIs when the policy asks.
fn associations(out: &Decoded, opts: &Options) -> Result<(), DecodeError> {
    let present: Vec<&str> = out.ais.iter().map(|(a, _)| a.as_str()).collect();
    for ai in &present {
        let Some(def) = lookup(ai) else { continue };
        for pattern in def.ex {
            if let Some(other) = present.iter().find(|o| *o != ai && spec::matches(pattern, o)) {
                return fail(ErrorKind::MutuallyExclusiveAis, format!("({ai}) and ({other}) may not appear together"));
            }
        }
        if opts.requisites {
            for req in def.req {
                let satisfied =
                    req.split(',').any(|alt| alt.split('+').all(|need| present.iter().any(|p| spec::matches(need, p))));
                if !satisfied {
                    return fail(
                        ErrorKind::MissingRequisiteAi,
                        format!("({ai}) needs ({}) as well", req.replace(',', ") or (").replace('+', ") with (")),
                    );
                }
            }
        }
    }
    Ok(())
}
