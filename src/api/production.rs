//! Client of Lagerkoll's Production orders API (seed 004): every operation, `api_key` + `store`
//! headers, one 200-a-minute budget shared by all callers, and on 429 a pause of `Retry-After`
//! seconds before the same request is sent again.

use super::budget::{Budget, Priority};
use super::http::{self, Answer};
use super::ApiError;
use crate::api::error::ProductionCode;
use crate::config::ProductionConfig;
use crate::domain::production::*;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// How often one request is sent again after a 429 before the caller hears about it.
const MAX_RATE_LIMIT_RETRIES: u32 = 5;
/// A `Retry-After` above this is taken as this, so one bad header cannot stall the station.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// Told how long the client waits after a 429, so the status bar can say so.
pub type WaitHook = Arc<dyn Fn(Duration) + Send + Sync>;

#[derive(Clone)]
pub struct ProductionClient {
    http: reqwest::Client,
    cfg: ProductionConfig,
    budget: Arc<Budget>,
    priority: Priority,
    on_wait: Option<WaitHook>,
}

/// The picking list, as the API can send it.
pub enum PickingList {
    Pdf(Vec<u8>),
    Json(FlatArticles),
}

impl ProductionClient {
    pub fn new(cfg: ProductionConfig) -> Result<Self, ApiError> {
        let budget = Arc::new(Budget::per_minute(cfg.requests_per_minute));
        Self::with_budget(cfg, budget)
    }

    /// A client drawing on a budget shared with others (all calls of one station share one).
    pub fn with_budget(cfg: ProductionConfig, budget: Arc<Budget>) -> Result<Self, ApiError> {
        Ok(ProductionClient {
            http: http::build_client(cfg.timeout, &cfg.network, &[&cfg.base_url])?,
            cfg,
            budget,
            priority: Priority::User,
            on_wait: None,
        })
    }

    /// Calls `hook` with the wait whenever a 429 pauses this client (and its clones).
    pub fn with_wait_hook(self, hook: WaitHook) -> ProductionClient {
        ProductionClient { on_wait: Some(hook), ..self }
    }

    /// The same client drawing on the shared budget as a background refresh: it waits while a
    /// person's request waits.
    pub fn background(&self) -> ProductionClient {
        ProductionClient { priority: Priority::Background, ..self.clone() }
    }

    /// `GET pr_ref/next_id`.
    pub async fn next_reference(&self) -> Result<NextReference, ApiError> {
        self.json(Method::GET, "pr_ref/next_id", &(), None::<&()>).await
    }

    /// `GET state/{state}` with its options.
    pub async fn orders_in_state(&self, state: OrderState, q: &StateQuery) -> Result<OrdersPage, ApiError> {
        self.json(Method::GET, &format!("state/{}", state.code()), q, None::<&()>).await
    }

    /// `GET production_orders_state`: orders between two states, optionally matching a query.
    /// The seed's sample shows one order rather than a page; both forms are accepted.
    pub async fn orders_between_states(&self, q: &BetweenStatesQuery) -> Result<OrdersPage, ApiError> {
        let v: Value = self.json(Method::GET, "production_orders_state", q, None::<&()>).await?;
        orders_page_from(v)
    }

    /// `GET customer_order/{id}`: the orders made for a customer order.
    pub async fn orders_for_customer_order(&self, customer_order_id: i64) -> Result<OrdersPage, ApiError> {
        let v: Value = self.json(Method::GET, &format!("customer_order/{customer_order_id}"), &(), None::<&()>).await?;
        orders_page_from(v)
    }

    /// `GET article/{article_id}`: the orders that contain an article.
    pub async fn orders_with_article(&self, article_id: &str, q: &ArticleQuery) -> Result<OrdersPage, ApiError> {
        self.json(Method::GET, &format!("article/{}", encode_id(article_id)), q, None::<&()>).await
    }

    /// `GET {id}`.
    pub async fn order(&self, id: i64) -> Result<ProductionOrder, ApiError> {
        self.json(Method::GET, &id.to_string(), &(), None::<&()>).await
    }

    /// `GET {id}/batch`: batches and serials of the order's articles.
    pub async fn order_batches(&self, id: i64) -> Result<BatchResponse, ApiError> {
        self.json(Method::GET, &format!("{id}/batch"), &(), None::<&()>).await
    }

