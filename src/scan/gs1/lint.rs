//! Content checks ("linters") the dictionary names for a component, each on one component's
//! bytes (already known to be in its character set, so ASCII). Each returns the error kind and
//! a message in the operator's words; nothing is allocated unless a check fails. The checks
//! that need outside code lists look them up in `codes.rs`.

use super::codes;
use super::spec::Linter;
use super::ErrorKind;
use crate::domain::date;
use std::borrow::Cow;

pub struct Policy {
    pub this_year: i32,
    /// AI 4324/4325's time "9999" means "no time".
    pub hhmm_9999_means_no_time: bool,
}

pub type Lint = Result<(), (ErrorKind, String)>;

fn bad(kind: ErrorKind, msg: impl Into<String>) -> Lint {
    Err((kind, msg.into()))
}

fn text(v: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(v)
}

fn digits(v: &[u8]) -> bool {
    v.iter().all(u8::is_ascii_digit)
}

/// The number two ASCII digits make.
fn two(v: &[u8]) -> u8 {
    (v[0] - b'0') * 10 + (v[1] - b'0')
}

pub fn run(linter: Linter, v: &[u8], p: &Policy) -> Lint {
    use ErrorKind::{BadDate, BadTime, InvalidValue};
    let one_of = |allowed: &[&[u8]], what: &str| -> Lint {
        if allowed.contains(&v) {
            Ok(())
        } else {
            bad(InvalidValue, format!("{} must be {what}", text(v)))
        }
    };
    match linter {
        Linter::Csum => csum(v),
        Linter::Csumalpha => csumalpha(v),
        Linter::Gcppos1 => gcp(v, 0),
        Linter::Gcppos2 => gcp(v, 1),
        Linter::Yymmd0 | Linter::Yymmdd => {
            let s = std::str::from_utf8(v).unwrap_or("");
            match date::parse_yymmdd(s, linter == Linter::Yymmd0, p.this_year) {
                Ok(_) => Ok(()),
                Err(e) => bad(BadDate, format!("{} is not a valid date: {e}", text(v))),
            }
        }
        Linter::Yyyymmdd => {
            let ok = v.len() == 8 && digits(v) && {
                let y = i32::from(two(&v[..2])) * 100 + i32::from(two(&v[2..4]));
                let (m, d) = (two(&v[4..6]), two(&v[6..]));
                (1..=12).contains(&m) && d >= 1 && d <= date::days_in_month(y, m)
            };
            if ok {
                Ok(())
            } else {
                bad(BadDate, format!("{} is not a valid date (YYYYMMDD)", text(v)))
            }
        }
        Linter::Hhmi => {
            if p.hhmm_9999_means_no_time && v == b"9999" {
                return Ok(());
            }
            if v.len() == 4 && digits(v) && two(&v[..2]) < 24 && two(&v[2..]) < 60 {
                Ok(())
            } else {
                bad(BadTime, format!("{} is not a valid time (HHMM)", text(v)))
            }
        }
        Linter::Hh | Linter::Mi | Linter::Ss => {
            let (limit, what) = match linter {
                Linter::Hh => (24, "hour"),
                Linter::Mi => (60, "minute"),
                _ => (60, "second"),
            };
            if v.len() == 2 && digits(v) && two(v) < limit {
                Ok(())
            } else {
                bad(BadTime, format!("{} is not a valid {what}", text(v)))
            }
        }
        Linter::Iban => iban(v),
        Linter::Zero => one_of(&[b"0"], "0"),
        Linter::Nonzero if v.iter().all(|b| *b == b'0') => bad(InvalidValue, format!("{} must not be zero", text(v))),
        Linter::Nozeroprefix if v.len() > 1 && v[0] == b'0' => {
            bad(InvalidValue, format!("{} must not start with 0", text(v)))
        }
        Linter::Yesno => one_of(&[b"0", b"1"], "0 or 1"),
        Linter::Hyphen => one_of(&[b"-"], "-"),
        Linter::Winding => one_of(&[b"0", b"1", b"9"], "0, 1 or 9"),
        Linter::Iso5218 => one_of(&[b"0", b"1", b"2", b"9"], "0, 1, 2 or 9"),
        Linter::Hasnondigit if digits(v) => bad(InvalidValue, format!("{} must hold a non-digit", text(v))),
        Linter::Pieceoftotal => pieceoftotal(v),
        Linter::Latitude | Linter::Longitude => {
            let (max, what) =
                if linter == Linter::Latitude { (1_800_000_000u64, "latitude") } else { (3_600_000_000, "longitude") };
            match std::str::from_utf8(v).ok().and_then(|s| s.parse::<u64>().ok()) {
                Some(n) if v.len() == 10 && n <= max => Ok(()),
                _ => bad(InvalidValue, format!("{} is not a valid {what}", text(v))),
            }
        }
        Linter::Pcenc => {
            let ok = v.iter().enumerate().all(|(i, c)| {
                *c != b'%'
                    || (v.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                        && v.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            });
            if ok {
                Ok(())
            } else {
                bad(InvalidValue, format!("{} has a % not followed by two hex digits", text(v)))
            }
        }
        Linter::Iso3166 if !codes::is_country(v) => {
            bad(InvalidValue, format!("{} is not an ISO 3166 country code", text(v)))
        }
        Linter::Iso3166999 if v != b"999" && !codes::is_country(v) => {
            bad(InvalidValue, format!("{} is neither an ISO 3166 country code nor 999", text(v)))
        }
        Linter::Iso3166alpha2 if !codes::is_country_alpha2(v) => {
            bad(InvalidValue, format!("{} is not an ISO 3166 two-letter country code", text(v)))
        }
        Linter::Iso4217 if !codes::is_currency(v) => {
            bad(InvalidValue, format!("{} is not an ISO 4217 currency code", text(v)))
        }
        Linter::Mediatype if !codes::is_media_type(v) => {
            bad(InvalidValue, format!("{} is not an AIDC media type (01-10, 80-99)", text(v)))
        }
        Linter::Packagetype if !codes::is_package_type(v) => {
            bad(InvalidValue, format!("{} is not a GS1 package type code", text(v)))
        }
        Linter::Importeridx if !(v.len() == 1 && (v[0].is_ascii_alphanumeric() || v[0] == b'-' || v[0] == b'_')) => {
            bad(InvalidValue, format!("{} is not an importer index (one letter, digit, - or _)", text(v)))
        }
        Linter::Posinseqslash => posinseqslash(v),
        Linter::Couponcode => coupon(v, p.this_year)
            .map_err(|why| (InvalidValue, format!("{} is not a valid North American coupon code: {why}", text(v)))),
        Linter::Couponposoffer => positive_offer(v).map_err(|why| {
            (InvalidValue, format!("{} is not a valid positive offer file coupon code: {why}", text(v)))
        }),
        // The guarded arms above fell through: the value passed.
        Linter::Nonzero
        | Linter::Nozeroprefix
        | Linter::Hasnondigit
        | Linter::Iso3166
        | Linter::Iso3166999
        | Linter::Iso3166alpha2
        | Linter::Iso4217
        | Linter::Mediatype
        | Linter::Packagetype
        | Linter::Importeridx => Ok(()),
    }
}

/// The GS1 mod-10 check digit (GTIN, SSCC, GLN, …) in the last position.
fn csum(v: &[u8]) -> Lint {
    let Some((&last, body)) = v.split_last().filter(|_| digits(v)) else {
        return bad(ErrorKind::BadCheckDigit, format!("{} has no check digit", text(v)));
    };
    let sum: u32 =
        body.iter().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    let want = ((10 - sum % 10) % 10) as u8;
    if last - b'0' == want {
        Ok(())
    } else {
        bad(
            ErrorKind::BadCheckDigit,
            format!("check digit of {} should be {want}: a digit is misread or mistyped", text(v)),
        )
    }
}

/// The GS1 alphanumeric check character pair (GS1 General Specifications, "Check character
/// calculation for alphanumeric keys"): data characters weighted by primes from the right,
/// sum modulo 1021 split into two characters of CSET 32.
fn csumalpha(v: &[u8]) -> Lint {
    const CSET82_ORDER: &[u8] = b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    const CSET32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    const PRIMES: [u32; 97] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107,
        109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229,
        233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359,
        367, 373, 379, 383, 389, 397, 401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491,
        499, 503, 509,
    ];
    if v.len() < 2 || v.len() - 2 > PRIMES.len() {
        return bad(ErrorKind::InvalidValue, format!("{} is too short to end in its two check characters", text(v)));
    }
    let (data, pair) = v.split_at(v.len() - 2);
    let mut sum = 0u32;
    for (i, c) in data.iter().enumerate() {
        let Some(weight) = CSET82_ORDER.iter().position(|x| x == c) else {
            return bad(ErrorKind::InvalidValue, format!("{} holds a character outside GS1 set 82", text(v)));
        };
        sum += weight as u32 * PRIMES[data.len() - 1 - i];
    }
    let sum = (sum % 1021) as usize;
    let want = [CSET32[sum >> 5], CSET32[sum & 31]];
    if pair == want {
        Ok(())
    } else {
        bad(
            ErrorKind::BadCheckDigit,
            format!("check characters of {} should be {}: a character is misread or mistyped", text(v), text(&want)),
        )
    }
}

