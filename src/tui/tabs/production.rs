//! The Production orders tab (Lagerkoll): production orders by state with paging, one order's
//! header and articles, and the state changes start, finish and cancel, each confirmed.
//! The remaining operations (new orders, articles, reporting production, picking lists) are
//! reached through the API client and arrive on this tab in a later release.

use crate::api::ApiError;
use crate::config::keys::Action;
use crate::config::theme::{Role, Theme};
use crate::domain::production::{OrderState, OrdersPage, ProductionOrder};
use crate::tui::app::{cycle_tab, App, Confirm, Effect, Pending, Severity};
use crate::worker::{Job, ProdChange};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

/// Orders per page asked of the API.
pub const PAGE: i64 = 10;

#[derive(Default)]
pub struct ProductionTab {
    /// `None` shows every state.
    pub state: Option<OrderState>,
    pub page: i64,
    pub list: Option<OrdersPage>,
    pub selected: usize,
    pub list_id: Option<u64>,
    pub detail: Option<ProductionOrder>,
    pub detail_id: Option<u64>,
    pub change_id: Option<u64>,
    pub error: Option<String>,
    pub loaded_once: bool,
}

impl ProductionTab {
    pub fn selected_order(&self) -> Option<&ProductionOrder> {
        self.list.as_ref().and_then(|p| p.orders.get(self.selected))
    }
}

/// Asks for the current page.
pub fn load(app: &mut App, effects: &mut Vec<Effect>) {
    let p = &app.production_tab;
    let job = Job::ProdList { state: p.state, page: p.page, limit: PAGE };
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

pub fn key(app: &mut App, k: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let mut effects = Vec::new();
    let n = app.production_tab.list.as_ref().map(|p| p.orders.len()).unwrap_or(0);
    let pages = app.production_tab.list.as_ref().map(|p| p.pages).unwrap_or(1);
    match (action, k.code) {
        (Some(Action::Refresh), _) => load(app, &mut effects),
        (Some(Action::CycleState), _) => {
            let p = &mut app.production_tab;
            p.state = next_state(p.state);
            p.page = 0;
            p.selected = 0;
            load(app, &mut effects);
        }
        (Some(a @ (Action::StartProduction | Action::FinishOrder | Action::CancelOrder)), _) => {
            let Some(o) = app.production_tab.selected_order().cloned() else {
                app.flash(Severity::Warning, "Select an order first (↑/↓)");
                return effects;
            };
            let change = match a {
                Action::StartProduction => ProdChange::Start,
                Action::FinishOrder => ProdChange::Finish,
                _ => ProdChange::Cancel,
            };
            let verb = match change {
                ProdChange::Start => "Start production of",
                ProdChange::Finish => "Finish",
                ProdChange::Cancel => "Cancel",
            };
            let name = o.pr_reference.clone().unwrap_or_default();
            app.confirm = Some(Confirm {
                title: format!("{verb} {name}?"),
                lines: vec![
                    format!("{} — {}", name, o.name.as_deref().unwrap_or("")),
                    format!("Now {}.", o.state.map(|s| s.name()).unwrap_or("?")),
                    match change {
                        ProdChange::Start => "The order moves to DEVELOPING.".into(),
                        ProdChange::Finish => "The order moves to FINISHED and takes no more changes.".into(),
                        ProdChange::Cancel => "The order moves to CANCELLED and takes no more changes.".into(),
                    },
                ],
                pending: Pending::Production { id: o.order_id.unwrap_or_default(), change, order: Box::new(o) },
            });
        }
        (_, KeyCode::Down) if n > 0 => app.production_tab.selected = (app.production_tab.selected + 1).min(n - 1),
        (_, KeyCode::Up) => app.production_tab.selected = app.production_tab.selected.saturating_sub(1),
        (_, KeyCode::Home) => app.production_tab.selected = 0,
        (_, KeyCode::End) if n > 0 => app.production_tab.selected = n - 1,
        (_, KeyCode::PageDown) if app.production_tab.page + 1 < pages => {
            app.production_tab.page += 1;
            app.production_tab.selected = 0;
            load(app, &mut effects);
        }
        (_, KeyCode::PageUp) if app.production_tab.page > 0 => {
            app.production_tab.page -= 1;
            app.production_tab.selected = 0;
            load(app, &mut effects);
        }
        (_, KeyCode::Enter) => {
            if let Some(id) = app.production_tab.selected_order().and_then(|o| o.order_id) {
                let rid = app.request(Job::ProdOrder(id), &mut effects);
                app.production_tab.detail_id = Some(rid);
            }
        }
        (_, KeyCode::Tab) => cycle_tab(app, true),
        (_, KeyCode::BackTab) => cycle_tab(app, false),
        _ => {}
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
        Err(e) => app.production_tab.error = Some(e.to_string()),
    }
}

pub fn order_arrived(app: &mut App, id: u64, r: Result<ProductionOrder, ApiError>) {
    if app.production_tab.detail_id != Some(id) {
        return;
    }
    app.production_tab.detail_id = None;
    match r {
        Ok(o) => app.production_tab.detail = Some(o),
        Err(e) => app.flash(Severity::Error, e.to_string()),
    }
}

pub fn changed(app: &mut App, id: u64, change: ProdChange, r: Result<ProductionOrder, ApiError>) -> Vec<Effect> {
    if app.production_tab.change_id != Some(id) {
        return Vec::new();
    }
    app.production_tab.change_id = None;
    let mut effects = Vec::new();
    match r {
        Ok(o) => {
            let what = match change {
                ProdChange::Start => "started",
                ProdChange::Finish => "finished",
                ProdChange::Cancel => "cancelled",
            };
            app.flash(
                Severity::Ok,
                format!(
                    "{} {what}: now {}",
                    o.pr_reference.as_deref().unwrap_or(""),
                    o.state.map(|s| s.name()).unwrap_or("?")
                ),
            );
            app.production_tab.detail = Some(o);
        }
        Err(e) => {
            app.flash(Severity::Error, e.to_string());
            effects.push(Effect::Bell);
        }
    }
    // After every change, the list shows what the server now holds.
    load(app, &mut effects);
    effects
}

/// Epoch milliseconds as a local date.
pub fn date(ms: Option<i64>) -> String {
    use chrono::TimeZone;
    ms.and_then(|m| chrono::Local.timestamp_millis_opt(m).single())
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "-".into())
}

