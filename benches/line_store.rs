//! The line store's claim figures against a real PostgreSQL on loopback (durable commits, as
//! a plant runs it): `cargo bench --bench line_store`. Prints the scans per second a burst of
//! 10,000 is journaled and claimed at, and what one scan's claim adds after the journal.

// The tests' server helper; the bench uses a part of it.
#[path = "../tests/common/pg.rs"]
#[allow(dead_code)]
mod pg;

use shopfloor::line_store::{ClaimResult, LineStore};
use shopfloor::scan::journal::{Appended, Journal, NewScan};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn scan(serial: String) -> NewScan {
    NewScan {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        station: "bench".into(),
        operator: Some("op-1".into()),
        order_id: "Order143".into(),
        gtin: "02022090117459".into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        raw: serial.clone(),
        serial,
    }
}

fn append(j: &Mutex<Journal>, serials: Vec<String>) -> Vec<i64> {
    let scans: Vec<NewScan> = serials.into_iter().map(scan).collect();
    j.lock()
        .expect("journal lock")
        .append(&scans)
        .expect("journaled")
        .into_iter()
        .filter_map(|a| match a {
            Appended::Accepted(id) => Some(id),
            Appended::Duplicate { .. } | Appended::ClaimedElsewhere { .. } | Appended::Voided { .. } => None,
        })
        .collect()
}

fn main() {
    // Durable commits: fsync on, synchronous_commit on (the server's defaults).
    let pg = pg::Pg::start_with(&[]);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        pg.init(&["bench"]).await;
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("journal.db");
        let journal = Arc::new(Mutex::new(Journal::open(&path).expect("journal")));
        let j = journal.clone();
        let sink: shopfloor::line_store::AuditSink = Arc::new(move |e| {
            if let Ok(mut j) = j.lock() {
                let _ = j.audit(&e);
            }
        });
        let (store, _events) = LineStore::start(&pg.config("bench", "bench", "line-1"), &path, sink).expect("started");
        while !store.status().online {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        // A burst: 10,000 scans arrive in groups of 100 (one journal commit each), each group
        // claimed as soon as it is on disk, all groups in flight together.
        const N: usize = 10_000;
        let start = Instant::now();
        let mut pending = Vec::new();
        for g in 0..N / 100 {
            let ids = append(&journal, (g * 100..g * 100 + 100).map(|i| format!("BURST{i:06}")).collect());
            let s = store.clone();
            pending.push(tokio::spawn(async move { s.claim(&ids).await }));
        }
        let mut claimed = 0;
        for p in pending {
            claimed += p.await.expect("claim task").iter().filter(|r| **r == ClaimResult::Claimed).count();
        }
        let took = start.elapsed();
        println!(
            "burst: {N} scans journaled and claimed in {:.0} ms: {:.0} scans/s ({claimed} claimed; target >= 5,000/s)",
            took.as_secs_f64() * 1000.0,
            N as f64 / took.as_secs_f64()
        );

        // One scan at a time, as a person scans: what the claim adds once the scan is on disk.
        let mut lat = Vec::new();
        for i in 0..300 {
            let ids = append(&journal, vec![format!("SINGLE{i:06}")]);
            let t = Instant::now();
            let r = store.claim(&ids).await;
            lat.push(t.elapsed());
            assert_eq!(r, vec![ClaimResult::Claimed]);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        lat.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "one scan's claim: median {:.2} ms, 95th percentile {:.2} ms, max {:.2} ms over {} scans (target < 20 ms)",
            ms(lat[lat.len() / 2]),
            ms(lat[lat.len() * 95 / 100]),
            ms(lat[lat.len() - 1]),
            lat.len()
        );
        store.stop().await;
    });
}
