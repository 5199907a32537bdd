//! The station's machinery behind the screen: the scan journal and its one writer thread, the
//! commissioning pipeline and the API worker. It is started before the terminal changes mode
//! (everything that can fail fails here, with a plain message), and the dashboard talks to it
//! only through the channels it hands out.

use crate::config::Config;
use crate::domain::manufacturer::PackagingOrder;
use crate::label_log::LabelRecord;
use crate::scan::journal::Journal;
use crate::scan::journal_writer::{self, Event, Job};
use crate::worker::commission::{self, Progress};
use crate::worker::{Clients, Request, Response};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// The running station, as the dashboard sees it.
pub struct Station {
    /// Jobs for the journal's writer thread.
    pub journal: std::sync::mpsc::Sender<Job>,
    /// The journal's file (the label store of the printers opens it too).
    pub journal_path: PathBuf,
    /// Its answers.
    pub journal_events: UnboundedReceiver<Event>,
    /// News from the commissioning pipeline.
    pub pipeline: UnboundedReceiver<Progress>,
    /// Requests for the API worker, and its answers.
    pub requests: UnboundedSender<Request>,
    pub responses: UnboundedReceiver<Response>,
    /// The order the station was scanning for when it stopped (or the demo's).
    pub active: Option<PackagingOrder>,
    /// Where the label orders this station created are kept, and what is there.
    pub label_log: PathBuf,
    pub label_history: Vec<LabelRecord>,
}

/// The journal's writer thread, to wait for at the end.
pub struct JournalThread {
    handle: std::thread::JoinHandle<()>,
    jobs: std::sync::mpsc::Sender<Job>,
}

impl JournalThread {
    /// Waits until the journal has written every job it was sent (the last ones, such as a
    /// sign-out's audit row, must be on disk before the process ends), then ends it.
    pub fn finish(self) {
        let _ = self.jobs.send(Job::Shutdown);
        if self.handle.join().is_err() {
            tracing::error!("the journal thread ended with a panic");
        }
    }
}

impl Station {
    /// Opens the journal under `data_dir` and starts the writer, the pipeline and the worker.
    /// Must run inside the tokio runtime. `default_active` is used when the journal holds no
    /// active order (the demo starts with one).
    pub fn start(
        config: &Config,
        clients: Clients,
        data_dir: &Path,
        default_active: Option<PackagingOrder>,
    ) -> anyhow::Result<(Station, JournalThread)> {
        let journal_path = data_dir.join("journal.db");
        let mut journal = Journal::open(&journal_path)?;
        let requeued = journal.requeue_in_flight()?;
        if requeued > 0 {
            tracing::info!(requeued, "scans that were in flight at the last stop are sent again");
        }
        let stored: Option<PackagingOrder> = journal.get("active_order")?.and_then(|j| serde_json::from_str(&j).ok());
        let active = stored.or(default_active);
        if let Some(o) = &active {
            journal.set("active_order", &serde_json::to_string(o)?)?;
        }
        let label_log = data_dir.join("label_orders.jsonl");
        let (label_history, damaged) = crate::label_log::load(&label_log);
        if damaged > 0 {
            tracing::warn!(damaged, "skipped damaged lines in {}", label_log.display());
        }
        let (progress_tx, pipeline) = tokio::sync::mpsc::unbounded_channel();
        let pipeline_settings = commission::Settings {
            batch_size: config.scan.batch_size,
            max_wait: config.scan.max_wait,
            ..Default::default()
        };
        // The writer thread owns the journal; the pipeline asks it for batches and hands it the
        // answers, and the writer wakes the pipeline when scans arrive.
        let wake = Arc::new(tokio::sync::Notify::new());
        let (events_tx, journal_events) = tokio::sync::mpsc::unbounded_channel();
        let (journal_jobs, journal_thread) = journal_writer::spawn(journal, events_tx, wake.clone())?;
        commission::spawn(
            journal_jobs.clone(),
            clients.manufacturer.clone(),
            pipeline_settings,
            progress_tx,
            wake.clone(),
        );
        wake.notify_one();
        let (requests, responses) = crate::worker::spawn(clients);
        let thread = JournalThread { handle: journal_thread, jobs: journal_jobs.clone() };
        let station = Station {
            journal: journal_jobs,
            journal_path,
            journal_events,
            pipeline,
            requests,
            responses,
            active,
            label_log,
            label_history,
        };
        Ok((station, thread))
    }
}

