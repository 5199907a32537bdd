//! Electronic signatures at the station (21 CFR 11.50, 11.70, 11.200): the dialog that asks a
//! named supervisor or QA person to sign an action, the signing session, and wrong PINs counted
//! per person.
//!
//! The dialog shows what is signed (one line), the meaning, the reason (asked where the config
//! requires one: overrides, by default) and, once the signer is known, their printed name. The first signature of a session takes
//! both components, the id (typed or a badge scanned) and the PIN; later ones take the PIN
//! alone, checked against that same person's hash only, while the session is continuous. A lock,
//! a sign-out, idle time or the end of the program ends it. A scan is never a PIN or a reason:
//! it is refused with a hint and kept nowhere. Pure like `update`: the PIN is checked by the
//! runtime (`Effect::CheckPin`) and the answer comes back as a message.

use super::ctx::Ctx;
use super::msg::{Effect, KeyIn, PinCheck, Severity};
pub use super::sign_request::{AfterSign, SignRequest};
use crate::config::access::Operator;
use crate::config::secret::Secret;
use crate::domain::audit::{actions, NewEntry, Signed};
use crate::input::key::Code;
use crate::input::Millis;
use std::collections::HashMap;

/// How long signing as a person stays locked after too many wrong PINs.
pub const LOCKOUT_MS: Millis = 5 * 60 * 1000;
/// No PIN or id is longer than this; more typed is most likely a scan.
const FIELD_MAX: usize = 32;
/// A reason is one line of the audit trail.
const REASON_MAX: usize = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Reason,
    Id,
    Pin,
}

#[derive(Debug, Clone)]
pub struct SignDialog {
    pub request: SignRequest,
    /// Whether a signature row is written (off: the action only needs a named supervisor).
    pub signature: bool,
    pub meaning: String,
    pub reason_required: bool,
    pub two_person: bool,
    /// Who asked (the operator signed in), for the two-person rule.
    pub asked_by: Option<String>,
    pub step: Step,
    pub reason: String,
    pub id: String,
    pub pin: Secret,
    /// Identified: the id step is done (or the session is continuous).
    pub signer: Option<Operator>,
    /// The PIN alone is asked: the session with this signer is continuous.
    pub continuous: bool,
    /// The signer was named by a badge scan (not a typed id).
    badge: bool,
    pub checking: bool,
    pub error: Option<String>,
    overflow: bool,
}

/// The person whose session is continuous, and when they last signed (monotonic ms).
#[derive(Debug, Clone)]
pub struct Session {
    pub signer: Operator,
    pub at: Millis,
}

/// A finished signing: what to do, by whom, and the signature (when one is written).
#[derive(Debug, Clone)]
pub struct Done {
    pub then: AfterSign,
    /// `None`: the action needed no one (no signature asked for it).
    pub signer: Option<Operator>,
    pub signed: Option<Signed>,
}

#[derive(Debug, Clone, Default)]
pub struct Signing {
    pub dialog: Option<SignDialog>,
    pub session: Option<Session>,
    /// Wrong PINs in a row, per person.
    failures: HashMap<String, u32>,
    /// Until when signing as a person is locked (monotonic ms).
    locked_until: HashMap<String, Millis>,
}

/// Whether anyone at the station can sign: a supervisor or QA person with a PIN.
pub fn has_signers(ops: &[Operator]) -> bool {
    ops.iter().any(Operator::signs)
}

impl Signing {
    /// Opens the dialog for a request (the caller decided a named person is needed).
    /// `asked_by`: the operator signed in, who asked for the action.
    pub fn open(&mut self, request: SignRequest, asked_by: Option<String>, cx: &mut Ctx) {
        let rules = &cx.settings.access.signatures;
        let rule = rules.rule(request.action);
        let signature = rules.required(request.action);
        // The session belongs to the person who signed: it lasts `session_idle` from their last
        // signature, however busy the station was meanwhile.
        let limit = rules.session_idle.as_millis() as Millis;
        if self.session.as_ref().is_some_and(|s| cx.clock.mono() >= s.at + limit) {
            self.session = None;
        }
        let continuous = self.session.clone();
        // A reason is asked only where one is required (overrides); the record says the rest.
        let step = if signature && rule.reason_required {
            Step::Reason
        } else if continuous.is_some() {
            Step::Pin
        } else {
            Step::Id
        };
        self.dialog = Some(SignDialog {
            request,
            signature,
            meaning: rule.meaning,
            reason_required: rule.reason_required,
            two_person: rule.two_person,
            asked_by,
            step,
            reason: String::new(),
            id: String::new(),
            pin: Secret::new(""),
            continuous: continuous.is_some(),
            badge: false,
            signer: continuous.map(|s| s.signer),
            checking: false,
            error: None,
            overflow: false,
        });
        if let Some(d) = self.dialog.as_mut() {
            if let Some(why) = d.signer.as_ref().and_then(|s| two_person_problem(d, s)) {
                // The person of the session asked for this: someone else signs it.
                break_continuity(d, why);
            }
        }
    }

