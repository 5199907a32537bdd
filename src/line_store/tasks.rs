//! The line store's background tasks for one station: the claimer (the outbox, in order, as
//! group commits), the audit copy, the heartbeat with the clock check, and the counters'
//! listener. Each reconnects by itself; only the claimer decides whether the station is online.

use super::backlog::{self, Conflict, Outgoing};
use super::{audit, claims, clock, connect, heartbeat, ClaimResult, Error, Inner, LineCounts, LineEvent};
use crate::domain::audit::{actions, NewEntry};
use rusqlite::Connection;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Scans per claim transaction.
const CLAIM_BATCH: usize = 5000;
/// Audit rows per copy transaction.
const AUDIT_BATCH: usize = 500;
const BACKOFF_START: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// The journal, opened a second time for the line store's own reads and writes. Its answers
/// can always be found again (a claim retried is recognised as ours), so it does not wait for
/// the disk on every commit as the journal itself does.
fn open_journal(inner: &Inner) -> Result<Connection, Error> {
    let conn = Connection::open(&inner.journal)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

async fn blocking<T: Send + 'static>(
    conn: &Arc<Mutex<Connection>>,
    f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, Error> {
    let conn = conn.clone();
    match tokio::task::spawn_blocking(move || f(&mut conn.lock().unwrap_or_else(|e| e.into_inner()))).await {
        Ok(r) => Ok(r?),
        Err(e) => Err(Error::Db(format!("the journal reader stopped: {e}"))),
    }
}

fn next_backoff(d: Duration) -> Duration {
    (d * 2).min(BACKOFF_MAX)
}

pub(super) async fn claimer(inner: Arc<Inner>) {
    let conn = match open_journal(&inner) {
        Ok(c) => Arc::new(Mutex::new(c)),
        Err(e) => {
            inner.set_online(false, Some(e.to_string()));
            return;
        }
    };
    let mut client: Option<claims::Claimer> = None;
    let mut backoff = BACKOFF_START;
    let mut refused = 0;
    while !inner.stopping() {
        if client.is_none() {
            match connect_checked(&inner, "shopfloor claims").await {
                Ok(c) => {
                    backoff = BACKOFF_START;
                    inner.set_online(true, None);
                    resend_late(&inner, c.client(), &conn).await;
                    client = Some(c);
                }
                Err(e) => {
                    inner.set_online(false, Some(e.to_string()));
                    if let Ok(n) = blocking(&conn, |c| backlog::waiting(c)).await {
                        inner.backlog.store(n, Ordering::SeqCst);
                    }
                    inner.sleep_or_stop(backoff).await;
                    backoff = next_backoff(backoff);
                }
            }
            continue;
        }
        let Some(c) = client.as_ref() else { continue };
        let through = Inner::lock(&inner.waiters).through;
        let batch = match blocking(&conn, move |c| backlog::outgoing(c, through, CLAIM_BATCH)).await {
            Ok(b) => b,
            Err(e) => {
                tracing::error!("line store: cannot read the outbox: {e}");
                inner.sleep_or_stop(Duration::from_secs(1)).await;
                continue;
            }
        };
        let batch = ready_part(&inner, batch);
        if batch.is_empty() {
            if let Ok(n) = blocking(&conn, |c| backlog::waiting(c)).await {
                inner.backlog.store(n, Ordering::SeqCst);
            }
            tokio::select! {
                _ = inner.claim_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = inner.stop_wake.notified() => {}
            }
            continue;
        }
        let full = batch.len() == CLAIM_BATCH;
        match c.claim(&inner.cfg.station, &inner.cfg.line, &batch).await {
            Ok(answers) => {
                refused = 0;
                answer(&inner, &conn, c.client(), batch, answers).await;
                if let Ok(n) = blocking(&conn, |c| backlog::waiting(c)).await {
                    inner.backlog.store(n, Ordering::SeqCst);
                }
                if !full {
                    // Let a burst gather while the next transaction would be tiny.
                    tokio::task::yield_now().await;
                }
            }
            Err(e @ Error::Db(_)) if refused < 3 => {
                // The server refused the statement (e.g. a lock conflict): try it again as it is.
                refused += 1;
                tracing::warn!("line store claim refused, tried again: {e}");
                inner.sleep_or_stop(Duration::from_millis(20)).await;
            }
            Err(e) => {
                // The answer may be lost after the commit: the retry recognises our own claims.
                tracing::warn!("line store claim failed, retried after reconnecting: {e}");
                client = None;
                refused = 0;
                inner.set_online(false, Some(e.to_string()));
            }
        }
    }
}

/// The part of the outbox to claim now: up to the last scan a caller waits for, and whatever
/// has waited longer than a caller would (scans no caller asked about: the backlog). Scans
/// just journaled whose caller has not asked yet stay for the next round, so their conflicts
/// reach the caller as DUPLICATE rather than LATE DUPLICATE.
fn ready_part(inner: &Inner, mut batch: Vec<Outgoing>) -> Vec<Outgoing> {
    let newest_waited = Inner::lock(&inner.waiters).open.keys().max().copied().unwrap_or(0);
    let old = chrono::Utc::now() - chrono::Duration::from_std(super::CLAIM_WAIT).unwrap_or_default();
    let keep = batch.iter().take_while(|o| o.scan_id <= newest_waited || o.scanned_at <= old).count();
    batch.truncate(keep);
    batch
}

async fn connect_checked(inner: &Inner, application: &str) -> Result<claims::Claimer, Error> {
    let (client, _notes) = connect::connect(&inner.cfg, application).await?;
    super::schema::check(&client).await?;
    claims::Claimer::new(client).await
}

/// Late duplicates kept locally reach the line's list once the store is back.
async fn resend_late(inner: &Inner, client: &tokio_postgres::Client, conn: &Arc<Mutex<Connection>>) {
    let Ok(kept) = blocking(conn, |c| backlog::conflicts(c, true)).await else { return };
    for (c, resolved) in kept {
        if resolved.is_none() {
            if let Err(e) = claims::report_late(client, &inner.cfg.station, &c).await {
                tracing::warn!("late duplicate not yet on the line's list: {e}");
                return;
            }
        }
    }
}

/// Records the store's answers, tells the callers, and raises late duplicates.
async fn answer(
    inner: &Inner,
    conn: &Arc<Mutex<Connection>>,
    client: &tokio_postgres::Client,
    batch: Vec<Outgoing>,
    answers: Vec<Option<super::FirstClaim>>,
) {
    let through = batch.last().map(|o| o.scan_id).unwrap_or(0);
    let mut results = Vec::with_capacity(batch.len());
    let mut conflicts = Vec::new();
    let mut senders = Vec::new();
    {
        let mut w = Inner::lock(&inner.waiters);
        for (scan, first) in batch.into_iter().zip(answers) {
            let waiter = w.open.remove(&scan.scan_id);
            let result = match (first, waiter.is_some()) {
                (None, _) => ClaimResult::Claimed,
                (Some(f), true) => {
                    conflicts.push(Conflict { scan: scan.clone(), first: f.clone(), late: false });
                    ClaimResult::Duplicate(f)
                }
                (Some(f), false) => {
                    conflicts.push(Conflict { scan: scan.clone(), first: f.clone(), late: true });
                    ClaimResult::LateDuplicate(f)
                }
            };
            if result != ClaimResult::Claimed {
                w.conflicts.insert(scan.scan_id, result.clone());
            }
            if let Some(tx) = waiter {
                senders.push((tx, result.clone()));
            }
            results.push((scan.scan_id, result));
        }
        w.through = w.through.max(through);
    }
    let kept = conflicts.clone();
    if let Err(e) = blocking(conn, move |c| backlog::record(c, through, &kept)).await {
        // Not recorded: the same scans are claimed again after a restart and answered the same.
        tracing::error!("line store: answers not recorded in the journal: {e}");
    }
    for (tx, r) in senders {
        let _ = tx.send(r);
    }
    inner.emit(LineEvent::Claimed(results));
    for c in conflicts.into_iter().filter(|c| c.late) {
        (inner.audit_sink)(
            NewEntry::new(actions::SCAN_LATE_DUPLICATE, format!("{}/{}", c.scan.gtin, c.scan.serial))
                .by(&inner.cfg.station, c.scan.operator.as_deref())
                .change(
                    None,
                    Some(format!(
                        "claimed first by {} (pack {}, order {}, operator {}, {})",
                        c.first.station,
                        c.first.pack,
                        c.first.order_id,
                        c.first.operator.as_deref().unwrap_or("-"),
                        c.first.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                    )),
                )
                .reason(format!("found when the backlog was claimed; this station's pack {}", c.scan.scan_id)),
        );
        if let Err(e) = claims::report_late(client, &inner.cfg.station, &c).await {
            tracing::warn!("late duplicate not yet on the line's list (sent again on reconnect): {e}");
        }
        inner.emit(LineEvent::LateDuplicate(c));
    }
}

pub(super) async fn audit_copier(inner: Arc<Inner>) {
    let conn = match open_journal(&inner) {
        Ok(c) => Arc::new(Mutex::new(c)),
        Err(e) => {
            tracing::error!("line store: the audit copy cannot open the journal: {e}");
            return;
        }
    };
    let chain = inner.cfg.station.clone();
    let mut head: Option<i64> = None;
    let mut stuck = false;
    while !inner.stopping() {
        if !stuck {
            match copy_round(&inner, &conn, &chain, &mut head).await {
                Ok(more) if more => continue,
                Ok(_) => {}
                Err(e @ Error::AuditDiverged { .. }) => {
                    tracing::error!("{e}");
                    inner.emit(LineEvent::AuditProblem(e.to_string()));
                    stuck = true;
                }
                Err(e) => {
                    tracing::warn!("audit copy waits for the line store: {e}");
                    head = None;
                }
            }
        }
        tokio::select! {
            _ = inner.audit_wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = inner.stop_wake.notified() => {}
        }
    }
}

/// Copies what the store lacks; true when there is more to copy right away.
async fn copy_round(
    inner: &Inner,
    conn: &Arc<Mutex<Connection>>,
    chain: &str,
    head: &mut Option<i64>,
) -> Result<bool, Error> {
    let mut client = connect::get(&inner.pool, &inner.cfg).await?;
    let last = match *head {
        Some(h) => h,
        None => {
            let stored = audit::head(&client, chain).await?;
            let at = stored.as_ref().map(|(id, _)| *id);
            let (local_last, local_at_head) = blocking(conn, move |c| {
                Ok((
                    audit::local_last_id(c)?,
                    match at {
                        Some(id) => audit::local_row(c, id)?,
                        None => None,
                    },
                ))
            })
            .await?;
            match audit::compare(chain, stored, local_last, local_at_head.as_ref()) {
                audit::Comparison::Agrees { copied, .. } => copied,
                audit::Comparison::NothingCopied => 0,
                other => return Err(Error::AuditDiverged { chain: chain.into(), why: format!("{other:?}") }),
            }
        }
    };
    let rows = blocking(conn, move |c| audit::local_after(c, last, AUDIT_BATCH)).await?;
    let Some(newest) = rows.last().map(|e| e.id) else {
        *head = Some(last);
        return Ok(false);
    };
    let full = rows.len() == AUDIT_BATCH;
    audit::copy(&mut client, chain, &rows).await?;
    *head = Some(newest);
    Ok(full)
}

pub(super) async fn heartbeat(inner: Arc<Inner>) {
    let mut connected = false;
    let mut last_clock: Option<tokio::time::Instant> = None;
    while !inner.stopping() {
        let round = async {
            let client = connect::get(&inner.pool, &inner.cfg).await?;
            let due = !connected || last_clock.is_none_or(|t| t.elapsed() >= clock::EVERY);
            if due {
                let skew = clock::measure(&client).await?;
                last_clock = Some(tokio::time::Instant::now());
                *Inner::lock(&inner.skew_ms) = Some(skew);
                if clock::too_far(skew) {
                    let message = clock::describe(skew);
                    (inner.audit_sink)(
                        NewEntry::new(actions::CLOCK_SKEW, "station clock")
                            .by(&inner.cfg.station, Inner::lock(&inner.state).operator.as_deref())
                            .change(None, Some(format!("{skew} ms against the line store")))
                            .reason("more than 2 s off the line store's clock"),
                    );
                    inner.emit(LineEvent::ClockSkew { skew_ms: skew, message });
                }
            }
            let state = Inner::lock(&inner.state).clone();
            let skew = *Inner::lock(&inner.skew_ms);
            let backlog = inner.backlog.load(Ordering::SeqCst);
            heartbeat::report(&client, &inner.cfg.station, &inner.cfg.line, &state, skew, backlog, false).await
        };
        match round.await {
            Ok(()) => connected = true,
            Err(e) => {
                if connected {
                    tracing::warn!("heartbeat to the line store failed: {e}");
                }
                connected = false;
            }
        }
        tokio::select! {
            _ = inner.report_wake.notified() => {
                // Several changes in a row make one report.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            _ = tokio::time::sleep(heartbeat::EVERY) => {}
            _ = inner.stop_wake.notified() => {}
        }
    }
}

pub(super) async fn counters(inner: Arc<Inner>) {
    let mut backoff = BACKOFF_START;
    while !inner.stopping() {
        let (client, mut notes) = match connect::connect(&inner.cfg, "shopfloor counters").await {
            Ok(c) => c,
            Err(_) => {
                inner.sleep_or_stop(backoff).await;
                backoff = next_backoff(backoff);
                continue;
            }
        };
        if client.batch_execute(&format!("LISTEN {}", claims::COUNTS_CHANNEL)).await.is_err() {
            inner.sleep_or_stop(backoff).await;
            continue;
        }
        backoff = BACKOFF_START;
        // Notifications are not replayed after a reconnect: read afresh.
        let mut dirty = true;
        loop {
            if dirty {
                let watched = Inner::lock(&inner.watched).clone();
                if let Some(order) = watched {
                    match read_counts(&client, &order, &inner.cfg.station).await {
                        Ok(c) => inner.emit(LineEvent::Counts(c)),
                        Err(_) => break,
                    }
                }
            }
            tokio::select! {
                n = notes.recv() => match n {
                    Some(n) => {
                        dirty = Inner::lock(&inner.watched).as_deref() == Some(n.payload());
                        // A burst of claims announces itself many times: read once after it.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        while let Ok(n) = notes.try_recv() {
                            dirty |= Inner::lock(&inner.watched).as_deref() == Some(n.payload());
                        }
                    }
                    None => break,
                },
                _ = inner.watch_wake.notified() => dirty = true,
                _ = inner.stop_wake.notified() => return,
            }
        }
    }
}

/// The order's claimed packs, this station's and the line's.
pub async fn read_counts(client: &tokio_postgres::Client, order: &str, station: &str) -> Result<LineCounts, Error> {
    let rows = client
        .query("SELECT station, claimed FROM order_counts WHERE order_id = $1 ORDER BY station", &[&order])
        .await
        .map_err(Error::db)?;
    let by_station: Vec<(String, i64)> = rows.into_iter().map(|r| (r.get(0), r.get(1))).collect();
    Ok(LineCounts {
        order_id: order.to_string(),
        own: by_station.iter().filter(|(s, _)| s == station).map(|(_, n)| n).sum(),
        line: by_station.iter().map(|(_, n)| n).sum(),
        by_station,
    })
}
