//! The line store: what must hold for a whole line of stations, in PostgreSQL. One claim per
//! pack, the live line counters, one audit trail, one Lagerkoll budget per API key, the clock
//! check and the board. The station's SQLite journal stays its truth and its outbox: when the
//! store cannot be reached the station keeps scanning, and the backlog is claimed in order
//! when it is back.
//!
//! `LineStore` is the station's handle (started by `LineStore::start`): `claim` answers for
//! journaled scans, `events` carries status, counters, late duplicates and clock alarms.

pub mod audit;
pub mod backlog;
pub mod budget;
pub mod claims;
pub mod clock;
pub mod connect;
pub mod heartbeat;
pub mod report;
pub mod schema;
mod tasks;

pub use backlog::{Conflict, FirstClaim};
pub use heartbeat::StationState;

use crate::config::line_store::LineStoreConfig;
use crate::domain::audit::NewEntry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Notify};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the line store {at} cannot be reached: {why}. Scanning goes on and the line-wide check catches up when it is back; check that the server runs and [line_store] url")]
    Unreachable { at: String, why: String },
    #[error("TLS to the line store: {0}. Check [line_store] sslmode and ca_file")]
    Tls(String),
    #[error("the line store answered with an error: {0}")]
    Db(String),
    #[error("the line store's schema is at version {found}, this shopfloor needs {want}: run `shopfloor line-store init` (as the store's owner)")]
    SchemaTooOld { found: i32, want: i32 },
    #[error("the line store's schema is at version {found}, newer than this shopfloor knows ({want}): install the newer shopfloor on this station")]
    SchemaTooNew { found: i32, want: i32 },
    #[error("migration {version} of the line store failed: {why}. Nothing of it was applied; fix the cause and run `shopfloor line-store init` again")]
    Migration { version: i32, why: String },
    #[error("the audit trail of station {chain} in the line store and the local journal disagree: {why}. Run `shopfloor audit --verify` and keep a copy of the journal for the investigation")]
    AuditDiverged { chain: String, why: String },
    #[error("the station's journal: {0}. Check the disk (space, permissions)")]
    Journal(#[from] rusqlite::Error),
    #[error("the station's journal cannot be opened: {0}")]
    JournalOpen(String),
}

/// A PostgreSQL error with its server message (tokio-postgres' own text hides it in a source).
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{}: {}", d.severity(), d.message()),
        None => match std::error::Error::source(e) {
            Some(s) => format!("{e}: {s}"),
            None => e.to_string(),
        },
    }
}

impl Error {
    pub(crate) fn db(e: tokio_postgres::Error) -> Error {
        if e.is_closed() || e.as_db_error().is_none() {
            Error::Unreachable { at: String::new(), why: describe(&e) }
        } else {
            Error::Db(describe(&e))
        }
    }

    pub(crate) fn unreachable(cfg: &LineStoreConfig, e: &tokio_postgres::Error) -> Error {
        Error::Unreachable { at: cfg.describe(), why: describe(e) }
    }
}

/// The line store's answer for one journaled scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimResult {
    /// The pack is this station's, line-wide: show ACCEPTED.
    Claimed,
    /// Another station claimed it first: show DUPLICATE naming it (station, operator, time).
    Duplicate(FirstClaim),
    /// Found for a scan the station had already shown as accepted (its check was offline):
    /// the LATE DUPLICATE alarm, also sent as `LineEvent::LateDuplicate` and kept for a supervisor.
    LateDuplicate(FirstClaim),
    /// Not checked yet (the store is unreachable or slow): accepted locally, claimed later.
    Offline,
}

/// Whether the line-wide check works, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineStatus {
    pub online: bool,
    /// Why not, in the operator's words.
    pub why: Option<String>,
    /// Scans accepted locally whose claim is still to be made.
    pub backlog: i64,
}

/// Claimed packs of one order: this station's and the whole line's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineCounts {
    pub order_id: String,
    pub own: i64,
    pub line: i64,
    pub by_station: Vec<(String, i64)>,
}

/// News from the line store for the station's screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEvent {
    /// Online or offline (and the backlog), whenever it changes.
    Status(LineStatus),
    /// Answers for scans, including those claimed from the backlog without a caller waiting.
    Claimed(Vec<(i64, ClaimResult)>),
    /// A conflict found in the backlog: raise LATE DUPLICATE naming both stations and packs.
    LateDuplicate(Conflict),
    /// The watched order's counters changed (within a second of any station's claim).
    Counts(LineCounts),
    /// The station's clock is more than two seconds off the store's (an audit row is written).
    ClockSkew { skew_ms: i64, message: String },
    /// The local audit trail and the store's copy disagree (rows removed or changed locally).
    AuditProblem(String),
}

/// Writes an audit row through the journal's one writer (e.g. `Job::Audit`).
pub type AuditSink = Arc<dyn Fn(NewEntry) + Send + Sync>;

