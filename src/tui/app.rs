//! The dashboard's state and its one owner: `update(app, msg) -> effects`.
//!
//! `update` does no I/O. Keys, pastes, timer ticks and the worker's results come in as `Msg`s;
//! what must happen outside (an API call, saving a label order, the bell, quitting) goes out as
//! `Effect`s, and the runtime carries them out. So every behaviour here is testable without a
//! terminal or a network.

use super::tabs::labels::LabelsTab;
use super::tabs::packaging::PackagingTab;
use super::tabs::production::ProductionTab;
use super::tabs::scan::ScanTab;
use crate::api::ApiError;
use crate::config::file::TagFile;
use crate::config::keys::{Action, Key};
use crate::config::ScanConfig;
use crate::config::{KeyMap, Theme};
use crate::domain::manufacturer::{CreatePackagingOrder, LabelOrderRequest, PackagingOrder};
use crate::label_log::LabelRecord;
use crate::scan::journal::{Appended, NewScan, ScanStats};
use crate::scan::wedge::{Framer, WedgeConfig};
use crate::worker::commission::Progress;
use crate::worker::{Backend, Job, Outcome, Request, Response};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use std::collections::HashSet;
use std::time::Duration;

/// Calls slower than this show the backend as slow.
pub const SLOW: Duration = Duration::from_secs(2);

