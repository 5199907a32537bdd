//! The scan journal: every accepted scan on disk (SQLite, WAL, synchronous=FULL) before the
//! screen says "accepted", with its commissioning state: pending → sent → commissioned, or
//! rejected with the server's reason. A burst is written in one transaction (group commit).
//! The pair GTIN + serial is unique, which is also how a duplicate scan is recognised.
//! Alarms (wrong product, duplicates, …) are kept beside the scans, and the station's active
//! order, so a restart resumes where the station stood. The schema and its upgrades are in
//! `schema.rs`.

mod schema;

pub use schema::{Upgraded, LATEST as SCHEMA_VERSION};

use crate::domain::audit::{actions, Break, Entry, NewEntry};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot open the scan journal {}: {source}. Check that the folder exists, is writable and the disk is not full", .path.display())]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("there is no journal at {}: give the right path (--journal), or use --demo for the demo station's", .0.display())]
    Missing(PathBuf),
    #[error("the scan journal failed: {0}. Check the disk (space, permissions); scanning is stopped until it works")]
    Sql(#[from] rusqlite::Error),
    #[error("the journal {} was written by a newer shopfloor (schema version {found}; this program knows versions up to {supported}). Run that newer version (or a later one) again; this program leaves the file as it is", .path.display())]
    TooNew { path: PathBuf, found: u32, supported: u32 },
    #[error("upgrading the journal {} from schema version {from} to {to} failed at step {step} ({what}): {source}. Nothing was changed (the upgrade is one transaction); keep the file, free disk space if it is full, and report this with the log if it happens again", .path.display())]
    Upgrade { path: PathBuf, from: u32, to: u32, step: u32, what: String, source: rusqlite::Error },
}

/// A scan that passed every check, to be journaled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScan {
    pub at: String,
    pub station: String,
    pub operator: Option<String>,
    pub order_id: String,
    pub gtin: String,
    pub batch: String,
    pub expiry: String,
    pub serial: String,
    pub raw: String,
}

/// Who acts: the station and the operator signed in (if any), for the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub station: String,
    pub operator: Option<String>,
}

/// A scan refused by the checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alarm {
    pub order_id: Option<String>,
    pub kind: String,
    pub raw: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    Accepted(i64),
    /// This GTIN + serial is already in the journal (first scanned at that time).
    Duplicate {
        first_at: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Sent,
    Commissioned,
    Rejected,
    /// Commissioned, then taken out (destroyed, sampled) with a reason.
    Decommissioned,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Sent => "sent",
            State::Commissioned => "commissioned",
            State::Rejected => "rejected",
            State::Decommissioned => "decommissioned",
        }
    }

    fn parse(s: &str) -> State {
        match s {
            "sent" => State::Sent,
            "commissioned" => State::Commissioned,
            "rejected" => State::Rejected,
            "decommissioned" => State::Decommissioned,
            _ => State::Pending,
        }
    }
}

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
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub scanned: i64,
    /// Waiting to be sent or sent without an answer yet.
    pub pending: i64,
    pub commissioned: i64,
    pub rejected: i64,
    pub duplicates: i64,
    pub decommissioned: i64,
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

/// Serials of one product, batch and expiry: what one commissioning request can carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub gtin: String,
    pub batch: String,
    pub expiry: String,
}

/// Serials taken for one commissioning request: (row id, serial) of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub group: Group,
    pub rows: Vec<(i64, String)>,
}