    /// The session's continuity ends (lock, sign-out, idle, another terminal, the end of the
    /// program): a dialog open for the PIN alone asks who signs again.
    pub fn end_session(&mut self) {
        self.session = None;
        // A PIN already on its way is answered first (it is checked against that person only).
        if let Some(d) = self.dialog.as_mut().filter(|d| d.continuous && !d.checking) {
            break_continuity(d, "The signing session ended: type your id or scan your badge".into());
        }
    }

    /// A key while the dialog is open (it takes every key).
    pub fn key(&mut self, k: KeyIn, cx: &mut Ctx) {
        let now = cx.clock.mono();
        let Some(d) = self.dialog.as_mut() else { return };
        if d.checking {
            return;
        }
        match k.key.code {
            Code::Esc => {
                self.dialog = None;
                cx.flash(Severity::Info, "Not signed: nothing was done");
                return;
            }
            // Another person signs instead of the one whose session is continuous.
            Code::Tab if d.step == Step::Pin && d.continuous => {
                d.continuous = false;
                d.signer = None;
                d.badge = false;
                d.overflow = false;
                d.pin = Secret::new("");
                d.step = Step::Id;
                d.error = None;
                return;
            }
            Code::Backspace => {
                match d.step {
                    Step::Reason => {
                        d.reason.pop();
                    }
                    Step::Id => {
                        d.id.pop();
                    }
                    Step::Pin => {
                        let mut s = d.pin.expose().to_string();
                        s.pop();
                        d.pin = Secret::new(s);
                    }
                }
                return;
            }
            Code::Enter => {}
            _ => {
                if let Some(c) = k.key.text() {
                    d.error = None;
                    match d.step {
                        Step::Reason if d.reason.chars().count() < REASON_MAX => d.reason.push(c),
                        Step::Id if d.id.chars().count() < FIELD_MAX => d.id.push(c),
                        Step::Pin if d.pin.expose().chars().count() < FIELD_MAX => {
                            d.pin = Secret::new(format!("{}{c}", d.pin.expose()))
                        }
                        Step::Pin | Step::Id => d.overflow = true,
                        Step::Reason => {}
                    }
                }
                return;
            }
        }
        // Enter: the step is done.
        match d.step {
            Step::Reason => {
                if d.reason_required && d.reason.trim().is_empty() {
                    d.error = Some("A reason is required to sign this: type it, then Enter".into());
                    return;
                }
                // A reason is kept for good in the audit trail: a PIN typed here by mistake must
                // not be, so a reason says why in words.
                let r = d.reason.trim();
                let letters = r.chars().filter(|c| c.is_alphabetic()).count();
                let pin_like = !r.contains(char::is_whitespace) && r.chars().any(|c| c.is_ascii_digit());
                if !r.is_empty() && (letters < 3 || pin_like) {
                    d.reason.clear();
                    d.error = Some(
                        "Say why in words, e.g. \"line 2 down\" (one word with digits may be a PIN): type the reason"
                            .into(),
                    );
                    return;
                }
                d.step = if d.continuous { Step::Pin } else { Step::Id };
            }
            Step::Id => {
                if d.overflow {
                    d.id.clear();
                    d.overflow = false;
                    d.error = Some("That was too long for an id (a scan?): type the id or scan a badge".into());
                    return;
                }
                let id = d.id.trim().to_string();
                d.badge = false;
                self.identify(&id, now, cx);
            }
            Step::Pin => {
                if d.overflow {
                    // A scan that went into the PIN field is not a wrong PIN: dropped, not counted.
                    d.pin = Secret::new("");
                    d.overflow = false;
                    d.error = Some("That was too long for a PIN (a scan?): type the PIN".into());
                    return;
                }
                if d.pin.expose().is_empty() {
                    d.error = Some("Type your PIN, then Enter".into());
                    return;
                }
                let limit = cx.settings.access.signatures.session_idle.as_millis() as Millis;
                if d.continuous && self.session.as_ref().is_none_or(|s| now >= s.at + limit) {
                    // The dialog waited past the session's end: the PIN alone is not enough now.
                    self.end_session();
                    return;
                }
                let Some(d) = self.dialog.as_mut() else { return };
                let Some(signer) = d.signer.clone() else { return };
                let Some(hash) = signer.pin_hash.clone() else { return };
                d.checking = true;
                let pin = std::mem::replace(&mut d.pin, Secret::new(""));
                // The PIN is checked against this person's hash only.
                cx.effect(Effect::CheckPin { pin, hash, purpose: PinCheck::Signer(signer.id) });
            }
        }
    }

