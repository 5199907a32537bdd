//! The API worker: the only place the dashboard's network calls run.
//!
//! The UI sends typed jobs with request ids over a channel and never awaits the network; each
//! job runs as its own task under a timeout, and its result comes back as a message carrying
//! the same id. Refreshes are coalesced: while one refresh of a kind is in flight, a newer one
//! waits and replaces any older waiting one, so a slow backend never piles up stale refreshes.

pub mod commission;

use crate::api::{ApiError, ManufacturerClient, ProductionClient};
use crate::domain::manufacturer::{
    CommissionedSerial, CreatePackagingOrder, DecommissionRequest, LabelOrderRequest, PackagingOrder,
};
use crate::domain::production::{BetweenStatesQuery, OrderState, OrdersPage, ProductionOrder, StateQuery};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Which backend a job talks to (for the status bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Manufacturer,
    Production,
}

#[derive(Debug, Clone)]
pub enum Job {
    OpenOrders {
        line: String,
    },
    OrderDetails {
        order_id: String,
    },
    CreatePackagingOrder(CreatePackagingOrder),
    CreateLabelOrder(LabelOrderRequest),
    /// Takes commissioned serials out, with a reason; `row` is the journal row to update.
    Decommission {
        request: DecommissionRequest,
        row: i64,
    },
    /// A cheap call that tells whether the production API answers.
    ProductionProbe,
    /// One page of production orders: of one state, or of all states.
    ProdList {
        state: Option<OrderState>,
        page: i64,
        limit: i64,
    },
    ProdOrder(i64),
    /// `order` is the order as shown: a PUT sends it whole, so nothing is blanked by accident.
    ProdChange {
        id: i64,
        change: ProdChange,
        order: Box<ProductionOrder>,
    },
}

/// The state changes of a production order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProdChange {
    Start,
    Finish,
    Cancel,
}

impl Job {
    pub fn backend(&self) -> Backend {
        match self {
            Job::ProductionProbe | Job::ProdList { .. } | Job::ProdOrder(_) | Job::ProdChange { .. } => {
                Backend::Production
            }
            _ => Backend::Manufacturer,
        }
    }

