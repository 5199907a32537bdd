//! What QA reads before releasing a batch (`shopfloor report --order ID`): the packs of an
//! order and what became of them, duplicates, labels, alarms and who acknowledged them, and
//! every electronic signature that concerns the order. The journal or the line store fill it
//! in; this module holds its shape and the rules that need no storage: which signature rows
//! concern an order, and how an order id is recognised inside a record's text.
//!
//! Every time is RFC 3339 in UTC; the command shows them in local time.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BatchReport {
    pub order_id: String,
    /// Where the figures come from, e.g. `journal /var/lib/…/journal.db`.
    pub source: String,
    pub packs: Packs,
    pub decommissioned: Vec<ReasonCount>,
    pub refused_by_service: Vec<PackEvent>,
    pub duplicates: Vec<Duplicate>,
    pub labels: Labels,
    pub alarms: Vec<AlarmRow>,
    pub signatures: Vec<Signature>,
    /// What a reader must know about where the figures come from.
    pub notes: Vec<String>,
}

/// The order's packs by what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Packs {
    /// Every scan of the order the station looked at: accepted + refused + duplicates.
    pub scanned: i64,
    /// Journaled (in any state since).
    pub accepted: i64,
    pub commissioned: i64,
    /// Sent or waiting to be sent, without an answer yet.
    pub pending: i64,
    pub refused_by_service: i64,
    pub decommissioned: i64,
    /// Refused at the station by its checks (wrong batch, unreadable, order full, …).
    pub refused_at_station: i64,
    /// Scanned twice at this station.
    pub duplicates: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: i64,
}

/// One pack and what happened to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PackEvent {
    pub at_utc: String,
    pub station: String,
    pub gtin: String,
    pub serial: String,
    pub reason: Option<String>,
}

/// A pack scanned more than once: at this station (`duplicate`), claimed first by another
/// station of the line (`duplicate_line`), or found only when an offline backlog was claimed
/// (`late_duplicate`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    pub kind: String,
    /// When it was scanned here (or found, for a late one without its scan time).
    pub at_utc: String,
    pub station: String,
    pub gtin: String,
    pub serial: String,
    /// Who had it first: station, operator, order and time, as far as known.
    pub first: Option<String>,
    /// How a line duplicate was resolved, if it was.
    pub resolution: Option<String>,
}

/// The order's labels as the station's printers made them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Labels {
    pub printed: usize,
    pub verified: usize,
    pub voided: usize,
    pub waiting: usize,
    /// Sent, never confirmed printed, then voided: to be found and removed.
    pub to_check_and_remove: usize,
    pub voided_unsent: usize,
    pub in_flight: usize,
    /// Every voided label with its reason.
    pub voided_labels: Vec<PackEvent>,
    /// The serials of voided labels that had gone to a printer: they may be at the station.
    pub may_be_out: Vec<String>,
    /// Each time someone confirmed that voided labels were found and removed.
    pub removals: Vec<Removal>,
}

/// Voided labels confirmed found and removed (the `labels.removal_confirmed` audit row).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Removal {
    pub at_utc: String,
    pub station: String,
    /// Who was signed in when it was confirmed (the signature, if any, is under signatures).
    pub operator: Option<String>,
    pub serials: Vec<String>,
}

