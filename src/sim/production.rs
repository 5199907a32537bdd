//! The simulated Production orders API (seed 004): all its operations over one in-memory
//! store, with the state machine NEW → DEVELOPING → FINISHED, CANCELLED from NEW or
//! DEVELOPING, and the documented error codes.
//!
//! Decisions where the seed is silent (also in the README):
//! - finishing needs DEVELOPING and reporting production needs DEVELOPING (903003 otherwise);
//! - any change to a FINISHED or CANCELLED order is 903003; a missing order is 903001 (404);
//!   a missing customer order is 903004 (404); a bad body or a taken reference is 903002;
//! - `production_orders_state` answers a page like the other lists;
//! - `state/{state}` takes the number (0–3) or the name.

use super::world::*;
use super::Shared;
use crate::domain::production::*;
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use std::sync::Arc;

type Reply = Result<Response, Response>;

fn error(status: StatusCode, code: i64, message: impl Into<String>, field: Option<&str>) -> Response {
    let body = ErrorBody {
        error_code: code,
        error_message: message.into(),
        error_field: field.map(str::to_string),
        error_data: None,
    };
    (status, Json(body)).into_response()
}

fn not_found(id: i64) -> Response {
    error(StatusCode::NOT_FOUND, codes::GET_ORDER, format!("Production order {id} not found"), Some("orderId"))
}

fn refused(message: impl Into<String>, field: Option<&str>) -> Response {
    error(StatusCode::CONFLICT, codes::UPDATE_ORDER, message, field)
}

fn ok<T: serde::Serialize>(v: T) -> Reply {
    Ok(Json(v).into_response())
}

fn query<T: DeserializeOwned + Default>(uri: &Uri) -> Result<T, Response> {
    if uri.query().is_none() {
        return Ok(T::default());
    }
    Query::<T>::try_from_uri(uri).map(|q| q.0).map_err(|e| {
        error(StatusCode::BAD_REQUEST, codes::COMMON, format!("Invalid query parameter: {}", e.body_text()), None)
    })
}

fn body<T: DeserializeOwned>(bytes: &Bytes, create: bool) -> Result<T, Response> {
    let raw: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    serde_json::from_slice(raw).map_err(|e| {
        let code = if create { codes::CREATE_ORDER } else { codes::UPDATE_ORDER };
        error(StatusCode::BAD_REQUEST, code, format!("The request body could not be read: {e}"), None)
    })
}

fn order_id(seg: &str) -> Result<i64, Response> {
    seg.parse().map_err(|_| {
        error(
            StatusCode::NOT_FOUND,
            codes::GET_ORDER,
            format!("\"{seg}\" is not a production order id"),
            Some("orderId"),
        )
    })
}

pub(super) fn authorised(headers: &HeaderMap) -> bool {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    h("api_key") == credentials::PRODUCTION_API_KEY && h("store") == credentials::PRODUCTION_STORE
}

pub async fn handle(
    axum::extract::State(sim): axum::extract::State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    if !authorised(&headers) {
        return error(StatusCode::UNAUTHORIZED, codes::CREDENTIALS, "Credentials don't match", None);
    }
    let rest = uri.path().strip_prefix("/v1/production_orders").unwrap_or("");
    let segs: Vec<String> = rest.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let wants_pdf = headers.get("accept").and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/pdf"));
    let mut w = sim.world();
    let reply = route(&mut w, &method, &uri, &segs, &bytes, wants_pdf);
    reply.unwrap_or_else(|e| e)
}

