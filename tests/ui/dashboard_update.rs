//! The dashboard's behaviour through its message API: navigation, forms, confirmations, and
//! every kind of worker result, without a terminal or a network.

use crate::common::dashboard::*;
use shopfloor::api::error::ProductionCode;
use shopfloor::api::ApiError;
use shopfloor::domain::manufacturer::PackagingOrder;
use shopfloor::domain::FieldError;
use shopfloor::tui::app::update;
use shopfloor::tui::msg::{Effect, Health, Msg, Severity, Tab};
use shopfloor::tui::tabs::packaging::Mode;
use shopfloor::worker::{Backend, Job, Outcome};
use std::time::Duration;

fn order(id: &str) -> PackagingOrder {
    sample_order(id)
}

#[test]
fn starting_refreshes_the_orders_and_probes_lagerkoll() {
    let (mut app, first) = new_app();
    let jobs: Vec<_> = requests(&first).into_iter().map(|r| r.job).collect();
    assert!(
        matches!(jobs.as_slice(), [Job::OpenOrders { line }, Job::ProductionProbe] if line == "test-packaging-line-1")
    );
    assert_eq!(app.requests.in_flight(), 2);
    load_orders(&mut app, &first, vec![order("A"), order("B")]);
    assert_eq!(app.packaging.orders.len(), 2);
    assert!((app.requests.in_flight() == 0));
    assert_eq!((app.health.manufacturer.clone(), app.health.production.clone()), (Health::Online, Health::Online));
}

#[test]
fn function_keys_and_alt_digits_switch_tabs() {
    let (mut app, _) = new_app();
    for (code, mods, tab) in [
        (KeyCode::F(3), Mods::NONE, Tab::Labels),
        (KeyCode::F(4), Mods::NONE, Tab::Production),
        (KeyCode::F(5), Mods::NONE, Tab::Scan),
        (KeyCode::F(2), Mods::NONE, Tab::Packaging),
        (KeyCode::Char('2'), Mods::ALT, Tab::Labels),
        (KeyCode::Char('4'), Mods::ALT, Tab::Scan),
        (KeyCode::Char('1'), Mods::ALT, Tab::Packaging),
    ] {
        press_mod(&mut app, code, mods);
        assert_eq!(app.tab, tab, "{code:?} {mods:?}");
    }
    // Tab on a list moves to the next tab.
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.tab, Tab::Labels);
}

#[test]
fn help_opens_and_closes_and_swallows_keys() {
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::F(1));
    assert!(app.help);
    press(&mut app, KeyCode::F(3));
    assert_eq!(app.tab, Tab::Packaging, "keys under the help do not act");
    press(&mut app, KeyCode::Esc);
    assert!(!app.help);
}

#[test]
fn letters_are_text_in_fields_and_shortcuts_elsewhere() {
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::Char('/'));
    assert_eq!(app.packaging.mode, Mode::Lookup);
    type_text(&mut app, "qna");
    assert_eq!(app.packaging.lookup.value(), "qna");
    assert!(!app.quit);
    // Ctrl+Q still quits from a field.
    let effects = press_mod(&mut app, KeyCode::Char('q'), Mods::CTRL);
    assert!(app.quit && matches!(effects.as_slice(), [Effect::Quit]));
}

#[test]
fn lookup_result_arriving_after_the_user_left_is_dropped_quietly() {
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "Order143");
    let effects = press(&mut app, KeyCode::Enter);
    let id = requests(&effects)[0].id;
    assert!(matches!(&requests(&effects)[0].job, Job::OrderDetails { order_id } if order_id == "Order143"));
    press(&mut app, KeyCode::Esc);
    let flash_before = app.flash.clone();
    answer(&mut app, id, Backend::Manufacturer, Outcome::OrderDetails(Ok(order("Order143"))));
    assert!(app.packaging.found.is_none());
    assert_eq!(app.flash, flash_before);
    assert!(!app.requests.is_out(id), "the request is no longer counted as in flight");
}

/// Reopening the lookup starts empty (a scanned id is not appended to old text), and a found
/// order takes the list's cursor, so the next Enter makes that order active, not another.
#[test]
fn the_lookup_starts_empty_and_takes_the_cursor_to_the_found_order() {
    let (mut app, first) = new_app();
    load_orders(&mut app, &first, vec![order("Order143"), order("PO-2"), order("PO-3")]);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "PO-");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    assert_eq!(app.packaging.lookup.value(), "", "the old text is gone");
    let effects = scan_in(&mut app, "]C0ORDER:PO-3");
    assert_eq!(app.packaging.lookup.value(), "PO-3");
    let id = requests(&effects)[0].id;
    assert!(matches!(&requests(&effects)[0].job, Job::OrderDetails { order_id } if order_id == "PO-3"));
    answer(&mut app, id, Backend::Manufacturer, Outcome::OrderDetails(Ok(order("PO-3"))));
    assert_eq!(app.packaging.selected, 2, "the cursor is on the found order");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.active.as_ref().map(|o| o.order_id.as_str()), Some("PO-3"));
    // After moving on, Enter follows the cursor again.
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.active.as_ref().map(|o| o.order_id.as_str()), Some("PO-2"));
}

