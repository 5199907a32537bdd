//! Colour themes: semantic roles (ok, error, selection, …) mapped to styles, read from TOML
//! into plain types (the dashboard turns them into its drawing library's styles).
//! The built-in themes are the files in `themes/`, compiled in; a config may also name a path.
//! With `NO_COLOR` set, colours are dropped and meaning rests on modifiers and symbols.

use serde::Deserialize;
use std::collections::BTreeMap;

pub const BUILT_IN: [(&str, &str); 3] = [
    ("default", include_str!("../../themes/default.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// What a style means on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Base,
    Ok,
    Warning,
    Error,
    Selection,
    Border,
    TabActive,
    TabInactive,
    Muted,
    Title,
    StatusBar,
    Accent,
    InputFocus,
}

impl Role {
    pub const ALL: [Role; 13] = [
        Role::Base,
        Role::Ok,
        Role::Warning,
        Role::Error,
        Role::Selection,
        Role::Border,
        Role::TabActive,
        Role::TabInactive,
        Role::Muted,
        Role::Title,
        Role::StatusBar,
        Role::Accent,
        Role::InputFocus,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Base => "base",
            Role::Ok => "ok",
            Role::Warning => "warning",
            Role::Error => "error",
            Role::Selection => "selection",
            Role::Border => "border",
            Role::TabActive => "tab_active",
            Role::TabInactive => "tab_inactive",
            Role::Muted => "muted",
            Role::Title => "title",
            Role::StatusBar => "status_bar",
            Role::Accent => "accent",
            Role::InputFocus => "input_focus",
        }
    }
}

/// A terminal colour: one of the 16, the terminal's default, or #rrggbb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Reset,
    Black,
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
    Gray,
    DarkGray,
    LightRed,
    LightGreen,
    LightYellow,
    LightBlue,
    LightMagenta,
    LightCyan,
    White,
    Rgb(u8, u8, u8),
}

/// How one role looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub fg: Option<Colour>,
    pub bg: Option<Colour>,
    pub bold: bool,
    pub reversed: bool,
    pub underlined: bool,
    pub dim: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<Role, Style>,
}

impl Theme {
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    /// Drops every colour, keeping bold, reverse and underline (for `NO_COLOR`).
    pub fn without_colour(mut self) -> Theme {
        for s in self.styles.values_mut() {
            s.fg = None;
            s.bg = None;
        }
        self
    }

    /// A built-in theme by name.
    pub fn built_in(name: &str) -> Option<Theme> {
        BUILT_IN.iter().find(|(n, _)| *n == name).and_then(|(_, src)| Theme::parse(src).ok())
    }

    /// Reads a theme file's text; errors say which role or value is wrong.
    pub fn parse(src: &str) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(src).map_err(|e| e.message().to_string())?;
        let mut styles = BTreeMap::new();
        for role in Role::ALL {
            if let Some(spec) = file.roles.get(role.name()) {
                styles.insert(role, spec.style().map_err(|e| format!("role {}: {e}", role.name()))?);
            }
        }
        if let Some(unknown) = file.roles.keys().find(|k| !Role::ALL.iter().any(|r| r.name() == k.as_str())) {
            let names: Vec<_> = Role::ALL.iter().map(|r| r.name()).collect();
            return Err(format!("\"{unknown}\" is not a role; roles are {}", names.join(", ")));
        }
        Ok(Theme { name: file.name, styles })
    }
}

// Not `deny_unknown_fields`: serde cannot combine it with `flatten`; `parse` checks role names.
#[derive(Deserialize)]
struct ThemeFile {
    name: String,
    #[serde(flatten)]
    roles: BTreeMap<String, StyleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    dim: bool,
}

impl StyleSpec {
    fn style(&self) -> Result<Style, String> {
        Ok(Style {
            fg: self.fg.as_deref().map(colour).transpose()?,
            bg: self.bg.as_deref().map(colour).transpose()?,
            bold: self.bold,
            reversed: self.reversed,
            underlined: self.underlined,
            dim: self.dim,
        })
    }
}

fn colour(name: &str) -> Result<Colour, String> {
    let c = match name.to_ascii_lowercase().as_str() {
        "reset" | "default" => Colour::Reset,
        "black" => Colour::Black,
        "red" => Colour::Red,
        "green" => Colour::Green,
        "yellow" => Colour::Yellow,
        "blue" => Colour::Blue,
        "magenta" => Colour::Magenta,
        "cyan" => Colour::Cyan,
        "gray" | "grey" => Colour::Gray,
        "darkgray" | "darkgrey" => Colour::DarkGray,
        "lightred" => Colour::LightRed,
        "lightgreen" => Colour::LightGreen,
        "lightyellow" => Colour::LightYellow,
        "lightblue" => Colour::LightBlue,
        "lightmagenta" => Colour::LightMagenta,
        "lightcyan" => Colour::LightCyan,
        "white" => Colour::White,
        hex if hex.starts_with('#') && hex.len() == 7 => {
            let v = u32::from_str_radix(&hex[1..], 16).map_err(|_| format!("\"{name}\" is not a #rrggbb colour"))?;
            Colour::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
        }
        _ => {
            return Err(format!(
                "\"{name}\" is not a colour; use one of the 16 terminal colours (black, red, green, yellow, blue, magenta, cyan, gray, darkgray, lightred, …, white), reset, or #rrggbb"
            ))
        }
    };
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_themes_parse_and_define_every_role() {
        for (name, src) in BUILT_IN {
            let t = Theme::parse(src).unwrap_or_else(|e| panic!("{name}: {e}"));
            for role in Role::ALL {
                assert!(t.styles.contains_key(&role), "{name} lacks {}", role.name());
            }
        }
    }

    #[test]
    fn default_uses_only_the_16_ansi_colours() {
        let t = Theme::built_in("default").unwrap();
        for s in t.styles.values() {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(!matches!(c, Colour::Rgb(..)), "{c:?}");
            }
        }
    }

    #[test]
    fn mono_and_no_colour_carry_no_colour() {
        let mono = Theme::built_in("mono").unwrap();
        assert!(mono.styles.values().all(|s| s.fg.is_none() && s.bg.is_none()));
        let plain = Theme::built_in("default").unwrap().without_colour();
        assert!(plain.style(Role::Error).fg.is_none());
        assert!(plain.style(Role::Selection).reversed);
    }

    #[test]
    fn bad_themes_say_what_is_wrong() {
        assert!(Theme::parse("name = \"x\"\n[ok]\nfg = \"chartreuse\"").unwrap_err().contains("not a colour"));
        assert!(Theme::parse("name = \"x\"\n[okay]\nfg = \"red\"").unwrap_err().contains("not a role"));
        assert!(Theme::parse("name = \"x\"\n[ok]\nblink = true").is_err());
    }
}
