//! The config a station starts with is in its audit trail: the real dashboard started three
//! times on one config file — as it was, with controls weakened, and unchanged — writes a
//! `config.loaded` row each time, names what changed and what was weakened, and never writes a
//! secret or PIN hash in clear. `shopfloor audit` shows the reason.

use crate::common::pty::Pty;
use shopfloor::sim::{self, SimOptions};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn start_and_quit(config: &Path, home: &Path) {
    let (c, h) = (config.to_str().unwrap(), home.to_str().unwrap());
    let mut pty = Pty::spawn(&["--config", c], &[("HOME", h), ("XDG_DATA_HOME", h)], 80, 24);
    pty.wait_text("Order143");
    pty.send(b"\x11");
    assert_eq!(pty.wait_exit(Duration::from_secs(20)), 0, "{}", pty.screen());
}

fn audit(journal: &Path, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_shopfloor"))
        .args(["audit", "--journal", journal.to_str().unwrap(), "--format", format])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn config_rows(journal: &Path) -> Vec<serde_json::Value> {
    audit(journal, "json")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["action"] == "config.loaded")
        .collect()
}

#[test]
fn each_start_records_the_config_and_a_weakened_control_is_named() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let handle = rt.block_on(sim::start(SimOptions::default())).unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("station.toml");
    let snippet = handle.config_snippet();
    let with = |tolerance: u32, relock: u32| {
        format!(
            "{snippet}\n[scan]\noverfill_tolerance_percent = {tolerance}\n",
            snippet = snippet.replace("[kiosk]\n", &format!("[kiosk]\nrelock_idle_secs = {relock}\n"))
        )
    };
    std::fs::write(&config, with(2, 60)).unwrap();
    start_and_quit(&config, home.path());
    std::fs::write(&config, with(10, 300)).unwrap();
    start_and_quit(&config, home.path());
    start_and_quit(&config, home.path());

    let journal = home.path().join("shopfloor/journal.db");
    let rows = config_rows(&journal);
    assert_eq!(rows.len(), 3, "one row per start: {rows:?}");
    let canonical = std::fs::canonicalize(&config).unwrap();
    let snapshot = |row: &serde_json::Value| -> serde_json::Value {
        serde_json::from_str(row["new_value"].as_str().unwrap()).unwrap()
    };
    let (first, second, third) = (snapshot(&rows[0]), snapshot(&rows[1]), snapshot(&rows[2]));
    for row in &rows {
        assert_eq!(row["object"], canonical.display().to_string());
        assert_eq!(row["station"], "demo-station-1");
    }
    assert_eq!(first["values"]["scan.overfill_tolerance_percent"], "2");
    assert_eq!(first["values"]["operators.op-2.name"], "Ben Ek");
    assert!(first["values"]["operators.sup-1.pin_hash"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(first["hash"].as_str().unwrap().len(), 64);
    assert!(rows[0]["old_value"].is_null() && rows[0]["reason"].is_null(), "nothing to compare with at first");

    assert_eq!(rows[1]["old_value"], first["hash"], "the previous hash");
    assert_ne!(second["hash"], first["hash"]);
    let reason = rows[1]["reason"].as_str().unwrap();
    assert_eq!(
        reason,
        "changed: kiosk.relock_idle_secs, scan.overfill_tolerance_percent. weakened: kiosk.relock_idle_secs 60 → \
         300; scan.overfill_tolerance_percent 2 → 10"
    );

    assert_eq!(third["hash"], second["hash"]);
    assert!(rows[2]["old_value"].is_null());
    assert_eq!(rows[2]["reason"], "unchanged since the last start");

    // No secret and no PIN hash reaches the journal, in any form the audit prints.
    let all = format!("{}{}{}", audit(&journal, "json"), audit(&journal, "csv"), audit(&journal, "table"));
    for secret in ["demo-api-key", "demo-api-secret", "demo-channel-key", "demo-production-key", "demo-store", "argon2"]
    {
        assert!(!all.contains(secret), "{secret} in the audit trail");
    }
    let table = audit(&journal, "table");
    assert!(table.contains("weakened: kiosk.relock_idle_secs 60 → 300"), "{table}");
    let line = table.lines().find(|l| l.contains("weakened")).unwrap();
    assert!(
        line.contains("config ") && !line.contains("\"values\""),
        "the table names the hash, not every setting: {line}"
    );
    let (code, verify) = {
        let out = Command::new(env!("CARGO_BIN_EXE_shopfloor"))
            .args(["audit", "--journal", journal.to_str().unwrap(), "--verify"])
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    assert_eq!(code, Some(0), "{verify}");
}
