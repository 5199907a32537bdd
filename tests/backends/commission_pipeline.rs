//! The commissioning pipeline against the simulator over loopback HTTP, with faults: every
//! journaled serial ends commissioned exactly once, and refused serials are rejected with the
//! server's reason while the rest go through.

use crate::common::*;
use shopfloor::api::ManufacturerClient;
use shopfloor::domain::manufacturer::DecommissionRequest;
use shopfloor::scan::journal::{Counts, Journal, NewScan, State};
use shopfloor::scan::journal_writer::{self, Job};
use shopfloor::sim::{FaultSettings, Recommission};
use shopfloor::worker::commission::{self, Progress, Settings};
use std::collections::BTreeSet;
use std::sync::Arc;
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

/// A station's journal side on a temporary file: the writer thread (which owns the journal),
/// the commissioning pipeline asking it for work, and a read-only connection to look with.
struct Station {
    _dir: tempfile::TempDir,
    jobs: std::sync::mpsc::Sender<Job>,
    reader: Journal,
    progress: tokio::sync::mpsc::UnboundedReceiver<Progress>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Station {
    /// `before` is journaled before anything starts; the pipeline then starts at once.
    fn start(client: Arc<ManufacturerClient>, settings: Settings, before: &[NewScan]) -> Station {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let mut journal = Journal::open(&path).unwrap();
        if !before.is_empty() {
            journal.append(before).unwrap();
        }
        let wake = Arc::new(tokio::sync::Notify::new());
        let (events, _journal_events) = tokio::sync::mpsc::unbounded_channel();
        let (jobs, writer) = journal_writer::spawn(journal, events, wake.clone()).unwrap();
        let (tx, progress) = tokio::sync::mpsc::unbounded_channel();
        commission::spawn(jobs.clone(), client, settings, tx, wake);
        let reader = Journal::open_read_only(&path).unwrap();
        Station { _dir: dir, jobs, reader, progress, writer: Some(writer) }
    }

    fn scan(&self, s: NewScan) {
        self.jobs.send(Job::Append(s)).unwrap();
    }

    async fn wait_until_answered(&self, total: i64) -> Counts {
        let start = Instant::now();
        loop {
            let c = self.reader.counts("Order143").unwrap();
            if c.commissioned + c.rejected == total {
                return c;
            }
            assert!(start.elapsed() < Duration::from_secs(90), "not all answered: {c:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Station {
    fn drop(&mut self) {
        let _ = self.jobs.send(Job::Shutdown);
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
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

async fn on_server(sim: &shopfloor::sim::SimHandle) -> Vec<String> {
    serde_json::from_value(get_json(sim, &format!("/_sim/commissioned?product_code={GTIN}")).await).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_serial_is_commissioned_exactly_once_through_dropped_connections_and_5xx() {
    let sim = start_sim().await;
    let client = static_token_client(&sim);
    let serials: Vec<String> = (0..1_000).map(|i| format!("P{i:05}")).collect();
    sim.set_faults(FaultSettings { drop_rate: 0.2, error_rate: 0.1, ..Default::default() }).unwrap();
    let mut station = Station::start(client, fast(), &serials.iter().map(|s| scan(s)).collect::<Vec<_>>());
    let c = station.wait_until_answered(1_000).await;
    assert_eq!((c.commissioned, c.rejected, c.pending), (1_000, 0, 0));
    let on_server = on_server(&sim).await;
    assert_eq!(on_server.len(), 1_000, "each serial once on the server");
    assert_eq!(on_server.iter().collect::<BTreeSet<_>>(), serials.iter().collect::<BTreeSet<_>>());
    let log = get_json(&sim, "/_sim/requests").await;
    let dropped = log.as_array().unwrap().iter().filter(|e| e["fault"] == "dropped").count();
    assert!(dropped > 0, "the faults did happen");
    let mut waited = 0;
    while let Ok(p) = station.progress.try_recv() {
        if matches!(p, Progress::Waiting { .. }) {
            waited += 1;
        }
    }
    assert!(waited > 0, "the pipeline reported waiting for the backend");
    // Attempts: some rows were sent more than once, none lost.
    let recent = station.reader.recent("Order143", 1_000).unwrap();
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
    let station = Station::start(client, fast(), &[scan("R1"), scan("R2"), scan("R3")]);
    let c = station.wait_until_answered(3).await;
    assert_eq!((c.commissioned, c.rejected), (2, 1));
    let rows = station.reader.recent("Order143", 10).unwrap();
    let r2 = rows.iter().find(|r| r.serial == "R2").unwrap();
    assert!(r2.reason.as_deref().unwrap().contains("decommissioned"), "{:?}", r2.reason);
}

#[tokio::test(flavor = "multi_thread")]
async fn while_the_backend_is_down_scans_wait_and_then_drain_by_themselves() {
    let sim = start_sim().await;
    let client = static_token_client(&sim);
    sim.set_faults(FaultSettings { error_rate: 1.0, ..Default::default() }).unwrap();
    let station = Station::start(client, fast(), &[]);
    station.scan(scan("W1"));
    station.scan(scan("W2"));
    // Several tries fail while the backend is down (a marker to wait for, not a fixed sleep).
    let start = Instant::now();
    while requests_to(&sim, "serials/commission").await < 3 {
        assert!(start.elapsed() < Duration::from_secs(30), "the pipeline keeps trying");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(station.reader.queue_depth().unwrap(), 2, "nothing is lost while down");
    sim.set_faults(FaultSettings::default()).unwrap();
    let c = station.wait_until_answered(2).await;
    assert_eq!(c.commissioned, 2);
}

/// Connections dropped after the service read and carried out the request, under both answers
/// the service may give for a serial it already has: every serial ends commissioned exactly
/// once, on the server and in the journal, and none is shown rejected.
async fn ambiguous_failures_under(mode: Recommission) {
    let sim = start_sim().await;
    let client = static_token_client(&sim);
    sim.set_faults(FaultSettings { drop_rate: 0.3, recommission: mode, ..Default::default() }).unwrap();
    let serials: Vec<String> = (0..600).map(|i| format!("A{i:05}")).collect();
    let small = Settings { batch_size: 25, ..fast() };
    let station = Station::start(client, small, &[]);
    for s in &serials {
        station.scan(scan(s));
    }
    let c = station.wait_until_answered(600).await;
    assert_eq!((c.commissioned, c.rejected, c.pending), (600, 0, 0), "{mode:?}");
    let on_server = on_server(&sim).await;
    assert_eq!(on_server.len(), 600, "{mode:?}: each serial once on the server");
    assert_eq!(on_server.iter().collect::<BTreeSet<_>>(), serials.iter().collect::<BTreeSet<_>>());
    let rows = station.reader.recent("Order143", 1_000).unwrap();
    assert!(rows.iter().all(|r| r.state == State::Commissioned), "{mode:?}: none shown rejected");
    let log = get_json(&sim, "/_sim/requests").await;
    let log = log.as_array().unwrap();
    assert!(log.iter().any(|e| e["fault"] == "dropped"), "{mode:?}: connections were dropped");
    let refused = log.iter().filter(|e| e["status"] == 400).count();
    if mode == Recommission::Refuse {
        assert!(refused > 0, "the service refused serials it already had, and the station took that as done");
        assert!(
            rows.iter().any(|r| r.reason.as_deref().is_some_and(|x| x.contains("answer was lost"))),
            "a serial recovered this way says so"
        );
    } else {
        assert_eq!(refused, 0, "the idempotent service refuses nothing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ambiguous_failures_commission_each_serial_once_when_the_service_refuses_known_serials() {
    ambiguous_failures_under(Recommission::Refuse).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ambiguous_failures_commission_each_serial_once_when_the_service_answers_known_serials_again() {
    ambiguous_failures_under(Recommission::Idempotent).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_serial_someone_else_commissioned_is_still_refused_when_this_station_never_sent_it() {
    let sim = start_sim().await;
    let client = static_token_client(&sim);
    sim.set_faults(FaultSettings { recommission: Recommission::Refuse, ..Default::default() }).unwrap();
    let elsewhere = shopfloor::domain::manufacturer::CommissionRequest {
        product_code: GTIN.into(),
        product_code_schema: "GTIN".into(),
        batch: Some("B2405121".into()),
        expiry_date: "290512".into(),
        serials: vec!["X2".into()],
    };
    client.commission(&elsewhere).await.unwrap();
    let station = Station::start(client, fast(), &[scan("X1"), scan("X2"), scan("X3")]);
    let c = station.wait_until_answered(3).await;
    assert_eq!((c.commissioned, c.rejected), (2, 1));
    let x2 = station.reader.recent("Order143", 10).unwrap().into_iter().find(|r| r.serial == "X2").unwrap();
    assert!(x2.reason.as_deref().unwrap().contains("already commissioned"), "{:?}", x2.reason);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_simulator_switch_is_also_under_sim_faults() {
    let sim = start_sim().await;
    assert_eq!(get_json(&sim, "/_sim/faults").await["recommission"], "idempotent");
    put_json(&sim, "/_sim/faults", serde_json::json!({"recommission": "refuse"})).await;
    assert_eq!(get_json(&sim, "/_sim/faults").await["recommission"], "refuse");
}
