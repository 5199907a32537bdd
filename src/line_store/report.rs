//! The batch-release report (`shopfloor report`) for a whole line, from the store's copy of
//! every station's audit trail: the trail records each pack accepted for an order, each refusal
//! by the service, decommission, alarm and its acknowledgement, late duplicate, label and
//! signature, so the report is rebuilt from those rows (`from_trail`, no I/O) after one query
//! (`batch_report`). Commissioning itself is not audited per pack: packs neither refused nor
//! decommissioned are counted as commissioned, and the report says so.

use super::Error;
use crate::domain::audit::{actions, Entry};
use crate::domain::batch_report::{
    self, AlarmRow, BatchReport, Duplicate, Labels, PackEvent, ReasonCount, Signature, SIGNATURE_ACTION,
};
use crate::printing::store::{LabelRow, LabelState};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the report says about commissioning when it was read from the line store.
const COMMISSIONED_NOTE: &str = "From the line store: it does not record commissioning pack by pack, so \
     'commissioned' counts the accepted packs neither refused by the service nor decommissioned (some may \
     still wait for the service's answer; a station's journal, --journal PATH, tells exactly).";

/// The audited record a signature points at: (station, audit id) → (object, new value).
type SignedRecords = HashMap<(String, i64), (String, Option<String>)>;

fn label_action_state(action: &str) -> Option<LabelState> {
    use crate::printing::store::actions as a;
    Some(match action {
        x if x == a::LABEL_SENT => LabelState::Sent,
        x if x == a::LABEL_PRINTED => LabelState::Printed,
        x if x == a::LABEL_VERIFIED => LabelState::Verified,
        x if x == a::LABEL_COMMISSIONED => LabelState::Commissioned,
        x if x == a::LABEL_VOIDED => LabelState::Voided,
        _ => return None,
    })
}

