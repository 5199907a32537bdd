//! Rendering: a pure function of the app state. The frame is a tab bar, the current tab, a
//! message line and the status bar; overlays (help, confirmation) sit on top.

use super::app::App;
use super::ctx::ViewCx;
use super::msg::{Health, Severity, Tab};
use super::tabs;
use super::theme::{Role, Theme};
use super::widgets::{centered, wrapped_rows};
use crate::config::keys::Action;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

pub use super::app::{COMPACT_HEIGHT, COMPACT_WIDTH, MIN_HEIGHT, MIN_WIDTH};

/// What the screens may read while drawing.
fn view_cx(app: &App) -> ViewCx<'_> {
    ViewCx {
        settings: &app.settings,
        theme: &app.settings.theme,
        clock: &app.clock,
        active: app.active.as_ref(),
        requests: &app.requests,
        focused: app.confirm.is_none()
            && !app.help
            && app.access.prompt.is_none()
            && app.access.signing.dialog.is_none(),
    }
}

pub fn view(app: &App, frame: &mut Frame) {
    draw(app, frame);
    if app.settings.ascii {
        super::ascii::transliterate(frame.buffer_mut());
    }
}

fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let t = &app.settings.theme;
    let cx = view_cx(app);
    frame.render_widget(Block::default().style(t.style(Role::Base)), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        if super::app::shows_on(app.tab, (area.width, area.height)) {
            compact(app, &cx, frame, area, t);
        } else {
            too_small(app, frame, area, t);
        }
        overlays(app, frame, area, t);
        return;
    }
    let rows = message_rows(app, area.width, 4);
    let [tabs_area, body, message, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(rows), Constraint::Length(1)])
            .areas(area);
    tab_bar(app, frame, tabs_area, t);
    match app.tab {
        Tab::Packaging => tabs::packaging::view(&app.packaging, &cx, frame, body),
        Tab::Labels => tabs::labels::view(&app.labels, &cx, frame, body),
        Tab::Production => tabs::production::view(&app.production, &cx, frame, body),
        Tab::Scan if app.signin_needed() => {
            tabs::signin::view(&app.access, &app.settings, &app.scan.field.shown(), frame, body)
        }
        Tab::Scan => tabs::scan::view(&app.scan, &cx, frame, body),
        Tab::Print => tabs::print::view(&app.print, &cx, frame, body),
    }
    message_line(app, frame, message, t);
    status_bar(app, frame, status, t);
    overlays(app, frame, area, t);
}

fn overlays(app: &App, frame: &mut Frame, area: Rect, t: &Theme) {
    if app.help {
        help(app, frame, area, t);
    }
    if let Some(c) = &app.confirm {
        c.view(frame, area, t);
    }
    if let Some(p) = &app.access.prompt {
        tabs::signin::prompt(&app.settings, p, frame, area, t);
    }
    if let Some(d) = &app.access.signing.dialog {
        tabs::signin::sign_dialog(d, frame, area, t);
    }
}

