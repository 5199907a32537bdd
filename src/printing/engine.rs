//! The print run: prints N labels (or until stopped) for one order on one printer, one label
//! in flight at a time, and closes the loop with the verifying scan of each label.
//!
//! For every label: a fresh serial is allocated (unused for the GTIN), marked Sent *before* the
//! job leaves (a crash after sending can then only void it, never print it again), sent with
//! `^JZN`, and marked Printed once the printer has nothing of it left to print. A fault or a
//! broken connection while a label is out voids it (it may or may not be on the roll: the
//! operator is told to look for it and remove it), cancels what the printer still holds (`~JA`),
//! and halts the run until the operator resumes it; the labels still to print get new serials.
//! Nothing is sent to a printer known to be faulted. A run cannot end while a printed label is
//! neither verified by its scan nor voided.

use super::printer::{Printer, RunClaim, Status};
use super::serials::{LineClaim, SerialError, SerialSource};
use super::store::{self, Actor, LabelRow, LabelState, LabelStore, NewLabel, Reconciliation, StoreError};
use crate::domain::zebra::PrinterState;
use crate::domain::zpl::LabelData;
use crate::scan::gs1;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// What a run prints: the order's product, batch and expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintOrder {
    pub order_id: String,
    pub gtin: String,
    pub batch: String,
    /// YYMMDD.
    pub expiry: String,
}

#[derive(Debug, Clone)]
pub struct RunSpec {
    pub order: PrintOrder,
    /// Labels to print; `None` prints until `stop()`. In a continuous run (`ahead`), the most
    /// labels that may go on packs (printed and not voided): the order's room.
    pub count: Option<u32>,
    /// A continuous run: keeps this many printed labels waiting for their scan, printing the
    /// next one each time one is verified or voided, until stopped or `count` is reached.
    pub ahead: Option<u32>,
    pub actor: Actor,
}

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Between two status questions while a label is out.
    pub poll: Duration,
    /// Serial candidates tried before giving up (each taken one is skipped).
    pub max_serial_tries: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { poll: Duration::from_millis(100), max_serial_tries: 1000 }
    }
}

/// What the run reports, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// The printer's state as the run learnt it (only when it changed).
    Printer(Status),
    /// Label `n` of the run (counting from 1) left for the printer.
    Sent {
        serial: String,
        n: u32,
    },
    /// The printer has it printed.
    Printed {
        serial: String,
        n: u32,
    },
    Verified {
        serial: String,
    },
    /// Labels voided, with why. `check_and_remove` is 0 (none was printed) or all of them: they
    /// may be on the roll (sent, never confirmed) or are at the station (printed, voided by the
    /// operator), and must be found and removed.
    Voided {
        serials: Vec<String>,
        reason: String,
        check_and_remove: usize,
    },
    /// Nothing more is sent until `resume()`: the printer is faulted or unreachable.
    Halted {
        state: PrinterState,
        message: String,
    },
    Resumed,
    /// Every label asked for is printed; the run waits for the verifying scans.
    AllPrinted {
        printed: u32,
    },
    /// `stop()` took effect: no more labels are sent.
    Stopped,
    /// The balance after a change.
    Balance(Reconciliation),
    /// The label records could not be written: the run stops printing.
    Failed(String),
    Ended(Reconciliation),
}

