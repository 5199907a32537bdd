//! The seeds' sample requests, sent by a plain HTTP client as printed (only host and
//! credentials changed), get the seeds' sample answers: the same fields with the same types.
//! Where seed 004's samples quote a number or boolean that its class tables type as Integer,
//! Double or Boolean (`"state": "0"`), the typed form is the answer and counts as the same.

use crate::common::*;
use serde_json::{json, Value};
use shopfloor::sim::credentials;

fn manufacturer(sim: &shopfloor::sim::SimHandle, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}/v1/manufacturer/v2/api/{path}", sim.base_url()))
        .header("Content-Type", "application/json")
        .header("x-access-token", credentials::STATIC_TOKEN)
        .header("x-channel-key", credentials::CHANNEL_KEY)
}

fn production(sim: &shopfloor::sim::SimHandle, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}/v1/production_orders/{path}", sim.base_url()))
        .header("api_key", credentials::PRODUCTION_API_KEY)
        .header("store", credentials::PRODUCTION_STORE)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
}

async fn body(r: reqwest::RequestBuilder) -> Value {
    let resp = r.send().await.unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    resp.json().await.unwrap()
}

/// The JSON type of a value, reading the seed's quoted numbers and booleans as what they say.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(s) if s == "true" || s == "false" => "bool",
        Value::String(s) if s.parse::<f64>().is_ok() => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every field of `sample` is in `got` with the same type, recursively (lists by their first item).