/// What the app needs from the config, fixed for a run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub station_id: String,
    pub line: String,
    pub keys: KeyMap,
    pub theme: Theme,
    pub destinations: Vec<TagFile>,
    pub templates: Vec<TagFile>,
    pub wedge: WedgeConfig,
    pub scan: ScanConfig,
    pub demo: bool,
    pub access: super::access::AccessSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Packaging,
    Labels,
    Production,
    Scan,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Packaging, Tab::Labels, Tab::Production, Tab::Scan];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Packaging => "Packaging",
            Tab::Labels => "Labels",
            Tab::Production => "Production",
            Tab::Scan => "Scan",
        }
    }

    pub fn action(self) -> Action {
        match self {
            Tab::Packaging => Action::TabPackaging,
            Tab::Labels => Action::TabLabels,
            Tab::Production => Action::TabProduction,
            Tab::Scan => Action::TabScan,
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock changed minute: local date and time, "YYYY-MM-DD HH:MM".
    Tick(String),
    RefreshDue,
    /// A worker result (boxed: it is much larger than the other messages).
    Api(Box<Response>),
    /// The journal's answer for scans sent to it, in order.
    Journaled(Vec<(NewScan, Result<Appended, String>)>),
    /// Counters and last scans of the active order, read from the journal.
    ScanStats(Box<ScanStats>),
    /// News from the commissioning pipeline.
    Pipeline(Progress),
    /// The answer to `Effect::CheckPin`.
    PinChecked {
        purpose: super::access::PinFor,
        ok: bool,
    },
    /// A timer asked for with `Effect::After` ran out.
    Timer(super::access::Timer),
    /// No key has been pressed for this long (sent when `access::next_idle_limit` is reached).
    Idle(Duration),
    /// The dashboard is about to end (quit, signal, terminal gone).
    Stopping,
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
    },
    AckAlarms,
    /// Keep the active order in the journal, so a restart resumes it.
    SaveActive(PackagingOrder),
    RefreshScanStats,
    /// Record in the journal that a serial was decommissioned, and why.
    MarkDecommissioned {
        row: i64,
        reason: String,
    },
    /// Check a PIN against its Argon2 hash off the UI thread; answered with `Msg::PinChecked`.
    CheckPin {
        pin: crate::config::secret::Secret,
        hash: crate::config::secret::Secret,
        purpose: super::access::PinFor,
    },
    /// Send `Msg::Timer` after this long.
    After(Duration, super::access::Timer),
    /// Append a row to the audit trail.
    Audit(crate::domain::audit::NewEntry),
    Bell,
    Quit,
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

/// An irreversible action waiting for an explicit yes.
#[derive(Debug, Clone)]
pub enum Pending {
    CreatePackaging(CreatePackagingOrder),
    CreateLabel(LabelOrderRequest),
    /// Decommission one serial; the dialog asks for the reason.
    Decommission {
        gtin: String,
        serial: String,
        row: i64,
    },
    /// Create or change a production order (`id` 0 for a new one).
    Production {
        id: i64,
        change: crate::worker::ProdChange,
    },
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub pending: Pending,
}

impl Confirm {
    /// The answer keys the dialog offers, with what each does.
    pub fn choices(&self) -> Vec<(&'static str, &'static str)> {
        match self.pending {
            Pending::Decommission { .. } => vec![("d", "Destroyed"), ("s", "Sampled"), ("n", "no, go back")],
            _ => vec![("y", "yes, send it"), ("n", "no, go back")],
        }
    }
}

pub struct App {
    pub settings: Settings,
    pub tab: Tab,
    pub help: bool,
    pub confirm: Option<Confirm>,
    pub packaging: PackagingTab,
    pub labels: LabelsTab,
    pub scan: ScanTab,
    pub production_tab: ProductionTab,
    pub access: super::access::Access,
    pub active: Option<PackagingOrder>,
    pub manufacturer: Health,
    pub production: Health,
    pub in_flight: HashSet<u64>,
    /// "YYYY-MM-DD HH:MM", local.
    pub now: String,
    pub flash: Option<Flash>,
    pub size: (u16, u16),
    pub quit: bool,
    /// Keys held while they could be the start of a prefixed scan on another tab.
    held: Vec<KeyEvent>,
    /// A prefixed scan is being typed on another tab.
    capturing: bool,
    next_id: u64,
}

impl App {
    /// A new app and the effects to start with (the first refresh).
    pub fn new(
        settings: Settings,
        history: Vec<LabelRecord>,
        active: Option<PackagingOrder>,
        now: String,
        size: (u16, u16),
    ) -> (App, Vec<Effect>) {
        let packaging = PackagingTab::new(&settings.line);
        let mut labels = LabelsTab::new(&settings, history);
        if let Some(o) = &active {
            labels.fill_empty_from(o);
        }
        let scan = ScanTab::new(Framer::new(settings.wedge.clone()));
        let mut app = App {
            settings,
            tab: Tab::Packaging,
            help: false,
            confirm: None,
            packaging,
            labels,
            scan,
            production_tab: ProductionTab::default(),
            access: Default::default(),
            active,
            manufacturer: Health::Unknown,
            production: Health::Unknown,
            in_flight: HashSet::new(),
            now,
            flash: None,
            size,
            quit: false,
            held: Vec::new(),
            capturing: false,
            next_id: 1,
        };
        // A kiosk station's home is the Scan tab.
        if app.settings.access.kiosk {
            app.tab = Tab::Scan;
        }
        let mut effects = app.refresh();
        effects.push(Effect::RefreshScanStats);
        (app, effects)
    }

    /// Sends a job to the worker; returns its request id.
    pub fn request(&mut self, job: Job, effects: &mut Vec<Effect>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.in_flight.insert(id);
        effects.push(Effect::Api(Request { id, job }));
        id
    }

    fn refresh(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        let line = self.settings.line.clone();
        let id = self.request(Job::OpenOrders { line }, &mut effects);
        self.packaging.refresh_id = Some(id);
        self.request(Job::ProductionProbe, &mut effects);
        effects
    }

    pub fn flash(&mut self, severity: Severity, text: impl Into<String>) {
        self.flash = Some(Flash { severity, text: text.into() });
    }

    /// The current screen has a text field with the cursor: plain letters are typed there.
    pub fn text_focused(&self) -> bool {
        match self.tab {
            Tab::Packaging => self.packaging.text_focused(),
            Tab::Labels => self.labels.form.text_focused(),
            // Everything typed on the Scan tab is scan input.
            Tab::Scan => true,
            Tab::Production => self.production_tab.text_focused(),
        }
    }

    /// Makes an order the station's active order (the scan panel and label defaults use it).
    /// In kiosk mode only an unlocked station changes it.
    pub fn set_active(&mut self, order: PackagingOrder) -> Vec<Effect> {
        if self.refuse_if_locked() {
            return Vec::new();
        }
        self.flash(Severity::Ok, format!("Active order is now {} ({})", order.order_id, order.product_code));
        self.labels.use_defaults_from(&order);
        let old = self.active.replace(order.clone()).map(|o| o.order_id);
        let audit = self
            .audit(crate::domain::audit::actions::ACTIVE_ORDER_CHANGED, "active order")
            .change(old, Some(order.order_id.clone()));
        vec![Effect::SaveActive(order), Effect::RefreshScanStats, Effect::Audit(audit)]
    }

    /// The actions that do something on the current screen, with what they do there (for the
    /// help overlay). The tab keys come first and are shown on one line.
    pub fn screen_actions(&self) -> Vec<(Action, &'static str)> {
        let mut list: Vec<(Action, &'static str)> = [
            Action::TabPackaging,
            Action::TabLabels,
            Action::TabProduction,
            Action::TabScan,
            Action::Help,
            Action::Quit,
        ]
        .into_iter()
        .map(|a| (a, a.describe()))
        .collect();
        if self.settings.access.kiosk {
            list.push((Action::Unlock, Action::Unlock.describe()));
        }
        if !self.settings.access.operators.is_empty() {
            list.push((Action::SignOut, Action::SignOut.describe()));
        }
        let here = match self.tab {
            Tab::Packaging => {
                vec![Action::Refresh, Action::NewOrder, Action::Lookup, Action::SetActive, Action::Submit]
            }
            Tab::Labels => vec![Action::Submit],
            Tab::Scan => vec![Action::Acknowledge, Action::Decommission],
            Tab::Production => {
                list.extend(super::tabs::production::actions(self));
                return list;
            }
        };
        list.extend(here.into_iter().map(|a| (a, a.describe())));
        list
    }
}

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(k) if k.kind == KeyEventKind::Press => key(app, k),
        Msg::Key(_) => Vec::new(),
        Msg::Paste(text) => paste(app, &text),
        Msg::Resize(w, h) => {
            app.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => {
            app.now = now;
            Vec::new()
        }
        Msg::RefreshDue => app.refresh(),
        Msg::Api(resp) => api(app, *resp),
        Msg::Journaled(results) => super::tabs::scan::journaled(app, results),
        Msg::ScanStats(stats) => {
            // Stats of an order that is no longer active are stale.
            if app.active.as_ref().map(|o| o.order_id.as_str()) == Some(stats.order_id.as_str()) {
                app.scan.stats = *stats;
            }
            Vec::new()
        }
        Msg::Pipeline(p) => {
            match &p {
                Progress::Answered { .. } => {
                    app.manufacturer = Health::Online;
                    app.scan.pipeline_note = None;
                }
                Progress::Waiting { error, retry_in } => {
                    app.manufacturer = Health::Offline(short(error));
                    app.scan.pipeline_note = Some(format!(
                        "commissioning waits: {} (next try in {} s)",
                        short(error),
                        retry_in.as_secs().max(1)
                    ));
                }
                Progress::JournalFailed(e) => {
                    app.scan.pipeline_note = Some(format!("journal failed: {e}"));
                    app.flash(Severity::Error, format!("The scan journal failed: {e}"));
                }
            }
            vec![Effect::RefreshScanStats]
        }
        Msg::PinChecked { purpose, ok } => super::access::pin_checked(app, purpose, ok),
        Msg::Timer(t) => super::access::timer(app, t),
        Msg::Idle(d) => super::access::idle(app, d),
        Msg::Stopping => super::access::sign_out(app, "shopfloor stopped"),
    }
}

