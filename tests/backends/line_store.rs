//! The line store against a real PostgreSQL server: claims and duplicates across stations, the
//! server stopped mid-burst and restarted, a claim whose answer is lost after the commit, the
//! live counters, the append-only audit copy and the shared budget.

use crate::common::pg::Pg;
use shopfloor::domain::audit::NewEntry;
use shopfloor::line_store::{ClaimResult, LineEvent, LineStore};
use shopfloor::scan::journal::{Appended, Journal, NewScan};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

const GTIN: &str = "02022090117459";

fn scan(station: &str, operator: &str, serial: &str) -> NewScan {
    NewScan {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        station: station.into(),
        operator: Some(operator.into()),
        order_id: "Order143".into(),
        gtin: GTIN.into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: serial.into(),
        raw: serial.into(),
    }
}

/// A station: its journal and its line store handle; audit rows go straight to the journal.
struct Station {
    _dir: tempfile::TempDir,
    path: PathBuf,
    journal: Arc<Mutex<Journal>>,
    store: LineStore,
    events: UnboundedReceiver<LineEvent>,
    name: String,
}

fn station(pg: &Pg, name: &str, port: u16) -> Station {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let journal = Arc::new(Mutex::new(Journal::open(&path).unwrap()));
    let j = journal.clone();
    let sink: shopfloor::line_store::AuditSink = Arc::new(move |e: NewEntry| j.lock().unwrap().audit(&e).unwrap());
    let mut cfg = pg.config(name, name, "line-1");
    cfg.port = port;
    let (store, events) = LineStore::start(&cfg, &path, sink).unwrap();
    Station { _dir: dir, path, journal, store, events, name: name.into() }
}

impl Station {
    /// Journals scans (one group commit) and answers their journal ids.
    fn journal(&self, operator: &str, serials: &[String]) -> Vec<i64> {
        let scans: Vec<NewScan> = serials.iter().map(|s| scan(&self.name, operator, s)).collect();
        let r = self.journal.lock().unwrap().append(&scans).unwrap();
        r.into_iter()
            .map(|a| match a {
                Appended::Accepted(id) => id,
                other => panic!("the journal refused a new serial: {other:?}"),
            })
            .collect()
    }

    async fn scan(&self, operator: &str, serials: &[String]) -> Vec<ClaimResult> {
        let ids = self.journal(operator, serials);
        self.store.claim(&ids).await
    }

    /// Waits for an event that `f` picks out, handing over the others to `seen`.
    async fn wait_for<T>(&mut self, what: &str, mut f: impl FnMut(&LineEvent) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut status = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Some(e)) => {
                    if let Some(t) = f(&e) {
                        return t;
                    }
                    if let LineEvent::Status(s) = e {
                        status = Some(s);
                    }
                }
                _ => panic!("{}: no {what} within a minute (last status: {status:?})", self.name),
            }
        }
    }

    async fn online(&mut self) {
        if !self.store.status().online {
            self.wait_for("online status", |e| matches!(e, LineEvent::Status(s) if s.online).then_some(())).await;
        }
    }
}

