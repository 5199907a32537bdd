//! Four station processes race 10,000 scans, a tenth of their serials scanned at two stations,
//! against one simulator and one line store: every serial is claimed exactly once, every
//! overlap is a DUPLICATE at the later station naming the first, and every serial is
//! commissioned exactly once.

use crate::common::pg::Pg;
use crate::common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};

const GTIN: &str = "02022090117459";
const STATIONS: usize = 4;
const DISTINCT: usize = 9_000;
const OVERLAPS: usize = 1_000;

fn code(serial: &str) -> String {
    format!("]d201{GTIN}1729051210B2405121\u{1d}21{serial}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_stations_race_and_each_serial_is_claimed_once() {
    let pg = Pg::start();
    let names: Vec<String> = (1..=STATIONS).map(|i| format!("st-{i}")).collect();
    pg.init(&names.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let sim = start_sim().await;

    // Serial i is scanned at station i % 4; every ninth also at another station, at about the
    // same moment of its run.
    let serial = |i: usize| format!("RACE{i:05}");
    let mut lists: Vec<Vec<(f64, String)>> = vec![Vec::new(); STATIONS];
    for i in 0..DISTINCT {
        lists[i % STATIONS].push((i as f64, serial(i)));
    }
    let mut overlapped = BTreeMap::new();
    for k in 0..OVERLAPS {
        let i = k * 9;
        let other = (i % STATIONS + 1 + k % 3) % STATIONS;
        lists[other].push((i as f64 + 0.5, serial(i)));
        overlapped.insert(serial(i), (names[i % STATIONS].clone(), names[other].clone()));
    }
    let total: usize = lists.iter().map(Vec::len).sum();
    assert_eq!(total, 10_000);

    let dir = tempfile::tempdir().unwrap();
    let mut children = Vec::new();
    for (n, list) in lists.iter_mut().enumerate() {
        list.sort_by(|a, b| a.0.total_cmp(&b.0));
        let home = dir.path().join(&names[n]);
        std::fs::create_dir_all(&home).unwrap();
        let config = home.join("config.toml");
        let text = shopfloor::sim::config_snippet(sim.addr)
            .replace("id = \"demo-station-1\"", &format!("id = \"{}\"", names[n]));
        std::fs::write(&config, format!("{text}\n{}", pg.section(&names[n]))).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_shopfloor"))
            .args(["--config", config.to_str().unwrap(), "line-store", "station", "--order", "Order143"])
            .args(["--operator", &format!("op-{}", n + 1), "--data-dir", home.join("data").to_str().unwrap()])
            .env("HOME", &home)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the station starts");
        let input: String = list.iter().map(|(_, s)| code(s) + "\n").collect();
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        children.push(child);
    }
    let outputs = tokio::task::spawn_blocking(move || {
        children.into_iter().map(|c| c.wait_with_output().unwrap()).collect::<Vec<_>>()
    })
    .await
    .unwrap();

    // Every answer of every station, by serial.
    let mut answers: BTreeMap<String, Vec<(String, serde_json::Value)>> = BTreeMap::new();
    let mut duplicates = 0;
    for (n, out) in outputs.iter().enumerate() {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{} failed: {}\n{text}", names[n], String::from_utf8_lossy(&out.stderr));
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if let Some(s) = v.get("summary") {
                duplicates += s["duplicates"].as_u64().unwrap();
                continue;
            }
            answers.entry(v["serial"].as_str().unwrap().to_string()).or_default().push((names[n].clone(), v));
        }
    }
    assert_eq!(answers.len(), DISTINCT);
    let odd: Vec<_> = answers
        .iter()
        .filter(|(_, a)| a.iter().any(|(_, v)| v["result"] != "accepted" && v["result"] != "duplicate"))
        .collect();
    assert!(odd.is_empty(), "every answer is ACCEPTED or DUPLICATE: {odd:?}");
    assert_eq!(duplicates as usize, OVERLAPS, "one DUPLICATE per overlapping serial");

    let admin = pg.admin().await;
    let claims: BTreeMap<String, String> = admin
        .query("SELECT serial, station FROM shopfloor.claims WHERE serial LIKE 'RACE%'", &[])
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(claims.len(), DISTINCT, "every serial claimed exactly once");

    for (serial, got) in &answers {
        let owner = &claims[serial];
        match overlapped.get(serial) {
            None => {
                assert_eq!(got.len(), 1);
                assert_eq!((&got[0].0, got[0].1["result"].as_str()), (owner, Some("accepted")), "{serial}");
            }
            Some((a, b)) => {
                assert_eq!(got.len(), 2, "{serial} was scanned at {a} and {b}");
                let (winner, loser): (Vec<_>, Vec<_>) = got.iter().partition(|(st, _)| st == owner);
                assert_eq!(winner.len(), 1, "{serial}: {got:?}");
                assert_eq!(winner[0].1["result"], "accepted", "{serial}: {got:?}");
                assert_eq!(loser[0].1["result"], "duplicate", "the later station raises DUPLICATE: {got:?}");
                assert_eq!(loser[0].1["first_station"].as_str(), Some(owner.as_str()), "it names the first: {got:?}");
            }
        }
    }
    let late: i64 = admin.query_one("SELECT count(*) FROM shopfloor.late_duplicates", &[]).await.unwrap().get(0);
    assert_eq!(late, 0, "with the store online, no duplicate is found late");

    let on_server: Vec<String> =
        serde_json::from_value(get_json(&sim, &format!("/_sim/commissioned?product_code={GTIN}")).await).unwrap();
    let ours: Vec<&String> = on_server.iter().filter(|s| s.starts_with("RACE")).collect();
    assert_eq!(ours.len(), DISTINCT, "each serial commissioned exactly once");
    assert_eq!(ours.iter().collect::<BTreeSet<_>>().len(), DISTINCT);
    println!("race: {total} scans at {STATIONS} stations, {} claimed once each, {duplicates} duplicates", claims.len());
}
