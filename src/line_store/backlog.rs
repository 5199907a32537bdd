//! The station's side of the claims, in its own SQLite journal: the journal's `scans` table is
//! the outbox (every scan with an id above `claimed_through` still waits for its line-wide
//! claim), and the conflicts found are kept beside it. Nothing accepted locally is lost: a scan
//! leaves the outbox only when the store has answered for it.
//! Its tables (`line_outbox`, `line_conflicts`) are a migration of the journal (version 6).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

/// A journaled scan waiting for its claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub scan_id: i64,
    pub scanned_at: DateTime<Utc>,
    pub operator: Option<String>,
    pub order_id: String,
    pub gtin: String,
    pub serial: String,
}

/// Who claimed a pack first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstClaim {
    pub station: String,
    /// The scan's row id in that station's journal.
    pub pack: i64,
    pub operator: Option<String>,
    pub order_id: String,
    pub scanned_at: DateTime<Utc>,
}

/// A pack this station scanned that another station had claimed first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub scan: Outgoing,
    pub first: FirstClaim,
    /// Found when the backlog was claimed after the store was unreachable (the station had
    /// already shown the pack as accepted): a supervisor must resolve it.
    pub late: bool,
}

/// The id of the last scan the store has answered for (0: none yet).
pub fn claimed_through(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(conn
        .query_row("SELECT value FROM line_outbox WHERE key = 'claimed_through'", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// The next scans to claim, oldest first.
pub fn outgoing(conn: &Connection, after: i64, limit: usize) -> rusqlite::Result<Vec<Outgoing>> {
    let mut q = conn.prepare_cached(
        "SELECT id, at, operator, order_id, gtin, serial FROM scans WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = q.query_map(params![after, limit as i64], |r| {
        let at: String = r.get(1)?;
        Ok(Outgoing {
            scan_id: r.get(0)?,
            // The journal writes RFC 3339 in UTC; a row it cannot read keeps its place in time
            // as "unknown" rather than stopping the outbox.
            scanned_at: DateTime::parse_from_rfc3339(&at).map(|t| t.with_timezone(&Utc)).unwrap_or_default(),
            operator: r.get(2)?,
            order_id: r.get(3)?,
            gtin: r.get(4)?,
            serial: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// How many scans still wait for their claim.
pub fn waiting(conn: &Connection) -> rusqlite::Result<i64> {
    let through = claimed_through(conn)?;
    conn.query_row("SELECT COUNT(*) FROM scans WHERE id > ?1", params![through], |r| r.get(0))
}

/// Records the store's answers for every scan up to `through`, in one transaction.
pub fn record(conn: &mut Connection, through: i64, conflicts: &[Conflict]) -> rusqlite::Result<()> {
    // IMMEDIATE, like the journal's own writes: a deferred transaction that reads first could
    // not take the write lock later while the journal writer holds it (SQLITE_BUSY at once).
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut q = tx.prepare_cached(
            "INSERT OR IGNORE INTO line_conflicts (scan_id, kind, gtin, serial, order_id, scanned_at, other_station,
                 other_pack, other_operator, other_order_id, other_scanned_at, found_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        let now = rfc3339(Utc::now());
        for c in conflicts {
            q.execute(params![
                c.scan.scan_id,
                if c.late { "late_duplicate" } else { "duplicate" },
                c.scan.gtin,
                c.scan.serial,
                c.scan.order_id,
                rfc3339(c.scan.scanned_at),
                c.first.station,
                c.first.pack,
                c.first.operator,
                c.first.order_id,
                rfc3339(c.first.scanned_at),
                now,
            ])?;
        }
    }
    tx.execute(
        "INSERT INTO line_outbox (key, value) VALUES ('claimed_through', ?1)
         ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
        params![through],
    )?;
    tx.commit()
}

/// Conflicts kept at this station (`late_only`: the late duplicates), unresolved first.
pub fn conflicts(conn: &Connection, late_only: bool) -> rusqlite::Result<Vec<(Conflict, Option<String>)>> {
    let mut q = conn.prepare(
        "SELECT scan_id, kind, gtin, serial, order_id, scanned_at, other_station, other_pack, other_operator,
                other_order_id, other_scanned_at, resolved_at
         FROM line_conflicts WHERE (?1 = 0 OR kind = 'late_duplicate') ORDER BY resolved_at IS NOT NULL, scan_id",
    )?;
    let rows = q.query_map(params![late_only as i64], |r| {
        let time = |s: String| DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        Ok((
            Conflict {
                scan: Outgoing {
                    scan_id: r.get(0)?,
                    scanned_at: time(r.get(5)?),
                    operator: None,
                    order_id: r.get(4)?,
                    gtin: r.get(2)?,
                    serial: r.get(3)?,
                },
                first: FirstClaim {
                    station: r.get(6)?,
                    pack: r.get(7)?,
                    operator: r.get(8)?,
                    order_id: r.get(9)?,
                    scanned_at: time(r.get(10)?),
                },
                late: r.get::<_, String>(1)? == "late_duplicate",
            },
            r.get(11)?,
        ))
    })?;
    rows.collect()
}

/// Late duplicates not yet resolved (what a supervisor still has to look at).
pub fn open_late_duplicates(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM line_conflicts WHERE kind = 'late_duplicate' AND resolved_at IS NULL",
        [],
        |r| r.get(0),
    )
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::journal::{Journal, NewScan};

    fn scan(serial: &str) -> NewScan {
        NewScan {
            at: rfc3339(Utc::now()),
            station: "st".into(),
            operator: Some("op-1".into()),
            order_id: "O1".into(),
            gtin: "02022090117459".into(),
            batch: "B1".into(),
            expiry: "290512".into(),
            serial: serial.into(),
            raw: serial.into(),
        }
    }

    #[test]
    fn the_outbox_is_every_scan_after_the_mark_and_keeps_its_conflicts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let mut j = Journal::open(&path).unwrap();
        j.append(&[scan("A"), scan("B"), scan("C")]).unwrap();
        // Journal::open made the outbox's tables (migration 6).
        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(waiting(&conn).unwrap(), 3);
        let out = outgoing(&conn, claimed_through(&conn).unwrap(), 2).unwrap();
        assert_eq!(out.iter().map(|o| o.serial.as_str()).collect::<Vec<_>>(), ["A", "B"]);
        let first = FirstClaim {
            station: "other".into(),
            pack: 7,
            operator: None,
            order_id: "O1".into(),
            scanned_at: Utc::now(),
        };
        record(&mut conn, out[1].scan_id, &[Conflict { scan: out[1].clone(), first, late: true }]).unwrap();
        assert_eq!(waiting(&conn).unwrap(), 1, "C still waits");
        assert_eq!(open_late_duplicates(&conn).unwrap(), 1);
        // An answer recorded again (a retry after a crash) neither moves the mark back nor doubles.
        record(&mut conn, out[0].scan_id, &[]).unwrap();
        assert_eq!(claimed_through(&conn).unwrap(), out[1].scan_id);
        let kept = conflicts(&conn, true).unwrap();
        assert_eq!((kept.len(), kept[0].0.scan.serial.as_str(), kept[0].0.first.station.as_str()), (1, "B", "other"));
    }
}
