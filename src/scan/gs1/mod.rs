//! GS1 decoding, driven by the GS1 Barcode Syntax Dictionary (`table.rs`, generated).
//!
//! Reads the four ways a code reaches the station: scanner data with an AIM symbology
//! identifier (`]d2…`), bare element strings with the GS separator, the bracketed human-readable
//! form an operator can type from a damaged label (`(01)…(17)…`), and GS1 Digital Link URIs.
//! Checks AIs, lengths, character sets, check digits, dates and times, code lists, mutually
//! exclusive and repeated AIs, and (as a policy) requisite AIs. Errors carry the kind names of
//! the GS1 test vectors and a message that says what to do.
//!
//! Decoding takes time linear in the input: AIs are found by their digits through an index,
//! every check looks at each character a bounded number of times, and input longer than any
//! GS1 code can be is refused before it is read. A decode allocates the result's two buffers
//! (values and their places) and nothing per AI unless something is wrong.

pub mod codes;
mod def;
mod dl;
mod json;
mod lint;
pub mod spec;
#[rustfmt::skip]
mod table;

use spec::{AiDef, NoAi};
use std::fmt;

/// The GS1 separator (FNC1 in data), ASCII group separator.
pub const GS: char = '\u{1d}';
const GS_BYTE: u8 = 0x1d;

/// The most data characters one GS1 code can carry: a QR Code (version 40) holds 7,089 digits,
/// more than any other GS1 carrier (a Data Matrix holds at most 3,116).
pub const MAX_DATA_CHARS: usize = 7_089;
/// The longest scan a GS1 code can give: its data plus a three-character symbology identifier.
pub const MAX_SCAN_CHARS: usize = MAX_DATA_CHARS + 3;
/// The longest bracketed form of a code: brackets around each AI and `\(` escapes at most
/// double the data.
pub const MAX_BRACKETED_CHARS: usize = 2 * MAX_DATA_CHARS;

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
    /// Longer than any GS1 code can be (a paste, or many codes run together): refused unread.
    ScanTooLong,
}

impl ErrorKind {
    /// The machine-readable name (the GS1 test vectors' names, plus `scan_too_long`).
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
            ScanTooLong => "scan_too_long",
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

/// One AI's place: its table slot and where its value sits in `Decoded::data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Element {
    slot: u16,
    start: u32,
    end: u32,
}

/// A decoded code: its AIs and values in the order they came (each AI once).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Decoded {
    pub symbology: Option<&'static str>,
    pub warnings: Vec<String>,
    /// Every value, one after the other.
    data: String,
    elements: Vec<Element>,
}

impl Decoded {
    fn value(&self, e: &Element) -> &str {
        self.data.get(e.start as usize..e.end as usize).unwrap_or("")
    }

    pub fn get(&self, ai: &str) -> Option<&str> {
        let slot = spec::lookup(ai)?.slot;
        self.elements.iter().find(|e| e.slot == slot).map(|e| self.value(e))
    }

    /// AIs and values in the order they came.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.elements.iter().map(|e| (spec::by_slot(e.slot).ai, self.value(e)))
    }

    pub fn len(&self) -> usize {
        self.elements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The bracketed form, e.g. `(01)09520123456788(21)SN1`.
    pub fn hri(&self) -> String {
        let mut s = String::with_capacity(self.data.len() + 6 * self.elements.len());
        for (ai, v) in self.iter() {
            s.push('(');
            s.push_str(ai);
            s.push(')');
            for (i, part) in v.split('(').enumerate() {
                if i > 0 {
                    s.push_str("\\(");
                }
                s.push_str(part);
            }
        }
        s
    }

    /// One JSON line: `{"ok":true,"symbology":…,"ais":{…},"warnings":[…]}`, AIs in order.
    pub fn to_json(&self) -> String {
        let mut s = String::with_capacity(64 + 2 * self.data.len() + 8 * self.elements.len());
        self.write_json(&mut s);
        s
    }

    /// Appends `to_json`'s line to `out` without building anything in between.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"ok\":true,\"symbology\":");
        match self.symbology {
            Some(s) => json::string(out, s),
            None => out.push_str("null"),
        }
        out.push_str(",\"ais\":{");
        for (i, (ai, v)) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::string(out, ai);
            out.push(':');
            json::string(out, v);
        }
        out.push_str("},\"warnings\":[");
        for (i, w) in self.warnings.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::string(out, w);
        }
        out.push_str("]}");
    }
}

