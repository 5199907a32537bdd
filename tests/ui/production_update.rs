//! The Production tab through its message API: every way of finding orders, every form, the
//! confirmations, refusals, and its rendering at 80×24 and 160×48.

use crate::common::dashboard::*;
use shopfloor::api::error::ProductionCode;
use shopfloor::api::ApiError;
use shopfloor::domain::production::{
    BatchResponse, FlatArticle, FlatArticles, NextReference, OrderState, OrdersPage, ProductBatch, ProductionOrder,
    ProductionOrderArticle, SingleArticleGroup, SingleArticleReserved,
};
use shopfloor::tui::app::App;
use shopfloor::tui::msg::{Effect, Tab};
use shopfloor::tui::tabs::production::View as Screen;
use shopfloor::worker::{Backend, Job, OrderSearch, Outcome, Picking, ProdChange, Request};

/// Noon UTC, so the local date is the same in every time zone the CI machine may have.
const NOON_2026_11_20: i64 = 1795176000000;

fn order(id: i64, state: OrderState) -> ProductionOrder {
    ProductionOrder {
        order_id: Some(id),
        pr_reference: Some(format!("PR-{id}")),
        name: Some(format!("Run {id}")),
        customer_order_id: Some(4001),
        customer_order_external_id: Some("CO-2026-4001".into()),
        state: Some(state),
        start_date: Some(NOON_2026_11_20),
        end_date: Some(NOON_2026_11_20 + 5 * 86_400_000),
        total_amount: Some(1000.0),
        finished_amount: Some(250.0),
        articles: vec![ProductionOrderArticle {
            article_id: "ART-PCM-20".into(),
            article_name: Some("Paracetamol 500 mg carton".into()),
            amount: Some(1000.0),
            finished: Some(250.0),
            waste: Some(3.0),
            accuracy: Some(-75.0),
            status: Some(1),
            ..Default::default()
        }],
        single_articles: vec![SingleArticleGroup {
            article_id: "ART-PCM-20".into(),
            single_articles: vec![SingleArticleReserved {
                article_id: "ART-PCM-20".into(),
                single_article_id: "BLISTER-20".into(),
                single_article_name: Some("Blister foil, 20 cavities".into()),
                unit: Some("pcs".into()),
                part_amount: Some(1.0),
                total_reserved: Some(1000.0),
                total_amount: Some(1000.0),
                ..Default::default()
            }],
        }],
        ..Default::default()
    }
}

fn page(orders: Vec<ProductionOrder>, page: i64, pages: i64) -> OrdersPage {
    OrdersPage { page, pages, page_size: 10, orders_count: pages * 10, orders }
}

fn one(effects: &[Effect]) -> Request {
    let r = requests(effects);
    assert_eq!(r.len(), 1, "{r:?}");
    r.into_iter().next().unwrap()
}

fn job(effects: &[Effect], pick: impl Fn(&Job) -> bool) -> Request {
    requests(effects).into_iter().find(|r| pick(&r.job)).unwrap_or_else(|| panic!("no such request in {effects:?}"))
}

fn submit(app: &mut App) -> Vec<Effect> {
    press(app, KeyCode::F(10))
}

/// Opens the tab and answers its first load.
fn opened() -> App {
    let (mut app, _) = new_app();
    let effects = press(&mut app, KeyCode::F(4));
    assert_eq!(app.tab, Tab::Production);
    let req = one(&effects);
    assert!(
        matches!(&req.job, Job::ProdList { search, page: 0, limit: 10 } if *search == OrderSearch::default()),
        "{:?}",
        req.job
    );
    answer(
        &mut app,
        req.id,
        Backend::Production,
        Outcome::ProdList(Ok(page(vec![order(1, OrderState::New), order(2, OrderState::Developing)], 0, 3))),
    );
    app.flash = None;
    app
}

/// Opens order 2 (DEVELOPING) and answers its load.
fn order_screen() -> App {
    let mut app = opened();
    press(&mut app, KeyCode::Down);
    let req = one(&press(&mut app, KeyCode::Enter));
    assert!(matches!(req.job, Job::ProdOrder(2)));
    assert_eq!(app.production.screen, Screen::Order);
    answer(&mut app, req.id, Backend::Production, Outcome::ProdOrder(Ok(order(2, OrderState::Developing))));
    app
}

