//! The `YYMMDD` dates of the Manufacturer API and of GS1 (AI 17 and friends).
//!
//! Day `00` means "last day of the month" where the rule allows it (expiry dates do).

use std::fmt;

/// A calendar date as written in a `YYMMDD` field; `day == 0` keeps the "end of month" form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Yymmdd {
    pub yy: u8,
    pub month: u8,
    pub day: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateProblem {
    Shape,
    Month(u8),
    Day { day: u8, month: u8, max: u8 },
    DayZeroNotAllowed,
}

impl fmt::Display for DateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateProblem::Shape => write!(f, "write the date as YYMMDD, six digits"),
            DateProblem::Month(m) => write!(f, "month {m:02} does not exist (01–12)"),
            DateProblem::Day { day, month, max } => {
                write!(f, "day {day:02} does not exist in month {month:02} (last day {max:02})")
            }
            DateProblem::DayZeroNotAllowed => write!(f, "day 00 is not allowed here"),
        }
    }
}

/// Four-digit year for a two-digit one, following the GS1 rule: relative to `this_year`,
/// a difference of 51..=99 goes to the previous century, -99..=-50 to the next one.
pub fn full_year(yy: u8, this_year: i32) -> i32 {
    let century = this_year - this_year.rem_euclid(100);
    let candidate = century + i32::from(yy);
    let diff = i32::from(yy) - this_year.rem_euclid(100);
    if (51..=99).contains(&diff) {
        candidate - 100
    } else if (-99..=-50).contains(&diff) {
        candidate + 100
    } else {
        candidate
    }
}

pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses and checks a `YYMMDD` date against the calendar. `this_year` fixes the century
/// (only February 29th depends on it).
pub fn parse_yymmdd(s: &str, allow_day_zero: bool, this_year: i32) -> Result<Yymmdd, DateProblem> {
    let b = s.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return Err(DateProblem::Shape);
    }
    let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
    let (yy, month, day) = (two(0), two(2), two(4));
    if !(1..=12).contains(&month) {
        return Err(DateProblem::Month(month));
    }
    if day == 0 {
        return if allow_day_zero { Ok(Yymmdd { yy, month, day }) } else { Err(DateProblem::DayZeroNotAllowed) };
    }
    let max = days_in_month(full_year(yy, this_year), month);
    if day > max {
        return Err(DateProblem::Day { day, month, max });
    }
    Ok(Yymmdd { yy, month, day })
}

/// The current UTC year, from the system clock (the only clock reading in the domain, kept
/// here so callers do not each work it out).
pub fn current_year() -> i32 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    // 365.2425 days a year is exact enough to find the year away from New Year's Eve,
    // and the year only decides the century and leap days.
    1970 + (secs / 31_556_952) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar() {
        assert!(parse_yymmdd("290512", true, 2026).is_ok());
        assert!(parse_yymmdd("221200", true, 2026).is_ok());
        assert_eq!(parse_yymmdd("221200", false, 2026), Err(DateProblem::DayZeroNotAllowed));
        assert_eq!(parse_yymmdd("221301", true, 2026), Err(DateProblem::Month(13)));
        assert_eq!(parse_yymmdd("230229", true, 2026), Err(DateProblem::Day { day: 29, month: 2, max: 28 }));
        assert!(parse_yymmdd("280229", true, 2026).is_ok());
        assert_eq!(parse_yymmdd("2905", true, 2026), Err(DateProblem::Shape));
        assert_eq!(parse_yymmdd("29051a", true, 2026), Err(DateProblem::Shape));
    }

    #[test]
    fn century() {
        assert_eq!(full_year(29, 2026), 2029);
        assert_eq!(full_year(80, 2026), 1980);
        assert_eq!(full_year(76, 2026), 2076);
        assert_eq!(full_year(77, 2026), 1977);
        assert_eq!(full_year(2, 2090), 2102);
        assert_eq!(full_year(0, 2000), 2000);
    }
}