fn serials(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}{i:06}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_claim_per_pack_and_a_duplicate_names_the_first_station() {
    let pg = Pg::start();
    pg.init(&["st-a", "st-b"]).await;
    let mut a = station(&pg, "st-a", pg.port);
    let mut b = station(&pg, "st-b", pg.port);
    a.online().await;
    b.online().await;
    b.store.watch_order(Some("Order143".into()));

    let first = a.scan("op-1", &serials("S", 0..3)).await;
    assert_eq!(first, vec![ClaimResult::Claimed; 3]);
    let mut overlap = serials("S", 2..3);
    overlap.push("T000001".into());
    let second = b.scan("op-2", &overlap).await;
    match &second[0] {
        ClaimResult::Duplicate(f) => {
            assert_eq!(
                (f.station.as_str(), f.operator.as_deref(), f.order_id.as_str()),
                ("st-a", Some("op-1"), "Order143")
            );
            assert!((chrono::Utc::now() - f.scanned_at).num_seconds().abs() < 60, "the first scan's time: {f:?}");
        }
        other => panic!("S000002 was claimed by st-a first: {other:?}"),
    }
    assert_eq!(second[1], ClaimResult::Claimed);

    // The line's counters reach the other station: 3 of st-a's and 1 of its own.
    let counts = b
        .wait_for("counters", |e| match e {
            LineEvent::Counts(c) if c.line == 4 => Some(c.clone()),
            _ => None,
        })
        .await;
    assert_eq!((counts.own, counts.by_station.len()), (1, 2));

    // A duplicate found while the station waits is not a late one, and nothing is on the list.
    let admin = pg.admin().await;
    let late: i64 = admin.query_one("SELECT count(*) FROM shopfloor.late_duplicates", &[]).await.unwrap().get(0);
    assert_eq!(late, 0);
    let claims: i64 = admin.query_one("SELECT count(*) FROM shopfloor.claims", &[]).await.unwrap().get(0);
    assert_eq!(claims, 4);

    // The station's role may add to the audit copy but never change or remove it.
    let (sa, _n) = shopfloor::line_store::connect::connect(&pg.config("st-a", "st-a", "line-1"), "t").await.unwrap();
    for sql in ["UPDATE shopfloor.audit SET object = 'x'", "DELETE FROM shopfloor.audit", "TRUNCATE shopfloor.audit"] {
        let e = sa.batch_execute(sql).await.unwrap_err();
        assert!(format!("{e:?}").contains("permission denied"), "{sql}: {e:?}");
    }
    // Even the owner cannot: the triggers refuse.
    wait_until(|| async { count(&admin, "SELECT count(*) FROM shopfloor.audit").await > 0 }, "audit rows copied").await;
    for sql in ["UPDATE shopfloor.audit SET object = 'x'", "DELETE FROM shopfloor.audit", "TRUNCATE shopfloor.audit"] {
        let e = admin.batch_execute(sql).await.unwrap_err();
        assert!(format!("{e:?}").contains("append-only"), "{sql}: {e:?}");
    }

    // What a station reports reaches the board, and a clean stop is told apart from silence.
    a.store.report(shopfloor::line_store::StationState {
        operator: Some("op-1".into()),
        active_order: Some("Order143".into()),
        accepted: 3,
        per_minute: 3,
        ..Default::default()
    });
    let board_row = |name: &'static str| {
        let admin = &admin;
        async move {
            let (_, rows) = shopfloor::line_store::heartbeat::board(admin).await.unwrap();
            rows.into_iter().find(|r| r.station == name)
        }
    };
    wait_until(
        || async { board_row("st-a").await.is_some_and(|r| r.state.operator.as_deref() == Some("op-1")) },
        "st-a's report on the board",
    )
    .await;
    let row = board_row("st-a").await.unwrap();
    assert_eq!(
        (row.line.as_str(), row.state.active_order.as_deref(), row.state.accepted),
        ("line-1", Some("Order143"), 3)
    );
    a.store.stop().await;
    assert!(board_row("st-a").await.unwrap().stopped, "a clean stop shows as stopped, not silent");
    b.store.stop().await;
}

async fn count(c: &tokio_postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).await.unwrap().get(0)
}

