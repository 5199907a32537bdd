//! Electronic signatures through the app's message API: each signed action is refused without a
//! signature, done with one, and recorded with it; the signing session (PIN alone while it is
//! continuous); the two-person rule; wrong PINs counted per person; scans in the dialog.

use crate::common::dashboard::*;
use shopfloor::config::access::{hash_pin, Operator, Role};
use shopfloor::config::secret::Secret;
use shopfloor::config::signatures::{SignaturesConfig, SignaturesFile};
use shopfloor::domain::audit::{actions, NewEntry};
use shopfloor::domain::production::{OrderState, OrdersPage, ProductionOrder};
use shopfloor::scan::journal::{ScanRow, ScanStats, State};
use shopfloor::tui::app::{update, App};
use shopfloor::tui::msg::{AccessSettings, Effect, Msg, Tab};
use shopfloor::tui::signing::Step;
use shopfloor::worker::{Backend, Job, Outcome, ProdChange};
use std::sync::OnceLock;
use std::time::Duration;

fn hashes() -> &'static (Secret, Secret) {
    static H: OnceLock<(Secret, Secret)> = OnceLock::new();
    H.get_or_init(|| {
        (Secret::new(hash_pin(&Secret::new("2468")).unwrap()), Secret::new(hash_pin(&Secret::new("3579")).unwrap()))
    })
}

fn person(id: &str, name: &str, role: Role, pin: Option<Secret>) -> Operator {
    Operator { id: id.into(), name: name.into(), pin_hash: pin, role }
}

fn access(signatures: &str) -> AccessSettings {
    let (sup, qa) = hashes().clone();
    let file: SignaturesFile = toml::from_str(signatures).unwrap();
    AccessSettings {
        kiosk: true,
        tabs: vec![Tab::Scan, Tab::Packaging],
        supervisor_pin_hash: None,
        relock_idle: Duration::from_secs(120),
        badge_prefix: "OP:".into(),
        idle_signout: None,
        operators: vec![
            person("op-1", "Anna Berg", Role::Operator, None),
            person("sup-1", "Sam Sousa", Role::Supervisor, Some(sup)),
            person("qa-1", "Quinn Adler", Role::Qa, Some(qa)),
        ],
        signatures: SignaturesConfig::from_file(&file, true).0,
    }
}

/// A kiosk station with op-1 signed in, on the Scan tab.
fn station(signatures: &str) -> App {
    let mut s = settings();
    s.access = access(signatures);
    let (mut app, _) = App::new(s, Vec::new(), Some(sample_order("Order143")), clock(), (80, 24));
    type_text(&mut app, "op-1");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.access.operator_id(), Some("op-1"));
    app
}

fn enter(app: &mut App, text: &str) -> Vec<Effect> {
    type_text(app, text);
    let effects = press(app, KeyCode::Enter);
    pins_checked(app, effects)
}

fn audits(effects: &[Effect]) -> Vec<NewEntry> {
    effects.iter().filter_map(|e| if let Effect::Audit(a) = e { Some(a.clone()) } else { None }).collect()
}

fn step(app: &App) -> Option<Step> {
    app.access.signing.dialog.as_ref().map(|d| d.step)
}

fn flash(app: &App) -> String {
    app.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default()
}

fn commissioned_row() -> ScanRow {
    ScanRow {
        id: 1,
        at: "2026-11-21T10:00:00.000Z".into(),
        order_id: "Order143".into(),
        gtin: "02022090117459".into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: "DONE".into(),
        state: State::Commissioned,
        reason: None,
        attempts: 1,
        refusal: None,
    }
}

/// Selects the commissioned serial and answers "Sampled": the signing dialog opens.
fn ask_decommission(app: &mut App) {
    update(
        app,
        Msg::ScanStats(Box::new(ScanStats {
            order_id: "Order143".into(),
            recent: vec![commissioned_row()],
            ..Default::default()
        })),
    );
    press(app, KeyCode::Down);
    press(app, KeyCode::F(7));
    assert!(app.confirm.is_some(), "{}", flash(app));
    let effects = press(app, KeyCode::Char('s'));
    assert!(requests(&effects).is_empty(), "nothing goes out before it is signed");
    assert!(app.access.signing.dialog.is_some(), "{}", flash(app));
}

