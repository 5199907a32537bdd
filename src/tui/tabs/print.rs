//! The Print tab: the station's own printers and the print run for the active order.
//!
//! The operator types how many labels to print (a person's digits: a scanner's burst never
//! reaches the count, and a scan never starts anything), Enter prints them on the selected
//! printer, and each applied label is scanned back here: a scan of a label this run printed
//! verifies it and hands it to commissioning through the journal (the same `Effect::Journal`
//! the scan panel uses); any other scan raises an alarm. The balance printed = verified +
//! voided + waiting is always shown, and after a fault how many labels to look for and remove.
//! The printers are polled only while this tab is shown (`PrintJob::Watch`); a run asks its
//! printer on its own while a label is out.

use super::Screen;
use crate::config::keys::Action;
use crate::config::signatures::SignedAction;
use crate::config::KeyMap;
use crate::domain::audit::actions;
use crate::domain::zebra::PrinterState;
use crate::input::key::Code;
use crate::input::Millis;
use crate::scan::journal::NewScan;
use crate::tui::clock::Clock;
use crate::tui::confirm::SETTLE;
use crate::tui::ctx::{Ctx, ViewCx};
use crate::tui::msg::{
    Effect, KeyIn, LabelActor, PrintJob, PrintNews, PrintOrder, PrinterStatus, Reconciliation, RunEvent, Severity,
    VerifyOutcome,
};
use crate::tui::sign_request::AfterSign;
use crate::tui::theme::Role;
use crate::worker::Outcome;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// The most labels one run prints (four digits).
const MAX_COUNT: u32 = 9999;
/// Printed labels a continuous run keeps waiting for their scan: enough that the operator never
/// waits for the printer, few enough that little is voided when a run stops.
pub const CONTINUOUS_AHEAD: u32 = 2;

/// The kind of alarm a label that does not match raises (in the journal's alarms).
const LABEL_ALARM: &str = "label_mismatch";

/// One of the station's printers, as last learnt.
#[derive(Debug, Clone)]
pub struct PrinterLine {
    pub name: String,
    pub status: Option<PrinterStatus>,
}

/// The run in progress.
#[derive(Debug, Clone, Default)]
pub struct RunView {
    /// `None` until the run has started.
    pub run_id: Option<String>,
    pub printer: String,
    pub order_id: String,
    /// The most labels (a continuous run: the order's room when it started).
    pub requested: u32,
    /// A continuous run keeping this many labels waiting.
    pub ahead: Option<u32>,
    pub sent: u32,
    pub printed: u32,
    pub balance: Reconciliation,
    /// Why nothing is sent until resumed.
    pub halted: Option<String>,
    /// Voided labels (serial, why), oldest first.
    pub voided: Vec<(String, String)>,
    pub stopped: bool,
    pub all_printed: bool,
}

/// What the last scan here did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LastCheck {
    Verified(String),
    /// The alarm it raised.
    Alarm(String),
}

#[derive(Debug, Clone)]
pub struct PrintTab {
    pub printers: Vec<PrinterLine>,
    pub selected: usize,
    /// The number of labels typed so far.
    pub count: String,
    pub run: Option<RunView>,
    /// The balance of the last run that ended.
    pub ended: Option<Reconciliation>,
    pub last: Option<LastCheck>,
    /// The whole of the last problem (the message line gets a short form: it has one row).
    pub note: Option<String>,
    /// The question about voiding the waiting labels on screen, and when it appeared (a key
    /// answers it only once it has been there for `SETTLE`).
    pub asking_void: Option<(VoidQuestion, Millis)>,
    /// Voided labels that are, or may be, out there: (order, serial), oldest first. Shown until
    /// someone confirms they were found and removed (`confirm_labels_removed`), runs ended or not.
    pub to_remove: Vec<(String, String)>,
}

/// The two steps of voiding the waiting labels: sure (`y`), then why (one key per reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoidQuestion {
    Sure,
    Why,
}

/// The reasons a waiting label is voided at the Print screen: (key, word, what the label
/// record and its audit row say). None uses `y` or `n`, which answer the question before.
pub const VOID_REASONS: [(char, &str, &str); 3] = [
    ('d', "damaged", "damaged: the label cannot go on a pack (voided at the Print screen)"),
    ('l', "lost", "lost: the label is not at the station (voided at the Print screen)"),
    ('a', "not applied", "not applied: left over, on no pack (voided at the Print screen)"),
];

