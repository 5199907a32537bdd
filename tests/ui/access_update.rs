//! Kiosk lock, PIN prompt and operator sign-in through the app's message API, with the audit
//! rows each step asks for, and the Scan tab and sign-in screen at 40×16.

use crate::common::dashboard::*;
use shopfloor::config::access::{hash_pin, Operator};
use shopfloor::config::secret::Secret;
use shopfloor::domain::audit::actions;
use shopfloor::domain::production::{OrderState, OrdersPage, ProductionOrder};
use shopfloor::tui::access::LOCKOUT;
use shopfloor::tui::app::{update, App};
use shopfloor::tui::msg::{AccessSettings, Effect, Msg, Tab, Timer};
use shopfloor::worker::{Backend, Job, Outcome};
use std::sync::OnceLock;
use std::time::Duration;

/// Hashing takes a moment; every test shares the two hashes.
fn hashes() -> &'static (Secret, Secret) {
    static H: OnceLock<(Secret, Secret)> = OnceLock::new();
    H.get_or_init(|| {
        (Secret::new(hash_pin(&Secret::new("2468")).unwrap()), Secret::new(hash_pin(&Secret::new("1357")).unwrap()))
    })
}

fn kiosk_settings() -> AccessSettings {
    let (supervisor, ben) = hashes().clone();
    AccessSettings {
        kiosk: true,
        tabs: vec![Tab::Scan, Tab::Packaging],
        supervisor_pin_hash: Some(supervisor),
        relock_idle: Duration::from_secs(120),
        badge_prefix: "OP:".into(),
        idle_signout: Some(Duration::from_secs(1800)),
        operators: vec![
            Operator { id: "op-1".into(), name: "Anna Berg".into(), pin_hash: None, role: Default::default() },
            Operator { id: "op-2".into(), name: "Ben Ek".into(), pin_hash: Some(ben), role: Default::default() },
        ],
        signatures: Default::default(),
    }
}

fn kiosk_app() -> App {
    let mut s = settings();
    s.access = kiosk_settings();
    let (app, _) = App::new(s, Vec::new(), Some(sample_order("Order143")), clock(), (80, 24));
    assert_eq!(app.tab, Tab::Scan, "a kiosk starts on its home, the Scan tab");
    app
}

fn enter_pin(app: &mut App, pin: &str) -> Vec<Effect> {
    type_text(app, pin);
    let effects = press(app, KeyCode::Enter);
    pins_checked(app, effects)
}

fn audited(effects: &[Effect]) -> Vec<(String, Option<String>)> {
    effects
        .iter()
        .filter_map(|e| if let Effect::Audit(a) = e { Some((a.action.clone(), a.operator.clone())) } else { None })
        .collect()
}

fn flash(app: &App) -> String {
    app.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default()
}

fn sign_in(app: &mut App, id: &str) -> Vec<Effect> {
    type_text(app, id);
    press(app, KeyCode::Enter)
}

#[test]
fn a_locked_kiosk_cannot_be_left_and_keeps_its_tabs_closed() {
    let mut app = kiosk_app();
    sign_in(&mut app, "op-1");
    for (code, mods) in [
        (KeyCode::Char('q'), Mods::CTRL),
        (KeyCode::Char('c'), Mods::CTRL),
        (KeyCode::Char('z'), Mods::CTRL),
        (KeyCode::Char('\\'), Mods::CTRL),
    ] {
        app.flash = None;
        let effects = press_mod(&mut app, code, mods);
        assert!(!app.quit && !effects.iter().any(|e| matches!(e, Effect::Quit)), "{code:?} does not quit");
        assert!(flash(&app).contains("locked — a supervisor must unlock"), "{code:?}: {}", flash(&app));
    }
    // `q` on the Packaging tab is the quit key there.
    press(&mut app, KeyCode::F(2));
    assert_eq!(app.tab, Tab::Packaging);
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit && app.confirm.is_none(), "not even asked");
    app.flash = None;
    press(&mut app, KeyCode::F(4));
    assert_eq!(app.tab, Tab::Packaging, "Production is not a kiosk tab");
    assert!(flash(&app).contains("locked"));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert!(matches!(app.tab, Tab::Scan | Tab::Packaging), "Tab skips closed tabs: {:?}", app.tab);
    // Changing the active order needs the supervisor.
    press(&mut app, KeyCode::F(2));
    app.active = None;
    app.packaging.orders = vec![sample_order("PO-2611-001")];
    let effects = acting(press(&mut app, KeyCode::Char('a')));
    assert!(effects.is_empty() && app.active.is_none(), "refused while locked");
    assert!(flash(&app).contains("locked"));
}

