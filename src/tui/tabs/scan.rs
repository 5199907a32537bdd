//! The live scan panel: the active order, the last scan large and unmistakable, the counters
//! and packs per minute, progress toward the order quantity, the last scans with their state.
//! Everything typed here is scan input; an alarm blocks scanning until it is acknowledged.
//! Scans reach it from its own input line, from a scanner anywhere (the app routes them here
//! when the screen shown has no place for scans), and from pastes.

use super::Screen;
use crate::api::ApiError;
use crate::config::keys::Action;
use crate::config::KeyMap;
use crate::domain::manufacturer::DecommissionRequest;
use crate::input::key::Code;
use crate::input::scanner::strip_symbology;
use crate::scan::check::{self, Alarm};
use crate::scan::gs1::{self, Mode};
use crate::scan::journal::{Appended, NewScan, ScanStats, State};
use crate::scan::wedge::{Fed, ScanField};
use crate::tui::ctx::{Command, Ctx, Slot, ViewCx};
use crate::tui::msg::{Effect, KeyIn, Severity};
use crate::tui::theme::{Role, Theme};
use crate::worker::commission::Progress;
use crate::worker::{Job, Outcome};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Gauge, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

#[derive(Debug, Clone, PartialEq)]
pub enum LastScan {
    /// Passed the checks; waiting for the journal before it is called accepted.
    Saving(String),
    Accepted(String),
    Refused(Alarm),
}

pub struct ScanTab {
    pub field: ScanField,
    pub last: Option<LastScan>,
    /// An alarm not yet acknowledged.
    pub alarm: Option<Alarm>,
    pub stats: ScanStats,
    pub saving: usize,
    order_lookup: Slot,
    decommission: Slot,
    pub pipeline_note: Option<String>,
    /// The row of "Last scans" that ↑/↓ selected (for decommissioning), and its scan, so the
    /// selection stays on that serial as new rows arrive above it.
    pub selected: Option<usize>,
    selected_id: Option<i64>,
    /// The next scan or typed serial names the pack to decommission (F7 with nothing selected).
    pub asking_serial: bool,
    /// The serial looked up in the journal for decommissioning, and the scan that named it.
    finding: Option<String>,
    finding_raw: Option<String>,
    /// What the input line holds came in a burst: the start of a scan that a pause (network
    /// jitter) cut from its end.
    field_from_burst: bool,
    /// The line's counters of the active order (only with a line store).
    pub line_counts: Option<crate::line_store::LineCounts>,
    /// Packs accepted since the counters were last read (they are not in `stats` yet).
    accepted_since_stats: i64,
    /// Packs a supervisor allowed beyond the quantity and tolerance, and for which order.
    allowed_more: Option<(String, i64)>,
}

/// How full an order is: packs in it (accepted, or on their way to the journal), its quantity,
/// and the most it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    pub packs: i64,
    pub quantity: i64,
    pub limit: i64,
}

impl Fill {
    /// The quantity plus a tolerance in whole percent of it, rounded down, in integers (in
    /// floating point 25 × 1.16 is 28.999…).
    pub fn limit(quantity: i64, tolerance_percent: u32) -> i64 {
        quantity.max(0) * (100 + i64::from(tolerance_percent)) / 100
    }
}

/// How many more packs a supervisor allows a full order at a time: a tenth of its quantity, at
/// least one.
pub fn allow_more_step(quantity: i64) -> i64 {
    (quantity / 10).max(1)
}

impl ScanTab {
    pub fn new(field: ScanField) -> Self {
        ScanTab {
            field,
            last: None,
            alarm: None,
            stats: ScanStats::default(),
            saving: 0,
            order_lookup: Slot::default(),
            decommission: Slot::default(),
            pipeline_note: None,
            selected: None,
            selected_id: None,
            asking_serial: false,
            finding: None,
            finding_raw: None,
            field_from_burst: false,
            line_counts: None,
            accepted_since_stats: 0,
            allowed_more: None,
        }
    }

    fn raise(&mut self, alarm: Alarm, raw: &str, cx: &mut Ctx) {
        let order = cx.active.map(|o| o.order_id.clone());
        self.raise_for(order, alarm, raw, cx)
    }