/// A GS1 Company Prefix starts at `start`: at least the shortest GCP's worth of digits there.
fn gcp(v: &[u8], start: usize) -> Lint {
    let min = codes::gcp_min_length();
    let after = if start == 0 { "" } else { " after its first digit" };
    match v.get(start..start + min) {
        None => bad(
            ErrorKind::InvalidValue,
            format!("{} is too short to hold a GS1 Company Prefix (at least {min} digits{after})", text(v)),
        ),
        Some(prefix) if !digits(prefix) => bad(
            ErrorKind::InvalidValue,
            format!("{} does not start with a GS1 Company Prefix ({min} digits or more{after})", text(v)),
        ),
        Some(_) => Ok(()),
    }
}

/// ISO 13616 IBAN: a country, two check digits, mod 97 == 1.
fn iban(v: &[u8]) -> Lint {
    let well_formed = v.len() > 10
        && codes::is_country_alpha2(&v[..2])
        && v[2..].iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && {
            let mut rem: u32 = 0;
            for c in v[4..].iter().chain(&v[..4]) {
                let n = if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') + 10 };
                rem = if n >= 10 { (rem * 100 + n) % 97 } else { (rem * 10 + n) % 97 };
            }
            rem == 1
        };
    if well_formed {
        Ok(())
    } else {
        bad(ErrorKind::InvalidValue, format!("{} is not a valid IBAN", text(v)))
    }
}

