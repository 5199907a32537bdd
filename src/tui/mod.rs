//! The terminal dashboard. `app` owns the state and `update`; `view` and the tabs render it;
//! `runtime` runs the loop; `terminal` sets up and restores the terminal. The UI talks to the
//! station (journal, pipeline, network) only through the channels of `crate::station`.

pub mod access;
pub mod app;
pub mod form;
pub mod runtime;
pub mod tabs;
pub mod terminal;
pub mod view;

use crate::config::Config;
use crate::station::Station;
use app::{App, Settings};

/// Runs the dashboard until the user quits, the terminal goes away, or a signal arrives.
pub async fn run(config: &Config, station: Station, demo: bool) -> anyhow::Result<runtime::Exit> {
    let settings = Settings {
        station_id: config.station.id.clone(),
        line: config.station.packaging_line_tag.clone(),
        keys: config.keys.clone(),
        theme: config.ui.theme.clone(),
        destinations: config.labels.destinations.clone(),
        templates: config.labels.templates.clone(),
        wedge: config.scanner.clone(),
        scan: config.scan.clone(),
        demo,
        access: access_settings(config),
    };
    let Station { journal, journal_events, pipeline, requests, responses, active, label_log, label_history } = station;
    let (internal_tx, internal) = tokio::sync::mpsc::unbounded_channel();
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    let (app, first) = App::new(settings, label_history, active, runtime::now_label(), size);
    let (mut term, _guard) = terminal::enter()?;
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
    };
    Ok(runtime::run(&mut term, app, first, wiring).await?)
}

fn access_settings(config: &Config) -> access::AccessSettings {
    let tab = |name: &str| match name {
        "packaging" => Some(app::Tab::Packaging),
        "labels" => Some(app::Tab::Labels),
        "production" => Some(app::Tab::Production),
        "scan" => Some(app::Tab::Scan),
        _ => None,
    };
    access::AccessSettings {
        kiosk: config.kiosk.enabled,
        tabs: config.kiosk.tabs.iter().filter_map(|t| tab(t)).collect(),
        supervisor_pin_hash: config.kiosk.supervisor_pin_hash.clone(),
        relock_idle: config.kiosk.relock_idle,
        badge_prefix: config.signin.badge_prefix.clone(),
        idle_signout: config.signin.idle_signout,
        operators: config.signin.operators.clone(),
    }
}
