//! The Manufacturer V2 client against the simulator over loopback HTTP: every operation, every
//! error row of seeds 000–003, and the transport failures.

use crate::common::*;
use shopfloor::api::manufacturer::interpret;
use shopfloor::api::{ApiError, ManufacturerClient};
use shopfloor::domain::manufacturer::*;
use shopfloor::domain::FieldError;
use shopfloor::sim::FaultSettings;

fn client(sim: &shopfloor::sim::SimHandle, extra: &str) -> ManufacturerClient {
    ManufacturerClient::new(config_for(sim, extra).manufacturer).unwrap()
}

fn new_order(id: &str) -> CreatePackagingOrder {
    CreatePackagingOrder {
        order_id: id.into(),
        order_description: Some("Test order".into()),
        product_code: "04023456000017".into(),
        product_code_schema: "GTIN".into(),
        batch: Some("AMX2602".into()),
        expiry_date: Some("281100".into()),
        quantity: 250,
        extra_percentage: Some(5),
        serialized: Some(true),
        packaging_line_tag: Some("test-packaging-line-2".into()),
        market: Some("EU".into()),
    }
}

fn label(id: &str) -> LabelOrderRequest {
    LabelOrderRequest {
        order_id: id.into(),
        product_code: "02026041310005".into(),
        product_code_schema: "GTIN".into(),
        batch: "MCS36042".into(),
        quantity: 10,
        extra_label_amount: Some(2),
        extra_label_type: Some("amount".into()),
        destination_tag: "zebra-cloud-device-1".into(),
        template_tag: "data-matrix-example".into(),
        execute: Some(true),
    }
}

fn commission_req(product: &str, serials: &[&str]) -> CommissionRequest {
    CommissionRequest {
        product_code: product.into(),
        product_code_schema: "GTIN".into(),
        batch: Some("B2405121".into()),
        expiry_date: "290512".into(),
        serials: serials.iter().map(|s| s.to_string()).collect(),
    }
}

#[tokio::test]
async fn packaging_orders_round_trip() {
    let sim = start_sim().await;
    let c = client(&sim, "");

    let o = c.packaging_order("Order143").await.unwrap();
    assert_eq!(
        (o.product_code.as_str(), o.batch.as_deref(), o.status.as_str()),
        ("02022090117459", Some("B2405121"), "Open")
    );

    let line1 = c.open_packaging_orders(Some("test-packaging-line-1")).await.unwrap();
    let ids: Vec<_> = line1.iter().map(|o| o.order_id.as_str()).collect();
    assert!(ids.contains(&"Order143") && ids.contains(&"PO-2611-002"), "{ids:?}");
    assert!(!ids.contains(&"PO-2610-099"), "a closed order is not open");
    assert!(!ids.contains(&"PO-2611-004"), "an order of line 2 is not listed for line 1");

    let created = c.create_packaging_order(&new_order("T-1")).await.unwrap();
    assert_eq!(created.status, "Open");
    assert_eq!(created.market, None, "market is accepted but not processed");
    let again = c.packaging_order("T-1").await.unwrap();
    assert_eq!(again, created);
    let line2 = c.open_packaging_orders(Some("test-packaging-line-2")).await.unwrap();
    assert!(line2.iter().any(|o| o.order_id == "T-1"));
}

#[tokio::test]
async fn commission_is_idempotent_and_decommission_needs_commissioned_serials() {
    let sim = start_sim().await;
    let c = client(&sim, "");
    let gtin = "02022090117459";
    let first = c.commission(&commission_req(gtin, &["A1", "A2"])).await.unwrap();
    assert_eq!(
        first,
        [
            CommissionedSerial { serial_number: "A1".into(), status: "Assigned".into() },
            CommissionedSerial { serial_number: "A2".into(), status: "Assigned".into() },
        ]
    );
    // A retry that mixes known and new serials succeeds and counts each serial once.
    let mixed = c.commission(&commission_req(gtin, &["A2", "A3", "A3"])).await.unwrap();
    assert_eq!(mixed.iter().map(|s| s.serial_number.as_str()).collect::<Vec<_>>(), ["A2", "A3"]);
    let on_server = get_json(&sim, &format!("/_sim/commissioned?product_code={gtin}")).await;
    assert_eq!(on_server, serde_json::json!(["A1", "A2", "A3"]));

    let dec = DecommissionRequest {
        product_code: gtin.into(),
        product_code_schema: "GTIN".into(),
        reason: "Sampled".into(),
        serials: vec!["A1".into()],
    };
    let out = c.decommission(&dec).await.unwrap();
    assert_eq!(out[0].status, "Decommissioned");
    match c.decommission(&DecommissionRequest { serials: vec!["A1".into(), "NOPE".into()], ..dec }).await {
        Err(ApiError::Validation { details }) => {
            assert_eq!(details.len(), 2, "{details:?}");
            assert!(details[0].message.contains("already decommissioned"));
            assert!(details[1].message.contains("not commissioned"));
        }
        other => panic!("{other:?}"),
    }
    // A decommissioned serial cannot come back.
    assert!(matches!(c.commission(&commission_req(gtin, &["A1"])).await, Err(ApiError::Validation { .. })));
}