fn search_of(effects: &[Effect]) -> OrderSearch {
    match one(effects).job {
        Job::ProdList { search, page: 0, .. } => search,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_list_loads_once_pages_filters_by_state_and_sorts() {
    let mut app = opened();
    assert_eq!(app.production.list.as_ref().unwrap().orders.len(), 2);
    // Coming back does not load again (no polling of the 200/minute budget).
    press(&mut app, KeyCode::F(2));
    assert!(requests(&press(&mut app, KeyCode::F(4))).is_empty());
    let effects = press(&mut app, KeyCode::PageDown);
    assert!(matches!(one(&effects).job, Job::ProdList { page: 1, .. }));
    // Sorting needs a list the API sorts.
    assert!(requests(&press(&mut app, KeyCode::Char('o'))).is_empty());
    assert!(app.flash.as_ref().unwrap().text.contains("choose one state"));
    let s = search_of(&press(&mut app, KeyCode::Char('s')));
    assert!(matches!(s, OrderSearch::State { state: Some(OrderState::New), .. }), "{s:?}");
    use shopfloor::domain::production::{DateColumn, SortOrder};
    let s = search_of(&press(&mut app, KeyCode::Char('o')));
    assert!(matches!(s, OrderSearch::State { sort: DateColumn::StartDate, order: SortOrder::Asc, .. }), "{s:?}");
    let s = search_of(&press(&mut app, KeyCode::Char('o')));
    assert!(matches!(s, OrderSearch::State { sort: DateColumn::EndDate, order: SortOrder::Desc, .. }), "{s:?}");
    assert!(app.production.search_label().contains("by end, latest first"));
    // Esc goes back to every order.
    assert_eq!(search_of(&press(&mut app, KeyCode::Esc)), OrderSearch::default());
}

#[test]
fn search_customer_order_and_article_forms() {
    let mut app = opened();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "amox");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right); // from DEVELOPING
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Left); // to FINISHED
    press(&mut app, KeyCode::Left); // to DEVELOPING
    press(&mut app, KeyCode::Left); // to NEW: before the first state
    assert!(requests(&submit(&mut app)).is_empty(), "a backwards range is not sent");
    let form = &app.production.form.as_ref().unwrap().form;
    assert!(form.fields[2].error.is_some(), "the error sits on the field");
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    let s = search_of(&submit(&mut app));
    assert_eq!(s, OrderSearch::Text { query: "amox".into(), from: OrderState::Developing, to: OrderState::Finished });
    assert!(app.production.form.is_none());

    // A date window needs the one-state list.
    press(&mut app, KeyCode::Char('/'));
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "2026-11-01");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "2026-11-30");
    assert!(requests(&submit(&mut app)).is_empty(), "NEW…CANCELLED with dates is refused");
    assert!(app.production.form.as_ref().unwrap().form.fields[3].error.as_deref().unwrap().contains("one state"));
    press(&mut app, KeyCode::Up); // from the field in error up to "To state"
    for _ in 0..3 {
        press(&mut app, KeyCode::Left);
    }
    let s = search_of(&submit(&mut app));
    let OrderSearch::State { state: Some(OrderState::New), from, to, .. } = s else { panic!("{s:?}") };
    assert!(from > 0 && to > from, "{from} {to}");
    assert!(app.production.search_label().contains("NEW 2026-11-01…2026-11-30"), "{}", app.production.search_label());

    press(&mut app, KeyCode::Char('c'));
    type_text(&mut app, "40x1");
    assert!(requests(&submit(&mut app)).is_empty());
    assert!(app.production.form.as_ref().unwrap().form.fields[0].error.as_deref().unwrap().contains("type its number"));
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "01");
    assert_eq!(search_of(&submit(&mut app)), OrderSearch::CustomerOrder(4001));

    press(&mut app, KeyCode::Char('w'));
    type_text(&mut app, "ART/OME/28");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    let s = search_of(&submit(&mut app));
    assert!(
        matches!(&s, OrderSearch::Article { article_id, max_state: Some(OrderState::Developing), .. } if article_id == "ART/OME/28"),
        "{s:?}"
    );
}

