//! The dashboard's vocabulary: the messages `update` takes, the effects it asks the runtime to
//! carry out, the tabs, and the settings fixed for a run. No behaviour lives here.

use super::clock::{Clock, Stamp};
use super::theme::Theme;
use crate::config::access::Operator;
use crate::config::file::TagFile;
use crate::config::keys::Action;
use crate::config::secret::Secret;
use crate::config::{KeyMap, ScanConfig};
use crate::domain::audit::NewEntry;
use crate::domain::manufacturer::PackagingOrder;
use crate::input::key::Key;
use crate::input::router::Input;
use crate::input::scanner::ScannerSettings;
use crate::label_log::LabelRecord;
pub use crate::printing::engine::{PrintOrder, RunEvent, VerifyOutcome};
pub use crate::printing::printer::Status as PrinterStatus;
pub use crate::printing::store::{Actor as LabelActor, Reconciliation};
use crate::scan::journal::{Actor, Appended, NewScan, ScanStats};
use crate::worker::commission::Progress;
use crate::worker::{Request, Response};
use std::time::Duration;

/// What the app needs from the config, fixed for a run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub station_id: String,
    pub line: String,
    pub keys: KeyMap,
    pub theme: Theme,
    pub destinations: Vec<TagFile>,
    pub templates: Vec<TagFile>,
    pub scanner: ScannerSettings,
    pub scan: ScanConfig,
    pub demo: bool,
    pub access: AccessSettings,
    /// A line store is configured: scans are claimed line-wide and the board hears of us.
    pub line_store: bool,
    /// Draw with ASCII only (the terminal is no UTF-8 one).
    pub ascii: bool,
    /// The station's own printers (`[[printers]]`), by name, for the Print tab.
    pub printers: Vec<String>,
}

/// The station's access rules, fixed for a run.
#[derive(Debug, Clone, Default)]
pub struct AccessSettings {
    pub kiosk: bool,
    /// Tabs reachable while locked (the Scan tab always is).
    pub tabs: Vec<Tab>,
    pub supervisor_pin_hash: Option<Secret>,
    pub relock_idle: Duration,
    pub badge_prefix: String,
    pub idle_signout: Option<Duration>,
    pub operators: Vec<Operator>,
    /// Which actions need a supervisor's electronic signature, and how.
    pub signatures: crate::config::signatures::SignaturesConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Packaging,
    Labels,
    Production,
    Scan,
    Print,
}

impl Tab {
    pub const ALL: [Tab; 5] = [Tab::Packaging, Tab::Labels, Tab::Production, Tab::Scan, Tab::Print];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Packaging => "Packaging",
            Tab::Labels => "Labels",
            Tab::Production => "Production",
            Tab::Scan => "Scan",
            Tab::Print => "Print",
        }
    }

    pub fn action(self) -> Action {
        match self {
            Tab::Packaging => Action::TabPackaging,
            Tab::Labels => Action::TabLabels,
            Tab::Production => Action::TabProduction,
            Tab::Scan => Action::TabScan,
            Tab::Print => Action::TabPrint,
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    /// The tab a `[kiosk] tabs` name stands for.
    pub fn named(name: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.title().eq_ignore_ascii_case(name))
    }
}

/// Who sent a request, so its answer goes back there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    Tab(Tab),
    App,
}

/// A key as a screen receives it: `burst` when it came inside a burst of fast keys (a scanner
/// typing something that was not a scan): such a key may type into a field, nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyIn {
    pub key: Key,
    pub burst: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Unknown,
    Online,
    Slow(u64),
    Offline(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info,
    Ok,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub severity: Severity,
    pub text: String,
}

/// Whose PIN a prompt asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinFor {
    Supervisor,
    Operator(String),
    /// The supervisor lets a full order take more packs.
    AllowMore,
}

/// Whose PIN is being checked: the PIN prompt's, or a person's signing (their id: the PIN is
/// checked against their hash only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinCheck {
    Prompt(PinFor),
    Signer(String),
}

/// Timers the runtime runs for the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    PinLockoutOver,
    /// The message with this number has been shown long enough.
    FlashExpired(u64),
}

