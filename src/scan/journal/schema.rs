//! The journal's schema, as an ordered list of numbered migrations, and the upgrade that brings
//! any older journal file up to date. The file's `PRAGMA user_version` is the number of the last
//! migration it has; a newer program upgrades an older file in place, all steps in one
//! transaction (a failure leaves the file exactly as it was), and refuses a file newer than
//! itself, since it cannot know what that program's tables mean.
//!
//! # Adding a migration (every schema change, in any branch, is one)
//! 1. Append a `Migration` to [`MIGRATIONS`] with the next `version` (the list must stay
//!    1, 2, 3, … in order; a unit test checks it) and a `what` line saying what it changes and why.
//! 2. Its `step` is `Step::Sql` (one or more statements) or `Step::Rust` (a function over the
//!    open transaction, for a change that must read and rewrite data). It runs once per file,
//!    inside the upgrade's transaction: do not commit, do not use `IF NOT EXISTS` to paper over a
//!    wrong version, and fill new tables or columns from the rows already there.
//! 3. Never edit a step that has been released: files in the field have already run it. Change
//!    the result with a new step instead.
//! 4. If the step adds an object `audit --verify` must find (a table or a trigger that guards the
//!    record), list it in [`REQUIRED`] with the version that introduces it.
//! 5. Add to `tests/tools/journal_upgrade.rs` a check that the release fixture gains what the
//!    step adds. Two branches that both appended version N: whoever merges second renumbers theirs.

use super::JournalError;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::Path;

/// One step of the schema.
pub(super) struct Migration {
    pub version: u32,
    pub what: &'static str,
    pub step: Step,
}