/// The Scan tab (or the sign-in screen) on a handheld: a one-line header, the panel, the
/// message line and a short status line.
fn compact(app: &App, cx: &ViewCx, frame: &mut Frame, area: Rect, t: &Theme) {
    let rows = message_rows(app, area.width, 6);
    let [head, body, message, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(rows), Constraint::Length(1)])
            .areas(area);
    let who = tabs::signin::who_short(&app.access, &app.settings);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!("{} ", app.settings.station_id), t.style(Role::TabActive)),
            Span::styled(format!(" {who}"), t.style(Role::Muted)),
        ])),
        head,
    );
    if app.tab == Tab::Print {
        tabs::print::view(&app.print, cx, frame, body);
    } else if app.signin_needed() {
        tabs::signin::view(&app.access, &app.settings, &app.scan.field.shown(), frame, body);
    } else {
        tabs::scan::compact_view(&app.scan, cx, frame, body);
    }
    if app.tab == Tab::Print && app.flash.is_some() {
        tabs::print::message(app.flash.as_ref(), frame, message, t);
    } else if app.flash.is_some() {
        message_line(app, frame, message, t);
    } else {
        let k = &app.settings.keys;
        let first = |a: Action| k.first_label(a);
        let hint = if app.tab == Tab::Print {
            format!("{} help · {} end run · Tab tabs", first(Action::Help), first(Action::FinishOrder))
        } else if app.locked() {
            format!(
                "{} help · {} ack · {} supervisor",
                first(Action::Help),
                first(Action::Acknowledge),
                first(Action::Unlock)
            )
        } else {
            format!("{} help · {} ack · {} tabs", first(Action::Help), first(Action::Acknowledge), "Tab")
        };
        frame.render_widget(Paragraph::new(Span::styled(hint, t.style(Role::Muted))), message);
    }
    let dot = |h: &Health| match h {
        Health::Online => "●",
        Health::Slow(_) => "◐",
        Health::Unknown => "○",
        Health::Offline(_) => "✗",
    };
    let printers = app.print.summary(&app.clock, 2).map(|p| format!(" · P {p}")).unwrap_or_default();
    let (m, l, queue) = (dot(&app.health.manufacturer), dot(&app.health.production), app.scan.stats.queue);
    // Shorter forms until one fits the row (it does not wrap): the clock and its zone stay whole.
    let line = [
        format!(" M{m} L{l} · queue {queue}{printers} · {}", app.clock.hh_mm_zone()),
        format!(" M{m} L{l} · q {queue}{printers} · {}", app.clock.hh_mm_zone()),
        format!(" M{m} L{l} q{queue}{printers} {}", app.clock.hh_mm_zone()),
        format!(" M{m} L{l} q{queue}{printers} {}", app.clock.hh_mm()),
    ]
    .into_iter()
    .find(|l| l.chars().count() <= usize::from(status.width))
    .unwrap_or_else(|| format!(" M{m} L{l} q{queue} {}", app.clock.hh_mm()));
    frame.render_widget(
        Paragraph::new(Span::styled(line, t.style(Role::StatusBar))).style(t.style(Role::StatusBar)),
        status,
    );
}

fn too_small(app: &App, frame: &mut Frame, area: Rect, t: &Theme) {
    let k = &app.settings.keys;
    let (scan, print) = (k.first_label(Action::TabScan), k.first_label(Action::TabPrint));
    let mut text = vec![
        Line::from(Span::styled("Terminal too small", t.style(Role::Warning))),
        Line::from(format!("needs {MIN_WIDTH}×{MIN_HEIGHT}, now {}×{}", area.width, area.height)),
        Line::from("Enlarge the window or reduce the font size."),
        Line::from(format!("The Scan ({scan}) and Print ({print}) tabs work from {COMPACT_WIDTH}×{COMPACT_HEIGHT}.")),
    ];
    // What the last key did (or refused) is said here too: there is no message line.
    if let Some(f) = &app.flash {
        let (line, role) = flash_text(f);
        text.push(Line::from(Span::styled(line, t.style(role))));
    }
    let rows = (text.len() as u16 + 2).min(area.height);
    let y = area.y + area.height.saturating_sub(rows) / 2;
    let r = Rect { y, height: rows, ..area };
    frame.render_widget(Paragraph::new(text).alignment(Alignment::Center).wrap(Wrap { trim: true }), r);
}

