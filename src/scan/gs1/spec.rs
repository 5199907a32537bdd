//! The shape of one AI as the GS1 Barcode Syntax Dictionary describes it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cset {
    /// Digits.
    Numeric,
    /// GS1 character set 82.
    Cset82,
    /// GS1 character set 39.
    Cset39,
    /// base64url.
    Base64Url,
}

impl Cset {
    pub fn allows(self, c: char) -> bool {
        match self {
            Cset::Numeric => c.is_ascii_digit(),
            Cset::Cset82 => c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c),
            Cset::Cset39 => c.is_ascii_digit() || c.is_ascii_uppercase() || "#-/".contains(c),
            Cset::Base64Url => c.is_ascii_alphanumeric() || "-_=".contains(c),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Cset::Numeric => "digits only",
            Cset::Cset82 => "letters, digits and GS1 punctuation",
            Cset::Cset39 => "capitals, digits, # - /",
            Cset::Base64Url => "base64url characters",
        }
    }
}

/// One part of an AI's value: its characters, length and content checks ("linters").
#[derive(Debug, Clone, Copy)]
pub struct Component {
    pub cset: Cset,
    pub min: u8,
    pub max: u8,
    pub optional: bool,
    pub linters: &'static [&'static str],
}

#[derive(Debug, Clone, Copy)]
pub struct AiDef {
    pub ai: &'static str,
    /// Pre-defined length: needs no separator after it.
    pub fixed: bool,
    /// Permitted as a GS1 Digital Link data attribute (query parameter).
    pub dl_attr: bool,
    pub components: &'static [Component],
    /// Each entry one `req=` attribute: alternatives separated by `,`, each a `+`-joined group.
    pub req: &'static [&'static str],
    /// AIs or patterns (`n` = any digit) this AI may not appear with.
    pub ex: &'static [&'static str],
    /// Digital Link primary key: `Some("")` without qualifiers, or qualifier sequences
    /// (`"22,10,21|235"`).
    pub dlpkey: Option<&'static str>,
    pub title: &'static str,
}

impl AiDef {
    pub fn max_len(&self) -> usize {
        self.components.iter().map(|c| c.max as usize).sum()
    }

    pub fn fixed_len(&self) -> Option<usize> {
        self.components.iter().all(|c| c.min == c.max && !c.optional).then(|| self.max_len())
    }

    /// The value's last component has a variable length (a separator must end it).
    pub fn variable(&self) -> bool {
        self.components.last().is_some_and(|c| c.min != c.max || c.optional)
    }
}

/// Looks up an AI.
pub fn lookup(ai: &str) -> Option<&'static AiDef> {
    let table = super::table::AIS;
    table.binary_search_by(|d| d.ai.cmp(ai)).ok().map(|i| &table[i])
}

/// How many digits an AI starting with these two digits has (GS1 General Specifications).
pub fn ai_length(first_two: &str) -> Option<usize> {
    let n: u8 = first_two.parse().ok()?;
    match n {
        0..=22 | 30 | 37 | 90..=99 => Some(2),
        23..=25 | 40..=42 | 71 => Some(3),
        31..=36 | 39 | 43 | 70 | 72 | 80..=82 => Some(4),
        _ => None,
    }
}

/// Whether `ai` matches an `ex=`/`req=` pattern such as `394n` or `35nn`.
pub fn matches(pattern: &str, ai: &str) -> bool {
    pattern.len() == ai.len()
        && pattern.chars().zip(ai.chars()).all(|(p, a)| p == a || (p == 'n' && a.is_ascii_digit()))
}
