//! The simulator's in-memory state: what both backends know, changed only under one lock.

use super::rng::Rng;
use crate::domain::manufacturer::{LabelOrderRequest, PackagingOrder};
use crate::domain::production::{ProductBatch, ProductionOrder, ProductionOrderArticle};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

/// Credentials the simulator accepts; shown by `shopfloor sim` and used by `--demo`.
pub mod credentials {
    pub const STATIC_TOKEN: &str = "demo-static-token";
    pub const API_KEY: &str = "demo-api-key";
    pub const API_SECRET: &str = "demo-api-secret";
    pub const CHANNEL_KEY: &str = "demo-channel-key";
    pub const PRODUCTION_API_KEY: &str = "demo-production-key";
    pub const PRODUCTION_STORE: &str = "demo-store";
}

/// How long a dynamic token is valid, as the real one.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

pub struct Product {
    pub name: String,
    pub batches: BTreeSet<String>,
    /// Serials in the pool with status Available.
    pub pool_available: u64,
    /// Whether the pool refills itself when it runs short.
    pub auto_replenish: bool,
    /// When a requested refill lands in the pool.
    pub refill_at: Option<Instant>,
}

#[derive(Default)]
pub struct Commissioned {
    /// In the order they were first commissioned, each once.
    pub order: Vec<String>,
    pub set: HashSet<String>,
    pub decommissioned: HashMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LabelOrderRecord {
    #[serde(flatten)]
    pub request: LabelOrderRequest,
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerOrder {
    pub id: i64,
    pub external_id: String,
    pub customer: String,
    pub articles: Vec<(String, f64)>,
}

/// What a part article is, for flat product lists and picking lists.
#[derive(Debug, Clone)]
pub struct PartInfo {
    pub name: String,
    pub unit: String,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub supplier_article_id: String,
    pub stockplace: String,
    pub purchase_price: f64,
    pub in_stock: f64,
}

/// A finished article and the parts one unit of it takes.
#[derive(Debug, Clone)]
pub struct ArticleInfo {
    pub name: String,
    pub parts: Vec<(String, f64)>,
}

#[derive(Debug, Clone)]
pub struct ProdOrder {
    pub dto: ProductionOrder,
    pub batches: Vec<ProductBatch>,
    /// Every production report as received (with its parts' traceability), for inspection.
    pub reports: Vec<crate::domain::production::ArticleTraceability>,
}

/// The fault switches as set (the same type `/_sim/faults` reads and writes).
pub type Faults = super::settings::FaultSettings;

#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub at_ms: u64,
    pub method: String,
    pub path: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
}

pub struct RateLimit {
    pub per_window: usize,
    pub window: Duration,
    pub sent: VecDeque<Instant>,
}

pub struct World {
    pub rng: Rng,
    pub started: Instant,
    pub tokens: HashMap<String, Instant>,
    pub products: BTreeMap<String, Product>,
    pub commissioned: HashMap<String, Commissioned>,
    pub packaging_orders: BTreeMap<String, PackagingOrder>,
    pub destinations: BTreeMap<String, String>,
    pub templates: BTreeMap<String, String>,
    pub label_orders: Vec<LabelOrderRecord>,
    pub customer_orders: BTreeMap<i64, CustomerOrder>,
    pub articles: BTreeMap<String, ArticleInfo>,
    pub parts: BTreeMap<String, PartInfo>,
    pub prod_orders: BTreeMap<i64, ProdOrder>,
    pub next_prod_id: i64,
    pub next_pr_ref: i64,
    pub faults: Faults,
    pub rate: RateLimit,
    pub log: VecDeque<LogEntry>,
}

/// Requests kept in the log before the oldest are dropped.
pub const LOG_CAPACITY: usize = 5_000;

impl World {
    pub fn log(&mut self, method: &str, path: &str, status: u16, fault: Option<&'static str>) {
        if self.log.len() >= LOG_CAPACITY {
            self.log.pop_front();
        }
        let at_ms = self.started.elapsed().as_millis() as u64;
        self.log.push_back(LogEntry { at_ms, method: method.into(), path: path.into(), status, fault });
    }

    /// Lands refills whose time has come.
    pub fn settle_pools(&mut self, now: Instant) {
        for p in self.products.values_mut() {
            if p.refill_at.is_some_and(|t| t <= now) {
                p.refill_at = None;
                p.pool_available += 10_000;
            }
        }
    }
}

/// Now, in the epoch milliseconds the production API uses for every date.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub fn article_with_defaults(mut a: ProductionOrderArticle, order_id: i64) -> ProductionOrderArticle {
    a.production_order_id = Some(order_id);
    a.finished = Some(a.finished.unwrap_or(0.0));
    a.waste = Some(a.waste.unwrap_or(0.0));
    a.status = Some(a.status.unwrap_or(0));
    a.time = Some(a.time.unwrap_or(0.0));
    a
}
