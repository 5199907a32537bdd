//! The Production orders tab (Lagerkoll): finding orders (by state with sorting, by text over a
//! range of states, by customer order, by article), one order with its articles, parts,
//! batches, flat product list and picking list, and every change the API offers, each through a
//! form checked before sending and a confirmation where it cannot be undone.
//!
//! `forms` lays out and checks the forms; `view` draws the tab. This module owns the keys and
//! the answers. Nothing is polled: lists load when asked for and after each change, to keep the
//! station inside the API's 200 requests a minute.

pub mod forms;
mod view;

pub use view::view;

use super::Screen;
use crate::api::ApiError;
use crate::config::keys::Action;
use crate::config::KeyMap;
use crate::domain::production::{
    BatchResponse, DateColumn, FlatArticles, FlatQuery, NextReference, OrderState, OrdersPage, ProductionOrder,
    SortOrder,
};
use crate::domain::FieldError;
use crate::input::key::Code;
use crate::scan::gs1;
use crate::scan::wedge::{Fed, ScanField};
use crate::tui::clock::Zone;
use crate::tui::ctx::{Command, Ctx, Slot};
use crate::tui::form::Form;
use crate::tui::msg::{Effect, KeyIn, Severity};
use crate::worker::{Job, Outcome};
use crate::worker::{OrderSearch, Picking, ProdChange};
use forms::{FormKind, Submitted};

/// Orders per page asked of the API.
pub const PAGE: i64 = 10;

/// What the tab shows: the list of orders, or one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    List,
    Order,
}

/// The parts of the order screen, switched with `v` or ←/→.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Section {
    #[default]
    Articles,
    Parts,
    Batches,
    Products,
    Picking,
}

impl Section {
    pub const ALL: [Section; 5] =
        [Section::Articles, Section::Parts, Section::Batches, Section::Products, Section::Picking];

    pub fn title(self) -> &'static str {
        match self {
            Section::Articles => "Articles",
            Section::Parts => "Parts",
            Section::Batches => "Batches & serials",
            Section::Products => "Products",
            Section::Picking => "Picking list",
        }
    }

    fn step(self, forward: bool) -> Section {
        let i = Section::ALL.iter().position(|s| *s == self).unwrap_or(0);
        let n = Section::ALL.len();
        Section::ALL[if forward { (i + 1) % n } else { (i + n - 1) % n }]
    }
}

/// A form open on the tab, with the scan field's own framing.
pub struct OpenForm {
    pub kind: FormKind,
    pub form: Form,
    pub field: ScanField,
    /// The order the form is about (edits, articles, reports).
    pub order: Option<ProductionOrder>,
    /// What the last scan into the form filled, or why it was not used.
    pub note: Option<(Severity, String)>,
}

#[derive(Default)]
pub struct ProductionTab {
    pub search: OrderSearch,
    pub page: i64,
    pub list: Option<OrdersPage>,
    pub selected: usize,
    list_req: Slot,
    pub error: Option<String>,
    pub loaded_once: bool,
    pub screen: View,
    pub order: Option<ProductionOrder>,
    order_req: Slot,
    pub section: Section,
    /// The selected article (Articles) or the first line shown (the other sections).
    pub row: usize,
    pub batches: Option<BatchResponse>,
    pub flat: Option<FlatArticles>,
    pub flat_query: FlatQuery,
    pub picking: Option<FlatArticles>,
    /// The last picking-list PDF saved, and what became of it.
    pub saved_picking: Option<(std::path::PathBuf, String)>,
    section_req: Slot,
    pub section_error: Option<String>,
    pub form: Option<OpenForm>,
    change_req: Slot,
    next_ref_req: Slot,
    /// The scanner's settings, for the report form's scan field.
    scanner: crate::input::scanner::ScannerSettings,
    /// The station's time zone: dates are typed and shown in it (the system's when unset).
    zone: Option<Zone>,
    /// Customer orders' external ids seen in answers, so a form takes what the screen shows.
    customer_orders: forms::CustomerOrders,
}

impl ProductionTab {
    pub fn selected_order(&self) -> Option<&ProductionOrder> {
        self.list.as_ref().and_then(|p| p.orders.get(self.selected))
    }

    /// The order actions apply to: the open one, else the one selected in the list.
    fn target(&self) -> Option<&ProductionOrder> {
        match self.screen {
            View::Order => self.order.as_ref(),
            View::List => self.selected_order(),
        }
    }

