//! The event loop: waits for input, the station's news, timers and signals; drains everything
//! already queued; runs `update`; carries out the effects; and draws once if anything changed.
//! No fixed frame rate: an idle dashboard writes nothing but the minute tick.
//!
//! Input is read as bytes (see `crate::input`): the decoder turns them into keys and pastes,
//! giving up on unfinished escape sequences, and the router tells scans from typing by prefix
//! and pace. Both are driven here with the real clock; `update` gets their results as messages.
//! The runtime only interprets effects: when one fails, it says so with a message.

use super::app::{update, App};
use super::clock::{Clock, Stamp, Zone};
use super::msg::{Effect, Msg};
use super::terminal::Term;
use super::view::view;
use crate::input::decode::{Decoder, Event as Decoded};
use crate::input::router::{Input, Router};
use crate::input::scanner::ScannerSettings;
use crate::input::tty::{self, Chunk};
use crate::scan::journal::Alarm;
use crate::scan::journal_writer::{Event as JournalEvent, Job};
use crate::worker::{Request, Response};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The shortest time between two frames during a burst.
const FRAME: Duration = Duration::from_millis(16);

pub struct Wiring {
    pub requests: mpsc::UnboundedSender<Request>,
    pub responses: mpsc::UnboundedReceiver<Response>,
    pub refresh: Duration,
    pub label_log: PathBuf,
    pub journal: std::sync::mpsc::Sender<Job>,
    pub journal_events: mpsc::UnboundedReceiver<JournalEvent>,
    /// Messages from PIN checks and timers.
    pub internal: mpsc::UnboundedReceiver<Msg>,
    pub internal_tx: mpsc::UnboundedSender<Msg>,
    pub progress: mpsc::UnboundedReceiver<crate::worker::commission::Progress>,
    pub scanner: ScannerSettings,
    pub line: Option<LineLink>,
    /// The station's printers, when it has any.
    pub print: Option<super::print_desk::PrintDesk>,
}

/// The station's handle on the line store and its news, when one is configured.
pub struct LineLink {
    pub store: crate::line_store::LineStore,
    pub events: mpsc::UnboundedReceiver<crate::line_store::LineEvent>,
}

/// Why the loop ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Exit {
    Quit,
    InputClosed,
    Signal,
}

/// The moment an instant stands for, on the runtime's clocks.
pub struct Clocks {
    start: Instant,
}

impl Clocks {
    pub fn new() -> Self {
        Clocks { start: Instant::now() }
    }

    fn mono(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.start).as_millis() as u64
    }

    pub fn stamp(&self, at: Instant) -> Stamp {
        // The wall clock is read now; for input that arrived a few ms ago that is close enough.
        Stamp { mono: self.mono(at), utc: chrono::Utc::now() }
    }

    pub fn clock(&self) -> Clock {
        Clock::new(self.stamp(Instant::now()), Zone::System)
    }
}

impl Default for Clocks {
    fn default() -> Self {
        Clocks::new()
    }
}

fn until_next_minute() -> Duration {
    use chrono::Timelike;
    let now = Zone::System.local(chrono::Utc::now());
    let into = Duration::from_secs(u64::from(now.second()))
        + Duration::from_nanos(u64::from(now.nanosecond() % 1_000_000_000));
    Duration::from_secs(60).saturating_sub(into) + Duration::from_millis(20)
}

/// Bytes in, classified input out, on the real clock.
struct Reader {
    decoder: Decoder,
    router: Router,
}

impl Reader {
    fn bytes(&mut self, bytes: &[u8], at: Instant, clocks: &Clocks, msgs: &mut Vec<Msg>) {
        let now = clocks.mono(at);
        let mut decoded = Vec::new();
        self.decoder.expire(now, &mut decoded);
        self.decoder.feed(bytes, now, &mut decoded);
        self.route(decoded, now, at, clocks, msgs);
    }