    /// Refreshes of the same kind replace each other; other jobs always run.
    fn refresh_slot(&self) -> Option<&'static str> {
        match self {
            Job::OpenOrders { .. } => Some("open-orders"),
            Job::ProductionProbe => Some("production-probe"),
            Job::ProdList { .. } => Some("production-list"),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub id: u64,
    pub job: Job,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    OpenOrders(Result<Vec<PackagingOrder>, ApiError>),
    OrderDetails(Result<PackagingOrder, ApiError>),
    PackagingOrderCreated(Result<PackagingOrder, ApiError>),
    LabelOrderCreated(Result<String, ApiError>),
    Decommissioned {
        row: i64,
        reason: String,
        result: Result<Vec<CommissionedSerial>, ApiError>,
    },
    ProductionProbe(Result<(), ApiError>),
    ProdList(Result<OrdersPage, ApiError>),
    ProdOrder(Result<ProductionOrder, ApiError>),
    ProdChanged {
        change: ProdChange,
        result: Result<ProductionOrder, ApiError>,
    },
    /// Not an answer: Lagerkoll's limit was hit and calls wait this long (request id 0).
    ProductionWaiting(Duration),
}

impl Outcome {
    pub fn error(&self) -> Option<&ApiError> {
        match self {
            Outcome::OpenOrders(r) => r.as_ref().err(),
            Outcome::OrderDetails(r) | Outcome::PackagingOrderCreated(r) => r.as_ref().err(),
            Outcome::LabelOrderCreated(r) => r.as_ref().err(),
            Outcome::Decommissioned { result, .. } => result.as_ref().err(),
            Outcome::ProductionProbe(r) => r.as_ref().err(),
            Outcome::ProdList(r) => r.as_ref().err(),
            Outcome::ProdOrder(r) => r.as_ref().err(),
            Outcome::ProdChanged { result, .. } => result.as_ref().err(),
            Outcome::ProductionWaiting(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub id: u64,
    pub backend: Backend,
    pub elapsed: Duration,
    pub outcome: Outcome,
}

pub struct Clients {
    /// Shared with the commissioning pipeline.
    pub manufacturer: Arc<ManufacturerClient>,
    pub production: ProductionClient,
    /// The outer bound on one job, above the clients' own HTTP timeouts (a dynamic token
    /// request plus the call itself, or a 429 wait, may take longer than one HTTP timeout).
    pub job_timeout: Duration,
}

/// Starts the worker; returns where to send requests and where results arrive.
pub fn spawn(mut clients: Clients) -> (mpsc::UnboundedSender<Request>, mpsc::UnboundedReceiver<Response>) {
    let (req_tx, req_rx) = mpsc::unbounded_channel();
    let (resp_tx, resp_rx) = mpsc::unbounded_channel::<Response>();
    let notify = resp_tx.clone();
    clients.production = clients.production.clone().with_wait_hook(Arc::new(move |wait| {
        let outcome = Outcome::ProductionWaiting(wait);
        let _ = notify.send(Response { id: 0, backend: Backend::Production, elapsed: Duration::ZERO, outcome });
    }));
    tokio::spawn(run(Arc::new(clients), req_rx, resp_tx));
    (req_tx, resp_rx)
}

async fn run(
    clients: Arc<Clients>,
    mut requests: mpsc::UnboundedReceiver<Request>,
    responses: mpsc::UnboundedSender<Response>,
) {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<&'static str>();
    let mut in_flight: HashMap<&'static str, bool> = HashMap::new();
    let mut waiting: HashMap<&'static str, Request> = HashMap::new();
    loop {
        tokio::select! {
            req = requests.recv() => {
                let Some(req) = req else { break };
                match req.job.refresh_slot() {
                    Some(slot) if in_flight.get(slot).copied().unwrap_or(false) => {
                        waiting.insert(slot, req);
                    }
                    Some(slot) => {
                        in_flight.insert(slot, true);
                        start(&clients, req, &responses, Some((slot, done_tx.clone())));
                    }
                    None => start(&clients, req, &responses, None),
                }
            }
            Some(slot) = done_rx.recv() => {
                match waiting.remove(slot) {
                    Some(next) => start(&clients, next, &responses, Some((slot, done_tx.clone()))),
                    None => { in_flight.insert(slot, false); }
                }
            }
        }
    }
}

type SlotDone = (&'static str, mpsc::UnboundedSender<&'static str>);

fn start(clients: &Arc<Clients>, req: Request, responses: &mpsc::UnboundedSender<Response>, slot: Option<SlotDone>) {
    let clients = clients.clone();
    let responses = responses.clone();
    tokio::spawn(async move {
        let started = Instant::now();
        let backend = req.job.backend();
        let outcome = execute(&clients, req.job).await;
        // The UI may have quit; a closed channel is not an error here.
        let _ = responses.send(Response { id: req.id, backend, elapsed: started.elapsed(), outcome });
        if let Some((name, done)) = slot {
            let _ = done.send(name);
        }
    });
}

async fn execute(c: &Clients, job: Job) -> Outcome {
    let limit = c.job_timeout;
    macro_rules! bounded {
        ($fut:expr) => {
            match tokio::time::timeout(limit, $fut).await {
                Ok(r) => r,
                Err(_) => Err(ApiError::Timeout(limit)),
            }
        };
    }
    match job {
        Job::OpenOrders { line } => Outcome::OpenOrders(bounded!(c.manufacturer.open_packaging_orders(Some(&line)))),
        Job::OrderDetails { order_id } => Outcome::OrderDetails(bounded!(c.manufacturer.packaging_order(&order_id))),
        Job::CreatePackagingOrder(o) => {
            Outcome::PackagingOrderCreated(bounded!(c.manufacturer.create_packaging_order(&o)))
        }
        Job::CreateLabelOrder(l) => Outcome::LabelOrderCreated(bounded!(c.manufacturer.create_label_order(&l))),
        Job::Decommission { request, row } => {
            let reason = request.reason.clone();
            Outcome::Decommissioned { row, reason, result: bounded!(c.manufacturer.decommission(&request)) }
        }
        Job::ProdList { state, page, limit } => Outcome::ProdList(bounded!(async {
            match state {
                Some(st) => c.production.orders_in_state(st, &StateQuery { page, limit, ..Default::default() }).await,
                None => {
                    c.production.orders_between_states(&BetweenStatesQuery { page, limit, ..Default::default() }).await
                }
            }
        })),
        Job::ProdOrder(id) => Outcome::ProdOrder(bounded!(c.production.order(id))),
        Job::ProdChange { id, change, order } => Outcome::ProdChanged {
            change,
            result: bounded!(async {
                match change {
                    ProdChange::Start => c.production.update_order(id, &order, true).await,
                    ProdChange::Finish => c.production.finish(id).await,
                    ProdChange::Cancel => c.production.cancel(id).await,
                }
            }),
        },
        Job::ProductionProbe => {
            // A background call: it must not take budget from a person's request.
            Outcome::ProductionProbe(bounded!(async { c.production.background().next_reference().await.map(|_| ()) }))
        }
    }
}