impl fmt::Debug for Decoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoded")
            .field("symbology", &self.symbology)
            .field("ais", &self.iter().collect::<Vec<_>>())
            .field("warnings", &self.warnings)
            .finish()
    }
}

impl DecodeError {
    pub fn to_json(&self) -> String {
        let mut s = String::with_capacity(48 + self.message.len());
        self.write_json(&mut s);
        s
    }

    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"ok\":false,\"error\":");
        json::string(out, self.kind.name());
        out.push_str(",\"message\":");
        json::string(out, &self.message);
        out.push('}');
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

/// What a symbology identifier says the data are.
enum Carrier {
    /// GS1 element strings: GS1 DataMatrix, GS1-128, GS1 DataBar, GS1 QR, GS1 DotCode.
    Gs1,
    /// Plain data (a Digital Link URI may be inside): Data Matrix, QR Code, DotCode.
    Plain,
    /// An EAN/UPC with this many digits.
    Ean(usize),
}

fn carrier(id: &[u8; 3]) -> Option<(&'static str, Carrier)> {
    Some(match id {
        b"]d2" => ("]d2", Carrier::Gs1),
        b"]C1" => ("]C1", Carrier::Gs1),
        b"]e0" => ("]e0", Carrier::Gs1),
        b"]Q3" => ("]Q3", Carrier::Gs1),
        b"]J1" => ("]J1", Carrier::Gs1),
        b"]d1" => ("]d1", Carrier::Plain),
        b"]Q1" => ("]Q1", Carrier::Plain),
        b"]J0" => ("]J0", Carrier::Plain),
        b"]E0" => ("]E0", Carrier::Ean(13)),
        b"]E4" => ("]E4", Carrier::Ean(8)),
        _ => return None,
    })
}

/// `n` with thousands separators, as an operator reads it.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut s = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            s.push(',');
        }
        s.push(c);
    }
    s
}

impl DecodeError {
    /// A scan of `chars` characters, more than the `limit` any GS1 code of its form can have.
    pub fn scan_too_long(chars: usize, limit: usize) -> Self {
        DecodeError {
            kind: ErrorKind::ScanTooLong,
            message: format!(
                "the scan holds {} characters, more than any GS1 code can ({}): several codes were read as one or text was pasted; scan one pack at a time",
                grouped(chars),
                grouped(limit)
            ),
        }
    }
}

fn too_long(input: &str, limit: usize) -> DecodeError {
    DecodeError::scan_too_long(input.chars().count(), limit)
}

pub fn decode(input: &str, opts: &Options) -> Result<Decoded, DecodeError> {
    // Refused before anything else looks at it, so a huge paste costs nothing.
    if input.len() > MAX_BRACKETED_CHARS {
        return Err(too_long(input, MAX_BRACKETED_CHARS));
    }
    let text = if opts.strip_whitespace { input.trim() } else { input };
    let replaced;
    let text = match opts.separator {
        Some(sep) if text.contains(sep) => {
            replaced = text.replace(sep, "\u{1d}");
            replaced.as_str()
        }
        _ => text,
    };
    let mode = match opts.mode {
        Mode::Auto if text.starts_with(']') => Mode::Scan,
        Mode::Auto if text.starts_with('(') => Mode::Hri,
        Mode::Auto if dl::is_uri(text) => Mode::Dl,
        Mode::Auto => Mode::Bare,
        m => m,
    };
    if mode != Mode::Hri && text.len() > MAX_SCAN_CHARS {
        return Err(too_long(text, MAX_SCAN_CHARS));
    }
    let mut cx = Ctx::new(opts);
    match mode {
        Mode::Scan => cx.scan(text)?,
        Mode::Bare => {
            if text.is_empty() {
                return fail(ErrorKind::EmptyData, "nothing was read: scan again");
            }
            cx.element_string(text, false)?
        }
        Mode::Hri => cx.hri(text)?,
        Mode::Dl => cx.dl(text)?,
        Mode::Auto => return fail(ErrorKind::EmptyData, "no input form could be chosen"),
    }
    cx.associations()?;
    Ok(cx.out)
}

