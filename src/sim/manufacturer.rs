//! The simulated Manufacturer V2 API (seeds 000–003) and its token endpoint.
//!
//! Checks run in the order a request meets them: token (ERR0001 / ERR0000), channel key,
//! body parsing, field rules, then business rules. Errors use the envelope
//! `{"success": false, "message": <the seed's message>, "code": <ERR code when the seed has
//! one>, "type": <the seed's error type>, "details": [{"field", "message"}]}`.
//!
//! Decided behaviours (the README repeats them):
//! - Commissioning is idempotent by default: a serial already commissioned for the product is
//!   answered `Assigned` again and stays counted once; a request mixing new and known serials
//!   succeeds as a whole and lists each serial once. With `recommission = refuse` (the `sim`
//!   command's `--recommission`, or `/_sim/faults`) such a request is refused instead, naming
//!   each known serial ("… is already commissioned"), and nothing in it is commissioned. A decommissioned serial cannot be commissioned
//!   again (Validation error naming it), and nothing in that request is commissioned.
//! - The server does not check GTIN check digits (the seeds document no such rule), so seed
//!   002's sample product code `01234567891234` is accepted; it is a registered demo product.
//! - A label order refused for lack of serials is kept as `Suspended` (as the real one is), so
//!   sending it again answers "Label order already exists!".

use super::world::*;
use super::Shared;
use crate::domain::manufacturer::{
    messages as msg, AuthRequest, CommissionRequest, CommissionedSerial, CreatePackagingOrder, DecommissionRequest,
    Envelope, LabelOrderRequest, PackagingOrder,
};
use crate::domain::{date, FieldError};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

type Reply = Result<Response, Response>;

fn fail(status: StatusCode, message: &str, code: Option<&str>, kind: &str, details: &[FieldError]) -> Response {
    let mut body = json!({"success": false, "message": message, "type": kind});
    if let Some(c) = code {
        body["code"] = json!(c);
    }
    if !details.is_empty() {
        body["details"] = json!(details);
    }
    (status, Json(body)).into_response()
}

fn validation(details: &[FieldError]) -> Response {
    fail(StatusCode::BAD_REQUEST, msg::VALIDATION, None, "ValidationError", details)
}

fn business(status: StatusCode, message: &str) -> Response {
    fail(status, message, None, "BusinessError", &[])
}

fn success<T: serde::Serialize>(message: &str, data: Option<T>) -> Reply {
    Ok(Json(Envelope { success: true, message: message.into(), data }).into_response())
}

/// Token and channel-key checks, in the order the real API reports them.
fn authorise(w: &World, headers: &HeaderMap) -> Result<(), Response> {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|s| !s.is_empty());
    let token =
        h("x-access-token").or_else(|| h("authorization").and_then(|a| a.strip_prefix("Bearer ")).map(str::trim));
    let Some(token) = token else {
        return Err(fail(StatusCode::UNAUTHORIZED, msg::NO_TOKEN, Some(msg::ERR_NO_TOKEN), "NoTokenError", &[]));
    };
    let valid = token == credentials::STATIC_TOKEN
        || w.tokens.get(token).is_some_and(|issued| issued.elapsed() < TOKEN_LIFETIME);
    if !valid {
        return Err(fail(StatusCode::UNAUTHORIZED, msg::TOKEN_FAILED, Some(msg::ERR_TOKEN_FAILED), "TokenError", &[]));
    }
    if h("x-channel-key") != Some(credentials::CHANNEL_KEY) {
        return Err(fail(StatusCode::BAD_REQUEST, msg::CHANNEL_MISSING, None, "ChannelError", &[]));
    }
    Ok(())
}

fn parse_body(bytes: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(bytes)
        .map_err(|_| fail(StatusCode::BAD_REQUEST, msg::BODY_NOT_PARSED, None, "ParseError", &[]))
}

fn checked<T>(parsed: Result<T, Vec<FieldError>>, rules: impl FnOnce(&T) -> Vec<FieldError>) -> Result<T, Response> {
    let v = parsed.map_err(|e| validation(&e))?;
    let e = rules(&v);
    if e.is_empty() {
        Ok(v)
    } else {
        Err(validation(&e))
    }
}

fn run(sim: &Shared, headers: &HeaderMap, f: impl FnOnce(&mut World) -> Reply) -> Response {
    let mut w = sim.world();
    match authorise(&w, headers) {
        Ok(()) => f(&mut w).unwrap_or_else(|e| e),
        Err(e) => e,
    }
}

