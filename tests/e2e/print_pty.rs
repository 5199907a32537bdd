//! Printing at the station through the real binary in a pseudo-terminal, against the demo's
//! fake Zebra printer: twenty labels printed, scanned back from what the printer put out (the
//! simulator's record of each label, read over loopback) and commissioned; and paper out at
//! label 7: no serial on two labels, the voided label listed, nothing commissioned before its
//! scan, and the voided label refused when scanned; and a connection reset mid-job: the label out
//! is voided, never sent again, and new serials replace it; a wrong label scanned back (a serial
//! never printed here, another batch) raises its alarm and is not commissioned.
#![cfg(unix)]

use crate::common::pty::{free_port, Pty};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const GTIN: &str = "02022090117459";
const PRINTER: &str = shopfloor::sim::printer::DEMO_PRINTER;
const F6: &[u8] = b"\x1b[17~";

fn env(h: &str) -> [(&str, &str); 2] {
    [("HOME", h), ("XDG_DATA_HOME", h)]
}

/// (status, what a scanner reads) of every label the fake printer put out, in order.
async fn labels(port: u16) -> Vec<(String, String)> {
    let url = format!("http://127.0.0.1:{port}/_sim/printers/{PRINTER}/labels");
    let list: Vec<serde_json::Value> = reqwest::get(url).await.unwrap().json().await.unwrap();
    list.iter()
        .map(|l| (l["status"].as_str().unwrap_or("").to_string(), l["scan"].as_str().unwrap_or("").to_string()))
        .collect()
}

async fn faults(port: u16, body: serde_json::Value) {
    let url = format!("http://127.0.0.1:{port}/_sim/printers/{PRINTER}/faults");
    let r = reqwest::Client::new().put(url).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "{r:?}");
}

async fn commissioned(port: u16) -> BTreeSet<String> {
    let url = format!("http://127.0.0.1:{port}/_sim/commissioned?product_code={GTIN}");
    reqwest::get(url).await.unwrap().json::<Vec<String>>().await.unwrap().into_iter().collect()
}

/// The journal's scans and alarms, to say why something was not commissioned.
fn journal_story(home: &tempfile::TempDir) -> String {
    let Ok(j) = rusqlite::Connection::open(home.path().join("shopfloor/demo/journal.db")) else {
        return "no journal".into();
    };
    let q = |sql: &str| -> Vec<String> {
        let mut st = j.prepare(sql).unwrap();
        let rows = st.query_map([], |r| r.get::<_, String>(0)).unwrap();
        rows.filter_map(Result::ok).collect()
    };
    format!(
        "scans: {:?}\nalarms: {:?}",
        q("SELECT serial || ' ' || state || ' ' || COALESCE(reason, '') FROM scans"),
        q("SELECT kind || ': ' || message FROM alarms")
    )
}