pub(super) enum Step {
    Sql(&'static str),
    // For a step that must read and rewrite rows; none of the released steps needs one yet.
    #[allow(dead_code)]
    Rust(fn(&Transaction<'_>) -> rusqlite::Result<()>),
}

/// The journal's schema, oldest first.
pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        what: "the tables of release 0.1.0 (commit c896d3e): scans, alarms, station, and the audit \
               trail with its triggers. That release did not set user_version, so its files read as 0 \
               and this step, written with IF NOT EXISTS, adopts them as they are",
        step: Step::Sql(V1),
    },
    Migration {
        version: 2,
        what: "counters kept by triggers: scans per order and state (and duplicate alarms) in \
               order_counts, scans per order and second in scan_rate, so the scan panel's figures \
               cost the same with a hundred or a million scans in the order; filled from the rows \
               already there",
        step: Step::Sql(V2),
    },
    Migration {
        version: 3,
        what: "commissioning without scanning the table: a partial index finds the oldest pending \
               serial at once, another the open alarms; scans.unanswered marks serials whose \
               request went out without an answer (rows sent when the program stopped, and rows \
               tried more than once, are marked), so an 'already commissioned' refusal for them \
               counts as commissioned",
        step: Step::Sql(V3),
    },
    Migration {
        version: 4,
        what: "archiving: archived_serials keeps the GTIN and serial of every archived scan for \
               duplicate detection, audit_checkpoint names the row the audit chain continues from \
               once its start has been moved to an archive",
        step: Step::Sql(V4),
    },
    Migration {
        version: 5,
        what: "refused scans counted: alarms of an order (other than duplicates and the clock) \
               are kept in order_counts as 'refused', so the scan panel's figures add up \
               (scanned = accepted + refused + duplicates); an index lists an order's last alarms",
        step: Step::Sql(V5),
    },
    Migration {
        version: 6,
        what: "the line store's outbox: line_outbox keeps how far the scans are claimed line-wide, \
               line_conflicts the packs another station claimed first (written with IF NOT \
               EXISTS: test builds made them before they were a migration)",
        step: Step::Sql(V6),
    },
    Migration {
        version: 7,
        what: "label states of the station's own printers: print_runs (one row per print run) and \
               printed_labels (every serial put on a label, Allocated -> Sent -> Printed -> Verified \
               -> Commissioned or Voided, GTIN + serial unique) with triggers that refuse a move \
               backwards, a changed serial and a deleted record. Written with IF NOT EXISTS because \
               development builds of the printing code (never released) created these tables \
               themselves in files already at version 4; those are adopted as they are",
        step: Step::Sql(V7),
    },
];

/// The schema version this program writes and understands.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// Objects that guard the record: `audit --verify` reports a missing one as tampering, since
/// dropping a trigger is how rows would be changed without a trace. (name, type, from version)
pub(super) const REQUIRED: &[(&str, &str, u32)] = &[
    ("scans", "table", 1),
    ("alarms", "table", 1),
    ("station", "table", 1),
    ("audit", "table", 1),
    ("audit_never_updated", "trigger", 1),
    ("audit_never_deleted", "trigger", 1),
    ("audit_checkpoint", "table", 4),
    ("print_runs", "table", 7),
    ("printed_labels", "table", 7),
    ("printed_labels_forward_only", "trigger", 7),
    ("printed_labels_serial_fixed", "trigger", 7),
    ("printed_labels_never_deleted", "trigger", 7),
];

const V1: &str = "
CREATE TABLE IF NOT EXISTS scans (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    station   TEXT NOT NULL,
    operator  TEXT,
    order_id  TEXT NOT NULL,
    gtin      TEXT NOT NULL,
    batch     TEXT NOT NULL,
    expiry    TEXT NOT NULL,
    serial    TEXT NOT NULL,
    raw       TEXT NOT NULL,
    state     TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','commissioned','rejected','decommissioned')),
    reason    TEXT,
    attempts  INTEGER NOT NULL DEFAULT 0,
    updated   TEXT NOT NULL,
    UNIQUE (gtin, serial)
);
CREATE INDEX IF NOT EXISTS scans_state ON scans (state, gtin, batch, expiry, id);
CREATE INDEX IF NOT EXISTS scans_order ON scans (order_id, id);
CREATE TABLE IF NOT EXISTS alarms (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    order_id  TEXT,
    kind      TEXT NOT NULL,
    raw       TEXT NOT NULL,
    message   TEXT NOT NULL,
    acknowledged_at TEXT
);
CREATE TABLE IF NOT EXISTS station (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id         INTEGER PRIMARY KEY,
    at_utc     TEXT NOT NULL,
    utc_offset TEXT NOT NULL,
    station    TEXT NOT NULL,
    operator   TEXT,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL,
    old_value  TEXT,
    new_value  TEXT,
    reason     TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at_utc);
CREATE TRIGGER IF NOT EXISTS audit_never_updated BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit rows are never changed'); END;
CREATE TRIGGER IF NOT EXISTS audit_never_deleted BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit rows are never deleted'); END;
";

const V2: &str = "
CREATE TABLE order_counts (
    order_id TEXT NOT NULL,
    what     TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (order_id, what)
) WITHOUT ROWID;
CREATE INDEX order_counts_what ON order_counts (what);
INSERT INTO order_counts (order_id, what, n)
    SELECT order_id, state, COUNT(*) FROM scans GROUP BY order_id, state;
INSERT INTO order_counts (order_id, what, n)
    SELECT order_id, 'duplicate', COUNT(*) FROM alarms
    WHERE kind = 'duplicate' AND order_id IS NOT NULL GROUP BY order_id;
CREATE TABLE scan_rate (
    second   TEXT NOT NULL,
    order_id TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (second, order_id)
) WITHOUT ROWID;
CREATE TRIGGER scans_counted AFTER INSERT ON scans BEGIN
    INSERT INTO order_counts (order_id, what, n) VALUES (NEW.order_id, NEW.state, 1)
        ON CONFLICT (order_id, what) DO UPDATE SET n = n + 1;
    INSERT INTO scan_rate (second, order_id, n) VALUES (substr(NEW.at, 1, 19), NEW.order_id, 1)
        ON CONFLICT (second, order_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER scans_recounted AFTER UPDATE OF state ON scans WHEN OLD.state <> NEW.state BEGIN
    UPDATE order_counts SET n = n - 1 WHERE order_id = OLD.order_id AND what = OLD.state;
    DELETE FROM order_counts WHERE order_id = OLD.order_id AND what = OLD.state AND n <= 0;
    INSERT INTO order_counts (order_id, what, n) VALUES (NEW.order_id, NEW.state, 1)
        ON CONFLICT (order_id, what) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER scans_uncounted AFTER DELETE ON scans BEGIN
    UPDATE order_counts SET n = n - 1 WHERE order_id = OLD.order_id AND what = OLD.state;
    DELETE FROM order_counts WHERE order_id = OLD.order_id AND what = OLD.state AND n <= 0;
END;
CREATE TRIGGER duplicates_counted AFTER INSERT ON alarms
    WHEN NEW.kind = 'duplicate' AND NEW.order_id IS NOT NULL BEGIN
    INSERT INTO order_counts (order_id, what, n) VALUES (NEW.order_id, 'duplicate', 1)
        ON CONFLICT (order_id, what) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER duplicates_uncounted AFTER DELETE ON alarms
    WHEN OLD.kind = 'duplicate' AND OLD.order_id IS NOT NULL BEGIN
    UPDATE order_counts SET n = n - 1 WHERE order_id = OLD.order_id AND what = 'duplicate';
    DELETE FROM order_counts WHERE order_id = OLD.order_id AND what = 'duplicate' AND n <= 0;
END;
";

const V3: &str = "
CREATE INDEX scans_pending ON scans (id) WHERE state = 'pending';
CREATE INDEX alarms_open ON alarms (id) WHERE acknowledged_at IS NULL;
ALTER TABLE scans ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0;
UPDATE scans SET unanswered = 1 WHERE state = 'sent' OR (state = 'pending' AND attempts > 0);
";

/// Alarms that are no refused scan of an order: counted as duplicates (V2), found by the line
/// store for a scan that is also among the accepted, or about the station itself.
const V5: &str = "
CREATE INDEX alarms_order ON alarms (order_id, id);
INSERT INTO order_counts (order_id, what, n)
    SELECT order_id, 'refused', COUNT(*) FROM alarms
    WHERE order_id IS NOT NULL AND kind NOT IN ('duplicate', 'duplicate_line', 'late_duplicate', 'clock_skew')
    GROUP BY order_id;
CREATE TRIGGER refusals_counted AFTER INSERT ON alarms
    WHEN NEW.order_id IS NOT NULL
     AND NEW.kind NOT IN ('duplicate', 'duplicate_line', 'late_duplicate', 'clock_skew') BEGIN
    INSERT INTO order_counts (order_id, what, n) VALUES (NEW.order_id, 'refused', 1)
        ON CONFLICT (order_id, what) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER refusals_uncounted AFTER DELETE ON alarms
    WHEN OLD.order_id IS NOT NULL
     AND OLD.kind NOT IN ('duplicate', 'duplicate_line', 'late_duplicate', 'clock_skew') BEGIN
    UPDATE order_counts SET n = n - 1 WHERE order_id = OLD.order_id AND what = 'refused';
    DELETE FROM order_counts WHERE order_id = OLD.order_id AND what = 'refused' AND n <= 0;
END;
";

/// What `line_store::backlog` keeps beside the scans.
const V6: &str = "
CREATE TABLE IF NOT EXISTS line_outbox (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS line_conflicts (
    scan_id          INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('duplicate', 'late_duplicate')),
    gtin             TEXT NOT NULL,
    serial           TEXT NOT NULL,
    order_id         TEXT NOT NULL,
    scanned_at       TEXT NOT NULL,
    other_station    TEXT NOT NULL,
    other_pack       INTEGER NOT NULL,
    other_operator   TEXT,
    other_order_id   TEXT NOT NULL,
    other_scanned_at TEXT NOT NULL,
    found_at         TEXT NOT NULL,
    resolved_at      TEXT,
    resolved_by      TEXT,
    resolution       TEXT
);
";

const V4: &str = "
CREATE TABLE archived_serials (
    gtin     TEXT NOT NULL,
    serial   TEXT NOT NULL,
    first_at TEXT NOT NULL,
    PRIMARY KEY (gtin, serial)
) WITHOUT ROWID;
CREATE TABLE audit_checkpoint (
    only        INTEGER PRIMARY KEY CHECK (only = 1),
    row_id      INTEGER NOT NULL,
    row_hash    TEXT NOT NULL,
    archived_by INTEGER
);
";

const V7: &str = "
CREATE TABLE IF NOT EXISTS print_runs (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL,
    printer     TEXT NOT NULL,
    requested   INTEGER,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    end_reason  TEXT
);
CREATE TABLE IF NOT EXISTS printed_labels (
    id           INTEGER PRIMARY KEY,
    run_id       TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    printer      TEXT NOT NULL,
    gtin         TEXT NOT NULL,
    batch        TEXT NOT NULL,
    expiry       TEXT NOT NULL,
    serial       TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('allocated','sent','printed','verified','commissioned','voided')),
    reason       TEXT,
    allocated_at TEXT NOT NULL,
    sent_at      TEXT,
    printed_at   TEXT,
    verified_at  TEXT,
    updated_at   TEXT NOT NULL,
    UNIQUE (gtin, serial)
);
CREATE INDEX IF NOT EXISTS printed_labels_order ON printed_labels (order_id, state);
CREATE INDEX IF NOT EXISTS printed_labels_printer ON printed_labels (printer, state);
CREATE TRIGGER IF NOT EXISTS printed_labels_forward_only BEFORE UPDATE OF state ON printed_labels
    WHEN NOT (OLD.state = NEW.state
        OR (OLD.state = 'allocated' AND NEW.state IN ('sent', 'voided'))
        OR (OLD.state = 'sent' AND NEW.state IN ('printed', 'voided'))
        OR (OLD.state = 'printed' AND NEW.state IN ('verified', 'voided'))
        OR (OLD.state = 'verified' AND NEW.state IN ('commissioned', 'voided')))
    BEGIN SELECT RAISE(ABORT, 'a label state only moves forward (allocated, sent, printed, verified, commissioned) or ends voided'); END;
CREATE TRIGGER IF NOT EXISTS printed_labels_serial_fixed BEFORE UPDATE OF gtin, serial ON printed_labels
    BEGIN SELECT RAISE(ABORT, 'a label keeps its serial'); END;
CREATE TRIGGER IF NOT EXISTS printed_labels_never_deleted BEFORE DELETE ON printed_labels
    BEGIN SELECT RAISE(ABORT, 'label records are never deleted'); END;
";

/// What an upgrade did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upgraded {
    pub from: u32,
    pub to: u32,
}