fn paste(app: &mut App, text: &str) -> Vec<Effect> {
    if app.confirm.is_some() || app.help {
        return Vec::new();
    }
    match app.tab {
        Tab::Packaging => app.packaging.paste(text),
        Tab::Labels => {
            app.labels.form.paste(text);
            app.labels.revalidate(false);
        }
        Tab::Scan => return super::tabs::scan::paste(app, text),
        Tab::Production => super::tabs::production::paste(app, text),
    }
    Vec::new()
}

/// On tabs other than Scan, a scan is recognised by its prefix (when the scanner sends one)
/// and taken away from the fields, so it is never typed into the wrong one.
fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let prefix: Vec<char> = app.settings.wedge.prefix.chars().collect();
    if prefix.is_empty() || app.tab == Tab::Scan || app.confirm.is_some() || app.help {
        return key_now(app, k);
    }
    if app.capturing {
        return match app.scan.framer.feed(&k) {
            crate::scan::wedge::Fed::Frame(raw) => {
                app.capturing = false;
                routed_scan(app, raw)
            }
            _ => Vec::new(),
        };
    }
    let plain = match k.code {
        KeyCode::Char(c)
            if !k
                .modifiers
                .intersects(crossterm::event::KeyModifiers::CONTROL | crossterm::event::KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    };
    let n = app.held.len();
    if let Some(c) = plain.filter(|c| prefix.get(n) == Some(c)) {
        app.held.push(k);
        if app.held.len() == prefix.len() {
            app.held.clear();
            app.capturing = true;
            app.scan.framer.clear();
            for p in &prefix {
                app.scan.framer.feed(&KeyEvent::new(KeyCode::Char(*p), crossterm::event::KeyModifiers::NONE));
            }
        }
        let _ = c;
        return Vec::new();
    }
    // Not a scan after all: the held keys were typing.
    let mut effects = Vec::new();
    for h in std::mem::take(&mut app.held) {
        effects.extend(key_now(app, h));
    }
    effects.extend(key_now(app, k));
    effects
}

