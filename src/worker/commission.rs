//! The commissioning pipeline: takes pending serials of one (product, batch, expiry) from the
//! journal in batches and commissions them.
//!
//! Success marks a batch commissioned. A refusal that names serials rejects those (with the
//! server's reason) and puts the rest back; any other refusal rejects the batch. Timeouts,
//! dropped connections, 5xx and 429 put the batch back and wait with backoff (honouring
//! `Retry-After`). An ambiguous failure (sent, no answer) is resolved by sending the same serials
//! again: commissioning is idempotent per serial, so nothing is lost or counted twice.

use crate::api::{ApiError, ManufacturerClient};
use crate::domain::manufacturer::CommissionRequest;
use crate::scan::journal::{Batch, Journal, JournalError, State};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub batch_size: usize,
    /// How long to wait for more scans before sending a batch that is not full.
    pub max_wait: Duration,
    pub backoff_start: Duration,
    pub backoff_max: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            batch_size: 100,
            max_wait: Duration::from_millis(200),
            backoff_start: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Progress {
    /// A batch was answered: how many were commissioned and rejected.
    Answered { commissioned: usize, rejected: usize },
    /// The backend could not be reached; the batch waits and is retried.
    Waiting { error: ApiError, retry_in: Duration },
    /// The journal failed: commissioning stops until it works again.
    JournalFailed(String),
}

pub type SharedJournal = Arc<Mutex<Journal>>;

async fn with_journal<T: Send + 'static>(
    journal: &SharedJournal,
    f: impl FnOnce(&mut Journal) -> Result<T, JournalError> + Send + 'static,
) -> Result<T, JournalError> {
    let j = journal.clone();
    match tokio::task::spawn_blocking(move || {
        let mut guard = j.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    })
    .await
    {
        Ok(r) => r,
        Err(e) => Err(JournalError::Sql(rusqlite::Error::ToSqlConversionFailure(Box::new(e)))),
    }
}

/// Starts the pipeline; notify the returned handle when new scans are journaled.
pub fn spawn(
    journal: SharedJournal,
    client: Arc<ManufacturerClient>,
    settings: Settings,
    events: mpsc::UnboundedSender<Progress>,
) -> Arc<Notify> {
    let wake = Arc::new(Notify::new());
    tokio::spawn(run(journal, client, settings, events, wake.clone()));
    wake
}

async fn run(
    journal: SharedJournal,
    client: Arc<ManufacturerClient>,
    s: Settings,
    events: mpsc::UnboundedSender<Progress>,
    wake: Arc<Notify>,
) {
    let mut backoff = s.backoff_start;
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            // Also look now and then: work may be left from before a restart.
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
        // Give a burst the chance to fill a batch.
        tokio::time::sleep(s.max_wait).await;
        loop {
            let size = s.batch_size;
            let batch = match with_journal(&journal, move |j| j.take_batch(size)).await {
                Ok(Some(b)) => b,
                Ok(None) => break,
                Err(e) => {
                    journal_failed(&events, e.to_string());
                    break;
                }
            };
            match send(&client, &batch).await {
                Ok(()) => {
                    backoff = s.backoff_start;
                    let ids: Vec<i64> = batch.rows.iter().map(|r| r.0).collect();
                    let n = ids.len();
                    if let Err(e) = with_journal(&journal, move |j| j.mark(&ids, State::Commissioned, None)).await {
                        journal_failed(&events, e.to_string());
                        break;
                    }
                    let _ = events.send(Progress::Answered { commissioned: n, rejected: 0 });
                }
                Err(e) if e.is_retryable() => {
                    let ids: Vec<i64> = batch.rows.iter().map(|r| r.0).collect();
                    let _ = with_journal(&journal, move |j| j.mark(&ids, State::Pending, None)).await;
                    let wait = match &e {
                        ApiError::RateLimited { retry_after } => *retry_after,
                        _ => backoff,
                    };
                    tracing::warn!(
                        serials = batch.rows.len(),
                        retry_in_ms = wait.as_millis() as u64,
                        "commissioning waits and retries: {e}"
                    );
                    let _ = events.send(Progress::Waiting { error: e, retry_in: wait });
                    tokio::time::sleep(wait).await;
                    backoff = (backoff * 2).min(s.backoff_max);
                }
                Err(e) => {
                    let (rejected, retry) = split_refusal(&batch, &e);
                    let reason = e.to_string();
                    let reason_for_log = reason.clone();
                    let (nr, _) = (rejected.len(), retry.len());
                    let done = with_journal(&journal, move |j| {
                        j.mark(&rejected, State::Rejected, Some(&reason))?;
                        j.mark(&retry, State::Pending, None)
                    })
                    .await;
                    if let Err(err) = done {
                        journal_failed(&events, err.to_string());
                        break;
                    }
                    tracing::warn!(rejected = nr, "Movilitas refused serials: {reason_for_log}");
                    let _ = events.send(Progress::Answered { commissioned: 0, rejected: nr });
                }
            }
        }
    }
}

fn journal_failed(events: &mpsc::UnboundedSender<Progress>, e: String) {
    tracing::error!("commissioning stopped, the journal failed: {e}");
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

/// Which rows a refusal names (rejected) and which may go again (the rest). A refusal that
/// names no serial rejects the whole batch.
fn split_refusal(b: &Batch, e: &ApiError) -> (Vec<i64>, Vec<i64>) {
    let details = match e {
        ApiError::Validation { details } | ApiError::Invalid(details) => details.as_slice(),
        _ => &[],
    };
    let named: Vec<i64> = b
        .rows
        .iter()
        .enumerate()
        .filter(|(i, (_, serial))| {
            details.iter().any(|d| {
                d.field == format!("serials[{i}]")
                    || d.message.split_whitespace().any(|w| w.trim_matches('"') == serial)
            })
        })
        .map(|(_, (id, _))| *id)
        .collect();
    if named.is_empty() {
        return (b.rows.iter().map(|r| r.0).collect(), Vec::new());
    }
    let rest = b.rows.iter().map(|r| r.0).filter(|id| !named.contains(id)).collect();
    (named, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FieldError;
    use crate::scan::journal::Group;

    #[test]
    fn a_refusal_rejects_the_serials_it_names() {
        let b = Batch {
            group: Group { gtin: "g".into(), batch: "b".into(), expiry: "e".into() },
            rows: vec![(1, "A".into()), (2, "B".into()), (3, "C".into())],
        };
        let e = ApiError::Validation {
            details: vec![FieldError::new("serials", "B was decommissioned and cannot be commissioned again")],
        };
        assert_eq!(split_refusal(&b, &e), (vec![2], vec![1, 3]));
        let e = ApiError::Invalid(vec![FieldError::new("serials[2]", "too long")]);
        assert_eq!(split_refusal(&b, &e), (vec![3], vec![1, 2]));
        assert_eq!(split_refusal(&b, &ApiError::ProductNotRegistered), (vec![1, 2, 3], vec![]));
    }
}
