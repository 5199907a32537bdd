//! The terminal dashboard. `app` owns the state and `update`; `view` and the tabs render it;
//! `runtime` runs the loop; `terminal` sets up and restores the terminal. The UI talks to the
//! network only through the worker's channels.

pub mod access;
pub mod app;
pub mod form;
pub mod journal_writer;
pub mod runtime;
pub mod tabs;
pub mod terminal;
pub mod view;

use crate::config::Config;
use crate::domain::manufacturer::PackagingOrder;
use crate::worker::Clients;
use app::{App, Settings};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Runs the dashboard until the user quits, the terminal goes away, or a signal arrives.
/// `default_active` is used when the journal holds no active order (demo mode starts with one).
pub async fn run(
    config: &Config,
    clients: Clients,
    data_dir: &Path,
    demo: bool,
    default_active: Option<PackagingOrder>,
) -> anyhow::Result<runtime::Exit> {
    // Everything that can fail is opened before the terminal changes mode.
    let mut journal = crate::scan::journal::Journal::open(&data_dir.join("journal.db"))?;
    let requeued = journal.requeue_in_flight()?;
    if requeued > 0 {
        tracing::info!(requeued, "scans that were in flight at the last stop are sent again");
    }
    let stored: Option<PackagingOrder> = journal.get("active_order")?.and_then(|j| serde_json::from_str(&j).ok());
    let active = stored.or(default_active);
    if let Some(o) = &active {
        journal.set("active_order", &serde_json::to_string(o)?)?;
    }
    let journal = Arc::new(Mutex::new(journal));
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
        wedge: config.scanner.clone(),
        scan: config.scan.clone(),
        demo,
        access: access_settings(config),
    };
    let (progress_tx, progress) = tokio::sync::mpsc::unbounded_channel();
    let pipeline_settings = crate::worker::commission::Settings {
        batch_size: config.scan.batch_size,
        max_wait: config.scan.max_wait,
        ..Default::default()
    };
    let wake =
        crate::worker::commission::spawn(journal.clone(), clients.manufacturer.clone(), pipeline_settings, progress_tx);
    wake.notify_one();
    let (internal_tx, internal) = tokio::sync::mpsc::unbounded_channel();
    let (journal_jobs, journal_thread) = journal_writer::spawn(journal, internal_tx.clone(), wake);
    let (requests, responses) = crate::worker::spawn(clients);
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    let (app, first) = App::new(settings, history, active, runtime::now_label(), size);
    let (mut term, _guard) = terminal::enter()?;
    let wiring = runtime::Wiring {
        requests,
        responses,
        refresh: config.ui.refresh,
        label_log,
        journal: journal_jobs,
        internal,
        internal_tx,
        progress,
    };
    let exit = runtime::run(&mut term, app, first, wiring).await?;
    // The loop's last journal jobs are written before the process ends.
    if journal_thread.join().is_err() {
        tracing::error!("the journal thread ended with a panic");
    }
    Ok(exit)
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
