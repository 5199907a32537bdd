//! The dashboard's state and its one owner: `update(app, msg) -> effects`.
//!
//! `update` does no I/O and reads no clock: keys, scans, pastes, the time and the worker's
//! results come in as `Msg`s; what must happen outside goes out as `Effect`s. It routes input
//! once, here, before any screen sees it: the PIN prompt takes everything while open; a question
//! takes a deliberate key; a scan goes to the one place that takes scans on the screen shown (or
//! to the scan panel); a key typed inside a burst only types text; the rest is a person's key,
//! global actions first, then the tab's own. Tabs ask for what only the app does (a message, a
//! question, a new active order, another tab) through commands, carried out after each message.

use super::access::{is_escape_key, Access};
use super::clock::Clock;
use super::confirm::{Answer, Confirm, Then};
use super::ctx::{Command, Ctx, Outbox, Requests};
use super::health;
use super::msg::{Effect, Flash, Health, KeyIn, Msg, Owner, Settings, Severity, Tab, Timer};
use super::sign_request::{AfterSign, SignRequest};
use super::signing::Done;
use super::tabs::labels::LabelsTab;
use super::tabs::packaging::PackagingTab;
use super::tabs::print::PrintTab;
use super::tabs::production::ProductionTab;
use super::tabs::scan::{LastScan, ScanTab};
use super::tabs::Screen;
use crate::config::keys::Action;
use crate::config::signatures::SignedAction;
use crate::domain::audit::{actions, NewEntry};
use crate::domain::manufacturer::PackagingOrder;
use crate::input::key::Code;
use crate::input::router::Input;
use crate::label_log::LabelRecord;
use crate::scan::wedge::ScanField;
use crate::worker::commission::Progress;
use crate::worker::{Backend, Job, Outcome, Response};

/// The size every tab is drawn at.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// The Scan and Print tabs (and the sign-in screen) work down to a handheld's screen.
pub const COMPACT_WIDTH: u16 = 40;
pub const COMPACT_HEIGHT: u16 = 16;

/// Whether a tab is drawn on a screen this size (or says "Terminal too small" instead).
pub fn shows_on(tab: Tab, (w, h): (u16, u16)) -> bool {
    (w >= MIN_WIDTH && h >= MIN_HEIGHT)
        || (matches!(tab, Tab::Scan | Tab::Print) && w >= COMPACT_WIDTH && h >= COMPACT_HEIGHT)
}

/// How long a message stays on the message line when nothing else replaces it.
pub const FLASH_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// The state of each backend, as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backends {
    pub manufacturer: Health,
    pub production: Health,
}

/// Splits the app into a screen's context and the parts named (a tab, …) for `$body`: the
/// context sees the settings, the clock, the active order, who is signed in and the requests,
/// and nothing of the other tabs.
macro_rules! with_cx {
    ($app:ident, $owner:expr, |$cx:ident $(, $part:ident)*| $body:expr) => {{
        let locked = $app.locked();
        let room = $app.room();
        let App { settings, clock, active, access, requests, outbox, signed_now, $($part,)* .. } = $app;
        let mut $cx = Ctx {
            settings,
            clock,
            active: active.as_ref(),
            operator: access.operator.as_ref(),
            locked,
            room,
            signed: signed_now.take(),
            owner: $owner,
            requests,
            out: outbox,
        };
        $body
    }};
}

pub struct App {
    pub settings: Settings,
    pub clock: Clock,
    pub tab: Tab,
    pub help: bool,
    pub confirm: Option<Confirm>,
    pub packaging: PackagingTab,
    pub labels: LabelsTab,
    pub scan: ScanTab,
    pub production: ProductionTab,
    pub print: PrintTab,
    pub access: Access,
    pub active: Option<PackagingOrder>,
    pub health: Backends,
    pub requests: Requests,
    pub flash: Option<Flash>,
    /// Counts the messages shown, so an old message's timer cannot clear a newer one.
    flash_seq: u64,
    /// Bytes from the terminal given up since the start (not keys, not scans).
    pub dropped: u64,
    pub size: (u16, u16),
    pub quit: bool,
    /// Whether the line-wide check works (only with a line store).
    pub line_status: Option<crate::line_store::LineStatus>,
    /// What was last reported to the line's board, so only a change is sent.
    line_reported: Option<crate::line_store::StationState>,
    /// The last alarm's headline and when it was raised, for the board.
    last_alarm: Option<(String, chrono::DateTime<chrono::Utc>)>,
    /// Signatures of requests sent and not yet answered, by request id: the answer's audit row
    /// carries it.
    signed_requests: std::collections::HashMap<u64, crate::domain::audit::Signed>,
    /// The signature for the next context built (taken by it).
    signed_now: Option<crate::domain::audit::Signed>,
    outbox: Outbox,
}

