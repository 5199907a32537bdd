//! The Print tab through its message API: polling only while shown, the count typed by a
//! person (never by a scan or a burst), the verifying scan sent to commissioning through the
//! journal, other scans raising an alarm, the run that cannot end (nor the order change) while
//! printed labels wait, the fault's labels to remove, the status bar, and snapshots at 80×24
//! and 40×16.

use crate::common::dashboard::*;
use shopfloor::domain::manufacturer::PackagingOrder;
use shopfloor::domain::zebra::PrinterState;
use shopfloor::printing::engine::Refusal;
use shopfloor::printing::store::{LabelRow, LabelState};
use shopfloor::tui::app::{update, App};
use shopfloor::tui::msg::{
    Effect, Msg, PrintJob, PrintNews, PrinterStatus, Reconciliation, RunEvent, Tab, VerifyOutcome,
};
use shopfloor::tui::tabs::print::LastCheck;

const PRINTER: &str = "line1-zebra";
const SCAN: &str = "]d201020220901174591729051210B2405121\u{1d}21SER0000001";

/// Order143 with room for the runs these tests print (the sample takes only 10 packs).
fn roomy(id: &str) -> PackagingOrder {
    PackagingOrder { quantity: 1_000, ..sample_order(id) }
}

fn app_with(orders: Vec<PackagingOrder>, active: Option<PackagingOrder>) -> App {
    let mut s = settings();
    s.printers = vec![PRINTER.into()];
    let (mut app, first) = App::new(s, Vec::new(), active, clock(), (80, 24));
    load_orders(&mut app, &first, orders);
    app.flash = None;
    app
}

fn news(app: &mut App, n: PrintNews) -> Vec<Effect> {
    update(app, Msg::Print(n))
}

fn status(state: PrinterState) -> PrinterStatus {
    PrinterStatus { printer: PRINTER.into(), state, host: None, errors: None, at: std::time::SystemTime::now() }
}

/// The Print tab shown, with the demo order active and the printer ready.
fn on_print_tab() -> App {
    let mut app = app_with(vec![roomy("Order143")], Some(roomy("Order143")));
    let effects = press(&mut app, KeyCode::F(6));
    assert_eq!(app.tab, Tab::Print);
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Watch(true)))),
        "the printers are polled while the tab is shown"
    );
    news(&mut app, PrintNews::Printer(status(PrinterState::Ready)));
    app
}

fn starts(effects: &[Effect]) -> Vec<(String, u32)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Print(PrintJob::Start { printer, count, .. }) => Some((printer.clone(), *count)),
            _ => None,
        })
        .collect()
}

/// A run of `n` labels started (the desk said so).
fn running(n: u32) -> App {
    let mut app = on_print_tab();
    type_text(&mut app, &n.to_string());
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(starts(&effects), vec![(PRINTER.to_string(), n)]);
    news(&mut app, PrintNews::Started(Ok("run-1".into())));
    app
}

fn balance(printed: usize, verified: usize, voided: usize, waiting: usize) -> Reconciliation {
    Reconciliation { order_id: "Order143".into(), printed, verified, voided, waiting, ..Default::default() }
}

fn label(serial: &str) -> LabelRow {
    LabelRow {
        id: 1,
        run_id: "run-1".into(),
        order_id: "Order143".into(),
        printer: PRINTER.into(),
        gtin: "02022090117459".into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: serial.into(),
        state: LabelState::Verified,
        reason: None,
        allocated_at: "t".into(),
        sent_at: Some("t".into()),
        printed_at: Some("t".into()),
        verified_at: Some("t".into()),
        updated_at: "t".into(),
    }
}

fn flash(app: &App) -> String {
    app.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default()
}

#[test]
fn the_printers_are_polled_only_while_the_print_tab_is_shown() {
    let mut app = on_print_tab();
    let effects = press(&mut app, KeyCode::F(5));
    assert!(effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Watch(false)))));
    let effects = press(&mut app, KeyCode::F(2));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Print(_))), "nothing more is asked of the printers");
}