#[test]
fn an_order_shows_its_sections_and_loads_them_when_first_shown() {
    let mut app = order_screen();
    assert!(requests(&press(&mut app, KeyCode::Char('v'))).is_empty(), "parts come with the order");
    let req = one(&press(&mut app, KeyCode::Char('v')));
    assert!(matches!(req.job, Job::ProdBatches(2)));
    let batches = BatchResponse {
        article_id: Some("ART-PCM-20".into()),
        count_batch: 1,
        count_serial: 1,
        batches: vec![ProductBatch {
            batch_id: Some("L-77".into()),
            serial_nr: Some("SN-1".into()),
            delivered_amount: Some(10.0),
            ..Default::default()
        }],
    };
    answer(&mut app, req.id, Backend::Production, Outcome::ProdBatches(Ok(batches)));
    assert_eq!(app.production.batches.as_ref().unwrap().count_batch, 1);
    let req = one(&press(&mut app, KeyCode::Right));
    assert!(matches!(&req.job, Job::ProdFlat { id: 2, query } if query.query.is_none()));
    // Filtering the product list.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "blister");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Alufoil");
    let req = one(&submit(&mut app));
    match &req.job {
        Job::ProdFlat { id: 2, query } => {
            assert_eq!((query.query.as_deref(), query.supplier.as_deref()), (Some("blister"), Some("Alufoil")))
        }
        other => panic!("{other:?}"),
    }
    let flat = FlatArticles {
        articles: vec![FlatArticle { article_id: "BLISTER-20".into(), amount: Some(1000.0), ..Default::default() }],
    };
    answer(&mut app, req.id, Backend::Production, Outcome::ProdFlat(Ok(flat)));
    assert_eq!(app.production.flat.as_ref().unwrap().articles.len(), 1);
    // Leaving the section and coming back does not read it again.
    press(&mut app, KeyCode::Left);
    assert!(requests(&press(&mut app, KeyCode::Right)).is_empty());
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.production.screen, Screen::List);
}

#[test]
fn a_new_order_gets_the_next_reference_is_confirmed_and_opens() {
    let mut app = opened();
    let effects = press(&mut app, KeyCode::Char('n'));
    let req = one(&effects);
    assert!(matches!(req.job, Job::ProdNextRef));
    answer(
        &mut app,
        req.id,
        Backend::Production,
        Outcome::ProdNextRef(Ok(NextReference { pr_reference: "1007".into() })),
    );
    assert_eq!(app.production.form.as_ref().unwrap().form.value("pr_reference"), "1007");
    assert!(requests(&submit(&mut app)).is_empty(), "a name is needed");
    assert_eq!(app.production.form.as_ref().unwrap().form.focused().unwrap().key, "name", "the cursor goes there");
    type_text(&mut app, "Night shift run");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "4002");
    assert!(requests(&submit(&mut app)).is_empty(), "asks first");
    assert!(app.confirm.as_ref().unwrap().title.contains("1007"));
    let req = one(&press(&mut app, KeyCode::Char('y')));
    let Job::ProdChange { id: 0, change: ProdChange::Create(o) } = &req.job else { panic!("{:?}", req.job) };
    assert_eq!((o.name.as_deref(), o.customer_order_id), (Some("Night shift run"), Some(4002)));
    let created = ProductionOrder { order_id: Some(9), pr_reference: Some("1007".into()), ..order(9, OrderState::New) };
    let effects =
        answer(&mut app, req.id, Backend::Production, Outcome::ProdChanged { done: "created", result: Ok(created) });
    assert!(app.production.form.is_none());
    assert_eq!(app.production.screen, Screen::Order, "the new order opens");
    job(&effects, |j| matches!(j, Job::ProdOrder(9)));
    job(&effects, |j| matches!(j, Job::ProdList { .. }));
    assert!(app.flash.as_ref().unwrap().text.contains("1007 created"));
}

#[test]
fn a_new_order_from_a_customer_order() {
    let mut app = opened();
    press(&mut app, KeyCode::Char('N'));
    type_text(&mut app, "4001");
    submit(&mut app);
    let req = one(&press(&mut app, KeyCode::Char('y')));
    assert_eq!(req.job, Job::ProdChange { id: 0, change: ProdChange::CreateFromCustomerOrder(4001) });
}