    /// The id typed or the badge scanned: who signs.
    fn identify(&mut self, id: &str, now: Millis, cx: &mut Ctx) {
        let Some(d) = self.dialog.as_mut() else { return };
        if id.is_empty() {
            d.error = Some("Type your id or scan your badge, then Enter".into());
            return;
        }
        // A badge typed by hand, or one too short to be told from typing, carries its prefix.
        let id =
            crate::config::access::badge_id(&cx.settings.access.badge_prefix, id).unwrap_or_else(|| id.to_string());
        let id = id.as_str();
        let person = cx.settings.access.operators.iter().find(|o| o.id.eq_ignore_ascii_case(id)).cloned();
        let problem = match &person {
            // What was typed is not repeated: it may have been a PIN typed into the wrong field.
            None => Some("That id is not a person of this station: type your own id, or scan your badge".to_string()),
            Some(p) if !p.signs() => {
                Some(format!("{} is an operator: a supervisor or QA person signs this; ask one to come", p.shown()))
            }
            Some(p) if self.locked_until.get(&p.id).is_some_and(|t| now < *t) => {
                let left = self.locked_until.get(&p.id).map_or(0, |t| t - now);
                Some(locked_out(&format!("Too many wrong PINs for {}", p.shown()), left, cx))
            }
            Some(p) => two_person_problem(d, p),
        };
        if let Some(why) = problem {
            d.id.clear();
            d.error = Some(why);
            cx.bell();
            return;
        }
        d.signer = person;
        d.step = Step::Pin;
        d.overflow = false;
        d.error = None;
    }

    /// A scan while the dialog is open: a badge names the signer on the id step; anything else is
    /// refused and kept nowhere.
    pub fn scan(&mut self, raw: &str, cx: &mut Ctx) {
        let now = cx.clock.mono();
        let Some(d) = self.dialog.as_mut() else { return };
        let badge = crate::config::access::badge_id(&cx.settings.access.badge_prefix, raw);
        match (d.step, badge) {
            (Step::Id, Some(id)) if !d.checking => {
                d.badge = true;
                self.identify(&id, now, cx)
            }
            // A badge on the PIN step: that person signs instead.
            (Step::Pin, Some(id)) if !d.checking => {
                d.continuous = false;
                d.signer = None;
                d.pin = Secret::new("");
                d.step = Step::Id;
                d.badge = true;
                self.identify(&id, now, cx)
            }
            (step, _) => {
                let what = match step {
                    Step::Reason => "type the reason on the keys",
                    Step::Id => "type your id or scan your badge",
                    Step::Pin => "type the PIN on the keys",
                };
                d.error = Some(format!(
                    "A scan is not accepted here (a pack scanned now is not recorded: scan it again after): {what}"
                ));
                if step == Step::Pin {
                    d.pin = Secret::new("");
                }
                d.overflow = false;
                cx.bell();
            }
        }
    }

    pub fn paste(&mut self) {
        if let Some(d) = self.dialog.as_mut() {
            d.error = Some("Pasting is not accepted here: type it on the keys".into());
        }
    }

