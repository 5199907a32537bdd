//! Reading and checking the audit trail kept in the journal. A check looks at the file as it is
//! (the journal is opened read-only for it): the objects that guard the record must be there as
//! shopfloor made them, the hash chain must hold from its start — the first row, or the
//! checkpoint row an archive run left — and that checkpoint must be the one the trail itself
//! records.

use super::{schema, Journal, JournalError};
use crate::domain::audit::{actions, Break, Entry};
use crate::scan::audit_store::{self, Filter};
use rusqlite::{params, OptionalExtension};

/// What `audit --verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditReport {
    /// Rows whose hash and link were checked.
    pub rows: usize,
    /// The chain was checked from this row: the rows before it are in an archive.
    pub checkpoint: Option<i64>,
    /// Signs of tampering besides a broken chain: a guard missing or replaced, a checkpoint the
    /// trail does not record. One line each.
    pub problems: Vec<String>,
    /// Where the chain first breaks.
    pub broken: Option<Break>,
}

impl AuditReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty() && self.broken.is_none()
    }
}

/// The checkpoint an archive run left: the row the chain starts from, its hash, and the audit
/// row that records the archiving.
pub(super) struct Checkpoint {
    pub row_id: i64,
    pub row_hash: String,
    pub archived_by: Option<i64>,
}

pub(super) fn checkpoint(conn: &rusqlite::Connection) -> rusqlite::Result<Option<Checkpoint>> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_checkpoint')",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(None);
    }
    conn.query_row("SELECT row_id, row_hash, archived_by FROM audit_checkpoint WHERE only = 1", [], |r| {
        Ok(Checkpoint { row_id: r.get(0)?, row_hash: r.get(1)?, archived_by: r.get(2)? })
    })
    .optional()
}

/// The words an archiving row uses for its checkpoint (what a check looks for).
pub(super) fn checkpoint_words(row_id: i64, row_hash: &str) -> String {
    format!("checkpoint row {row_id} {row_hash}")
}

impl Journal {
    pub fn audit_entries(&self, f: &Filter) -> Result<Vec<Entry>, JournalError> {
        Ok(audit_store::entries(&self.conn, f)?)
    }

    /// The newest row of an action (e.g. the last `config.loaded`), read backwards from the end.
    pub fn last_audit_entry(&self, action: &str) -> Result<Option<Entry>, JournalError> {
        let has_audit: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit')",
            [],
            |r| r.get(0),
        )?;
        if !has_audit {
            return Ok(None);
        }
        let sql = "SELECT id, at_utc, utc_offset, station, operator, action, object, old_value, new_value, reason, \
                   prev_hash, hash FROM audit WHERE action = ?1 ORDER BY id DESC LIMIT 1";
        Ok(self.conn.query_row(sql, params![action], audit_store::read).optional()?)
    }

    /// Walks the audit trail's chain from its start (or checkpoint): the number of rows, or
    /// where it first breaks.
    pub fn verify_audit(&self) -> Result<Result<usize, Break>, JournalError> {
        let report = self.check_audit()?;
        Ok(match report.broken {
            Some(b) => Err(b),
            None => Ok(report.rows),
        })
    }

    /// Everything `audit --verify` checks.
    pub fn check_audit(&self) -> Result<AuditReport, JournalError> {
        let version = schema::version(&self.conn)?;
        let mut report = AuditReport { problems: schema::check_guards(&self.conn, version)?, ..AuditReport::default() };
        let has_audit: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit')",
            [],
            |r| r.get(0),
        )?;
        if !has_audit {
            return Ok(report);
        }
        let cp = checkpoint(&self.conn)?;
        report.checkpoint = cp.as_ref().map(|c| c.row_id);
        let last = match audit_store::verify(&self.conn, cp.as_ref().map(|c| (c.row_id, c.row_hash.as_str())))? {
            Ok((n, last)) => {
                report.rows = n;
                last
            }
            Err(b) => {
                report.broken = Some(b);
                return Ok(report);
            }
        };
        // The checkpoint table alone could be rewritten to hide more rows removed from the
        // start; the chain itself records each archiving, and that row must name this checkpoint.
        if let Some(cp) = cp {
            match cp.archived_by {
                None => report
                    .problems
                    .push(format!("the checkpoint at row {} names no audit row that records the archiving", cp.row_id)),
                Some(m) if last.is_some_and(|l| m <= l) => {
                    let row: Option<(String, Option<String>)> = self
                        .conn
                        .query_row("SELECT action, new_value FROM audit WHERE id = ?1", params![m], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })
                        .optional()?;
                    let words = checkpoint_words(cp.row_id, &cp.row_hash);
                    let recorded = row.as_ref().is_some_and(|(action, new)| {
                        action == actions::AUDIT_ARCHIVED && new.as_deref().is_some_and(|n| n.contains(&words))
                    });
                    if !recorded {
                        report.problems.push(format!(
                            "the checkpoint at row {} is not the one audit row {m} recorded when the trail was archived",
                            cp.row_id
                        ));
                    }
                }
                // An archive file ends before the row that recorded the archiving it starts from.
                Some(_) => {}
            }
        }
        Ok(report)
    }
}
