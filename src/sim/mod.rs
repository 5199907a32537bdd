//! A simulator of both backends on loopback: Movilitas.Cloud's Manufacturer V2 API (with its
//! token endpoint) and Lagerkoll's Production orders API, at their real paths, with demo data,
//! the seeds' rules and errors, the production API's 200-a-minute limit, and switchable faults.
//!
//! It depends on `domain` only, never on the API clients it is used to test. Decided behaviours
//! where the seeds are silent are documented in `manufacturer.rs`, `production.rs` and the
//! README. Inspection endpoints for tests and integrators live under `/_sim/`.

// Handlers return `Result<_, Response>` where the error side is the HTTP answer itself, built
// once per request; boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod data;
mod faults;
mod manufacturer;
mod pdf;
pub mod printer;
mod production;
mod rng;
mod settings;
mod world;

pub use data::{demo_packaging_order, demo_scans, LINE_1, LINE_2};
pub use settings::{FaultSettings, RateSettings, Recommission};
pub use world::credentials;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, put};
use axum::{Json, Router};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use world::World;

pub const MANUFACTURER_PREFIX: &str = "/v1/manufacturer/v2/api";
pub const PRODUCTION_PREFIX: &str = "/v1/production_orders";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

pub struct Shared {
    world: Mutex<World>,
    /// The fake Zebra printers (`--printer NAME=ADDR`).
    printers: printer::Fleet,
}

impl Shared {
    /// The state; a panic in one handler must not take the simulator down, so a poisoned lock
    /// is taken over as it is.
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub listen: SocketAddr,
    pub seed: u64,
    pub faults: FaultSettings,
    pub rate: RateSettings,
    /// Fake Zebra printers to start: name and loopback address (port 0 picks a free one).
    pub printers: Vec<(String, SocketAddr)>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 1,
            faults: FaultSettings::default(),
            rate: RateSettings { per_window: 200, window_secs: 60 },
            printers: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("the simulator only listens on loopback addresses (127.0.0.0/8 or ::1), not {0}; nothing it serves may leave this machine")]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {source}. Is another simulator running there? Pick another port with --listen")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("invalid fault setting: {0}")]
    Faults(String),
}

/// A running simulator. Dropping it stops the server.
pub struct SimHandle {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The fake printers with the addresses they listen on.
    pub fn printers(&self) -> Vec<(String, SocketAddr)> {
        self.shared.printers.printers.iter().map(|p| (p.name.clone(), p.addr)).collect()
    }

    /// The config snippet for this simulator, its printers included.
    pub fn config_snippet(&self) -> String {
        let mut s = config_snippet(self.addr);
        s.push_str(&printers_snippet(&self.printers()));
        s
    }

    pub fn set_faults(&self, f: FaultSettings) -> Result<(), SimError> {
        f.check().map_err(SimError::Faults)?;
        let mut w = self.shared.world();
        w.faults = f;
        Ok(())
    }

    /// Stops serving and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Starts the simulator on `opts.listen` (port 0 picks a free one) and returns at once.
pub async fn start(opts: SimOptions) -> Result<SimHandle, SimError> {
    if !opts.listen.ip().is_loopback() {
        return Err(SimError::NotLoopback(opts.listen));
    }
    opts.faults.check().map_err(SimError::Faults)?;
    let faults = opts.faults.clone();
    let window = Duration::from_secs(opts.rate.window_secs.max(1));
    let world = data::build(opts.seed, opts.rate.per_window.max(1), window, faults);
    let printers = printer::start_fleet(&opts.printers).await?;
    let shared = Arc::new(Shared { world: Mutex::new(world), printers });
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|source| SimError::Bind { addr: opts.listen, source })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind { addr: opts.listen, source })?;
    let app = router(shared.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("simulator stopped: {e}");
        }
    });
    tracing::info!(%addr, "simulator listening");
    Ok(SimHandle { addr, shared, stop: Some(tx), task })
}

