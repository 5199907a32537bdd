//! The journal's part of the batch-release report (`shopfloor report`): an order's packs,
//! decommissions, refusals by the service, duplicates (the station's own, the line's and late
//! ones), alarms with who acknowledged them, and the signatures concerning the order. Labels
//! are the printing store's to read. A journal from before a table existed (an older schema,
//! opened read-only) simply has none of its rows.

use super::{Journal, JournalError};
use crate::domain::audit::actions;
use crate::domain::batch_report::{
    self, AlarmRow, BatchReport, Duplicate, PackEvent, Packs, ReasonCount, Removal, Signature, SIGNATURE_ACTION,
};
use rusqlite::{params, Connection, OptionalExtension};

fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        params![name],
        |r| r.get(0),
    )
}

/// The station this journal belongs to, as its newest audit row (or scan) names it: alarms
/// keep no station of their own.
fn own_station(c: &Connection) -> rusqlite::Result<String> {
    let from_audit: Option<String> = if has_table(c, "audit")? {
        c.query_row("SELECT station FROM audit ORDER BY id DESC LIMIT 1", [], |r| r.get(0)).optional()?
    } else {
        None
    };
    match from_audit {
        Some(s) => Ok(s),
        None => Ok(c
            .query_row("SELECT station FROM scans ORDER BY id DESC LIMIT 1", [], |r| r.get(0))
            .optional()?
            .unwrap_or_default()),
    }
}

impl Journal {
    /// Everything the journal knows about the order (labels are left empty).
    pub fn batch_report(&self, order_id: &str) -> Result<BatchReport, JournalError> {
        let c = &self.conn;
        let mut report = BatchReport { order_id: order_id.into(), ..BatchReport::default() };
        if !has_table(c, "scans")? {
            return Ok(report);
        }
        report.packs = packs(c, order_id)?;
        report.decommissioned = decommissioned(c, order_id)?;
        report.refused_by_service = refused(c, order_id)?;
        report.duplicates = duplicates(c, order_id)?;
        report.alarms = alarms(c, order_id)?;
        report.signatures = signatures(c, order_id)?;
        report.labels.removals = removals(c, order_id)?;
        Ok(report)
    }
}

/// The confirmations that the order's voided labels were found and removed.
fn removals(c: &Connection, order_id: &str) -> rusqlite::Result<Vec<Removal>> {
    let mut q = c.prepare(
        "SELECT at_utc, station, operator, new_value FROM audit WHERE action = ?1 AND object = ?2 ORDER BY id",
    )?;
    let rows = q.query_map(params![actions::LABELS_REMOVAL_CONFIRMED, order_id], |r| {
        let serials: Option<String> = r.get(3)?;
        Ok(Removal {
            at_utc: r.get(0)?,
            station: r.get(1)?,
            operator: r.get(2)?,
            serials: serials.unwrap_or_default().split_whitespace().map(String::from).collect(),
        })
    })?;
    rows.collect()
}

