//! Key bindings: the actions a user can rebind in `[keys]`, their defaults, parsing of key
//! names ("ctrl+s", "f2", "alt+1", "q") and detection of a key bound twice.
//!
//! Keys are compared on (code, modifiers) only, never on kind or state, so a release or repeat
//! event and terminal differences in reporting do not change what a key does.

pub use crate::input::key::Key;
use std::collections::{BTreeMap, HashMap};

/// Everything a key can be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    TabPackaging,
    TabLabels,
    TabProduction,
    TabScan,
    TabPrint,
    Refresh,
    NewOrder,
    Lookup,
    SetActive,
    Submit,
    Acknowledge,
    Decommission,
    CycleState,
    StartProduction,
    FinishOrder,
    CancelOrder,
    SortOrders,
    OrdersOfCustomer,
    OrdersWithArticle,
    NewFromCustomerOrder,
    EditOrder,
    AddArticle,
    EditArticle,
    RemoveArticle,
    ReportProduction,
    NextSection,
    PickingList,
    Unlock,
    SignOut,
}

impl Action {
    pub const ALL: [Action; 31] = [
        Action::Quit,
        Action::Help,
        Action::TabPackaging,
        Action::TabLabels,
        Action::TabProduction,
        Action::TabScan,
        Action::TabPrint,
        Action::Refresh,
        Action::NewOrder,
        Action::Lookup,
        Action::SetActive,
        Action::Submit,
        Action::Acknowledge,
        Action::Decommission,
        Action::CycleState,
        Action::StartProduction,
        Action::FinishOrder,
        Action::CancelOrder,
        Action::SortOrders,
        Action::OrdersOfCustomer,
        Action::OrdersWithArticle,
        Action::NewFromCustomerOrder,
        Action::EditOrder,
        Action::AddArticle,
        Action::EditArticle,
        Action::RemoveArticle,
        Action::ReportProduction,
        Action::NextSection,
        Action::PickingList,
        Action::Unlock,
        Action::SignOut,
    ];

    /// The name used in `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::TabPackaging => "tab_packaging",
            Action::TabLabels => "tab_labels",
            Action::TabProduction => "tab_production",
            Action::TabScan => "tab_scan",
            Action::TabPrint => "tab_print",
            Action::Refresh => "refresh",
            Action::NewOrder => "new_order",
            Action::Lookup => "lookup",
            Action::SetActive => "set_active",
            Action::Submit => "submit",
            Action::Acknowledge => "acknowledge",
            Action::Decommission => "decommission",
            Action::CycleState => "cycle_state",
            Action::StartProduction => "start_production",
            Action::FinishOrder => "finish_order",
            Action::CancelOrder => "cancel_order",
            Action::SortOrders => "sort_orders",
            Action::OrdersOfCustomer => "orders_of_customer",
            Action::OrdersWithArticle => "orders_with_article",
            Action::NewFromCustomerOrder => "new_from_customer_order",
            Action::EditOrder => "edit_order",
            Action::AddArticle => "add_article",
            Action::EditArticle => "edit_article",
            Action::RemoveArticle => "remove_article",
            Action::ReportProduction => "report_production",
            Action::NextSection => "next_section",
            Action::PickingList => "picking_list",
            Action::Unlock => "unlock",
            Action::SignOut => "sign_out",
        }
    }

    /// What the action does, for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit shopfloor",
            Action::Help => "show or hide this help",
            Action::TabPackaging => "Packaging orders tab",
            Action::TabLabels => "Label orders tab",
            Action::TabProduction => "Production orders tab",
            Action::TabScan => "Scan tab",
            Action::TabPrint => "Print tab (the station's printers)",
            Action::Refresh => "refresh the list now",
            Action::NewOrder => "new order form",
            Action::Lookup => "look up an order by id (type or scan)",
            Action::SetActive => "make the selected order active for scanning",
            Action::Submit => "send the form",
            Action::Acknowledge => "acknowledge the scan alarm",
            Action::Decommission => "decommission the selected serial (↑/↓ select)",
            Action::CycleState => "show orders of the next state (all, NEW, DEVELOPING, …)",
            Action::StartProduction => "start production of the selected order",
            Action::FinishOrder => "finish the selected order",
            Action::CancelOrder => "cancel the selected order",
            Action::SortOrders => "change the sort: start or end date, newest or oldest first",
            Action::OrdersOfCustomer => "the production orders of a customer order",
            Action::OrdersWithArticle => "the production orders that contain an article",
            Action::NewFromCustomerOrder => "new production order from a customer order",
            Action::EditOrder => "edit the order's header",
            Action::AddArticle => "add an article to the order",
            Action::EditArticle => "edit the selected article",
            Action::RemoveArticle => "remove the selected article",
            Action::ReportProduction => "report production of the selected article (batch, serial, parts)",
            Action::NextSection => "show the next part of the order (articles, parts, batches, …)",
            Action::PickingList => "picking list: save and print the PDF, or show it here",
            Action::Unlock => "kiosk: a supervisor unlocks (id or badge, then PIN), or locks again",
            Action::SignOut => "sign the operator out",
        }
    }

    fn defaults(self) -> &'static [&'static str] {
        match self {
            Action::Quit => &["q", "ctrl+q", "ctrl+c"],
            Action::Help => &["f1", "?"],
            Action::TabPackaging => &["f2", "alt+1"],
            Action::TabLabels => &["f3", "alt+2"],
            Action::TabProduction => &["f4", "alt+3"],
            Action::TabScan => &["f5", "alt+4"],
            Action::TabPrint => &["f6", "alt+5"],
            Action::Refresh => &["r", "ctrl+r"],
            Action::NewOrder => &["n", "ctrl+n"],
            Action::Lookup => &["/", "ctrl+f"],
            Action::SetActive => &["a"],
            Action::Submit => &["ctrl+s", "f10"],
            Action::Acknowledge => &["f9", "ctrl+k"],
            Action::Decommission => &["f7"],
            Action::CycleState => &["s"],
            Action::StartProduction => &["p"],
            Action::FinishOrder => &["f"],
            Action::CancelOrder => &["x"],
            Action::SortOrders => &["o"],
            Action::OrdersOfCustomer => &["c"],
            Action::OrdersWithArticle => &["w"],
            Action::NewFromCustomerOrder => &["N"],
            Action::EditOrder => &["e"],
            Action::AddArticle => &["i", "insert"],
            Action::EditArticle => &["m"],
            Action::RemoveArticle => &["-", "delete"],
            Action::ReportProduction => &["t"],
            Action::NextSection => &["v"],
            Action::PickingList => &["l"],
            Action::Unlock => &["f12"],
            Action::SignOut => &["f11"],
        }
    }
}