    fn selected_article(&self) -> Option<String> {
        self.order.as_ref().and_then(|o| o.articles.get(self.row)).map(|a| a.article_id.clone())
    }

    pub fn zone(&self) -> Zone {
        self.zone.unwrap_or(Zone::System)
    }

    /// A short description of what the list shows, for its title.
    pub fn search_label(&self) -> String {
        let zone = self.zone();
        let sort = |c: DateColumn, o: SortOrder| {
            let col = if c == DateColumn::StartDate { "start" } else { "end" };
            let dir = if o == SortOrder::Desc { "latest first" } else { "earliest first" };
            format!("by {col}, {dir}")
        };
        match &self.search {
            OrderSearch::State { state: None, .. } => "all states".into(),
            OrderSearch::State { state: Some(s), sort: c, order, from, to } => {
                let window = match (*from, *to) {
                    (0, 0) => String::new(),
                    (f, t) => format!(
                        " {}…{}",
                        if f == 0 { String::new() } else { forms::date_text(Some(f), zone) },
                        if t == 0 { String::new() } else { forms::date_text(Some(t), zone) }
                    ),
                };
                format!("{}{window} · {}", s.name(), sort(*c, *order))
            }
            OrderSearch::Text { query, from, to } => {
                let states =
                    if from == to { from.name().to_string() } else { format!("{}…{}", from.name(), to.name()) };
                if query.is_empty() {
                    states
                } else {
                    format!("\"{query}\" in {states}")
                }
            }
            OrderSearch::CustomerOrder(id) => format!("customer order {id}"),
            OrderSearch::Article { article_id, max_state, sort: c, order } => format!(
                "with {article_id}{} · {}",
                max_state.map(|s| format!(" up to {}", s.name())).unwrap_or_default(),
                sort(*c, *order)
            ),
        }
    }
}

/// How far an order is from its amount, in words, when it is short by more than a rounding.
fn shortfall(o: &ProductionOrder) -> Option<String> {
    let total = o.total_amount.unwrap_or(0.0);
    let done = o.finished_amount.unwrap_or(0.0) + 0.0;
    if total <= 0.0 || done >= total - 0.005 {
        return None;
    }
    let percent = (done / total * 100.0).floor();
    Some(format!(
        "Only {} of {} done ({percent:.0}%): {} short.",
        forms::number_text(done),
        forms::number_text(total),
        forms::number_text(((total - done) * 100.0).round() / 100.0)
    ))
}

fn next_state(s: Option<OrderState>) -> Option<OrderState> {
    match s {
        None => Some(OrderState::New),
        Some(OrderState::New) => Some(OrderState::Developing),
        Some(OrderState::Developing) => Some(OrderState::Finished),
        Some(OrderState::Finished) => Some(OrderState::Cancelled),
        Some(OrderState::Cancelled) => None,
    }
}

impl ProductionTab {
    pub fn new(scanner: crate::input::scanner::ScannerSettings, zone: Zone) -> Self {
        ProductionTab { scanner, zone: Some(zone), ..Default::default() }
    }

    /// Asks for the current page.
    pub fn load(&mut self, cx: &mut Ctx) {
        let job = Job::ProdList { search: self.search.clone(), page: self.page, limit: PAGE };
        let id = cx.request(job);
        self.list_req.start(id);
        self.loaded_once = true;
    }

    fn new_search(&mut self, cx: &mut Ctx) {
        self.page = 0;
        self.selected = 0;
        self.load(cx);
    }

    /// Shows an order at once (as listed) and asks for all of it.
    fn open_order(&mut self, o: ProductionOrder, cx: &mut Ctx) {
        self.screen = View::Order;
        self.section = Section::Articles;
        self.row = 0;
        self.batches = None;
        self.flat = None;
        self.picking = None;
        self.section_error = None;
        self.order = Some(o);
        self.reload_order(cx);
    }

    fn reload_order(&mut self, cx: &mut Ctx) {
        let Some(id) = self.order.as_ref().and_then(|o| o.order_id) else { return };
        let rid = cx.request(Job::ProdOrder(id));
        self.order_req.start(rid);
        self.load_section(cx);
    }

    /// The sections other than articles and parts are read when first shown (and on refresh).
    fn load_section(&mut self, cx: &mut Ctx) {
        let Some(id) = self.order.as_ref().and_then(|o| o.order_id) else { return };
        let job = match self.section {
            Section::Batches => Job::ProdBatches(id),
            Section::Products => Job::ProdFlat { id, query: self.flat_query.clone() },
            _ => return,
        };
        let rid = cx.request(job);
        self.section_req.start(rid);
        self.section_error = None;
    }