/// Why a scan was not taken as the verification of a printed label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unreadable,
    NoSerial,
    WrongProduct,
    WrongBatch,
    WrongExpiry,
    /// A serial this station never printed (or printed for another order).
    NotPrintedHere,
    /// Sent to the printer, but not confirmed printed yet.
    NotConfirmed,
    /// The label was voided: it must not be on a pack.
    Voided,
    /// Scanned before: already verified or commissioned.
    AlreadyVerified,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// The label was Printed and is now Verified: hand it to commissioning.
    Verified(Box<LabelRow>),
    Refused {
        refusal: Refusal,
        serial: Option<String>,
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("order {order} cannot be printed: {why}")]
    BadOrder { order: String, why: String },
    #[error("printer {printer} is {word}: {todo}. Nothing is sent to a printer in that state")]
    PrinterNotReady { printer: String, word: String, todo: String },
    #[error("{waiting} printed label(s) are neither verified nor voided: scan each one, or void it with a reason, before the run ends")]
    Unverified { waiting: usize },
    #[error("{0} label(s) are still with the printer; wait for them or stop the run")]
    InFlight(usize),
    #[error("{serial} is not a label of this run")]
    UnknownLabel { serial: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Serial(#[from] SerialError),
    #[error("printer {0} is already printing another run; end that run first")]
    PrinterBusy(String),
    #[error("the print run has ended")]
    Ended,
}

enum Command {
    Verify(String, oneshot::Sender<Result<VerifyOutcome, RunError>>),
    Stop(oneshot::Sender<()>),
    Resume(oneshot::Sender<Result<(), RunError>>),
    Void(String, String, oneshot::Sender<Result<(), RunError>>),
    Finish(String, oneshot::Sender<Result<Reconciliation, RunError>>),
    Balance(oneshot::Sender<Result<Reconciliation, RunError>>),
}

/// The screen's hold on a running print run.
#[derive(Clone)]
pub struct RunHandle {
    pub run_id: String,
    tx: mpsc::UnboundedSender<Command>,
}

impl RunHandle {
    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, RunError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(make(tx)).map_err(|_| RunError::Ended)?;
        rx.await.map_err(|_| RunError::Ended)
    }

    /// A scan of an applied label: a Printed serial of this order becomes Verified.
    pub async fn verify(&self, scan: &str) -> Result<VerifyOutcome, RunError> {
        self.ask(|tx| Command::Verify(scan.to_string(), tx)).await?
    }

    /// No more labels are sent; a label already out is still confirmed or voided (voided at once
    /// when the printer is paused, so the run can end).
    pub async fn stop(&self) -> Result<(), RunError> {
        self.ask(Command::Stop).await
    }

    /// Goes on after a halt, once the printer is ready again (refused while it is not).
    pub async fn resume(&self) -> Result<(), RunError> {
        self.ask(Command::Resume).await?
    }

    /// Voids one label of this run (damaged, lost) with the operator's reason.
    pub async fn void(&self, serial: &str, reason: &str) -> Result<(), RunError> {
        self.ask(|tx| Command::Void(serial.to_string(), reason.to_string(), tx)).await?
    }

    /// Ends the run; refused while a printed label is neither verified nor voided.
    pub async fn finish(&self, reason: &str) -> Result<Reconciliation, RunError> {
        self.ask(|tx| Command::Finish(reason.to_string(), tx)).await?
    }

    /// The run's balance now.
    pub async fn balance(&self) -> Result<Reconciliation, RunError> {
        self.ask(Command::Balance).await?
    }
}

fn check_order(o: &PrintOrder) -> Result<(), String> {
    use crate::domain::manufacturer::{is_cset82, SERIAL_MAX_LEN};
    crate::domain::gtin::validate(&o.gtin).map_err(|e| format!("product code {}: {e:?}", o.gtin))?;
    if o.batch.is_empty() || o.batch.chars().count() > SERIAL_MAX_LEN || !o.batch.chars().all(is_cset82) {
        return Err(format!("batch \"{}\" is not 1-20 GS1 characters (AI 10)", o.batch));
    }
    crate::domain::date::parse_yymmdd(&o.expiry, true, crate::domain::date::current_year())
        .map_err(|e| format!("expiry \"{}\": {e}", o.expiry))?;
    Ok(())
}