#[test]
fn the_supervisor_pin_unlocks_and_idle_locks_again() {
    let mut app = kiosk_app();
    press(&mut app, KeyCode::F(12));
    assert!(app.access.prompt.is_some());
    let effects = enter_pin(&mut app, "2468");
    assert!(app.access.prompt.is_none() && app.access.unlocked);
    assert_eq!(audited(&effects), [(actions::KIOSK_UNLOCKED.to_string(), None)]);
    press(&mut app, KeyCode::F(4));
    assert_eq!(app.tab, Tab::Production, "unlocked: every tab");
    // No key for the relock time: locked again, and taken home from a closed tab.
    assert_eq!(app.next_idle_limit(), Some(Duration::from_secs(120)));
    let effects = update(&mut app, Msg::Idle(Duration::from_secs(121)));
    assert!(!app.access.unlocked && app.tab == Tab::Scan);
    assert_eq!(audited(&effects)[0].0, actions::KIOSK_LOCKED);
    // Unlocked again, quitting works.
    press(&mut app, KeyCode::F(12));
    enter_pin(&mut app, "2468");
    press_mod(&mut app, KeyCode::Char('q'), Mods::CTRL);
    assert!(app.quit);
}

#[test]
fn five_wrong_pins_lock_the_prompt_for_a_minute() {
    let mut app = kiosk_app();
    press(&mut app, KeyCode::F(12));
    // A pack scanned while the prompt is open is not counted as a wrong PIN.
    let effects = enter_pin(&mut app, "]d2010202209011745917290512\u{1d}10B2405121\u{1d}21SN-1");
    assert!(audited(&effects).is_empty() && app.access.failures == 0);
    assert!(app.access.prompt.as_ref().unwrap().error.as_deref().unwrap().contains("a scan?"));
    for n in 1..=4 {
        let effects = enter_pin(&mut app, "0000");
        assert_eq!(audited(&effects)[0].0, actions::KIOSK_PIN_FAILED);
        let p = app.access.prompt.as_ref().expect("the prompt stays for another try");
        assert!(p.error.as_deref().unwrap().contains(&format!("{} more tries", 5 - n)), "{:?}", p.error);
        assert!(!app.access.unlocked);
    }
    let effects = enter_pin(&mut app, "0000");
    assert!(app.access.locked_out);
    assert!(effects.iter().any(|e| matches!(e, Effect::After(d, Timer::PinLockoutOver) if *d == LOCKOUT)));
    assert!(audited(&effects).iter().any(|(a, _)| a == actions::KIOSK_PIN_LOCKOUT));
    // Locked out, the prompt stays and swallows what is typed: the PIN typed again goes
    // nowhere (not into a scan, not into the audit trail), and is not checked.
    assert!(app.access.prompt.is_some(), "the prompt stays open while locked out");
    let effects = enter_pin(&mut app, "2468");
    assert!(effects.is_empty(), "{effects:?}");
    assert!(!app.access.unlocked && app.access.prompt.as_ref().unwrap().typed.expose().is_empty());
    let effects = scan_in(&mut app, "2468");
    assert!(!effects.iter().any(|e| matches!(e, Effect::RecordAlarm { .. } | Effect::Journal(_))), "{effects:?}");
    press(&mut app, KeyCode::Esc);
    assert!(app.access.prompt.is_none());
    press(&mut app, KeyCode::F(12));
    assert!(app.access.prompt.is_none(), "no prompt during the lockout");
    assert!(flash(&app).contains("locked for a minute"));
    update(&mut app, Msg::Timer(Timer::PinLockoutOver));
    press(&mut app, KeyCode::F(12));
    enter_pin(&mut app, "2468");
    assert!(app.access.unlocked, "after the minute the right PIN works");
}