/// `PPTT`: piece number and total of equal width, neither zero, the piece not above the total.
fn pieceoftotal(v: &[u8]) -> Lint {
    let half = v.len() / 2;
    let (piece, total) = v.split_at(half);
    let ok = !v.is_empty()
        && v.len() % 2 == 0
        && digits(v)
        && piece.iter().any(|b| *b != b'0')
        && total.iter().any(|b| *b != b'0')
        && piece <= total;
    if ok {
        Ok(())
    } else {
        bad(ErrorKind::InvalidValue, format!("{}: the piece number must be between 1 and the total", text(v)))
    }
}

/// `<position>/<last>`: both numbers without a leading zero, the position not past the last.
fn posinseqslash(v: &[u8]) -> Lint {
    let ok = v.iter().position(|b| *b == b'/').is_some_and(|slash| {
        let (pos, end) = (&v[..slash], &v[slash + 1..]);
        let number = |n: &[u8]| !n.is_empty() && digits(n) && n[0] != b'0';
        number(pos) && number(end) && (pos.len(), pos) <= (end.len(), end)
    });
    if ok {
        Ok(())
    } else {
        bad(ErrorKind::InvalidValue, format!("{} is not a position in a sequence such as 1/3", text(v)))
    }
}

/// Reads fields off the front of a coupon code, saying which one is missing or wrong.
struct Fields<'a> {
    v: &'a [u8],
    at: usize,
}