#[test]
fn a_person_types_how_many_labels_and_enter_prints_them_for_the_active_order() {
    let mut app = on_print_tab();
    type_text(&mut app, "020");
    assert_eq!(app.print.count, "20", "a leading zero is dropped");
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "5");
    let effects = press(&mut app, KeyCode::Enter);
    let start = effects.iter().find_map(|e| match e {
        Effect::Print(PrintJob::Start { order, count, actor, .. }) => Some((order.clone(), *count, actor.clone())),
        _ => None,
    });
    let (order, count, actor) = start.expect("the run is asked for");
    assert_eq!(count, 25);
    assert_eq!(
        (order.order_id.as_str(), order.gtin.as_str(), order.batch.as_str(), order.expiry.as_str()),
        ("Order143", "02022090117459", "B2405121", "290512")
    );
    assert_eq!(actor.station, "demo-station-1");
    assert!(screen(&app, 80, 24).contains("starting…"), "{}", screen(&app, 80, 24));
}

#[test]
fn a_scan_or_a_scanners_burst_never_starts_printing() {
    let mut app = on_print_tab();
    for c in ['2', '0'] {
        burst_key(&mut app, KeyCode::Char(c));
    }
    let effects = burst_key(&mut app, KeyCode::Enter);
    assert!(starts(&effects).is_empty());
    assert_eq!(app.print.count, "", "fast keys do not type the count");
    let effects = scan_in(&mut app, "20");
    assert!(starts(&effects).is_empty(), "a scan is never a command");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Journal(_))));
    assert!(flash(&app).contains("No print run: this scan was not taken"), "{}", flash(&app));
    // Enter without a count asks for one.
    let effects = press(&mut app, KeyCode::Enter);
    assert!(starts(&effects).is_empty());
    assert!(flash(&app).contains("Type how many labels"), "{}", flash(&app));
}

#[test]
fn nothing_is_printed_without_an_active_order_or_on_a_faulted_printer() {
    let mut app = app_with(vec![sample_order("Order143")], None);
    press(&mut app, KeyCode::F(6));
    type_text(&mut app, "3");
    assert!(starts(&press(&mut app, KeyCode::Enter)).is_empty());
    assert!(flash(&app).contains("No active order"), "{}", flash(&app));

    let mut app = on_print_tab();
    news(&mut app, PrintNews::Printer(status(PrinterState::HeadOpen)));
    type_text(&mut app, "3");
    assert!(starts(&press(&mut app, KeyCode::Enter)).is_empty());
    assert!(screen(&app, 80, 24).contains("close the print head"), "{}", screen(&app, 80, 24));
}

#[test]
fn a_scan_of_a_printed_label_is_verified_and_goes_to_commissioning_through_the_journal() {
    let mut app = running(3);
    let effects = scan_in(&mut app, SCAN);
    assert!(effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Verify(raw)) if raw == SCAN)));
    let outcome = Ok(VerifyOutcome::Verified(Box::new(label("SER0000001"))));
    let effects = news(&mut app, PrintNews::Verified { raw: SCAN.into(), outcome });
    let journaled: Vec<_> =
        effects.iter().filter_map(|e| if let Effect::Journal(s) = e { Some(s.clone()) } else { None }).collect();
    assert_eq!(journaled.len(), 1, "the verified label goes to commissioning");
    let s = &journaled[0];
    assert_eq!((s.order_id.as_str(), s.serial.as_str(), s.raw.as_str()), ("Order143", "SER0000001", SCAN));
    assert_eq!(app.print.last, Some(LastCheck::Verified("SER0000001".into())));
}

