//! The journal's own thread: carries out the dashboard's journal effects in order and sends
//! the answers back as messages. Every append waiting when it wakes goes into one transaction,
//! so a scan burst costs one disk sync, not one per scan.

use super::app::Msg;
use super::tabs::scan::ScanStats;
use crate::scan::journal::{Journal, NewScan};
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::{mpsc::UnboundedSender, Notify};

pub enum Job {
    Append(NewScan),
    Alarm { order_id: Option<String>, kind: String, raw: String, message: String },
    Ack,
    SaveActive(String),
    Stats(String),
    Decommissioned { row: i64, reason: String },
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn spawn(journal: Arc<Mutex<Journal>>, to_app: UnboundedSender<Msg>, pipeline: Arc<Notify>) -> mpsc::Sender<Job> {
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("journal".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut jobs = vec![first];
                jobs.extend(rx.try_iter());
                // Stats asked for several times while the thread was busy need reading once.
                let last_stats = jobs.iter().rposition(|j| matches!(j, Job::Stats(_)));
                let jobs: Vec<Job> = jobs
                    .into_iter()
                    .enumerate()
                    .filter(|(i, j)| !matches!(j, Job::Stats(_)) || Some(*i) == last_stats)
                    .map(|(_, j)| j)
                    .collect();
                let mut scans: Vec<NewScan> = Vec::new();
                let mut rest = Vec::new();
                for j in jobs {
                    match j {
                        Job::Append(mut s) => {
                            s.at = now();
                            scans.push(s);
                        }
                        other => rest.push(other),
                    }
                }
                if !scans.is_empty() {
                    let result = journal.lock().unwrap_or_else(|e| e.into_inner()).append(&scans);
                    let answers = match result {
                        Ok(r) => scans.into_iter().zip(r.into_iter().map(Ok)).collect(),
                        Err(e) => {
                            tracing::error!("journal append failed: {e}");
                            let msg = e.to_string();
                            scans.into_iter().map(|s| (s, Err(msg.clone()))).collect()
                        }
                    };
                    let _ = to_app.send(Msg::Journaled(answers));
                    pipeline.notify_one();
                }
                for j in rest {
                    let mut guard = journal.lock().unwrap_or_else(|e| e.into_inner());
                    let done = match j {
                        Job::Alarm { order_id, kind, raw, message } => {
                            guard.record_alarm(order_id.as_deref(), &kind, &raw, &message).map(|_| ())
                        }
                        Job::Ack => guard.acknowledge_alarms().map(|_| ()),
                        Job::SaveActive(json) => guard.set("active_order", &json),
                        Job::Decommissioned { row, reason } => {
                            guard.mark(&[row], crate::scan::journal::State::Decommissioned, Some(&reason))
                        }
                        Job::Stats(order_id) => {
                            let since = (chrono::Utc::now() - chrono::Duration::seconds(60))
                                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                            let stats = (|| {
                                Ok::<_, crate::scan::journal::JournalError>(ScanStats {
                                    counts: guard.counts(&order_id)?,
                                    recent: guard.recent(&order_id, 12)?,
                                    queue: guard.queue_depth()?,
                                    per_minute: guard.scanned_since(&order_id, &since)?,
                                    order_id: order_id.clone(),
                                })
                            })();
                            stats.map(|s| {
                                let _ = to_app.send(Msg::ScanStats(Box::new(s)));
                            })
                        }
                        Job::Append(_) => Ok(()),
                    };
                    if let Err(e) = done {
                        tracing::error!("journal: {e}");
                    }
                }
            }
        })
        .unwrap_or_else(|e| panic!("cannot start the journal thread: {e}"));
    tx
}
