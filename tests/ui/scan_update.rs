//! The scan panel through its message API: framing, checks, alarms that block until
//! acknowledged, command barcodes, the journal's answers and the pipeline's news.

use crate::common::dashboard::*;
use shopfloor::api::ApiError;
use shopfloor::domain::manufacturer::PackagingOrder;
use shopfloor::scan::journal::Appended;
use shopfloor::tui::app::{update, App};
use shopfloor::tui::msg::{Effect, Health, Msg, Tab};
use shopfloor::tui::tabs::scan::LastScan;
use shopfloor::worker::commission::Progress;
use shopfloor::worker::{Backend, Job, Outcome};
use std::time::Duration;

fn order() -> PackagingOrder {
    sample_order("Order143")
}

fn on_scan_tab() -> App {
    let (mut app, first) = new_app();
    load_orders(&mut app, &first, vec![order()]);
    let effects = press(&mut app, KeyCode::Char('a'));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::SaveActive(o) if o.order_id == "Order143")),
        "the active order is kept"
    );
    press(&mut app, KeyCode::F(5));
    assert_eq!(app.tab, Tab::Scan);
    app
}

/// Types a scan into the Scan tab key by key, as a person (or a slow scanner) would: characters,
/// GS as Ctrl+5 (as some terminals report 0x1D), Enter.
fn scan(app: &mut App, code: &str) -> Vec<Effect> {
    for c in code.chars() {
        if c == '\u{1d}' {
            press_mod(app, KeyCode::Char('5'), Mods::CTRL);
        } else {
            press(app, KeyCode::Char(c));
        }
    }
    press(app, KeyCode::Enter)
}

fn good(serial: &str) -> String {
    format!("]d2010202209011745917290512\u{1d}10B2405121\u{1d}21{serial}")
}

#[test]
fn a_good_scan_is_journaled_and_called_accepted_only_after_the_journal_answers() {
    let mut app = on_scan_tab();
    let effects = scan(&mut app, &good("SN1"));
    let journaled: Vec<_> =
        effects.iter().filter_map(|e| if let Effect::Journal(s) = e { Some(s.clone()) } else { None }).collect();
    assert_eq!(journaled.len(), 1);
    assert_eq!(
        (journaled[0].serial.as_str(), journaled[0].batch.as_str(), journaled[0].order_id.as_str()),
        ("SN1", "B2405121", "Order143")
    );
    assert_eq!(app.scan.last, Some(LastScan::Saving("SN1".into())), "not yet accepted");
    let effects = update(&mut app, Msg::Journaled(vec![(journaled[0].clone(), Ok(Appended::Accepted(1)))]));
    assert_eq!(app.scan.last, Some(LastScan::Accepted("SN1".into())));
    assert!(effects.iter().any(|e| matches!(e, Effect::RefreshScanStats(_))));
}

#[test]
fn letters_on_the_scan_tab_are_scan_input_not_shortcuts() {
    let mut app = on_scan_tab();
    let effects = scan(&mut app, "(01)02022090117459(17)290512(10)B2405121(21)qna");
    assert!(!app.quit, "q was part of the serial");
    assert!(effects.iter().any(|e| matches!(e, Effect::Journal(s) if s.serial == "qna")));
}

#[test]
fn each_problem_is_its_own_alarm_and_blocks_until_acknowledged() {
    for (code, kind) in [
        ("(01)02026041310005(17)290512(10)B2405121(21)X", "wrong_product"),
        ("(01)02022090117459(17)290512(10)OTHER(21)X", "wrong_batch"),
        ("(01)02022090117459(17)291231(10)B2405121(21)X", "wrong_expiry"),
        ("(01)02022090117459(17)290512(10)B2405121", "no_serial"),
        ("]d20102022090117458", "undecodable"),
    ] {
        let mut app = on_scan_tab();
        let effects = scan(&mut app, code);
        assert!(
            effects.iter().any(|e| matches!(e, Effect::RecordAlarm { kind: k, .. } if k == kind)),
            "{code}: {effects:?}"
        );
        assert!(effects.iter().any(|e| matches!(e, Effect::Bell)), "{code} rings the bell");
        assert!(app.scan.alarm.is_some());
        // Blocked: a good scan now is refused, not journaled.
        let effects = scan(&mut app, &good("SN9"));
        assert!(!effects.iter().any(|e| matches!(e, Effect::Journal(_))), "{code}: scanning is blocked");
        // The acknowledgement key frees it.
        let effects = press(&mut app, KeyCode::F(9));
        assert!(effects.iter().any(|e| matches!(e, Effect::AckAlarms(_))));
        assert!(scan(&mut app, &good("SN9")).iter().any(|e| matches!(e, Effect::Journal(_))));
    }
}

