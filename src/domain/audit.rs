//! The audit trail's rules, without storage: what a row holds, how rows are chained by hash
//! so that an edit to the file is detectable, and how a row is written to CSV without giving a
//! spreadsheet a formula to run.
//!
//! Each row's hash is SHA-256 over the previous row's hash and the row's fields, each field
//! preceded by its length, so no two different rows can produce the same input.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The actions the trail records (the `action` column).
pub mod actions {
    pub const SCAN_ACCEPTED: &str = "scan.accepted";
    pub const SCAN_REJECTED: &str = "scan.rejected";
    pub const ALARM_ACKNOWLEDGED: &str = "alarm.acknowledged";
    pub const SERIAL_REJECTED: &str = "serial.rejected";
    pub const SERIAL_DECOMMISSIONED: &str = "serial.decommissioned";
    pub const ACTIVE_ORDER_CHANGED: &str = "active_order.changed";
    pub const PACKAGING_ORDER_CREATED: &str = "packaging_order.created";
    pub const LABEL_ORDER_CREATED: &str = "label_order.created";
    pub const PRODUCTION_ORDER_CHANGED: &str = "production_order.changed";
    pub const OPERATOR_SIGNED_IN: &str = "operator.signed_in";
    pub const OPERATOR_SIGNED_OUT: &str = "operator.signed_out";
    pub const OPERATOR_PIN_FAILED: &str = "operator.pin_failed";
    pub const KIOSK_UNLOCKED: &str = "kiosk.unlocked";
    pub const KIOSK_LOCKED: &str = "kiosk.locked";
    pub const KIOSK_PIN_FAILED: &str = "kiosk.pin_failed";
    pub const KIOSK_PIN_LOCKOUT: &str = "kiosk.pin_lockout";
    /// The start of the chain was moved to an archive file; the row names the checkpoint row
    /// the journal's chain now starts from.
    pub const AUDIT_ARCHIVED: &str = "audit.archived";
    /// A pack claimed first by another station, found when the offline backlog was claimed.
    pub const SCAN_LATE_DUPLICATE: &str = "scan.late_duplicate";
    /// The station's clock more than 2 s off the line store's.
    pub const CLOCK_SKEW: &str = "clock.skew";
    /// A supervisor let an order take more packs than its quantity and tolerance.
    pub const OVERFILL_ALLOWED: &str = "scan.overfill_allowed";
    /// An electronic signature of the row just before it (see `Signed`).
    pub const SIGNATURE: &str = "signature";
    /// A wrong PIN typed by a person signing; counted per person.
    pub const SIGNATURE_PIN_FAILED: &str = "signature.pin_failed";
    /// Too many wrong PINs for one person: signing as them is locked for a while (attempted
    /// misuse).
    pub const SIGNATURE_LOCKOUT: &str = "signature.lockout";
    /// The station started with this config: its hash and settings (secrets as fingerprints),
    /// and what changed since the start before, weakened controls named as such.
    pub const CONFIG_LOADED: &str = "config.loaded";
    /// Voided labels (a print fault, or voided at the Print screen) were found and removed.
    pub const LABELS_REMOVAL_CONFIRMED: &str = "labels.removal_confirmed";
}

/// An electronic signature (21 CFR 11.50): who signed, their printed name, when (the row's
/// time), what the signature means, and why. It is stored as its own audit row right after
/// the record it signs, carrying that record's id and hash, so it cannot be moved to another
/// record without `verify` noticing.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Signed {
    /// The signer's id in `[[operators]]`.
    pub signer: String,
    /// The signer's printed name (the id when the config names no one).
    pub name: String,
    pub role: String,
    /// performed, reviewed, approved or verified.
    pub meaning: String,
    /// Which signed action (the `[signatures]` key), e.g. `decommission`.
    pub action: String,
    /// One line saying what was signed, as the dialog showed it.
    pub summary: String,
    /// How the signer was identified: "id and PIN", "badge and PIN", or "PIN in a continuous
    /// session" (§11.200(a)(1)).
    #[serde(default)]
    pub signed_with: String,
    /// The packaging order the record concerns, when there is one (for the batch report).
    #[serde(default)]
    pub order: Option<String>,
    /// The id and hash of the record signed; set when the signature row is written.
    #[serde(default)]
    pub record: i64,
    #[serde(default)]
    pub record_hash: String,
    /// Not part of the JSON: it is the row's own `reason` column.
    #[serde(skip)]
    pub reason: Option<String>,
}

