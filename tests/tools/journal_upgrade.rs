//! A journal file made by the first release (commit c896d3e, before schema versions) is upgraded
//! in place by this program: nothing recorded is lost, the audit chain still verifies, a second
//! open changes nothing, and a journal newer than this program is refused and left untouched.

use shopfloor::scan::journal::{Journal, SCHEMA_VERSION};
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal/c896d3e.db")
}

/// A copy of the release's file to upgrade (the fixture itself stays as the release wrote it).
fn copy_of_release_journal(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("journal.db");
    std::fs::copy(fixture(), &path).expect("tests/fixtures/journal/c896d3e.db is in the repository");
    path
}

fn user_version(path: &Path) -> u32 {
    let c = rusqlite::Connection::open(path).unwrap();
    c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
}

#[test]
fn the_first_releases_journal_is_upgraded_in_place_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_of_release_journal(&dir);
    assert_eq!(user_version(&path), 0, "the release did not version its files");
    let j = Journal::open(&path).expect("the release's journal opens and upgrades");
    assert_eq!(j.schema_version().unwrap(), SCHEMA_VERSION);
    // What the station recorded under the old program is all there, as it was.
    let c = j.counts("Order143").unwrap();
    assert_eq!((c.accepted, c.commissioned, c.decommissioned, c.duplicates, c.pending), (12, 11, 1, 1, 0));
    let active = j.get("active_order").unwrap().expect("the active order survives the upgrade");
    assert!(active.contains("Order143"), "{active}");
    assert_eq!(j.verify_audit().unwrap(), Ok(19), "the audit chain the old program wrote still verifies");
    let recent = j.recent("Order143", 20).unwrap();
    let (refused, scans): (Vec<_>, Vec<_>) = recent.iter().partition(|r| r.refusal.is_some());
    assert_eq!(scans.len(), 12);
    assert_eq!(scans[0].serial, "2SY4VUWDL95S");
    assert_eq!(scans[0].reason.as_deref(), Some("Destroyed"));
    // The old alarms are listed and counted too (migration 5 counts what is already there).
    assert_eq!(refused.len() as i64, c.refused + c.duplicates, "{refused:?}");
    assert!(c.refused >= 1, "{c:?}");
    drop(j);
    assert_eq!(user_version(&path), SCHEMA_VERSION, "the new version is on disk");
    // A second start finds nothing to do.
    let j = Journal::open(&path).unwrap();
    assert_eq!(j.counts("Order143").unwrap().accepted, 12);
}

#[test]
fn a_journal_from_a_newer_program_is_refused_with_what_to_do_and_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_of_release_journal(&dir);
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let e = Journal::open(&path).err().expect("a newer journal is refused");
    let text = e.to_string();
    assert!(text.contains("newer shopfloor"), "{text}");
    assert!(text.contains(&format!("schema version {}", SCHEMA_VERSION + 1)), "{text}");
    assert!(text.contains("leaves the file as it is"), "{text}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file is byte for byte as it was");
}

fn objects(path: &Path, kind: &str) -> Vec<String> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut q = c.prepare("SELECT name FROM sqlite_master WHERE type = ?1 ORDER BY name").unwrap();
    let rows = q.query_map([kind], |r| r.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

#[test]
fn the_first_releases_journal_gains_the_label_tables_and_their_guards() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_of_release_journal(&dir);
    assert!(!objects(&path, "table").contains(&"printed_labels".to_string()));
    let j = Journal::open(&path).unwrap();
    let report = j.check_audit().unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    drop(j);
    let tables = objects(&path, "table");
    for t in ["print_runs", "printed_labels"] {
        assert!(tables.contains(&t.to_string()), "{t} in {tables:?}");
    }
    let triggers = objects(&path, "trigger");
    for t in ["printed_labels_forward_only", "printed_labels_serial_fixed", "printed_labels_never_deleted"] {
        assert!(triggers.contains(&t.to_string()), "{t} in {triggers:?}");
    }
    // The label store opens the upgraded file without creating anything of its own.
    let store = shopfloor::printing::store::LabelStore::open(&path).unwrap();
    assert!(store.order_labels("Order143").unwrap().is_empty());
}

#[test]
fn a_journal_at_version_4_made_before_labels_were_a_migration_is_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_of_release_journal(&dir);
    // Bring the file to version 4 (what later migrations made is taken away), then give it the label tables the way the printing code did
    // before they were a migration (its own CREATE TABLE IF NOT EXISTS), with a label in them.
    drop(Journal::open(&path).unwrap());
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 4).unwrap();
        c.execute_batch(
            "DROP INDEX alarms_order; DROP TRIGGER refusals_counted; DROP TRIGGER refusals_uncounted;
             DELETE FROM order_counts WHERE what = 'refused';
             DROP TABLE line_outbox; DROP TABLE line_conflicts;
             DROP TABLE print_runs; DROP TABLE printed_labels;
             CREATE TABLE print_runs (id TEXT PRIMARY KEY, order_id TEXT NOT NULL, printer TEXT NOT NULL,
                 requested INTEGER, started_at TEXT NOT NULL, ended_at TEXT, end_reason TEXT);
             CREATE TABLE printed_labels (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, order_id TEXT NOT NULL,
                 printer TEXT NOT NULL, gtin TEXT NOT NULL, batch TEXT NOT NULL, expiry TEXT NOT NULL,
                 serial TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, allocated_at TEXT NOT NULL,
                 sent_at TEXT, printed_at TEXT, verified_at TEXT, updated_at TEXT NOT NULL, UNIQUE (gtin, serial));
             INSERT INTO printed_labels (run_id, order_id, printer, gtin, batch, expiry, serial, state, allocated_at, updated_at)
                 VALUES ('r1', 'Order143', 'zebra', '02022090117459', 'B1', '281231', 'KEPT1', 'printed', 't', 't');",
        )
        .unwrap();
    }
    let j = Journal::open(&path).expect("a version 4 file with the label tables upgrades");
    assert_eq!(j.schema_version().unwrap(), SCHEMA_VERSION);
    drop(j);
    let store = shopfloor::printing::store::LabelStore::open(&path).unwrap();
    let rows = store.order_labels("Order143").unwrap();
    assert_eq!(rows.len(), 1, "the label recorded before the upgrade is kept");
    assert_eq!(rows[0].serial, "KEPT1");
    assert!(objects(&path, "trigger").contains(&"printed_labels_never_deleted".to_string()));
}
