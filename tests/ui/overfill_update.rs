//! An order takes its quantity (plus the configured tolerance) and not one pack more: the
//! next is ORDER FULL, the progress says so, and only the supervisor's PIN allows more.

use crate::common::dashboard::*;
use shopfloor::config::Secret;
use shopfloor::scan::journal::{Appended, NewScan};
use shopfloor::tui::app::{update, App};
use shopfloor::tui::msg::{Effect, Msg, PinCheck, PinFor, Tab};
use shopfloor::tui::tabs::scan::{Fill, LastScan};

fn app_with(tolerance: u32, supervisor: bool) -> App {
    let mut settings = settings();
    settings.scan.overfill_tolerance_percent = tolerance;
    if supervisor {
        // Never checked here: the test answers the PIN check itself.
        settings.access.supervisor_pin_hash = Some(Secret::new("$argon2id$not-checked-in-this-test"));
    }
    let (mut app, first) = App::new(settings, vec![], None, clock(), (80, 24));
    load_orders(&mut app, &first, vec![sample_order("Order143")]);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::F(5));
    assert_eq!(app.tab, Tab::Scan);
    app
}

fn code(n: usize) -> String {
    format!("(01)02022090117459(17)290512(10)B2405121(21)FILL{n:04}")
}

fn journaled(effects: &[Effect]) -> Vec<NewScan> {
    effects.iter().filter_map(|e| if let Effect::Journal(s) = e { Some(s.clone()) } else { None }).collect()
}

/// Scans `n` packs, each answered by the journal as accepted.
fn fill(app: &mut App, from: usize, n: usize) {
    for i in from..from + n {
        let effects = scan_in(app, &code(i));
        let s = journaled(&effects);
        assert_eq!(s.len(), 1, "pack {i} is journaled: {:?}", app.scan.last);
        update(app, Msg::Journaled(vec![(s[0].clone(), Ok(Appended::Accepted(i as i64)))]));
    }
}

#[test]
fn the_limit_is_integer_arithmetic() {
    assert_eq!(Fill::limit(25, 16), 29, "25 × 1.16 is 29, not 28.999…");
    assert_eq!(Fill::limit(10, 0), 10);
    assert_eq!(Fill::limit(10, 5), 10, "half a pack is no pack");
    assert_eq!(Fill::limit(0, 50), 0);
}

#[test]
fn the_pack_beyond_the_quantity_is_order_full_and_nothing_is_journaled() {
    let mut app = app_with(0, false);
    fill(&mut app, 0, 9);
    assert!(screen(&app, 80, 24).contains("1 pack(s) left of 10"), "nearing the end is said");
    let effects = scan_in(&mut app, &code(9));
    assert_eq!(journaled(&effects).len(), 1);
    assert!(screen(&app, 80, 24).contains("complete with this pack"), "{}", screen(&app, 80, 24));
    update(&mut app, Msg::Journaled(vec![(journaled(&effects)[0].clone(), Ok(Appended::Accepted(9)))]));

    let effects = scan_in(&mut app, &code(10));
    assert!(journaled(&effects).is_empty(), "the eleventh pack is not journaled");
    assert!(effects.iter().any(|e| matches!(e, Effect::RecordAlarm { kind, .. } if kind == "order_full")));
    match &app.scan.last {
        Some(LastScan::Refused(a)) => assert_eq!(a.headline(), "ORDER FULL"),
        other => panic!("{other:?}"),
    }
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("10 of 10 — order full"), "{shown}");
    assert!(shown.contains("one too many"), "{shown}");
    assert!(shown.contains("supervisor allows more"), "says how to go on:\n{shown}");
    // Acknowledging does not make room: the next pack is refused again.
    press(&mut app, KeyCode::F(9));
    assert!(journaled(&scan_in(&mut app, &code(11))).is_empty());
}

#[test]
fn a_tolerance_lets_that_many_more_in() {
    let mut app = app_with(20, false);
    fill(&mut app, 0, 12);
    let effects = scan_in(&mut app, &code(12));
    assert!(journaled(&effects).is_empty(), "10 + 20 % is 12");
    assert!(screen(&app, 80, 24).contains("12 of 10 — order full"), "{}", screen(&app, 80, 24));
}

#[test]
fn packs_still_on_their_way_to_the_journal_count() {
    let mut app = app_with(0, false);
    // Ten scans in one burst, none answered yet: the eleventh is refused all the same.
    for i in 0..10 {
        assert_eq!(journaled(&scan_in(&mut app, &code(i))).len(), 1);
    }
    assert!(journaled(&scan_in(&mut app, &code(10))).is_empty());
}

