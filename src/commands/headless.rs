//! A station without a screen (`shopfloor line-store station`, hidden): scans from standard
//! input go the station's way (GS1 decoding, the check against the active order, the journal,
//! the line-wide claim, commissioning), and each answer is printed as one JSON line. Tests
//! race several of these processes against one simulator and one line store.

use crate::config::Config;
use crate::line_store::{ClaimResult, LineStore};
use crate::scan::check;
use crate::scan::gs1;
use crate::scan::journal::{Appended, NewScan};
use crate::scan::journal_writer::{Event, Job};
use anyhow::Context;
use serde_json::json;
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub async fn run(
    config: Config,
    controls: &crate::config::controls::Snapshot,
    data_dir: &Path,
    order_id: &str,
    operator: &str,
    burst: usize,
) -> anyhow::Result<ExitCode> {
    let ls_cfg = config.line_store.clone().context("the config has no [line_store] section")?;
    let clients = super::dashboard::clients(&config, data_dir)?;
    let order = clients
        .manufacturer
        .packaging_order(order_id)
        .await
        .with_context(|| format!("cannot read packaging order {order_id}"))?;
    crate::station::record_config(&config, data_dir, controls)
        .context("cannot record the config in the audit trail")?;
    let (mut station, journal_thread) =
        crate::station::Station::start(&config, clients, data_dir, Some(order.clone()))?;
    // Emptied at the end, so the journal's thread sees its last sender go and finishes.
    let jobs = Arc::new(Mutex::new(Some(station.journal.clone())));
    let sink_jobs = jobs.clone();
    let sink: crate::line_store::AuditSink = Arc::new(move |e| {
        if let Some(tx) = sink_jobs.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            let _ = tx.send(Job::Audit(e));
        }
    });
    let (store, mut events) = LineStore::start(&ls_cfg, &data_dir.join("journal.db"), sink)?;
    store.watch_order(Some(order.order_id.clone()));
    // A station that has just started checks line-wide once the store has answered (scans
    // before that are accepted locally and claimed moments later).
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while !store.status().online {
            if events.recv().await.is_none() {
                return;
            }
        }
    })
    .await;

    let lines: Vec<String> = std::io::stdin().lock().lines().collect::<Result<_, _>>()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut accepted, mut duplicates, mut rejected) = (0usize, 0usize, 0usize);
    for chunk in lines.chunks(burst.max(1)) {
        let mut sent = 0;
        for raw in chunk {
            let decoded = gs1::decode(raw, &gs1::Options::default());
            match decoded.map_err(check::Alarm::from).and_then(|d| check::check(&d, Some(&order))) {
                Ok(ok) => {
                    let scan = NewScan {
                        at: String::new(),
                        station: config.station.id.clone(),
                        operator: Some(operator.to_string()),
                        order_id: order.order_id.clone(),
                        gtin: ok.gtin,
                        batch: ok.batch,
                        expiry: ok.expiry,
                        serial: ok.serial,
                        raw: raw.clone(),
                    };
                    station.journal.send(Job::Append(scan)).context("the journal stopped")?;
                    sent += 1;
                }
                Err(alarm) => {
                    rejected += 1;
                    writeln!(out, "{}", json!({"raw": raw, "result": alarm.kind()}))?;
                }
            }
        }
        let mut journaled = Vec::new();
        while journaled.len() < sent {
            match station.journal_events.recv().await {
                Some(Event::Journaled(r)) => journaled.extend(r),
                Some(_) => {}
                None => anyhow::bail!("the journal stopped"),
            }
        }
        let ids: Vec<i64> = journaled
            .iter()
            .filter_map(|(_, r)| match r {
                Ok(Appended::Accepted(id)) => Some(*id),
                _ => None,
            })
            .collect();
        let mut answers = store.claim(&ids).await.into_iter();
        for (scan, r) in journaled {
            let line = match r {
                Ok(Appended::Accepted(_)) => match answers.next().unwrap_or(ClaimResult::Offline) {
                    ClaimResult::Claimed => {
                        accepted += 1;
                        json!({"serial": scan.serial, "result": "accepted"})
                    }
                    ClaimResult::Offline => {
                        accepted += 1;
                        json!({"serial": scan.serial, "result": "accepted_offline"})
                    }
                    ClaimResult::Duplicate(f) | ClaimResult::LateDuplicate(f) => {
                        duplicates += 1;
                        json!({"serial": scan.serial, "result": "duplicate", "first_station": f.station,
                               "first_operator": f.operator, "first_at": f.scanned_at.to_rfc3339()})
                    }
                },
                // Only the dashboard's claim stage answers this; counted like the store's answer.
                Ok(Appended::ClaimedElsewhere { station, operator, at }) => {
                    duplicates += 1;
                    json!({"serial": scan.serial, "result": "duplicate", "first_station": station, "first_operator": operator, "first_at": at})
                }
                Ok(Appended::Voided { reason }) => {
                    json!({"serial": scan.serial, "result": "voided_label", "reason": reason})
                }
                Ok(Appended::Duplicate { first_at }) => {
                    duplicates += 1;
                    json!({"serial": scan.serial, "result": "duplicate", "first_station": config.station.id, "first_at": first_at})
                }
                Err(e) => json!({"serial": scan.serial, "result": "not_saved", "error": e}),
            };
            writeln!(out, "{line}")?;
        }
    }
    // Everything journaled is commissioned (or refused) and claimed before the station stops.
    loop {
        station.journal.send(Job::Stats(order.order_id.clone())).context("the journal stopped")?;
        let queue = loop {
            match tokio::time::timeout(Duration::from_secs(30), station.journal_events.recv()).await {
                Ok(Some(Event::Stats(s))) => break s.queue,
                Ok(Some(_)) => {}
                _ => anyhow::bail!("the journal did not answer"),
            }
        };
        if queue == 0 && store.status().backlog == 0 {
            break;
        }
        while station.pipeline.try_recv().is_ok() {}
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    writeln!(out, "{}", json!({"summary": {"accepted": accepted, "duplicates": duplicates, "rejected": rejected}}))?;
    out.flush()?;
    store.stop().await;
    jobs.lock().unwrap_or_else(|p| p.into_inner()).take();
    drop(station);
    journal_thread.finish();
    Ok(ExitCode::SUCCESS)
}
