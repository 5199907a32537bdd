//! The journal's writes: scans (with their audit rows), alarms, the station's keys, and the
//! commissioning pipeline's batches and answers. Each write is a function over a connection, so
//! the journal thread can put every job waiting when it wakes into one transaction (one disk
//! sync for a burst, each job in a savepoint of its own so one failure does not undo the others),
//! while `Journal`'s methods of the same names run one in a transaction of its own.

use super::{now, Actor, Alarm, Appended, Journal, JournalError, NewScan, State};
use crate::domain::audit::{actions, NewEntry};
use rusqlite::{params, Connection, OptionalExtension};
use std::time::Duration;

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
    /// Rows that went out before in a request whose answer never came (a dropped connection, a
    /// timeout, a stop while in flight): if the server now says one is already commissioned,
    /// that earlier request did it.
    pub unanswered: Vec<i64>,
}

/// What the pipeline gets when it asks for work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Marked sent (on disk) and ready to go.
    Batch(Batch),
    /// Fewer than a full batch is waiting: ask again when more arrive or the wait is over.
    Filling,
    /// Nothing is waiting.
    Empty,
}

/// The server's answer for a batch, as the journal records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub commissioned: Vec<i64>,
    /// Commissioned by an earlier request whose answer was lost: the server refused them as
    /// already commissioned when they were sent again.
    pub recovered: Vec<i64>,
    pub rejected: Vec<i64>,
    /// The server's reason for the rejected rows.
    pub reason: Option<String>,
    /// To be sent again.
    pub retry: Vec<i64>,
    /// The request may have been carried out without an answer (the retried rows are marked so).
    pub unanswered: bool,
}

/// Writes inside one open transaction (see the module comment).
pub(in crate::scan) struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
}

impl Journal {
    pub(in crate::scan) fn begin(&mut self) -> Result<Tx<'_>, JournalError> {
        // IMMEDIATE: the write lock is taken (waiting up to the busy timeout) before anything is
        // read. Another connection writes to this file too (the printers' label store); a
        // deferred transaction that read first would fail at once with SQLITE_BUSY when that
        // connection committed in between, losing the batch.
        Ok(Tx { tx: self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)? })
    }

    fn one<T>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, JournalError>) -> Result<T, JournalError> {
        let mut tx = self.begin()?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Writes a burst in one transaction; each scan is accepted or found to be a duplicate.
    pub fn append(&mut self, scans: &[NewScan]) -> Result<Vec<Appended>, JournalError> {
        self.one(|t| t.append(scans))
    }

    /// Keeps an alarm (a scan refused by the checks) and its audit row.
    pub fn record_alarm(&mut self, alarm: &Alarm, actor: &Actor) -> Result<i64, JournalError> {
        self.one(|t| t.alarm(alarm, actor))
    }

    pub fn acknowledge_alarms(&mut self, actor: &Actor) -> Result<usize, JournalError> {
        self.one(|t| t.acknowledge(actor, None))
    }

    /// A commissioned serial taken out, with the reason (Destroyed, Sampled), and its audit row.
    pub fn decommissioned(&mut self, row: i64, reason: &str, actor: &Actor) -> Result<(), JournalError> {
        self.one(|t| t.decommissioned(row, reason, actor, None))
    }

    /// Appends one audit row in a transaction of its own.
    pub fn audit(&mut self, e: &NewEntry) -> Result<(), JournalError> {
        self.one(|t| t.audit(e))
    }

    /// After a restart: requests that were out when the process stopped are sent again, and
    /// their rows are marked as sent without an answer (the server may have carried them out).
    pub fn requeue_in_flight(&mut self) -> Result<usize, JournalError> {
        Ok(self.conn.execute(
            "UPDATE scans SET state = 'pending', unanswered = 1, updated = ?1 WHERE state = 'sent'",
            params![now()],
        )?)
    }

    /// The oldest pending serials of one group, marked sent (attempts counted) in the same step.
    pub fn take_batch(&mut self, limit: usize) -> Result<Option<Batch>, JournalError> {
        match self.one(|t| t.take(limit, Duration::ZERO))? {
            Taken::Batch(b) => Ok(Some(b)),
            Taken::Filling | Taken::Empty => Ok(None),
        }
    }

    /// As `take_batch`, but a batch short of `limit` is left to fill while `fill_for` is not zero.
    pub fn take_ready(&mut self, limit: usize, fill_for: Duration) -> Result<Taken, JournalError> {
        self.one(|t| t.take(limit, fill_for))
    }

    /// Moves rows to a state (with a reason for rejections), in one transaction.
    pub fn mark(&mut self, ids: &[i64], state: State, reason: Option<&str>) -> Result<(), JournalError> {
        self.one(|t| t.step(|c| mark(c, ids, state, reason)))
    }

    /// Records the server's answer for a batch.
    pub fn settle(&mut self, o: &Outcome) -> Result<(), JournalError> {
        self.one(|t| t.settle(o))
    }
}