#[test]
fn lookup_found_and_not_found() {
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "Nope");
    let id = requests(&press(&mut app, KeyCode::Enter))[0].id;
    answer(&mut app, id, Backend::Manufacturer, Outcome::OrderDetails(Err(ApiError::PackagingOrderNotFound)));
    assert_eq!(app.packaging.mode, Mode::Lookup);
    assert!(app.packaging.lookup_error.as_deref().unwrap().contains("not found"));
    assert_eq!(app.health.manufacturer, Health::Online, "a refusal is an answer: the backend is up");
    press_mod(&mut app, KeyCode::Char('u'), Mods::CTRL);
    type_text(&mut app, "Order143");
    let id = requests(&press(&mut app, KeyCode::Enter))[0].id;
    answer(&mut app, id, Backend::Manufacturer, Outcome::OrderDetails(Ok(order("Order143"))));
    assert_eq!(app.packaging.mode, Mode::List);
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(app.active.as_ref().map(|o| o.order_id.as_str()), Some("Order143"));
}

#[test]
fn a_newer_refresh_replaces_a_stale_one() {
    let (mut app, first) = new_app();
    let stale = requests(&first)[0].id;
    let newer = requests(&press(&mut app, KeyCode::Char('r')))[0].id;
    answer(&mut app, stale, Backend::Manufacturer, Outcome::OpenOrders(Ok(vec![order("OLD")])));
    assert!(app.packaging.orders.is_empty(), "the stale answer is ignored");
    answer(&mut app, newer, Backend::Manufacturer, Outcome::OpenOrders(Ok(vec![order("NEW")])));
    assert_eq!(app.packaging.orders[0].order_id, "NEW");
}

#[test]
fn a_failed_refresh_keeps_the_last_list_and_marks_the_backend() {
    let (mut app, first) = new_app();
    load_orders(&mut app, &first, vec![order("A")]);
    let id = requests(&press(&mut app, KeyCode::Char('r')))[0].id;
    answer(
        &mut app,
        id,
        Backend::Manufacturer,
        Outcome::OpenOrders(Err(ApiError::ConnectionRefused { host: "h".into() })),
    );
    assert_eq!(app.packaging.orders.len(), 1);
    assert!(app.packaging.list_error.is_some());
    assert_eq!(app.health.manufacturer, Health::Offline("unreachable".into()));
}

#[test]
fn every_worker_error_sets_a_clear_backend_state() {
    let cases: Vec<(ApiError, Health)> = vec![
        (ApiError::Timeout(Duration::from_secs(10)), Health::Offline("no answer (timeout)".into())),
        (ApiError::ConnectionRefused { host: "x".into() }, Health::Offline("unreachable".into())),
        (ApiError::ConnectionDropped, Health::Offline("connection dropped".into())),
        (ApiError::Server { status: 503 }, Health::Offline("server error 503".into())),
        (ApiError::TokenRejected, Health::Offline("login refused: check token/API key".into())),
        (ApiError::NoToken, Health::Offline("login refused: check token/API key".into())),
        (ApiError::AuthFailed("no".into()), Health::Offline("login refused: check token/API key".into())),
        (ApiError::ChannelKeyMissing, Health::Offline("channel key refused".into())),
        (
            ApiError::UnexpectedResponse { status: 404, detail: "x".into() },
            Health::Offline("unexpected answers: check base_url".into()),
        ),
        (
            ApiError::RateLimited { retry_after: Duration::from_secs(7) },
            Health::Offline("rate limited, retry in 7 s".into()),
        ),
        (ApiError::PackagingOrderNotFound, Health::Online),
        (ApiError::Validation { details: vec![] }, Health::Online),
        (
            ApiError::Production {
                code: ProductionCode::UpdateRefused,
                code_number: 903003,
                message: "m".into(),
                field: None,
            },
            Health::Online,
        ),
    ];
    for (err, health) in cases {
        let (mut app, first) = new_app();
        let probe = requests(&first)[1].id;
        answer(&mut app, probe, Backend::Production, Outcome::ProductionProbe(Err(err.clone())));
        assert_eq!(app.health.production, health, "{err:?}");
    }
    // Slow answers show as slow.
    let (mut app, first) = new_app();
    let id = requests(&first)[1].id;
    update(
        &mut app,
        Msg::Api(Box::new(shopfloor::worker::Response {
            id,
            backend: Backend::Production,
            elapsed: Duration::from_millis(2_500),
            outcome: Outcome::ProductionProbe(Ok(())),
        })),
    );
    assert_eq!(app.health.production, Health::Slow(2_500));
}

