//! The API worker: the only place the dashboard's network calls run.
//!
//! The UI sends typed jobs with request ids over a channel and never awaits the network; each
//! job runs as its own task under a timeout, and its result comes back as a message carrying
//! the same id. Refreshes are coalesced: while one refresh of a kind is in flight, a newer one
//! waits and replaces any older waiting one, so a slow backend never piles up stale refreshes.

pub mod commission;
mod picking;

use crate::api::{ApiError, ManufacturerClient, ProductionClient};
use crate::domain::manufacturer::{
    CommissionedSerial, CreatePackagingOrder, DecommissionRequest, LabelOrderRequest, PackagingOrder,
};
use crate::domain::production::{
    ArticleQuery, ArticleTraceability, BatchResponse, BetweenStatesQuery, DateColumn, FlatArticles, FlatQuery,
    NextReference, OrderState, OrdersPage, PickingListQuery, ProductionOrder, ProductionOrderArticle, SortOrder,
    StateQuery,
};
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

#[derive(Debug, Clone, PartialEq)]
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
    /// One page of production orders found one of the API's ways.
    ProdList {
        search: OrderSearch,
        page: i64,
        limit: i64,
    },
    ProdOrder(i64),
    /// Batches and serials reported for an order.
    ProdBatches(i64),
    /// The order's parts as a flat list, with their purchase orders.
    ProdFlat {
        id: i64,
        query: FlatQuery,
    },
    /// The next free reference, to prefill the new-order form.
    ProdNextRef,
    /// The picking list: JSON to show, or a PDF saved as `file_stem` (and printed when set up).
    ProdPicking {
        id: i64,
        query: PickingListQuery,
        pdf: Option<String>,
    },
    /// Creates or changes an order; `id` is the order changed (0 for a new one).
    ProdChange {
        id: i64,
        change: ProdChange,
    },
}

/// The ways the Production tab finds orders.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderSearch {
    /// `state/{state}` with its date window and sorting; `None` lists every state.
    State { state: Option<OrderState>, sort: DateColumn, order: SortOrder, from: i64, to: i64 },
    /// `production_orders_state`: a text query over a range of states.
    Text { query: String, from: OrderState, to: OrderState },
    /// `customer_order/{id}`.
    CustomerOrder(i64),
    /// `article/{article_id}`: orders holding an article, up to a state.
    Article { article_id: String, max_state: Option<OrderState>, sort: DateColumn, order: SortOrder },
}

impl Default for OrderSearch {
    fn default() -> Self {
        OrderSearch::State { state: None, sort: DateColumn::StartDate, order: SortOrder::Desc, from: 0, to: 0 }
    }
}

/// What a supervisor can do to a production order.
#[derive(Debug, Clone, PartialEq)]
pub enum ProdChange {
    Create(Box<ProductionOrder>),
    CreateFromCustomerOrder(i64),
    /// A PUT sends the order whole, so nothing is blanked by accident.
    Edit(Box<ProductionOrder>),
    Start(Box<ProductionOrder>),
    AddArticle(ProductionOrderArticle),
    EditArticle(ProductionOrderArticle),
    RemoveArticle(String),
    Report {
        waste: f64,
        report: Box<ArticleTraceability>,
    },
    Finish,
    Cancel,
}

impl ProdChange {
    /// What `done` says of a new order (the tab then opens it).
    pub const CREATED: &'static str = "created";

    /// For the message after it worked: "<reference> created".
    pub fn done(&self) -> &'static str {
        match self {
            ProdChange::Create(_) | ProdChange::CreateFromCustomerOrder(_) => ProdChange::CREATED,
            ProdChange::Edit(_) => "saved",
            ProdChange::Start(_) => "started",
            ProdChange::AddArticle(_) => "article added",
            ProdChange::EditArticle(_) => "article saved",
            ProdChange::RemoveArticle(_) => "article removed",
            ProdChange::Report { .. } => "production reported",
            ProdChange::Finish => "finished",
            ProdChange::Cancel => "cancelled",
        }
    }
}

/// Where a picking list went.
#[derive(Debug, Clone, PartialEq)]
pub enum Picking {
    Json(FlatArticles),
    Pdf {
        path: std::path::PathBuf,
        /// `None`: no print command is set; otherwise what the command said.
        printed: Option<Result<String, String>>,
    },
    /// The PDF arrived but could not be written to the disk.
    NotSaved {
        dir: std::path::PathBuf,
        why: String,
    },
}