fn decommission_request(effects: &[Effect]) -> shopfloor::worker::Request {
    let reqs = requests(effects);
    assert!(matches!(reqs.first().map(|r| &r.job), Some(Job::Decommission { .. })), "{effects:?}");
    reqs[0].clone()
}

/// Movilitas answers the decommission request: what the journal is told (the signature and the
/// reason).
fn decommissioned(app: &mut App, request: u64) -> (Option<shopfloor::domain::audit::Signed>, String) {
    let ok = vec![shopfloor::domain::manufacturer::CommissionedSerial {
        serial_number: "DONE".into(),
        status: "Decommissioned".into(),
    }];
    let outcome = Outcome::Decommissioned { row: 1, reason: "Sampled".into(), result: Ok(ok) };
    let effects = answer(app, request, Backend::Manufacturer, outcome);
    effects
        .iter()
        .find_map(|e| match e {
            Effect::MarkDecommissioned { signed, reason, .. } => Some((signed.clone(), reason.clone())),
            _ => None,
        })
        .expect("the journal is told")
}

#[test]
fn unlocking_is_signed_by_a_named_supervisor_and_recorded_under_them() {
    let mut app = station("");
    press(&mut app, KeyCode::F(12));
    assert_eq!(step(&app), Some(Step::Id), "the first signature asks who signs");
    // Cancelled: nothing is done.
    let effects = press(&mut app, KeyCode::Esc);
    assert!(!app.access.unlocked && audits(&effects).is_empty());
    assert!(flash(&app).contains("Not signed"), "{}", flash(&app));

    press(&mut app, KeyCode::F(12));
    enter(&mut app, "op-1");
    assert!(
        app.access.signing.dialog.as_ref().unwrap().error.as_deref().unwrap_or("").contains("is an operator"),
        "an operator cannot sign"
    );
    enter(&mut app, "SUP-1");
    assert_eq!(step(&app), Some(Step::Pin));
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Sam Sousa (sup-1)") && shown.contains("Meaning: performed"), "{shown}");
    let effects = enter(&mut app, "2468");
    assert!(app.access.unlocked && app.access.signing.dialog.is_none());
    let rows = audits(&effects);
    let row = rows.iter().find(|a| a.action == actions::KIOSK_UNLOCKED).expect("unlock audited");
    assert_eq!(row.operator.as_deref(), Some("sup-1"), "recorded under the supervisor, not op-1");
    let sig = row.signature.as_ref().expect("signed");
    assert_eq!((sig.signer.as_str(), sig.name.as_str(), sig.meaning.as_str()), ("sup-1", "Sam Sousa", "performed"));
    assert!(flash(&app).contains("Unlocked by Sam Sousa"), "{}", flash(&app));
}

#[test]
fn a_decommission_is_refused_without_a_signature_and_recorded_with_one() {
    let mut app = station("");
    ask_decommission(&mut app);
    let effects = press(&mut app, KeyCode::Esc);
    assert!(requests(&effects).is_empty(), "not signed, not sent");

    ask_decommission(&mut app);
    enter(&mut app, "qa-1");
    let effects = enter(&mut app, "3579");
    let req = decommission_request(&effects);
    let (signed, reason) = decommissioned(&mut app, req.id);
    assert_eq!(reason, "Sampled");
    let s = signed.expect("with the signature");
    assert_eq!((s.signer.as_str(), s.role.as_str(), s.action.as_str()), ("qa-1", "qa", "decommission"));
    assert_eq!(s.order.as_deref(), Some("Order143"));
    assert!(s.summary.contains("DONE") && s.summary.contains("Sampled"), "{}", s.summary);
}

