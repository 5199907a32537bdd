//! One dashboard per station, with the real binary: two `--demo` dashboards on one HOME in
//! pseudo-terminals. The second names the first and leaves; when the first one's terminal is
//! gone (its session ended while it was stuck), the second offers to take over, the first is
//! told to end and ends, and the second runs. The station's files are private.
#![cfg(unix)]

use crate::common::pty::Pty;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_shopfloor");

fn envs(home: &Path) -> [(&'static str, String); 2] {
    let h = home.to_str().expect("a UTF-8 temporary path").to_string();
    [("HOME", h.clone()), ("XDG_DATA_HOME", h)]
}

fn holder_pid(home: &Path) -> u32 {
    let text = std::fs::read_to_string(home.join("shopfloor/demo/instance.lock")).expect("the lock file");
    let v: serde_json::Value = serde_json::from_str(text.trim()).expect("the lock file is JSON");
    v["pid"].as_u64().expect("a pid") as u32
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

fn log(home: &Path) -> String {
    std::fs::read_to_string(home.join("shopfloor/logs/shopfloor.log")).unwrap_or_default()
}

/// Ended: no such process, or a zombie nobody has reaped yet.
fn ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit(')').next().and_then(|r| r.split_whitespace().next()) == Some("Z"),
    }
}

#[test]
fn a_second_dashboard_names_the_one_running_and_leaves_it_alone() {
    let home = tempfile::tempdir().unwrap();
    let e = envs(home.path());
    let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut first = Pty::spawn(&["--demo"], &e, 80, 24);
    first.wait_text("Order143");
    let pid = first.child.process_id().expect("a pid");
    assert_eq!(holder_pid(home.path()), pid);

    // The station's files, while it runs: directory 0700, every file 0600.
    let data = home.path().join("shopfloor/demo");
    assert_eq!(mode(&data), 0o700, "the data directory");
    for f in ["journal.db", "journal.db-wal", "journal.db-shm", "instance.lock"] {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
    assert_eq!(mode(&home.path().join("shopfloor/logs")), 0o700, "the log directory");
    assert_eq!(mode(&home.path().join("shopfloor/logs/shopfloor.log")), 0o600, "the log");

    let mut second = Pty::spawn(&["--demo"], &e, 80, 24);
    assert_eq!(second.wait_exit(Duration::from_secs(20)), 3, "exits non-zero: {}", second.screen());
    let said = second.screen();
    assert!(said.contains("already running"), "{said}");
    assert!(said.contains(&format!("pid {pid} on terminal /dev/pts/")), "names pid and terminal: {said}");
    assert!(said.contains("no operator signed in"), "{said}");
    assert!(!said.contains("[y/N]"), "no takeover is offered while the first has its terminal: {said}");

    // The first is untouched and still answers keys.
    first.send(b"\x11"); // Ctrl+Q: quit without a question
    assert_eq!(first.wait_exit(Duration::from_secs(10)), 0);

    // Free again once it has quit.
    let mut third = Pty::spawn(&["--demo"], &e, 80, 24);
    third.wait_text("Order143");
    third.send(b"\x11"); // Ctrl+Q: quit without a question
    assert_eq!(third.wait_exit(Duration::from_secs(10)), 0);

    let log = log(home.path());
    for line in [
        "dashboard started",
        "instance lock taken",
        "instance lock is held by another dashboard",
        "instance lock released",
        "dashboard stopped",
    ] {
        assert!(log.contains(line), "the log has {line:?}:\n{log}");
    }
    assert!(log.contains(&format!("pid={pid}")) && log.contains("terminal=/dev/pts/"), "{log}");
}

#[test]
fn a_dashboard_whose_terminal_is_gone_is_asked_to_end_and_the_newcomer_takes_over() {
    let home = tempfile::tempdir().unwrap();
    let e = envs(home.path());
    let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // A shell leads the first session, as sshd's does; the dashboard is its child.
    let mut first = Pty::spawn_program("/bin/sh", &["-c", "\"$0\" --demo; echo ended", BIN], &e, 80, 24);
    first.wait_text("Order143");
    let pid = holder_pid(home.path());
    let shell = first.child.process_id().expect("the shell's pid");
    assert_ne!(pid, shell);
    // The dashboard hangs (stopped), then its session ends: the terminal is taken from it.
    // SAFETY: plain kill(2) calls on processes this test started.
    unsafe {
        assert_eq!(libc::kill(pid as i32, libc::SIGSTOP), 0);
        assert_eq!(libc::kill(shell as i32, libc::SIGKILL), 0);
    }
    let _ = first.child.wait();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap().contains(") T ") {
        assert!(Instant::now() < deadline, "the first dashboard stays stopped");
        std::thread::sleep(Duration::from_millis(20));
    }

    let mut second = Pty::spawn(&["--demo"], &e, 80, 24);
    second.wait_text("[y/N]");
    let asked = second.screen();
    assert!(asked.contains(&format!("already running: pid {pid}")), "{asked}");
    assert!(asked.contains("terminal is gone"), "{asked}");
    second.type_keys("y\r");
    second.wait_for("the takeover and the dashboard", Duration::from_secs(40), |s| s.contains("Order143"));
    assert!(ended(pid), "the first dashboard has ended");
    assert_eq!(holder_pid(home.path()), second.child.process_id().unwrap());

    second.send(b"\x11"); // Ctrl+Q: quit without a question
    assert_eq!(second.wait_exit(Duration::from_secs(10)), 0);
    let log = log(home.path());
    for line in [
        "asked whether to take over",
        "taking over from a dashboard whose terminal is gone",
        "instance lock taken over",
    ] {
        assert!(log.contains(line), "the log has {line:?}:\n{log}");
    }
    // The first one ended by itself, cleanly, on the signals.
    assert!(log.contains(&format!("[{pid}]  INFO shopfloor::commands::dashboard: dashboard stopped")), "{log}");
}

#[test]
fn answering_no_leaves_the_holder_running() {
    let home = tempfile::tempdir().unwrap();
    let e = envs(home.path());
    let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut first = Pty::spawn_program("/bin/sh", &["-c", "\"$0\" --demo; echo ended", BIN], &e, 80, 24);
    first.wait_text("Order143");
    let pid = holder_pid(home.path());
    let shell = first.child.process_id().unwrap();
    // SAFETY: plain kill(2) calls on processes this test started.
    unsafe {
        libc::kill(pid as i32, libc::SIGSTOP);
        libc::kill(shell as i32, libc::SIGKILL);
    }
    let _ = first.child.wait();
    let mut second = Pty::spawn(&["--demo"], &e, 80, 24);
    second.wait_text("[y/N]");
    second.type_keys("n\r");
    assert_eq!(second.wait_exit(Duration::from_secs(10)), 3);
    assert!(second.screen().contains("Nothing was changed"), "{}", second.screen());
    assert!(!ended(pid), "the holder was left alone");
    // SAFETY: ends the process this test stopped.
    unsafe {
        libc::kill(pid as i32, libc::SIGKILL);
    }
}
