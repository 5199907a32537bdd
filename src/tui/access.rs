//! Who is at the station and what they may do: the kiosk lock (a supervisor PIN opens locked
//! tabs, quitting and changing the active order; it locks again when idle), operator sign-in
//! (badge scan or typed id, optional PIN, hand-over, idle sign-out), and the PIN prompt with its
//! lockout after five wrong PINs. Every step that changes who may act is written to the audit
//! trail. Pure like the rest of `update`: PINs are checked by the runtime off the UI thread
//! (`Effect::CheckPin`) and the answer comes back as a message.

use super::app::{App, Effect, Severity, Tab};
use crate::config::access::Operator;
use crate::config::keys::Action;
use crate::config::secret::Secret;
use crate::domain::audit::{actions, NewEntry};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;

/// Wrong PINs in a row before the prompt locks.
pub const MAX_FAILURES: u32 = 5;
/// How long the prompt stays locked after that.
pub const LOCKOUT: Duration = Duration::from_secs(60);
/// The message every locked action shows.
pub const LOCKED: &str = "locked — supervisor PIN needed";

/// What the station's access rules are, fixed for a run.
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
}

/// Whose PIN the prompt asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinFor {
    Supervisor,
    Operator(String),
}

#[derive(Debug, Clone)]
pub struct PinPrompt {
    pub purpose: PinFor,
    /// What was typed; shown only as dots.
    pub typed: Secret,
    pub checking: bool,
    pub error: Option<String>,
    /// More was typed than a PIN can be long: most likely a scan went into the prompt.
    pub overflow: bool,
}

/// Timers the runtime runs for the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    PinLockoutOver,
}

#[derive(Debug, Clone, Default)]
pub struct Access {
    pub unlocked: bool,
    pub operator: Option<Operator>,
    pub prompt: Option<PinPrompt>,
    /// Wrong PINs in a row.
    pub failures: u32,
    pub locked_out: bool,
    /// Why the last sign-in did not work, for the sign-in screen.
    pub signin_error: Option<String>,
}

impl App {
    /// Kiosk mode is on and no supervisor has unlocked it.
    pub fn locked(&self) -> bool {
        self.settings.access.kiosk && !self.access.unlocked
    }

    pub fn tab_allowed(&self, tab: Tab) -> bool {
        !self.locked() || tab == Tab::Scan || self.settings.access.tabs.contains(&tab)
    }

    /// The sign-in screen replaces the scan panel: kiosk mode needs an operator to scan.
    pub fn signin_needed(&self) -> bool {
        self.settings.access.kiosk && self.access.operator.is_none()
    }

    pub fn operator_id(&self) -> Option<&str> {
        self.access.operator.as_ref().map(|o| o.id.as_str())
    }

    /// An audit row by this station and the operator signed in.
    pub fn audit(&self, action: &str, object: impl Into<String>) -> NewEntry {
        NewEntry::new(action, object).by(&self.settings.station_id, self.operator_id())
    }

    /// Shows the locked message; returns true when the station is locked.
    pub fn refuse_if_locked(&mut self) -> bool {
        if self.locked() {
            let key = self.settings.keys.label(Action::Unlock);
            self.flash(Severity::Warning, format!("{LOCKED} ({key} unlocks)"));
        }
        self.locked()
    }

    /// In kiosk mode, creating and changing orders needs a signed-in operator.
    pub fn refuse_without_operator(&mut self) -> bool {
        let refuse = self.settings.access.kiosk && self.access.operator.is_none();
        if refuse {
            self.flash(Severity::Warning, "Sign in first: scan your badge on the Scan tab (F5)");
        }
        refuse
    }
}

/// Keys that would leave the program in a normal terminal: Ctrl-C, Ctrl-Z, Ctrl-\.
pub fn is_escape_key(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL) && matches!(k.code, KeyCode::Char('c' | 'z' | '\\' | '4'))
}

/// F12 (by default): open the PIN prompt, or lock again at once when unlocked.
pub fn unlock_key(app: &mut App) -> Vec<Effect> {
    if !app.settings.access.kiosk {
        app.flash(Severity::Info, "Kiosk mode is off: nothing to unlock");
        return Vec::new();
    }
    if app.access.unlocked {
        app.access.unlocked = false;
        app.flash(Severity::Ok, "Locked again");
        return vec![Effect::Audit(app.audit(actions::KIOSK_LOCKED, "station").reason("locked by hand"))];
    }
    open_prompt(app, PinFor::Supervisor);
    Vec::new()
}