impl Signed {
    /// The signature row for the record with this id and hash.
    pub fn entry(&self, station: &str, record: i64, record_hash: &str) -> NewEntry {
        let body = Signed { record, record_hash: record_hash.to_string(), ..self.clone() };
        let json = serde_json::to_string(&body).unwrap_or_default();
        NewEntry {
            station: station.to_string(),
            operator: Some(self.signer.clone()),
            action: actions::SIGNATURE.into(),
            object: format!("audit #{record}"),
            old_value: None,
            new_value: Some(json),
            reason: self.reason.clone(),
            signature: None,
        }
    }

    /// The signature a signature row holds, if it is one and can be read.
    pub fn of(row: &Entry) -> Option<Signed> {
        if row.action != actions::SIGNATURE {
            return None;
        }
        let mut s: Signed = serde_json::from_str(row.new_value.as_deref()?).ok()?;
        s.reason = row.reason.clone();
        Some(s)
    }
}

/// What a caller records; time, chain and id are added when it is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEntry {
    pub station: String,
    pub operator: Option<String>,
    pub action: String,
    pub object: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
    /// The signature this record carries: written as the next row, linked to this one.
    pub signature: Option<Signed>,
}

impl NewEntry {
    pub fn new(action: &str, object: impl Into<String>) -> Self {
        NewEntry { action: action.into(), object: object.into(), ..Default::default() }
    }

    pub fn by(mut self, station: &str, operator: Option<&str>) -> Self {
        self.station = station.into();
        self.operator = operator.map(String::from);
        self
    }

    pub fn change(mut self, old: Option<String>, new: Option<String>) -> Self {
        self.old_value = old;
        self.new_value = new;
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn signed(mut self, signature: Option<Signed>) -> Self {
        self.signature = signature;
        self
    }
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub id: i64,
    /// RFC 3339 in UTC, milliseconds.
    pub at_utc: String,
    /// The station's UTC offset when it was written, e.g. `+01:00`.
    pub utc_offset: String,
    pub station: String,
    pub operator: Option<String>,
    pub action: String,
    pub object: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// The hash this row should carry, from its fields and the previous row's hash.
    pub fn expected_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            &[
                Some(self.id.to_string().as_str()),
                Some(&self.at_utc),
                Some(&self.utc_offset),
                Some(&self.station),
                self.operator.as_deref(),
                Some(&self.action),
                Some(&self.object),
                self.old_value.as_deref(),
                self.new_value.as_deref(),
                self.reason.as_deref(),
            ],
        )
    }
}