fn route(w: &mut World, method: &Method, uri: &Uri, segs: &[&str], bytes: &Bytes, pdf: bool) -> Reply {
    match (method.as_str(), segs) {
        ("POST", []) => create_order(w, bytes),
        ("GET", ["pr_ref", "next_id"]) => ok(NextReference { pr_reference: format!("PR-{}", w.next_pr_ref) }),
        ("GET", ["state", s]) => {
            let state = OrderState::parse(s).ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    codes::COMMON,
                    format!("Unknown state \"{s}\": use 0–3 or NEW, DEVELOPING, FINISHED, CANCELLED"),
                    Some("state"),
                )
            })?;
            let q: StateQuery = query(uri)?;
            let hits = w.prod_orders.values().filter(|o| {
                let start = o.dto.start_date.unwrap_or(0);
                o.dto.state == Some(state) && (q.from == 0 || start >= q.from) && (q.to == 0 || start <= q.to)
            });
            ok(page(hits, q.page, q.limit, q.sort_column, q.order == SortOrder::Asc))
        }
        ("GET", ["production_orders_state"]) => {
            let q: BetweenStatesQuery = query(uri)?;
            let needle = q.query.as_deref().unwrap_or("").to_lowercase();
            let hits = w.prod_orders.values().filter(|o| {
                let code = o.dto.state.map(OrderState::code).unwrap_or(0);
                let text =
                    [&o.dto.name, &o.dto.pr_reference, &o.dto.internal_reference, &o.dto.customer_order_external_id]
                        .iter()
                        .filter_map(|s| s.as_deref())
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_lowercase();
                (q.state_from..=q.state_to).contains(&code) && (needle.is_empty() || text.contains(&needle))
            });
            ok(page(hits, q.page, q.limit, DateColumn::StartDate, false))
        }
        ("GET", ["customer_order", id]) => {
            let co = customer_order(w, id)?;
            let hits = w.prod_orders.values().filter(|o| o.dto.customer_order_id == Some(co));
            ok(page(hits, 0, 1_000, DateColumn::StartDate, false))
        }
        ("POST", ["customer_order", id]) => {
            let co = customer_order(w, id)?;
            create_from_customer_order(w, co)
        }
        ("GET", ["article", article @ ..]) if !article.is_empty() => {
            let article = article.join("/");
            let q: ArticleQuery = query(uri)?;
            let hits = w.prod_orders.values().filter(|o| {
                o.dto.articles.iter().any(|a| a.article_id == article)
                    && q.max_state.is_none_or(|m| o.dto.state.map(OrderState::code).unwrap_or(0) <= m)
            });
            ok(page(hits, q.page, q.limit, q.sort_column, q.order == SortOrder::Asc))
        }
        ("GET", [id]) => ok(&get(w, id)?.dto),
        ("PUT", [id]) => {
            let start: StartQuery = query(uri)?;
            update_order(w, order_id(id)?, bytes, start.start_production)
        }
        ("GET", [id, "batch"]) => {
            let o = get(w, id)?;
            let count_batch =
                o.batches.iter().filter_map(|b| b.batch_id.as_ref()).collect::<std::collections::BTreeSet<_>>().len();
            ok(BatchResponse {
                article_id: o.dto.articles.first().map(|a| a.article_id.clone()),
                count_batch: count_batch as i64,
                count_serial: o.batches.iter().filter(|b| b.serial_nr.is_some()).count() as i64,
                batches: o.batches.clone(),
            })
        }
        ("GET", [id, "products", "flat"]) => {
            let q: FlatQuery = query(uri)?;
            let o = get(w, id)?;
            let mut list = flat_articles(w, o);
            let needle = q.query.unwrap_or_default().to_lowercase();
            let supplier = q.supplier.unwrap_or_default().to_lowercase();
            list.retain(|a| {
                let text = format!("{} {}", a.article_id, a.article_name.as_deref().unwrap_or("")).to_lowercase();
                (needle.is_empty() || text.contains(&needle))
                    && (supplier.is_empty()
                        || a.supplier_name.as_deref().unwrap_or("").to_lowercase().contains(&supplier))
            });
            sort_flat(&mut list, q.sort_column, q.order == SortOrderAsc::Desc);
            ok(FlatArticles { articles: list })
        }
        ("GET", [id, "pickinglist", "print"]) => {
            let q: PickingListQuery = query(uri)?;
            let o = get(w, id)?;
            let mut list = flat_articles(w, o);
            if q.filter_non_available {
                list.retain(|a| a.reserved.unwrap_or(0.0) < a.part_amount.unwrap_or(0.0));
            }
            sort_flat(&mut list, q.sort_column, q.order == SortOrderAsc::Desc);
            if pdf {
                let title = format!(
                    "Picking list {} - {}",
                    o.dto.pr_reference.as_deref().unwrap_or(""),
                    o.dto.name.as_deref().unwrap_or("")
                );
                let lines: Vec<String> = list
                    .iter()
                    .map(|a| {
                        format!(
                            "{:<14} {:<32} {:>9.0} {:<4} {}",
                            a.article_id,
                            a.article_name.as_deref().unwrap_or(""),
                            a.part_amount.unwrap_or(0.0),
                            a.unit.as_deref().unwrap_or(""),
                            a.stockplace.as_deref().unwrap_or("")
                        )
                    })
                    .collect();
                let pdf = super::pdf::document(&title, &lines);
                Ok(([(axum::http::header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
            } else {
                ok(FlatArticles { articles: list })
            }
        }
        ("POST", [id, "article"]) => {
            let a: ProductionOrderArticle = body(bytes, false)?;
            add_article(w, order_id(id)?, a)
        }
        ("PUT", [id, "article"]) => {
            let a: ProductionOrderArticle = body(bytes, false)?;
            update_article(w, order_id(id)?, a)
        }
        ("PUT", [id, "article", article @ ..]) if !article.is_empty() => {
            let q: WasteQuery = query(uri)?;
            let t: ArticleTraceability = body(bytes, false)?;
            report(w, order_id(id)?, &article.join("/"), q.waste, t)
        }
        ("DELETE", [id, "article", article @ ..]) if !article.is_empty() => {
            remove_article(w, order_id(id)?, &article.join("/"))
        }
        ("PUT", [id, "finish"]) => transition(w, order_id(id)?, OrderState::Finished),
        ("PUT", [id, "cancel"]) => transition(w, order_id(id)?, OrderState::Cancelled),
        _ => Err(error(
            StatusCode::NOT_FOUND,
            codes::COMMON,
            format!("No operation {} /{}", method, segs.join("/")),
            None,
        )),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct StartQuery {
    start_production: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct WasteQuery {
    waste: f64,
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

fn get<'a>(w: &'a World, id: &str) -> Result<&'a ProdOrder, Response> {
    let id = order_id(id)?;
    w.prod_orders.get(&id).ok_or_else(|| not_found(id))
}

/// The order, if it still takes changes.
fn open_order(w: &mut World, id: i64) -> Result<ProdOrder, Response> {
    let o = w.prod_orders.get(&id).ok_or_else(|| not_found(id))?;
    match o.dto.state {
        Some(s) if s.is_closed() => {
            Err(refused(format!("Production order {id} is {s} and cannot be changed"), Some("state")))
        }
        _ => Ok(o.clone()),
    }
}

fn customer_order(w: &World, id: &str) -> Result<i64, Response> {
    let missing = || {
        error(
            StatusCode::NOT_FOUND,
            codes::GET_CUSTOMER_ORDER,
            format!("Customer order {id} not found"),
            Some("customerOrderId"),
        )
    };
    let id: i64 = id.parse().map_err(|_| missing())?;
    w.customer_orders.contains_key(&id).then_some(id).ok_or_else(missing)
}

fn page<'a>(
    hits: impl Iterator<Item = &'a ProdOrder>,
    page: i64,
    limit: i64,
    column: DateColumn,
    ascending: bool,
) -> OrdersPage {
    let mut all: Vec<&ProdOrder> = hits.collect();
    let key = |o: &ProdOrder| match column {
        DateColumn::StartDate => o.dto.start_date.unwrap_or(0),
        DateColumn::EndDate => o.dto.end_date.unwrap_or(0),
    };
    all.sort_by(|a, b| {
        let ord = key(a).cmp(&key(b)).then(a.dto.order_id.cmp(&b.dto.order_id));
        if ascending {
            ord
        } else {
            ord.reverse()
        }
    });
    let limit = limit.clamp(1, 1_000);
    let page = page.max(0);
    let count = all.len() as i64;
    let orders = all.into_iter().skip((page * limit) as usize).take(limit as usize).map(|o| o.dto.clone()).collect();
    OrdersPage { page, pages: (count + limit - 1) / limit, page_size: limit, orders_count: count, orders }
}

/// Derives the order's read-only parts: part reservations per article, totals, accuracy.
pub fn recompute(w: &World, o: &mut ProdOrder) {
    let mut groups = Vec::new();
    for a in &mut o.dto.articles {
        let amount = a.amount.unwrap_or(0.0);
        let finished = a.finished.unwrap_or(0.0);
        a.accuracy = (amount > 0.0).then(|| ((finished - amount) / amount * 10_000.0).round() / 100.0);
        if a.article_name.is_none() {
            a.article_name = w.articles.get(&a.article_id).map(|i| i.name.clone());
        }
        let Some(info) = w.articles.get(&a.article_id) else { continue };
        let singles = info
            .parts
            .iter()
            .map(|(part, per_unit)| {
                let p = w.parts.get(part);
                let total = per_unit * amount;
                SingleArticleReserved {
                    article_id: a.article_id.clone(),
                    single_article_id: part.clone(),
                    single_article_name: p.map(|p| p.name.clone()),
                    unit: p.map(|p| p.unit.clone()),
                    total_reserved: Some(total.min(p.map(|p| p.in_stock).unwrap_or(0.0))),
                    total_amount: Some(total),
                    part_amount: Some(*per_unit),
                    purchase_price: p.map(|p| p.purchase_price),
                    has_stock_value: Some(true),
                }
            })
            .collect();
        groups.push(SingleArticleGroup { article_id: a.article_id.clone(), single_articles: singles });
    }
    o.dto.single_articles = groups;
    // An empty f64 sum is -0.0; an order with no articles has 0 to make and 0 made.
    o.dto.total_amount = Some(o.dto.articles.iter().filter_map(|a| a.amount).sum::<f64>() + 0.0);
    o.dto.finished_amount = Some(o.dto.articles.iter().filter_map(|a| a.finished).sum::<f64>() + 0.0);
}

/// The parts of all the order's articles, one line per part.
pub fn flat_articles(w: &World, o: &ProdOrder) -> Vec<FlatArticle> {
    let mut lines: std::collections::BTreeMap<String, FlatArticle> = Default::default();
    for g in &o.dto.single_articles {
        for s in &g.single_articles {
            let p = w.parts.get(&s.single_article_id);
            let line = lines.entry(s.single_article_id.clone()).or_insert_with(|| FlatArticle {
                article_id: s.single_article_id.clone(),
                article_name: s.single_article_name.clone(),
                reserved: Some(0.0),
                amount: Some(p.map(|p| p.in_stock).unwrap_or(0.0)),
                part_amount: Some(0.0),
                purchase_price: p.map(|p| p.purchase_price),
                purchase_price_misc: Some(0.0),
                purchase_price_shipment: Some(0.0),
                supplier_id: p.map(|p| p.supplier_id),
                supplier_name: p.map(|p| p.supplier_name.clone()),
                supplier_article_id: p.map(|p| p.supplier_article_id.clone()),
                unit: s.unit.clone(),
                stockplace: p.map(|p| p.stockplace.clone()),
                purchase_orders: Vec::new(),
            });
            line.part_amount = Some(line.part_amount.unwrap_or(0.0) + s.total_amount.unwrap_or(0.0));
            line.reserved = Some(line.reserved.unwrap_or(0.0) + s.total_reserved.unwrap_or(0.0));
        }
    }
    for line in lines.values_mut() {
        let short = line.part_amount.unwrap_or(0.0) - line.reserved.unwrap_or(0.0);
        if short > 0.0 {
            // A part that is short has a purchase order on its way.
            line.purchase_orders.push(FlatPurchaseOrder {
                order_id: Some(7000 + line.supplier_id.unwrap_or(0)),
                po_ref: Some(format!("PO-{}", line.supplier_article_id.as_deref().unwrap_or("X"))),
                ordered: Some(short.ceil()),
                state: Some(1),
                delivery_date: Some(now_ms() + 7 * 24 * 3600 * 1000),
            });
        }
    }
    lines.into_values().collect()
}

fn sort_flat(list: &mut [FlatArticle], column: ArticleColumn, descending: bool) {
    list.sort_by(|a, b| {
        let key = |x: &FlatArticle| match column {
            ArticleColumn::Art => x.article_id.clone(),
            ArticleColumn::Name => x.article_name.clone().unwrap_or_default(),
            ArticleColumn::Supplier => x.supplier_name.clone().unwrap_or_default(),
            ArticleColumn::SupplierArt => x.supplier_article_id.clone().unwrap_or_default(),
        };
        let ord = key(a).cmp(&key(b));
        if descending {
            ord.reverse()
        } else {
            ord
        }
    });
}

fn store(w: &mut World, mut o: ProdOrder) -> ProductionOrder {
    recompute(w, &mut o);
    let dto = o.dto.clone();
    if let Some(id) = dto.order_id {
        w.prod_orders.insert(id, o);
    }
    dto
}

fn new_id(w: &mut World) -> (i64, String) {
    let id = w.next_prod_id;
    w.next_prod_id += 1;
    let r = format!("PR-{}", w.next_pr_ref);
    w.next_pr_ref += 1;
    (id, r)
}

fn reference_taken(w: &World, r: &str, except: Option<i64>) -> bool {
    w.prod_orders.values().any(|o| o.dto.pr_reference.as_deref() == Some(r) && o.dto.order_id != except)
}

fn create_order(w: &mut World, bytes: &Bytes) -> Reply {
    let mut dto: ProductionOrder = body(bytes, true)?;
    if let Some(co) = dto.customer_order_id {
        let co = customer_order(w, &co.to_string())?;
        dto.customer_order_external_id = w.customer_orders.get(&co).map(|c| c.external_id.clone());
    }
    if let Some(r) = dto.pr_reference.as_deref() {
        if r.trim().is_empty() || reference_taken(w, r, None) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                codes::CREATE_ORDER,
                format!("Production order reference \"{r}\" is empty or already in use"),
                Some("prReference"),
            ));
        }
    }
    let (id, next_ref) = new_id(w);
    dto.order_id = Some(id);
    if dto.pr_reference.is_none() {
        dto.pr_reference = Some(next_ref);
    }
    dto.state = Some(dto.state.unwrap_or(OrderState::New));
    dto.start_date = dto.start_date.or(Some(now_ms()));
    dto.articles = std::mem::take(&mut dto.articles).into_iter().map(|a| article_with_defaults(a, id)).collect();
    let o = store(w, ProdOrder { dto, batches: Vec::new(), reports: Vec::new() });
    ok(o)
}