#[test]
fn a_scan_that_does_not_match_raises_an_alarm_and_is_not_commissioned() {
    let mut app = running(3);
    let outcome = Ok(VerifyOutcome::Refused {
        refusal: Refusal::WrongBatch,
        serial: Some("X1".into()),
        reason: "batch B9 is not the order's B2405121".into(),
    });
    let effects = news(&mut app, PrintNews::Verified { raw: "]d2…".into(), outcome });
    assert!(!effects.iter().any(|e| matches!(e, Effect::Journal(_))), "nothing goes to commissioning");
    assert!(effects.iter().any(|e| matches!(e, Effect::Bell)));
    let alarm = effects.iter().find_map(|e| match e {
        Effect::RecordAlarm { kind, message, order_id, .. } => Some((kind.clone(), message.clone(), order_id.clone())),
        _ => None,
    });
    let (kind, message, order) = alarm.expect("the alarm is journaled");
    assert_eq!(kind, "label_mismatch");
    assert!(message.contains("batch B9"), "{message}");
    assert_eq!(order.as_deref(), Some("Order143"));
    assert!(screen(&app, 80, 24).contains("batch B9 is not the order's B2405121"));
    // The journaled alarm is closed by a person, on this tab.
    let effects = press(&mut app, KeyCode::F(9));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::AckAlarmsOf(_, kind) if kind == "label_mismatch")),
        "only label alarms: {effects:?}"
    );
    assert!(flash(&app).contains("Label alarm acknowledged"), "{}", flash(&app));
}

#[test]
fn the_run_cannot_end_while_printed_labels_wait_for_their_scan() {
    let mut app = running(3);
    news(&mut app, PrintNews::Run(RunEvent::Balance(balance(3, 2, 0, 1))));
    let effects = press(&mut app, KeyCode::Char('f'));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Finish))));
    assert!(flash(&app).contains("1 label(s) wait: scan each one, or F7 voids them"), "{}", flash(&app));
    assert!(flash(&app).chars().count() <= 80);
    news(&mut app, PrintNews::Run(RunEvent::Balance(balance(3, 3, 0, 0))));
    let effects = press(&mut app, KeyCode::Char('f'));
    assert!(effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Finish))));
    news(&mut app, PrintNews::Finished(Ok(balance(3, 3, 0, 0))));
    assert!(app.print.run.is_none());
    assert!(flash(&app).contains("shopfloor labels --order Order143"), "{}", flash(&app));
}

#[test]
fn the_active_order_does_not_change_while_a_print_run_is_open() {
    let mut app = app_with(vec![sample_order("Order143"), sample_order("Order144")], None);
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(app.active.as_ref().map(|o| o.order_id.as_str()), Some("Order143"));
    press(&mut app, KeyCode::F(6));
    type_text(&mut app, "2");
    press(&mut app, KeyCode::Enter);
    news(&mut app, PrintNews::Started(Ok("run-1".into())));
    press(&mut app, KeyCode::F(2));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(app.active.as_ref().map(|o| o.order_id.as_str()), Some("Order143"), "the order stays");
    assert!(flash(&app).contains("end the print run for Order143 first"), "{}", flash(&app));
}

/// Paper out at label 7 of 20: one label voided while out, the run halted.
fn after_paper_out() -> App {
    let mut app = running(20);
    for n in 1..=7 {
        news(&mut app, PrintNews::Run(RunEvent::Sent { serial: format!("S{n}"), n }));
        news(&mut app, PrintNews::Run(RunEvent::Printed { serial: format!("S{n}"), n }));
    }
    news(&mut app, PrintNews::Run(RunEvent::Sent { serial: "S8".into(), n: 8 }));
    news(&mut app, PrintNews::Run(RunEvent::Printer(status(PrinterState::PaperOut))));
    news(
        &mut app,
        PrintNews::Run(RunEvent::Voided {
            serials: vec!["S8".into()],
            reason: "printer line1-zebra reported paper out before it confirmed this label".into(),
            check_and_remove: 1,
        }),
    );
    news(&mut app, PrintNews::Run(RunEvent::Balance(balance(7, 5, 0, 2))));
    news(
        &mut app,
        PrintNews::Run(RunEvent::Halted {
            state: PrinterState::PaperOut,
            message: "printer line1-zebra is paper out: load labels and close the printer".into(),
        }),
    );
    app
}