fn router(shared: Arc<Shared>) -> Router {
    let m = |p: &str| format!("{MANUFACTURER_PREFIX}/{p}");
    Router::new()
        .route("/v1/api_auth", post(manufacturer::api_auth))
        .route(&m("packaging_order/details"), get(manufacturer::order_details))
        .route(&m("packaging_order/open"), get(manufacturer::open_orders))
        .route(&m("packaging_order"), post(manufacturer::create_order))
        .route(&m("serials/commission"), post(manufacturer::commission))
        .route(&m("serials/decommission"), post(manufacturer::decommission))
        .route(&m("label_orders/"), post(manufacturer::label_order))
        .route(&m("label_orders"), post(manufacturer::label_order))
        .route(PRODUCTION_PREFIX, any(production::handle))
        .route(&format!("{PRODUCTION_PREFIX}/"), any(production::handle))
        .route(&format!("{PRODUCTION_PREFIX}/{{*rest}}"), any(production::handle))
        .route("/_sim/health", get(|| async { Json(serde_json::json!({"ok": true})) }))
        .route("/_sim/commissioned", get(commissioned))
        .route("/_sim/decommissioned", get(decommissioned))
        .route("/_sim/products", get(products))
        .route("/_sim/label_orders", get(label_orders))
        .route("/_sim/packaging_orders", get(packaging_orders))
        .route("/_sim/production_orders", get(production_orders))
        .route("/_sim/requests", get(requests))
        .route("/_sim/faults", get(get_faults).put(put_faults))
        .route("/_sim/rate_limit", put(put_rate))
        .route("/_sim/tokens/revoke", post(revoke_tokens))
        .route("/_sim/printers", get(printers_list))
        .route("/_sim/printers/{name}/labels", get(printer_labels))
        .route("/_sim/printers/{name}/faults", get(printer_faults).put(put_printer_faults))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), faults::layer))
        .with_state(shared)
}

async fn commissioned(State(s): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(code) = q.get("product_code") else {
        return (StatusCode::BAD_REQUEST, "add ?product_code=GTIN").into_response();
    };
    let w = s.world();
    let list: Vec<&String> = w.commissioned.get(code).map(|c| c.order.iter().collect()).unwrap_or_default();
    Json(list).into_response()
}

async fn decommissioned(State(s): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(code) = q.get("product_code") else {
        return (StatusCode::BAD_REQUEST, "add ?product_code=GTIN").into_response();
    };
    let w = s.world();
    let map = w.commissioned.get(code).map(|c| c.decommissioned.clone()).unwrap_or_default();
    Json(map).into_response()
}

async fn products(State(s): State<Arc<Shared>>) -> Response {
    let mut w = s.world();
    w.settle_pools(std::time::Instant::now());
    let list: Vec<_> = w
        .products
        .iter()
        .map(|(gtin, p)| {
            serde_json::json!({
                "product_code": gtin,
                "name": p.name,
                "batches": p.batches,
                "serials_available": p.pool_available,
                "auto_replenish": p.auto_replenish,
            })
        })
        .collect();
    Json(list).into_response()
}

async fn label_orders(State(s): State<Arc<Shared>>) -> Response {
    Json(s.world().label_orders.clone()).into_response()
}

async fn packaging_orders(State(s): State<Arc<Shared>>) -> Response {
    Json(s.world().packaging_orders.values().cloned().collect::<Vec<_>>()).into_response()
}

/// Each order as the API shows it, plus `_batches` and `_reports` as the simulator keeps them.
async fn production_orders(State(s): State<Arc<Shared>>) -> Response {
    let w = s.world();
    let list: Vec<serde_json::Value> = w
        .prod_orders
        .values()
        .map(|o| {
            let mut v = serde_json::to_value(&o.dto).unwrap_or_default();
            if let Some(m) = v.as_object_mut() {
                m.insert("_batches".into(), serde_json::to_value(&o.batches).unwrap_or_default());
                m.insert("_reports".into(), serde_json::to_value(&o.reports).unwrap_or_default());
            }
            v
        })
        .collect();
    Json(list).into_response()
}

async fn requests(State(s): State<Arc<Shared>>) -> Response {
    Json(s.world().log.iter().cloned().collect::<Vec<_>>()).into_response()
}

async fn get_faults(State(s): State<Arc<Shared>>) -> Response {
    Json(s.world().faults.clone()).into_response()
}

async fn put_faults(State(s): State<Arc<Shared>>, Json(f): Json<FaultSettings>) -> Response {
    if let Err(e) = f.check() {
        return (StatusCode::BAD_REQUEST, e).into_response();
    }
    s.world().faults = f.clone();
    Json(f).into_response()
}

async fn put_rate(State(s): State<Arc<Shared>>, Json(r): Json<RateSettings>) -> Response {
    if r.per_window == 0 || r.window_secs == 0 {
        return (StatusCode::BAD_REQUEST, "per_window and window_secs must be at least 1").into_response();
    }
    let mut w = s.world();
    w.rate.per_window = r.per_window;
    w.rate.window = Duration::from_secs(r.window_secs);
    w.rate.sent.clear();
    Json(r).into_response()
}

async fn revoke_tokens(State(s): State<Arc<Shared>>) -> Response {
    let mut w = s.world();
    let n = w.tokens.len();
    w.tokens.clear();
    Json(serde_json::json!({"revoked": n})).into_response()
}

