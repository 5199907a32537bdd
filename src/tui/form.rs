//! A form of labelled fields: free text (tui-input), a choice from a list, or a yes/no toggle.
//! Errors sit on the field they concern; the form never loses what was typed. A paste goes into
//! the focused text field with line breaks removed, so it can never submit anything.

use crate::domain::FieldError;
use crate::input::key::{Code, Key, Mods};
use crate::tui::theme::{Role, Theme};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use tui_input::{Input, InputRequest};

/// The editing a key asks of a one-line text input (tui-input leaves key mapping to us).
pub fn edit_request(k: &Key) -> Option<InputRequest> {
    let ctrl = k.mods.contains(Mods::CTRL);
    match k.code {
        Code::Char('u') if ctrl => Some(InputRequest::DeleteLine),
        Code::Char('w') if ctrl => Some(InputRequest::DeletePrevWord),
        Code::Char(c) if !ctrl && !k.mods.contains(Mods::ALT) => Some(InputRequest::InsertChar(c)),
        Code::Backspace => Some(InputRequest::DeletePrevChar),
        Code::Delete => Some(InputRequest::DeleteNextChar),
        Code::Left => Some(InputRequest::GoToPrevChar),
        Code::Right => Some(InputRequest::GoToNextChar),
        Code::Home => Some(InputRequest::GoToStart),
        Code::End => Some(InputRequest::GoToEnd),
        _ => None,
    }
}

/// Whether a key typed inside a fast burst (not a person's keystroke) may change a form:
/// text, Backspace and moving between fields may; Enter (which may send), Esc and every
/// shortcut may not.
pub fn burst_may_edit(k: &Key) -> bool {
    k.text().is_some() || matches!(k.code, Code::Tab | Code::BackTab | Code::Backspace)
}

#[derive(Debug, Clone)]
pub enum Kind {
    Text,
    /// (value sent, label shown); an empty value means "none".
    Choice(Vec<(String, String)>),
    Toggle,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub key: String,
    pub label: String,
    pub kind: Kind,
    pub input: Input,
    pub choice: usize,
    pub on: bool,
    pub error: Option<String>,
}

impl Field {
    pub fn text(key: impl Into<String>, label: impl Into<String>) -> Field {
        Field {
            key: key.into(),
            label: label.into(),
            kind: Kind::Text,
            input: Input::default(),
            choice: 0,
            on: false,
            error: None,
        }
    }

    pub fn choice(key: impl Into<String>, label: impl Into<String>, options: Vec<(String, String)>) -> Field {
        Field { kind: Kind::Choice(options), ..Field::text(key, label) }
    }

    pub fn toggle(key: impl Into<String>, label: impl Into<String>, on: bool) -> Field {
        Field { kind: Kind::Toggle, on, ..Field::text(key, label) }
    }

    pub fn value(&self) -> String {
        match &self.kind {
            Kind::Text => self.input.value().to_string(),
            Kind::Choice(opts) => opts.get(self.choice).map(|(v, _)| v.clone()).unwrap_or_default(),
            Kind::Toggle => self.on.to_string(),
        }
    }

    fn shown(&self) -> String {
        match &self.kind {
            Kind::Text => self.input.value().to_string(),
            Kind::Choice(opts) => match opts.get(self.choice) {
                Some((v, l)) if l.is_empty() => format!("◂ {v} ▸"),
                Some((v, l)) if v.is_empty() => format!("◂ {l} ▸"),
                Some((v, l)) => format!("◂ {v} — {l} ▸"),
                None => "◂ (none configured) ▸".into(),
            },
            Kind::Toggle => if self.on { "[x] yes" } else { "[ ] no" }.into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A refusal that concerns no single field.
    pub form_error: Option<String>,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        Form { fields, focus: 0, form_error: None }
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    /// A text field has the cursor (plain letters are typed, not shortcuts).
    pub fn text_focused(&self) -> bool {
        matches!(self.focused().map(|f| &f.kind), Some(Kind::Text))
    }

    pub fn on_last_field(&self) -> bool {
        self.focus + 1 >= self.fields.len()
    }

    /// A whole-number field: `None` when empty; an error on the field when it is not a number.
    pub fn whole_number(&self, key: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
        let v = self.value(key);
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        v.parse().map_err(|_| errors.push(FieldError::new(key, "must be a whole number"))).ok()
    }

    pub fn value(&self, key: &str) -> String {
        self.fields.iter().find(|f| f.key == key).map(Field::value).unwrap_or_default()
    }

    pub fn set(&mut self, key: &str, value: &str) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.key == key) {
            match &f.kind {
                Kind::Text => f.input = Input::new(value.to_string()),
                Kind::Choice(opts) => {
                    if let Some(i) = opts.iter().position(|(v, _)| v == value) {
                        f.choice = i;
                    }
                }
                Kind::Toggle => f.on = value == "true",
            }
        }
    }

