//! Two dashboards of one line, each in its own pseudo-terminal, sharing one simulator and one
//! line store (a real PostgreSQL server): a pack accepted at one station is a DUPLICATE at the
//! other, naming the first station and its time, and both see the line's counters.

use crate::common::pg::Pg;
use crate::common::pty::Pty;
use crate::common::start_sim;
use std::time::Duration;

const GTIN: &str = "02022090117459";

fn code(serial: &str) -> String {
    format!("]d201{GTIN}1729051210B2405121\u{1d}21{serial}\r")
}

/// A station's dashboard, with Order143 active and the Scan tab shown.
fn station(home: &std::path::Path, name: &str, snippet: &str, pg: &Pg) -> Pty {
    let config = home.join("config.toml");
    let text = snippet.replace("id = \"demo-station-1\"", &format!("id = \"{name}\""));
    std::fs::write(&config, format!("{text}\n{}", pg.section(name))).unwrap();
    let h = home.to_str().unwrap();
    let mut pty = Pty::spawn(&["--config", config.to_str().unwrap()], &[("HOME", h), ("XDG_DATA_HOME", h)], 80, 24);
    pty.wait_text("Order143");
    pty.press("a");
    pty.wait_text("● active Order143");
    pty.send(b"\x1b[15~");
    pty.wait_text("READY");
    pty.wait_for("the line check online", Duration::from_secs(30), |s| s.contains("Line ●"));
    pty
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pack_accepted_at_one_station_is_a_duplicate_at_the_other() {
    let pg = Pg::start();
    pg.init(&["st-a", "st-b"]).await;
    let sim = start_sim().await;
    let snippet = shopfloor::sim::config_snippet(sim.addr);
    let dir = tempfile::tempdir().unwrap();
    let (home_a, home_b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&home_a).unwrap();
    std::fs::create_dir_all(&home_b).unwrap();
    let mut a = station(&home_a, "st-a", &snippet, &pg);
    let mut b = station(&home_b, "st-b", &snippet, &pg);

    a.type_keys(&code("LINE0001"));
    a.wait_text("ACCEPTED");
    b.type_keys(&code("LINE0001"));
    b.wait_for("a line-wide duplicate", Duration::from_secs(20), |s| s.contains("DUPLICATE"));
    let said = b.screen();
    assert!(said.contains("scanned at station st-a"), "names the first station:\n{said}");
    assert!(said.contains("off the line"), "says what to do:\n{said}");
    assert!(!said.contains("ACCEPTED"), "{said}");

    // A pack of its own is accepted at the second station once the alarm is acknowledged, and
    // both stations count the line's packs.
    b.send(b"\x1b[20~"); // F9: acknowledge
    b.wait_text("READY");
    b.type_keys(&code("LINE0002"));
    b.wait_text("ACCEPTED");
    for pty in [&mut a, &mut b] {
        pty.wait_for("the line's counters", Duration::from_secs(20), |s| {
            s.contains("Line: 2 packs of this order, 1 here")
        });
    }
    for mut pty in [a, b] {
        pty.send(b"\x11");
        assert_eq!(pty.wait_exit(Duration::from_secs(20)), 0, "{}", pty.screen());
    }

    // Only the first station's claim stands in the store.
    let admin = pg.admin().await;
    let rows = admin.query("SELECT station FROM shopfloor.claims WHERE serial = 'LINE0001'", &[]).await.unwrap();
    let stations: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(stations, ["st-a"]);
}
