//! The commissioning pipeline against the simulator over loopback HTTP, with faults: every
//! journaled serial ends commissioned exactly once, and refused serials are rejected with the
//! server's reason while the rest go through.

use crate::common::*;
use shopfloor::api::ManufacturerClient;
use shopfloor::domain::manufacturer::DecommissionRequest;
use shopfloor::scan::journal::{Journal, NewScan};
use shopfloor::sim::FaultSettings;
use shopfloor::worker::commission::{self, Progress, Settings};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const GTIN: &str = "02022090117459";

fn scan(serial: &str) -> NewScan {
    NewScan {
        at: "2026-11-21T10:00:00.000Z".into(),
        station: "test".into(),
        operator: None,
        order_id: "Order143".into(),
        gtin: GTIN.into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: serial.into(),
        raw: format!("(21){serial}"),
    }
}

async fn wait_until_answered(journal: &Arc<Mutex<Journal>>, total: i64) -> shopfloor::scan::journal::Counts {
    let start = Instant::now();
    loop {
        let c = journal.lock().unwrap().counts("Order143").unwrap();
        if c.commissioned + c.rejected == total {
            return c;
        }
        assert!(start.elapsed() < Duration::from_secs(90), "not all answered: {c:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn fast() -> Settings {
    Settings {
        backoff_start: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        ..Settings::default()
    }
}

/// A Movilitas client with the simulator's static token (no token round trips in the way).
fn static_token_client(sim: &shopfloor::sim::SimHandle) -> Arc<ManufacturerClient> {
    let cfg = config_for(sim, "[manufacturer]\ntoken_mode = \"static\"\ntoken = \"demo-static-token\"");
    Arc::new(ManufacturerClient::new(cfg.manufacturer).unwrap())
}

/// A fresh journal file; the directory lives as long as the returned guard.
fn temp_journal() -> (tempfile::TempDir, Arc<Mutex<Journal>>) {
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(Mutex::new(Journal::open(&dir.path().join("j.db")).unwrap()));
    (dir, journal)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_serial_is_commissioned_exactly_once_through_dropped_connections_and_5xx() {
    let sim = start_sim().await;
    let client = static_token_client(&sim);
    let (_dir, journal) = temp_journal();
    let serials: Vec<String> = (0..1_000).map(|i| format!("P{i:05}")).collect();
    journal.lock().unwrap().append(&serials.iter().map(|s| scan(s)).collect::<Vec<_>>()).unwrap();
    sim.set_faults(FaultSettings { drop_rate: 0.2, error_rate: 0.1, ..Default::default() }).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let wake = commission::spawn(journal.clone(), client, fast(), tx);
    wake.notify_one();
    let c = wait_until_answered(&journal, 1_000).await;
    assert_eq!((c.commissioned, c.rejected, c.pending), (1_000, 0, 0));
    let on_server: Vec<String> =
        serde_json::from_value(get_json(&sim, &format!("/_sim/commissioned?product_code={GTIN}")).await).unwrap();
    assert_eq!(on_server.len(), 1_000, "each serial once on the server");
    assert_eq!(on_server.iter().collect::<BTreeSet<_>>(), serials.iter().collect::<BTreeSet<_>>());
    let log = get_json(&sim, "/_sim/requests").await;
    let dropped = log.as_array().unwrap().iter().filter(|e| e["fault"] == "dropped").count();
    assert!(dropped > 0, "the faults did happen");
    let mut waited = 0;
    while let Ok(p) = rx.try_recv() {
        if matches!(p, Progress::Waiting { .. }) {
            waited += 1;
        }
    }
    assert!(waited > 0, "the pipeline reported waiting for the backend");
    // Attempts: some rows were sent more than once, none lost.
    let recent = journal.lock().unwrap().recent("Order143", 1_000).unwrap();
    assert!(recent.iter().any(|r| r.attempts > 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_serial_is_rejected_with_the_reason_and_the_rest_go_through() {
    let sim = start_sim().await;
    let client = Arc::new(ManufacturerClient::new(config_for(&sim, "").manufacturer).unwrap());
    // R2 is commissioned and then destroyed elsewhere: it may not come back.
    let pre = shopfloor::domain::manufacturer::CommissionRequest {
        product_code: GTIN.into(),
        product_code_schema: "GTIN".into(),
        batch: Some("B2405121".into()),
        expiry_date: "290512".into(),
        serials: vec!["R2".into()],
    };
    client.commission(&pre).await.unwrap();
    client
        .decommission(&DecommissionRequest {
            product_code: GTIN.into(),
            product_code_schema: "GTIN".into(),
            reason: "Destroyed".into(),
            serials: vec!["R2".into()],
        })
        .await
        .unwrap();
    let (_dir, journal) = temp_journal();
    journal.lock().unwrap().append(&[scan("R1"), scan("R2"), scan("R3")]).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    commission::spawn(journal.clone(), client, fast(), tx).notify_one();
    let c = wait_until_answered(&journal, 3).await;
    assert_eq!((c.commissioned, c.rejected), (2, 1));
    let rows = journal.lock().unwrap().recent("Order143", 10).unwrap();
    let r2 = rows.iter().find(|r| r.serial == "R2").unwrap();
    assert!(r2.reason.as_deref().unwrap().contains("decommissioned"), "{:?}", r2.reason);
}

#[tokio::test(flavor = "multi_thread")]
async fn while_the_backend_is_down_scans_wait_and_then_drain_by_themselves() {
    let sim = start_sim().await;
    let client = static_token_client(&sim);
    let (_dir, journal) = temp_journal();
    sim.set_faults(FaultSettings { error_rate: 1.0, ..Default::default() }).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let wake = commission::spawn(journal.clone(), client, fast(), tx);
    journal.lock().unwrap().append(&[scan("W1"), scan("W2")]).unwrap();
    wake.notify_one();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(journal.lock().unwrap().queue_depth().unwrap(), 2, "nothing is lost while down");
    sim.set_faults(FaultSettings::default()).unwrap();
    let c = wait_until_answered(&journal, 2).await;
    assert_eq!(c.commissioned, 2);
}