#[test]
fn a_continuous_session_takes_the_pin_alone_until_idle_or_a_lock_ends_it() {
    let mut app = station("");
    press(&mut app, KeyCode::F(12));
    enter(&mut app, "sup-1");
    enter(&mut app, "2468");
    assert!(app.access.unlocked);
    // The second signature: the PIN alone, bound to sup-1.
    ask_decommission(&mut app);
    assert_eq!(step(&app), Some(Step::Pin));
    assert!(screen(&app, 80, 24).contains("the PIN is enough"), "{}", screen(&app, 80, 24));
    let effects = press(&mut app, KeyCode::Char('3'));
    assert!(effects.is_empty());
    for c in "579".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    // qa-1's PIN is checked against sup-1's hash only: refused.
    let typed = press(&mut app, KeyCode::Enter);
    let effects = pins_checked(&mut app, typed);
    assert!(requests(&effects).is_empty());
    assert!(audits(&effects).iter().any(|a| a.action == actions::SIGNATURE_PIN_FAILED && a.object == "sup-1"));
    let effects = enter(&mut app, "2468");
    decommission_request(&effects);
    // Idle past the session's limit: the next signature asks for both again.
    let idle = app.settings.access.signatures.session_idle;
    update(&mut app, Msg::Idle(idle));
    ask_decommission(&mut app);
    assert_eq!(step(&app), Some(Step::Id), "idle ended the session");
    press(&mut app, KeyCode::Esc);
    // A lock ends it too.
    let mut app = station("");
    press(&mut app, KeyCode::F(12));
    enter(&mut app, "sup-1");
    enter(&mut app, "2468");
    press(&mut app, KeyCode::F(12));
    assert!(!app.access.unlocked);
    ask_decommission(&mut app);
    assert_eq!(step(&app), Some(Step::Id), "locking ended the session");
}

#[test]
fn a_two_person_action_is_refused_when_the_doer_signs() {
    let mut app = station("[decommission]\ntwo_person = true\n");
    // sup-1 signs in as the operator at the station…
    let effects = scan_in(&mut app, "OP:sup-1");
    pins_checked(&mut app, effects);
    enter(&mut app, "2468");
    assert_eq!(app.access.operator_id(), Some("sup-1"));
    // …so cannot sign their own decommissioning.
    ask_decommission(&mut app);
    enter(&mut app, "sup-1");
    let d = app.access.signing.dialog.as_ref().unwrap();
    assert_eq!(d.step, Step::Id);
    assert!(d.error.as_deref().unwrap_or("").contains("second person"), "{:?}", d.error);
    enter(&mut app, "qa-1");
    let effects = enter(&mut app, "3579");
    decommission_request(&effects);
}

#[test]
fn wrong_pins_lock_out_that_person_only_and_are_recorded_as_misuse() {
    let mut app = station("max_pin_failures = 3\n");
    ask_decommission(&mut app);
    enter(&mut app, "sup-1");
    let mut rows = Vec::new();
    for _ in 0..3 {
        rows.extend(audits(&enter(&mut app, "1111")));
    }
    let kinds: Vec<&str> = rows.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        kinds,
        [
            actions::SIGNATURE_PIN_FAILED,
            actions::SIGNATURE_PIN_FAILED,
            actions::SIGNATURE_PIN_FAILED,
            actions::SIGNATURE_LOCKOUT
        ]
    );
    assert!(rows.last().unwrap().reason.as_deref().unwrap().contains("attempted misuse"));
    let all = format!("{rows:?}");
    assert!(!all.contains("1111"), "no PIN in the audit trail: {all}");
    // sup-1 is locked out; qa-1 is not.
    enter(&mut app, "sup-1");
    let d = app.access.signing.dialog.as_ref().unwrap();
    assert!(d.error.as_deref().unwrap_or("").contains("locked"), "{:?}", d.error);
    enter(&mut app, "qa-1");
    decommission_request(&enter(&mut app, "3579"));
}

#[test]
fn a_scan_in_the_dialog_is_never_a_pin_and_a_badge_names_the_signer() {
    let mut app = station("");
    ask_decommission(&mut app);
    // A badge on the id step names the signer.
    scan_in(&mut app, "OP:qa-1");
    assert_eq!(step(&app), Some(Step::Pin));
    type_text(&mut app, "35");
    let effects = scan_in(&mut app, "]d2010952012345678821SN0001");
    assert!(!effects.iter().any(|e| matches!(e, Effect::CheckPin { .. })), "a scan is never checked as a PIN");
    let d = app.access.signing.dialog.as_ref().unwrap();
    assert!(d.pin.expose().is_empty(), "what was typed before the scan is dropped too");
    assert!(d.error.as_deref().unwrap_or("").contains("A scan is not accepted"), "{:?}", d.error);
    decommission_request(&enter(&mut app, "3579"));
}