/// Which key does what, in both directions.
#[derive(Debug, Clone)]
pub struct KeyMap {
    by_key: HashMap<Key, Action>,
    by_action: BTreeMap<Action, Vec<Key>>,
}

impl KeyMap {
    pub fn action(&self, key: Key) -> Option<Action> {
        self.by_key.get(&key).copied()
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.by_action.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The keys of an action as shown on screen ("F2, Alt+1"; a slash would be ambiguous
    /// next to the "/" key).
    pub fn label(&self, action: Action) -> String {
        self.keys(action).iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }

    /// The first key of an action ("F6"), where a message has room for one.
    pub fn first_label(&self, action: Action) -> String {
        self.keys(action).first().map(ToString::to_string).unwrap_or_default()
    }

    /// Builds the map from the defaults with `overrides` (action name → key names) applied.
    /// Errors are (key in `[keys]`, message, expected form).
    pub fn build(overrides: &BTreeMap<String, Vec<String>>) -> Result<KeyMap, Vec<(String, String, String)>> {
        let mut errors = Vec::new();
        let mut by_action: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
        for name in overrides.keys() {
            if !Action::ALL.iter().any(|a| a.name() == name) {
                let names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
                errors.push((
                    name.clone(),
                    format!("\"{name}\" is not an action"),
                    format!("one of {}", names.join(", ")),
                ));
            }
        }
        for action in Action::ALL {
            let names: Vec<String> = match overrides.get(action.name()) {
                Some(list) => list.clone(),
                None => action.defaults().iter().map(|s| s.to_string()).collect(),
            };
            let mut keys = Vec::new();
            for n in names {
                match Key::parse(&n) {
                    Ok(k) => keys.push(k),
                    Err(e) => errors.push((
                        action.name().to_string(),
                        e,
                        "a list of key names, e.g. [\"ctrl+s\", \"f10\"]".into(),
                    )),
                }
            }
            by_action.insert(action, keys);
        }
        let mut by_key: HashMap<Key, Action> = HashMap::new();
        for (action, keys) in &by_action {
            for k in keys {
                if let Some(other) = by_key.get(k) {
                    if other != action {
                        errors.push((
                            action.name().to_string(),
                            format!("{k} is bound to both {} and {}", other.name(), action.name()),
                            "each key bound to one action only".into(),
                        ));
                    }
                    continue;
                }
                by_key.insert(*k, *action);
            }
        }
        if errors.is_empty() {
            Ok(KeyMap { by_key, by_action })
        } else {
            Err(errors)
        }
    }
}

impl Default for KeyMap {
    fn default() -> Self {
        // The defaults are fixed and tested to build.
        KeyMap::build(&BTreeMap::new()).unwrap_or(KeyMap { by_key: HashMap::new(), by_action: BTreeMap::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_build_and_overrides_apply() {
        let m = KeyMap::default();
        assert_eq!(m.action(Key::parse("f3").unwrap()), Some(Action::TabLabels));
        assert_eq!(m.label(Action::TabPackaging), "F2, Alt+1");
        let mut o = BTreeMap::new();
        o.insert("submit".to_string(), vec!["f8".to_string()]);
        let m = KeyMap::build(&o).unwrap();
        assert_eq!(m.action(Key::parse("f8").unwrap()), Some(Action::Submit));
        assert_eq!(m.action(Key::parse("ctrl+s").unwrap()), None);
    }

    #[test]
    fn collisions_and_unknown_actions_are_errors() {
        let mut o = BTreeMap::new();
        o.insert("refresh".to_string(), vec!["f1".to_string()]);
        o.insert("frobnicate".to_string(), vec!["x".to_string()]);
        let e = KeyMap::build(&o).unwrap_err();
        assert!(e.iter().any(|(k, m, _)| k == "frobnicate" && m.contains("not an action")), "{e:?}");
        assert!(e.iter().any(|(_, m, _)| m.contains("F1 is bound to both help and refresh")), "{e:?}");
    }
}