/// SHA-256 (hex) of the previous hash and the fields; an absent field differs from an empty one.
pub fn chain_hash(prev: &str, fields: &[Option<&str>]) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    for f in fields {
        match f {
            None => h.update(b"-"),
            Some(v) => {
                h.update(format!("+{}:", v.len()).as_bytes());
                h.update(v.as_bytes());
            }
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a chain first goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub id: i64,
    pub why: String,
}

/// Checks rows in id order: each links to the one before and carries its own hash.
pub fn verify(rows: impl IntoIterator<Item = Entry>) -> Result<usize, Break> {
    verify_from(GENESIS, rows)
}

/// As `verify`, for a chain whose first row links to `prev`: a checkpoint row's own `prev_hash`
/// when the rows before it were moved to an archive.
pub fn verify_from(prev: &str, rows: impl IntoIterator<Item = Entry>) -> Result<usize, Break> {
    let mut prev = prev.to_string();
    let mut prev_id = None;
    let mut n = 0;
    for row in rows {
        if row.prev_hash != prev {
            let why = if n == 0 {
                "the first row does not start the chain (rows before it were removed?)".to_string()
            } else {
                "it does not link to the row before it (a row was removed or changed)".to_string()
            };
            return Err(Break { id: row.id, why });
        }
        if row.expected_hash() != row.hash {
            return Err(Break { id: row.id, why: "its content does not match its hash (the row was edited)".into() });
        }
        if let Some(why) = signature_problem(&row, prev_id) {
            return Err(Break { id: row.id, why });
        }
        prev_id = Some(row.id);
        prev = row.hash;
        n += 1;
    }
    Ok(n)
}

/// Why a signature row does not belong where it stands, if it does not: it must sign the row
/// just before it (`prev_id`, `None` when that row is in an archive) and carry that row's hash,
/// which is also its own `prev_hash`.
fn signature_problem(row: &Entry, prev_id: Option<i64>) -> Option<String> {
    if row.action != actions::SIGNATURE {
        return None;
    }
    let Some(s) = Signed::of(row) else {
        return Some("it is a signature whose content cannot be read (the row was altered)".into());
    };
    let moved = s.record_hash != row.prev_hash || prev_id.is_some_and(|p| p != s.record);
    let altered = s.signer != row.operator.clone().unwrap_or_default() || row.object != format!("audit #{}", s.record);
    if moved || altered {
        return Some(format!(
            "its signature (by {}, {}) does not match the record it stands after: it signed row {} \
             and was moved or altered",
            s.signer, s.meaning, s.record
        ));
    }
    None
}

/// One CSV field: quoted when needed, and a leading `=`, `+`, `-`, `@`, tab or carriage return
/// is neutralised with an apostrophe so a spreadsheet shows it as text instead of running it.
pub fn csv_field(s: &str) -> String {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let text = if risky { format!("'{s}") } else { s.to_string() };
    if text.contains([',', '"', '\n', '\r']) || risky {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, prev: &str, object: &str) -> Entry {
        let mut e = Entry {
            id,
            at_utc: "2026-11-21T10:00:00.000Z".into(),
            utc_offset: "+01:00".into(),
            station: "s1".into(),
            operator: Some("op-1".into()),
            action: actions::SCAN_ACCEPTED.into(),
            object: object.into(),
            old_value: None,
            new_value: Some("x".into()),
            reason: None,
            prev_hash: prev.into(),
            hash: String::new(),
        };
        e.hash = e.expected_hash();
        e
    }

    #[test]
    fn a_chain_verifies_and_an_edit_is_found_at_its_row() {
        let a = row(1, GENESIS, "a");
        let b = row(2, &a.hash, "b");
        let c = row(3, &b.hash, "c");
        assert_eq!(verify([a.clone(), b.clone(), c.clone()]), Ok(3));
        let mut edited = b.clone();
        edited.object = "B".into();
        assert_eq!(verify([a.clone(), edited, c.clone()]).unwrap_err().id, 2);
        let err = verify([a, c]).unwrap_err();
        assert_eq!(err.id, 3, "a removed row breaks the link of the next one");
    }

    #[test]
    fn absent_and_empty_fields_hash_differently() {
        assert_ne!(chain_hash(GENESIS, &[None]), chain_hash(GENESIS, &[Some("")]));
        assert_ne!(chain_hash(GENESIS, &[Some("ab"), Some("c")]), chain_hash(GENESIS, &[Some("a"), Some("bc")]));
    }

    #[test]
    fn csv_fields_are_spreadsheet_safe() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1+2"), "\"'-1+2\"");
        assert_eq!(csv_field("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