/// Counted from the rows themselves (not the scan panel's counters): a report is read seldom
/// and must add up from what is there.
fn packs(c: &Connection, order_id: &str) -> rusqlite::Result<Packs> {
    let mut p = Packs::default();
    let mut q = c.prepare("SELECT state, COUNT(*) FROM scans WHERE order_id = ?1 GROUP BY state")?;
    for row in q.query_map(params![order_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (state, n) = row?;
        p.accepted += n;
        match state.as_str() {
            "commissioned" => p.commissioned += n,
            "rejected" => p.refused_by_service += n,
            "decommissioned" => p.decommissioned += n,
            _ => p.pending += n,
        }
    }
    let mut q = c.prepare(
        "SELECT kind = 'duplicate', COUNT(*) FROM alarms
         WHERE order_id = ?1 AND kind NOT IN ('duplicate_line', 'late_duplicate', 'clock_skew') GROUP BY 1",
    )?;
    for row in q.query_map(params![order_id], |r| Ok((r.get::<_, bool>(0)?, r.get::<_, i64>(1)?)))? {
        match row? {
            (true, n) => p.duplicates += n,
            (false, n) => p.refused_at_station += n,
        }
    }
    p.scanned = p.accepted + p.refused_at_station + p.duplicates;
    Ok(p)
}

fn decommissioned(c: &Connection, order_id: &str) -> rusqlite::Result<Vec<ReasonCount>> {
    let mut q = c.prepare(
        "SELECT COALESCE(reason, '(no reason)'), COUNT(*) FROM scans WHERE order_id = ?1 AND state = 'decommissioned'
         GROUP BY 1 ORDER BY 2 DESC, 1",
    )?;
    let rows = q.query_map(params![order_id], |r| Ok(ReasonCount { reason: r.get(0)?, count: r.get(1)? }))?;
    rows.collect()
}

fn refused(c: &Connection, order_id: &str) -> rusqlite::Result<Vec<PackEvent>> {
    let mut q = c.prepare(
        "SELECT updated, station, gtin, serial, reason FROM scans WHERE order_id = ?1 AND state = 'rejected' ORDER BY id",
    )?;
    let rows = q.query_map(params![order_id], |r| {
        Ok(PackEvent { at_utc: r.get(0)?, station: r.get(1)?, gtin: r.get(2)?, serial: r.get(3)?, reason: r.get(4)? })
    })?;
    rows.collect()
}

fn duplicates(c: &Connection, order_id: &str) -> rusqlite::Result<Vec<Duplicate>> {
    let mut out = Vec::new();
    // Scanned twice here: the alarm keeps the scan as read; its serial is decoded for the list.
    let station = own_station(c)?;
    let mut q =
        c.prepare("SELECT at, raw, message FROM alarms WHERE order_id = ?1 AND kind = 'duplicate' ORDER BY id")?;
    for row in q.query_map(params![order_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
    })? {
        let (at, raw, message) = row?;
        let (gtin, serial) = gtin_serial(&raw);
        out.push(Duplicate {
            kind: "duplicate".into(),
            at_utc: at,
            station: station.clone(),
            gtin,
            serial,
            first: Some(message),
            resolution: None,
        });
    }
    let mut seen = std::collections::HashSet::new();
    if has_table(c, "line_conflicts")? {
        let mut q = c.prepare(
            "SELECT l.kind, l.scanned_at, COALESCE(s.station, ''), l.gtin, l.serial, l.other_station, l.other_operator,
                    l.other_order_id, l.other_scanned_at, l.resolution, l.resolved_by, l.resolved_at
             FROM line_conflicts l LEFT JOIN scans s ON s.id = l.scan_id WHERE l.order_id = ?1 ORDER BY l.scan_id",
        )?;
        let rows = q.query_map(params![order_id], |r| {
            let (other, op, order, at): (String, Option<String>, String, String) =
                (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?);
            let resolution: Option<String> = r.get(9)?;
            let by: Option<String> = r.get(10)?;
            let when: Option<String> = r.get(11)?;
            let kind: String = r.get(0)?;
            Ok(Duplicate {
                kind: if kind == "late_duplicate" { kind } else { "duplicate_line".into() },
                at_utc: r.get(1)?,
                station: r.get(2)?,
                gtin: r.get(3)?,
                serial: r.get(4)?,
                first: Some(format!("{other}, operator {}, order {order}, {at}", op.as_deref().unwrap_or("-"))),
                resolution: resolution
                    .map(|x| format!("{x} (by {}, {})", by.as_deref().unwrap_or("-"), when.as_deref().unwrap_or("-"))),
            })
        })?;
        for d in rows {
            let d = d?;
            seen.insert((d.gtin.clone(), d.serial.clone()));
            out.push(d);
        }
    }
    // Late duplicates the audit trail recorded whose answer is not (or no longer) in the list.
    let mut q = c.prepare(
        "SELECT a.at_utc, a.station, a.object, a.new_value FROM audit a
         JOIN scans s ON s.gtin || '/' || s.serial = a.object
         WHERE a.action = ?1 AND s.order_id = ?2 ORDER BY a.id",
    )?;
    let rows = q.query_map(params![actions::SCAN_LATE_DUPLICATE, order_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
    })?;
    for row in rows {
        let (at, station, object, first) = row?;
        let (gtin, serial) = object.split_once('/').map(|(g, s)| (g.to_string(), s.to_string())).unwrap_or_default();
        if seen.insert((gtin.clone(), serial.clone())) {
            out.push(Duplicate {
                kind: "late_duplicate".into(),
                at_utc: at,
                station,
                gtin,
                serial,
                first,
                resolution: None,
            });
        }
    }
    Ok(out)
}

/// GTIN and serial of a scan as read, or the text itself as the serial when it does not decode.
fn gtin_serial(raw: &str) -> (String, String) {
    let opts = crate::scan::gs1::Options::default();
    match crate::scan::gs1::decode(raw, &opts) {
        Ok(d) => (
            d.get("01").map(str::to_string).unwrap_or_default(),
            d.get("21").map(str::to_string).unwrap_or_else(|| raw.to_string()),
        ),
        Err(_) => (String::new(), raw.chars().map(|c| if c.is_control() { '·' } else { c }).collect()),
    }
}

/// The order's alarms; who acknowledged one is the operator of the acknowledging audit row,
/// written in the same transaction as the alarm's time (so the first one at or after it).
fn alarms(c: &Connection, order_id: &str) -> rusqlite::Result<Vec<AlarmRow>> {
    let station = own_station(c)?;
    let mut q = c.prepare(
        "SELECT at, kind, message, acknowledged_at FROM alarms WHERE order_id = ?1 AND kind <> 'clock_skew' ORDER BY id",
    )?;
    let mut who = c.prepare(
        "SELECT station, operator FROM audit WHERE action = ?1 AND at_utc >= ?2 ORDER BY at_utc, id LIMIT 1",
    )?;
    let mut out = Vec::new();
    for row in q.query_map(params![order_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
    })? {
        let (at, kind, message, acked) = row?;
        let (by_station, by) = match &acked {
            Some(t) => who
                .query_row(params![actions::ALARM_ACKNOWLEDGED, t], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                })
                .optional()?
                .unwrap_or_default(),
            None => (String::new(), None),
        };
        let station = if by_station.is_empty() { station.clone() } else { by_station };
        out.push(AlarmRow { at_utc: at, station, kind, message, acknowledged_at_utc: acked, acknowledged_by: by });
    }
    Ok(out)
}

