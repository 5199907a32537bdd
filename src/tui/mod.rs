//! The terminal dashboard, in layers:
//! - `msg` (the vocabulary: messages, effects, tabs, settings), `clock` (time as messages bring
//!   it), `theme` (the config's theme as drawing styles);
//! - `ctx` (what a tab may see and ask for), `confirm` (questions that need a deliberate answer),
//!   `form` and `widgets` (shared drawing), `health` (backend state in a few words);
//! - `access` (kiosk lock, sign-in, PIN prompt) and `tabs/` (one component per tab);
//! - `app` (the one owner of the state: routes input and answers, carries out commands);
//! - `view` (draws a frame of the app), `runtime` (the loop: input, effects, drawing) and
//!   `terminal` (its modes, entered once and always undone).
//!
//! The UI talks to the station (journal, pipeline, network) only through `crate::station`'s
//! channels.

pub mod access;
pub mod app;
mod ascii;
pub mod clock;
pub mod confirm;
pub mod ctx;
pub mod form;
pub mod health;
pub mod msg;
pub mod print_desk;
pub mod runtime;
mod sign_request;
pub mod signing;
pub mod tabs;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;

use crate::config::Config;
use crate::station::Station;
use app::App;
use msg::{AccessSettings, Settings, Tab};

/// Runs the dashboard until the user quits, the terminal goes away, or a signal arrives.
pub async fn run(
    config: &Config,
    station: Station,
    line: Option<runtime::LineLink>,
    demo: bool,
) -> anyhow::Result<runtime::Exit> {
    let settings = settings(config, demo);
    let Station {
        journal,
        journal_path,
        journal_events,
        pipeline,
        requests,
        responses,
        active,
        label_log,
        label_history,
    } = station;
    let (internal_tx, internal) = tokio::sync::mpsc::unbounded_channel();
    let claim = line.as_ref().map(|l| print_desk::line_claim(l.store.clone()));
    let print = print_desk::PrintDesk::start(config, &journal_path, internal_tx.clone(), claim)?;
    // The kernel's idea of the window; nothing is asked of the terminal itself.
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    let clocks = runtime::Clocks::new();
    let (mut app, mut first) = App::new(settings, label_history, active, clocks.clock(), size);
    if demo {
        // Said because a user may expect yesterday's demo scans (see commands::dashboard).
        first.extend(app.announce(msg::Severity::Info, "The demo starts empty each run"));
    }
    let (mut term, _guard) = terminal::enter(size)?;
    let wiring = runtime::Wiring {
        requests,
        responses,
        refresh: config.ui.refresh,
        label_log,
        journal,
        journal_events,
        internal,
        internal_tx,
        progress: pipeline,
        scanner: config.scanner.clone(),
        line,
        print,
    };
    Ok(runtime::run(&mut term, app, first, wiring, clocks).await?)
}

/// What the dashboard needs of the config.
pub fn settings(config: &Config, demo: bool) -> Settings {
    let theme = theme::Theme::new(&config.ui.theme);
    Settings {
        station_id: config.station.id.clone(),
        line: config.station.packaging_line_tag.clone(),
        keys: config.keys.clone(),
        theme,
        destinations: config.labels.destinations.clone(),
        templates: config.labels.templates.clone(),
        scanner: config.scanner.clone(),
        scan: config.scan.clone(),
        demo,
        line_store: config.line_store.is_some(),
        ascii: config.ui.ascii,
        access: AccessSettings {
            kiosk: config.kiosk.enabled,
            tabs: config.kiosk.tabs.iter().filter_map(|t| Tab::named(t)).collect(),
            supervisor_pin_hash: config.kiosk.supervisor_pin_hash.clone(),
            relock_idle: config.kiosk.relock_idle,
            badge_prefix: config.signin.badge_prefix.clone(),
            idle_signout: config.signin.idle_signout,
            operators: config.signin.operators.clone(),
            signatures: config.signatures.clone(),
        },
        printers: config.printers.iter().map(|p| p.name.clone()).collect(),
    }
}
