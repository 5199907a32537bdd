//! Does a decoded scan belong to the active order? A scan is accepted only with the order's
//! GTIN (01), batch (10) and expiry (17), and a serial (21); anything else raises its own alarm.

use super::gs1::{DecodeError, Decoded, ErrorKind};
use crate::domain::manufacturer::PackagingOrder;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub gtin: String,
    pub batch: String,
    pub expiry: String,
    pub serial: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alarm {
    NoActiveOrder,
    Undecodable {
        kind: &'static str,
        message: String,
    },
    /// Longer than any GS1 code can be: a paste or many codes run together, not a damaged pack.
    TooLong {
        message: String,
    },
    WrongProduct {
        got: String,
        want: String,
    },
    WrongBatch {
        got: String,
        want: String,
    },
    WrongExpiry {
        got: String,
        want: String,
    },
    NoSerial,
    Duplicate {
        serial: String,
        first_at: String,
    },
    /// The journal could not store the scan: it is not accepted.
    NotSaved {
        message: String,
    },
    /// Another station of the line claimed this pack first (`at`: that scan's time, as the
    /// screen shows times).
    ClaimedElsewhere {
        serial: String,
        station: String,
        operator: Option<String>,
        at: String,
    },
    /// A pack accepted here while the line-wide check was offline turned out to be claimed
    /// first by another station.
    LateDuplicate {
        serial: String,
        station: String,
        operator: Option<String>,
        at: String,
    },
    /// The label on the pack was printed here and then voided.
    VoidedLabel {
        serial: String,
        reason: String,
    },
    /// The order has all the packs it may take (its quantity plus the configured tolerance).
    OrderFull {
        order_id: String,
        accepted: u64,
        quantity: u64,
        allowed: u64,
    },
    /// The station's clock and the line store's disagree by more than the limit.
    ClockSkew {
        message: String,
    },
}

/// "by op-1 " or nothing.
fn by(operator: &Option<String>) -> String {
    operator.as_ref().map(|o| format!("by {o} ")).unwrap_or_default()
}

/// The journal's kind of the ORDER FULL alarm.
pub const ORDER_FULL: &str = "order_full";

impl Alarm {
    /// The name kept in the journal.
    pub fn kind(&self) -> &'static str {
        match self {
            Alarm::NoActiveOrder => "no_active_order",
            Alarm::Undecodable { .. } => "undecodable",
            Alarm::TooLong { .. } => "too_long",
            Alarm::WrongProduct { .. } => "wrong_product",
            Alarm::WrongBatch { .. } => "wrong_batch",
            Alarm::WrongExpiry { .. } => "wrong_expiry",
            Alarm::NoSerial => "no_serial",
            Alarm::Duplicate { .. } => "duplicate",
            Alarm::NotSaved { .. } => "not_saved",
            Alarm::ClaimedElsewhere { .. } => "duplicate_line",
            Alarm::LateDuplicate { .. } => "late_duplicate",
            Alarm::OrderFull { .. } => ORDER_FULL,
            Alarm::ClockSkew { .. } => "clock_skew",
            Alarm::VoidedLabel { .. } => "label_voided",
        }
    }

    /// What the operator reads, large, in red.
    pub fn headline(&self) -> &'static str {
        match self {
            Alarm::NoActiveOrder => "NO ACTIVE ORDER",
            Alarm::Undecodable { .. } => "UNREADABLE",
            Alarm::TooLong { .. } => "SCAN TOO LONG",
            Alarm::WrongProduct { .. } => "WRONG PRODUCT",
            Alarm::WrongBatch { .. } => "WRONG BATCH",
            Alarm::WrongExpiry { .. } => "WRONG EXPIRY",
            Alarm::NoSerial => "NO SERIAL",
            Alarm::Duplicate { .. } => "DUPLICATE",
            Alarm::NotSaved { .. } => "NOT SAVED",
            Alarm::ClaimedElsewhere { .. } => "DUPLICATE",
            Alarm::LateDuplicate { .. } => "LATE DUPLICATE",
            Alarm::OrderFull { .. } => "ORDER FULL",
            Alarm::ClockSkew { .. } => "CLOCK WRONG",
            Alarm::VoidedLabel { .. } => "VOIDED LABEL",
        }
    }

    /// What happened and what to do, as the journal keeps it (times in UTC, named so).
    pub fn message(&self) -> String {
        self.message_with(&|at: &str| at.get(11..19).map(|t| format!("{t} UTC")).unwrap_or_else(|| at.to_string()))
    }

    /// The same for the screen: `time` shows a journal time (RFC 3339, UTC) in station-local
    /// time, e.g. `Clock::local_time_of`, since the screen names its zone once, by the clock.
    pub fn message_with(&self, time: &dyn Fn(&str) -> String) -> String {
        match self {
            Alarm::NoActiveOrder => {
                "No order is active: choose one on the Packaging tab (a), or scan an order barcode.".into()
            }
            Alarm::Undecodable { message, .. } => {
                format!("{message}. Put the pack aside or type its code in brackets.")
            }
            Alarm::TooLong { message } => format!("{message}."),
            Alarm::WrongProduct { got, want } => {
                format!("This pack is product {got}, the order is for {want}: take the pack off the line.")
            }
            Alarm::WrongBatch { got, want } => {
                format!("This pack is batch {got}, the order is batch {want}: take the pack off the line.")
            }
            Alarm::WrongExpiry { got, want } => {
                format!("This pack expires {got}, the order says {want}: take the pack off the line.")
            }
            Alarm::NoSerial => {
                "The code has no serial number (21): this pack cannot be commissioned; take it off the line.".into()
            }
            Alarm::Duplicate { serial, first_at } => {
                let when = time(first_at);
                format!("Serial {serial} was already scanned at {when}: the same pack twice, or two packs with one code. Take this pack off the line.")
            }
            Alarm::NotSaved { message } => {
                format!("{message}. The scan was NOT accepted: scan it again once this is fixed.")
            }
            Alarm::ClaimedElsewhere { serial, station, operator, at } => format!(
                "Serial {serial} was scanned at station {station} {}at {at}: two packs with one code. Take this pack off the line for the supervisor.",
                by(operator)
            ),
            Alarm::LateDuplicate { serial, station, operator, at } => format!(
                "Serial {serial}, accepted here while the line check was offline, was scanned first at station {station} {}at {at}. Find the pack and take it off the line; a supervisor resolves it.",
                by(operator)
            ),
            Alarm::OrderFull { order_id, accepted, quantity, allowed } => {
                let beyond = if allowed > quantity { format!(" (with tolerance {allowed})") } else { String::new() };
                format!(
                    "{order_id} has {accepted} of {quantity} packs{beyond}: this pack is one too many. Take it off the line; a supervisor may allow more."
                )
            }
            Alarm::ClockSkew { message } => format!("{message}. Scanning goes on; tell IT to fix the station's time."),
            Alarm::VoidedLabel { serial, reason } => format!(
                "Serial {serial} is on a label this station voided ({reason}): it is not commissioned. Take the label off and put a new one on the pack."
            ),
        }
    }
}