#[derive(Debug, Clone)]
pub enum Msg {
    /// Keyboard and scanner input as the router classified it, with when it arrived.
    Input(Input, Stamp),
    /// Bytes from the terminal that were not input (broken escape sequences, replies) and were
    /// given up.
    Dropped(u64),
    Resize(u16, u16),
    /// The clock moved on (sent every minute).
    Tick(Clock),
    RefreshDue,
    /// A worker result (boxed: it is much larger than the other messages).
    Api(Box<Response>),
    /// The journal's answer for scans sent to it, in order.
    Journaled(Vec<(NewScan, Result<Appended, String>)>),
    /// Counters and last scans of the active order, read from the journal.
    ScanStats(Box<ScanStats>),
    /// The journal's answer to `Effect::FindScan`.
    ScanFound {
        gtin: String,
        serial: String,
        row: Option<Box<crate::scan::journal::ScanRow>>,
    },
    /// News from the line store (only with `[line_store]`): online or not, line counters,
    /// late duplicates, the clock.
    Line(crate::line_store::LineEvent),
    /// News from the commissioning pipeline.
    Pipeline(Progress),
    /// The answer to `Effect::CheckPin`.
    PinChecked {
        purpose: PinCheck,
        ok: bool,
    },
    /// A timer asked for with `Effect::After` ran out.
    Timer(Timer),
    /// No key has been pressed for this long (sent when `App::next_idle_limit` is reached).
    Idle(Duration),
    /// An effect could not be carried out; the text says what and what to do.
    EffectFailed(String),
    /// News from the station's printers and the print run.
    Print(PrintNews),
    /// The dashboard is about to end (quit, signal, terminal gone).
    Stopping,
}

/// What the Print tab asks of the printers (carried out by `tui::print_desk`).
#[derive(Debug, Clone)]
pub enum PrintJob {
    /// Poll the printers (the Print tab is shown) or stop polling them.
    Watch(bool),
    /// Start a run of `count` labels for the order on the named printer; with `ahead`, a
    /// continuous run that keeps that many labels waiting, `count` at most (the order's room).
    Start { printer: String, order: PrintOrder, count: u32, ahead: Option<u32>, actor: LabelActor },
    /// A scan of an applied label, to verify.
    Verify(String),
    /// Send no more labels.
    Stop,
    /// Go on after a fault, once the printer is ready.
    Resume,
    /// End the run (refused while printed labels wait for their scan).
    Finish,
    /// Void every printed label of the run still waiting for its scan (damaged or lost), with
    /// the operator's reason, so the run can end.
    VoidWaiting(String),
}

/// News for the Print tab.
#[derive(Debug, Clone)]
pub enum PrintNews {
    /// A printer's state as last learnt.
    Printer(PrinterStatus),
    /// The run started (its id), or why it did not.
    Started(Result<String, String>),
    /// Something happened in the run.
    Run(RunEvent),
    /// At start: voided labels (order, serial) whose removal nobody has confirmed yet.
    ToRemove(Vec<(String, String)>),
    /// The answer to a verifying scan.
    Verified { raw: String, outcome: Result<VerifyOutcome, String> },
    /// The answer to `Finish`.
    Finished(Result<Reconciliation, String>),
    /// `Stop` or `Resume` was refused.
    Refused(String),
    /// The waiting labels were voided (how many), or why not.
    VoidedWaiting(Result<usize, String>),
}

#[derive(Debug, Clone)]
pub enum Effect {
    Api(Request),
    SaveLabel(LabelRecord),
    /// Journal an accepted scan (the runtime stamps the time and group-commits a burst).
    Journal(NewScan),
    RecordAlarm {
        order_id: Option<String>,
        kind: String,
        raw: String,
        message: String,
        actor: Actor,
    },
    AckAlarms(Actor),
    /// Acknowledge the open alarms of this kind only.
    AckAlarmsOf(Actor, String),
    /// Keep the active order in the journal, so a restart resumes it.
    SaveActive(PackagingOrder),
    /// Read the counters and last scans of this order.
    RefreshScanStats(String),
    /// Look a scan up in the journal by GTIN and serial (answered as `Msg::ScanFound`).
    FindScan {
        gtin: String,
        serial: String,
    },
    /// Record in the journal that a serial was decommissioned, and why.
    MarkDecommissioned {
        row: i64,
        reason: String,
        actor: Actor,
        /// The supervisor's signature, when decommissioning is a signed action.
        signed: Option<crate::domain::audit::Signed>,
    },
    /// Check a PIN against its Argon2 hash off the UI thread; answered with `Msg::PinChecked`.
    CheckPin {
        pin: Secret,
        hash: Secret,
        purpose: PinCheck,
    },
    /// Send `Msg::Timer` after this long.
    After(Duration, Timer),
    /// Append a row to the audit trail.
    Audit(NewEntry),
    /// Who is signed in now (`None`: nobody), written into the instance lock so a second
    /// dashboard on this station can name them.
    Operator(Option<String>),
    /// The order whose line counters the line store should send (only with `[line_store]`).
    LineWatch(Option<String>),
    /// What this station shows, for the line's board (only with `[line_store]`).
    LineReport(crate::line_store::StationState),
    /// A journaled scan whose pack another station claimed first: not commissioned from here
    /// if it has not gone out yet.
    NotOurs {
        row: i64,
        reason: String,
    },
    /// Something for the station's printers.
    Print(PrintJob),
    Bell,
    Quit,
}