    /// An alarm filed under `order_id` (a late duplicate belongs to the order it was scanned for).
    fn raise_for(&mut self, order_id: Option<String>, alarm: Alarm, raw: &str, cx: &mut Ctx) {
        cx.effect(Effect::RecordAlarm {
            order_id,
            kind: alarm.kind().to_string(),
            raw: raw.to_string(),
            message: alarm.message(),
            actor: cx.actor(),
        });
        if cx.settings.scan.bell {
            cx.bell();
        }
        if cx.settings.scan.block_on_alarm {
            self.alarm = Some(alarm.clone());
        }
        self.last = Some(LastScan::Refused(alarm));
        // The refused scan is counted and listed once the journal has it.
        self.refresh_stats(cx);
    }

    pub fn acknowledge(&mut self, cx: &mut Ctx) {
        if self.alarm.take().is_some() {
            // The banner goes with the alarm: what it said is in the journal and under Last scans.
            if matches!(self.last, Some(LastScan::Refused(_))) {
                self.last = None;
            }
            cx.effect(Effect::AckAlarms(cx.actor()));
            cx.flash(Severity::Info, "Alarm acknowledged: scanning goes on");
        }
    }

    /// One whole scan: a command code, or a pack checked against the active order.
    pub fn take_scan(&mut self, raw: String, cx: &mut Ctx) {
        if std::mem::take(&mut self.asking_serial) {
            return self.find_for_decommission(&raw, cx);
        }
        let cfg = &cx.settings.scan;
        // Command codes read the same with or without the scanner's AIM identifier.
        let code = strip_symbology(&raw);
        if !cfg.ack_barcode.is_empty() && code == cfg.ack_barcode {
            self.acknowledge(cx);
            return;
        }
        if !cfg.order_barcode_prefix.is_empty() {
            if let Some(id) = code.strip_prefix(cfg.order_barcode_prefix.as_str()) {
                let id = id.trim().to_string();
                // A locked station changes its order only with a named supervisor's signature,
                // asked once the order is found; without one named it is refused here.
                let signers = crate::tui::signing::has_signers(&cx.settings.access.operators);
                if !signers && cx.refuse_if_locked() {
                    return;
                }
                cx.flash(Severity::Info, format!("Looking up order {id}…"));
                let rid = cx.request(Job::OrderDetails { order_id: id });
                self.order_lookup.start(rid);
                return;
            }
        }
        if self.alarm.is_some() && cfg.block_on_alarm {
            let key = cx.settings.keys.label(Action::Acknowledge);
            let msg = format!(
                "Scanning is blocked by the alarm: acknowledge it ({key}, or scan {}) and scan this pack again",
                cfg.ack_barcode
            );
            if cfg.bell {
                cx.bell();
            }
            cx.flash(Severity::Error, msg);
            return;
        }
        let opts = gs1::Options { mode: Mode::Auto, requisites: cfg.requisites, ..gs1::Options::default() };
        let decoded = match gs1::decode(&raw, &opts) {
            Ok(d) => d,
            Err(e) => return self.raise(Alarm::from(e), &raw, cx),
        };
        match check::check(&decoded, cx.active) {
            Ok(ok) => {
                let Some(order) = cx.active else { return };
                let fill = self.fill(order, cx);
                // An order without a quantity has no limit to keep.
                if fill.quantity > 0 && fill.packs >= fill.limit {
                    let alarm = Alarm::OrderFull {
                        order_id: order.order_id.clone(),
                        accepted: fill.packs.max(0) as u64,
                        quantity: fill.quantity.max(0) as u64,
                        allowed: fill.limit.max(0) as u64,
                    };
                    return self.raise(alarm, &raw, cx);
                }
                let left = fill.quantity - fill.packs - 1;
                if left == 0 {
                    cx.flash(
                        Severity::Ok,
                        format!(
                            "{} is complete with this pack: {} of {}",
                            order.order_id, fill.quantity, fill.quantity
                        ),
                    );
                } else if left > 0 && left <= (fill.quantity / 20).max(2) {
                    cx.flash(
                        Severity::Warning,
                        format!("{}: {left} pack(s) left of {}", order.order_id, fill.quantity),
                    );
                }
                cx.effect(Effect::Journal(NewScan {
                    at: String::new(),
                    station: cx.settings.station_id.clone(),
                    operator: cx.operator_id().map(String::from),
                    order_id: order.order_id.clone(),
                    gtin: ok.gtin,
                    batch: ok.batch,
                    expiry: ok.expiry,
                    serial: ok.serial.clone(),
                    raw,
                }));
                self.saving += 1;
                self.last = Some(LastScan::Saving(ok.serial));
                if let Some(w) = decoded.warnings.first() {
                    cx.flash(Severity::Warning, w.clone());
                }
            }
            Err(alarm) => self.raise(alarm, &raw, cx),
        }
    }

