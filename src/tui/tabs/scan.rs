//! The live scan panel: the active order, the last scan large and unmistakable, the counters
//! and packs per minute, progress toward the order quantity, the last scans with their state.
//! Everything typed here is scan input; an alarm blocks scanning until it is acknowledged.

use crate::config::keys::Action;
use crate::config::theme::{Role, Theme};
use crate::scan::check::{self, Alarm};
use crate::scan::gs1::{self, Mode};
use crate::scan::journal::{Appended, NewScan, ScanStats, State};
use crate::scan::wedge::{Fed, Framer};
use crate::tui::app::{cycle_tab, App, Effect, Severity};
use crate::worker::Job;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Gauge, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

#[derive(Debug, Clone, PartialEq)]
pub enum LastScan {
    /// Passed the checks; waiting for the journal before it is called accepted.
    Saving(String),
    Accepted(String),
    Refused(Alarm),
}

pub struct ScanTab {
    pub framer: Framer,
    pub last: Option<LastScan>,
    /// An alarm not yet acknowledged.
    pub alarm: Option<Alarm>,
    pub stats: ScanStats,
    pub saving: usize,
    pub order_lookup_id: Option<u64>,
    pub pipeline_note: Option<String>,
    /// The row of "Last scans" that ↑/↓ selected (for decommissioning).
    pub selected: Option<usize>,
}

impl ScanTab {
    pub fn new(framer: Framer) -> Self {
        ScanTab {
            framer,
            last: None,
            alarm: None,
            stats: ScanStats::default(),
            saving: 0,
            order_lookup_id: None,
            pipeline_note: None,
            selected: None,
        }
    }
}

fn raise(app: &mut App, alarm: Alarm, raw: &str, effects: &mut Vec<Effect>) {
    effects.push(Effect::RecordAlarm {
        order_id: app.active.as_ref().map(|o| o.order_id.clone()),
        kind: alarm.kind().to_string(),
        raw: raw.to_string(),
        message: alarm.message(),
    });
    if app.settings.scan.bell {
        effects.push(Effect::Bell);
    }
    if app.settings.scan.block_on_alarm {
        app.scan.alarm = Some(alarm.clone());
    }
    app.scan.last = Some(LastScan::Refused(alarm));
}

pub fn acknowledge(app: &mut App, effects: &mut Vec<Effect>) {
    if app.scan.alarm.take().is_some() {
        effects.push(Effect::AckAlarms);
        app.flash(Severity::Info, "Alarm acknowledged: scanning goes on");
    }
}

/// One whole scan from the wedge (or a paste).
pub fn frame(app: &mut App, raw: String) -> Vec<Effect> {
    let mut effects = Vec::new();
    // A badge signs in (or hands over); on the sign-in screen a typed id does too.
    if app.signin_needed() || crate::tui::access::badge_id(app, &raw).is_some() {
        return crate::tui::access::sign_in_attempt(app, &raw);
    }
    let cfg = app.settings.scan.clone();
    if !cfg.ack_barcode.is_empty() && raw == cfg.ack_barcode {
        acknowledge(app, &mut effects);
        return effects;
    }
    if !cfg.order_barcode_prefix.is_empty() {
        if let Some(id) = raw.strip_prefix(cfg.order_barcode_prefix.as_str()) {
            if app.refuse_if_locked() {
                return effects;
            }
            let rid = app.request(Job::OrderDetails { order_id: id.trim().to_string() }, &mut effects);
            app.scan.order_lookup_id = Some(rid);
            app.flash(Severity::Info, format!("Looking up order {id}…"));
            return effects;
        }
    }
    if app.scan.alarm.is_some() && cfg.block_on_alarm {
        let key = app.settings.keys.label(Action::Acknowledge);
        app.flash(
            Severity::Error,
            format!(
                "Scanning is blocked by the alarm: acknowledge it ({key}, or scan {}) and scan this pack again",
                cfg.ack_barcode
            ),
        );
        if cfg.bell {
            effects.push(Effect::Bell);
        }
        return effects;
    }
    let opts = gs1::Options { mode: Mode::Auto, requisites: cfg.requisites, ..gs1::Options::default() };
    let decoded = match gs1::decode(&raw, &opts) {
        Ok(d) => d,
        Err(e) => {
            raise(app, Alarm::from(e), &raw, &mut effects);
            return effects;
        }
    };
    match check::check(&decoded, app.active.as_ref()) {
        Ok(ok) => {
            let Some(order) = app.active.as_ref() else { return effects };
            effects.push(Effect::Journal(NewScan {
                at: String::new(),
                station: app.settings.station_id.clone(),
                operator: app.operator_id().map(String::from),
                order_id: order.order_id.clone(),
                gtin: ok.gtin,
                batch: ok.batch,
                expiry: ok.expiry,
                serial: ok.serial.clone(),
                raw,
            }));
            app.scan.saving += 1;
            app.scan.last = Some(LastScan::Saving(ok.serial));
            if let Some(w) = decoded.warnings.first() {
                app.flash(Severity::Warning, w.clone());
            }
        }
        Err(alarm) => raise(app, alarm, &raw, &mut effects),
    }
    effects
}