#[test]
fn after_a_fault_the_screen_says_how_many_labels_to_remove_and_r_resumes() {
    let mut app = after_paper_out();
    let s = screen(&app, 80, 24);
    assert!(s.contains("1 voided label(s): check and remove them"), "{s}");
    assert!(s.contains("printed 7 = verified 5 + voided 0 + waiting 2"), "{s}");
    assert!(s.contains("Voided (1): S8"), "{s}");
    assert!(s.contains("paper out"), "{s}");
    assert!(flash(&app).contains("r goes on"), "{}", flash(&app));
    let effects = press(&mut app, KeyCode::Char('r'));
    assert!(effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Resume))));
    news(&mut app, PrintNews::Run(RunEvent::Resumed));
    assert!(app.print.run.as_ref().is_some_and(|r| r.halted.is_none()));
}

#[test]
fn the_status_bar_shows_the_printers_state() {
    let mut app = on_print_tab();
    press(&mut app, KeyCode::F(2));
    let last = |app: &App| screen(app, 80, 24).lines().last().unwrap_or_default().to_string();
    assert!(last(&app).contains("Printer ●"), "{}", last(&app));
    news(&mut app, PrintNews::Printer(status(PrinterState::PaperOut)));
    assert!(last(&app).contains("paper out"), "{}", last(&app));
    let wide = screen(&app, 160, 48);
    assert!(wide.lines().last().unwrap_or_default().contains("Printer line1-zebra paper out"), "{wide}");
}

#[test]
fn the_help_lists_the_print_keys_uncut() {
    let mut app = on_print_tab();
    press(&mut app, KeyCode::F(1));
    let s = screen(&app, 80, 24);
    for what in [
        "end the print run (labels all scanned or voided)",
        "stop sending labels to the printer",
        "void waiting labels, with a reason; asks first",
    ] {
        assert!(s.contains(what), "{what} in\n{s}");
    }
}

#[test]
fn print_tab_snapshots() {
    let mut app = on_print_tab();
    type_text(&mut app, "20");
    for (w, h) in [(80, 24), (40, 16)] {
        insta::assert_snapshot!(format!("print_ready_{w}x{h}"), screen(&app, w, h));
    }
    let app = after_paper_out();
    for (w, h) in [(80, 24), (40, 16)] {
        insta::assert_snapshot!(format!("print_paper_out_{w}x{h}"), screen(&app, w, h));
    }
}

fn void_reason(effects: &[Effect]) -> Option<String> {
    effects.iter().find_map(|e| match e {
        Effect::Print(PrintJob::VoidWaiting(r)) => Some(r.clone()),
        _ => None,
    })
}

#[test]
fn waiting_labels_are_voided_only_after_a_persons_yes_and_reason() {
    let mut app = running(3);
    news(&mut app, PrintNews::Run(RunEvent::Balance(balance(3, 1, 0, 2))));
    // Any key but y leaves them.
    press(&mut app, KeyCode::F(7));
    assert!(screen(&app, 80, 24).contains("Void the 2 waiting label(s)? y: choose why"), "{}", screen(&app, 80, 24));
    let effects = press(&mut app, KeyCode::Char('n'));
    assert!(void_reason(&effects).is_none());
    assert!(flash(&app).contains("Nothing was voided"));
    // A scanner's burst cannot answer for the person, at either step.
    press(&mut app, KeyCode::F(7));
    let effects = burst_key(&mut app, KeyCode::Char('y'));
    assert!(void_reason(&effects).is_none());
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(void_reason(&effects).is_none(), "y alone voids nothing: the reason comes first");
    let s = screen(&app, 80, 24);
    assert!(s.contains("Why void them? d damaged · l lost · a not applied · any other key: no"), "{s}");
    let effects = burst_key(&mut app, KeyCode::Char('d'));
    assert!(void_reason(&effects).is_none());
    // A key other than a reason's voids nothing.
    let effects = press(&mut app, KeyCode::Char('z'));
    assert!(void_reason(&effects).is_none());
    assert!(flash(&app).contains("Nothing was voided"));
    news(&mut app, PrintNews::VoidedWaiting(Ok(0)));

    // Each reason has its key, and its words go to the label records and their audit rows.
    for (key, word) in [('d', "damaged"), ('l', "lost"), ('a', "not applied")] {
        press(&mut app, KeyCode::F(7));
        press(&mut app, KeyCode::Char('y'));
        let effects = press(&mut app, KeyCode::Char(key));
        let reason = void_reason(&effects).unwrap_or_else(|| panic!("{key} voids them"));
        assert!(reason.starts_with(&format!("{word}:")), "{key}: {reason}");
        assert!(flash(&app).contains(&format!("as {word}")), "{}", flash(&app));
    }
    news(&mut app, PrintNews::VoidedWaiting(Ok(2)));
    assert!(flash(&app).contains("2 waiting label(s) voided"), "{}", flash(&app));
}

