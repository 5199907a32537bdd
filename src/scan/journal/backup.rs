//! `shopfloor backup`: a consistent copy of a journal, also of a running station's. A plain `cp`
//! of `journal.db` misses what is still in its write-ahead log (`journal.db-wal`), so the copy
//! is made with SQLite's online backup API from one read snapshot, written under a temporary
//! name, turned into a single self-contained file (no WAL), checked (integrity check and audit
//! chain) and only then given its name.

use super::{AuditReport, Journal, JournalError};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a backup wrote and found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub dest: PathBuf,
    pub bytes: u64,
    pub audit: AuditReport,
}

impl Journal {
    /// Copies the journal to `dest` (a new file, or a directory to put a time-stamped file in)
    /// and checks the copy.
    pub fn backup(&self, dest: &Path) -> Result<BackupReport, JournalError> {
        let dest = if dest.is_dir() {
            dest.join(format!("journal-{}.db", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")))
        } else {
            dest.to_path_buf()
        };
        let fail = |why: String| JournalError::Maintenance { path: dest.clone(), why };
        if dest.exists() {
            return Err(fail("the file exists already; a backup never overwrites one: choose a new name".into()));
        }
        let partial = PathBuf::from(format!("{}.partial", dest.display()));
        let _ = std::fs::remove_file(&partial);
        let made = copy_to(&self.conn, &partial).and_then(|()| check(&partial));
        let report = match made {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        if !report.0.is_empty() || !report.1.intact() {
            let _ = std::fs::remove_file(&partial);
            let mut why: Vec<String> = report.0;
            why.extend(report.1.broken.map(|b| format!("audit row {}: {}", b.id, b.why)));
            why.extend(report.1.problems);
            return Err(fail(format!(
                "the copy does not check out ({}), so none was kept. The journal itself is likely damaged: \
                 run `shopfloor audit --verify` on it and keep the file for IT",
                why.join("; ")
            )));
        }
        std::fs::rename(&partial, &dest).map_err(|e| fail(format!("cannot give the copy its name: {e}")))?;
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            // The new name must survive a power cut as well as the content.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        let bytes = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
        Ok(BackupReport { dest, bytes, audit: report.1 })
    }
}

const GIVE_UP: Duration = Duration::from_secs(60);

fn copy_to(src: &Connection, partial: &Path) -> Result<(), JournalError> {
    let open_err = |source| JournalError::Open { path: partial.to_path_buf(), source };
    let mut dst = Connection::open(partial).map_err(open_err)?;
    {
        let backup = Backup::new(src, &mut dst)?;
        // All pages in one step (-1): one read snapshot, so a station writing meanwhile neither
        // restarts the copy nor makes it inconsistent. Busy only while a writer holds a lock
        // the snapshot needs: wait a little and try again, for at most a minute.
        let started = std::time::Instant::now();
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More | StepResult::Busy | StepResult::Locked if started.elapsed() < GIVE_UP => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    return Err(JournalError::Maintenance {
                        path: partial.to_path_buf(),
                        why: "the journal stayed locked for a minute; try again when the station is quieter".into(),
                    })
                }
            }
        }
    }
    // One file, nothing in a WAL beside it: what a backup should be.
    dst.pragma_update(None, "journal_mode", "DELETE")?;
    dst.close().map_err(|(_, e)| JournalError::Sql(e))?;
    Ok(())
}

/// The integrity check's complaints (none when sound) and the audit check of the copy.
fn check(path: &Path) -> Result<(Vec<String>, AuditReport), JournalError> {
    let copy = Journal::open_read_only(path)?;
    let mut q = copy.conn.prepare("PRAGMA integrity_check")?;
    let lines = q.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    drop(q);
    let complaints = lines.into_iter().filter(|l| l != "ok").collect();
    Ok((complaints, copy.check_audit()?))
}