#[test]
fn changing_the_order_of_a_locked_station_is_signed_with_a_reason() {
    let mut app = station("");
    press(&mut app, KeyCode::F(2));
    app.packaging.orders = vec![sample_order("PO-2611-001")];
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(step(&app), Some(Step::Reason), "an override asks why first");
    press(&mut app, KeyCode::Enter);
    assert!(app.access.signing.dialog.as_ref().unwrap().error.as_deref().unwrap_or("").contains("reason is required"));
    type_text(&mut app, "line 2 down");
    press(&mut app, KeyCode::Enter);
    enter(&mut app, "sup-1");
    let effects = enter(&mut app, "2468");
    assert_eq!(app.active.as_ref().map(|o| o.order_id.as_str()), Some("PO-2611-001"));
    assert!(!app.access.unlocked, "signing for one change does not unlock the station");
    let row = audits(&effects).into_iter().find(|a| a.action == actions::ACTIVE_ORDER_CHANGED).unwrap();
    let s = row.signature.unwrap();
    assert_eq!((s.meaning.as_str(), s.reason.as_deref()), ("approved", Some("line 2 down")));
}

/// A kiosk station unlocked by sup-1 (Production is open then), on the Production tab listing
/// one order in this state.
fn production_list(id: i64, state: OrderState) -> (App, ProductionOrder) {
    let mut app = station("");
    press(&mut app, KeyCode::F(12));
    enter(&mut app, "sup-1");
    enter(&mut app, "2468");
    let list = requests(&press(&mut app, KeyCode::F(4))).remove(0);
    let order = ProductionOrder {
        order_id: Some(id),
        pr_reference: Some(format!("PR-{id}")),
        state: Some(state),
        ..Default::default()
    };
    let page = OrdersPage { page: 0, pages: 1, page_size: 10, orders_count: 1, orders: vec![order.clone()] };
    answer(&mut app, list.id, Backend::Production, Outcome::ProdList(Ok(page)));
    (app, order)
}

#[test]
fn cancelling_a_production_order_is_signed_and_its_audit_row_carries_it() {
    let (mut app, order) = production_list(1, OrderState::New);
    press(&mut app, KeyCode::Char('x'));
    assert!(app.confirm.is_some(), "{}", flash(&app));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(requests(&effects).is_empty());
    assert_eq!(step(&app), Some(Step::Reason));
    type_text(&mut app, "customer withdrew");
    press(&mut app, KeyCode::Enter);
    let effects = enter(&mut app, "2468");
    let req = requests(&effects).remove(0);
    assert!(matches!(req.job, Job::ProdChange { change: ProdChange::Cancel, .. }));
    let done = ProductionOrder { state: Some(OrderState::Cancelled), ..order };
    let effects =
        answer(&mut app, req.id, Backend::Production, Outcome::ProdChanged { done: "cancelled", result: Ok(done) });
    let row = audits(&effects).into_iter().find(|a| a.action == actions::PRODUCTION_ORDER_CHANGED).unwrap();
    let s = row.signature.expect("signed");
    assert_eq!((s.action.as_str(), s.reason.as_deref()), ("cancel_production", Some("customer withdrew")));
}

#[test]
fn the_dialog_fits_a_handheld_with_nothing_cut() {
    let mut app = station("");
    press(&mut app, KeyCode::F(2));
    app.packaging.orders = vec![sample_order("PO-2611-001")];
    press(&mut app, KeyCode::Char('a'));
    type_text(&mut app, "line 2 down");
    press(&mut app, KeyCode::Enter);
    enter(&mut app, "sup-1");
    for (w, h) in [(80, 24), (40, 16)] {
        let shown = screen(&app, w, h);
        for words in [
            "Sign: change the active",
            "Make PO-2611-001",
            "Meaning: approved",
            "Reason: line 2 down",
            "Signer: Sam Sousa",
            "PIN:",
            "Esc: cancel",
        ] {
            assert!(shown.contains(words), "{w}x{h} shows {words:?}:\n{shown}");
        }
    }
}