/// The file's schema version.
pub(super) fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings the file to [`LATEST`], or refuses a newer one. Runs every missing step and the new
/// version number in one immediate transaction, so two processes never upgrade at once and a
/// failed step changes nothing.
pub(super) fn upgrade(conn: &mut Connection, path: &Path) -> Result<Upgraded, JournalError> {
    upgrade_with(conn, path, MIGRATIONS)
}

fn upgrade_with(conn: &mut Connection, path: &Path, steps: &[Migration]) -> Result<Upgraded, JournalError> {
    let latest = steps.len() as u32;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let from = version(&tx)?;
    if from > latest {
        return Err(JournalError::TooNew { path: path.to_path_buf(), found: from, supported: latest });
    }
    for m in steps.iter().filter(|m| m.version > from) {
        let done = match &m.step {
            Step::Sql(sql) => tx.execute_batch(sql),
            Step::Rust(f) => f(&tx),
        };
        done.map_err(|source| JournalError::Upgrade {
            path: path.to_path_buf(),
            from,
            to: latest,
            step: m.version,
            what: m.what.split(':').next().unwrap_or(m.what).to_string(),
            source,
        })?;
    }
    if from != latest {
        tx.pragma_update(None, "user_version", latest)?;
    }
    tx.commit()?;
    Ok(Upgraded { from, to: latest })
}