#[test]
fn a_duplicate_found_by_the_journal_raises_its_alarm_and_the_ack_barcode_clears_it() {
    let mut app = on_scan_tab();
    let effects = scan(&mut app, &good("SN1"));
    let Some(Effect::Journal(s)) = effects.into_iter().find(|e| matches!(e, Effect::Journal(_))) else { panic!() };
    let effects = update(
        &mut app,
        Msg::Journaled(vec![(s, Ok(Appended::Duplicate { first_at: "2026-11-21T10:00:01.000Z".into() }))]),
    );
    assert!(effects.iter().any(|e| matches!(e, Effect::RecordAlarm { kind, .. } if kind == "duplicate")));
    match &app.scan.last {
        Some(LastScan::Refused(a)) => assert!(a.message().contains("10:00:01 UTC"), "{}", a.message()),
        other => panic!("{other:?}"),
    }
    let effects = scan(&mut app, "ACK");
    assert!(effects.iter().any(|e| matches!(e, Effect::AckAlarms(_))) && app.scan.alarm.is_none());
}

#[test]
fn a_journal_failure_is_not_an_acceptance() {
    let mut app = on_scan_tab();
    let effects = scan(&mut app, &good("SN1"));
    let Some(Effect::Journal(s)) = effects.into_iter().find(|e| matches!(e, Effect::Journal(_))) else { panic!() };
    update(&mut app, Msg::Journaled(vec![(s, Err("disk full".into()))]));
    match &app.scan.last {
        Some(LastScan::Refused(a)) => assert!(a.message().contains("NOT accepted")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_order_barcode_makes_that_order_active() {
    let mut app = on_scan_tab();
    let effects = scan(&mut app, "ORDER:PO-2611-001");
    let req = requests(&effects).remove(0);
    assert!(matches!(&req.job, Job::OrderDetails { order_id } if order_id == "PO-2611-001"));
    let mut other = order();
    other.order_id = "PO-2611-001".into();
    let effects = answer(&mut app, req.id, Backend::Manufacturer, Outcome::OrderDetails(Ok(other)));
    assert_eq!(app.active.as_ref().unwrap().order_id, "PO-2611-001");
    assert!(effects.iter().any(|e| matches!(e, Effect::SaveActive(_))));
    assert!(app.packaging.found.is_none(), "the scan lookup did not land in the Packaging tab");
}

#[test]
fn pasted_scans_are_framed_by_line_breaks_and_never_submit_anything_else() {
    let mut app = on_scan_tab();
    let effects = paste(&mut app, &format!("{}\n{}\n", good("P1"), good("P2")));
    let n = effects.iter().filter(|e| matches!(e, Effect::Journal(_))).count();
    assert_eq!(n, 2);
}

#[test]
fn the_pipeline_reports_a_waiting_backend_in_the_status_bar() {
    let mut app = on_scan_tab();
    update(
        &mut app,
        Msg::Pipeline(Progress::Waiting { error: ApiError::ConnectionDropped, retry_in: Duration::from_secs(2) }),
    );
    assert_eq!(app.health.manufacturer, Health::Offline("connection dropped".into()));
    assert!(app.scan.pipeline_note.as_deref().unwrap().contains("next try in 2 s"));
    update(&mut app, Msg::Pipeline(Progress::Answered { commissioned: 5, rejected: 0 }));
    assert_eq!(app.health.manufacturer, Health::Online);
}

#[test]
fn a_selected_commissioned_serial_is_decommissioned_with_a_reason_after_confirmation() {
    use shopfloor::scan::journal::ScanStats;
    use shopfloor::scan::journal::State;
    let mut app = on_scan_tab();
    update(
        &mut app,
        Msg::ScanStats(Box::new(ScanStats {
            order_id: "Order143".into(),
            recent: vec![row(2, "PEND", State::Pending), row(1, "DONE", State::Commissioned)],
            ..Default::default()
        })),
    );
    // Nothing selected yet, then a pending one: refused with a reason.
    press(&mut app, KeyCode::F(7));
    assert!(app.confirm.is_none());
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::F(7));
    assert!(app.confirm.is_none() && app.flash.as_ref().unwrap().text.contains("Only a commissioned serial"));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::F(7));
    assert!(app.confirm.is_some());
    // y is not an answer here: it closes the question as "no", says so, and sends nothing.
    assert!(requests(&press(&mut app, KeyCode::Char('y'))).is_empty() && app.confirm.is_none());
    assert!(app.flash.as_ref().unwrap().text.contains("nothing was sent"));
    press(&mut app, KeyCode::F(7));
    let choices: Vec<char> = app.confirm.as_ref().unwrap().choices.iter().map(|c| c.key).collect();
    assert_eq!(choices, ['d', 's', 'u'], "Destroyed, Sampled, Supplied");
    let effects = press(&mut app, KeyCode::Char('s'));
    let req = requests(&effects).remove(0);
    match &req.job {
        Job::Decommission { request, row } => {
            assert_eq!(
                (request.reason.as_str(), request.serials.as_slice(), *row),
                ("Sampled", &["DONE".to_string()][..], 1)
            );
        }
        other => panic!("{other:?}"),
    }
    let ok = vec![shopfloor::domain::manufacturer::CommissionedSerial {
        serial_number: "DONE".into(),
        status: "Decommissioned".into(),
    }];
    let effects = answer(
        &mut app,
        req.id,
        Backend::Manufacturer,
        Outcome::Decommissioned { row: 1, reason: "Sampled".into(), result: Ok(ok) },
    );
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::MarkDecommissioned { row: 1, reason, .. } if reason == "Sampled")));
}

