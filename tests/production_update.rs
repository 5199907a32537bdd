//! The Production tab through its message API, and its rendering at 80×24 and 160×48.

mod common;

use common::dashboard::*;
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use shopfloor::api::error::ProductionCode;
use shopfloor::api::ApiError;
use shopfloor::domain::production::{OrderState, OrdersPage, ProductionOrder, ProductionOrderArticle};
use shopfloor::tui::app::{App, Effect, Tab};
use shopfloor::worker::{Backend, Job, Outcome, ProdChange};

/// Noon UTC, so the local date is the same in every time zone the CI machine may have.
const NOON_2026_11_20: i64 = 1795176000000;

fn order(id: i64, state: OrderState) -> ProductionOrder {
    ProductionOrder {
        order_id: Some(id),
        pr_reference: Some(format!("PR-{id}")),
        name: Some(format!("Run {id}")),
        customer_order_external_id: Some("CO-2026-4001".into()),
        state: Some(state),
        start_date: Some(NOON_2026_11_20),
        end_date: Some(NOON_2026_11_20 + 5 * 86_400_000),
        total_amount: Some(1000.0),
        finished_amount: Some(250.0),
        articles: vec![ProductionOrderArticle {
            article_id: "ART-PCM-20".into(),
            amount: Some(1000.0),
            finished: Some(250.0),
            waste: Some(3.0),
            accuracy: Some(-75.0),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn page(orders: Vec<ProductionOrder>, page: i64, pages: i64) -> OrdersPage {
    OrdersPage { page, pages, page_size: 10, orders_count: pages * 10, orders }
}

/// Opens the tab and answers its first load.
fn opened() -> App {
    let (mut app, _) = new_app();
    let effects = press(&mut app, KeyCode::F(4));
    assert_eq!(app.tab, Tab::Production);
    let req = requests(&effects).remove(0);
    assert!(matches!(req.job, Job::ProdList { state: None, page: 0, limit: 10 }), "{:?}", req.job);
    answer(
        &mut app,
        req.id,
        Backend::Production,
        Outcome::ProdList(Ok(page(vec![order(1, OrderState::New), order(2, OrderState::Developing)], 0, 3))),
    );
    app
}

#[test]
fn the_list_loads_once_pages_and_filters_by_state() {
    let mut app = opened();
    assert_eq!(app.production_tab.list.as_ref().unwrap().orders.len(), 2);
    // Coming back does not load again (no polling of the 200/minute budget).
    press(&mut app, KeyCode::F(2));
    assert!(requests(&press(&mut app, KeyCode::F(4))).is_empty());
    let effects = press(&mut app, KeyCode::PageDown);
    assert!(matches!(requests(&effects)[0].job, Job::ProdList { page: 1, .. }));
    let effects = press(&mut app, KeyCode::Char('s'));
    assert!(matches!(requests(&effects)[0].job, Job::ProdList { state: Some(OrderState::New), page: 0, .. }));
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(app.production_tab.state, Some(OrderState::Developing));
}

#[test]
fn enter_loads_the_order_and_a_stale_list_is_ignored() {
    let mut app = opened();
    press(&mut app, KeyCode::Down);
    let effects = press(&mut app, KeyCode::Enter);
    let req = requests(&effects).remove(0);
    assert!(matches!(req.job, Job::ProdOrder(2)));
    answer(&mut app, req.id, Backend::Production, Outcome::ProdOrder(Ok(order(2, OrderState::Developing))));
    assert_eq!(app.production_tab.detail.as_ref().unwrap().order_id, Some(2));
    // An answer to a list request that a newer one replaced changes nothing.
    let before = app.production_tab.list.clone();
    answer(&mut app, 9_999, Backend::Production, Outcome::ProdList(Ok(page(vec![], 0, 1))));
    assert_eq!(app.production_tab.list, before);
}

#[test]
fn state_changes_are_confirmed_then_sent_and_the_list_refreshes() {
    for (key, change) in [('p', ProdChange::Start), ('f', ProdChange::Finish), ('x', ProdChange::Cancel)] {
        let mut app = opened();
        press(&mut app, KeyCode::Char(key));
        assert!(app.confirm.is_some(), "{key} asks first");
        assert!(requests(&press(&mut app, KeyCode::Esc)).is_empty(), "Esc cancels");
        press(&mut app, KeyCode::Char(key));
        let effects = press(&mut app, KeyCode::Char('y'));
        let req = requests(&effects).remove(0);
        match &req.job {
            Job::ProdChange { id: 1, change: c, order } => {
                assert_eq!(*c, change);
                assert_eq!(order.name.as_deref(), Some("Run 1"), "the order is sent whole");
            }
            other => panic!("{other:?}"),
        }
        let effects = answer(
            &mut app,
            req.id,
            Backend::Production,
            Outcome::ProdChanged { change, result: Ok(order(1, OrderState::Developing)) },
        );
        assert!(matches!(requests(&effects)[0].job, Job::ProdList { .. }), "the list refreshes after a change");
    }
}

#[test]
fn a_refused_change_shows_the_code_and_what_to_do() {
    let mut app = opened();
    press(&mut app, KeyCode::Char('x'));
    let req = requests(&press(&mut app, KeyCode::Char('y'))).remove(0);
    let refusal = ApiError::Production {
        code: ProductionCode::UpdateRefused,
        code_number: 903_003,
        message: "Production order 1 is FINISHED and cannot be changed".into(),
        field: Some("state".into()),
    };
    let effects = answer(
        &mut app,
        req.id,
        Backend::Production,
        Outcome::ProdChanged { change: ProdChange::Cancel, result: Err(refusal) },
    );
    let flash = app.flash.clone().unwrap().text;
    assert!(flash.contains("903003") && flash.contains("refresh"), "{flash}");
    assert!(effects.iter().any(|e| matches!(e, Effect::Bell)));
}

#[test]
fn snapshots_of_the_list_and_the_order() {
    let mut app = opened();
    app.flash = None;
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| shopfloor::tui::view::view(&app, f)).unwrap();
        let buf = t.backend().buffer().clone();
        let text: String = (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>().trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains("2026-11-20") && text.contains("DEVELOPING"), "{text}");
        insta::assert_snapshot!(format!("production_{w}x{h}"), text);
    }
}

#[test]
fn a_rate_limit_wait_shows_in_the_status_bar_until_the_next_answer() {
    let mut app = opened();
    answer(&mut app, 0, Backend::Production, Outcome::ProductionWaiting(std::time::Duration::from_secs(7)));
    assert_eq!(app.production, shopfloor::tui::app::Health::Offline("rate limited, next try in 7 s".into()));
    let req = requests(&press(&mut app, KeyCode::Char('r'))).remove(0);
    answer(&mut app, req.id, Backend::Production, Outcome::ProdList(Ok(page(vec![], 0, 1))));
    assert_eq!(app.production, shopfloor::tui::app::Health::Online);
}
