//! Input that is not a key, and window sizes that are not sane, in the real binary. A stray
//! escape sequence (from a code with an embedded ESC, a terminal reply, line noise) must never
//! eat the scans after it; a client announcing a 65535×65535 window must not take the station
//! down.
#![cfg(unix)]

use crate::common::pty::Pty;
use portable_pty::PtySize;
use std::time::{Duration, Instant};

const F5: &[u8] = b"\x1b[15~";

fn journaled(home: &std::path::Path) -> i64 {
    let path = home.join("shopfloor/demo/journal.db");
    let Ok(c) = rusqlite::Connection::open(path) else { return 0 };
    c.query_row("SELECT COUNT(*) FROM scans", [], |r| r.get(0)).unwrap_or(0)
}

fn ten_scans(seed: u64) -> Vec<u8> {
    let mut bytes = Vec::new();
    for s in shopfloor::sim::demo_scans("Order150", 10, seed).unwrap() {
        bytes.extend_from_slice(s.as_bytes());
        bytes.push(b'\r');
    }
    bytes
}

#[test]
fn stray_escape_sequences_never_eat_the_scans_after_them() {
    let junk: [(&str, &[u8]); 4] =
        [("csi-private", b"\x1b[?"), ("csi-mouse", b"\x1b[<"), ("csi-params", b"\x1b[1;"), ("paste", b"\x1b[200~")];
    for (i, (name, bytes)) in junk.into_iter().enumerate() {
        let home = tempfile::tempdir().unwrap();
        let mut pty = Pty::demo(home.path(), None, 80, 24);
        pty.wait_text("● active Order143");
        pty.send(F5);
        pty.wait_text("READY");
        pty.activate("Order150");
        pty.send_now(bytes);
        // The junk stands alone (a paste that never ends is given up after a second).
        std::thread::sleep(Duration::from_millis(if name == "paste" { 1_300 } else { 300 }));
        let scans = ten_scans(i as u64 + 1);
        pty.send_now(&scans);
        let start = Instant::now();
        while journaled(home.path()) < 10 && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(journaled(home.path()), 10, "{name}: all ten scans after the junk are journaled");
        if name != "paste" {
            pty.wait_text("unreadable bytes ignored");
        }
        pty.send(b"\x11");
        assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0, "{name}");
    }
}

/// Resident memory of a process, in MB.
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024.0
}

#[test]
fn a_giant_window_size_is_clamped_and_the_terminal_restored() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = Pty::demo(home.path(), None, 80, 24);
    pty.wait_text("● active Order143");
    let pid = pty.child.process_id().unwrap();
    pty.master.resize(PtySize { rows: 65535, cols: 65535, pixel_width: 0, pixel_height: 0 }).unwrap();
    std::thread::sleep(Duration::from_millis(1_500));
    assert!(pty.child.try_wait().unwrap().is_none(), "the dashboard lives on");
    let mb = rss_mb(pid);
    assert!(mb < 100.0, "resident memory after a 65535×65535 window: {mb:.1} MB");
    // Back to a normal size: it draws and answers keys.
    pty.master.resize(PtySize { rows: 24, cols: 80, pixel_width: 0, pixel_height: 0 }).unwrap();
    pty.send(F5);
    pty.wait_text("Last scans");
    pty.send(b"\x11");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
    assert!(pty.cooked(), "the terminal is restored");
}

#[test]
fn a_terminal_that_never_answers_a_query_still_gets_a_dashboard() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_str().unwrap();
    // This pseudo-terminal answers nothing the program might ask (cursor position included).
    let mut pty = Pty::spawn_silent(&["--demo"], &[("HOME", h), ("XDG_DATA_HOME", h)], 80, 24);
    pty.wait_text("● active Order143");
    pty.send(b"\x11");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
}