#[test]
fn operators_sign_in_hand_over_and_are_signed_out_when_idle() {
    let mut app = kiosk_app();
    assert!(app.signin_needed());
    // Scanning is not possible before sign-in: a pack's code is taken as an unknown id.
    let effects = sign_in(&mut app, "]d2010202209011745917290512");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Journal(_))));
    assert!(app.access.signin_error.as_deref().unwrap().contains("nobody is signed in"));
    // Typed id, no PIN.
    let effects = sign_in(&mut app, "OP-1");
    assert_eq!(app.access.operator_id(), Some("op-1"), "ids compare without case");
    assert_eq!(audited(&effects), [(actions::OPERATOR_SIGNED_IN.to_string(), Some("op-1".into()))]);
    // A scan is journaled with its operator.
    let effects = sign_in(&mut app, "]d2010202209011745917290512\u{1d}10B2405121\u{1d}21SN-77");
    let journaled = effects.iter().find_map(|e| if let Effect::Journal(s) = e { Some(s.clone()) } else { None });
    assert_eq!(journaled.expect("journaled").operator.as_deref(), Some("op-1"));
    // Ben's badge: a hand-over that needs his PIN.
    let effects = sign_in(&mut app, "]C0OP:op-2");
    assert!(effects.is_empty() && app.access.prompt.is_some());
    let effects = enter_pin(&mut app, "1357");
    assert_eq!(app.access.operator_id(), Some("op-2"));
    assert_eq!(
        audited(&effects),
        [
            (actions::OPERATOR_SIGNED_OUT.to_string(), Some("op-1".into())),
            (actions::OPERATOR_SIGNED_IN.to_string(), Some("op-2".into()))
        ]
    );
    assert!(flash(&app).contains("Anna Berg (op-1) handed over to Ben Ek (op-2)"));
    let effects = update(&mut app, Msg::Idle(Duration::from_secs(1800)));
    assert!(app.access.operator_id().is_none() && app.signin_needed());
    assert_eq!(audited(&effects), [(actions::OPERATOR_SIGNED_OUT.to_string(), Some("op-2".into()))]);
}

#[test]
fn creating_orders_in_kiosk_mode_needs_an_operator() {
    let mut app = kiosk_app();
    press(&mut app, KeyCode::F(2));
    press(&mut app, KeyCode::Char('n'));
    for (text, tabs) in [("K-1", 1), ("", 1), ("02022090117459", 2), ("B2405121", 1), ("291231", 1), ("5", 0)] {
        type_text(&mut app, text);
        for _ in 0..tabs {
            press(&mut app, KeyCode::Tab);
        }
    }
    let effects = press(&mut app, KeyCode::F(10));
    assert!(requests(&effects).is_empty() && app.confirm.is_none(), "not even asked without an operator");
    assert!(flash(&app).contains("Sign in first"));
}