#[test]
fn an_order_barcode_on_a_locked_station_asks_for_the_signature() {
    let mut app = station("");
    let effects = scan_in(&mut app, "ORDER:PO-2611-001");
    let req = requests(&effects).remove(0);
    assert!(matches!(&req.job, Job::OrderDetails { order_id } if order_id == "PO-2611-001"), "{:?}", req.job);
    answer(&mut app, req.id, Backend::Manufacturer, Outcome::OrderDetails(Ok(sample_order("PO-2611-001"))));
    assert_eq!(step(&app), Some(Step::Reason), "{}", flash(&app));
    assert_eq!(app.active.as_ref().map(|o| o.order_id.as_str()), Some("Order143"), "not changed before it is signed");
}

#[test]
fn another_terminal_size_ends_the_session_and_the_dialog_looks_the_same_each_time() {
    let mut app = station("");
    press(&mut app, KeyCode::F(12));
    enter(&mut app, "sup-1");
    insta::assert_snapshot!("signature_dialog_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("signature_dialog_40x16", screen(&app, 40, 16));
    enter(&mut app, "2468");
    assert!(app.access.signing.session.is_some());
    update(&mut app, Msg::Resize(80, 24));
    assert!(app.access.signing.session.is_some(), "the same size is the same terminal");
    update(&mut app, Msg::Resize(120, 40));
    assert!(app.access.signing.session.is_none(), "a reattached terminal signs in full again");
}

#[test]
fn f7_on_a_decommissioned_serial_says_why_nothing_happens() {
    let mut app = station("");
    let mut row = commissioned_row();
    row.state = State::Decommissioned;
    update(
        &mut app,
        Msg::ScanStats(Box::new(ScanStats { order_id: "Order143".into(), recent: vec![row], ..Default::default() })),
    );
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::F(7));
    assert!(app.confirm.is_none());
    assert!(flash(&app).contains("Only a commissioned serial"), "{}", screen(&app, 80, 24));
}

#[test]
fn on_a_handheld_the_serial_f7_acts_on_is_on_screen_and_marked() {
    let mut app = station("");
    let recent: Vec<ScanRow> =
        (1..=12).map(|n| ScanRow { id: n, serial: format!("SER{n:02}"), ..commissioned_row() }).rev().collect();
    update(&mut app, Msg::ScanStats(Box::new(ScanStats { order_id: "Order143".into(), recent, ..Default::default() })));
    for _ in 0..10 {
        press(&mut app, KeyCode::Down);
    }
    let shown = screen(&app, 40, 16);
    assert!(shown.contains("›SER03"), "the tenth row (SER03) is shown and marked:\n{shown}");
    press(&mut app, KeyCode::F(7));
    assert!(app.confirm.as_ref().unwrap().title.contains("SER03"));
    let shown = screen(&app, 40, 16);
    for choice in ["d  Destroyed", "s  Sampled", "u  Supplied", "n  no, go back"] {
        assert!(shown.contains(choice), "{choice:?} is not split over two rows:\n{shown}");
    }
}

#[test]
fn floor_mistakes_in_the_dialog_are_caught() {
    // A PIN typed as the reason is refused: a reason says why in words.
    let mut app = station("");
    press(&mut app, KeyCode::F(2));
    app.packaging.orders = vec![sample_order("PO-2611-001")];
    press(&mut app, KeyCode::Char('a'));
    enter(&mut app, "2468");
    let d = app.access.signing.dialog.as_ref().unwrap();
    assert_eq!(d.step, Step::Reason);
    assert!(d.reason.is_empty() && d.error.as_deref().unwrap_or("").contains("in words"), "{:?}", d.error);
    assert!(!screen(&app, 80, 24).contains("2468"), "the PIN is not left on screen");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::F(5));

    // A badge short enough to arrive as typing ("OP:qa-1") still names the signer.
    ask_decommission(&mut app);
    enter(&mut app, "OP:qa-1");
    assert_eq!(step(&app), Some(Step::Pin), "{:?}", app.access.signing.dialog.as_ref().unwrap().error);
    let effects = enter(&mut app, "3579");
    decommission_request(&effects);
    assert!(flash(&app).contains("Signed by Quinn Adler"), "{}", flash(&app));

    // The session lasts from the last signature, not from the last key at the station: a
    // dialog left open for the PIN alone past it asks who signs again.
    ask_decommission(&mut app);
    assert_eq!(step(&app), Some(Step::Pin));
    let limit = app.settings.access.signatures.session_idle.as_millis() as u64;
    for _ in 0..(limit / 1000) {
        // Someone keeps typing at the station meanwhile (each key a second later).
        press(&mut app, KeyCode::Char('x'));
        press(&mut app, KeyCode::Backspace);
    }
    let effects = enter(&mut app, "3579");
    assert!(requests(&effects).is_empty(), "the PIN alone no longer signs");
    let d = app.access.signing.dialog.as_ref().unwrap();
    assert_eq!(d.step, Step::Id);
    assert!(d.error.as_deref().unwrap_or("").contains("session ended"), "{:?}", d.error);
    enter(&mut app, "qa-1");
    let effects = enter(&mut app, "3579");
    decommission_request(&effects);
}