    /// `GET {id}/products/flat`.
    pub async fn flat_products(&self, id: i64, q: &FlatQuery) -> Result<FlatArticles, ApiError> {
        self.json(Method::GET, &format!("{id}/products/flat"), q, None::<&()>).await
    }

    /// `GET {id}/pickinglist/print` as a PDF.
    pub async fn picking_list_pdf(&self, id: i64, q: &PickingListQuery) -> Result<Vec<u8>, ApiError> {
        let answer =
            self.send(Method::GET, &format!("{id}/pickinglist/print"), q, None::<&()>, "application/pdf").await?;
        if !answer.body.starts_with(b"%PDF") {
            return Err(ApiError::UnexpectedResponse {
                status: answer.status,
                detail: "the picking list is not a PDF".into(),
            });
        }
        Ok(answer.body.to_vec())
    }

    /// `GET {id}/pickinglist/print` as JSON.
    pub async fn picking_list_json(&self, id: i64, q: &PickingListQuery) -> Result<FlatArticles, ApiError> {
        self.json(Method::GET, &format!("{id}/pickinglist/print"), q, None::<&()>).await
    }

    /// `POST` (the base itself): a new production order.
    pub async fn create_order(&self, order: &ProductionOrder) -> Result<ProductionOrder, ApiError> {
        self.json(Method::POST, "", &(), Some(order)).await
    }

    /// `POST customer_order/{id}`: a new production order made from a customer order.
    pub async fn create_from_customer_order(&self, customer_order_id: i64) -> Result<ProductionOrder, ApiError> {
        self.json(Method::POST, &format!("customer_order/{customer_order_id}"), &(), Some(&serde_json::json!({}))).await
    }

    /// `PUT {id}`: edits the order; `start_production` moves a NEW order to DEVELOPING.
    pub async fn update_order(
        &self,
        id: i64,
        order: &ProductionOrder,
        start_production: bool,
    ) -> Result<ProductionOrder, ApiError> {
        self.json(Method::PUT, &id.to_string(), &[("startProduction", start_production)], Some(order)).await
    }

    /// `POST {id}/article`.
    pub async fn add_article(&self, id: i64, article: &ProductionOrderArticle) -> Result<ArticlesResponse, ApiError> {
        self.json(Method::POST, &format!("{id}/article"), &(), Some(article)).await
    }

    /// `PUT {id}/article`.
    pub async fn update_article(&self, id: i64, article: &ProductionOrderArticle) -> Result<ProductionOrder, ApiError> {
        self.json(Method::PUT, &format!("{id}/article"), &(), Some(article)).await
    }

    /// `PUT {id}/article/{article_id}?waste=…`: reports production with traceability.
    pub async fn report_production(
        &self,
        id: i64,
        article_id: &str,
        waste: f64,
        report: &ArticleTraceability,
    ) -> Result<ProductionOrder, ApiError> {
        let path = format!("{id}/article/{}", encode_id(article_id));
        self.json(Method::PUT, &path, &[("waste", waste)], Some(report)).await
    }

    /// `DELETE {id}/article/{article_id}`.
    pub async fn remove_article(&self, id: i64, article_id: &str) -> Result<ProductionOrder, ApiError> {
        self.json(Method::DELETE, &format!("{id}/article/{}", encode_id(article_id)), &(), None::<&()>).await
    }

    /// `PUT {id}/finish`.
    pub async fn finish(&self, id: i64) -> Result<ProductionOrder, ApiError> {
        self.json(Method::PUT, &format!("{id}/finish"), &(), None::<&()>).await
    }

