//! Client of Movilitas.Cloud's Manufacturer V2 API.
//!
//! Auth is a static token or a dynamic one from `POST /v1/api_auth`, cached and renewed before
//! it is a day old, and renewed once more when the server answers `ERR0000`. The channel key
//! goes on every call. Errors are recognised by code, then by the documented message.

use super::http::{self, Answer};
use super::ApiError;
use crate::config::file::HeaderStyle;
use crate::config::{ManufacturerAuth, ManufacturerConfig, Secret};
use crate::domain::manufacturer::{
    messages as msg, AuthRequest, CommissionRequest, CommissionedSerial, CreatePackagingOrder, DecommissionRequest,
    LabelOrderRequest, PackagingOrder,
};
use crate::domain::{date, FieldError};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

struct CachedToken {
    token: Secret,
    fetched: Instant,
}

pub struct ManufacturerClient {
    http: reqwest::Client,
    cfg: ManufacturerConfig,
    token: Mutex<Option<CachedToken>>,
    /// Whether the client checks GTIN check digits itself (the server's own rule is not public).
    check_gtin: bool,
}

impl ManufacturerClient {
    pub fn new(cfg: ManufacturerConfig) -> Result<Self, ApiError> {
        Ok(ManufacturerClient {
            http: http::build_client(cfg.timeout, &cfg.network, &[&cfg.base_url, &cfg.auth_url])?,
            cfg,
            token: Mutex::new(None),
            check_gtin: true,
        })
    }

    /// `GET packaging_order/details?order_id=…` (seed 000).
    pub async fn packaging_order(&self, order_id: &str) -> Result<PackagingOrder, ApiError> {
        let mut e = Vec::new();
        crate::domain::rules::text_1_255(&mut e, "order_id", order_id);
        refuse_if(e)?;
        self.call(Method::GET, &self.cfg.paths.packaging_order_details, &[("order_id", order_id)], None::<&()>).await
    }

    /// `GET packaging_order/open`: the open orders, of one packaging line when given.
    pub async fn open_packaging_orders(&self, line: Option<&str>) -> Result<Vec<PackagingOrder>, ApiError> {
        let query: Vec<(&str, &str)> = line.map(|l| vec![("packaging_line_tag", l)]).unwrap_or_default();
        let orders: Vec<PackagingOrder> =
            self.call(Method::GET, &self.cfg.paths.open_packaging_orders, &query, None::<&()>).await?;
        // The filter is not documented server-side, so it is applied here as well.
        Ok(match line {
            Some(l) => orders.into_iter().filter(|o| o.packaging_line_tag.as_deref() == Some(l)).collect(),
            None => orders,
        })
    }

    /// `POST packaging_order` (seed 001).
    pub async fn create_packaging_order(&self, req: &CreatePackagingOrder) -> Result<PackagingOrder, ApiError> {
        refuse_if(req.validate(date::current_year()))?;
        self.call(Method::POST, &self.cfg.paths.create_packaging_order, &[], Some(req)).await
    }

    /// Commissions serials (seed 002). Re-sending serials that are already commissioned is
    /// harmless: the simulator (and the README) define it as idempotent.
    pub async fn commission(&self, req: &CommissionRequest) -> Result<Vec<CommissionedSerial>, ApiError> {
        refuse_if(req.validate(date::current_year(), self.check_gtin))?;
        self.call(Method::POST, &self.cfg.paths.commission, &[], Some(req)).await
    }

    /// Decommissions serials with a reason (Destroyed, Sampled, Supplied).
    pub async fn decommission(&self, req: &DecommissionRequest) -> Result<Vec<CommissionedSerial>, ApiError> {
        refuse_if(req.validate())?;
        self.call(Method::POST, &self.cfg.paths.decommission, &[], Some(req)).await
    }

    /// `POST label_orders/` (seed 003): creates, and with `execute` releases, a label order.
    /// Returns the server's message.
    pub async fn create_label_order(&self, req: &LabelOrderRequest) -> Result<String, ApiError> {
        refuse_if(req.validate())?;
        let answer = self.send_authenticated(Method::POST, &self.cfg.paths.label_orders, &[], Some(req)).await?;
        let v = parse_envelope(&answer)?;
        Ok(v.get("message").and_then(Value::as_str).unwrap_or("Label order created").to_string())
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&impl Serialize>,
    ) -> Result<T, ApiError> {
        let answer = self.send_authenticated(method, path, query, body).await?;
        let v = parse_envelope(&answer)?;
        let data = v.get("data").cloned().unwrap_or(Value::Null);
        serde_json::from_value(data).map_err(|e| ApiError::UnexpectedResponse {
            status: answer.status,
            detail: format!("the data does not have the documented shape ({e})"),
        })
    }

