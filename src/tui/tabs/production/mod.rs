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

pub use view::{date, hint, view};

use crate::api::ApiError;
use crate::config::keys::Action;
use crate::domain::production::{
    BatchResponse, DateColumn, FlatArticles, FlatQuery, NextReference, OrderState, OrdersPage, ProductionOrder,
    SortOrder,
};
use crate::domain::FieldError;
use crate::scan::gs1;
use crate::scan::wedge::{Fed, Framer};
use crate::tui::app::{cycle_tab, App, Confirm, Effect, Pending, Severity};
use crate::tui::form::Form;
use crate::worker::Job;
use crate::worker::{OrderSearch, Picking, ProdChange};
use crossterm::event::{KeyCode, KeyEvent};
use forms::{FormKind, Submitted};

/// Orders per page asked of the API.
pub const PAGE: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
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

/// A form open on the tab, with the scanner framer of its scan field.
pub struct OpenForm {
    pub kind: FormKind,
    pub form: Form,
    pub framer: Framer,
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
    pub list_id: Option<u64>,
    pub error: Option<String>,
    pub loaded_once: bool,
    pub screen: Screen,
    pub order: Option<ProductionOrder>,
    pub order_req: Option<u64>,
    pub section: Section,
    /// The selected article (Articles) or the first line shown (the other sections).
    pub row: usize,
    pub batches: Option<BatchResponse>,
    pub flat: Option<FlatArticles>,
    pub flat_query: FlatQuery,
    pub picking: Option<FlatArticles>,
    /// The last picking-list PDF saved, and what became of it.
    pub saved_picking: Option<(std::path::PathBuf, String)>,
    pub section_req: Option<u64>,
    pub section_error: Option<String>,
    pub form: Option<OpenForm>,
    pub change_req: Option<u64>,
    pub next_ref_req: Option<u64>,
}

impl ProductionTab {
    pub fn selected_order(&self) -> Option<&ProductionOrder> {
        self.list.as_ref().and_then(|p| p.orders.get(self.selected))
    }

    /// The order actions apply to: the open one, else the one selected in the list.
    fn target(&self) -> Option<&ProductionOrder> {
        match self.screen {
            Screen::Order => self.order.as_ref(),
            Screen::List => self.selected_order(),
        }
    }

    fn selected_article(&self) -> Option<String> {
        self.order.as_ref().and_then(|o| o.articles.get(self.row)).map(|a| a.article_id.clone())
    }

