//! Kiosk mode in the real binary: nothing but the supervisor PIN leaves it, five wrong PINs
//! lock the prompt, a dropped terminal ends it cleanly and a real station's restart resumes the
//! order and its counters; the audit trail names the operator of every scan.
#![cfg(unix)]

use crate::common::pty::Pty;
use std::time::Duration;

const F2: &[u8] = b"\x1bOQ";
const F4: &[u8] = b"\x1bOS";
const F5: &[u8] = b"\x1b[15~";
const F12: &[u8] = b"\x1b[24~";

fn kiosk(home: &std::path::Path) -> Pty {
    Pty::demo_with(home, None, &["--kiosk"], 80, 24)
}

fn still_running(pty: &mut Pty) {
    assert!(pty.child.try_wait().unwrap().is_none(), "the dashboard must still run");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_key_leaves_a_locked_kiosk_and_five_wrong_pins_lock_the_prompt() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = kiosk(home.path());
    pty.wait_text("Sign in");
    pty.type_keys("op-1\r");
    pty.wait_text("Signed in: Anna Berg (op-1)");
    // Ctrl-C, Ctrl-Z, Ctrl-\: in a normal terminal each would end or stop the program.
    // After each, the dashboard must still answer keys (a stopped process would not).
    for (i, key) in [b"\x03", b"\x1a", b"\x1c"].into_iter().enumerate() {
        pty.send(key);
        pty.wait_text("locked — a supervisor must unlock");
        let (tab, shows) = if i % 2 == 0 { (F2, "Open packaging orders") } else { (F5, "Last scans") };
        pty.send(tab);
        pty.wait_text(shows);
        still_running(&mut pty);
    }
    pty.send(F2);
    pty.wait_text("Open packaging orders");
    pty.press("q");
    pty.wait_text("locked — a supervisor must unlock");
    pty.send(F4);
    std::thread::sleep(Duration::from_millis(200));
    assert!(!pty.screen().contains("Production orders —"), "Production is not a kiosk tab");
    still_running(&mut pty);

    // Unlocking is signed by a named supervisor: the id first, then the PIN.
    pty.send(F12);
    pty.wait_text("Sign: unlock the station");
    pty.type_keys("sup-1\r");
    pty.wait_text("Sam Sousa (sup-1)");
    for n in 1..=4 {
        pty.type_keys("0000\r");
        let left = 5 - n;
        pty.wait_text(&format!("Wrong PIN: {left} more {}", if left == 1 { "try" } else { "tries" }));
    }
    pty.type_keys("0000\r");
    pty.wait_text("5 wrong PINs for Sam Sousa");
    // Locked out, sup-1 cannot sign; the right PIN typed now is not checked, and what is
    // typed into the id field is not repeated on screen.
    pty.type_keys("sup-1\r");
    pty.wait_text("Too many wrong PINs for Sam Sousa");
    pty.type_keys("2468\r");
    pty.wait_text("That id is not a person of this station");
    pty.send(b"\x1b");
    pty.wait_for("the dialog closed", Duration::from_secs(5), |s| !s.contains("Sign: unlock"));
    pty.press("q");
    std::thread::sleep(Duration::from_millis(200));
    still_running(&mut pty);
    // SIGHUP (the SSH link dropped): a clean end.
    let pid = pty.child.process_id().unwrap() as i32;
    // SAFETY: signalling the child this test started.
    unsafe { libc::kill(pid, libc::SIGHUP) };
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
    assert!(pty.cooked(), "the terminal is restored");

    let text = audit_json(home.path());
    for action in ["operator.signed_in", "signature.pin_failed", "signature.lockout", "operator.signed_out"] {
        assert!(text.contains(&format!("\"action\":\"{action}\"")), "{action} missing in {text}");
    }
}

/// A real station (its own config, the simulator in a process of its own), since only a real
/// station's journal is kept across runs: the demo starts empty each run.
#[tokio::test(flavor = "multi_thread")]
async fn the_right_pin_quits_and_a_restart_resumes_the_order_and_its_counters() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_str().unwrap().to_string();
    let (sim, config) = crate::common::station_with_sim(home.path(), "");
    let cfg = config.to_str().unwrap().to_string();
    let station = || Pty::spawn(&["--config", &cfg, "--kiosk"], &[("HOME", &h), ("XDG_DATA_HOME", &h)], 80, 24);

    let mut pty = station();
    pty.wait_text("Sign in");
    pty.type_keys("op-1\r");
    pty.wait_text("Signed in");
    // The supervisor unlocks, and the order barcode makes the order active.
    pty.unlock("sup-1");
    pty.type_keys("ORDER:Order143\r");
    pty.wait_text("● active Order143");
    for s in shopfloor::sim::demo_scans("Order143", 3, 11).unwrap() {
        pty.type_keys(&s);
        pty.send(b"\r");
    }
    pty.wait_text("Scanned 3");
    // The SSH link drops.
    let pid = pty.child.process_id().unwrap() as i32;
    // SAFETY: signalling the child this test started.
    unsafe { libc::kill(pid, libc::SIGHUP) };
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);

    let mut pty = station();
    pty.wait_text("Sign in");
    pty.type_keys("op-1\r");
    pty.wait_text("Order143");
    pty.wait_text("Scanned 3");
    pty.unlock("sup-1");
    pty.send(b"\x11"); // Ctrl-Q
    assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
    drop(sim);

    let (code, text) = shopfloor(home.path(), &["audit", "--format", "json"]);
    assert_eq!(code, 0, "{text}");
    let scans: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["action"] == "scan.accepted")
        .collect();
    assert_eq!(scans.len(), 3, "{text}");
    assert!(scans.iter().all(|v| v["operator"] == "op-1"), "every scan names its operator: {text}");
    assert!(text.contains("\"action\":\"kiosk.unlocked\""));
    let (code, verified) = shopfloor(home.path(), &["audit", "--verify"]);
    assert_eq!(code, 0, "{verified}");
}

fn shopfloor(home: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shopfloor"))
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn audit_json(home: &std::path::Path) -> String {
    let (code, text) = shopfloor(home, &["audit", "--demo", "--format", "json"]);
    assert_eq!(code, 0, "{text}");
    text
}
