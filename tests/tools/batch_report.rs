//! `shopfloor report --order ID` on a journal the real stack wrote: the demo dashboard in a
//! pseudo-terminal scans packs of Order143 (commissioned by the simulator), a duplicate and a
//! wrong batch (alarms acknowledged with F9); then what the screens of other tests drive — a
//! decommission, a refusal by the service, printed and voided labels — and signature rows as
//! the signature step writes them are added through the library. The report shows it all in
//! table, CSV and JSON, and lists only the signatures concerning the order.

use crate::common::pty::Pty;
use shopfloor::domain::audit::{actions, NewEntry};
use shopfloor::printing::store::{self, Actor as LabelActor, LabelState, LabelStore, NewLabel};
use shopfloor::scan::journal::{Actor, Journal, NewScan, State};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const GTIN: &str = "02022090117459";

fn report(journal: &Path, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_shopfloor"))
        .args(["report", "--order", "Order143", "--journal", journal.to_str().unwrap(), "--format", format])
        .env("TZ", "Europe/Stockholm")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The demo station scans four packs, one of them twice, and one of a wrong batch.
fn run_the_demo(home: &Path) -> Vec<String> {
    let h = home.to_str().unwrap();
    let mut pty = Pty::spawn(&["--demo"], &[("HOME", h), ("XDG_DATA_HOME", h)], 80, 24);
    pty.wait_text("● active Order143");
    pty.send(b"\x1b[15~"); // F5
    pty.wait_text("READY");
    let codes = shopfloor::sim::demo_scans("Order143", 4, 7).unwrap();
    for c in &codes {
        pty.type_keys(&format!("{c}\r"));
    }
    pty.wait_for("all commissioned", Duration::from_secs(30), |s| s.contains("Commissioned 4 "));
    pty.type_keys(&format!("{}\r", codes[0]));
    pty.wait_text("DUPLICATE");
    pty.send(b"\x1b[20~"); // F9 acknowledges
    pty.wait_text("Alarm acknowledged");
    pty.type_keys("(01)02022090117459(17)290512(10)B2405122(21)WRONGBATCH1\r");
    pty.wait_text("WRONG BATCH");
    pty.send(b"\x1b[20~");
    pty.wait_text("Alarm acknowledged");
    pty.send(b"\x11");
    assert_eq!(pty.wait_exit(Duration::from_secs(20)), 0, "{}", pty.screen());
    codes.iter().map(|c| c.rsplit("\u{1d}21").next().unwrap().to_string()).collect()
}

fn audit_id(j: &Path, action: &str, object: &str) -> i64 {
    let c = rusqlite::Connection::open(j).unwrap();
    c.query_row("SELECT id FROM audit WHERE action = ?1 AND object = ?2 ORDER BY id LIMIT 1", [action, object], |r| {
        r.get(0)
    })
    .unwrap()
}

/// A signature row as the signature step writes it (the lead's issue 15 items 2–3).
fn signature(record: i64, order: Option<&str>, meaning: &str, summary: &str, reason: Option<&str>) -> NewEntry {
    let json = serde_json::json!({
        "signer": "sup-1", "name": "Sam Super", "role": "supervisor", "meaning": meaning,
        "action": "decommission", "record": record, "record_hash": "0".repeat(64), "order": order,
        "summary": summary,
    });
    let mut e = NewEntry::new("signature", format!("audit #{record}"))
        .by("demo-station-1", Some("sup-1"))
        .change(None, Some(json.to_string()));
    e.reason = reason.map(String::from);
    e
}

#[test]
fn the_batch_release_report_shows_an_orders_packs_labels_alarms_and_signatures() {
    let home = tempfile::tempdir().unwrap();
    let serials = run_the_demo(home.path());
    let path = home.path().join("shopfloor/demo/journal.db");

    let mut j = Journal::open(&path).unwrap();
    let sup = Actor { station: "demo-station-1".into(), operator: Some("sup-1".into()) };
    let sampled = j.find_scan(GTIN, &serials[1]).unwrap().unwrap();
    j.decommissioned(sampled.id, "Sampled", &sup).unwrap();
    // A pack the service refuses.
    let refused = NewScan {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        station: "demo-station-1".into(),
        operator: None,
        order_id: "Order143".into(),
        gtin: GTIN.into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: "=REFUSED1".into(),
        raw: "x".into(),
    };
    j.append(&[refused]).unwrap();
    let b = j.take_batch(10).unwrap().unwrap();
    j.mark(&[b.rows[0].0], State::Rejected, Some("Serial not in the order's range")).unwrap();
    // Signatures: one naming the order, one whose signed record (a scan of the order) names it,
    // one of another order.
    let decommission_row = audit_id(&path, actions::SERIAL_DECOMMISSIONED, &format!("{GTIN}/{}", serials[1]));
    let scan_row = audit_id(&path, actions::SCAN_ACCEPTED, &format!("{GTIN}/{}", serials[2]));
    j.audit(&signature(
        decommission_row,
        Some("Order143"),
        "approved",
        &format!("decommission {} (Sampled)", serials[1]),
        Some("QC sample"),
    ))
    .unwrap();
    j.audit(&signature(scan_row, None, "reviewed", "accepted scan reviewed", None)).unwrap();
    j.audit(&signature(1, Some("PO-2611-001"), "approved", "another order", None)).unwrap();
    drop(j);
    // Labels: two printed, one verified, one voided after printing.
    let labels = LabelStore::open(&path).unwrap();
    let actor = LabelActor { station: "demo-station-1".into(), operator: None };
    labels
        .write_now(|c| {
            store::start_run(c, "r1", "Order143", "zebra-1", Some(2), &actor)?;
            let mut ids = Vec::new();
            for serial in ["L1", "L2"] {
                let l = NewLabel {
                    run_id: "r1",
                    order_id: "Order143",
                    printer: "zebra-1",
                    gtin: GTIN,
                    batch: "B2405121",
                    expiry: "290512",
                    serial,
                };
                ids.push(store::allocate(c, &l, &actor)?.unwrap().id);
            }
            for id in &ids {
                store::transition(c, *id, LabelState::Sent, None, &actor)?;
                store::transition(c, *id, LabelState::Printed, None, &actor)?;
            }
            store::transition(c, ids[0], LabelState::Verified, None, &actor)?;
            store::transition(c, ids[1], LabelState::Voided, Some("smudged"), &actor)?;
            Ok(())
        })
        .unwrap();
    drop(labels);
    // The voided label was found and removed, and someone said so.
    let mut j = Journal::open(&path).unwrap();
    let removed = NewEntry::new(shopfloor::domain::audit::actions::LABELS_REMOVAL_CONFIRMED, "Order143")
        .by("demo-station-1", Some("op-1"))
        .change(None, Some("L2".into()))
        .reason("1 voided labels found and removed");
    j.audit(&removed).unwrap();
    drop(j);

    let table = report(&path, "table");
    assert!(!table.contains("Nothing is recorded for order"), "{table}");
    let out = Command::new(env!("CARGO_BIN_EXE_shopfloor"))
        .args(["report", "--order", "order143", "--journal", path.to_str().unwrap()])
        .output()
        .unwrap();
    let mistyped = String::from_utf8_lossy(&out.stdout);
    assert!(mistyped.contains("Nothing is recorded for order order143"), "a mistyped id is said so:\n{mistyped}");
    assert!(table.contains("1 voided label(s) confirmed found and removed"), "{table}");
    assert!(table.contains("every voided label is confirmed removed"), "{table}");
    for line in [
        "Batch-release report: order Order143",
        "Times in Europe/Stockholm",
        "  scanned                            7\n    accepted                         5\n      commissioned                   3\n      decommissioned                 1\n      refused by the service         1\n      waiting for the service        0\n    refused at the station           1\n    duplicates                       1\n",
        "  Sampled                            1",
        "  printed 2 = verified 1 + voided 1 + waiting 0",
        "  Sam Super (sup-1, supervisor)\n      approved: decommission\n",
        "      reason: QC sample",
        "      reviewed: decommission",
    ] {
        assert!(table.contains(line), "{line:?} in\n{table}");
    }
    assert!(table.contains("=REFUSED1\n      Serial not in the order's range"), "{table}");
    assert!(table.contains(&format!("{GTIN}/{}\n      scanned twice here", serials[0])), "{table}");
    assert!(table.contains("smudged"), "{table}");
    assert!(
        table.contains("  demo-station-1  duplicate\n") && table.contains("  demo-station-1  wrong_batch\n"),
        "both alarms:\n{table}"
    );
    assert!(table.lines().all(|l| l.chars().count() <= 80 || !l.contains(' ')), "wrapped at 80 columns:\n{table}");
    assert_eq!(table.matches("acknowledged ").count(), 2, "{table}");
    assert!(table.contains("by nobody signed in"), "the demo has nobody signed in:\n{table}");
    assert!(!table.contains("another order"), "{table}");
    assert!(table.contains(" +01:00") || table.contains(" +02:00"), "times in Stockholm's local time:\n{table}");

    let csv = report(&path, "csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("order,section,at_utc,what,count,station,gtin,serial,who,meaning,reason,acknowledged_at_utc,detail")
    );
    assert!(csv.contains("Order143,packs,,commissioned,3,"), "{csv}");
    assert!(csv.contains("Order143,decommissioned,,decommissioned,1,,,,,,Sampled,,"), "{csv}");
    assert!(csv.contains("\"'=REFUSED1\""), "a serial a spreadsheet would run is text: {csv}");
    let sig = csv.lines().find(|l| l.contains(",signature,") && l.contains("approved")).unwrap();
    assert!(
        sig.contains("Z,decommission,1,demo-station-1,,,\"sup-1 (Sam Super, supervisor)\",approved,QC sample"),
        "{sig}"
    );
    assert_eq!(csv.lines().filter(|l| l.contains(",signature,")).count(), 2);
    assert_eq!(csv.lines().filter(|l| l.contains(",alarm,")).count(), 2);

    let v: serde_json::Value = serde_json::from_str(&report(&path, "json")).unwrap();
    assert_eq!(v["order_id"], "Order143");
    assert_eq!(v["packs"]["commissioned"], 3);
    assert_eq!(v["packs"]["refused_by_service"], 1);
    assert_eq!(v["decommissioned"][0]["reason"], "Sampled");
    assert_eq!(v["refused_by_service"][0]["reason"], "Serial not in the order's range");
    assert_eq!(v["duplicates"][0]["kind"], "duplicate");
    assert_eq!(v["labels"]["voided_labels"][0]["reason"], "smudged");
    assert_eq!(v["labels"]["removals"][0]["serials"][0], "L2");
    assert!(csv.contains(",labels_removed,"), "{csv}");
    let sigs = v["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert_eq!(sigs[0]["record"], decommission_row);
    assert_eq!(sigs[1]["record"], scan_row);
    assert!(sigs[0]["at_utc"].as_str().unwrap().ends_with('Z'), "UTC in JSON");
    assert!(v["alarms"].as_array().unwrap().iter().all(|a| a["acknowledged_at_utc"].is_string()));

    // The report reads and never writes: the trail still verifies, and a missing file is named.
    let out = Command::new(env!("CARGO_BIN_EXE_shopfloor"))
        .args(["report", "--order", "Order143", "--journal", home.path().join("none.db").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no journal"));
}

/// Two stations of one line copy their trails to a real PostgreSQL line store; with
/// `[line_store]` in the config, `report` reads the whole line from it.
#[test]
fn with_a_line_store_the_report_covers_every_station_of_the_line() {
    use crate::common::pg::Pg;
    use shopfloor::line_store::LineStore;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;
    const A: &str = "line-1-station-a";
    const B: &str = "line-1-station-b";
    let pg = Pg::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(pg.init(&[A, B]));
    let dir = tempfile::tempdir().unwrap();
    let scan = |station: &str, serial: &str| NewScan {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        station: station.into(),
        operator: Some("op-1".into()),
        order_id: "Order143".into(),
        gtin: GTIN.into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: serial.into(),
        raw: serial.into(),
    };
    let mut stations = Vec::new();
    for (name, serials) in [(A, ["A1", "A2"]), (B, ["B1", "B2"])] {
        let path = dir.path().join(format!("{name}.db"));
        let mut j = Journal::open(&path).unwrap();
        j.append(&serials.iter().map(|s| scan(name, s)).collect::<Vec<_>>()).unwrap();
        stations.push((name, path, j));
    }
    // Station a decommissions a pack, with a signature naming the order; station b has an
    // alarm, acknowledged, and the service refuses one of its packs.
    {
        let (_, path_a, j) = &mut stations[0];
        let a1 = j.find_scan(GTIN, "A1").unwrap().unwrap();
        j.decommissioned(a1.id, "Destroyed", &Actor { station: A.into(), operator: Some("sup-1".into()) }).unwrap();
        let row = audit_id(path_a, actions::SERIAL_DECOMMISSIONED, &format!("{GTIN}/A1"));
        let mut sig = signature(row, Some("Order143"), "approved", "decommission A1 (Destroyed)", Some("crushed"));
        sig.station = A.into();
        j.audit(&sig).unwrap();
    }
    {
        let (_, _, j) = &mut stations[1];
        let b = j.take_batch(10).unwrap().unwrap();
        j.mark(&[b.rows[0].0], State::Rejected, Some("Serial unknown")).unwrap();
        let alarm = shopfloor::scan::journal::Alarm {
            order_id: Some("Order143".into()),
            kind: "wrong_batch".into(),
            raw: "(10)X".into(),
            message: "This pack is batch X".into(),
        };
        let actor = Actor { station: B.into(), operator: Some("op-2".into()) };
        j.record_alarm(&alarm, &actor).unwrap();
        j.acknowledge_alarms(&actor).unwrap();
    }
    // Each station copies its trail to the store.
    rt.block_on(async {
        let admin = pg.admin().await;
        for (name, path, j) in stations.drain(..) {
            let local: i64 = rusqlite::Connection::open(&path)
                .unwrap()
                .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
                .unwrap();
            let j = Arc::new(Mutex::new(j));
            let sink: shopfloor::line_store::AuditSink = Arc::new(move |e| j.lock().unwrap().audit(&e).unwrap());
            let (store, _events) = LineStore::start(&pg.config(name, name, "line-1"), &path, sink).unwrap();
            store.audit_written();
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let n: i64 = admin
                    .query_one("SELECT count(*) FROM shopfloor.audit WHERE chain = $1", &[&name])
                    .await
                    .unwrap()
                    .get(0);
                if n >= local {
                    break;
                }
                assert!(Instant::now() < deadline, "{name}'s audit rows were not copied: {n} of {local}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            store.stop().await;
        }
        // A late duplicate on the line's list, resolved by QA.
        admin
            .batch_execute(
                "INSERT INTO shopfloor.late_duplicates (gtin, serial, station, pack, operator, order_id, scanned_at,
                     first_station, first_pack, first_operator, first_order_id, first_scanned_at, resolved_at,
                     resolved_by, resolution)
                 VALUES ('02022090117459', 'LD1', 'line-1-station-b', 99, 'op-2', 'Order143', now(),
                     'line-1-station-a', 5, 'op-1', 'Order143', now(), now(), 'qa-1', 'pack destroyed')",
            )
            .await
            .unwrap();
    });

    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("{}\n{}", shopfloor::config::EXAMPLE, pg.section(A))).unwrap();
    let run = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_shopfloor"))
            .arg("--config")
            .arg(&config)
            .args(["report", "--order", "Order143", "--format", format])
            .env("SHOPFLOOR_MANUFACTURER_TOKEN", "t")
            .env("SHOPFLOOR_MANUFACTURER_CHANNEL_KEY", "c")
            .env("SHOPFLOOR_PRODUCTION_API_KEY", "k")
            .env("SHOPFLOOR_PRODUCTION_STORE", "s")
            .env("HOME", dir.path())
            .env("TZ", "UTC")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let v: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    assert!(v["source"].as_str().unwrap().starts_with("line store"), "{v}");
    assert_eq!(v["packs"]["accepted"], 4, "both stations' packs: {v}");
    assert_eq!(v["packs"]["decommissioned"], 1);
    assert_eq!(v["packs"]["refused_by_service"], 1);
    assert_eq!(v["packs"]["commissioned"], 2);
    assert_eq!(v["packs"]["refused_at_station"], 1);
    assert_eq!(v["alarms"][0]["station"], B);
    assert_eq!(v["alarms"][0]["acknowledged_by"], "op-2");
    assert_eq!(v["signatures"][0]["station"], A);
    assert_eq!(v["signatures"][0]["reason"], "crushed");
    let late = &v["duplicates"].as_array().unwrap().iter().find(|d| d["kind"] == "late_duplicate").unwrap().clone();
    assert_eq!(late["serial"], "LD1");
    assert!(late["resolution"].as_str().unwrap().starts_with("pack destroyed (by qa-1, "), "{late}");
    let table = run("table");
    assert!(table.contains("Note: From the line store"), "{table}");
    assert!(table.contains("Destroyed") && table.contains("Serial unknown"), "{table}");
    let csv = run("csv");
    assert!(csv.contains(",signature,") && csv.contains(",alarm,"), "{csv}");
}

/// A line store that does not answer: the report is this station's, and says so.
#[test]
fn an_unreachable_line_store_leaves_the_stations_own_report_with_a_note() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let mut j = Journal::open(&data.join("shopfloor/journal.db")).unwrap();
    let scan = NewScan {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        station: "line-1-station-a".into(),
        operator: None,
        order_id: "Order143".into(),
        gtin: GTIN.into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: "S1".into(),
        raw: "S1".into(),
    };
    j.append(&[scan]).unwrap();
    drop(j);
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = home.path().join("config.toml");
    let section = format!(
        "[line_store]\nurl = \"postgres://line-1-station-a@127.0.0.1:{port}/postgres\"\nsslmode = \"disable\"\n"
    );
    std::fs::write(&config, format!("{}\n{section}", shopfloor::config::EXAMPLE)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_shopfloor"))
        .arg("--config")
        .arg(&config)
        .args(["report", "--order", "Order143"])
        .env("SHOPFLOOR_MANUFACTURER_TOKEN", "t")
        .env("SHOPFLOOR_MANUFACTURER_CHANNEL_KEY", "c")
        .env("SHOPFLOOR_PRODUCTION_API_KEY", "k")
        .env("SHOPFLOOR_PRODUCTION_STORE", "s")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", &data)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stderr.contains("warning: The line store could not be read"), "{stderr}");
    assert!(stdout.contains("Note: The line store could not be read"), "{stdout}");
    assert!(stdout.contains("this station's packs only"), "{stdout}");
    assert!(stdout.contains("From the journal"), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("    accepted") && l.ends_with(" 1")), "{stdout}");
}
