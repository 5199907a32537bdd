//! The scan journal: every accepted scan on disk (SQLite, WAL, synchronous=FULL) before the
//! screen says "accepted", with its commissioning state: pending → sent → commissioned, or
//! rejected with the server's reason. The pair GTIN + serial is unique (and archived pairs are
//! kept), which is how a duplicate scan is recognised. Alarms are kept beside the scans, and the
//! station's active order, so a restart resumes where the station stood.
//!
//! `schema.rs` holds the schema and its upgrades, `scans.rs` the writes (scans, alarms, the
//! commissioning pipeline's batches), `read.rs` the scan panel's figures (kept by counters, so
//! reading them costs the same for any size of order), `audit.rs` the audit trail's checks and
//! `archive.rs` / `backup.rs` the maintenance commands. Only the station's journal thread
//! writes (see `journal_writer`); readers open their own read-only connection.

mod archive;
mod audit;
mod backup;
mod read;
mod report;
mod scans;
mod schema;

pub use archive::{ArchiveReport, CHECKPOINT_ACTION};
pub use audit::AuditReport;
pub use backup::BackupReport;
pub use read::{Counts, ScanRow, ScanStats};
pub(in crate::scan) use scans::Tx;
pub use scans::{Batch, Group, Outcome, Taken};
pub use schema::{Upgraded, LATEST as SCHEMA_VERSION};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    #[error("{}: {why}", .path.display())]
    Maintenance { path: PathBuf, why: String },
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
    /// This GTIN + serial is already in the journal or an archive (first scanned at that time).
    Duplicate {
        first_at: String,
    },
    /// The pack carries a label this station printed and then voided (a fault, or voided at the
    /// Print screen): it must never be commissioned.
    Voided {
        reason: String,
    },
    /// Journaled here, but another station of the line claimed this pack first (the station's
    /// claim stage fills this in from the line store; the journal itself never answers it).
    ClaimedElsewhere {
        station: String,
        operator: Option<String>,
        /// When that station scanned it (RFC 3339, UTC).
        at: String,
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

pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// How long a connection waits for another one's write to end. An archive run takes the
/// journal in short steps, so the station's writer never waits this long.
const BUSY: Duration = Duration::from_secs(10);

impl Journal {
    /// Opens (creating it if needed) and upgrades the journal for writing.
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
        conn.busy_timeout(BUSY).map_err(open_err)?;
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
        Ok(Journal { conn, path: path.to_path_buf() })
    }

    /// Opens an existing journal without the right to change it and without running the
    /// schema: what `audit`, `--verify` and the statistics reader use. Verifying must see the
    /// file as it is: a schema run would re-create a dropped trigger and erase the evidence.
    pub fn open_read_only(path: &Path) -> Result<Journal, JournalError> {
        if !path.exists() {
            return Err(JournalError::Missing(path.to_path_buf()));
        }
        let open_err = |source| JournalError::Open { path: path.to_path_buf(), source };
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(open_err)?;
        conn.busy_timeout(BUSY).map_err(open_err)?;
        // Reading the header tells a file that is not a database from one that is.
        let found = schema::version(&conn).map_err(open_err)?;
        if found > schema::LATEST {
            return Err(JournalError::TooNew { path: path.to_path_buf(), found, supported: schema::LATEST });
        }
        Ok(Journal { conn, path: path.to_path_buf() })
    }

    /// Opens a journal that must exist already, for writing.
    pub fn open_existing(path: &Path) -> Result<Journal, JournalError> {
        if !path.exists() {
            return Err(JournalError::Missing(path.to_path_buf()));
        }
        Journal::open(path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's schema version (after `open`, always [`SCHEMA_VERSION`]).
    pub fn schema_version(&self) -> Result<u32, JournalError> {
        Ok(schema::version(&self.conn)?)
    }

    pub fn set(&mut self, key: &str, value: &str) -> Result<(), JournalError> {
        set(&self.conn, key, value)?;
        Ok(())
    }

    pub fn get(&self, key: &str) -> Result<Option<String>, JournalError> {
        Ok(self.conn.query_row("SELECT value FROM station WHERE key = ?1", params![key], |r| r.get(0)).optional()?)
    }
}

fn set(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO station (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn scan(serial: &str) -> NewScan {
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
    fn a_pack_with_a_label_voided_here_is_never_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.db")).unwrap();
        j.conn
            .execute(
                "INSERT INTO printed_labels (run_id, order_id, printer, gtin, batch, expiry, serial, state, reason,
                     allocated_at, updated_at)
                 VALUES ('r1', 'O1', 'zebra', '02022090117459', 'B1', '290512', 'V1', 'voided', 'paper out', ?1, ?1)",
                params![now()],
            )
            .unwrap();
        let r = j.append(&[scan("V1"), scan("OK1")]).unwrap();
        assert!(matches!(&r[0], Appended::Voided { reason } if reason == "paper out"), "{r:?}");
        assert!(matches!(r[1], Appended::Accepted(_)));
        let n: i64 = j.conn.query_row("SELECT COUNT(*) FROM scans WHERE serial = 'V1'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0, "not journaled, so never commissioned");
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
        assert_eq!(j.counts("O1").unwrap(), Counts { accepted: 2, pending: 2, duplicates: 1, ..Counts::default() });
        assert_eq!(j.get("active_order").unwrap().as_deref(), Some("{\"order_id\":\"O1\"}"));
    }

    #[test]
    fn batches_move_through_their_states() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.db")).unwrap();
        let mut other = scan("Z");
        other.batch = "B2".into();
        j.append(&[scan("A"), other, scan("B"), scan("C")]).unwrap();
        let Batch { group: g, rows, .. } = j.take_batch(2).unwrap().unwrap();
        assert_eq!(g.batch, "B1");
        assert_eq!(rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), ["A", "B"]);
        // A crash now: the sent rows come back as pending on the next start, marked as sent
        // without an answer.
        assert_eq!(j.requeue_in_flight().unwrap(), 2);
        let b = j.take_batch(10).unwrap().unwrap();
        assert_eq!(b.rows.len(), 3, "A, B and C share a group; Z waits for its own batch");
        assert_eq!(b.unanswered, vec![b.rows[0].0, b.rows[1].0], "A and B went out before the crash");
        let ids: Vec<i64> = b.rows.iter().map(|r| r.0).collect();
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
    fn a_batch_that_is_not_full_waits_to_fill_and_a_full_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.db")).unwrap();
        assert_eq!(j.take_ready(3, Duration::from_millis(200)).unwrap(), Taken::Empty);
        j.append(&[scan("A"), scan("B")]).unwrap();
        assert_eq!(j.take_ready(3, Duration::from_millis(200)).unwrap(), Taken::Filling);
        j.append(&[scan("C")]).unwrap();
        let Taken::Batch(b) = j.take_ready(3, Duration::from_millis(200)).unwrap() else { panic!("a full batch") };
        assert_eq!(b.rows.len(), 3);
        j.append(&[scan("D")]).unwrap();
        let Taken::Batch(b) = j.take_ready(3, Duration::ZERO).unwrap() else { panic!("no more waiting") };
        assert_eq!(b.rows.len(), 1);
    }

    #[test]
    fn an_unwritable_place_says_what_to_check() {
        let e = Journal::open(Path::new("/proc/definitely/not/here/j.db")).err().unwrap();
        assert!(e.to_string().contains("writable"), "{e}");
    }
}
