//! What stands between the network and the simulated APIs: the request log, the production
//! API's rate limit, and the switchable faults (latency, 5xx answers, connections dropped after
//! the request was read and carried out — the ambiguous case a client must reconcile), and how
//! commissioning answers a serial it already has.

use super::world::World;
use super::Shared;
use crate::domain::production::{codes, ErrorBody};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;
use std::time::{Duration, Instant};

enum Fate {
    Normal,
    Fail,
    Drop,
    Limited(u64),
}

fn decide(w: &mut World, production: bool) -> (Duration, Fate) {
    let latency = Duration::from_millis(w.faults.latency_ms);
    if production {
        let now = Instant::now();
        let window = w.rate.window;
        while w.rate.sent.front().is_some_and(|t| now.duration_since(*t) >= window) {
            w.rate.sent.pop_front();
        }
        if w.rate.sent.len() >= w.rate.per_window {
            let free_at = w.rate.sent.front().map(|t| *t + window).unwrap_or(now);
            let secs = free_at.saturating_duration_since(now).as_secs_f64().ceil().max(1.0) as u64;
            return (Duration::ZERO, Fate::Limited(secs));
        }
        w.rate.sent.push_back(now);
    }
    let (error_rate, drop_rate) = (w.faults.error_rate, w.faults.drop_rate);
    let fate = if w.rng.chance(error_rate) {
        Fate::Fail
    } else if w.rng.chance(drop_rate) {
        Fate::Drop
    } else {
        Fate::Normal
    };
    (latency, fate)
}

pub async fn layer(State(sim): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    if path.starts_with("/_sim") {
        return next.run(req).await;
    }
    let production = path.starts_with("/v1/production_orders");
    let (latency, fate) = decide(&mut sim.world(), production);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (resp, fault) = match fate {
        Fate::Limited(secs) => {
            let body = ErrorBody {
                error_code: codes::TOO_MANY_REQUESTS,
                error_message: "Too many requests".into(),
                error_field: None,
                error_data: None,
            };
            let r = (StatusCode::TOO_MANY_REQUESTS, [("Retry-After", secs.to_string())], Json(body)).into_response();
            (r, Some("rate_limited"))
        }
        Fate::Fail => {
            let r =
                (StatusCode::SERVICE_UNAVAILABLE, "Service temporarily unavailable (simulated fault)").into_response();
            (r, Some("error_5xx"))
        }
        Fate::Drop => {
            // Carry the request out, then break the connection instead of answering.
            let done = next.run(req).await;
            let broken = futures_util::stream::once(async {
                Err::<bytes::Bytes, std::io::Error>(std::io::Error::other("simulated dropped connection"))
            });
            let r = Response::builder()
                .status(done.status())
                .header("content-length", "1024")
                .body(Body::from_stream(broken))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
            (r, Some("dropped"))
        }
        Fate::Normal => (next.run(req).await, None),
    };
    sim.world().log(&method, &path, resp.status().as_u16(), fault);
    resp
}
