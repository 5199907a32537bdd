//! A log that cannot be written (a full disk) never reaches the terminal: the dashboard runs
//! and quits with its log file pointing at /dev/full, and nothing about logging shows.
#![cfg(unix)]

use crate::common::pty::Pty;
use std::time::Duration;

#[test]
fn a_full_disk_under_the_log_prints_nothing_on_the_dashboard() {
    let home = tempfile::tempdir().unwrap();
    let logs = home.path().join("shopfloor/logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::os::unix::fs::symlink("/dev/full", logs.join("shopfloor.log")).unwrap();
    let h = home.path().to_str().unwrap();
    let mut pty = Pty::spawn(&["--demo"], &[("HOME", h), ("XDG_DATA_HOME", h), ("SHOPFLOOR_LOG", "debug")], 80, 24);
    pty.wait_text("Order143");
    // At 80 columns a backend that is well may go by its initial.
    pty.wait_for("Movilitas online", Duration::from_secs(20), |s| s.contains("Movilitas ●") || s.contains(" M ● "));
    // A few requests and screens, each of which logs.
    pty.send(b"r");
    pty.send(b"\x1bOR");
    pty.wait_text("New label order");
    let running = pty.screen();
    pty.send(b"\x1bOQ");
    pty.send(b"\x11"); // Ctrl+Q: quit without a question
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
    let after = pty.screen();
    for screen in [&running, &after] {
        for word in ["Unable to write", "tracing", "shopfloor.log", "No space left"] {
            assert!(!screen.contains(word), "{word:?} reached the terminal:\n{screen}");
        }
    }
}