fn tab_bar(app: &App, frame: &mut Frame, area: Rect, t: &Theme) {
    let active = match &app.active {
        Some(o) => Span::styled(format!("● active {}", o.order_id), t.style(Role::Ok)),
        None => Span::styled("○ no active order", t.style(Role::Muted)),
    };
    // A locked kiosk shows only the tabs it lets the operator reach.
    let tabs = |gap: bool| {
        let mut spans = Vec::new();
        for tab in Tab::ALL.into_iter().filter(|t| app.tab_allowed(*t)) {
            let key = app.settings.keys.keys(tab.action()).first().map(|k| format!(" {k}")).unwrap_or_default();
            let style = if tab == app.tab { t.style(Role::TabActive) } else { t.style(Role::TabInactive) };
            spans.push(Span::styled(format!(" {}{key} ", tab.title()), style));
            if gap {
                spans.push(Span::raw(" "));
            }
        }
        spans
    };
    let width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
    // Five tabs leave little room at 80 columns: the gaps between tabs go first, then the
    // word "active" (the order's id always stays).
    let mut spans = tabs(true);
    if width(&spans) + active.width() > area.width as usize {
        spans = tabs(false);
    }
    let used = width(&spans);
    let active = match &app.active {
        Some(o) if used + active.width() > area.width as usize => {
            Span::styled(format!("● {}", o.order_id), t.style(Role::Ok))
        }
        None if used + active.width() > area.width as usize => Span::styled("○ no order", t.style(Role::Muted)),
        _ => active,
    };
    let pad = (area.width as usize).saturating_sub(used + active.width());
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(active);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The message's mark and text, as the message line shows them.
fn flash_text(f: &super::msg::Flash) -> (String, Role) {
    let (mark, role) = match f.severity {
        Severity::Ok => ("✓ ", Role::Ok),
        Severity::Error => ("✗ ", Role::Error),
        Severity::Warning => ("! ", Role::Warning),
        Severity::Info => ("", Role::Base),
    };
    (format!("{mark}{}", f.text), role)
}

/// The message line grows (up to `max` rows) so that what to do is never cut off; the hints
/// keep one.
fn message_rows(app: &App, width: u16, max: u16) -> u16 {
    match &app.flash {
        Some(f) => wrapped_rows(&flash_text(f).0, width).clamp(1, max),
        None => 1,
    }
}

fn message_line(app: &App, frame: &mut Frame, area: Rect, t: &Theme) {
    let line = match &app.flash {
        Some(f) => {
            let (text, role) = flash_text(f);
            Line::from(Span::styled(text, t.style(role)))
        }
        None => {
            let k = &app.settings.keys;
            let first = |a: Action| k.first_label(a);
            let hint = match app.tab {
                Tab::Scan if app.locked() && app.scan.pipeline_note.is_none() => format!(
                    "{} help · {} acknowledge alarm · {} supervisor · typing here is scan input",
                    first(Action::Help),
                    first(Action::Acknowledge),
                    first(Action::Unlock)
                ),
                _ => app.current().hint(k),
            };
            Line::from(Span::styled(hint, t.style(Role::Muted)))
        }
    };
    frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), area);
}

/// A backend's state; `short` leaves out the words of the good states to make room.
fn health_span(name: &str, h: &Health, t: &Theme, short: bool) -> Span<'static> {
    let (text, style): (String, Style) = match h {
        Health::Unknown if short => (format!("{name} ○"), t.style(Role::StatusBar)),
        Health::Unknown => (format!("{name} ○ …"), t.style(Role::StatusBar)),
        Health::Online if short => (format!("{name} ●"), t.style(Role::StatusBar)),
        Health::Online => (format!("{name} ● online"), t.style(Role::StatusBar)),
        Health::Slow(ms) => (format!("{name} ◐ slow {:.1}s", *ms as f64 / 1000.0), t.style(Role::Warning)),
        Health::Offline(why) => (format!("{name} ✗ {why}"), t.style(Role::Error)),
    };
    Span::styled(format!(" {text} "), style)
}

/// The line-wide duplicate check (only with a line store): online, or offline with the scans
/// still to be checked.
fn line_span(app: &App, t: &Theme, short: bool) -> Option<Span<'static>> {
    if !app.settings.line_store {
        return None;
    }
    let (text, style) = match &app.line_status {
        Some(l) if l.online && short => ("Line ●".to_string(), t.style(Role::StatusBar)),
        Some(l) if l.online => ("Line ● checked".to_string(), t.style(Role::StatusBar)),
        Some(l) if short => (format!("Line ✗ {} unchecked", l.backlog), t.style(Role::Warning)),
        Some(l) => (format!("Line check ✗ offline, {} unchecked", l.backlog), t.style(Role::Warning)),
        None => ("Line ○".to_string(), t.style(Role::StatusBar)),
    };
    Some(Span::styled(format!(" {text} "), style))
}