async fn wait_until<F, Fut>(mut f: F, what: &str)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f().await {
        assert!(Instant::now() < deadline, "not within a minute: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_stopped_mid_burst_loses_nothing_and_raises_late_duplicates() {
    let mut pg = Pg::start();
    pg.init(&["st-a", "st-b"]).await;
    let mut a = station(&pg, "st-a", pg.port);
    let mut b = station(&pg, "st-b", pg.port);
    a.online().await;
    b.online().await;
    // st-b holds some serials that st-a will scan while the store is down.
    assert!(b.scan("op-2", &serials("B", 0..50)).await.iter().all(|r| *r == ClaimResult::Claimed));

    let mut answered: BTreeMap<i64, ClaimResult> = BTreeMap::new();
    for round in 0..10 {
        let ids = a.journal("op-1", &serials("A", round * 100..round * 100 + 100));
        answered.extend(ids.iter().copied().zip(a.store.claim(&ids).await));
    }
    pg.stop();
    // Scanning goes on: the rest of the burst, 20 of st-b's serials among it.
    let mut offline_ids = Vec::new();
    for round in 10..20 {
        let mut s = serials("A", round * 100..round * 100 + 100);
        if round == 12 {
            s.truncate(80);
            s.extend(serials("B", 10..30));
        }
        let ids = a.journal("op-1", &s);
        let r = a.store.claim(&ids).await;
        assert!(r.iter().all(|r| *r == ClaimResult::Offline), "the store is down: {r:?}");
        offline_ids.extend(ids);
    }
    assert!(!a.store.status().online);
    wait_until(|| async { a.store.status().backlog == 1000 }, "every scan journaled offline waits for its claim").await;
    pg.start_again();

    // The backlog is claimed in order; 20 late duplicates name both stations and packs.
    let mut late = Vec::new();
    while late.len() < 20 {
        let c = a
            .wait_for("late duplicates", |e| match e {
                LineEvent::LateDuplicate(c) => Some(c.clone()),
                _ => None,
            })
            .await;
        late.push(c);
    }
    let mut serial_of_late: Vec<&str> = late.iter().map(|c| c.scan.serial.as_str()).collect();
    serial_of_late.sort();
    assert_eq!(serial_of_late, serials("B", 10..30).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(late.iter().all(|c| c.first.station == "st-b" && c.first.operator.as_deref() == Some("op-2") && c.late));
    wait_until(|| async { a.store.status().backlog == 0 }, "the backlog claimed").await;

    let admin = pg.admin().await;
    let ours = count(&admin, "SELECT count(*) FROM shopfloor.claims WHERE station = 'st-a'").await;
    assert_eq!(ours, 1980, "every serial of st-a's own is claimed, none lost");
    let listed = admin
        .query(
            "SELECT serial, station, pack, first_station, first_pack FROM shopfloor.late_duplicates ORDER BY serial",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 20, "each late duplicate is on the supervisor's list");
    assert!(listed.iter().all(|r| r.get::<_, String>(1) == "st-a" && r.get::<_, String>(3) == "st-b"));
    assert!(listed.iter().all(|r| offline_ids.contains(&r.get::<_, i64>(2))), "the list names st-a's packs");
    // Kept at the station too, for its own screen.
    let conn = rusqlite::Connection::open(&a.path).unwrap();
    assert_eq!(shopfloor::line_store::backlog::open_late_duplicates(&conn).unwrap(), 20);
    let audited: i64 =
        conn.query_row("SELECT COUNT(*) FROM audit WHERE action = 'scan.late_duplicate'", [], |r| r.get(0)).unwrap();
    assert_eq!(audited, 20, "each late duplicate has its audit row");
    // No scan answered before the stop was a duplicate.
    assert!(answered.values().all(|r| matches!(r, ClaimResult::Claimed | ClaimResult::Offline)));
    a.store.stop().await;
    b.store.stop().await;
}

/// A TCP relay to the server that drops the claim connection once, at the moment the server
/// answers the claim of serials starting with `marker` (after its commit): the claim is in,
/// the station never hears it.
async fn answer_dropping_proxy(server: u16, marker: &'static [u8]) -> u16 {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let done = Arc::new(AtomicBool::new(false));
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else { return };
            let done = done.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", server)).await else { return };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let armed = Arc::new(AtomicBool::new(false));
                let arm = armed.clone();
                let up = tokio::spawn(async move {
                    let mut buf = vec![0u8; 65536];
                    loop {
                        let n = match cr.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        if buf[..n].windows(marker.len()).any(|w| w == marker) {
                            arm.store(true, SeqCst);
                        }
                        if sw.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                });
                let mut buf = vec![0u8; 65536];
                loop {
                    let n = match sr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    // ReadyForQuery: the statement's implicit transaction has committed.
                    let ready = buf[..n].windows(6).any(|w| w == b"Z\0\0\0\x05I");
                    if ready && armed.load(SeqCst) && !done.swap(true, SeqCst) {
                        break;
                    }
                    if cw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                up.abort();
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_whose_answer_was_lost_is_recognised_as_our_own() {
    let pg = Pg::start();
    pg.init(&["st-a"]).await;
    let proxy = answer_dropping_proxy(pg.port, b"L000000").await;
    let mut a = station(&pg, "st-a", proxy);
    a.online().await;
    let ids = a.journal("op-1", &serials("L", 0..200));
    let first = a.store.claim(&ids).await;
    assert!(
        first.iter().all(|r| matches!(r, ClaimResult::Claimed | ClaimResult::Offline)),
        "never a duplicate: {first:?}"
    );
    assert!(first.contains(&ClaimResult::Offline), "the answer was lost: {first:?}");
    // After the reconnect, every answer is "claimed" and none of them a duplicate.
    let mut claimed = BTreeSet::new();
    while claimed.len() < ids.len() {
        let batch = a
            .wait_for("claim answers", |e| match e {
                LineEvent::Claimed(r) => Some(r.clone()),
                _ => None,
            })
            .await;
        for (id, r) in batch {
            assert_eq!(r, ClaimResult::Claimed, "scan {id} is our own claim");
            claimed.insert(id);
        }
    }
    let admin = pg.admin().await;
    assert_eq!(count(&admin, "SELECT count(*) FROM shopfloor.claims WHERE station = 'st-a'").await, 200);
    assert_eq!(count(&admin, "SELECT count(*) FROM shopfloor.late_duplicates").await, 0);
    assert_eq!(
        count(&admin, "SELECT COALESCE(sum(claimed), 0)::bigint FROM shopfloor.order_counts").await,
        200,
        "counted once"
    );
    let conn = rusqlite::Connection::open(&a.path).unwrap();
    assert!(shopfloor::line_store::backlog::conflicts(&conn, false).unwrap().is_empty());
    a.store.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_store_says_so_and_scanning_goes_on() {
    let pg = Pg::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut a = station(&pg, "st-a", closed);
    let why = a
        .wait_for("an offline status", |e| match e {
            LineEvent::Status(s) if !s.online && s.why.as_deref().is_some_and(|w| w.contains("cannot be reached")) => {
                s.why.clone()
            }
            _ => None,
        })
        .await;
    assert!(why.contains(&format!("127.0.0.1:{closed}")) && why.contains("Scanning goes on"), "{why}");
    let r = a.scan("op-1", &serials("U", 0..3)).await;
    assert_eq!(r, vec![ClaimResult::Offline; 3], "accepted locally, claimed later");
    wait_until(|| async { a.store.status().backlog == 3 }, "the backlog counted").await;
    a.store.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stations_share_one_lagerkoll_budget_and_a_person_goes_first() {
    use shopfloor::api::budget::{Budget, Priority};
    use shopfloor::line_store::budget::{key_hash, SharedBudget};
    let pg = Pg::start();
    pg.init(&["st-a", "st-b"]).await;
    let key = key_hash(&shopfloor::config::Secret::new("api-key"), &shopfloor::config::Secret::new("store"));
    // One request a second for the key, whoever sends it; each station alone would allow 100.
    let budget = |name: &str| {
        let cfg = pg.config(name, name, "line-1");
        let shared = SharedBudget::new(
            shopfloor::line_store::connect::pool(&cfg, 2).unwrap(),
            cfg,
            key.clone(),
            1,
            Duration::from_secs(1),
        );
        Arc::new(Budget::new(100, Duration::from_secs(1)).with_shared(shared))
    };
    let (a, b) = (budget("st-a"), budget("st-b"));
    let held = a.acquire().await;
    let order = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let (b2, o) = (b.clone(), order.clone());
    let background = tokio::spawn(async move {
        let _p = b2.acquire_as(Priority::Background).await;
        o.lock().await.push("st-b background");
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (a2, o) = (a.clone(), order.clone());
    let person = tokio::spawn(async move {
        let _p = a2.acquire_as(Priority::User).await;
        o.lock().await.push("st-a person");
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(order.lock().await.is_empty(), "the line's one place is taken: both wait");
    drop(held);
    person.await.unwrap();
    background.await.unwrap();
    assert_eq!(*order.lock().await, ["st-a person", "st-b background"], "the person at another station went first");
    let admin = pg.admin().await;
    let stored: Vec<String> = admin
        .query("SELECT DISTINCT key_hash FROM shopfloor.budget_slots", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(stored, std::slice::from_ref(&key), "only the key's hash is stored");
    assert!(!key.contains("api-key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_is_verified_against_the_ca_file() {
    use shopfloor::config::line_store::SslMode;
    let (pg, ca) = Pg::start_tls();
    pg.init(&["st-a"]).await;
    let start = |ca_file: Option<PathBuf>| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        Journal::open(&path).unwrap();
        let mut cfg = pg.config("st-a", "st-a", "line-1");
        cfg.sslmode = SslMode::Require;
        cfg.ca_file = ca_file;
        let (store, events) = LineStore::start(&cfg, &path, Arc::new(|_| {})).unwrap();
        (dir, store, events)
    };
    let (_d, trusted, mut events) = start(Some(ca));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !trusted.status().online {
        assert!(Instant::now() < deadline, "a server whose certificate the CA file vouches for is reached");
        let _ = tokio::time::timeout(Duration::from_millis(200), events.recv()).await;
    }
    trusted.stop().await;

    // The operating system does not know the test CA: the connection is refused, and said so.
    let (_d, untrusted, mut events) = start(None);
    let why = loop {
        match tokio::time::timeout(Duration::from_secs(30), events.recv()).await {
            Ok(Some(LineEvent::Status(s))) if s.why.as_deref().is_some_and(|w| w.contains("certificate")) => {
                break s.why
            }
            Ok(Some(_)) => {}
            other => panic!("no word about the certificate: {other:?}"),
        }
    };
    assert!(!untrusted.status().online, "{why:?}");
    untrusted.stop().await;
}