/// Starts a run: checks the order and the printer, records the run, voids labels this printer
/// left unconfirmed earlier (a crash, a previous run), and spawns the run's task.
pub async fn start(
    printer: Arc<Printer>,
    store: LabelStore,
    source: Box<dyn SerialSource>,
    line_claim: Option<LineClaim>,
    spec: RunSpec,
    settings: Settings,
) -> Result<(RunHandle, mpsc::UnboundedReceiver<RunEvent>), RunError> {
    check_order(&spec.order).map_err(|why| RunError::BadOrder { order: spec.order.order_id.clone(), why })?;
    let claim = printer.claim_run().ok_or_else(|| RunError::PrinterBusy(printer.name().to_string()))?;
    let status = printer.query().await;
    if !status.state.accepts_jobs() {
        return Err(not_ready(&printer, &status.state));
    }
    let run_id = format!("{}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"), printer.name());
    let (events, rx_events) = mpsc::unbounded_channel();
    // A continuous run is recorded as such (its audit row says "continuous").
    let requested = if spec.ahead.is_some() { None } else { spec.count };
    let (ptr, o, actor, id, count) =
        (printer.name().to_string(), spec.order.clone(), spec.actor.clone(), run_id.clone(), requested);
    let leftovers = store
        .write(move |c| {
            let mut voided = Vec::new();
            for l in store::unconfirmed(c, &ptr)? {
                let why = "the station stopped before the printer confirmed this label";
                voided.push(store::transition(c, l.id, LabelState::Voided, Some(why), &actor)?);
            }
            store::start_run(c, &id, &o.order_id, &ptr, count, &actor)?;
            Ok(voided)
        })
        .await?;
    // Two events: the labels that may be out (to find and remove) apart from those never sent.
    let (out, unsent): (Vec<LabelRow>, Vec<LabelRow>) = leftovers.into_iter().partition(|l| l.to_check_and_remove());
    for (labels, check) in [(out, true), (unsent, false)] {
        if !labels.is_empty() {
            let _ = events.send(RunEvent::Voided {
                check_and_remove: if check { labels.len() } else { 0 },
                serials: labels.into_iter().map(|l| l.serial).collect(),
                reason: "the station stopped before the printer confirmed these labels".into(),
            });
        }
    }
    let _ = events.send(RunEvent::Printer(status.clone()));
    let (tx, rx) = mpsc::unbounded_channel();
    let run = Run {
        claim: Some(claim),
        id: run_id.clone(),
        printer,
        store,
        source,
        line_claim,
        spec,
        settings,
        events,
        rx,
        in_flight: None,
        sent: 0,
        printed: 0,
        verified: 0,
        voided_printed: 0,
        halted: None,
        stopping: false,
        all_printed_said: false,
        last_state: Some(status.state),
    };
    tokio::spawn(run.go());
    Ok((RunHandle { run_id, tx }, rx_events))
}

fn not_ready(printer: &Printer, state: &PrinterState) -> RunError {
    RunError::PrinterNotReady {
        printer: printer.name().to_string(),
        word: state.word(),
        todo: state.what_to_do().unwrap_or("wait until it is ready").to_string(),
    }
}

struct InFlight {
    label: LabelRow,
    n: u32,
    seen_pending: bool,
    zero_reads: u32,
}

struct Run {
    /// The printer is this run's until the run ends.
    claim: Option<RunClaim>,
    id: String,
    printer: Arc<Printer>,
    store: LabelStore,
    source: Box<dyn SerialSource>,
    line_claim: Option<LineClaim>,
    spec: RunSpec,
    settings: Settings,
    events: mpsc::UnboundedSender<RunEvent>,
    rx: mpsc::UnboundedReceiver<Command>,
    in_flight: Option<InFlight>,
    sent: u32,
    printed: u32,
    /// Of the printed labels of this run: verified by their scan, and voided.
    verified: u32,
    voided_printed: u32,
    /// Why the run halted (a fault or a broken connection), until resumed.
    halted: Option<PrinterState>,
    stopping: bool,
    all_printed_said: bool,
    last_state: Option<PrinterState>,
}

impl Run {
    fn emit(&self, e: RunEvent) {
        let _ = self.events.send(e);
    }

