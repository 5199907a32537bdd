//! The Production orders client against the simulator over loopback HTTP: every operation of
//! seed 004, its error codes, the state machine, paging and sorting, and the 429 path.

use crate::common::*;
use shopfloor::api::error::ProductionCode;
use shopfloor::api::production::interpret_error;
use shopfloor::api::{ApiError, ProductionClient};
use shopfloor::domain::production::*;

fn client(sim: &shopfloor::sim::SimHandle) -> ProductionClient {
    ProductionClient::new(config_for(sim, "").production).unwrap()
}

fn code(e: ApiError) -> ProductionCode {
    e.production_code().unwrap_or_else(|| panic!("not a production error: {e:?}"))
}

#[tokio::test]
async fn lists_page_sort_and_filter() {
    let sim = start_sim().await;
    let c = client(&sim);

    let all_new = c.orders_in_state(OrderState::New, &StateQuery { limit: 3, ..Default::default() }).await.unwrap();
    assert_eq!((all_new.page_size, all_new.orders.len()), (3, 3));
    assert_eq!(all_new.pages, (all_new.orders_count + 2) / 3);
    assert!(all_new.orders.iter().all(|o| o.state == Some(OrderState::New)));
    let starts: Vec<_> = all_new.orders.iter().map(|o| o.start_date.unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "default order is descending: {starts:?}");

    let asc = StateQuery { order: SortOrder::Asc, sort_column: DateColumn::EndDate, limit: 100, ..Default::default() };
    let page = c.orders_in_state(OrderState::New, &asc).await.unwrap();
    let ends: Vec<_> = page.orders.iter().map(|o| o.end_date.unwrap()).collect();
    assert!(ends.windows(2).all(|w| w[0] <= w[1]), "{ends:?}");
    let last = c
        .orders_in_state(OrderState::New, &StateQuery { limit: 3, page: all_new.pages - 1, ..Default::default() })
        .await
        .unwrap();
    assert!(!last.orders.is_empty() && last.orders.len() <= 3);
    // from/to bound the start date.
    let cut = starts[1];
    let since =
        c.orders_in_state(OrderState::New, &StateQuery { from: cut, limit: 100, ..Default::default() }).await.unwrap();
    assert!(since.orders.iter().all(|o| o.start_date.unwrap() >= cut));
    assert!(since.orders_count >= 2 && since.orders_count < all_new.orders_count);

    let q = BetweenStatesQuery { state_from: 0, state_to: 1, query: Some("ibuprofen".into()), ..Default::default() };
    let found = c.orders_between_states(&q).await.unwrap();
    assert!(found.orders.iter().any(|o| o.name.as_deref() == Some("Ibuprofen week 47")));
    assert!(found.orders.iter().all(|o| o.state.unwrap().code() <= 1));
    let paged = c.orders_between_states(&BetweenStatesQuery::default()).await.unwrap();
    assert_eq!(paged.page_size, 20, "the seed's default limit");
    assert_eq!(paged.orders_count, 30);

    let for_co = c.orders_for_customer_order(4001).await.unwrap();
    assert_eq!(for_co.orders.len(), 1);
    assert_eq!(for_co.orders[0].customer_order_external_id.as_deref(), Some("CO-2026-4001"));

    // Article ids may hold slashes.
    let with = c.orders_with_article("ART/OME/28", &ArticleQuery::default()).await.unwrap();
    assert_eq!(with.orders.len(), 1);
    let capped =
        c.orders_with_article("ART/OME/28", &ArticleQuery { max_state: Some(2), ..Default::default() }).await.unwrap();
    assert!(capped.orders.is_empty(), "the only order with it is cancelled (3)");
}