    fn list_key(&mut self, k: KeyIn, action: Option<Action>, cx: &mut Ctx) {
        let n = self.list.as_ref().map(|l| l.orders.len()).unwrap_or(0);
        let pages = self.list.as_ref().map(|l| l.pages).unwrap_or(1);
        match (action, k.key.code) {
            (Some(Action::CycleState), _) => {
                self.search = match &self.search {
                    OrderSearch::State { state, sort, order, from, to } => OrderSearch::State {
                        state: next_state(*state),
                        sort: *sort,
                        order: *order,
                        from: *from,
                        to: *to,
                    },
                    _ => OrderSearch::default(),
                };
                self.new_search(cx);
            }
            (Some(Action::SortOrders), _) => {
                let next = |c: DateColumn, o: SortOrder| match (c, o) {
                    (DateColumn::StartDate, SortOrder::Desc) => (DateColumn::StartDate, SortOrder::Asc),
                    (DateColumn::StartDate, SortOrder::Asc) => (DateColumn::EndDate, SortOrder::Desc),
                    (DateColumn::EndDate, SortOrder::Desc) => (DateColumn::EndDate, SortOrder::Asc),
                    (DateColumn::EndDate, SortOrder::Asc) => (DateColumn::StartDate, SortOrder::Desc),
                };
                match &mut self.search {
                    OrderSearch::State { state: Some(_), sort, order, .. }
                    | OrderSearch::Article { sort, order, .. } => {
                        (*sort, *order) = next(*sort, *order);
                        self.new_search(cx);
                    }
                    _ => cx.flash(
                        Severity::Info,
                        "This list cannot be sorted by the API: choose one state (s) or an article (w) first",
                    ),
                }
            }
            (Some(Action::Lookup), _) => self.open_form(FormKind::Search),
            (Some(Action::OrdersOfCustomer), _) => self.open_form(FormKind::CustomerOrders),
            (Some(Action::OrdersWithArticle), _) => self.open_form(FormKind::ArticleOrders),
            (Some(Action::NewOrder), _) => {
                self.open_form(FormKind::NewOrder);
                let id = cx.request(Job::ProdNextRef);
                self.next_ref_req.start(id);
            }
            (Some(Action::NewFromCustomerOrder), _) => self.open_form(FormKind::FromCustomerOrder),
            (_, Code::Esc) if self.search != OrderSearch::default() => {
                self.search = OrderSearch::default();
                self.new_search(cx);
            }
            (_, Code::Down) if n > 0 => self.selected = (self.selected + 1).min(n - 1),
            (_, Code::Up) => self.selected = self.selected.saturating_sub(1),
            (_, Code::Home) => self.selected = 0,
            (_, Code::End) if n > 0 => self.selected = n - 1,
            (_, Code::PageDown) if self.page + 1 < pages => {
                self.page += 1;
                self.selected = 0;
                self.load(cx);
            }
            (_, Code::PageUp) if self.page > 0 => {
                self.page -= 1;
                self.selected = 0;
                self.load(cx);
            }
            (_, Code::Enter) => {
                if let Some(o) = self.selected_order().cloned() {
                    self.open_order(o, cx);
                }
            }
            (_, Code::Tab) => cx.command(Command::CycleTab { forward: true }),
            (_, Code::BackTab) => cx.command(Command::CycleTab { forward: false }),
            _ => {}
        }
    }

