//! Electronic signatures (`[signatures]`): which actions need a named supervisor's signature,
//! what each signature means, whether a reason is required and whether the signer must be a
//! second person; how long a signing session stays continuous; how many wrong PINs lock a
//! person out. Signatures are on by default in kiosk mode and off otherwise.

use serde::Deserialize;
use std::time::Duration;

/// The actions that can be signed, in the order the config and the README list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignedAction {
    Decommission,
    LabelsRemoved,
    AllowMore,
    CancelProduction,
    FinishProduction,
    ChangeOrder,
    Unlock,
}

impl SignedAction {
    pub const ALL: [SignedAction; 7] = [
        SignedAction::Decommission,
        SignedAction::LabelsRemoved,
        SignedAction::AllowMore,
        SignedAction::CancelProduction,
        SignedAction::FinishProduction,
        SignedAction::ChangeOrder,
        SignedAction::Unlock,
    ];

    /// The key under `[signatures]`, also written into each signature row.
    pub fn key(self) -> &'static str {
        match self {
            SignedAction::Decommission => "decommission",
            SignedAction::LabelsRemoved => "labels_removed",
            SignedAction::AllowMore => "allow_more",
            SignedAction::CancelProduction => "cancel_production",
            SignedAction::FinishProduction => "finish_production",
            SignedAction::ChangeOrder => "change_order",
            SignedAction::Unlock => "unlock",
        }
    }

    /// The dialog's title.
    pub fn title(self) -> &'static str {
        match self {
            SignedAction::Decommission => "Sign: decommission a serial",
            SignedAction::LabelsRemoved => "Sign: voided labels removed",
            SignedAction::AllowMore => "Sign: allow more packs",
            SignedAction::CancelProduction => "Sign: cancel a production order",
            SignedAction::FinishProduction => "Sign: finish a production order",
            SignedAction::ChangeOrder => "Sign: change the active order",
            SignedAction::Unlock => "Sign: unlock the station",
        }
    }

    /// Overrides need a reason unless the config says otherwise.
    fn default_rule(self) -> ActionRule {
        let (meaning, reason_required) = match self {
            SignedAction::Decommission => ("approved", false),
            SignedAction::LabelsRemoved => ("verified", false),
            SignedAction::AllowMore => ("approved", true),
            SignedAction::CancelProduction => ("approved", true),
            SignedAction::FinishProduction => ("approved", false),
            SignedAction::ChangeOrder => ("approved", true),
            SignedAction::Unlock => ("performed", false),
        };
        ActionRule { enabled: None, meaning: meaning.into(), reason_required, two_person: false }
    }
}

/// The meanings a signature may carry (§11.50(a)(3)).
pub const MEANINGS: [&str; 4] = ["performed", "reviewed", "approved", "verified"];

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SignaturesFile {
    /// All signatures on or off; unset: on in kiosk mode.
    pub enabled: Option<bool>,
    pub session_idle_secs: Option<u64>,
    pub max_pin_failures: Option<u32>,
    pub decommission: ActionFile,
    pub labels_removed: ActionFile,
    pub allow_more: ActionFile,
    pub cancel_production: ActionFile,
    pub finish_production: ActionFile,
    pub change_order: ActionFile,
    pub unlock: ActionFile,
}