/// What is wrong with a file's guarding objects, one line each: missing, or not as this program
/// made them (a trigger replaced by one that lets changes through). Empty when all is in place.
pub(super) fn check_guards(conn: &Connection, file_version: u32) -> rusqlite::Result<Vec<String>> {
    let mut problems = Vec::new();
    for (name, kind, since) in REQUIRED.iter().filter(|(_, _, v)| *v <= file_version.max(1)) {
        let sql: Option<Option<String>> = conn
            .query_row("SELECT sql FROM sqlite_master WHERE type = ?1 AND name = ?2", [kind, name], |r| r.get(0))
            .map(Some)
            .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?;
        match sql {
            None => problems.push(format!("the {kind} {name} is missing (it is part of schema version {since})")),
            Some(sql) if *kind == "trigger" => {
                let expected = trigger_sql(name);
                if expected.map(|e| squash(&e)) != sql.map(|s| squash(&s)) {
                    problems.push(format!("the trigger {name} is not the one shopfloor made (it was replaced)"));
                }
            }
            Some(_) => {}
        }
    }
    Ok(problems)
}

/// The CREATE TRIGGER statement a migration wrote for `name`, as SQLite stores it (without
/// `IF NOT EXISTS` and the closing semicolon).
pub(super) fn trigger_sql(name: &str) -> Option<String> {
    MIGRATIONS.iter().find_map(|m| {
        let Step::Sql(sql) = m.step else { return None };
        ["CREATE TRIGGER IF NOT EXISTS ", "CREATE TRIGGER "].iter().find_map(|head| {
            let start = sql.find(&format!("{head}{name} "))? + head.len();
            let len = sql[start..].find("END;")? + "END".len();
            Some(format!("CREATE TRIGGER {}", &sql[start..start + len]))
        })
    })
}

