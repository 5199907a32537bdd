//! What commissioning costs as a station's journal grows: `cargo bench --bench commission`.
//! Prints
//! - the time to journal and commission 10,000 scans with 0 and with 100,000 rows already in the
//!   active order (the journal writer, the pipeline and the simulator in this process, and the
//!   scan panel's counters asked for after every answer, as the dashboard does), and the ratio;
//! - the time a queue of 5,000 scans left by an outage takes to drain once the backend is back;
//! - end to end through the real binary in a pseudo-terminal against `shopfloor sim` in its own
//!   process: 10,000 scans typed until all are commissioned, and resident memory after 100,000,
//!   typed 10,000 at once and a hundred at a time (and the latter with `--demo`, where the
//!   simulator shares the process). Set BENCH_TRACE to see memory after each 10,000.

#[path = "../tests/common/mod.rs"]
mod common;

use shopfloor::api::ManufacturerClient;
use shopfloor::scan::journal::{Journal, NewScan};
use shopfloor::scan::journal_writer::{self, Event, Job};
use shopfloor::sim::{FaultSettings, SimOptions};
use shopfloor::worker::commission::{self, Progress, Settings};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The simulator's long run (Order143 takes 10 packs; this one 100,000).
const ORDER: &str = "Order150";

fn scan(serial: String) -> NewScan {
    NewScan {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        station: "bench".into(),
        operator: None,
        order_id: ORDER.into(),
        gtin: "02022090117459".into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        raw: format!("(21){serial}"),
        serial,
    }
}

/// The journal thread, the pipeline and an in-process simulator; `stats` stands in for the
/// dashboard, which asks for the scan panel's figures after every journal and pipeline answer.
struct Rig {
    jobs: std::sync::mpsc::Sender<Job>,
    events: tokio::sync::mpsc::UnboundedReceiver<Event>,
    progress: tokio::sync::mpsc::UnboundedReceiver<Progress>,
    writer: Option<std::thread::JoinHandle<()>>,
    sim: shopfloor::sim::SimHandle,
}

impl Rig {
    async fn start(path: &Path, prefill: usize) -> Rig {
        let sim = shopfloor::sim::start(SimOptions::default()).await.expect("simulator");
        let snippet = shopfloor::sim::config_snippet(sim.addr)
            .replace("token_mode = \"dynamic\"", "token_mode = \"static\"\ntoken = \"demo-static-token\"");
        let cfg = shopfloor::config::parse(&snippet, Path::new("bench.toml"), &|_| None).expect("config").config;
        let client = Arc::new(ManufacturerClient::new(cfg.manufacturer).expect("client"));
        let mut journal = Journal::open(path).expect("journal");
        for start in (0..prefill).step_by(5_000) {
            let burst: Vec<NewScan> = (start..(start + 5_000).min(prefill)).map(|i| scan(format!("F{i:07}"))).collect();
            journal.append(&burst).expect("prefill");
            while let Some(b) = journal.take_batch(5_000).expect("prefill") {
                let ids: Vec<i64> = b.rows.iter().map(|r| r.0).collect();
                journal.mark(&ids, shopfloor::scan::journal::State::Commissioned, None).expect("prefill");
            }
        }
        let wake = Arc::new(tokio::sync::Notify::new());
        let (events_tx, events) = tokio::sync::mpsc::unbounded_channel();
        let (jobs, writer) = journal_writer::spawn(journal, events_tx, wake.clone()).expect("journal thread");
        let (progress_tx, progress) = tokio::sync::mpsc::unbounded_channel();
        commission::spawn(jobs.clone(), client, Settings::default(), progress_tx, wake);
        Rig { jobs, events, progress, writer: Some(writer), sim }
    }

