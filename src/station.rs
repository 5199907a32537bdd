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
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// The running station, as the dashboard sees it.
pub struct Station {
    /// Jobs for the journal's writer thread.
    pub journal: std::sync::mpsc::Sender<Job>,
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
        let mut journal = Journal::open(&data_dir.join("journal.db"))?;
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