/// The report of `order_id` from the line's audit rows (any order of rows; every station's).
fn from_trail(order_id: &str, rows: &[Entry], signed: &SignedRecords) -> BatchReport {
    let mut rows: Vec<&Entry> = rows.iter().collect();
    rows.sort_by(|a, b| a.station.cmp(&b.station).then(a.id.cmp(&b.id)));
    let mut r = BatchReport { order_id: order_id.into(), ..BatchReport::default() };
    let accepted_words = format!("order {order_id} batch ");
    let alarm_words = format!(" (order {order_id})");
    let label_words = format!("allocated for order {order_id} batch ");
    // Packs of the order at each station: (station, "gtin/serial").
    let mut packs: HashSet<(String, String)> = HashSet::new();
    let mut labels: BTreeMap<(String, String), LabelRow> = BTreeMap::new();
    let mut decommissioned: BTreeMap<String, i64> = BTreeMap::new();
    let mut removals = Vec::new();
    let mut open_alarms: HashMap<String, Vec<usize>> = HashMap::new();
    let split = |object: &str| {
        object.split_once('/').map(|(g, s)| (g.to_string(), s.to_string())).unwrap_or((String::new(), object.into()))
    };
    for e in &rows {
        let key = (e.station.clone(), e.object.clone());
        let new = e.new_value.as_deref().unwrap_or("");
        match e.action.as_str() {
            actions::SCAN_ACCEPTED if new.starts_with(&accepted_words) => {
                packs.insert(key);
                r.packs.accepted += 1;
            }
            actions::SERIAL_REJECTED if packs.contains(&key) => {
                let (gtin, serial) = split(&e.object);
                r.refused_by_service.push(PackEvent {
                    at_utc: e.at_utc.clone(),
                    station: e.station.clone(),
                    gtin,
                    serial,
                    reason: e.reason.clone(),
                });
            }
            actions::SERIAL_DECOMMISSIONED if packs.contains(&key) => {
                *decommissioned.entry(e.reason.clone().unwrap_or_else(|| "(no reason)".into())).or_default() += 1;
            }
            actions::SCAN_REJECTED if new.ends_with(&alarm_words) => {
                let kind = new[..new.len() - alarm_words.len()].to_string();
                if kind == "clock_skew" {
                    continue;
                }
                let shown: String = e.object.chars().map(|c| if c.is_control() { '·' } else { c }).collect();
                match kind.as_str() {
                    "duplicate" | "duplicate_line" => {
                        if kind == "duplicate" {
                            r.packs.duplicates += 1;
                        }
                        r.duplicates.push(Duplicate {
                            kind: kind.clone(),
                            at_utc: e.at_utc.clone(),
                            station: e.station.clone(),
                            gtin: String::new(),
                            serial: shown,
                            first: e.reason.clone(),
                            resolution: None,
                        });
                    }
                    "late_duplicate" => {}
                    _ => r.packs.refused_at_station += 1,
                }
                open_alarms.entry(e.station.clone()).or_default().push(r.alarms.len());
                r.alarms.push(AlarmRow {
                    at_utc: e.at_utc.clone(),
                    station: e.station.clone(),
                    kind,
                    message: e.reason.clone().unwrap_or_default(),
                    acknowledged_at_utc: None,
                    acknowledged_by: None,
                });
            }
            actions::ALARM_ACKNOWLEDGED => {
                // An acknowledgement closes every alarm of its station still open.
                for i in open_alarms.remove(&e.station).unwrap_or_default() {
                    r.alarms[i].acknowledged_at_utc = Some(e.at_utc.clone());
                    r.alarms[i].acknowledged_by = e.operator.clone();
                }
            }
            actions::SCAN_LATE_DUPLICATE if packs.contains(&key) => {
                let (gtin, serial) = split(&e.object);
                r.duplicates.push(Duplicate {
                    kind: "late_duplicate".into(),
                    at_utc: e.at_utc.clone(),
                    station: e.station.clone(),
                    gtin,
                    serial,
                    first: e.new_value.clone(),
                    resolution: None,
                });
            }
            a if a == crate::printing::store::actions::LABEL_ALLOCATED && new.starts_with(&label_words) => {
                let (gtin, serial) = split(&e.object);
                let printer = new.rsplit(" on ").next().unwrap_or("").to_string();
                labels.insert(
                    key,
                    LabelRow {
                        id: e.id,
                        run_id: String::new(),
                        order_id: order_id.into(),
                        printer,
                        gtin,
                        batch: String::new(),
                        expiry: String::new(),
                        serial,
                        state: LabelState::Allocated,
                        reason: None,
                        allocated_at: e.at_utc.clone(),
                        sent_at: None,
                        printed_at: None,
                        verified_at: None,
                        updated_at: e.at_utc.clone(),
                    },
                );
            }
            a => {
                if let (Some(state), Some(l)) = (label_action_state(a), labels.get_mut(&key)) {
                    l.state = state;
                    l.updated_at = e.at_utc.clone();
                    if e.reason.is_some() {
                        l.reason = e.reason.clone();
                    }
                    let at = Some(e.at_utc.clone());
                    match state {
                        LabelState::Sent => l.sent_at = at,
                        LabelState::Printed => l.printed_at = at,
                        LabelState::Verified => l.verified_at = at,
                        _ => {}
                    }
                }
            }
        }
        if e.action == crate::domain::audit::actions::LABELS_REMOVAL_CONFIRMED && e.object == order_id {
            let serials = e.new_value.as_deref().unwrap_or_default();
            removals.push(batch_report::Removal {
                at_utc: e.at_utc.clone(),
                station: e.station.clone(),
                operator: e.operator.clone(),
                serials: serials.split_whitespace().map(String::from).collect(),
            });
        }
        if e.action == SIGNATURE_ACTION {
            let Some((mut sig, order)) = Signature::from_row(
                e.id,
                &e.at_utc,
                &e.station,
                e.operator.as_deref(),
                e.new_value.as_deref(),
                e.reason.as_deref(),
            ) else {
                continue;
            };
            if sig.record.is_none() {
                sig.record = Signature::record_of_object(&e.object);
            }
            let record = sig.record.and_then(|id| signed.get(&(e.station.clone(), id)));
            // A record about one pack or label ("gtin/serial") concerns the order that pack is in.
            let of_order = record.is_some_and(|(object, _)| {
                let k = (e.station.clone(), object.clone());
                packs.contains(&k) || labels.contains_key(&k)
            });
            if of_order
                || batch_report::concerns(order.as_deref(), record.map(|(o, v)| (o.as_str(), v.as_deref())), order_id)
            {
                r.signatures.push(sig);
            }
        }
    }
    r.decommissioned = decommissioned.into_iter().map(|(reason, count)| ReasonCount { reason, count }).collect();
    r.decommissioned.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
    r.packs.refused_by_service = r.refused_by_service.len() as i64;
    r.packs.decommissioned = r.decommissioned.iter().map(|d| d.count).sum();
    r.packs.commissioned = r.packs.accepted - r.packs.refused_by_service - r.packs.decommissioned;
    r.packs.scanned = r.packs.accepted + r.packs.refused_at_station + r.packs.duplicates;
    let labels: Vec<LabelRow> = labels.into_values().collect();
    r.labels = Labels { removals, ..crate::printing::store::report_labels(order_id, &labels) };
    r.alarms.sort_by(|a, b| a.at_utc.cmp(&b.at_utc));
    r.duplicates.sort_by(|a, b| a.at_utc.cmp(&b.at_utc));
    r.signatures.sort_by(|a, b| a.at_utc.cmp(&b.at_utc));
    r.notes.push(COMMISSIONED_NOTE.into());
    r
}

