//! The print run against the simulator's fake Zebra printer over real TCP, with the label
//! states in a real SQLite journal: labels printed and verified, paper out mid-run, a connection
//! reset mid-job, wrong labels scanned back, and each label's ZPL decoding to its serial.

use shopfloor::domain::zebra::PrinterState;
use shopfloor::printing::engine::{self, PrintOrder, Refusal, RunEvent, RunHandle, RunSpec, Settings, VerifyOutcome};
use shopfloor::printing::printer::{Printer, Timing};
use shopfloor::printing::serials::LocalSerials;
use shopfloor::printing::store::{Actor, LabelState, LabelStore};
use shopfloor::scan::gs1;
use shopfloor::sim::{self, SimHandle, SimOptions};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

const P: &str = "zebra-test";

struct Bench {
    sim: SimHandle,
    printer: Arc<Printer>,
    store: LabelStore,
    _dir: tempfile::TempDir,
}

async fn bench() -> Bench {
    let opts =
        SimOptions { printers: vec![(P.to_string(), SocketAddr::from(([127, 0, 0, 1], 0)))], ..Default::default() };
    let sim = sim::start(opts).await.expect("simulator with a printer starts on loopback");
    let text = sim.config_snippet();
    let config =
        shopfloor::config::parse(&text, std::path::Path::new("t.toml"), &|_| None).expect("snippet is valid").config;
    let pc = config.printers.iter().find(|p| p.name == P).expect("the snippet names the fake printer").clone();
    let timing =
        Timing { connect: Duration::from_secs(2), answer: Duration::from_millis(300), poll: Duration::from_millis(50) };
    let dir = tempfile::tempdir().unwrap();
    let store = LabelStore::open(&dir.path().join("journal.db")).unwrap();
    Bench { sim, printer: Printer::new(pc, timing), store, _dir: dir }
}

fn order() -> PrintOrder {
    PrintOrder {
        order_id: "Order143".into(),
        gtin: "02022090117459".into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
    }
}

impl Bench {
    async fn start(&self, count: u32) -> Result<(RunHandle, UnboundedReceiver<RunEvent>), engine::RunError> {
        self.start_with(count, None).await
    }

    async fn start_with(
        &self,
        count: u32,
        ahead: Option<u32>,
    ) -> Result<(RunHandle, UnboundedReceiver<RunEvent>), engine::RunError> {
        let spec = RunSpec {
            order: order(),
            count: Some(count),
            ahead,
            actor: Actor { station: "st-1".into(), operator: Some("op-1".into()) },
        };
        let settings = Settings { poll: Duration::from_millis(10), ..Settings::default() };
        let source = Box::new(LocalSerials::new(Default::default()));
        engine::start(self.printer.clone(), self.store.clone(), source, None, spec, settings).await
    }

    async fn labels(&self) -> Vec<serde_json::Value> {
        let url = format!("{}/_sim/printers/{P}/labels", self.sim.base_url());
        reqwest::get(url).await.unwrap().json::<Vec<serde_json::Value>>().await.unwrap()
    }