impl PrintTab {
    pub fn new(printers: &[String]) -> PrintTab {
        PrintTab {
            printers: printers.iter().map(|n| PrinterLine { name: n.clone(), status: None }).collect(),
            selected: 0,
            count: String::new(),
            run: None,
            ended: None,
            last: None,
            note: None,
            asking_void: None,
            to_remove: Vec::new(),
        }
    }

    /// A run has started and checks the labels scanned back.
    pub fn checking_scans(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.run_id.is_some())
    }

    /// A run is open (started or starting): the active order must not change under it.
    pub fn run_open(&self) -> Option<&str> {
        self.run.as_ref().map(|r| r.order_id.as_str())
    }

    /// The printers' state in a few words, for the status bar: `level` 0 names each printer
    /// ("line1-zebra ready"), 1 gives the states ("ready" is "●"), 2 the fewest characters
    /// ("●", "paper out", "offline") for an 80-column bar that is full already.
    pub fn summary(&self, clock: &Clock, level: u8) -> Option<String> {
        if self.printers.is_empty() {
            return None;
        }
        let words: Vec<String> = self
            .printers
            .iter()
            .map(|p| {
                let state = p.status.as_ref().map(|s| &s.state);
                let w = match state {
                    None | Some(PrinterState::Unknown) => "○".to_string(),
                    // Like the backends' dots: the words of a good state go first when room is short.
                    Some(PrinterState::Ready) if level >= 1 => "●".to_string(),
                    Some(PrinterState::Printing { .. }) if level >= 2 => "printing".to_string(),
                    Some(PrinterState::Offline { .. }) if level >= 2 => "offline".to_string(),
                    Some(PrinterState::Fault(_)) if level >= 2 => "fault".to_string(),
                    Some(s) => state_words(s, clock),
                };
                if level >= 1 {
                    w
                } else {
                    format!("{} {w}", p.name)
                }
            })
            .collect();
        Some(words.join(", "))
    }

    /// A problem: a short message on the message line, the whole of it on the screen.
    fn problem(&mut self, cx: &mut Ctx, severity: Severity, short: impl Into<String>, whole: String) {
        cx.flash(severity, short);
        self.note = Some(whole);
    }

    /// Starts a run: the count typed, or (`continuous`) one that keeps `CONTINUOUS_AHEAD`
    /// labels waiting for their scan, up to what the order still takes.
    fn start(&mut self, cx: &mut Ctx, continuous: bool) {
        if self.run.is_some() {
            let key = cx.settings.keys.first_label(Action::FinishOrder);
            cx.flash(Severity::Info, format!("A run is open: end it ({key}) before printing another"));
            return;
        }
        if cx.refuse_without_operator() {
            return;
        }
        let Some(printer) = self.printers.get(self.selected) else {
            cx.flash(Severity::Warning, "No printer is configured: add a [[printers]] block to the config");
            return;
        };
        let Some(o) = cx.active else {
            let (tab, key) =
                (cx.settings.keys.first_label(Action::TabPackaging), cx.settings.keys.first_label(Action::SetActive));
            cx.flash(
                Severity::Warning,
                format!("No active order: make one active (Packaging tab {tab}, then {key}) before printing"),
            );
            return;
        };
        let (Some(batch), Some(expiry)) = (o.batch.clone(), o.expiry_date.clone()) else {
            cx.flash(
                Severity::Warning,
                format!(
                    "Order {} has no batch or expiry, so no label can be printed: add them to the order in Movilitas, or choose another order",
                    o.order_id
                ),
            );
            return;
        };
        let count: u32 = match self.count.parse() {
            // A continuous run prints up to the order's room (never more than one run may).
            _ if continuous => match cx.room {
                Some(r) if r <= 0 => {
                    cx.bell();
                    return cx.flash(
                        Severity::Warning,
                        format!("Nothing printed: {} is full. {}", o.order_id, supervisor_hint(cx)),
                    );
                }
                Some(r) => u32::try_from(r).unwrap_or(MAX_COUNT).min(MAX_COUNT),
                None => MAX_COUNT,
            },
            Ok(n) if n > 0 => n,
            _ => {
                let key = cx.settings.keys.first_label(Action::StartProduction);
                cx.flash(Severity::Info, format!("Type how many labels, then Enter (or {key}: a continuous run)"));
                return;
            }
        };
        if let Some(s) = &printer.status {
            if s.state.is_fault() || matches!(s.state, PrinterState::Offline { .. }) {
                let todo = s.state.what_to_do().unwrap_or("wait until it is ready");
                let whole = format!("Printer {} is {}: {todo}; nothing was printed", printer.name, s.state.word());
                self.problem(cx, Severity::Warning, "Nothing printed: the printer is not ready (see why above)", whole);
                return;
            }
        }
        // Every label printed is a pack to come: no more than the order still takes.
        if let Some(room) = cx.room.filter(|r| (*r as u64) < u64::from(count)) {
            cx.bell();
            return cx.flash(
                Severity::Warning,
                format!(
                    "Nothing printed: {} takes {room} more pack(s). Print at most {room}, or {}",
                    o.order_id,
                    supervisor_hint(cx)
                ),
            );
        }
        let order = PrintOrder { order_id: o.order_id.clone(), gtin: o.product_code.clone(), batch, expiry };
        let actor =
            LabelActor { station: cx.settings.station_id.clone(), operator: cx.operator_id().map(String::from) };
        let ahead = continuous.then_some(CONTINUOUS_AHEAD);
        self.run = Some(RunView {
            printer: printer.name.clone(),
            order_id: order.order_id.clone(),
            requested: count,
            ahead,
            ..RunView::default()
        });
        self.last = None;
        self.note = None;
        let what = if continuous { "a continuous run".to_string() } else { format!("{count} labels") };
        cx.flash(Severity::Info, format!("Starting {what} for {} on {}…", order.order_id, printer.name));
        cx.effect(Effect::Print(PrintJob::Start { printer: printer.name.clone(), order, count, ahead, actor }));
    }

    fn finish(&mut self, cx: &mut Ctx) {
        let Some(run) = &self.run else {
            cx.flash(Severity::Info, "No print run is open: type how many labels, then Enter, to start one");
            return;
        };
        if run.balance.waiting > 0 {
            let n = run.balance.waiting;
            let key = cx.settings.keys.first_label(Action::Decommission);
            cx.flash(
                Severity::Warning,
                format!("Run not ended: {n} label(s) wait: scan each one, or {key} voids them"),
            );
            return;
        }
        cx.effect(Effect::Print(PrintJob::Finish));
    }

    /// News from the printers and the run.
    pub fn news(&mut self, n: PrintNews, cx: &mut Ctx) {
        self.take_news(n, cx);
        self.keep_within_room(cx);
    }

    /// A continuous run stops once the labels waiting fill what the order still takes (other
    /// stations of the line may fill it too): more labels would be packs the order refuses.
    fn keep_within_room(&mut self, cx: &mut Ctx) {
        let Some(r) = self.run.as_mut().filter(|r| r.ahead.is_some() && r.run_id.is_some() && !r.stopped) else {
            return;
        };
        let Some(room) = cx.room.filter(|room| *room <= r.balance.waiting as i64) else { return };
        r.stopped = true;
        cx.effect(Effect::Print(PrintJob::Stop));
        cx.flash(
            Severity::Info,
            format!("{} takes {room} more pack(s), as many as labels wait: no more are printed", r.order_id),
        );
    }

    fn take_news(&mut self, n: PrintNews, cx: &mut Ctx) {
        match n {
            PrintNews::Printer(s) => self.printer_status(s),
            PrintNews::ToRemove(labels) => {
                let before = self.to_remove.len();
                for l in labels {
                    if !self.to_remove.contains(&l) {
                        self.to_remove.push(l);
                    }
                }
                let n = self.to_remove.len() - before;
                if n > 0 {
                    let key = cx.settings.keys.first_label(Action::TabPrint);
                    cx.flash(
                        Severity::Warning,
                        format!("{n} voided label(s) from before the restart are not confirmed removed: check them on the Print tab ({key})"),
                    );
                }
            }
            PrintNews::Started(Ok(id)) => {
                if let Some(r) = self.run.as_mut() {
                    r.run_id = Some(id);
                }
                // The count was this run's: the next run's is typed afresh.
                self.count.clear();
            }
            PrintNews::Started(Err(e)) => {
                self.run = None;
                self.problem(cx, Severity::Error, "Nothing printed (see why above)", format!("Nothing printed: {e}"));
            }
            PrintNews::Run(e) => self.run_event(e, cx),
            PrintNews::Verified { raw, outcome } => self.verified(raw, outcome, cx),
            PrintNews::Finished(Ok(b)) => self.ended(b, cx),
            PrintNews::Finished(Err(e)) => {
                self.problem(cx, Severity::Warning, "The run was not ended (see why above)", e)
            }
            PrintNews::Refused(e) => self.problem(cx, Severity::Warning, "Not done (see why above)", e),
            PrintNews::VoidedWaiting(Ok(n)) => {
                let key = cx.settings.keys.first_label(Action::Submit);
                cx.flash(
                    Severity::Ok,
                    format!("{n} waiting label(s) voided, never commissioned: remove them, then {key}"),
                )
            }
            PrintNews::VoidedWaiting(Err(e)) => {
                self.problem(cx, Severity::Error, "The labels were not voided (see why above)", e)
            }
        }
    }

    fn printer_status(&mut self, s: PrinterStatus) {
        if let Some(p) = self.printers.iter_mut().find(|p| p.name == s.printer) {
            p.status = Some(s);
        }
    }

    fn ended(&mut self, b: Reconciliation, cx: &mut Ctx) {
        if self.run.take().is_some() {
            self.note = None;
            cx.flash(Severity::Ok, format!("Run ended. Report: shopfloor labels --order {}", b.order_id));
        }
        self.ended = Some(b);
    }

    fn run_event(&mut self, e: RunEvent, cx: &mut Ctx) {
        if let RunEvent::Printer(s) = e {
            return self.printer_status(s);
        }
        if let RunEvent::Ended(b) = e {
            return self.ended(b, cx);
        }
        let Some(r) = self.run.as_mut() else { return };
        match e {
            RunEvent::Sent { n, .. } => r.sent = n,
            RunEvent::Printed { .. } => r.printed += 1,
            RunEvent::Voided { serials, reason, check_and_remove } => {
                if check_and_remove > 0 {
                    let order = r.order_id.clone();
                    self.to_remove.extend(serials.iter().map(|s| (order.clone(), s.clone())));
                    cx.bell();
                    let key = cx.settings.keys.first_label(Action::Submit);
                    cx.flash(
                        Severity::Error,
                        format!("{check_and_remove} label(s) voided: find and remove them, then {key}"),
                    );
                }
                r.voided.extend(serials.into_iter().map(|s| (s, reason.clone())));
            }
            RunEvent::Halted { state, message } => {
                cx.bell();
                let word = match state {
                    PrinterState::Fault(_) => "fault".to_string(),
                    s => state_words(&s, cx.clock),
                };
                let key = cx.settings.keys.first_label(Action::Refresh);
                cx.flash(Severity::Error, format!("Printing halted, printer {word}: fix it, then {key} goes on"));
                r.halted = Some(message);
            }
            RunEvent::Resumed => {
                r.halted = None;
                // What refused the run before is over: it is no longer shown.
                self.note = None;
                cx.flash(Severity::Ok, "Printing goes on; new serials replace the voided labels");
            }
            RunEvent::AllPrinted { printed } => {
                r.all_printed = true;
                let what = if r.ahead.is_some() { " the order takes" } else { "" };
                cx.flash(Severity::Ok, format!("All {printed} labels{what} printed: apply each one and scan it here"));
            }
            RunEvent::Stopped => r.stopped = true,
            RunEvent::Balance(b) => r.balance = b,
            RunEvent::Failed(e) => {
                let key = cx.settings.keys.first_label(Action::FinishOrder);
                cx.flash(
                    Severity::Error,
                    format!("Printing stopped (see why above): once fixed, end the run ({key}) and print again"),
                );
                r.halted = Some(e);
            }
            RunEvent::Verified { .. } | RunEvent::Printer(_) | RunEvent::Ended(_) => {}
        }
    }

    fn verified(&mut self, raw: String, outcome: Result<VerifyOutcome, String>, cx: &mut Ctx) {
        match outcome {
            Ok(VerifyOutcome::Verified(row)) => {
                // The same way an accepted scan goes to commissioning on the scan panel.
                cx.effect(Effect::Journal(NewScan {
                    at: String::new(),
                    station: cx.settings.station_id.clone(),
                    operator: cx.operator_id().map(String::from),
                    order_id: row.order_id.clone(),
                    gtin: row.gtin.clone(),
                    batch: row.batch.clone(),
                    expiry: row.expiry.clone(),
                    serial: row.serial.clone(),
                    raw,
                }));
                cx.flash(Severity::Ok, format!("Label {} verified: it goes to commissioning", row.serial));
                self.last = Some(LastCheck::Verified(row.serial.clone()));
            }
            Ok(VerifyOutcome::Refused { reason, .. }) => self.alarm(raw, reason, cx),
            Err(e) => self.alarm(raw, e, cx),
        }
    }

    /// The voided labels were found and removed: says so in the audit trail (one row per order:
    /// the serials and how many), signed by a supervisor when the config asks for it; the
    /// notice goes once that is done. The one place this confirmation is made.
    fn confirm_labels_removed(&mut self, cx: &mut Ctx) {
        if self.to_remove.is_empty() {
            return cx.flash(Severity::Info, "No voided label waits to be removed");
        }
        let labels = self.to_remove.clone();
        let mut entries = Vec::new();
        let mut orders: Vec<&str> = Vec::new();
        for (o, _) in &labels {
            if !orders.contains(&o.as_str()) {
                orders.push(o);
            }
        }
        for order in orders.iter().copied() {
            let serials: Vec<&str> = labels.iter().filter(|(o, _)| o == order).map(|(_, s)| s.as_str()).collect();
            let entry = cx
                .audit(actions::LABELS_REMOVAL_CONFIRMED, order)
                // Space-separated: a serial (GS1 CSET 82) may hold a comma, never a space.
                .change(None, Some(serials.join(" ")))
                .reason(format!("{} voided labels found and removed", serials.len()));
            entries.push(entry);
        }
        let first = orders.first().map(|o| o.to_string());
        let summary = match orders.as_slice() {
            [one] => format!("{} voided label(s) of {one} found and removed", labels.len()),
            _ => format!("{} voided label(s) of {} orders found and removed", labels.len(), orders.len()),
        };
        cx.sign(SignedAction::LabelsRemoved, summary, first, AfterSign::LabelsRemoved { entries, labels });
    }

    /// The removal of these labels is recorded: they are no longer asked for.
    pub fn labels_removed(&mut self, labels: &[(String, String)], cx: &mut Ctx) {
        self.to_remove.retain(|l| !labels.contains(l));
        cx.flash(Severity::Ok, format!("{} voided label(s) confirmed removed", labels.len()));
    }

    fn alarm(&mut self, raw: String, reason: String, cx: &mut Ctx) {
        let message = format!("Label does not match: {reason}. Put the pack aside; it is not commissioned");
        cx.bell();
        // The reason itself: the scan may have come from another tab, where nothing else says why.
        cx.flash(Severity::Error, message.clone());
        cx.effect(Effect::RecordAlarm {
            order_id: self.run.as_ref().map(|r| r.order_id.clone()).or(cx.active.map(|o| o.order_id.clone())),
            kind: LABEL_ALARM.into(),
            raw,
            message,
            actor: cx.actor(),
        });
        self.last = Some(LastCheck::Alarm(reason));
    }
}