    /// The runtime's answer for a signer's PIN: the signing is done, or the wrong PIN counted
    /// against that person.
    /// `operator`: who is signed in at the station (named in the audit rows of wrong PINs).
    pub fn pin_checked(&mut self, who: &str, ok: bool, operator: Option<&str>, cx: &mut Ctx) -> Option<Done> {
        let now = cx.clock.mono();
        let d = self.dialog.as_mut()?;
        // Whatever the answer, the dialog takes keys again (it must never stay stuck).
        d.checking = false;
        let signer = d.signer.clone().filter(|s| s.id == who)?;
        if ok {
            self.failures.remove(&signer.id);
            let d = self.dialog.take()?;
            self.session = Some(Session { signer: signer.clone(), at: now });
            let signed = d.signature.then(|| Signed {
                signer: signer.id.clone(),
                name: signer.printed_name().to_string(),
                role: signer.role.name().to_string(),
                meaning: d.meaning.clone(),
                action: d.request.action.key().to_string(),
                summary: d.request.summary.clone(),
                signed_with: match (d.continuous, d.badge) {
                    (true, _) => "PIN in a continuous session",
                    (false, true) => "badge and PIN",
                    (false, false) => "id and PIN",
                }
                .to_string(),
                order: d.request.order.clone(),
                reason: Some(d.reason.trim().to_string()).filter(|r| !r.is_empty()),
                ..Signed::default()
            });
            return Some(Done { then: d.request.then, signer: Some(signer), signed });
        }
        let n = {
            let n = self.failures.entry(signer.id.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let station = cx.settings.station_id.clone();
        let row = NewEntry::new(actions::SIGNATURE_PIN_FAILED, signer.id.clone())
            .by(&station, operator)
            .reason(format!("wrong PIN for {}, {n} in a row ({})", signer.id, d.request.action.key()));
        cx.effect(Effect::Audit(row));
        cx.bell();
        let max = cx.settings.access.signatures.max_failures;
        if n >= max {
            self.locked_until.insert(signer.id.clone(), now + LOCKOUT_MS);
            self.failures.remove(&signer.id);
            if self.session.as_ref().is_some_and(|s| s.signer.id == signer.id) {
                self.session = None;
            }
            let row = NewEntry::new(actions::SIGNATURE_LOCKOUT, signer.id.clone())
                .by(&station, operator)
                .reason(format!("attempted misuse: {n} wrong PINs in a row for {}", signer.id));
            cx.effect(Effect::Audit(row));
            tracing::warn!(station = %station, person = %signer.id, "signing locked after {n} wrong PINs");
            d.signer = None;
            d.continuous = false;
            d.step = Step::Id;
            d.id.clear();
            d.error = Some(locked_out(&format!("{n} wrong PINs for {}", signer.shown()), LOCKOUT_MS, cx));
        } else {
            let left = max - n;
            let tries = if left == 1 { "try" } else { "tries" };
            d.error = Some(format!("Wrong PIN: {left} more {tries} for {}", signer.shown()));
        }
        None
    }
}

/// Why this person may not sign this request (the two-person rule), if they may not.
fn two_person_problem(d: &SignDialog, p: &Operator) -> Option<String> {
    if !d.two_person {
        return None;
    }
    match d.asked_by.as_deref() {
        // Nobody signed in: nothing says who asked, so nobody could be told apart from them.
        None => Some("Two persons are needed: the operator signs in first (badge), then asks again".into()),
        Some(a) if a.eq_ignore_ascii_case(&p.id) => {
            Some(format!("A second person must sign: {} asked for this, so someone else signs", p.shown()))
        }
        Some(_) => None,
    }
}

/// The PIN alone will not do: the person signing is asked again, for this reason.
fn break_continuity(d: &mut SignDialog, why: String) {
    d.continuous = false;
    d.signer = None;
    d.badge = false;
    d.overflow = false;
    d.checking = false;
    d.pin = Secret::new("");
    if d.step == Step::Pin {
        d.step = Step::Id;
    }
    d.error = Some(why);
}

/// "<what>: signing as them is locked until HH:MM (`left` from now, station time), and what to do.
fn locked_out(what: &str, left: Millis, cx: &Ctx) -> String {
    let until = cx.clock.zone.local(cx.clock.now.utc + chrono::Duration::milliseconds(left as i64));
    format!("{what}: signing as them is locked until {}. Another supervisor may sign, or Esc", until.format("%H:%M"))
}