fn create_from_customer_order(w: &mut World, co: i64) -> Reply {
    let Some(c) = w.customer_orders.get(&co).cloned() else {
        return Err(customer_order(w, &co.to_string()).unwrap_err());
    };
    let (id, pr_ref) = new_id(w);
    let now = now_ms();
    let dto = ProductionOrder {
        order_id: Some(id),
        pr_reference: Some(pr_ref),
        customer_order_id: Some(c.id),
        customer_order_external_id: Some(c.external_id.clone()),
        name: Some(format!("{} for {}", c.external_id, c.customer)),
        state: Some(OrderState::New),
        start_date: Some(now),
        end_date: Some(now + 5 * 24 * 3600 * 1000),
        reserve_in_depth: Some(false),
        articles: c
            .articles
            .iter()
            .map(|(a, n)| {
                article_with_defaults(
                    ProductionOrderArticle { article_id: a.clone(), amount: Some(*n), ..Default::default() },
                    id,
                )
            })
            .collect(),
        ..Default::default()
    };
    ok(store(w, ProdOrder { dto, batches: Vec::new(), reports: Vec::new() }))
}

fn update_order(w: &mut World, id: i64, bytes: &Bytes, start: bool) -> Reply {
    let mut o = open_order(w, id)?;
    let new: ProductionOrder = body(bytes, false)?;
    if let Some(r) = new.pr_reference.as_deref() {
        if reference_taken(w, r, Some(id)) {
            return Err(refused(format!("Production order reference \"{r}\" is already in use"), Some("prReference")));
        }
        o.dto.pr_reference = Some(r.into());
    }
    let d = &mut o.dto;
    macro_rules! take {
        ($($f:ident),*) => { $( if new.$f.is_some() { d.$f = new.$f.clone(); } )* };
    }
    take!(
        customer_order_external_id,
        internal_reference,
        name,
        comment,
        start_date,
        end_date,
        work_hours,
        reserve_in_depth,
        store_state
    );
    if start && d.state == Some(OrderState::New) {
        d.state = Some(OrderState::Developing);
        d.start_date = Some(now_ms());
    }
    ok(store(w, o))
}

