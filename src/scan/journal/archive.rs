//! `shopfloor archive`: moves what is older than a date out of the live journal into an archive
//! file that is itself a journal (so `audit --journal ARCHIVE --verify` checks it):
//! - the leading stretch of the audit chain older than the date. The chain is one sequence
//!   across orders, so only its start can be cut; the stretch's last row stays in the live
//!   journal as its checkpoint (the archive ends with it, the live chain continues from it), and
//!   a new audit row records the archiving and names that checkpoint;
//! - the scans and alarms of orders with no activity since the date and nothing left to send
//!   (never the active order). Their GTIN + serial pairs stay in the live journal's
//!   `archived_serials`, so a pack scanned again later is still a duplicate.
//!
//! Crash safety: the archive is written and committed first and checked, then the live journal
//! is cut in short transactions (a running station's writer waits at most one of them). A crash
//! between the two leaves the rows in both files, never in neither; running the command again
//! with a new file finishes the job.

use super::audit::checkpoint_words;
use super::{now, schema, Actor, Journal, JournalError};
use crate::domain::audit::{actions, NewEntry};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};

/// What an archive run moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveReport {
    pub dest: PathBuf,
    pub orders: Vec<String>,
    pub scans: usize,
    pub alarms: usize,
    /// Audit rows now in the archive (the checkpoint row among them, which the live journal keeps).
    pub audit_rows: usize,
    /// The row the live journal's chain now starts from.
    pub checkpoint: Option<i64>,
}

/// The action of the audit row that records an archive run.
pub const CHECKPOINT_ACTION: &str = actions::AUDIT_ARCHIVED;

/// Rows deleted from the live journal per transaction.
const CHUNK: i64 = 20_000;

impl Journal {
    /// Moves everything older than `before` (RFC 3339, UTC) into the new file `dest`.
    pub fn archive(&mut self, before: &str, dest: &Path, actor: &Actor) -> Result<ArchiveReport, JournalError> {
        let fail = |why: String| JournalError::Maintenance { path: dest.to_path_buf(), why };
        if dest.exists() {
            return Err(fail("the file exists already; archives are never overwritten: choose a new file name".into()));
        }
        let plan = plan(&self.conn, before)?;
        if plan.orders.is_empty() && plan.audit.is_none() && plan.loose_alarms == 0 {
            return Ok(ArchiveReport { dest: dest.to_path_buf(), ..ArchiveReport::default() });
        }
        // The archive is a journal of this program's schema, so the same commands read it.
        let mut archive = Journal::open(dest)?;
        archive.set("archived_from", &self.path.display().to_string())?;
        archive.set("archived_before", before)?;
        archive.set("archived_at", &now())?;
        drop(archive);
        let dest_text = dest.to_str().ok_or_else(|| fail("the archive's path must be valid UTF-8".into()))?;
        self.conn.execute("ATTACH DATABASE ?1 AS archive", params![dest_text])?;
        let copied = copy(&mut self.conn, &plan, before);
        let _ = self.conn.execute("DETACH DATABASE archive", []);
        let copied = copied?;
        // The live rows go only once the archive has them and its chain holds.
        let check = Journal::open_read_only(dest)?.check_audit()?;
        if !check.intact() {
            let why = check.broken.map(|b| format!("row {}: {}", b.id, b.why)).into_iter().chain(check.problems);
            return Err(fail(format!(
                "the archive's audit trail does not verify ({}); nothing was removed from the journal",
                why.collect::<Vec<_>>().join("; ")
            )));
        }
        cut_orders(&mut self.conn, &copied)?;
        let checkpoint = match &plan.audit {
            Some(stretch) => Some(cut_audit(&mut self.conn, stretch, dest, before, &copied, actor)?),
            None => None,
        };
        Ok(ArchiveReport {
            dest: dest.to_path_buf(),
            orders: plan.orders,
            scans: copied.scans,
            alarms: copied.alarms,
            audit_rows: plan.audit.map(|s| (s.last - s.first + 1) as usize).unwrap_or(0),
            checkpoint,
        })
    }
}

/// The audit rows `first..=last` go to the archive; `last` stays as the live checkpoint.
struct Stretch {
    first: i64,
    last: i64,
}