    fn order_key(&mut self, k: KeyIn, action: Option<Action>, cx: &mut Ctx) {
        let articles = self.order.as_ref().map(|o| o.articles.len()).unwrap_or(0);
        match (action, k.key.code) {
            (_, Code::Esc) => self.screen = View::List,
            (Some(Action::NextSection), _) | (_, Code::Right) => self.switch_section(true, cx),
            (_, Code::Left) => self.switch_section(false, cx),
            (Some(Action::EditOrder), _) => self.open_form(FormKind::EditOrder),
            (Some(Action::AddArticle), _) => self.open_form(FormKind::AddArticle),
            (Some(a @ (Action::EditArticle | Action::RemoveArticle | Action::ReportProduction)), _) => {
                let Some(article) = self.selected_article() else {
                    cx.flash(Severity::Warning, "The order has no article to choose: add one first");
                    return;
                };
                if self.section != Section::Articles {
                    self.section = Section::Articles;
                    cx.flash(
                        Severity::Info,
                        format!("{article} is selected: choose another with ↑/↓ first if need be"),
                    );
                }
                match a {
                    Action::EditArticle => self.open_form(FormKind::EditArticle(article)),
                    Action::RemoveArticle => self.remove_article(article, cx),
                    _ => {
                        let state = self.order.as_ref().and_then(|o| o.state);
                        if state != Some(OrderState::Developing) {
                            let key = cx.settings.keys.keys(Action::StartProduction).first().map(|k| k.to_string());
                            cx.flash(
                                Severity::Warning,
                                format!(
                                    "Production is reported on DEVELOPING orders only: start it first ({})",
                                    key.unwrap_or_default()
                                ),
                            );
                            return;
                        }
                        self.open_form(FormKind::Report(article));
                    }
                }
            }
            (Some(Action::PickingList), _) => self.open_form(FormKind::PickingList),
            (Some(Action::Lookup), _) => {
                self.section = Section::Products;
                self.open_form(FormKind::ProductFilter);
            }
            (_, Code::Down) => {
                let max = if self.section == Section::Articles { articles.saturating_sub(1) } else { usize::MAX / 2 };
                self.row = (self.row + 1).min(max);
            }
            (_, Code::Up) => self.row = self.row.saturating_sub(1),
            (_, Code::PageDown) => self.row += 10,
            (_, Code::PageUp) => self.row = self.row.saturating_sub(10),
            (_, Code::Home) => self.row = 0,
            (_, Code::Tab) => cx.command(Command::CycleTab { forward: true }),
            (_, Code::BackTab) => cx.command(Command::CycleTab { forward: false }),
            _ => {}
        }
    }

    fn switch_section(&mut self, forward: bool, cx: &mut Ctx) {
        self.section = self.section.step(forward);
        self.row = 0;
        self.section_error = None;
        let missing = match self.section {
            Section::Batches => self.batches.is_none(),
            Section::Products => self.flat.is_none(),
            _ => false,
        };
        if missing {
            self.load_section(cx);
        }
    }

    fn open_form(&mut self, kind: FormKind) {
        let order = match kind {
            FormKind::Search
            | FormKind::CustomerOrders
            | FormKind::ArticleOrders
            | FormKind::NewOrder
            | FormKind::FromCustomerOrder => None,
            _ => self.order.clone(),
        };
        let form = forms::build(&kind, order.as_ref(), &self.flat_query, self.zone());
        let field = ScanField::new(self.scanner.clone());
        self.form = Some(OpenForm { kind, form, field, order, note: None });
    }

    /// Whether a change may be sent now: someone is signed in (kiosk) and none is on its way.
    fn may_change(&self, cx: &mut Ctx) -> bool {
        if cx.refuse_without_operator() {
            return false;
        }
        if cx.waiting(&self.change_req) {
            cx.flash(Severity::Warning, "Still waiting for the answer to the last change");
            return false;
        }
        true
    }

    /// Asks before sending a change that cannot be undone.
    fn ask_change(&mut self, id: i64, change: ProdChange, title: String, lines: Vec<String>, cx: &mut Ctx) {
        if !self.may_change(cx) {
            return;
        }
        // Cancelling and finishing are signed (when the config asks for it); other changes are not.
        let signed = match change {
            ProdChange::Cancel => Some(crate::config::signatures::SignedAction::CancelProduction),
            ProdChange::Finish => Some(crate::config::signatures::SignedAction::FinishProduction),
            _ => None,
        };
        let choice = vec![('y', "yes, send it", Job::ProdChange { id, change })];
        let rid = match signed {
            Some(action) => cx.ask_signed(action, title.trim_end_matches('?').to_string(), None, title, lines, choice),
            None => cx.ask(title, lines, choice),
        };
        self.change_req.start(rid);
    }

    /// Sends a change that needs no question (edits).
    fn send_change(&mut self, id: i64, change: ProdChange, cx: &mut Ctx) {
        if !self.may_change(cx) {
            return;
        }
        cx.flash(Severity::Info, "Sending…");
        let rid = cx.request(Job::ProdChange { id, change });
        self.change_req.start(rid);
    }

