//! The Packaging orders tab: the open orders of this station's line, the selected order's
//! details, lookup of any order by id (typed or scanned), the create-order form, and making an
//! order the station's active order.

use crate::api::ApiError;
use crate::config::keys::Action;
use crate::config::theme::{Role, Theme};
use crate::domain::manufacturer::{CreatePackagingOrder, PackagingOrder};
use crate::domain::{date, FieldError};
use crate::tui::app::{cycle_tab, App, Confirm, Effect, Pending, Severity};
use crate::tui::form::{Field, Form};
use crate::worker::Job;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use tui_input::{Input, InputRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    List,
    Lookup,
    Form,
}

pub struct PackagingTab {
    pub orders: Vec<PackagingOrder>,
    pub selected: usize,
    pub mode: Mode,
    pub refresh_id: Option<u64>,
    pub loaded_at: Option<String>,
    pub list_error: Option<String>,
    pub lookup: Input,
    pub lookup_id: Option<u64>,
    pub found: Option<PackagingOrder>,
    pub lookup_error: Option<String>,
    pub form: Form,
    pub create_id: Option<u64>,
    /// After a submit attempt every rule is shown, not only those of fields already filled.
    show_all_errors: bool,
}

impl PackagingTab {
    pub fn new(line: &str) -> Self {
        let mut form = Form::new(vec![
            Field::text("order_id", "Order id"),
            Field::text("order_description", "Description"),
            Field::text("product_code", "Product (GTIN)"),
            Field::choice("product_code_schema", "Code schema", vec![("GTIN".into(), String::new())]),
            Field::text("batch", "Batch"),
            Field::text("expiry_date", "Expiry (YYMMDD)"),
            Field::text("quantity", "Quantity"),
            Field::text("extra_percentage", "Extra %"),
            Field::toggle("serialized", "Serialized", true),
            Field::text("packaging_line_tag", "Packaging line"),
        ]);
        form.set("packaging_line_tag", line);
        PackagingTab {
            orders: Vec::new(),
            selected: 0,
            mode: Mode::List,
            refresh_id: None,
            loaded_at: None,
            list_error: None,
            lookup: Input::default(),
            lookup_id: None,
            found: None,
            lookup_error: None,
            form,
            create_id: None,
            show_all_errors: false,
        }
    }

    pub fn text_focused(&self) -> bool {
        match self.mode {
            Mode::List => false,
            Mode::Lookup => true,
            Mode::Form => self.form.text_focused(),
        }
    }

    /// The order the details panel shows: a looked-up one, else the selected row.
    pub fn shown_order(&self) -> Option<&PackagingOrder> {
        self.found.as_ref().or_else(|| self.orders.get(self.selected))
    }

    pub fn paste(&mut self, text: &str) {
        match self.mode {
            Mode::Lookup => {
                for c in text.chars().filter(|c| !c.is_control()) {
                    self.lookup.handle(InputRequest::InsertChar(c));
                }
            }
            Mode::Form => {
                self.form.paste(text);
                self.revalidate();
            }
            Mode::List => {}
        }
    }

    /// The form as a request, or the fields that are not even numbers.
    /// The form as a request, with the fields that do not even parse (numbers). Missing or
    /// unparsable numbers are -1 in the request, which the domain rules also refuse.
    pub fn request(&self) -> (CreatePackagingOrder, Vec<FieldError>) {
        let f = &self.form;
        let mut errors = Vec::new();
        let opt = |k: &str| Some(f.value(k).trim().to_string()).filter(|v| !v.is_empty());
        let mut number = |k: &str| f.whole_number(k, &mut errors);
        let quantity = number("quantity");
        let extra = number("extra_percentage");
        let req = CreatePackagingOrder {
            order_id: f.value("order_id").trim().to_string(),
            order_description: opt("order_description"),
            product_code: f.value("product_code").trim().to_string(),
            product_code_schema: f.value("product_code_schema"),
            batch: opt("batch"),
            expiry_date: opt("expiry_date"),
            quantity: quantity.unwrap_or(-1),
            extra_percentage: extra,
            serialized: Some(f.value("serialized") == "true"),
            packaging_line_tag: opt("packaging_line_tag"),
            market: None,
        };
        if quantity.is_none() && !errors.iter().any(|e| e.field == "quantity") {
            errors.push(FieldError::new("quantity", "is required (0 to 100000)"));
        }
        (req, errors)
    }

