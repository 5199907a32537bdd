//! What a screen may see and ask for. A tab gets a `Ctx` for each key, scan, paste or answer it
//! handles: the settings, the clock, the active order, who is signed in and whether the station
//! is locked, a way to send requests (whose answers come back to that tab only) and an outbox
//! for effects and for commands the app carries out (a message, a question, a new active order,
//! another tab). A tab never sees the `App` or another tab. Drawing gets a read-only `ViewCx`.

use super::clock::Clock;
use super::confirm::{Choice, Confirm, Then};
use super::msg::{Effect, Flash, Owner, Settings, Severity, Tab};
use super::theme::Theme;
use crate::config::access::Operator;
use crate::domain::audit::NewEntry;
use crate::domain::manufacturer::PackagingOrder;
use crate::scan::journal::Actor;
use crate::worker::{Job, Request};
use std::collections::HashMap;

/// What every action refused on a locked station says.
pub const LOCKED: &str = "locked — a supervisor must unlock";

/// Request ids handed out, and which are still waiting for their answer.
#[derive(Debug, Default)]
pub struct Requests {
    next: u64,
    in_flight: HashMap<u64, Owner>,
}

impl Requests {
    pub fn reserve(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// The request goes out now; its answer belongs to `owner`.
    pub fn sent(&mut self, id: u64, owner: Owner) {
        self.in_flight.insert(id, owner);
    }

    /// An answer arrived: who waits for it.
    pub fn answered(&mut self, id: u64) -> Option<Owner> {
        self.in_flight.remove(&id)
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// This request is out and unanswered.
    pub fn is_out(&self, id: u64) -> bool {
        self.in_flight.contains_key(&id)
    }

    /// The request a slot waits for is out and unanswered.
    pub fn waiting(&self, slot: &Slot) -> bool {
        slot.0.is_some_and(|id| self.in_flight.contains_key(&id))
    }
}

/// The request a screen waits for (one per purpose): answers to older requests are dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Slot(Option<u64>);

impl Slot {
    pub fn start(&mut self, id: u64) {
        self.0 = Some(id);
    }

    /// Whether this answer is the one the slot waits for (and it then waits no more).
    pub fn take(&mut self, id: u64) -> bool {
        if self.0 == Some(id) {
            self.0 = None;
            true
        } else {
            false
        }
    }

    pub fn clear(&mut self) {
        self.0 = None;
    }

    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }
}

/// Things only the app can do, asked for by a screen.
#[derive(Debug, Clone)]
pub enum Command {
    Flash(Flash),
    Confirm(Confirm),
    SetActive(PackagingOrder),
    SwitchTab(Tab),
    CycleTab {
        forward: bool,
    },
    /// A scan typed into a screen's own scan field (a badge or a command code may be in it).
    Scanned(String),
    /// The supervisor's PIN allowed the full active order more packs.
    AllowMore,
    /// This action needs a named supervisor (and their signature, when the config says so).
    Sign(Box<super::sign_request::SignRequest>),
}

/// Effects and commands collected while a message is handled.
#[derive(Debug, Default)]
pub struct Outbox {
    pub effects: Vec<Effect>,
    pub commands: Vec<Command>,
}

pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub clock: &'a Clock,
    pub active: Option<&'a PackagingOrder>,
    pub operator: Option<&'a Operator>,
    pub locked: bool,
    /// Packs the active order still takes before ORDER FULL (`None`: no order, or no limit),
    /// so a screen other than the scan panel cannot over-fill it either.
    pub room: Option<i64>,
    /// The signature of what this message carries out (a signed request's answer): audit rows
    /// made with `audit` carry it.
    pub signed: Option<crate::domain::audit::Signed>,
    pub(super) owner: Owner,
    pub(super) requests: &'a mut Requests,
    pub(super) out: &'a mut Outbox,
}

