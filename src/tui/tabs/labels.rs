//! The Label orders tab: a create-label-order form with its defaults from the active packaging
//! order, destinations and templates from the config, the extra labels' conditional type, the
//! execute flag; and the list of label orders this station created, kept across restarts.

use super::Screen;
use crate::api::ApiError;
use crate::config::keys::Action;
use crate::config::KeyMap;
use crate::domain::manufacturer::{LabelOrderRequest, PackagingOrder};
use crate::domain::FieldError;
use crate::input::key::Code;
use crate::label_log::LabelRecord;
use crate::tui::ctx::{Command, Ctx, Slot, ViewCx};
use crate::tui::form::{Field, Form};
use crate::tui::msg::{Effect, KeyIn, Settings, Severity};
use crate::tui::theme::{Role, Theme};
use crate::worker::{Job, Outcome};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, Table};
use ratatui::Frame;

pub struct LabelsTab {
    pub form: Form,
    submit: Slot,
    /// The request asked for (to record it when the answer comes).
    pub sent: Option<LabelOrderRequest>,
    pub history: Vec<LabelRecord>,
    show_all_errors: bool,
}

fn tags(list: &[crate::config::file::TagFile]) -> Vec<(String, String)> {
    list.iter().map(|t| (t.tag.clone(), t.description.clone())).collect()
}

impl LabelsTab {
    pub fn new(settings: &Settings, history: Vec<LabelRecord>) -> Self {
        let form = Form::new(vec![
            Field::text("order_id", "Label order id"),
            Field::text("product_code", "Product (GTIN)"),
            Field::text("batch", "Batch"),
            Field::text("quantity", "Labels"),
            Field::text("extra_label_amount", "Extra labels"),
            Field::choice(
                "extra_label_type",
                "Extra label type",
                vec![
                    (String::new(), "none".into()),
                    ("amount".into(), "a number of labels".into()),
                    ("percentage".into(), "percent of the labels".into()),
                ],
            ),
            Field::choice("destination_tag", "Printer", tags(&settings.destinations)),
            Field::choice("template_tag", "Template", tags(&settings.templates)),
            Field::toggle("execute", "Print now", false),
        ]);
        LabelsTab { form, submit: Slot::default(), sent: None, history, show_all_errors: false }
    }

    /// The active order's product and batch become the form's (when it is made active).
    pub fn use_defaults_from(&mut self, o: &PackagingOrder) {
        self.form.set("product_code", &o.product_code);
        self.form.set("batch", o.batch.as_deref().unwrap_or(""));
        self.revalidate(false);
    }

    /// Fills product and batch from the active order where they are still empty.
    pub fn fill_empty_from(&mut self, o: &PackagingOrder) {
        if self.form.value("product_code").is_empty() {
            self.form.set("product_code", &o.product_code);
        }
        if self.form.value("batch").is_empty() {
            self.form.set("batch", o.batch.as_deref().unwrap_or(""));
        }
    }

    /// The form as a request, with the fields that do not even parse (numbers). Missing or
    /// unparsable numbers are -1 in the request, which the domain rules also refuse.
    pub fn request(&self) -> (LabelOrderRequest, Vec<FieldError>) {
        let f = &self.form;
        let mut errors = Vec::new();
        let mut number = |k: &str| f.whole_number(k, &mut errors);
        let quantity = number("quantity");
        let extra = number("extra_label_amount");
        let kind = f.value("extra_label_type");
        let req = LabelOrderRequest {
            order_id: f.value("order_id").trim().to_string(),
            product_code: f.value("product_code").trim().to_string(),
            product_code_schema: "GTIN".into(),
            batch: f.value("batch").trim().to_string(),
            quantity: quantity.unwrap_or(-1),
            // No extra labels need no type: 0 with "none" is sent as no extra labels at all.
            extra_label_amount: extra.filter(|n| !(*n == 0 && kind.is_empty())),
            extra_label_type: Some(kind).filter(|k| !k.is_empty()),
            destination_tag: f.value("destination_tag"),
            template_tag: f.value("template_tag"),
            execute: Some(f.value("execute") == "true"),
        };
        if quantity.is_none() && !errors.iter().any(|e| e.field == "quantity") {
            errors.push(FieldError::new("quantity", "is required: the number of labels to print"));
        }
        (req, errors)
    }