fn with_active_order() -> App {
    let (mut app, first) = new_app();
    load_orders(&mut app, &first, vec![order()]);
    press(&mut app, KeyCode::Char('a'));
    app
}

#[test]
fn a_scan_on_another_tab_goes_to_the_scan_panel_not_into_a_field() {
    let mut app = with_active_order();
    press(&mut app, KeyCode::F(3));
    press(&mut app, KeyCode::Tab); // the product field of the label form
    let before = app.labels.form.value("product_code");
    let effects = scan_in(&mut app, &good("ROUTED1"));
    assert!(effects.iter().any(|e| matches!(e, Effect::Journal(s) if s.serial == "ROUTED1")), "{effects:?}");
    assert_eq!(app.labels.form.value("product_code"), before, "nothing was typed into the form");
    assert_eq!(app.tab, Tab::Labels);
    assert!(app.flash.as_ref().unwrap().text.contains("the Scan panel (F5) took it"), "{:?}", app.flash);
    // A person typing still reaches the field.
    press(&mut app, KeyCode::Char(']'));
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(app.labels.form.value("product_code"), format!("{before}]x"));
}

#[test]
fn a_scan_fills_an_open_lookup() {
    let mut app = with_active_order();
    press(&mut app, KeyCode::Char('/'));
    let effects = scan_in(&mut app, "]C0ORDER:PO-2611-004");
    assert!(matches!(&requests(&effects)[0].job, Job::OrderDetails { order_id } if order_id == "PO-2611-004"));
    assert_eq!(app.packaging.lookup.value(), "PO-2611-004", "the field holds the id, not the code");
}

fn row(id: i64, serial: &str, state: shopfloor::scan::journal::State) -> shopfloor::scan::journal::ScanRow {
    shopfloor::scan::journal::ScanRow {
        id,
        at: "2026-11-21T10:00:00.000Z".into(),
        order_id: "Order143".into(),
        gtin: "02022090117459".into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: serial.into(),
        state,
        reason: None,
        attempts: 1,
        refusal: None,
    }
}

fn stats(rows: Vec<shopfloor::scan::journal::ScanRow>) -> Msg {
    Msg::ScanStats(Box::new(shopfloor::scan::journal::ScanStats {
        order_id: "Order143".into(),
        recent: rows,
        ..Default::default()
    }))
}

