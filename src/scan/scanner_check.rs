//! What `shopfloor scanner-check` concludes from the keys a scanner typed for the test code:
//! the `[scanner]` settings that make this scanner work, or what is wrong with its setup.
//!
//! The test code is a GS1 DataMatrix holding `(01)09520123456788(10)ABC123(21)TEST0001`, i.e.
//! `01 09520123456788 10 ABC123 <GS> 21 TEST0001`, printed in the README.

use crate::input::key::{Code, Key, Mods};
use std::time::Duration;

pub const TEST_HRI: &str = "(01)09520123456788(10)ABC123(21)TEST0001";
const BEFORE_SEP: &str = "010952012345678810ABC123";
const AFTER_SEP: &str = "21TEST0001";

fn is_char(k: &Key) -> bool {
    k.text().is_some()
}

/// How one key looks to a person reading the report.
pub fn describe(k: &Key) -> String {
    let ctrl = k.mods.contains(Mods::CTRL);
    match k.code {
        Code::Char(']') if ctrl => "GS (the byte 0x1D, also Ctrl+])".into(),
        Code::Char('j') if ctrl => "Ctrl+J (LF)".into(),
        Code::Char(c) if ctrl => format!("Ctrl+{c}"),
        Code::Char(c) => c.to_string(),
        Code::Enter => "Enter".into(),
        Code::Tab => "Tab".into(),
        Code::F(n) => format!("F{n}"),
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

pub fn analyze(keys: &[(Key, Duration)]) -> Report {
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
    let (body, suffix) = match keys.last().map(|k| (k.0.code, k.0.mods.contains(Mods::CTRL))) {
        Some((Code::Enter, _)) => (&keys[..keys.len() - 1], Some("enter")),
        Some((Code::Tab, _)) => (&keys[..keys.len() - 1], Some("tab")),
        Some((Code::Char('j'), true)) => (&keys[..keys.len() - 1], Some("lf")),
        _ => (keys, None),
    };
    if suffix.is_none() {
        problems.push("No key ends the scan: set the scanner to add Enter (CR) after each scan (its manual calls it a suffix or terminator).".into());
    }
    // A GS right after the fixed-length (01) is allowed (the decoder accepts it): some scanners
    // send one after every AI. It is left out here so the code reads as the test code.
    let mut kept: Vec<(Key, Duration)> = Vec::with_capacity(body.len());
    let mut typed = String::new();
    for (k, at) in body {
        if !is_char(k) && typed.ends_with("0109520123456788") {
            continue;
        }
        typed.push(k.text().unwrap_or('\u{1d}'));
        kept.push((*k, *at));
    }
    let body = kept;
    let body = &body[..];
    let text: String = body.iter().map(|(k, _)| if is_char(k) { k.text().unwrap_or(' ') } else { '\u{1d}' }).collect();
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
        let ctrl = key.mods.contains(Mods::CTRL);
        Some(match key.code {
            Code::Char(']' | '5') if ctrl => "gs".into(),
            Code::F(8) => "f8".into(),
            Code::Char(c) if !ctrl => c.to_string(),
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
            "Keys came {min}–{max} ms apart. shopfloor takes keys closer than [scanner] burst_window_ms (40) for a scanner's; over SSH they arrive in 20 ms packets, which still counts."
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

    fn keys(s: &str, sep: Option<Key>, end: Option<Key>) -> Vec<(Key, Duration)> {
        let mut out = Vec::new();
        let mut t = 0;
        let mut push = |k: Key| {
            t += 3;
            out.push((k, Duration::from_millis(t)));
        };
        for c in s.chars() {
            match c {
                '|' if sep.is_some() => push(sep.unwrap()),
                c => push(Key::char(c)),
            }
        }
        if let Some(e) = end {
            push(e);
        }
        out
    }

    fn ctrl(c: char) -> Key {
        Key::ctrl(c)
    }
    fn key(c: Code) -> Key {
        Key::plain(c)
    }

    #[test]
    fn out_of_the_box_scanner() {
        let r = analyze(&keys("]d2010952012345678810ABC123|21TEST0001", Some(ctrl(']')), Some(key(Code::Enter))));
        assert!(r.problems.is_empty(), "{r:?}");
        assert_eq!(r.settings.unwrap(), "[scanner]\nprefix = \"]d2\"\nsuffix = \"enter\"\nseparator = \"gs\"\n");
    }

    #[test]
    fn f8_separator_tab_suffix_and_a_custom_prefix() {
        let r = analyze(&keys("#S010952012345678810ABC123|21TEST0001", Some(key(Code::F(8))), Some(key(Code::Tab))));
        assert_eq!(r.settings.unwrap(), "[scanner]\nprefix = \"#S\"\nsuffix = \"tab\"\nseparator = \"f8\"\n");
    }

    #[test]
    fn substitute_separator_and_lf() {
        let r = analyze(&keys("010952012345678810ABC123~21TEST0001", None, Some(ctrl('j'))));
        assert!(r.settings.unwrap().contains("separator = \"~\""));
    }

    #[test]
    fn a_gs_after_the_gtin_is_fine() {
        let mut k = keys("]d20109520123456788", None, None);
        k.push((ctrl(']'), Duration::from_millis(60)));
        k.extend(keys("10ABC123|21TEST0001", Some(ctrl(']')), Some(key(Code::Enter))));
        let r = analyze(&k);
        assert!(r.problems.is_empty(), "{r:?}");
        assert!(r.settings.unwrap().contains("separator = \"gs\""));
    }

    #[test]
    fn what_goes_wrong_is_named() {
        let lost = analyze(&keys("010952012345678810ABC12321TEST0001", None, Some(key(Code::Enter))));
        assert!(lost.problems[0].contains("separator was lost") && lost.settings.is_none());
        let no_suffix = analyze(&keys("010952012345678810ABC123|21TEST0001", Some(ctrl('5')), None));
        assert!(no_suffix.problems[0].contains("No key ends the scan"));
        // AZERTY: the digit row without Shift.
        let layout = analyze(&keys("à&àçé&àé&é'(ç-_&àABC&é'|é&TEST", Some(ctrl('5')), Some(key(Code::Enter))));
        assert!(layout.problems[0].contains("keyboard layout"), "{layout:?}");
        assert!(analyze(&[]).problems[0].contains("Nothing arrived"));
    }
}
