//! The commissioning pipeline: takes pending serials of one (product, batch, expiry) from the
//! journal in batches and commissions them. It never touches the journal's file: it asks the
//! journal's one writer for a batch and hands it each answer, as jobs.
//!
//! A full batch goes at once; one short of full waits up to `max_wait` for more scans. While a
//! request is out, the next batch is taken (and on disk as sent), so the next request leaves as
//! soon as the answer is in, and a queue left by an outage drains at the API's pace.
//!
//! Success marks a batch commissioned. A refusal that names serials rejects those (with the
//! server's reason) and puts the rest back; any other refusal rejects the batch. Timeouts,
//! dropped connections, 5xx and 429 put the batch back and wait with backoff (honouring
//! `Retry-After`). An ambiguous failure (sent, no answer) is resolved by sending the same serials
//! again, and holds whichever way the service treats a serial it already has: answered again
//! (idempotent), or refused as already commissioned, which for a serial this station sent
//! without getting an answer means that earlier request did it — counted commissioned, never
//! rejected.

use crate::api::{ApiError, ManufacturerClient};
use crate::domain::manufacturer::CommissionRequest;
use crate::scan::journal::{Batch, Outcome, Taken};
use crate::scan::journal_writer::Job;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub batch_size: usize,
    /// How long a batch that is not full waits for more scans before it goes.
    pub max_wait: Duration,
    pub backoff_start: Duration,
    /// The longest wait between tries while the backend is down: also how long it may take to
    /// notice that it is back.
    pub backoff_max: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            batch_size: 100,
            max_wait: Duration::from_millis(200),
            backoff_start: Duration::from_millis(500),
            backoff_max: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Progress {
    /// A batch was answered: how many were commissioned and rejected.
    Answered { commissioned: usize, rejected: usize },
    /// The backend could not be reached; the batch waits and is retried.
    Waiting { error: ApiError, retry_in: Duration },
    /// The journal failed: commissioning waits until it works again.
    JournalFailed(String),
}

/// How often the pipeline looks for work when nobody woke it (work left from before a restart).
const IDLE_LOOK: Duration = Duration::from_secs(2);

/// Starts the pipeline. `journal` is the journal writer's job queue; notify `wake` when new
/// scans are journaled (the writer does). The task ends when the journal writer is gone.
pub fn spawn(
    journal: std::sync::mpsc::Sender<Job>,
    client: Arc<ManufacturerClient>,
    settings: Settings,
    events: mpsc::UnboundedSender<Progress>,
    wake: Arc<Notify>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(journal, client, settings, events, wake))
}

/// The journal writer has stopped (the station is ending).
struct Gone;

type TakeReply = oneshot::Receiver<Result<Taken, String>>;

/// Asks the writer for the next batch; the answer comes on the returned channel.
fn ask(journal: &std::sync::mpsc::Sender<Job>, limit: usize, fill_for: Duration) -> Result<TakeReply, Gone> {
    let (reply, answer) = oneshot::channel();
    journal.send(Job::Take { limit, fill_for, reply }).map_err(|_| Gone)?;
    Ok(answer)
}

async fn wait(wake: &Notify, at_most: Duration) {
    tokio::select! {
        _ = wake.notified() => {}
        _ = tokio::time::sleep(at_most) => {}
    }
}