    pub fn text_focused(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.form.text_focused())
    }

    /// A short description of what the list shows, for its title.
    pub fn search_label(&self) -> String {
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
                        if f == 0 { String::new() } else { forms::date_text(Some(f)) },
                        if t == 0 { String::new() } else { forms::date_text(Some(t)) }
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

/// Asks for the current page.
pub fn load(app: &mut App, effects: &mut Vec<Effect>) {
    let p = &app.production_tab;
    let job = Job::ProdList { search: p.search.clone(), page: p.page, limit: PAGE };
    let id = app.request(job, effects);
    app.production_tab.list_id = Some(id);
    app.production_tab.loaded_once = true;
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

/// The actions that do something on the tab now, with what they do here (for the help).
pub fn actions(app: &App) -> Vec<(Action, &'static str)> {
    let p = &app.production_tab;
    if p.form.is_some() {
        return vec![(Action::Submit, "check the form and send it")];
    }
    let changes = [
        (Action::StartProduction, "start production (NEW → DEVELOPING)"),
        (Action::FinishOrder, "finish the order (→ FINISHED)"),
        (Action::CancelOrder, "cancel the order (→ CANCELLED)"),
    ];
    match p.screen {
        Screen::List => {
            let mut v = vec![
                (Action::Refresh, "load the list again"),
                (Action::CycleState, "orders of one state: all, NEW, DEVELOPING, …"),
                (Action::SortOrders, "sort by start or end date, latest or earliest first"),
                (Action::Lookup, "search orders by text over a range of states"),
                (Action::OrdersOfCustomer, "the orders of a customer order"),
                (Action::OrdersWithArticle, "the orders that contain an article"),
                (Action::NewOrder, "new production order"),
                (Action::NewFromCustomerOrder, "new production order from a customer order"),
            ];
            v.extend(changes);
            v
        }
        Screen::Order => {
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

pub fn key(app: &mut App, k: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    if app.production_tab.form.is_some() {
        return form_key(app, k, action);
    }
    let mut effects = Vec::new();
    match (action, k.code) {
        (Some(a @ (Action::StartProduction | Action::FinishOrder | Action::CancelOrder)), _) => state_change(app, a),
        (Some(Action::Refresh), _) => match app.production_tab.screen {
            Screen::List => load(app, &mut effects),
            Screen::Order => reload_order(app, &mut effects),
        },
        _ => match app.production_tab.screen {
            Screen::List => return list_key(app, k, action),
            Screen::Order => return order_key(app, k, action),
        },
    }
    effects
}

fn list_key(app: &mut App, k: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let mut effects = Vec::new();
    let p = &mut app.production_tab;
    let n = p.list.as_ref().map(|l| l.orders.len()).unwrap_or(0);
    let pages = p.list.as_ref().map(|l| l.pages).unwrap_or(1);
    match (action, k.code) {
        (Some(Action::CycleState), _) => {
            p.search = match &p.search {
                OrderSearch::State { state, sort, order, from, to } => {
                    OrderSearch::State { state: next_state(*state), sort: *sort, order: *order, from: *from, to: *to }
                }
                _ => OrderSearch::default(),
            };
            new_search(app, &mut effects);
        }
        (Some(Action::SortOrders), _) => {
            let next = |c: DateColumn, o: SortOrder| match (c, o) {
                (DateColumn::StartDate, SortOrder::Desc) => (DateColumn::StartDate, SortOrder::Asc),
                (DateColumn::StartDate, SortOrder::Asc) => (DateColumn::EndDate, SortOrder::Desc),
                (DateColumn::EndDate, SortOrder::Desc) => (DateColumn::EndDate, SortOrder::Asc),
                (DateColumn::EndDate, SortOrder::Asc) => (DateColumn::StartDate, SortOrder::Desc),
            };
            match &mut p.search {
                OrderSearch::State { state: Some(_), sort, order, .. } | OrderSearch::Article { sort, order, .. } => {
                    (*sort, *order) = next(*sort, *order);
                    new_search(app, &mut effects);
                }
                _ => app.flash(
                    Severity::Info,
                    "This list cannot be sorted by the API: choose one state (s) or an article (w) first",
                ),
            }
        }
        (Some(Action::Lookup), _) => open_form(app, FormKind::Search),
        (Some(Action::OrdersOfCustomer), _) => open_form(app, FormKind::CustomerOrders),
        (Some(Action::OrdersWithArticle), _) => open_form(app, FormKind::ArticleOrders),
        (Some(Action::NewOrder), _) => {
            open_form(app, FormKind::NewOrder);
            let id = app.request(Job::ProdNextRef, &mut effects);
            app.production_tab.next_ref_req = Some(id);
        }
        (Some(Action::NewFromCustomerOrder), _) => open_form(app, FormKind::FromCustomerOrder),
        (_, KeyCode::Esc) if p.search != OrderSearch::default() => {
            p.search = OrderSearch::default();
            new_search(app, &mut effects);
        }
        (_, KeyCode::Down) if n > 0 => p.selected = (p.selected + 1).min(n - 1),
        (_, KeyCode::Up) => p.selected = p.selected.saturating_sub(1),
        (_, KeyCode::Home) => p.selected = 0,
        (_, KeyCode::End) if n > 0 => p.selected = n - 1,
        (_, KeyCode::PageDown) if p.page + 1 < pages => {
            p.page += 1;
            p.selected = 0;
            load(app, &mut effects);
        }
        (_, KeyCode::PageUp) if p.page > 0 => {
            p.page -= 1;
            p.selected = 0;
            load(app, &mut effects);
        }
        (_, KeyCode::Enter) => {
            if let Some(o) = p.selected_order().cloned() {
                open_order(app, o, &mut effects);
            }
        }
        (_, KeyCode::Tab) => cycle_tab(app, true),
        (_, KeyCode::BackTab) => cycle_tab(app, false),
        _ => {}
    }
    effects
}

fn new_search(app: &mut App, effects: &mut Vec<Effect>) {
    app.production_tab.page = 0;
    app.production_tab.selected = 0;
    load(app, effects);
}

/// Shows an order at once (as listed) and asks for all of it.
fn open_order(app: &mut App, o: ProductionOrder, effects: &mut Vec<Effect>) {
    let p = &mut app.production_tab;
    p.screen = Screen::Order;
    p.section = Section::Articles;
    p.row = 0;
    p.batches = None;
    p.flat = None;
    p.picking = None;
    p.section_error = None;
    p.order = Some(o);
    reload_order(app, effects);
}

fn reload_order(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(id) = app.production_tab.order.as_ref().and_then(|o| o.order_id) else { return };
    let rid = app.request(Job::ProdOrder(id), effects);
    app.production_tab.order_req = Some(rid);
    load_section(app, effects);
}

/// The sections other than articles and parts are read when first shown (and on refresh).
fn load_section(app: &mut App, effects: &mut Vec<Effect>) {
    let p = &app.production_tab;
    let Some(id) = p.order.as_ref().and_then(|o| o.order_id) else { return };
    let job = match p.section {
        Section::Batches => Job::ProdBatches(id),
        Section::Products => Job::ProdFlat { id, query: p.flat_query.clone() },
        _ => return,
    };
    let rid = app.request(job, effects);
    app.production_tab.section_req = Some(rid);
    app.production_tab.section_error = None;
}

fn order_key(app: &mut App, k: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let mut effects = Vec::new();
    let p = &mut app.production_tab;
    let articles = p.order.as_ref().map(|o| o.articles.len()).unwrap_or(0);
    match (action, k.code) {
        (_, KeyCode::Esc) => p.screen = Screen::List,
        (Some(Action::NextSection), _) | (_, KeyCode::Right) => switch_section(app, true, &mut effects),
        (_, KeyCode::Left) => switch_section(app, false, &mut effects),
        (Some(Action::EditOrder), _) => open_form(app, FormKind::EditOrder),
        (Some(Action::AddArticle), _) => open_form(app, FormKind::AddArticle),
        (Some(a @ (Action::EditArticle | Action::RemoveArticle | Action::ReportProduction)), _) => {
            let Some(article) = p.selected_article() else {
                app.flash(Severity::Warning, "The order has no article to choose: add one first");
                return effects;
            };
            if p.section != Section::Articles {
                p.section = Section::Articles;
                app.flash(Severity::Info, format!("{article} is selected: choose another with ↑/↓ first if need be"));
            }
            match a {
                Action::EditArticle => open_form(app, FormKind::EditArticle(article)),
                Action::RemoveArticle => remove_article(app, article),
                _ => {
                    let state = app.production_tab.order.as_ref().and_then(|o| o.state);
                    if state != Some(OrderState::Developing) {
                        let key = app.settings.keys.keys(Action::StartProduction).first().map(|k| k.to_string());
                        app.flash(
                            Severity::Warning,
                            format!(
                                "Production is reported on DEVELOPING orders only: start it first ({})",
                                key.unwrap_or_default()
                            ),
                        );
                        return effects;
                    }
                    open_form(app, FormKind::Report(article));
                }
            }
        }
        (Some(Action::PickingList), _) => open_form(app, FormKind::PickingList),
        (Some(Action::Lookup), _) => {
            p.section = Section::Products;
            open_form(app, FormKind::ProductFilter);
        }
        (_, KeyCode::Down) => {
            let max = if p.section == Section::Articles { articles.saturating_sub(1) } else { usize::MAX / 2 };
            p.row = (p.row + 1).min(max);
        }
        (_, KeyCode::Up) => p.row = p.row.saturating_sub(1),
        (_, KeyCode::PageDown) => p.row += 10,
        (_, KeyCode::PageUp) => p.row = p.row.saturating_sub(10),
        (_, KeyCode::Home) => p.row = 0,
        (_, KeyCode::Tab) => cycle_tab(app, true),
        (_, KeyCode::BackTab) => cycle_tab(app, false),
        _ => {}
    }
    effects
}

fn switch_section(app: &mut App, forward: bool, effects: &mut Vec<Effect>) {
    let p = &mut app.production_tab;
    p.section = p.section.step(forward);
    p.row = 0;
    p.section_error = None;
    let missing = match p.section {
        Section::Batches => p.batches.is_none(),
        Section::Products => p.flat.is_none(),
        _ => false,
    };
    if missing {
        load_section(app, effects);
    }
}

fn open_form(app: &mut App, kind: FormKind) {
    let p = &mut app.production_tab;
    let order = match kind {
        FormKind::Search
        | FormKind::CustomerOrders
        | FormKind::ArticleOrders
        | FormKind::NewOrder
        | FormKind::FromCustomerOrder => None,
        _ => p.order.clone(),
    };
    let form = forms::build(&kind, order.as_ref(), &p.flat_query);
    p.form = Some(OpenForm { kind, form, framer: Framer::new(app.settings.wedge.clone()), order, note: None });
}

fn state_change(app: &mut App, a: Action) {
    let Some(o) = app.production_tab.target().cloned() else {
        app.flash(Severity::Warning, "Select an order first (↑/↓)");
        return;
    };
    let (change, verb, after) = match a {
        Action::StartProduction => {
            (ProdChange::Start(Box::new(o.clone())), "Start production of", "The order moves to DEVELOPING.")
        }
        Action::FinishOrder => (ProdChange::Finish, "Finish", "The order moves to FINISHED and takes no more changes."),
        _ => (ProdChange::Cancel, "Cancel", "The order moves to CANCELLED and takes no more changes."),
    };
    let name = o.pr_reference.clone().unwrap_or_default();
    app.confirm = Some(Confirm {
        title: format!("{verb} {name}?"),
        lines: vec![
            format!("{} — {}", name, o.name.as_deref().unwrap_or("")),
            format!("Now {}.", o.state.map(|s| s.name()).unwrap_or("?")),
            after.into(),
        ],
        pending: Pending::Production { id: o.order_id.unwrap_or_default(), change },
    });
}

fn remove_article(app: &mut App, article: String) {
    let Some(o) = app.production_tab.order.as_ref() else { return };
    let name = o.pr_reference.clone().unwrap_or_default();
    let amount = o.articles.iter().find(|a| a.article_id == article).and_then(|a| a.amount).unwrap_or(0.0);
    app.confirm = Some(Confirm {
        title: format!("Remove {article} from {name}?"),
        lines: vec![
            format!("{article}: {} ordered.", forms::number_text(amount)),
            "Its line and reservations leave the order.".into(),
        ],
        pending: Pending::Production { id: o.order_id.unwrap_or_default(), change: ProdChange::RemoveArticle(article) },
    });
}

/// Sends a confirmed (or harmless) change.
pub fn send_change(app: &mut App, id: i64, change: ProdChange) -> Vec<Effect> {
    let mut effects = Vec::new();
    if app.refuse_without_operator() {
        return effects;
    }
    if app.production_tab.change_req.is_some() {
        app.flash(Severity::Warning, "Still waiting for the answer to the last change");
        return effects;
    }
    app.flash(Severity::Info, "Sending…");
    let rid = app.request(Job::ProdChange { id, change }, &mut effects);
    app.production_tab.change_req = Some(rid);
    effects
}

fn form_key(app: &mut App, k: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let Some(f) = app.production_tab.form.as_mut() else { return Vec::new() };
    // The scan field takes what the scanner types, separators included.
    if f.form.focused().is_some_and(|x| x.key == "scan") {
        match f.framer.feed(&k) {
            Fed::Frame(raw) => return scanned(app, &raw),
            Fed::Typed => {
                let shown = f.framer.shown();
                f.form.set("scan", &shown);
                return Vec::new();
            }
            Fed::Ignored => {}
        }
    }
    let submit = action == Some(Action::Submit) || (k.code == KeyCode::Enter && f.form.on_last_field());
    if submit {
        return submit_form(app);
    }
    match k.code {
        KeyCode::Esc => {
            app.production_tab.form = None;
            app.flash(Severity::Info, "Form closed; nothing was sent");
        }
        KeyCode::Enter => f.form.next(),
        _ => {
            let focus = f.form.focus;
            if f.form.key(k) {
                if let Some(field) = f.form.fields.get_mut(focus) {
                    field.error = None;
                }
            }
        }
    }
    Vec::new()
}

/// A code scanned into the report form (by its scan field, or a prefixed scan from anywhere
/// on the tab): fills batch, serial, best before and barcode.
pub fn scanned(app: &mut App, raw: &str) -> Vec<Effect> {
    let Some(f) = app.production_tab.form.as_mut() else { return Vec::new() };
    f.form.set("scan", "");
    if !matches!(f.kind, FormKind::Report(_)) {
        f.note = Some((Severity::Warning, "A scan fills the report form only; this form takes typing".into()));
        return Vec::new();
    }
    let opts = gs1::Options { mode: gs1::Mode::Auto, ..gs1::Options::default() };
    match gs1::decode(raw, &opts) {
        Ok(d) => {
            let filled = forms::fill_from_scan(&mut f.form, &d, crate::domain::date::current_year());
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
    vec![]
}

pub fn paste(app: &mut App, text: &str) {
    let Some(f) = app.production_tab.form.as_mut() else { return };
    if f.form.focused().is_some_and(|x| x.key == "scan") {
        let frames = f.framer.paste(text);
        for raw in frames {
            scanned(app, &raw);
        }
        if let Some(f) = app.production_tab.form.as_mut() {
            let shown = f.framer.shown();
            f.form.set("scan", &shown);
        }
        return;
    }
    f.form.paste(text);
}

fn submit_form(app: &mut App) -> Vec<Effect> {
    let Some(f) = app.production_tab.form.as_mut() else { return Vec::new() };
    let result = forms::submit(&f.kind, &f.form, f.order.as_ref());
    let submitted = match result {
        Ok(s) => s,
        Err(errors) => {
            f.form.set_errors(&errors);
            if let Some(first) = f.form.fields.iter().position(|x| x.error.is_some()) {
                f.form.focus = first;
            }
            app.flash(Severity::Warning, format!("Not sent: {} field(s) to fix", errors.len()));
            return Vec::new();
        }
    };
    f.form.form_error = None;
    let order_id = f.order.as_ref().and_then(|o| o.order_id).unwrap_or(0);
    let mut effects = Vec::new();
    let p = &mut app.production_tab;
    match submitted {
        Submitted::Search(search) => {
            p.form = None;
            p.search = search;
            p.screen = Screen::List;
            new_search(app, &mut effects);
        }
        Submitted::Products(query) => {
            p.form = None;
            p.flat_query = query;
            p.section = Section::Products;
            p.row = 0;
            load_section(app, &mut effects);
        }
        Submitted::Picking { query, pdf } => {
            p.form = None;
            let Some(o) = p.order.as_ref() else { return effects };
            let id = o.order_id.unwrap_or_default();
            let stem = pdf.then(|| {
                let when = chrono::Local::now().format("%Y%m%d-%H%M%S");
                format!("picking-{}-{when}", o.pr_reference.as_deref().unwrap_or(&id.to_string()))
            });
            if !pdf {
                p.section = Section::Picking;
                p.row = 0;
            }
            app.flash(
                Severity::Info,
                if pdf { "Fetching the picking list PDF…" } else { "Fetching the picking list…" },
            );
            let rid = app.request(Job::ProdPicking { id, query, pdf: stem }, &mut effects);
            app.production_tab.section_req = Some(rid);
        }
        Submitted::Change { change, confirm: Some((title, lines)) } => {
            app.confirm = Some(Confirm { title, lines, pending: Pending::Production { id: order_id, change } });
        }
        Submitted::Change { change, confirm: None } => return send_change(app, order_id, change),
    }
    effects
}

pub fn list_arrived(app: &mut App, id: u64, r: Result<OrdersPage, ApiError>) {
    if app.production_tab.list_id != Some(id) {
        return;
    }
    app.production_tab.list_id = None;
    match r {
        Ok(page) => {
            let n = page.orders.len();
            app.production_tab.list = Some(page);
            app.production_tab.selected = app.production_tab.selected.min(n.saturating_sub(1));
            app.production_tab.error = None;
        }
        Err(e) => {
            app.production_tab.list = None;
            app.production_tab.error = Some(e.to_string());
        }
    }
}

pub fn order_arrived(app: &mut App, id: u64, r: Result<ProductionOrder, ApiError>) {
    if app.production_tab.order_req != Some(id) {
        return;
    }
    app.production_tab.order_req = None;
    match r {
        Ok(o) => {
            let n = o.articles.len();
            app.production_tab.order = Some(o);
            if app.production_tab.section == Section::Articles {
                app.production_tab.row = app.production_tab.row.min(n.saturating_sub(1));
            }
        }
        Err(e) => app.flash(Severity::Error, e.to_string()),
    }
}

/// Batches, flat products and the picking list (JSON or PDF) of the open order.
pub fn section_arrived<T>(app: &mut App, id: u64, r: Result<T, ApiError>, apply: impl FnOnce(&mut App, T)) {
    if app.production_tab.section_req != Some(id) {
        return;
    }
    app.production_tab.section_req = None;
    match r {
        Ok(v) => apply(app, v),
        Err(e) => {
            app.production_tab.section_error = Some(e.to_string());
            app.flash(Severity::Error, e.to_string());
        }
    }
}

pub fn batches(app: &mut App, b: BatchResponse) {
    app.production_tab.batches = Some(b);
}

pub fn flat(app: &mut App, f: FlatArticles) {
    app.production_tab.flat = Some(f);
}

pub fn picking(app: &mut App, p: Picking) {
    let reference = app.production_tab.order.as_ref().and_then(|o| o.pr_reference.clone()).unwrap_or_default();
    match p {
        Picking::Json(list) => {
            app.flash(Severity::Ok, format!("Picking list of {reference}: {} lines", list.articles.len()));
            app.production_tab.picking = Some(list);
        }
        Picking::Pdf { path, printed } => {
            // The whole path rarely fits the message line; the Picking list section shows it.
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let (severity, text) = match &printed {
                None => (Severity::Ok, format!("Saved {name}; not printed (no print_command set)")),
                Some(Ok(cmd)) => (Severity::Ok, format!("Saved {name} and sent it to `{cmd}`")),
                Some(Err(why)) => (Severity::Error, format!("Saved {name}, but printing failed: {why}")),
            };
            app.flash(severity, text.clone());
            app.production_tab.saved_picking = Some((path, text));
            app.production_tab.section = Section::Picking;
        }
        Picking::NotSaved { dir, why } => app.flash(
            Severity::Error,
            format!(
                "The picking list arrived but could not be saved in {} ({why}): check the disk and the folder's permissions, then l again",
                dir.display()
            ),
        ),
    }
}

pub fn next_ref_arrived(app: &mut App, id: u64, r: Result<NextReference, ApiError>) {
    if app.production_tab.next_ref_req != Some(id) {
        return;
    }
    app.production_tab.next_ref_req = None;
    let Some(f) = app.production_tab.form.as_mut().filter(|f| f.kind == FormKind::NewOrder) else { return };
    match r {
        // What the user typed meanwhile wins.
        Ok(n) if f.form.value("pr_reference").is_empty() => f.form.set("pr_reference", &n.pr_reference),
        Ok(_) => {}
        Err(e) => {
            f.note =
                Some((Severity::Warning, format!("No reference suggested ({}): type one", crate::tui::app::short(&e))))
        }
    }
}

pub fn changed(app: &mut App, id: u64, done: &'static str, r: Result<ProductionOrder, ApiError>) -> Vec<Effect> {
    if app.production_tab.change_req != Some(id) {
        return Vec::new();
    }
    app.production_tab.change_req = None;
    let mut effects = Vec::new();
    match r {
        Ok(o) => {
            // The state before, as this screen last knew it.
            let before = [app.production_tab.order.as_ref(), app.production_tab.selected_order()]
                .into_iter()
                .flatten()
                .find(|x| x.order_id == o.order_id)
                .and_then(|x| x.state);
            let audit = app
                .audit(
                    crate::domain::audit::actions::PRODUCTION_ORDER_CHANGED,
                    o.pr_reference.clone().unwrap_or_else(|| o.order_id.unwrap_or_default().to_string()),
                )
                .change(before.map(|s| s.name().to_string()), o.state.map(|s| s.name().to_string()))
                .reason(done);
            effects.push(Effect::Audit(audit));
            app.flash(
                Severity::Ok,
                format!(
                    "{} {done}: now {}",
                    o.pr_reference.as_deref().unwrap_or(""),
                    o.state.map(|s| s.name()).unwrap_or("?")
                ),
            );
            let p = &mut app.production_tab;
            p.form = None;
            if done == ProdChange::CREATED {
                // A new order opens on its own screen, ready for its articles.
                open_order(app, o, &mut effects);
            } else if p.screen == Screen::Order {
                p.order = Some(o);
                p.batches = None;
                p.flat = None;
                reload_order(app, &mut effects);
            } else {
                // Changed from the list: the preview below it shows the order as it now is.
                p.order = Some(o);
            }
        }
        Err(e) => {
            if let Some(f) = app.production_tab.form.as_mut() {
                // The form keeps its content; the refusal sits on the field it names.
                let mut errors = Vec::new();
                if let ApiError::Production { field: Some(field), message, .. } = &e {
                    errors.push(FieldError::new(snake(field), message.clone()));
                }
                f.form.set_errors(&errors);
                f.form.form_error = Some(e.to_string());
            }
            app.flash(Severity::Error, e.to_string());
            effects.push(Effect::Bell);
            if app.production_tab.screen == Screen::Order {
                reload_order(app, &mut effects);
            }
        }
    }
    // After every change, the list shows what the server now holds.
    load(app, &mut effects);
    effects
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