/// The journal's answer for scans sent to it.
pub fn journaled(app: &mut App, results: Vec<(NewScan, Result<Appended, String>)>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for (scan, r) in results {
        app.scan.saving = app.scan.saving.saturating_sub(1);
        match r {
            Ok(Appended::Accepted(_)) => app.scan.last = Some(LastScan::Accepted(scan.serial)),
            Ok(Appended::Duplicate { first_at }) => {
                raise(app, Alarm::Duplicate { serial: scan.serial, first_at }, &scan.raw, &mut effects)
            }
            Err(message) => raise(app, Alarm::NotSaved { message }, &scan.raw, &mut effects),
        }
    }
    effects.push(Effect::RefreshScanStats);
    effects
}

pub fn key(app: &mut App, k: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let mut effects = Vec::new();
    if action == Some(Action::Acknowledge) {
        acknowledge(app, &mut effects);
        return effects;
    }
    if action == Some(Action::Decommission) {
        decommission(app);
        return effects;
    }
    match app.scan.framer.feed(&k) {
        Fed::Frame(raw) => frame(app, raw),
        Fed::Typed => effects,
        Fed::Ignored => {
            let n = app.scan.stats.recent.len();
            match k.code {
                KeyCode::Tab => cycle_tab(app, true),
                KeyCode::BackTab => cycle_tab(app, false),
                KeyCode::Esc => {
                    app.scan.framer.clear();
                    app.scan.selected = None;
                }
                KeyCode::Down if n > 0 => app.scan.selected = Some(app.scan.selected.map_or(0, |i| (i + 1).min(n - 1))),
                KeyCode::Up if n > 0 => app.scan.selected = Some(app.scan.selected.map_or(0, |i| i.saturating_sub(1))),
                _ => {}
            }
            effects
        }
    }
}

/// Asks for the reason to decommission the selected serial (only a commissioned one).
fn decommission(app: &mut App) {
    let row = app.scan.selected.and_then(|i| app.scan.stats.recent.get(i)).cloned();
    match row {
        Some(r) if r.state == State::Commissioned => {
            app.confirm = Some(crate::tui::app::Confirm {
                title: format!("Decommission serial {}?", r.serial),
                lines: vec![
                    format!("Product {} batch {}, scanned {}", r.gtin, r.batch, r.at.get(11..19).unwrap_or(&r.at)),
                    "The pack leaves the supply chain; this cannot be undone.".into(),
                    "Choose the reason:".into(),
                ],
                pending: crate::tui::app::Pending::Decommission { gtin: r.gtin, serial: r.serial, row: r.id },
            });
        }
        Some(r) => app.flash(
            Severity::Warning,
            format!("Only a commissioned serial can be decommissioned; {} is {}", r.serial, r.state.name()),
        ),
        None => app.flash(Severity::Warning, "Select a serial under Last scans with ↑/↓ first"),
    }
}

pub fn paste(app: &mut App, text: &str) -> Vec<Effect> {
    let frames = app.scan.framer.paste(text);
    frames.into_iter().flat_map(|f| frame(app, f)).collect()
}

