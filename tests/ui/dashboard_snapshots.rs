//! Every tab rendered into ratatui's TestBackend at 80×24 and 160×48 in the demo state, kept
//! as insta snapshots; colours are asserted on the cells where they carry meaning.

use crate::common::dashboard::*;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use shopfloor::tui::app::App;

/// The cell where `needle` starts on the screen.
fn find(buf: &Buffer, needle: &str) -> (u16, u16) {
    for (y, line) in text(buf).lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            return (line[..byte].chars().count() as u16, y as u16);
        }
    }
    panic!("{needle:?} not on screen:\n{}", text(buf));
}

async fn demo_app() -> App {
    let (mut app, first) = new_app();
    load_orders(&mut app, &first, demo_orders().await);
    app.flash = None;
    app
}

fn snap(name: &str, app: &App) {
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&render(app, w, h)));
    }
}

#[tokio::test]
async fn packaging_tab() {
    let app = demo_app().await;
    snap("packaging", &app);
    let buf = render(&app, 80, 24);
    let (x, y) = find(&buf, "In progress");
    assert_eq!(buf[(x, y)].fg, Color::Green, "an order in progress is shown in the ok colour");
    let (x, y) = find(&buf, "Pending release");
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
    let (x, y) = find(&buf, "Order143");
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED), "the selected row is in reverse video");
}

#[tokio::test]
async fn packaging_form_with_an_error() {
    let mut app = demo_app().await;
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "Order146");
    for _ in 0..5 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "291301");
    snap("packaging_form", &app);
    let buf = render(&app, 80, 24);
    let (x, y) = find(&buf, "✗ \"291301\"");
    assert_eq!(buf[(x, y)].fg, Color::Red, "a field error is red");
    let (x, y) = find(&buf, "✓");
    assert_eq!(buf[(x, y)].fg, Color::Green, "a good field is green");
}

#[tokio::test]
async fn labels_tab_with_active_order() {
    let mut app = demo_app().await;
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::F(3));
    app.flash = None;
    snap("labels", &app);
}

#[tokio::test]
async fn scan_panel_with_an_active_order_and_an_alarm() {
    use shopfloor::scan::journal::ScanStats;
    use shopfloor::scan::journal::{Counts, ScanRow, State};
    use shopfloor::tui::app::update;
    use shopfloor::tui::msg::Msg;
    let mut app = demo_app().await;
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::F(5));
    let row = |serial: &str, state: State, reason: Option<&str>| ScanRow {
        id: 1,
        at: "2026-11-21T10:06:12.000Z".into(),
        order_id: "Order143".into(),
        gtin: "02022090117459".into(),
        batch: "B2405121".into(),
        expiry: "290512".into(),
        serial: serial.into(),
        state,
        reason: reason.map(str::to_string),
        attempts: 1,
        refusal: None,
    };
    update(
        &mut app,
        Msg::ScanStats(Box::new(ScanStats {
            order_id: "Order143".into(),
            counts: Counts {
                accepted: 3,
                refused: 1,
                pending: 1,
                commissioned: 2,
                rejected: 0,
                duplicates: 1,
                decommissioned: 0,
            },
            recent: vec![
                ScanRow {
                    id: -1,
                    serial: "SN9".into(),
                    refusal: Some("wrong_batch".into()),
                    reason: Some(
                        "This pack is batch B2, the order is batch B2405121: take the pack off the line.".into(),
                    ),
                    attempts: 0,
                    ..row("", State::Rejected, None)
                },
                row("SN0003", State::Pending, None),
                row("SN0002", State::Commissioned, None),
                row("SN0001", State::Commissioned, None),
            ],
            queue: 1,
            per_minute: 3,
        })),
    );
    type_text(&mut app, "(01)02022090117459(17)290512(10)B9(21)SN0004");
    press(&mut app, KeyCode::Enter);
    app.flash = None;
    snap("scan", &app);
    let buf = render(&app, 80, 24);
    let (x, y) = find(&buf, "✗ WRONG BATCH");
    assert_eq!(buf[(x, y)].fg, Color::Red, "an alarm is red");
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED), "and large: reversed");
    let (x, y) = find(&buf, "commissioned");
    assert_eq!(buf[(x, y)].fg, Color::Green);
}

#[tokio::test]
async fn help_overlay_lists_the_configured_keys() {
    let mut app = demo_app().await;
    press(&mut app, KeyCode::F(1));
    let screen = text(&render(&app, 80, 24));
    assert!(
        screen.contains("F2 F3 F4 F5")
            && screen.contains("(also Alt+1 Alt+2")
            && screen.contains("Ctrl+S, F10")
            && screen.contains("look up an order"),
        "{screen}"
    );
    snap("help", &app);
}

#[tokio::test]
async fn confirmation_dialog() {
    let mut app = demo_app().await;
    press(&mut app, KeyCode::F(3));
    for (t, tabs) in [("L-1", 1), ("02026041310005", 1), ("MCS36042", 1), ("10", 0)] {
        type_text(&mut app, t);
        for _ in 0..tabs {
            press(&mut app, KeyCode::Tab);
        }
    }
    press_mod(&mut app, KeyCode::Char('s'), Mods::CTRL);
    assert!(app.confirm.is_some());
    snap("confirm", &app);
}

#[tokio::test]
async fn too_small_terminal_says_so() {
    let app = demo_app().await;
    let screen = text(&render(&app, 60, 20));
    assert!(screen.contains("Terminal too small") && screen.contains("needs 80×24, now 60×20"), "{screen}");
    let screen = text(&render(&app, 79, 24));
    assert!(screen.contains("needs 80×24, now 79×24"), "{screen}");
}

#[tokio::test]
async fn offline_backend_shows_in_red_in_the_status_bar() {
    let (mut app, first) = new_app();
    let r = requests(&first);
    answer(
        &mut app,
        r[0].id,
        shopfloor::worker::Backend::Manufacturer,
        shopfloor::worker::Outcome::OpenOrders(Err(shopfloor::api::ApiError::ConnectionRefused { host: "h".into() })),
    );
    let buf = render(&app, 80, 24);
    let (x, y) = find(&buf, "Movilitas ✗ unreachable");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert!(text(&buf).contains("refresh failed"), "{}", text(&buf));
}

#[tokio::test]
async fn the_selection_stays_on_screen_in_a_long_list() {
    let many: Vec<_> = (0..60)
        .map(|i| shopfloor::domain::manufacturer::PackagingOrder {
            order_id: format!("LONG-{i:03}"),
            order_description: None,
            product_code: "02022090117459".into(),
            product_code_schema: "GTIN".into(),
            batch: None,
            expiry_date: None,
            quantity: i,
            extra_percentage: None,
            serialized: None,
            packaging_line_tag: None,
            market: None,
            status: "Open".into(),
        })
        .collect();
    let (mut app, first) = new_app();
    load_orders(&mut app, &first, many);
    for _ in 0..3 {
        press(&mut app, KeyCode::PageDown);
    }
    press(&mut app, KeyCode::Down);
    let buf = render(&app, 80, 24);
    let (x, y) = find(&buf, "LONG-031");
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED), "{}", text(&buf));
    press(&mut app, KeyCode::End);
    assert!(text(&render(&app, 80, 24)).contains("LONG-059"));
    press(&mut app, KeyCode::Home);
    assert!(text(&render(&app, 80, 24)).contains("LONG-000"));
}
