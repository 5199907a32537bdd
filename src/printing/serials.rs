//! Where serials for printed labels come from, behind one small interface, so a pool fetched
//! from Movilitas can stand beside the local generator later. A source only proposes serials;
//! the print run checks each one is unused for the GTIN (journal, and the line store when one is
//! configured) before it allocates it, and asks again when one is taken.

use crate::domain::serial::SerialSpec;
use futures_util::future::BoxFuture;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum SerialError {
    #[error("the operating system's random generator failed ({0}); no serial can be made safely. Restart the station; if it goes on, tell IT")]
    Random(String),
    #[error("no unused serial was found for {gtin} after {tries} tries: the serial length and alphabet in [printing] leave too few free serials; make serials longer")]
    Exhausted { gtin: String, tries: usize },
    #[error("the line store could not be asked whether serial {serial} is free ({message}); no serial is printed unchecked line-wide: print again once the line store is back")]
    LineStore { serial: String, message: String },
    #[error("{0}")]
    Source(String),
}

/// Proposes serials for a GTIN.
pub trait SerialSource: Send + Sync {
    /// Up to `n` candidate serials for `gtin` (fewer is fine; none means the source is empty).
    fn candidates<'a>(&'a mut self, gtin: &'a str, n: usize) -> BoxFuture<'a, Result<Vec<String>, SerialError>>;

    /// For the screen and the audit trail, e.g. "local (12 of 34 characters)".
    fn describe(&self) -> String;
}

/// `[printing] serial_source = "local"`: serials drawn from the operating system's
/// cryptographic random generator (getrandom), uniformly over the configured alphabet.
pub struct LocalSerials {
    spec: SerialSpec,
}

impl LocalSerials {
    pub fn new(spec: SerialSpec) -> LocalSerials {
        LocalSerials { spec }
    }

    pub fn one(&self) -> Result<String, SerialError> {
        self.spec.from_random(|buf| getrandom::fill(buf).map_err(|e| SerialError::Random(e.to_string())))
    }
}

impl SerialSource for LocalSerials {
    fn candidates<'a>(&'a mut self, _gtin: &'a str, n: usize) -> BoxFuture<'a, Result<Vec<String>, SerialError>> {
        let out = (0..n).map(|_| self.one()).collect();
        Box::pin(async move { out })
    }

    fn describe(&self) -> String {
        format!(
            "local ({} characters of {}, {:.0} bits)",
            self.spec.length,
            self.spec.alphabet.len(),
            self.spec.entropy_bits()
        )
    }
}

/// The hook for a line-wide store: claims (order, GTIN, serial) for this station and answers
/// whether the claim succeeded (`false`: another station has it, or a pack of the line carries
/// it). Called before a serial is allocated in the journal and sent; `None` where there is no
/// line store. An error stops the run: a serial not known to be unique is never printed.
pub type LineClaim = Arc<dyn Fn(String, String, String) -> BoxFuture<'static, Result<bool, String>> + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_serials_follow_the_spec_and_differ() {
        let mut s = LocalSerials::new(SerialSpec::default());
        let got = s.candidates("02022090117459", 500).await.unwrap();
        let distinct: std::collections::BTreeSet<_> = got.iter().collect();
        assert_eq!(distinct.len(), 500);
        assert!(got
            .iter()
            .all(|x| x.len() == 12 && x.chars().all(|c| crate::domain::serial::DEFAULT_ALPHABET.contains(c))));
        assert!(s.describe().starts_with("local (12 characters of 34"), "{}", s.describe());
    }
}
