//! The scan panel with a line store: another station's claim is a DUPLICATE naming it, a late
//! duplicate raises its own alarm, the status bar says when the line-wide check is offline, and
//! the banner of an acknowledged alarm goes.

use crate::common::dashboard::*;
use shopfloor::line_store::{Conflict, FirstClaim, LineCounts, LineEvent, LineStatus};
use shopfloor::scan::journal::Appended;
use shopfloor::tui::app::{update, App};
use shopfloor::tui::msg::{Effect, Msg, Tab};
use shopfloor::tui::tabs::scan::LastScan;

fn on_scan_tab(line_store: bool) -> App {
    let mut settings = settings();
    settings.line_store = line_store;
    let (mut app, first) = App::new(settings, vec![], None, clock(), (80, 24));
    load_orders(&mut app, &first, vec![sample_order("Order143")]);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::F(5));
    assert_eq!(app.tab, Tab::Scan);
    app
}

fn journal_effect(effects: Vec<Effect>) -> shopfloor::scan::journal::NewScan {
    effects.into_iter().find_map(|e| if let Effect::Journal(s) = e { Some(s) } else { None }).expect("journaled")
}

fn good(serial: &str) -> String {
    format!("(01)02022090117459(17)290512(10)B2405121(21){serial}")
}

#[test]
fn a_pack_another_station_claimed_is_a_duplicate_naming_it() {
    let mut app = on_scan_tab(true);
    let s = journal_effect(scan_in(&mut app, &good("SN1")));
    let answer = Appended::ClaimedElsewhere {
        station: "st-a".into(),
        operator: Some("op-7".into()),
        at: "2026-11-21T10:00:01.000Z".into(),
    };
    let effects = update(&mut app, Msg::Journaled(vec![(s, Ok(answer))]));
    assert!(effects.iter().any(|e| matches!(e, Effect::RecordAlarm { kind, .. } if kind == "duplicate_line")));
    assert!(app.scan.alarm.is_some(), "scanning is blocked until acknowledged");
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("DUPLICATE"), "{shown}");
    assert!(shown.contains("scanned at station st-a by op-7 at 10:00:01"), "station, operator, local time:\n{shown}");
    assert!(!shown.contains("ACCEPTED"), "{shown}");
}

#[test]
fn the_banner_goes_when_the_alarm_is_acknowledged() {
    let mut app = on_scan_tab(false);
    scan_in(&mut app, "(01)02022090117459(17)290512(10)OTHER(21)X");
    assert!(screen(&app, 80, 24).contains("WRONG BATCH"));
    let effects = press(&mut app, KeyCode::F(9));
    assert!(effects.iter().any(|e| matches!(e, Effect::AckAlarms(_))));
    assert_eq!(app.scan.last, None);
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("READY") && !shown.contains("WRONG BATCH"), "{shown}");
}

#[test]
fn a_late_duplicate_raises_its_own_alarm() {
    let mut app = on_scan_tab(true);
    let conflict = Conflict {
        scan: shopfloor::line_store::backlog::Outgoing {
            scan_id: 4,
            scanned_at: chrono::Utc::now(),
            operator: None,
            order_id: "Order143".into(),
            gtin: "02022090117459".into(),
            serial: "SN4".into(),
        },
        first: FirstClaim {
            station: "st-c".into(),
            pack: 17,
            operator: None,
            order_id: "Order143".into(),
            scanned_at: "2026-11-21T09:00:00Z".parse().unwrap(),
        },
        late: true,
    };
    let effects = update(&mut app, Msg::Line(LineEvent::LateDuplicate(conflict)));
    assert!(effects.iter().any(|e| matches!(e, Effect::RecordAlarm { kind, .. } if kind == "late_duplicate")));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::NotOurs { row: 4, reason } if reason.contains("st-c"))),
        "not commissioned from here if it has not gone out: {effects:?}"
    );
    match &app.scan.last {
        Some(LastScan::Refused(a)) => {
            assert_eq!(a.headline(), "LATE DUPLICATE");
            assert!(a.message().contains("SN4") && a.message().contains("station st-c"), "{}", a.message());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_status_bar_says_when_the_line_check_is_offline_and_the_panel_shows_line_counts() {
    let mut app = on_scan_tab(true);
    update(&mut app, Msg::Line(LineEvent::Status(LineStatus { online: true, why: None, backlog: 0 })));
    assert!(screen(&app, 80, 24).contains("Line ●"));
    update(
        &mut app,
        Msg::Line(LineEvent::Status(LineStatus { online: false, why: Some("refused".into()), backlog: 3 })),
    );
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Line ✗ 3 unchecked"), "{shown}");
    assert!(shown.contains("duplicate check offline (refused)"), "a message says so, and why:\n{shown}");
    update(
        &mut app,
        Msg::Line(LineEvent::Counts(LineCounts { order_id: "Order143".into(), own: 2, line: 7, by_station: vec![] })),
    );
    assert!(screen(&app, 80, 24).contains("Line: 7 packs of this order, 2 here"));
}

#[test]
fn the_board_hears_of_the_active_order_only_with_a_line_store() {
    let (mut plain, first) = new_app();
    load_orders(&mut plain, &first, vec![sample_order("Order143")]);
    let effects = press(&mut plain, KeyCode::Char('a'));
    assert!(!effects.iter().any(|e| matches!(e, Effect::LineWatch(_) | Effect::LineReport(_))));

    let mut settings = settings();
    settings.line_store = true;
    let (mut app, first) = App::new(settings, vec![], None, clock(), (80, 24));
    load_orders(&mut app, &first, vec![sample_order("Order143")]);
    let effects = press(&mut app, KeyCode::Char('a'));
    assert!(effects.iter().any(|e| matches!(e, Effect::LineWatch(Some(o)) if o == "Order143")));
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::LineReport(s) if s.active_order.as_deref() == Some("Order143"))));
}