    async fn faults(&self, body: serde_json::Value) {
        let url = format!("{}/_sim/printers/{P}/faults", self.sim.base_url());
        let r = reqwest::Client::new().put(url).json(&body).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
}

/// Collects events until one matches; fails with everything seen if none comes (a hang guard,
/// not a speed check).
async fn until(
    rx: &mut UnboundedReceiver<RunEvent>,
    seen: &mut Vec<RunEvent>,
    want: impl Fn(&RunEvent) -> bool,
) -> RunEvent {
    loop {
        match tokio::time::timeout(Duration::from_secs(60), rx.recv()).await {
            Ok(Some(e)) => {
                seen.push(e.clone());
                if want(&e) {
                    return e;
                }
            }
            other => panic!("no such event ({other:?}); seen: {seen:#?}"),
        }
    }
}

fn scan_of(label: &serde_json::Value) -> String {
    label["scan"].as_str().expect("a DataMatrix scan").to_string()
}

fn serial_of(scan: &str) -> String {
    gs1::decode(scan, &gs1::Options::default()).unwrap().get("21").unwrap().to_string()
}

fn printed(labels: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    labels.iter().filter(|l| l["status"] == "printed").collect()
}

#[tokio::test]
async fn twenty_labels_printed_then_verified_by_their_scans() {
    let b = bench().await;
    let (run, mut rx) = b.start(20).await.unwrap();
    let mut seen = Vec::new();
    until(&mut rx, &mut seen, |e| matches!(e, RunEvent::AllPrinted { printed: 20 })).await;
    let labels = b.labels().await;
    assert_eq!(labels.len(), 20, "{labels:#?}");
    assert!(labels.iter().all(|l| l["status"] == "printed" && l["reprint_after_error"] == "N"));
    let serials: BTreeSet<String> = labels.iter().map(|l| serial_of(&scan_of(l))).collect();
    assert_eq!(serials.len(), 20, "every label its own serial");
    let sent: Vec<String> = seen
        .iter()
        .filter_map(|e| if let RunEvent::Printed { serial, .. } = e { Some(serial.clone()) } else { None })
        .collect();
    assert_eq!(sent.len(), 20);
    assert_eq!(serials, sent.iter().cloned().collect(), "what the run printed is what came out");
    // The run cannot end before every label is scanned back.
    match run.finish("done").await {
        Err(engine::RunError::Unverified { waiting: 20 }) => {}
        other => panic!("{other:?}"),
    }
    for l in &labels {
        match run.verify(&scan_of(l)).await.unwrap() {
            VerifyOutcome::Verified(row) => assert_eq!(row.state, LabelState::Verified),
            other => panic!("{other:?}"),
        }
    }
    let r = run.finish("done").await.unwrap();
    assert_eq!((r.printed, r.verified, r.voided, r.waiting, r.to_check_and_remove), (20, 20, 0, 0, 0));
    assert!(r.balances());
    until(&mut rx, &mut seen, |e| matches!(e, RunEvent::Ended(_))).await;
}

#[tokio::test]
async fn each_labels_zpl_decodes_to_its_serials_gs1_element_string() {
    let b = bench().await;
    let (_run, mut rx) = b.start(5).await.unwrap();
    until(&mut rx, &mut Vec::new(), |e| matches!(e, RunEvent::AllPrinted { .. })).await;
    let rows = b.store.order_labels("Order143").unwrap();
    for l in b.labels().await {
        let d = gs1::decode(&scan_of(&l), &gs1::Options { requisites: true, ..Default::default() }).unwrap();
        let serial = d.get("21").unwrap();
        let row = rows.iter().find(|r| r.serial == serial).expect("a serial of the journal");
        assert_eq!(d.symbology, Some("]d2"), "a GS1 DataMatrix");
        assert_eq!(d.hri(), format!("(01){}(17){}(10){}(21){}", row.gtin, row.expiry, row.batch, row.serial));
        assert_eq!(l["gs1"], d.hri());
        // The human-readable lines beside the code (EU FMD Art. 7).
        let text: Vec<&str> = l["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "text")
            .map(|f| f["data"].as_str().unwrap())
            .collect();
        assert!(
            text.contains(&format!("PC: {}", row.gtin).as_str()) && text.contains(&format!("SN: {serial}").as_str()),
            "{text:?}"
        );
        let dm = l["fields"].as_array().unwrap().iter().find(|f| f["kind"] == "datamatrix").unwrap();
        assert!(dm["data"].as_str().unwrap().starts_with('\u{1d}'), "the leading FNC1 is shown as GS");
    }
}

#[tokio::test]
async fn paper_out_at_label_7_voids_it_and_prints_new_serials_after_reloading() {
    let b = bench().await;
    b.faults(serde_json::json!({"paper_out_after": 6})).await;
    let (run, mut rx) = b.start(20).await.unwrap();
    let mut seen = Vec::new();
    let halted = until(&mut rx, &mut seen, |e| matches!(e, RunEvent::Halted { .. })).await;
    assert!(matches!(halted, RunEvent::Halted { state: PrinterState::PaperOut, .. }), "{halted:?}");
    let voided: Vec<(Vec<String>, usize)> = seen
        .iter()
        .filter_map(|e| {
            if let RunEvent::Voided { serials, check_and_remove, .. } = e {
                Some((serials.clone(), *check_and_remove))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(voided.len(), 1, "{seen:#?}");
    let (voided_serials, check) = &voided[0];
    assert_eq!((voided_serials.len(), *check), (1, 1), "label 7 is voided and must be looked for");
    let labels = b.labels().await;
    assert_eq!(printed(&labels).len(), 6);
    let partial: Vec<_> = labels.iter().filter(|l| l["status"] == "partial").collect();
    assert_eq!(partial.len(), 1);
    assert_eq!(&serial_of(&scan_of(partial[0])), &voided_serials[0], "the cut-short label is the voided one");
    // The voided label cannot be verified, even with the label in hand.
    match run.verify(&scan_of(partial[0])).await.unwrap() {
        VerifyOutcome::Refused { refusal: Refusal::Voided, reason, .. } => {
            assert!(reason.contains("take this label off"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // Nothing is sent while the paper is out, and resuming is refused until it is back.
    assert!(matches!(run.resume().await, Err(engine::RunError::PrinterNotReady { .. })));
    assert_eq!(b.labels().await.len(), 7);
    b.faults(serde_json::json!({"paper_out": false})).await;
    run.resume().await.unwrap();
    until(&mut rx, &mut seen, |e| matches!(e, RunEvent::AllPrinted { printed: 20 })).await;
    let labels = b.labels().await;
    let all: Vec<String> = labels.iter().map(|l| serial_of(&scan_of(l))).collect();
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), all.len(), "no serial on two labels (partial ones included): {all:?}");
    assert_eq!(printed(&labels).len(), 20);
    assert!(
        !printed(&labels).iter().any(|l| serial_of(&scan_of(l)) == voided_serials[0]),
        "the voided serial never came back"
    );
    for l in printed(&labels) {
        assert!(matches!(run.verify(&scan_of(l)).await.unwrap(), VerifyOutcome::Verified(_)));
    }
    let r = run.finish("done").await.unwrap();
    assert_eq!((r.printed, r.verified, r.waiting, r.to_check_and_remove), (20, 20, 0, 1));
    let rows = b.store.order_labels("Order143").unwrap();
    let v = rows.iter().find(|r| r.serial == voided_serials[0]).unwrap();
    assert_eq!(v.state, LabelState::Voided);
    assert!(v.reason.as_deref().unwrap().contains("paper out"), "{v:?}");
}

#[tokio::test]
async fn a_connection_reset_mid_job_voids_the_unconfirmed_label() {
    let b = bench().await;
    b.faults(serde_json::json!({"reset_after": 5})).await;
    let (run, mut rx) = b.start(10).await.unwrap();
    let mut seen = Vec::new();
    let halted = until(&mut rx, &mut seen, |e| matches!(e, RunEvent::Halted { .. })).await;
    assert!(matches!(halted, RunEvent::Halted { state: PrinterState::Offline { .. }, .. }), "{halted:?}");
    let voided: Vec<String> = seen
        .iter()
        .filter_map(|e| if let RunEvent::Voided { serials, .. } = e { Some(serials.clone()) } else { None })
        .flatten()
        .collect();
    assert_eq!(voided.len(), 1, "label 5 was out when the connection broke: {seen:#?}");
    let printed_before: Vec<String> = seen
        .iter()
        .filter_map(|e| if let RunEvent::Printed { serial, .. } = e { Some(serial.clone()) } else { None })
        .collect();
    assert_eq!(printed_before.len(), 4);
    run.resume().await.unwrap();
    until(&mut rx, &mut seen, |e| matches!(e, RunEvent::AllPrinted { printed: 10 })).await;
    let labels = b.labels().await;
    let all: Vec<String> = labels.iter().map(|l| serial_of(&scan_of(l))).collect();
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), all.len(), "no serial twice: {all:?}");
    // The printer may have printed label 5 before the reset: it is then out there, voided.
    for l in &labels {
        let s = serial_of(&scan_of(l));
        let out = run.verify(&scan_of(l)).await.unwrap();
        if s == voided[0] {
            assert!(matches!(out, VerifyOutcome::Refused { refusal: Refusal::Voided, .. }), "{out:?}");
        } else {
            assert!(matches!(out, VerifyOutcome::Verified(_)), "{out:?}");
        }
    }
    let r = run.finish("done").await.unwrap();
    assert_eq!((r.printed, r.verified, r.to_check_and_remove), (10, 10, 1));
}

#[tokio::test]
async fn wrong_labels_scanned_back_are_refused_with_their_reason() {
    let b = bench().await;
    let (run, mut rx) = b.start(3).await.unwrap();
    until(&mut rx, &mut Vec::new(), |e| matches!(e, RunEvent::AllPrinted { .. })).await;
    let labels = b.labels().await;
    let good = scan_of(&labels[0]);
    let serial = serial_of(&good);
    let cases = [
        (good.replace(&serial, "ZZZZ99999999"), Refusal::NotPrintedHere),
        (good.replace("B2405121", "B2405122"), Refusal::WrongBatch),
        ("]d20104023456000017172811001012345\u{1d}21X1".to_string(), Refusal::WrongProduct),
        (good.replace("290512", "300512"), Refusal::WrongExpiry),
        ("]d20102022090117459172905121 0B2405121".replace(' ', ""), Refusal::NoSerial),
        ("garbage".to_string(), Refusal::Unreadable),
    ];
    for (scan, want) in cases {
        match run.verify(&scan).await.unwrap() {
            VerifyOutcome::Refused { refusal, reason, .. } => {
                assert_eq!(refusal, want, "{scan:?}: {reason}");
                assert!(!reason.is_empty());
            }
            other => panic!("{scan:?}: {other:?}"),
        }
    }
    assert!(matches!(run.verify(&good).await.unwrap(), VerifyOutcome::Verified(_)));
    assert!(matches!(
        run.verify(&good).await.unwrap(),
        VerifyOutcome::Refused { refusal: Refusal::AlreadyVerified, .. }
    ));
    // One label got damaged: the operator voids it with a reason; the other is scanned.
    let damaged = serial_of(&scan_of(&labels[1]));
    run.void(&damaged, "torn when applied").await.unwrap();
    assert!(matches!(run.finish("done").await, Err(engine::RunError::Unverified { waiting: 1 })));
    assert!(matches!(run.verify(&scan_of(&labels[2])).await.unwrap(), VerifyOutcome::Verified(_)));
    let r = run.finish("done").await.unwrap();
    assert_eq!((r.printed, r.verified, r.voided, r.waiting), (3, 2, 1, 0));
}

#[tokio::test]
async fn nothing_is_sent_to_a_faulted_printer_and_hqes_names_the_fault() {
    let b = bench().await;
    b.faults(serde_json::json!({"head_open": true})).await;
    let s = b.printer.query().await;
    assert_eq!(s.state, PrinterState::HeadOpen);
    assert!(s.host.is_none(), "~HS is silent while the head is open");
    assert!(s.errors.is_some(), "~HQES answered");
    match b.start(5).await {
        Err(engine::RunError::PrinterNotReady { word, todo, .. }) => {
            assert_eq!(word, "head open");
            assert!(todo.contains("close the print head"), "{todo}");
        }
        Ok(_) => panic!("a run started on a printer with its head open"),
        Err(e) => panic!("{e}"),
    }
    assert!(b.labels().await.is_empty());
    b.faults(serde_json::json!({"head_open": false, "paused": true})).await;
    assert_eq!(b.printer.query().await.state, PrinterState::Paused);
}

#[tokio::test]
async fn a_pause_holds_the_run_without_voiding_and_a_printer_takes_one_run_at_a_time() {
    let b = bench().await;
    b.faults(serde_json::json!({"slow_ms": 60})).await;
    let (run, mut rx) = b.start(5).await.unwrap();
    assert!(matches!(b.start(1).await, Err(engine::RunError::PrinterBusy(_))), "a second run on the same printer");
    let mut seen = Vec::new();
    until(&mut rx, &mut seen, |e| matches!(e, RunEvent::Printed { n: 1, .. })).await;
    b.faults(serde_json::json!({"paused": true})).await;
    until(&mut rx, &mut seen, |e| matches!(e, RunEvent::Printer(s) if s.state == PrinterState::Paused)).await;
    b.faults(serde_json::json!({"paused": false})).await;
    until(&mut rx, &mut seen, |e| matches!(e, RunEvent::AllPrinted { printed: 5 })).await;
    assert!(!seen.iter().any(|e| matches!(e, RunEvent::Voided { .. } | RunEvent::Halted { .. })), "{seen:#?}");
    assert_eq!(printed(&b.labels().await).len(), 5);
    for l in b.labels().await {
        run.verify(&scan_of(&l)).await.unwrap();
    }
    run.finish("done").await.unwrap();
    // The printer is free again.
    let (again, _rx) = b.start(1).await.unwrap();
    again.stop().await.unwrap();
}

#[tokio::test]
async fn a_watched_printer_is_polled_and_its_state_published() {
    let b = bench().await;
    let mut states = b.printer.subscribe();
    let watch = b.printer.watch();
    let wait_for = |want: PrinterState| {
        let mut rx = states.clone();
        async move {
            tokio::time::timeout(Duration::from_secs(30), rx.wait_for(|s| s.state == want))
                .await
                .expect("state seen")
                .unwrap();
        }
    };
    wait_for(PrinterState::Ready).await;
    b.faults(serde_json::json!({"ribbon_out": true})).await;
    wait_for(PrinterState::RibbonOut).await;
    drop(watch);
    assert_eq!(states.borrow_and_update().state, PrinterState::RibbonOut);
}

#[tokio::test]
async fn the_fake_printer_reprints_a_cut_short_label_unless_the_job_says_jzn() {
    use tokio::io::AsyncWriteExt;
    let b = bench().await;
    b.faults(serde_json::json!({"paper_out_after": 1})).await;
    let addr = b.printer.config.address.clone();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // Printer-default ^JZY: the label the paper ran out on comes out again after reloading.
    let job = |serial: &str| format!("^XA^FO1,1^BXN,6,200,,,,_^FD_10102022090117459_121{serial}^FS^XZ");
    tcp.write_all((job("A1") + &job("A2")).as_bytes()).await.unwrap();
    let l = wait_labels(&b, 2).await;
    assert_eq!((l[0]["status"].as_str(), l[1]["status"].as_str()), (Some("printed"), Some("partial")));
    b.faults(serde_json::json!({"paper_out": false})).await;
    let l = wait_labels(&b, 3).await;
    let a2: Vec<_> = l.iter().filter(|x| x["gs1"] == "(01)02022090117459(21)A2").collect();
    assert_eq!(a2.len(), 2, "without ^JZN one serial is on two labels: {l:#?}");
}

async fn wait_labels(b: &Bench, n: usize) -> Vec<serde_json::Value> {
    for _ in 0..600 {
        let l = b.labels().await;
        if l.len() >= n {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} labels came out");
}

/// The serial of label `n` of the run, once it is printed.
async fn printed_n(rx: &mut UnboundedReceiver<RunEvent>, seen: &mut Vec<RunEvent>, n: u32) -> String {
    match until(rx, seen, |e| matches!(e, RunEvent::Printed { n: k, .. } if *k == n)).await {
        RunEvent::Printed { serial, .. } => serial,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_continuous_run_keeps_two_labels_ahead_and_never_more_than_the_order_takes() {
    let b = bench().await;
    // The order takes 4 more packs; two labels are kept waiting for their scan.
    let (run, mut rx) = b.start_with(4, Some(2)).await.unwrap();
    let mut seen = Vec::new();
    let mut scans = std::collections::BTreeMap::new();
    let s1 = printed_n(&mut rx, &mut seen, 1).await;
    let s2 = printed_n(&mut rx, &mut seen, 2).await;
    let bal = run.balance().await.unwrap();
    assert_eq!((bal.printed, bal.waiting, bal.in_flight), (2, 2, 0), "two ahead, then it waits");
    for l in b.labels().await {
        scans.insert(serial_of(&scan_of(&l)), scan_of(&l));
    }
    // Each label settled (verified or voided) lets one more out.
    assert!(matches!(run.verify(&scans[&s1]).await.unwrap(), VerifyOutcome::Verified(_)));
    let s3 = printed_n(&mut rx, &mut seen, 3).await;
    run.void(&s2, "damaged: the label cannot go on a pack").await.unwrap();
    let s4 = printed_n(&mut rx, &mut seen, 4).await;
    let bal = run.balance().await.unwrap();
    assert_eq!((bal.printed, bal.waiting), (4, 2));
    for l in b.labels().await {
        scans.insert(serial_of(&scan_of(&l)), scan_of(&l));
    }
    assert!(matches!(run.verify(&scans[&s3]).await.unwrap(), VerifyOutcome::Verified(_)));
    // The fifth is the last: 1, 3, 4, 5 fill the order's four packs (2 was voided).
    let s5 = printed_n(&mut rx, &mut seen, 5).await;
    until(&mut rx, &mut seen, |e| matches!(e, RunEvent::AllPrinted { printed: 5 })).await;
    for l in b.labels().await {
        scans.insert(serial_of(&scan_of(&l)), scan_of(&l));
    }
    for s in [&s4, &s5] {
        assert!(matches!(run.verify(&scans[s]).await.unwrap(), VerifyOutcome::Verified(_)));
    }
    let bal = run.balance().await.unwrap();
    assert_eq!((bal.printed, bal.verified, bal.voided, bal.waiting, bal.in_flight), (5, 4, 1, 0, 0));
    let r = run.finish("done").await.unwrap();
    assert_eq!(r.printed, 5, "nothing printed beyond the order's room");
    assert_eq!(printed(&b.labels().await).len(), 5);
}

/// Proposes the serials it is given, in order (the local generator's are random).
struct Scripted(std::collections::VecDeque<String>);

impl shopfloor::printing::serials::SerialSource for Scripted {
    fn candidates<'a>(
        &'a mut self,
        _gtin: &'a str,
        n: usize,
    ) -> futures_util::future::BoxFuture<'a, Result<Vec<String>, shopfloor::printing::serials::SerialError>> {
        // One at a time: a run drops the rest of a batch once it has its serial.
        let out: Vec<String> = (0..n.min(1)).filter_map(|_| self.0.pop_front()).collect();
        Box::pin(async move { Ok(out) })
    }

    fn describe(&self) -> String {
        "scripted".into()
    }
}

#[tokio::test]
async fn with_a_line_store_a_printed_serial_is_unique_line_wide() {
    use crate::common::pg::Pg;
    use shopfloor::line_store::LineStore;
    let pg = Pg::start();
    pg.init(&["st-a", "st-b"]).await;
    let b = bench().await;
    let gtin = order().gtin;
    // Station B printed TAKEN1; a pack of the line already carries PACK2 (claimed when scanned).
    let dir_b = tempfile::tempdir().unwrap();
    let (line_b, _events_b) =
        LineStore::start(&pg.config("st-b", "st-b", "line-1"), &dir_b.path().join("j.db"), Arc::new(|_| {})).unwrap();
    assert!(line_b.claim_printed_serial("Order143", &gtin, "TAKEN1").await.unwrap());
    let admin = pg.admin().await;
    admin
        .execute(
            "INSERT INTO shopfloor.claims (gtin, serial, station, pack, operator, order_id, line, scanned_at)
             VALUES ($1, 'PACK2', 'st-b', 7, NULL, 'Order143', 'line-1', now())",
            &[&gtin],
        )
        .await
        .unwrap();

    // Station A draws TAKEN1 and PACK2 first: both are skipped, new serials printed instead.
    let journal_a = b._dir.path().join("journal.db");
    let (line_a, _events_a) =
        LineStore::start(&pg.config("st-a", "st-a", "line-1"), &journal_a, Arc::new(|_| {})).unwrap();
    let claim = shopfloor::tui::print_desk::line_claim(line_a.clone());
    let source = Box::new(Scripted(["TAKEN1", "PACK2", "FRESH3", "FRESH4"].map(String::from).into()));
    let spec = RunSpec {
        order: order(),
        count: Some(2),
        ahead: None,
        actor: Actor { station: "st-a".into(), operator: None },
    };
    let settings = Settings { poll: Duration::from_millis(10), ..Settings::default() };
    let (run, mut rx) =
        engine::start(b.printer.clone(), b.store.clone(), source, Some(claim), spec, settings).await.unwrap();
    let mut seen = Vec::new();
    until(&mut rx, &mut seen, |e| matches!(e, RunEvent::AllPrinted { printed: 2 })).await;
    let out: Vec<String> = printed(&b.labels().await).iter().map(|l| serial_of(&scan_of(l))).collect();
    assert_eq!(out, vec!["FRESH3", "FRESH4"], "{seen:#?}");
    let rows = admin.query("SELECT serial, station FROM shopfloor.printed_serials ORDER BY serial", &[]).await.unwrap();
    let held: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let want: Vec<(String, String)> = [("FRESH3", "st-a"), ("FRESH4", "st-a"), ("TAKEN1", "st-b")]
        .iter()
        .map(|(s, st)| (s.to_string(), st.to_string()))
        .collect();
    assert_eq!(held, want, "each printed serial is held line-wide by the station that printed it");
    // Station B cannot take a serial station A printed.
    assert!(!line_b.claim_printed_serial("Order143", &gtin, "FRESH3").await.unwrap());
    drop(run);
    line_a.stop().await;
    line_b.stop().await;
}