    /// The journal's answer for scans sent to it.
    pub fn journaled(&mut self, results: Vec<(NewScan, Result<Appended, String>)>, cx: &mut Ctx) {
        for (scan, r) in results {
            self.saving = self.saving.saturating_sub(1);
            match r {
                Ok(Appended::Accepted(_)) => {
                    self.accepted_since_stats += 1;
                    self.last = Some(LastScan::Accepted(scan.serial))
                }
                Ok(Appended::Duplicate { first_at }) => {
                    self.raise(Alarm::Duplicate { serial: scan.serial, first_at }, &scan.raw, cx)
                }
                Ok(Appended::Voided { reason }) => {
                    self.raise(Alarm::VoidedLabel { serial: scan.serial, reason }, &scan.raw, cx)
                }
                Ok(Appended::ClaimedElsewhere { station, operator, at }) => {
                    let at = cx.clock.local_time_of(&at);
                    self.raise(Alarm::ClaimedElsewhere { serial: scan.serial, station, operator, at }, &scan.raw, cx)
                }
                Err(message) => self.raise(Alarm::NotSaved { message }, &scan.raw, cx),
            }
        }
        self.refresh_stats(cx);
    }

    /// How full the active order is, counting packs still on their way to the journal and,
    /// with a line store, the packs the line's other stations claimed. Packs refused by
    /// Movilitas or decommissioned are not in it (a destroyed pack is replaced).
    pub fn fill(&self, order: &crate::domain::manufacturer::PackagingOrder, cx: &Ctx) -> Fill {
        self.fill_of(order, cx.settings.scan.overfill_tolerance_percent)
    }

    pub fn fill_of(&self, order: &crate::domain::manufacturer::PackagingOrder, tolerance_percent: u32) -> Fill {
        let c = &self.stats.counts;
        let known = if self.stats.order_id == order.order_id { c.accepted - c.rejected - c.decommissioned } else { 0 };
        let more = match &self.allowed_more {
            Some((id, n)) if *id == order.order_id => *n,
            _ => 0,
        };
        // With a line store the other stations' packs of this order count too.
        let others = match &self.line_counts {
            Some(l) if l.order_id == order.order_id => (l.line - l.own).max(0),
            _ => 0,
        };
        Fill {
            packs: known + others + self.accepted_since_stats + self.saving as i64,
            quantity: order.quantity,
            limit: Fill::limit(order.quantity, tolerance_percent) + more,
        }
    }

    /// The supervisor allowed more packs for the full order: a tenth of its quantity (at least
    /// one), so the pack refused can be scanned again.
    pub fn allow_more(&mut self, cx: &mut Ctx) {
        let Some(order) = cx.active else { return };
        let step = allow_more_step(order.quantity);
        let before = self.fill(order, cx).limit;
        let more = match self.allowed_more.take() {
            Some((id, n)) if id == order.order_id => n + step,
            _ => step,
        };
        self.allowed_more = Some((order.order_id.clone(), more));
        let entry = cx
            .audit(crate::domain::audit::actions::OVERFILL_ALLOWED, order.order_id.clone())
            .change(Some(before.to_string()), Some((before + step).to_string()))
            .reason("more packs allowed than the order's quantity");
        cx.effect(Effect::Audit(entry));
        // Who allowed it: the person who signed (a supervisor or QA), or the shared PIN's holder.
        let (who, signer) = match &cx.signed {
            Some(s) => (s.name.clone(), Some(s.signer.clone())),
            None => ("Supervisor".to_string(), None),
        };
        if matches!(self.alarm, Some(Alarm::OrderFull { .. })) {
            self.alarm = None;
            self.last = None;
            // The alarm is closed by the person who allowed more, not the operator.
            let mut actor = cx.actor();
            actor.operator = signer.or(actor.operator);
            // Only the ORDER FULL alarm this closes: the signer saw no other.
            cx.effect(Effect::AckAlarmsOf(actor, crate::scan::check::ORDER_FULL.into()));
        }
        cx.flash(
            Severity::Ok,
            format!(
                "{who} allowed {step} more pack(s) for {}: up to {}; scan the pack again",
                order.order_id,
                before + step
            ),
        );
    }

