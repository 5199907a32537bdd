//! One printer as the station sees it: its connection (one user at a time), its last known
//! state for anyone who subscribes, and polling that runs only while someone asks for it (the
//! Printers panel holds a [`Watch`]; a print run asks on its own while a job is in flight).
//!
//! A state is read from `~HS`; when `~HS` stays silent, `~HQES` says which fault silenced it.

use super::link::{Link, LinkError};
use crate::config::printers::Printer as PrinterConfig;
use crate::domain::zebra::{ErrorStatus, HostStatus, PrinterState};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{watch, Mutex};

/// How long to wait for the printer, and how often to ask it.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub connect: Duration,
    /// How long a status question may go unanswered before the printer counts as silent.
    pub answer: Duration,
    /// Between two status questions while polling.
    pub poll: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing { connect: Duration::from_secs(3), answer: Duration::from_millis(1500), poll: Duration::from_secs(1) }
    }
}

/// The printer's last known state and the answers it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub printer: String,
    pub state: PrinterState,
    /// The `~HS` answer, when the printer gave one.
    pub host: Option<HostStatus>,
    /// The `~HQES` answer, asked when `~HS` was silent.
    pub errors: Option<ErrorStatus>,
    pub at: SystemTime,
}

pub struct Printer {
    pub config: PrinterConfig,
    pub timing: Timing,
    link: Mutex<Option<Link>>,
    state: watch::Sender<Status>,
    watchers: AtomicUsize,
    polling: AtomicBool,
    in_run: AtomicBool,
}

/// Held by the one print run a printer may have at a time.
pub struct RunClaim(Arc<Printer>);

impl Drop for RunClaim {
    fn drop(&mut self) {
        self.0.in_run.store(false, Ordering::SeqCst);
    }
}

/// While held, the printer is polled every `Timing::poll`.
pub struct Watch(Arc<Printer>);

impl Drop for Watch {
    fn drop(&mut self) {
        self.0.watchers.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Printer {
    pub fn new(config: PrinterConfig, timing: Timing) -> Arc<Printer> {
        let first = Status {
            printer: config.name.clone(),
            state: PrinterState::Unknown,
            host: None,
            errors: None,
            at: SystemTime::now(),
        };
        Arc::new(Printer {
            config,
            timing,
            link: Mutex::new(None),
            state: watch::channel(first).0,
            watchers: AtomicUsize::new(0),
            polling: AtomicBool::new(false),
            in_run: AtomicBool::new(false),
        })
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The last known state (no question is sent).
    pub fn last(&self) -> Status {
        self.state.borrow().clone()
    }

    /// Every new state as it is learnt.
    pub fn subscribe(&self) -> watch::Receiver<Status> {
        self.state.subscribe()
    }

    /// Asks the printer now and publishes what it said.
    pub async fn query(&self) -> Status {
        let mut link = self.link.lock().await;
        let status = match self.ask(&mut link).await {
            Ok((state, host, errors)) => {
                Status { printer: self.config.name.clone(), state, host, errors, at: SystemTime::now() }
            }
            Err(e) => {
                *link = None;
                self.offline(e.to_string())
            }
        };
        drop(link);
        self.publish(status.clone());
        status
    }

    fn offline(&self, reason: String) -> Status {
        let since = match &self.state.borrow().state {
            PrinterState::Offline { since, .. } => *since,
            _ => SystemTime::now(),
        };
        Status {
            printer: self.config.name.clone(),
            state: PrinterState::Offline { since, reason },
            host: None,
            errors: None,
            at: SystemTime::now(),
        }
    }

    fn publish(&self, s: Status) {
        self.state.send_replace(s);
    }

    async fn connected<'a>(&self, link: &'a mut Option<Link>) -> Result<&'a mut Link, LinkError> {
        if link.is_none() {
            *link = Some(Link::connect(&self.config.address, self.timing.connect).await?);
        }
        match link.as_mut() {
            Some(l) => Ok(l),
            None => Err(LinkError::Closed { addr: self.config.address.clone() }),
        }
    }

    async fn ask(
        &self,
        link: &mut Option<Link>,
    ) -> Result<(PrinterState, Option<HostStatus>, Option<ErrorStatus>), LinkError> {
        let l = self.connected(link).await?;
        if let Some(h) = l.host_status(self.timing.answer).await? {
            return Ok((PrinterState::from_host(&h), Some(h), None));
        }
        match l.error_status(self.timing.answer).await? {
            Some(e) => {
                let state = PrinterState::from_errors(&e).unwrap_or_else(|| {
                    PrinterState::Fault(
                        "the printer does not answer ~HS and reports no error; look at its display".into(),
                    )
                });
                Ok((state, None, Some(e)))
            }
            None => Err(LinkError::Broken {
                addr: self.config.address.clone(),
                reason: "the printer answers neither ~HS nor ~HQES".into(),
            }),
        }
    }

    /// Sends a job (or a command such as `~JA`) on the printer's connection.
    pub async fn send(&self, data: &str) -> Result<(), LinkError> {
        let mut link = self.link.lock().await;
        let result = match self.connected(&mut link).await {
            Ok(l) => l.send(data.as_bytes(), self.timing.connect).await,
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            *link = None;
            drop(link);
            self.publish(self.offline(e.to_string()));
        }
        result
    }

    /// Claims the printer for a print run; `None` while another run has it.
    pub fn claim_run(self: &Arc<Self>) -> Option<RunClaim> {
        self.in_run
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .ok()
            .map(|_| RunClaim(self.clone()))
    }

    /// Drops the connection (the next question opens a new one).
    pub async fn disconnect(&self) {
        *self.link.lock().await = None;
    }

    /// Polls the printer while the returned guard lives (the Printers panel holds one while it
    /// is shown). Several guards share one poller.
    pub fn watch(self: &Arc<Self>) -> Watch {
        self.watchers.fetch_add(1, Ordering::SeqCst);
        self.start_poller();
        Watch(self.clone())
    }

    fn start_poller(self: &Arc<Self>) {
        if self.polling.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                while me.watchers.load(Ordering::SeqCst) > 0 {
                    let fresh = me.last().at.elapsed().map(|e| e < me.timing.poll).unwrap_or(false);
                    if !fresh {
                        me.query().await;
                    }
                    tokio::time::sleep(me.timing.poll).await;
                }
                me.polling.store(false, Ordering::SeqCst);
                // A guard taken between the last check and the store above would find the flag
                // still set and start nothing: look once more.
                if me.watchers.load(Ordering::SeqCst) == 0
                    || me.polling.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst).is_err()
                {
                    break;
                }
            }
        });
    }
}

/// The configured printers by name.
pub fn from_config(printers: &[PrinterConfig], timing: Timing) -> Vec<Arc<Printer>> {
    printers.iter().map(|p| Printer::new(p.clone(), timing)).collect()
}