/// Where a full order gets more packs, with this station's keys.
fn supervisor_hint(cx: &Ctx) -> String {
    let k = &cx.settings.keys;
    format!(
        "a supervisor may allow more ({} on the Scan tab, {})",
        k.first_label(Action::Unlock),
        k.first_label(Action::TabScan)
    )
}

/// A printer's state as the operator reads it ("offline since 10:07").
pub fn state_words(s: &PrinterState, clock: &Clock) -> String {
    match s {
        PrinterState::Offline { since, .. } => {
            let utc = chrono::DateTime::<chrono::Utc>::from(*since);
            format!("offline since {}", clock.zone.local(utc).format("%H:%M"))
        }
        other => other.word(),
    }
}

impl Screen for PrintTab {
    fn key(&mut self, k: KeyIn, action: Option<Action>, cx: &mut Ctx) {
        if k.burst {
            return;
        }
        if let Some((step, at)) = self.asking_void {
            // Irreversible: only a key made once the question has been read answers it.
            if cx.clock.mono() < at + SETTLE {
                return;
            }
            self.asking_void = None;
            let c = k.key.text().map(|c| c.to_ascii_lowercase());
            match (step, c) {
                (VoidQuestion::Sure, Some('y')) => self.asking_void = Some((VoidQuestion::Why, cx.clock.mono())),
                (VoidQuestion::Why, Some(c)) if VOID_REASONS.iter().any(|r| r.0 == c) => {
                    let (_, word, reason) = VOID_REASONS.iter().find(|r| r.0 == c).copied().unwrap_or(VOID_REASONS[0]);
                    cx.effect(Effect::Print(PrintJob::VoidWaiting(reason.into())));
                    cx.flash(Severity::Info, format!("Voiding the waiting labels as {word}…"));
                }
                _ => cx.flash(Severity::Info, "Nothing was voided"),
            }
            return;
        }
        match (k.key.code, action) {
            (Code::Char(c), _) if c.is_ascii_digit() && k.key.is_text() => {
                let typed = format!("{}{c}", self.count);
                if typed.parse::<u32>().is_ok_and(|n| n <= MAX_COUNT) {
                    self.count = typed.trim_start_matches('0').to_string();
                } else {
                    cx.flash(Severity::Info, format!("At most {MAX_COUNT} labels per run"));
                }
            }
            (Code::Backspace, _) => {
                self.count.pop();
            }
            (Code::Esc, _) => self.count.clear(),
            (Code::Enter, _) => self.start(cx, false),
            (_, Some(Action::StartProduction)) => self.start(cx, true),
            (Code::Up, _) if self.run.is_none() => self.selected = self.selected.saturating_sub(1),
            (Code::Down, _) if self.run.is_none() => {
                self.selected = (self.selected + 1).min(self.printers.len().saturating_sub(1))
            }
            (_, Some(Action::FinishOrder)) => self.finish(cx),
            (_, Some(Action::Submit)) => self.confirm_labels_removed(cx),
            // A label alarm is journaled like the scan panel's: it is closed here, by a person.
            (_, Some(Action::Acknowledge)) => {
                if matches!(self.last, Some(LastCheck::Alarm(_))) {
                    self.last = None;
                    // Only the label alarms: the scan panel's own alarm is acknowledged there.
                    cx.effect(Effect::AckAlarmsOf(cx.actor(), LABEL_ALARM.into()));
                    cx.flash(Severity::Info, "Label alarm acknowledged: the pack stays aside; scan the next label");
                } else {
                    cx.flash(Severity::Info, "No label alarm to acknowledge");
                }
            }
            (_, Some(Action::CancelOrder)) => {
                if self.run.is_some() {
                    cx.effect(Effect::Print(PrintJob::Stop));
                } else {
                    cx.flash(Severity::Info, "No print run is open: type how many labels, then Enter, to start one");
                }
            }
            (_, Some(Action::Decommission)) => {
                let waiting = self.run.as_ref().map(|r| r.balance.waiting).unwrap_or(0);
                if waiting == 0 {
                    cx.flash(Severity::Info, "No printed label waits for its scan: nothing to void");
                } else {
                    self.asking_void = Some((VoidQuestion::Sure, cx.clock.mono()));
                }
            }
            (_, Some(Action::Refresh)) => {
                if self.run.as_ref().is_some_and(|r| r.halted.is_some()) {
                    cx.effect(Effect::Print(PrintJob::Resume));
                } else {
                    cx.flash(Severity::Info, "Nothing to resume: the run is not halted");
                }
            }
            _ => {}
        }
    }

