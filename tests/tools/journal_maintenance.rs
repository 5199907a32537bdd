//! Keeping a station's journal for years, through the commands IT runs: `backup` of a running
//! station (where `cp` loses what is still in the WAL) and restoring it, `archive` of what is
//! older than a date (both files verify, duplicates stay known), and `audit --verify`, which
//! looks at the file read-only and reports a dropped trigger or table as tampering instead of
//! quietly re-creating it.

use shopfloor::domain::audit::{actions, NewEntry};
use shopfloor::scan::journal::{Actor, Alarm, Appended, Journal, NewScan, State};
use std::path::{Path, PathBuf};
use std::process::Command;

const GTIN: &str = "02022090117459";

fn scan(order: &str, serial: &str, at: &str) -> NewScan {
    NewScan {
        at: at.into(),
        station: "line-1".into(),
        operator: Some("op-1".into()),
        order_id: order.into(),
        gtin: GTIN.into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: serial.into(),
        raw: format!("]d2...21{serial}"),
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn shopfloor(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_shopfloor")).args(args).output().unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A journal with commissioned scans of one order, an alarm and an operator's audit row.
fn some_journal(path: &Path, order: &str, n: usize) -> Journal {
    let mut j = Journal::open(path).unwrap();
    j.audit(&NewEntry::new(actions::OPERATOR_SIGNED_IN, "op-1").by("line-1", Some("op-1"))).unwrap();
    let scans: Vec<NewScan> = (0..n).map(|i| scan(order, &format!("{order}-{i:05}"), &now())).collect();
    j.append(&scans).unwrap();
    while let Some(b) = j.take_batch(100).unwrap() {
        j.mark(&b.rows.iter().map(|r| r.0).collect::<Vec<_>>(), State::Commissioned, None).unwrap();
    }
    let alarm =
        Alarm { order_id: Some(order.into()), kind: "duplicate".into(), raw: "x".into(), message: "dup".into() };
    j.record_alarm(&alarm, &Actor { station: "line-1".into(), operator: Some("op-1".into()) }).unwrap();
    j.acknowledge_alarms(&Actor { station: "line-1".into(), operator: Some("op-1".into()) }).unwrap();
    j
}

fn count(path: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_backup_of_a_running_station_has_what_cp_misses_and_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    // The station is running: its journal is open and what it wrote is still in the WAL.
    let station = some_journal(&path, "Order143", 300);
    assert!(dir.path().join("journal.db-wal").exists());

    let copied = dir.path().join("cp-copy.db");
    std::fs::copy(&path, &copied).unwrap();
    let tables = count(&copied, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'");
    assert_eq!(tables, 0, "a plain cp of the running journal has no tables: the data is in the WAL");

    let dest = dir.path().join("backup.db");
    let (code, out) = shopfloor(&["backup", "--journal", s(&path), s(&dest)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("integrity check ok") && out.contains("audit trail intact"), "{out}");
    assert_eq!(count(&dest, "SELECT COUNT(*) FROM scans"), 300, "the backup has every scan");
    assert!(!dir.path().join("backup.db-wal").exists(), "the backup is one file");
    assert!(!dir.path().join("backup.db.partial").exists());

    // Never over an existing file; into a directory it gets a time-stamped name.
    let (code, out) = shopfloor(&["backup", "--journal", s(&path), s(&dest)]);
    assert_ne!(code, 0);
    assert!(out.contains("exists already"), "{out}");
    let into = dir.path().join("backups");
    std::fs::create_dir(&into).unwrap();
    let (code, out) = shopfloor(&["backup", "--journal", s(&path), s(&into)]);
    assert_eq!(code, 0, "{out}");
    let made: Vec<PathBuf> = std::fs::read_dir(&into).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(made.len(), 1);
    assert!(made[0].file_name().unwrap().to_str().unwrap().starts_with("journal-"), "{made:?}");
    drop(station);

    // Restore as the README says: with the station stopped, the old WAL and shared-memory files
    // go, the backup becomes journal.db, and the trail verifies.
    let restored_dir = dir.path().join("restored");
    std::fs::create_dir(&restored_dir).unwrap();
    let restored = restored_dir.join("journal.db");
    for stale in ["journal.db-wal", "journal.db-shm"] {
        let _ = std::fs::remove_file(restored_dir.join(stale));
    }
    std::fs::copy(&dest, &restored).unwrap();
    let (code, out) = shopfloor(&["audit", "--journal", s(&restored), "--verify"]);
    assert_eq!(code, 0, "{out}");
    let j = Journal::open(&restored).unwrap();
    assert_eq!(j.counts("Order143").unwrap().commissioned, 300);
}

#[test]
fn a_backup_taken_while_scans_are_written_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    drop(some_journal(&path, "Order143", 10));
    let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = {
        let (path, writing) = (path.clone(), writing.clone());
        std::thread::spawn(move || {
            let mut j = Journal::open(&path).unwrap();
            let mut i = 0;
            while writing.load(std::sync::atomic::Ordering::Relaxed) {
                let burst: Vec<NewScan> =
                    (0..50).map(|k| scan("Order143", &format!("W{i:04}-{k:02}"), &now())).collect();
                j.append(&burst).unwrap();
                i += 1;
            }
            i
        })
    };
    // Backups while the writer keeps committing bursts.
    for n in 0..3 {
        let dest = dir.path().join(format!("b{n}.db"));
        let (code, out) = shopfloor(&["backup", "--journal", s(&path), s(&dest)]);
        assert_eq!(code, 0, "{out}");
        // Each scan has its audit row: a copy from one snapshot has as many of each.
        let scans = count(&dest, "SELECT COUNT(*) FROM scans");
        let accepted = count(&dest, "SELECT COUNT(*) FROM audit WHERE action = 'scan.accepted'");
        assert_eq!(scans, accepted, "backup {n} is one snapshot");
    }
    writing.store(false, std::sync::atomic::Ordering::Relaxed);
    assert!(writer.join().unwrap() > 0);
}

#[test]
fn verify_reads_the_file_as_it_is_and_calls_a_dropped_trigger_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    drop(some_journal(&path, "Order143", 5));
    let c = rusqlite::Connection::open(&path).unwrap();
    // Someone removes the guard and a row: the chain alone would still be checked, but the
    // missing trigger is itself the evidence.
    c.execute_batch("DROP TRIGGER audit_never_deleted").unwrap();
    drop(c);
    let (code, out) = shopfloor(&["audit", "--journal", s(&path), "--verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("TAMPERED") && out.contains("audit_never_deleted is missing"), "{out}");
    let trigger = count(&path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_never_deleted'");
    assert_eq!(trigger, 0, "verifying did not re-create the trigger: the evidence is still there");

    // A trigger replaced by one that lets changes through.
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "DROP TRIGGER audit_never_updated;
         CREATE TRIGGER audit_never_updated BEFORE UPDATE ON audit BEGIN SELECT 1; END;
         UPDATE audit SET operator = 'someone else' WHERE id = 2;",
    )
    .unwrap();
    drop(c);
    let (code, out) = shopfloor(&["audit", "--journal", s(&path), "--verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("audit_never_updated is not the one shopfloor made"), "{out}");
    assert!(out.contains("BROKEN at row 2"), "{out}");

    // The audit table itself gone.
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("DROP TABLE audit").unwrap();
    drop(c);
    let (code, out) = shopfloor(&["audit", "--journal", s(&path), "--verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the table audit is missing"), "{out}");
    assert_eq!(count(&path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit'"), 0);
}

#[test]
fn verify_checks_an_old_releases_journal_without_upgrading_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal/c896d3e.db"), &path).unwrap();
    let (code, out) = shopfloor(&["audit", "--journal", s(&path), "--verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact: 19 rows"), "{out}");
    assert_eq!(count(&path, "PRAGMA user_version"), 0, "a check changes nothing, not even the version");
}

/// Waits until the clock has passed `t` (RFC 3339), so rows written next are newer than it.
fn after(t: &str) {
    while now().as_str() <= t {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[test]
fn archive_moves_the_old_stretch_and_both_files_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let mut j = some_journal(&path, "OLD-1", 40);
    // An old order with a scan not yet answered, and the active order: both stay.
    j.append(&[scan("OLD-2", "WAITING", "2025-01-02T08:00:00.000Z")]).unwrap();
    j.append(&[scan("ACTIVE", "ACT-1", "2025-01-02T08:00:00.000Z")]).unwrap();
    j.set("active_order", "{\"order_id\":\"ACTIVE\"}").unwrap();
    let cut = now();
    after(&cut);
    j.append(&[scan("NEW", "NEW-1", &now())]).unwrap();
    j.audit(&NewEntry::new(actions::OPERATOR_SIGNED_OUT, "op-1").by("line-1", Some("op-1"))).unwrap();
    let rows_before = count(&path, "SELECT COUNT(*) FROM audit");
    let last_old = count(&path, &format!("SELECT MAX(id) FROM audit WHERE at_utc < '{cut}'"));
    drop(j);

    let arch = dir.path().join("archive-1.db");
    let (code, out) = shopfloor(&["archive", "--before", &cut, "--journal", s(&path), s(&arch)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 orders (40 scans, 1 alarms)"), "{out}");
    assert!(out.contains(&format!("checkpoint row {last_old}")), "{out}");

    // The archive verifies from the chain's start and ends with the checkpoint row.
    let (code, out) = shopfloor(&["audit", "--journal", s(&arch), "--verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("intact: {last_old} rows")), "{out}");
    assert_eq!(count(&arch, "SELECT COUNT(*) FROM scans"), 40);
    // The live journal verifies from its checkpoint, and keeps what must stay.
    let (code, out) = shopfloor(&["audit", "--journal", s(&path), "--verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("from checkpoint row {last_old}")), "{out}");
    assert_eq!(count(&path, "SELECT MIN(id) FROM audit"), last_old);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM audit"), rows_before - last_old + 1 + 1, "plus the archiving row");
    assert_eq!(count(&path, "SELECT COUNT(*) FROM scans WHERE order_id = 'OLD-1'"), 0);
    for kept in ["OLD-2", "ACTIVE", "NEW"] {
        assert_eq!(count(&path, &format!("SELECT COUNT(*) FROM scans WHERE order_id = '{kept}'")), 1, "{kept}");
    }
    assert_eq!(count(&path, "SELECT COUNT(*) FROM archived_serials"), 40);

    // A pack of the archived order scanned again is still a duplicate.
    let mut j = Journal::open(&path).unwrap();
    let again = j.append(&[scan("NEW", "OLD-1-00007", &now())]).unwrap();
    assert!(matches!(again[0], Appended::Duplicate { .. }), "{again:?}");
    assert_eq!(j.counts("ACTIVE").unwrap().accepted, 1);

    // A second archive later continues the chain: it starts at the first checkpoint.
    let cut2 = now();
    after(&cut2);
    j.audit(&NewEntry::new(actions::OPERATOR_SIGNED_IN, "op-2").by("line-1", Some("op-2"))).unwrap();
    drop(j);
    let arch2 = dir.path().join("archive-2.db");
    let (code, out) = shopfloor(&["archive", "--before", &cut2, "--journal", s(&path), s(&arch2)]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = shopfloor(&["audit", "--journal", s(&arch2), "--verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("from checkpoint row {last_old}")), "{out}");
    let (code, out) = shopfloor(&["audit", "--journal", s(&path), "--verify"]);
    assert_eq!(code, 0, "{out}");

    // An archive is never overwritten.
    let (code, out) = shopfloor(&["archive", "--before", &cut2, "--journal", s(&path), s(&arch2)]);
    assert_ne!(code, 0);
    assert!(out.contains("never overwritten"), "{out}");
}

#[test]
fn rows_removed_after_an_archive_or_a_forged_checkpoint_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let mut j = some_journal(&path, "OLD-1", 5);
    let cut = now();
    after(&cut);
    for op in ["op-2", "op-3", "op-4"] {
        j.audit(&NewEntry::new(actions::OPERATOR_SIGNED_IN, op).by("line-1", Some(op))).unwrap();
    }
    drop(j);
    let (code, out) = shopfloor(&["archive", "--before", &cut, "--journal", s(&path), s(&dir.path().join("a.db"))]);
    assert_eq!(code, 0, "{out}");
    let first = count(&path, "SELECT MIN(id) FROM audit");

    // The checkpoint row itself removed: the trail no longer starts where it must.
    let tampered = dir.path().join("t1.db");
    std::fs::copy(&path, &tampered).unwrap();
    let c = rusqlite::Connection::open(&tampered).unwrap();
    c.execute_batch(&format!("DROP TRIGGER audit_never_deleted; DELETE FROM audit WHERE id = {first};")).unwrap();
    c.execute_batch(
        "CREATE TRIGGER audit_never_deleted BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit rows are never deleted'); END;",
    )
    .unwrap();
    drop(c);
    let (code, out) = shopfloor(&["audit", "--journal", s(&tampered), "--verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("should start at checkpoint row {first}")), "{out}");

    // ... and the checkpoint moved along to hide it: the trail's own archiving row disagrees.
    let c = rusqlite::Connection::open(&tampered).unwrap();
    c.execute_batch(&format!(
        "UPDATE audit_checkpoint SET row_id = {next}, row_hash = (SELECT hash FROM audit WHERE id = {next})",
        next = first + 1
    ))
    .unwrap();
    drop(c);
    let (code, out) = shopfloor(&["audit", "--journal", s(&tampered), "--verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("TAMPERED") && out.contains("is not the one audit row"), "{out}");
}