const WORDS: usize = spec::AI_COUNT.div_ceil(64);

/// One decode's state: the result being built and which AIs it already holds.
struct Ctx<'o> {
    opts: &'o Options,
    policy: lint::Policy,
    out: Decoded,
    seen: [u64; WORDS],
}

/// The character at byte `i` of `b`, quoted for a message (control characters escaped).
fn shown(b: &[u8], i: usize) -> String {
    let rest = String::from_utf8_lossy(&b[i.min(b.len())..]);
    match rest.chars().next() {
        Some(c) if c.is_control() || c == ' ' => format!("{c:?}"),
        Some(c) => format!("'{c}'"),
        None => "nothing".into(),
    }
}

fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// Applies the AI's components to its value: lengths, characters, then content checks.
fn check_value(def: &AiDef, value: &[u8], policy: &lint::Policy) -> Result<(), DecodeError> {
    let ai = def.ai;
    let mut pos = 0;
    for c in def.components {
        let remaining = value.len() - pos;
        if remaining == 0 && c.optional {
            break;
        }
        let take = if c.min == c.max { usize::from(c.min) } else { remaining.min(usize::from(c.max)) };
        if remaining < take || take < usize::from(c.min) || take == 0 {
            return fail(
                ErrorKind::ValueTooShort,
                format!("({ai}) \"{}\" is too short: it needs {} characters", lossy(value), def.min_len),
            );
        }
        let seg = &value[pos..pos + take];
        if let Some(bad) = c.cset.first_outside(seg) {
            return fail(
                ErrorKind::InvalidCharacter,
                format!("({ai}) holds {}, which it may not: {} only", shown(seg, bad), c.cset.describe()),
            );
        }
        for l in c.linters {
            if let Err((kind, msg)) = lint::run(*l, seg, policy) {
                return fail(kind, format!("({ai}) {msg}"));
            }
        }
        pos += take;
    }
    if pos < value.len() {
        return fail(
            ErrorKind::ValueTooLong,
            format!("({ai}) \"{}\" is too long: at most {} characters", lossy(value), def.max_len),
        );
    }
    Ok(())
}

impl<'o> Ctx<'o> {
    fn new(opts: &'o Options) -> Self {
        Ctx {
            opts,
            policy: lint::Policy { this_year: opts.this_year, hhmm_9999_means_no_time: opts.hhmm_9999_means_no_time },
            out: Decoded { data: String::with_capacity(64), elements: Vec::with_capacity(8), ..Decoded::default() },
            seen: [0; WORDS],
        }
    }

    fn has(&self, slot: u16) -> bool {
        self.seen[usize::from(slot) / 64] >> (slot % 64) & 1 == 1
    }

    /// Checks the value that `out.data` holds from `start` on and keeps it as `def`'s, unless
    /// the AI is already there with the same value (then it is dropped again).
    fn commit(&mut self, def: &'static AiDef, start: usize, warn_lost_separator: bool) -> Result<(), DecodeError> {
        let value = &self.out.data.as_bytes()[start..];
        if value.is_empty() {
            return fail(ErrorKind::EmptyValue, format!("({}) has no value", def.ai));
        }
        check_value(def, value, &self.policy)?;
        if warn_lost_separator && def.variable() {
            if let Some(w) = self.lost_separator(def, value) {
                self.out.warnings.push(w);
            }
        }
        if self.has(def.slot) {
            let earlier = self.out.elements.iter().find(|e| e.slot == def.slot).map_or("", |e| self.out.value(e));
            if earlier.as_bytes() == &self.out.data.as_bytes()[start..] {
                self.out.data.truncate(start);
                return Ok(());
            }
            return fail(
                ErrorKind::RepeatedAiMismatch,
                format!(
                    "({}) appears twice with different values ({earlier} and {}): the code is damaged or two codes were read as one",
                    def.ai,
                    &self.out.data[start..]
                ),
            );
        }
        self.seen[usize::from(def.slot) / 64] |= 1 << (def.slot % 64);
        self.out.elements.push(Element { slot: def.slot, start: start as u32, end: self.out.data.len() as u32 });
        Ok(())
    }

