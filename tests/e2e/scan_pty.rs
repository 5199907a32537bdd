//! Scanning through the real binary in a pseudo-terminal: bursts typed as fast as the terminal
//! takes them (GS as the 0x1D byte, Enter as suffix), with and without dropped connections, and
//! a SIGKILL in the middle followed by a restart. The simulator is the judge of what was
//! commissioned.
#![cfg(unix)]

use crate::common::pty::{free_port, Pty};
use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

const GTIN: &str = "02022090117459";

fn scans(count: usize, seed: u64) -> Vec<String> {
    shopfloor::sim::demo_scans("Order150", count, seed).unwrap()
}

fn serial_of(scan: &str) -> String {
    scan.rsplit("\u{1d}21").next().unwrap().to_string()
}

async fn commissioned(port: u16) -> Vec<String> {
    let url = format!("http://127.0.0.1:{port}/_sim/commissioned?product_code={GTIN}");
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

async fn wait_commissioned(port: u16, n: usize, timeout: Duration) -> Vec<String> {
    let start = Instant::now();
    loop {
        let list = commissioned(port).await;
        if list.len() >= n || start.elapsed() > timeout {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn burst(pty: &mut Pty, codes: &[String]) {
    let mut bytes = Vec::new();
    for c in codes {
        bytes.extend_from_slice(c.as_bytes());
        bytes.push(b'\r');
    }
    for chunk in bytes.chunks(4096) {
        pty.send_now(chunk);
    }
}

fn env(h: &str) -> [(&str, &str); 2] {
    [("HOME", h), ("XDG_DATA_HOME", h)]
}

async fn burst_of_1000(drop_rate: f64) {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_str().unwrap().to_string();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut pty = Pty::spawn(&["--demo", "--sim-listen", &listen], &env(&h), 80, 24);
    pty.wait_text("● active Order143");
    if drop_rate > 0.0 {
        let r = reqwest::Client::new()
            .put(format!("http://127.0.0.1:{port}/_sim/faults"))
            .json(&serde_json::json!({"drop_rate": drop_rate}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    pty.send(b"\x1b[15~"); // F5
    pty.wait_text("READY");
    pty.activate("Order150");
    let codes = scans(1_000, 42);
    burst(&mut pty, &codes);
    pty.wait_for("1000 scanned", Duration::from_secs(60), |s| s.contains("Scanned 1000 "));
    let list = wait_commissioned(port, 1_000, Duration::from_secs(90)).await;
    assert_eq!(list.len(), 1_000, "exactly 1000 commissioned in the simulator");
    let want: BTreeSet<String> = codes.iter().map(|c| serial_of(c)).collect();
    assert_eq!(list.iter().cloned().collect::<BTreeSet<_>>(), want);
    pty.wait_for("all commissioned on screen", Duration::from_secs(30), |s| {
        s.contains("Commissioned 1000 ") && s.contains("queue 0 to send")
    });

    // A duplicate and a wrong batch raise their alarms on screen.
    pty.send(codes[0].as_bytes());
    pty.send(b"\r");
    pty.wait_text("DUPLICATE");
    pty.send(b"\x1b[20~"); // F9 acknowledges
    pty.wait_text("Alarm acknowledged");
    pty.send("(01)02022090117459(17)290512(10)B2405122(21)WRONGBATCH1\r".as_bytes());
    pty.wait_text("WRONG BATCH");
    pty.send(b"\x11");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_1000_scans_is_commissioned_exactly() {
    burst_of_1000(0.0).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_1000_scans_is_commissioned_exactly_with_20_percent_dropped_connections() {
    burst_of_1000(0.2).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_mid_burst_and_restarted_every_accepted_scan_is_commissioned_once() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_str().unwrap().to_string();
    // The simulator in its own process, so it outlives the dashboard; it picks its own port and
    // says which in the snippet it prints.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopfloor"));
    cmd.args(["sim", "--listen", "127.0.0.1:0", "--drop-rate", "0.1"]);
    let (mut sim, snippet, port) = crate::common::sim_process(cmd);
    let config = home.path().join("config.toml");
    std::fs::write(&config, snippet).unwrap();
    let cfg = config.to_str().unwrap().to_string();
    let mut pty = Pty::spawn(&["--config", &cfg], &env(&h), 80, 24);
    pty.wait_text("Order143");
    pty.press("a");
    pty.wait_text("● active Order143");
    pty.send(b"\x1b[15~");
    pty.wait_text("READY");
    pty.activate("Order150");
    let codes = scans(800, 7);
    burst(&mut pty, &codes);
    // Kill it while work is under way.
    let start = Instant::now();
    while commissioned(port).await.len() < 100 && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = pty.child.process_id().unwrap() as i32;
    // SAFETY: killing the child this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let _ = pty.wait_exit(Duration::from_secs(10));

    // What the journal holds is what the station accepted.
    let journal = rusqlite::Connection::open(home.path().join("shopfloor/journal.db")).unwrap();
    let accepted: i64 = journal.query_row("SELECT COUNT(*) FROM scans", [], |r| r.get(0)).unwrap();
    assert!(accepted >= 100, "scans were accepted before the kill: {accepted}");
    drop(journal);

    let mut again = Pty::spawn(&["--config", &cfg], &env(&h), 80, 24);
    again.wait_text("● active Order150");
    let list = wait_commissioned(port, accepted as usize, Duration::from_secs(90)).await;
    again.send(b"\x1b[15~");
    again.wait_for("queue drained", Duration::from_secs(60), |s| s.contains("queue 0 to send"));
    let list_after = commissioned(port).await;
    assert!(list.len() >= accepted as usize);
    assert_eq!(list_after.len(), accepted as usize, "every accepted scan exactly once, no more");
    let unique: BTreeSet<_> = list_after.iter().collect();
    assert_eq!(unique.len(), list_after.len());
    let journal = rusqlite::Connection::open(home.path().join("shopfloor/journal.db")).unwrap();
    let done: i64 =
        journal.query_row("SELECT COUNT(*) FROM scans WHERE state = 'commissioned'", [], |r| r.get(0)).unwrap();
    assert_eq!(done, accepted);
    again.send(b"\x11");
    assert_eq!(again.wait_exit(Duration::from_secs(10)), 0);
    let _ = sim.kill();
    let _ = sim.wait();
}

#[test]
fn scanner_check_reports_the_settings_for_what_arrived() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_str().unwrap().to_string();
    let mut pty = Pty::spawn(&["scanner-check"], &env(&h), 100, 30);
    pty.wait_text("Scan the test code");
    pty.send(b"]d2010952012345678810ABC123\x1d21TEST0001\r");
    pty.wait_text("separator = \"gs\"");
    let screen = pty.screen();
    assert!(screen.contains("suffix = \"enter\"") && screen.contains("prefix = \"]d2\""), "{screen}");
    assert!(screen.contains("<GS (the byte 0x1D, also Ctrl+])>"), "{screen}");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
    assert!(pty.cooked(), "raw mode is undone");

    let mut lost = Pty::spawn(&["scanner-check"], &env(&h), 100, 30);
    lost.wait_text("Scan the test code");
    lost.send(b"010952012345678810ABC12321TEST0001\r");
    lost.wait_text("separator was lost");
    assert_eq!(lost.wait_exit(Duration::from_secs(10)), 1);
}

/// A person's day of mistakes: a wrong batch, a wrong product and two unreadable scans. Each is
/// in Last scans with its reason, and the counters add up (scanned = accepted + refused +
/// duplicates).
#[test]
fn refused_scans_are_listed_and_counted() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_str().unwrap().to_string();
    let mut pty = Pty::spawn(&["--demo"], &env(&h), 80, 24);
    pty.wait_text("● active Order143");
    pty.send(b"\x1b[15~");
    pty.wait_text("READY");
    let good = scans(1, 3).remove(0);
    for (code, headline) in [
        (good.clone(), "ACCEPTED"),
        (format!("]d201{GTIN}1729051210OTHER\u{1d}21WB1"), "WRONG BATCH"),
        ("]d2010202604131000517290512\u{1d}10B2405121\u{1d}21WP1".to_string(), "WRONG PRODUCT"),
        ("]d2010202209011745817290512".to_string(), "UNREADABLE"),
        ("]d20102022090117459172905XX".to_string(), "UNREADABLE"),
    ] {
        pty.type_keys(&format!("{code}\r"));
        pty.wait_text(headline);
        if headline != "ACCEPTED" {
            pty.send(b"\x1b[20~"); // F9 acknowledges
            pty.wait_text("READY");
        }
    }
    pty.wait_for("the counters", Duration::from_secs(10), |s| s.contains("Scanned 5 · Accepted 1 · Refused 4"));
    let shown = pty.screen();
    for what in ["WB1", "wrong batch", "WP1", "wrong product", "undecodable"] {
        assert!(shown.contains(what), "Last scans shows {what}:\n{shown}");
    }
    pty.send(b"\x11");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
}

/// The demo's simulator starts afresh each run, so its journal does too: the same pack scanned
/// in a second run is accepted again, not a DUPLICATE of the first run's.
#[test]
fn the_demo_starts_from_an_empty_journal_each_run() {
    let home = tempfile::tempdir().unwrap();
    let code = scans(1, 7).remove(0);
    for run in 1..=2 {
        let mut pty = Pty::demo(home.path(), None, 80, 24);
        pty.wait_text("The demo starts empty each run");
        pty.wait_text("● active Order143");
        pty.send(b"\x1b[15~"); // F5
        pty.wait_text("READY");
        pty.send_now(code.as_bytes());
        pty.send_now(b"\r");
        pty.wait_for(&format!("run {run}: the pack is accepted"), Duration::from_secs(20), |s| {
            s.contains("ACCEPTED") || s.contains("DUPLICATE")
        });
        assert!(pty.screen().contains("ACCEPTED"), "run {run}: {}", pty.screen());
        pty.send(b"\x11");
        assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
    }
}