/// A packaging order that brings a new batch registers it, as Movilitas does, so a label order
/// for that order is not refused with "batch not found".
#[tokio::test]
async fn a_packaging_order_with_a_new_batch_can_be_labelled() {
    let sim = start_sim().await;
    let c = client(&sim, "");
    let fresh = LabelOrderRequest {
        product_code: "04023456000017".into(),
        batch: "AMX2699".into(),
        quantity: 5,
        ..label("L-NEW-1")
    };
    assert!(matches!(c.create_label_order(&fresh).await, Err(ApiError::BatchNotFound)), "not known yet");
    c.create_packaging_order(&CreatePackagingOrder { batch: Some("AMX2699".into()), ..new_order("T-NEW") })
        .await
        .unwrap();
    let fresh = LabelOrderRequest { order_id: "L-NEW-2".into(), ..fresh };
    assert_eq!(c.create_label_order(&fresh).await.unwrap(), "Label order created successfully");
}

#[tokio::test]
async fn label_orders_and_their_business_errors() {
    let sim = start_sim().await;
    let c = client(&sim, "");
    assert_eq!(c.create_label_order(&label("L-1")).await.unwrap(), "Label order created successfully");
    let orders = get_json(&sim, "/_sim/label_orders").await;
    assert_eq!(orders[0]["order_id"], "L-1");
    assert_eq!(orders[0]["status"], "Released", "execute = true releases the order");

    type Case = (LabelOrderRequest, fn(&ApiError) -> bool);
    let cases: Vec<Case> = vec![
        (label("L-1"), |e| matches!(e, ApiError::LabelOrderExists)),
        (LabelOrderRequest { batch: "NOPE".into(), ..label("L-2") }, |e| matches!(e, ApiError::BatchNotFound)),
        (LabelOrderRequest { template_tag: "nope".into(), ..label("L-3") }, |e| {
            matches!(e, ApiError::TemplateNotFound)
        }),
        (LabelOrderRequest { destination_tag: "nope".into(), ..label("L-4") }, |e| {
            matches!(e, ApiError::DestinationNotFound)
        }),
        // Metformin's pool holds 15 serials and does not refill itself.
        (
            LabelOrderRequest {
                product_code: "04023456000031".into(),
                batch: "MET2603".into(),
                quantity: 20,
                ..label("L-5")
            },
            |e| matches!(e, ApiError::NotEnoughSerialsAssigned),
        ),
        // Omeprazole's pool holds 40 serials and refills itself.
        (
            LabelOrderRequest {
                product_code: "04023456000024".into(),
                batch: "OME2611".into(),
                quantity: 50,
                ..label("L-6")
            },
            |e| matches!(e, ApiError::SerialsBeingReplenished),
        ),
    ];
    for (req, expected) in cases {
        let got = c.create_label_order(&req).await.unwrap_err();
        assert!(expected(&got), "{}: got {got:?}", req.order_id);
    }
    // The suspended order stays, as in the real application.
    assert!(matches!(
        c.create_label_order(&LabelOrderRequest { quantity: 1, ..label("L-5") }).await,
        Err(ApiError::LabelOrderExists)
    ));
}

