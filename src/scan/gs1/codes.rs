//! The outside code lists some linters need (ISO 3166 countries, ISO 4217 currencies, package
//! and media types, the shortest GS1 Company Prefix), kept as plain data files in `data/`
//! beside the generated AI table and read once, on first use, into lookup sets.
//!
//! A line that does not parse is left out rather than stopping the station; the test
//! `gs1_code_lists` pins every list's count and digest, so such a line fails the build instead.

use std::sync::OnceLock;

pub const ISO3166: &str = include_str!("data/iso3166.txt");
pub const ISO4217: &str = include_str!("data/iso4217.txt");
pub const PACKAGE_TYPES: &str = include_str!("data/packagetype.txt");
pub const MEDIA_TYPES: &str = include_str!("data/mediatype.txt");
pub const GCP: &str = include_str!("data/gcp.txt");

/// A set of numbers below 1,000.
struct Set1000([u64; 16]);

impl Set1000 {
    fn new() -> Self {
        Set1000([0; 16])
    }
    fn insert(&mut self, n: usize) {
        if n < 1000 {
            self.0[n / 64] |= 1 << (n % 64);
        }
    }
    fn contains(&self, n: usize) -> bool {
        n < 1000 && self.0[n / 64] >> (n % 64) & 1 == 1
    }
    fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
}

struct Lists {
    countries: Set1000,
    /// Alpha-2 codes as `26 * first + second`.
    alpha2: Set1000,
    currencies: Set1000,
    media_types: Set1000,
    package_types: Vec<String>,
    gcp_min_length: usize,
}

/// The data lines of a list: comments and blank lines left out.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn number(s: &str) -> Option<usize> {
    (s.len() <= 3 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

fn alpha2_index(s: &[u8]) -> Option<usize> {
    match s {
        [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => Some(usize::from(a - b'A') * 26 + usize::from(b - b'A')),
        _ => None,
    }
}

fn load() -> Lists {
    let mut countries = Set1000::new();
    let mut alpha2 = Set1000::new();
    for line in lines(ISO3166) {
        let mut f = line.split_whitespace();
        if let (Some(num), Some(a2)) = (f.next().and_then(number), f.next().and_then(|a| alpha2_index(a.as_bytes()))) {
            countries.insert(num);
            alpha2.insert(a2);
        }
    }
    let mut currencies = Set1000::new();
    for n in lines(ISO4217).filter_map(|l| l.split_whitespace().next().and_then(number)) {
        currencies.insert(n);
    }
    let mut media_types = Set1000::new();
    for line in lines(MEDIA_TYPES) {
        let mut f = line.split_whitespace();
        if let (Some(lo), Some(hi)) = (f.next().and_then(number), f.next().and_then(number)) {
            (lo..=hi).for_each(|n| media_types.insert(n));
        }
    }
    let mut package_types: Vec<String> =
        lines(PACKAGE_TYPES).flat_map(str::split_whitespace).map(String::from).collect();
    package_types.sort();
    package_types.dedup();
    let gcp_min_length = lines(GCP)
        .find_map(|l| l.strip_prefix("min_length").and_then(|v| v.trim().parse().ok()))
        // The value the GS1 General Specifications give, should the file lose its line.
        .unwrap_or(4);
    Lists { countries, alpha2, currencies, media_types, package_types, gcp_min_length }
}

fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(load)
}

fn three_digits(v: &[u8]) -> Option<usize> {
    match v {
        [a, b, c] if v.iter().all(u8::is_ascii_digit) => {
            Some(usize::from(a - b'0') * 100 + usize::from(b - b'0') * 10 + usize::from(c - b'0'))
        }
        _ => None,
    }
}

/// An ISO 3166-1 numeric country code, e.g. `752`.
pub fn is_country(v: &[u8]) -> bool {
    three_digits(v).is_some_and(|n| lists().countries.contains(n))
}

/// An ISO 3166-1 alpha-2 country code, e.g. `SE`.
pub fn is_country_alpha2(v: &[u8]) -> bool {
    alpha2_index(v).is_some_and(|n| lists().alpha2.contains(n))
}

/// An ISO 4217 numeric currency code, e.g. `978`.
pub fn is_currency(v: &[u8]) -> bool {
    three_digits(v).is_some_and(|n| lists().currencies.contains(n))
}

/// A two-digit AIDC media type, e.g. `01`.
pub fn is_media_type(v: &[u8]) -> bool {
    match v {
        [a, b] if v.iter().all(u8::is_ascii_digit) => {
            lists().media_types.contains(usize::from(a - b'0') * 10 + usize::from(b - b'0'))
        }
        _ => false,
    }
}

/// A GS1 PackageTypeCode, e.g. `BX`.
pub fn is_package_type(v: &[u8]) -> bool {
    std::str::from_utf8(v).is_ok_and(|v| lists().package_types.binary_search_by(|p| p.as_str().cmp(v)).is_ok())
}

/// The fewest digits a GS1 Company Prefix has.
pub fn gcp_min_length() -> usize {
    lists().gcp_min_length
}

/// How many entries each list holds as the decoder read it: (list, count).
pub fn sizes() -> [(&'static str, usize); 6] {
    let l = lists();
    [
        ("iso3166 numeric", l.countries.len()),
        ("iso3166 alpha-2", l.alpha2.len()),
        ("iso4217", l.currencies.len()),
        ("packagetype", l.package_types.len()),
        ("mediatype", l.media_types.len()),
        ("gcp min_length", l.gcp_min_length),
    ]
}
