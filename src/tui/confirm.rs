//! The question asked before anything irreversible (create, cancel, finish, remove, decommission,
//! quit). It carries what it will do, so a "yes" never calls back into a screen, and it takes
//! its answer only from a deliberate keystroke: one made after the question has been on screen
//! for `SETTLE`, and not inside a burst of fast keys (a scanner). Any other key closes it as
//! "no" and says so.

use super::msg::{KeyIn, Owner};
use super::theme::{Role, Theme};
use crate::input::key::Code;
use crate::input::Millis;
use crate::worker::Request;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// How long a question is on screen before a key may answer it.
pub const SETTLE: Millis = 300;

/// What an answer does.
#[derive(Debug, Clone)]
pub enum Then {
    /// Send this request; its answer goes to `owner`.
    Send {
        request: Box<Request>,
        owner: Owner,
    },
    Quit,
    /// Ask for a supervisor's signature first (see `signing`).
    Sign(Box<super::sign_request::SignRequest>),
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub key: char,
    pub label: String,
    pub then: Then,
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub choices: Vec<Choice>,
    /// When it appeared (set by the app).
    pub shown_at: Millis,
}

/// What a key did to the question.
#[derive(Debug)]
pub enum Answer {
    Chosen(Then, String),
    /// "n" or Esc.
    No,
    /// A key that came too soon or inside a burst.
    TooFast,
    /// Another key.
    Other,
}

impl Confirm {
    pub fn new(title: impl Into<String>, lines: Vec<String>, choices: Vec<Choice>) -> Self {
        Confirm { title: title.into(), lines, choices, shown_at: 0 }
    }

    /// The answer a key gives at `now`. The question is answered (closed) whatever the key.
    pub fn answer(self, k: KeyIn, now: Millis) -> Answer {
        if k.burst || now < self.shown_at + SETTLE {
            return Answer::TooFast;
        }
        if k.key.code == Code::Esc {
            return Answer::No;
        }
        let Some(c) = k.key.text() else { return Answer::Other };
        if c.eq_ignore_ascii_case(&'n') {
            return Answer::No;
        }
        match self.choices.into_iter().find(|ch| ch.key.eq_ignore_ascii_case(&c)) {
            Some(ch) => Answer::Chosen(ch.then, ch.label),
            None => Answer::Other,
        }
    }

    pub fn view(&self, frame: &mut Frame, area: Rect, t: &Theme) {
        let mut lines: Vec<Line> = self.lines.iter().map(|l| Line::from(l.as_str())).collect();
        lines.push(Line::from(""));
        let mut answer = Vec::new();
        // A key and its label stay on one row: joined by no-break spaces while wrapping, which
        // are turned back into plain spaces once drawn.
        let keep = |s: String| s.replace(' ', NBSP);
        for c in &self.choices {
            answer.push(Span::styled(keep(format!(" {} ", c.key)), t.style(Role::TabActive)));
            answer.push(Span::raw(keep(format!(" {}", c.label)) + "  "));
        }
        answer.push(Span::styled(keep(" n ".into()), t.style(Role::TabActive)));
        answer.push(Span::raw(keep(" no, go back".into())));
        lines.push(Line::from(answer));
        let width = area.width.min(68);
        // Wrapped lines take more rows than there are lines: count them at this width.
        let inner = width.saturating_sub(2).max(1) as usize;
        let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
        let r = super::widgets::centered(area, width, rows as u16 + 2);
        frame.render_widget(Clear, r);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.style(Role::Warning))
            .title(Span::styled(format!(" {} ", self.title), t.style(Role::Warning)));
        frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: true }).style(t.style(Role::Base)), r);
        let buf = frame.buffer_mut();
        for y in r.top()..r.bottom() {
            for x in r.left()..r.right() {
                if buf[(x, y)].symbol() == NBSP {
                    buf[(x, y)].set_symbol(" ");
                }
            }
        }
    }
}

const NBSP: &str = "\u{a0}";
