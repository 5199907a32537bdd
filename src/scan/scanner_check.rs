//! What `shopfloor scanner-check` concludes from the keys a scanner typed for the test code:
//! the `[scanner]` settings that make this scanner work, or what is wrong with its setup.
//!
//! The test code is a GS1 DataMatrix holding `(01)09520123456788(10)ABC123(21)TEST0001`, i.e.
//! `01 09520123456788 10 ABC123 <GS> 21 TEST0001`, printed in the README.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;

pub const TEST_HRI: &str = "(01)09520123456788(10)ABC123(21)TEST0001";
const BEFORE_SEP: &str = "010952012345678810ABC123";
const AFTER_SEP: &str = "21TEST0001";

/// How one key looks to a person reading the report.
pub fn describe(k: &KeyEvent) -> String {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Char('5') if ctrl => "Ctrl+5 (the GS byte 0x1D)".into(),
        KeyCode::Char(']') if ctrl => "Ctrl+]".into(),
        KeyCode::Char('j') if ctrl => "Ctrl+J (LF)".into(),
        KeyCode::Char(c) if ctrl => format!("Ctrl+{c}"),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `[scanner]` lines, when the scanner can be used.
    pub settings: Option<String>,
    /// What is wrong and what to do, one line each.
    pub problems: Vec<String>,
    pub notes: Vec<String>,
}

fn settings(prefix: &str, separator: &str, suffix: &str) -> String {
    format!("[scanner]\nprefix = {prefix:?}\nsuffix = {suffix:?}\nseparator = {separator:?}\n")
}