#[test]
fn the_selection_stays_on_its_serial_as_new_scans_arrive_and_is_drawn() {
    use shopfloor::scan::journal::State::Commissioned;
    let mut app = on_scan_tab();
    update(&mut app, stats(vec![row(2, "SECOND", Commissioned), row(1, "FIRST", Commissioned)]));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(app.scan.selected, Some(1));
    // Two new scans arrive on top: the selection moves with FIRST.
    update(
        &mut app,
        stats(vec![
            row(4, "FOURTH", Commissioned),
            row(3, "THIRD", Commissioned),
            row(2, "SECOND", Commissioned),
            row(1, "FIRST", Commissioned),
        ]),
    );
    assert_eq!(app.scan.selected, Some(3));
    press(&mut app, KeyCode::F(7));
    assert!(app.confirm.as_ref().unwrap().title.contains("FIRST"), "F7 still means FIRST");
}

#[test]
fn any_serial_is_decommissioned_by_scanning_its_pack_or_typing_it() {
    use shopfloor::scan::journal::State::Commissioned;
    let mut app = on_scan_tab();
    // Nothing selected: F7 asks for the pack; its scan is looked up, not journaled.
    press(&mut app, KeyCode::F(7));
    assert!(app.scan.asking_serial);
    assert!(screen(&app, 80, 24).contains("Decommission which pack?"), "{}", screen(&app, 80, 24));
    let effects = scan_in(&mut app, &good("OLD77"));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Journal(_))),
        "a pack named for decommissioning is no new scan"
    );
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::FindScan { gtin, serial } if gtin == "02022090117459" && serial == "OLD77")));
    update(
        &mut app,
        Msg::ScanFound {
            gtin: "02022090117459".into(),
            serial: "OLD77".into(),
            row: Some(Box::new(row(77, "OLD77", Commissioned))),
        },
    );
    let confirm = app.confirm.as_ref().expect("the reason is asked");
    assert!(confirm.title.contains("OLD77"));

    // Typed by a person: the serial alone, with the order's product.
    let mut app = on_scan_tab();
    press(&mut app, KeyCode::F(7));
    let effects = scan(&mut app, "TYPED1");
    assert!(effects.iter().any(|e| matches!(e, Effect::FindScan { serial, .. } if serial == "TYPED1")), "{effects:?}");
    update(&mut app, Msg::ScanFound { gtin: "02022090117459".into(), serial: "TYPED1".into(), row: None });
    assert!(app.confirm.is_none());
    assert!(app.flash.as_ref().unwrap().text.contains("never scanned at this station"), "{:?}", app.flash);
    // And the next scan is a scan again.
    assert!(scan_in(&mut app, &good("NEXT1")).iter().any(|e| matches!(e, Effect::Journal(_))));
}

#[test]
fn a_new_pack_scanned_while_f7_waits_for_a_serial_is_not_lost() {
    let mut app = on_scan_tab();
    press(&mut app, KeyCode::F(7));
    let effects = scan_in(&mut app, &good("NEWPACK1"));
    assert!(effects.iter().any(|e| matches!(e, Effect::FindScan { serial, .. } if serial == "NEWPACK1")));
    let effects =
        update(&mut app, Msg::ScanFound { gtin: "02022090117459".into(), serial: "NEWPACK1".into(), row: None });
    assert!(effects.iter().any(|e| matches!(e, Effect::Journal(s) if s.serial == "NEWPACK1")), "{effects:?}");
    // Leaving the tab ends the question.
    press(&mut app, KeyCode::F(7));
    assert!(app.scan.asking_serial);
    press(&mut app, KeyCode::F(2));
    assert!(!app.scan.asking_serial);
}