    fn paste(&mut self, _text: &str, cx: &mut Ctx) {
        cx.flash(Severity::Info, "Pasting does nothing here: type the number of labels");
    }

    fn takes_scans(&self) -> bool {
        true
    }

    fn scan(&mut self, raw: &str, cx: &mut Ctx) {
        if self.run.as_ref().is_none_or(|r| r.run_id.is_none()) {
            cx.bell();
            cx.flash(
                Severity::Warning,
                format!(
                    "No print run: this scan was not taken. Print labels first, or scan packs on the Scan tab ({})",
                    cx.settings.keys.first_label(Action::TabScan)
                ),
            );
            return;
        }
        if cx.room == Some(0) {
            cx.bell();
            return cx.flash(
                Severity::Error,
                format!("ORDER FULL: this label is not commissioned. Put the pack aside; {}", supervisor_hint(cx)),
            );
        }
        cx.effect(Effect::Print(PrintJob::Verify(raw.to_string())));
    }

    fn answered(&mut self, _id: u64, _outcome: Outcome, _cx: &mut Ctx) {}

    fn text_focused(&self) -> bool {
        false
    }

    fn actions(&self) -> Vec<(Action, &'static str)> {
        vec![
            (Action::StartProduction, "continuous run: the next label as each is scanned"),
            (Action::FinishOrder, "end the print run (labels all scanned or voided)"),
            (Action::CancelOrder, "stop sending labels to the printer"),
            (Action::Refresh, "go on after a printer fault, once it is ready"),
            (Action::Decommission, "void waiting labels, with a reason; asks first"),
            (Action::Submit, "the voided labels were found and removed"),
            (Action::Acknowledge, "acknowledge a label alarm (the pack stays aside)"),
        ]
    }