fn status_bar(app: &App, frame: &mut Frame, area: Rect, t: &Theme) {
    let bar = t.style(Role::StatusBar);
    let station = if app.settings.demo {
        format!(" {} (demo) ", app.settings.station_id)
    } else {
        format!(" {} ", app.settings.station_id)
    };
    // The one place the zone is named: every time on screen is station-local.
    let clock = format!(" {} ", app.clock.hh_mm_zone());
    let clock_w = clock.chars().count() as u16;
    // Shorter forms, tried in turn until the bar fits: the words of good states go first, then
    // the long form of who is signed in, then the work-in-flight count, then the demo mark,
    // then the backends' names.
    let build = |level: u8| {
        let station = if level >= 4 { format!(" {} ", app.settings.station_id) } else { station.clone() };
        let mut spans = vec![Span::styled(station, bar), Span::styled("│", bar)];
        let who = if level >= 2 {
            Some(tabs::signin::who_short(&app.access, &app.settings)).filter(|w| !w.is_empty())
        } else {
            tabs::signin::who(&app.access, &app.settings)
        };
        if let Some(who) = who {
            spans.push(Span::styled(format!(" {who} "), bar));
            spans.push(Span::styled("│", bar));
        }
        // Last of all a backend that is well goes by its initial; one in trouble keeps its name.
        let name = |full: &'static str, h: &Health| {
            if level >= 5 && matches!(h, Health::Online | Health::Unknown) {
                &full[..1]
            } else {
                full
            }
        };
        spans.extend([
            health_span(name("Movilitas", &app.health.manufacturer), &app.health.manufacturer, t, level >= 1),
            Span::styled("│", bar),
            health_span(name("Lagerkoll", &app.health.production), &app.health.production, t, level >= 1),
        ]);
        if let Some(l) = line_span(app, t, level >= 1) {
            spans.push(Span::styled("│", bar));
            spans.push(l);
        }
        // The printers' words shrink with the backends' (level 1), and to the fewest at the end.
        if let Some(p) = printers_span(app, t, if level >= 4 { 2 } else { level.min(1) }) {
            spans.extend([Span::styled("│", bar), p]);
        }
        let in_flight = app.requests.in_flight();
        if level < 3 || in_flight > 0 {
            spans.push(Span::styled("│", bar));
            spans.push(Span::styled(
                if in_flight == 0 { " idle ".to_string() } else { format!(" ⧗ {in_flight} in flight ") },
                bar,
            ));
        }
        spans
    };
    let fits = |spans: &Vec<Span>| Line::from(spans.clone()).width() + clock_w as usize <= area.width as usize;
    let spans = (0..=5).map(build).find(fits).unwrap_or_else(|| build(5));
    // The clock keeps its place at the right; the rest is cut short before it if need be.
    let [left, right] = Layout::horizontal([Constraint::Min(1), Constraint::Length(clock_w)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(spans)).style(bar), left);
    frame.render_widget(Paragraph::new(Span::styled(clock, bar)).style(bar), right);
}

/// The station's printers in a few words ("Printer line1-zebra ready"); `None` without
/// printers. A fault or an offline printer is shown in the error colour whatever the screen.
fn printers_span(app: &App, t: &Theme, level: u8) -> Option<Span<'static>> {
    let text = app.print.summary(&app.clock, level.min(2))?;
    let bad = app.print.printers.iter().any(|p| {
        p.status.as_ref().is_some_and(|s| {
            s.state.is_fault() || matches!(s.state, crate::domain::zebra::PrinterState::Offline { .. })
        })
    });
    let style = if bad { t.style(Role::Error) } else { t.style(Role::StatusBar) };
    let text = if level >= 2 && bad { format!(" {text} ") } else { format!(" Printer {text} ") };
    Some(Span::styled(text, style))
}