/// The list shows customer orders by their external id (`CO-2026-4001`); the forms take that as
/// well as the number the API wants.
#[test]
fn customer_orders_are_taken_as_the_screen_shows_them() {
    let mut app = opened();
    assert!(screen(&app, 80, 24).contains("CO-2026-4001"));
    press(&mut app, KeyCode::Char('c'));
    type_text(&mut app, "CO-2026-4001");
    assert_eq!(search_of(&submit(&mut app)), OrderSearch::CustomerOrder(4001));

    press(&mut app, KeyCode::Char('N'));
    type_text(&mut app, "co-2026-4001");
    submit(&mut app);
    let req = one(&press(&mut app, KeyCode::Char('y')));
    assert_eq!(req.job, Job::ProdChange { id: 0, change: ProdChange::CreateFromCustomerOrder(4001) });

    // One never shown cannot be turned into a number: the field says what to type.
    press(&mut app, KeyCode::Char('c'));
    type_text(&mut app, "CO-2026-4999");
    assert!(requests(&submit(&mut app)).is_empty());
    let error = app.production.form.as_ref().unwrap().form.fields[0].error.clone().unwrap();
    assert!(error.contains("type its number"), "{error}");
}

#[test]
fn a_refused_change_keeps_the_form_and_marks_the_field() {
    let mut app = opened();
    let next = one(&press(&mut app, KeyCode::Char('n')));
    answer(
        &mut app,
        next.id,
        Backend::Production,
        Outcome::ProdNextRef(Ok(NextReference { pr_reference: "1001".into() })),
    );
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Taken");
    submit(&mut app);
    let req = one(&press(&mut app, KeyCode::Char('y')));
    let refusal = ApiError::Production {
        code: ProductionCode::CreateFailed,
        code_number: 903_002,
        message: "Production order reference \"1001\" is empty or already in use".into(),
        field: Some("prReference".into()),
    };
    let effects =
        answer(&mut app, req.id, Backend::Production, Outcome::ProdChanged { done: "created", result: Err(refusal) });
    assert!(effects.iter().any(|e| matches!(e, Effect::Bell)));
    let f = &app.production.form.as_ref().expect("the form stays open").form;
    assert_eq!(f.value("name"), "Taken", "nothing typed is lost");
    assert!(f.fields[0].error.as_deref().unwrap().contains("already in use"));
    assert!(f.form_error.as_deref().unwrap().contains("903002"));
    let flash = app.flash.clone().unwrap().text;
    assert!(flash.contains("903002") && flash.contains("What to do"), "{flash}");
}

#[test]
fn editing_the_order_is_sent_without_a_dialog() {
    let mut app = order_screen();
    press(&mut app, KeyCode::Char('e'));
    let f = &app.production.form.as_ref().unwrap().form;
    assert_eq!((f.value("pr_reference"), f.value("start_date")), ("PR-2".to_string(), "2026-11-20".to_string()));
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, " (rework)");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "x");
    assert!(requests(&submit(&mut app)).is_empty(), "a bad end date is caught first");
    press(&mut app, KeyCode::Backspace);
    let req = one(&submit(&mut app));
    let Job::ProdChange { id: 2, change: ProdChange::Edit(o) } = &req.job else { panic!("{:?}", req.job) };
    assert_eq!(o.name.as_deref(), Some("Run 2 (rework)"));
    assert_eq!(o.customer_order_external_id.as_deref(), Some("CO-2026-4001"), "the rest is sent as it was");
}

#[test]
fn articles_are_added_edited_and_removed() {
    let mut app = order_screen();
    press(&mut app, KeyCode::Char('i'));
    type_text(&mut app, "ART-IBU-30");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "0");
    assert!(requests(&submit(&mut app)).is_empty(), "an amount of 0 is refused before sending");
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "500");
    let req = one(&submit(&mut app));
    let Job::ProdChange { id: 2, change: ProdChange::AddArticle(a) } = &req.job else { panic!("{:?}", req.job) };
    assert_eq!((a.article_id.as_str(), a.amount), ("ART-IBU-30", Some(500.0)));
    let effects = answer(
        &mut app,
        req.id,
        Backend::Production,
        Outcome::ProdChanged { done: "article added", result: Ok(order(2, OrderState::Developing)) },
    );
    job(&effects, |j| matches!(j, Job::ProdOrder(2)));
    job(&effects, |j| matches!(j, Job::ProdList { .. }));

    press(&mut app, KeyCode::Char('m'));
    assert_eq!(app.production.form.as_ref().unwrap().form.value("amount"), "1000");
    press(&mut app, KeyCode::Backspace);
    let req = one(&submit(&mut app));
    let Job::ProdChange { change: ProdChange::EditArticle(a), .. } = &req.job else { panic!("{:?}", req.job) };
    assert_eq!((a.article_id.as_str(), a.amount), ("ART-PCM-20", Some(100.0)));
    answer(
        &mut app,
        req.id,
        Backend::Production,
        Outcome::ProdChanged { done: "article saved", result: Ok(order(2, OrderState::Developing)) },
    );

    press(&mut app, KeyCode::Delete);
    assert!(app.confirm.as_ref().unwrap().title.contains("Remove ART-PCM-20"));
    let req = one(&press(&mut app, KeyCode::Char('y')));
    assert_eq!(req.job, Job::ProdChange { id: 2, change: ProdChange::RemoveArticle("ART-PCM-20".into()) });
}