    /// Runs the dashboard's part until the order's figures satisfy `done`; returns when the
    /// pipeline first reported each kind of progress.
    async fn until(&mut self, done: impl Fn(&shopfloor::scan::journal::Counts) -> bool) -> (Option<Instant>, usize) {
        let mut first_answer = None;
        let mut waits = 0;
        loop {
            tokio::select! {
                Some(e) = self.events.recv() => match e {
                    Event::Journaled(_) => { let _ = self.jobs.send(Job::Stats(ORDER.into())); }
                    Event::Stats(s) => if done(&s.counts) { return (first_answer, waits) },
                    Event::Found { .. } => {}
                },
                Some(p) = self.progress.recv() => {
                    match p {
                        Progress::Answered { .. } => { first_answer.get_or_insert_with(Instant::now); }
                        Progress::Waiting { .. } => waits += 1,
                        Progress::JournalFailed(e) => panic!("journal failed: {e}"),
                    }
                    let _ = self.jobs.send(Job::Stats(ORDER.into()));
                }
            }
        }
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = self.jobs.send(Job::Shutdown);
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime")
}

/// Seconds to journal and commission 10,000 new scans with `prefill` rows already in the order.
fn commission_10k(prefill: usize) -> f64 {
    let dir = tempfile::tempdir().expect("temporary directory");
    runtime().block_on(async {
        let mut rig = Rig::start(&dir.path().join("journal.db"), prefill).await;
        let target = (prefill + 10_000) as i64;
        let start = Instant::now();
        for i in 0..10_000 {
            rig.jobs.send(Job::Append(scan(format!("N{i:07}")))).expect("journal thread");
        }
        rig.until(|c| c.commissioned >= target).await;
        start.elapsed().as_secs_f64()
    })
}

/// A queue of 5,000 scans built up while the backend answered 503: seconds until the pipeline
/// noticed the backend was back, and from then until the queue was empty.
fn drain_5000() -> (f64, f64) {
    let dir = tempfile::tempdir().expect("temporary directory");
    runtime().block_on(async {
        let mut rig = Rig::start(&dir.path().join("journal.db"), 0).await;
        rig.sim.set_faults(FaultSettings { error_rate: 1.0, ..Default::default() }).expect("faults");
        for i in 0..5_000 {
            rig.jobs.send(Job::Append(scan(format!("Q{i:07}")))).expect("journal thread");
        }
        // Down long enough for the backoff to reach its cap.
        let mut waits = 0;
        while waits < 6 {
            waits += rig.until(|c| c.accepted == 5_000).await.1;
        }
        rig.sim.set_faults(FaultSettings::default()).expect("faults");
        let back = Instant::now();
        let (first, _) = rig.until(|c| c.commissioned == 5_000).await;
        let done = Instant::now();
        let first = first.unwrap_or(done);
        (first.duration_since(back).as_secs_f64(), done.duration_since(first).as_secs_f64())
    })
}

fn vm(pid: u32, key: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn commissioned_in(journal: &Path) -> i64 {
    let Ok(c) = rusqlite::Connection::open_with_flags(journal, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    c.query_row(
        "SELECT COALESCE(SUM(n), 0) FROM order_counts WHERE order_id = ?1 AND what = 'commissioned'",
        [ORDER],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

fn journaled_in(journal: &Path) -> i64 {
    let Ok(c) = rusqlite::Connection::open_with_flags(journal, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    c.query_row(
        "SELECT COALESCE(SUM(n), 0) FROM order_counts WHERE order_id = ?1 AND what <> 'duplicate'",
        [ORDER],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

/// The real binary in a pseudo-terminal: (seconds for the first 10,000 scans typed until all
/// are commissioned, resident MB after 100,000, peak MB). `paced`: the scans are typed 100 at a
/// time, each hundred once the one before is journaled (still far faster than a line scans);
/// otherwise each 10,000 arrive in one go.
fn real_binary(demo: bool, paced: bool) -> (f64, f64, f64) {
    let home = tempfile::tempdir().expect("temporary home");
    let h = home.path().to_str().expect("utf-8 path").to_string();
    let data = home.path().join(if demo { "shopfloor/demo" } else { "shopfloor" });
    let mut sim_child = None;
    let mut p = if demo {
        common::pty::Pty::spawn(&["--demo"], &[("HOME", &h), ("XDG_DATA_HOME", &h)], 80, 24)
    } else {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_shopfloor"));
        cmd.args(["sim", "--listen", "127.0.0.1:0"]);
        let (child, snippet, port) = common::sim_process(cmd);
        sim_child = Some(child);
        let config = home.path().join("config.toml");
        std::fs::write(&config, snippet).expect("config");
        // The station starts with the order active, as a station in the middle of a shift.
        let order: serde_json::Value = http::order_143(port);
        std::fs::create_dir_all(&data).expect("data dir");
        let mut j = Journal::open(&data.join("journal.db")).expect("journal");
        j.set("active_order", &order.to_string()).expect("active order");
        drop(j);
        let cfg = config.to_str().expect("utf-8 path").to_string();
        common::pty::Pty::spawn(&["--config", &cfg], &[("HOME", &h), ("XDG_DATA_HOME", &h)], 80, 24)
    };
    p.wait_for("active order", Duration::from_secs(30), |s| {
        s.contains("● active Order143") || s.contains("● active Order150")
    });
    p.send(b"\x1b[15~");
    p.wait_for("scan tab", Duration::from_secs(10), |s| s.contains("READY"));
    if demo {
        p.activate(ORDER);
    }
    let pid = p.child.process_id().expect("the child's pid");
    if std::env::var_os("BENCH_TRACE").is_some() {
        eprintln!("started: {:.1} MB resident", vm(pid, "VmRSS:"));
    }
    let journal = data.join("journal.db");
    let mut first = 0.0;
    for round in 0..10 {
        let scans = shopfloor::sim::demo_scans(ORDER, 10_000, 1_000 + round).expect("demo scans");
        let mut bytes = Vec::new();
        for s in &scans {
            bytes.extend_from_slice(s.as_bytes());
            bytes.push(b'\r');
        }
        let start = Instant::now();
        if paced {
            for (k, hundred) in scans.chunks(100).enumerate() {
                let text: String = hundred.iter().map(|s| format!("{s}\r")).collect();
                p.send(text.as_bytes());
                let want = round as i64 * 10_000 + (k as i64 + 1) * 100;
                while journaled_in(&journal) < want {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        } else {
            for chunk in bytes.chunks(4096) {
                p.send(chunk);
            }
        }
        let want = (round as i64 + 1) * 10_000;
        while commissioned_in(&journal) < want {
            assert!(start.elapsed() < Duration::from_secs(300), "round {round} did not finish");
            std::thread::sleep(Duration::from_millis(20));
        }
        if round == 0 {
            first = start.elapsed().as_secs_f64();
        }
        if std::env::var_os("BENCH_TRACE").is_some() {
            eprintln!("round {round}: {:.1} MB resident, {:.1} MB peak", vm(pid, "VmRSS:"), vm(pid, "VmHWM:"));
        }
    }
    // Let the last answers and redraws settle before reading.
    std::thread::sleep(Duration::from_secs(1));
    let (rss, peak) = (vm(pid, "VmRSS:"), vm(pid, "VmHWM:"));
    p.send(b"\x11");
    p.wait_exit(Duration::from_secs(20));
    if let Some(mut c) = sim_child {
        let _ = c.kill();
        let _ = c.wait();
    }
    (first, rss, peak)
}

mod http {
    /// The order as the simulator holds it, over a plain loopback HTTP/1.1 request.
    pub fn order_143(port: u16) -> serde_json::Value {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("simulator");
        let req = "GET /_sim/packaging_orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        s.write_all(req.as_bytes()).expect("request");
        let mut text = String::new();
        s.read_to_string(&mut text).expect("answer");
        let body = text.split("\r\n\r\n").nth(1).expect("a body");
        let all: Vec<serde_json::Value> = serde_json::from_str(body).expect("a JSON list");
        all.into_iter()
            .find(|o| o["order_id"] == super::ORDER)
            .expect("Order143 among the simulator's packaging orders")
    }
}

fn main() {
    // Alternated and the best of three each, so a busy machine weighs on both alike.
    let (mut empty, mut full) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        empty = empty.min(commission_10k(0));
        full = full.min(commission_10k(100_000));
    }
    println!(
        "commission 10,000 scans (journaled, commissioned, counters read after every answer): {empty:.2} s with 0 rows in the order, {full:.2} s with 100,000 (ratio {:.2}; must be < 1.3)",
        full / empty
    );
    let (noticed, drained) = drain_5000();
    println!(
        "5,000 scans queued during an outage: backend back noticed after {noticed:.2} s (backoff cap 5 s), then drained in {drained:.2} s"
    );
    let (e2e, rss, peak) = real_binary(false, false);
    println!(
        "real binary against `shopfloor sim` (own process): 10,000 scans arriving at once, typed to all commissioned in {e2e:.2} s; after 100,000 scans so typed {rss:.1} MB resident ({peak:.1} MB peak)"
    );
    let (_, rss, peak) = real_binary(false, true);
    println!(
        "the same, the scans typed a hundred at a time (as fast as the journal takes them): after 100,000 scans {rss:.1} MB resident ({peak:.1} MB peak)"
    );
    let (_, rss, peak) = real_binary(true, true);
    println!(
        "the same with --demo (the simulator, holding every commissioned serial, in the same process): {rss:.1} MB resident ({peak:.1} MB peak)"
    );
}
