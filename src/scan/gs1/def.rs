//! The shape of one AI as the GS1 Barcode Syntax Dictionary describes it: its components,
//! character sets, content checks and requisites. The generated table (`table.rs`) is written in
//! these types, and `spec.rs` finds an AI in it; this module depends on neither.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cset {
    /// Digits. (The order is that of `TABLES`.)
    Numeric,
    /// GS1 character set 82.
    Cset82,
    /// GS1 character set 39.
    Cset39,
    /// base64url.
    Base64Url,
}

/// One bit per ASCII code: set when the character set holds that character.
const fn mask(chars: &[u8]) -> u128 {
    let mut m = 0u128;
    let mut i = 0;
    while i < chars.len() {
        m |= 1u128 << chars[i];
        i += 1;
    }
    m
}

const DIGITS: u128 = mask(b"0123456789");
const UPPER: u128 = mask(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ");
const LOWER: u128 = mask(b"abcdefghijklmnopqrstuvwxyz");
const CSET82: u128 = DIGITS | UPPER | LOWER | mask(b"!\"%&'()*+,-./:;<=>?_");
const CSET39: u128 = DIGITS | UPPER | mask(b"#-/");
const BASE64URL: u128 = DIGITS | UPPER | LOWER | mask(b"-_=");

/// One entry per byte value: whether the set holds it (a table look-up per byte is cheaper
/// than testing a 128-bit mask).
const fn table(mask: u128) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = mask >> b & 1 == 1;
        b += 1;
    }
    t
}

static TABLES: [[bool; 256]; 4] = [table(DIGITS), table(CSET82), table(CSET39), table(BASE64URL)];

impl Cset {
    fn table(self) -> &'static [bool; 256] {
        &TABLES[self as usize]
    }

    pub fn allows(self, b: u8) -> bool {
        self.table()[usize::from(b)]
    }

    /// The position of the first byte the set does not hold.
    pub fn first_outside(self, v: &[u8]) -> Option<usize> {
        let t = self.table();
        v.iter().position(|&b| !t[usize::from(b)])
    }

    pub fn describe(self) -> &'static str {
        match self {
            Cset::Numeric => "digits",
            Cset::Cset82 => "letters, digits and GS1 punctuation",
            Cset::Cset39 => "capitals, digits, # - /",
            Cset::Base64Url => "base64url characters",
        }
    }
}

macro_rules! linters {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// A content check ("linter") the dictionary names for a component. Every linter of the
        /// dictionary has a variant: the generated table names them, so one the code lacks
        /// does not compile, and `tests/tools/gs1_table.rs` says which.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Linter { $($variant),* }

        impl Linter {
            pub const ALL: &'static [Linter] = &[$(Linter::$variant),*];

            /// The name the dictionary uses.
            pub fn name(self) -> &'static str {
                match self { $(Linter::$variant => $name),* }
            }

            pub fn from_name(name: &str) -> Option<Linter> {
                match name { $($name => Some(Linter::$variant),)* _ => None }
            }
        }
    };
}

linters! {
    Couponcode = "couponcode",
    Couponposoffer = "couponposoffer",
    Csum = "csum",
    Csumalpha = "csumalpha",
    Gcppos1 = "gcppos1",
    Gcppos2 = "gcppos2",
    Hasnondigit = "hasnondigit",
    Hh = "hh",
    Hhmi = "hhmi",
    Hyphen = "hyphen",
    Iban = "iban",
    Importeridx = "importeridx",
    Iso3166 = "iso3166",
    Iso3166999 = "iso3166999",
    Iso3166alpha2 = "iso3166alpha2",
    Iso4217 = "iso4217",
    Iso5218 = "iso5218",
    Latitude = "latitude",
    Longitude = "longitude",
    Mediatype = "mediatype",
    Mi = "mi",
    Nonzero = "nonzero",
    Nozeroprefix = "nozeroprefix",
    Packagetype = "packagetype",
    Pcenc = "pcenc",
    Pieceoftotal = "pieceoftotal",
    Posinseqslash = "posinseqslash",
    Ss = "ss",
    Winding = "winding",
    Yesno = "yesno",
    Yymmd0 = "yymmd0",
    Yymmdd = "yymmdd",
    Yyyymmdd = "yyyymmdd",
    Zero = "zero",
}

/// One part of an AI's value: its characters, length and content checks.
#[derive(Debug, Clone, Copy)]
pub struct Component {
    pub cset: Cset,
    pub min: u8,
    pub max: u8,
    pub optional: bool,
    pub linters: &'static [Linter],
}

/// A requisite (`req=`) attribute: satisfied when every group of one alternative is present.
/// Each group lists the table slots that match its pattern (`35nn` matches many AIs).
#[derive(Debug, Clone, Copy)]
pub struct Req {
    /// As the dictionary writes it, e.g. `01,02,8006,8026`.
    pub text: &'static str,
    pub alternatives: &'static [&'static [&'static [u16]]],
}

#[derive(Debug, Clone, Copy)]
pub struct AiDef {
    pub ai: &'static str,
    /// Where this AI sits in the table (the index the slot lists and `by_slot` use).
    pub slot: u16,
    /// Pre-defined length: needs no separator after it.
    pub fixed: bool,
    /// Permitted as a GS1 Digital Link data attribute (query parameter).
    pub dl_attr: bool,
    pub components: &'static [Component],
    /// Sum of the mandatory components' minimum lengths.
    pub min_len: u8,
    pub max_len: u8,
    /// The length when every component has one length and none is optional, else 0.
    pub fixed_len: u8,
    pub req: &'static [Req],
    /// Slots of the AIs this one may not appear with (patterns expanded, itself left out).
    pub ex: &'static [u16],
    /// A GS1 Digital Link primary key.
    pub dl_key: bool,
    /// Its qualifiers in the path: alternative sequences of slots, e.g. `[[22, 10, 21], [235]]`.
    pub dl_qualifiers: &'static [&'static [u16]],
    pub title: &'static str,
}

impl AiDef {
    pub fn fixed_len(&self) -> Option<usize> {
        (self.fixed_len > 0).then_some(usize::from(self.fixed_len))
    }

    /// The value's last component has a variable length (a separator must end it).
    pub fn variable(&self) -> bool {
        self.components.last().is_some_and(|c| c.min != c.max || c.optional)
    }
}