fn open_prompt(app: &mut App, purpose: PinFor) {
    if app.access.locked_out {
        app.flash(Severity::Error, "Too many wrong PINs: PIN entry is locked for a minute");
        return;
    }
    app.access.prompt =
        Some(PinPrompt { purpose, typed: Secret::new(""), checking: false, error: None, overflow: false });
}

/// The prompt is modal: it takes every key while open.
pub fn prompt_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(p) = app.access.prompt.as_mut() else { return Vec::new() };
    if p.checking {
        return Vec::new();
    }
    match k.code {
        KeyCode::Esc => {
            app.access.prompt = None;
            app.flash(Severity::Info, "PIN entry closed");
        }
        KeyCode::Backspace => {
            let mut s = p.typed.expose().to_string();
            s.pop();
            p.typed = Secret::new(s);
        }
        KeyCode::Char(c) if !k.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
            if p.typed.expose().chars().count() < 32 {
                p.typed = Secret::new(format!("{}{c}", p.typed.expose()));
            } else {
                p.overflow = true;
            }
        }
        // A scan that went into the prompt is not a wrong PIN: it is dropped, not counted.
        KeyCode::Enter if p.overflow => {
            p.typed = Secret::new("");
            p.overflow = false;
            p.error = Some("That was too long for a PIN (a scan?): type the PIN".into());
        }
        KeyCode::Enter if !p.typed.expose().is_empty() => {
            let hash = match &p.purpose {
                PinFor::Supervisor => app.settings.access.supervisor_pin_hash.clone(),
                PinFor::Operator(id) => {
                    app.settings.access.operators.iter().find(|o| &o.id == id).and_then(|o| o.pin_hash.clone())
                }
            };
            let Some(hash) = hash else {
                app.access.prompt = None;
                return Vec::new();
            };
            p.checking = true;
            let pin = std::mem::replace(&mut p.typed, Secret::new(""));
            return vec![Effect::CheckPin { pin, hash, purpose: p.purpose.clone() }];
        }
        _ => {}
    }
    Vec::new()
}

/// The runtime's answer to `Effect::CheckPin`.
pub fn pin_checked(app: &mut App, purpose: PinFor, ok: bool) -> Vec<Effect> {
    let mut effects = Vec::new();
    match (ok, &purpose) {
        (true, PinFor::Supervisor) => {
            app.access.prompt = None;
            app.access.failures = 0;
            app.access.unlocked = true;
            let idle = app.settings.access.relock_idle.as_secs();
            let key = app.settings.keys.label(Action::Unlock);
            app.flash(
                Severity::Ok,
                format!("Unlocked: all tabs and quitting are open; locks after {idle} s idle ({key} locks now)"),
            );
            effects.push(Effect::Audit(app.audit(actions::KIOSK_UNLOCKED, "station")));
        }
        (true, PinFor::Operator(id)) => {
            app.access.prompt = None;
            app.access.failures = 0;
            if let Some(op) = app.settings.access.operators.iter().find(|o| &o.id == id).cloned() {
                effects.extend(sign_in(app, op));
            }
        }
        (false, _) => {
            app.access.failures += 1;
            let (action, object) = match &purpose {
                PinFor::Supervisor => (actions::KIOSK_PIN_FAILED, "station".to_string()),
                PinFor::Operator(id) => (actions::OPERATOR_PIN_FAILED, id.clone()),
            };
            let n = app.access.failures;
            effects.push(Effect::Audit(app.audit(action, object).reason(format!("wrong PIN, {n} in a row"))));
            effects.push(Effect::Bell);
            if n >= MAX_FAILURES {
                app.access.prompt = None;
                app.access.locked_out = true;
                app.flash(Severity::Error, format!("{n} wrong PINs: PIN entry is locked for a minute"));
                effects.push(Effect::Audit(app.audit(actions::KIOSK_PIN_LOCKOUT, "PIN prompt").reason("5 wrong PINs")));
                effects.push(Effect::After(LOCKOUT, Timer::PinLockoutOver));
            } else if let Some(p) = app.access.prompt.as_mut() {
                p.checking = false;
                p.error = Some(format!("Wrong PIN: {} more tries, then a 1-minute lock", MAX_FAILURES - n));
            }
        }
    }
    effects
}