    /// A pack accepted while the line-wide check was offline was claimed first elsewhere.
    pub fn late_duplicate(&mut self, c: crate::line_store::Conflict, cx: &mut Ctx) {
        let f = c.first;
        let reason = format!("scanned first at station {}: not commissioned here", f.station);
        let at = cx.clock.local_time_of(&f.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        let alarm =
            Alarm::LateDuplicate { serial: c.scan.serial.clone(), station: f.station, operator: f.operator, at };
        cx.effect(Effect::NotOurs { row: c.scan.scan_id, reason });
        self.raise_for(Some(c.scan.order_id.clone()), alarm, &c.scan.serial, cx);
        self.refresh_stats(cx);
    }

    /// The station's clock is off the line store's.
    /// Not a scan's alarm: scanning goes on and an open alarm stays (the line store has
    /// written the audit row).
    pub fn clock_skew(&mut self, message: String, cx: &mut Ctx) {
        cx.flash(Severity::Error, Alarm::ClockSkew { message }.message());
        cx.bell();
    }

    pub fn refresh_stats(&mut self, cx: &mut Ctx) {
        if let Some(o) = cx.active {
            cx.effect(Effect::RefreshScanStats(o.order_id.clone()));
        }
    }

    /// Counters and last scans, if they are of the order still active.
    pub fn stats_arrived(&mut self, stats: ScanStats, active: Option<&str>) {
        if active == Some(stats.order_id.as_str()) {
            self.stats = stats;
            self.accepted_since_stats = 0;
            // The selection follows its serial; gone from the list, it is gone.
            self.selected = self.selected_id.and_then(|id| self.stats.recent.iter().position(|r| r.id == id));
            if self.selected.is_none() {
                self.selected_id = None;
            }
        }
    }

    /// News from the commissioning pipeline; returns the note for the status line.
    pub fn pipeline(&mut self, p: &Progress, cx: &mut Ctx) {
        match p {
            Progress::Answered { .. } => self.pipeline_note = None,
            Progress::Waiting { error, retry_in } => {
                self.pipeline_note = Some(format!(
                    "commissioning waits: {} (next try in {} s)",
                    crate::tui::health::short(error),
                    retry_in.as_secs().max(1)
                ));
            }
            Progress::JournalFailed(e) => {
                self.pipeline_note = Some(format!("journal failed: {e}"));
                cx.flash(Severity::Error, format!("The scan journal failed: {e}"));
            }
        }
        self.refresh_stats(cx);
    }

    fn select(&mut self, i: Option<usize>) {
        self.asking_serial = false;
        self.selected = i;
        self.selected_id = i.and_then(|i| self.stats.recent.get(i)).map(|r| r.id);
    }

    /// Decommissions the selected serial, or with nothing selected asks for the pack: scanned,
    /// or its serial typed, any pack of this station's journal.
    fn decommission(&mut self, cx: &mut Ctx) {
        match self.selected.and_then(|i| self.stats.recent.get(i)).cloned() {
            Some(r) => {
                self.asking_serial = false;
                self.ask_decommission(r, cx)
            }
            None => {
                self.asking_serial = true;
                cx.flash(Severity::Info, "Decommission: scan the pack or type its serial, then Enter (Esc cancels)");
            }
        }
    }

    /// The scan or typed serial that names the pack to decommission: looked up in the journal.
    fn find_for_decommission(&mut self, raw: &str, cx: &mut Ctx) {
        let Some(order) = cx.active else {
            return cx.flash(Severity::Warning, "No active order: choose the order the pack belongs to first");
        };
        let opts = gs1::Options { mode: Mode::Auto, ..gs1::Options::default() };
        let (gtin, serial) = match gs1::decode(raw, &opts) {
            Ok(d) if d.get("21").is_some() => {
                (d.get("01").unwrap_or(&order.product_code).to_string(), d.get("21").unwrap_or_default().to_string())
            }
            _ => (order.product_code.clone(), strip_symbology(raw).trim().to_string()),
        };
        if serial.is_empty() || serial.chars().count() > 20 {
            return cx.flash(
                Severity::Warning,
                format!(
                    "That is no serial (1 to 20 characters): press {} again and scan the pack or type its serial",
                    cx.settings.keys.first_label(Action::Decommission)
                ),
            );
        }
        self.finding = Some(serial.clone());
        self.finding_raw = Some(raw.to_string());
        cx.effect(Effect::FindScan { gtin, serial });
    }

    /// The journal's answer for the pack to decommission.
    pub fn found(&mut self, gtin: &str, serial: &str, row: Option<crate::scan::journal::ScanRow>, cx: &mut Ctx) {
        if self.finding.as_deref() != Some(serial) {
            return;
        }
        self.finding = None;
        let raw = self.finding_raw.take().unwrap_or_default();
        match row {
            Some(r) => self.ask_decommission(r, cx),
            // Not a pack of this journal: a new pack that came down the line while F7 waited is
            // scanned as any other, so nothing is lost.
            None if gs1::decode(&raw, &gs1::Options::default()).is_ok_and(|d| d.get("21").is_some()) => {
                cx.flash(
                    Severity::Info,
                    format!("Serial {serial} is no pack of this station yet: it was scanned as a new pack"),
                );
                self.take_scan(raw, cx)
            }
            None => cx.flash(
                Severity::Warning,
                format!("Serial {serial} of product {gtin} was never scanned at this station: check the serial"),
            ),
        }
    }

    /// Asks for the reason to decommission this serial (only a commissioned one).
    fn ask_decommission(&mut self, r: crate::scan::journal::ScanRow, cx: &mut Ctx) {
        match r {
            r if r.refusal.is_some() => cx.flash(
                Severity::Warning,
                "That line is a refused scan, not a pack of the order: select a commissioned serial",
            ),
            r if r.state == State::Commissioned => {
                let lines = vec![
                    format!("Product {} batch {}, scanned {}", r.gtin, r.batch, cx.clock.local_time_of(&r.at)),
                    "The pack leaves the supply chain; this cannot be undone.".into(),
                    "Choose the reason:".into(),
                ];
                let job = |reason: &str| Job::Decommission {
                    request: DecommissionRequest {
                        product_code: r.gtin.clone(),
                        product_code_schema: "GTIN".into(),
                        reason: reason.into(),
                        serials: vec![r.serial.clone()],
                    },
                    row: r.id,
                };
                let id = cx.ask_signed(
                    crate::config::signatures::SignedAction::Decommission,
                    format!("Decommission {} serial {}", r.gtin, r.serial),
                    Some(r.order_id.clone()),
                    format!("Decommission serial {}?", r.serial),
                    lines,
                    vec![
                        ('d', "Destroyed", job("Destroyed")),
                        ('s', "Sampled", job("Sampled")),
                        ('u', "Supplied", job("Supplied")),
                    ],
                );
                self.decommission.start(id);
            }
            r => cx.flash(
                Severity::Warning,
                format!("Only a commissioned serial can be decommissioned; {} is {}", r.serial, r.state.name()),
            ),
        }
    }

    fn decommissioned(
        &mut self,
        row: i64,
        reason: String,
        r: Result<Vec<crate::domain::manufacturer::CommissionedSerial>, ApiError>,
        cx: &mut Ctx,
    ) {
        match r {
            Ok(list) => {
                let serial = list.first().map(|s| s.serial_number.clone()).unwrap_or_default();
                let by = cx.signed.as_ref().map(|s| format!(", signed by {}", s.name)).unwrap_or_default();
                cx.flash(Severity::Ok, format!("Serial {serial} decommissioned ({reason}){by}"));
                let signed = cx.signed.clone();
                cx.effect(Effect::MarkDecommissioned { row, reason, actor: cx.actor(), signed });
                self.refresh_stats(cx);
            }
            Err(e) => {
                cx.flash(Severity::Error, format!("Not decommissioned: {e}"));
                cx.bell();
            }
        }
    }
}

impl Screen for ScanTab {
    fn key(&mut self, k: KeyIn, action: Option<Action>, cx: &mut Ctx) {
        match action {
            Some(Action::Acknowledge) if !k.burst => return self.acknowledge(cx),
            Some(Action::Decommission) if !k.burst => return self.decommission(cx),
            _ => {}
        }
        match self.field.feed(&k.key) {
            Fed::Frame(raw) => {
                self.field_from_burst = false;
                cx.command(Command::Scanned(raw))
            }
            Fed::Typed => self.field_from_burst = k.burst,
            Fed::Ignored if k.burst => {}
            Fed::Ignored => {
                let n = self.stats.recent.len();
                match k.key.code {
                    Code::Tab => cx.command(Command::CycleTab { forward: true }),
                    Code::BackTab => cx.command(Command::CycleTab { forward: false }),
                    Code::Esc => {
                        self.field.clear();
                        let was_asking = std::mem::take(&mut self.asking_serial);
                        self.select(None);
                        if was_asking {
                            cx.flash(Severity::Info, "Nothing decommissioned");
                        }
                    }
                    Code::Down if n > 0 => self.select(Some(self.selected.map_or(0, |i| (i + 1).min(n - 1)))),
                    Code::Up if n > 0 => self.select(Some(self.selected.map_or(0, |i| i.saturating_sub(1)))),
                    _ => {}
                }
            }
        }
    }

