//! Keys as the dashboard understands them: a code and its modifiers, and how key names are
//! written in the config ("ctrl+s", "f2", "alt+1", "q"). The program reads the terminal's bytes
//! itself (`super::decode`), so these are its own plain types, not a terminal library's.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    Char(char),
    Enter,
    Tab,
    BackTab,
    Backspace,
    Esc,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Insert,
    Delete,
    F(u8),
}

/// Modifier keys held with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Mods(u8);

impl Mods {
    pub const NONE: Mods = Mods(0);
    pub const SHIFT: Mods = Mods(1);
    pub const CTRL: Mods = Mods(2);
    pub const ALT: Mods = Mods(4);

    pub fn contains(self, other: Mods) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersects(self, other: Mods) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn without(self, other: Mods) -> Mods {
        Mods(self.0 & !other.0)
    }
}

impl std::ops::BitOr for Mods {
    type Output = Mods;
    fn bitor(self, rhs: Mods) -> Mods {
        Mods(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Mods {
    fn bitor_assign(&mut self, rhs: Mods) {
        self.0 |= rhs.0;
    }
}

/// One key as compared: code and modifiers, with Shift folded into the character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: Code,
    pub mods: Mods,
}

impl Key {
    /// Normalises: Shift is part of a character ('A', not shift+'a').
    pub fn new(code: Code, mods: Mods) -> Self {
        let mods = match code {
            Code::Char(_) | Code::BackTab => mods.without(Mods::SHIFT),
            _ => mods,
        };
        Key { code, mods }
    }

    pub fn plain(code: Code) -> Self {
        Key::new(code, Mods::NONE)
    }

    pub fn char(c: char) -> Self {
        Key::new(Code::Char(c), Mods::NONE)
    }

    pub fn ctrl(c: char) -> Self {
        Key::new(Code::Char(c), Mods::CTRL)
    }

    /// A character typed without Ctrl or Alt: text in a field, a shortcut only elsewhere.
    pub fn is_text(&self) -> bool {
        matches!(self.code, Code::Char(_)) && !self.mods.intersects(Mods::CTRL | Mods::ALT)
    }

    /// The character, if this key types one.
    pub fn text(&self) -> Option<char> {
        match self.code {
            Code::Char(c) if self.is_text() => Some(c),
            _ => None,
        }
    }

    pub fn parse(s: &str) -> Result<Key, String> {
        let lower = s.trim().to_ascii_lowercase();
        let mut parts: Vec<&str> = lower.split('+').collect();
        // "ctrl++" means ctrl and the plus key.
        if lower.ends_with("++") {
            parts.truncate(parts.len() - 2);
            parts.push("+");
        }
        let name = parts.pop().filter(|n| !n.is_empty()).ok_or_else(|| format!("\"{s}\" names no key"))?;
        let mut mods = Mods::NONE;
        for m in parts {
            mods |= match m {
                "ctrl" | "control" => Mods::CTRL,
                "alt" | "meta" => Mods::ALT,
                "shift" => Mods::SHIFT,
                other => return Err(format!("\"{other}\" in \"{s}\" is not a modifier (ctrl, alt, shift)")),
            };
        }
        let code = match name {
            "enter" | "return" => Code::Enter,
            "tab" if mods.contains(Mods::SHIFT) => Code::BackTab,
            "tab" => Code::Tab,
            "backtab" => Code::BackTab,
            "esc" | "escape" => Code::Esc,
            "space" => Code::Char(' '),
            "backspace" => Code::Backspace,
            "delete" | "del" => Code::Delete,
            "insert" | "ins" => Code::Insert,
            "up" => Code::Up,
            "down" => Code::Down,
            "left" => Code::Left,
            "right" => Code::Right,
            "home" => Code::Home,
            "end" => Code::End,
            "pageup" | "pgup" => Code::PageUp,
            "pagedown" | "pgdn" => Code::PageDown,
            f if f.starts_with('f') && f.len() > 1 && f[1..].chars().all(|c| c.is_ascii_digit()) => {
                let n: u8 = f[1..].parse().map_err(|_| format!("\"{s}\" is not a function key"))?;
                if !(1..=24).contains(&n) {
                    return Err(format!("\"{s}\": function keys go from f1 to f24"));
                }
                Code::F(n)
            }
            c if c.chars().count() == 1 => {
                // Keep the case the user wrote for plain characters ("Q" differs from "q").
                let original = s.trim().chars().last().unwrap_or(' ');
                let ch = if mods.contains(Mods::SHIFT) { original.to_ascii_uppercase() } else { original };
                Code::Char(if mods.intersects(Mods::CTRL | Mods::ALT) { ch.to_ascii_lowercase() } else { ch })
            }
            _ => return Err(format!("\"{s}\" is not a key name (examples: q, ctrl+s, alt+1, f2, enter, pageup)")),
        };
        Ok(Key::new(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(Mods::CTRL) {
            f.write_str("Ctrl+")?;
        }
        if self.mods.contains(Mods::ALT) {
            f.write_str("Alt+")?;
        }
        if self.mods.contains(Mods::SHIFT) {
            f.write_str("Shift+")?;
        }
        match self.code {
            Code::Char(' ') => f.write_str("Space"),
            Code::Char(c) => write!(f, "{}", if self.mods.is_empty() { c } else { c.to_ascii_uppercase() }),
            Code::F(n) => write!(f, "F{n}"),
            Code::BackTab => f.write_str("Shift+Tab"),
            Code::PageUp => f.write_str("PgUp"),
            Code::PageDown => f.write_str("PgDn"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names() {
        assert_eq!(Key::parse("ctrl+s").unwrap(), Key::ctrl('s'));
        assert_eq!(Key::parse("F2").unwrap(), Key::plain(Code::F(2)));
        assert_eq!(Key::parse("alt+1").unwrap(), Key::new(Code::Char('1'), Mods::ALT));
        assert_eq!(Key::parse("shift+tab").unwrap(), Key::plain(Code::BackTab));
        assert_eq!(Key::parse("Q").unwrap().code, Code::Char('Q'));
        assert_eq!(Key::parse("ctrl+]").unwrap(), Key::ctrl(']'));
        assert!(Key::parse("hyper+x").is_err());
        assert!(Key::parse("f99").is_err());
        assert!(Key::parse("banana").is_err());
    }

    #[test]
    fn shift_is_folded_into_characters() {
        assert_eq!(Key::new(Code::Char('A'), Mods::SHIFT), Key::char('A'));
        assert!(Key::char('a').is_text());
        assert!(!Key::ctrl('a').is_text());
        assert_eq!(Key::ctrl('q').to_string(), "Ctrl+Q");
    }
}