    fn expire(&mut self, at: Instant, clocks: &Clocks, msgs: &mut Vec<Msg>) {
        let now = clocks.mono(at);
        let mut decoded = Vec::new();
        self.decoder.expire(now, &mut decoded);
        self.route(decoded, now, at, clocks, msgs);
    }

    fn route(&mut self, decoded: Vec<Decoded>, now: u64, at: Instant, clocks: &Clocks, msgs: &mut Vec<Msg>) {
        let mut inputs: Vec<Input> = Vec::new();
        self.router.expire(now, &mut inputs);
        for d in decoded {
            match d {
                Decoded::Key(k) => self.router.key(k, now, &mut inputs),
                Decoded::Paste(p) => self.router.paste(p, &mut inputs),
            }
        }
        let dropped = self.decoder.take_dropped();
        if dropped > 0 {
            tracing::info!(dropped, "unreadable bytes from the terminal ignored");
            msgs.push(Msg::Dropped(dropped));
        }
        let stamp = clocks.stamp(at);
        msgs.extend(inputs.into_iter().map(|i| Msg::Input(i, stamp)));
    }

    /// When held input must be passed on, on the monotonic clock.
    fn deadline(&self, clocks: &Clocks) -> Option<tokio::time::Instant> {
        let ms = [self.decoder.deadline(), self.router.deadline()].into_iter().flatten().min()?;
        Some(tokio::time::Instant::from_std(clocks.start + Duration::from_millis(ms)))
    }
}

pub async fn run(
    terminal: &mut Term,
    mut app: App,
    first: Vec<Effect>,
    mut w: Wiring,
    clocks: Clocks,
) -> std::io::Result<Exit> {
    let exit = event_loop(terminal, &mut app, first, &mut w, &clocks).await;
    // However the loop ended, the app records what ends with it (the operator's sign-out).
    let effects = update(&mut app, Msg::Stopping);
    perform(effects, &w);
    exit
}