#[test]
fn a_key_right_after_the_void_question_appears_does_not_answer_it() {
    let mut app = running(3);
    news(&mut app, PrintNews::Run(RunEvent::Balance(balance(3, 1, 0, 2))));
    press(&mut app, KeyCode::F(7));
    let soon = later(&app, 100);
    let k = shopfloor::input::router::Input::Key { key: Key::plain(KeyCode::Char('y')), burst: false };
    update(&mut app, Msg::Input(k, soon));
    assert!(screen(&app, 80, 24).contains("Void the 2 waiting label(s)?"), "the question waits for a deliberate key");
}

/// Every label printed is a pack to come: the Print tab cannot over-fill the order either.
#[test]
fn no_more_labels_than_the_order_takes_and_no_verify_on_a_full_order() {
    let mut app = app_with(vec![sample_order("Order143")], Some(sample_order("Order143")));
    press(&mut app, KeyCode::F(6));
    news(&mut app, PrintNews::Printer(status(PrinterState::Ready)));
    type_text(&mut app, "11");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(starts(&effects).is_empty(), "Order143 takes 10 packs");
    assert!(screen(&app, 80, 24).contains("takes 10 more pack(s)"), "{}", screen(&app, 80, 24));

    // Full (all its packs accepted on the Scan tab): a label scanned back is not commissioned.
    let mut app = running(2);
    let full = shopfloor::scan::journal::ScanStats {
        order_id: "Order143".into(),
        counts: shopfloor::scan::journal::Counts { accepted: 1_000, ..Default::default() },
        ..Default::default()
    };
    update(&mut app, Msg::ScanStats(Box::new(full)));
    let effects = scan_in(&mut app, SCAN);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Verify(_)))), "{effects:?}");
    assert!(screen(&app, 80, 24).contains("ORDER FULL"), "{}", screen(&app, 80, 24));
}

fn audits(effects: &[Effect]) -> Vec<shopfloor::domain::audit::NewEntry> {
    effects.iter().filter_map(|e| if let Effect::Audit(a) = e { Some(a.clone()) } else { None }).collect()
}

#[test]
fn voided_labels_stay_on_screen_until_someone_confirms_they_were_removed() {
    // A fault voided S8 while it was out; later two waiting labels were voided at F7.
    let mut app = after_paper_out();
    let removal = "voided label(s): check and remove them · Ctrl+S when removed";
    assert!(screen(&app, 80, 24).contains(&format!("1 {removal}")), "{}", screen(&app, 80, 24));
    for serial in ["S6", "S7"] {
        news(
            &mut app,
            PrintNews::Run(RunEvent::Voided {
                serials: vec![serial.into()],
                reason: "damaged: the label cannot go on a pack (voided at the Print screen)".into(),
                check_and_remove: 1,
            }),
        );
    }
    news(&mut app, PrintNews::VoidedWaiting(Ok(2)));
    assert!(flash(&app).contains("remove them, then Ctrl+S"), "{}", flash(&app));
    // The run ends; the labels to remove are still there to find.
    news(&mut app, PrintNews::Finished(Ok(balance(7, 5, 2, 0))));
    assert!(app.print.run.is_none());
    let s = screen(&app, 80, 24);
    assert!(s.contains(&format!("3 {removal}")), "{s}");
    let small = screen(&app, 40, 16);
    assert!(small.contains("3 voided label(s): check and remove"), "{small}");
    // A scanner's burst does not confirm it.
    let effects = burst_key(&mut app, KeyCode::F(10));
    assert!(audits(&effects).is_empty());

    let effects = press(&mut app, KeyCode::F(10));
    let rows = audits(&effects);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let a = &rows[0];
    assert_eq!(a.action, shopfloor::domain::audit::actions::LABELS_REMOVAL_CONFIRMED);
    assert_eq!(a.object, "Order143");
    assert_eq!(a.reason.as_deref(), Some("3 voided labels found and removed"));
    assert_eq!(a.new_value.as_deref(), Some("S8 S6 S7"), "space-separated: a serial may hold a comma");
    assert_eq!(a.station, "demo-station-1");
    assert!(!screen(&app, 80, 24).contains(removal), "{}", screen(&app, 80, 24));
    assert!(flash(&app).contains("3 voided label(s) confirmed removed"), "{}", flash(&app));
    // Nothing left to confirm: nothing more is written.
    let effects = press(&mut app, KeyCode::F(10));
    assert!(audits(&effects).is_empty());
}

