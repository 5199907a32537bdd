//! Drawing the Production tab: the order list with a preview, one order with its sections, or
//! the open form. Pure: reads the state, draws, changes nothing.

use super::{OpenForm, ProductionTab, Section, View};
use crate::config::keys::Action;
use crate::config::KeyMap;
use crate::domain::production::{FlatArticles, OrderState, ProductionOrder};
use crate::tui::clock::Zone;
use crate::tui::ctx::ViewCx;
use crate::tui::msg::Severity;
use crate::tui::theme::{Role, Theme};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

/// Epoch milliseconds as a local date.
pub fn date(ms: Option<i64>, zone: Zone) -> String {
    let s = super::forms::date_text(ms, zone);
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

fn amount(v: Option<f64>) -> String {
    // `+ 0.0` turns -0 (an empty sum) into 0, which is what the operator means.
    v.map(|x| x + 0.0)
        .map(|x| if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.2}") })
        .unwrap_or_else(|| "-".into())
}

/// An article's status by name: the codes are the order states' (seed 004: NEW = 0,
/// DEVELOPING = 1, FINISHED = 2, CANCELLED = 3); an unknown code is shown as it came.
fn article_status(s: Option<i64>) -> String {
    match s {
        Some(n) => OrderState::from_code(n).map(|s| s.name().to_string()).unwrap_or_else(|| format!("#{n}")),
        None => "-".into(),
    }
}

fn state_role(s: Option<OrderState>) -> Role {
    match s {
        Some(OrderState::Developing) => Role::Ok,
        Some(OrderState::New) => Role::Accent,
        Some(OrderState::Cancelled) => Role::Muted,
        _ => Role::Base,
    }
}

fn block<'a>(t: &Theme, title: Line<'a>) -> Block<'a> {
    Block::default().borders(Borders::ALL).border_style(t.style(Role::Border)).title(title)
}

pub fn view(p: &ProductionTab, cx: &ViewCx, frame: &mut Frame, area: Rect) {
    if let Some(f) = &p.form {
        form_view(p, cx, f, frame, area);
        return;
    }
    match p.screen {
        View::List => list_view(p, cx, frame, area),
        View::Order => order_view(p, cx, frame, area),
    }
}