    /// Empties every text field and resets choices (after a successful submit).
    pub fn clear(&mut self) {
        for f in &mut self.fields {
            f.input.reset();
            f.error = None;
        }
        self.form_error = None;
        self.focus = 0;
    }

    /// Puts each error on its field; errors for no known field go to the form.
    pub fn set_errors(&mut self, errors: &[FieldError]) {
        for f in &mut self.fields {
            f.error = None;
        }
        let mut rest = Vec::new();
        for e in errors {
            // "serials[3]" belongs to "serials"; a server may name fields we do not show.
            let base = e.field.split('[').next().unwrap_or("");
            let message = self.in_form_words(&e.message);
            match self.fields.iter_mut().find(|f| f.key == base) {
                Some(f) if f.error.is_none() => f.error = Some(message),
                Some(_) => {}
                None => rest.push(e.to_string()),
            }
        }
        if !rest.is_empty() {
            self.form_error = Some(rest.join("; "));
        }
    }

    /// A rule's message names other fields by the API's names (`extra_label_amount`); the
    /// operator knows them by the form's labels.
    fn in_form_words(&self, message: &str) -> String {
        let mut out = message.to_string();
        for f in self.fields.iter().filter(|f| f.key.contains('_')) {
            out = out.replace(&f.key, &format!("\"{}\"", f.label));
        }
        out
    }

    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len().max(1);
    }

    pub fn prev(&mut self) {
        let n = self.fields.len().max(1);
        self.focus = (self.focus + n - 1) % n;
    }

    /// Editing and moving keys; returns whether anything changed.
    pub fn key(&mut self, k: Key) -> bool {
        match k.code {
            Code::Tab | Code::Down => {
                self.next();
                return true;
            }
            Code::BackTab | Code::Up => {
                self.prev();
                return true;
            }
            _ => {}
        }
        let Some(f) = self.fields.get_mut(self.focus) else { return false };
        match &f.kind {
            Kind::Text => edit_request(&k).and_then(|r| f.input.handle(r)).is_some(),
            Kind::Choice(opts) => {
                let n = opts.len().max(1);
                match k.code {
                    Code::Right | Code::Char(' ') => f.choice = (f.choice + 1) % n,
                    Code::Left => f.choice = (f.choice + n - 1) % n,
                    _ => return false,
                }
                true
            }
            Kind::Toggle => match k.code {
                Code::Char(' ') | Code::Left | Code::Right => {
                    f.on = !f.on;
                    true
                }
                _ => false,
            },
        }
    }

    /// Pasted text goes into the focused text field, line breaks and control characters removed.
    pub fn paste(&mut self, text: &str) -> bool {
        let Some(f) = self.fields.get_mut(self.focus) else { return false };
        if !matches!(f.kind, Kind::Text) {
            return false;
        }
        for c in text.chars().filter(|c| !c.is_control()) {
            f.input.handle(InputRequest::InsertChar(c));
        }
        true
    }

    /// Rows: one per field, `label  value  ✗ error`. Sets the cursor in the focused text field.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, active: bool) {
        let label_w = self.fields.iter().map(|f| f.label.chars().count()).max().unwrap_or(10) as u16 + 2;
        let value_w = (area.width.saturating_sub(label_w) / 2).clamp(16, 40);
        // A form taller than its area scrolls so that the focused field stays in sight.
        let first = self.focus.saturating_sub((area.height as usize).saturating_sub(1));
        for (i, f) in self.fields.iter().enumerate().skip(first) {
            let y = area.y + (i - first) as u16;
            if y >= area.bottom() {
                break;
            }
            let focused = active && i == self.focus;
            let label_style = if focused { theme.style(Role::Accent) } else { theme.style(Role::Base) };
            let mark = if focused { "›" } else { " " };
            let value_style = if focused { theme.style(Role::InputFocus) } else { theme.style(Role::Base) };
            let shown = f.shown();
            let scroll = f.input.visual_scroll(value_w.saturating_sub(1) as usize);
            // Choices have no error column to leave room for: they may use the whole row.
            let width = match f.kind {
                Kind::Text => value_w as usize,
                // ...unless they have an error to show: it must not be pushed off the row.
                _ if f.error.is_some() => value_w as usize,
                _ => area.width.saturating_sub(label_w) as usize,
            };
            let visible: String = match f.kind {
                Kind::Text => shown.chars().skip(scroll).take(width).collect(),
                _ => shown.chars().take(width).collect(),
            };
            let pad = " ".repeat(width.saturating_sub(visible.chars().count()));
            let mut spans = vec![
                Span::styled(format!("{mark}{:<w$}", f.label, w = label_w as usize - 1), label_style),
                Span::styled(format!("{visible}{pad}"), value_style),
            ];
            match &f.error {
                Some(e) => spans.push(Span::styled(format!(" ✗ {e}"), theme.style(Role::Error))),
                None if matches!(f.kind, Kind::Text) && !f.value().is_empty() => {
                    spans.push(Span::styled(" ✓", theme.style(Role::Ok)))
                }
                None => {}
            }
            frame.render_widget(Paragraph::new(Line::from(spans)), Rect { y, height: 1, ..area });
            if focused && matches!(f.kind, Kind::Text) {
                let x = area.x + label_w + (f.input.visual_cursor().saturating_sub(scroll)) as u16;
                frame.set_cursor_position(Position { x: x.min(area.right().saturating_sub(1)), y });
            }
        }
    }
}