pub fn timer(app: &mut App, t: Timer) -> Vec<Effect> {
    match t {
        Timer::PinLockoutOver => {
            app.access.locked_out = false;
            app.access.failures = 0;
            app.flash(Severity::Info, "PIN entry is open again");
        }
    }
    Vec::new()
}

/// The operator id in a badge scan (`[signin] badge_prefix` then the id), if it is one.
pub fn badge_id(app: &App, raw: &str) -> Option<String> {
    let prefix = &app.settings.access.badge_prefix;
    let text = crate::scan::wedge::strip_symbology(raw);
    (!prefix.is_empty()).then(|| text.strip_prefix(prefix.as_str()).map(|id| id.trim().to_string())).flatten()
}

/// A badge scanned or an id typed on the sign-in screen.
pub fn sign_in_attempt(app: &mut App, raw: &str) -> Vec<Effect> {
    let id = badge_id(app, raw).unwrap_or_else(|| crate::scan::wedge::strip_symbology(raw).trim().to_string());
    let found = app.settings.access.operators.iter().find(|o| o.id.eq_ignore_ascii_case(&id)).cloned();
    let Some(op) = found else {
        let msg = format!(
            "\"{id}\" is not an operator of this station: scan your badge again, or ask the supervisor to add you"
        );
        app.access.signin_error = Some(msg.clone());
        app.flash(Severity::Error, msg);
        return vec![Effect::Bell];
    };
    app.access.signin_error = None;
    if app.operator_id() == Some(op.id.as_str()) {
        app.flash(Severity::Info, format!("{} is signed in already", op.shown()));
        return Vec::new();
    }
    if op.pin_hash.is_some() {
        open_prompt(app, PinFor::Operator(op.id.clone()));
        return Vec::new();
    }
    sign_in(app, op)
}

/// Signs the operator in; whoever was signed in is signed out first (a hand-over).
fn sign_in(app: &mut App, op: Operator) -> Vec<Effect> {
    let mut effects = Vec::new();
    if let Some(prev) = app.access.operator.clone() {
        effects.extend(sign_out(app, &format!("hand-over to {}", op.id)));
        app.flash(Severity::Ok, format!("{} handed over to {}", prev.shown(), op.shown()));
    } else {
        app.flash(Severity::Ok, format!("Signed in: {}", op.shown()));
    }
    app.access.operator = Some(op.clone());
    effects.push(Effect::Audit(app.audit(actions::OPERATOR_SIGNED_IN, op.id)));
    effects
}

pub fn sign_out(app: &mut App, reason: &str) -> Vec<Effect> {
    let Some(op) = app.access.operator.take() else { return Vec::new() };
    app.flash(Severity::Info, format!("Signed out: {} ({reason})", op.shown()));
    let entry = NewEntry::new(actions::OPERATOR_SIGNED_OUT, op.id.clone())
        .by(&app.settings.station_id, Some(&op.id))
        .reason(reason);
    vec![Effect::Audit(entry)]
}

/// The idle time at which something happens next (relock, sign-out), if anything would.
pub fn next_idle_limit(app: &App) -> Option<Duration> {
    let s = &app.settings.access;
    let relock = (s.kiosk && app.access.unlocked).then_some(s.relock_idle);
    let signout = app.access.operator.as_ref().and(s.idle_signout);
    match (relock, signout) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// No key for `idle`: lock again, sign out.
pub fn idle(app: &mut App, idle: Duration) -> Vec<Effect> {
    let mut effects = Vec::new();
    let s = app.settings.access.clone();
    if s.kiosk && app.access.unlocked && idle >= s.relock_idle {
        app.access.unlocked = false;
        app.access.prompt = None;
        // Locked tabs close again: the operator is taken home.
        if !app.tab_allowed(app.tab) {
            super::app::switch_tab(app, Tab::Scan);
        }
        app.flash(Severity::Info, "Locked again after no key was pressed for a while");
        effects.push(Effect::Audit(
            app.audit(actions::KIOSK_LOCKED, "station").reason(format!("idle {} s", idle.as_secs())),
        ));
    }
    if let Some(limit) = s.idle_signout.filter(|l| app.access.operator.is_some() && idle >= *l) {
        effects.extend(sign_out(app, &format!("idle {} min", limit.as_secs() / 60)));
    }
    effects
}
