//! Content checks ("linters") named by the dictionary. Each returns the error kind and a
//! message in the operator's words. Linters that need outside code lists (ISO 3166 countries,
//! ISO 4217 currencies, GS1 company prefixes, coupon formats) check only the form here.

use super::ErrorKind;
use crate::domain::date;

pub struct Policy {
    pub this_year: i32,
    /// AI 4324/4325's time "9999" means "no time".
    pub hhmm_9999_means_no_time: bool,
}

type Lint = Result<(), (ErrorKind, String)>;

fn bad(kind: ErrorKind, msg: impl Into<String>) -> Lint {
    Err((kind, msg.into()))
}

pub fn run(name: &str, v: &str, p: &Policy) -> Lint {
    let digits = |v: &str| v.bytes().all(|b| b.is_ascii_digit());
    match name {
        "csum" => {
            let (body, last) = v.split_at(v.len().saturating_sub(1));
            match crate::domain::gtin::check_digit(body) {
                Some(d) if last == d.to_string() => Ok(()),
                Some(d) => bad(
                    ErrorKind::BadCheckDigit,
                    format!("check digit of {v} should be {d}: a digit is misread or mistyped"),
                ),
                None => bad(ErrorKind::BadCheckDigit, format!("{v} has no check digit")),
            }
        }
        "yymmd0" | "yymmdd" => match date::parse_yymmdd(v, name == "yymmd0", p.this_year) {
            Ok(_) => Ok(()),
            Err(e) => bad(ErrorKind::BadDate, format!("{v} is not a valid date: {e}")),
        },
        "yyyymmdd" => {
            let ok = v.len() == 8 && digits(v) && {
                let y: i32 = v[..4].parse().unwrap_or(0);
                let m: u8 = v[4..6].parse().unwrap_or(0);
                let d: u8 = v[6..].parse().unwrap_or(0);
                (1..=12).contains(&m) && d >= 1 && d <= date::days_in_month(y, m)
            };
            if ok {
                Ok(())
            } else {
                bad(ErrorKind::BadDate, format!("{v} is not a valid date (YYYYMMDD)"))
            }
        }
        "hhmi" => {
            if p.hhmm_9999_means_no_time && v == "9999" {
                return Ok(());
            }
            let ok = v.len() == 4 && digits(v) && v[..2] < *"24" && v[2..] < *"60";
            if ok {
                Ok(())
            } else {
                bad(ErrorKind::BadTime, format!("{v} is not a valid time (HHMM)"))
            }
        }
        "hh" | "mi" | "ss" => {
            let limit = if name == "hh" { "24" } else { "60" };
            if v.len() == 2 && digits(v) && *v < *limit {
                Ok(())
            } else {
                bad(
                    ErrorKind::BadTime,
                    format!(
                        "{v} is not a valid {}",
                        match name {
                            "hh" => "hour",
                            "mi" => "minute",
                            _ => "second",
                        }
                    ),
                )
            }
        }
        "iban" => iban(v),
        "zero" if v != "0" => bad(ErrorKind::InvalidValue, format!("{v} must be 0")),
        "nonzero" if v.bytes().all(|b| b == b'0') => bad(ErrorKind::InvalidValue, format!("{v} must not be zero")),
        "nozeroprefix" if v.len() > 1 && v.starts_with('0') => {
            bad(ErrorKind::InvalidValue, format!("{v} must not start with 0"))
        }
        "yesno" if v != "0" && v != "1" => bad(ErrorKind::InvalidValue, format!("{v} must be 0 or 1")),
        "hyphen" if v != "-" => bad(ErrorKind::InvalidValue, format!("{v} must be -")),
        "winding" if !["0", "1", "9"].contains(&v) => bad(ErrorKind::InvalidValue, format!("{v} must be 0, 1 or 9")),
        "iso5218" if !["0", "1", "2", "9"].contains(&v) => {
            bad(ErrorKind::InvalidValue, format!("{v} must be 0, 1, 2 or 9"))
        }
        "iso3166alpha2" if !(v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase())) => {
            bad(ErrorKind::InvalidValue, format!("{v} is not a two-letter country code"))
        }
        "hasnondigit" if digits(v) => bad(ErrorKind::InvalidValue, format!("{v} must hold a non-digit")),
        "pieceoftotal" => {
            let half = v.len() / 2;
            let (a, b) = (v[..half].parse::<u32>().unwrap_or(0), v[half..].parse::<u32>().unwrap_or(0));
            if a >= 1 && b >= 1 && a <= b {
                Ok(())
            } else {
                bad(ErrorKind::InvalidValue, format!("{v}: the piece number must be between 1 and the total"))
            }
        }
        "latitude" | "longitude" => {
            let max = if name == "latitude" { 1_800_000_000u64 } else { 3_600_000_000 };
            match v.parse::<u64>() {
                Ok(n) if n <= max => Ok(()),
                _ => bad(ErrorKind::InvalidValue, format!("{v} is not a valid {name}")),
            }
        }
        "pcenc" => {
            let b = v.as_bytes();
            let ok = b.iter().enumerate().all(|(i, c)| {
                *c != b'%'
                    || (i + 2 < b.len() + 1
                        && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                        && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            });
            if ok {
                Ok(())
            } else {
                bad(ErrorKind::InvalidValue, format!("{v} has a % not followed by two hex digits"))
            }
        }
        _ => Ok(()),
    }
}