impl App {
    /// A new app and the effects to start with (the first refresh).
    pub fn new(
        settings: Settings,
        history: Vec<LabelRecord>,
        active: Option<PackagingOrder>,
        clock: Clock,
        size: (u16, u16),
    ) -> (App, Vec<Effect>) {
        let packaging = PackagingTab::new(&settings.line);
        let mut labels = LabelsTab::new(&settings, history);
        if let Some(o) = &active {
            labels.fill_empty_from(o);
        }
        let scan = ScanTab::new(ScanField::new(settings.scanner.clone()));
        let production = ProductionTab::new(settings.scanner.clone(), clock.zone);
        let print = PrintTab::new(&settings.printers);
        // A kiosk station's home is the Scan tab.
        let tab = if settings.access.kiosk { Tab::Scan } else { Tab::Packaging };
        let mut app = App {
            settings,
            clock,
            tab,
            help: false,
            confirm: None,
            packaging,
            labels,
            scan,
            production,
            print,
            access: Access::default(),
            active,
            health: Backends { manufacturer: Health::Unknown, production: Health::Unknown },
            requests: Requests::default(),
            flash: None,
            flash_seq: 0,
            dropped: 0,
            size,
            quit: false,
            line_status: None,
            line_reported: None,
            last_alarm: None,
            signed_requests: Default::default(),
            signed_now: None,
            outbox: Outbox::default(),
        };
        app.refresh();
        app.on_scan(|s, cx| s.refresh_stats(cx));
        app.finish();
        let effects = std::mem::take(&mut app.outbox.effects);
        (app, effects)
    }

    /// Kiosk mode is on and no supervisor has unlocked it.
    pub fn locked(&self) -> bool {
        self.access.locked(&self.settings.access)
    }

    pub fn tab_allowed(&self, tab: Tab) -> bool {
        self.access.tab_allowed(&self.settings.access, tab)
    }

    /// The sign-in screen replaces the scan panel: kiosk mode needs an operator to scan.
    pub fn signin_needed(&self) -> bool {
        self.access.signin_needed(&self.settings.access)
    }

    /// The idle time at which something happens next (relock, sign-out), if anything would.
    pub fn next_idle_limit(&self) -> Option<std::time::Duration> {
        self.access.next_idle_limit(&self.settings.access)
    }

    pub fn current(&self) -> &dyn Screen {
        match self.tab {
            Tab::Packaging => &self.packaging,
            Tab::Labels => &self.labels,
            Tab::Production => &self.production,
            Tab::Scan => &self.scan,
            Tab::Print => &self.print,
        }
    }