    fn hint(&self, keys: &KeyMap) -> String {
        let first = |a: Action| keys.first_label(a);
        match &self.run {
            None => format!(
                "type how many labels, Enter prints · {} continuous · ↑↓ printer",
                first(Action::StartProduction)
            ),
            Some(_) => format!(
                "scan each label here · {} end run · {} stop · {} resume",
                first(Action::FinishOrder),
                first(Action::CancelOrder),
                first(Action::Refresh)
            ),
        }
    }

    fn shown(&mut self, cx: &mut Ctx) {
        cx.effect(Effect::Print(PrintJob::Watch(true)));
    }
}

/// The message line of the Print tab on a handheld, wrapped over its two rows.
pub fn message(flash: Option<&crate::tui::msg::Flash>, frame: &mut Frame, area: Rect, t: &crate::tui::theme::Theme) {
    let Some(f) = flash else { return };
    let (mark, role) = match f.severity {
        Severity::Ok => ("✓ ", Role::Ok),
        Severity::Error => ("✗ ", Role::Error),
        Severity::Warning => ("! ", Role::Warning),
        Severity::Info => ("", Role::Base),
    };
    let line = Line::from(Span::styled(format!("{mark}{}", f.text), t.style(role)));
    frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), area);
}

/// The Printers panel at the top of the tab: one line per printer with its state (ready,
/// printing N, paused, paper out, head open, ribbon out, offline since HH:MM local time); the
/// selected one is marked. On a handheld it takes one title row instead of a frame. Returns
/// the area left below it.
fn printers_panel(tab: &PrintTab, cx: &ViewCx, frame: &mut Frame, area: Rect, narrow: bool) -> Rect {
    let t = cx.theme;
    let mut lines = Vec::new();
    if tab.printers.is_empty() {
        lines.push(Line::from(Span::styled(
            "No printers: add a [[printers]] block to the config",
            t.style(Role::Warning),
        )));
    }
    for (i, p) in tab.printers.iter().enumerate() {
        let mark = if i == tab.selected { "› " } else { "  " };
        let (words, role) = match &p.status {
            None => ("not asked yet".to_string(), Role::Muted),
            Some(s) => {
                let role = match &s.state {
                    PrinterState::Ready | PrinterState::Printing { .. } => Role::Ok,
                    PrinterState::Paused | PrinterState::Unknown => Role::Warning,
                    _ => Role::Error,
                };
                (state_words(&s.state, cx.clock), role)
            }
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark}{} ", p.name), t.style(Role::Base)),
            Span::styled(words, t.style(role)),
        ]));
    }
    let borders = if narrow { Borders::TOP } else { Borders::ALL };
    let frame_rows: u16 = if narrow { 1 } else { 2 };
    let want = (lines.len() as u16).saturating_add(frame_rows);
    // The print run below keeps at least half the tab.
    let rows = want.min(area.height / 2).max(frame_rows.min(area.height));
    // More printers than rows: a window around the selected one, and how many are not shown.
    let room = usize::from(rows.saturating_sub(frame_rows)).max(1);
    if lines.len() > room {
        let shown = room.saturating_sub(1).max(1);
        let first = tab.selected.saturating_sub(shown - 1).min(lines.len() - shown);
        let hidden = lines.len() - shown;
        lines = lines.into_iter().skip(first).take(shown).collect();
        lines.push(Line::from(Span::styled(format!("  … {hidden} more (↑↓)"), t.style(Role::Muted))));
    }
    let [top, rest] = Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(area);
    let block = Block::default()
        .borders(borders)
        .border_style(t.style(Role::Accent))
        .title(Span::styled(" Printers ", t.style(Role::Title)));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), top);
    rest
}