fn fill_packaging_form(app: &mut shopfloor::tui::app::App) {
    press(app, KeyCode::Char('n'));
    assert_eq!(app.packaging.mode, Mode::Form);
    for (text, tabs) in
        [("Order900", 1), ("Night run", 1), ("02022090117459", 2), ("B2405121", 1), ("291200", 1), ("120", 1), ("5", 0)]
    {
        type_text(app, text);
        for _ in 0..tabs {
            press(app, KeyCode::Tab);
        }
    }
}

#[test]
fn the_create_form_validates_as_the_user_types() {
    let (mut app, _) = new_app();
    press(&mut app, KeyCode::Char('n'));
    for _ in 0..5 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "291301");
    let expiry = &app.packaging.form.fields[5];
    assert_eq!(expiry.key, "expiry_date");
    assert!(expiry.error.as_deref().unwrap().contains("month 13"), "{:?}", expiry.error);
    assert!(app.packaging.form.fields[0].error.is_none(), "empty fields are not shouted at before a submit");
    // Submitting shows every rule and sends nothing.
    let effects = press_mod(&mut app, KeyCode::Char('s'), Mods::CTRL);
    assert!(requests(&effects).is_empty() && app.confirm.is_none());
    assert!(app.packaging.form.fields[0].error.is_some(), "order id is required");
    assert_eq!(app.flash.as_ref().map(|f| f.severity), Some(Severity::Error));
}

#[test]
fn creating_an_order_needs_an_explicit_yes() {
    let (mut app, _) = new_app();
    fill_packaging_form(&mut app);
    assert!(
        !app.packaging.form.has_errors(),
        "{:?}",
        app.packaging.form.fields.iter().map(|f| &f.error).collect::<Vec<_>>()
    );
    press_mod(&mut app, KeyCode::Char('s'), Mods::CTRL);
    assert!(app.confirm.is_some());
    // Esc (or n) cancels; nothing is sent.
    assert!(requests(&press(&mut app, KeyCode::Esc)).is_empty());
    assert!(app.confirm.is_none());
    press(&mut app, KeyCode::F(10));
    let effects = press(&mut app, KeyCode::Char('y'));
    let reqs = requests(&effects);
    match &reqs[0].job {
        Job::CreatePackagingOrder(o) => {
            assert_eq!(
                (o.order_id.as_str(), o.quantity, o.extra_percentage, o.expiry_date.as_deref()),
                ("Order900", 120, Some(5), Some("291200"))
            )
        }
        other => panic!("{other:?}"),
    }
    // Success: the form empties, the list refreshes.
    let effects =
        answer(&mut app, reqs[0].id, Backend::Manufacturer, Outcome::PackagingOrderCreated(Ok(order("Order900"))));
    assert!(matches!(&requests(&effects)[0].job, Job::OpenOrders { .. }));
    assert_eq!(app.packaging.mode, Mode::List);
    assert_eq!(app.packaging.form.value("order_id"), "");
    assert_eq!(app.packaging.form.value("packaging_line_tag"), "test-packaging-line-1");
}

#[test]
fn a_refused_order_keeps_the_form_and_marks_the_field() {
    let (mut app, _) = new_app();
    fill_packaging_form(&mut app);
    press_mod(&mut app, KeyCode::Char('s'), Mods::CTRL);
    let id = requests(&press(&mut app, KeyCode::Char('y')))[0].id;
    let refusal = ApiError::Validation {
        details: vec![FieldError::new("order_id", "a packaging order with this id already exists")],
    };
    answer(&mut app, id, Backend::Manufacturer, Outcome::PackagingOrderCreated(Err(refusal)));
    assert_eq!(app.packaging.mode, Mode::Form);
    assert_eq!(app.packaging.form.value("order_id"), "Order900");
    assert_eq!(app.packaging.form.value("quantity"), "120");
    assert!(app.packaging.form.fields[0].error.as_deref().unwrap().contains("already exists"));
    // A transport failure is shown on the form, content kept as well.
    press_mod(&mut app, KeyCode::Char('s'), Mods::CTRL);
    let id = requests(&press(&mut app, KeyCode::Char('y')))[0].id;
    answer(&mut app, id, Backend::Manufacturer, Outcome::PackagingOrderCreated(Err(ApiError::ConnectionDropped)));
    assert!(app.packaging.form.form_error.as_deref().unwrap().contains("dropped"));
    assert_eq!(app.packaging.form.value("order_id"), "Order900");
}