pub fn analyze(keys: &[(KeyEvent, Duration)]) -> Report {
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    if keys.is_empty() {
        return Report {
            settings: None,
            problems: vec!["Nothing arrived: check that the scanner is connected and in keyboard (HID) mode, and that this window has the focus.".into()],
            notes,
        };
    }
    // The suffix is the last key, if it is one of the suffix keys.
    let (body, suffix) = match keys.last().map(|k| (k.0.code, k.0.modifiers.contains(KeyModifiers::CONTROL))) {
        Some((KeyCode::Enter, _)) => (&keys[..keys.len() - 1], Some("enter")),
        Some((KeyCode::Tab, _)) => (&keys[..keys.len() - 1], Some("tab")),
        Some((KeyCode::Char('j'), true)) => (&keys[..keys.len() - 1], Some("lf")),
        _ => (keys, None),
    };
    if suffix.is_none() {
        problems.push("No key ends the scan: set the scanner to add Enter (CR) after each scan (its manual calls it a suffix or terminator).".into());
    }
    let text: String = body
        .iter()
        .map(|(k, _)| match k.code {
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => c,
            _ => '\u{1d}',
        })
        .collect();
    let Some(start) = text.find(BEFORE_SEP) else {
        if text.contains("ABC") || text.contains("TEST") {
            problems.push("The digits arrived changed: the scanner types for another keyboard layout than this terminal's. Set the scanner's keyboard country to match (for example US), or the terminal's layout to the scanner's.".into());
        } else {
            problems.push(format!(
                "This is not the test code (got {:?}): scan the code printed in the README.",
                text.replace('\u{1d}', "<GS>")
            ));
        }
        return Report { settings: None, problems, notes };
    };
    let prefix = &text[..start];
    let rest = &text[start + BEFORE_SEP.len()..];
    let separator: Option<String> = if rest.starts_with(AFTER_SEP) {
        problems.push("The GS1 separator was lost: ABC123 ran straight into 21TEST0001. Set the scanner to transmit GS (0x1D, also called FNC1 or <GS>), or to replace it with a character such as |.".into());
        None
    } else if rest.chars().count() == AFTER_SEP.len() + 1 && rest.ends_with(AFTER_SEP) {
        let at = start + BEFORE_SEP.len();
        let key = body[text[..at].chars().count()].0;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        Some(match key.code {
            KeyCode::Char('5') if ctrl => "gs".into(),
            KeyCode::Char(']') if ctrl => "ctrl+]".into(),
            KeyCode::F(8) => "f8".into(),
            KeyCode::Char(c) if !ctrl => c.to_string(),
            _ => {
                problems.push(format!("The separator arrived as {}, which shopfloor cannot use: set the scanner to send GS (0x1D) or a character such as |.", describe(&key)));
                return Report { settings: None, problems, notes };
            }
        })
    } else {
        problems.push(format!("After ABC123 came {:?}, not the separator and 21TEST0001: the scan was damaged or the layout differs; scan again.", rest.replace('\u{1d}', "<GS>")));
        None
    };
    if !prefix.is_empty() && !prefix.starts_with(']') {
        notes.push(format!("The scanner puts {prefix:?} before each scan; it is set as the prefix and removed."));
    } else if prefix.is_empty() {
        notes.push("No AIM symbology identifier arrived (such as ]d2): that is fine; turning it on lets shopfloor tell code types apart.".into());
    }
    let gaps: Vec<u128> = keys.windows(2).map(|w| w[1].1.saturating_sub(w[0].1).as_millis()).collect();
    if let (Some(min), Some(max)) = (gaps.iter().min(), gaps.iter().max()) {
        notes.push(format!(
            "Keys came {min}–{max} ms apart. Over SSH this says little (OpenSSH sends keys on its own clock), so shopfloor does not use timing."
        ));
    }
    let settings = match (separator, suffix) {
        (Some(sep), Some(suf)) => Some(settings(prefix, &sep, suf)),
        _ => None,
    };
    Report { settings, problems, notes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(s: &str, sep: Option<KeyEvent>, end: Option<KeyEvent>) -> Vec<(KeyEvent, Duration)> {
        let mut out = Vec::new();
        let mut t = 0;
        let mut push = |k: KeyEvent| {
            t += 3;
            out.push((k, Duration::from_millis(t)));
        };
        for c in s.chars() {
            match c {
                '|' if sep.is_some() => push(sep.unwrap()),
                c => push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            }
        }
        if let Some(e) = end {
            push(e);
        }
        out
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }
    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn out_of_the_box_scanner() {
        let r = analyze(&keys("]d2010952012345678810ABC123|21TEST0001", Some(ctrl('5')), Some(key(KeyCode::Enter))));
        assert!(r.problems.is_empty(), "{r:?}");
        assert_eq!(r.settings.unwrap(), "[scanner]\nprefix = \"]d2\"\nsuffix = \"enter\"\nseparator = \"gs\"\n");
    }

    #[test]
    fn f8_separator_tab_suffix_and_a_custom_prefix() {
        let r =
            analyze(&keys("#S010952012345678810ABC123|21TEST0001", Some(key(KeyCode::F(8))), Some(key(KeyCode::Tab))));
        assert_eq!(r.settings.unwrap(), "[scanner]\nprefix = \"#S\"\nsuffix = \"tab\"\nseparator = \"f8\"\n");
    }

    #[test]
    fn substitute_separator_and_lf() {
        let r = analyze(&keys("010952012345678810ABC123~21TEST0001", None, Some(ctrl('j'))));
        assert!(r.settings.unwrap().contains("separator = \"~\""));
    }

    #[test]
    fn what_goes_wrong_is_named() {
        let lost = analyze(&keys("010952012345678810ABC12321TEST0001", None, Some(key(KeyCode::Enter))));
        assert!(lost.problems[0].contains("separator was lost") && lost.settings.is_none());
        let no_suffix = analyze(&keys("010952012345678810ABC123|21TEST0001", Some(ctrl('5')), None));
        assert!(no_suffix.problems[0].contains("No key ends the scan"));
        // AZERTY: the digit row without Shift.
        let layout = analyze(&keys("à&àçé&àé&é'(ç-_&àABC&é'|é&TEST", Some(ctrl('5')), Some(key(KeyCode::Enter))));
        assert!(layout.problems[0].contains("keyboard layout"), "{layout:?}");
        assert!(analyze(&[]).problems[0].contains("Nothing arrived"));
    }
}