async fn event_loop(
    terminal: &mut Term,
    app: &mut App,
    first: Vec<Effect>,
    w: &mut Wiring,
    clocks: &Clocks,
) -> std::io::Result<Exit> {
    let (input_tx, mut input) = mpsc::unbounded_channel::<Chunk>();
    tty::spawn(move |c| input_tx.send(c).is_ok())?;
    let mut reader = Reader { decoder: Decoder::new(), router: Router::new(w.scanner.clone()) };
    let mut refresh = tokio::time::interval_at(tokio::time::Instant::now() + w.refresh, w.refresh);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let minute = tokio::time::sleep(until_next_minute());
    tokio::pin!(minute);
    #[cfg(unix)]
    let (mut term_sig, mut hup_sig, mut winch) = {
        use tokio::signal::unix::{signal, SignalKind};
        (signal(SignalKind::terminate())?, signal(SignalKind::hangup())?, signal(SignalKind::window_change())?)
    };
    for m in perform(first, w) {
        let effects = update(app, m);
        perform(effects, w);
    }
    draw(terminal, app)?;
    // A burst (a scanner types hundreds of keys at once) is drawn at most once per FRAME; an
    // idle dashboard has no timer at all.
    let mut last_draw = tokio::time::Instant::now();
    let mut pending_draw: Option<tokio::time::Instant> = None;
    // Idle time counts from the last key or paste; the app says when it next matters.
    let mut last_input = tokio::time::Instant::now();
    loop {
        let idle_at = app.next_idle_limit().map(|d| last_input + d);
        let input_due = reader.deadline(clocks);
        let mut msgs = Vec::new();
        #[cfg(unix)]
        let signalled = async {
            tokio::select! {
                _ = term_sig.recv() => {}
                _ = hup_sig.recv() => {}
            }
        };
        #[cfg(not(unix))]
        let signalled = std::future::pending::<()>();
        #[cfg(unix)]
        let resized = winch.recv();
        #[cfg(not(unix))]
        let resized = std::future::pending::<Option<()>>();
        tokio::select! {
            chunk = input.recv() => match chunk {
                Some(Chunk::Bytes(bytes, at)) => {
                    last_input = tokio::time::Instant::now();
                    reader.bytes(&bytes, at, clocks, &mut msgs);
                }
                // The terminal went away (SSH dropped, input closed): shut down, do not spin.
                Some(Chunk::Closed) | None => return Ok(Exit::InputClosed),
            },
            _ = async { if let Some(t) = input_due { tokio::time::sleep_until(t).await } }, if input_due.is_some() => {
                reader.expire(Instant::now(), clocks, &mut msgs);
            }
            Some(r) = w.responses.recv() => msgs.push(Msg::Api(Box::new(r))),
            Some(m) = w.internal.recv() => msgs.push(m),
            Some(e) = w.journal_events.recv() => msgs.push(journal_msg(e)),
            Some(p) = w.progress.recv() => msgs.push(Msg::Pipeline(p)),
            Some(e) = async { match w.line.as_mut() { Some(l) => l.events.recv().await, None => std::future::pending().await } } => {
                msgs.push(Msg::Line(e));
            }
            _ = refresh.tick() => msgs.push(Msg::RefreshDue),
            _ = &mut minute => {
                msgs.push(Msg::Tick(clocks.clock()));
                minute.as_mut().reset(tokio::time::Instant::now() + until_next_minute());
            }
            Some(()) = resized => {
                let (cols, rows) = crossterm::terminal::size().unwrap_or(app.size);
                terminal.resize(super::terminal::drawn_area(cols, rows))?;
                msgs.push(Msg::Resize(cols, rows));
            }
            _ = signalled => return Ok(Exit::Signal),
            _ = async { if let Some(t) = idle_at { tokio::time::sleep_until(t).await } }, if idle_at.is_some() => {
                msgs.push(Msg::Idle(last_input.elapsed()));
            }
            _ = async { if let Some(t) = pending_draw { tokio::time::sleep_until(t).await } }, if pending_draw.is_some() => {
                pending_draw = None;
                draw(terminal, app)?;
                last_draw = tokio::time::Instant::now();
                continue;
            }
        }
        // Drain what is already waiting, so a burst costs one frame.
        while let Ok(r) = w.responses.try_recv() {
            msgs.push(Msg::Api(Box::new(r)));
        }
        while let Ok(m) = w.internal.try_recv() {
            msgs.push(m);
        }
        while let Ok(e) = w.journal_events.try_recv() {
            msgs.push(journal_msg(e));
        }
        while let Ok(p) = w.progress.try_recv() {
            msgs.push(Msg::Pipeline(p));
        }
        while let Ok(chunk) = input.try_recv() {
            match chunk {
                Chunk::Bytes(bytes, at) => {
                    last_input = tokio::time::Instant::now();
                    reader.bytes(&bytes, at, clocks, &mut msgs);
                }
                Chunk::Closed => return Ok(Exit::InputClosed),
            }
        }
        if msgs.is_empty() {
            continue;
        }
        while let Some(m) = (!msgs.is_empty()).then(|| msgs.remove(0)) {
            let effects = update(app, m);
            msgs.extend(perform(effects, w));
        }
        if app.quit {
            return Ok(Exit::Quit);
        }
        let due = last_draw + FRAME;
        if tokio::time::Instant::now() >= due {
            pending_draw = None;
            draw(terminal, app)?;
            last_draw = tokio::time::Instant::now();
        } else if pending_draw.is_none() {
            pending_draw = Some(due);
        }
    }
}

fn journal_msg(e: JournalEvent) -> Msg {
    match e {
        JournalEvent::Journaled(answers) => Msg::Journaled(answers),
        JournalEvent::Stats(stats) => Msg::ScanStats(stats),
        JournalEvent::Found { gtin, serial, row } => Msg::ScanFound { gtin, serial, row },
    }
}

