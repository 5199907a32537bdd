//! The audit trail in one place, against a real PostgreSQL: a station's rows are copied with
//! their chain, `--verify` finds rows deleted from the end of the local journal (naming the
//! station and the rows), and `--line-store` prints the whole line's trail.

use crate::common::pg::Pg;
use shopfloor::domain::audit::{actions, NewEntry};
use shopfloor::line_store::LineStore;
use shopfloor::scan::journal::{Journal, NewScan};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The example config's station.
const STATION: &str = "line-1-station-a";

fn scan(serial: &str) -> NewScan {
    NewScan {
        at: "2026-11-21T10:00:00.000Z".into(),
        station: STATION.into(),
        operator: Some("op-1".into()),
        order_id: "Order143".into(),
        gtin: "02022090117459".into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: serial.into(),
        raw: serial.into(),
    }
}

fn shopfloor(config: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_shopfloor"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("SHOPFLOOR_MANUFACTURER_TOKEN", "t")
        .env("SHOPFLOOR_MANUFACTURER_CHANNEL_KEY", "c")
        .env("SHOPFLOOR_PRODUCTION_API_KEY", "k")
        .env("SHOPFLOOR_PRODUCTION_STORE", "s")
        .env("HOME", config.parent().unwrap())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_deleted_local_tail_is_found_with_the_line_store() {
    let pg = Pg::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(pg.init(&[STATION]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let journal = Arc::new(Mutex::new(Journal::open(&path).unwrap()));
    {
        let mut j = journal.lock().unwrap();
        j.audit(&NewEntry::new(actions::OPERATOR_SIGNED_IN, "op-1").by(STATION, Some("op-1"))).unwrap();
        j.append(&(0..9).map(|i| scan(&format!("SN-{i:04}"))).collect::<Vec<_>>()).unwrap();
    }
    // The station copies its trail while it runs.
    rt.block_on(async {
        let j = journal.clone();
        let sink: shopfloor::line_store::AuditSink = Arc::new(move |e| j.lock().unwrap().audit(&e).unwrap());
        let (store, _events) = LineStore::start(&pg.config(STATION, STATION, "line-1"), &path, sink).unwrap();
        store.audit_written();
        let admin = pg.admin().await;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let n: i64 = admin
                .query_one("SELECT count(*) FROM shopfloor.audit WHERE chain = $1", &[&STATION])
                .await
                .unwrap()
                .get(0);
            if n == 10 {
                break;
            }
            assert!(Instant::now() < deadline, "the audit rows were not copied: {n} of 10");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        store.stop().await;
    });
    drop(journal);

    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("{}\n{}", shopfloor::config::EXAMPLE, pg.section(STATION))).unwrap();
    let j = path.to_str().unwrap();
    let (code, out, err) = shopfloor(&config, &["audit", "--verify", "--journal", j]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("intact") && out.contains("line store agrees"), "{out}");

    // Someone removes the protection and the last rows: the local chain alone still holds.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("DROP TRIGGER audit_never_deleted; DELETE FROM audit WHERE id > 7;").unwrap();
    drop(conn);
    let (code, out, err) = shopfloor(&config, &["audit", "--verify", "--journal", j]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!("audit trail BROKEN: station {STATION}'s rows 8 to 10 are missing")),
        "names the station and the rows: {out}"
    );

    // The line's trail still has every row.
    let (code, out, err) = shopfloor(&config, &["audit", "--line-store", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 11, "a header and ten rows:\n{out}");
    assert!(out.lines().skip(1).all(|l| l.contains(STATION)));
    let (code, out, _) = shopfloor(&config, &["audit", "--line-store", "--operator", "nobody"]);
    assert_eq!((code, out.trim()), (0, "no audit rows match"));
}