    fn state_change(&mut self, a: Action, cx: &mut Ctx) {
        let Some(o) = self.target().cloned() else {
            cx.flash(Severity::Warning, "Select an order first (↑/↓)");
            return;
        };
        let (change, verb, after) = match a {
            Action::StartProduction => {
                (ProdChange::Start(Box::new(o.clone())), "Start production of", "The order moves to DEVELOPING.")
            }
            Action::FinishOrder => {
                (ProdChange::Finish, "Finish", "The order moves to FINISHED and takes no more changes.")
            }
            _ => (ProdChange::Cancel, "Cancel", "The order moves to CANCELLED and takes no more changes."),
        };
        let name = o.pr_reference.clone().unwrap_or_default();
        let mut lines = vec![
            format!("{} — {}", name, o.name.as_deref().unwrap_or("")),
            format!("Now {}.", o.state.map(|s| s.name()).unwrap_or("?")),
            after.into(),
        ];
        let mut title = format!("{verb} {name}?");
        if a == Action::FinishOrder {
            if let Some(short) = shortfall(&o) {
                // Finishing closes the order for good: say how much is missing before it does.
                title = format!("Finish {name} short of its amount?");
                lines.insert(2, short);
            }
        }
        self.ask_change(o.order_id.unwrap_or_default(), change, title, lines, cx);
    }

    fn remove_article(&mut self, article: String, cx: &mut Ctx) {
        let Some(o) = self.order.as_ref() else { return };
        let name = o.pr_reference.clone().unwrap_or_default();
        let line = o.articles.iter().find(|a| a.article_id == article);
        let amount = line.and_then(|a| a.amount).unwrap_or(0.0);
        let finished = line.and_then(|a| a.finished).unwrap_or(0.0) + 0.0;
        let id = o.order_id.unwrap_or_default();
        let mut lines = vec![
            format!("{article}: {} ordered, {} finished.", forms::number_text(amount), forms::number_text(finished)),
            "Its line and reservations leave the order.".into(),
        ];
        if finished > 0.0 {
            lines.push(format!(
                "Its {} finished go with it: the order's done total drops.",
                forms::number_text(finished)
            ));
        }
        self.ask_change(
            id,
            ProdChange::RemoveArticle(article.clone()),
            format!("Remove {article} from {name}?"),
            lines,
            cx,
        );
    }

    fn form_key(&mut self, k: KeyIn, action: Option<Action>, cx: &mut Ctx) {
        let zone = self.zone();
        let Some(f) = self.form.as_mut() else { return };
        // The scan field takes what the scanner types, separators included.
        if f.form.focused().is_some_and(|x| x.key == "scan") {
            match f.field.feed(&k.key) {
                Fed::Frame(raw) => return self.scanned(&raw, cx.clock.year()),
                Fed::Typed => {
                    let shown = f.field.shown();
                    f.form.set("scan", &shown);
                    return;
                }
                Fed::Ignored => {}
            }
        }
        // Fast keys only type into fields: a burst's Enter never sends the form.
        if k.burst && !crate::tui::form::burst_may_edit(&k.key) {
            return;
        }
        let submit = action == Some(Action::Submit) || (k.key.code == Code::Enter && f.form.on_last_field());
        if submit {
            return self.submit_form(cx);
        }
        match k.key.code {
            Code::Esc => {
                self.form = None;
                cx.flash(Severity::Info, "Form closed; nothing was sent");
            }
            Code::Enter => f.form.next(),
            _ => {
                let focus = f.form.focus;
                if f.form.key(k.key) {
                    // The field is checked as it is typed, so a bad date never shows ✓.
                    let errors = forms::submit(&f.kind, &f.form, f.order.as_ref(), zone, &self.customer_orders)
                        .err()
                        .unwrap_or_default();
                    if let Some(field) = f.form.fields.get_mut(focus) {
                        field.error = if field.value().trim().is_empty() {
                            None
                        } else {
                            errors.iter().find(|e| e.field == field.key).map(|e| e.message.clone())
                        };
                    }
                }
            }
        }
    }

    /// A code scanned into the report form (by its scan field, or a scan from anywhere on the
    /// tab): fills batch, serial, best before and barcode.
    fn scanned(&mut self, raw: &str, this_year: i32) {
        let Some(f) = self.form.as_mut() else { return };
        f.form.set("scan", "");
        if !matches!(f.kind, FormKind::Report(_)) {
            f.note = Some((Severity::Warning, "A scan fills the report form only; this form takes typing".into()));
            return;
        }
        let opts = gs1::Options { mode: gs1::Mode::Auto, ..gs1::Options::default() };
        match gs1::decode(raw, &opts) {
            Ok(d) => {
                let filled = forms::fill_from_scan(&mut f.form, &d, this_year);
                f.note = Some((Severity::Ok, format!("From the scan: {}", filled.join(", "))));
                // The next thing to type is the amount.
                if let Some(i) = f.form.fields.iter().position(|x| x.key == "amount") {
                    f.form.focus = i;
                }
            }
            Err(e) => {
                f.note =
                    Some((Severity::Error, format!("Not a GS1 code ({}): scan the pack's DataMatrix again", e.message)))
            }
        }
    }