impl Form {
    /// Under the fields: the form's own error, else the focused field's whole error (the row
    /// may have cut it), else "sending" while an answer is awaited.
    pub fn render_message(&self, frame: &mut Frame, area: Rect, theme: &Theme, sending: bool) {
        let (text, role) = if let Some(e) = &self.form_error {
            (format!("✗ {e}"), Role::Error)
        } else if let Some(e) = self.focused().and_then(|f| f.error.as_ref().map(|e| format!("✗ {}: {e}", f.label))) {
            (e, Role::Error)
        } else if sending {
            ("⧗ sending…".to_string(), Role::Muted)
        } else {
            return;
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.style(role))).wrap(Wrap { trim: true }), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: Code) -> Key {
        Key::plain(c)
    }

    fn form() -> Form {
        Form::new(vec![
            Field::text("order_id", "Order id"),
            Field::choice("kind", "Kind", vec![("".into(), "none".into()), ("amount".into(), "".into())]),
            Field::toggle("execute", "Execute", false),
        ])
    }

    #[test]
    fn typing_moving_and_choosing() {
        let mut f = form();
        for c in "AB1".chars() {
            f.key(key(Code::Char(c)));
        }
        f.key(key(Code::Backspace));
        assert_eq!(f.value("order_id"), "AB");
        f.key(key(Code::Tab));
        f.key(key(Code::Right));
        assert_eq!(f.value("kind"), "amount");
        f.key(key(Code::Down));
        f.key(key(Code::Char(' ')));
        assert_eq!(f.value("execute"), "true");
        f.key(key(Code::Tab));
        assert_eq!(f.focus, 0, "focus wraps around");
    }

    #[test]
    fn paste_drops_line_breaks() {
        let mut f = form();
        assert!(f.paste("Order\r\n146\n"));
        assert_eq!(f.value("order_id"), "Order146");
    }

    #[test]
    fn errors_land_on_their_fields() {
        let mut f = form();
        f.set_errors(&[FieldError::new("order_id", "must not be empty"), FieldError::new("market", "odd")]);
        assert_eq!(f.fields[0].error.as_deref(), Some("must not be empty"));
        assert_eq!(f.form_error.as_deref(), Some("market: odd"));
        assert!(f.has_errors());
    }
}
