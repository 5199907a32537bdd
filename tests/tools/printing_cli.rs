//! The printing commands of the real binary: `sim --printer` (a fake Zebra printer and its
//! config block), `printer status` and `printer test` against it, `check-config` on printer
//! settings, and `labels --order` on a real journal.

use shopfloor::printing::store::{self, Actor, LabelState, LabelStore, NewLabel};
use shopfloor::sim::{self, SimOptions};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_shopfloor");

fn shopfloor(home: &Path) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("SHOPFLOOR_") {
            c.env_remove(k);
        }
    }
    c.env("HOME", home).env("XDG_CONFIG_HOME", home.join("config")).env("XDG_DATA_HOME", home.join("data"));
    c.stdin(Stdio::null());
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn run(home: &Path, args: &[&str]) -> Output {
    shopfloor(home).args(args).output().unwrap()
}

#[test]
fn printing_commands_have_help() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["printer", "--help"],
        vec!["printer", "status", "--help"],
        vec!["printer", "test", "--help"],
        vec!["labels", "--help"],
    ] {
        let out = run(home.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(text(&out.stdout).contains("Usage: shopfloor"), "{args:?}");
    }
}

#[test]
fn sim_with_a_printer_prints_its_block_at_the_end_and_refuses_other_addresses() {
    let home = tempfile::tempdir().unwrap();
    let mut child = shopfloor(home.path())
        .args(["sim", "--listen", "127.0.0.1:0", "--printer", "line9=127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut snippet = String::new();
    let mut in_printers = false;
    for line in lines.by_ref() {
        let line = line.unwrap();
        snippet.push_str(&line);
        snippet.push('\n');
        in_printers |= line == "[[printers]]";
        if in_printers && line.starts_with("address = ") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let kiosk = snippet.find("[kiosk]").expect("the usual snippet");
    let printers = snippet.find("[[printers]]").expect("a printer block");
    assert!(printers > kiosk, "the printer comes last, so readers of the old snippet are not disturbed:\n{snippet}");
    assert!(snippet.contains("name = \"line9\"\naddress = \"127.0.0.1:"), "{snippet}");

    let out = run(home.path(), &["sim", "--printer", "line9=10.0.0.9:9100"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("loopback"), "{}", text(&out.stderr));
    let out = run(home.path(), &["sim", "--printer", "line9"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("NAME=127.0.0.1:PORT"), "{}", text(&out.stderr));
}

#[test]
fn printer_status_and_test_against_the_fake_printer() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let handle = rt
        .block_on(sim::start(SimOptions {
            printers: vec![("p1".into(), SocketAddr::from(([127, 0, 0, 1], 0)))],
            ..Default::default()
        }))
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("c.toml");
    std::fs::write(&config, handle.config_snippet()).unwrap();
    let cfg = config.to_str().unwrap();

    let out = run(home.path(), &["--config", cfg, "printer", "status", "p1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("printer p1 at 127.0.0.1:") && shown.contains(": ready"), "{shown}");
    assert!(shown.contains("head open          no") && shown.contains("labels remaining   0"), "{shown}");

    let out = run(home.path(), &["--config", cfg, "printer", "test", "p1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("(21)TEST0001"), "{}", text(&out.stdout));
    let base = handle.base_url();
    let labels: Vec<serde_json::Value> = rt.block_on(async {
        reqwest::get(format!("{base}/_sim/printers/p1/labels")).await.unwrap().json().await.unwrap()
    });
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0]["gs1"], "(01)09520123456788(17)291231(10)ABC123(21)TEST0001");

    rt.block_on(async {
        let r = reqwest::Client::new()
            .put(format!("{base}/_sim/printers/p1/faults"))
            .json(&serde_json::json!({"head_open": true}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    });
    let out = run(home.path(), &["--config", cfg, "printer", "status", "p1", "--json"]);
    assert_eq!(out.status.code(), Some(1), "a faulted printer exits 1");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["state"], "head open");
    assert_eq!(v["what_to_do"], "close the print head");
    assert!(v["host_status"].is_null(), "~HS is silent while the head is open: {v}");
    assert_eq!(v["error_status"]["errors"], 4);
    let out = run(home.path(), &["--config", cfg, "printer", "test", "p1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("No test label was sent"), "{}", text(&out.stderr));

    let out = run(home.path(), &["--config", cfg, "printer", "status", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("printers: p1"), "{}", text(&out.stderr));
    drop(handle);
    // Nobody listens any more: offline, with what to check.
    let out = run(home.path(), &["--config", cfg, "printer", "status", "p1"]);
    assert_eq!(out.status.code(), Some(1));
    let shown = text(&out.stdout);
    assert!(shown.contains("offline since") && shown.contains("network cable"), "{shown}");
}

#[test]
fn check_config_checks_printer_templates_and_serial_settings() {
    let home = tempfile::tempdir().unwrap();
    let snippet = sim::config_snippet(SocketAddr::from(([127, 0, 0, 1], 8787)));
    std::fs::write(home.path().join("bad.zpl"), "^XA\n^FO10,10^BXN,6,200^FD{datamatrix}^FS\n^FO1,1^FD{gtin}^FS\n")
        .unwrap();
    let config = home.path().join("c.toml");
    let printers = "\n[[printers]]\nname = \"p1\"\naddress = \"10.1.4.20:9100\"\ntemplate = \"bad.zpl\"\n";
    std::fs::write(&config, format!("{snippet}{printers}")).unwrap();
    let out = run(home.path(), &["check-config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    let line = snippet.lines().count() + 5;
    assert!(e.contains(&format!("line {line}, key `printers.p1.template`")), "{e}");
    for words in ["^XA and ends with ^XZ", "escape character", "serial number ({serial})"] {
        assert!(e.contains(words), "{words}: {e}");
    }
    std::fs::write(&config, format!("{snippet}\n[[printers]]\nname = \"p1\"\naddress = \"10.1.4.20:9100\"\n")).unwrap();
    let out = run(home.path(), &["check-config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("p1 at 10.1.4.20:9100 (203 dpi, built-in GS1 pack label)"), "{shown}");
    assert!(shown.contains("local, 12 of 34 characters"), "{shown}");
}

#[test]
fn labels_report_reconciles_an_order() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("journal.db");
    let store = LabelStore::open(&path).unwrap();
    let actor = Actor { station: "st-1".into(), operator: None };
    store
        .write_now(|c| {
            store::start_run(c, "r1", "Order143", "p1", Some(3), &actor)?;
            let mut ids = Vec::new();
            for serial in ["=SUM(A1)", "S2", "S3"] {
                let l = NewLabel {
                    run_id: "r1",
                    order_id: "Order143",
                    printer: "p1",
                    gtin: "02022090117459",
                    batch: "B2405121",
                    expiry: "290512",
                    serial,
                };
                ids.push(store::allocate(c, &l, &actor)?.unwrap().id);
            }
            for id in &ids {
                store::transition(c, *id, LabelState::Sent, None, &actor)?;
            }
            store::transition(c, ids[0], LabelState::Printed, None, &actor)?;
            store::transition(c, ids[0], LabelState::Verified, None, &actor)?;
            store::transition(c, ids[1], LabelState::Printed, None, &actor)?;
            store::transition(c, ids[2], LabelState::Voided, Some("paper out before it was confirmed"), &actor)?;
            // The database refuses a voided label coming back.
            assert!(store::transition(c, ids[2], LabelState::Printed, None, &actor).is_err());
            assert!(c.execute("UPDATE printed_labels SET state = 'sent' WHERE id = ?1", [ids[2]]).is_err());
            assert!(c.execute("DELETE FROM printed_labels", []).is_err());
            Ok(())
        })
        .unwrap();
    drop(store);
    let j = path.to_str().unwrap();
    let out = run(home.path(), &["labels", "--order", "Order143", "--journal", j]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("order Order143: printed 2 = verified 1 + voided 0 + waiting 1"), "{shown}");
    assert!(shown.contains("to check and remove 1"), "{shown}");
    assert!(shown.lines().any(|l| l.starts_with("! S3") && l.contains("voided") && l.contains("paper out")), "{shown}");
    // Once someone confirmed S3 removed, it is no longer asked for (as in the batch report).
    let mut journal = shopfloor::scan::journal::Journal::open(&path).unwrap();
    let removed = shopfloor::domain::audit::NewEntry::new(
        shopfloor::domain::audit::actions::LABELS_REMOVAL_CONFIRMED,
        "Order143",
    )
    .change(None, Some("S3".into()));
    journal.audit(&removed).unwrap();
    drop(journal);
    let out = run(home.path(), &["labels", "--order", "Order143", "--journal", j]);
    let after = text(&out.stdout);
    assert!(after.contains("to check and remove 0") && !after.lines().any(|l| l.starts_with("! S3")), "{after}");

    let out = run(home.path(), &["labels", "--order", "Order143", "--journal", j, "--format", "csv"]);
    let csv = text(&out.stdout);
    assert!(csv.starts_with("serial,gtin,batch,expiry,state,reason,"), "{csv}");
    assert!(csv.contains("\"'=SUM(A1)\",02022090117459"), "a serial a spreadsheet would run is made text: {csv}");

    let out = run(home.path(), &["labels", "--order", "Order143", "--journal", j, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reconciliation"]["printed"], 2);
    assert_eq!(v["reconciliation"]["to_check_and_remove"], 1);
    assert_eq!(v["balances"], true);
    assert_eq!(v["labels"].as_array().unwrap().len(), 3);

    let audit = run(home.path(), &["audit", "--journal", j, "--format", "json"]);
    let actions: Vec<String> = text(&audit.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["action"].as_str().unwrap().to_string())
        .collect();
    for a in ["print_run.started", "label.allocated", "label.sent", "label.printed", "label.verified", "label.voided"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    let verify = run(home.path(), &["audit", "--journal", j, "--verify"]);
    assert_eq!(verify.status.code(), Some(0), "the label rows keep the audit chain intact");

    let out = run(home.path(), &["labels", "--order", "Nope", "--journal", j]);
    assert!(text(&out.stdout).contains("no labels were printed for order Nope"));
    let out = run(home.path(), &["labels", "--order", "X", "--journal", home.path().join("none.db").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_label_scanned_after_its_run_ended_shows_verified_in_the_report_at_once() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("journal.db");
    let store = LabelStore::open(&path).unwrap();
    let actor = Actor { station: "st-1".into(), operator: None };
    let gtin = "02022090117459";
    store
        .write_now(|c| {
            store::start_run(c, "r1", "Order143", "p1", Some(3), &actor)?;
            for serial in ["LATE1", "OTHERBATCH2", "DONE3"] {
                let l = NewLabel {
                    run_id: "r1",
                    order_id: "Order143",
                    printer: "p1",
                    gtin,
                    batch: "B2405121",
                    expiry: "290512",
                    serial,
                };
                let id = store::allocate(c, &l, &actor)?.unwrap().id;
                store::transition(c, id, LabelState::Sent, None, &actor)?;
                store::transition(c, id, LabelState::Printed, None, &actor)?;
                if serial == "DONE3" {
                    store::transition(c, id, LabelState::Verified, None, &actor)?;
                }
            }
            store::end_run(c, "r1", "station shut down", "printed 3", &actor)?;
            // After the run: LATE1 scanned (on the Scan tab, or the next day), a label with
            // OTHERBATCH2's serial but another batch, and DONE3 commissioned by the pipeline.
            let scan = |serial: &str, batch: &str, state: &str| {
                c.execute(
                    "INSERT INTO scans (at, station, order_id, gtin, batch, expiry, serial, raw, state, updated)
                     VALUES ('2026-01-01T00:00:00Z', 'st-1', 'Order143', ?1, ?2, '290512', ?3, 'raw', ?4, '2026-01-01T00:00:00Z')",
                    rusqlite::params![gtin, batch, serial, state],
                )
            };
            scan("LATE1", "B2405121", "pending")?;
            scan("OTHERBATCH2", "B999", "pending")?;
            scan("DONE3", "B2405121", "commissioned")?;
            Ok(())
        })
        .unwrap();
    drop(store);
    let j = path.to_str().unwrap();
    let out = run(home.path(), &["labels", "--order", "Order143", "--journal", j, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let state = |serial: &str| {
        v["labels"].as_array().unwrap().iter().find(|l| l["serial"] == serial).unwrap()["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(state("LATE1"), "verified", "{v}");
    assert_eq!(state("OTHERBATCH2"), "printed", "a scan of another batch verifies nothing: {v}");
    assert_eq!(state("DONE3"), "commissioned", "{v}");
    assert_eq!(v["reconciliation"]["verified"], 2);
    assert_eq!(v["reconciliation"]["waiting"], 1);

    // The label record itself moved, with its audit row, and the chain holds.
    let store = LabelStore::open(&path).unwrap();
    let rows = store.order_labels("Order143").unwrap();
    let late = rows.iter().find(|l| l.serial == "LATE1").unwrap();
    assert_eq!(late.state, LabelState::Verified);
    assert!(late.verified_at.is_some());
    let shown = text(&run(home.path(), &["labels", "--order", "Order143", "--journal", j]).stdout);
    assert!(shown.contains("printed 3 = verified 2 + voided 0 + waiting 1"), "{shown}");
    let verify = run(home.path(), &["audit", "--journal", j, "--verify"]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stdout));
}
