//! Finding an AI by its digits in the table generated from the GS1 Barcode Syntax Dictionary
//! (`table.rs`). The lookup goes through an index by the AI's digits, so it never compares
//! strings.

pub use super::def::{AiDef, Component, Cset, Linter, Req};
use super::table;

/// How many digits an AI starting with these two digits has (GS1 General Specifications).
pub fn ai_length(first_two: u8) -> Option<usize> {
    match first_two {
        0..=22 | 30 | 37 | 90..=99 => Some(2),
        23..=25 | 40..=42 | 71 => Some(3),
        31..=36 | 39 | 43 | 70 | 72 | 80..=82 => Some(4),
        _ => None,
    }
}

/// Why no AI could be read where one should start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAi {
    /// The first two characters are not digits, or the AI is cut short.
    Invalid,
    /// Digits, but no AI of the dictionary.
    Unknown,
}

fn digit(b: u8) -> Option<usize> {
    b.is_ascii_digit().then(|| usize::from(b - b'0'))
}

/// The AI at the start of `data`: its length in digits and its definition.
pub fn lookup_prefix(data: &[u8]) -> Result<(usize, &'static AiDef), NoAi> {
    let (Some(&a), Some(&b)) = (data.first(), data.get(1)) else { return Err(NoAi::Invalid) };
    let (Some(a), Some(b)) = (digit(a), digit(b)) else { return Err(NoAi::Invalid) };
    let prefix = a * 10 + b;
    let Some(len) = ai_length(prefix as u8) else { return Err(NoAi::Unknown) };
    let mut rest = 0;
    for i in 2..len {
        match data.get(i).copied().and_then(digit) {
            Some(d) => rest = rest * 10 + d,
            None => return Err(NoAi::Invalid),
        }
    }
    let base = usize::from(table::PREFIX_BASE[prefix]);
    match table::SLOTS.get(base + rest).copied() {
        Some(slot) if slot > 0 => Ok((len, &table::AIS[usize::from(slot - 1)])),
        _ => Err(NoAi::Unknown),
    }
}

/// Looks up an AI written out in full (`"01"`, `"3103"`).
pub fn lookup(ai: &str) -> Option<&'static AiDef> {
    match lookup_prefix(ai.as_bytes()) {
        Ok((len, def)) if len == ai.len() => Some(def),
        _ => None,
    }
}

/// The AI in a table slot.
pub fn by_slot(slot: u16) -> &'static AiDef {
    &table::AIS[usize::from(slot)]
}

/// How many AIs the table holds (slots are below this).
pub const AI_COUNT: usize = table::AI_COUNT;

/// Total lengths (AI digits plus value) of the AIs that need no separator, longest first: the
/// only tails a lost separator can leave inside a variable-length value.
pub fn fixed_totals() -> &'static [u8] {
    table::FIXED_TOTALS
}