async fn wait_commissioned(port: u16, n: usize) -> BTreeSet<String> {
    let start = Instant::now();
    loop {
        let got = commissioned(port).await;
        if got.len() >= n || start.elapsed() > Duration::from_secs(60) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn serial_of(scan: &str) -> String {
    scan.rsplit("\u{1d}21").next().unwrap().to_string()
}

/// Scans, as a scanner sends them (Enter after each), in one burst.
fn scan_back(pty: &mut Pty, scans: &[String]) {
    let mut bytes = Vec::new();
    for s in scans {
        bytes.extend_from_slice(s.as_bytes());
        bytes.push(b'\r');
    }
    pty.send_now(&bytes);
}

/// The demo on the Print tab with its printer ready; `before` runs first (faults to set).
async fn print_tab(home: &tempfile::TempDir, port: u16) -> Pty {
    let h = home.path().to_str().unwrap().to_string();
    let listen = format!("127.0.0.1:{port}");
    let mut pty = Pty::spawn(&["--demo", "--sim-listen", &listen], &env(&h), 80, 24);
    pty.wait_text("● active Order143");
    // Order143 takes 10 packs; the runs here print 20, for the long run Order150.
    pty.send(b"\x1b[15~");
    pty.wait_text("READY");
    pty.activate("Order150");
    pty.send(F6);
    pty.wait_text("Labels to print");
    pty.wait_text(&format!("{PRINTER} ready"));
    pty
}

/// `f` ends the run (the screen says `said`), then Ctrl-Q quits cleanly.
fn end_run_and_quit(pty: &mut Pty, said: &str) {
    pty.press("f");
    pty.wait_text(said);
    pty.send(b"\x11");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
}

fn print_20(pty: &mut Pty) {
    pty.press("2");
    pty.press("0");
    pty.wait_text("Labels to print: 20");
    pty.send(b"\r");
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_labels_are_printed_scanned_back_and_commissioned() {
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut pty = print_tab(&home, port).await;
    print_20(&mut pty);
    pty.wait_text("All 20 labels printed");
    let printed = labels(port).await;
    assert_eq!(printed.len(), 20, "{printed:?}");
    assert!(printed.iter().all(|(status, _)| status == "printed"));
    let serials: BTreeSet<String> = printed.iter().map(|(_, s)| serial_of(s)).collect();
    assert_eq!(serials.len(), 20, "twenty labels, twenty serials");
    assert!(commissioned(port).await.is_empty(), "nothing is commissioned before its label is scanned");
    // The run cannot end while labels wait for their scan.
    pty.press("f");
    pty.wait_text("Run not ended: 20 label(s) wait: scan each one, or F7 voids them");

    let scans: Vec<String> = printed.into_iter().map(|(_, s)| s).collect();
    scan_back(&mut pty, &scans);
    pty.wait_text("printed 20 = verified 20 + voided 0 + waiting 0");
    let got = wait_commissioned(port, 20).await;
    assert_eq!(got, serials, "every printed label is commissioned, once\n{}", journal_story(&home));
    end_run_and_quit(&mut pty, "Run ended. Report: shopfloor labels --order Order150");
}

#[tokio::test(flavor = "multi_thread")]
async fn paper_out_at_label_7_voids_the_label_out_and_prints_no_serial_twice() {
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut pty = print_tab(&home, port).await;
    faults(port, serde_json::json!({ "paper_out_after": 7 })).await;
    print_20(&mut pty);
    pty.wait_text("1 voided label(s): check and remove them");
    pty.wait_text("paper out");
    pty.wait_text("Printing halted, printer paper out");
    let so_far = labels(port).await;
    assert_eq!(so_far.iter().filter(|(st, _)| st == "printed").count(), 7, "{so_far:?}");

    // Paper loaded: r goes on with new serials.
    faults(port, serde_json::json!({ "paper_out": false, "paper_out_after": 0 })).await;
    pty.wait_text(&format!("{PRINTER} ready"));
    pty.press("r");
    pty.wait_text("All 20 labels printed");
    let all = labels(port).await;
    let printed: Vec<String> = all.iter().filter(|(st, _)| st == "printed").map(|(_, s)| s.clone()).collect();
    let partial: Vec<String> = all.iter().filter(|(st, _)| st != "printed").map(|(_, s)| s.clone()).collect();
    assert_eq!(printed.len(), 20);
    let every: Vec<String> = all.iter().map(|(_, s)| serial_of(s)).collect();
    let distinct: BTreeSet<&String> = every.iter().collect();
    assert_eq!(distinct.len(), every.len(), "no serial on two labels: {every:?}");
    // The label cut short by the fault is voided and listed on the screen.
    assert_eq!(partial.len(), 1, "{all:?}");
    let voided = serial_of(&partial[0]);
    pty.wait_text(&format!("Voided (1): {voided}"));
    assert!(commissioned(port).await.is_empty(), "none commissioned without its scan");

    // Scanning the voided label back is refused with an alarm.
    scan_back(&mut pty, &partial);
    pty.wait_text("Label does not match:");
    pty.wait_text("was voided");
    let scans = printed.clone();
    scan_back(&mut pty, &scans);
    pty.wait_text("printed 20 = verified 20 + voided 0 + waiting 0");
    let expected: BTreeSet<String> = printed.iter().map(|s| serial_of(s)).collect();
    let got = wait_commissioned(port, 20).await;
    assert_eq!(got, expected, "exactly the scanned labels are commissioned\n{}", journal_story(&home));
    assert!(!got.contains(&voided), "the voided serial is never commissioned");
    end_run_and_quit(&mut pty, "Run ended");

    // The journal has every label with its state: 20 verified or commissioned, 1 voided.
    let journal = rusqlite::Connection::open(home.path().join("shopfloor/demo/journal.db")).unwrap();
    let voided_rows: Vec<(String, Option<String>)> = {
        let mut q = journal.prepare("SELECT serial, reason FROM printed_labels WHERE state = 'voided'").unwrap();
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    assert_eq!(voided_rows.len(), 1);
    assert_eq!(voided_rows[0].0, voided);
    assert!(voided_rows[0].1.as_deref().unwrap_or("").contains("paper out"), "{voided_rows:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_reset_mid_job_voids_the_label_out_and_prints_new_serials() {
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut pty = print_tab(&home, port).await;
    // The printer drops the connection right after it has taken the 5th label's job.
    faults(port, serde_json::json!({ "reset_after": 5 })).await;
    pty.press("1");
    pty.press("0");
    pty.wait_text("Labels to print: 10");
    pty.send(b"\r");
    pty.wait_text("1 voided label(s): check and remove them");
    pty.wait_text("Printing halted, printer offline");
    let voided = {
        let screen = pty.screen();
        let line = screen.lines().find(|l| l.contains("Voided (1): ")).map(str::to_string);
        line.and_then(|l| l.split("Voided (1): ").nth(1)?.split_whitespace().next().map(String::from))
            .unwrap_or_else(|| panic!("the voided serial is listed:\n{screen}"))
    };
    assert!(commissioned(port).await.is_empty(), "none commissioned without its scan");

    // The printer answers again: r goes on with new serials.
    pty.wait_text(&format!("{PRINTER} ready"));
    pty.press("r");
    pty.wait_text("All 10 labels printed");
    let all = labels(port).await;
    let every: Vec<String> = all.iter().map(|(_, s)| serial_of(s)).collect();
    let distinct: BTreeSet<&String> = every.iter().collect();
    assert_eq!(distinct.len(), every.len(), "no serial on two labels: {every:?}");
    // The voided label may have come out before the reset; it is never printed again.
    assert!(every.iter().filter(|s| **s == voided).count() <= 1, "{every:?}");
    let good: Vec<String> = all.iter().map(|(_, s)| s.clone()).filter(|s| serial_of(s) != voided).collect();
    assert_eq!(good.len(), 10, "ten labels besides the voided one: {all:?}");
    // The screen still says how many labels to look for and remove.
    pty.wait_text("1 voided label(s): check and remove them");

    // The voided label, if it is on a pack, is refused; the others are verified and commissioned.
    let voided_scan = all.iter().map(|(_, s)| s.clone()).find(|s| serial_of(s) == voided);
    if let Some(v) = voided_scan {
        scan_back(&mut pty, &[v]);
        pty.wait_text("was voided");
    }
    scan_back(&mut pty, &good);
    pty.wait_text("printed 10 = verified 10 + voided 0 + waiting 0");
    let expected: BTreeSet<String> = good.iter().map(|s| serial_of(s)).collect();
    let got = wait_commissioned(port, 10).await;
    assert_eq!(got, expected, "exactly the scanned labels are commissioned\n{}", journal_story(&home));
    assert!(!got.contains(&voided), "the voided serial is never commissioned");
    end_run_and_quit(&mut pty, "Run ended");
}

/// The journal's open alarms of a kind.
fn alarms(home: &tempfile::TempDir, kind: &str) -> Vec<String> {
    let j = rusqlite::Connection::open(home.path().join("shopfloor/demo/journal.db")).unwrap();
    let mut q = j.prepare("SELECT message FROM alarms WHERE kind = ?1 ORDER BY id").unwrap();
    let rows = q.query_map([kind], |r| r.get::<_, String>(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_label_scanned_back_raises_its_alarm_and_is_not_commissioned() {
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut pty = print_tab(&home, port).await;
    pty.press("2");
    pty.wait_text("Labels to print: 2");
    pty.send(b"\r");
    pty.wait_text("All 2 labels printed");
    let printed: Vec<String> = labels(port).await.into_iter().map(|(_, s)| s).collect();
    assert_eq!(printed.len(), 2);
    let good = &printed[0];
    let serial = serial_of(good);
    // A label of the same product and batch whose serial this station never printed.
    let stranger = good.replace(&format!("\u{1d}21{serial}"), "\u{1d}21NOTPRINTED42");
    // The right serial, but on a label of another batch.
    // "]d2" (01)GTIN (17)YYMMDD (10)batch GS (21)serial, as the demo's template prints it.
    let batch = good.get(27..).and_then(|r| r.strip_prefix("10")).and_then(|r| r.split('\u{1d}').next());
    let batch = batch.unwrap_or_else(|| panic!("a batch after the expiry: {good:?}"));
    let other_batch = good.replace(&format!("10{batch}\u{1d}"), "10OTHER1\u{1d}");
    assert_ne!(&other_batch, good);

    scan_back(&mut pty, std::slice::from_ref(&stranger));
    pty.wait_text("Label does not match:");
    pty.wait_text("NOTPRINTED42 was not printed at this station");
    scan_back(&mut pty, std::slice::from_ref(&other_batch));
    pty.wait_text("batch OTHER1 is not the order's");
    let raised = alarms(&home, "label_mismatch");
    assert_eq!(raised.len(), 2, "each wrong label raises its alarm: {raised:?}");
    assert!(raised[0].contains("NOTPRINTED42") && raised[1].contains("OTHER1"), "{raised:?}");
    pty.wait_text("printed 2 = verified 0 + voided 0 + waiting 2");
    assert!(commissioned(port).await.is_empty(), "a wrong label is never commissioned");

    // The right labels still verify and are commissioned; the wrong ones never are.
    scan_back(&mut pty, &printed);
    pty.wait_text("printed 2 = verified 2 + voided 0 + waiting 0");
    let expected: BTreeSet<String> = printed.iter().map(|s| serial_of(s)).collect();
    let got = wait_commissioned(port, 2).await;
    assert_eq!(got, expected, "{}", journal_story(&home));
    end_run_and_quit(&mut pty, "Run ended");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_continuous_run_prints_the_next_label_as_each_is_scanned() {
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut pty = print_tab(&home, port).await;
    pty.press("p");
    pty.wait_text("continuous, 2 ahead");
    pty.wait_text("printed 2 = verified 0 + voided 0 + waiting 2");
    let first: Vec<String> = labels(port).await.into_iter().map(|(_, s)| s).collect();
    assert_eq!(first.len(), 2, "two labels ahead, no more: {first:?}");
    scan_back(&mut pty, &first[..1]);
    pty.wait_text("printed 3 = verified 1 + voided 0 + waiting 2");
    // Stopped: what is printed is scanned, and the run ends.
    pty.press("x");
    let rest: Vec<String> = labels(port).await.into_iter().map(|(_, s)| s).skip(1).collect();
    assert_eq!(rest.len(), 2, "{rest:?}");
    scan_back(&mut pty, &rest);
    pty.wait_text("printed 3 = verified 3 + voided 0 + waiting 0");
    let got = wait_commissioned(port, 3).await;
    assert_eq!(got.len(), 3, "{}", journal_story(&home));
    end_run_and_quit(&mut pty, "Run ended");
}