    /// The actions that do something on the current screen, with what they do there (for the
    /// help overlay). The tab keys come first and are shown on one line.
    pub fn screen_actions(&self) -> Vec<(Action, &'static str)> {
        let mut list: Vec<(Action, &'static str)> = [
            Action::TabPackaging,
            Action::TabLabels,
            Action::TabProduction,
            Action::TabScan,
            Action::TabPrint,
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
        list.extend(self.current().actions());
        list
    }

    /// A message shown from the start (the demo says it starts empty), with its expiry.
    pub fn announce(&mut self, severity: Severity, text: impl Into<String>) -> Vec<Effect> {
        self.flash(severity, text);
        self.flash_seq += 1;
        vec![Effect::After(FLASH_TTL, Timer::FlashExpired(self.flash_seq))]
    }

    fn flash(&mut self, severity: Severity, text: impl Into<String>) {
        self.flash = Some(Flash { severity, text: text.into() });
    }

    /// Runs `f` on a tab with the context it may see; its answers come back to it.
    fn on_tab<R>(&mut self, tab: Tab, f: impl FnOnce(&mut dyn Screen, &mut Ctx) -> R) -> R {
        let this = self;
        with_cx!(this, Owner::Tab(tab), |cx, packaging, labels, scan, production, print| {
            let screen: &mut dyn Screen = match tab {
                Tab::Packaging => packaging,
                Tab::Labels => labels,
                Tab::Production => production,
                Tab::Scan => scan,
                Tab::Print => print,
            };
            f(screen, &mut cx)
        })
    }

    /// The same for the scan panel's own calls.
    fn on_scan<R>(&mut self, f: impl FnOnce(&mut ScanTab, &mut Ctx) -> R) -> R {
        let this = self;
        with_cx!(this, Owner::Tab(Tab::Scan), |cx, scan| f(scan, &mut cx))
    }

    /// Access keeps who is signed in itself, so its context names no operator.
    fn on_access<R>(&mut self, f: impl FnOnce(&mut Access, &mut Ctx) -> R) -> R {
        let locked = self.locked();
        let room = self.room();
        let App { settings, clock, active, access, requests, outbox, .. } = self;
        let mut cx = Ctx {
            settings,
            clock,
            active: active.as_ref(),
            operator: None,
            locked,
            room,
            signed: None,
            owner: Owner::App,
            requests,
            out: outbox,
        };
        f(access, &mut cx)
    }

    /// The periodic refreshes: the open orders and whether Lagerkoll answers.
    fn refresh(&mut self) {
        let this = self;
        with_cx!(this, Owner::Tab(Tab::Packaging), |cx, packaging| {
            packaging.refresh(&mut cx);
            cx.owner = Owner::App;
            cx.request(Job::ProductionProbe);
        })
    }

    fn input(&mut self, input: Input) {
        match input {
            Input::Key { key, burst } => self.key(KeyIn { key, burst }),
            Input::Scan(raw) => self.route_scan(raw),
            Input::Paste(text) => self.paste(text),
        }
    }

    fn key(&mut self, k: KeyIn) {
        // A person's next key makes the last message old: whatever the key says replaces it,
        // and when it says nothing the screen's hints come back.
        if !k.burst {
            self.flash = None;
        }
        // The PIN prompt and the signing dialog take everything while open.
        if self.access.prompt.is_some() {
            return self.on_access(|a, cx| a.prompt_key(k, cx));
        }
        if self.access.signing.dialog.is_some() {
            return self.on_access(|a, cx| a.signing.key(k, cx));
        }
        if let Some(c) = self.confirm.take() {
            return self.answer(c, k);
        }
        let action = self.settings.keys.action(k.key);
        if self.help {
            if !k.burst && (k.key.code == Code::Esc || matches!(action, Some(Action::Help | Action::Quit))) {
                self.help = false;
            }
            return;
        }
        let text_focused = self.current().text_focused();
        if k.burst {
            // Fast keys that were not a scan: text for a field, never a command.
            if text_focused {
                let tab = self.tab;
                self.on_tab(tab, |s, cx| s.key(k, None, cx));
            } else {
                self.flash(
                    Severity::Warning,
                    format!(
                        "Fast typing ignored here (a scanner?): nothing was done. Scan packs on the Scan tab ({})",
                        self.settings.keys.first_label(Action::TabScan)
                    ),
                );
            }
            return;
        }
        // Plain letters belong to the text field that has the cursor.
        let action = action.filter(|_| !(k.key.is_text() && text_focused));
        // A locked kiosk: nothing leaves the program.
        if self.locked() && (action == Some(Action::Quit) || is_escape_key(&k.key)) {
            self.refuse_locked();
            return;
        }
        match action {
            // A bare letter asks first; Ctrl+Q (the supervisor's) quits at once.
            Some(Action::Quit) if k.key.is_text() => {
                let choice = super::confirm::Choice { key: 'y', label: "yes, quit".into(), then: Then::Quit };
                let lines = vec!["Scans already accepted are kept; the station stops until started again.".into()];
                self.outbox.commands.push(Command::Confirm(Confirm::new("Quit shopfloor?", lines, vec![choice])));
            }
            Some(Action::Quit) => self.quit_now(),
            // On a full order the supervisor's key asks the PIN that allows more packs.
            Some(Action::Unlock)
                if self.tab == Tab::Scan
                    && matches!(
                        self.scan.last,
                        Some(crate::tui::tabs::scan::LastScan::Refused(crate::scan::check::Alarm::OrderFull { .. }))
                    ) =>
            {
                self.on_access(|a, cx| a.ask_allow_more(cx))
            }
            Some(Action::Unlock) => self.on_access(|a, cx| a.unlock_key(cx)),
            Some(Action::SignOut) => {
                if self.access.operator.is_none() {
                    self.flash(Severity::Info, "Nobody is signed in");
                } else {
                    self.on_access(|a, cx| a.sign_out("signed out by hand", cx));
                }
            }
            Some(Action::Help) => self.help = true,
            // The scan alarm blocks scanning everywhere, so it is acknowledged from anywhere.
            Some(Action::Acknowledge) if self.tab != Tab::Scan && self.scan.alarm.is_some() && !k.burst => {
                self.on_scan(|s, cx| s.acknowledge(cx))
            }
            Some(
                a @ (Action::TabPackaging
                | Action::TabLabels
                | Action::TabProduction
                | Action::TabScan
                | Action::TabPrint),
            ) => {
                if let Some(t) = Tab::ALL.into_iter().find(|t| t.action() == a) {
                    self.switch_tab(t);
                }
            }
            // A tab the screen cannot show takes no keys: nobody would see what they do.
            _ if !shows_on(self.tab, self.size) => {
                let key = self.settings.keys.first_label(Action::TabScan);
                let text =
                    format!("Nothing done: this tab needs 80×24. Enlarge the window, or use the Scan tab ({key})");
                self.flash(Severity::Warning, text)
            }
            _ => {
                let tab = self.tab;
                self.on_tab(tab, |s, cx| s.key(k, action, cx));
            }
        }
    }

    /// A question answered (or closed) by a key.
    fn answer(&mut self, c: Confirm, k: KeyIn) {
        let answer = c.answer(k, self.clock.mono());
        // In kiosk mode what a question sends or signs is done by a signed-in operator.
        if matches!(answer, Answer::Chosen(Then::Send { .. } | Then::Sign(_), _))
            && self.settings.access.kiosk
            && self.access.operator.is_none()
        {
            let key = self.settings.keys.first_label(Action::TabScan);
            let text = format!("Sign in first: scan your badge on the Scan tab ({key}); nothing was done");
            return self.flash(Severity::Warning, text);
        }
        match answer {
            Answer::Chosen(Then::Send { request, owner }, label) => {
                self.requests.sent(request.id, owner);
                self.outbox.effects.push(Effect::Api(*request));
                self.flash(Severity::Info, format!("Sending ({label})…"));
            }
            Answer::Chosen(Then::Sign(req), _) => self.sign(*req),
            Answer::Chosen(Then::Quit, _) => self.quit_now(),
            Answer::No => self.flash(Severity::Info, "Cancelled; nothing was sent"),
            Answer::TooFast => self.flash(
                Severity::Warning,
                "Not done: the answer came too fast to be a person's (a scanner?). Nothing was sent; ask again",
            ),
            Answer::Other => {
                self.flash(Severity::Info, "Closed without doing it (only the keys shown answer); nothing was sent")
            }
        }
    }

    /// An action that needs a named supervisor: the signing dialog opens when the config asks
    /// for a signature (unlocking, allowing more and changing the order while locked always
    /// need one person named); otherwise it is done at once.
    fn sign(&mut self, req: SignRequest) {
        let s = &self.settings.access;
        let signature = s.signatures.required(req.action);
        let gated = matches!(req.action, SignedAction::Unlock | SignedAction::AllowMore | SignedAction::ChangeOrder);
        if !signature && !gated {
            return self.signed_done(Done { then: req.then, signer: None, signed: None });
        }
        if self.access.signing.dialog.is_some() {
            // One signature at a time: a PIN typed for one action never signs another.
            return self.flash(
                Severity::Warning,
                "Not done: a signature is being asked already. Finish it or press Esc, then try again",
            );
        }
        if s.signatures.rule(req.action).two_person && signature && self.access.operator.is_none() {
            return self.flash(
                Severity::Warning,
                "Not done: two persons are needed, so the operator signs in first (badge), then asks again",
            );
        }
        if !super::signing::has_signers(&s.operators) {
            self.flash(
                Severity::Warning,
                "Not done: this needs a supervisor's signature, and none is set up. Add one to [[operators]] with role = \"supervisor\" and a pin_hash",
            );
            return;
        }
        let asked_by = self.access.operator_id().map(String::from);
        self.on_access(|a, cx| a.signing.open(req, asked_by, cx));
    }

    /// Carries out a signed action (or one that needed no signature).
    fn signed_done(&mut self, d: Done) {
        let by = d.signer.as_ref().map(|s| format!("Signed by {}: ", s.printed_name())).unwrap_or_default();
        match d.then {
            AfterSign::Send { request, owner } => {
                if let Some(s) = d.signed {
                    self.signed_requests.insert(request.id, s);
                }
                self.requests.sent(request.id, owner);
                self.outbox.effects.push(Effect::Api(*request));
                let text = if by.is_empty() { "Sending…".to_string() } else { format!("{by}sending…") };
                self.flash(Severity::Info, text);
            }
            AfterSign::Unlock => {
                if let Some(signer) = d.signer {
                    self.on_access(|a, cx| a.unlocked_by(&signer, d.signed, cx));
                }
            }
            AfterSign::AllowMore { order_id } => {
                if self.active.as_ref().is_none_or(|o| o.order_id != order_id) {
                    let text =
                        format!("Not done: the active order changed while {order_id} was being signed for; ask again");
                    return self.flash(Severity::Warning, text);
                }
                self.signed_now = d.signed;
                self.on_scan(|s, cx| s.allow_more(cx));
            }
            AfterSign::SetActive(o) => self.apply_active(*o, d.signed),
            AfterSign::LabelsRemoved { entries, labels } => {
                for e in entries {
                    self.outbox.effects.push(Effect::Audit(e.signed(d.signed.clone())));
                }
                let this = self;
                with_cx!(this, Owner::Tab(Tab::Print), |cx, print| print.labels_removed(&labels, &mut cx));
            }
        }
    }

    fn quit_now(&mut self) {
        self.quit = true;
        self.outbox.effects.push(Effect::Quit);
    }

    fn refuse_locked(&mut self) {
        let key = self.settings.keys.label(Action::Unlock);
        self.flash(Severity::Warning, format!("{} ({key} unlocks)", super::ctx::LOCKED));
    }

    /// A whole scan, from a burst, a prefix, or a screen's own scan field.
    fn route_scan(&mut self, raw: String) {
        if self.access.prompt.is_some() {
            return self.on_access(|a, cx| a.prompt_scan(cx));
        }
        if self.access.signing.dialog.is_some() {
            return self.on_access(|a, cx| a.signing.scan(&raw, cx));
        }
        if Access::badge_id(&self.settings.access, &raw).is_some() || self.signin_needed() {
            return self.on_access(|a, cx| a.sign_in_attempt(&raw, cx));
        }
        let tab = self.tab;
        // A command code (ACK, ORDER:…) means the same on every screen: the scan panel reads it
        // (an order barcode goes to the Packaging tab's order lookup when that takes scans).
        let code = crate::input::scanner::strip_symbology(&raw);
        let scan = &self.settings.scan;
        let command = (!scan.ack_barcode.is_empty() && code == scan.ack_barcode)
            || (tab != Tab::Packaging
                && !scan.order_barcode_prefix.is_empty()
                && code.starts_with(scan.order_barcode_prefix.as_str()));
        // While a print run is open, every pack scanned is one of its labels being checked: it
        // is verified against what was printed, whichever screen is shown, so a label never
        // reaches commissioning around that check.
        if !command && self.print.checking_scans() {
            if tab != Tab::Print {
                let key = self.settings.keys.label(Action::TabPrint);
                self.flash(Severity::Info, format!("A scan arrived: the print run checks it (Print tab, {key})"));
            }
            return self.on_tab(Tab::Print, |s, cx| s.scan(&raw, cx));
        }
        if !command && !self.help && self.current().takes_scans() && shows_on(tab, self.size) {
            return self.on_tab(tab, |s, cx| s.scan(&raw, cx));
        }
        // The screen shown has no place for scans: the scan panel takes it, and says so.
        let flashes = self.outbox.commands.len();
        self.on_scan(|s, cx| s.take_scan(raw, cx));
        let said = self.outbox.commands[flashes..].iter().any(|c| matches!(c, Command::Flash(_)));
        if tab != Tab::Scan && !said {
            let what = match &self.scan.last {
                Some(LastScan::Refused(a)) => {
                    format!("it raised {}: see F5 and acknowledge it there", a.headline())
                }
                Some(LastScan::Saving(serial) | LastScan::Accepted(serial)) => format!("serial {serial}"),
                None => String::new(),
            };
            let key = self.settings.keys.first_label(Action::TabScan);
            self.flash(Severity::Info, format!("A scan arrived: the Scan panel ({key}) took it, {what}"));
        }
    }

    fn paste(&mut self, text: String) {
        if self.access.prompt.is_some() {
            return self.access.prompt_paste();
        }
        if self.access.signing.dialog.is_some() {
            return self.access.signing.paste();
        }
        if self.confirm.is_some() || self.help {
            self.flash(Severity::Info, "Pasting does nothing while a question or the help is open");
            return;
        }
        let tab = self.tab;
        self.on_tab(tab, |s, cx| s.paste(&text, cx));
    }

    pub fn switch_tab(&mut self, tab: Tab) {
        if !self.tab_allowed(tab) {
            return self.refuse_locked();
        }
        if tab != self.tab {
            // A serial asked for on the Scan tab is not asked for any more elsewhere.
            self.scan.asking_serial = false;
            // A message belongs to the screen it was said on.
            self.flash = None;
            if self.tab == Tab::Print {
                // The printers are polled only while the Print tab is shown (or a run asks).
                self.outbox.effects.push(Effect::Print(super::msg::PrintJob::Watch(false)));
            }
        }
        self.tab = tab;
        if tab == Tab::Labels {
            if let Some(o) = self.active.clone() {
                self.labels.fill_empty_from(&o);
            }
        }
        self.on_tab(tab, |s, cx| s.shown(cx));
    }

    /// Tab / Shift-Tab on a screen without fields move between tabs.
    fn cycle_tab(&mut self, forward: bool) {
        let mut i = self.tab.index();
        // Tabs a locked kiosk keeps closed are skipped (the Scan tab is always open).
        loop {
            let n = Tab::ALL.len();
            i = if forward { (i + 1) % n } else { (i + n - 1) % n };
            if self.tab_allowed(Tab::ALL[i]) {
                break;
            }
        }
        self.switch_tab(Tab::ALL[i]);
    }

    /// Makes an order the station's active order (the scan panel and label defaults use it).
    /// In kiosk mode only an unlocked station changes it.
    fn set_active(&mut self, order: PackagingOrder) {
        if self.active.as_ref().is_some_and(|a| a.order_id == order.order_id) {
            // Nothing changes: no signature, no audit row; the order's details are kept fresh.
            self.flash(Severity::Info, format!("{} is the active order already", order.order_id));
            self.outbox.effects.push(Effect::SaveActive(order.clone()));
            self.active = Some(order);
            return;
        }
        // Refused before anyone is asked to sign for it.
        if self.refuse_during_run(&order) {
            return;
        }
        if self.locked() {
            if !super::signing::has_signers(&self.settings.access.operators) {
                return self.refuse_locked();
            }
            let summary =
                format!("Make {} ({}) the active order of a locked station", order.order_id, order.product_code);
            let order_id = Some(order.order_id.clone());
            return self.sign(SignRequest {
                action: SignedAction::ChangeOrder,
                summary,
                order: order_id,
                then: AfterSign::SetActive(Box::new(order)),
            });
        }
        self.apply_active(order, None);
    }

    /// An open print run keeps its order active: says so and returns true.
    fn refuse_during_run(&mut self, order: &PackagingOrder) -> bool {
        let Some(open) = self.print.run_open().filter(|id| *id != order.order_id).map(String::from) else {
            return false;
        };
        let key = self.settings.keys.first_label(Action::TabPrint);
        self.flash(
            Severity::Warning,
            format!("Order not changed: end the print run for {open} first (Print tab, {key})"),
        );
        true
    }

    /// Makes the order active (the station is unlocked, or a supervisor signed for it).
    fn apply_active(&mut self, order: PackagingOrder, signed: Option<crate::domain::audit::Signed>) {
        if self.refuse_during_run(&order) {
            return;
        }
        self.flash(Severity::Ok, format!("Active order is now {} ({})", order.order_id, order.product_code));
        self.scan.asking_serial = false;
        self.labels.use_defaults_from(&order);
        let old = self.active.replace(order.clone()).map(|o| o.order_id);
        let audit = NewEntry::new(actions::ACTIVE_ORDER_CHANGED, "active order")
            .by(&self.settings.station_id, self.access.operator_id())
            .change(old, Some(order.order_id.clone()))
            .signed(signed);
        self.outbox.effects.push(Effect::SaveActive(order.clone()));
        if self.settings.line_store {
            self.outbox.effects.push(Effect::LineWatch(Some(order.order_id.clone())));
            self.scan.line_counts = None;
        }
        self.outbox.effects.push(Effect::RefreshScanStats(order.order_id));
        self.outbox.effects.push(Effect::Audit(audit));
    }

    fn api(&mut self, resp: Response) {
        let owner = self.requests.answered(resp.id);
        if matches!(resp.outcome, Outcome::Replaced) {
            // A newer request of the same kind took its place: a signature for it goes too.
            self.signed_requests.remove(&resp.id);
            return;
        }
        let health = health::after(&resp);
        match resp.backend {
            Backend::Manufacturer => self.health.manufacturer = health,
            Backend::Production => self.health.production = health,
        }
        match resp.outcome {
            Outcome::ProductionProbe(_) | Outcome::Replaced => {}
            Outcome::ProductionWaiting(wait) => {
                self.health.production =
                    Health::Offline(format!("rate limited, next try in {} s", wait.as_secs().max(1)));
            }
            outcome => {
                // A signed request's answer: its audit row carries the signature.
                self.signed_now = self.signed_requests.remove(&resp.id);
                if let Some(Owner::Tab(tab)) = owner {
                    self.on_tab(tab, |s, cx| s.answered(resp.id, outcome, cx));
                }
                self.signed_now = None;
            }
        }
    }

    fn pipeline(&mut self, p: Progress) {
        match &p {
            Progress::Answered { .. } => self.health.manufacturer = Health::Online,
            Progress::Waiting { error, .. } => self.health.manufacturer = Health::Offline(health::short(error)),
            Progress::JournalFailed(_) => {}
        }
        self.on_scan(|s, cx| s.pipeline(&p, cx));
    }

    /// News from the printers goes to the Print tab, whichever tab is shown.
    fn print_news(&mut self, news: super::msg::PrintNews) {
        let this = self;
        with_cx!(this, Owner::Tab(Tab::Print), |cx, print| print.news(news, &mut cx))
    }

    /// Carries out what the screens asked for while a message was handled.
    fn finish(&mut self) {
        // A command may lead to more (a typed scan may make an order active); each round
        // takes what the last one left.
        for _ in 0..8 {
            let commands = std::mem::take(&mut self.outbox.commands);
            if commands.is_empty() {
                break;
            }
            for c in commands {
                match c {
                    Command::Flash(f) => self.flash = Some(f),
                    Command::Confirm(mut c) => {
                        c.shown_at = self.clock.mono();
                        self.confirm = Some(c);
                    }
                    Command::SetActive(o) => self.set_active(o),
                    Command::SwitchTab(t) => self.switch_tab(t),
                    Command::CycleTab { forward } => self.cycle_tab(forward),
                    Command::Scanned(raw) => self.route_scan(raw),
                    Command::AllowMore => self.on_scan(|s, cx| s.allow_more(cx)),
                    Command::Sign(req) => self.sign(*req),
                }
            }
        }
    }
}

impl App {
    /// Packs the active order still takes before ORDER FULL (`None`: no order, or no limit).
    fn room(&self) -> Option<i64> {
        let o = self.active.as_ref().filter(|o| o.quantity > 0)?;
        let fill = self.scan.fill_of(o, self.settings.scan.overfill_tolerance_percent);
        Some((fill.limit - fill.packs).max(0))
    }

