//! Keyboard-wedge framing: turns the key events a scanner types into whole scans.
//!
//! A scan ends with a configured suffix key (Enter, Tab, or LF, which crossterm reports as
//! Ctrl+J). The GS1 separator arrives as the 0x1D byte (crossterm: Ctrl+'5'), as Ctrl+], as F8,
//! or as a substitute character; whichever it is, the frame holds a real GS. Timing is not used:
//! over SSH keystrokes arrive on the sender's clock, not the scanner's.

use super::gs1::GS;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Suffix {
    #[default]
    Enter,
    Tab,
    Lf,
}

/// How the GS1 separator reaches the terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Separator {
    /// The 0x1D byte, reported as Ctrl+'5' (what most scanners send out of the box).
    #[default]
    Gs,
    CtrlBracket,
    F8,
    Char(char),
}

impl Separator {
    /// Reads the config value: "gs", "ctrl+]", "f8", or a single character such as "|".
    pub fn parse(s: &str) -> Result<Separator, String> {
        match s {
            "gs" | "0x1d" => Ok(Separator::Gs),
            "ctrl+]" => Ok(Separator::CtrlBracket),
            "f8" => Ok(Separator::F8),
            c if c.chars().count() == 1 => Ok(Separator::Char(c.chars().next().unwrap_or('|'))),
            _ => Err(format!(
                "\"{s}\" is not a separator: use \"gs\", \"ctrl+]\", \"f8\" or one character such as \"|\""
            )),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WedgeConfig {
    /// Text the scanner puts before each scan: an AIM identifier (`]d2`, kept as data) or a
    /// custom marker (removed). Empty: none.
    pub prefix: String,
    pub suffix: Suffix,
    pub separator: Separator,
}

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
pub struct Framer {
    pub cfg: WedgeConfig,
    buf: String,
}

impl Framer {
    pub fn new(cfg: WedgeConfig) -> Self {
        Framer { cfg, buf: String::new() }
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

    fn is_separator(&self, k: &KeyEvent) -> bool {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match self.cfg.separator {
            // Terminals differ in how they report 0x1D; accept the spellings seen in the field.
            Separator::Gs => {
                ctrl && matches!(k.code, KeyCode::Char('5') | KeyCode::Char(']')) || k.code == KeyCode::Char(GS)
            }
            Separator::CtrlBracket => ctrl && k.code == KeyCode::Char(']'),
            Separator::F8 => k.code == KeyCode::F(8),
            Separator::Char(c) => k.code == KeyCode::Char(c) && !ctrl,
        }
    }

    fn is_suffix(&self, k: &KeyEvent) -> bool {
        match self.cfg.suffix {
            Suffix::Enter => k.code == KeyCode::Enter,
            Suffix::Tab => k.code == KeyCode::Tab,
            Suffix::Lf => k.code == KeyCode::Char('j') && k.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    pub fn feed(&mut self, k: &KeyEvent) -> Fed {
        if self.is_suffix(k) {
            if self.buf.is_empty() {
                return Fed::Ignored;
            }
            let mut frame = std::mem::take(&mut self.buf);
            let p = &self.cfg.prefix;
            if !p.is_empty() && !p.starts_with(']') {
                if let Some(rest) = frame.strip_prefix(p.as_str()) {
                    frame = rest.to_string();
                }
            }
            return Fed::Frame(frame);
        }
        if self.is_separator(k) {
            self.buf.push(GS);
            return Fed::Typed;
        }
        match k.code {
            KeyCode::Char(c) if !k.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                self.buf.push(c);
                Fed::Typed
            }
            KeyCode::Backspace => {
                self.buf.pop();
                Fed::Typed
            }
            _ => Fed::Ignored,
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

/// A scan without its AIM symbology identifier (`]C0`, `]d2`, …): what the code itself holds.
pub fn strip_symbology(raw: &str) -> &str {
    match raw.get(3..) {
        Some(rest) if raw.starts_with(']') => rest,
        _ => raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }
    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn feed_all(f: &mut Framer, keys: &[KeyEvent]) -> Vec<String> {
        keys.iter().filter_map(|k| if let Fed::Frame(s) = f.feed(k) { Some(s) } else { None }).collect()
    }

    fn typed(s: &str) -> Vec<KeyEvent> {
        s.chars().map(|c| key(KeyCode::Char(c))).collect()
    }

    #[test]
    fn default_gs_byte_and_enter() {
        let mut f = Framer::new(WedgeConfig::default());
        let mut keys = typed("]d2010952012345678");
        keys.push(ctrl('5'));
        keys.extend(typed("21A"));
        keys.push(key(KeyCode::Enter));
        assert_eq!(feed_all(&mut f, &keys), ["]d2010952012345678\u{1d}21A"]);
    }

    #[test]
    fn other_separators_and_suffixes() {
        for (sep, sep_key) in [
            (Separator::CtrlBracket, ctrl(']')),
            (Separator::F8, key(KeyCode::F(8))),
            (Separator::Char('|'), key(KeyCode::Char('|'))),
        ] {
            for (suffix, end) in
                [(Suffix::Tab, key(KeyCode::Tab)), (Suffix::Lf, ctrl('j')), (Suffix::Enter, key(KeyCode::Enter))]
            {
                let mut f = Framer::new(WedgeConfig { prefix: String::new(), suffix, separator: sep });
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
        let mut f = Framer::new(WedgeConfig { prefix: "#S".into(), ..Default::default() });
        let mut keys = typed("#S21X");
        keys.push(key(KeyCode::Enter));
        assert_eq!(feed_all(&mut f, &keys), ["21X"]);
        let mut f = Framer::new(WedgeConfig { prefix: "]d2".into(), ..Default::default() });
        let mut keys = typed("]d221X");
        keys.push(key(KeyCode::Enter));
        assert_eq!(feed_all(&mut f, &keys), ["]d221X"]);
    }

    #[test]
    fn paste_splits_on_line_breaks() {
        let mut f = Framer::new(WedgeConfig::default());
        assert_eq!(f.paste("(01)1\r\n(01)2\n(01)"), ["(01)1", "(01)2"]);
        assert_eq!(f.pending(), "(01)");
        assert_eq!(Separator::parse("f8"), Ok(Separator::F8));
        assert!(Separator::parse("tab").is_err());
    }
}