    fn scan(&mut self, text: &str) -> Result<(), DecodeError> {
        if text.is_empty() {
            return fail(ErrorKind::EmptyData, "nothing was read: scan again");
        }
        if !text.starts_with(']') {
            return fail(
                ErrorKind::MissingSymbologyId,
                "the scan has no symbology identifier (]d2, ]C1, …): turn on the AIM identifier in the scanner, or use another mode",
            );
        }
        let id = match text.as_bytes() {
            [a, b, c, ..] if b.is_ascii_alphabetic() && c.is_ascii_digit() => [*a, *b, *c],
            _ => {
                let shown: String = text.chars().take(3).collect();
                return fail(
                    ErrorKind::UnknownSymbologyId,
                    format!("\"{shown}\" is not a symbology identifier the station knows"),
                );
            }
        };
        let (sym, data) = text.split_at(3);
        let Some((sym, carrier)) = carrier(&id) else {
            return fail(ErrorKind::NotGs1, format!("{sym} codes carry no GS1 data: scan the pack's GS1 DataMatrix"));
        };
        self.out.symbology = Some(sym);
        if data.is_empty() {
            return fail(ErrorKind::EmptyData, "the code holds no data: scan again");
        }
        let want = match carrier {
            Carrier::Gs1 => return self.element_string(data, true),
            Carrier::Plain if dl::is_uri(data) => return self.dl(data),
            Carrier::Plain => {
                return fail(
                    ErrorKind::NotGs1,
                    "this code holds plain data, not GS1 data: scan the pack's GS1 DataMatrix",
                )
            }
            Carrier::Ean(digits) => digits,
        };
        if data.len() != want || !data.bytes().all(|b| b.is_ascii_digit()) {
            return fail(
                ErrorKind::InvalidLength,
                format!(
                    "an {} code has {want} digits, this one {}",
                    if want == 13 { "EAN-13" } else { "EAN-8" },
                    data.chars().count()
                ),
            );
        }
        let def = spec::lookup("01").ok_or(DecodeError { kind: ErrorKind::UnknownAi, message: "no AI 01".into() })?;
        let start = self.out.data.len();
        (want..14).for_each(|_| self.out.data.push('0'));
        self.out.data.push_str(data);
        self.commit(def, start, false)
    }