impl<'a> Fields<'a> {
    fn peek(&self) -> Option<u8> {
        self.v.get(self.at).copied()
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], &'static str> {
        let f = self.v.get(self.at..self.at + n).ok_or(what)?;
        self.at += n;
        Ok(f)
    }

    /// One digit, which must be among `allowed`.
    fn digit(&mut self, allowed: &[u8], what: &'static str) -> Result<u8, &'static str> {
        let d = self.take(1, what)?[0];
        if allowed.contains(&d) {
            Ok(d - b'0')
        } else {
            Err(what)
        }
    }

    /// A length digit among `allowed`, then that many digits plus `extra`.
    fn counted(&mut self, allowed: &[u8], extra: usize, what: &'static str) -> Result<&'a [u8], &'static str> {
        let n = self.digit(allowed, what)?;
        self.take(usize::from(n) + extra, what)
    }
}

/// North American coupon code (AI 8110): company prefix, offer code, save value, primary
/// purchase requirement, then optional fields 1, 2, 3, 4, 5, 6 and 9, each at most once and in
/// that order.
fn coupon(v: &[u8], this_year: i32) -> Result<(), &'static str> {
    const ZERO_TO_6: &[u8] = b"0123456";
    const ONE_TO_5: &[u8] = b"12345";
    const REQ_CODE: &[u8] = b"012349";
    if !digits(v) {
        return Err("it holds a non-digit");
    }
    let mut f = Fields { v, at: 0 };
    f.counted(ZERO_TO_6, 6, "the company prefix is missing, cut short or of a wrong length")?;
    f.take(6, "the offer code is cut short")?;
    f.counted(ONE_TO_5, 0, "the save value is missing or cut short")?;
    f.counted(ONE_TO_5, 0, "the purchase requirement is missing or cut short")?;
    f.digit(REQ_CODE, "the purchase requirement code is missing or wrong")?;
    f.take(3, "the purchase family code is cut short")?;
    let mut expiry: Option<&[u8]> = None;
    if f.peek() == Some(b'1') {
        f.at += 1;
        f.digit(b"0123", "the additional purchase rules code is missing or wrong")?;
        f.counted(ONE_TO_5, 0, "the second purchase requirement is missing or cut short")?;
        f.digit(REQ_CODE, "the second purchase requirement code is missing or wrong")?;
        f.take(3, "the second purchase family code is cut short")?;
        second_gcp(&mut f, "the second purchase company prefix is missing, cut short or of a wrong length")?;
    }
    if f.peek() == Some(b'2') {
        f.at += 1;
        f.counted(ONE_TO_5, 0, "the third purchase requirement is missing or cut short")?;
        f.digit(REQ_CODE, "the third purchase requirement code is missing or wrong")?;
        f.take(3, "the third purchase family code is cut short")?;
        second_gcp(&mut f, "the third purchase company prefix is missing, cut short or of a wrong length")?;
    }
    let date = |d: &[u8]| date::parse_yymmdd(std::str::from_utf8(d).unwrap_or(""), false, this_year).is_ok();
    if f.peek() == Some(b'3') {
        f.at += 1;
        let d = f.take(6, "the expiration date is cut short")?;
        if !date(d) {
            return Err("the expiration date is not a valid date");
        }
        expiry = Some(d);
    }
    if f.peek() == Some(b'4') {
        f.at += 1;
        let d = f.take(6, "the start date is cut short")?;
        if !date(d) {
            return Err("the start date is not a valid date");
        }
        if expiry.is_some_and(|e| d > e) {
            return Err("the expiration date is before the start date");
        }
    }
    if f.peek() == Some(b'5') {
        f.at += 1;
        f.counted(b"0123456789", 6, "the serial number is missing or cut short")?;
    }
    if f.peek() == Some(b'6') {
        f.at += 1;
        f.counted(b"1234567", 6, "the retailer company prefix or GLN is missing, cut short or of a wrong length")?;
    }
    if f.peek() == Some(b'9') {
        f.at += 1;
        f.digit(b"01256", "the save value code is missing or wrong")?;
        f.digit(b"012", "the save value applies-to-item code is missing or wrong")?;
        f.take(1, "the store coupon flag is missing")?;
        f.digit(b"01", "the don't-multiply flag is missing or wrong")?;
    }
    if f.at != v.len() {
        return Err("it holds more than its fields");
    }
    Ok(())
}