    /// Applies seed 003's rules as the user types.
    pub fn revalidate(&mut self, all: bool) -> Option<LabelOrderRequest> {
        let (req, mut errors) = self.request();
        // A field that does not parse shows that, not the rule its placeholder breaks.
        for e in req.validate() {
            if !errors.iter().any(|p| p.field == e.field) {
                errors.push(e);
            }
        }
        // The rule's sentence does not fit the row beside the choice; this says what to do.
        let missing_type = req.extra_label_type.is_none() && req.extra_label_amount.is_some();
        for e in errors.iter_mut().filter(|e| e.field == "extra_label_type" && missing_type) {
            e.message = "choose: a number or percent".into();
        }
        if !(all || self.show_all_errors) {
            // Not yet shouting about empty fields; the conditional type rule always shows.
            errors.retain(|e| e.field == "extra_label_type" || !self.form.value(&e.field).trim().is_empty());
        }
        let ok = errors.is_empty();
        self.form.set_errors(&errors);
        Some(req).filter(|_| ok)
    }
}

impl LabelsTab {
    fn submit_form(&mut self, cx: &mut Ctx) {
        if cx.waiting(&self.submit) {
            cx.flash(Severity::Warning, "Still waiting for the answer to the last label order");
            return;
        }
        if cx.refuse_without_operator() {
            return;
        }
        match self.revalidate(true) {
            Some(req) => {
                let dest = req.destination_tag.clone();
                let title =
                    if req.execute == Some(true) { "Create and print label order?" } else { "Create label order?" };
                let lines = vec![
                    format!("Label order {} — {} batch {}", req.order_id, req.product_code, req.batch),
                    format!("{} labels (+{} extra) with template {}", req.quantity, extra_text(&req), req.template_tag),
                    if req.execute == Some(true) {
                        format!("Printing starts at once on {dest}.")
                    } else {
                        format!("Released later from Movilitas; printer {dest}.")
                    },
                ];
                self.sent = Some(req.clone());
                let id = cx.ask(title, lines, vec![('y', "yes, send it", Job::CreateLabelOrder(req))]);
                self.submit.start(id);
            }
            None => cx.flash(Severity::Error, "Fix the fields marked ✗ first; nothing was sent"),
        }
    }

    fn created(&mut self, r: Result<String, ApiError>, cx: &mut Ctx) {
        let Some(req) = self.sent.take() else { return };
        let outcome = match &r {
            Ok(_) if req.execute == Some(true) => Some("Released".to_string()),
            Ok(_) => Some("Created".to_string()),
            // The order exists in Movilitas, suspended until serials arrive.
            Err(ApiError::NotEnoughSerialsAssigned) | Err(ApiError::SerialsBeingReplenished) => {
                Some("Suspended: not enough serials".to_string())
            }
            Err(_) => None,
        };
        if let Some(outcome) = outcome {
            let record = LabelRecord {
                at: cx.clock.minute(),
                order_id: req.order_id.clone(),
                product_code: req.product_code.clone(),
                batch: req.batch.clone(),
                quantity: req.quantity,
                destination_tag: req.destination_tag.clone(),
                template_tag: req.template_tag.clone(),
                execute: req.execute == Some(true),
                outcome,
            };
            let what = format!(
                "{} of {} batch {} on {} with {}",
                record.quantity, record.product_code, record.batch, record.destination_tag, record.template_tag
            );
            let audit = cx.audit(crate::domain::audit::actions::LABEL_ORDER_CREATED, record.order_id.clone());
            cx.effect(Effect::Audit(audit.change(None, Some(what)).reason(record.outcome.clone())));
            self.history.insert(0, record.clone());
            cx.effect(Effect::SaveLabel(record));
        }
        match r {
            Ok(message) => {
                cx.flash(Severity::Ok, format!("Label order {}: {message}", req.order_id));
                self.form.set("order_id", "");
                self.form.form_error = None;
            }
            Err(ApiError::Validation { details }) | Err(ApiError::Invalid(details)) => {
                self.form.set_errors(&details);
                cx.flash(Severity::Error, "Movilitas refused the label order: see the fields marked ✗");
            }
            Err(e) => {
                self.form.form_error = Some(e.to_string());
                cx.flash(Severity::Error, e.to_string());
                cx.bell();
            }
        }
    }
}

