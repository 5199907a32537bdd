//! Every message an operator reads is whole at 80×24 (and the Scan tab's at 40×16): the alarms,
//! the backends' errors as the message line shows them, the help of every tab. A message may
//! wrap; none may be cut, since its end says what to do.

use crate::common::dashboard::*;
use shopfloor::api::error::ProductionCode;
use shopfloor::api::ApiError;
use shopfloor::scan::check::Alarm;
use shopfloor::tui::app::App;
use shopfloor::tui::msg::{Flash, Severity, Tab};
use shopfloor::tui::tabs::scan::LastScan;
use std::time::Duration;

/// The screen as one line of words: borders gone, rows joined, blanks collapsed.
fn words(app: &App, w: u16, h: u16) -> String {
    let text = screen(app, w, h).replace(['│', '┌', '┐', '└', '┘', '─'], " ");
    collapse(&text)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn on(tab: Tab) -> App {
    let (mut app, first) = new_app();
    load_orders(&mut app, &first, vec![sample_order("Order143")]);
    press(&mut app, KeyCode::Char('a'));
    app.tab = tab;
    app
}

fn alarms() -> Vec<Alarm> {
    let s = |x: &str| x.to_string();
    vec![
        Alarm::NoActiveOrder,
        Alarm::Undecodable {
            kind: "bad_check_digit",
            message: s("the check digit of (01) 02022090117458 should be 9, not 8"),
        },
        Alarm::TooLong {
            message: s("the scan is 800,000 characters long; a GS1 code holds at most 7,092: scan one pack at a time"),
        },
        Alarm::WrongProduct { got: s("02026041310005"), want: s("02022090117459") },
        Alarm::WrongBatch { got: s("B2405121X"), want: s("B2405121") },
        Alarm::WrongExpiry { got: s("291231"), want: s("290512") },
        Alarm::NoSerial,
        Alarm::Duplicate { serial: s("BH8M3AFXJYB8ZZZZZZZZ"), first_at: s("2026-11-21T10:00:01.000Z") },
        Alarm::NotSaved { message: s("the journal could not be written: disk full (database or disk is full)") },
        Alarm::ClaimedElsewhere {
            serial: s("BH8M3AFXJYB8ZZZZZZZZ"),
            station: s("line1-station-b"),
            operator: Some(s("op-12")),
            at: s("10:00:01"),
        },
        Alarm::LateDuplicate {
            serial: s("BH8M3AFXJYB8ZZZZZZZZ"),
            station: s("line1-station-b"),
            operator: Some(s("op-12")),
            at: s("10:00:01"),
        },
        Alarm::OrderFull { order_id: s("Order143"), accepted: 12, quantity: 10, allowed: 12 },
        Alarm::ClockSkew { message: s("the station's clock is 4.2 s behind the line store's") },
        Alarm::VoidedLabel {
            serial: s("BH8M3AFXJYB8ZZZZZZZZ"),
            reason: s("damaged: the label cannot go on a pack (voided at the Print screen)"),
        },
    ]
}

#[test]
fn every_alarm_is_whole_on_the_scan_tab() {
    for alarm in alarms() {
        for (w, h) in [(80, 24), (40, 16)] {
            let mut app = on(Tab::Scan);
            app.scan.last = Some(LastScan::Refused(alarm.clone()));
            let shown = words(&app, w, h);
            assert!(shown.contains(alarm.headline()), "{w}×{h}: {}\n{}", alarm.headline(), screen(&app, w, h));
            // As the screen says it: times in the station's zone.
            let message = alarm.message_with(&|t: &str| app.clock.local_time_of(t));
            assert!(
                shown.contains(&collapse(&message)),
                "{w}×{h}: the alarm's message is cut:\n{message}\n{}",
                screen(&app, w, h)
            );
        }
    }
}

fn api_errors() -> Vec<ApiError> {
    let s = |x: &str| x.to_string();
    vec![
        ApiError::NoToken,
        ApiError::TokenRejected,
        ApiError::AuthFailed(s("HTTP 401")),
        ApiError::ChannelKeyMissing,
        ApiError::BodyNotParsed,
        ApiError::PackagingOrderNotFound,
        ApiError::BatchNotFound,
        ApiError::LabelOrderExists,
        ApiError::TemplateNotFound,
        ApiError::DestinationNotFound,
        ApiError::NotEnoughSerialsAssigned,
        ApiError::SerialsBeingReplenished,
        ApiError::ProductNotRegistered,
        ApiError::Refused { status: 409, message: s("the order is closed") },
        ApiError::Production {
            code: ProductionCode::from_code(903003),
            code_number: 903003,
            message: s("Production order with status FINISHED cannot be changed"),
            field: None,
        },
        ApiError::RateLimited { retry_after: Duration::from_secs(17) },
        ApiError::Timeout(Duration::from_secs(10)),
        ApiError::ConnectionRefused { host: s("api.movilitas.cloud") },
        ApiError::ConnectionDropped,
        ApiError::Server { status: 503 },
        ApiError::UnexpectedResponse { status: 200, detail: s("expected JSON") },
        ApiError::Tls { host: s("api.movilitas.cloud"), reason: s("invalid peer certificate: UnknownIssuer") },
    ]
}

#[test]
fn every_backend_error_is_whole_in_the_message_line() {
    for e in api_errors() {
        for tab in [Tab::Packaging, Tab::Labels, Tab::Production, Tab::Scan] {
            let mut app = on(tab);
            let text = format!("Not sent: {e}");
            app.flash = Some(Flash { severity: Severity::Error, text: text.clone() });
            let shown = words(&app, 80, 24);
            assert!(shown.contains(&collapse(&text)), "{tab:?}: cut:\n{text}\n{}", screen(&app, 80, 24));
        }
        let mut app = on(Tab::Scan);
        let text = format!("Not decommissioned: {e}");
        app.flash = Some(Flash { severity: Severity::Error, text: text.clone() });
        assert!(words(&app, 40, 16).contains(&collapse(&text)), "40×16: cut:\n{text}\n{}", screen(&app, 40, 16));
    }
}

#[test]
fn the_help_of_every_tab_is_whole() {
    for tab in Tab::ALL {
        let mut app = on(tab);
        // The tab keys share one line ("switch tab"); every other action has its own.
        let tab_keys: Vec<_> = Tab::ALL.map(|t| t.action()).into();
        let actions: Vec<&'static str> =
            app.screen_actions().into_iter().filter(|(a, _)| !tab_keys.contains(a)).map(|(_, what)| what).collect();
        app.help = true;
        let sizes: &[(u16, u16)] = if tab == Tab::Scan { &[(80, 24), (40, 16)] } else { &[(80, 24)] };
        for &(w, h) in sizes {
            let shown = words(&app, w, h);
            for what in &actions {
                assert!(
                    shown.contains(&collapse(what)),
                    "{tab:?} {w}×{h}: help cuts {what:?}:\n{}",
                    screen(&app, w, h)
                );
            }
        }
    }
}