    /// Sends with the token, renewing a dynamic token once if the server rejects it.
    async fn send_authenticated(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&impl Serialize>,
    ) -> Result<Answer, ApiError> {
        let url = self.cfg.base_url.join(path).map_err(|e| ApiError::UnexpectedResponse {
            status: 0,
            detail: format!("cannot join path {path:?} to base_url: {e}"),
        })?;
        let mut renewed = false;
        loop {
            let token = self.token(false).await?;
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .header("Content-Type", "application/json")
                .header("x-channel-key", self.cfg.channel_key.expose());
            req = match self.cfg.header_style {
                HeaderStyle::XAccessToken => req.header("x-access-token", token.expose()),
                HeaderStyle::Bearer => req.header("Authorization", format!("Bearer {}", token.expose())),
            };
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let answer = http::send(req, self.cfg.timeout).await?;
            let dynamic = matches!(self.cfg.auth, ManufacturerAuth::Dynamic { .. });
            if dynamic && !renewed && answer.status != 200 {
                if let Err(ApiError::TokenRejected) = parse_envelope(&answer) {
                    tracing::info!("manufacturer token rejected; requesting a new one");
                    *self.token.lock().await = None;
                    renewed = true;
                    continue;
                }
            }
            return Ok(answer);
        }
    }

    async fn token(&self, force: bool) -> Result<Secret, ApiError> {
        let (api_key, api_secret) = match &self.cfg.auth {
            ManufacturerAuth::Static { token } => return Ok(token.clone()),
            ManufacturerAuth::Dynamic { api_key, api_secret } => (api_key, api_secret),
        };
        let mut cached = self.token.lock().await;
        if let Some(c) = cached.as_ref() {
            if !force && c.fetched.elapsed() < self.cfg.token_renew_after {
                return Ok(c.token.clone());
            }
        }
        let body = AuthRequest { api_key: api_key.expose().to_string(), api_secret: api_secret.expose().to_string() };
        let req = self.http.post(self.cfg.auth_url.clone()).header("Content-Type", "application/json").json(&body);
        let answer = http::send(req, self.cfg.timeout).await?;
        let v: Value = serde_json::from_slice(&answer.body).map_err(|_| shape_error(&answer))?;
        if answer.status != 200 || v.get("success").and_then(Value::as_bool) == Some(false) {
            return Err(match map_error(answer.status, &v) {
                ApiError::Refused { message, .. } => ApiError::AuthFailed(message),
                other => other,
            });
        }
        let token = lookup(&v, &self.cfg.token_field)
            .or_else(|| lookup(&v, "data.token"))
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::UnexpectedResponse {
                status: answer.status,
                detail: format!(
                    "the token answer has no field {:?}; set [manufacturer] token_field",
                    self.cfg.token_field
                ),
            })?;
        tracing::info!("obtained a new manufacturer token");
        let token = Secret::new(token);
        *cached = Some(CachedToken { token: token.clone(), fetched: Instant::now() });
        Ok(token)
    }

    #[doc(hidden)]
    /// Lets a test age the cached token, to exercise renewal without waiting a day.
    pub async fn age_token_for_test(&self, by: std::time::Duration) {
        if let Some(c) = self.token.lock().await.as_mut() {
            c.fetched = c.fetched.checked_sub(by).unwrap_or(c.fetched);
        }
    }
}

fn refuse_if(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// A dotted path (`data.token`) into a JSON value.
fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

fn shape_error(answer: &Answer) -> ApiError {
    if answer.status >= 500 {
        ApiError::Server { status: answer.status }
    } else {
        ApiError::UnexpectedResponse { status: answer.status, detail: http::excerpt(&answer.body) }
    }
}

/// Checks the envelope; returns it when `success` is true, the mapped error otherwise.
fn parse_envelope(answer: &Answer) -> Result<Value, ApiError> {
    let v: Value = serde_json::from_slice(&answer.body).map_err(|_| shape_error(answer))?;
    match v.get("success").and_then(Value::as_bool) {
        Some(true) if answer.status < 300 => Ok(v),
        Some(_) => Err(map_error(answer.status, &v)),
        None if answer.status >= 500 => Err(ApiError::Server { status: answer.status }),
        None => Err(ApiError::UnexpectedResponse {
            status: answer.status,
            detail: "no \"success\" field in the answer".into(),
        }),
    }
}

fn text_field<'a>(v: &'a Value, names: &[&str]) -> &'a str {
    names.iter().find_map(|n| v.get(*n).and_then(Value::as_str)).unwrap_or("")
}