/// ISO 13616 IBAN: country letters, check digits, mod 97 == 1.
fn iban(v: &str) -> Lint {
    let ok = v.len() >= 5
        && v[..2].bytes().all(|b| b.is_ascii_uppercase())
        && v[2..4].bytes().all(|b| b.is_ascii_digit())
        && v[4..].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && {
            let rearranged = format!("{}{}", &v[4..], &v[..4]);
            let mut rem: u32 = 0;
            for c in rearranged.chars() {
                let n = c.to_digit(36).unwrap_or(0);
                rem = if n >= 10 { (rem * 100 + n) % 97 } else { (rem * 10 + n) % 97 };
            }
            rem == 1
        };
    if ok {
        Ok(())
    } else {
        bad(ErrorKind::InvalidValue, format!("{v} is not a valid IBAN"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Policy {
        Policy { this_year: 2026, hhmm_9999_means_no_time: false }
    }

    #[test]
    fn every_linter_accepts_good_and_refuses_bad_values() {
        use ErrorKind::*;
        // (linter, good, bad, kind of the refusal)
        let cases: &[(&str, &str, &str, ErrorKind)] = &[
            ("csum", "09520123456788", "09520123456787", BadCheckDigit),
            ("yymmd0", "291200", "291300", BadDate),
            ("yymmdd", "290228", "290229", BadDate),
            ("yyyymmdd", "20240229", "20230229", BadDate),
            ("hhmi", "2359", "2400", BadTime),
            ("hh", "23", "24", BadTime),
            ("mi", "59", "60", BadTime),
            ("ss", "00", "61", BadTime),
            ("iban", "GB82WEST12345698765432", "GB82WEST12345698765431", InvalidValue),
            ("zero", "0", "1", InvalidValue),
            ("nonzero", "0001", "0000", InvalidValue),
            ("nozeroprefix", "10", "01", InvalidValue),
            ("yesno", "1", "2", InvalidValue),
            ("hyphen", "-", "+", InvalidValue),
            ("winding", "9", "2", InvalidValue),
            ("iso5218", "2", "3", InvalidValue),
            ("iso3166alpha2", "SE", "se", InvalidValue),
            ("hasnondigit", "12A", "123", InvalidValue),
            ("pieceoftotal", "0204", "0502", InvalidValue),
            ("latitude", "1800000000", "1800000001", InvalidValue),
            ("longitude", "3600000000", "3600000001", InvalidValue),
            ("pcenc", "a%2Fb", "a%2", InvalidValue),
        ];
        for (name, good, bad, kind) in cases {
            assert!(run(name, good, &p()).is_ok(), "{name} refuses {good}");
            assert_eq!(run(name, bad, &p()).map_err(|e| e.0), Err(*kind), "{name} accepts {bad}");
        }
        // The policy switch for AI 4324/4325.
        assert!(run("hhmi", "9999", &p()).is_err());
        assert!(run("hhmi", "9999", &Policy { hhmm_9999_means_no_time: true, ..p() }).is_ok());
        // Linters that need outside code lists check only the form here.
        for name in ["iso3166", "iso4217", "gcppos1", "csumalpha", "couponcode"] {
            assert!(run(name, "anything", &p()).is_ok(), "{name}");
        }
    }
}