fn list_view(p: &ProductionTab, cx: &ViewCx, frame: &mut Frame, area: Rect) {
    let t = cx.theme;
    let zone = p.zone();
    let [list_area, preview] = Layout::vertical([Constraint::Min(6), Constraint::Length(7)]).areas(area);
    let paging = p
        .list
        .as_ref()
        .map(|l| format!("page {} of {} · {} orders", l.page + 1, l.pages.max(1), l.orders_count))
        .unwrap_or_default();
    let status = if cx.requests.waiting(&p.list_req) { " ⧗" } else { "" };
    let title = Line::from(vec![
        Span::styled(format!(" Production orders — {} ", p.search_label()), t.style(Role::Title)),
        Span::styled(format!("{paging}{status} "), t.style(Role::Muted)),
    ]);
    // Wide screens get both dates in full; at 80 columns one column holds start and end as
    // month-day (the preview below gives the full dates of the selected order).
    let wide = area.width >= 120;
    let short = |ms: Option<i64>| date(ms, zone).get(5..).map(str::to_string).unwrap_or_else(|| "-".into());
    let rows: Vec<Row> = p
        .list
        .iter()
        .flat_map(|l| l.orders.iter())
        .map(|o| {
            let mut cells = vec![
                Cell::from(o.pr_reference.clone().unwrap_or_default()),
                Cell::from(o.name.clone().unwrap_or_default()),
                Cell::from(o.customer_order_external_id.clone().unwrap_or_default()),
                Cell::from(o.state.map(|s| s.name()).unwrap_or("?")).style(t.style(state_role(o.state))),
            ];
            if wide {
                cells.push(Cell::from(date(o.start_date, zone)));
                cells.push(Cell::from(date(o.end_date, zone)));
            } else {
                cells.push(Cell::from(format!("{}→{}", short(o.start_date), short(o.end_date))));
            }
            cells.push(Cell::from(format!("{}/{}", amount(o.finished_amount), amount(o.total_amount))));
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![Constraint::Length(8), Constraint::Min(12), Constraint::Length(13), Constraint::Length(10)];
    let mut header = vec!["Ref", "Name", "Cust. order", "State"];
    if wide {
        widths.extend([Constraint::Length(10), Constraint::Length(10)]);
        header.extend(["Start", "End"]);
    } else {
        widths.push(Constraint::Length(11));
        header.push("Start→end");
    }
    widths.push(Constraint::Length(11));
    header.push("Done/total");
    let empty = rows.is_empty();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(t.style(Role::Muted)))
        .block(block(t, title))
        .row_highlight_style(t.style(Role::Selection));
    let mut state = TableState::default().with_selected((!empty).then_some(p.selected));
    frame.render_stateful_widget(table, list_area, &mut state);
    if empty {
        let msg = match (&p.error, cx.requests.waiting(&p.list_req)) {
            (Some(e), _) => format!("✗ {e}"),
            (None, true) => "⧗ loading…".into(),
            (None, false) => "No orders found. s shows another state, Esc all orders.".into(),
        };
        let r = Rect { x: list_area.x + 2, y: list_area.y + 2, width: list_area.width.saturating_sub(4), height: 2 };
        let role = if p.error.is_some() { Role::Error } else { Role::Muted };
        frame.render_widget(
            Paragraph::new(Span::styled(msg, t.style(role))).wrap(ratatui::widgets::Wrap { trim: true }),
            r,
        );
    }
    // The preview shows the order as last read when it is the selected one.
    let selected = p.selected_order();
    let shown = p.order.as_ref().filter(|o| o.order_id.is_some() && o.order_id == selected.and_then(|s| s.order_id));
    let b = block(t, Line::from(Span::styled(" Order — Enter opens it ", t.style(Role::Title))));
    let inner = b.inner(preview);
    frame.render_widget(b, preview);
    if let Some(o) = shown.or(selected) {
        let mut lines = header_lines(o, t, zone);
        lines.truncate(2);
        let room = inner.height.saturating_sub(lines.len() as u16) as usize;
        for a in o.articles.iter().take(room) {
            lines.push(Line::from(format!(
                "  {:<16} {:>9} ordered {:>9} finished {:>7} waste",
                a.article_id,
                amount(a.amount),
                amount(a.finished),
                amount(a.waste)
            )));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

fn header_lines<'a>(o: &ProductionOrder, t: &Theme, zone: Zone) -> Vec<Line<'a>> {
    vec![
        Line::from(vec![
            Span::styled(format!("{} ", o.pr_reference.as_deref().unwrap_or("")), t.style(Role::Accent)),
            Span::raw(format!("{} · ", o.name.as_deref().unwrap_or(""))),
            Span::styled(o.state.map(|s| s.name()).unwrap_or("?").to_string(), t.style(state_role(o.state))),
            Span::raw(format!(" · {} → {}", date(o.start_date, zone), date(o.end_date, zone))),
        ]),
        Line::from(format!(
            "Customer order {} · internal ref {} · done {} of {} · {} h",
            o.customer_order_external_id
                .clone()
                .or(o.customer_order_id.map(|i| i.to_string()))
                .unwrap_or_else(|| "-".into()),
            o.internal_reference.as_deref().filter(|s| !s.is_empty()).unwrap_or("-"),
            amount(o.finished_amount),
            amount(o.total_amount),
            amount(o.work_hours),
        )),
        Line::from(Span::styled(
            format!(
                "{}{}",
                o.comment.as_deref().filter(|s| !s.is_empty()).unwrap_or("no comment"),
                o.finish_date.map(|d| format!(" · finished {}", date(Some(d), zone))).unwrap_or_default()
            ),
            t.style(Role::Muted),
        )),
    ]
}

fn order_view(p: &ProductionTab, cx: &ViewCx, frame: &mut Frame, area: Rect) {
    let t = cx.theme;
    let zone = p.zone();
    let [head, body] = Layout::vertical([Constraint::Length(5), Constraint::Min(4)]).areas(area);
    let loading = if cx.requests.waiting(&p.order_req) { " ⧗" } else { "" };
    let b = block(
        t,
        Line::from(Span::styled(format!(" Production order{loading} — Esc back to the list "), t.style(Role::Title))),
    );
    let inner = b.inner(head);
    frame.render_widget(b, head);
    let Some(o) = &p.order else { return };
    frame.render_widget(Paragraph::new(header_lines(o, t, zone)), inner);

    let mut tabs = vec![Span::raw(" ")];
    for s in Section::ALL {
        let style = if s == p.section { t.style(Role::TabActive) } else { t.style(Role::Muted) };
        tabs.push(Span::styled(format!(" {} ", s.title()), style));
    }
    tabs.push(Span::styled(if cx.requests.waiting(&p.section_req) { " ⧗ " } else { " " }, t.style(Role::Muted)));
    let b = block(t, Line::from(tabs));
    let inner = b.inner(body);
    frame.render_widget(b, body);
    if let Some(e) = &p.section_error {
        frame.render_widget(Paragraph::new(Span::styled(format!("✗ {e}"), t.style(Role::Error))), inner);
        return;
    }
    match p.section {
        Section::Articles => articles(p, cx, o, frame, inner, t),
        Section::Parts => scrolled(parts(o, t), p.row, frame, inner, "No parts are reserved for this order.", t),
        Section::Batches => {
            let lines = p.batches.as_ref().map(|b| {
                let mut v = vec![Line::from(Span::styled(
                    format!("{} batches · {} serials", b.count_batch, b.count_serial),
                    t.style(Role::Muted),
                ))];
                v.push(Line::from(Span::styled(
                    format!(
                        "{:<14} {:<16} {:>9} {:>10} {:<11}",
                        "Batch", "Serial", "Ordered", "Delivered", "Best before"
                    ),
                    t.style(Role::Muted),
                )));
                for x in &b.batches {
                    v.push(Line::from(format!(
                        "{:<14} {:<16} {:>9} {:>10} {:<11}",
                        x.batch_id.as_deref().unwrap_or("-"),
                        x.serial_nr.as_deref().unwrap_or("-"),
                        amount(x.ordered_amount),
                        amount(x.delivered_amount),
                        date(x.best_before, zone)
                    )));
                }
                v
            });
            let empty = if cx.requests.waiting(&p.section_req) { "⧗ loading…" } else { "No batches reported yet." };
            scrolled(lines.unwrap_or_default(), p.row, frame, inner, empty, t)
        }
        Section::Products => {
            let filter = format!(
                "search {} · supplier {} · sorted by {} {} — {} to change",
                p.flat_query.query.as_deref().unwrap_or("-"),
                p.flat_query.supplier.as_deref().unwrap_or("-"),
                super::forms::column_name(p.flat_query.sort_column),
                if p.flat_query.order == crate::domain::production::SortOrderAsc::Desc { "Z-A" } else { "A-Z" },
                cx.settings.keys.keys(Action::Lookup).first().map(|k| k.to_string()).unwrap_or_default()
            );
            let mut lines = vec![Line::from(Span::styled(filter, t.style(Role::Muted)))];
            lines.extend(p.flat.as_ref().map(|f| products(f, t, zone)).unwrap_or_default());
            let empty = if cx.requests.waiting(&p.section_req) { "⧗ loading…" } else { "No products match." };
            if lines.len() == 1 {
                lines.push(Line::from(Span::styled(empty, t.style(Role::Muted))));
            }
            scrolled(lines, p.row, frame, inner, empty, t)
        }
        Section::Picking => {
            let mut lines = Vec::new();
            if let Some((path, what)) = &p.saved_picking {
                let dir = path.parent().map(|d| d.display().to_string()).unwrap_or_default();
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                lines.push(Line::from(vec![Span::raw("PDF  "), Span::styled(name, t.style(Role::Accent))]));
                lines.push(Line::from(format!("in   {dir}")));
                lines.push(Line::from(Span::styled(what.clone(), t.style(Role::Muted))));
                lines.push(Line::from(""));
            }
            lines.extend(p.picking.as_ref().map(|f| products(f, t, zone)).unwrap_or_default());
            let key = cx.settings.keys.keys(Action::PickingList).first().map(|k| k.to_string()).unwrap_or_default();
            let empty = if cx.requests.waiting(&p.section_req) {
                "⧗ loading…".to_string()
            } else {
                format!("Press {key} and choose \"show it here\" to see the picking list, or save and print the PDF.")
            };
            scrolled(lines, p.row, frame, inner, &empty, t)
        }
    }
}

fn articles(p: &ProductionTab, cx: &ViewCx, o: &ProductionOrder, frame: &mut Frame, area: Rect, t: &Theme) {
    if o.articles.is_empty() {
        let msg = if cx.requests.waiting(&p.order_req) { "⧗ loading…" } else { "No articles yet: add one (i)." };
        frame.render_widget(Paragraph::new(Span::styled(msg, t.style(Role::Muted))), area);
        return;
    }
    let rows: Vec<Row> = o
        .articles
        .iter()
        .map(|a| {
            Row::new(vec![
                Cell::from(a.article_id.clone()),
                Cell::from(a.article_name.clone().unwrap_or_default()),
                right(amount(a.amount)),
                right(amount(a.finished)),
                right(amount(a.waste)),
                // Before anything is finished or wasted the backend's accuracy reads -100 %,
                // which says nothing yet: shown as "-".
                right(
                    a.accuracy
                        .filter(|_| a.finished.unwrap_or(0.0) + a.waste.unwrap_or(0.0) > 0.0)
                        .map(|x| format!("{x:+.1}%"))
                        .unwrap_or_else(|| "-".into()),
                ),
                right(article_status(a.status)),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(14),
        Constraint::Min(10),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(10),
    ];
    let header = Row::new(vec![
        Cell::from("Article"),
        Cell::from("Name"),
        right("Amount".into()),
        right("Finished".into()),
        right("Waste".into()),
        right("Accuracy".into()),
        right("Status".into()),
    ])
    .style(t.style(Role::Muted));
    let table = Table::new(rows, widths).header(header).row_highlight_style(t.style(Role::Selection));
    let mut state = TableState::default().with_selected(Some(p.row.min(o.articles.len() - 1)));
    frame.render_stateful_widget(table, area, &mut state);
}

fn right<'a>(s: String) -> Cell<'a> {
    Cell::from(Line::from(s).right_aligned())
}

fn parts<'a>(o: &ProductionOrder, t: &Theme) -> Vec<Line<'a>> {
    let mut v = Vec::new();
    if o.single_articles.is_empty() {
        return v;
    }
    v.push(Line::from(Span::styled(
        format!("{:<14} {:<26} {:>8} {:>10} {:>9}", "Part", "Name", "Per unit", "Reserved", "Total"),
        t.style(Role::Muted),
    )));
    for g in &o.single_articles {
        v.push(Line::from(Span::styled(format!("for {}", g.article_id), t.style(Role::Accent))));
        for s in &g.single_articles {
            let name: String = s.single_article_name.clone().unwrap_or_default().chars().take(26).collect();
            let short = s.total_reserved.unwrap_or(0.0) < s.total_amount.unwrap_or(0.0);
            let line = format!(
                "{:<14} {:<26} {:>8} {:>10} {:>9} {}",
                s.single_article_id,
                name,
                amount(s.part_amount),
                amount(s.total_reserved),
                amount(s.total_amount),
                s.unit.as_deref().unwrap_or("")
            );
            v.push(Line::from(Span::styled(line, t.style(if short { Role::Warning } else { Role::Base }))));
        }
    }
    v
}

fn products<'a>(f: &FlatArticles, t: &Theme, zone: Zone) -> Vec<Line<'a>> {
    let mut v = vec![Line::from(Span::styled(
        format!("{:<14} {:<20} {:>7} {:>8} {:<16} {:<8}", "Article", "Name", "Amount", "Reserved", "Supplier", "Place"),
        t.style(Role::Muted),
    ))];
    for a in &f.articles {
        let name: String = a.article_name.clone().unwrap_or_default().chars().take(20).collect();
        let supplier: String = a.supplier_name.clone().unwrap_or_default().chars().take(16).collect();
        v.push(Line::from(format!(
            "{:<14} {:<20} {:>7} {:>8} {:<16} {:<8}",
            a.article_id,
            name,
            amount(a.amount),
            amount(a.reserved),
            supplier,
            a.stockplace.as_deref().unwrap_or("")
        )));
        for po in &a.purchase_orders {
            v.push(Line::from(Span::styled(
                format!(
                    "    purchase order {} · {} ordered · delivery {}",
                    po.po_ref.as_deref().unwrap_or("-"),
                    amount(po.ordered),
                    date(po.delivery_date, zone)
                ),
                t.style(Role::Muted),
            )));
        }
    }
    v
}

/// Lines from `first` on (↑/↓ scroll); a note when there are none.
fn scrolled(lines: Vec<Line>, first: usize, frame: &mut Frame, area: Rect, empty: &str, t: &Theme) {
    if lines.is_empty() {
        frame.render_widget(Paragraph::new(Span::styled(empty.to_string(), t.style(Role::Muted))), area);
        return;
    }
    let max_first = lines.len().saturating_sub(area.height as usize);
    let shown: Vec<Line> = lines.into_iter().skip(first.min(max_first)).collect();
    frame.render_widget(Paragraph::new(shown), area);
}

fn form_view(p: &ProductionTab, cx: &ViewCx, f: &OpenForm, frame: &mut Frame, area: Rect) {
    let t = cx.theme;
    let sending = cx.requests.waiting(&p.change_req);
    let about = f
        .order
        .as_ref()
        .map(|o| format!(" — {} {}", o.pr_reference.as_deref().unwrap_or(""), o.name.as_deref().unwrap_or("")))
        .unwrap_or_default();
    let b = block(t, Line::from(Span::styled(format!(" {}{about} ", f.kind.title()), t.style(Role::Title))));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let [fields, note, message, hint] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1), Constraint::Length(1), Constraint::Length(1)])
            .areas(inner);
    f.form.render(frame, fields, t, cx.focused);
    let focused = f.form.focused().map(|x| x.key.as_str()).unwrap_or("");
    let guide = if focused == "scan" {
        Some("Scan the pack's code: batch, serial and best before are filled in from it")
    } else if focused.ends_with(":batches") {
        Some("Batches as BATCH=amount, separated by commas; a batch alone takes the part's whole amount")
    } else if focused.ends_with(":serials") {
        Some("The part's serials, separated by commas or spaces")
    } else {
        None
    };
    if let (None, Some(g)) = (&f.note, guide) {
        frame.render_widget(Paragraph::new(Span::styled(g, t.style(Role::Muted))), note);
    }
    if let Some((sev, text)) = &f.note {
        let role = match sev {
            Severity::Ok => Role::Ok,
            Severity::Error => Role::Error,
            Severity::Warning => Role::Warning,
            Severity::Info => Role::Base,
        };
        frame.render_widget(Paragraph::new(Span::styled(text.clone(), t.style(role))), note);
    }
    f.form.render_message(frame, message, t, sending);
    let k = &cx.settings.keys;
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!("Tab/↑↓ move · ←/→ choose · {} send · Esc close", k.label(Action::Submit)),
            t.style(Role::Muted),
        )),
        hint,
    );
}

/// The message line's hint when nothing else is said.
pub fn hint(p: &ProductionTab, k: &KeyMap) -> String {
    let first = |a: Action| k.first_label(a);
    if p.form.is_some() {
        return format!("{} help · {} send · Esc close without sending", first(Action::Help), k.label(Action::Submit));
    }
    match p.screen {
        View::List => format!(
            "{} all keys · Enter open · {} state · {} search · {} new · {} start · {} finish",
            first(Action::Help),
            first(Action::CycleState),
            first(Action::Lookup),
            first(Action::NewOrder),
            first(Action::StartProduction),
            first(Action::FinishOrder)
        ),
        View::Order => format!(
            "{} all keys · ←/→ section · {} add article · {} report · {} picking list · Esc back",
            first(Action::Help),
            first(Action::AddArticle),
            first(Action::ReportProduction),
            first(Action::PickingList)
        ),
    }
}
