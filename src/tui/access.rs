//! Who is at the station and what they may do: the kiosk lock (a supervisor PIN opens locked
//! tabs, quitting and changing the active order; it locks again when idle), operator sign-in
//! (badge scan or typed id, optional PIN, hand-over, idle sign-out), and the PIN prompt with its
//! lockout after five wrong PINs. Every step that changes who may act is written to the audit
//! trail. Pure like the rest of `update`: PINs are checked by the runtime off the UI thread
//! (`Effect::CheckPin`) and the answer comes back as a message.
//!
//! While the PIN prompt is open it takes all input: keys, bursts and scans. A scan is never a
//! PIN: it is refused with a hint, not counted as a wrong PIN, and its text is kept nowhere.

use super::ctx::{Command, Ctx};
use super::msg::{AccessSettings, Effect, KeyIn, PinCheck, PinFor, Severity, Tab, Timer};
use super::sign_request::AfterSign;
use crate::config::access::Operator;
use crate::config::keys::Action;
use crate::config::secret::Secret;
use crate::config::signatures::SignedAction;
use crate::domain::audit::Signed;
use crate::domain::audit::{actions, NewEntry};
use crate::input::key::Code;
use crate::input::scanner::strip_symbology;
use std::time::Duration;

/// Wrong PINs in a row before the prompt locks.
pub const MAX_FAILURES: u32 = 5;
/// How long the prompt stays locked after that.
pub const LOCKOUT: Duration = Duration::from_secs(60);
/// No PIN is longer than this; more typed is most likely a scan.
const PIN_MAX: usize = 32;

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

impl PinPrompt {
    fn new(purpose: PinFor) -> Self {
        PinPrompt { purpose, typed: Secret::new(""), checking: false, error: None, overflow: false }
    }
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
    /// Supervisors' signatures: the dialog, the session, wrong PINs per person.
    pub signing: super::signing::Signing,
}

impl Access {
    /// Kiosk mode is on and no supervisor has unlocked it.
    pub fn locked(&self, s: &AccessSettings) -> bool {
        s.kiosk && !self.unlocked
    }

    pub fn tab_allowed(&self, s: &AccessSettings, tab: Tab) -> bool {
        !self.locked(s) || tab == Tab::Scan || s.tabs.contains(&tab)
    }

    /// The sign-in screen replaces the scan panel: kiosk mode needs an operator to scan.
    pub fn signin_needed(&self, s: &AccessSettings) -> bool {
        s.kiosk && self.operator.is_none()
    }

    pub fn operator_id(&self) -> Option<&str> {
        self.operator.as_ref().map(|o| o.id.as_str())
    }

    fn audit(&self, cx: &Ctx, action: &str, object: impl Into<String>) -> NewEntry {
        NewEntry::new(action, object).by(&cx.settings.station_id, self.operator_id())
    }

    /// F12 (by default): open the PIN prompt, or lock again at once when unlocked.
    pub fn unlock_key(&mut self, cx: &mut Ctx) {
        if !cx.settings.access.kiosk {
            cx.flash(Severity::Info, "Kiosk mode is off: nothing to unlock");
            return;
        }
        if self.unlocked {
            self.unlocked = false;
            self.signing.end_session();
            cx.flash(Severity::Ok, "Locked again");
            tracing::info!(station = %cx.settings.station_id, "kiosk locked by hand");
            let e = self.audit(cx, actions::KIOSK_LOCKED, "station").reason("locked by hand");
            cx.effect(Effect::Audit(e));
            return;
        }
        if super::signing::has_signers(&cx.settings.access.operators) {
            let summary = format!("Unlock {}: all tabs, changing the order and quitting", cx.settings.station_id);
            cx.sign(SignedAction::Unlock, summary, None, AfterSign::Unlock);
            return;
        }
        self.open_prompt(PinFor::Supervisor, cx);
    }