impl Labels {
    /// Voided labels that may be at the station and that no confirmation names: still to be
    /// found and removed.
    pub fn not_confirmed_removed(&self) -> Vec<&str> {
        let confirmed = |s: &String| self.removals.iter().any(|r| r.serials.contains(s));
        self.may_be_out.iter().filter(|s| !confirmed(s)).map(String::as_str).collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AlarmRow {
    pub at_utc: String,
    pub station: String,
    pub kind: String,
    pub message: String,
    pub acknowledged_at_utc: Option<String>,
    /// The operator signed in when it was acknowledged (`None`: nobody was, or not known).
    pub acknowledged_by: Option<String>,
}

/// An electronic signature row (`signature` in the audit trail) concerning the order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Signature {
    /// The signature's audit row.
    pub audit_id: i64,
    pub at_utc: String,
    pub station: String,
    pub signer: String,
    pub name: Option<String>,
    pub role: Option<String>,
    pub meaning: Option<String>,
    /// What was signed (decommission, unlock, …).
    pub action: Option<String>,
    /// The audit row signed.
    pub record: Option<i64>,
    pub summary: Option<String>,
    pub reason: Option<String>,
}

/// The audit trail's action of a signature row.
pub const SIGNATURE_ACTION: &str = super::audit::actions::SIGNATURE;

impl Signature {
    /// Reads a signature row's fields and its JSON (`new_value`); `None` when the JSON is not a
    /// signature's.
    pub fn from_row(
        audit_id: i64,
        at_utc: &str,
        station: &str,
        operator: Option<&str>,
        new_value: Option<&str>,
        reason: Option<&str>,
    ) -> Option<(Signature, Option<String>)> {
        let v: serde_json::Value = serde_json::from_str(new_value?).ok()?;
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(String::from);
        let signer = text("signer").or_else(|| operator.map(String::from))?;
        let record = v.get("record").and_then(serde_json::Value::as_i64);
        let sig = Signature {
            audit_id,
            at_utc: at_utc.into(),
            station: station.into(),
            signer,
            name: text("name"),
            role: text("role"),
            meaning: text("meaning"),
            action: text("action"),
            record,
            summary: text("summary"),
            reason: reason.map(String::from),
        };
        Some((sig, text("order")))
    }

    /// The record's id from the row's object (`audit #1234`), for a JSON without `record`.
    pub fn record_of_object(object: &str) -> Option<i64> {
        object.trim().strip_prefix("audit #")?.trim().parse().ok()
    }
}

/// Whether `text` names the order `id` as a whole word: `Order143` is in "order Order143 batch
/// B1" and in "Order143/7", but not in "Order1430".
fn mentions(text: &str, id: &str) -> bool {
    if id.is_empty() {
        return false;
    }
    let part = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    text.match_indices(id).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + id.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

/// Whether a signature concerns the order: its own `order` says so, or the record it signs
/// names the order in its object or new value.
pub fn concerns(order: Option<&str>, signed: Option<(&str, Option<&str>)>, id: &str) -> bool {
    if order == Some(id) {
        return true;
    }
    match signed {
        Some((object, new_value)) => mentions(object, id) || new_value.is_some_and(|v| mentions(v, id)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_is_recognised_as_a_whole_word() {
        assert!(mentions("order Order143 batch B1", "Order143"));
        assert!(mentions("Order143", "Order143"));
        assert!(mentions("\"order\":\"Order143\"", "Order143"));
        assert!(!mentions("order Order1430", "Order143"));
        assert!(!mentions("XOrder143", "Order143"));
        assert!(!mentions("PO-2611-0011", "PO-2611-001"));
        assert!(!mentions("anything", ""));
    }

    #[test]
    fn a_signature_concerns_the_order_it_names_or_whose_record_names_it() {
        assert!(concerns(Some("O1"), None, "O1"));
        assert!(!concerns(Some("O2"), None, "O1"));
        assert!(concerns(None, Some(("02022090117459/SN1", Some("order O1 batch B"))), "O1"));
        assert!(concerns(None, Some(("production order O1", None)), "O1"));
        assert!(!concerns(None, Some(("02022090117459/SN1", Some("order O12"))), "O1"));
    }

    #[test]
    fn a_signature_row_is_read_from_its_json() {
        let json = r#"{"signer":"sup-1","name":"Sam Super","role":"supervisor","meaning":"approved",
            "action":"decommission","record":12,"record_hash":"ab","order":null,"summary":"decommission SN1"}"#;
        let (s, order) =
            Signature::from_row(13, "2026-11-21T10:00:00.000Z", "line-1", Some("sup-1"), Some(json), None).unwrap();
        assert_eq!(order, None);
        assert_eq!((s.signer.as_str(), s.record, s.meaning.as_deref()), ("sup-1", Some(12), Some("approved")));
        assert_eq!(Signature::record_of_object("audit #1234"), Some(1234));
        assert!(Signature::from_row(1, "", "", None, Some("not json"), None).is_none());
    }
}