/// Carries out effects; returns messages for those that could not be carried out.
fn perform(effects: Vec<Effect>, w: &Wiring) -> Vec<Msg> {
    let mut failed = Vec::new();
    let journal = |job: Job, failed: &mut Vec<Msg>| {
        if w.journal.send(job).is_err() {
            tracing::error!("the journal thread is gone: scans cannot be saved");
            failed.push(Msg::EffectFailed(
                "The scan journal stopped: scans are not saved. Restart shopfloor (Ctrl+Q, then start it again)".into(),
            ));
        }
    };
    for e in effects {
        match e {
            Effect::Journal(scan) => journal(Job::Append(scan), &mut failed),
            Effect::RecordAlarm { order_id, kind, raw, message, actor } => {
                journal(Job::Alarm(Alarm { order_id, kind, raw, message }, actor), &mut failed)
            }
            Effect::AckAlarms(actor) => journal(Job::Ack(actor), &mut failed),
            Effect::AckAlarmsOf(actor, kind) => journal(Job::AckKind(actor, kind), &mut failed),
            Effect::MarkDecommissioned { row, reason, actor, signed } => {
                journal(Job::Decommissioned { row, reason, actor, signed }, &mut failed)
            }
            Effect::Audit(entry) => journal(Job::Audit(entry), &mut failed),
            Effect::Operator(id) => crate::instance::set_operator(id.as_deref()),
            Effect::LineWatch(order) => {
                if let Some(l) = &w.line {
                    l.store.watch_order(order);
                }
            }
            Effect::NotOurs { row, reason } => journal(Job::LineDuplicate { row, reason }, &mut failed),
            Effect::LineReport(state) => {
                if let Some(l) = &w.line {
                    l.store.report(state);
                }
            }
            Effect::CheckPin { pin, hash, purpose } => {
                let to_app = w.internal_tx.clone();
                // Argon2 takes tens of milliseconds by design: not on the UI's thread.
                tokio::task::spawn_blocking(move || {
                    let ok = crate::config::access::pin_matches(&pin, &hash);
                    let _ = to_app.send(Msg::PinChecked { purpose, ok });
                });
            }
            Effect::After(after, timer) => {
                let to_app = w.internal_tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = to_app.send(Msg::Timer(timer));
                });
            }
            Effect::SaveActive(order) => match serde_json::to_string(&order) {
                Ok(json) => journal(Job::SaveActive(json), &mut failed),
                Err(e) => tracing::error!("cannot keep the active order: {e}"),
            },
            Effect::RefreshScanStats(order_id) => journal(Job::Stats(order_id), &mut failed),
            Effect::FindScan { gtin, serial } => journal(Job::Find { gtin, serial }, &mut failed),
            Effect::Api(req) => {
                if w.requests.send(req).is_err() {
                    failed.push(Msg::EffectFailed("The network worker stopped; restart shopfloor".into()));
                }
            }
            Effect::SaveLabel(record) => {
                if let Err(err) = crate::label_log::append(&w.label_log, &record) {
                    tracing::error!("cannot save label order history: {err}");
                    failed.push(Msg::EffectFailed(format!(
                        "Label order {} was created in Movilitas, but this station's list could not be saved ({err}): check disk space and permissions of the data folder",
                        record.order_id
                    )));
                }
            }
            Effect::Print(job) => match &w.print {
                Some(desk) => desk.perform(job),
                // Without printers the Print tab only says so; polling asks nothing.
                None if matches!(job, super::msg::PrintJob::Watch(_)) => {}
                None => failed.push(Msg::EffectFailed(
                    "This station has no printers: add a [[printers]] block to the config and restart".into(),
                )),
            },
            Effect::Bell => {
                let mut out = std::io::stdout();
                let _ = out.write_all(b"\x07").and_then(|_| out.flush());
            }
            Effect::Quit => {}
        }
    }
    failed
}

/// One frame inside a synchronized update, so terminals show it whole.
fn draw(terminal: &mut Term, app: &App) -> std::io::Result<()> {
    use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|f| view(app, f))?;
    crossterm::execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}