    /// A named supervisor unlocked the station (recorded under them, with their signature when
    /// the config asks for one).
    pub fn unlocked_by(&mut self, signer: &Operator, signed: Option<Signed>, cx: &mut Ctx) {
        self.unlocked = true;
        let idle = cx.settings.access.relock_idle.as_secs();
        let key = cx.settings.keys.label(Action::Unlock);
        cx.flash(
            Severity::Ok,
            format!(
                "Unlocked by {}: all tabs and quitting are open; locks after {idle} s idle ({key} locks now)",
                signer.printed_name()
            ),
        );
        tracing::info!(station = %cx.settings.station_id, supervisor = %signer.id, "kiosk unlocked");
        let e = NewEntry::new(actions::KIOSK_UNLOCKED, "station")
            .by(&cx.settings.station_id, Some(&signer.id))
            .signed(signed);
        cx.effect(Effect::Audit(e));
    }

    /// The supervisor's PIN, asked to let a full order take more packs.
    pub fn ask_allow_more(&mut self, cx: &mut Ctx) {
        if super::signing::has_signers(&cx.settings.access.operators) {
            let Some(active) = cx.active else {
                cx.flash(Severity::Info, "No order is active: nothing to allow more packs for");
                return;
            };
            // The step signed for is the one applied (one rule for both).
            let step = super::tabs::scan::allow_more_step(active.quantity);
            let summary = format!("Allow order {} {step} more pack(s) than its quantity", active.order_id);
            let order_id = active.order_id.clone();
            cx.sign(SignedAction::AllowMore, summary, Some(order_id.clone()), AfterSign::AllowMore { order_id });
            return;
        }
        if cx.settings.access.supervisor_pin_hash.is_none() {
            cx.flash(
                Severity::Warning,
                "No supervisor PIN is set up: raise [scan] overfill_tolerance_percent or the order's quantity",
            );
            return;
        }
        self.open_prompt(PinFor::AllowMore, cx);
    }

    fn open_prompt(&mut self, purpose: PinFor, cx: &mut Ctx) {
        if self.locked_out {
            cx.flash(Severity::Error, "Too many wrong PINs: PIN entry is locked for a minute");
            return;
        }
        self.prompt = Some(PinPrompt::new(purpose));
    }

    /// The prompt is modal: it takes every key while open, fast ones included.
    pub fn prompt_key(&mut self, k: KeyIn, cx: &mut Ctx) {
        let Some(p) = self.prompt.as_mut() else { return };
        if p.checking {
            return;
        }
        if self.locked_out {
            // Locked out: the prompt swallows what is typed (most likely the PIN again).
            if k.key.code == Code::Esc {
                self.prompt = None;
                cx.flash(Severity::Info, "PIN entry closed; it is locked for a minute");
            } else {
                p.typed = Secret::new("");
                p.error = Some("Too many wrong PINs: wait a minute, then type it again".into());
            }
            return;
        }
        match k.key.code {
            Code::Esc => {
                self.prompt = None;
                cx.flash(Severity::Info, "PIN entry closed");
            }
            Code::Backspace => {
                let mut s = p.typed.expose().to_string();
                s.pop();
                p.typed = Secret::new(s);
            }
            Code::Enter if p.overflow => {
                // A scan that went into the prompt is not a wrong PIN: it is dropped, not counted.
                p.typed = Secret::new("");
                p.overflow = false;
                p.error = Some("That was too long for a PIN (a scan?): type the PIN".into());
            }
            Code::Enter if !p.typed.expose().is_empty() => {
                let hash = match &p.purpose {
                    PinFor::Supervisor | PinFor::AllowMore => cx.settings.access.supervisor_pin_hash.clone(),
                    PinFor::Operator(id) => {
                        cx.settings.access.operators.iter().find(|o| &o.id == id).and_then(|o| o.pin_hash.clone())
                    }
                };
                let Some(hash) = hash else {
                    self.prompt = None;
                    return;
                };
                p.checking = true;
                let pin = std::mem::replace(&mut p.typed, Secret::new(""));
                cx.effect(Effect::CheckPin { pin, hash, purpose: PinCheck::Prompt(p.purpose.clone()) });
            }
            _ => {
                if let Some(c) = k.key.text() {
                    if p.typed.expose().chars().count() < PIN_MAX {
                        p.typed = Secret::new(format!("{}{c}", p.typed.expose()));
                    } else {
                        p.overflow = true;
                    }
                }
            }
        }
    }

    /// A scan while the prompt is open: never a PIN, never kept.
    pub fn prompt_scan(&mut self, cx: &mut Ctx) {
        if let Some(p) = self.prompt.as_mut() {
            p.typed = Secret::new("");
            p.overflow = false;
            p.error = Some("A scan is not a PIN: type the PIN on the keys".into());
            cx.bell();
        }
    }

