//! The simulator's switches as they travel as JSON (`/_sim/faults`, `/_sim/rate_limit`) and on
//! the command line: the faults it plays and how commissioning answers a serial it already has.
//! Kept apart from the code that plays them, which the simulated world's state also uses.

use serde::{Deserialize, Serialize};

/// The fault switches as JSON (`GET`/`PUT /_sim/faults`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSettings {
    pub latency_ms: u64,
    /// Share of requests answered 503 without being carried out (0.0–1.0).
    pub error_rate: f64,
    /// Share of requests carried out whose connection is then dropped unanswered (0.0–1.0).
    pub drop_rate: f64,
    /// How commissioning treats a serial that is already commissioned.
    pub recommission: Recommission,
}

/// The service's documents do not say what commissioning a serial twice does, so the
/// simulator can play either answer and the client must be right under both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Recommission {
    /// Answered `Assigned` again, counted once.
    #[default]
    Idempotent,
    /// Refused as a validation error naming each such serial ("… is already commissioned");
    /// nothing in that request is commissioned.
    Refuse,
}

impl std::str::FromStr for Recommission {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "idempotent" => Ok(Recommission::Idempotent),
            "refuse" => Ok(Recommission::Refuse),
            other => Err(format!("\"{other}\" is not a choice: write refuse or idempotent")),
        }
    }
}

impl FaultSettings {
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [("error_rate", self.error_rate), ("drop_rate", self.drop_rate)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{name} must be between 0 and 1, got {v}"));
            }
        }
        if self.latency_ms > 60_000 {
            return Err(format!("latency_ms must be at most 60000, got {}", self.latency_ms));
        }
        Ok(())
    }
}

/// The production API's limit as JSON (`PUT /_sim/rate_limit`), so a test can make it small.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateSettings {
    pub per_window: usize,
    pub window_secs: u64,
}
