//! The Production tab in the real binary, by keystrokes only: an order made from a customer
//! order gets an article, is started, has production reported with a scanned batch and
//! serial, and is finished; the simulator then holds exactly that.
#![cfg(unix)]

use crate::common::pty::{free_port, Pty};
use std::time::Duration;

const F1: &[u8] = b"\x1bOP";
const F4: &[u8] = b"\x1bOS";
const F10: &[u8] = b"\x1b[21~";
const DOWN: &[u8] = b"\x1b[B";
const ESC: &[u8] = b"\x1b";

async fn sim_json(port: u16, path: &str) -> serde_json::Value {
    reqwest::get(format!("http://127.0.0.1:{port}{path}")).await.unwrap().json().await.unwrap()
}

/// The reference in "✓ PR-1031 created: now NEW".
fn created_reference(screen: &str) -> String {
    let line = screen.lines().find(|l| l.contains(" created: now NEW")).expect("a created message");
    let start = line.find("✓ ").expect("a check mark") + "✓ ".len();
    line[start..].split(' ').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_from_a_customer_order_is_built_started_reported_and_finished() {
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut pty = Pty::demo(home.path(), Some(port), 80, 24);
    pty.wait_text("Order143");
    pty.send(F4);
    pty.wait_text("Production orders — all states");
    pty.wait_text("PR-1001");

    pty.press("N");
    pty.wait_text("New production order from a customer order");
    pty.type_keys("4003");
    pty.send(F10);
    pty.wait_text("Create a production order?");
    pty.press("y");
    pty.wait_text("created: now NEW");
    let reference = created_reference(&pty.screen());
    pty.wait_text("ART/OME/28");

    pty.press("i");
    pty.wait_text("Add an article");
    pty.type_keys("ART-MET-60\t250");
    pty.send(F10);
    pty.wait_text("article added");
    pty.wait_text("ART-MET-60");

    pty.press("p");
    pty.wait_text(&format!("Start production of {reference}?"));
    pty.press("y");
    pty.wait_text("started: now DEVELOPING");

    // The help of this screen names the keys a new user needs.
    pty.send(F1);
    pty.wait_text("report production of the selected article");
    pty.send(ESC);
    pty.wait_for("the help to close", Duration::from_secs(10), |s| !s.contains("Keys — Production"));

    pty.send(DOWN);
    pty.press("t");
    pty.wait_text("Report production of ART-MET-60");
    // A keyboard-wedge scanner: AIM identifier, GS after the variable-length batch, Enter.
    pty.send(b"]d201040234560000311727123110MET2603\x1d21SN-PTY-1\r");
    pty.wait_text("From the scan: batch, serial, best before, barcode");
    pty.type_keys("250");
    pty.send(F10);
    pty.wait_text("Report production?");
    pty.wait_text("batch MET2603 · serial SN-PTY-1");
    pty.press("y");
    pty.wait_text("production reported");

    pty.press("f");
    // 250 of 3250 done: the question says how short the order is.
    pty.wait_text(&format!("Finish {reference} short of its amount?"));
    pty.wait_text("3000 short");
    pty.press("y");
    pty.wait_text("finished: now FINISHED");

    let orders = sim_json(port, "/_sim/production_orders").await;
    let mine = orders
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["prReference"] == reference.as_str())
        .unwrap_or_else(|| panic!("the simulator has {reference}"));
    assert_eq!(mine["state"], 2, "FINISHED");
    assert_eq!(mine["customerOrderId"], 4003);
    let met = mine["articles"].as_array().unwrap().iter().find(|a| a["articleId"] == "ART-MET-60").unwrap();
    assert_eq!((met["amount"].as_f64(), met["finished"].as_f64()), (Some(250.0), Some(250.0)));
    let batch = &mine["_batches"][0];
    assert_eq!((batch["batchId"].as_str(), batch["serialNr"].as_str()), (Some("MET2603"), Some("SN-PTY-1")));
    let report = &mine["_reports"][0];
    assert_eq!(report["barcode"], "(01)04023456000031(17)271231(10)MET2603(21)SN-PTY-1");
    assert!(report["bestBefore"].as_i64().is_some(), "best before came from AI 17: {report}");

    pty.send(b"\x11"); // Ctrl+Q quits at once
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
}
