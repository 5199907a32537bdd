//! A scan typed into a field key by key: the Scan tab's input line and the production report
//! form's scan field. Characters are collected, the scanner's separator key becomes a real GS,
//! Backspace takes one back, and the suffix key (Enter, Tab or LF) ends the scan. Bursts from a
//! scanner are recognised before this (see `crate::input::router`); this is what a person types,
//! or what a scanner types too slowly to be told apart.

use crate::input::key::{Code, Key};
use crate::input::scanner::ScannerSettings;
use crate::input::GS;

pub use crate::input::scanner::strip_symbology;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fed {
    /// The key was not scan input.
    Ignored,
    /// Taken into the current scan.
    Typed,
    /// A whole scan, separators as GS.
    Frame(String),
}

#[derive(Debug, Clone, Default)]
pub struct ScanField {
    settings: ScannerSettings,
    buf: String,
}

impl ScanField {
    pub fn new(settings: ScannerSettings) -> Self {
        ScanField { settings, buf: String::new() }
    }

    /// What has been typed of the current scan so far.
    pub fn pending(&self) -> &str {
        &self.buf
    }

    /// The same for the screen: the invisible GS separator drawn as ␝.
    pub fn shown(&self) -> String {
        self.buf.replace(GS, "␝")
    }

    pub fn clear(&mut self) {
        self.buf.clear();
    }

    pub fn feed(&mut self, k: &Key) -> Fed {
        if self.settings.is_suffix(k) {
            if self.buf.is_empty() {
                return Fed::Ignored;
            }
            let frame = std::mem::take(&mut self.buf);
            return Fed::Frame(self.settings.without_marker(&frame));
        }
        if k.code == Code::Backspace {
            self.buf.pop();
            return Fed::Typed;
        }
        match self.settings.scan_char(k) {
            Some(c) => {
                self.buf.push(c);
                Fed::Typed
            }
            None => Fed::Ignored,
        }
    }

    /// Pasted text: line breaks end scans, as the suffix would.
    pub fn paste(&mut self, text: &str) -> Vec<String> {
        let mut frames = Vec::new();
        for c in text.chars() {
            if c == '\r' || c == '\n' {
                if !self.buf.is_empty() {
                    frames.push(std::mem::take(&mut self.buf));
                }
            } else if !c.is_control() || c == GS {
                self.buf.push(c);
            }
        }
        frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::scanner::{Separator, Suffix};

    fn feed_all(f: &mut ScanField, keys: &[Key]) -> Vec<String> {
        keys.iter().filter_map(|k| if let Fed::Frame(s) = f.feed(k) { Some(s) } else { None }).collect()
    }

    fn typed(s: &str) -> Vec<Key> {
        s.chars().map(Key::char).collect()
    }

    #[test]
    fn the_gs_byte_and_enter() {
        let mut f = ScanField::new(ScannerSettings::default());
        let mut keys = typed("]d2010952012345678");
        keys.push(Key::ctrl(']'));
        keys.extend(typed("21A"));
        keys.push(Key::plain(Code::Enter));
        assert_eq!(feed_all(&mut f, &keys), ["]d2010952012345678\u{1d}21A"]);
    }

    #[test]
    fn other_separators_and_suffixes() {
        for (sep, sep_key) in [
            (Separator::CtrlBracket, Key::ctrl(']')),
            (Separator::F8, Key::plain(Code::F(8))),
            (Separator::Char('|'), Key::char('|')),
        ] {
            for (suffix, end) in [
                (Suffix::Tab, Key::plain(Code::Tab)),
                (Suffix::Lf, Key::ctrl('j')),
                (Suffix::Enter, Key::plain(Code::Enter)),
            ] {
                let s = ScannerSettings { suffix, separator: sep, ..Default::default() };
                let mut f = ScanField::new(s);
                let mut keys = typed("10A");
                keys.push(sep_key);
                keys.extend(typed("21B"));
                keys.push(end);
                assert_eq!(feed_all(&mut f, &keys), ["10A\u{1d}21B"], "{sep:?} {suffix:?}");
            }
        }
    }

    #[test]
    fn a_custom_prefix_is_removed_an_aim_prefix_kept() {
        let s = ScannerSettings { prefixes: vec!["#S".into(), "]d2".into()], ..Default::default() };
        let mut f = ScanField::new(s);
        let mut keys = typed("#S21X");
        keys.push(Key::plain(Code::Enter));
        keys.extend(typed("]d221X"));
        keys.push(Key::plain(Code::Enter));
        assert_eq!(feed_all(&mut f, &keys), ["21X", "]d221X"]);
    }

    #[test]
    fn paste_splits_on_line_breaks() {
        let mut f = ScanField::new(ScannerSettings::default());
        assert_eq!(f.paste("(01)1\r\n(01)2\n(01)"), ["(01)1", "(01)2"]);
        assert_eq!(f.pending(), "(01)");
    }
}