struct Plan {
    orders: Vec<String>,
    audit: Option<Stretch>,
    /// Acknowledged alarms of no order, older than the date.
    loose_alarms: i64,
}

fn plan(c: &Connection, before: &str) -> Result<Plan, JournalError> {
    let active: Option<String> = c
        .query_row("SELECT value FROM station WHERE key = 'active_order'", [], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
        .and_then(|v| v.get("order_id").and_then(|o| o.as_str()).map(String::from));
    let mut q = c.prepare(
        "WITH activity (order_id, last, open) AS (
             SELECT order_id, MAX(MAX(at, updated)), SUM(state IN ('pending', 'sent')) FROM scans GROUP BY order_id
             UNION ALL
             SELECT order_id, MAX(MAX(at, COALESCE(acknowledged_at, at))), SUM(acknowledged_at IS NULL)
             FROM alarms WHERE order_id IS NOT NULL GROUP BY order_id
         )
         SELECT order_id FROM activity GROUP BY order_id
         HAVING MAX(last) < ?1 AND SUM(open) = 0 AND order_id IS NOT ?2
         ORDER BY order_id",
    )?;
    let orders = q.query_map(params![before, active], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    let loose_alarms = c.query_row(
        "SELECT COUNT(*) FROM alarms WHERE order_id IS NULL AND acknowledged_at IS NOT NULL AND acknowledged_at < ?1",
        params![before],
        |r| r.get(0),
    )?;
    // The stretch ends before the first row not older than the date (row ids follow time, but a
    // clock set back must not let a newer row be cut out of the middle).
    let first: Option<i64> = c.query_row("SELECT MIN(id) FROM audit", [], |r| r.get(0))?;
    let audit = match first {
        None => None,
        Some(first) => {
            let newer: Option<i64> =
                c.query_row("SELECT MIN(id) FROM audit WHERE at_utc >= ?1", params![before], |r| r.get(0))?;
            let last = match newer {
                Some(n) => n - 1,
                None => c.query_row("SELECT MAX(id) FROM audit", [], |r| r.get(0))?,
            };
            (last > first).then_some(Stretch { first, last })
        }
    };
    Ok(Plan { orders, audit, loose_alarms })
}

/// What was copied: per order the highest scan and alarm id (rows added later stay live).
struct Copied {
    per_order: Vec<(String, i64, i64)>,
    loose_alarms_upto: i64,
    scans: usize,
    alarms: usize,
}

fn columns(c: &Connection, table: &str) -> rusqlite::Result<String> {
    let mut q = c.prepare(&format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"))?;
    let names = q.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(names.join(", "))
}

fn copy(c: &mut Connection, plan: &Plan, before: &str) -> Result<Copied, JournalError> {
    let tx = c.transaction()?;
    let scan_cols = columns(&tx, "scans")?;
    let alarm_cols = columns(&tx, "alarms")?;
    let audit_cols = columns(&tx, "audit")?;
    let mut copied = Copied { per_order: Vec::new(), loose_alarms_upto: 0, scans: 0, alarms: 0 };
    for order in &plan.orders {
        let top_scan: i64 =
            tx.query_row("SELECT COALESCE(MAX(id), 0) FROM scans WHERE order_id = ?1", params![order], |r| r.get(0))?;
        let top_alarm: i64 =
            tx.query_row("SELECT COALESCE(MAX(id), 0) FROM alarms WHERE order_id = ?1", params![order], |r| r.get(0))?;
        copied.scans += tx.execute(
            &format!(
                "INSERT INTO archive.scans ({scan_cols}) SELECT {scan_cols} FROM main.scans WHERE order_id = ?1 AND id <= ?2"
            ),
            params![order, top_scan],
        )?;
        copied.alarms += tx.execute(
            &format!(
                "INSERT INTO archive.alarms ({alarm_cols}) SELECT {alarm_cols} FROM main.alarms WHERE order_id = ?1 AND id <= ?2"
            ),
            params![order, top_alarm],
        )?;
        copied.per_order.push((order.clone(), top_scan, top_alarm));
    }
    if plan.loose_alarms > 0 {
        copied.loose_alarms_upto = tx.query_row(
            "SELECT COALESCE(MAX(id), 0) FROM alarms WHERE order_id IS NULL AND acknowledged_at IS NOT NULL AND acknowledged_at < ?1",
            params![before],
            |r| r.get(0),
        )?;
        copied.alarms += tx.execute(
            &format!(
                "INSERT INTO archive.alarms ({alarm_cols}) SELECT {alarm_cols} FROM main.alarms
                 WHERE order_id IS NULL AND acknowledged_at IS NOT NULL AND acknowledged_at < ?1 AND id <= ?2"
            ),
            params![before, copied.loose_alarms_upto],
        )?;
    }
    if let Some(s) = &plan.audit {
        tx.execute(
            &format!("INSERT INTO archive.audit ({audit_cols}) SELECT {audit_cols} FROM main.audit WHERE id BETWEEN ?1 AND ?2"),
            params![s.first, s.last],
        )?;
        // An archive that starts at an earlier checkpoint verifies from it, as the journal did.
        tx.execute("INSERT INTO archive.audit_checkpoint SELECT * FROM main.audit_checkpoint", [])?;
    }
    tx.commit()?;
    Ok(copied)
}

/// Removes the copied scans and alarms from the live journal, a chunk per transaction; the
/// serials stay known in `archived_serials`.
fn cut_orders(c: &mut Connection, copied: &Copied) -> Result<(), JournalError> {
    for (order, top_scan, top_alarm) in &copied.per_order {
        loop {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DROP TABLE IF EXISTS temp.chunk", [])?;
            tx.execute(
                "CREATE TEMP TABLE chunk AS SELECT id FROM scans WHERE order_id = ?1 AND id <= ?2 LIMIT ?3",
                params![order, top_scan, CHUNK],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO archived_serials (gtin, serial, first_at)
                 SELECT gtin, serial, at FROM scans WHERE id IN (SELECT id FROM temp.chunk)",
                [],
            )?;
            let n = tx.execute("DELETE FROM scans WHERE id IN (SELECT id FROM temp.chunk)", [])?;
            tx.execute("DROP TABLE temp.chunk", [])?;
            tx.commit()?;
            if n == 0 {
                break;
            }
        }
        c.execute("DELETE FROM alarms WHERE order_id = ?1 AND id <= ?2", params![order, top_alarm])?;
    }
    if copied.loose_alarms_upto > 0 {
        c.execute(
            "DELETE FROM alarms WHERE order_id IS NULL AND acknowledged_at IS NOT NULL AND id <= ?1",
            params![copied.loose_alarms_upto],
        )?;
    }
    Ok(())
}

/// Cuts the audit rows before the checkpoint and records the archiving, in one transaction: the
/// trigger that refuses deletes is set aside only inside it.
fn cut_audit(
    c: &mut Connection,
    s: &Stretch,
    dest: &Path,
    before: &str,
    copied: &Copied,
    actor: &Actor,
) -> Result<i64, JournalError> {
    let trigger = schema::trigger_sql("audit_never_deleted").ok_or_else(|| JournalError::Maintenance {
        path: dest.to_path_buf(),
        why: "this program does not know its own audit trigger; nothing was removed".into(),
    })?;
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let hash: String = tx.query_row("SELECT hash FROM audit WHERE id = ?1", params![s.last], |r| r.get(0))?;
    tx.execute_batch("DROP TRIGGER audit_never_deleted")?;
    tx.execute("DELETE FROM audit WHERE id >= ?1 AND id < ?2", params![s.first, s.last])?;
    tx.execute_batch(&trigger)?;
    let entry = NewEntry::new(actions::AUDIT_ARCHIVED, format!("audit rows {}–{}", s.first, s.last))
        .by(&actor.station, actor.operator.as_deref())
        .change(
            None,
            Some(format!(
                "{}; archive {}; {} orders, {} scans, {} alarms",
                checkpoint_words(s.last, &hash),
                dest.display(),
                copied.per_order.len(),
                copied.scans,
                copied.alarms
            )),
        )
        .reason(format!("older than {before}"));
    crate::scan::audit_store::insert(&tx, &entry)?;
    let recorded = tx.last_insert_rowid();
    tx.execute(
        "INSERT OR REPLACE INTO audit_checkpoint (only, row_id, row_hash, archived_by) VALUES (1, ?1, ?2, ?3)",
        params![s.last, hash, recorded],
    )?;
    tx.commit()?;
    Ok(s.last)
}