fn same_shape(sample: &Value, got: &Value, at: &str) {
    assert_eq!(kind(sample), kind(got), "type of {at}: sample {sample}, got {got}");
    match (sample, got) {
        (Value::Object(s), Value::Object(g)) => {
            for (k, v) in s {
                let g = g.get(k).unwrap_or_else(|| panic!("{at}.{k} is missing from {got}"));
                same_shape(v, g, &format!("{at}.{k}"));
            }
        }
        (Value::Array(s), Value::Array(g)) => {
            if let (Some(s), Some(g)) = (s.first(), g.first()) {
                same_shape(s, g, &format!("{at}[0]"));
            } else {
                assert!(!g.is_empty() || s.is_empty(), "{at} is empty");
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn seed_000_packaging_order_details() {
    let sim = start_sim().await;
    let got = body(manufacturer(&sim, reqwest::Method::GET, "packaging_order/details?order_id=Order143")).await;
    let sample = json!({
        "success": true,
        "message": "Packaging order details",
        "data": {
            "order_id": "Order143", "order_description": "Packaging Order 143", "product_code": "02022090117459",
            "product_code_schema": "GTIN", "batch": "B2405121", "expiry_date": "290512", "quantity": 10,
            "extra_percentage": 10, "serialized": true, "packaging_line_tag": "test-packaging-line-1",
            "market": "EU", "status": "Open"
        }
    });
    assert_eq!(got, sample);
    // The seed also allows the id in the body of the GET.
    let got =
        body(manufacturer(&sim, reqwest::Method::GET, "packaging_order/details").body(r#"{"order_id": "Order143"}"#))
            .await;
    assert_eq!(got, sample);
}

#[tokio::test]
async fn seed_001_create_packaging_order() {
    let sim = start_sim().await;
    let request = r#"{
    "batch": "B2405121",
    "expiry_date": "290512",
    "extra_percentage": 10,
    "order_description":"Packaging Order 145",
    "order_id": "Order145",
    "packaging_line_tag": "test-packaging-line-1",
    "product_code_schema": "GTIN",
    "product_code": "02022090117459",
    "quantity": 10,
    "serialized": true
}"#;
    let got = body(manufacturer(&sim, reqwest::Method::POST, "packaging_order").body(request)).await;
    assert_eq!(
        got,
        json!({
            "success": true,
            "message": "Packaging order created",
            "data": {
                "order_id": "Order145", "order_description": "Packaging Order 145", "product_code": "02022090117459",
                "product_code_schema": "GTIN", "batch": "B2405121", "expiry_date": "290512", "quantity": 10,
                "extra_percentage": 10, "serialized": true, "packaging_line_tag": "test-packaging-line-1",
                "status": "Open"
            }
        })
    );
}

#[tokio::test]
async fn seed_002_commission_serials() {
    let sim = start_sim().await;
    // The seed's serial list is cut off; its answer names these four.
    let request = r#"{
    "product_code": "01234567891234",
    "product_code_schema": "GTIN",
    "batch": "BATCH002",
    "expiry_date": "221115",
    "serials": ["DI8U86IYQI9KS4G87WGI", "SV902P05IYI4ARW5WWHJ", "T5KJ35SROE4C471HKAD5", "ZQGR6410LZTYTAQJ9V9L"]
}"#;
    let got = body(manufacturer(&sim, reqwest::Method::POST, "serials/commission").body(request)).await;
    let serial = |s: &str| json!({"serial_number": s, "status": "Assigned"});
    assert_eq!(
        got,
        json!({
            "success": true,
            "message": "Serials commissioned",
            "data": [serial("DI8U86IYQI9KS4G87WGI"), serial("SV902P05IYI4ARW5WWHJ"), serial("T5KJ35SROE4C471HKAD5"), serial("ZQGR6410LZTYTAQJ9V9L")]
        })
    );
}

#[tokio::test]
async fn seed_003_label_order() {
    let sim = start_sim().await;
    let request = r#"{
"order_id": "MCS360418",
"product_code": "02026041310005",
"product_code_schema":"GTIN",
"batch": "MCS36042",
"quantity": 10,
"extra_label_amount": 2,
"extra_label_type": "amount",
"destination_tag": "zebra-cloud-device-1",
"template_tag": "data-matrix-example",
"execute": true
}"#;
    let got = body(manufacturer(&sim, reqwest::Method::POST, "label_orders/").body(request)).await;
    assert_eq!(got, json!({"success": true, "message": "Label order created successfully"}));
}

const SINGLE_ARTICLES: &str = r#"[{ "articleId": "articleId", "singleArticles": [{ "totalAmount": 8660.42, "hasStockValue": true, "unit": "unit", "singleArticleId": "singleArticleId", "singleArticleName": "singleArticleName", "articleId": "articleId", "purchasePrice": 2952.32, "partAmount": 2545.73, "totalReserved": 3095.44 }] }]"#;
const ARTICLES: &str = r#"[{ "waste": "0", "amount": 7501.58, "articleName": "articleName", "productionOrderId": 8424, "articleId": "articleId", "accuracy": 5662.14, "finished": 9425.56, "time": 7375.79, "status": 1195 }]"#;

fn order_sample(with_customer_order: bool) -> Value {
    let mut v: Value = serde_json::from_str(&format!(
        r#"{{ "finishedAmount": 4617.77, "orderId": 2339, "endDate": 1766443826229, "prReference": "prReference", "customerOrderId": 4026, "workHours": 4799.71, "internalReference": "internalReference", "singleArticles": {SINGLE_ARTICLES}, "customerOrderExternalId": "customerOrderExternalId", "totalAmount": 3281.78, "name": "name", "comment": "comment", "finishDate": 1766443826229, "storeState": 7085, "state": "0", "articles": {ARTICLES}, "startDate": 1766443826229, "reserveInDepth": "false" }}"#
    ))
    .unwrap();
    if !with_customer_order {
        // Orders without a customer order, or not yet finished, leave those fields out.
        for k in ["customerOrderId", "customerOrderExternalId", "finishDate", "comment"] {
            v.as_object_mut().unwrap().remove(k);
        }
    }
    v
}

#[tokio::test]
async fn seed_004_sample_answers_have_the_same_fields_and_types() {
    let sim = start_sim().await;
    use reqwest::Method;
    // A finished order made for a customer order has every field of the sample.
    same_shape(&order_sample(true), &body(production(&sim, Method::GET, "1003")).await, "GET {id}");
    let page: Value = serde_json::from_str(&format!(
        r#"{{ "ordersCount": 7121, "pages": 8955, "pageSize": 6644, "orders": [{}], "page": 9586 }}"#,
        order_sample(false)
    ))
    .unwrap();
    same_shape(&page, &body(production(&sim, Method::GET, "state/1")).await, "GET state/1");
    same_shape(&page, &body(production(&sim, Method::GET, "article/ART-IBU-30")).await, "GET article/{id}");
    same_shape(&page, &body(production(&sim, Method::GET, "customer_order/4001")).await, "GET customer_order/{id}");

    let batch = json!({ "countBatch": 3339, "batches": [{ "deliveredAmount": 3792.41, "bestBefore": 7798, "batchId": "batchId", "orderedAmount": 7155.34 }], "articleId": "articleId", "countSerial": 8457 });
    same_shape(&batch, &body(production(&sim, Method::GET, "1002/batch")).await, "GET {id}/batch");

    let flat: Value = serde_json::from_str(r#"{"articles": [{ "supplierName": "supplierName", "amount": 2542.13, "articleName": "articleName", "supplierId": 8507, "purchasePriceMisc": 6172.76, "articleId": "articleId", "purchasePrice": 4433.58, "partAmount": 8900.28, "stockplace": "stockplace", "unit": "unit", "reserved": 110.99, "purchasePriceShipment": 6931.59, "supplierArticleId": "supplierArticleId", "purchaseOrders": [{ "ordered": 6203.24, "orderId": 4033, "poRef": "poRef", "state": 2517, "deliveryDate": 1766443826230 }] }]}"#).unwrap();
    same_shape(
        &flat,
        &body(production(&sim, Method::GET, "1001/products/flat?query=leaflet")).await,
        "GET {id}/products/flat",
    );

    same_shape(&json!({"prReference": "PR-1"}), &body(production(&sim, Method::GET, "pr_ref/next_id")).await, "pr_ref");

    // The seed's sample bodies, posted as printed.
    let new_order = r#"{ "finishedAmount": 3533.38, "endDate": 1766443826230, "prReference": "prReference", "customerOrderId": 4002, "workHours": 7466.68, "internalReference": "internalReference", "customerOrderExternalId": "customerOrderExternalId", "totalAmount": 4641.94, "name": "name", "comment": "comment", "finishDate": 1766443826230, "storeState": 2597, "state": "0", "startDate": 1766443826230, "reserveInDepth": "false" }"#;
    let created = body(production(&sim, Method::POST, "").body(new_order)).await;
    let id = created["orderId"].as_i64().unwrap();
    let add = r#"{ "waste": "0", "amount": 1260.12, "articleName": "articleName", "productionOrderId": 936, "articleId": "ART-PCM-20", "finished": 0, "time": 4011.88, "status": 1770 }"#;
    let added = body(production(&sim, Method::POST, &format!("{id}/article")).body(add)).await;
    let articles_sample: Value =
        serde_json::from_str(&format!(r#"{{ "parts": {SINGLE_ARTICLES}, "articles": {ARTICLES} }}"#)).unwrap();
    same_shape(&articles_sample, &added, "POST {id}/article");
    let from_co = body(production(&sim, Method::POST, "customer_order/4003")).await;
    assert_eq!(from_co["customerOrderExternalId"], "CO-2026-4003");
}