/// A scan framed on another tab: an open lookup takes it, otherwise the scan panel does.
fn routed_scan(app: &mut App, raw: String) -> Vec<Effect> {
    if app.tab == Tab::Packaging && app.packaging.mode == super::tabs::packaging::Mode::Lookup {
        // An AIM identifier says what kind of code it was; it is not part of an order id.
        let text = crate::scan::wedge::strip_symbology(&raw);
        let id = text.strip_prefix(app.settings.scan.order_barcode_prefix.as_str()).unwrap_or(text).to_string();
        app.packaging.lookup = tui_input::Input::new(id.clone());
        let mut effects = Vec::new();
        let rid = app.request(Job::OrderDetails { order_id: id }, &mut effects);
        app.packaging.lookup_id = Some(rid);
        return effects;
    }
    if app.tab == Tab::Production && app.production_tab.form.is_some() {
        return super::tabs::production::scanned(app, &raw);
    }
    let effects = super::tabs::scan::frame(app, raw);
    if app.flash.is_none() || matches!(app.scan.last, Some(super::tabs::scan::LastScan::Saving(_))) {
        app.flash(Severity::Info, "A scan arrived: the Scan panel (F5) took it");
    }
    effects
}

fn key_now(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let pressed = Key::new(k.code, k.modifiers);
    if app.access.prompt.is_some() {
        return super::access::prompt_key(app, k);
    }
    if let Some(c) = app.confirm.take() {
        if let Pending::Decommission { gtin, serial, row } = &c.pending {
            let reason = match k.code {
                KeyCode::Char('d') | KeyCode::Char('D') => Some("Destroyed"),
                KeyCode::Char('s') | KeyCode::Char('S') => Some("Sampled"),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    app.flash(Severity::Info, "Cancelled; nothing was sent");
                    return Vec::new();
                }
                _ => None,
            };
            let Some(reason) = reason else {
                app.confirm = Some(c);
                return Vec::new();
            };
            let request = crate::domain::manufacturer::DecommissionRequest {
                product_code: gtin.clone(),
                product_code_schema: "GTIN".into(),
                reason: reason.into(),
                serials: vec![serial.clone()],
            };
            let mut effects = Vec::new();
            app.flash(Severity::Info, format!("Decommissioning {serial} ({reason})…"));
            app.request(Job::Decommission { request, row: *row }, &mut effects);
            return effects;
        }
        return match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => confirmed(app, c.pending),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                app.flash(Severity::Info, "Cancelled; nothing was sent");
                Vec::new()
            }
            _ => {
                app.confirm = Some(c);
                Vec::new()
            }
        };
    }
    let action = app.settings.keys.action(pressed);
    if app.help {
        if k.code == KeyCode::Esc || action == Some(Action::Help) || action == Some(Action::Quit) {
            app.help = false;
        }
        return Vec::new();
    }
    // Plain letters belong to the text field that has the cursor.
    let action = action.filter(|_| !(pressed.is_text() && app.text_focused()));
    // A locked kiosk: nothing leaves the program.
    if app.locked() && (action == Some(Action::Quit) || super::access::is_escape_key(&k)) {
        app.refuse_if_locked();
        return Vec::new();
    }
    match action {
        Some(Action::Quit) => {
            app.quit = true;
            return vec![Effect::Quit];
        }
        Some(Action::Unlock) => return super::access::unlock_key(app),
        Some(Action::SignOut) => {
            if app.access.operator.is_none() {
                app.flash(Severity::Info, "Nobody is signed in");
                return Vec::new();
            }
            return super::access::sign_out(app, "signed out by hand");
        }
        Some(Action::Help) => {
            app.help = true;
            return Vec::new();
        }
        Some(a @ (Action::TabPackaging | Action::TabLabels | Action::TabProduction | Action::TabScan)) => {
            if let Some(t) = Tab::ALL.into_iter().find(|t| t.action() == a) {
                if !app.tab_allowed(t) {
                    app.refuse_if_locked();
                    return Vec::new();
                }
                switch_tab(app, t);
            }
            return first_visit(app);
        }
        _ => {}
    }
    match app.tab {
        Tab::Packaging => super::tabs::packaging::key(app, k, action),
        Tab::Labels => super::tabs::labels::key(app, k, action),
        Tab::Scan => super::tabs::scan::key(app, k, action),
        Tab::Production => super::tabs::production::key(app, k, action),
    }
}