    /// `PUT {id}/cancel`.
    pub async fn cancel(&self, id: i64) -> Result<ProductionOrder, ApiError> {
        self.json(Method::PUT, &format!("{id}/cancel"), &(), None::<&()>).await
    }

    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &impl Serialize,
        body: Option<&impl Serialize>,
    ) -> Result<T, ApiError> {
        let answer = self.send(method, path, query, body, "application/json").await?;
        serde_json::from_slice(&answer.body).map_err(|e| ApiError::UnexpectedResponse {
            status: answer.status,
            detail: format!("not the documented shape ({e})"),
        })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &impl Serialize,
        body: Option<&impl Serialize>,
        accept: &str,
    ) -> Result<Answer, ApiError> {
        let url = self.cfg.base_url.join(path).map_err(|e| ApiError::UnexpectedResponse {
            status: 0,
            detail: format!("cannot join {path:?} to base_url: {e}"),
        })?;
        let mut attempt = 0;
        loop {
            // Held until the answer is in (see `budget`).
            let _permit = self.budget.acquire_as(self.priority).await;
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .header("api_key", self.cfg.api_key.expose())
                .header("store", self.cfg.store.expose())
                .header("Accept", accept)
                .query(query);
            if let Some(b) = body {
                req = req.json(b);
            }
            let answer = http::send(req, self.cfg.timeout).await?;
            if answer.status == 429 {
                let wait = retry_after(&answer).min(MAX_RETRY_AFTER);
                self.budget.pause_until(tokio::time::Instant::now() + wait);
                if let Some(hook) = &self.on_wait {
                    hook(wait);
                }
                attempt += 1;
                tracing::warn!(
                    attempt,
                    wait_secs = wait.as_secs(),
                    "Lagerkoll's rate limit (HTTP 429): the request is sent again after the wait"
                );
                if attempt > MAX_RATE_LIMIT_RETRIES {
                    return Err(ApiError::RateLimited { retry_after: wait });
                }
                continue;
            }
            if (200..300).contains(&answer.status) {
                return Ok(answer);
            }
            return Err(map_error(&answer));
        }
    }
}

/// Article ids may hold slashes (the seed's path is `{article_id : .+}`): keep them, encode
/// the rest.
fn encode_id(id: &str) -> String {
    id.split('/')
        .map(|seg| url::form_urlencoded::byte_serialize(seg.as_bytes()).collect::<String>().replace('+', "%20"))
        .collect::<Vec<_>>()
        .join("/")
}

fn retry_after(answer: &Answer) -> Duration {
    answer
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(1))
        .max(Duration::from_secs(1))
}

fn map_error(answer: &Answer) -> ApiError {
    match serde_json::from_slice::<ErrorBody>(&answer.body) {
        Ok(b) if b.error_code != 0 => ApiError::Production {
            code: ProductionCode::from_code(b.error_code),
            code_number: b.error_code,
            message: b.error_message,
            field: b.error_field,
        },
        _ if answer.status >= 500 => ApiError::Server { status: answer.status },
        _ => ApiError::UnexpectedResponse { status: answer.status, detail: http::excerpt(&answer.body) },
    }
}

/// A page of orders from any of the forms the API is seen to use.
fn orders_page_from(v: Value) -> Result<OrdersPage, ApiError> {
    let shape = |e: serde_json::Error| ApiError::UnexpectedResponse {
        status: 200,
        detail: format!("not a list of orders ({e})"),
    };
    if v.get("orders").is_some() {
        return serde_json::from_value(v).map_err(shape);
    }
    let orders: Vec<ProductionOrder> = match v {
        Value::Array(_) => serde_json::from_value(v).map_err(shape)?,
        Value::Object(_) => vec![serde_json::from_value(v).map_err(shape)?],
        _ => return Err(shape(serde::de::Error::custom("neither an object nor a list"))),
    };
    let n = orders.len() as i64;
    Ok(OrdersPage { page: 0, pages: 1, page_size: n, orders_count: n, orders })
}

/// How the client reads a refusal; public for the same reason as `manufacturer::interpret`.
pub fn interpret_error(status: u16, body: &[u8]) -> ApiError {
    map_error(&Answer { status, headers: Default::default(), body: bytes::Bytes::copy_from_slice(body) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_ids_keep_their_slashes() {
        assert_eq!(encode_id("ART/1 b"), "ART/1%20b");
        assert_eq!(encode_id("a?b"), "a%3Fb");
    }

    #[test]
    fn pages_from_every_form() {
        let one = serde_json::json!({"orderId": 5, "state": "1"});
        assert_eq!(orders_page_from(one.clone()).unwrap().orders[0].order_id, Some(5));
        assert_eq!(orders_page_from(serde_json::json!([one])).unwrap().orders_count, 1);
        let page = serde_json::json!({"orders": [], "pages": 3, "page": 1, "pageSize": 20, "ordersCount": 41});
        assert_eq!(orders_page_from(page).unwrap().pages, 3);
    }
}