#[test]
fn every_change_of_record_asks_for_its_audit_row() {
    let (mut app, first) = new_app();
    load_orders(&mut app, &first, vec![sample_order("Order143")]);
    let effects = press(&mut app, KeyCode::Char('a'));
    assert_eq!(audited(&effects)[0].0, actions::ACTIVE_ORDER_CHANGED);

    // A packaging order created.
    press(&mut app, KeyCode::Char('n'));
    for (text, tabs) in [("A-1", 1), ("", 1), ("02022090117459", 2), ("B2405121", 1), ("291231", 1), ("5", 0)] {
        type_text(&mut app, text);
        for _ in 0..tabs {
            press(&mut app, KeyCode::Tab);
        }
    }
    press(&mut app, KeyCode::F(10));
    let req = requests(&press(&mut app, KeyCode::Char('y'))).remove(0);
    let created = Outcome::PackagingOrderCreated(Ok(sample_order("A-1")));
    let effects = answer(&mut app, req.id, Backend::Manufacturer, created);
    assert_eq!(audited(&effects)[0].0, actions::PACKAGING_ORDER_CREATED);

    // A label order created.
    press(&mut app, KeyCode::F(3));
    type_text(&mut app, "L-1");
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "12");
    press(&mut app, KeyCode::F(10));
    let req = requests(&press(&mut app, KeyCode::Char('y'))).remove(0);
    let effects = answer(&mut app, req.id, Backend::Manufacturer, Outcome::LabelOrderCreated(Ok("L-1".into())));
    assert_eq!(audited(&effects)[0].0, actions::LABEL_ORDER_CREATED);

    // A production order finished, with the state before and after.
    press(&mut app, KeyCode::F(4));
    let list = requests(&press(&mut app, KeyCode::Char('r')))
        .into_iter()
        .find(|r| matches!(r.job, Job::ProdList { .. }))
        .unwrap();
    let order = ProductionOrder {
        order_id: Some(5),
        pr_reference: Some("PR-5".into()),
        state: Some(OrderState::Developing),
        ..Default::default()
    };
    let page = OrdersPage { page: 0, pages: 1, page_size: 10, orders_count: 1, orders: vec![order.clone()] };
    answer(&mut app, list.id, Backend::Production, Outcome::ProdList(Ok(page)));
    press(&mut app, KeyCode::Char('f'));
    let req = requests(&press(&mut app, KeyCode::Char('y'))).remove(0);
    let done = ProductionOrder { state: Some(OrderState::Finished), ..order };
    let effects =
        answer(&mut app, req.id, Backend::Production, Outcome::ProdChanged { done: "finished", result: Ok(done) });
    let row = effects.iter().find_map(|e| if let Effect::Audit(a) = e { Some(a.clone()) } else { None }).unwrap();
    assert_eq!((row.action.as_str(), row.object.as_str()), (actions::PRODUCTION_ORDER_CHANGED, "PR-5"));
    assert_eq!((row.old_value.as_deref(), row.new_value.as_deref()), (Some("DEVELOPING"), Some("FINISHED")));
}

#[test]
fn the_sign_in_screen_and_the_scan_tab_fit_40x16() {
    let mut app = kiosk_app();
    let text = screen(&app, 40, 16);
    assert!(text.contains("Scan your badge") && !text.contains("too small"), "{text}");
    insta::assert_snapshot!("signin_40x16", text);
    press(&mut app, KeyCode::F(12));
    let text = screen(&app, 40, 16);
    assert!(text.contains("Supervisor PIN"), "{text}");
    press(&mut app, KeyCode::Esc);
    sign_in(&mut app, "op-1");
    sign_in(&mut app, "(01)02022090117459(17)290512(10)B9(21)SN0004");
    app.flash = None;
    let text = screen(&app, 40, 16);
    assert!(text.contains("WRONG BATCH") && text.contains("Anna Berg · locked"), "{text}");
    insta::assert_snapshot!("scan_40x16", text);
    // Other tabs say what size they need, and that Scan works smaller.
    app.access.unlocked = true;
    press(&mut app, KeyCode::F(9));
    press(&mut app, KeyCode::F(2));
    let text = screen(&app, 40, 16);
    assert!(text.contains("needs 80×24") && text.contains("40×16"), "{text}");
}