fn extra_text(r: &LabelOrderRequest) -> String {
    match (r.extra_label_amount, r.extra_label_type.as_deref()) {
        (Some(n), Some("percentage")) => format!("{n}%"),
        (Some(n), _) => n.to_string(),
        (None, _) => "0".into(),
    }
}

impl Screen for LabelsTab {
    fn key(&mut self, k: KeyIn, action: Option<Action>, cx: &mut Ctx) {
        // Fast keys only type into fields: a burst's Enter never sends the form.
        if k.burst && !crate::tui::form::burst_may_edit(&k.key) {
            return;
        }
        let submit = action == Some(Action::Submit) || (k.key.code == Code::Enter && self.form.on_last_field());
        if submit {
            return self.submit_form(cx);
        }
        match k.key.code {
            Code::Enter => self.form.next(),
            Code::Esc => {}
            // Tab moves between fields here; F-keys and Alt+digits change tabs.
            Code::BackTab if self.form.focus == 0 && !k.burst => cx.command(Command::CycleTab { forward: false }),
            _ => {
                if self.form.key(k.key) {
                    self.revalidate(false);
                }
            }
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) {
        self.form.paste(text);
        self.revalidate(false);
    }

    fn answered(&mut self, id: u64, outcome: Outcome, cx: &mut Ctx) {
        if let Outcome::LabelOrderCreated(r) = outcome {
            if self.submit.take(id) {
                self.created(r, cx);
            }
        }
    }

    fn text_focused(&self) -> bool {
        self.form.text_focused()
    }

    fn actions(&self) -> Vec<(Action, &'static str)> {
        vec![(Action::Submit, Action::Submit.describe())]
    }

    fn hint(&self, k: &KeyMap) -> String {
        let first = |a: Action| k.first_label(a);
        format!(
            "{} help · Tab next field · ←/→/Space choose · {} send · {} quit",
            first(Action::Help),
            k.label(Action::Submit),
            k.keys(Action::Quit).get(1).map(ToString::to_string).unwrap_or_else(|| first(Action::Quit))
        )
    }
}

pub fn view(l: &LabelsTab, cx: &ViewCx, frame: &mut Frame, area: Rect) {
    let t = cx.theme;
    let form_h = l.form.fields.len() as u16 + 4;
    let [form_area, list_area] = Layout::vertical([Constraint::Length(form_h), Constraint::Min(3)]).areas(area);
    let title = match cx.active {
        Some(o) => format!(" New label order — active order {} ", o.order_id),
        None => " New label order — no active order (set one on the Packaging tab) ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(title, t.style(Role::Title)));
    let inner = block.inner(form_area);
    frame.render_widget(block, form_area);
    let [fields, msg] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
    l.form.render(frame, fields, t, cx.focused);
    l.form.render_message(frame, msg, t, cx.requests.waiting(&l.submit));
    history_view(l, frame, list_area, t);
}

fn history_view(l: &LabelsTab, frame: &mut Frame, area: Rect, t: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(format!(" Label orders from this station ({}) ", l.history.len()), t.style(Role::Title)));
    let rows = l.history.iter().map(|r| {
        let style = if r.outcome.starts_with("Suspended") { t.style(Role::Warning) } else { t.style(Role::Ok) };
        Row::new(vec![
            Cell::from(r.at.get(5..).unwrap_or(&r.at).to_string()),
            Cell::from(r.order_id.clone()),
            Cell::from(r.product_code.clone()),
            Cell::from(r.batch.clone()),
            Cell::from(r.quantity.to_string()),
            Cell::from(r.destination_tag.clone()),
            Cell::from(r.outcome.clone()).style(style),
        ])
    });
    let widths = [
        Constraint::Length(11),
        Constraint::Min(9),
        Constraint::Length(14),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(14),
        Constraint::Length(9),
    ];
    let header =
        Row::new(["When", "Order", "Product", "Batch", "Qty", "Printer", "Result"]).style(t.style(Role::Muted));
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