    /// Checks every rule of seed 001 as the user types; shows errors of empty fields only
    /// after a submit attempt.
    pub fn revalidate(&mut self) -> Option<CreatePackagingOrder> {
        let (req, mut errors) = self.request();
        // A field that does not parse shows that, not the rule its placeholder breaks.
        for e in req.validate(date::current_year()) {
            if !errors.iter().any(|p| p.field == e.field) {
                errors.push(e);
            }
        }
        if !self.show_all_errors {
            errors.retain(|e| !self.form.value(e.field.split('[').next().unwrap_or("")).trim().is_empty());
        }
        let ok = errors.is_empty();
        self.form.set_errors(&errors);
        Some(req).filter(|_| ok)
    }

    pub fn orders_arrived(&mut self, id: u64, r: Result<Vec<PackagingOrder>, ApiError>, now: &str) {
        if self.refresh_id != Some(id) {
            return; // a refresh that a newer one replaced
        }
        self.refresh_id = None;
        match r {
            Ok(orders) => {
                let keep = self.orders.get(self.selected).map(|o| o.order_id.clone());
                self.orders = orders;
                self.selected = keep.and_then(|k| self.orders.iter().position(|o| o.order_id == k)).unwrap_or(0);
                self.loaded_at = Some(now.to_string());
                self.list_error = None;
            }
            Err(e) => self.list_error = Some(e.to_string()),
        }
    }

    /// A lookup's answer, if the user is still waiting for it.
    pub fn lookup_arrived(&mut self, id: u64, r: Result<PackagingOrder, ApiError>) -> Option<PackagingOrder> {
        if self.lookup_id != Some(id) {
            return None; // the user closed the lookup; drop it quietly
        }
        self.lookup_id = None;
        match r {
            Ok(o) => {
                self.found = Some(o.clone());
                self.lookup_error = None;
                self.mode = Mode::List;
                Some(o)
            }
            Err(e) => {
                self.lookup_error = Some(e.to_string());
                None
            }
        }
    }

    fn move_selection(&mut self, code: KeyCode) {
        let n = self.orders.len();
        if n == 0 {
            return;
        }
        self.found = None;
        self.selected = match code {
            KeyCode::Up => self.selected.saturating_sub(1),
            KeyCode::Down => (self.selected + 1).min(n - 1),
            KeyCode::PageUp => self.selected.saturating_sub(10),
            KeyCode::PageDown => (self.selected + 10).min(n - 1),
            KeyCode::Home => 0,
            KeyCode::End => n - 1,
            _ => self.selected,
        };
    }
}

pub fn key(app: &mut App, k: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let mut effects = Vec::new();
    match app.packaging.mode {
        Mode::List => match (action, k.code) {
            (Some(Action::Refresh), _) => {
                let line = app.settings.line.clone();
                let id = app.request(Job::OpenOrders { line }, &mut effects);
                app.packaging.refresh_id = Some(id);
                app.flash(Severity::Info, "Refreshing…");
            }
            (Some(Action::NewOrder), _) => {
                app.packaging.mode = Mode::Form;
                app.flash(Severity::Info, "New packaging order: fill in the fields, then submit");
            }
            (Some(Action::Lookup), _) => {
                app.packaging.mode = Mode::Lookup;
                app.packaging.lookup_error = None;
            }
            (Some(Action::SetActive), _) | (None, KeyCode::Enter) => match app.packaging.shown_order().cloned() {
                Some(o) => effects.extend(app.set_active(o)),
                None => app.flash(Severity::Warning, "No order selected: refresh the list or look one up"),
            },
            (_, KeyCode::Tab) => cycle_tab(app, true),
            (_, KeyCode::BackTab) => cycle_tab(app, false),
            (
                _,
                c @ (KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown | KeyCode::Home | KeyCode::End),
            ) => app.packaging.move_selection(c),
            _ => {}
        },
        Mode::Lookup => match k.code {
            KeyCode::Esc => {
                app.packaging.mode = Mode::List;
                app.packaging.lookup_id = None;
            }
            KeyCode::Enter => {
                let id = app.packaging.lookup.value().trim().to_string();
                if id.is_empty() {
                    app.packaging.lookup_error = Some("type or scan an order id first".into());
                } else {
                    let rid = app.request(Job::OrderDetails { order_id: id }, &mut effects);
                    app.packaging.lookup_id = Some(rid);
                    app.packaging.lookup_error = None;
                }
            }
            _ => {
                if let Some(r) = crate::tui::form::edit_request(&k) {
                    app.packaging.lookup.handle(r);
                }
            }
        },
        Mode::Form => {
            let submit =
                action == Some(Action::Submit) || (k.code == KeyCode::Enter && app.packaging.form.on_last_field());
            if submit {
                return submit_form(app);
            }
            match k.code {
                // Leaving keeps everything typed; nothing is lost by Esc.
                KeyCode::Esc => app.packaging.mode = Mode::List,
                KeyCode::Enter => app.packaging.form.next(),
                _ => {
                    if app.packaging.form.key(k) {
                        app.packaging.revalidate();
                    }
                }
            }
        }
    }
    effects
}