fn start_of(effects: &[Effect]) -> Option<(u32, Option<u32>)> {
    effects.iter().find_map(|e| match e {
        Effect::Print(PrintJob::Start { count, ahead, .. }) => Some((*count, *ahead)),
        _ => None,
    })
}

#[test]
fn p_starts_a_continuous_run_that_keeps_two_labels_ahead_within_the_orders_room() {
    // The sample order takes 10 packs: the continuous run never prints more than that.
    let mut app = app_with(vec![sample_order("Order143")], Some(sample_order("Order143")));
    press(&mut app, KeyCode::F(6));
    news(&mut app, PrintNews::Printer(status(PrinterState::Ready)));
    assert!(screen(&app, 80, 24).contains("p continuous"), "{}", screen(&app, 80, 24));
    let effects = burst_key(&mut app, KeyCode::Char('p'));
    assert_eq!(start_of(&effects), None, "a scanner's burst starts nothing");
    let effects = press(&mut app, KeyCode::Char('p'));
    assert_eq!(start_of(&effects), Some((10, Some(2))));
    assert!(flash(&app).contains("Starting a continuous run for Order143"), "{}", flash(&app));
    news(&mut app, PrintNews::Started(Ok("run-1".into())));
    let s = screen(&app, 80, 24);
    assert!(s.contains("Run on line1-zebra: continuous, 2 ahead"), "{s}");
    // It is stopped like any run; nothing else starts while it is open.
    let effects = press(&mut app, KeyCode::Char('p'));
    assert_eq!(start_of(&effects), None);
    let effects = press(&mut app, KeyCode::Char('x'));
    assert!(effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Stop))));
    news(&mut app, PrintNews::Run(RunEvent::AllPrinted { printed: 10 }));
    assert!(flash(&app).contains("All 10 labels the order takes printed"), "{}", flash(&app));

    // A full order starts no continuous run.
    let mut app = running(2);
    news(&mut app, PrintNews::Finished(Ok(balance(0, 0, 0, 0))));
    let full = shopfloor::scan::journal::ScanStats {
        order_id: "Order143".into(),
        counts: shopfloor::scan::journal::Counts { accepted: 1_000, ..Default::default() },
        ..Default::default()
    };
    update(&mut app, Msg::ScanStats(Box::new(full)));
    let effects = press(&mut app, KeyCode::Char('p'));
    assert_eq!(start_of(&effects), None);
    assert!(flash(&app).contains("Order143 is full"), "{}", flash(&app));
}

#[test]
fn a_run_that_cannot_go_on_says_why_and_what_to_do() {
    let mut app = running(3);
    let why = "the line store could not be asked whether serial AB12 is free (connection refused); no serial is printed unchecked line-wide: print again once the line store is back";
    news(&mut app, PrintNews::Run(RunEvent::Failed(why.into())));
    assert!(flash(&app).contains("end the run (f) and print again"), "{}", flash(&app));
    assert!(flash(&app).chars().count() <= 78, "{}", flash(&app));
    let s = screen(&app, 80, 24);
    assert!(s.contains("once the line store is back"), "{s}");
}