async fn printers_list(State(s): State<Arc<Shared>>) -> Response {
    let list: Vec<_> = s
        .printers
        .printers
        .iter()
        .map(|p| serde_json::json!({"name": p.name, "address": p.addr.to_string(), "faults": p.faults()}))
        .collect();
    Json(list).into_response()
}

fn no_printer(name: &str) -> Response {
    (StatusCode::NOT_FOUND, format!("no fake printer named {name}; see /_sim/printers")).into_response()
}

async fn printer_labels(
    State(s): State<Arc<Shared>>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Response {
    match s.printers.get(&name) {
        Some(p) => Json(p.labels()).into_response(),
        None => no_printer(&name),
    }
}

async fn printer_faults(
    State(s): State<Arc<Shared>>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Response {
    match s.printers.get(&name) {
        Some(p) => Json(p.faults()).into_response(),
        None => no_printer(&name),
    }
}

async fn put_printer_faults(
    State(s): State<Arc<Shared>>,
    axum::extract::Path(name): axum::extract::Path<String>,
    Json(f): Json<printer::PrinterFaults>,
) -> Response {
    match s.printers.get(&name) {
        Some(p) => {
            p.set_faults(&f);
            Json(p.faults()).into_response()
        }
        None => no_printer(&name),
    }
}

/// `[[printers]]` blocks for fake printers, appended after the rest of the snippet.
pub fn printers_snippet(printers: &[(String, SocketAddr)]) -> String {
    let mut s = String::new();
    for (name, addr) in printers {
        s.push_str(&format!(
            "\n# A fake Zebra printer of the simulator.\n[[printers]]\nname = \"{name}\"\naddress = \"{addr}\"\n"
        ));
    }
    s
}

/// A config snippet, with the config file's keys, that points shopfloor at a simulator.
/// The demo supervisor sup-1's PIN 2468, as `shopfloor hash-pin` makes it.
const SUPERVISOR_PIN_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$T21++hD1ve5M4Zi4BH6f+Q$mK+cap7htBzgrSNEURE04EZYFprYPOv11f9uPkNnmJ8";
/// The demo QA person qa-1's PIN 3579.
const QA_PIN_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$vIXmhAtlsrgVkSAiEKierA$8Wy+J1y0/XQpEY7rQk2b9aGWX9IlBtamudFhMbv2s1k";
/// The demo operator op-2's PIN 1357.
const BEN_PIN_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$GkJ38Z3EdvXYVhlEzTC6yg$uExmEPuIfunnK3QD2+E8MEGQsviACiUmGMr526V9KQw";

pub fn config_snippet(addr: SocketAddr) -> String {
    format!(
        r#"[station]
id = "demo-station-1"
packaging_line_tag = "{LINE_1}"

[manufacturer]
base_url = "http://{addr}{MANUFACTURER_PREFIX}/"
token_mode = "dynamic"
api_key = "{}"
api_secret = "{}"
channel_key = "{}"

[production]
base_url = "http://{addr}{PRODUCTION_PREFIX}/"
api_key = "{}"
store = "{}"

[[labels.destinations]]
tag = "zebra-cloud-device-1"
description = "Line 1 carton printer (Zebra ZT411)"

[[labels.destinations]]
tag = "zebra-cloud-device-2"
description = "Line 2 carton printer (Zebra ZT421)"

[[labels.templates]]
tag = "data-matrix-example"
description = "GS1 DataMatrix carton label"

[[labels.templates]]
tag = "gs1-128-shipper"
description = "GS1-128 shipper label"

# Kiosk mode is used with --kiosk. The supervisor sup-1 (PIN 2468) unlocks it and signs.
[kiosk]
tabs = ["scan", "packaging", "labels", "print"]

# Badges are Code 128 codes "OP:<id>"; an id can also be typed. Ben's PIN is 1357.
[signin]
badge_prefix = "OP:"

[[operators]]
id = "op-1"
name = "Anna Berg"

[[operators]]
id = "op-2"
name = "Ben Ek"
pin_hash = "{BEN_PIN_HASH}"

[[operators]]
id = "op-3"
name = "Carla Diaz"

# Supervisors and QA sign: unlocking, decommissioning, allowing more packs, … (PINs 2468, 3579).
[[operators]]
id = "sup-1"
name = "Sam Sousa"
role = "supervisor"
pin_hash = "{SUPERVISOR_PIN_HASH}"

[[operators]]
id = "qa-1"
name = "Quinn Adler"
role = "qa"
pin_hash = "{QA_PIN_HASH}"
"#,
        credentials::API_KEY,
        credentials::API_SECRET,
        credentials::CHANNEL_KEY,
        credentials::PRODUCTION_API_KEY,
        credentials::PRODUCTION_STORE,
    )
}
