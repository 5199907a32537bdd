//! Signatures in a real journal file: a signed record is followed by its signature row, which
//! carries the record's id and hash; `shopfloor audit` shows the signer's name, the time and the
//! meaning in every format; and a signature copied onto another record is found by `--verify`
//! even when the chain's hashes were recomputed after the edit.

use shopfloor::domain::audit::{actions, Entry, NewEntry, Signed};
use shopfloor::scan::journal::{Actor, Journal, NewScan};
use std::path::Path;
use std::process::Command;

fn scan(serial: &str) -> NewScan {
    NewScan {
        at: "2026-11-21T10:00:00.000Z".into(),
        station: "line-1".into(),
        operator: Some("op-1".into()),
        order_id: "Order143".into(),
        gtin: "02022090117459".into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: serial.into(),
        raw: format!("]d2...21{serial}"),
    }
}

fn signature() -> Signed {
    Signed {
        signer: "sup-1".into(),
        name: "Sam Sousa".into(),
        role: "supervisor".into(),
        meaning: "approved".into(),
        action: "decommission".into(),
        summary: "Decommission 02022090117459 serial SN-1 (Sampled)".into(),
        order: Some("Order143".into()),
        signed_with: "badge and PIN".into(),
        reason: Some("retained sample".into()),
        ..Default::default()
    }
}

/// Rows: 1-2 accepted scans, 3 SN-1 decommissioned (signed), 4 its signature, 5 SN-2
/// decommissioned (not signed), 6 an operator signing out.
fn journal(path: &Path) {
    let mut j = Journal::open(path).unwrap();
    j.append(&[scan("SN-1"), scan("SN-2")]).unwrap();
    let actor = Actor { station: "line-1".into(), operator: Some("op-1".into()) };
    let signed = NewEntry::new(actions::SERIAL_DECOMMISSIONED, "02022090117459/SN-1")
        .by("line-1", Some("op-1"))
        .reason("Sampled")
        .signed(Some(signature()));
    j.audit(&signed).unwrap();
    j.audit(&NewEntry::new(actions::SERIAL_DECOMMISSIONED, "02022090117459/SN-2").by(&actor.station, Some("op-1")))
        .unwrap();
    j.audit(&NewEntry::new(actions::OPERATOR_SIGNED_OUT, "op-1").by("line-1", Some("op-1"))).unwrap();
}

fn shopfloor(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_shopfloor")).args(args).output().unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

fn rows(path: &Path) -> Vec<Entry> {
    Journal::open_existing(path).unwrap().audit_entries(&Default::default()).unwrap()
}

#[test]
fn a_signature_row_follows_its_record_and_is_shown_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    journal(&path);
    let all = rows(&path);
    let (record, sig) = (&all[2], &all[3]);
    assert_eq!((record.action.as_str(), sig.action.as_str()), (actions::SERIAL_DECOMMISSIONED, actions::SIGNATURE));
    let s = Signed::of(sig).unwrap();
    assert_eq!((s.record, s.record_hash.as_str()), (record.id, record.hash.as_str()));
    assert_eq!(sig.operator.as_deref(), Some("sup-1"));
    assert_eq!(sig.reason.as_deref(), Some("retained sample"));
    assert!(sig.at_utc.ends_with('Z'), "the time is in UTC");

    let p = path.to_str().unwrap();
    let (code, table) = shopfloor(&["audit", "--journal", p]);
    assert_eq!(code, 0, "{table}");
    let line = table.lines().find(|l| l.contains("SIGNED")).unwrap_or_else(|| panic!("{table}"));
    assert!(
        line.contains("Sam Sousa (sup-1, supervisor, badge and PIN)")
            && line.contains("meaning: approved")
            && line.contains("for row 3"),
        "{line}"
    );
    let (_, csv) = shopfloor(&["audit", "--journal", p, "--format", "csv"]);
    assert!(csv.lines().next().unwrap().ends_with(",signer_name,meaning,signs_row,signer_role,signed_with"), "{csv}");
    assert!(csv.lines().any(|l| l.ends_with(",Sam Sousa,approved,3,supervisor,badge and PIN")), "{csv}");
    let (_, json) = shopfloor(&["audit", "--journal", p, "--format", "json"]);
    let sig: serde_json::Value = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["action"] == "signature")
        .unwrap();
    assert_eq!(sig["signature"]["name"], "Sam Sousa");
    assert_eq!(sig["signature"]["meaning"], "approved");
    assert_eq!(sig["signature"]["signs_row"], 3);
    assert!(sig["at_utc"].as_str().unwrap().ends_with('Z'));
    let (code, ok) = shopfloor(&["audit", "--journal", p, "--verify"]);
    assert_eq!(code, 0, "{ok}");
}

/// Rewrites rows from `from` on as a forger would: the guarding triggers dropped and put back,
/// each row's fields set by `edit`, and every hash from there on recomputed so the chain links.
fn forge(path: &Path, from: i64, edit: impl Fn(&mut Entry)) {
    let all = rows(path);
    let conn = rusqlite::Connection::open(path).unwrap();
    let triggers: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (name, _) in &triggers {
        conn.execute(&format!("DROP TRIGGER {name}"), []).unwrap();
    }
    let mut prev = all.iter().find(|r| r.id == from - 1).unwrap().hash.clone();
    for mut r in all.into_iter().filter(|r| r.id >= from) {
        if r.id == from {
            edit(&mut r);
        }
        r.prev_hash = prev;
        r.hash = r.expected_hash();
        conn.execute(
            "UPDATE audit SET operator = ?2, action = ?3, object = ?4, old_value = ?5, new_value = ?6, reason = ?7,
             prev_hash = ?8, hash = ?9 WHERE id = ?1",
            rusqlite::params![
                r.id,
                r.operator,
                r.action,
                r.object,
                r.old_value,
                r.new_value,
                r.reason,
                r.prev_hash,
                r.hash
            ],
        )
        .unwrap();
        prev = r.hash;
    }
    for (_, sql) in &triggers {
        conn.execute(sql, []).unwrap();
    }
}

#[test]
fn a_signature_copied_onto_another_record_is_found_even_with_the_chain_recomputed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    journal(&path);
    let sig = rows(&path)[3].clone();
    // Row 6 (after SN-2's unsigned decommissioning) becomes a copy of the signature of row 3:
    // SN-2 now looks signed by sup-1.
    forge(&path, 6, |r| {
        r.operator = sig.operator.clone();
        r.action = sig.action.clone();
        r.object = sig.object.clone();
        r.old_value = sig.old_value.clone();
        r.new_value = sig.new_value.clone();
        r.reason = sig.reason.clone();
    });
    let p = path.to_str().unwrap();
    let (code, out) = shopfloor(&["audit", "--journal", p, "--verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN at row 6") && out.contains("signature (by sup-1, approved)"), "{out}");
    assert!(out.contains("signed row 3"), "{out}");

    // The same, with the copy pointed at the record before it: its record hash still gives it away.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    journal(&path);
    forge(&path, 6, |r| {
        let mut s = Signed::of(&sig).unwrap();
        s.record = 5;
        let e = s.entry("line-1", 5, &s.record_hash.clone());
        r.operator = e.operator;
        r.action = e.action;
        r.object = e.object;
        r.new_value = e.new_value;
        r.reason = e.reason;
    });
    let p = path.to_str().unwrap();
    let (code, out) = shopfloor(&["audit", "--journal", p, "--verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN at row 6") && out.contains("was moved or altered"), "{out}");
}
