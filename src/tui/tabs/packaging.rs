//! The Packaging orders tab: the open orders of this station's line, the selected order's
//! details, lookup of any order by id (typed or scanned), the create-order form, and making an
//! order the station's active order.

use super::Screen;
use crate::api::ApiError;
use crate::config::keys::Action;
use crate::config::KeyMap;
use crate::domain::manufacturer::{CreatePackagingOrder, PackagingOrder};
use crate::domain::FieldError;
use crate::input::key::Code;
use crate::input::scanner::strip_symbology;
use crate::tui::ctx::{Command, Ctx, Slot, ViewCx};
use crate::tui::form::{Field, Form};
use crate::tui::msg::{Effect, KeyIn, Severity};
use crate::tui::theme::{Role, Theme};
use crate::worker::{Job, Outcome};
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
    line: String,
    pub orders: Vec<PackagingOrder>,
    pub selected: usize,
    pub mode: Mode,
    refresh: Slot,
    pub loaded_at: Option<String>,
    pub list_error: Option<String>,
    pub lookup: Input,
    lookup_req: Slot,
    pub found: Option<PackagingOrder>,
    pub lookup_error: Option<String>,
    pub form: Form,
    create: Slot,
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
            line: line.to_string(),
            orders: Vec::new(),
            selected: 0,
            mode: Mode::List,
            refresh: Slot::default(),
            loaded_at: None,
            list_error: None,
            lookup: Input::default(),
            lookup_req: Slot::default(),
            found: None,
            lookup_error: None,
            form,
            create: Slot::default(),
            show_all_errors: false,
        }
    }

    /// Asks for the open orders of the line (the list keeps showing until they come).
    pub fn refresh(&mut self, cx: &mut Ctx) {
        let id = cx.request(Job::OpenOrders { line: self.line.clone() });
        self.refresh.start(id);
    }

    /// The order the details panel shows: a looked-up one, else the selected row.
    pub fn shown_order(&self) -> Option<&PackagingOrder> {
        self.found.as_ref().or_else(|| self.orders.get(self.selected))
    }

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
    pub fn revalidate(&mut self, this_year: i32) -> Option<CreatePackagingOrder> {
        let (req, mut errors) = self.request();
        // A field that does not parse shows that, not the rule its placeholder breaks.
        for e in req.validate(this_year) {
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

    fn orders_arrived(&mut self, r: Result<Vec<PackagingOrder>, ApiError>, now: String) {
        match r {
            Ok(orders) => {
                let keep = self.orders.get(self.selected).map(|o| o.order_id.clone());
                self.orders = orders;
                self.selected = keep.and_then(|k| self.orders.iter().position(|o| o.order_id == k)).unwrap_or(0);
                self.loaded_at = Some(now);
                self.list_error = None;
            }
            Err(e) => self.list_error = Some(e.to_string()),
        }
    }

    /// A looked-up order: shown below the list, and selected in it when it is there, so the
    /// next Enter makes that order active, not the row the cursor was on before.
    fn lookup_arrived(&mut self, r: Result<PackagingOrder, ApiError>, cx: &mut Ctx) {
        match r {
            Ok(o) => {
                if let Some(i) = self.orders.iter().position(|x| x.order_id == o.order_id) {
                    self.selected = i;
                }
                cx.flash(Severity::Ok, format!("Found order {} — press a to make it active", o.order_id));
                self.found = Some(o);
                self.lookup_error = None;
                self.mode = Mode::List;
            }
            Err(e) => self.lookup_error = Some(e.to_string()),
        }
    }

    fn look_up(&mut self, id: String, cx: &mut Ctx) {
        if id.is_empty() {
            self.lookup_error = Some("type or scan an order id first".into());
            return;
        }
        let rid = cx.request(Job::OrderDetails { order_id: id });
        self.lookup_req.start(rid);
        self.lookup_error = None;
    }

    fn move_selection(&mut self, code: Code) {
        let n = self.orders.len();
        if n == 0 {
            return;
        }
        self.found = None;
        self.selected = match code {
            Code::Up => self.selected.saturating_sub(1),
            Code::Down => (self.selected + 1).min(n - 1),
            Code::PageUp => self.selected.saturating_sub(10),
            Code::PageDown => (self.selected + 10).min(n - 1),
            Code::Home => 0,
            Code::End => n - 1,
            _ => self.selected,
        };
    }

    fn submit_form(&mut self, cx: &mut Ctx) {
        if cx.waiting(&self.create) {
            cx.flash(Severity::Warning, "Still waiting for the answer to the last order");
            return;
        }
        if cx.refuse_without_operator() {
            return;
        }
        self.show_all_errors = true;
        let req = self.revalidate(cx.clock.year());
        self.show_all_errors = false;
        match req {
            Some(order) => {
                let lines = vec![
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
                ];
                let id = cx.ask(
                    "Create packaging order?",
                    lines,
                    vec![('y', "yes, create it", Job::CreatePackagingOrder(order))],
                );
                self.create.start(id);
            }
            None => cx.flash(Severity::Error, "Fix the fields marked ✗ first; nothing was sent"),
        }
    }

    /// The answer to a create request: the form is kept whole when the server refuses it.
    fn created(&mut self, r: Result<PackagingOrder, ApiError>, cx: &mut Ctx) {
        match r {
            Ok(o) => {
                cx.flash(Severity::Ok, format!("Packaging order {} created (status {})", o.order_id, o.status));
                let what = format!(
                    "product {} batch {} expiry {} quantity {}",
                    o.product_code,
                    o.batch.as_deref().unwrap_or("-"),
                    o.expiry_date.as_deref().unwrap_or("-"),
                    o.quantity
                );
                let audit = cx.audit(crate::domain::audit::actions::PACKAGING_ORDER_CREATED, o.order_id.clone());
                cx.effect(Effect::Audit(audit.change(None, Some(what))));
                self.form.clear();
                self.form.set("packaging_line_tag", &self.line.clone());
                self.mode = Mode::List;
                self.refresh(cx);
            }
            Err(ApiError::Validation { details }) | Err(ApiError::Invalid(details)) => {
                self.form.set_errors(&details);
                cx.flash(Severity::Error, "Movilitas refused the order: see the fields marked ✗");
            }
            Err(e) => {
                self.form.form_error = Some(e.to_string());
                cx.flash(Severity::Error, e.to_string());
            }
        }
    }
}

impl Screen for PackagingTab {
    fn key(&mut self, k: KeyIn, action: Option<Action>, cx: &mut Ctx) {
        match self.mode {
            Mode::List => match (action, k.key.code) {
                (Some(Action::Refresh), _) => {
                    self.refresh(cx);
                    cx.flash(Severity::Info, "Refreshing…");
                }
                (Some(Action::NewOrder), _) => {
                    self.mode = Mode::Form;
                    cx.flash(Severity::Info, "New packaging order: fill in the fields, then submit");
                }
                (Some(Action::Lookup), _) => {
                    // A fresh field: a scanned id must not be appended to an old one.
                    self.mode = Mode::Lookup;
                    self.lookup = Input::default();
                    self.lookup_error = None;
                }
                (Some(Action::SetActive), _) | (None, Code::Enter) => match self.shown_order().cloned() {
                    Some(o) => cx.command(Command::SetActive(o)),
                    None => cx.flash(Severity::Warning, "No order selected: refresh the list or look one up"),
                },
                (_, Code::Tab) => cx.command(Command::CycleTab { forward: true }),
                (_, Code::BackTab) => cx.command(Command::CycleTab { forward: false }),
                (_, c @ (Code::Up | Code::Down | Code::PageUp | Code::PageDown | Code::Home | Code::End)) => {
                    self.move_selection(c)
                }
                _ => {}
            },
            Mode::Lookup => match k.key.code {
                Code::Esc => {
                    self.mode = Mode::List;
                    self.lookup_req.clear();
                }
                Code::Enter => {
                    let id = self.lookup.value().trim().to_string();
                    self.look_up(id, cx);
                }
                _ => {
                    if let Some(r) = crate::tui::form::edit_request(&k.key) {
                        self.lookup.handle(r);
                    }
                }
            },
            Mode::Form => {
                // Fast keys only type into fields: a burst's Enter never sends the form.
                if k.burst && !crate::tui::form::burst_may_edit(&k.key) {
                    return;
                }
                let submit = action == Some(Action::Submit) || (k.key.code == Code::Enter && self.form.on_last_field());
                if submit {
                    return self.submit_form(cx);
                }
                match k.key.code {
                    // Leaving keeps everything typed; nothing is lost by Esc.
                    Code::Esc => self.mode = Mode::List,
                    Code::Enter => self.form.next(),
                    _ => {
                        if self.form.key(k.key) {
                            self.revalidate(cx.clock.year());
                        }
                    }
                }
            }
        }
    }

    fn paste(&mut self, text: &str, cx: &mut Ctx) {
        match self.mode {
            Mode::Lookup => {
                for c in text.chars().filter(|c| !c.is_control()) {
                    self.lookup.handle(InputRequest::InsertChar(c));
                }
            }
            Mode::Form => {
                self.form.paste(text);
                self.revalidate(cx.clock.year());
            }
            Mode::List => cx.flash(Severity::Info, "Nothing here takes pasted text: open a form or the lookup (/)"),
        }
    }

    fn takes_scans(&self) -> bool {
        self.mode == Mode::Lookup
    }

    /// A scan into the open lookup: the order id it holds is looked up.
    fn scan(&mut self, raw: &str, cx: &mut Ctx) {
        // An AIM identifier says what kind of code it was; it is not part of an order id.
        let text = strip_symbology(raw);
        let id = text.strip_prefix(cx.settings.scan.order_barcode_prefix.as_str()).unwrap_or(text).trim().to_string();
        self.lookup = Input::new(id.clone());
        self.look_up(id, cx);
    }

    fn answered(&mut self, id: u64, outcome: Outcome, cx: &mut Ctx) {
        match outcome {
            Outcome::OpenOrders(r) if self.refresh.take(id) => self.orders_arrived(r, cx.clock.minute()),
            Outcome::OrderDetails(r) if self.lookup_req.take(id) => self.lookup_arrived(r, cx),
            Outcome::PackagingOrderCreated(r) if self.create.take(id) => self.created(r, cx),
            // Answers to requests a newer one replaced, or to a lookup closed meanwhile.
            _ => {}
        }
    }

    fn text_focused(&self) -> bool {
        match self.mode {
            Mode::List => false,
            Mode::Lookup => true,
            Mode::Form => self.form.text_focused(),
        }
    }

    fn actions(&self) -> Vec<(Action, &'static str)> {
        [Action::Refresh, Action::NewOrder, Action::Lookup, Action::SetActive, Action::Submit]
            .into_iter()
            .map(|a| (a, a.describe()))
            .collect()
    }

    fn hint(&self, k: &KeyMap) -> String {
        let first = |a: Action| k.first_label(a);
        match self.mode {
            Mode::Form => format!(
                "{} help · Tab next field · {} send · Esc back (kept)",
                first(Action::Help),
                k.label(Action::Submit)
            ),
            Mode::Lookup => "Type or scan an order id, Enter to search, Esc to close".into(),
            Mode::List => format!(
                "{} help · {} new order · {} look up · {} make active · {} refresh · {} quit",
                first(Action::Help),
                first(Action::NewOrder),
                first(Action::Lookup),
                first(Action::SetActive),
                first(Action::Refresh),
                first(Action::Quit)
            ),
        }
    }
}

pub fn view(p: &PackagingTab, cx: &ViewCx, frame: &mut Frame, area: Rect) {
    let t = cx.theme;
    if p.mode == Mode::Form {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.style(Role::Border))
            .title(Span::styled(" New packaging order ", t.style(Role::Title)));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [fields, msg] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
        p.form.render(frame, fields, t, cx.focused);
        p.form.render_message(frame, msg, t, cx.requests.waiting(&p.create));
        return;
    }
    let lookup_h = if p.mode == Mode::Lookup { 3 } else { 0 };
    let [lookup_area, list_area, detail_area] =
        Layout::vertical([Constraint::Length(lookup_h), Constraint::Min(5), Constraint::Length(8)]).areas(area);
    if p.mode == Mode::Lookup {
        lookup_view(p, cx, frame, lookup_area, t);
    }
    list_view(p, cx, frame, list_area, t);
    details_view(p, cx, frame, detail_area, t);
}