    fn wants_more(&self) -> bool {
        if self.stopping || self.halted.is_some() {
            return false;
        }
        match self.spec.ahead {
            None => self.spec.count.is_none_or(|n| self.printed < n),
            Some(ahead) => self.waiting() < ahead && self.spec.count.is_none_or(|n| self.live() < n),
        }
    }

    /// Printed labels of this run still waiting for their scan.
    fn waiting(&self) -> u32 {
        self.printed.saturating_sub(self.verified + self.voided_printed)
    }

    /// Printed labels of this run that are, or may yet be, on a pack.
    fn live(&self) -> u32 {
        self.printed.saturating_sub(self.voided_printed)
    }

    async fn go(mut self) {
        let mut handles_gone = false;
        loop {
            let busy = self.in_flight.is_some() || self.wants_more();
            if handles_gone && !busy {
                return;
            }
            tokio::select! {
                cmd = self.rx.recv(), if !handles_gone => match cmd {
                    Some(Command::Finish(reason, reply)) => {
                        let r = self.finish(&reason).await;
                        let ended = r.is_ok();
                        if ended {
                            // Free before answering, so the next run can start at once.
                            self.claim = None;
                        }
                        let _ = reply.send(r);
                        if ended {
                            return;
                        }
                    }
                    Some(c) => self.command(c).await,
                    // Every handle is gone: print nothing more; the records stay for `labels`.
                    None => {
                        self.stopping = true;
                        handles_gone = true;
                    }
                },
                _ = tokio::time::sleep(self.settings.poll), if busy => {
                    if let Err(e) = self.step().await {
                        self.stopping = true;
                        self.emit(RunEvent::Failed(e.to_string()));
                    }
                }
            }
        }
    }

    async fn command(&mut self, c: Command) {
        match c {
            Command::Verify(scan, reply) => {
                let r = self.verify(&scan).await;
                let _ = reply.send(r);
            }
            Command::Stop(reply) => {
                self.stopping = true;
                // A label held by a paused (or halted) printer would keep the run from ending:
                // stopping gives it up, and ~JA makes sure it never comes out.
                if self.halted.is_some() || self.last_state == Some(PrinterState::Paused) {
                    if let Some(f) = self.in_flight.take() {
                        let why = "the run was stopped before the printer confirmed this label";
                        if let Err(e) = self.void_out(f.label, why, true).await {
                            self.emit(RunEvent::Failed(e.to_string()));
                        }
                    }
                }
                self.emit(RunEvent::Stopped);
                let _ = reply.send(());
            }
            Command::Resume(reply) => {
                let r = self.resume().await;
                let _ = reply.send(r);
            }
            Command::Void(serial, reason, reply) => {
                let r = self.void_one(&serial, &reason).await;
                let _ = reply.send(r);
            }
            Command::Balance(reply) => {
                let _ = reply.send(self.balance().await);
            }
            Command::Finish(..) => {}
        }
    }

    async fn balance(&self) -> Result<Reconciliation, RunError> {
        let (id, order, actor) = (self.id.clone(), self.spec.order.order_id.clone(), self.spec.actor.clone());
        let rows = self
            .store
            .write(move |c| {
                // Labels scanned or commissioned since are shown as such.
                store::sync_with_scans(c, &actor)?;
                Ok(store::by_run(c, &id)?)
            })
            .await?;
        Ok(Reconciliation::of(&order, &rows))
    }

    async fn say_balance(&self) {
        if let Ok(b) = self.balance().await {
            self.emit(RunEvent::Balance(b));
        }
    }

    fn note_state(&mut self, s: &Status) {
        if self.last_state.as_ref() != Some(&s.state) {
            self.last_state = Some(s.state.clone());
            self.emit(RunEvent::Printer(s.clone()));
        }
    }