pub fn view(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.settings.theme;
    let s = &app.scan;
    let [order_area, last_area, counters_area, recent_area, input_area] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(5),
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    order_view(app, frame, order_area, t);
    last_view(s, frame, last_area, t);
    let c = &s.stats.counts;
    let first = Line::from(vec![
        Span::styled(format!(" Scanned {}", c.scanned), t.style(Role::Base)),
        Span::styled(format!(" · Commissioned {}", c.commissioned), t.style(Role::Ok)),
        Span::styled(
            format!(" · Pending {}", c.pending),
            t.style(if c.pending > 0 { Role::Warning } else { Role::Muted }),
        ),
        Span::styled(
            format!(" · Rejected {}", c.rejected),
            t.style(if c.rejected > 0 { Role::Error } else { Role::Muted }),
        ),
    ]);
    let second = Line::from(vec![
        Span::styled(
            format!(" Duplicates {}", c.duplicates),
            t.style(if c.duplicates > 0 { Role::Warning } else { Role::Muted }),
        ),
        Span::styled(format!(" · {} packs/min", s.stats.per_minute), t.style(Role::Muted)),
        Span::styled(
            format!(" · queue {} to send", s.stats.queue),
            t.style(if s.stats.queue > 0 { Role::Warning } else { Role::Muted }),
        ),
    ]);
    frame.render_widget(Paragraph::new(vec![first, second]), counters_area);
    recent_view(s, frame, recent_area, t);
    let prompt = if s.alarm.is_some() && app.settings.scan.block_on_alarm {
        Line::from(Span::styled(
            format!(
                " ✗ blocked by the alarm: {} or scan {} to go on",
                app.settings.keys.label(Action::Acknowledge),
                app.settings.scan.ack_barcode
            ),
            t.style(Role::Error),
        ))
    } else {
        let shown: String = s.framer.shown();
        Line::from(vec![
            Span::styled(" Scan, or type (01)…(17)…(10)…(21)… and Enter: ", t.style(Role::Muted)),
            Span::styled(shown, t.style(Role::InputFocus)),
        ])
    };
    frame.render_widget(Paragraph::new(prompt), input_area);
}

fn order_view(app: &App, frame: &mut Frame, area: Rect, t: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(" Active order ", t.style(Role::Title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(o) = &app.active else {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    "No active order: press a on the Packaging tab, or scan {}ORDER-ID.",
                    app.settings.scan.order_barcode_prefix
                ),
                t.style(Role::Warning),
            )),
            inner,
        );
        return;
    };
    let [info, gauge] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!("{} ", o.order_id), t.style(Role::Accent).add_modifier(Modifier::BOLD)),
            Span::raw(format!(
                "product {}  batch {}  expiry {}  target {}",
                o.product_code,
                o.batch.as_deref().unwrap_or("-"),
                o.expiry_date.as_deref().unwrap_or("-"),
                o.quantity
            )),
        ])),
        info,
    );
    let done = app.scan.stats.counts.commissioned;
    let ratio = if o.quantity > 0 { (done as f64 / o.quantity as f64).clamp(0.0, 1.0) } else { 0.0 };
    frame.render_widget(
        Gauge::default()
            .ratio(ratio)
            .label(format!("{done} of {} commissioned", o.quantity))
            .gauge_style(t.style(Role::Ok)),
        gauge,
    );
}