pub struct Journal {
    conn: Connection,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Journal {
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let open_err = |source| JournalError::Open { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| open_err(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        }
        let conn = Connection::open(path).map_err(open_err)?;
        // A newer program's file is refused before this one sets anything on it.
        let found = schema::version(&conn).map_err(open_err)?;
        if found > schema::LATEST {
            return Err(JournalError::TooNew { path: path.to_path_buf(), found, supported: schema::LATEST });
        }
        // WAL keeps readers and the writer apart; FULL makes every commit survive power loss,
        // which "accepted" promises.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(open_err)?;
        let mut conn = conn;
        let up = schema::upgrade(&mut conn, path)?;
        if up.from != up.to {
            tracing::info!(
                from = up.from,
                to = up.to,
                "journal {} upgraded to schema version {}",
                path.display(),
                up.to
            );
        }
        Ok(Journal { conn })
    }

    /// The file's schema version (after `open`, always [`SCHEMA_VERSION`]).
    pub fn schema_version(&self) -> Result<u32, JournalError> {
        Ok(schema::version(&self.conn)?)
    }

    /// Opens a journal that must exist already (for reading it, e.g. `shopfloor audit`).
    pub fn open_existing(path: &Path) -> Result<Journal, JournalError> {
        if !path.exists() {
            return Err(JournalError::Missing(path.to_path_buf()));
        }
        Journal::open(path)
    }

    /// Appends one audit row in a transaction of its own.
    pub fn audit(&mut self, e: &NewEntry) -> Result<(), JournalError> {
        let tx = self.conn.transaction()?;
        super::audit_store::insert(&tx, e)?;
        tx.commit()?;
        Ok(())
    }

    pub fn audit_entries(&self, f: &super::audit_store::Filter) -> Result<Vec<Entry>, JournalError> {
        Ok(super::audit_store::entries(&self.conn, f)?)
    }

    /// Walks the audit trail's whole chain: the number of rows, or where it first breaks.
    pub fn verify_audit(&self) -> Result<Result<usize, Break>, JournalError> {
        Ok(super::audit_store::verify(&self.conn)?)
    }

    /// Writes a burst in one transaction; each scan is accepted or found to be a duplicate.
    pub fn append(&mut self, scans: &[NewScan]) -> Result<Vec<Appended>, JournalError> {
        let tx = self.conn.transaction()?;
        let mut out = Vec::with_capacity(scans.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO scans (at, station, operator, order_id, gtin, batch, expiry, serial, raw, updated)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?1)",
            )?;
            let mut first = tx.prepare_cached("SELECT at FROM scans WHERE gtin = ?1 AND serial = ?2")?;
            for s in scans {
                let n = insert.execute(params![
                    s.at, s.station, s.operator, s.order_id, s.gtin, s.batch, s.expiry, s.serial, s.raw
                ])?;
                if n == 1 {
                    out.push(Appended::Accepted(tx.last_insert_rowid()));
                    let entry = NewEntry::new(actions::SCAN_ACCEPTED, format!("{}/{}", s.gtin, s.serial))
                        .by(&s.station, s.operator.as_deref())
                        .change(None, Some(format!("order {} batch {} expiry {}", s.order_id, s.batch, s.expiry)));
                    super::audit_store::insert(&tx, &entry)?;
                } else {
                    let at: String = first.query_row(params![s.gtin, s.serial], |r| r.get(0))?;
                    out.push(Appended::Duplicate { first_at: at });
                }
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// Keeps an alarm (a scan refused by the checks) and its audit row.
    pub fn record_alarm(&mut self, alarm: &Alarm, actor: &Actor) -> Result<i64, JournalError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO alarms (at, order_id, kind, raw, message) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now(), alarm.order_id, alarm.kind, alarm.raw, alarm.message],
        )?;
        let id = tx.last_insert_rowid();
        let entry = NewEntry::new(actions::SCAN_REJECTED, alarm.raw.clone())
            .by(&actor.station, actor.operator.as_deref())
            .change(None, Some(format!("{} (order {})", alarm.kind, alarm.order_id.as_deref().unwrap_or("none"))))
            .reason(alarm.message.clone());
        super::audit_store::insert(&tx, &entry)?;
        tx.commit()?;
        Ok(id)
    }

    pub fn acknowledge_alarms(&mut self, actor: &Actor) -> Result<usize, JournalError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute("UPDATE alarms SET acknowledged_at = ?1 WHERE acknowledged_at IS NULL", params![now()])?;
        if n > 0 {
            let entry = NewEntry::new(actions::ALARM_ACKNOWLEDGED, format!("{n} alarm(s)"))
                .by(&actor.station, actor.operator.as_deref())
                .change(Some("open".into()), Some("acknowledged".into()));
            super::audit_store::insert(&tx, &entry)?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// A commissioned serial taken out, with the reason (Destroyed, Sampled), and its audit row.
    pub fn decommissioned(&mut self, row: i64, reason: &str, actor: &Actor) -> Result<(), JournalError> {
        let tx = self.conn.transaction()?;
        let (gtin, serial, state): (String, String, String) =
            tx.query_row("SELECT gtin, serial, state FROM scans WHERE id = ?1", params![row], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        tx.execute(
            "UPDATE scans SET state = 'decommissioned', reason = ?2, updated = ?3 WHERE id = ?1",
            params![row, reason, now()],
        )?;
        let entry = NewEntry::new(actions::SERIAL_DECOMMISSIONED, format!("{gtin}/{serial}"))
            .by(&actor.station, actor.operator.as_deref())
            .change(Some(state), Some("decommissioned".into()))
            .reason(reason);
        super::audit_store::insert(&tx, &entry)?;
        tx.commit()?;
        Ok(())
    }

    /// After a restart: requests that were out when the process stopped are sent again
    /// (commissioning is idempotent, so a serial the server already has is not counted twice).
    pub fn requeue_in_flight(&mut self) -> Result<usize, JournalError> {
        Ok(self
            .conn
            .execute("UPDATE scans SET state = 'pending', updated = ?1 WHERE state = 'sent'", params![now()])?)
    }

    /// The oldest pending serials of one group, marked sent (attempts counted) in the same step.
    pub fn take_batch(&mut self, limit: usize) -> Result<Option<Batch>, JournalError> {
        let tx = self.conn.transaction()?;
        let group: Option<Group> = tx
            .query_row("SELECT gtin, batch, expiry FROM scans WHERE state = 'pending' ORDER BY id LIMIT 1", [], |r| {
                Ok(Group { gtin: r.get(0)?, batch: r.get(1)?, expiry: r.get(2)? })
            })
            .optional()?;
        let Some(group) = group else { return Ok(None) };
        let rows: Vec<(i64, String)> = {
            let mut q = tx.prepare_cached(
                "SELECT id, serial FROM scans WHERE state = 'pending' AND gtin = ?1 AND batch = ?2 AND expiry = ?3 ORDER BY id LIMIT ?4",
            )?;
            let rows = q.query_map(params![group.gtin, group.batch, group.expiry, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        {
            let mut mark = tx.prepare_cached(
                "UPDATE scans SET state = 'sent', attempts = attempts + 1, updated = ?2 WHERE id = ?1",
            )?;
            let t = now();
            for (id, _) in &rows {
                mark.execute(params![id, t])?;
            }
        }
        tx.commit()?;
        Ok(Some(Batch { group, rows }))
    }

    /// Moves rows to a state (with a reason for rejections), in one transaction.
    pub fn mark(&mut self, ids: &[i64], state: State, reason: Option<&str>) -> Result<(), JournalError> {
        let tx = self.conn.transaction()?;
        {
            let mut q = tx.prepare_cached("UPDATE scans SET state = ?2, reason = ?3, updated = ?4 WHERE id = ?1")?;
            let t = now();
            for id in ids {
                q.execute(params![id, state.name(), reason, t])?;
            }
            if state == State::Rejected {
                // Movilitas refused these serials: the record changes without a person acting.
                let mut who = tx.prepare_cached("SELECT gtin, serial, station FROM scans WHERE id = ?1")?;
                for id in ids {
                    let (gtin, serial, station): (String, String, String) =
                        who.query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                    let entry = NewEntry::new(actions::SERIAL_REJECTED, format!("{gtin}/{serial}"))
                        .by(&station, None)
                        .change(Some("sent".into()), Some("rejected".into()))
                        .reason(reason.unwrap_or("refused by Movilitas"));
                    super::audit_store::insert(&tx, &entry)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn counts(&self, order_id: &str) -> Result<Counts, JournalError> {
        let mut c = Counts::default();
        let mut q = self.conn.prepare_cached("SELECT state, COUNT(*) FROM scans WHERE order_id = ?1 GROUP BY state")?;
        let rows = q.query_map(params![order_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            c.scanned += n;
            match State::parse(&state) {
                State::Pending | State::Sent => c.pending += n,
                State::Commissioned => c.commissioned += n,
                State::Rejected => c.rejected += n,
                State::Decommissioned => c.decommissioned += n,
            }
        }
        c.duplicates = self.conn.query_row(
            "SELECT COUNT(*) FROM alarms WHERE order_id = ?1 AND kind = 'duplicate'",
            params![order_id],
            |r| r.get(0),
        )?;
        Ok(c)
    }

    /// Everything not yet answered by the server, over all orders (the queue depth).
    pub fn queue_depth(&self) -> Result<i64, JournalError> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM scans WHERE state IN ('pending','sent')", [], |r| r.get(0))?)
    }

    /// Scans of the order journaled at or after `since` (RFC 3339, UTC): the packs per minute.
    pub fn scanned_since(&self, order_id: &str, since: &str) -> Result<i64, JournalError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM scans WHERE order_id = ?1 AND at >= ?2",
            params![order_id, since],
            |r| r.get(0),
        )?)
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

    pub fn recent(&self, order_id: &str, n: usize) -> Result<Vec<ScanRow>, JournalError> {
        let mut q = self.conn.prepare_cached(
            "SELECT id, at, order_id, gtin, batch, expiry, serial, state, reason, attempts FROM scans
             WHERE order_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = q.query_map(params![order_id, n as i64], |r| {
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
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn set(&mut self, key: &str, value: &str) -> Result<(), JournalError> {
        self.conn.execute(
            "INSERT INTO station (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn get(&self, key: &str) -> Result<Option<String>, JournalError> {
        Ok(self.conn.query_row("SELECT value FROM station WHERE key = ?1", params![key], |r| r.get(0)).optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(serial: &str) -> NewScan {
        NewScan {
            at: now(),
            station: "st".into(),
            operator: None,
            order_id: "O1".into(),
            gtin: "02022090117459".into(),
            batch: "B1".into(),
            expiry: "290512".into(),
            serial: serial.into(),
            raw: format!("raw-{serial}"),
        }
    }

    #[test]
    fn append_counts_duplicates_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let mut j = Journal::open(&path).unwrap();
        let r = j.append(&[scan("A"), scan("B"), scan("A")]).unwrap();
        assert!(matches!(r[0], Appended::Accepted(_)) && matches!(r[1], Appended::Accepted(_)));
        assert!(matches!(r[2], Appended::Duplicate { .. }), "the same serial twice in one burst");
        let alarm =
            Alarm { order_id: Some("O1".into()), kind: "duplicate".into(), raw: "raw-A".into(), message: "dup".into() };
        j.record_alarm(&alarm, &Actor::default()).unwrap();
        j.set("active_order", "{\"order_id\":\"O1\"}").unwrap();
        drop(j);
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.counts("O1").unwrap(), Counts { scanned: 2, pending: 2, duplicates: 1, ..Counts::default() });
        assert_eq!(j.get("active_order").unwrap().as_deref(), Some("{\"order_id\":\"O1\"}"));
    }

    #[test]
    fn batches_move_through_their_states() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.db")).unwrap();
        let mut other = scan("Z");
        other.batch = "B2".into();
        j.append(&[scan("A"), other, scan("B"), scan("C")]).unwrap();
        let Batch { group: g, rows } = j.take_batch(2).unwrap().unwrap();
        assert_eq!(g.batch, "B1");
        assert_eq!(rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), ["A", "B"]);
        // A crash now: the sent rows come back as pending on the next start.
        assert_eq!(j.requeue_in_flight().unwrap(), 2);
        let rows = j.take_batch(10).unwrap().unwrap().rows;
        assert_eq!(rows.len(), 3, "A, B and C share a group; Z waits for its own batch");
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        j.mark(&ids[..2], State::Commissioned, None).unwrap();
        j.mark(&ids[2..], State::Rejected, Some("Product not found")).unwrap();
        let c = j.counts("O1").unwrap();
        assert_eq!((c.commissioned, c.rejected, c.pending), (2, 1, 1));
        let recent = j.recent("O1", 10).unwrap();
        assert_eq!(recent[0].serial, "C");
        assert_eq!(recent[0].reason.as_deref(), Some("Product not found"));
        assert_eq!(recent.iter().find(|r| r.serial == "A").unwrap().attempts, 2);
        assert_eq!(j.queue_depth().unwrap(), 1);
    }

    #[test]
    fn an_unwritable_place_says_what_to_check() {
        let e = Journal::open(Path::new("/proc/definitely/not/here/j.db")).err().unwrap();
        assert!(e.to_string().contains("writable"), "{e}");
    }
}