    async fn step(&mut self) -> Result<(), RunError> {
        if self.in_flight.is_some() {
            return self.confirm().await;
        }
        if !self.wants_more() {
            return Ok(());
        }
        let status = self.printer.query().await;
        self.note_state(&status);
        match &status.state {
            PrinterState::Ready => self.print_next().await,
            // Labels of someone else still in the printer, or a pause: wait.
            PrinterState::Printing { .. } | PrinterState::Paused | PrinterState::Unknown => Ok(()),
            other => {
                self.halt(other.clone(), not_ready(&self.printer, other).to_string());
                Ok(())
            }
        }
    }

    fn halt(&mut self, state: PrinterState, message: String) {
        self.halted = Some(state.clone());
        self.emit(RunEvent::Halted { state, message });
    }

    async fn allocate(&mut self) -> Result<LabelRow, RunError> {
        let o = self.spec.order.clone();
        let mut tries = 0;
        while tries < self.settings.max_serial_tries {
            let batch = self.source.candidates(&o.gtin, 4).await?;
            if batch.is_empty() {
                return Err(SerialError::Source("the serial source has no more serials".into()).into());
            }
            for serial in batch {
                tries += 1;
                if let Some(claim) = &self.line_claim {
                    match claim(o.order_id.clone(), o.gtin.clone(), serial.clone()).await {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(message) => return Err(SerialError::LineStore { serial, message }.into()),
                    }
                }
                let (o, id, printer, actor) =
                    (o.clone(), self.id.clone(), self.printer.name().to_string(), self.spec.actor.clone());
                let row = self
                    .store
                    .write(move |c| {
                        let l = NewLabel {
                            run_id: &id,
                            order_id: &o.order_id,
                            printer: &printer,
                            gtin: &o.gtin,
                            batch: &o.batch,
                            expiry: &o.expiry,
                            serial: &serial,
                        };
                        Ok(store::allocate(c, &l, &actor)?)
                    })
                    .await?;
                if let Some(row) = row {
                    return Ok(row);
                }
            }
        }
        Err(SerialError::Exhausted { gtin: o.gtin, tries }.into())
    }

    async fn move_to(&self, id: i64, to: LabelState, reason: Option<String>) -> Result<LabelRow, RunError> {
        let actor = self.spec.actor.clone();
        Ok(self.store.write(move |c| store::transition(c, id, to, reason.as_deref(), &actor)).await?)
    }

    async fn print_next(&mut self) -> Result<(), RunError> {
        let label = self.allocate().await?;
        let o = &self.spec.order;
        let data = LabelData {
            order_id: o.order_id.clone(),
            gtin: o.gtin.clone(),
            batch: o.batch.clone(),
            expiry: o.expiry.clone(),
            serial: label.serial.clone(),
        };
        let zpl = self.printer.config.render(&data);
        // Sent before it leaves: if the station dies in between, the label is voided, never resent.
        let label = self.move_to(label.id, LabelState::Sent, None).await?;
        self.sent += 1;
        let n = self.sent;
        self.emit(RunEvent::Sent { serial: label.serial.clone(), n });
        if let Err(e) = self.printer.send(&zpl).await {
            let reason = format!("the job could not be sent completely: {e}");
            self.void_out(label, &reason, true).await?;
            let state = self.printer.last().state;
            self.halt(state, e.to_string());
            return Ok(());
        }
        self.in_flight = Some(InFlight { label, n, seen_pending: false, zero_reads: 0 });
        Ok(())
    }

    /// Voids a label that was out and tells the printer to drop whatever it still holds.
    async fn void_out(&mut self, label: LabelRow, reason: &str, check: bool) -> Result<(), RunError> {
        let row = self.move_to(label.id, LabelState::Voided, Some(reason.to_string())).await?;
        self.emit(RunEvent::Voided {
            serials: vec![row.serial.clone()],
            reason: reason.to_string(),
            check_and_remove: usize::from(check && row.to_check_and_remove()),
        });
        // ~JA cancels every format still in the printer, so a voided label cannot come out later.
        let _ = self.printer.send("~JA\r\n").await;
        self.say_balance().await;
        Ok(())
    }