impl From<DecodeError> for Alarm {
    fn from(e: DecodeError) -> Self {
        match e.kind {
            ErrorKind::ScanTooLong => Alarm::TooLong { message: e.message },
            kind => Alarm::Undecodable { kind: kind.name(), message: e.message },
        }
    }
}

pub fn check(d: &Decoded, order: Option<&PackagingOrder>) -> Result<Accepted, Alarm> {
    let Some(order) = order else { return Err(Alarm::NoActiveOrder) };
    let gtin = d.get("01").unwrap_or("").to_string();
    if gtin != order.product_code {
        return Err(Alarm::WrongProduct {
            got: if gtin.is_empty() { "(none)".into() } else { gtin },
            want: order.product_code.clone(),
        });
    }
    let batch = d.get("10").unwrap_or("").to_string();
    if let Some(want) = order.batch.as_deref() {
        if batch != want {
            return Err(Alarm::WrongBatch {
                got: if batch.is_empty() { "(none)".into() } else { batch },
                want: want.into(),
            });
        }
    }
    let expiry = d.get("17").unwrap_or("").to_string();
    if let Some(want) = order.expiry_date.as_deref() {
        if expiry != want {
            return Err(Alarm::WrongExpiry {
                got: if expiry.is_empty() { "(none)".into() } else { expiry },
                want: want.into(),
            });
        }
    }
    let Some(serial) = d.get("21") else { return Err(Alarm::NoSerial) };
    Ok(Accepted { gtin, batch, expiry, serial: serial.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::gs1::{decode, Options};

    fn order() -> PackagingOrder {
        PackagingOrder {
            order_id: "Order143".into(),
            order_description: None,
            product_code: "02022090117459".into(),
            product_code_schema: "GTIN".into(),
            batch: Some("B2405121".into()),
            expiry_date: Some("290512".into()),
            quantity: 10,
            extra_percentage: None,
            serialized: Some(true),
            packaging_line_tag: None,
            market: None,
            status: "Open".into(),
        }
    }

    fn kind(code: &str) -> &'static str {
        let d = decode(code, &Options { this_year: 2026, ..Options::default() }).unwrap();
        check(&d, Some(&order())).unwrap_err().kind()
    }

    #[test]
    fn each_mismatch_is_its_own_alarm() {
        let ok = decode("(01)02022090117459(17)290512(10)B2405121(21)SN1", &Options::default()).unwrap();
        assert_eq!(check(&ok, Some(&order())).unwrap().serial, "SN1");
        assert_eq!(check(&ok, None).unwrap_err(), Alarm::NoActiveOrder);
        assert_eq!(kind("(01)02026041310005(17)290512(10)B2405121(21)SN1"), "wrong_product");
        assert_eq!(kind("(01)02022090117459(17)290512(10)B9(21)SN1"), "wrong_batch");
        assert_eq!(kind("(01)02022090117459(17)290513(10)B2405121(21)SN1"), "wrong_expiry");
        assert_eq!(kind("(01)02022090117459(17)290512(10)B2405121"), "no_serial");
        let e: Alarm = decode("(01)1", &Options::default()).unwrap_err().into();
        assert_eq!(e.kind(), "undecodable");
        assert!(e.message().contains("brackets"));
    }

    #[test]
    fn a_paste_longer_than_any_code_is_its_own_alarm() {
        let paste = "0".repeat(800_000);
        let e: Alarm = decode(&paste, &Options::default()).unwrap_err().into();
        assert_eq!((e.kind(), e.headline()), ("too_long", "SCAN TOO LONG"));
        assert!(e.message().contains("800,000 characters"), "{}", e.message());
        assert!(e.message().contains("scan one pack at a time"), "{}", e.message());
        assert!(!e.message().contains("brackets"), "a paste is no damaged pack: {}", e.message());
    }
}
