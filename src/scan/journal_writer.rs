//! The journal's own thread: carries out the station's journal jobs in order and sends the
//! answers back as events. Every append waiting when it wakes goes into one transaction, so a
//! scan burst costs one disk sync, not one per scan.

use super::journal::{Actor, Alarm, Appended, Journal, NewScan, ScanStats};
use crate::domain::audit::NewEntry;
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::{mpsc::UnboundedSender, Notify};

/// What the station asks of the journal.
pub enum Job {
    Append(NewScan),
    Alarm(Alarm, Actor),
    Ack(Actor),
    SaveActive(String),
    Stats(String),
    Decommissioned { row: i64, reason: String, actor: Actor },
    Audit(NewEntry),
}

/// What the journal tells the station.
#[derive(Debug, Clone)]
pub enum Event {
    /// The journal's answer for scans sent to it, in order.
    Journaled(Vec<(NewScan, Result<Appended, String>)>),
    /// Counters and last scans of an order.
    Stats(Box<ScanStats>),
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Starts the thread; it ends when every sender is gone, after the jobs already sent (join the
/// handle to be sure the last ones, such as a sign-out's audit row, are on disk).
pub fn spawn(
    journal: Arc<Mutex<Journal>>,
    to_station: UnboundedSender<Event>,
    pipeline: Arc<Notify>,
) -> (mpsc::Sender<Job>, std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<Job>();
    let handle = std::thread::Builder::new()
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
                    let _ = to_station.send(Event::Journaled(answers));
                    pipeline.notify_one();
                }
                for j in rest {
                    let mut guard = journal.lock().unwrap_or_else(|e| e.into_inner());
                    let done = match j {
                        Job::Alarm(alarm, actor) => guard.record_alarm(&alarm, &actor).map(|_| ()),
                        Job::Ack(actor) => guard.acknowledge_alarms(&actor).map(|_| ()),
                        Job::SaveActive(json) => guard.set("active_order", &json),
                        Job::Decommissioned { row, reason, actor } => guard.decommissioned(row, &reason, &actor),
                        Job::Audit(entry) => guard.audit(&entry),
                        Job::Stats(order_id) => {
                            let since = (chrono::Utc::now() - chrono::Duration::seconds(60))
                                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                            guard.stats(&order_id, &since).map(|s| {
                                let _ = to_station.send(Event::Stats(Box::new(s)));
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
    (tx, handle)
}