    /// Pasted text is never a PIN either.
    pub fn prompt_paste(&mut self) {
        if let Some(p) = self.prompt.as_mut() {
            p.error = Some("Pasting is not accepted here: type the PIN".into());
        }
    }

    /// The runtime's answer to `Effect::CheckPin`.
    pub fn pin_checked(&mut self, purpose: PinFor, ok: bool, cx: &mut Ctx) {
        match (ok, &purpose) {
            (true, PinFor::Supervisor) => {
                self.prompt = None;
                self.failures = 0;
                self.unlocked = true;
                let idle = cx.settings.access.relock_idle.as_secs();
                let key = cx.settings.keys.label(Action::Unlock);
                cx.flash(
                    Severity::Ok,
                    format!("Unlocked: all tabs and quitting are open; locks after {idle} s idle ({key} locks now)"),
                );
                tracing::info!(station = %cx.settings.station_id, "kiosk unlocked with the supervisor PIN");
                let e = self.audit(cx, actions::KIOSK_UNLOCKED, "station");
                cx.effect(Effect::Audit(e));
            }
            (true, PinFor::AllowMore) => {
                self.prompt = None;
                self.failures = 0;
                cx.command(Command::AllowMore);
            }
            (true, PinFor::Operator(id)) => {
                self.prompt = None;
                self.failures = 0;
                if let Some(op) = cx.settings.access.operators.iter().find(|o| &o.id == id).cloned() {
                    self.sign_in(op, cx);
                }
            }
            (false, _) => {
                self.failures += 1;
                let (action, object) = match &purpose {
                    PinFor::Supervisor => (actions::KIOSK_PIN_FAILED, "station".to_string()),
                    PinFor::AllowMore => (actions::KIOSK_PIN_FAILED, "allow more packs".to_string()),
                    PinFor::Operator(id) => (actions::OPERATOR_PIN_FAILED, id.clone()),
                };
                let n = self.failures;
                let e = self.audit(cx, action, object).reason(format!("wrong PIN, {n} in a row"));
                cx.effect(Effect::Audit(e));
                cx.bell();
                if n >= MAX_FAILURES {
                    // The prompt stays open and takes input, so nothing typed meanwhile (the
                    // PIN again, most likely) goes anywhere else.
                    self.locked_out = true;
                    if let Some(p) = self.prompt.as_mut() {
                        p.checking = false;
                        p.typed = Secret::new("");
                        p.error = Some(format!("{n} wrong PINs: locked for a minute (Esc closes)"));
                    }
                    cx.flash(Severity::Error, format!("{n} wrong PINs: PIN entry is locked for a minute"));
                    tracing::warn!(station = %cx.settings.station_id, "PIN entry locked after {n} wrong PINs");
                    let e = self.audit(cx, actions::KIOSK_PIN_LOCKOUT, "PIN prompt").reason("5 wrong PINs");
                    cx.effect(Effect::Audit(e));
                    cx.effect(Effect::After(LOCKOUT, Timer::PinLockoutOver));
                } else if let Some(p) = self.prompt.as_mut() {
                    p.checking = false;
                    p.error = Some(format!("Wrong PIN: {} more tries, then a 1-minute lock", MAX_FAILURES - n));
                }
            }
        }
    }

    pub fn timer(&mut self, t: Timer, cx: &mut Ctx) {
        match t {
            Timer::PinLockoutOver => {
                self.locked_out = false;
                self.failures = 0;
                if let Some(p) = self.prompt.as_mut() {
                    p.error = None;
                }
                cx.flash(Severity::Info, "PIN entry is open again");
            }
            // The app's own timers.
            Timer::FlashExpired(_) => {}
        }
    }

    /// The operator id in a badge scan (`[signin] badge_prefix` then the id), if it is one.
    pub fn badge_id(s: &AccessSettings, raw: &str) -> Option<String> {
        crate::config::access::badge_id(&s.badge_prefix, raw)
    }