    fn paste(&mut self, text: &str, cx: &mut Ctx) {
        for raw in self.field.paste(text) {
            cx.command(Command::Scanned(raw));
        }
    }

    fn takes_scans(&self) -> bool {
        true
    }

    fn scan(&mut self, raw: &str, cx: &mut Ctx) {
        // The start of this scan came in a burst of its own (a pause cut it): join them.
        let raw = if self.field_from_burst && !self.field.pending().is_empty() {
            let start = self.field.pending().to_string();
            self.field.clear();
            format!("{start}{raw}")
        } else {
            raw.to_string()
        };
        self.field_from_burst = false;
        self.take_scan(raw, cx);
    }

    fn answered(&mut self, id: u64, outcome: Outcome, cx: &mut Ctx) {
        match outcome {
            Outcome::OrderDetails(r) if self.order_lookup.take(id) => match r {
                Ok(o) => cx.command(Command::SetActive(o)),
                Err(e) => cx.flash(Severity::Error, format!("The scanned order could not be made active: {e}")),
            },
            Outcome::Decommissioned { row, reason, result } if self.decommission.take(id) => {
                self.decommissioned(row, reason, result, cx)
            }
            _ => {}
        }
    }

    fn text_focused(&self) -> bool {
        // Everything typed here is scan input.
        true
    }

