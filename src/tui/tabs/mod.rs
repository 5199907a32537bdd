//! One module per tab: its state, how it takes keys, pastes, scans and answers, and its (pure)
//! drawing. A tab sees the rest of the dashboard only through `Ctx` and `ViewCx`.

pub mod labels;
pub mod packaging;
pub mod print;
pub mod production;
pub mod scan;
pub mod signin;

use crate::config::keys::Action;
use crate::config::KeyMap;
use crate::tui::ctx::Ctx;
use crate::tui::msg::KeyIn;
use crate::worker::Outcome;

/// What every tab answers to.
pub trait Screen {
    /// A key a person typed (or, with `burst`, a fast key that was not a scan: only text may be
    /// typed with it). `action` is what the key map says the key does, when it does anything
    /// here: plain letters typed into a text field come with none.
    fn key(&mut self, k: KeyIn, action: Option<Action>, cx: &mut Ctx);
    /// Pasted text: never a command.
    fn paste(&mut self, text: &str, cx: &mut Ctx);
    /// Whether the screen shown has a place for scans now (the app sends them there).
    fn takes_scans(&self) -> bool {
        false
    }
    fn scan(&mut self, _raw: &str, _cx: &mut Ctx) {}
    /// The answer to a request this tab sent.
    fn answered(&mut self, id: u64, outcome: Outcome, cx: &mut Ctx);
    /// A text field has the cursor: plain letters are typed, not shortcuts.
    fn text_focused(&self) -> bool;
    /// The actions that do something here now, with what they do (for the help overlay).
    fn actions(&self) -> Vec<(Action, &'static str)>;
    /// The message line's hint when nothing else is said.
    fn hint(&self, keys: &KeyMap) -> String;
    /// The tab became the one shown.
    fn shown(&mut self, _cx: &mut Ctx) {}
}
