//! The runtime's side of the Print tab: carries out its `PrintJob`s against the station's
//! printers and the label store, and sends what happens back as `Msg::Print`. It holds the
//! printers' watch guards while the tab is shown (so they are polled only then) and the handle
//! of the one print run the station has open.

use super::msg::{Msg, PrintJob, PrintNews};
use crate::config::Config;
use crate::printing::engine::{self, RunEvent, RunHandle, RunSpec};
use crate::printing::printer::{self, Printer, Timing, Watch};
use crate::printing::serials::{LineClaim, LocalSerials};
use crate::printing::store::{LabelState, LabelStore};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::UnboundedSender;

pub struct PrintDesk {
    printers: Vec<Arc<Printer>>,
    store: LabelStore,
    serials: crate::domain::serial::SerialSpec,
    to_app: UnboundedSender<Msg>,
    watches: Mutex<Vec<Watch>>,
    run: Arc<Mutex<Option<RunHandle>>>,
    /// With a line store: each serial is claimed line-wide before it is printed.
    line_claim: Option<LineClaim>,
}

/// The line store's claim of a printed serial, as the print run asks it.
pub fn line_claim(store: crate::line_store::LineStore) -> LineClaim {
    Arc::new(move |order: String, gtin: String, serial: String| {
        let store = store.clone();
        Box::pin(async move { store.claim_printed_serial(&order, &gtin, &serial).await.map_err(|e| e.to_string()) })
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl PrintDesk {
    /// The desk for the configured printers (`None` without any). Must run inside the tokio
    /// runtime: each printer's state changes are forwarded to the app from here on.
    pub fn start(
        config: &Config,
        journal: &Path,
        to_app: UnboundedSender<Msg>,
        line_claim: Option<LineClaim>,
    ) -> anyhow::Result<Option<PrintDesk>> {
        if config.printers.is_empty() {
            return Ok(None);
        }
        let store = LabelStore::open(journal)?;
        // Voided labels nobody confirmed removed before the station stopped: asked for again.
        match crate::printing::store::removals_outstanding(journal) {
            Ok(list) if !list.is_empty() => {
                let _ = to_app.send(Msg::Print(PrintNews::ToRemove(list)));
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot read the voided labels to remove: {e}"),
        }
        let printers = printer::from_config(&config.printers, Timing::default());
        for p in &printers {
            let mut rx = p.subscribe();
            let tx = to_app.clone();
            tokio::spawn(async move {
                while rx.changed().await.is_ok() {
                    let s = rx.borrow_and_update().clone();
                    if tx.send(Msg::Print(PrintNews::Printer(s))).is_err() {
                        break;
                    }
                }
            });
        }
        Ok(Some(PrintDesk {
            printers,
            store,
            serials: config.printing.serials.clone(),
            to_app,
            watches: Mutex::new(Vec::new()),
            run: Arc::new(Mutex::new(None)),
            line_claim,
        }))
    }

    fn send(&self, n: PrintNews) {
        let _ = self.to_app.send(Msg::Print(n));
    }

    pub fn perform(&self, job: PrintJob) {
        match job {
            PrintJob::Watch(on) => {
                let mut w = lock(&self.watches);
                w.clear();
                if on {
                    w.extend(self.printers.iter().map(|p| p.watch()));
                }
            }
            PrintJob::Start { printer, order, count, ahead, actor } => {
                let Some(p) = self.printers.iter().find(|p| p.name() == printer).cloned() else {
                    return self.send(PrintNews::Started(Err(format!(
                        "there is no printer named {printer}: check the [[printers]] names in the config"
                    ))));
                };
                let (store, spec, tx, slot, claim) = (
                    self.store.clone(),
                    self.serials.clone(),
                    self.to_app.clone(),
                    self.run.clone(),
                    self.line_claim.clone(),
                );
                tokio::spawn(async move {
                    let source = Box::new(LocalSerials::new(spec));
                    let run = RunSpec { order, count: Some(count), ahead, actor };
                    match engine::start(p, store, source, claim, run, engine::Settings::default()).await {
                        Ok((handle, mut events)) => {
                            let id = handle.run_id.clone();
                            *lock(&slot) = Some(handle);
                            let _ = tx.send(Msg::Print(PrintNews::Started(Ok(id.clone()))));
                            while let Some(e) = events.recv().await {
                                let ended = matches!(e, RunEvent::Ended(_));
                                if ended {
                                    let mut s = lock(&slot);
                                    if s.as_ref().is_some_and(|h| h.run_id == id) {
                                        *s = None;
                                    }
                                }
                                let _ = tx.send(Msg::Print(PrintNews::Run(e)));
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Msg::Print(PrintNews::Started(Err(e.to_string()))));
                        }
                    }
                });
            }
            PrintJob::Verify(raw) => {
                let handle = lock(&self.run).clone();
                let tx = self.to_app.clone();
                tokio::spawn(async move {
                    let outcome = match handle {
                        Some(h) => h.verify(&raw).await.map_err(|e| e.to_string()),
                        None => Err("no print run is open".to_string()),
                    };
                    let _ = tx.send(Msg::Print(PrintNews::Verified { raw, outcome }));
                });
            }
            PrintJob::VoidWaiting(reason) => {
                let Some(h) = lock(&self.run).clone() else {
                    return self.send(PrintNews::Refused("No print run is open: start one on the Print tab".into()));
                };
                let (tx, store) = (self.to_app.clone(), self.store.clone());
                tokio::spawn(async move {
                    let r = void_waiting(&h, &store, &reason).await;
                    let _ = tx.send(Msg::Print(PrintNews::VoidedWaiting(r)));
                });
            }
            PrintJob::Stop | PrintJob::Resume | PrintJob::Finish => {
                let Some(h) = lock(&self.run).clone() else {
                    return self.send(PrintNews::Refused("No print run is open: start one on the Print tab".into()));
                };
                let (tx, slot) = (self.to_app.clone(), self.run.clone());
                tokio::spawn(async move {
                    let news = match job {
                        PrintJob::Stop => h.stop().await.err().map(|e| PrintNews::Refused(e.to_string())),
                        PrintJob::Resume => {
                            h.resume().await.err().map(|e| PrintNews::Refused(format!("Not resumed: {e}")))
                        }
                        PrintJob::Finish => {
                            let r = h.finish("ended at the Print screen").await.map_err(|e| e.to_string());
                            if r.is_ok() {
                                lock(&slot).take();
                            }
                            Some(PrintNews::Finished(r))
                        }
                        _ => None,
                    };
                    if let Some(n) = news {
                        let _ = tx.send(Msg::Print(n));
                    }
                });
            }
        }
    }
}

/// Voids the run's printed labels still waiting for their scan; returns how many.
async fn void_waiting(h: &RunHandle, store: &LabelStore, reason: &str) -> Result<usize, String> {
    let b = h.balance().await.map_err(|e| e.to_string())?;
    let rows = store.order_labels(&b.order_id).map_err(|e| e.to_string())?;
    let mut n = 0;
    for l in rows.iter().filter(|l| l.run_id == h.run_id && l.state == LabelState::Printed) {
        h.void(&l.serial, reason).await.map_err(|e| e.to_string())?;
        n += 1;
    }
    Ok(n)
}