    /// AI element strings with GS separators. `after_symbology`: the data follow an AIM
    /// identifier, which stands for the code's leading FNC1; without one, a leading GS does.
    fn element_string(&mut self, data: &str, after_symbology: bool) -> Result<(), DecodeError> {
        let b = data.as_bytes();
        if b.contains(&b'^') {
            return fail(
                ErrorKind::IllegalSeparatorChar,
                "the data holds ^, which scanners send in place of the separator: set the separator in [scanner] (or --separator ^)",
            );
        }
        let mut i = 0;
        if b.first() == Some(&GS_BYTE) {
            if after_symbology {
                // GS1 General Specifications: FNC1 in first position is the identifier itself;
                // a separator right after it would be a second FNC1 before any AI.
                return fail(
                    ErrorKind::EmptyElement,
                    "the code has a separator right after its symbology identifier, before any AI: the printed code is faulty or the scanner adds a GS; scan again or check [scanner]",
                );
            }
            i = 1;
        }
        while i < b.len() {
            if b[i] == GS_BYTE {
                return fail(ErrorKind::EmptyElement, "two separators in a row: the code is damaged, scan again");
            }
            let (alen, def) = match spec::lookup_prefix(&b[i..]) {
                Ok(found) => found,
                Err(NoAi::Invalid) if b.len() - i >= 2 && b[i..i + 2].iter().all(u8::is_ascii_digit) => {
                    return fail(
                        ErrorKind::InvalidAi,
                        format!("the AI at \"{}\" is incomplete", lossy(&b[i..(i + 8).min(b.len())])),
                    );
                }
                Err(NoAi::Invalid) => {
                    return fail(
                        ErrorKind::InvalidAi,
                        format!("expected an AI (digits) at \"{}\"", lossy(&b[i..(i + 8).min(b.len())])),
                    );
                }
                Err(NoAi::Unknown) => {
                    let shown = lossy(&b[i..(i + 4).min(b.len())]);
                    return fail(
                        ErrorKind::UnknownAi,
                        format!("no GS1 AI starts \"{shown}\": the code is damaged or not GS1"),
                    );
                }
            };
            i += alen;
            let rest = &b[i..];
            // A pre-defined length ends the value there (a GS inside it cuts it short); any
            // other value runs to the next GS. Either way only the value's bytes are read.
            let end = match def.fixed_len().filter(|_| def.fixed) {
                Some(n) => rest[..n.min(rest.len())].iter().position(|&c| c == GS_BYTE).unwrap_or(n.min(rest.len())),
                None => rest.iter().position(|&c| c == GS_BYTE).unwrap_or(rest.len()),
            };
            let Some(value) = data.get(i..i + end) else {
                return fail(
                    ErrorKind::InvalidCharacter,
                    format!("({}) holds {}, which it may not: the scan is garbled", def.ai, shown(rest, end)),
                );
            };
            let start = self.out.data.len();
            self.out.data.push_str(value);
            self.commit(def, start, true)?;
            i += end;
            // The separator after a value: required after a variable length, tolerated after a
            // pre-defined one, and at the very end.
            if b.get(i) == Some(&GS_BYTE) {
                i += 1;
            }
        }
        if self.out.elements.is_empty() {
            return fail(ErrorKind::EmptyData, "the code holds no AI");
        }
        Ok(())
    }

    fn hri(&mut self, text: &str) -> Result<(), DecodeError> {
        let b = text.as_bytes();
        if b.is_empty() {
            return fail(ErrorKind::EmptyData, "nothing was typed");
        }
        let mut i = 0;
        while i < b.len() {
            if b[i] != b'(' {
                return fail(
                    ErrorKind::InvalidAi,
                    "write each AI in brackets, e.g. (01)09520123456788(17)250600(10)ABC(21)SN1",
                );
            }
            let Some(close) = b[i + 1..].iter().position(|c| *c == b')').map(|p| i + 1 + p) else {
                return fail(ErrorKind::InvalidAi, "an AI's bracket is not closed");
            };
            let ai = &b[i + 1..close];
            let plausible = (2..=4).contains(&ai.len())
                && ai.iter().all(u8::is_ascii_digit)
                && spec::ai_length((ai[0] - b'0') * 10 + (ai[1] - b'0')).is_none_or(|n| n == ai.len());
            if !plausible {
                return fail(
                    ErrorKind::InvalidAi,
                    format!("({}) is not a valid AI: AIs have 2 to 4 digits", lossy(ai)),
                );
            }
            let def = match spec::lookup_prefix(ai) {
                Ok((len, def)) if len == ai.len() => def,
                _ => return fail(ErrorKind::UnknownAi, format!("({}) is not a GS1 AI", lossy(ai))),
            };
            // The value runs to the next bracket that is not escaped as `\(`.
            let start = self.out.data.len();
            let mut seg = close + 1;
            let mut j = seg;
            let end = loop {
                match b[j..].iter().position(|c| *c == b'(') {
                    Some(p) if j + p > seg && b[j + p - 1] == b'\\' => {
                        self.out.data.push_str(&text[seg..j + p - 1]);
                        seg = j + p;
                        j = j + p + 1;
                    }
                    Some(p) => break j + p,
                    None => break b.len(),
                }
            };
            self.out.data.push_str(&text[seg..end]);
            self.commit(def, start, false)?;
            i = end;
        }
        Ok(())
    }