fn check_amount(v: Option<f64>, field: &str) -> Result<(), Response> {
    match v {
        Some(n) if !(n >= 0.0 && n.is_finite()) => Err(refused(format!("{field} must be zero or more"), Some(field))),
        _ => Ok(()),
    }
}

fn add_article(w: &mut World, id: i64, a: ProductionOrderArticle) -> Reply {
    let mut o = open_order(w, id)?;
    if a.article_id.trim().is_empty() {
        return Err(refused("articleId is required", Some("articleId")));
    }
    check_amount(a.amount, "amount")?;
    if o.dto.articles.iter().any(|x| x.article_id == a.article_id) {
        return Err(refused(
            format!("Article {} is already in the order; edit it instead", a.article_id),
            Some("articleId"),
        ));
    }
    let article_id = a.article_id.clone();
    o.dto
        .articles
        .push(article_with_defaults(ProductionOrderArticle { finished: Some(0.0), waste: Some(0.0), ..a }, id));
    let dto = store(w, o);
    let parts = dto.single_articles.iter().filter(|g| g.article_id == article_id).cloned().collect();
    ok(ArticlesResponse { articles: dto.articles, parts })
}

fn update_article(w: &mut World, id: i64, a: ProductionOrderArticle) -> Reply {
    let mut o = open_order(w, id)?;
    check_amount(a.amount, "amount")?;
    check_amount(a.finished, "finished")?;
    check_amount(a.waste, "waste")?;
    let Some(x) = o.dto.articles.iter_mut().find(|x| x.article_id == a.article_id) else {
        return Err(refused(format!("Article {} is not in production order {id}", a.article_id), Some("articleId")));
    };
    macro_rules! take {
        ($($f:ident),*) => { $( if a.$f.is_some() { x.$f = a.$f.clone(); } )* };
    }
    take!(article_name, time, amount, finished, waste, status);
    ok(store(w, o))
}