/// SQL text compared without regard to its line breaks and indentation.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_one_by_one_and_say_what_they_do() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "migration {} is out of order", m.version);
            assert!(m.what.len() > 20, "migration {} needs a line on what it changes and why", m.version);
        }
        for (name, kind, since) in REQUIRED {
            assert!(*since <= LATEST, "{name} is required from a version that does not exist");
            if *kind == "trigger" {
                assert!(trigger_sql(name).is_some(), "no migration creates the trigger {name}");
            }
        }
    }

    fn fresh(dir: &tempfile::TempDir) -> (Connection, std::path::PathBuf) {
        let path = dir.path().join("j.db");
        (Connection::open(&path).unwrap(), path)
    }

    #[test]
    fn a_new_file_gets_every_step_and_a_second_open_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (mut c, path) = fresh(&dir);
        assert_eq!(upgrade(&mut c, &path).unwrap(), Upgraded { from: 0, to: LATEST });
        assert_eq!(version(&c).unwrap(), LATEST);
        assert!(check_guards(&c, LATEST).unwrap().is_empty());
        assert_eq!(upgrade(&mut c, &path).unwrap(), Upgraded { from: LATEST, to: LATEST });
    }

    #[test]
    fn a_newer_file_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (mut c, path) = fresh(&dir);
        c.pragma_update(None, "user_version", LATEST + 1).unwrap();
        let e = upgrade(&mut c, &path).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("newer") && text.contains(&format!("version {}", LATEST + 1)), "{text}");
        assert_eq!(version(&c).unwrap(), LATEST + 1);
        let tables: i64 = c.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0, "nothing was created in a file this program does not understand");
    }

    #[test]
    fn a_failing_step_leaves_the_file_as_it_was() {
        fn boom(tx: &Transaction<'_>) -> rusqlite::Result<()> {
            tx.execute_batch("CREATE TABLE half_done (x); SELECT * FROM no_such_table;")
        }
        let steps = [
            Migration { version: 1, what: "the baseline", step: Step::Sql(V1) },
            Migration { version: 2, what: "a step that fails half-way", step: Step::Rust(boom) },
        ];
        let dir = tempfile::tempdir().unwrap();
        let (mut c, path) = fresh(&dir);
        let e = upgrade_with(&mut c, &path, &steps).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("step 2") && text.contains("Nothing was changed"), "{text}");
        assert_eq!(version(&c).unwrap(), 0);
        let n: i64 = c.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0, "not even step 1 stayed");
    }

    #[test]
    fn a_dropped_or_replaced_trigger_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let (mut c, path) = fresh(&dir);
        upgrade(&mut c, &path).unwrap();
        c.execute_batch("DROP TRIGGER audit_never_deleted").unwrap();
        c.execute_batch("DROP TRIGGER audit_never_updated; CREATE TRIGGER audit_never_updated BEFORE UPDATE ON audit BEGIN SELECT 1; END;").unwrap();
        let p = check_guards(&c, LATEST).unwrap();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("audit_never_updated") && p[0].contains("replaced"), "{p:?}");
        assert!(p[1].contains("audit_never_deleted") && p[1].contains("missing"), "{p:?}");
    }
}