    async fn confirm(&mut self) -> Result<(), RunError> {
        let status = self.printer.query().await;
        self.note_state(&status);
        let pending = match &status.state {
            PrinterState::Ready => 0,
            PrinterState::Printing { pending } => *pending,
            // The label stays in the printer's buffer and comes out when the pause ends.
            PrinterState::Paused | PrinterState::Unknown => return Ok(()),
            state => {
                let Some(f) = self.in_flight.take() else { return Ok(()) };
                let reason = match state {
                    PrinterState::Offline { reason, .. } => {
                        format!(
                            "the connection to printer {} was lost before it confirmed this label ({reason})",
                            self.printer.name()
                        )
                    }
                    s => {
                        format!("printer {} reported {} before it confirmed this label", self.printer.name(), s.word())
                    }
                };
                self.void_out(f.label, &reason, true).await?;
                let message = not_ready(&self.printer, state).to_string();
                self.halt(state.clone(), message);
                return Ok(());
            }
        };
        let Some(f) = self.in_flight.as_mut() else { return Ok(()) };
        if pending > 0 {
            f.seen_pending = true;
            f.zero_reads = 0;
            return Ok(());
        }
        // A printer may answer ~HS before it has counted a job that just arrived; a label not
        // yet seen pending is taken as printed only after two empty answers in a row.
        f.zero_reads += 1;
        if !f.seen_pending && f.zero_reads < 2 {
            return Ok(());
        }
        let Some(f) = self.in_flight.take() else { return Ok(()) };
        let row = self.move_to(f.label.id, LabelState::Printed, None).await?;
        self.printed += 1;
        self.emit(RunEvent::Printed { serial: row.serial, n: f.n });
        self.say_balance().await;
        let done = if self.spec.ahead.is_some() { self.live() } else { self.printed };
        if let Some(n) = self.spec.count {
            if done >= n && !self.all_printed_said {
                self.all_printed_said = true;
                self.emit(RunEvent::AllPrinted { printed: self.printed });
            }
        }
        Ok(())
    }

    async fn resume(&mut self) -> Result<(), RunError> {
        if self.halted.is_none() {
            return Ok(());
        }
        // Whatever the printer may still hold of a voided label is dropped before going on.
        if self.printer.send("~JA\r\n").await.is_ok() {
            tokio::time::sleep(self.settings.poll).await;
        }
        let status = self.printer.query().await;
        self.note_state(&status);
        if !matches!(status.state, PrinterState::Ready) {
            return Err(not_ready(&self.printer, &status.state));
        }
        self.halted = None;
        self.emit(RunEvent::Resumed);
        Ok(())
    }

    async fn void_one(&mut self, serial: &str, reason: &str) -> Result<(), RunError> {
        let (id, s) = (self.id.clone(), serial.to_string());
        let rows = self.store.write(move |c| Ok(store::by_run(c, &id)?)).await?;
        let Some(label) = rows.into_iter().find(|l| l.serial == s) else {
            return Err(RunError::UnknownLabel { serial: serial.into() });
        };
        if self.in_flight.as_ref().is_some_and(|f| f.label.id == label.id) {
            return Err(RunError::InFlight(1));
        }
        let row = self.move_to(label.id, LabelState::Voided, Some(reason.to_string())).await?;
        match label.state {
            LabelState::Printed => self.voided_printed += 1,
            LabelState::Verified => {
                self.verified = self.verified.saturating_sub(1);
                self.voided_printed += 1;
            }
            _ => {}
        }
        // A printed label is a real label at the station: it must be taken away.
        let check_and_remove = usize::from(row.printed_at.is_some());
        self.emit(RunEvent::Voided { serials: vec![row.serial], reason: reason.into(), check_and_remove });
        self.say_balance().await;
        Ok(())
    }