const COLUMNS: &str =
    "id, at_utc, utc_offset, station, operator, action, object, old_value, new_value, reason, prev_hash, hash";

/// Reads the rows the report needs from the store's audit copy and builds it.
pub async fn batch_report(client: &tokio_postgres::Client, order_id: &str) -> Result<BatchReport, Error> {
    use crate::printing::store::actions as label;
    let accepted = format!("order {order_id} batch ");
    let alarm = format!(" (order {order_id})");
    let allocated = format!("allocated for order {order_id} batch ");
    let per_pack: Vec<&str> = vec![
        actions::SERIAL_REJECTED,
        actions::SERIAL_DECOMMISSIONED,
        actions::SCAN_LATE_DUPLICATE,
        actions::ALARM_ACKNOWLEDGED,
        label::LABEL_SENT,
        label::LABEL_PRINTED,
        label::LABEL_VERIFIED,
        label::LABEL_COMMISSIONED,
        label::LABEL_VOIDED,
        SIGNATURE_ACTION,
    ];
    let rows = client
        .query(
            &format!(
                "SELECT {COLUMNS} FROM audit
                 WHERE (action = $1 AND left(new_value, length($2)) = $2)
                    OR (action = $3 AND right(new_value, length($4)) = $4)
                    OR (action = $5 AND left(new_value, length($6)) = $6)
                    OR action = ANY($7)"
            ),
            &[
                &actions::SCAN_ACCEPTED,
                &accepted,
                &actions::SCAN_REJECTED,
                &alarm,
                &label::LABEL_ALLOCATED,
                &allocated,
                &per_pack,
            ],
        )
        .await
        .map_err(Error::db)?;
    let rows: Vec<Entry> = rows.iter().map(super::audit::entry).collect();
    let mut signed = SignedRecords::new();
    for e in rows.iter().filter(|e| e.action == SIGNATURE_ACTION) {
        let record = e
            .new_value
            .as_deref()
            .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
            .and_then(|v| v.get("record").and_then(serde_json::Value::as_i64))
            .or_else(|| Signature::record_of_object(&e.object));
        let Some(id) = record else { continue };
        let found = client
            .query_opt("SELECT object, new_value FROM audit WHERE station = $1 AND id = $2", &[&e.station, &id])
            .await
            .map_err(Error::db)?;
        if let Some(row) = found {
            signed.insert((e.station.clone(), id), (row.get(0), row.get(1)));
        }
    }
    let mut report = from_trail(order_id, &rows, &signed);
    // The line's list of late duplicates knows how each was resolved, and has those whose
    // station's audit rows have not reached the store yet.
    let late = client
        .query(
            "SELECT station, gtin, serial, scanned_at, first_station, first_operator, first_order_id, first_scanned_at,
                    resolved_at, resolved_by, resolution
             FROM late_duplicates WHERE order_id = $1 ORDER BY id",
            &[&order_id],
        )
        .await
        .map_err(Error::db)?;
    let utc = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    for row in late {
        let (station, gtin, serial): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let resolved_at: Option<chrono::DateTime<chrono::Utc>> = row.get(8);
        let resolution = resolved_at.map(|at| {
            let by: Option<String> = row.get(9);
            let what: Option<String> = row.get(10);
            format!("{} (by {}, {})", what.unwrap_or_default(), by.as_deref().unwrap_or("-"), utc(at))
        });
        let known = report
            .duplicates
            .iter_mut()
            .find(|d| d.kind == "late_duplicate" && d.station == station && d.gtin == gtin && d.serial == serial);
        match known {
            Some(d) => d.resolution = resolution,
            None => {
                let first_operator: Option<String> = row.get(5);
                report.duplicates.push(Duplicate {
                    kind: "late_duplicate".into(),
                    at_utc: utc(row.get(3)),
                    station,
                    gtin,
                    serial,
                    first: Some(format!(
                        "claimed first by {} (order {}, operator {}, {})",
                        row.get::<_, String>(4),
                        row.get::<_, String>(6),
                        first_operator.as_deref().unwrap_or("-"),
                        utc(row.get(7))
                    )),
                    resolution,
                });
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(station: &str, id: i64, action: &str, object: &str, new: Option<&str>, reason: Option<&str>) -> Entry {
        Entry {
            id,
            at_utc: format!("2026-11-21T10:00:{id:02}.000Z"),
            utc_offset: "+01:00".into(),
            station: station.into(),
            operator: Some("op-1".into()),
            action: action.into(),
            object: object.into(),
            old_value: None,
            new_value: new.map(String::from),
            reason: reason.map(String::from),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn the_line_report_is_rebuilt_from_every_stations_rows() {
        use crate::printing::store::actions as label;
        let o1 = Some("order O1 batch B expiry 290512");
        let rows = vec![
            row("a", 1, actions::SCAN_ACCEPTED, "G/1", o1, None),
            row("a", 2, actions::SCAN_ACCEPTED, "G/2", o1, None),
            row("b", 1, actions::SCAN_ACCEPTED, "G/3", o1, None),
            row("b", 2, actions::SCAN_ACCEPTED, "G/9", Some("order O2 batch B expiry 290512"), None),
            row("b", 3, actions::SERIAL_REJECTED, "G/3", Some("rejected"), Some("no such serial")),
            row("b", 4, actions::SERIAL_REJECTED, "G/9", Some("rejected"), Some("other order")),
            row("a", 3, actions::SERIAL_DECOMMISSIONED, "G/1", Some("decommissioned"), Some("Sampled")),
            row("a", 4, actions::SCAN_REJECTED, "G/2raw", Some("duplicate (order O1)"), Some("twice")),
            row("a", 5, actions::SCAN_REJECTED, "x", Some("wrong_batch (order O1)"), Some("wrong")),
            row("b", 5, actions::SCAN_REJECTED, "y", Some("wrong_batch (order O2)"), Some("other")),
            row("a", 6, actions::ALARM_ACKNOWLEDGED, "2 alarm(s)", Some("acknowledged"), None),
            row("a", 7, label::LABEL_ALLOCATED, "G/L1", Some("allocated for order O1 batch B on z1"), None),
            row("a", 8, label::LABEL_SENT, "G/L1", Some("sent"), None),
            row("a", 9, label::LABEL_PRINTED, "G/L1", Some("printed"), None),
            row("a", 10, label::LABEL_VOIDED, "G/L1", Some("voided"), Some("smudged")),
            row(
                "a",
                11,
                SIGNATURE_ACTION,
                "audit #3",
                Some(
                    r#"{"signer":"sup-1","name":"Sam","role":"supervisor","meaning":"approved","action":"decommission","record":3,"order":"O1","summary":"s"}"#,
                ),
                Some("QC"),
            ),
            row(
                "b",
                6,
                SIGNATURE_ACTION,
                "audit #1",
                Some(r#"{"signer":"sup-2","record":1,"order":null,"summary":"reviewed"}"#),
                None,
            ),
            row("b", 7, SIGNATURE_ACTION, "audit #2", Some(r#"{"signer":"sup-2","record":2,"order":null}"#), None),
            row("a", 12, SIGNATURE_ACTION, "audit #3", Some(r#"{"signer":"qa-1","record":3,"order":null}"#), None),
        ];
        let mut signed = SignedRecords::new();
        signed.insert(("b".into(), 1), ("G/3".into(), o1.map(String::from)));
        signed.insert(("a".into(), 3), ("G/1".into(), Some("decommissioned".into())));
        signed.insert(("b".into(), 2), ("G/9".into(), Some("order O2 batch B expiry 290512".into())));
        let r = from_trail("O1", &rows, &signed);
        let p = r.packs;
        assert_eq!((p.accepted, p.refused_by_service, p.decommissioned, p.commissioned), (3, 1, 1, 1));
        assert_eq!((p.duplicates, p.refused_at_station, p.scanned), (1, 1, 5));
        assert_eq!(r.refused_by_service[0].reason.as_deref(), Some("no such serial"));
        assert_eq!(r.decommissioned, [ReasonCount { reason: "Sampled".into(), count: 1 }]);
        assert_eq!(r.alarms.len(), 2, "the other order's alarm is not listed");
        assert!(r.alarms.iter().all(|a| a.acknowledged_by.as_deref() == Some("op-1")));
        assert_eq!((r.labels.printed, r.labels.voided), (1, 1));
        assert_eq!(r.labels.voided_labels[0].reason.as_deref(), Some("smudged"));
        let signers: Vec<&str> = r.signatures.iter().map(|s| s.signer.as_str()).collect();
        assert_eq!(
            signers,
            ["sup-2", "sup-1", "qa-1"],
            "by its record at station b, by its order, and by the pack its record is about; in time order"
        );
        assert_eq!(r.notes, [COMMISSIONED_NOTE]);
    }
}