    fn submit_form(&mut self, cx: &mut Ctx) {
        let zone = self.zone();
        let Some(f) = self.form.as_mut() else { return };
        let submitted = match forms::submit(&f.kind, &f.form, f.order.as_ref(), zone, &self.customer_orders) {
            Ok(s) => s,
            Err(errors) => {
                f.form.set_errors(&errors);
                if let Some(first) = f.form.fields.iter().position(|x| x.error.is_some()) {
                    f.form.focus = first;
                }
                cx.flash(Severity::Warning, format!("Not sent: {} field(s) to fix", errors.len()));
                return;
            }
        };
        f.form.form_error = None;
        let order_id = f.order.as_ref().and_then(|o| o.order_id).unwrap_or(0);
        match submitted {
            Submitted::Search(search) => {
                self.form = None;
                self.search = search;
                self.screen = View::List;
                self.new_search(cx);
            }
            Submitted::Products(query) => {
                self.form = None;
                self.flat_query = query;
                self.section = Section::Products;
                self.row = 0;
                self.load_section(cx);
            }
            Submitted::Picking { query, pdf } => {
                self.form = None;
                let Some(o) = self.order.as_ref() else { return };
                let id = o.order_id.unwrap_or_default();
                let stem = pdf.then(|| {
                    let when = cx.clock.local().format("%Y%m%d-%H%M%S");
                    format!("picking-{}-{when}", o.pr_reference.as_deref().unwrap_or(&id.to_string()))
                });
                if !pdf {
                    self.section = Section::Picking;
                    self.row = 0;
                }
                cx.flash(
                    Severity::Info,
                    if pdf { "Fetching the picking list PDF…" } else { "Fetching the picking list…" },
                );
                let rid = cx.request(Job::ProdPicking { id, query, pdf: stem });
                self.section_req.start(rid);
            }
            Submitted::Change { change, confirm: Some((title, lines)) } => {
                self.ask_change(order_id, change, title, lines, cx)
            }
            Submitted::Change { change, confirm: None } => self.send_change(order_id, change, cx),
        }
    }

    fn learn_customer_order(&mut self, o: &ProductionOrder) {
        if let (Some(ext), Some(id)) = (&o.customer_order_external_id, o.customer_order_id) {
            if !ext.is_empty() {
                self.customer_orders.insert(ext.clone(), id);
            }
        }
    }

    fn list_arrived(&mut self, r: Result<OrdersPage, ApiError>) {
        match r {
            Ok(page) => {
                page.orders.iter().for_each(|o| self.learn_customer_order(o));
                let n = page.orders.len();
                self.list = Some(page);
                self.selected = self.selected.min(n.saturating_sub(1));
                self.error = None;
            }
            Err(e) => {
                self.list = None;
                self.error = Some(e.to_string());
            }
        }
    }

    fn order_arrived(&mut self, r: Result<ProductionOrder, ApiError>, cx: &mut Ctx) {
        match r {
            Ok(o) => {
                self.learn_customer_order(&o);
                let n = o.articles.len();
                self.order = Some(o);
                if self.section == Section::Articles {
                    self.row = self.row.min(n.saturating_sub(1));
                }
            }
            Err(e) => cx.flash(Severity::Error, e.to_string()),
        }
    }

    /// Batches, flat products and the picking list (JSON or PDF) of the open order.
    fn section_arrived<T>(&mut self, r: Result<T, ApiError>, cx: &mut Ctx, apply: impl FnOnce(&mut Self, T, &mut Ctx)) {
        match r {
            Ok(v) => apply(self, v, cx),
            Err(e) => {
                self.section_error = Some(e.to_string());
                cx.flash(Severity::Error, e.to_string());
            }
        }
    }

