//! The real binary in a pseudo-terminal: `--demo`, keystrokes in, the screen read back.
#![cfg(unix)]

use crate::common::pty::{free_port, Pty};
use std::time::Duration;

const F10: &[u8] = b"\x1b[21~";

async fn sim_json(port: u16, path: &str) -> serde_json::Value {
    reqwest::get(format!("http://127.0.0.1:{port}{path}")).await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn create_a_packaging_order_by_keystrokes_then_quit_and_restore_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut pty = Pty::demo(home.path(), Some(port), 80, 24);
    pty.wait_text("Order143");
    // At 80 columns a backend that is well may go by its initial.
    pty.wait_for("Movilitas online", Duration::from_secs(20), |s| s.contains("Movilitas ●") || s.contains(" M ● "));
    {
        let screen = pty.parser.lock().unwrap();
        assert!(screen.screen().alternate_screen(), "the dashboard uses the alternate screen");
        assert!(screen.screen().bracketed_paste(), "bracketed paste is on");
    }
    assert!(!pty.cooked(), "raw mode while running");

    pty.press("n");
    pty.wait_text("New packaging order");
    for (text, tabs) in
        [("PTY-777", 1), ("Made in a PTY", 1), ("02022090117459", 2), ("B2405121", 1), ("291231", 1), ("48", 0)]
    {
        pty.type_keys(text);
        for _ in 0..tabs {
            pty.send(b"\t");
        }
    }
    pty.send(F10);
    pty.wait_text("Create packaging order?");
    pty.press("y");
    pty.wait_text("Packaging order PTY-777 created");
    pty.wait_text(" PTY-777 ");
    let orders = sim_json(port, "/_sim/packaging_orders").await;
    let mine =
        orders.as_array().unwrap().iter().find(|o| o["order_id"] == "PTY-777").expect("the simulator has the order");
    assert_eq!((mine["quantity"].as_i64(), mine["expiry_date"].as_str()), (Some(48), Some("291231")));

    // A bare q asks first; only a deliberate y quits.
    pty.press("q");
    pty.wait_text("Quit shopfloor?");
    pty.press("y");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
    let parser = pty.parser.lock().unwrap();
    let s = parser.screen();
    assert!(!s.alternate_screen(), "back on the normal screen");
    assert!(!s.bracketed_paste(), "bracketed paste is off again");
    assert!(!s.hide_cursor(), "the cursor is visible again");
    drop(parser);
    assert!(pty.cooked(), "raw mode is undone");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_and_execute_a_label_order_and_keep_it_across_a_restart() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_str().unwrap();
    let envs = [("HOME", h), ("XDG_DATA_HOME", h)];
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut pty = Pty::spawn(&["--demo", "--sim-listen", &listen], &envs, 80, 24);
    pty.wait_text("Order143");
    pty.press("a");
    pty.wait_text("● active Order143");
    pty.send(b"\x1bOR"); // F3
    pty.wait_text("New label order");
    pty.type_keys("LBL-PTY-1");
    for _ in 0..3 {
        pty.send(b"\t");
    }
    pty.type_keys("12");
    for _ in 0..5 {
        pty.send(b"\t");
    }
    pty.press(" "); // print now
    pty.send(b"\r");
    pty.wait_text("Create and print label order?");
    pty.press("y");
    pty.wait_text("Label order LBL-PTY-1: Label order created successfully");
    let labels = sim_json(port, "/_sim/label_orders").await;
    assert_eq!(labels[0]["order_id"], "LBL-PTY-1");
    assert_eq!(labels[0]["status"], "Released");
    pty.send(b"\x11"); // Ctrl+Q
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);

    // The station's list of label orders survives a restart.
    let mut again = Pty::spawn(&["--demo"], &envs, 80, 24);
    again.wait_text("Order143");
    again.send(b"\x1bOR");
    again.wait_text("Label orders from this station (1)");
    again.wait_text("LBL-PTY-1");
    again.send(b"\x11");
    assert_eq!(again.wait_exit(Duration::from_secs(10)), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_terminal_or_a_signal_ends_the_process_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = Pty::demo(home.path(), None, 80, 24);
    pty.wait_text("Order143");
    let pid = pty.child.process_id().unwrap() as i32;
    // SAFETY: sending SIGTERM to the child this test started.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
    assert!(!pty.parser.lock().unwrap().screen().alternate_screen());
    assert!(pty.cooked());

    let mut pty = Pty::demo(home.path(), None, 80, 24);
    pty.wait_text("Order143");
    let pid = pty.child.process_id().unwrap() as i32;
    // SAFETY: as above; SIGHUP is what a dropped SSH link delivers.
    unsafe { libc::kill(pid, libc::SIGHUP) };
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_terminal_is_told_so_and_a_resize_redraws() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = Pty::demo(home.path(), None, 60, 20);
    pty.wait_text("Terminal too small");
    pty.wait_text("needs 80×24, now 60×20");
    pty.master.resize(portable_pty::PtySize { rows: 24, cols: 80, pixel_width: 0, pixel_height: 0 }).unwrap();
    pty.parser.lock().unwrap().screen_mut().set_size(24, 80);
    pty.wait_text("Order143");
    pty.send(b"\x11");
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
}
