//! The journal's read model for the scan panel: an order's counters, its last scans, the queue
//! and packs per minute. Every figure is read from counters the schema's triggers keep (per
//! order and state, per order and second) or through an index, so a read costs the same with
//! a hundred or a million scans in the order; the station reads them on a connection of its
//! own, never on the writer's.

use super::{Journal, JournalError, State};
use rusqlite::params;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRow {
    pub id: i64,
    pub at: String,
    pub order_id: String,
    pub gtin: String,
    pub batch: String,
    pub expiry: String,
    pub serial: String,
    pub state: State,
    pub reason: Option<String>,
    pub attempts: i64,
    /// A scan refused at the station: the alarm's kind (`wrong_batch`, …); `reason` holds its
    /// message and `serial` the scan as read. Such a row has no state of its own.
    pub refusal: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Scans journaled for the order (in any state since).
    pub accepted: i64,
    /// Scans refused at the station with an alarm (wrong batch, unreadable, order full, …).
    pub refused: i64,
    /// Waiting to be sent or sent without an answer yet.
    pub pending: i64,
    pub commissioned: i64,
    pub rejected: i64,
    pub duplicates: i64,
    pub decommissioned: i64,
}

impl Counts {
    /// Every scan of the order the station looked at: accepted + refused + duplicates.
    pub fn scanned(&self) -> i64 {
        self.accepted + self.refused + self.duplicates
    }
}

/// The journal's read model for the scan panel: the active order's counters and last scans.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanStats {
    pub order_id: String,
    pub counts: Counts,
    pub recent: Vec<ScanRow>,
    /// Everything not yet answered, all orders.
    pub queue: i64,
    /// Scans of the order journaled in the last minute.
    pub per_minute: i64,
}

impl Journal {
    pub fn counts(&self, order_id: &str) -> Result<Counts, JournalError> {
        let mut c = Counts::default();
        let mut q = self.conn.prepare_cached("SELECT what, n FROM order_counts WHERE order_id = ?1")?;
        let rows = q.query_map(params![order_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (what, n) = row?;
            match what.as_str() {
                "duplicate" => {
                    c.duplicates += n;
                    continue;
                }
                "refused" => {
                    c.refused += n;
                    continue;
                }
                _ => {}
            }
            c.accepted += n;
            match State::parse(&what) {
                State::Pending | State::Sent => c.pending += n,
                State::Commissioned => c.commissioned += n,
                State::Rejected => c.rejected += n,
                State::Decommissioned => c.decommissioned += n,
            }
        }
        Ok(c)
    }

    /// Everything not yet answered by the server, over all orders (the queue depth).
    pub fn queue_depth(&self) -> Result<i64, JournalError> {
        Ok(self
            .conn
            .prepare_cached("SELECT COALESCE(SUM(n), 0) FROM order_counts WHERE what IN ('pending', 'sent')")?
            .query_row([], |r| r.get(0))?)
    }

    /// Scans of the order journaled at or after `since` (RFC 3339, UTC, within the last two
    /// minutes): the packs per minute.
    pub fn scanned_since(&self, order_id: &str, since: &str) -> Result<i64, JournalError> {
        let second = since.get(..19).unwrap_or(since);
        Ok(self
            .conn
            .prepare_cached("SELECT COALESCE(SUM(n), 0) FROM scan_rate WHERE second >= ?2 AND order_id = ?1")?
            .query_row(params![order_id, second], |r| r.get(0))?)
    }

    /// What the scan panel shows for an order; `since` is one minute ago (RFC 3339, UTC).
    pub fn stats(&self, order_id: &str, since: &str) -> Result<ScanStats, JournalError> {
        Ok(ScanStats {
            counts: self.counts(order_id)?,
            recent: self.recent(order_id, 12)?,
            queue: self.queue_depth()?,
            per_minute: self.scanned_since(order_id, since)?,
            order_id: order_id.to_string(),
        })
    }

    /// A scan by its GTIN and serial (through the unique index), whatever its order.
    pub fn find_scan(&self, gtin: &str, serial: &str) -> Result<Option<ScanRow>, JournalError> {
        use rusqlite::OptionalExtension;
        let mut q = self.conn.prepare_cached(
            "SELECT id, at, order_id, gtin, batch, expiry, serial, state, reason, attempts FROM scans
             WHERE gtin = ?1 AND serial = ?2",
        )?;
        Ok(q.query_row(params![gtin, serial], row).optional()?)
    }

    pub fn recent(&self, order_id: &str, n: usize) -> Result<Vec<ScanRow>, JournalError> {
        let mut q = self.conn.prepare_cached(
            "SELECT id, at, order_id, gtin, batch, expiry, serial, state, reason, attempts FROM scans
             WHERE order_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = q.query_map(params![order_id, n as i64], row)?;
        let mut list: Vec<ScanRow> = rows.collect::<Result<_, _>>()?;
        // The order's refused scans, newest first, through the alarms' order index.
        let mut q = self.conn.prepare_cached(
            "SELECT id, at, kind, raw, message FROM alarms
             WHERE order_id = ?1 AND kind NOT IN ('clock_skew') ORDER BY id DESC LIMIT ?2",
        )?;
        let refused = q.query_map(params![order_id, n as i64], |r| {
            let raw: String = r.get(3)?;
            Ok(ScanRow {
                id: -r.get::<_, i64>(0)?,
                at: r.get(1)?,
                order_id: order_id.to_string(),
                gtin: String::new(),
                batch: String::new(),
                expiry: String::new(),
                serial: shown_serial(&raw),
                state: State::Rejected,
                reason: r.get(4)?,
                attempts: 0,
                refusal: Some(r.get(2)?),
            })
        })?;
        for row in refused {
            list.push(row?);
        }
        list.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.abs().cmp(&a.id.abs())));
        list.truncate(n);
        Ok(list)
    }
}

