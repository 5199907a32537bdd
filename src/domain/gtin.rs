//! GTIN check digits (GS1 mod-10), used for product codes with schema `GTIN`.

/// The GS1 check digit for `body`: the digits of a GTIN without its last digit.
/// Returns `None` when `body` holds anything but ASCII digits or is empty.
pub fn check_digit(body: &str) -> Option<u8> {
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Weights alternate 3,1,3,… starting from the digit next to the check digit.
    let sum: u32 =
        body.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// Why a product code is not a usable GTIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GtinProblem {
    NotDigits,
    WrongLength(usize),
    BadCheckDigit { expected: u8, found: u8 },
}

impl std::fmt::Display for GtinProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GtinProblem::NotDigits => write!(f, "a GTIN holds digits only"),
            GtinProblem::WrongLength(n) => {
                write!(f, "a GTIN has 8, 12, 13 or 14 digits, this one has {n}")
            }
            GtinProblem::BadCheckDigit { expected, found } => {
                write!(f, "the check digit is {found} but should be {expected}: a digit is mistyped")
            }
        }
    }
}

/// Checks a GTIN-8/12/13/14 including its check digit.
pub fn validate(code: &str) -> Result<(), GtinProblem> {
    if !code.bytes().all(|b| b.is_ascii_digit()) || code.is_empty() {
        return Err(GtinProblem::NotDigits);
    }
    if ![8, 12, 13, 14].contains(&code.len()) {
        return Err(GtinProblem::WrongLength(code.len()));
    }
    let (body, last) = code.split_at(code.len() - 1);
    let found = last.as_bytes()[0] - b'0';
    match check_digit(body) {
        Some(expected) if expected == found => Ok(()),
        Some(expected) => Err(GtinProblem::BadCheckDigit { expected, found }),
        None => Err(GtinProblem::NotDigits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_sample_codes() {
        assert_eq!(validate("02022090117459"), Ok(()));
        assert_eq!(validate("02026041310005"), Ok(()));
        // Seed 002's sample product code is not a valid GTIN: its check digit should be 1.
        assert_eq!(validate("01234567891234"), Err(GtinProblem::BadCheckDigit { expected: 1, found: 4 }));
    }

    #[test]
    fn shapes() {
        assert_eq!(validate("4006381333931"), Ok(()));
        assert_eq!(validate("96385074"), Ok(()));
        assert_eq!(validate("1234"), Err(GtinProblem::WrongLength(4)));
        assert_eq!(validate("0202209011745A"), Err(GtinProblem::NotDigits));
        assert_eq!(validate(""), Err(GtinProblem::NotDigits));
        assert_eq!(check_digit("x"), None);
    }
}