/// Times on screen are station-local, the zone named once beside the clock; a scan at 10:00 UTC
/// shows as 11:00 at a station an hour east of UTC, in the list and in a duplicate's message.
#[test]
fn times_on_screen_are_local_and_the_zone_is_named_once() {
    use shopfloor::scan::journal::{ScanRow, ScanStats, State};
    use shopfloor::tui::clock::{Clock, Zone};
    let plus_one = Zone::Fixed(chrono::FixedOffset::east_opt(3600).unwrap());
    let utc = clock().now;
    let mut app = on_scan_tab();
    update(&mut app, Msg::Tick(Clock::new(utc, plus_one)));
    let row = ScanRow {
        id: 1,
        at: "2026-11-21T10:00:00.000Z".into(),
        order_id: "Order143".into(),
        gtin: "02022090117459".into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: "SN-LOCAL".into(),
        state: State::Commissioned,
        reason: None,
        attempts: 1,
        refusal: None,
    };
    update(
        &mut app,
        Msg::ScanStats(Box::new(ScanStats { order_id: "Order143".into(), recent: vec![row], ..Default::default() })),
    );
    for (w, h) in [(80, 24), (40, 16)] {
        let shown = screen(&app, w, h);
        assert!(shown.contains("11:07 UTC+1"), "{w}x{h}: the clock names the zone: {shown}");
        assert_eq!(shown.matches("UTC").count(), 1, "{w}x{h}: the zone is named once: {shown}");
        if w == 80 {
            let line = shown.lines().find(|l| l.contains("SN-LOCAL")).unwrap();
            assert!(line.contains("11:00:00") && !line.contains("10:00:00"), "local time: {line}");
        }
    }
    // The duplicate's message, as the screen says it, in local time.
    let effects = scan(&mut app, &good("SN1"));
    let Some(Effect::Journal(s)) = effects.into_iter().find(|e| matches!(e, Effect::Journal(_))) else { panic!() };
    update(
        &mut app,
        Msg::Journaled(vec![(s, Ok(Appended::Duplicate { first_at: "2026-11-21T10:00:01.000Z".into() }))]),
    );
    let Some(LastScan::Refused(a)) = &app.scan.last else { panic!("{:?}", app.scan.last) };
    let said = a.message_with(&|t: &str| app.clock.local_time_of(t));
    assert!(said.contains("at 11:00:01:") && !said.contains("UTC"), "{said}");
}

#[test]
fn the_scan_alarm_is_acknowledged_and_command_codes_read_on_any_tab() {
    let mut app = with_active_order();
    press(&mut app, KeyCode::F(2));
    scan_in(&mut app, "(01)02022090117459(17)290512(10)OTHER(21)X");
    assert!(app.scan.alarm.is_some());
    // F9 on the Packaging tab acknowledges the scan panel's alarm.
    let effects = press(&mut app, KeyCode::F(9));
    assert!(effects.iter().any(|e| matches!(e, Effect::AckAlarms(_))), "{effects:?}");
    assert!(app.scan.alarm.is_none());
    // An order barcode scanned on a screen with a scan field of its own still selects the order.
    press(&mut app, KeyCode::F(6));
    let effects = scan_in(&mut app, "]C0ORDER:Order150");
    assert!(
        requests(&effects).iter().any(|r| matches!(&r.job, Job::OrderDetails { order_id } if order_id == "Order150")),
        "{effects:?}"
    );
}

#[test]
fn the_selected_serial_is_drawn_on_a_handheld_too() {
    use shopfloor::scan::journal::State::Commissioned;
    let mut app = on_scan_tab();
    update(&mut app, stats(vec![row(2, "SECOND", Commissioned), row(1, "FIRST", Commissioned)]));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    let buf = render(&app, 40, 16);
    let y = text(&buf).lines().position(|l| l.starts_with("›FIRST")).expect("FIRST listed, marked") as u16;
    assert!(buf[(0, y)].modifier.contains(ratatui::style::Modifier::REVERSED), "{}", text(&buf));
    let y = text(&buf).lines().position(|l| l.starts_with(" SECOND")).unwrap() as u16;
    assert!(!buf[(0, y)].modifier.contains(ratatui::style::Modifier::REVERSED));
}

#[test]
fn a_new_alarm_does_not_keep_the_last_message_under_it() {
    let mut app = on_scan_tab();
    scan(&mut app, "(01)02022090117459(17)290512(10)OTHER(21)X");
    press(&mut app, KeyCode::F(9));
    assert!(app.flash.as_ref().unwrap().text.contains("Alarm acknowledged"));
    // The next scan arrives from the scanner (no key of a person's clears the line first).
    scan_in(&mut app, "(01)02026041310005(17)290512(10)B2405121(21)X");
    assert!(app.scan.alarm.is_some());
    let shown = screen(&app, 80, 24);
    assert!(!shown.contains("Alarm acknowledged"), "the old message is gone under the new alarm:\n{shown}");
}