/// Field-level details of a validation error, in whatever list form the server sends.
fn details(v: &Value) -> Vec<FieldError> {
    let list = ["details", "errors", "data"].iter().find_map(|k| v.get(*k).and_then(Value::as_array));
    list.map(|items| {
        items
            .iter()
            .map(|d| match d {
                Value::String(s) => FieldError::new("", s.clone()),
                other => FieldError::new(
                    text_field(other, &["field", "path", "param"]),
                    text_field(other, &["message", "msg", "error"]),
                ),
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Maps a refusal to its typed error: by code, then by the documented message, then by type.
fn map_error(status: u16, v: &Value) -> ApiError {
    let code = text_field(v, &["code", "error_code", "errorCode"]);
    let message = text_field(v, &["message", "error_message"]);
    let kind = text_field(v, &["type", "error_type", "error"]);
    let m = message.to_ascii_lowercase();
    let has = |s: &str| m.contains(&s.to_ascii_lowercase());
    if code == msg::ERR_NO_TOKEN || kind == "NoTokenError" || has(msg::NO_TOKEN) {
        ApiError::NoToken
    } else if code == msg::ERR_TOKEN_FAILED || has("failed to authenticate") {
        ApiError::TokenRejected
    } else if has("channel id is missing") || has("channel key") {
        ApiError::ChannelKeyMissing
    } else if has("could not be parsed") {
        ApiError::BodyNotParsed
    } else if kind == "ValidationError" || has(msg::VALIDATION) {
        ApiError::Validation { details: details(v) }
    } else if has(msg::ORDER_NOT_FOUND) {
        ApiError::PackagingOrderNotFound
    } else if has(msg::BATCH_NOT_FOUND) {
        ApiError::BatchNotFound
    } else if has("label order already exists") {
        ApiError::LabelOrderExists
    } else if has("template doesn't exist") || has("template does not exist") {
        ApiError::TemplateNotFound
    } else if has(msg::DESTINATION_NOT_FOUND) {
        ApiError::DestinationNotFound
    } else if has("more serials have been requested") {
        ApiError::SerialsBeingReplenished
    } else if has("not enough serials") {
        ApiError::NotEnoughSerialsAssigned
    } else if kind == "ProductError" || has("product not found") || has("product does not exist") {
        ApiError::ProductNotRegistered
    } else if status >= 500 {
        ApiError::Server { status }
    } else {
        ApiError::Refused { status, message: if message.is_empty() { "no message".into() } else { message.into() } }
    }
}

/// How the client reads an answer: the envelope when it reports success, the typed error
/// otherwise. Public so that answers the typed client never provokes (an unparseable body,
/// say) can be checked against the same mapping.
pub fn interpret(status: u16, body: &[u8]) -> Result<Value, ApiError> {
    let answer = Answer { status, headers: Default::default(), body: bytes::Bytes::copy_from_slice(body) };
    parse_envelope(&answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_by_code_message_and_type() {
        assert!(matches!(map_error(401, &json!({"success": false, "code": "ERR0001"})), ApiError::NoToken));
        assert!(matches!(
            map_error(401, &json!({"success": false, "message": "Failed to authenticate token"})),
            ApiError::TokenRejected
        ));
        assert!(matches!(
            map_error(400, &json!({"success": false, "message": msg::NOT_ENOUGH_REPLENISHING})),
            ApiError::SerialsBeingReplenished
        ));
        assert!(matches!(
            map_error(400, &json!({"success": false, "message": msg::NOT_ENOUGH_ASSIGNED})),
            ApiError::NotEnoughSerialsAssigned
        ));
        assert!(matches!(
            map_error(404, &json!({"success": false, "type": "ProductError", "message": "x"})),
            ApiError::ProductNotRegistered
        ));
        match map_error(
            400,
            &json!({"success": false, "message": "Validation error", "details": [{"field": "quantity", "message": "too big"}, "plain"]}),
        ) {
            ApiError::Validation { details } => {
                assert_eq!(details, [FieldError::new("quantity", "too big"), FieldError::new("", "plain")])
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(map_error(503, &json!({"success": false})), ApiError::Server { status: 503 }));
        assert!(matches!(map_error(418, &json!({"success": false})), ApiError::Refused { status: 418, .. }));
    }

    #[test]
    fn token_field_lookup() {
        let v = json!({"token": "a", "data": {"token": "b"}});
        assert_eq!(lookup(&v, "token"), Some(&json!("a")));
        assert_eq!(lookup(&v, "data.token"), Some(&json!("b")));
        assert_eq!(lookup(&v, "data.nope"), None);
    }
}