impl Job {
    pub fn backend(&self) -> Backend {
        match self {
            Job::ProductionProbe
            | Job::ProdList { .. }
            | Job::ProdOrder(_)
            | Job::ProdBatches(_)
            | Job::ProdFlat { .. }
            | Job::ProdNextRef
            | Job::ProdPicking { .. }
            | Job::ProdChange { .. } => Backend::Production,
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
    ProdBatches(Result<BatchResponse, ApiError>),
    ProdFlat(Result<FlatArticles, ApiError>),
    ProdNextRef(Result<NextReference, ApiError>),
    ProdPicking(Result<Picking, ApiError>),
    /// The order as it is after the change (read again when the call answers something else).
    ProdChanged {
        done: &'static str,
        result: Result<ProductionOrder, ApiError>,
    },
    /// Not an answer: Lagerkoll's limit was hit and calls wait this long (request id 0).
    ProductionWaiting(Duration),
    /// Not sent: a newer refresh of the same kind took this one's place.
    Replaced,
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
            Outcome::ProdBatches(r) => r.as_ref().err(),
            Outcome::ProdFlat(r) => r.as_ref().err(),
            Outcome::ProdNextRef(r) => r.as_ref().err(),
            Outcome::ProdPicking(r) => r.as_ref().err(),
            Outcome::ProdChanged { result, .. } => result.as_ref().err(),
            Outcome::ProductionWaiting(_) | Outcome::Replaced => None,
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
    /// Where picking-list PDFs are saved, and the command that prints them.
    pub picking: PickingOutput,
}

#[derive(Debug, Clone, Default)]
pub struct PickingOutput {
    pub dir: std::path::PathBuf,
    pub print_command: Option<Vec<String>>,
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
                        let backend = req.job.backend();
                        if let Some(old) = waiting.insert(slot, req) {
                            // The older waiting refresh is answered, so nobody waits for it forever.
                            let outcome = Outcome::Replaced;
                            let _ = responses.send(Response { id: old.id, backend, elapsed: Duration::ZERO, outcome });
                        }
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
                Err(_) => {
                    tracing::warn!(
                        limit_secs = limit.as_secs(),
                        "a request gave no answer within the job's time limit"
                    );
                    Err(ApiError::Timeout(limit))
                }
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
        Job::ProdList { search, page, limit } => Outcome::ProdList(bounded!(list(&c.production, search, page, limit))),
        Job::ProdOrder(id) => Outcome::ProdOrder(bounded!(c.production.order(id))),
        Job::ProdBatches(id) => Outcome::ProdBatches(bounded!(c.production.order_batches(id))),
        Job::ProdFlat { id, query } => Outcome::ProdFlat(bounded!(c.production.flat_products(id, &query))),
        Job::ProdNextRef => Outcome::ProdNextRef(bounded!(c.production.next_reference())),
        Job::ProdPicking { id, query, pdf: None } => {
            Outcome::ProdPicking(bounded!(c.production.picking_list_json(id, &query)).map(Picking::Json))
        }
        Job::ProdPicking { id, query, pdf: Some(stem) } => {
            let pdf = bounded!(c.production.picking_list_pdf(id, &query));
            Outcome::ProdPicking(match pdf {
                Ok(bytes) => picking::save_and_print(&c.picking, &stem, &bytes).await,
                Err(e) => Err(e),
            })
        }
        Job::ProdChange { id, change } => {
            let done = change.done();
            Outcome::ProdChanged { done, result: bounded!(apply(&c.production, id, change)) }
        }
        Job::ProductionProbe => {
            // A background call: it must not take budget from a person's request.
            Outcome::ProductionProbe(bounded!(async { c.production.background().next_reference().await.map(|_| ()) }))
        }
    }
}

async fn list(p: &ProductionClient, search: OrderSearch, page: i64, limit: i64) -> Result<OrdersPage, ApiError> {
    match search {
        OrderSearch::State { state: Some(state), sort, order, from, to } => {
            p.orders_in_state(state, &StateQuery { from, to, page, limit, sort_column: sort, order }).await
        }
        OrderSearch::State { state: None, .. } => {
            p.orders_between_states(&BetweenStatesQuery { page, limit, ..Default::default() }).await
        }
        OrderSearch::Text { query, from, to } => {
            let query = Some(query).filter(|q| !q.trim().is_empty());
            let q = BetweenStatesQuery { state_from: from.code(), state_to: to.code(), page, limit, query };
            p.orders_between_states(&q).await
        }
        OrderSearch::CustomerOrder(id) => p.orders_for_customer_order(id).await,
        OrderSearch::Article { article_id, max_state, sort, order } => {
            let q = ArticleQuery { max_state: max_state.map(OrderState::code), page, limit, sort_column: sort, order };
            p.orders_with_article(&article_id, &q).await
        }
    }
}

/// Carries out a change; answers the order as it now is.
async fn apply(p: &ProductionClient, id: i64, change: ProdChange) -> Result<ProductionOrder, ApiError> {
    match change {
        ProdChange::Create(o) => p.create_order(&o).await,
        ProdChange::CreateFromCustomerOrder(co) => p.create_from_customer_order(co).await,
        ProdChange::Edit(o) => p.update_order(id, &o, false).await,
        ProdChange::Start(o) => p.update_order(id, &o, true).await,
        ProdChange::AddArticle(a) => {
            // The answer holds the articles only; the whole order is read again for the screen.
            p.add_article(id, &a).await?;
            p.order(id).await
        }
        ProdChange::EditArticle(a) => p.update_article(id, &a).await,
        ProdChange::RemoveArticle(article_id) => p.remove_article(id, &article_id).await,
        ProdChange::Report { waste, report } => p.report_production(id, &report.article_id, waste, &report).await,
        ProdChange::Finish => p.finish(id).await,
        ProdChange::Cancel => p.cancel(id).await,
    }
}