async fn run(
    journal: std::sync::mpsc::Sender<Job>,
    client: Arc<ManufacturerClient>,
    s: Settings,
    events: mpsc::UnboundedSender<Progress>,
    wake: Arc<Notify>,
) {
    let mut backoff = s.backoff_start;
    // The next batch, taken while the one before was in flight.
    let mut prepared: Option<Batch> = None;
    // A request for the batch after, sent with the previous answer so the writer puts both in
    // one transaction (one disk sync per batch, not two).
    let mut asked: Option<TakeReply> = None;
    // Since when the batch at the head of the queue has been short of full.
    let mut filling_since: Option<Instant> = None;
    let fill_left = |since: &Option<Instant>| match since {
        Some(t) => s.max_wait.saturating_sub(t.elapsed()),
        None => s.max_wait,
    };
    loop {
        let batch = match prepared.take() {
            Some(b) => b,
            None => {
                let answer = match asked.take() {
                    Some(a) => a,
                    None => match ask(&journal, s.batch_size, fill_left(&filling_since)) {
                        Ok(a) => a,
                        Err(Gone) => return,
                    },
                };
                match answer.await {
                    Err(_) => return,
                    Ok(Ok(Taken::Batch(b))) => {
                        filling_since = None;
                        b
                    }
                    Ok(Ok(Taken::Filling)) => {
                        let since = *filling_since.get_or_insert_with(Instant::now);
                        wait(&wake, s.max_wait.saturating_sub(since.elapsed())).await;
                        continue;
                    }
                    Ok(Ok(Taken::Empty)) => {
                        filling_since = None;
                        wait(&wake, IDLE_LOOK).await;
                        continue;
                    }
                    Ok(Err(e)) => {
                        journal_failed(&events, e);
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(s.backoff_max);
                        continue;
                    }
                }
            }
        };
        // While this request is out, the next batch is made ready.
        if asked.is_none() {
            match ask(&journal, s.batch_size, fill_left(&filling_since)) {
                Ok(a) => asked = Some(a),
                Err(Gone) => return,
            }
        }
        let answer = send(&client, &batch).await;
        let (outcome, progress, pause) = judge(&batch, answer, backoff);
        let (reply, recorded) = oneshot::channel();
        if journal.send(Job::Settle { outcome, reply }).is_err() {
            // The station is ending: whatever is not recorded goes again after the restart.
            return;
        }
        // The batch taken meanwhile (its answer is in by now); asking for the one after right
        // away lands in the same transaction as the answer just sent.
        if let Some(a) = asked.take() {
            match a.await {
                Err(_) => return,
                Ok(Ok(Taken::Batch(b))) => {
                    prepared = Some(b);
                    filling_since = None;
                    match ask(&journal, s.batch_size, fill_left(&filling_since)) {
                        Ok(a) => asked = Some(a),
                        Err(Gone) => return,
                    }
                }
                Ok(Ok(Taken::Filling)) => {
                    filling_since.get_or_insert_with(Instant::now);
                }
                Ok(Ok(Taken::Empty)) | Ok(Err(_)) => {}
            }
        }
        // The progress goes out once the answer is on disk, so the counters it prompts agree.
        let to_station = events.clone();
        tokio::spawn(async move {
            match recorded.await {
                Ok(Ok(())) => {
                    if let Some(p) = progress {
                        let _ = to_station.send(p);
                    }
                }
                Ok(Err(e)) => journal_failed(&to_station, e),
                Err(_) => {}
            }
        });
        match pause {
            Some((error, wait_for)) => {
                tracing::warn!(
                    serials = batch.rows.len(),
                    retry_in_ms = wait_for.as_millis() as u64,
                    "commissioning waits and retries: {error}"
                );
                let _ = events.send(Progress::Waiting { error, retry_in: wait_for });
                tokio::time::sleep(wait_for).await;
                backoff = (backoff * 2).min(s.backoff_max);
            }
            None => backoff = s.backoff_start,
        }
    }
}

fn journal_failed(events: &mpsc::UnboundedSender<Progress>, e: String) {
    tracing::error!("commissioning cannot record its work, the journal failed: {e}");
    let _ = events.send(Progress::JournalFailed(e));
}

async fn send(client: &ManufacturerClient, b: &Batch) -> Result<(), ApiError> {
    let req = CommissionRequest {
        product_code: b.group.gtin.clone(),
        product_code_schema: "GTIN".into(),
        batch: Some(b.group.batch.clone()).filter(|s| !s.is_empty()),
        expiry_date: b.group.expiry.clone(),
        serials: b.rows.iter().map(|r| r.1.clone()).collect(),
    };
    client.commission(&req).await.map(|_| ())
}

