//! The sign-in screen (kiosk mode, nobody signed in) and the PIN prompt drawn over any screen.
//! Both fit a 40×16 handheld terminal.

use crate::config::keys::Action;
use crate::tui::access::{Access, PinPrompt};
use crate::tui::msg::{PinFor, Settings};
use crate::tui::signing::{SignDialog, Step};
use crate::tui::theme::{Role, Theme};
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// `typed`: what has been typed on the screen so far.
pub fn view(access: &Access, s: &Settings, typed: &str, frame: &mut Frame, area: Rect) {
    let t = &s.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Accent))
        .title(Span::styled(" Sign in ", t.style(Role::Title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = vec![
        Line::from(Span::styled("Scan your badge,", t.style(Role::Base))),
        Line::from(Span::styled("or type your operator id and Enter.", t.style(Role::Base))),
        Line::from(""),
        Line::from(vec![
            Span::styled("› ", t.style(Role::Accent)),
            Span::styled(typed.to_string(), t.style(Role::InputFocus)),
        ]),
        Line::from(""),
    ];
    if let Some(e) = &access.signin_error {
        lines.push(Line::from(Span::styled(format!("✗ {e}"), t.style(Role::Error))));
    } else {
        lines.push(Line::from(Span::styled(
            format!("Scanning needs a signed-in operator at {}.", s.station_id),
            t.style(Role::Muted),
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

/// The PIN prompt: dots for what was typed, the last error, how to leave.
pub fn prompt(s: &Settings, p: &PinPrompt, frame: &mut Frame, area: Rect, t: &Theme) {
    let title = match &p.purpose {
        PinFor::Supervisor => " Supervisor PIN ".to_string(),
        PinFor::AllowMore => " Supervisor PIN: allow more packs ".to_string(),
        PinFor::Operator(id) => {
            let who = s.access.operators.iter().find(|o| &o.id == id).map(|o| o.shown());
            format!(" PIN for {} ", who.unwrap_or_else(|| id.clone()))
        }
    };
    let dots = "•".repeat(p.typed.expose().chars().count());
    let mut lines = vec![Line::from(vec![
        Span::styled("PIN: ", t.style(Role::Base)),
        Span::styled(dots, t.style(Role::InputFocus)),
    ])];
    lines.push(match (&p.error, p.checking) {
        (_, true) => Line::from(Span::styled("⧗ checking…", t.style(Role::Muted))),
        (Some(e), _) => Line::from(Span::styled(format!("✗ {e}"), t.style(Role::Error))),
        (None, _) => Line::from(""),
    });
    lines.push(Line::from(Span::styled("Enter: check · Esc: cancel", t.style(Role::Muted))));
    let w = area.width.min(48);
    // The error may wrap on a narrow screen: room for two lines of it.
    let h = 7u16.min(area.height);
    let r = crate::tui::widgets::centered(area, w, h);
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Warning))
        .title(Span::styled(title, t.style(Role::Warning)));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: true })
            .alignment(Alignment::Left)
            .style(t.style(Role::Base)),
        r,
    );
}

/// The signing dialog: what is signed, the meaning, the reason, who signs, the PIN as dots, the
/// last error and the keys. It wraps to fit a 40×16 handheld.
pub fn sign_dialog(d: &SignDialog, frame: &mut Frame, area: Rect, t: &Theme) {
    let field = |label: &str, value: String, here: bool| {
        let style = if here { t.style(Role::InputFocus) } else { t.style(Role::Base) };
        let mark = if here { "› " } else { "  " };
        Line::from(vec![
            Span::styled(mark.to_string(), t.style(Role::Accent)),
            Span::styled(format!("{label}: "), t.style(Role::Muted)),
            Span::styled(value, style),
        ])
    };
    let mut lines = vec![Line::from(Span::styled(d.request.summary.clone(), t.style(Role::Base)))];
    if d.signature {
        lines.push(field("Meaning", d.meaning.clone(), false));
    }
    if d.signature && d.reason_required {
        let hint = if d.reason.is_empty() { "(required: type it)".to_string() } else { d.reason.clone() };
        lines.push(field("Reason", hint, d.step == Step::Reason));
    }
    let who = match &d.signer {
        Some(s) => s.shown(),
        None if d.step == Step::Id => d.id.clone(),
        None => "-".into(),
    };
    lines.push(field(if d.signer.is_some() { "Signer" } else { "Id or badge" }, who, d.step == Step::Id));
    lines.push(field("PIN", "•".repeat(d.pin.expose().chars().count()), d.step == Step::Pin));
    lines.push(match (&d.error, d.checking) {
        (_, true) => Line::from(Span::styled("⧗ checking…", t.style(Role::Muted))),
        (Some(e), _) => Line::from(Span::styled(format!("✗ {e}"), t.style(Role::Error))),
        (None, _) if d.continuous && d.step == Step::Pin => {
            Line::from(Span::styled("Same person as before: the PIN is enough", t.style(Role::Muted)))
        }
        (None, _) => Line::from(""),
    });
    let keys = match d.step {
        Step::Pin if d.continuous => "Enter: sign · Tab: another person · Esc: cancel",
        Step::Pin => "Enter: sign · Esc: cancel",
        _ => "Enter: next · Esc: cancel",
    };
    lines.push(Line::from(Span::styled(keys, t.style(Role::Muted))));
    let w = area.width.min(64);
    let inner = w.saturating_sub(2);
    let rows: u16 = lines
        .iter()
        .map(|l| {
            crate::tui::widgets::wrapped_rows(&l.spans.iter().map(|s| s.content.as_ref()).collect::<String>(), inner)
        })
        .sum();
    let h = (rows + 2).min(area.height);
    let r = crate::tui::widgets::centered(area, w, h);
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Warning))
        .title(Span::styled(format!(" {} ", d.request.action.title()), t.style(Role::Warning)));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).style(t.style(Role::Base)), r);
}

/// Who is signed in and whether the kiosk is locked, for the status bar.
pub fn who(access: &Access, s: &Settings) -> Option<String> {
    let op = access.operator.as_ref().map(|o| o.shown());
    let lock = if !s.access.kiosk {
        None
    } else if access.unlocked {
        Some(format!("UNLOCKED ({} locks)", s.keys.label(Action::Unlock)))
    } else {
        Some("locked".to_string())
    };
    match (op, lock) {
        (None, None) if s.access.operators.is_empty() => None,
        (None, None) => Some("nobody signed in".into()),
        (Some(o), None) => Some(o),
        (None, Some(l)) => Some(format!("nobody signed in · {l}")),
        (Some(o), Some(l)) => Some(format!("{o} · {l}")),
    }
}

/// The same, short enough for a 40-column header.
pub fn who_short(access: &Access, s: &Settings) -> String {
    let op = match &access.operator {
        Some(o) if o.name.is_empty() => o.id.clone(),
        Some(o) => o.name.clone(),
        None if s.access.operators.is_empty() => String::new(),
        None => "not signed in".into(),
    };
    let lock = match (s.access.kiosk, access.unlocked) {
        (false, _) => "",
        (true, false) => " · locked",
        (true, true) => " · UNLOCKED",
    };
    format!("{op}{lock}")
}