#[test]
fn the_printers_panel_lists_each_printer_with_its_state() {
    let names = ["zebra-1", "zebra-2", "zebra-3", "zebra-4", "zebra-5", "zebra-6", "zebra-7"];
    let mut s = settings();
    s.printers = names.iter().map(|n| n.to_string()).collect();
    let (mut app, first) = App::new(s, Vec::new(), Some(roomy("Order143")), clock(), (80, 24));
    load_orders(&mut app, &first, vec![roomy("Order143")]);
    press(&mut app, KeyCode::F(6));
    app.flash = None;
    // Offline since 09:58 UTC, shown in local time: here the station runs two hours ahead.
    let since: std::time::SystemTime =
        chrono::DateTime::parse_from_rfc3339("2026-11-21T09:58:30Z").unwrap().with_timezone(&chrono::Utc).into();
    let states = [
        PrinterState::Ready,
        PrinterState::Printing { pending: 3 },
        PrinterState::Paused,
        PrinterState::PaperOut,
        PrinterState::HeadOpen,
        PrinterState::RibbonOut,
        PrinterState::Offline { since, reason: "connection refused".into() },
    ];
    for (name, state) in names.iter().zip(states) {
        let st = PrinterStatus {
            printer: name.to_string(),
            state,
            host: None,
            errors: None,
            at: std::time::SystemTime::now(),
        };
        news(&mut app, PrintNews::Printer(st));
    }
    app.clock.zone = shopfloor::tui::clock::Zone::Fixed(chrono::FixedOffset::east_opt(2 * 3600).unwrap());
    let s = screen(&app, 80, 24);
    assert!(s.contains("┌ Printers ─"), "{s}");
    for line in [
        "› zebra-1 ready",
        "zebra-2 printing 3",
        "zebra-3 paused",
        "zebra-4 paper out",
        "zebra-5 head open",
        "zebra-6 ribbon out",
        "zebra-7 offline since 11:58",
    ] {
        assert!(s.contains(line), "{line} in\n{s}");
    }
    for (w, h) in [(80, 24), (40, 16)] {
        insta::assert_snapshot!(format!("print_printers_panel_{w}x{h}"), screen(&app, w, h));
    }
}

#[test]
fn a_continuous_run_stops_when_the_waiting_labels_fill_the_order() {
    let mut app = app_with(vec![sample_order("Order143")], Some(sample_order("Order143")));
    press(&mut app, KeyCode::F(6));
    news(&mut app, PrintNews::Printer(status(PrinterState::Ready)));
    press(&mut app, KeyCode::Char('p'));
    news(&mut app, PrintNews::Started(Ok("run-1".into())));
    let effects = news(&mut app, PrintNews::Run(RunEvent::Balance(balance(2, 0, 0, 2))));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Stop))), "room 10, 2 waiting");
    // Other stations of the line filled the order up to 2 packs short: the 2 waiting labels fill it.
    let nearly = shopfloor::scan::journal::ScanStats {
        order_id: "Order143".into(),
        counts: shopfloor::scan::journal::Counts { accepted: 8, ..Default::default() },
        ..Default::default()
    };
    update(&mut app, Msg::ScanStats(Box::new(nearly)));
    let effects = news(&mut app, PrintNews::Printer(status(PrinterState::Ready)));
    assert!(effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Stop))), "{effects:?}");
    assert!(flash(&app).contains("Order143 takes 2 more pack(s), as many as labels wait"), "{}", flash(&app));
    assert!(screen(&app, 80, 24).contains("Run on line1-zebra: stopped"), "{}", screen(&app, 80, 24));
    // Said once.
    let effects = news(&mut app, PrintNews::Printer(status(PrinterState::Ready)));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Stop))));
}