    fn picking_arrived(&mut self, p: Picking, cx: &mut Ctx) {
        let reference = self.order.as_ref().and_then(|o| o.pr_reference.clone()).unwrap_or_default();
        match p {
            Picking::Json(list) => {
                cx.flash(Severity::Ok, format!("Picking list of {reference}: {} lines", list.articles.len()));
                self.picking = Some(list);
            }
            Picking::Pdf { path, printed } => {
                // The whole path rarely fits the message line; the Picking list section shows it.
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let (severity, text) = match &printed {
                    None => (Severity::Ok, format!("Saved {name}; not printed (no print_command set)")),
                    Some(Ok(cmd)) => (Severity::Ok, format!("Saved {name} and sent it to `{cmd}`")),
                    Some(Err(why)) => (Severity::Error, format!("Saved {name}, but printing failed: {why}")),
                };
                cx.flash(severity, text.clone());
                self.saved_picking = Some((path, text));
                self.section = Section::Picking;
            }
            Picking::NotSaved { dir, why } => cx.flash(
                Severity::Error,
                format!(
                    "The picking list arrived but could not be saved in {} ({why}): check the disk and the folder's permissions, then l again",
                    dir.display()
                ),
            ),
        }
    }

    fn next_ref_arrived(&mut self, r: Result<NextReference, ApiError>) {
        let Some(f) = self.form.as_mut().filter(|f| f.kind == FormKind::NewOrder) else { return };
        match r {
            // What the user typed meanwhile wins.
            Ok(n) if f.form.value("pr_reference").is_empty() => f.form.set("pr_reference", &n.pr_reference),
            Ok(_) => {}
            Err(e) => {
                f.note = Some((
                    Severity::Warning,
                    format!("No reference suggested ({}): type one", crate::tui::health::short(&e)),
                ))
            }
        }
    }

    fn changed(&mut self, done: &'static str, r: Result<ProductionOrder, ApiError>, cx: &mut Ctx) {
        match r {
            Ok(o) => {
                // The state before, as this screen last knew it.
                let before = [self.order.as_ref(), self.selected_order()]
                    .into_iter()
                    .flatten()
                    .find(|x| x.order_id == o.order_id)
                    .and_then(|x| x.state);
                let audit = cx
                    .audit(
                        crate::domain::audit::actions::PRODUCTION_ORDER_CHANGED,
                        o.pr_reference.clone().unwrap_or_else(|| o.order_id.unwrap_or_default().to_string()),
                    )
                    .change(before.map(|s| s.name().to_string()), o.state.map(|s| s.name().to_string()))
                    .reason(done);
                cx.effect(Effect::Audit(audit));
                cx.flash(
                    Severity::Ok,
                    format!(
                        "{} {done}: now {}",
                        o.pr_reference.as_deref().unwrap_or(""),
                        o.state.map(|s| s.name()).unwrap_or("?")
                    ),
                );
                self.form = None;
                if done == ProdChange::CREATED {
                    // A new order opens on its own screen, ready for its articles.
                    self.open_order(o, cx);
                } else if self.screen == View::Order {
                    self.order = Some(o);
                    self.batches = None;
                    self.flat = None;
                    self.reload_order(cx);
                } else {
                    // Changed from the list: the preview below it shows the order as it now is.
                    self.order = Some(o);
                }
            }
            Err(e) => {
                if let Some(f) = self.form.as_mut() {
                    // The form keeps its content; the refusal sits on the field it names.
                    let mut errors = Vec::new();
                    if let ApiError::Production { field: Some(field), message, .. } = &e {
                        errors.push(FieldError::new(snake(field), message.clone()));
                    }
                    f.form.set_errors(&errors);
                    f.form.form_error = Some(e.to_string());
                }
                cx.flash(Severity::Error, e.to_string());
                cx.bell();
                if self.screen == View::Order {
                    self.reload_order(cx);
                }
            }
        }
        // After every change, the list shows what the server now holds.
        self.load(cx);
    }