impl Tx<'_> {
    /// One job in a savepoint: a failure undoes that job only.
    fn step<T>(&mut self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, JournalError> {
        let sp = self.tx.savepoint()?;
        let out = f(&sp)?;
        sp.commit()?;
        Ok(out)
    }

    pub(in crate::scan) fn commit(self) -> Result<(), JournalError> {
        Ok(self.tx.commit()?)
    }

    pub(in crate::scan) fn append(&mut self, scans: &[NewScan]) -> Result<Vec<Appended>, JournalError> {
        self.step(|c| append(c, scans))
    }

    pub(in crate::scan) fn alarm(&mut self, alarm: &Alarm, actor: &Actor) -> Result<i64, JournalError> {
        self.step(|c| {
            c.execute(
                "INSERT INTO alarms (at, order_id, kind, raw, message) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![now(), alarm.order_id, alarm.kind, alarm.raw, alarm.message],
            )?;
            let id = c.last_insert_rowid();
            let entry = NewEntry::new(actions::SCAN_REJECTED, alarm.raw.clone())
                .by(&actor.station, actor.operator.as_deref())
                .change(None, Some(format!("{} (order {})", alarm.kind, alarm.order_id.as_deref().unwrap_or("none"))))
                .reason(alarm.message.clone());
            crate::scan::audit_store::insert(c, &entry)?;
            Ok(id)
        })
    }

    /// Acknowledges the open alarms, or only those of one kind (`kind`).
    pub(in crate::scan) fn acknowledge(&mut self, actor: &Actor, kind: Option<&str>) -> Result<usize, JournalError> {
        self.step(|c| {
            let n = c.execute(
                "UPDATE alarms SET acknowledged_at = ?1 WHERE acknowledged_at IS NULL AND (?2 IS NULL OR kind = ?2)",
                params![now(), kind],
            )?;
            if n > 0 {
                let what = kind.map(|k| format!("{n} {k} alarm(s)")).unwrap_or_else(|| format!("{n} alarm(s)"));
                let entry = NewEntry::new(actions::ALARM_ACKNOWLEDGED, what)
                    .by(&actor.station, actor.operator.as_deref())
                    .change(Some("open".into()), Some("acknowledged".into()));
                crate::scan::audit_store::insert(c, &entry)?;
            }
            Ok(n)
        })
    }

    pub(in crate::scan) fn decommissioned(
        &mut self,
        row: i64,
        reason: &str,
        actor: &Actor,
        signed: Option<&crate::domain::audit::Signed>,
    ) -> Result<(), JournalError> {
        self.step(|c| {
            let (gtin, serial, state): (String, String, String) =
                c.query_row("SELECT gtin, serial, state FROM scans WHERE id = ?1", params![row], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
            c.execute(
                "UPDATE scans SET state = 'decommissioned', reason = ?2, updated = ?3 WHERE id = ?1",
                params![row, reason, now()],
            )?;
            let entry = NewEntry::new(actions::SERIAL_DECOMMISSIONED, format!("{gtin}/{serial}"))
                .by(&actor.station, actor.operator.as_deref())
                .change(Some(state), Some("decommissioned".into()))
                .reason(reason)
                .signed(signed.cloned());
            crate::scan::audit_store::insert(c, &entry)
        })
    }

    /// Another station of the line claimed this pack first: if it has not gone out yet it is
    /// not commissioned from here (rejected, with the reason, and an audit row). One already
    /// sent stays as it is: the service commissions a serial once either way.
    pub(in crate::scan) fn line_duplicate(&mut self, row: i64, reason: &str) -> Result<(), JournalError> {
        self.step(|c| {
            let pending: bool = c
                .prepare_cached("SELECT state = 'pending' FROM scans WHERE id = ?1")?
                .query_row(params![row], |r| r.get(0))
                .optional()?
                .unwrap_or(false);
            if pending {
                mark(c, &[row], State::Rejected, Some(reason))?;
            }
            Ok(())
        })
    }

    pub(in crate::scan) fn audit(&mut self, e: &NewEntry) -> Result<(), JournalError> {
        self.step(|c| crate::scan::audit_store::insert(c, e))
    }

    pub(in crate::scan) fn set(&mut self, key: &str, value: &str) -> Result<(), JournalError> {
        self.step(|c| super::set(c, key, value))
    }

    pub(in crate::scan) fn take(&mut self, limit: usize, fill_for: Duration) -> Result<Taken, JournalError> {
        self.step(|c| take(c, limit, fill_for))
    }

    pub(in crate::scan) fn settle(&mut self, o: &Outcome) -> Result<(), JournalError> {
        self.step(|c| {
            mark(c, &o.commissioned, State::Commissioned, None)?;
            mark(c, &o.recovered, State::Commissioned, Some(RECOVERED))?;
            mark(c, &o.rejected, State::Rejected, o.reason.as_deref())?;
            mark(c, &o.retry, State::Pending, None)?;
            if o.unanswered {
                let mut q = c.prepare_cached("UPDATE scans SET unanswered = 1 WHERE id = ?1")?;
                for id in &o.retry {
                    q.execute(params![id])?;
                }
            }
            Ok(())
        })
    }
}

/// The reason shown beside a serial commissioned by a request whose answer was lost.
const RECOVERED: &str = "commissioned by an earlier request whose answer was lost";

fn append(c: &Connection, scans: &[NewScan]) -> rusqlite::Result<Vec<Appended>> {
    let mut out = Vec::with_capacity(scans.len());
    let mut insert = c.prepare_cached(
        "INSERT OR IGNORE INTO scans (at, station, operator, order_id, gtin, batch, expiry, serial, raw, updated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?1)",
    )?;
    let mut first = c.prepare_cached("SELECT at FROM scans WHERE gtin = ?1 AND serial = ?2")?;
    // Serials of archived orders stay known, so a pack scanned again years later is a duplicate.
    let mut archived = c.prepare_cached("SELECT first_at FROM archived_serials WHERE gtin = ?1 AND serial = ?2")?;
    // A label this station voided stays voided, whichever screen its pack is scanned on.
    let mut voided = c.prepare_cached(
        "SELECT COALESCE(reason, 'voided') FROM printed_labels WHERE gtin = ?1 AND serial = ?2 AND state = 'voided'",
    )?;
    for s in scans {
        if let Some(reason) = voided.query_row(params![s.gtin, s.serial], |r| r.get(0)).optional()? {
            out.push(Appended::Voided { reason });
            continue;
        }
        if let Some(at) = archived.query_row(params![s.gtin, s.serial], |r| r.get(0)).optional()? {
            out.push(Appended::Duplicate { first_at: at });
            continue;
        }
        let n = insert
            .execute(params![s.at, s.station, s.operator, s.order_id, s.gtin, s.batch, s.expiry, s.serial, s.raw])?;
        if n == 1 {
            out.push(Appended::Accepted(c.last_insert_rowid()));
            let entry = NewEntry::new(actions::SCAN_ACCEPTED, format!("{}/{}", s.gtin, s.serial))
                .by(&s.station, s.operator.as_deref())
                .change(None, Some(format!("order {} batch {} expiry {}", s.order_id, s.batch, s.expiry)));
            crate::scan::audit_store::insert(c, &entry)?;
        } else {
            let at: String = first.query_row(params![s.gtin, s.serial], |r| r.get(0))?;
            out.push(Appended::Duplicate { first_at: at });
        }
    }
    // The packs-per-minute buckets older than two minutes are of no more use.
    let old = (chrono::Utc::now() - chrono::Duration::seconds(120)).format("%Y-%m-%dT%H:%M:%S").to_string();
    c.prepare_cached("DELETE FROM scan_rate WHERE second < ?1")?.execute(params![old])?;
    Ok(out)
}

fn take(c: &Connection, limit: usize, fill_for: Duration) -> rusqlite::Result<Taken> {
    let group: Option<Group> = c
        // Pinned to the partial index: left to itself the planner takes the covering state
        // index and sorts every pending row to find the oldest.
        .prepare_cached(
            "SELECT gtin, batch, expiry FROM scans INDEXED BY scans_pending WHERE state = 'pending' ORDER BY id LIMIT 1",
        )?
        .query_row([], |r| Ok(Group { gtin: r.get(0)?, batch: r.get(1)?, expiry: r.get(2)? }))
        .optional()?;
    let Some(group) = group else { return Ok(Taken::Empty) };
    let mut rows = Vec::new();
    let mut unanswered = Vec::new();
    {
        let mut q = c.prepare_cached(
            "SELECT id, serial, unanswered FROM scans
             WHERE state = 'pending' AND gtin = ?1 AND batch = ?2 AND expiry = ?3 ORDER BY id LIMIT ?4",
        )?;
        let mut found = q.query(params![group.gtin, group.batch, group.expiry, limit as i64])?;
        while let Some(r) = found.next()? {
            let id: i64 = r.get(0)?;
            rows.push((id, r.get(1)?));
            if r.get::<_, i64>(2)? != 0 {
                unanswered.push(id);
            }
        }
    }
    if rows.len() < limit && !fill_for.is_zero() {
        return Ok(Taken::Filling);
    }
    let mut sent =
        c.prepare_cached("UPDATE scans SET state = 'sent', attempts = attempts + 1, updated = ?2 WHERE id = ?1")?;
    let t = now();
    for (id, _) in &rows {
        sent.execute(params![id, t])?;
    }
    Ok(Taken::Batch(Batch { group, rows, unanswered }))
}

fn mark(c: &Connection, ids: &[i64], state: State, reason: Option<&str>) -> rusqlite::Result<()> {
    let mut q = c.prepare_cached("UPDATE scans SET state = ?2, reason = ?3, updated = ?4 WHERE id = ?1")?;
    let t = now();
    for id in ids {
        q.execute(params![id, state.name(), reason, t])?;
    }
    if state == State::Rejected {
        // Movilitas refused these serials: the record changes without a person acting.
        let mut who = c.prepare_cached("SELECT gtin, serial, station FROM scans WHERE id = ?1")?;
        for id in ids {
            let (gtin, serial, station): (String, String, String) =
                who.query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            let entry = NewEntry::new(actions::SERIAL_REJECTED, format!("{gtin}/{serial}"))
                .by(&station, None)
                .change(Some("sent".into()), Some("rejected".into()))
                .reason(reason.unwrap_or("refused by Movilitas"));
            crate::scan::audit_store::insert(c, &entry)?;
        }
    }
    Ok(())
}
