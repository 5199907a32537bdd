//! The event loop: waits for input, worker results, timers and signals; drains everything
//! already queued; runs `update`; carries out the effects; and draws once if anything changed.
//! No fixed frame rate: an idle dashboard writes nothing but the minute tick.

use super::app::{update, App, Effect, Msg};
use super::terminal::Term;
use super::view::view;
use crate::worker::{Request, Response};
use crossterm::event::Event;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// The shortest time between two frames during a burst.
const FRAME: Duration = Duration::from_millis(16);

pub struct Wiring {
    pub requests: mpsc::UnboundedSender<Request>,
    pub responses: mpsc::UnboundedReceiver<Response>,
    pub refresh: Duration,
    pub label_log: PathBuf,
    pub journal: std::sync::mpsc::Sender<crate::scan::journal_writer::Job>,
    pub journal_events: mpsc::UnboundedReceiver<crate::scan::journal_writer::Event>,
    /// Messages from the journal thread, PIN checks and timers.
    pub internal: mpsc::UnboundedReceiver<Msg>,
    pub internal_tx: mpsc::UnboundedSender<Msg>,
    pub progress: mpsc::UnboundedReceiver<crate::worker::commission::Progress>,
}

/// Local date and time to the minute, as the app shows it.
pub fn now_label() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M").to_string()
}

fn until_next_minute() -> Duration {
    use chrono::Timelike;
    let now = chrono::Local::now();
    let into = Duration::from_secs(u64::from(now.second()))
        + Duration::from_nanos(u64::from(now.nanosecond() % 1_000_000_000));
    Duration::from_secs(60).saturating_sub(into) + Duration::from_millis(20)
}

fn journal_msg(e: crate::scan::journal_writer::Event) -> Msg {
    use crate::scan::journal_writer::Event;
    match e {
        Event::Journaled(answers) => Msg::Journaled(answers),
        Event::Stats(stats) => Msg::ScanStats(stats),
    }
}