/// `POST /v1/api_auth`.
pub async fn api_auth(State(sim): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let v = match parse_body(&bytes) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let req: AuthRequest = match serde_json::from_value(v) {
        Ok(r) => r,
        Err(_) => {
            return validation(&[FieldError::new("api_key, api_secret", "both are required strings")]);
        }
    };
    if req.api_key != credentials::API_KEY || req.api_secret != credentials::API_SECRET {
        return fail(StatusCode::UNAUTHORIZED, "Invalid API key or secret", None, "AuthError", &[]);
    }
    let mut w = sim.world();
    let token = format!("sim-{}", w.rng.hex(40));
    w.tokens.insert(token.clone(), Instant::now());
    Json(json!({"success": true, "message": "Authentication successful", "token": token})).into_response()
}

/// `GET packaging_order/details?order_id=…` (the id may also come in the body).
pub async fn order_details(
    State(sim): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> Response {
    run(&sim, &headers, |w| {
        let from_body = || serde_json::from_slice::<Value>(&bytes).ok()?.get("order_id")?.as_str().map(str::to_string);
        let id = q.get("order_id").cloned().or_else(from_body).unwrap_or_default();
        let mut e = Vec::new();
        crate::domain::rules::text_1_255(&mut e, "order_id", &id);
        if !e.is_empty() {
            return Err(validation(&e));
        }
        let o = w.packaging_orders.get(&id).ok_or_else(|| business(StatusCode::NOT_FOUND, msg::ORDER_NOT_FOUND))?;
        success("Packaging order details", Some(o))
    })
}

/// `GET packaging_order/open`, optionally `?packaging_line_tag=…`.
pub async fn open_orders(
    State(sim): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    run(&sim, &headers, |w| {
        let line = q.get("packaging_line_tag");
        let open: Vec<&PackagingOrder> = w
            .packaging_orders
            .values()
            .filter(|o| !matches!(o.status.as_str(), "Closed" | "Finished" | "Completed"))
            .filter(|o| line.is_none_or(|l| o.packaging_line_tag.as_ref() == Some(l)))
            .collect();
        success("Open packaging orders", Some(open))
    })
}

/// `POST packaging_order` (seed 001).
pub async fn create_order(State(sim): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Response {
    run(&sim, &headers, |w| {
        let v = parse_body(&bytes)?;
        let req = checked(CreatePackagingOrder::from_json(&v), |r| strip_gtin_rule(r.validate(date::current_year())))?;
        if w.packaging_orders.contains_key(&req.order_id) {
            return Err(validation(&[FieldError::new("order_id", "a packaging order with this id already exists")]));
        }
        let order = PackagingOrder {
            order_id: req.order_id,
            order_description: req.order_description,
            product_code: req.product_code,
            product_code_schema: req.product_code_schema,
            batch: req.batch,
            expiry_date: req.expiry_date,
            quantity: req.quantity,
            extra_percentage: req.extra_percentage,
            serialized: req.serialized,
            packaging_line_tag: req.packaging_line_tag,
            // Accepted but not processed (seed 001).
            market: None,
            status: "Open".into(),
        };
        // An order that brings a new batch registers it with its product, as Movilitas does, so
        // labels can be printed for the order (`label_order` checks the batch).
        if let (Some(batch), Some(product)) = (&order.batch, w.products.get_mut(&order.product_code)) {
            product.batches.insert(batch.clone());
        }
        w.packaging_orders.insert(order.order_id.clone(), order.clone());
        success("Packaging order created", Some(order))
    })
}

/// The server checks shapes, not GTIN check digits (see the module comment).
fn strip_gtin_rule(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors.into_iter().filter(|e| !(e.field == "product_code" && e.message.contains("not a valid GTIN"))).collect()
}

fn product_error() -> Response {
    fail(StatusCode::NOT_FOUND, msg::PRODUCT_NOT_FOUND, None, "ProductError", &[])
}

/// Commissioning (seed 002); idempotent per serial.
pub async fn commission(State(sim): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Response {
    run(&sim, &headers, |w| {
        let v = parse_body(&bytes)?;
        let req = checked(CommissionRequest::from_json(&v), |r| r.validate(date::current_year(), false))?;
        if !w.products.contains_key(&req.product_code) {
            return Err(product_error());
        }
        let set = w.commissioned.entry(req.product_code.clone()).or_default();
        let gone: Vec<FieldError> = req
            .serials
            .iter()
            .filter(|s| set.decommissioned.contains_key(*s))
            .map(|s| FieldError::new("serials", format!("{s} was decommissioned and cannot be commissioned again")))
            .collect();
        if !gone.is_empty() {
            return Err(validation(&gone));
        }
        if w.faults.recommission == super::settings::Recommission::Refuse {
            let set = w.commissioned.entry(req.product_code.clone()).or_default();
            let again: Vec<FieldError> = req
                .serials
                .iter()
                .filter(|s| set.set.contains(*s))
                .map(|s| FieldError::new("serials", format!("{s} is already commissioned")))
                .collect();
            if !again.is_empty() {
                return Err(validation(&again));
            }
        }
        let set = w.commissioned.entry(req.product_code.clone()).or_default();
        let mut answer = Vec::with_capacity(req.serials.len());
        let mut seen = std::collections::HashSet::new();
        for s in req.serials {
            if !seen.insert(s.clone()) {
                continue;
            }
            if set.set.insert(s.clone()) {
                set.order.push(s.clone());
            }
            answer.push(CommissionedSerial { serial_number: s, status: "Assigned".into() });
        }
        success("Serials commissioned", Some(answer))
    })
}

/// Decommissioning: every serial must be commissioned and not yet decommissioned.
pub async fn decommission(State(sim): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Response {
    run(&sim, &headers, |w| {
        let v = parse_body(&bytes)?;
        let req = checked(DecommissionRequest::from_json(&v), |r| r.validate())?;
        if !w.products.contains_key(&req.product_code) {
            return Err(product_error());
        }
        let set = w.commissioned.entry(req.product_code.clone()).or_default();
        let bad: Vec<FieldError> = req
            .serials
            .iter()
            .filter_map(|s| {
                if !set.set.contains(s) {
                    Some(FieldError::new("serials", format!("{s} is not commissioned")))
                } else if set.decommissioned.contains_key(s) {
                    Some(FieldError::new("serials", format!("{s} is already decommissioned")))
                } else {
                    None
                }
            })
            .collect();
        if !bad.is_empty() {
            return Err(validation(&bad));
        }
        let answer: Vec<CommissionedSerial> = req
            .serials
            .iter()
            .map(|s| {
                set.decommissioned.insert(s.clone(), req.reason.clone());
                CommissionedSerial { serial_number: s.clone(), status: "Decommissioned".into() }
            })
            .collect();
        success("Serials decommissioned", Some(answer))
    })
}

/// `POST label_orders/` (seed 003).
pub async fn label_order(State(sim): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Response {
    run(&sim, &headers, |w| {
        let v = parse_body(&bytes)?;
        let req = checked(LabelOrderRequest::from_json(&v), |r| strip_gtin_rule(r.validate()))?;
        if w.label_orders.iter().any(|l| l.request.order_id == req.order_id) {
            return Err(business(StatusCode::CONFLICT, msg::LABEL_ORDER_EXISTS));
        }
        if !w.products.get(&req.product_code).is_some_and(|p| p.batches.contains(&req.batch)) {
            return Err(business(StatusCode::NOT_FOUND, msg::BATCH_NOT_FOUND));
        }
        if !w.templates.contains_key(&req.template_tag) {
            return Err(business(StatusCode::NOT_FOUND, msg::TEMPLATE_MISSING));
        }
        if !w.destinations.contains_key(&req.destination_tag) {
            return Err(business(StatusCode::NOT_FOUND, msg::DESTINATION_NOT_FOUND));
        }
        w.settle_pools(Instant::now());
        let needed = req.labels_needed().max(0) as u64;
        let Some(product) = w.products.get_mut(&req.product_code) else { return Err(product_error()) };
        if product.pool_available < needed {
            let message = if product.auto_replenish {
                if product.refill_at.is_none() {
                    product.refill_at = Some(Instant::now() + REFILL_DELAY);
                }
                msg::NOT_ENOUGH_REPLENISHING
            } else {
                msg::NOT_ENOUGH_ASSIGNED
            };
            w.label_orders.push(LabelOrderRecord { request: req, status: "Suspended".into() });
            return Err(business(StatusCode::UNPROCESSABLE_ENTITY, message));
        }
        product.pool_available -= needed;
        let status = if req.execute == Some(true) { "Released" } else { "Created" };
        w.label_orders.push(LabelOrderRecord { request: req, status: status.into() });
        success::<()>("Label order created successfully", None)
    })
}

/// How long an automatic serial refill takes to land in the pool.
pub const REFILL_DELAY: std::time::Duration = std::time::Duration::from_secs(5);