#[test]
fn reporting_production_fills_from_a_scan_and_is_confirmed() {
    // Only a started order takes reports.
    let mut app = opened();
    let req = one(&press(&mut app, KeyCode::Enter));
    answer(&mut app, req.id, Backend::Production, Outcome::ProdOrder(Ok(order(1, OrderState::New))));
    press(&mut app, KeyCode::Char('t'));
    assert!(app.production.form.is_none());
    assert!(app.flash.as_ref().unwrap().text.contains("start it first (p)"));

    let mut app = order_screen();
    press(&mut app, KeyCode::Char('t'));
    // A scanner types into the first field: AIM prefix, GS between variable fields, Enter.
    type_text(&mut app, "]d2010952012345678817290500");
    type_text(&mut app, "10L-77\u{1d}21SN-0042");
    press(&mut app, KeyCode::Enter);
    let f = app.production.form.as_ref().unwrap();
    assert_eq!((f.form.value("batch"), f.form.value("serial")), ("L-77".into(), "SN-0042".into()));
    assert_eq!(f.form.value("best_before"), "2029-05-31");
    assert!(f.note.as_ref().unwrap().1.contains("batch, serial, best before"));
    assert_eq!(f.form.focused().unwrap().key, "amount", "the amount is next");
    type_text(&mut app, "12");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "1");
    // The part's batch.
    for _ in 0..6 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "PB-9");
    // A scan that is not GS1 fills nothing and says so.
    let (mut other, _) = (order_screen(), ());
    press(&mut other, KeyCode::Char('t'));
    type_text(&mut other, "hello");
    press(&mut other, KeyCode::Enter);
    assert!(other.production.form.as_ref().unwrap().note.as_ref().unwrap().1.contains("Not a GS1 code"));

    assert!(requests(&submit(&mut app)).is_empty());
    let c = app.confirm.as_ref().unwrap();
    assert!(c.lines.iter().any(|l| l.contains("batch L-77 · serial SN-0042")), "{:?}", c.lines);
    let req = one(&press(&mut app, KeyCode::Char('y')));
    let Job::ProdChange { id: 2, change: ProdChange::Report { waste, report } } = &req.job else {
        panic!("{:?}", req.job)
    };
    assert_eq!((report.amount, *waste), (12.0, 1.0));
    assert_eq!(report.part_traceability[0].batches[0].batch_id, "PB-9");
    assert_eq!(report.part_traceability[0].article_id, "BLISTER-20");
}

#[test]
fn state_changes_are_confirmed_then_sent_and_the_list_refreshes() {
    for key in ['p', 'f', 'x'] {
        let mut app = opened();
        press(&mut app, KeyCode::Char(key));
        assert!(app.confirm.is_some(), "{key} asks first");
        assert!(requests(&press(&mut app, KeyCode::Esc)).is_empty(), "Esc cancels");
        press(&mut app, KeyCode::Char(key));
        let req = one(&press(&mut app, KeyCode::Char('y')));
        match (&req.job, key) {
            (Job::ProdChange { id: 1, change: ProdChange::Start(o) }, 'p') => {
                assert_eq!(o.name.as_deref(), Some("Run 1"), "the order is sent whole")
            }
            (Job::ProdChange { id: 1, change: ProdChange::Finish }, 'f') => {}
            (Job::ProdChange { id: 1, change: ProdChange::Cancel }, 'x') => {}
            other => panic!("{other:?}"),
        }
        let effects = answer(
            &mut app,
            req.id,
            Backend::Production,
            Outcome::ProdChanged { done: "started", result: Ok(order(1, OrderState::Developing)) },
        );
        assert!(matches!(one(&effects).job, Job::ProdList { .. }), "the list refreshes after a change");
        assert_eq!(app.production.screen, Screen::List);
    }
}

