//! The config's theme as the drawing library's styles: each role (ok, error, muted, …) turned
//! into a ratatui `Style` once, so drawing looks a style up and nothing more.

pub use crate::config::theme::Role;
use crate::config::theme::{Colour, Theme as Spec};
use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<Role, Style>,
}

impl Theme {
    pub fn new(spec: &Spec) -> Theme {
        let styles = Role::ALL.iter().map(|r| (*r, convert(spec.style(*r)))).collect();
        Theme { name: spec.name.clone(), styles }
    }

    /// A built-in theme by name.
    pub fn built_in(name: &str) -> Option<Theme> {
        Spec::built_in(name).map(|s| Theme::new(&s))
    }

    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }
}

fn convert(s: crate::config::theme::Style) -> Style {
    let mut out = Style::default();
    if let Some(c) = s.fg {
        out = out.fg(colour(c));
    }
    if let Some(c) = s.bg {
        out = out.bg(colour(c));
    }
    for (on, m) in [
        (s.bold, Modifier::BOLD),
        (s.reversed, Modifier::REVERSED),
        (s.underlined, Modifier::UNDERLINED),
        (s.dim, Modifier::DIM),
    ] {
        if on {
            out = out.add_modifier(m);
        }
    }
    out
}

fn colour(c: Colour) -> Color {
    match c {
        Colour::Reset => Color::Reset,
        Colour::Black => Color::Black,
        Colour::Red => Color::Red,
        Colour::Green => Color::Green,
        Colour::Yellow => Color::Yellow,
        Colour::Blue => Color::Blue,
        Colour::Magenta => Color::Magenta,
        Colour::Cyan => Color::Cyan,
        Colour::Gray => Color::Gray,
        Colour::DarkGray => Color::DarkGray,
        Colour::LightRed => Color::LightRed,
        Colour::LightGreen => Color::LightGreen,
        Colour::LightYellow => Color::LightYellow,
        Colour::LightBlue => Color::LightBlue,
        Colour::LightMagenta => Color::LightMagenta,
        Colour::LightCyan => Color::LightCyan,
        Colour::White => Color::White,
        Colour::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}