    /// The actions that do something on the tab now, with what they do here (for the help).
    pub fn screen_actions(&self) -> Vec<(Action, &'static str)> {
        if self.form.is_some() {
            return vec![(Action::Submit, "check the form and send it")];
        }
        let changes = [
            (Action::StartProduction, "start production (NEW → DEVELOPING)"),
            (Action::FinishOrder, "finish the order (→ FINISHED)"),
            (Action::CancelOrder, "cancel the order (→ CANCELLED)"),
        ];
        match self.screen {
            View::List => {
                let mut v = vec![
                    (Action::Refresh, "load the list again"),
                    (Action::CycleState, "orders of one state: all, NEW, DEVELOPING, …"),
                    (Action::SortOrders, "sort by start or end date, either direction"),
                    (Action::Lookup, "search orders by text over a range of states"),
                    (Action::OrdersOfCustomer, "the orders of a customer order"),
                    (Action::OrdersWithArticle, "the orders that contain an article"),
                    (Action::NewOrder, "new production order"),
                    (Action::NewFromCustomerOrder, "new production order from a customer order"),
                ];
                v.extend(changes);
                v
            }
            View::Order => {
                let mut v = vec![
                    (Action::Refresh, "load the order again"),
                    (Action::NextSection, "articles, parts, batches, products, picking list"),
                    (Action::EditOrder, "edit the order's header"),
                    (Action::AddArticle, "add an article"),
                    (Action::EditArticle, "edit the selected article"),
                    (Action::RemoveArticle, "remove the selected article"),
                    (Action::ReportProduction, "report production of the selected article"),
                    (Action::PickingList, "picking list: PDF (saved, printed) or shown here"),
                    (Action::Lookup, "filter and sort the product list"),
                ];
                v.extend(changes);
                v
            }
        }
    }
}

impl Screen for ProductionTab {
    fn key(&mut self, k: KeyIn, action: Option<Action>, cx: &mut Ctx) {
        if self.form.is_some() {
            return self.form_key(k, action, cx);
        }
        match (action, k.key.code) {
            (Some(a @ (Action::StartProduction | Action::FinishOrder | Action::CancelOrder)), _) => {
                self.state_change(a, cx)
            }
            (Some(Action::Refresh), _) => match self.screen {
                View::List => self.load(cx),
                View::Order => self.reload_order(cx),
            },
            _ => match self.screen {
                View::List => self.list_key(k, action, cx),
                View::Order => self.order_key(k, action, cx),
            },
        }
    }

    fn paste(&mut self, text: &str, cx: &mut Ctx) {
        let Some(f) = self.form.as_mut() else {
            cx.flash(Severity::Info, "Nothing here takes pasted text: open a form first");
            return;
        };
        if f.form.focused().is_some_and(|x| x.key == "scan") {
            let frames = f.field.paste(text);
            for raw in frames {
                self.scanned(&raw, cx.clock.year());
            }
            if let Some(f) = self.form.as_mut() {
                let shown = f.field.shown();
                f.form.set("scan", &shown);
            }
            return;
        }
        f.form.paste(text);
    }

    /// The report form's scan field is the place for scans on this tab.
    fn takes_scans(&self) -> bool {
        self.form.as_ref().is_some_and(|f| matches!(f.kind, FormKind::Report(_)))
    }

    fn scan(&mut self, raw: &str, cx: &mut Ctx) {
        self.scanned(raw, cx.clock.year());
    }

    fn answered(&mut self, id: u64, outcome: Outcome, cx: &mut Ctx) {
        match outcome {
            Outcome::ProdList(r) if self.list_req.take(id) => self.list_arrived(r),
            Outcome::ProdOrder(r) if self.order_req.take(id) => self.order_arrived(r, cx),
            Outcome::ProdBatches(r) if self.section_req.take(id) => {
                self.section_arrived(r, cx, |p, b, _| p.batches = Some(b))
            }
            Outcome::ProdFlat(r) if self.section_req.take(id) => {
                self.section_arrived(r, cx, |p, f, _| p.flat = Some(f))
            }
            Outcome::ProdPicking(r) if self.section_req.take(id) => {
                self.section_arrived(r, cx, |p, v, cx| p.picking_arrived(v, cx))
            }
            Outcome::ProdNextRef(r) if self.next_ref_req.take(id) => self.next_ref_arrived(r),
            Outcome::ProdChanged { done, result } if self.change_req.take(id) => self.changed(done, result, cx),
            _ => {}
        }
    }

    fn text_focused(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.form.text_focused())
    }

    fn actions(&self) -> Vec<(Action, &'static str)> {
        self.screen_actions()
    }

    fn hint(&self, k: &KeyMap) -> String {
        view::hint(self, k)
    }

    /// The list loads the first time the tab is shown (it is not polled, to spare the
    /// 200-a-minute budget).
    fn shown(&mut self, cx: &mut Ctx) {
        if !self.loaded_once {
            self.load(cx);
        }
    }
}

/// The API names fields in camelCase; the forms use snake_case keys.
fn snake(field: &str) -> String {
    let mut s = String::new();
    for c in field.chars() {
        if c.is_ascii_uppercase() {
            s.push('_');
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}
