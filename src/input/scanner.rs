//! How the station's barcode scanner types: the prefixes it may put before a code (AIM
//! symbology identifiers such as `]d2`, or a custom marker), the key that ends a scan, how the
//! GS1 separator arrives, and the pace that tells a scanner from a person.

use super::key::{Code, Key, Mods};
use super::{Millis, GS};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Suffix {
    #[default]
    Enter,
    Tab,
    Lf,
}

impl Suffix {
    pub fn parse(s: &str) -> Result<Suffix, String> {
        match s {
            "enter" => Ok(Suffix::Enter),
            "tab" => Ok(Suffix::Tab),
            "lf" => Ok(Suffix::Lf),
            _ => Err(format!("\"{s}\" is not a suffix: use \"enter\", \"tab\" or \"lf\"")),
        }
    }
}

/// How the GS1 separator reaches the terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Separator {
    /// The 0x1D byte (what most scanners send out of the box); a terminal sends the same byte
    /// for Ctrl+], so "gs" and "ctrl+]" are the same key here.
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

/// The scanner's settings, fixed for a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerSettings {
    /// Text a scanner may put before a code. One starting with `]` is an AIM symbology
    /// identifier and stays part of the scan; any other is a marker and is removed.
    pub prefixes: Vec<String>,
    pub suffix: Suffix,
    pub separator: Separator,
    /// Keys closer together than this belong to one burst.
    pub burst_window: Millis,
    /// A burst of at least this many characters that ends with the suffix is a scan.
    pub min_scan_length: usize,
}

impl Default for ScannerSettings {
    fn default() -> Self {
        ScannerSettings {
            prefixes: Vec::new(),
            suffix: Suffix::Enter,
            separator: Separator::Gs,
            burst_window: 40,
            min_scan_length: 8,
        }
    }
}

impl ScannerSettings {
    pub fn is_suffix(&self, k: &Key) -> bool {
        match self.suffix {
            Suffix::Enter => k.code == Code::Enter,
            Suffix::Tab => k.code == Code::Tab && k.mods.is_empty(),
            Suffix::Lf => *k == Key::ctrl('j'),
        }
    }

    pub fn is_separator(&self, k: &Key) -> bool {
        match self.separator {
            // The byte 0x1D, however it was reported.
            Separator::Gs | Separator::CtrlBracket => {
                *k == Key::ctrl(']') || *k == Key::ctrl('5') || k.code == Code::Char(GS)
            }
            Separator::F8 => k.code == Code::F(8) && k.mods.is_empty(),
            Separator::Char(c) => *k == Key::char(c),
        }
    }

    /// The character a key adds to a scan: GS for the separator, the character for text.
    pub fn scan_char(&self, k: &Key) -> Option<char> {
        if self.is_separator(k) {
            Some(GS)
        } else if k.mods.without(Mods::SHIFT).is_empty() {
            k.text()
        } else {
            None
        }
    }

    /// A scan without a custom marker prefix (AIM identifiers stay: they say what was read).
    pub fn without_marker(&self, scan: &str) -> String {
        for p in &self.prefixes {
            if !p.is_empty() && !p.starts_with(']') {
                if let Some(rest) = scan.strip_prefix(p.as_str()) {
                    return rest.to_string();
                }
            }
        }
        scan.to_string()
    }
}

/// A scan without its AIM symbology identifier (`]C0`, `]d2`, …): what the code itself holds.
pub fn strip_symbology(raw: &str) -> &str {
    match raw.get(3..) {
        Some(rest) if raw.starts_with(']') => rest,
        _ => raw,
    }
}