#[test]
fn finishing_a_production_order_is_signed_without_a_required_reason() {
    let (mut app, order) = production_list(2, OrderState::Developing);
    press(&mut app, KeyCode::Char('f'));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(requests(&effects).is_empty(), "not sent before it is signed");
    assert_eq!(step(&app), Some(Step::Pin), "the session is continuous and finishing needs no reason");
    press(&mut app, KeyCode::Esc);
    assert!(flash(&app).contains("Not signed"), "refused without the signature: {}", flash(&app));
    press(&mut app, KeyCode::Char('f'));
    press(&mut app, KeyCode::Char('y'));
    let req = requests(&enter(&mut app, "2468")).remove(0);
    assert!(matches!(req.job, Job::ProdChange { change: ProdChange::Finish, .. }));
    let done = ProductionOrder { state: Some(OrderState::Finished), ..order };
    let effects =
        answer(&mut app, req.id, Backend::Production, Outcome::ProdChanged { done: "finished", result: Ok(done) });
    let row = audits(&effects).into_iter().find(|a| a.action == actions::PRODUCTION_ORDER_CHANGED).unwrap();
    let s = row.signature.expect("signed");
    assert_eq!(
        (s.action.as_str(), s.meaning.as_str(), s.signed_with.as_str()),
        ("finish_production", "approved", "PIN in a continuous session")
    );
}

#[test]
fn review_cases_a_stuck_dialog_a_second_request_and_how_the_signer_was_named() {
    let mut app = station("");
    press(&mut app, KeyCode::F(12));
    enter(&mut app, "sup-1");
    enter(&mut app, "2468");
    // The PIN is being checked when the session ends (another terminal size): the answer still
    // lands, and the dialog is never left stuck.
    ask_decommission(&mut app);
    type_text(&mut app, "2468");
    let checks = press(&mut app, KeyCode::Enter);
    assert!(app.access.signing.dialog.as_ref().unwrap().checking);
    update(&mut app, Msg::Resize(100, 30));
    let effects = pins_checked(&mut app, checks);
    decommission_request(&effects);
    assert!(app.access.signing.dialog.is_none());
    update(&mut app, Msg::Resize(80, 24));

    // A second request while a dialog is open is refused, not swapped in.
    ask_decommission(&mut app);
    scan_in(&mut app, "ORDER:PO-2611-001");
    let d = app.access.signing.dialog.as_ref().unwrap();
    assert_eq!(d.request.action.key(), "decommission", "the open dialog stays the one on screen");

    // A refused badge followed by a typed id is recorded as a typed id.
    scan_in(&mut app, "OP:op-1");
    enter(&mut app, "qa-1");
    let effects = enter(&mut app, "3579");
    let req = decommission_request(&effects);
    let (signed, _) = decommissioned(&mut app, req.id);
    assert_eq!(signed.unwrap().signed_with, "id and PIN");

    // A one-word reason with digits may be a PIN: refused.
    press(&mut app, KeyCode::F(2));
    press(&mut app, KeyCode::F(12));
    assert!(!app.access.unlocked, "locked again, so the change is signed");
    app.packaging.orders = vec![sample_order("PO-2611-001")];
    press(&mut app, KeyCode::Char('a'));
    enter(&mut app, "abc123");
    let d = app.access.signing.dialog.as_ref().unwrap();
    assert!(d.reason.is_empty() && d.step == Step::Reason, "{:?}", d.error);
}
