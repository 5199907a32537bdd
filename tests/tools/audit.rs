//! The audit trail in a real SQLite file: each journal action writes its row, rows cannot be
//! changed through SQL, `shopfloor audit` prints and filters them (CSV safe for spreadsheets),
//! and a byte edited in the file makes `--verify` fail naming the row.

use shopfloor::domain::audit::{actions, NewEntry};
use shopfloor::scan::journal::{Actor, Alarm, Journal, NewScan};
use std::path::Path;
use std::process::Command;

fn scan(serial: &str, operator: &str) -> NewScan {
    NewScan {
        at: "2026-11-21T10:00:00.000Z".into(),
        station: "line-1".into(),
        operator: Some(operator.into()),
        order_id: "Order143".into(),
        gtin: "02022090117459".into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: serial.into(),
        raw: format!("]d2...21{serial}"),
    }
}

fn actor(op: &str) -> Actor {
    Actor { station: "line-1".into(), operator: Some(op.into()) }
}

/// A journal with one row of each kind the journal writes itself, plus two the app sends.
fn journal_with_rows(path: &Path) {
    let mut j = Journal::open(path).unwrap();
    j.audit(&NewEntry::new(actions::OPERATOR_SIGNED_IN, "op-1").by("line-1", Some("op-1"))).unwrap();
    j.append(&[scan("SN-0001", "op-1"), scan("SN-TAMPER", "op-1")]).unwrap();
    let alarm = Alarm {
        order_id: Some("Order143".into()),
        kind: "unreadable".into(),
        raw: "=HYPERLINK(\"http://x\",\"click\")".into(),
        message: "not a GS1 code".into(),
    };
    j.record_alarm(&alarm, &actor("op-1")).unwrap();
    j.acknowledge_alarms(&actor("op-1")).unwrap();
    let rows = j.take_batch(10).unwrap().unwrap().rows;
    j.mark(&[rows[0].0], shopfloor::scan::journal::State::Commissioned, None).unwrap();
    j.mark(&[rows[1].0], shopfloor::scan::journal::State::Rejected, Some("Serial unknown")).unwrap();
    j.decommissioned(rows[0].0, "Destroyed", &actor("op-2")).unwrap();
    j.audit(&NewEntry::new(actions::KIOSK_PIN_FAILED, "station").by("line-1", Some("op-2")).reason("wrong PIN"))
        .unwrap();
}

fn shopfloor(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_shopfloor")).args(args).output().unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn each_action_writes_its_row_and_rows_cannot_be_changed_by_sql() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    journal_with_rows(&path);
    let j = Journal::open_existing(&path).unwrap();
    let rows = j.audit_entries(&Default::default()).unwrap();
    let got: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        got,
        [
            actions::OPERATOR_SIGNED_IN,
            actions::SCAN_ACCEPTED,
            actions::SCAN_ACCEPTED,
            actions::SCAN_REJECTED,
            actions::ALARM_ACKNOWLEDGED,
            actions::SERIAL_REJECTED,
            actions::SERIAL_DECOMMISSIONED,
            actions::KIOSK_PIN_FAILED,
        ]
    );
    let decommissioned = &rows[6];
    assert_eq!(decommissioned.reason.as_deref(), Some("Destroyed"));
    assert_eq!(decommissioned.operator.as_deref(), Some("op-2"));
    assert_eq!(
        (decommissioned.old_value.as_deref(), decommissioned.new_value.as_deref()),
        (Some("commissioned"), Some("decommissioned"))
    );
    assert!(rows.iter().all(|r| r.at_utc.ends_with('Z') && r.utc_offset.len() == 6), "UTC time and offset");
    assert_eq!(j.verify_audit().unwrap(), Ok(8));
    drop(j);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let e = conn.execute("UPDATE audit SET operator = 'someone' WHERE id = 2", []).unwrap_err();
    assert!(e.to_string().contains("never changed"), "{e}");
    let e = conn.execute("DELETE FROM audit WHERE id = 2", []).unwrap_err();
    assert!(e.to_string().contains("never deleted"), "{e}");
}

#[test]
fn the_command_prints_filters_and_writes_spreadsheet_safe_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    journal_with_rows(&path);
    let p = path.to_str().unwrap();
    let (code, table) = shopfloor(&["audit", "--journal", p]);
    assert_eq!(code, 0, "{table}");
    assert!(table.contains("serial.decommissioned") && table.contains("(Destroyed)"), "{table}");
    let (_, mine) = shopfloor(&["audit", "--journal", p, "--operator", "op-2", "--format", "json"]);
    let lines: Vec<serde_json::Value> = mine.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{mine}");
    assert!(lines.iter().all(|l| l["operator"] == "op-2"));
    let (_, none) = shopfloor(&["audit", "--journal", p, "--since", "2999-01-01"]);
    assert!(none.contains("no audit rows match"), "{none}");
    let (code, bad) = shopfloor(&["audit", "--journal", p, "--since", "yesterday"]);
    assert!(code == 2 && bad.contains("is not a time"), "{bad}");

    let (_, csv) = shopfloor(&["audit", "--journal", p, "--format", "csv"]);
    let formula = csv.lines().find(|l| l.contains("HYPERLINK")).unwrap();
    assert!(formula.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\","), "{formula}");
    assert!(
        csv.lines().skip(1).all(|l| !l.split(',').any(|f| f.starts_with(['=', '+', '-', '@']))),
        "no field starts a formula: {csv}"
    );
}

#[test]
fn a_byte_edited_in_the_file_is_found_and_its_row_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    journal_with_rows(&path);
    let p = path.to_str().unwrap();
    let (code, ok) = shopfloor(&["audit", "--journal", p, "--verify"]);
    assert_eq!(code, 0, "{ok}");
    assert!(ok.contains("intact: 8 rows"), "{ok}");

    // Row 3 accepted SN-TAMPER: its object ("GTIN/serial") and new value ("order …") sit side
    // by side in the file, which no other row's do. One letter of the order id changes.
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = b"02022090117459/SN-TAMPERorder Order143";
    let at = bytes.windows(needle.len()).position(|w| w == needle).expect("the row's text is in the file");
    assert_eq!(bytes.windows(needle.len()).filter(|w| *w == needle).count(), 1);
    bytes[at + needle.len() - 3] = b'9';
    std::fs::write(&path, &bytes).unwrap();

    let (code, broken) = shopfloor(&["audit", "--journal", p, "--verify"]);
    assert_eq!(code, 1, "{broken}");
    assert!(broken.contains("BROKEN at row 3"), "{broken}");
    assert!(broken.contains("was edited"), "{broken}");
}

#[test]
fn a_missing_journal_is_named() {
    let (code, text) = shopfloor(&["audit", "--journal", "/nonexistent/journal.db"]);
    assert_eq!(code, 2);
    assert!(text.contains("no journal at /nonexistent/journal.db"), "{text}");
}
