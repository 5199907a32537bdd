//! Drawing the board: a title line, then every station grouped by line, one row each. Pure:
//! the same snapshot always draws the same frame. Fits 80×24; wider screens widen the text
//! columns.

use crate::line_store::heartbeat::{BoardRow, SILENT_AFTER};
use chrono::{DateTime, Local, Utc};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// What the board shows: the store's time and rows, or why they could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    pub now: Option<DateTime<Utc>>,
    pub rows: Vec<BoardRow>,
    /// The store could not be read (the rows are the last ones read).
    pub problem: Option<String>,
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%H:%M").to_string()
}

/// The station's state column and its colour.
fn state(r: &BoardRow, now: DateTime<Utc>) -> (String, Color) {
    let silent = (now - r.last_seen).to_std().map(|d| d > SILENT_AFTER).unwrap_or(false);
    if r.stopped {
        (format!("stopped {}", local(r.last_seen)), Color::DarkGray)
    } else if silent {
        (format!("✗ silent {}", local(r.last_seen)), Color::Red)
    } else if r.backlog > 0 {
        (format!("◐ {} to check", r.backlog), Color::Yellow)
    } else {
        ("● online".into(), Color::Green)
    }
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn view(s: &Snapshot, f: &mut Frame) {
    let [title, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(f.area());
    let lines: std::collections::BTreeSet<&str> = s.rows.iter().map(|r| r.line.as_str()).collect();
    let heading = format!(
        "shopfloor board · {} station{} on {} line{}{}",
        s.rows.len(),
        if s.rows.len() == 1 { "" } else { "s" },
        lines.len(),
        if lines.len() == 1 { "" } else { "s" },
        // The zone is named once, beside the clock; every other time on the board is in it.
        s.now
            .map(|t| {
                let offset = t.with_timezone(&Local).offset().local_minus_utc();
                format!(" · {} {}", local(t), crate::tui::clock::zone_label(offset))
            })
            .unwrap_or_default()
    );
    f.render_widget(Paragraph::new(heading).style(Style::new().add_modifier(Modifier::BOLD)), title);
    let footer = match &s.problem {
        Some(p) => Line::from(Span::styled(p.clone(), Style::new().fg(Color::Red))),
        None => Line::from("q quits · live from the line store"),
    };
    f.render_widget(Paragraph::new(footer), foot);

    let now = s.now.unwrap_or_else(Utc::now);
    let w = widths(body.width);
    let wide = body.width >= 100;
    let mut lines = vec![Line::from(cells(
        &w,
        ["STATION", "OPERATOR", "ORDER", "ACC/COMM/PEND", "PPM", "ALARM", "STATE"]
            .map(|h| (h.to_string(), Style::new())),
    ))
    .style(Style::new().add_modifier(Modifier::UNDERLINED))];
    let mut current: Option<&str> = None;
    for r in &s.rows {
        if current != Some(r.line.as_str()) {
            current = Some(r.line.as_str());
            let ppm: i64 = s.rows.iter().filter(|x| x.line == r.line).map(|x| x.state.per_minute).sum();
            lines.push(Line::styled(
                cut(&format!("▸ {} · {ppm} packs/min", r.line), body.width as usize),
                Style::new().add_modifier(Modifier::BOLD),
            ));
        }
        let (st, colour) = state(r, now);
        let alarm = r
            .state
            .last_alarm
            .as_ref()
            .map(|(a, t)| if wide { format!("{a} {}", local(*t)) } else { a.clone() })
            .unwrap_or_else(|| "-".into());
        let plain = Style::new();
        lines.push(Line::from(cells(
            &w,
            [
                (r.station.clone(), plain),
                (r.state.operator.clone().unwrap_or_else(|| "-".into()), plain),
                (r.state.active_order.clone().unwrap_or_else(|| "-".into()), plain),
                (format!("{}/{}/{}", r.state.accepted, r.state.commissioned, r.state.pending), plain),
                (format!("{:>3}", r.state.per_minute), plain),
                (alarm, if r.state.last_alarm.is_some() { Style::new().fg(Color::Red) } else { plain }),
                (st, Style::new().fg(colour)),
            ],
        )));
    }
    if s.rows.is_empty() {
        lines.push(Line::from("no station has reported to the line store yet"));
    }
    f.render_widget(Paragraph::new(lines), body);
}

/// Column widths: at 80 columns exactly what the fixed columns need; wider screens give the
/// extra room to the station, order and alarm columns.
fn widths(total: u16) -> [usize; 7] {
    let mut w = [15, 8, 11, 14, 3, 9, 14];
    let extra = (total as usize).saturating_sub(80);
    w[0] += extra / 4;
    w[2] += extra / 4;
    w[5] += extra - 2 * (extra / 4);
    w
}

/// One row's cells, each cut or padded to its column, a blank between columns.
fn cells(w: &[usize; 7], values: [(String, Style); 7]) -> Vec<Span<'static>> {
    let mut out = Vec::with_capacity(14);
    for (i, ((text, style), width)) in values.into_iter().zip(w).enumerate() {
        if i > 0 {
            out.push(Span::raw(" "));
        }
        out.push(Span::styled(format!("{:<width$}", cut(&text, *width), width = *width), style));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line_store::StationState;

    fn row(line: &str, station: &str, seen_ago: i64, now: DateTime<Utc>) -> BoardRow {
        BoardRow {
            line: line.into(),
            station: station.into(),
            state: StationState {
                operator: Some("op-117".into()),
                active_order: Some("PO-2611-001".into()),
                accepted: 2500,
                commissioned: 2400,
                pending: 100,
                per_minute: 41,
                last_alarm: Some(("DUPLICATE".into(), now)),
            },
            backlog: 0,
            clock_skew_ms: Some(12),
            last_seen: now - chrono::Duration::seconds(seen_ago),
            stopped: false,
        }
    }

    fn draw(s: &Snapshot, w: u16, h: u16) -> String {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        t.draw(|f| view(s, f)).unwrap();
        let buf = t.backend().buffer().clone();
        (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>().trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn every_station_by_line_fits_80_by_24() {
        let now = Utc::now();
        let s = Snapshot {
            now: Some(now),
            rows: vec![
                row("line-1", "l1-station-a", 1, now),
                row("line-1", "l1-station-b", 120, now),
                row("line-2", "l2-station-a", 2, now),
            ],
            problem: None,
        };
        let text = draw(&s, 80, 24);
        assert!(text.contains("3 stations on 2 lines"), "{text}");
        let heading = text.lines().next().unwrap_or_default();
        assert!(heading.contains(&format!("{} UTC", local(now))), "the zone is named beside the clock: {heading}");
        assert!(text.contains("▸ line-1 · 82 packs/min") && text.contains("▸ line-2 · 41 packs/min"), "{text}");
        for want in ["l1-station-a", "op-117", "PO-2611-001", "2500/2400/100", " 41 ", "DUPLICATE", "● online"] {
            assert!(text.contains(want), "{want} missing:\n{text}");
        }
        let silent = format!("✗ silent {}", local(now - chrono::Duration::seconds(120)));
        assert!(text.contains(&silent), "a station gone quiet shows since when:\n{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 80));
        let big = draw(&s, 200, 60);
        let alarm = format!("DUPLICATE {}", local(now));
        assert!(
            big.contains("l2-station-a") && big.contains(&alarm),
            "a wide board has room for the alarm's time:\n{big}"
        );
    }

    #[test]
    fn an_unreadable_store_is_said_at_the_bottom() {
        let s = Snapshot { now: None, rows: vec![], problem: Some("line store unreachable: retrying".into()) };
        let text = draw(&s, 80, 24);
        assert!(text.lines().last().unwrap().contains("line store unreachable"), "{text}");
        assert!(text.contains("no station has reported"));
    }
}