#[test]
fn a_refused_state_change_shows_the_code_and_what_to_do() {
    let mut app = opened();
    press(&mut app, KeyCode::Char('x'));
    let req = one(&press(&mut app, KeyCode::Char('y')));
    let refusal = ApiError::Production {
        code: ProductionCode::UpdateRefused,
        code_number: 903_003,
        message: "Production order 1 is FINISHED and cannot be changed".into(),
        field: Some("state".into()),
    };
    let effects =
        answer(&mut app, req.id, Backend::Production, Outcome::ProdChanged { done: "cancelled", result: Err(refusal) });
    let flash = app.flash.clone().unwrap().text;
    assert!(flash.contains("903003") && flash.contains("refresh"), "{flash}");
    assert!(effects.iter().any(|e| matches!(e, Effect::Bell)));
}

#[test]
fn the_picking_list_is_saved_and_printed_or_shown() {
    let mut app = order_screen();
    press(&mut app, KeyCode::Char('l'));
    let req = one(&submit(&mut app));
    let Job::ProdPicking { id: 2, pdf: Some(stem), .. } = &req.job else { panic!("{:?}", req.job) };
    assert!(stem.starts_with("picking-PR-2-"), "{stem}");
    let path = std::path::PathBuf::from("/data/picking-lists/picking-PR-2.pdf");
    answer(
        &mut app,
        req.id,
        Backend::Production,
        Outcome::ProdPicking(Ok(Picking::Pdf { path, printed: Some(Ok("lp -d pick-printer".into())) })),
    );
    let flash = app.flash.clone().unwrap().text;
    assert!(flash.contains("picking-PR-2.pdf") && flash.contains("lp -d pick-printer"), "{flash}");
    let text = screen(&app, 80, 24);
    assert!(text.contains("in   /data/picking-lists"), "the whole path is on the Picking list section: {text}");

    // A disk that refuses the file: said so, with what to do.
    press(&mut app, KeyCode::Char('l'));
    let req = one(&submit(&mut app));
    let not_saved = Picking::NotSaved { dir: "/data/picking-lists".into(), why: "No space left on device".into() };
    answer(&mut app, req.id, Backend::Production, Outcome::ProdPicking(Ok(not_saved)));
    let flash = app.flash.clone().unwrap().text;
    assert!(flash.contains("could not be saved in /data/picking-lists") && flash.contains("check the disk"), "{flash}");

    press(&mut app, KeyCode::Char('l'));
    press(&mut app, KeyCode::Right); // show it here
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char(' ')); // only what is missing
    let req = one(&submit(&mut app));
    let Job::ProdPicking { pdf: None, query, .. } = &req.job else { panic!("{:?}", req.job) };
    assert!(query.filter_non_available);
    let list = FlatArticles {
        articles: vec![FlatArticle { article_id: "LEAFLET-PCM".into(), amount: Some(1000.0), ..Default::default() }],
    };
    answer(&mut app, req.id, Backend::Production, Outcome::ProdPicking(Ok(Picking::Json(list))));
    let text = screen(&app, 80, 24);
    assert!(text.contains("LEAFLET-PCM") && text.contains("Picking list"), "{text}");
}

#[test]
fn snapshots_of_the_list_the_order_and_the_report_form() {
    let app = opened();
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let text = screen(&app, w, h);
        assert!(text.contains("2026-11-20") && text.contains("DEVELOPING"), "{text}");
        insta::assert_snapshot!(format!("production_{w}x{h}"), text);
    }
    let mut app = order_screen();
    app.flash = None;
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let text = screen(&app, w, h);
        assert!(text.contains("Paracetamol 500 mg") && text.contains("Batches & serials"), "{text}");
        insta::assert_snapshot!(format!("production_order_{w}x{h}"), text);
    }
    press(&mut app, KeyCode::Char('t'));
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let text = screen(&app, w, h);
        assert!(text.contains("Report production of ART-PCM-20") && text.contains("BLISTER-20 batches"), "{text}");
        insta::assert_snapshot!(format!("production_report_form_{w}x{h}"), text);
    }
    // The help of the order screen fits 80×24 and names the keys it dispatches.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::F(1));
    let text = screen(&app, 80, 24);
    assert!(text.contains("report production of the selected article") && text.contains("-, Delete"), "{text}");
}