#[test]
fn the_removal_of_voided_labels_is_signed_when_signatures_are_on() {
    use shopfloor::config::access::{hash_pin, Operator, Role};
    use shopfloor::config::secret::Secret;
    use shopfloor::config::signatures::{SignaturesConfig, SignaturesFile};
    let mut app = after_paper_out();
    let file: SignaturesFile = toml::from_str("enabled = true").unwrap();
    app.settings.access.signatures = SignaturesConfig::from_file(&file, false).0;
    app.settings.access.operators = vec![Operator {
        id: "qa-1".into(),
        name: "Quinn Adler".into(),
        pin_hash: Some(Secret::new(hash_pin(&Secret::new("3579")).unwrap())),
        role: Role::Qa,
    }];
    let removal = "voided label(s): check and remove them";
    let effects = press(&mut app, KeyCode::F(10));
    assert!(audits(&effects).is_empty(), "not recorded before it is signed");
    assert!(screen(&app, 80, 24).contains("Sign: voided labels removed"), "{}", screen(&app, 80, 24));
    press(&mut app, KeyCode::Esc);
    assert!(screen(&app, 80, 24).contains(removal), "cancelled: the notice stays");
    press(&mut app, KeyCode::F(10));
    for text in ["qa-1", "3579"] {
        type_text(&mut app, text);
        let effects = press(&mut app, KeyCode::Enter);
        let effects = pins_checked(&mut app, effects);
        if text == "3579" {
            let rows = audits(&effects);
            assert_eq!(rows.len(), 1, "{rows:?}");
            let s = rows[0].signature.as_ref().expect("signed");
            assert_eq!(
                (s.signer.as_str(), s.meaning.as_str(), s.order.as_deref()),
                ("qa-1", "verified", Some("Order143"))
            );
        }
    }
    assert!(!screen(&app, 80, 24).contains(removal), "{}", screen(&app, 80, 24));
}

#[test]
fn while_a_run_is_open_a_scan_on_any_tab_is_checked_by_the_run() {
    let mut app = running(5);
    for tab in [KeyCode::F(5), KeyCode::F(2)] {
        press(&mut app, tab);
        let effects = scan_in(&mut app, "(01)02022090117459(17)290512(10)B2405121(21)S1");
        assert!(
            effects.iter().any(|e| matches!(e, Effect::Print(PrintJob::Verify(_)))),
            "{tab:?}: verified by the run: {effects:?}"
        );
        assert!(!effects.iter().any(|e| matches!(e, Effect::Journal(_))), "{tab:?}: not journaled around the check");
        assert!(flash(&app).contains("the print run checks it") || tab == KeyCode::F(6), "{}", flash(&app));
    }
}

#[test]
fn voided_labels_not_confirmed_removed_before_a_restart_are_asked_for_again() {
    let mut app = app_with(vec![roomy("Order143")], Some(roomy("Order143")));
    let list = vec![("Order143".to_string(), "S8".to_string()), ("Order143".to_string(), "S9".to_string())];
    news(&mut app, PrintNews::ToRemove(list.clone()));
    assert!(flash(&app).contains("2 voided label(s) from before the restart"), "{}", flash(&app));
    news(&mut app, PrintNews::ToRemove(list));
    press(&mut app, KeyCode::F(6));
    let shown = screen(&app, 80, 24);
    assert!(
        shown.contains("2 voided label(s): check and remove them") && shown.contains("to remove: S8 S9"),
        "{shown}"
    );
}

#[test]
fn the_handheld_status_line_keeps_its_clock_whole() {
    let mut app = on_print_tab();
    news(&mut app, PrintNews::Printer(status(PrinterState::PaperOut)));
    let shown = screen(&app, 40, 16);
    let status = shown.lines().last().unwrap_or_default();
    assert!(status.trim_end().ends_with("10:07 UTC") && status.contains("paper out"), "{status:?}");
}

#[test]
fn a_refused_label_scanned_on_another_tab_says_why_there_and_the_next_count_starts_empty() {
    let mut app = running(3);
    assert_eq!(app.print.count, "", "the count typed was that run's");
    press(&mut app, KeyCode::F(5));
    let outcome = Ok(VerifyOutcome::Refused {
        refusal: Refusal::WrongBatch,
        serial: Some("ab-c9x-7".into()),
        reason: "batch B9 is not the order's B2405121".into(),
    });
    news(&mut app, PrintNews::Verified { raw: "]d2…".into(), outcome });
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Label does not match: batch B9 is not the order's B2405121"), "{shown}");
}