fn submit_form(app: &mut App) -> Vec<Effect> {
    if app.packaging.create_id.is_some() {
        app.flash(Severity::Warning, "Still waiting for the answer to the last order");
        return Vec::new();
    }
    app.packaging.show_all_errors = true;
    let req = app.packaging.revalidate();
    app.packaging.show_all_errors = false;
    match req {
        Some(order) => {
            app.confirm = Some(Confirm {
                title: "Create packaging order?".into(),
                lines: vec![
                    format!(
                        "Order {} — {} batch {}",
                        order.order_id,
                        order.product_code,
                        order.batch.as_deref().unwrap_or("-")
                    ),
                    format!(
                        "{} cartons on line {}",
                        order.quantity,
                        order.packaging_line_tag.as_deref().unwrap_or("-")
                    ),
                    "An order cannot be deleted once created.".into(),
                ],
                pending: Pending::CreatePackaging(order),
            });
        }
        None => app.flash(Severity::Error, "Fix the fields marked ✗ first; nothing was sent"),
    }
    Vec::new()
}

/// The answer to a create request: the form is kept whole when the server refuses it.
pub fn created(app: &mut App, id: u64, r: Result<PackagingOrder, ApiError>) -> Vec<Effect> {
    if app.packaging.create_id != Some(id) {
        return Vec::new();
    }
    app.packaging.create_id = None;
    let mut effects = Vec::new();
    match r {
        Ok(o) => {
            app.flash(Severity::Ok, format!("Packaging order {} created (status {})", o.order_id, o.status));
            let what = format!(
                "product {} batch {} expiry {} quantity {}",
                o.product_code,
                o.batch.as_deref().unwrap_or("-"),
                o.expiry_date.as_deref().unwrap_or("-"),
                o.quantity
            );
            let audit = app.audit(crate::domain::audit::actions::PACKAGING_ORDER_CREATED, o.order_id.clone());
            effects.push(Effect::Audit(audit.change(None, Some(what))));
            let line = app.settings.line.clone();
            app.packaging.form.clear();
            app.packaging.form.set("packaging_line_tag", &line);
            app.packaging.mode = Mode::List;
            let rid = app.request(Job::OpenOrders { line }, &mut effects);
            app.packaging.refresh_id = Some(rid);
        }
        Err(ApiError::Validation { details }) | Err(ApiError::Invalid(details)) => {
            app.packaging.form.set_errors(&details);
            app.flash(Severity::Error, "Movilitas refused the order: see the fields marked ✗");
        }
        Err(e) => {
            app.packaging.form.form_error = Some(e.to_string());
            app.flash(Severity::Error, e.to_string());
        }
    }
    effects
}

pub fn view(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.settings.theme;
    let p = &app.packaging;
    if p.mode == Mode::Form {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.style(Role::Border))
            .title(Span::styled(" New packaging order ", t.style(Role::Title)));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [fields, msg] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
        p.form.render(frame, fields, t, app.confirm.is_none() && !app.help);
        p.form.render_message(frame, msg, t, p.create_id.is_some());
        return;
    }
    let lookup_h = if p.mode == Mode::Lookup { 3 } else { 0 };
    let [lookup_area, list_area, detail_area] =
        Layout::vertical([Constraint::Length(lookup_h), Constraint::Min(5), Constraint::Length(8)]).areas(area);
    if p.mode == Mode::Lookup {
        lookup_view(app, frame, lookup_area, t);
    }
    list_view(app, frame, list_area, t);
    details_view(app, frame, detail_area, t);
}