    /// A variable-length value that ends in what reads as a whole fixed-length AI probably
    /// swallowed it because the separator was lost. Only the few lengths such an AI can have
    /// are tried, longest first, so the check costs the same whatever the value's length.
    fn lost_separator(&self, def: &AiDef, value: &[u8]) -> Option<String> {
        for &total in spec::fixed_totals() {
            let total = usize::from(total);
            if total >= value.len() {
                continue;
            }
            let rest = &value[value.len() - total..];
            let Ok((alen, d)) = spec::lookup_prefix(rest) else { continue };
            if !d.fixed || d.fixed_len() != Some(total - alen) {
                continue;
            }
            let tail = &rest[alen..];
            if check_value(d, tail, &self.policy).is_ok() {
                return Some(format!(
                    "({}) \"{}\" ends in what reads as ({}) {}: if the pack has that AI, the separator was lost — check [scanner] separator",
                    def.ai,
                    lossy(value),
                    d.ai,
                    lossy(tail)
                ));
            }
        }
        None
    }

    /// Mutually exclusive AIs always; requisite AIs when the policy asks. Each AI's patterns
    /// are table slots, so this is a few bit tests per AI.
    fn associations(&self) -> Result<(), DecodeError> {
        for e in &self.out.elements {
            let def = spec::by_slot(e.slot);
            if let Some(&other) = def.ex.iter().find(|s| self.has(**s)) {
                return fail(
                    ErrorKind::MutuallyExclusiveAis,
                    format!("({}) and ({}) may not appear together", def.ai, spec::by_slot(other).ai),
                );
            }
            if self.opts.requisites {
                for req in def.req {
                    let satisfied =
                        req.alternatives.iter().any(|alt| alt.iter().all(|g| g.iter().any(|s| self.has(*s))));
                    if !satisfied {
                        return fail(
                            ErrorKind::MissingRequisiteAi,
                            format!(
                                "({}) needs ({}) as well",
                                def.ai,
                                req.text.replace(',', ") or (").replace('+', ") with (")
                            ),
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Options {
        Options { this_year: 2026, ..Options::default() }
    }

    #[test]
    fn the_index_finds_every_ai_and_nothing_else() {
        for def in table::AIS.iter() {
            assert_eq!(spec::lookup(def.ai).map(|d| d.ai), Some(def.ai));
            assert_eq!(spec::by_slot(def.slot).ai, def.ai);
        }
        for ai in ["26", "0", "017", "3106", "99999", "ab", "4", "2350"] {
            assert!(spec::lookup(ai).is_none(), "{ai}");
        }
        assert_eq!(spec::lookup_prefix(b"3103000195").map(|(n, d)| (n, d.ai)), Ok((4, "3103")));
        assert_eq!(spec::lookup_prefix(b"31").err(), Some(NoAi::Invalid));
        assert_eq!(spec::lookup_prefix(b"26").err(), Some(NoAi::Unknown));
    }

    #[test]
    fn values_are_kept_in_order_once() {
        let d = decode("]d20109520123456788\u{1d}10A\u{1d}0109520123456788", &opts()).unwrap();
        assert_eq!(d.iter().collect::<Vec<_>>(), [("01", "09520123456788"), ("10", "A")]);
        assert_eq!(d.get("10"), Some("A"));
        assert_eq!(d.get("21"), None);
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn json_is_escaped_like_serde_json() {
        let d = decode("(10)A\"B(99)x\\y", &opts());
        assert!(d.is_err(), "backslash is outside set 82");
        let d = decode("(10)A\"B", &opts()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
        assert_eq!(v["ais"]["10"], "A\"B");
        let e = DecodeError { kind: ErrorKind::InvalidValue, message: "tab\there \u{1}é".into() };
        let line = e.to_json();
        assert!(line.starts_with("{\"ok\":false,\"error\":\"invalid_value\",\"message\":"), "{line}");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["message"], "tab\there \u{1}é");
    }

    #[test]
    fn grouped_numbers() {
        assert_eq!(grouped(7), "7");
        assert_eq!(grouped(7092), "7,092");
        assert_eq!(grouped(800000), "800,000");
        assert_eq!(grouped(1600000), "1,600,000");
    }
}