/// What an answer means for the batch's rows, what to tell the station, and how long to wait
/// before the next request (when the backend could not be reached).
fn judge(
    b: &Batch,
    answer: Result<(), ApiError>,
    backoff: Duration,
) -> (Outcome, Option<Progress>, Option<(ApiError, Duration)>) {
    let ids = || b.rows.iter().map(|r| r.0).collect::<Vec<_>>();
    match answer {
        Ok(()) => {
            let n = b.rows.len();
            let o = Outcome { commissioned: ids(), ..Outcome::default() };
            (o, Some(Progress::Answered { commissioned: n, rejected: 0 }), None)
        }
        Err(e) if e.is_retryable() => {
            // A 5xx may come from a proxy after the service did the work, like a lost answer.
            let unanswered = e.is_ambiguous() || matches!(e, ApiError::Server { .. });
            let o = Outcome { retry: ids(), unanswered, ..Outcome::default() };
            let pause = match &e {
                ApiError::RateLimited { retry_after } => *retry_after,
                _ => backoff,
            };
            (o, None, Some((e, pause)))
        }
        Err(e) => {
            let o = refusal(b, &e);
            tracing::warn!(
                rejected = o.rejected.len(),
                recovered = o.recovered.len(),
                "Movilitas refused serials: {e}"
            );
            let p = Progress::Answered { commissioned: o.recovered.len(), rejected: o.rejected.len() };
            (o, Some(p), None)
        }
    }
}

/// A refusal: the serials it names are rejected (or, when refused as already commissioned after
/// a request of ours got no answer, counted commissioned); the rest may go again. A refusal
/// that names no serial rejects the whole batch.
fn refusal(b: &Batch, e: &ApiError) -> Outcome {
    let details = match e {
        ApiError::Validation { details } | ApiError::Invalid(details) => details.as_slice(),
        _ => &[],
    };
    let mut o = Outcome { reason: Some(e.to_string()), ..Outcome::default() };
    for (i, (id, serial)) in b.rows.iter().enumerate() {
        let about: Vec<&str> = details
            .iter()
            .filter(|d| {
                d.field == format!("serials[{i}]")
                    || d.message.split_whitespace().any(|w| w.trim_matches(|c| c == '"' || c == '\'') == serial)
            })
            .map(|d| d.message.as_str())
            .collect();
        if about.is_empty() {
            o.retry.push(*id);
        } else if about.iter().all(|m| m.contains("already commissioned")) && b.unanswered.contains(id) {
            o.recovered.push(*id);
        } else {
            o.rejected.push(*id);
        }
    }
    if o.rejected.is_empty() && o.recovered.is_empty() {
        o.rejected = std::mem::take(&mut o.retry);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FieldError;
    use crate::scan::journal::Group;

    fn batch(unanswered: Vec<i64>) -> Batch {
        Batch {
            group: Group { gtin: "g".into(), batch: "b".into(), expiry: "e".into() },
            rows: vec![(1, "A".into()), (2, "B".into()), (3, "C".into())],
            unanswered,
        }
    }

    #[test]
    fn a_refusal_rejects_the_serials_it_names() {
        let b = batch(vec![]);
        let e = ApiError::Validation {
            details: vec![FieldError::new("serials", "B was decommissioned and cannot be commissioned again")],
        };
        let o = refusal(&b, &e);
        assert_eq!((o.rejected, o.retry), (vec![2], vec![1, 3]));
        let o = refusal(&b, &ApiError::Invalid(vec![FieldError::new("serials[2]", "too long")]));
        assert_eq!((o.rejected, o.retry), (vec![3], vec![1, 2]));
        let o = refusal(&b, &ApiError::ProductNotRegistered);
        assert_eq!((o.rejected, o.retry), (vec![1, 2, 3], vec![]));
    }

    #[test]
    fn already_commissioned_counts_as_ours_only_after_a_request_of_ours_got_no_answer() {
        let e = ApiError::Validation {
            details: vec![
                FieldError::new("serials", "A is already commissioned"),
                FieldError::new("serials", "B is already commissioned"),
            ],
        };
        // A went out before and its answer was lost; B was never sent by this station.
        let o = refusal(&batch(vec![1]), &e);
        assert_eq!(o.recovered, vec![1]);
        assert_eq!(o.rejected, vec![2], "someone else commissioned B: that is a real refusal");
        assert_eq!(o.retry, vec![3], "C was refused only because the request was");
    }

    #[test]
    fn a_lost_answer_marks_the_rows_as_sent_without_an_answer() {
        let b = batch(vec![]);
        let (o, p, pause) = judge(&b, Err(ApiError::ConnectionDropped), Duration::from_millis(10));
        assert!(o.unanswered && o.retry.len() == 3 && p.is_none() && pause.is_some());
        let (o, ..) = judge(&b, Err(ApiError::ConnectionRefused { host: "h".into() }), Duration::from_millis(10));
        assert!(!o.unanswered, "a refused connection never reached the service");
    }
}