#[test]
fn a_pasted_newline_never_submits() {
    let (mut app, _) = new_app();
    fill_packaging_form(&mut app);
    let effects = paste(&mut app, "extra\r\n");
    assert!(effects.is_empty() && app.confirm.is_none());
    assert_eq!(app.packaging.form.value("extra_percentage"), "5extra");
}

#[test]
fn label_form_defaults_from_the_active_order_and_records_the_answer() {
    let (mut app, first) = new_app();
    load_orders(&mut app, &first, vec![order("Order143")]);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::F(3));
    assert_eq!(app.labels.form.value("product_code"), "02022090117459");
    assert_eq!(app.labels.form.value("batch"), "B2405121");
    type_text(&mut app, "L-1");
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "10");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "2");
    // The extra amount needs its type.
    let kind = app.labels.form.fields.iter().find(|f| f.key == "extra_label_type").unwrap();
    assert_eq!(kind.error.as_deref(), Some("choose: a number or percent"));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    assert!(!app.labels.form.has_errors());
    press(&mut app, KeyCode::F(10));
    let effects = press(&mut app, KeyCode::Char('y'));
    let req = requests(&effects).remove(0);
    match &req.job {
        Job::CreateLabelOrder(l) => {
            assert_eq!(l.destination_tag, "zebra-cloud-device-1");
            assert_eq!(l.extra_label_type.as_deref(), Some("amount"));
        }
        other => panic!("{other:?}"),
    }
    let effects = acting(answer(
        &mut app,
        req.id,
        Backend::Manufacturer,
        Outcome::LabelOrderCreated(Ok("Label order created successfully".into())),
    ));
    match effects.as_slice() {
        [Effect::Audit(a), Effect::SaveLabel(r)] => {
            assert_eq!((r.order_id.as_str(), r.outcome.as_str(), r.at.as_str()), ("L-1", "Created", NOW));
            assert_eq!((a.action.as_str(), a.object.as_str()), ("label_order.created", "L-1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.labels.history.len(), 1);
}

/// "Extra labels 0" with type "none" is no extra labels, and a missing type is marked on its
/// field, on screen, in the form's words.
#[test]
fn no_extra_labels_need_no_type_and_the_missing_type_is_marked() {
    let (mut app, first) = new_app();
    load_orders(&mut app, &first, vec![order("Order143")]);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::F(3));
    type_text(&mut app, "L-0");
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "10");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "2");
    let shown = screen(&app, 80, 24);
    let row = shown.lines().find(|l| l.contains("Extra label type")).unwrap();
    assert!(row.contains("✗ choose: a number or percent"), "the type is marked: {shown}");
    assert!(!shown.contains("extra_label"), "the API's names stay off the screen: {shown}");
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "0");
    assert!(!app.labels.form.has_errors(), "0 extra labels need no type");
    press(&mut app, KeyCode::F(10));
    assert!(app.confirm.is_some(), "asked, not refused: {:?}", app.flash);
    let req = requests(&press(&mut app, KeyCode::Char('y'))).remove(0);
    match &req.job {
        Job::CreateLabelOrder(l) => assert_eq!((l.extra_label_amount, l.extra_label_type.as_deref()), (None, None)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn label_business_errors_are_explained_and_keep_the_form() {
    for (err, recorded, words) in [
        (ApiError::LabelOrderExists, false, "already exists"),
        (ApiError::BatchNotFound, false, "batch not found"),
        (ApiError::TemplateNotFound, false, "template"),
        (ApiError::DestinationNotFound, false, "destination"),
        (ApiError::NotEnoughSerialsAssigned, true, "generate or request serials"),
        (ApiError::SerialsBeingReplenished, true, "wait a few minutes"),
    ] {
        let (mut app, _) = new_app();
        press(&mut app, KeyCode::F(3));
        for (text, tabs) in [("L-9", 1), ("02026041310005", 1), ("MCS36042", 1), ("10", 0)] {
            type_text(&mut app, text);
            for _ in 0..tabs {
                press(&mut app, KeyCode::Tab);
            }
        }
        press(&mut app, KeyCode::F(10));
        let id = requests(&press(&mut app, KeyCode::Char('y')))[0].id;
        let effects = answer(&mut app, id, Backend::Manufacturer, Outcome::LabelOrderCreated(Err(err.clone())));
        let saved = effects.iter().any(|e| matches!(e, Effect::SaveLabel(_)));
        assert_eq!(saved, recorded, "{err:?}");
        assert!(effects.iter().any(|e| matches!(e, Effect::Bell)), "{err:?} rings the bell");
        let shown = app.labels.form.form_error.clone().unwrap_or_default();
        assert!(shown.contains(words), "{err:?}: {shown}");
        assert_eq!(app.labels.form.value("order_id"), "L-9", "the form is kept");
    }
}