/// A `scans` row read in the column order the queries above use.
fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScanRow> {
    Ok(ScanRow {
        id: r.get(0)?,
        at: r.get(1)?,
        order_id: r.get(2)?,
        gtin: r.get(3)?,
        batch: r.get(4)?,
        expiry: r.get(5)?,
        serial: r.get(6)?,
        state: State::parse(&r.get::<_, String>(7)?),
        reason: r.get(8)?,
        attempts: r.get(9)?,
        refusal: None,
    })
}

/// What a refused scan's row shows as its serial: the serial (21) when the scan decodes, else
/// the scan as read, with control characters (the GS separator) shown as `·` so they never
/// move the terminal's cursor.
fn shown_serial(raw: &str) -> String {
    let opts = crate::scan::gs1::Options::default();
    match crate::scan::gs1::decode(raw, &opts).ok().as_ref().and_then(|d| d.get("21")) {
        Some(serial) => serial.to_string(),
        None => raw.chars().map(|c| if c.is_control() { '·' } else { c }).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::scan;
    use super::*;

    #[test]
    fn the_counters_follow_every_change_and_packs_per_minute_counts_the_last_minute() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.db")).unwrap();
        let mut old = scan("OLD");
        old.at = "2020-01-01T00:00:00.000Z".into();
        j.append(&[scan("A"), scan("B"), scan("C"), old]).unwrap();
        let b = j.take_batch(10).unwrap().unwrap();
        assert_eq!(j.counts("O1").unwrap().pending, 4, "sent still counts as pending");
        let ids: Vec<i64> = b.rows.iter().map(|r| r.0).collect();
        j.settle(&super::super::Outcome {
            commissioned: vec![ids[0]],
            recovered: vec![ids[1]],
            rejected: vec![ids[2]],
            reason: Some("no".into()),
            retry: vec![ids[3]],
            unanswered: true,
        })
        .unwrap();
        j.decommissioned(ids[0], "Destroyed", &Default::default()).unwrap();
        let c = j.counts("O1").unwrap();
        assert_eq!((c.accepted, c.pending, c.commissioned, c.rejected, c.decommissioned), (4, 1, 1, 1, 1), "{c:?}");
        assert_eq!(j.queue_depth().unwrap(), 1);
        let since = (chrono::Utc::now() - chrono::Duration::seconds(60)).to_rfc3339();
        assert_eq!(j.scanned_since("O1", &since).unwrap(), 3, "the scan from 2020 is not in the last minute");
        let recovered = j.recent("O1", 10).unwrap().into_iter().find(|r| r.id == ids[1]).unwrap();
        assert_eq!(recovered.state, State::Commissioned);
        assert!(recovered.reason.unwrap().contains("answer was lost"));
    }

    #[test]
    fn refused_scans_are_counted_and_listed_with_their_reason() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.db")).unwrap();
        // Scanned a moment before the refusals (within one millisecond the order is the ids').
        let mut a = scan("A");
        a.at = "2020-01-01T00:00:00.000Z".into();
        j.append(&[a]).unwrap();
        let alarm = |kind: &str, raw: &str| super::super::Alarm {
            order_id: Some("O1".into()),
            kind: kind.into(),
            raw: raw.into(),
            message: format!("{kind} said why"),
        };
        let actor = super::super::Actor::default();
        for (kind, raw) in
            [("wrong_batch", "(01)02022090117459(10)B9(21)SN7"), ("undecodable", "]d2\u{1d}x"), ("duplicate", "A")]
        {
            j.record_alarm(&alarm(kind, raw), &actor).unwrap();
        }
        j.record_alarm(&super::super::Alarm { order_id: None, ..alarm("no_active_order", "x") }, &actor).unwrap();
        j.record_alarm(&alarm("clock_skew", ""), &actor).unwrap();
        let c = j.counts("O1").unwrap();
        assert_eq!((c.accepted, c.refused, c.duplicates, c.scanned()), (1, 2, 1, 4), "{c:?}");
        let recent = j.recent("O1", 10).unwrap();
        let kinds: Vec<Option<&str>> = recent.iter().map(|r| r.refusal.as_deref()).collect();
        assert_eq!(kinds, [Some("duplicate"), Some("undecodable"), Some("wrong_batch"), None], "newest first");
        assert_eq!(recent[1].serial, "]d2·x", "a control character is never printed");
        assert_eq!(recent[2].reason.as_deref(), Some("wrong_batch said why"));
        assert_eq!(recent[2].serial, "SN7", "the serial of a scan that decodes");
        assert!(recent[..3].iter().all(|r| r.id < 0), "no refused row can be taken for a scan");
    }
}