    async fn verify(&mut self, scan: &str) -> Result<VerifyOutcome, RunError> {
        let refuse = |refusal, serial: Option<&str>, reason: String| {
            Ok(VerifyOutcome::Refused { refusal, serial: serial.map(String::from), reason })
        };
        let decoded = match gs1::decode(scan.trim_end_matches(['\r', '\n']), &gs1::Options::default()) {
            Ok(d) => d,
            Err(e) => return refuse(Refusal::Unreadable, None, format!("the code cannot be read: {e}")),
        };
        let o = &self.spec.order;
        let serial = decoded.get("21");
        let gtin = decoded.get("01").unwrap_or("");
        if gtin != o.gtin {
            return refuse(Refusal::WrongProduct, serial, format!("product {gtin} is not the order's {}", o.gtin));
        }
        let batch = decoded.get("10").unwrap_or("");
        if batch != o.batch {
            return refuse(Refusal::WrongBatch, serial, format!("batch {batch} is not the order's {}", o.batch));
        }
        let expiry = decoded.get("17").unwrap_or("");
        if expiry != o.expiry {
            return refuse(Refusal::WrongExpiry, serial, format!("expiry {expiry} is not the order's {}", o.expiry));
        }
        let Some(serial) = serial else {
            return refuse(Refusal::NoSerial, None, "the code has no serial (21)".into());
        };
        let (g, s, order, actor) = (o.gtin.clone(), serial.to_string(), o.order_id.clone(), self.spec.actor.clone());
        let result = self
            .store
            .write(move |c| {
                let Some(l) = store::find(c, &g, &s)? else { return Ok(Err((Refusal::NotPrintedHere, None))) };
                if l.order_id != order {
                    return Ok(Err((Refusal::NotPrintedHere, Some(l))));
                }
                match l.state {
                    LabelState::Printed => Ok(Ok(store::transition(c, l.id, LabelState::Verified, None, &actor)?)),
                    LabelState::Verified | LabelState::Commissioned => Ok(Err((Refusal::AlreadyVerified, Some(l)))),
                    LabelState::Voided => Ok(Err((Refusal::Voided, Some(l)))),
                    LabelState::Allocated | LabelState::Sent => Ok(Err((Refusal::NotConfirmed, Some(l)))),
                }
            })
            .await?;
        match result {
            Ok(row) => {
                if row.run_id == self.id {
                    self.verified += 1;
                }
                self.emit(RunEvent::Verified { serial: row.serial.clone() });
                self.say_balance().await;
                Ok(VerifyOutcome::Verified(Box::new(row)))
            }
            Err((refusal, row)) => {
                let reason = match (refusal, &row) {
                    (Refusal::NotPrintedHere, Some(l)) => {
                        format!("serial {serial} was printed for order {}, not {}", l.order_id, o.order_id)
                    }
                    (Refusal::NotPrintedHere, None) => format!("serial {serial} was not printed at this station"),
                    (Refusal::AlreadyVerified, _) => format!("serial {serial} was scanned before"),
                    (Refusal::Voided, Some(l)) => format!(
                        "serial {serial} was voided ({}): take this label off",
                        l.reason.as_deref().unwrap_or("no reason given")
                    ),
                    (Refusal::NotConfirmed, _) => {
                        format!("the printer has not confirmed serial {serial} yet; scan it again once it has")
                    }
                    _ => format!("serial {serial} cannot be verified"),
                };
                refuse(refusal, Some(serial), reason)
            }
        }
    }

    async fn finish(&mut self, reason: &str) -> Result<Reconciliation, RunError> {
        if self.in_flight.is_some() {
            return Err(RunError::InFlight(1));
        }
        let b = self.balance().await?;
        if b.waiting > 0 {
            return Err(RunError::Unverified { waiting: b.waiting });
        }
        let (id, actor, summary, why) = (self.id.clone(), self.spec.actor.clone(), b.line(), reason.to_string());
        self.store.write(move |c| Ok(store::end_run(c, &id, &why, &summary, &actor)?)).await?;
        self.emit(RunEvent::Ended(b.clone()));
        Ok(b)
    }
}