fn last_view(s: &ScanTab, frame: &mut Frame, area: Rect, t: &Theme) {
    let (headline, detail, role) = match &s.last {
        None => ("READY".to_string(), "Scan a pack of the active order.".to_string(), Role::Muted),
        Some(LastScan::Saving(serial)) => ("SAVING…".to_string(), format!("serial {serial}"), Role::Warning),
        Some(LastScan::Accepted(serial)) => ("✓ ACCEPTED".to_string(), format!("serial {serial}"), Role::Ok),
        Some(LastScan::Refused(a)) => (format!("✗ {}", a.headline()), a.message(), Role::Error),
    };
    let style = t.style(role).add_modifier(Modifier::REVERSED | Modifier::BOLD);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(role))
        .title(Span::styled(" Last scan ", t.style(Role::Title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [big, small] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let pad = " ".repeat(((big.width as usize).saturating_sub(headline.chars().count())) / 2);
    frame.render_widget(
        Paragraph::new(Span::styled(format!("{pad}{headline}{pad}  "), style)).alignment(Alignment::Center),
        big,
    );
    frame.render_widget(Paragraph::new(Span::styled(detail, t.style(role))).wrap(Wrap { trim: true }), small);
}

fn recent_view(s: &ScanTab, frame: &mut Frame, area: Rect, t: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(" Last scans ", t.style(Role::Title)));
    let rows = s.stats.recent.iter().map(|r| {
        let role = match r.state {
            State::Commissioned => Role::Ok,
            State::Rejected => Role::Error,
            State::Decommissioned => Role::Muted,
            _ => Role::Warning,
        };
        Row::new(vec![
            Cell::from(r.at.get(11..19).unwrap_or(&r.at).to_string()),
            Cell::from(r.serial.clone()),
            Cell::from(r.state.name()).style(t.style(role)),
            Cell::from(r.attempts.to_string()),
            Cell::from(r.reason.clone().unwrap_or_default()),
        ])
    });
    let widths = [
        Constraint::Length(8),
        Constraint::Length(20),
        Constraint::Length(12),
        Constraint::Length(3),
        Constraint::Min(10),
    ];
    let header = Row::new(["UTC", "Serial", "State", "Try", "Reason"]).style(t.style(Role::Muted));
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}

/// The scan panel on a small handheld terminal (40×16 and up): order and progress, the last
/// scan, the counters, the last serials and what is being typed.
pub fn compact_view(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.settings.theme;
    let s = &app.scan;
    let [order_area, last_area, counters_area, recent_area, input_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(4),
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let order = match &app.active {
        Some(o) => Line::from(vec![
            Span::styled(format!("{} ", o.order_id), t.style(Role::Accent).add_modifier(Modifier::BOLD)),
            Span::styled(
                format!(
                    "{}/{} done · batch {}",
                    s.stats.counts.commissioned,
                    o.quantity,
                    o.batch.as_deref().unwrap_or("-")
                ),
                t.style(Role::Base),
            ),
        ]),
        None => Line::from(Span::styled("No active order", t.style(Role::Warning))),
    };
    frame.render_widget(Paragraph::new(order), order_area);
    let (headline, detail, role) = match &s.last {
        None => ("READY".to_string(), "Scan a pack.".to_string(), Role::Muted),
        Some(LastScan::Saving(serial)) => ("SAVING…".to_string(), serial.clone(), Role::Warning),
        Some(LastScan::Accepted(serial)) => ("✓ ACCEPTED".to_string(), serial.clone(), Role::Ok),
        Some(LastScan::Refused(a)) => (format!("✗ {}", a.headline()), a.message(), Role::Error),
    };
    let [big, small] = Layout::vertical([Constraint::Length(1), Constraint::Length(3)]).areas(last_area);
    frame.render_widget(
        Paragraph::new(Span::styled(headline, t.style(role).add_modifier(Modifier::REVERSED | Modifier::BOLD)))
            .alignment(Alignment::Center)
            .style(t.style(role).add_modifier(Modifier::REVERSED)),
        big,
    );
    frame.render_widget(Paragraph::new(Span::styled(detail, t.style(role))).wrap(Wrap { trim: true }), small);
    let c = &s.stats.counts;
    let counters = vec![
        Line::from(vec![
            Span::styled(format!("Scanned {} ", c.scanned), t.style(Role::Base)),
            Span::styled(format!("Comm. {} ", c.commissioned), t.style(Role::Ok)),
            Span::styled(
                format!("Pend. {}", c.pending),
                t.style(if c.pending > 0 { Role::Warning } else { Role::Muted }),
            ),
        ]),
        Line::from(vec![
            Span::styled(
                format!("Rej. {} ", c.rejected),
                t.style(if c.rejected > 0 { Role::Error } else { Role::Muted }),
            ),
            Span::styled(
                format!("Dup. {} ", c.duplicates),
                t.style(if c.duplicates > 0 { Role::Warning } else { Role::Muted }),
            ),
            Span::styled(format!("{}/min", s.stats.per_minute), t.style(Role::Muted)),
        ]),
    ];
    frame.render_widget(Paragraph::new(counters), counters_area);
    let recent: Vec<Line> = s
        .stats
        .recent
        .iter()
        .take(recent_area.height as usize)
        .map(|r| {
            let role = match r.state {
                State::Commissioned => Role::Ok,
                State::Rejected => Role::Error,
                State::Decommissioned => Role::Muted,
                _ => Role::Warning,
            };
            Line::from(vec![
                Span::styled(format!("{:<20} ", r.serial), t.style(Role::Base)),
                Span::styled(r.state.name(), t.style(role)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(recent), recent_area);
    let input = if s.alarm.is_some() && app.settings.scan.block_on_alarm {
        Span::styled(format!("✗ {} to go on", app.settings.keys.label(Action::Acknowledge)), t.style(Role::Error))
    } else {
        Span::styled(format!("› {}", s.framer.shown()), t.style(Role::InputFocus))
    };
    frame.render_widget(Paragraph::new(input), input_area);
}