fn amount(v: Option<f64>) -> String {
    v.map(|x| if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.2}") }).unwrap_or_else(|| "-".into())
}

fn state_role(s: Option<OrderState>) -> Role {
    match s {
        Some(OrderState::Developing) => Role::Ok,
        Some(OrderState::New) => Role::Accent,
        Some(OrderState::Cancelled) => Role::Muted,
        _ => Role::Base,
    }
}

pub fn view(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.settings.theme;
    let p = &app.production_tab;
    let [list_area, detail_area] = Layout::vertical([Constraint::Min(6), Constraint::Length(8)]).areas(area);
    let filter = p.state.map(|s| s.name()).unwrap_or("all states");
    let paging = p
        .list
        .as_ref()
        .map(|l| format!("page {} of {} · {} orders", l.page + 1, l.pages.max(1), l.orders_count))
        .unwrap_or_default();
    let status = if p.list_id.is_some() { " ⧗".to_string() } else { String::new() };
    let title = Line::from(vec![
        Span::styled(format!(" Production orders — {filter} "), t.style(Role::Title)),
        Span::styled(format!("{paging}{status} "), t.style(Role::Muted)),
    ]);
    let block = Block::default().borders(Borders::ALL).border_style(t.style(Role::Border)).title(title);
    let rows: Vec<Row> = p
        .list
        .as_ref()
        .map(|l| {
            l.orders
                .iter()
                .map(|o| {
                    Row::new(vec![
                        Cell::from(o.pr_reference.clone().unwrap_or_default()),
                        Cell::from(o.name.clone().unwrap_or_default()),
                        Cell::from(o.customer_order_external_id.clone().unwrap_or_default()),
                        Cell::from(o.state.map(|s| s.name()).unwrap_or("?")).style(t.style(state_role(o.state))),
                        Cell::from(date(o.start_date)),
                        Cell::from(format!("{}/{}", amount(o.finished_amount), amount(o.total_amount))),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    let widths = [
        Constraint::Length(8),
        Constraint::Min(16),
        Constraint::Length(13),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(11),
    ];
    let header = Row::new(["Ref", "Name", "Cust. order", "State", "Start", "Done/total"]).style(t.style(Role::Muted));
    let empty = rows.is_empty();
    let table = Table::new(rows, widths).header(header).block(block).row_highlight_style(t.style(Role::Selection));
    let mut state = TableState::default().with_selected((!empty).then_some(p.selected));
    frame.render_stateful_widget(table, list_area, &mut state);
    if empty {
        let msg = match (&p.error, p.list_id.is_some()) {
            (Some(e), _) => format!("✗ {e}"),
            (None, true) => "⧗ loading…".into(),
            (None, false) => "No orders in this state. s shows another state.".into(),
        };
        let r = Rect { x: list_area.x + 2, y: list_area.y + 2, width: list_area.width.saturating_sub(4), height: 1 };
        frame.render_widget(
            Paragraph::new(Span::styled(msg, t.style(if p.error.is_some() { Role::Error } else { Role::Muted }))),
            r,
        );
    }
    detail_view(p, frame, detail_area, t);
}

fn detail_view(p: &ProductionTab, frame: &mut Frame, area: Rect, t: &Theme) {
    let shown =
        p.detail.as_ref().filter(|d| d.order_id == p.selected_order().and_then(|o| o.order_id)).or(p.selected_order());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(" Order ", t.style(Role::Title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(o) = shown else { return };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", o.pr_reference.as_deref().unwrap_or("")), t.style(Role::Accent)),
        Span::raw(format!(
            "{} · {} · {} → {}",
            o.name.as_deref().unwrap_or(""),
            o.state.map(|s| s.name()).unwrap_or("?"),
            date(o.start_date),
            date(o.end_date)
        )),
    ])];
    lines.push(Line::from(Span::styled(
        format!("{:<16} {:>9} {:>9} {:>7} {:>9}", "Article", "Amount", "Finished", "Waste", "Accuracy"),
        t.style(Role::Muted),
    )));
    for a in o.articles.iter().take(inner.height.saturating_sub(2) as usize) {
        lines.push(Line::from(format!(
            "{:<16} {:>9} {:>9} {:>7} {:>8}%",
            a.article_id,
            amount(a.amount),
            amount(a.finished),
            amount(a.waste),
            a.accuracy.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into())
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