/// The company prefix of a second or third purchase: length digit 0-6 (prefix of 6-12
/// digits) or 9 (no prefix).
fn second_gcp(f: &mut Fields<'_>, what: &'static str) -> Result<(), &'static str> {
    match f.digit(b"01234569", what)? {
        9 => Ok(()),
        n => f.take(usize::from(n) + 6, what).map(|_| ()),
    }
}

/// Positive offer file coupon code (AI 8112): format 0 or 1, funder ID, offer code, serial.
fn positive_offer(v: &[u8]) -> Result<(), &'static str> {
    if !digits(v) {
        return Err("it holds a non-digit");
    }
    let mut f = Fields { v, at: 0 };
    f.digit(b"01", "the format code is missing or not 0 or 1")?;
    f.counted(b"0123456", 6, "the funder ID is missing, cut short or of a wrong length")?;
    f.take(6, "the offer code is cut short")?;
    f.counted(b"0123456789", 6, "the serial number is missing or cut short")?;
    if f.at != v.len() {
        return Err("it holds more than its fields");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Policy {
        Policy { this_year: 2026, hhmm_9999_means_no_time: false }
    }

    fn kind(l: Linter, v: &str) -> Option<ErrorKind> {
        run(l, v.as_bytes(), &p()).err().map(|e| e.0)
    }

    #[test]
    fn every_linter_accepts_good_and_refuses_bad_values() {
        use ErrorKind::*;
        // (linter, good, bad, kind of the refusal)
        let cases: &[(Linter, &str, &str, ErrorKind)] = &[
            (Linter::Csum, "09520123456788", "09520123456787", BadCheckDigit),
            (Linter::Csumalpha, "1987654Ad4X4bL5ttr2310c2K", "1987654Ad4X4bL5ttr2310cXK", BadCheckDigit),
            (Linter::Gcppos1, "9520", "952", InvalidValue),
            (Linter::Gcppos2, "09520", "0952", InvalidValue),
            (Linter::Yymmd0, "291200", "291300", BadDate),
            (Linter::Yymmdd, "290228", "290229", BadDate),
            (Linter::Yyyymmdd, "20240229", "20230229", BadDate),
            (Linter::Hhmi, "2359", "2400", BadTime),
            (Linter::Hh, "23", "24", BadTime),
            (Linter::Mi, "59", "60", BadTime),
            (Linter::Ss, "00", "61", BadTime),
            (Linter::Iban, "GB82WEST12345698765432", "GB82WEST12345698765431", InvalidValue),
            (Linter::Zero, "0", "1", InvalidValue),
            (Linter::Nonzero, "0001", "0000", InvalidValue),
            (Linter::Nozeroprefix, "10", "01", InvalidValue),
            (Linter::Yesno, "1", "2", InvalidValue),
            (Linter::Hyphen, "-", "+", InvalidValue),
            (Linter::Winding, "9", "2", InvalidValue),
            (Linter::Iso5218, "2", "3", InvalidValue),
            (Linter::Iso3166, "752", "999", InvalidValue),
            (Linter::Iso3166999, "999", "998", InvalidValue),
            (Linter::Iso3166alpha2, "SE", "XX", InvalidValue),
            (Linter::Iso4217, "978", "191", InvalidValue),
            (Linter::Mediatype, "01", "11", InvalidValue),
            (Linter::Packagetype, "BX", "QQQ", InvalidValue),
            (Linter::Importeridx, "_", "!", InvalidValue),
            (Linter::Hasnondigit, "12A", "123", InvalidValue),
            (Linter::Pieceoftotal, "0204", "0502", InvalidValue),
            (Linter::Posinseqslash, "2/3", "3/2", InvalidValue),
            (Linter::Latitude, "1800000000", "1800000001", InvalidValue),
            (Linter::Longitude, "3600000000", "3600000001", InvalidValue),
            (Linter::Pcenc, "a%2Fb", "a%2", InvalidValue),
            (Linter::Couponcode, "012345612345611110123", "012345612345611110123999", InvalidValue),
            (Linter::Couponposoffer, "001234561234560123456", "201234561234560123456", InvalidValue),
        ];
        for (l, good, bad, k) in cases {
            assert_eq!(kind(*l, good), None, "{} refuses {good}", l.name());
            assert_eq!(kind(*l, bad), Some(*k), "{} accepts {bad}", l.name());
        }
        let tested: Vec<Linter> = cases.iter().map(|c| c.0).collect();
        for l in Linter::ALL {
            assert!(tested.contains(l), "{} has no case here", l.name());
        }
        // The policy switch for AI 4324/4325.
        assert!(run(Linter::Hhmi, b"9999", &p()).is_err());
        assert!(run(Linter::Hhmi, b"9999", &Policy { hhmm_9999_means_no_time: true, ..p() }).is_ok());
    }

    #[test]
    fn alphanumeric_check_pairs() {
        for good in ["12345678901234567890123NT", "12345_ABCDEFGHIJKLMCP", "12345_!\"%&'()*+,-./LC", "00000!HV", "22"] {
            assert_eq!(kind(Linter::Csumalpha, good), None, "{good}");
        }
        assert_eq!(kind(Linter::Csumalpha, "33"), Some(ErrorKind::BadCheckDigit));
        assert_eq!(kind(Linter::Csumalpha, "2"), Some(ErrorKind::InvalidValue));
    }

    #[test]
    fn coupon_fields() {
        // The smallest coupon, then each optional field in turn.
        let base = "012345612345611110123";
        for (extra, ok) in [
            ("", true),
            ("1" /* rules code missing */, false),
            ("1011234567", false),
            ("10110123" /* second purchase without its prefix length */, false),
            ("101101239", true),
            ("21101239", true),
            ("3291231", true),
            ("3291331", false),
            ("5012345", false),
            ("50123456", true),
            ("61123456789", false),
            ("611234567", true),
            ("90001", true),
            ("93001", false),
            ("4250101", true),
        ] {
            let v = format!("{base}{extra}");
            assert_eq!(kind(Linter::Couponcode, &v).is_none(), ok, "{v}");
        }
        assert!(kind(Linter::Couponcode, &format!("{base}32912314300101")).is_some(), "start after expiry");
        assert!(kind(Linter::Couponcode, &format!("{base}42501013")).is_some(), "fields out of order");
        assert!(kind(Linter::Couponposoffer, "0012345612345601234567").is_some(), "excess data");
        assert_eq!(kind(Linter::Couponposoffer, "061234567890121234569123456789012345"), None);
    }

    #[test]
    fn company_prefixes() {
        assert_eq!(kind(Linter::Gcppos1, "1234A"), None, "only the shortest prefix must be digits");
        assert_eq!(kind(Linter::Gcppos1, "123A"), Some(ErrorKind::InvalidValue));
        assert_eq!(kind(Linter::Gcppos1, "ABC"), Some(ErrorKind::InvalidValue));
        assert_eq!(kind(Linter::Gcppos2, "X1234"), None, "the first character is not part of it");
    }
}