fn to_msg(e: Event) -> Option<Msg> {
    match e {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Paste(s) => Some(Msg::Paste(s)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// Why the loop ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Exit {
    Quit,
    InputClosed,
    Signal,
}

/// What the input task forwards: an event, or the end of input.
enum Input {
    Event(Event),
    Closed,
}

/// Reads the terminal on a thread of its own with crossterm's blocking `read`, forwarding each
/// event. Two lessons behind this: polling crossterm's async stream ad hoc leaves its reader
/// holding a stale waker (the loop then sleeps through keys), and the stream hands every event
/// across threads, which capped a scanner burst at about a thousand scans a second.
fn spawn_input() -> mpsc::UnboundedReceiver<Input> {
    let (tx, rx) = mpsc::unbounded_channel();
    let spawned = std::thread::Builder::new().name("input".into()).spawn(move || loop {
        match crossterm::event::read() {
            Ok(e) => {
                if tx.send(Input::Event(e)).is_err() {
                    return;
                }
            }
            Err(_) => {
                let _ = tx.send(Input::Closed);
                return;
            }
        }
    });
    if let Err(e) = spawned {
        tracing::error!("cannot start the input thread: {e}");
    }
    rx
}

pub async fn run(terminal: &mut Term, mut app: App, first: Vec<Effect>, mut w: Wiring) -> std::io::Result<Exit> {
    let exit = event_loop(terminal, &mut app, first, &mut w).await;
    // However the loop ended, the app records what ends with it (the operator's sign-out).
    let effects = update(&mut app, Msg::Stopping);
    perform(&mut app, effects, &w);
    exit
}

async fn event_loop(terminal: &mut Term, app: &mut App, first: Vec<Effect>, w: &mut Wiring) -> std::io::Result<Exit> {
    let mut input = spawn_input();
    let mut refresh = tokio::time::interval_at(tokio::time::Instant::now() + w.refresh, w.refresh);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let minute = tokio::time::sleep(until_next_minute());
    tokio::pin!(minute);
    #[cfg(unix)]
    let (mut term_sig, mut hup_sig) = {
        use tokio::signal::unix::{signal, SignalKind};
        (signal(SignalKind::terminate())?, signal(SignalKind::hangup())?)
    };
    perform(app, first, w);
    draw(terminal, app)?;
    // A burst (a scanner types hundreds of keys at once) is drawn at most once per FRAME; an
    // idle dashboard has no timer at all.
    let mut last_draw = tokio::time::Instant::now();
    let mut pending_draw: Option<tokio::time::Instant> = None;
    // Idle time counts from the last key or paste; the app says when it next matters.
    let mut last_input = tokio::time::Instant::now();
    loop {
        let idle_at = super::access::next_idle_limit(app).map(|d| last_input + d);
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
        tokio::select! {
            ev = input.recv() => match ev {
                Some(Input::Event(e)) => {
                    if matches!(e, Event::Key(_) | Event::Paste(_)) {
                        last_input = tokio::time::Instant::now();
                    }
                    msgs.extend(to_msg(e))
                }
                // The terminal went away (SSH dropped, input closed): shut down, do not spin.
                Some(Input::Closed) | None => return Ok(Exit::InputClosed),
            },
            Some(r) = w.responses.recv() => msgs.push(Msg::Api(Box::new(r))),
            Some(m) = w.internal.recv() => msgs.push(m),
            Some(e) = w.journal_events.recv() => msgs.push(journal_msg(e)),
            Some(p) = w.progress.recv() => msgs.push(Msg::Pipeline(p)),
            _ = refresh.tick() => msgs.push(Msg::RefreshDue),
            _ = &mut minute => {
                msgs.push(Msg::Tick(now_label()));
                minute.as_mut().reset(tokio::time::Instant::now() + until_next_minute());
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
        while let Ok(ev) = input.try_recv() {
            match ev {
                Input::Event(e) => {
                    if matches!(e, Event::Key(_) | Event::Paste(_)) {
                        last_input = tokio::time::Instant::now();
                    }
                    msgs.extend(to_msg(e))
                }
                Input::Closed => return Ok(Exit::InputClosed),
            }
        }
        if msgs.is_empty() {
            continue;
        }
        for m in msgs {
            let effects = update(app, m);
            perform(app, effects, w);
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

fn perform(app: &mut App, effects: Vec<Effect>, w: &Wiring) {
    use crate::scan::journal_writer::Job;
    let journal = |job: Job, app: &mut App| {
        if w.journal.send(job).is_err() {
            app.flash(super::app::Severity::Error, "The scan journal stopped: scans are not saved. Restart shopfloor.");
        }
    };
    for e in effects {
        match e {
            Effect::Journal(scan) => journal(Job::Append(scan), app),
            Effect::RecordAlarm { order_id, kind, raw, message } => {
                let alarm = crate::scan::journal::Alarm { order_id, kind, raw, message };
                journal(Job::Alarm(alarm, actor(app)), app)
            }
            Effect::AckAlarms => journal(Job::Ack(actor(app)), app),
            Effect::MarkDecommissioned { row, reason } => {
                journal(Job::Decommissioned { row, reason, actor: actor(app) }, app)
            }
            Effect::Audit(entry) => journal(Job::Audit(entry), app),
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
                Ok(json) => journal(Job::SaveActive(json), app),
                Err(e) => tracing::error!("cannot keep the active order: {e}"),
            },
            Effect::RefreshScanStats => {
                if let Some(id) = app.active.as_ref().map(|o| o.order_id.clone()) {
                    journal(Job::Stats(id), app);
                }
            }
            Effect::Api(req) => {
                if w.requests.send(req).is_err() {
                    app.flash(super::app::Severity::Error, "The network worker stopped; restart shopfloor");
                }
            }
            Effect::SaveLabel(record) => {
                if let Err(err) = crate::label_log::append(&w.label_log, &record) {
                    tracing::error!("cannot save label order history: {err}");
                    app.flash(
                        super::app::Severity::Error,
                        format!(
                            "Label order {} was created in Movilitas, but this station's list could not be saved ({err}): check disk space and permissions of the data folder",
                            record.order_id
                        ),
                    );
                }
            }
            Effect::Bell => {
                let mut out = std::io::stdout();
                let _ = out.write_all(b"\x07").and_then(|_| out.flush());
            }
            Effect::Quit => {}
        }
    }
}

/// The station and operator an audit row written by the journal names.
fn actor(app: &App) -> crate::scan::journal::Actor {
    crate::scan::journal::Actor {
        station: app.settings.station_id.clone(),
        operator: app.operator_id().map(String::from),
    }
}

/// One frame inside a synchronized update, so terminals show it whole.
fn draw(terminal: &mut Term, app: &App) -> std::io::Result<()> {
    use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|f| view(app, f))?;
    crossterm::execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}