#[test]
fn the_supervisor_pin_allows_more_and_is_audited() {
    let mut app = app_with(0, true);
    fill(&mut app, 0, 10);
    scan_in(&mut app, &code(10));
    assert!(app.scan.alarm.is_some());
    press(&mut app, KeyCode::F(12));
    assert!(screen(&app, 80, 24).contains("allow more packs"), "{}", screen(&app, 80, 24));
    for c in "2468".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.iter().any(|e| matches!(e, Effect::CheckPin { purpose: PinCheck::Prompt(PinFor::AllowMore), .. })));
    let effects = update(&mut app, Msg::PinChecked { purpose: PinCheck::Prompt(PinFor::AllowMore), ok: true });
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Audit(a) if a.action == "scan.overfill_allowed")),
        "{effects:?}"
    );
    assert!(app.scan.alarm.is_none(), "the ORDER FULL alarm is cleared");
    assert_eq!(journaled(&scan_in(&mut app, &code(10))).len(), 1, "the refused pack goes in now");
}

#[test]
fn without_a_supervisor_pin_the_screen_says_what_to_change() {
    let mut app = app_with(0, false);
    fill(&mut app, 0, 10);
    scan_in(&mut app, &code(10));
    press(&mut app, KeyCode::F(12));
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("overfill_tolerance_percent"), "{shown}");
}

#[test]
fn an_order_without_a_quantity_has_no_limit() {
    let mut settings = settings();
    settings.scan.overfill_tolerance_percent = 0;
    let (mut app, first) = App::new(settings, vec![], None, clock(), (80, 24));
    let mut order = sample_order("Order143");
    order.quantity = 0;
    load_orders(&mut app, &first, vec![order]);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::F(5));
    assert_eq!(journaled(&scan_in(&mut app, &code(0))).len(), 1);
}

#[test]
fn the_supervisor_can_allow_more_when_alarms_do_not_block() {
    let mut settings = settings();
    settings.scan.block_on_alarm = false;
    settings.access.supervisor_pin_hash = Some(Secret::new("$argon2id$not-checked-in-this-test"));
    let (mut app, first) = App::new(settings, vec![], None, clock(), (80, 24));
    load_orders(&mut app, &first, vec![sample_order("Order143")]);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::F(5));
    fill(&mut app, 0, 10);
    scan_in(&mut app, &code(10));
    press(&mut app, KeyCode::F(12));
    assert!(screen(&app, 80, 24).contains("allow more packs"), "{}", screen(&app, 80, 24));
}

#[test]
fn with_a_line_store_the_other_stations_packs_fill_the_order_too() {
    use shopfloor::line_store::{LineCounts, LineEvent};
    let mut app = app_with(0, false);
    app.settings.line_store = true;
    fill(&mut app, 0, 4);
    // Six packs of this order were claimed at other stations of the line.
    update(
        &mut app,
        Msg::Line(LineEvent::Counts(LineCounts { order_id: "Order143".into(), own: 4, line: 10, by_station: vec![] })),
    );
    let effects = scan_in(&mut app, &code(4));
    assert!(journaled(&effects).is_empty(), "4 here + 6 elsewhere fill the 10");
    assert!(effects.iter().any(|e| matches!(e, Effect::RecordAlarm { kind, .. } if kind == "order_full")));
}

#[test]
fn a_named_supervisor_signs_for_more_packs_with_a_reason() {
    use shopfloor::config::access::{Operator, Role};
    use shopfloor::config::signatures::SignaturesConfig;
    let mut app = app_with(0, false);
    app.settings.access.operators = vec![Operator {
        id: "sup-1".into(),
        name: "Sam Sousa".into(),
        // Never checked here: the test answers the PIN check itself.
        pin_hash: Some(Secret::new("$argon2id$not-checked-in-this-test")),
        role: Role::Supervisor,
    }];
    app.settings.access.signatures = SignaturesConfig::from_file(&Default::default(), true).0;
    fill(&mut app, 0, 10);
    scan_in(&mut app, &code(10));
    press(&mut app, KeyCode::F(12));
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("allow more packs") && shown.contains("Reason"), "{shown}");
    for text in ["one more pallet", "sup-1", "2468"] {
        for c in text.chars() {
            press(&mut app, KeyCode::Char(c));
        }
        press(&mut app, KeyCode::Enter);
    }
    let effects = update(&mut app, Msg::PinChecked { purpose: PinCheck::Signer("sup-1".into()), ok: true });
    let row =
        effects.iter().find_map(|e| if let Effect::Audit(a) = e { Some(a.clone()) } else { None }).expect("audited");
    assert_eq!(row.action, "scan.overfill_allowed");
    let s = row.signature.expect("signed");
    assert_eq!((s.signer.as_str(), s.reason.as_deref()), ("sup-1", Some("one more pallet")));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::AckAlarmsOf(a, kind) if kind == "order_full" && a.operator.as_deref() == Some("sup-1"))),
        "only the ORDER FULL alarm is closed, by the signer: {effects:?}"
    );
    assert_eq!(journaled(&scan_in(&mut app, &code(10))).len(), 1, "the refused pack goes in now");
}
