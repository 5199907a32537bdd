//! Electronic signatures in the real binary, at a kiosk station with its own config: the first
//! signature takes the id and the PIN, the next the PIN alone, idle time past the session's
//! limit asks for both again, and a two-person action is refused when the person who asked
//! signs. The audit trail holds each signature and verifies.
#![cfg(unix)]

use crate::common::pty::Pty;
use std::time::Duration;

const DOWN: &[u8] = b"\x1b[B";

fn shopfloor(home: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shopfloor"))
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home)
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// Selects the next row of Last scans and asks to decommission it as Sampled.
fn decommission_next(pty: &mut Pty) {
    pty.send(DOWN);
    pty.press("\x1b[18~");
    pty.wait_text("Decommission serial");
    pty.press("s");
    pty.wait_text("Sign: decommission a serial");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_signs_with_the_pin_alone_until_idle_and_two_persons_are_enforced() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_str().unwrap().to_string();
    let extra = "\n[signatures]\nsession_idle_secs = 5\n\n[signatures.decommission]\ntwo_person = true\n";
    let (_sim, config) = crate::common::station_with_sim(home.path(), extra);
    let cfg = config.to_str().unwrap().to_string();
    let mut pty = Pty::spawn(&["--config", &cfg, "--kiosk"], &[("HOME", &h), ("XDG_DATA_HOME", &h)], 80, 24);
    pty.wait_text("Sign in");
    pty.type_keys("op-1\r");
    pty.wait_text("Signed in: Anna Berg (op-1)");

    // First signature: the id (here a badge scanned) and the PIN.
    pty.unlock("OP:sup-1");
    pty.activate("Order143");
    for s in shopfloor::sim::demo_scans("Order143", 3, 21).unwrap() {
        pty.type_keys(&s);
        pty.send(b"\r");
    }
    pty.wait_text("Commissioned 3");

    // Second: the PIN alone, by the same person.
    decommission_next(&mut pty);
    pty.wait_text("the PIN is enough");
    pty.type_keys("2468\r");
    pty.wait_text("decommissioned (Sampled)");

    // Idle past the session's 5 s: the third asks who signs again.
    std::thread::sleep(Duration::from_secs(6));
    decommission_next(&mut pty);
    pty.wait_text("Id or badge");
    assert!(!pty.screen().contains("the PIN is enough"), "{}", pty.screen());
    pty.type_keys("qa-1\r");
    pty.wait_text("Quinn Adler (qa-1)");
    pty.type_keys("3579\r");
    pty.wait_text("decommissioned (Sampled)");

    // sup-1 takes over the station, then asks for a decommissioning: someone else must sign.
    pty.type_keys("OP:sup-1\r");
    pty.wait_text("PIN for Sam Sousa");
    pty.type_keys("2468\r");
    pty.wait_text("handed over to Sam Sousa");
    decommission_next(&mut pty);
    pty.type_keys("sup-1\r");
    pty.wait_text("A second person must sign");
    pty.send(b"\x1b");
    pty.wait_text("Not signed: nothing was done");
    drop(pty);

    let (code, text) = shopfloor(home.path(), &["audit", "--format", "json"]);
    assert_eq!(code, 0, "{text}");
    let rows: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let signed: Vec<(&str, &str)> = rows
        .iter()
        .filter(|v| v["action"] == "signature")
        .map(|v| (v["signature"]["signer"].as_str().unwrap(), v["signature"]["meaning"].as_str().unwrap()))
        .collect();
    assert_eq!(signed, [("sup-1", "performed"), ("sup-1", "approved"), ("qa-1", "approved")], "{text}");
    // No PIN in the audit trail: no word of any row is one (hashes and serials may hold the
    // same digits inside longer words).
    let leaked = text.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == "2468" || w == "3579");
    assert!(!leaked, "a PIN is in the audit trail: {text}");
    let (code, verified) = shopfloor(home.path(), &["audit", "--verify"]);
    assert_eq!(code, 0, "{verified}");
}