/// The keys of the current screen, from the same key map the app dispatches with.
fn help(app: &App, frame: &mut Frame, area: Rect, t: &Theme) {
    let k = &app.settings.keys;
    let keys_of = |a: Action| -> Vec<String> {
        // On the Scan tab plain letters are scan input, so only other keys are offered.
        k.keys(a).iter().filter(|key| !(app.tab == Tab::Scan && key.is_text())).map(ToString::to_string).collect()
    };
    // A handheld's screen has no room for a key column: "keys: what", wrapped.
    let narrow = area.width < 78;
    let key_cell = |keys: &str| if narrow { format!("{keys}: ") } else { format!("{keys:<24}") };
    let row = |keys: String, what: &str| {
        Line::from(vec![Span::styled(key_cell(&keys), t.style(Role::Accent)), Span::raw(what.to_string())])
    };
    let actions = app.screen_actions();
    let tab_actions: Vec<Action> = Tab::ALL.iter().map(|t| t.action()).collect();
    // The four tab keys share a line, so the help of a busy screen fits 80×24.
    let nth = |n: usize| -> Vec<String> { tab_actions.iter().filter_map(|a| keys_of(*a).into_iter().nth(n)).collect() };
    let also = nth(1);
    let what = if also.is_empty() { "switch tab".to_string() } else { format!("switch tab (also {})", also.join(" ")) };
    let mut lines = vec![row(nth(0).join(" "), &what)];
    lines.extend(
        actions.iter().filter(|(a, _)| !tab_actions.contains(a)).map(|(a, what)| row(keys_of(*a).join(", "), what)),
    );
    lines.push(Line::from(""));
    let fixed: &[(&str, &str)] = if app.tab == Tab::Scan {
        &[
            ("Enter", "ends a typed scan (a scanner sends it itself)"),
            ("↑ ↓", "select a serial under Last scans"),
            ("Esc", "clear what was typed; close this help"),
            ("Tab / Shift+Tab", "next / previous tab"),
        ]
    } else {
        &[
            ("↑ ↓ PgUp PgDn Home End", "move in lists and between fields"),
            ("Tab / Shift+Tab", "next / previous field (or tab)"),
            ("Enter", "next field; on the last field, send"),
            ("← → Space", "change a choice or a yes/no field"),
            ("Esc", "close a lookup, a form (kept) or this help"),
        ]
    };
    let note = if app.tab == Tab::Scan {
        "Everything typed here is scan input: letters never act as shortcuts."
    } else {
        "Letters act as shortcuts only when no text field has the cursor."
    };
    let width = area.width.min(76);
    let rows_of = |lines: &[Line]| -> usize {
        lines.iter().map(|l| wrapped_rows(&l.to_string(), width.saturating_sub(2)) as usize).sum()
    };
    // The general keys are left out when the screen's own fill the overlay.
    let room = area.height.saturating_sub(2) as usize;
    let general: Vec<Line> = fixed
        .iter()
        .map(|(keys, what)| Line::from(vec![Span::styled(key_cell(keys), t.style(Role::Muted)), Span::raw(*what)]))
        .collect();
    if rows_of(&lines) + rows_of(&general) + 2 <= room {
        lines.extend(general);
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(note, t.style(Role::Muted))));
    while rows_of(&lines) > room && lines.len() > 1 {
        lines.pop();
    }
    let r = centered(area, width, (rows_of(&lines) as u16 + 2).min(area.height));
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Accent))
        .title(Span::styled(format!(" Keys — {} ", app.tab.title()), t.style(Role::Title)));
    frame.render_widget(Paragraph::new(lines).block(block).style(t.style(Role::Base)).wrap(Wrap { trim: false }), r);
}