fn lookup_view(p: &PackagingTab, cx: &ViewCx, frame: &mut Frame, area: Rect, t: &Theme) {
    let block = Block::default().borders(Borders::ALL).border_style(t.style(Role::Accent)).title(Span::styled(
        " Look up order: type or scan its id, Enter to search, Esc to close ",
        t.style(Role::Title),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut spans = vec![Span::styled(p.lookup.value().to_string(), t.style(Role::InputFocus))];
    if cx.requests.waiting(&p.lookup_req) {
        spans.push(Span::styled("  ⧗ searching…", t.style(Role::Muted)));
    } else if let Some(e) = &p.lookup_error {
        spans.push(Span::styled(format!("  ✗ {e}"), t.style(Role::Error)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), inner);
    if cx.focused {
        frame.set_cursor_position(Position { x: inner.x + p.lookup.visual_cursor() as u16, y: inner.y });
    }
}

fn list_view(p: &PackagingTab, cx: &ViewCx, frame: &mut Frame, area: Rect, t: &Theme) {
    let refreshing = cx.requests.waiting(&p.refresh);
    let status = match (&p.list_error, &p.loaded_at, refreshing) {
        (Some(_), _, _) => Span::styled(" ✗ refresh failed, showing the last list ", t.style(Role::Error)),
        (None, _, true) => Span::styled(" ⧗ refreshing ", t.style(Role::Muted)),
        (None, Some(at), false) => {
            Span::styled(format!(" updated {} ", at.get(11..).unwrap_or(at)), t.style(Role::Muted))
        }
        (None, None, false) => Span::raw(""),
    };
    let title = Line::from(vec![
        Span::styled(format!(" Open packaging orders — {} ({}) ", p.line, p.orders.len()), t.style(Role::Title)),
        status,
    ]);
    let block = Block::default().borders(Borders::ALL).border_style(t.style(Role::Border)).title(title);
    let active = cx.active.map(|a| a.order_id.as_str());
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
            None if refreshing => "⧗ loading the open orders…".to_string(),
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

fn details_view(p: &PackagingTab, cx: &ViewCx, frame: &mut Frame, area: Rect, t: &Theme) {
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
    let is_active = cx.active.is_some_and(|a| a.order_id == o.order_id);
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
