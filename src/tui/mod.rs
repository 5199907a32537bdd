//! The terminal dashboard. `app` owns the state and `update`; `view` and the tabs render it;
//! `runtime` runs the loop; `terminal` sets up and restores the terminal. The UI talks to the
//! network only through the worker's channels.

pub mod app;
pub mod form;
pub mod runtime;
pub mod tabs;
pub mod terminal;
pub mod view;

use crate::config::Config;
use crate::worker::Clients;
use app::{App, Settings};
use std::path::Path;

/// Runs the dashboard until the user quits, the terminal goes away, or a signal arrives.
pub async fn run(config: &Config, clients: Clients, data_dir: &Path, demo: bool) -> anyhow::Result<runtime::Exit> {
    let label_log = data_dir.join("label_orders.jsonl");
    let (history, damaged) = crate::label_log::load(&label_log);
    if damaged > 0 {
        tracing::warn!(damaged, "skipped damaged lines in {}", label_log.display());
    }
    let settings = Settings {
        station_id: config.station.id.clone(),
        line: config.station.packaging_line_tag.clone(),
        keys: config.keys.clone(),
        theme: config.ui.theme.clone(),
        destinations: config.labels.destinations.clone(),
        templates: config.labels.templates.clone(),
        demo,
    };
    let (requests, responses) = crate::worker::spawn(clients);
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    let (app, first) = App::new(settings, history, runtime::now_label(), size);
    let (mut term, _guard) = terminal::enter()?;
    let wiring = runtime::Wiring { requests, responses, refresh: config.ui.refresh, label_log };
    let exit = runtime::run(&mut term, app, first, wiring).await?;
    Ok(exit)
}