    fn actions(&self) -> Vec<(Action, &'static str)> {
        [Action::Acknowledge, Action::Decommission].into_iter().map(|a| (a, a.describe())).collect()
    }

    fn hint(&self, k: &KeyMap) -> String {
        let first = |a: Action| k.first_label(a);
        match &self.pipeline_note {
            Some(note) => format!("! {note}"),
            None => format!(
                "{} help · {} acknowledge alarm · {} quit · all typing here is scan input",
                first(Action::Help),
                first(Action::Acknowledge),
                k.keys(Action::Quit).get(1).map(ToString::to_string).unwrap_or_else(|| first(Action::Quit))
            ),
        }
    }
}

pub fn view(s: &ScanTab, cx: &ViewCx, frame: &mut Frame, area: Rect) {
    let t = cx.theme;
    // The last scan's box grows with an alarm's message, so what to do is never cut off.
    let detail = match &s.last {
        Some(LastScan::Refused(a)) => a.message_with(&|at| cx.clock.local_time_of(at)),
        _ => String::new(),
    };
    let detail_rows = crate::tui::widgets::wrapped_rows(&detail, area.width.saturating_sub(2)).clamp(2, 4);
    let [order_area, last_area, counters_area, recent_area, input_area] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(3 + detail_rows),
        Constraint::Length(if s.line_counts.is_some() { 3 } else { 2 }),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    order_view(s, cx, frame, order_area, t);
    last_view(s, cx, frame, last_area, t);
    let c = &s.stats.counts;
    let count = |label: &str, n: i64, bad: Role| {
        Span::styled(format!(" · {label} {n}"), t.style(if n > 0 { bad } else { Role::Muted }))
    };
    let first = Line::from(vec![
        Span::styled(format!(" Scanned {}", c.scanned()), t.style(Role::Base)),
        Span::styled(format!(" · Accepted {}", c.accepted), t.style(Role::Base)),
        count("Refused", c.refused, Role::Error),
        count("Duplicates", c.duplicates, Role::Warning),
    ]);
    let line = s.line_counts.as_ref().map(|l| {
        Line::from(Span::styled(
            format!(" Line: {} packs of this order, {} here", l.line, l.own),
            t.style(Role::Accent),
        ))
    });
    let second = Line::from(vec![
        Span::styled(format!(" Commissioned {}", c.commissioned), t.style(Role::Ok)),
        count("Pending", c.pending, Role::Warning),
        count("Rejected", c.rejected, Role::Error),
        Span::styled(format!(" · {} packs/min", s.stats.per_minute), t.style(Role::Muted)),
        Span::styled(
            format!(" · queue {} to send", s.stats.queue),
            t.style(if s.stats.queue > 0 { Role::Warning } else { Role::Muted }),
        ),
    ]);
    frame.render_widget(
        Paragraph::new([Some(first), Some(second), line].into_iter().flatten().collect::<Vec<_>>()),
        counters_area,
    );
    recent_view(s, cx, frame, recent_area, t);
    let prompt = if let (Some(Alarm::OrderFull { .. }), true) = (&s.alarm, cx.settings.scan.block_on_alarm) {
        Line::from(Span::styled(
            format!(
                " ✗ order full: {} to go on · {} supervisor allows more",
                cx.settings.keys.label(Action::Acknowledge),
                cx.settings.keys.label(Action::Unlock)
            ),
            t.style(Role::Error),
        ))
    } else if s.asking_serial {
        Line::from(vec![
            Span::styled(" Decommission which pack? Scan it or type its serial: ", t.style(Role::Warning)),
            Span::styled(s.field.shown(), t.style(Role::InputFocus)),
        ])
    } else if s.alarm.is_some() && cx.settings.scan.block_on_alarm {
        Line::from(Span::styled(
            format!(
                " ✗ blocked by the alarm: {} or scan {} to go on",
                cx.settings.keys.label(Action::Acknowledge),
                cx.settings.scan.ack_barcode
            ),
            t.style(Role::Error),
        ))
    } else {
        let shown: String = s.field.shown();
        Line::from(vec![
            Span::styled(" Scan, or type (01)…(17)…(10)…(21)… and Enter: ", t.style(Role::Muted)),
            Span::styled(shown, t.style(Role::InputFocus)),
        ])
    };
    frame.render_widget(Paragraph::new(prompt), input_area);
}

fn order_view(s: &ScanTab, cx: &ViewCx, frame: &mut Frame, area: Rect, t: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(" Active order ", t.style(Role::Title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(o) = cx.active else {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    "No active order: press a on the Packaging tab, or scan {}ORDER-ID.",
                    cx.settings.scan.order_barcode_prefix
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
    let done = s.stats.counts.commissioned;
    let ratio = if o.quantity > 0 { (done as f64 / o.quantity as f64).clamp(0.0, 1.0) } else { 0.0 };
    frame.render_widget(Gauge::default().ratio(ratio).label(progress(s, o, cx)).gauge_style(t.style(Role::Ok)), gauge);
}

/// "3 of 10 commissioned", or "10 of 10 — order full" once no pack more fits; with the spare
/// labels the order allows for damaged ones (never extra packs).
fn progress(s: &ScanTab, o: &crate::domain::manufacturer::PackagingOrder, cx: &ViewCx) -> String {
    let fill = s.fill_of(o, cx.settings.scan.overfill_tolerance_percent);
    let text = if fill.packs >= fill.limit && fill.quantity > 0 {
        format!("{} of {} — order full", fill.packs, fill.quantity)
    } else {
        format!("{} of {} commissioned", s.stats.counts.commissioned, o.quantity)
    };
    match o.extra_percentage.filter(|p| *p > 0) {
        Some(p) => format!("{text} · spare labels {p} %"),
        None => text,
    }
}

fn last_view(s: &ScanTab, cx: &ViewCx, frame: &mut Frame, area: Rect, t: &Theme) {
    let (headline, detail, role) = match &s.last {
        None => ("READY".to_string(), "Scan a pack of the active order.".to_string(), Role::Muted),
        Some(LastScan::Saving(serial)) => ("SAVING…".to_string(), format!("serial {serial}"), Role::Warning),
        Some(LastScan::Accepted(serial)) => ("✓ ACCEPTED".to_string(), format!("serial {serial}"), Role::Ok),
        Some(LastScan::Refused(a)) => {
            (format!("✗ {}", a.headline()), a.message_with(&|at| cx.clock.local_time_of(at)), Role::Error)
        }
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

fn recent_view(s: &ScanTab, cx: &ViewCx, frame: &mut Frame, area: Rect, t: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(" Last scans ", t.style(Role::Title)));
    let rows = s.stats.recent.iter().map(|r| {
        let role = match r.state {
            _ if r.refusal.is_some() => Role::Error,
            State::Commissioned => Role::Ok,
            State::Rejected => Role::Error,
            State::Decommissioned => Role::Muted,
            _ => Role::Warning,
        };
        let (state, tries) = match &r.refusal {
            Some(kind) => (kind.replace('_', " "), String::new()),
            None => (r.state.name().to_string(), r.attempts.to_string()),
        };
        Row::new(vec![
            Cell::from(cx.clock.local_time_of(&r.at)),
            Cell::from(r.serial.clone()),
            Cell::from(state).style(t.style(role)),
            Cell::from(tries),
            Cell::from(r.reason.clone().unwrap_or_default()),
        ])
    });
    let widths = [
        Constraint::Length(8),
        Constraint::Length(20),
        Constraint::Length(14),
        Constraint::Length(3),
        Constraint::Min(10),
    ];
    let header = Row::new(["Time", "Serial", "State", "Try", "Reason"]).style(t.style(Role::Muted));
    let table = Table::new(rows, widths).header(header).block(block).row_highlight_style(t.style(Role::Selection));
    let mut state = TableState::default().with_selected(s.selected);
    frame.render_stateful_widget(table, area, &mut state);
}

/// The scan panel on a small handheld terminal (40×16 and up): order and progress, the last
/// scan, the counters, the last serials and what is being typed.
pub fn compact_view(s: &ScanTab, cx: &ViewCx, frame: &mut Frame, area: Rect) {
    let t = cx.theme;
    let (headline, detail, role) = match &s.last {
        None => ("READY".to_string(), "Scan a pack.".to_string(), Role::Muted),
        Some(LastScan::Saving(serial)) => ("SAVING…".to_string(), serial.clone(), Role::Warning),
        Some(LastScan::Accepted(serial)) => ("✓ ACCEPTED".to_string(), serial.clone(), Role::Ok),
        Some(LastScan::Refused(a)) => {
            (format!("✗ {}", a.headline()), a.message_with(&|at| cx.clock.local_time_of(at)), Role::Error)
        }
    };
    // An alarm's whole message is shown, however many rows it takes; the last scans give way.
    let detail_rows = crate::tui::widgets::wrapped_rows(&detail, area.width).clamp(3, 6);
    let [order_area, last_area, counters_area, recent_area, input_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1 + detail_rows),
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let order = match cx.active {
        Some(o) => Line::from(vec![
            Span::styled(format!("{} ", o.order_id), t.style(Role::Accent).add_modifier(Modifier::BOLD)),
            Span::styled(
                {
                    let fill = s.fill_of(o, cx.settings.scan.overfill_tolerance_percent);
                    // Short enough that the batch is never cut at 40 columns.
                    let done = if fill.packs >= fill.limit && fill.quantity > 0 { "FULL" } else { "done" };
                    format!(
                        "{}/{} {done} · batch {}",
                        s.stats.counts.commissioned,
                        o.quantity,
                        o.batch.as_deref().unwrap_or("-")
                    )
                },
                t.style(Role::Base),
            ),
        ]),
        None => Line::from(Span::styled("No active order", t.style(Role::Warning))),
    };
    frame.render_widget(Paragraph::new(order), order_area);
    let [big, small] = Layout::vertical([Constraint::Length(1), Constraint::Length(detail_rows)]).areas(last_area);
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
            Span::styled(format!("Scanned {} ", c.scanned()), t.style(Role::Base)),
            Span::styled(format!("Comm. {} ", c.commissioned), t.style(Role::Ok)),
            Span::styled(
                format!("Pend. {}", c.pending),
                t.style(if c.pending > 0 { Role::Warning } else { Role::Muted }),
            ),
        ]),
        Line::from(vec![
            Span::styled(
                format!("Ref. {} ", c.refused),
                t.style(if c.refused > 0 { Role::Error } else { Role::Muted }),
            ),
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
    // The rows shown follow the selection, so the serial F7 acts on is always on screen.
    let rows = recent_area.height as usize;
    let first = s.selected.map_or(0, |i| (i + 1).saturating_sub(rows));
    let recent: Vec<Line> = s
        .stats
        .recent
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, r)| {
            let role = match r.state {
                State::Commissioned => Role::Ok,
                State::Rejected => Role::Error,
                State::Decommissioned => Role::Muted,
                _ => Role::Warning,
            };
            let (role, state) = match &r.refusal {
                Some(kind) => (Role::Error, kind.replace('_', " ")),
                None => (role, r.state.name().to_string()),
            };
            let serial: String = r.serial.chars().take(20).collect();
            // The row F7 acts on is marked, and drawn as selected where colours show.
            let mark = if s.selected == Some(i) { "›" } else { " " };
            let line = Line::from(vec![
                Span::styled(format!("{mark}{serial:<20} "), t.style(Role::Base)),
                Span::styled(state, t.style(role)),
            ]);
            if s.selected == Some(i) {
                line.patch_style(t.style(Role::Selection))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(recent), recent_area);
    let input = if s.alarm.is_some() && cx.settings.scan.block_on_alarm {
        // One key each, so both fit 40 columns: going on, and on a full order allowing more.
        let first = |a: Action| cx.settings.keys.first_label(a);
        let text = if matches!(s.alarm, Some(Alarm::OrderFull { .. })) {
            format!("✗ {} go on · {} allow more", first(Action::Acknowledge), first(Action::Unlock))
        } else {
            format!("✗ {} to go on", cx.settings.keys.label(Action::Acknowledge))
        };
        Span::styled(text, t.style(Role::Error))
    } else {
        Span::styled(format!("› {}", s.field.shown()), t.style(Role::InputFocus))
    };
    frame.render_widget(Paragraph::new(input), input_area);
}