/// How long `claim` waits for the store before answering `Offline` for what is still open.
pub const CLAIM_WAIT: Duration = Duration::from_secs(2);

pub(crate) struct Inner {
    cfg: LineStoreConfig,
    pool: deadpool_postgres::Pool,
    journal: PathBuf,
    events: mpsc::UnboundedSender<LineEvent>,
    audit_sink: AuditSink,
    /// Scans a `claim` call waits for, by journal row id.
    waiters: Mutex<Waiters>,
    claim_wake: Notify,
    audit_wake: Notify,
    report_wake: Notify,
    watch_wake: Notify,
    stop_wake: Notify,
    stopping: AtomicBool,
    online: AtomicBool,
    backlog: AtomicI64,
    state: Mutex<StationState>,
    watched: Mutex<Option<String>>,
    skew_ms: Mutex<Option<i64>>,
    last_why: Mutex<Option<String>>,
}

#[derive(Default)]
struct Waiters {
    open: HashMap<i64, oneshot::Sender<ClaimResult>>,
    /// Everything up to this id is answered; conflicts among them are in `conflicts`.
    through: i64,
    conflicts: HashMap<i64, ClaimResult>,
}

impl Inner {
    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn emit(&self, e: LineEvent) {
        let _ = self.events.send(e);
    }

    fn set_online(&self, online: bool, why: Option<String>) {
        let was = self.online.swap(online, Ordering::SeqCst);
        if !online {
            // Nobody waits on a store that is gone: their scans are claimed later.
            let open: Vec<_> = Self::lock(&self.waiters).open.drain().collect();
            for (_, tx) in open {
                let _ = tx.send(ClaimResult::Offline);
            }
        }
        let changed = {
            let mut last = Self::lock(&self.last_why);
            let changed = was != online || *last != why;
            *last = why.clone();
            changed
        };
        if changed {
            self.emit(LineEvent::Status(LineStatus { online, why, backlog: self.backlog.load(Ordering::SeqCst) }));
        }
    }