fn signatures(c: &Connection, order_id: &str) -> rusqlite::Result<Vec<Signature>> {
    let mut q = c.prepare(
        "SELECT id, at_utc, station, operator, object, new_value, reason FROM audit WHERE action = ?1 ORDER BY id",
    )?;
    let mut signed = c.prepare("SELECT object, new_value FROM audit WHERE id = ?1")?;
    let labels = has_table(c, "printed_labels")?;
    let mut out = Vec::new();
    let rows = q.query_map(params![SIGNATURE_ACTION], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    for row in rows {
        let (id, at, station, operator, object, new_value, reason) = row?;
        let Some((mut sig, order)) =
            Signature::from_row(id, &at, &station, operator.as_deref(), new_value.as_deref(), reason.as_deref())
        else {
            continue;
        };
        if sig.record.is_none() {
            sig.record = Signature::record_of_object(&object);
        }
        let record = match sig.record {
            Some(r) => signed
                .query_row(params![r], |x| Ok((x.get::<_, String>(0)?, x.get::<_, Option<String>>(1)?)))
                .optional()?,
            None => None,
        };
        let record_ref = record.as_ref().map(|(o, v)| (o.as_str(), v.as_deref()));
        // A record about one pack or label ("gtin/serial") concerns the order that pack is in.
        let of_order = match &record {
            Some((object, _)) => pack_or_label_of(c, object, order_id, labels)?,
            None => false,
        };
        if of_order || batch_report::concerns(order.as_deref(), record_ref, order_id) {
            out.push(sig);
        }
    }
    Ok(out)
}

/// Whether `object` (`gtin/serial`) is a pack scanned for the order or a label printed for it.
fn pack_or_label_of(c: &Connection, object: &str, order_id: &str, labels: bool) -> rusqlite::Result<bool> {
    let Some((gtin, serial)) = object.split_once('/') else { return Ok(false) };
    let pack: bool = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM scans WHERE gtin = ?1 AND serial = ?2 AND order_id = ?3)",
        params![gtin, serial, order_id],
        |r| r.get(0),
    )?;
    if pack || !labels {
        return Ok(pack);
    }
    c.query_row(
        "SELECT EXISTS (SELECT 1 FROM printed_labels WHERE gtin = ?1 AND serial = ?2 AND order_id = ?3)",
        params![gtin, serial, order_id],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::scan;
    use super::super::{Actor, Alarm, State};
    use super::*;
    use crate::domain::audit::NewEntry;

    #[test]
    fn the_report_adds_up_an_orders_packs_and_finds_its_signatures() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.db")).unwrap();
        j.append(&[scan("A"), scan("B"), scan("C"), scan("D")]).unwrap();
        let b = j.take_batch(10).unwrap().unwrap();
        let ids: Vec<i64> = b.rows.iter().map(|r| r.0).collect();
        j.mark(&ids[..3], State::Commissioned, None).unwrap();
        j.mark(&ids[3..], State::Rejected, Some("Product not found")).unwrap();
        let sup = Actor { station: "st".into(), operator: Some("sup-1".into()) };
        j.decommissioned(ids[0], "Sampled", &sup).unwrap();
        let alarm = |kind: &str| Alarm {
            order_id: Some("O1".into()),
            kind: kind.into(),
            raw: "raw-A".into(),
            message: "m".into(),
        };
        j.record_alarm(&alarm("duplicate"), &sup).unwrap();
        j.record_alarm(&alarm("wrong_batch"), &sup).unwrap();
        j.acknowledge_alarms(&Actor { station: "st".into(), operator: Some("op-7".into()) }).unwrap();
        let decommission_row: i64 =
            j.conn.query_row("SELECT id FROM audit WHERE action = 'serial.decommissioned'", [], |r| r.get(0)).unwrap();
        let sign = |record: i64, order: &str| {
            NewEntry::new(SIGNATURE_ACTION, format!("audit #{record}")).by("st", Some("sup-1")).change(
                None,
                Some(format!(
                    r#"{{"signer":"sup-1","name":"Sam Super","role":"supervisor","meaning":"approved","action":"decommission","record":{record},"record_hash":"00","order":{order},"summary":"s"}}"#
                )),
            )
        };
        // Named by the record it signs (whose new value says "order O1") and by its own order.
        let scan_row: i64 =
            j.conn.query_row("SELECT id FROM audit WHERE action = 'scan.accepted' LIMIT 1", [], |r| r.get(0)).unwrap();
        j.audit(&sign(scan_row, "null")).unwrap();
        // A decommission (whose row names only the pack) concerns the order of that pack.
        j.audit(&sign(decommission_row, "null")).unwrap();
        let ack_row: i64 =
            j.conn.query_row("SELECT id FROM audit WHERE action = 'alarm.acknowledged'", [], |r| r.get(0)).unwrap();
        j.audit(&sign(ack_row, "\"O2\"")).unwrap();
        let r = j.batch_report("O1").unwrap();
        assert_eq!(
            r.packs,
            Packs {
                scanned: 6,
                accepted: 4,
                commissioned: 2,
                pending: 0,
                refused_by_service: 1,
                decommissioned: 1,
                refused_at_station: 1,
                duplicates: 1
            }
        );
        assert_eq!(r.decommissioned, [ReasonCount { reason: "Sampled".into(), count: 1 }]);
        assert_eq!(r.refused_by_service[0].serial, "D");
        assert_eq!(r.duplicates.len(), 1);
        assert_eq!(r.alarms.len(), 2);
        assert!(r.alarms.iter().all(|a| a.acknowledged_by.as_deref() == Some("op-7")), "{:?}", r.alarms);
        let signed: Vec<Option<i64>> = r.signatures.iter().map(|s| s.record).collect();
        assert_eq!(signed, [Some(scan_row), Some(decommission_row)], "the O2 signature is not listed");
    }
}