/// The Print tab; the same lines wrap down to a 40×16 handheld.
pub fn view(tab: &PrintTab, cx: &ViewCx, frame: &mut Frame, area: Rect) {
    let t = cx.theme;
    // A handheld's 40 columns keep what the operator must act on; the order's details go.
    let narrow = area.width < 60;
    let area = printers_panel(tab, cx, frame, area, narrow);
    let title = match cx.active {
        Some(o) => format!(" Print · {} ", o.order_id),
        None => " Print · no active order ".into(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Accent))
        .title(Span::styled(title, t.style(Role::Title)));
    let mut lines = Vec::new();
    if let Some(o) = cx.active.filter(|_| !narrow) {
        lines.push(Line::from(Span::styled(
            format!(
                "{} · batch {} · exp {}",
                o.product_code,
                o.batch.as_deref().unwrap_or("-"),
                o.expiry_date.as_deref().unwrap_or("-")
            ),
            t.style(Role::Muted),
        )));
        lines.push(Line::from(""));
    }
    // First, so a long list of voided serials below never pushes it out of sight.
    if !tab.to_remove.is_empty() {
        let key = cx.settings.keys.first_label(Action::Submit);
        lines.push(Line::from(Span::styled(
            format!("! {} voided label(s): check and remove them · {key} when removed", tab.to_remove.len()),
            t.style(Role::Error),
        )));
        // Which ones, even after the run has ended (the run's own list goes with it).
        const SHOWN: usize = 6;
        let mut serials: Vec<&str> = tab.to_remove.iter().take(SHOWN).map(|(_, s)| s.as_str()).collect();
        let more = tab.to_remove.len().saturating_sub(SHOWN);
        let more = if more > 0 { format!(" +{more} more (shopfloor labels)") } else { String::new() };
        if let Some(last) = serials.pop() {
            // Spaces between them: a serial may hold a comma, never a space.
            let list = serials.iter().map(|s| format!("{s} ")).collect::<String>();
            lines.push(Line::from(Span::styled(format!("  to remove: {list}{last}{more}"), t.style(Role::Error))));
        }
    }
    match &tab.run {
        None => {
            let count = if tab.count.is_empty() { "_".to_string() } else { tab.count.clone() };
            lines.push(Line::from(vec![
                Span::styled("Labels to print: ", t.style(Role::Base)),
                Span::styled(count, t.style(if cx.focused { Role::InputFocus } else { Role::Base })),
            ]));
            if let Some(b) = &tab.ended {
                lines.push(Line::from(Span::styled(format!("Last run: {}", b.line()), t.style(Role::Muted))));
            }
        }
        Some(r) => {
            let state = if r.run_id.is_none() {
                "starting…".to_string()
            } else if r.halted.is_some() {
                "halted".to_string()
            } else if r.stopped {
                "stopped".to_string()
            } else if r.all_printed {
                "all printed".to_string()
            } else if let Some(ahead) = r.ahead {
                format!("continuous, {ahead} ahead")
            } else {
                format!("printing {} of {}", r.printed + 1, r.requested)
            };
            // The printer is named in the panel above; a handheld's row is too short for it.
            let run = if narrow { "Run".to_string() } else { format!("Run on {}", r.printer) };
            lines.push(Line::from(Span::styled(
                format!("{run}: {state} · sent {} · printed {}", r.sent, r.printed),
                t.style(Role::Base),
            )));
            let b = &r.balance;
            let role = if b.waiting > 0 { Role::Warning } else { Role::Ok };
            lines.push(Line::from(Span::styled(b.line(), t.style(role))));
            if !narrow {
                lines.push(Line::from(Span::styled(
                    format!("commissioned {} · to scan {}", b.commissioned, b.waiting),
                    t.style(Role::Muted),
                )));
            }
            if let Some(h) = &r.halted {
                lines.push(Line::from(Span::styled(format!("Halted: {h}"), t.style(Role::Error))));
            }
            match tab.asking_void {
                Some((VoidQuestion::Sure, _)) => lines.push(Line::from(Span::styled(
                    format!("Void the {} waiting label(s)? y: choose why · any other key: no", b.waiting),
                    t.style(Role::Warning),
                ))),
                Some((VoidQuestion::Why, _)) => {
                    let keys: Vec<String> = VOID_REASONS.iter().map(|(k, w, _)| format!("{k} {w}")).collect();
                    lines.push(Line::from(Span::styled(
                        format!("Why void them? {} · any other key: no", keys.join(" · ")),
                        t.style(Role::Warning),
                    )));
                }
                None => {}
            }
            if !r.voided.is_empty() {
                let serials: Vec<&str> = r.voided.iter().map(|(s, _)| s.as_str()).collect();
                lines.push(Line::from(Span::styled(
                    format!("Voided ({}): {}", serials.len(), serials.join(" ")),
                    t.style(Role::Warning),
                )));
            }
        }
    }
    if let Some(n) = &tab.note {
        lines.push(Line::from(Span::styled(format!("! {n}"), t.style(Role::Warning))));
    }
    match &tab.last {
        Some(LastCheck::Verified(s)) => {
            lines.push(Line::from(Span::styled(format!("✓ last scan: {s} verified"), t.style(Role::Ok))))
        }
        Some(LastCheck::Alarm(why)) => {
            lines.push(Line::from(Span::styled(format!("✗ last scan: {why}"), t.style(Role::Error))))
        }
        None => {}
    }
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: true }), area);
}