#[tokio::test]
async fn every_seed_error_row_is_produced_and_mapped() {
    let sim = start_sim().await;

    // ERR0001: no token at all.
    let mut cfg = config_for(&sim, "[manufacturer]\ntoken_mode = \"static\"\ntoken = \"x\"").manufacturer;
    cfg.auth = shopfloor::config::ManufacturerAuth::Static { token: shopfloor::config::Secret::new("") };
    let no_token = ManufacturerClient::new(cfg).unwrap();
    assert!(matches!(no_token.packaging_order("Order143").await, Err(ApiError::NoToken)));

    // ERR0000: a static token the server does not know.
    let bad = client(&sim, "[manufacturer]\ntoken_mode = \"static\"\ntoken = \"revoked-token\"");
    assert!(matches!(bad.packaging_order("Order143").await, Err(ApiError::TokenRejected)));

    // Channel key.
    let bad = client(&sim, "[manufacturer]\nchannel_key = \"wrong\"");
    assert!(matches!(bad.packaging_order("Order143").await, Err(ApiError::ChannelKeyMissing)));

    let c = client(&sim, "");
    assert!(matches!(c.packaging_order("Order999").await, Err(ApiError::PackagingOrderNotFound)));
    let unregistered = commission_req("04023456000055", &["S1"]);
    assert!(matches!(c.commission(&unregistered).await, Err(ApiError::ProductNotRegistered)));

    // Server-side validation: a duplicate order id passes the client's rules.
    c.create_packaging_order(&new_order("DUP")).await.unwrap();
    match c.create_packaging_order(&new_order("DUP")).await {
        Err(ApiError::Validation { details }) => assert_eq!(details[0].field, "order_id"),
        other => panic!("{other:?}"),
    }

    // The typed client never sends a broken body; send one by hand and read it the client's way.
    let raw = reqwest::Client::new()
        .post(format!("{}/v1/manufacturer/v2/api/packaging_order", sim.base_url()))
        .header("x-access-token", shopfloor::sim::credentials::STATIC_TOKEN)
        .header("x-channel-key", shopfloor::sim::credentials::CHANNEL_KEY)
        .header("Content-Type", "application/json")
        .body("{\"order_id\": \"x\",")
        .send()
        .await
        .unwrap();
    let status = raw.status().as_u16();
    assert!(matches!(interpret(status, &raw.bytes().await.unwrap()), Err(ApiError::BodyNotParsed)));
    // Server-side type errors come back field by field.
    let raw = reqwest::Client::new()
        .post(format!("{}/v1/manufacturer/v2/api/packaging_order", sim.base_url()))
        .header("x-access-token", shopfloor::sim::credentials::STATIC_TOKEN)
        .header("x-channel-key", shopfloor::sim::credentials::CHANNEL_KEY)
        .json(&serde_json::json!({"order_id": "x", "product_code": "02022090117459", "product_code_schema": "GTIN", "quantity": 100001}))
        .send()
        .await
        .unwrap();
    let status = raw.status().as_u16();
    match interpret(status, &raw.bytes().await.unwrap()) {
        Err(ApiError::Validation { details }) => {
            assert_eq!(details, [FieldError::new("quantity", "must be between 0 and 100000, got 100001")])
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let sim = start_sim().await;
    let c = client(&sim, "");
    let before = requests_to(&sim, "/packaging_order").await;
    let bad = CreatePackagingOrder { quantity: -1, expiry_date: Some("291301".into()), ..new_order("X") };
    match c.create_packaging_order(&bad).await {
        Err(ApiError::Invalid(fields)) => {
            let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["expiry_date", "quantity"]);
        }
        other => panic!("{other:?}"),
    }
    // Seed 002's sample product code fails the GTIN check digit: the client refuses it.
    assert!(matches!(c.commission(&commission_req("01234567891234", &["S"])).await, Err(ApiError::Invalid(_))));
    assert_eq!(requests_to(&sim, "/packaging_order").await, before, "nothing was sent");
}

#[tokio::test]
async fn dynamic_token_is_cached_renewed_when_old_and_renewed_once_on_err0000() {
    let sim = start_sim().await;
    let c = client(&sim, "");
    c.packaging_order("Order143").await.unwrap();
    c.packaging_order("Order143").await.unwrap();
    assert_eq!(requests_to(&sim, "/v1/api_auth").await, 1, "the token is cached");

    // A day-old token is renewed before use.
    c.age_token_for_test(std::time::Duration::from_secs(23 * 3600 + 1)).await;
    c.packaging_order("Order143").await.unwrap();
    assert_eq!(requests_to(&sim, "/v1/api_auth").await, 2);

    // Revoked on the server: the client hears ERR0000, renews once, and the call succeeds.
    reqwest::Client::new().post(format!("{}/_sim/tokens/revoke", sim.base_url())).send().await.unwrap();
    c.packaging_order("Order143").await.unwrap();
    assert_eq!(requests_to(&sim, "/v1/api_auth").await, 3);
    assert_eq!(requests_to(&sim, "/packaging_order/details").await, 5, "the refused call was sent once more");

    // Wrong API secret: the token request itself is refused.
    let bad = client(&sim, "[manufacturer]\napi_secret = \"wrong\"");
    assert!(matches!(bad.packaging_order("Order143").await, Err(ApiError::AuthFailed(_))));
}

#[tokio::test]
async fn bearer_header_style_and_static_token_work() {
    let sim = start_sim().await;
    let c = client(
        &sim,
        "[manufacturer]\ntoken_mode = \"static\"\ntoken = \"demo-static-token\"\nheader_style = \"bearer\"",
    );
    c.packaging_order("Order143").await.unwrap();
    assert_eq!(requests_to(&sim, "/v1/api_auth").await, 0);
}

#[tokio::test]
async fn transport_failures_are_typed() {
    let sim = start_sim().await;
    let c = client(&sim, "[manufacturer]\ntimeout_secs = 1");
    // Take the token first (any call does): faults hit the token endpoint too.
    c.packaging_order("Order143").await.unwrap();

    sim.set_faults(FaultSettings { error_rate: 1.0, ..Default::default() }).unwrap();
    let e = c.packaging_order("Order143").await.unwrap_err();
    assert!(matches!(e, ApiError::Server { status: 503 }) && e.is_retryable() && !e.is_ambiguous(), "{e:?}");

    // Dropped after being carried out: ambiguous, and a resend is safe.
    sim.set_faults(FaultSettings { drop_rate: 1.0, ..Default::default() }).unwrap();
    let e = c.commission(&commission_req("02022090117459", &["D1"])).await.unwrap_err();
    assert!(matches!(e, ApiError::ConnectionDropped) && e.is_ambiguous(), "{e:?}");
    sim.set_faults(FaultSettings::default()).unwrap();
    assert_eq!(get_json(&sim, "/_sim/commissioned?product_code=02022090117459").await, serde_json::json!(["D1"]));
    c.commission(&commission_req("02022090117459", &["D1"])).await.unwrap();
    assert_eq!(get_json(&sim, "/_sim/commissioned?product_code=02022090117459").await, serde_json::json!(["D1"]));

    sim.set_faults(FaultSettings { latency_ms: 1_500, ..Default::default() }).unwrap();
    let e = c.packaging_order("Order143").await.unwrap_err();
    assert!(matches!(e, ApiError::Timeout(_)) && e.is_ambiguous(), "{e:?}");
    sim.set_faults(FaultSettings::default()).unwrap();

    // A base URL that answers, but not with the API's envelope.
    let wrong = client(&sim, &format!("[manufacturer]\nbase_url = \"{}/_sim/\"", sim.base_url()));
    let e = wrong.open_packaging_orders(None).await.unwrap_err();
    assert!(matches!(e, ApiError::UnexpectedResponse { status: 404, .. }), "{e:?}");

    // Nobody listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = client(&sim, &format!("[manufacturer]\nbase_url = \"http://127.0.0.1:{port}/v1/manufacturer/v2/api/\"\ntoken_mode = \"static\"\ntoken = \"t\""));
    let e = dead.packaging_order("Order143").await.unwrap_err();
    assert!(matches!(e, ApiError::ConnectionRefused { .. }) && e.is_retryable(), "{e:?}");
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
}

#[tokio::test]
async fn error_messages_never_carry_secrets() {
    let sim = start_sim().await;
    let bad = client(&sim, "[manufacturer]\napi_secret = \"very-secret-value\"");
    let e = bad.packaging_order("Order143").await.unwrap_err();
    assert!(!format!("{e} {e:?}").contains("very-secret-value"));
}