fn lookup_view(app: &App, frame: &mut Frame, area: Rect, t: &Theme) {
    let p = &app.packaging;
    let block = Block::default().borders(Borders::ALL).border_style(t.style(Role::Accent)).title(Span::styled(
        " Look up order: type or scan its id, Enter to search, Esc to close ",
        t.style(Role::Title),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut spans = vec![Span::styled(p.lookup.value().to_string(), t.style(Role::InputFocus))];
    if p.lookup_id.is_some() {
        spans.push(Span::styled("  ⧗ searching…", t.style(Role::Muted)));
    } else if let Some(e) = &p.lookup_error {
        spans.push(Span::styled(format!("  ✗ {e}"), t.style(Role::Error)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), inner);
    if app.confirm.is_none() && !app.help {
        frame.set_cursor_position(Position { x: inner.x + p.lookup.visual_cursor() as u16, y: inner.y });
    }
}

fn list_view(app: &App, frame: &mut Frame, area: Rect, t: &Theme) {
    let p = &app.packaging;
    let status = match (&p.list_error, &p.loaded_at, p.refresh_id.is_some()) {
        (Some(_), _, _) => Span::styled(" ✗ refresh failed, showing the last list ", t.style(Role::Error)),
        (None, _, true) => Span::styled(" ⧗ refreshing ", t.style(Role::Muted)),
        (None, Some(at), false) => {
            Span::styled(format!(" updated {} ", at.get(11..).unwrap_or(at)), t.style(Role::Muted))
        }
        (None, None, false) => Span::raw(""),
    };
    let title = Line::from(vec![
        Span::styled(
            format!(" Open packaging orders — {} ({}) ", app.settings.line, p.orders.len()),
            t.style(Role::Title),
        ),
        status,
    ]);
    let block = Block::default().borders(Borders::ALL).border_style(t.style(Role::Border)).title(title);
    let active = app.active.as_ref().map(|a| a.order_id.as_str());
    // Only the page holding the selection is built: a thousand rows cost a frame its budget,
    // and the page follows from the selection alone, so rendering stays pure.
    let page = (area.height.saturating_sub(3) as usize).max(1);
    let first = (p.selected / page) * page;
    let rows = p.orders.iter().skip(first).take(page).map(|o| {
        let mark = if Some(o.order_id.as_str()) == active { "●" } else { " " };
        Row::new(vec![
            Cell::from(format!("{mark}{}", o.order_id)),
            Cell::from(o.product_code.clone()),
            Cell::from(o.batch.clone().unwrap_or_default()),
            Cell::from(o.expiry_date.clone().unwrap_or_default()),
            Cell::from(o.quantity.to_string()),
            Cell::from(o.status.clone()).style(status_style(&o.status, t)),
        ])
    });
    let widths = [
        Constraint::Min(12),
        Constraint::Length(14),
        Constraint::Length(10),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(15),
    ];
    let header = Row::new(["Order", "Product", "Batch", "Expiry", "Qty", "Status"]).style(t.style(Role::Muted));
    let selected = if p.found.is_some() { None } else { Some(p.selected - first) };
    let table = Table::new(rows, widths).header(header).block(block).row_highlight_style(t.style(Role::Selection));
    let mut state = TableState::default().with_selected(selected.filter(|_| !p.orders.is_empty()));
    frame.render_stateful_widget(table, area, &mut state);
    if p.orders.is_empty() {
        let msg = match &p.list_error {
            Some(e) => format!("✗ {e}"),
            None if p.refresh_id.is_some() => "⧗ loading the open orders…".to_string(),
            None => "No open orders on this line. n creates one, / looks one up by id.".to_string(),
        };
        let inner = Rect { x: area.x + 2, y: area.y + 2, width: area.width.saturating_sub(4), height: 1 };
        let style = if p.list_error.is_some() { t.style(Role::Error) } else { t.style(Role::Muted) };
        frame.render_widget(Paragraph::new(Span::styled(msg, style)), inner);
    }
}

fn status_style(status: &str, t: &Theme) -> ratatui::style::Style {
    match status {
        "Open" | "In progress" => t.style(Role::Ok),
        "Suspended" => t.style(Role::Error),
        "Pending release" => t.style(Role::Warning),
        _ => t.style(Role::Base),
    }
}

fn details_view(app: &App, frame: &mut Frame, area: Rect, t: &Theme) {
    let p = &app.packaging;
    let title = if p.found.is_some() { " Looked-up order " } else { " Selected order " };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(title, t.style(Role::Title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(o) = p.shown_order() else {
        frame.render_widget(Paragraph::new(Span::styled("Nothing selected.", t.style(Role::Muted))), inner);
        return;
    };
    let pair = |a: &str, av: String, b: &str, bv: String| {
        Line::from(vec![
            Span::styled(format!("{a:<12}"), t.style(Role::Muted)),
            Span::raw(format!("{av:<26}")),
            Span::styled(format!("{b:<12}"), t.style(Role::Muted)),
            Span::raw(bv),
        ])
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let is_active = app.active.as_ref().is_some_and(|a| a.order_id == o.order_id);
    let lines = vec![
        pair("Order", o.order_id.clone(), "Status", o.status.clone()),
        pair("Description", opt(&o.order_description), "Line", opt(&o.packaging_line_tag)),
        pair("Product", format!("{} ({})", o.product_code, o.product_code_schema), "Market", opt(&o.market)),
        pair("Batch", opt(&o.batch), "Expiry", opt(&o.expiry_date)),
        pair(
            "Quantity",
            o.quantity.to_string(),
            "Extra %",
            o.extra_percentage.map(|e| e.to_string()).unwrap_or_else(|| "-".into()),
        ),
        Line::from(if is_active {
            Span::styled("● active order for scanning", t.style(Role::Ok))
        } else {
            Span::styled("a or Enter: make this the active order for scanning", t.style(Role::Muted))
        }),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}