/// The Production tab loads its list the first time it is shown (it is not polled, to spare
/// the 200-a-minute budget).
fn first_visit(app: &mut App) -> Vec<Effect> {
    let mut effects = Vec::new();
    if app.tab == Tab::Production && !app.production_tab.loaded_once {
        super::tabs::production::load(app, &mut effects);
    }
    effects
}

pub fn switch_tab(app: &mut App, tab: Tab) {
    app.tab = tab;
    if tab == Tab::Labels {
        if let Some(o) = app.active.clone() {
            app.labels.fill_empty_from(&o);
        }
    }
}

/// Tab / Shift-Tab on a screen without fields move between tabs.
pub fn cycle_tab(app: &mut App, forward: bool) {
    let mut i = app.tab.index();
    // Tabs a locked kiosk keeps closed are skipped (the Scan tab is always open).
    loop {
        i = if forward { (i + 1) % 4 } else { (i + 3) % 4 };
        if app.tab_allowed(Tab::ALL[i]) {
            break;
        }
    }
    switch_tab(app, Tab::ALL[i]);
}

fn confirmed(app: &mut App, pending: Pending) -> Vec<Effect> {
    let mut effects = Vec::new();
    if !matches!(pending, Pending::Decommission { .. }) && app.refuse_without_operator() {
        return effects;
    }
    match pending {
        Pending::CreatePackaging(order) => {
            app.flash(Severity::Info, format!("Creating packaging order {}…", order.order_id));
            let id = app.request(Job::CreatePackagingOrder(order), &mut effects);
            app.packaging.create_id = Some(id);
        }
        Pending::CreateLabel(req) => {
            app.flash(Severity::Info, format!("Sending label order {}…", req.order_id));
            app.labels.sent = Some(req.clone());
            let id = app.request(Job::CreateLabelOrder(req), &mut effects);
            app.labels.submit_id = Some(id);
        }
        // Answered with a reason key in `key`, never with y.
        Pending::Decommission { .. } => {}
        Pending::Production { id, change } => return super::tabs::production::send_change(app, id, change),
    }
    effects
}