impl Ctx<'_> {
    /// Sends a job to the worker; its answer comes back to this screen with the returned id.
    pub fn request(&mut self, job: Job) -> u64 {
        let id = self.requests.reserve();
        self.requests.sent(id, self.owner);
        self.out.effects.push(Effect::Api(Request { id, job }));
        id
    }

    /// Whether the request a slot holds is out and unanswered.
    pub fn waiting(&self, slot: &Slot) -> bool {
        self.requests.waiting(slot)
    }

    /// Asks a question; each answer key sends its job (all under one id, returned, so the
    /// screen can wait for the answer). Nothing is sent unless a person answers.
    pub fn ask(&mut self, title: impl Into<String>, lines: Vec<String>, choices: Vec<(char, &str, Job)>) -> u64 {
        let id = self.requests.reserve();
        let owner = self.owner;
        let choices = choices
            .into_iter()
            .map(|(key, label, job)| Choice {
                key,
                label: label.to_string(),
                then: Then::Send { request: Box::new(Request { id, job }), owner },
            })
            .collect();
        self.out.commands.push(Command::Confirm(Confirm::new(title, lines, choices)));
        id
    }

    pub fn flash(&mut self, severity: Severity, text: impl Into<String>) {
        self.out.commands.push(Command::Flash(Flash { severity, text: text.into() }));
    }

    pub fn effect(&mut self, e: Effect) {
        self.out.effects.push(e);
    }

    pub fn command(&mut self, c: Command) {
        self.out.commands.push(c);
    }

    pub fn bell(&mut self) {
        self.out.effects.push(Effect::Bell);
    }

    pub fn operator_id(&self) -> Option<&str> {
        self.operator.map(|o| o.id.as_str())
    }

    /// The station and the operator signed in, as the journal's audit rows name them.
    pub fn actor(&self) -> Actor {
        Actor { station: self.settings.station_id.clone(), operator: self.operator_id().map(String::from) }
    }

    /// An audit row by this station and the operator signed in.
    pub fn audit(&self, action: &str, object: impl Into<String>) -> NewEntry {
        NewEntry::new(action, object).by(&self.settings.station_id, self.operator_id()).signed(self.signed.clone())
    }

    /// An action that needs a named supervisor's signature (when the config asks for one):
    /// `then` is done once it is signed, or at once when no signature is asked for.
    pub fn sign(
        &mut self,
        action: crate::config::signatures::SignedAction,
        summary: impl Into<String>,
        order: Option<String>,
        then: super::sign_request::AfterSign,
    ) {
        let summary = summary.into();
        let request = super::sign_request::SignRequest { action, summary, order, then };
        self.out.commands.push(Command::Sign(Box::new(request)));
    }

    /// As `ask`, for an action that needs a supervisor's signature: after the answer key the
    /// signing dialog opens (when the config asks for a signature), and the request goes out
    /// only once it is signed. `summary` is the one line the signer reads.
    pub fn ask_signed(
        &mut self,
        action: crate::config::signatures::SignedAction,
        summary: impl Into<String>,
        order: Option<String>,
        title: impl Into<String>,
        lines: Vec<String>,
        choices: Vec<(char, &str, Job)>,
    ) -> u64 {
        let id = self.requests.reserve();
        let owner = self.owner;
        let summary = summary.into();
        // With one answer ("yes") the summary says it all; with several, it names the one chosen.
        let several = choices.len() > 1;
        let choices = choices
            .into_iter()
            .map(|(key, label, job)| {
                let request = Box::new(Request { id, job });
                Choice {
                    key,
                    label: label.to_string(),
                    then: Then::Sign(Box::new(super::sign_request::SignRequest {
                        action,
                        summary: if several { format!("{summary} ({label})") } else { summary.clone() },
                        order: order.clone(),
                        then: super::sign_request::AfterSign::Send { request, owner },
                    })),
                }
            })
            .collect();
        self.out.commands.push(Command::Confirm(Confirm::new(title, lines, choices)));
        id
    }

    /// Says the station is locked and returns true, when it is.
    pub fn refuse_if_locked(&mut self) -> bool {
        if self.locked {
            let key = self.settings.keys.label(crate::config::keys::Action::Unlock);
            self.flash(Severity::Warning, format!("{LOCKED} ({key} unlocks)"));
        }
        self.locked
    }

    /// In kiosk mode, creating and changing orders needs a signed-in operator.
    pub fn refuse_without_operator(&mut self) -> bool {
        let refuse = self.settings.access.kiosk && self.operator.is_none();
        if refuse {
            self.flash(Severity::Warning, "Sign in first: scan your badge on the Scan tab (F5)");
        }
        refuse
    }
}

/// What drawing may read.
pub struct ViewCx<'a> {
    pub settings: &'a Settings,
    pub theme: &'a Theme,
    pub clock: &'a Clock,
    pub active: Option<&'a PackagingOrder>,
    pub requests: &'a Requests,
    /// No dialog or help covers the screen (its focused field shows a cursor).
    pub focused: bool,
}