#[tokio::test]
async fn one_order_with_its_batches_products_and_picking_list() {
    let sim = start_sim().await;
    let c = client(&sim);
    let o = c.order(1002).await.unwrap();
    assert_eq!(o.state, Some(OrderState::Developing));
    assert_eq!(o.articles[0].article_id, "ART-IBU-30");
    assert_eq!(o.single_articles[0].single_articles.len(), 3, "blister, carton, label");

    let b = c.order_batches(1002).await.unwrap();
    assert_eq!((b.count_batch, b.batches.len()), (1, 1));

    let flat = c.flat_products(1002, &FlatQuery::default()).await.unwrap();
    let ids: Vec<_> = flat.articles.iter().map(|a| a.article_id.as_str()).collect();
    assert_eq!(ids, ["BLISTER-20", "CARTON-S", "LABEL-2D"]);
    let by_supplier =
        c.flat_products(1002, &FlatQuery { supplier: Some("kartonwerk".into()), ..Default::default() }).await.unwrap();
    assert_eq!(by_supplier.articles.len(), 1);
    let desc = c
        .flat_products(
            1002,
            &FlatQuery { order: SortOrderAsc::Desc, sort_column: ArticleColumn::Name, ..Default::default() },
        )
        .await
        .unwrap();
    let names: Vec<_> = desc.articles.iter().map(|a| a.article_name.clone().unwrap()).collect();
    assert!(names.windows(2).all(|w| w[0] >= w[1]), "{names:?}");

    let pdf = c.picking_list_pdf(1001, &PickingListQuery::default()).await.unwrap();
    assert!(pdf.starts_with(b"%PDF-") && pdf.ends_with(b"%%EOF\n"));
    let json = c.picking_list_json(1001, &PickingListQuery::default()).await.unwrap();
    assert_eq!(json.articles.len(), 4);
    // The leaflet (1,000 in stock for 5,000 cartons) is the part that is short.
    let short = c
        .picking_list_json(1001, &PickingListQuery { filter_non_available: true, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(short.articles.iter().map(|a| a.article_id.as_str()).collect::<Vec<_>>(), ["LEAFLET-PCM"]);
    assert_eq!(short.articles[0].purchase_orders.len(), 1);
}

#[tokio::test]
async fn an_order_through_its_whole_life() {
    let sim = start_sim().await;
    let c = client(&sim);
    let next = c.next_reference().await.unwrap().pr_reference;

    let draft = ProductionOrder {
        pr_reference: Some(next.clone()),
        name: Some("Test run".into()),
        customer_order_id: Some(4002),
        ..Default::default()
    };
    let o = c.create_order(&draft).await.unwrap();
    let id = o.order_id.unwrap();
    assert_eq!((o.state, o.pr_reference.as_deref()), (Some(OrderState::New), Some(next.as_str())));
    assert_eq!(o.customer_order_external_id.as_deref(), Some("CO-2026-4002"));
    // Nothing to make yet is 0, not -0 (an empty sum), so no screen shows "-0".
    let zero = |v: Option<f64>| v.is_some_and(|x| x == 0.0 && x.is_sign_positive());
    assert!(zero(o.total_amount) && zero(o.finished_amount), "{:?} {:?}", o.total_amount, o.finished_amount);
    assert_ne!(c.next_reference().await.unwrap().pr_reference, next, "the reference is taken now");

    let added = c
        .add_article(
            id,
            &ProductionOrderArticle { article_id: "ART-AMX-100".into(), amount: Some(100.0), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(added.articles.len(), 1);
    assert_eq!(added.parts[0].single_articles.len(), 3);
    c.add_article(
        id,
        &ProductionOrderArticle { article_id: "ART-PCM-20".into(), amount: Some(5.0), ..Default::default() },
    )
    .await
    .unwrap();
    let after_rm = c.remove_article(id, "ART-PCM-20").await.unwrap();
    assert_eq!(after_rm.articles.len(), 1);
    let edited = c
        .update_article(
            id,
            &ProductionOrderArticle { article_id: "ART-AMX-100".into(), amount: Some(120.0), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(edited.articles[0].amount, Some(120.0));
    assert_eq!(edited.total_amount, Some(120.0));

    // Reporting and finishing need a started order.
    let report = ArticleTraceability {
        article_id: "ART-AMX-100".into(),
        amount: 60.0,
        batch: Some("AMX2602".into()),
        serial: Some("SN-0001".into()),
        best_before: Some(1_900_000_000_000),
        part_traceability: vec![PartTraceability {
            article_id: "BOTTLE-100".into(),
            amount: 60.0,
            batches: vec![PartBatch { batch_id: "GB-7".into(), amount: 60.0 }],
            serial: vec![],
        }],
        ..Default::default()
    };
    assert_eq!(
        code(c.report_production(id, "ART-AMX-100", 0.0, &report).await.unwrap_err()),
        ProductionCode::UpdateRefused
    );
    assert_eq!(code(c.finish(id).await.unwrap_err()), ProductionCode::UpdateRefused);

    let started =
        c.update_order(id, &ProductionOrder { comment: Some("go".into()), ..Default::default() }, true).await.unwrap();
    assert_eq!((started.state, started.comment.as_deref()), (Some(OrderState::Developing), Some("go")));
    let reported = c.report_production(id, "ART-AMX-100", 2.0, &report).await.unwrap();
    assert_eq!((reported.articles[0].finished, reported.articles[0].waste), (Some(60.0), Some(2.0)));
    assert_eq!(reported.finished_amount, Some(60.0));
    let batches = c.order_batches(id).await.unwrap();
    assert_eq!(batches.batches[0].serial_nr.as_deref(), Some("SN-0001"));
    assert_eq!(batches.count_serial, 1);

    let finished = c.finish(id).await.unwrap();
    assert_eq!(finished.state, Some(OrderState::Finished));
    assert!(finished.finish_date.is_some());
    // A finished order takes no more changes.
    assert_eq!(code(c.cancel(id).await.unwrap_err()), ProductionCode::UpdateRefused);
    assert_eq!(
        code(c.update_order(id, &ProductionOrder::default(), false).await.unwrap_err()),
        ProductionCode::UpdateRefused
    );
    assert_eq!(code(c.remove_article(id, "ART-AMX-100").await.unwrap_err()), ProductionCode::UpdateRefused);

    let on_server = get_json(&sim, "/_sim/production_orders").await;
    let mine = on_server.as_array().unwrap().iter().find(|o| o["orderId"] == id).unwrap();
    assert_eq!(mine["state"], 2);
}

#[tokio::test]
async fn from_a_customer_order_and_cancelling() {
    let sim = start_sim().await;
    let c = client(&sim);
    let o = c.create_from_customer_order(4001).await.unwrap();
    assert_eq!(o.articles.len(), 2);
    assert_eq!(o.customer_order_id, Some(4001));
    assert_eq!(c.orders_for_customer_order(4001).await.unwrap().orders.len(), 2);
    let cancelled = c.cancel(o.order_id.unwrap()).await.unwrap();
    assert_eq!(cancelled.state, Some(OrderState::Cancelled));
}

#[tokio::test]
async fn every_error_code() {
    let sim = start_sim().await;
    let c = client(&sim);
    assert_eq!(code(c.order(99_999).await.unwrap_err()), ProductionCode::OrderNotFound);
    assert_eq!(code(c.finish(99_999).await.unwrap_err()), ProductionCode::OrderNotFound);
    assert_eq!(code(c.create_from_customer_order(9).await.unwrap_err()), ProductionCode::CustomerOrderNotFound);
    let bad_co = ProductionOrder { customer_order_id: Some(9), ..Default::default() };
    assert_eq!(code(c.create_order(&bad_co).await.unwrap_err()), ProductionCode::CustomerOrderNotFound);
    let taken = ProductionOrder { pr_reference: Some("PR-1001".into()), ..Default::default() };
    match c.create_order(&taken).await.unwrap_err() {
        ApiError::Production { code, field, .. } => {
            assert_eq!((code, field.as_deref()), (ProductionCode::CreateFailed, Some("prReference")))
        }
        other => panic!("{other:?}"),
    }
    // 1003 is finished, 1004 cancelled.
    assert_eq!(code(c.cancel(1003).await.unwrap_err()), ProductionCode::UpdateRefused);
    let art = ProductionOrderArticle { article_id: "ART-PCM-20".into(), amount: Some(1.0), ..Default::default() };
    assert_eq!(code(c.add_article(1004, &art).await.unwrap_err()), ProductionCode::UpdateRefused);

    let wrong = ProductionClient::new(config_for(&sim, "[production]\nstore = \"other-store\"").production).unwrap();
    let e = wrong.order(1001).await.unwrap_err();
    assert_eq!(code(e.clone()), ProductionCode::CredentialsMismatch);
    assert!(e.to_string().contains("900001") && e.to_string().contains("store"), "{e}");

    // 900101 comes back for a malformed request the typed client never sends.
    let raw = reqwest::Client::new()
        .get(format!("{}/v1/production_orders/state/SOMETIMES", sim.base_url()))
        .header("api_key", shopfloor::sim::credentials::PRODUCTION_API_KEY)
        .header("store", shopfloor::sim::credentials::PRODUCTION_STORE)
        .send()
        .await
        .unwrap();
    let status = raw.status().as_u16();
    assert_eq!(code(interpret_error(status, &raw.bytes().await.unwrap())), ProductionCode::Common);
}

#[tokio::test]
async fn rate_limit_429_waits_retry_after_and_loses_nothing() {
    let sim = start_sim().await;
    // A small server-side limit so the test takes a second, not a minute; the client's own
    // budget stays at 200/minute, so only the server's 429 slows it down.
    put_json(&sim, "/_sim/rate_limit", serde_json::json!({"per_window": 3, "window_secs": 1})).await;
    let waits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = waits.clone();
    let c = client(&sim).with_wait_hook(std::sync::Arc::new(move |d| seen.lock().unwrap().push(d)));
    let started = std::time::Instant::now();
    for _ in 0..5 {
        c.order(1001).await.unwrap();
    }
    let waits = waits.lock().unwrap().clone();
    assert!(!waits.is_empty() && waits.iter().all(|w| w.as_secs() >= 1), "the wait was reported: {waits:?}");
    let log = get_json(&sim, "/_sim/requests").await;
    let limited = log.as_array().unwrap().iter().filter(|e| e["status"] == 429).count();
    let ok = log.as_array().unwrap().iter().filter(|e| e["status"] == 200).count();
    assert_eq!(ok, 5, "every request went through in the end");
    assert!(limited >= 1, "the server refused at least one: {log}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "the client waited Retry-After");
}

/// A minute of traffic in simulated time: the window is scaled from 60 s to 2 s on both sides
/// (client budget and simulator limit), so 300 requests take one window's wait, not a minute.
/// The simulator counts arrivals with the real API's rule and answers 429 above it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_requests_stay_inside_the_budget_and_none_is_lost() {
    use shopfloor::api::budget::{Budget, WINDOW};
    const SCALE: u32 = 30;
    let window = WINDOW / SCALE;
    let sim = start_sim().await;
    put_json(&sim, "/_sim/rate_limit", serde_json::json!({"per_window": 200, "window_secs": window.as_secs()})).await;
    let before = get_json(&sim, "/_sim/requests").await.as_array().unwrap().len();
    let budget = std::sync::Arc::new(Budget::new(200, window));
    let user = ProductionClient::with_budget(config_for(&sim, "").production, budget).unwrap();
    let background = user.background();
    let started = std::time::Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..300 {
        // A third are background refreshes, the rest a person's lookups, interleaved.
        let (u, b) = (user.clone(), background.clone());
        calls.spawn(async move {
            if i % 3 == 0 {
                b.next_reference().await.map(|_| ())
            } else {
                u.order(1001 + (i % 20)).await.map(|_| ())
            }
        });
    }
    let mut answered = 0;
    while let Some(r) = calls.join_next().await {
        r.unwrap().expect("every request is answered");
        answered += 1;
    }
    assert_eq!(answered, 300, "none lost");
    assert!(started.elapsed() >= window, "the 201st waited for the window: {:?}", started.elapsed());

    let log = get_json(&sim, "/_sim/requests").await;
    let mine: Vec<&serde_json::Value> = log.as_array().unwrap()[before..].iter().collect();
    assert_eq!(mine.len(), 300, "each request was sent once: none retried, none lost");
    assert!(mine.iter().all(|e| e["status"] == 200), "the server refused none (no 429)");
    let times: Vec<u64> = mine.iter().map(|e| e["at_ms"].as_u64().unwrap()).collect();
    let window_ms = window.as_millis() as u64;
    let busiest = times.iter().map(|t| times.iter().filter(|u| **u >= *t && **u < t + window_ms).count()).max();
    assert!(busiest.unwrap() <= 200, "{busiest:?} arrivals within one window");
}
