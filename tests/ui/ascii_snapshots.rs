//! The ASCII drawing for terminals that are no UTF-8 ones: every tab at 80×24 and the Scan tab
//! at 40×16 hold nothing but ASCII, and the meaning stays in words and reverse video. The
//! locale decides when `[ui] charset = "auto"`.

use crate::common::dashboard::*;
use ratatui::style::Modifier;
use shopfloor::tui::app::App;
use shopfloor::tui::msg::Tab;

async fn ascii_app() -> App {
    let mut settings = settings();
    settings.ascii = true;
    let (mut app, first) = App::new(settings, vec![], None, clock(), (80, 24));
    load_orders(&mut app, &first, demo_orders().await);
    press(&mut app, KeyCode::Char('a'));
    app.flash = None;
    app
}

fn only_ascii(app: &App, w: u16, h: u16) -> String {
    let shown = text(&render(app, w, h));
    assert!(shown.is_ascii(), "not ASCII at {w}×{h}:\n{shown}");
    shown
}

#[tokio::test]
async fn every_tab_is_drawn_in_ascii() {
    let mut app = ascii_app().await;
    for (tab, name) in [(Tab::Packaging, "packaging"), (Tab::Labels, "labels"), (Tab::Production, "production")] {
        app.tab = tab;
        insta::assert_snapshot!(format!("ascii_{name}_80x24"), only_ascii(&app, 80, 24));
    }
    app.tab = Tab::Scan;
    scan_in(&mut app, "(01)02022090117459(17)290512(10)WRONG(21)SER1");
    let shown = only_ascii(&app, 80, 24);
    assert!(shown.contains("x WRONG BATCH"), "{shown}");
    insta::assert_snapshot!("ascii_scan_80x24", shown);
    insta::assert_snapshot!("ascii_scan_40x16", only_ascii(&app, 40, 16));
    // The big banner is still in reverse video.
    let buf = render(&app, 80, 24);
    let row = text(&buf).lines().position(|l| l.contains("WRONG BATCH")).unwrap() as u16;
    let col = text(&buf).lines().nth(row as usize).unwrap().find("WRONG").unwrap() as u16;
    assert!(buf[(col, row)].modifier.contains(Modifier::REVERSED));
    app.help = true;
    only_ascii(&app, 80, 24);
    only_ascii(&app, 40, 16);
}

#[test]
fn the_locale_decides_when_the_charset_is_auto() {
    use shopfloor::config::locale_is_ascii;
    let with = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    };
    assert!(!locale_is_ascii(&with(&[])), "no locale (a kiosk session) counts as UTF-8");
    assert!(!locale_is_ascii(&with(&[("LANG", "C.UTF-8")])));
    assert!(!locale_is_ascii(&with(&[("LANG", "de_DE.utf8")])));
    assert!(!locale_is_ascii(&with(&[("LANG", "C")])), "names no codeset");
    assert!(locale_is_ascii(&with(&[("LANG", "de_DE.ISO-8859-1")])));
    assert!(locale_is_ascii(&with(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "en_US.ISO-8859-15@euro")])), "LC_ALL first");
    assert!(locale_is_ascii(&with(&[("LANG", "en_US.UTF-8"), ("LC_CTYPE", "POSIX.ANSI_X3.4-1968")])));
}

#[test]
fn the_charset_setting_is_checked() {
    let text = format!("{}\n", shopfloor::config::EXAMPLE).replace("charset = \"auto\"", "charset = \"latin1\"");
    // The secrets the example leaves out come from the environment, as at a station.
    let env = |k: &str| k.starts_with("SHOPFLOOR_").then(|| "1".to_string());
    let problems = shopfloor::config::parse(&text, std::path::Path::new("t.toml"), &env).unwrap_err();
    let all = format!("{problems:?}");
    assert!(all.contains("ui.charset") && all.contains("\\\"ascii\\\""), "{all}");
    let ascii = text.replace("charset = \"latin1\"", "charset = \"ascii\"");
    assert!(shopfloor::config::parse(&ascii, std::path::Path::new("t.toml"), &env).unwrap().config.ui.ascii);
}