impl SignaturesFile {
    fn action(&self, a: SignedAction) -> &ActionFile {
        match a {
            SignedAction::Decommission => &self.decommission,
            SignedAction::LabelsRemoved => &self.labels_removed,
            SignedAction::AllowMore => &self.allow_more,
            SignedAction::CancelProduction => &self.cancel_production,
            SignedAction::FinishProduction => &self.finish_production,
            SignedAction::ChangeOrder => &self.change_order,
            SignedAction::Unlock => &self.unlock,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ActionFile {
    pub enabled: Option<bool>,
    pub meaning: Option<String>,
    pub reason_required: Option<bool>,
    pub two_person: Option<bool>,
}

/// How one action is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRule {
    /// `None`: as `[signatures] enabled` says.
    enabled: Option<bool>,
    pub meaning: String,
    pub reason_required: bool,
    /// The signer must not be the operator signed in (who asked for the action).
    pub two_person: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignaturesConfig {
    /// `[signatures] enabled`, or kiosk mode when it is unset.
    pub enabled: bool,
    /// `[signatures] enabled` as written (`None`: follow kiosk mode).
    explicit: Option<bool>,
    /// No key for this long ends a signing session's continuity: the next signature asks for
    /// the id and the PIN again.
    pub session_idle: Duration,
    /// Wrong PINs in a row for one person before signing as them is locked for a while.
    pub max_failures: u32,
    rules: Vec<(SignedAction, ActionRule)>,
}

impl Default for SignaturesConfig {
    fn default() -> Self {
        SignaturesConfig {
            enabled: false,
            explicit: None,
            session_idle: Duration::from_secs(DEFAULT_SESSION_IDLE),
            max_failures: DEFAULT_MAX_FAILURES,
            rules: SignedAction::ALL.iter().map(|a| (*a, a.default_rule())).collect(),
        }
    }
}

pub(crate) const DEFAULT_SESSION_IDLE: u64 = 300;
pub(crate) const DEFAULT_MAX_FAILURES: u32 = 5;

impl SignaturesConfig {
    /// The rule for an action, with defaults for what the config leaves out.
    pub fn rule(&self, a: SignedAction) -> ActionRule {
        self.rules.iter().find(|(x, _)| *x == a).map(|(_, r)| r.clone()).unwrap_or_else(|| a.default_rule())
    }

    /// Kiosk mode was switched on after the file was read (`--kiosk`): signatures follow it
    /// unless the file says otherwise.
    pub fn follow_kiosk(&mut self, kiosk: bool) {
        self.enabled = self.explicit.unwrap_or(kiosk);
    }

    /// Whether this action needs a signature.
    pub fn required(&self, a: SignedAction) -> bool {
        self.rule(a).enabled.unwrap_or(self.enabled)
    }

    /// The config as read, with each problem as (key, message, expected). `kiosk` decides the
    /// default of `enabled`.
    pub fn from_file(f: &SignaturesFile, kiosk: bool) -> (SignaturesConfig, Vec<(String, String, String)>) {
        let mut problems = Vec::new();
        let session_idle = f.session_idle_secs.unwrap_or(DEFAULT_SESSION_IDLE);
        if !(5..=3600).contains(&session_idle) {
            problems.push((
                "session_idle_secs".into(),
                format!("{session_idle} is out of range"),
                "seconds from 5 to 3600".into(),
            ));
        }
        let max_failures = f.max_pin_failures.unwrap_or(DEFAULT_MAX_FAILURES);
        if !(1..=10).contains(&max_failures) {
            problems.push((
                "max_pin_failures".into(),
                format!("{max_failures} is out of range"),
                "a whole number from 1 to 10".into(),
            ));
        }
        let mut rules = Vec::new();
        for a in SignedAction::ALL {
            let file = f.action(a);
            let mut rule = a.default_rule();
            rule.enabled = file.enabled;
            if let Some(m) = &file.meaning {
                let m = m.trim().to_ascii_lowercase();
                if MEANINGS.contains(&m.as_str()) {
                    rule.meaning = m;
                } else {
                    problems.push((
                        format!("{}.meaning", a.key()),
                        format!("\"{m}\" is not a meaning a signature can have"),
                        MEANINGS.join(", "),
                    ));
                }
            }
            if let Some(r) = file.reason_required {
                rule.reason_required = r;
            }
            if let Some(t) = file.two_person {
                rule.two_person = t;
            }
            rules.push((a, rule));
        }
        let c = SignaturesConfig {
            enabled: f.enabled.unwrap_or(kiosk),
            explicit: f.enabled,
            session_idle: Duration::from_secs(session_idle),
            max_failures,
            rules,
        };
        (c, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_kiosk_mode_unless_set() {
        let f = SignaturesFile::default();
        assert!(SignaturesConfig::from_file(&f, true).0.required(SignedAction::Decommission));
        assert!(!SignaturesConfig::from_file(&f, false).0.required(SignedAction::Decommission));
        let f: SignaturesFile = toml::from_str("enabled = true\n[unlock]\nenabled = false\n").unwrap();
        let (c, p) = SignaturesConfig::from_file(&f, false);
        assert!(p.is_empty());
        assert!(c.required(SignedAction::AllowMore));
        assert!(!c.required(SignedAction::Unlock));
        assert!(c.rule(SignedAction::AllowMore).reason_required, "an override needs a reason by default");
    }

    #[test]
    fn a_wrong_meaning_and_ranges_are_problems() {
        let f: SignaturesFile =
            toml::from_str("session_idle_secs = 4\nmax_pin_failures = 0\n[decommission]\nmeaning = \"ok\"\n").unwrap();
        let keys: Vec<String> = SignaturesConfig::from_file(&f, true).1.into_iter().map(|p| p.0).collect();
        assert_eq!(keys, ["session_idle_secs", "max_pin_failures", "decommission.meaning"]);
    }
}