    /// News from the line store.
    fn line_event(&mut self, e: crate::line_store::LineEvent) {
        use crate::line_store::LineEvent;
        match e {
            LineEvent::Status(s) => {
                let was_online = self.line_status.as_ref().is_some_and(|l| l.online);
                if was_online && !s.online {
                    let why = s.why.clone().unwrap_or_else(|| "the line store cannot be reached".into());
                    self.flash(
                        Severity::Warning,
                        format!("Line-wide duplicate check offline ({why}); scanning goes on"),
                    );
                }
                self.line_status = Some(s);
            }
            LineEvent::Claimed(_) => {}
            LineEvent::LateDuplicate(c) => self.on_scan(|s, cx| s.late_duplicate(c, cx)),
            LineEvent::Counts(c) => {
                if self.active.as_ref().is_some_and(|o| o.order_id == c.order_id) {
                    self.scan.line_counts = Some(c);
                }
            }
            LineEvent::ClockSkew { message, .. } => self.on_scan(|s, cx| s.clock_skew(message, cx)),
            LineEvent::AuditProblem(m) => self.flash(Severity::Error, m),
        }
    }

    /// Tells the line's board what this station shows, when that changed.
    fn report_to_line(&mut self) {
        if !self.settings.line_store {
            return;
        }
        if let Some(crate::tui::tabs::scan::LastScan::Refused(a)) = &self.scan.last {
            if self.last_alarm.as_ref().map(|(h, _)| h.as_str()) != Some(a.headline()) {
                self.last_alarm = Some((a.headline().to_string(), self.clock.now.utc));
            }
        }
        let c = &self.scan.stats.counts;
        let state = crate::line_store::StationState {
            operator: self.access.operator_id().map(String::from),
            active_order: self.active.as_ref().map(|o| o.order_id.clone()),
            accepted: c.accepted,
            commissioned: c.commissioned,
            pending: c.pending,
            per_minute: self.scan.stats.per_minute,
            last_alarm: self.last_alarm.clone(),
        };
        if self.line_reported.as_ref() != Some(&state) {
            self.line_reported = Some(state.clone());
            self.outbox.effects.push(Effect::LineReport(state));
        }
    }
}

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let (flash_at_start, alarm_at_start) = (app.flash.clone(), app.scan.alarm.is_some());
    match msg {
        Msg::Input(input, at) => {
            app.clock.now = at;
            app.input(input);
        }
        Msg::Dropped(n) => {
            app.dropped += n;
            app.flash(
                Severity::Warning,
                format!("{n} unreadable bytes ignored (not a key or a scan): if a scan was cut, scan it again"),
            );
        }
        Msg::Resize(w, h) => {
            // Another size is most likely another terminal (a tmux or screen session attached
            // from elsewhere): whoever signed before may not be the one at it now.
            if app.size != (w, h) {
                app.access.signing.end_session();
            }
            app.size = (w, h);
        }
        Msg::Tick(clock) => app.clock = clock,
        Msg::RefreshDue => app.refresh(),
        Msg::Api(resp) => app.api(*resp),
        Msg::Journaled(results) => app.on_scan(|s, cx| s.journaled(results, cx)),
        Msg::ScanStats(stats) => {
            let active = app.active.as_ref().map(|o| o.order_id.clone());
            app.scan.stats_arrived(*stats, active.as_deref());
        }
        Msg::Pipeline(p) => app.pipeline(p),
        Msg::Line(e) => app.line_event(e),
        Msg::ScanFound { gtin, serial, row } => app.on_scan(|s, cx| s.found(&gtin, &serial, row.map(|r| *r), cx)),
        Msg::PinChecked { purpose: super::msg::PinCheck::Signer(who), ok } => {
            let operator = app.access.operator_id().map(String::from);
            if let Some(done) = app.on_access(|a, cx| a.signing.pin_checked(&who, ok, operator.as_deref(), cx)) {
                app.signed_done(done);
            }
        }
        Msg::PinChecked { purpose: super::msg::PinCheck::Prompt(purpose), ok } => {
            app.on_access(|a, cx| a.pin_checked(purpose, ok, cx))
        }
        Msg::Timer(Timer::FlashExpired(seq)) => {
            if seq == app.flash_seq {
                app.flash = None;
            }
        }
        Msg::Timer(t) => app.on_access(|a, cx| a.timer(t, cx)),
        Msg::Idle(d) => {
            if app.on_access(|a, cx| a.idle(d, cx)) && !app.tab_allowed(app.tab) {
                // Locked tabs close again: the operator is taken home.
                if app.tab == Tab::Print {
                    app.outbox.effects.push(Effect::Print(super::msg::PrintJob::Watch(false)));
                }
                app.tab = Tab::Scan;
            }
        }
        Msg::EffectFailed(text) => app.flash(Severity::Error, text),
        Msg::Print(news) => {
            app.print_news(news);
        }
        Msg::Stopping => app.on_access(|a, cx| a.sign_out("shopfloor stopped", cx)),
    }
    let before = app.flash.clone();
    app.finish();
    app.report_to_line();
    // A new alarm speaks for itself in its banner: an older message ("Alarm acknowledged…")
    // left under it would contradict it.
    if !alarm_at_start && app.scan.alarm.is_some() && app.flash.is_some() && app.flash == flash_at_start {
        app.flash = None;
    }
    if app.flash.is_some() && app.flash != before {
        // A message stays until the next key, the next tab, or this long.
        app.flash_seq += 1;
        app.outbox.effects.push(Effect::After(FLASH_TTL, Timer::FlashExpired(app.flash_seq)));
    }
    std::mem::take(&mut app.outbox.effects)
}