/// How a backend looks after a call: an answer (even a refusal) means it is up.
fn health_after(resp: &Response) -> Health {
    match resp.outcome.error() {
        Some(e @ (ApiError::Timeout(_) | ApiError::ConnectionRefused { .. } | ApiError::ConnectionDropped)) => {
            Health::Offline(short(e))
        }
        Some(e @ (ApiError::Server { .. } | ApiError::RateLimited { .. })) => Health::Offline(short(e)),
        Some(
            e @ (ApiError::NoToken
            | ApiError::TokenRejected
            | ApiError::AuthFailed(_)
            | ApiError::ChannelKeyMissing
            | ApiError::UnexpectedResponse { .. }),
        ) => Health::Offline(short(e)),
        _ if resp.elapsed >= SLOW => Health::Slow(resp.elapsed.as_millis() as u64),
        _ => Health::Online,
    }
}

/// A few words for the status bar.
pub fn short(e: &ApiError) -> String {
    match e {
        ApiError::Timeout(_) => "no answer (timeout)".into(),
        ApiError::ConnectionRefused { .. } => "unreachable".into(),
        ApiError::ConnectionDropped => "connection dropped".into(),
        ApiError::Server { status } => format!("server error {status}"),
        ApiError::RateLimited { retry_after } => format!("rate limited, retry in {} s", retry_after.as_secs()),
        ApiError::NoToken | ApiError::TokenRejected | ApiError::AuthFailed(_) => {
            "login refused: check token/API key".into()
        }
        ApiError::ChannelKeyMissing => "channel key refused".into(),
        ApiError::UnexpectedResponse { .. } => "unexpected answers: check base_url".into(),
        ApiError::Production { code_number, .. } => format!("error {code_number}"),
        other => other.to_string(),
    }
}

fn api(app: &mut App, resp: Response) -> Vec<Effect> {
    app.in_flight.remove(&resp.id);
    let health = health_after(&resp);
    match resp.backend {
        Backend::Manufacturer => app.manufacturer = health,
        Backend::Production => app.production = health,
    }
    let id = resp.id;
    match resp.outcome {
        Outcome::OpenOrders(r) => app.packaging.orders_arrived(id, r, &app.now.clone()),
        Outcome::OrderDetails(r) if app.scan.order_lookup_id == Some(id) => {
            app.scan.order_lookup_id = None;
            return match r {
                Ok(o) => app.set_active(o),
                Err(e) => {
                    app.flash(Severity::Error, format!("The scanned order could not be made active: {e}"));
                    Vec::new()
                }
            };
        }
        Outcome::OrderDetails(r) => {
            if let Some(found) = app.packaging.lookup_arrived(id, r) {
                app.flash(Severity::Ok, format!("Found order {} — press a to make it active", found.order_id));
            }
        }
        Outcome::PackagingOrderCreated(r) => return super::tabs::packaging::created(app, id, r),
        Outcome::LabelOrderCreated(r) => return super::tabs::labels::created(app, id, r),
        Outcome::Decommissioned { row, reason, result } => {
            return match result {
                Ok(list) => {
                    let serial = list.first().map(|s| s.serial_number.clone()).unwrap_or_default();
                    app.flash(Severity::Ok, format!("Serial {serial} decommissioned ({reason})"));
                    vec![Effect::MarkDecommissioned { row, reason }, Effect::RefreshScanStats]
                }
                Err(e) => {
                    app.flash(Severity::Error, format!("Not decommissioned: {e}"));
                    vec![Effect::Bell]
                }
            };
        }
        Outcome::ProductionProbe(_) => {}
        Outcome::ProductionWaiting(wait) => {
            app.production = Health::Offline(format!("rate limited, next try in {} s", wait.as_secs().max(1)));
        }
        Outcome::ProdList(r) => super::tabs::production::list_arrived(app, id, r),
        Outcome::ProdOrder(r) => super::tabs::production::order_arrived(app, id, r),
        Outcome::ProdBatches(r) => {
            super::tabs::production::section_arrived(app, id, r, super::tabs::production::batches)
        }
        Outcome::ProdFlat(r) => super::tabs::production::section_arrived(app, id, r, super::tabs::production::flat),
        Outcome::ProdPicking(r) => {
            super::tabs::production::section_arrived(app, id, r, super::tabs::production::picking)
        }
        Outcome::ProdNextRef(r) => super::tabs::production::next_ref_arrived(app, id, r),
        Outcome::ProdChanged { done, result } => return super::tabs::production::changed(app, id, done, result),
    }
    Vec::new()
}