fn report(w: &mut World, id: i64, article_id: &str, waste: f64, t: ArticleTraceability) -> Reply {
    let mut o = open_order(w, id)?;
    if o.dto.state != Some(OrderState::Developing) {
        return Err(refused(
            format!("Production order {id} is not started; start production before reporting it"),
            Some("state"),
        ));
    }
    check_amount(Some(t.amount), "amount")?;
    check_amount(Some(waste), "waste")?;
    let Some(x) = o.dto.articles.iter_mut().find(|x| x.article_id == article_id) else {
        return Err(refused(format!("Article {article_id} is not in production order {id}"), Some("articleId")));
    };
    let ordered = x.amount;
    x.finished = Some(x.finished.unwrap_or(0.0) + t.amount);
    x.waste = Some(x.waste.unwrap_or(0.0) + waste);
    x.status = Some(if x.finished >= x.amount { 2 } else { 1 });
    o.reports.push(t.clone());
    if t.batch.is_some() || t.serial.is_some() {
        o.batches.push(ProductBatch {
            batch_id: t.batch.clone(),
            serial_nr: t.serial.clone(),
            ordered_amount: ordered,
            delivered_amount: Some(t.amount),
            best_before: t.best_before,
        });
    }
    ok(store(w, o))
}

fn remove_article(w: &mut World, id: i64, article_id: &str) -> Reply {
    let mut o = open_order(w, id)?;
    let before = o.dto.articles.len();
    o.dto.articles.retain(|a| a.article_id != article_id);
    if o.dto.articles.len() == before {
        return Err(refused(format!("Article {article_id} is not in production order {id}"), Some("articleId")));
    }
    ok(store(w, o))
}

fn transition(w: &mut World, id: i64, to: OrderState) -> Reply {
    let mut o = open_order(w, id)?;
    if to == OrderState::Finished && o.dto.state != Some(OrderState::Developing) {
        return Err(refused(
            format!("Production order {id} is not started; start it before finishing it"),
            Some("state"),
        ));
    }
    o.dto.state = Some(to);
    if to == OrderState::Finished {
        o.dto.finish_date = Some(now_ms());
    }
    ok(store(w, o))
}
