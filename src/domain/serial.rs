//! Serial numbers a station makes for the labels it prints: their length and alphabet within
//! GS1 AI 21 (at most 20 characters of CSET 82), how hard they are to guess, and turning random
//! bytes into one without bias. The random bytes come from the caller (the operating system's
//! generator); this module has no I/O.
//!
//! EU FMD (Delegated Regulation 2016/161, Art. 4(b)) asks that the chance of guessing a serial be
//! below 1 in 10,000. A guess is one serial picked from all serials of the given length and
//! alphabet; it hits when the product carries that serial. So the chance is
//! (serials issued for the GTIN) / (alphabet size ^ length). The default, 12 characters of a
//! 34-character alphabet (digits and capitals without I and O, which read as 1 and 0), gives
//! 34^12 ≈ 2.3 × 10^18 serials: with a billion packs of one GTIN the chance is about 4 × 10^-10,
//! far below 10^-4. `check` refuses any setting where the bound fails for the volume named.

use super::manufacturer::{is_cset82, SERIAL_MAX_LEN};

pub const DEFAULT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
pub const DEFAULT_LENGTH: usize = 12;
/// Packs per GTIN the guessing bound is checked for, unless the config names another volume.
pub const DEFAULT_SERIALS_PER_GTIN: u64 = 1_000_000_000;
/// EU FMD: the chance of guessing a serial must be below one in this many.
pub const GUESS_BOUND: f64 = 10_000.0;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialSpec {
    pub length: usize,
    /// Distinct characters, each in CSET 82.
    pub alphabet: Vec<char>,
}

impl Default for SerialSpec {
    fn default() -> Self {
        SerialSpec { length: DEFAULT_LENGTH, alphabet: DEFAULT_ALPHABET.chars().collect() }
    }
}

impl SerialSpec {
    /// Checks the setting; `serials_per_gtin` is the most packs one GTIN will ever carry.
    pub fn new(length: usize, alphabet: &str, serials_per_gtin: u64) -> Result<SerialSpec, String> {
        if !(1..=SERIAL_MAX_LEN).contains(&length) {
            return Err(format!("a serial (GS1 AI 21) has 1 to {SERIAL_MAX_LEN} characters, not {length}"));
        }
        let chars: Vec<char> = alphabet.chars().collect();
        if let Some(bad) = chars.iter().find(|c| !is_cset82(**c)) {
            return Err(format!(
                "'{bad}' is not allowed in a GS1 serial (CSET 82: letters, digits, !\"%&'()*+,-./:;<=>?_)"
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = chars.iter().find(|c| !seen.insert(**c)) {
            return Err(format!("'{dup}' is in the alphabet twice"));
        }
        if chars.len() < 2 {
            return Err("the alphabet needs at least two characters".into());
        }
        let spec = SerialSpec { length, alphabet: chars };
        let chance = spec.guess_chance(serials_per_gtin.max(1));
        if chance >= 1.0 / GUESS_BOUND {
            return Err(format!(
                "{} characters of a {}-character alphabet give {:.1e} serials: with {} packs of one GTIN a guess hits with a chance of {:.1e}, and EU FMD asks for less than 1 in 10,000; use more characters or a larger alphabet",
                length,
                spec.alphabet.len(),
                spec.space(),
                serials_per_gtin,
                chance
            ));
        }
        Ok(spec)
    }

    /// How many different serials the setting allows.
    pub fn space(&self) -> f64 {
        (self.alphabet.len() as f64).powi(self.length as i32)
    }

    /// The chance that one guessed serial is a real one when `issued` serials exist.
    pub fn guess_chance(&self, issued: u64) -> f64 {
        issued as f64 / self.space()
    }

    /// Bits of randomness in one serial.
    pub fn entropy_bits(&self) -> f64 {
        self.length as f64 * (self.alphabet.len() as f64).log2()
    }

    /// Makes a serial from random bytes, asking `more` for bytes whenever it runs out. A byte is
    /// used only below the largest multiple of the alphabet's size, so every character is equally
    /// likely (no modulo bias).
    pub fn from_random<E>(&self, mut more: impl FnMut(&mut [u8]) -> Result<(), E>) -> Result<String, E> {
        let n = self.alphabet.len();
        let limit = 256 - 256 % n;
        let mut out = String::with_capacity(self.length);
        let mut buf = [0u8; 32];
        while out.chars().count() < self.length {
            more(&mut buf)?;
            for &b in &buf {
                if (b as usize) < limit {
                    out.push(self.alphabet[b as usize % n]);
                    if out.chars().count() == self.length {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_meets_the_eu_fmd_bound_with_room_to_spare() {
        let s = SerialSpec::new(DEFAULT_LENGTH, DEFAULT_ALPHABET, DEFAULT_SERIALS_PER_GTIN).unwrap();
        assert!(s.guess_chance(DEFAULT_SERIALS_PER_GTIN) < 1e-9);
        assert!(s.entropy_bits() > 61.0);
    }

    #[test]
    fn settings_outside_ai_21_or_the_bound_are_refused() {
        assert!(SerialSpec::new(21, DEFAULT_ALPHABET, 1).unwrap_err().contains("1 to 20"));
        assert!(SerialSpec::new(10, "AB#", 1).unwrap_err().contains("'#'"));
        assert!(SerialSpec::new(10, "ABA", 1).unwrap_err().contains("twice"));
        let e = SerialSpec::new(6, "0123456789", 1_000_000).unwrap_err();
        assert!(e.contains("1 in 10,000"), "{e}");
    }

    #[test]
    fn bytes_past_the_last_whole_multiple_are_skipped() {
        let s = SerialSpec { length: 4, alphabet: "0123456789".chars().collect() };
        // 250..=255 would favour 0..=5; they are dropped.
        let mut feed = [255u8, 250, 3, 14, 25, 36].into_iter().cycle();
        let serial = s.from_random(|b: &mut [u8]| {
            b.iter_mut().for_each(|x| *x = feed.next().unwrap_or(0));
            Ok::<(), ()>(())
        });
        assert_eq!(serial.unwrap(), "3456");
    }
}