#[test]
fn a_rate_limit_wait_shows_in_the_status_bar_until_the_next_answer() {
    let mut app = opened();
    answer(&mut app, 0, Backend::Production, Outcome::ProductionWaiting(std::time::Duration::from_secs(7)));
    assert_eq!(app.health.production, shopfloor::tui::msg::Health::Offline("rate limited, next try in 7 s".into()));
    let req = one(&press(&mut app, KeyCode::Char('r')));
    answer(&mut app, req.id, Backend::Production, Outcome::ProdList(Ok(page(vec![], 0, 1))));
    assert_eq!(app.health.production, shopfloor::tui::msg::Health::Online);
}

/// What the order screen and its questions say: article status by name, a new order's zero
/// amounts, how short a finish is, what removing an article takes with it, a bad date at once.
#[test]
fn the_order_screen_and_its_questions_say_what_they_mean() {
    let mut app = order_screen();
    let shown = screen(&app, 80, 24);
    let row = shown.lines().find(|l| l.contains("ART-PCM-20") && l.contains("1000")).unwrap();
    assert!(row.contains("DEVELOPING"), "status by name: {row}");

    // Finishing 250 of 1000 says how short it is.
    press(&mut app, KeyCode::Char('f'));
    let c = app.confirm.as_ref().unwrap();
    assert!(c.title.contains("short of its amount"), "{}", c.title);
    assert!(c.lines.iter().any(|l| l.contains("Only 250 of 1000 done (25%): 750 short")), "{:?}", c.lines);
    press(&mut app, KeyCode::Esc);

    // Removing the article says its finished amount goes with it.
    press(&mut app, KeyCode::Delete);
    let c = app.confirm.as_ref().unwrap();
    assert!(c.lines.iter().any(|l| l.contains("250 finished go with it")), "{:?}", c.lines);
    press(&mut app, KeyCode::Esc);

    // A report's best-before date is checked as it is typed.
    press(&mut app, KeyCode::Char('t'));
    let at = app.production.form.as_ref().unwrap().form.fields.iter().position(|f| f.key == "best_before").unwrap();
    app.production.form.as_mut().unwrap().form.focus = at;
    type_text(&mut app, "2028-13-01");
    let f = &app.production.form.as_ref().unwrap().form;
    assert!(f.fields[at].error.as_deref().unwrap_or("").contains("YYYY-MM-DD"), "{:?}", f.fields[at].error);
    let shown = screen(&app, 80, 24);
    let row = shown.lines().find(|l| l.contains("2028-13-01")).unwrap();
    assert!(row.contains("✗") && !row.contains("✓"), "{row}");

    // A new order with nothing in it shows 0, not -0.
    let mut app = opened();
    let req = one(&press(&mut app, KeyCode::Enter));
    let empty = ProductionOrder {
        total_amount: Some(-0.0),
        finished_amount: Some(-0.0),
        articles: vec![],
        ..order(1, OrderState::New)
    };
    answer(&mut app, req.id, Backend::Production, Outcome::ProdOrder(Ok(empty)));
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("done 0 of 0") && !shown.contains("-0"), "{shown}");
}

#[test]
fn accuracy_is_blank_until_something_is_finished() {
    let mut app = opened();
    press(&mut app, KeyCode::Down);
    let req = one(&press(&mut app, KeyCode::Enter));
    let mut fresh = order(2, OrderState::New);
    fresh.articles[0].finished = Some(0.0);
    fresh.articles[0].waste = Some(0.0);
    fresh.articles[0].accuracy = Some(-100.0);
    answer(&mut app, req.id, Backend::Production, Outcome::ProdOrder(Ok(fresh)));
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("ART-PCM-20") && !shown.contains("-100.0%"), "{shown}");
    let app = order_screen();
    assert!(screen(&app, 80, 24).contains("-75.0%"), "a real accuracy is shown");
}
