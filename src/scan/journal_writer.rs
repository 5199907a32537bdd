//! The journal's one writer: a thread that owns the write connection and carries out, in order,
//! every change the station makes — scans, alarms, audit rows, and the commissioning pipeline's
//! batches and answers. The jobs waiting when it wakes share one transaction (one disk sync for
//! a burst; each job in a savepoint, so one failure undoes only that job), and each answer goes
//! out once its transaction is on disk. Statistics are read on a second, read-only connection by
//! a thread of their own, so a statistics query never holds up a write.

use super::journal::{Actor, Alarm, Appended, Journal, JournalError, NewScan, Outcome, ScanRow, ScanStats, Taken};
use crate::domain::audit::NewEntry;
use std::sync::{mpsc, Arc};
use std::time::Duration;
use tokio::sync::{mpsc::UnboundedSender, oneshot, Notify};

/// What the station asks of the journal.
pub enum Job {
    Append(NewScan),
    Alarm(Alarm, Actor),
    Ack(Actor),
    /// Acknowledge the open alarms of one kind only (e.g. the Print tab's `label_mismatch`).
    AckKind(Actor, String),
    SaveActive(String),
    Stats(String),
    /// Look a scan up by GTIN and serial (answered as `Event::Found`, after what came before).
    Find {
        gtin: String,
        serial: String,
    },
    Decommissioned {
        row: i64,
        reason: String,
        actor: Actor,
        signed: Option<crate::domain::audit::Signed>,
    },
    Audit(NewEntry),
    /// Another station of the line claimed this scan's pack first (see `Tx::line_duplicate`).
    LineDuplicate {
        row: i64,
        reason: String,
    },
    /// The commissioning pipeline's next batch (`Journal::take_ready`), answered once its rows
    /// are on disk as sent.
    Take {
        limit: usize,
        fill_for: Duration,
        reply: oneshot::Sender<Result<Taken, String>>,
    },
    /// The server's answer for a batch, to record; answered once it is on disk.
    Settle {
        outcome: Outcome,
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// Ends the thread once the jobs sent before it are written (what `JournalThread::finish`
    /// sends; the pipeline keeps a sender, so the thread cannot wait for every sender to go).
    Shutdown,
}

/// What the journal tells the station.
#[derive(Debug, Clone)]
pub enum Event {
    /// The journal's answer for scans sent to it, in order.
    Journaled(Vec<(NewScan, Result<Appended, String>)>),
    /// Counters and last scans of an order.
    Stats(Box<ScanStats>),
    /// The answer to `Job::Find`: the scan, if this journal has it.
    Found { gtin: String, serial: String, row: Option<Box<ScanRow>> },
}

/// What the read-only connection is asked for.
enum Read {
    Stats(String),
    Find { gtin: String, serial: String },
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Starts the writer (which owns `journal`) and the statistics reader (on a read-only
/// connection to the same file). The writer ends on `Job::Shutdown` or when every sender is
/// gone, after the jobs already sent; join the handle to be sure they are on disk.
pub fn spawn(
    journal: Journal,
    to_station: UnboundedSender<Event>,
    pipeline: Arc<Notify>,
) -> Result<(mpsc::Sender<Job>, std::thread::JoinHandle<()>), JournalError> {
    let reader = Journal::open_read_only(journal.path())?;
    let (stats_tx, stats_rx) = mpsc::channel::<Read>();
    let to_reader = to_station.clone();
    std::thread::Builder::new()
        .name("journal-stats".into())
        .spawn(move || read_stats(reader, stats_rx, to_reader))
        .map_err(|e| JournalError::Sql(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
    let (tx, rx) = mpsc::channel::<Job>();
    let handle = std::thread::Builder::new()
        .name("journal".into())
        .spawn(move || {
            let mut journal = journal;
            while let Ok(first) = rx.recv() {
                let mut jobs = vec![first];
                jobs.extend(rx.try_iter());
                if write(&mut journal, jobs, &to_station, &pipeline, &stats_tx) {
                    break;
                }
            }
        })
        .map_err(|e| JournalError::Sql(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
    Ok((tx, handle))
}

/// An answer held back until the transaction it depends on is on disk.
enum Reply {
    Journaled(Vec<(NewScan, Result<Appended, String>)>),
    Taken(oneshot::Sender<Result<Taken, String>>, Result<Taken, String>),
    Settled(oneshot::Sender<Result<(), String>>, Result<(), String>),
    Stats(String),
    Find(String, String),
}

impl Reply {
    /// The answer when the transaction did not reach the disk after all.
    fn failed(self, why: &str) -> Reply {
        match self {
            Reply::Journaled(answers) => {
                Reply::Journaled(answers.into_iter().map(|(s, _)| (s, Err(why.to_string()))).collect())
            }
            Reply::Taken(to, _) => Reply::Taken(to, Err(why.to_string())),
            Reply::Settled(to, _) => Reply::Settled(to, Err(why.to_string())),
            Reply::Stats(o) => Reply::Stats(o),
            Reply::Find(g, s) => Reply::Find(g, s),
        }
    }
}

/// Writes one group of jobs in one transaction; true when the thread is to end.
fn write(
    journal: &mut Journal,
    jobs: Vec<Job>,
    to_station: &UnboundedSender<Event>,
    pipeline: &Notify,
    stats: &mpsc::Sender<Read>,
) -> bool {
    let stop_at = jobs.iter().position(|j| matches!(j, Job::Shutdown));
    let mut replies: Vec<Reply> = Vec::new();
    let mut accepted = false;
    let committed = (|| -> Result<(), JournalError> {
        let mut tx = journal.begin()?;
        let mut scans: Vec<NewScan> = Vec::new();
        let mut flush = |tx: &mut super::journal::Tx<'_>, scans: &mut Vec<NewScan>, replies: &mut Vec<Reply>| {
            if scans.is_empty() {
                return;
            }
            let batch = std::mem::take(scans);
            let answers = match tx.append(&batch) {
                Ok(r) => {
                    accepted |= r.iter().any(|a| matches!(a, Appended::Accepted(_)));
                    batch.into_iter().zip(r.into_iter().map(Ok)).collect()
                }
                Err(e) => {
                    tracing::error!("journal append failed: {e}");
                    let msg = e.to_string();
                    batch.into_iter().map(|s| (s, Err(msg.clone()))).collect()
                }
            };
            replies.push(Reply::Journaled(answers));
        };
        for job in jobs.into_iter().take(stop_at.unwrap_or(usize::MAX)) {
            let job = match job {
                Job::Append(mut s) => {
                    s.at = now();
                    scans.push(s);
                    continue;
                }
                other => other,
            };
            flush(&mut tx, &mut scans, &mut replies);
            let done = match job {
                Job::Alarm(alarm, actor) => tx.alarm(&alarm, &actor).map(|_| ()),
                Job::Ack(actor) => tx.acknowledge(&actor, None).map(|_| ()),
                Job::AckKind(actor, kind) => tx.acknowledge(&actor, Some(&kind)).map(|_| ()),
                Job::SaveActive(json) => tx.set("active_order", &json),
                Job::Decommissioned { row, reason, actor, signed } => {
                    tx.decommissioned(row, &reason, &actor, signed.as_ref())
                }
                Job::Audit(entry) => tx.audit(&entry),
                Job::LineDuplicate { row, reason } => tx.line_duplicate(row, &reason),
                Job::Stats(order_id) => {
                    replies.push(Reply::Stats(order_id));
                    Ok(())
                }
                Job::Find { gtin, serial } => {
                    replies.push(Reply::Find(gtin, serial));
                    Ok(())
                }
                Job::Take { limit, fill_for, reply } => {
                    let r = tx.take(limit, fill_for).map_err(|e| e.to_string());
                    replies.push(Reply::Taken(reply, r));
                    Ok(())
                }
                Job::Settle { outcome, reply } => {
                    let r = tx.settle(&outcome).map_err(|e| e.to_string());
                    replies.push(Reply::Settled(reply, r));
                    Ok(())
                }
                Job::Append(_) | Job::Shutdown => Ok(()),
            };
            if let Err(e) = done {
                tracing::error!("journal: {e}");
            }
        }
        flush(&mut tx, &mut scans, &mut replies);
        tx.commit()
    })();
    if let Err(e) = &committed {
        tracing::error!("journal commit failed: {e}");
        let why = e.to_string();
        replies = replies.into_iter().map(|r| r.failed(&why)).collect();
    }
    // Statistics asked for several times in one group are read once, after the commit.
    let last_stats = replies.iter().rposition(|r| matches!(r, Reply::Stats(_)));
    for (i, r) in replies.into_iter().enumerate() {
        match r {
            Reply::Journaled(answers) => {
                let _ = to_station.send(Event::Journaled(answers));
            }
            Reply::Taken(to, r) => {
                let _ = to.send(r);
            }
            Reply::Settled(to, r) => {
                let _ = to.send(r);
            }
            Reply::Stats(order_id) if Some(i) == last_stats => {
                let _ = stats.send(Read::Stats(order_id));
            }
            Reply::Stats(_) => {}
            Reply::Find(gtin, serial) => {
                let _ = stats.send(Read::Find { gtin, serial });
            }
        }
    }
    if accepted && committed.is_ok() {
        pipeline.notify_one();
    }
    stop_at.is_some()
}

/// The statistics reader: answers the latest request when it wakes (requests that piled up
/// meanwhile would all read the same).
fn read_stats(reader: Journal, rx: mpsc::Receiver<Read>, to_station: UnboundedSender<Event>) {
    while let Ok(first) = rx.recv() {
        // Look-ups are each answered; of the statistics only the latest is read.
        let mut order = None;
        for read in std::iter::once(first).chain(rx.try_iter()) {
            match read {
                Read::Stats(order_id) => order = Some(order_id),
                Read::Find { gtin, serial } => {
                    let row = match reader.find_scan(&gtin, &serial) {
                        Ok(r) => r.map(Box::new),
                        Err(e) => {
                            tracing::error!("journal look-up: {e}");
                            None
                        }
                    };
                    if to_station.send(Event::Found { gtin, serial, row }).is_err() {
                        return;
                    }
                }
            }
        }
        let Some(order_id) = order else { continue };
        let since =
            (chrono::Utc::now() - chrono::Duration::seconds(60)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        match reader.stats(&order_id, &since) {
            Ok(s) => {
                if to_station.send(Event::Stats(Box::new(s))).is_err() {
                    return;
                }
            }
            Err(e) => tracing::error!("journal statistics: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_look_up_is_answered_after_the_scans_sent_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("j.db")).unwrap();
        let (events, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let (jobs, thread) = spawn(journal, events, Arc::new(Notify::new())).unwrap();
        let scan = super::super::journal::tests::scan("LOOK1");
        let gtin = scan.gtin.clone();
        jobs.send(Job::Append(scan)).unwrap();
        jobs.send(Job::Find { gtin: gtin.clone(), serial: "LOOK1".into() }).unwrap();
        jobs.send(Job::Find { gtin, serial: "NOPE".into() }).unwrap();
        let mut found = Vec::new();
        while found.len() < 2 {
            if let Event::Found { serial, row, .. } = rx.blocking_recv().expect("the writer answers") {
                found.push((serial, row.map(|r| r.serial)));
            }
        }
        assert_eq!(found, [("LOOK1".to_string(), Some("LOOK1".to_string())), ("NOPE".to_string(), None)]);
        jobs.send(Job::Shutdown).unwrap();
        thread.join().unwrap();
    }
}