    async fn sleep_or_stop(&self, d: Duration) {
        tokio::select! {
            _ = tokio::time::sleep(d) => {}
            _ = self.stop_wake.notified() => {}
        }
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

/// The station's handle on the line store. Cheap to clone; background tasks end on `stop`.
#[derive(Clone)]
pub struct LineStore {
    inner: Arc<Inner>,
    tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl LineStore {
    /// Starts the claimer, the audit copy, the heartbeat with the clock check, and the counters'
    /// listener, for the journal at `journal` (which must exist). Never waits for the store:
    /// while it is unreachable the station works on and `events` says so. Must run inside tokio.
    pub fn start(
        cfg: &LineStoreConfig,
        journal: &Path,
        audit_sink: AuditSink,
    ) -> Result<(LineStore, mpsc::UnboundedReceiver<LineEvent>), Error> {
        // Opening the journal brings its schema (the outbox is migration 6) up to date.
        drop(crate::scan::journal::Journal::open(journal).map_err(|e| Error::JournalOpen(e.to_string()))?);
        let conn = rusqlite::Connection::open(journal)?;
        let waiting = backlog::waiting(&conn)?;
        let through = backlog::claimed_through(&conn)?;
        drop(conn);
        let (tx, rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            cfg: cfg.clone(),
            pool: connect::pool(cfg, 4)?,
            journal: journal.to_path_buf(),
            events: tx,
            audit_sink,
            waiters: Mutex::new(Waiters { through, ..Waiters::default() }),
            claim_wake: Notify::new(),
            audit_wake: Notify::new(),
            report_wake: Notify::new(),
            watch_wake: Notify::new(),
            stop_wake: Notify::new(),
            stopping: AtomicBool::new(false),
            online: AtomicBool::new(false),
            backlog: AtomicI64::new(waiting),
            state: Mutex::new(StationState::default()),
            watched: Mutex::new(None),
            skew_ms: Mutex::new(None),
            last_why: Mutex::new(Some("connecting to the line store".into())),
        });
        inner.emit(LineEvent::Status(LineStatus {
            online: false,
            why: Some("connecting to the line store".into()),
            backlog: waiting,
        }));
        let tasks = vec![
            tokio::spawn(tasks::claimer(inner.clone())),
            tokio::spawn(tasks::audit_copier(inner.clone())),
            tokio::spawn(tasks::heartbeat(inner.clone())),
            tokio::spawn(tasks::counters(inner.clone())),
        ];
        Ok((LineStore { inner, tasks: Arc::new(Mutex::new(tasks)) }, rx))
    }

    /// Claims journaled scans (their journal row ids, as `Appended::Accepted` gave them) and
    /// answers for each, in order, within `CLAIM_WAIT`; what the store has not answered by then
    /// is `Offline` and is claimed later (a conflict then is a LATE DUPLICATE).
    pub async fn claim(&self, scan_ids: &[i64]) -> Vec<ClaimResult> {
        let inner = &self.inner;
        let mut slots: Vec<Result<ClaimResult, oneshot::Receiver<ClaimResult>>> = Vec::with_capacity(scan_ids.len());
        {
            let online = inner.online.load(Ordering::SeqCst);
            let mut w = Inner::lock(&inner.waiters);
            for id in scan_ids {
                if *id <= w.through {
                    slots.push(Ok(w.conflicts.get(id).cloned().unwrap_or(ClaimResult::Claimed)));
                } else if !online {
                    inner.backlog.fetch_add(1, Ordering::SeqCst);
                    slots.push(Ok(ClaimResult::Offline));
                } else {
                    let (tx, rx) = oneshot::channel();
                    w.open.insert(*id, tx);
                    slots.push(Err(rx));
                }
            }
        }
        inner.claim_wake.notify_one();
        if !inner.online.load(Ordering::SeqCst) && !scan_ids.is_empty() {
            // The screen's "N unchecked" follows the backlog while the store is away.
            let why = Inner::lock(&inner.last_why).clone();
            inner.emit(LineEvent::Status(LineStatus {
                online: false,
                why,
                backlog: inner.backlog.load(Ordering::SeqCst),
            }));
        }
        let deadline = tokio::time::Instant::now() + CLAIM_WAIT;
        let mut out = Vec::with_capacity(slots.len());
        for (id, slot) in scan_ids.iter().zip(slots) {
            out.push(match slot {
                Ok(r) => r,
                Err(mut rx) => match tokio::time::timeout_at(deadline, &mut rx).await {
                    Ok(Ok(r)) => r,
                    _ => {
                        // Gone from the waiters now, so a conflict found later counts as late;
                        // unless the answer slipped in meanwhile.
                        let removed = Inner::lock(&inner.waiters).open.remove(id).is_some();
                        if removed {
                            ClaimResult::Offline
                        } else {
                            rx.try_recv().unwrap_or(ClaimResult::Offline)
                        }
                    }
                },
            });
        }
        out
    }

    /// Claims a serial generated here for a label of `order_id`, line-wide, before it is
    /// printed: `Ok(false)` when another station printed it or a pack of the line carries it.
    /// Asked directly (not through the backlog): a label must not wait for a store that is away.
    pub async fn claim_printed_serial(&self, order_id: &str, gtin: &str, serial: &str) -> Result<bool, Error> {
        let cfg = &self.inner.cfg;
        let c = connect::get(&self.inner.pool, cfg).await?;
        claims::claim_printed_serial(&c, &cfg.station, &cfg.line, order_id, gtin, serial).await
    }

    /// What the station reports to the board: call it on every change (operator, active
    /// order, counters, alarm); it is also sent every few seconds as a sign of life.
    pub fn report(&self, state: StationState) {
        *Inner::lock(&self.inner.state) = state;
        self.inner.report_wake.notify_one();
    }

    /// The order whose line counters `events` should carry (the active order).
    pub fn watch_order(&self, order_id: Option<String>) {
        *Inner::lock(&self.inner.watched) = order_id;
        self.inner.watch_wake.notify_one();
    }

    /// Tells the audit copy that new local rows are there (it also looks every few seconds).
    pub fn audit_written(&self) {
        self.inner.audit_wake.notify_one();
    }

    /// Whether the line-wide check works right now, and the backlog.
    pub fn status(&self) -> LineStatus {
        LineStatus {
            online: self.inner.online.load(Ordering::SeqCst),
            why: None,
            backlog: self.inner.backlog.load(Ordering::SeqCst),
        }
    }

    /// The Lagerkoll budget window shared by every station using this API key and store.
    pub fn shared_budget(
        &self,
        api_key: &crate::config::Secret,
        store: &crate::config::Secret,
        per_minute: u32,
    ) -> Arc<budget::SharedBudget> {
        budget::SharedBudget::new(
            self.inner.pool.clone(),
            self.inner.cfg.clone(),
            budget::key_hash(api_key, store),
            per_minute,
            crate::api::budget::WINDOW,
        )
    }

    /// Says goodbye to the board (the station stopped rather than went silent) and ends the
    /// background tasks. Waits at most a few seconds for the store.
    pub async fn stop(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        self.inner.stop_wake.notify_waiters();
        let state = Inner::lock(&self.inner.state).clone();
        let bye = async {
            let c = connect::get(&self.inner.pool, &self.inner.cfg).await?;
            let backlog = self.inner.backlog.load(Ordering::SeqCst);
            heartbeat::report(&c, &self.inner.cfg.station, &self.inner.cfg.line, &state, None, backlog, true).await
        };
        if let Ok(Err(e)) = tokio::time::timeout(Duration::from_secs(3), bye).await {
            tracing::warn!("could not tell the line store this station stops: {e}");
        }
        for t in Inner::lock(&self.tasks).drain(..) {
            t.abort();
        }
    }
}