/// Records in the station's audit trail that it starts with this config (`config.loaded`): the
/// snapshot's hash and settings and, when they differ from the last start's, the keys that
/// changed and the controls that were weakened. Runs before the journal's writer starts, so the
/// row comes before anything the station does with the config. The row's object is the file
/// (`(demo)` for the demo's).
pub fn record_config(
    config: &Config,
    data_dir: &Path,
    snapshot: &crate::config::controls::Snapshot,
) -> anyhow::Result<()> {
    use crate::config::controls;
    use crate::domain::audit::{actions, NewEntry};
    let mut journal = Journal::open(&data_dir.join("journal.db"))?;
    let previous = journal
        .last_audit_entry(actions::CONFIG_LOADED)?
        .and_then(|e| e.new_value)
        .and_then(|v| controls::Snapshot::from_json(&v));
    let compared = controls::compare(previous.as_ref(), snapshot);
    let object = match &config.source {
        Some(p) => std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()).display().to_string(),
        None => "(demo)".to_string(),
    };
    let mut entry = NewEntry::new(actions::CONFIG_LOADED, object)
        .by(&config.station.id, None)
        .change(compared.old_hash, Some(snapshot.to_json()));
    entry.reason = compared.reason;
    journal.audit(&entry)?;
    Ok(())
}

/// Claims what the journal accepted, in the order it was journaled, and passes the journal's
/// answers on with the line store's verdict folded in. A claim waits at most
/// `line_store::CLAIM_WAIT`; what is not answered by then (the store is slow or gone) passes as
/// accepted and is claimed later from the backlog, where a conflict is a LATE DUPLICATE.
async fn claim_stage(
    store: crate::line_store::LineStore,
    journal: std::sync::mpsc::Sender<Job>,
    mut from_journal: UnboundedReceiver<Event>,
    to_screen: UnboundedSender<Event>,
) {
    use crate::line_store::ClaimResult;
    use crate::scan::journal::Appended;
    while let Some(first) = from_journal.recv().await {
        // What piled up while the last claim was answered is claimed at once, so a slow store
        // costs one wait, not one per batch.
        let mut events = vec![first];
        while let Ok(e) = from_journal.try_recv() {
            events.push(e);
        }
        let ids: Vec<i64> = events
            .iter()
            .filter_map(|e| if let Event::Journaled(answers) = e { Some(answers) } else { None })
            .flatten()
            .filter_map(|(_, r)| match r {
                Ok(Appended::Accepted(id)) => Some(*id),
                _ => None,
            })
            .collect();
        let mut verdicts = if ids.is_empty() { Vec::new() } else { store.claim(&ids).await }.into_iter();
        for mut e in events {
            if let Event::Journaled(answers) = &mut e {
                for (_, r) in answers.iter_mut() {
                    let Ok(Appended::Accepted(id)) = r else { continue };
                    // Late duplicates come again as their own event, so the screen raises them once.
                    if let Some(ClaimResult::Duplicate(first)) = verdicts.next() {
                        let reason = format!("scanned first at station {}: not commissioned here", first.station);
                        let _ = journal.send(Job::LineDuplicate { row: *id, reason });
                        *r = Ok(Appended::ClaimedElsewhere {
                            station: first.station,
                            operator: first.operator,
                            at: first.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                        });
                    }
                }
            }
            if to_screen.send(e).is_err() {
                return;
            }
        }
    }
}

/// The station's part of the line store, when `[line_store]` is configured: claims, counters,
/// the audit copy, the heartbeat and the clock check run in the background (see `line_store`).
pub struct LineStation {
    pub store: crate::line_store::LineStore,
    /// News for the screen (status, claim answers, late duplicates, counters, clock alarms).
    pub events: Option<UnboundedReceiver<crate::line_store::LineEvent>>,
    /// The journal sender the audit rows go through; emptied on `stop` so the journal's
    /// thread can finish.
    sink: Arc<Mutex<Option<std::sync::mpsc::Sender<Job>>>>,
}

impl LineStation {
    /// Starts the line store for a running station (`None` without `[line_store]`). Never
    /// waits for the store: while it is unreachable the station scans on.
    ///
    /// From here on the station's journal answers pass through the claim stage: a scan the
    /// journal accepted is claimed line-wide before the screen hears of it, and one another
    /// station claimed first comes out as `Appended::ClaimedElsewhere` (see `claim_stage`).
    pub fn start(config: &Config, data_dir: &Path, station: &mut Station) -> anyhow::Result<Option<LineStation>> {
        let Some(ls) = &config.line_store else { return Ok(None) };
        let sink = Arc::new(Mutex::new(Some(station.journal.clone())));
        let jobs = sink.clone();
        let audit: crate::line_store::AuditSink = Arc::new(move |e| {
            if let Some(tx) = jobs.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                let _ = tx.send(Job::Audit(e));
            }
        });
        let (store, events) = crate::line_store::LineStore::start(ls, &data_dir.join("journal.db"), audit)?;
        let order = station.active.as_ref().map(|o| o.order_id.clone());
        store.watch_order(order.clone());
        store.report(crate::line_store::StationState { active_order: order, ..Default::default() });
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let from_journal = std::mem::replace(&mut station.journal_events, rx);
        tokio::spawn(claim_stage(store.clone(), station.journal.clone(), from_journal, tx));
        Ok(Some(LineStation { store, events: Some(events), sink }))
    }

    /// Tells the board the station stopped, ends the background work and lets go of the journal.
    pub async fn stop(self) {
        self.store.stop().await;
        self.sink.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}