    /// A badge scanned, or an id typed on the sign-in screen.
    pub fn sign_in_attempt(&mut self, raw: &str, cx: &mut Ctx) {
        let id = Access::badge_id(&cx.settings.access, raw).unwrap_or_else(|| strip_symbology(raw).trim().to_string());
        let found = cx.settings.access.operators.iter().find(|o| o.id.eq_ignore_ascii_case(&id)).cloned();
        let Some(op) = found else {
            // Neither a pack's code nor what was typed is repeated: it may have been a PIN.
            let msg = if id.chars().count() > 20 {
                "A pack was scanned, but nobody is signed in: scan your badge first, then the pack again".to_string()
            } else {
                "That id is not an operator of this station: scan your badge again, or ask a supervisor to add you"
                    .to_string()
            };
            self.signin_error = Some(msg.clone());
            cx.flash(Severity::Error, msg);
            cx.bell();
            return;
        };
        self.signin_error = None;
        if self.operator_id() == Some(op.id.as_str()) {
            cx.flash(Severity::Info, format!("{} is signed in already", op.shown()));
            return;
        }
        if op.pin_hash.is_some() {
            self.open_prompt(PinFor::Operator(op.id.clone()), cx);
            return;
        }
        self.sign_in(op, cx);
    }

    /// Signs the operator in; whoever was signed in is signed out first (a hand-over).
    fn sign_in(&mut self, op: Operator, cx: &mut Ctx) {
        if let Some(prev) = self.operator.clone() {
            self.sign_out(&format!("hand-over to {}", op.id), cx);
            cx.flash(Severity::Ok, format!("{} handed over to {}", prev.shown(), op.shown()));
        } else {
            cx.flash(Severity::Ok, format!("Signed in: {}", op.shown()));
        }
        self.operator = Some(op.clone());
        cx.effect(Effect::Operator(Some(op.id.clone())));
        let e = self.audit(cx, actions::OPERATOR_SIGNED_IN, op.id);
        cx.effect(Effect::Audit(e));
    }

    pub fn sign_out(&mut self, reason: &str, cx: &mut Ctx) {
        // A signing session does not outlive the operator's.
        self.signing.end_session();
        let Some(op) = self.operator.take() else { return };
        cx.flash(Severity::Info, format!("Signed out: {} ({reason})", op.shown()));
        cx.effect(Effect::Operator(None));
        let e = NewEntry::new(actions::OPERATOR_SIGNED_OUT, op.id.clone())
            .by(&cx.settings.station_id, Some(&op.id))
            .reason(reason);
        cx.effect(Effect::Audit(e));
    }

    /// The idle time at which something happens next (relock, sign-out), if anything would.
    pub fn next_idle_limit(&self, s: &AccessSettings) -> Option<Duration> {
        let relock = (s.kiosk && self.unlocked).then_some(s.relock_idle);
        let signout = self.operator.as_ref().and(s.idle_signout);
        let session = self.signing.session.as_ref().map(|_| s.signatures.session_idle);
        [relock, signout, session].into_iter().flatten().min()
    }

    /// Nobody pressed a key for `idle`: lock again, sign out. Returns whether the station locked.
    pub fn idle(&mut self, idle: Duration, cx: &mut Ctx) -> bool {
        let s = cx.settings.access.clone();
        let mut relocked = false;
        if self.signing.session.is_some() && idle >= s.signatures.session_idle {
            self.signing.end_session();
        }
        if s.kiosk && self.unlocked && idle >= s.relock_idle {
            self.unlocked = false;
            self.signing.end_session();
            self.prompt = None;
            relocked = true;
            cx.flash(Severity::Info, "Locked again after no key was pressed for a while");
            tracing::info!(station = %cx.settings.station_id, "kiosk locked again after {} s idle", idle.as_secs());
            let e = self.audit(cx, actions::KIOSK_LOCKED, "station").reason(format!("idle {} s", idle.as_secs()));
            cx.effect(Effect::Audit(e));
        }
        if let Some(limit) = s.idle_signout.filter(|l| self.operator.is_some() && idle >= *l) {
            self.sign_out(&format!("idle {} min", limit.as_secs() / 60), cx);
        }
        relocked
    }
}

/// Keys that would leave the program in a normal terminal: Ctrl-C, Ctrl-Z, Ctrl-\.
pub fn is_escape_key(k: &crate::input::key::Key) -> bool {
    use crate::input::key::Key;
    [Key::ctrl('c'), Key::ctrl('z'), Key::ctrl('\\'), Key::ctrl('4')].contains(k)
}
