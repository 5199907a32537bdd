//! `shopfloor` and `shopfloor --demo`: checks everything that can be checked before the
//! terminal changes mode, then runs the dashboard.

use super::EXIT_CONFIG;
use crate::api::{ManufacturerClient, ProductionClient};
use crate::config::{self, Config};
use crate::sim::{self, SimOptions};
use crate::worker::{Clients, PickingOutput};
use anyhow::Context;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(
    config_path: Option<&Path>,
    demo: bool,
    kiosk: bool,
    sim_listen: Option<SocketAddr>,
) -> anyhow::Result<ExitCode> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!("error: the dashboard needs a terminal (its input and output are not one). Run it in a terminal or over `ssh -t`; `shopfloor --help` lists the commands that do not need one.");
        return Ok(ExitCode::from(EXIT_CONFIG));
    }
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let (config, _sim, data_dir) = if demo {
            let listen = sim_listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
            let handle = sim::start(SimOptions { listen, ..SimOptions::default() }).await?;
            let snippet = sim::config_snippet(handle.addr);
            // Only NO_COLOR is taken from the environment: the demo's secrets are the simulator's.
            let env = |k: &str| if k == "NO_COLOR" { config::process_env(k) } else { None };
            let loaded = config::parse(&snippet, Path::new("(demo)"), &env).context("the demo config is invalid")?;
            let mut c = loaded.config;
            c.source = None;
            let dir = crate::logging::data_dir()
                .map(|d| d.join("demo"))
                .unwrap_or_else(|| std::env::temp_dir().join("shopfloor-demo"));
            (c, Some(handle), dir)
        } else {
            let c = match super::load_config(config_path) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            let dir = crate::logging::data_dir().context("no data directory for this user (is HOME set?)")?;
            (c, None, dir)
        };
        let mut config = config;
        if kiosk {
            if config.kiosk.supervisor_pin_hash.is_none() {
                eprintln!("error: --kiosk needs a supervisor PIN, or nobody could ever quit: set [kiosk] supervisor_pin_hash (make it with `shopfloor hash-pin`)");
                return Ok(ExitCode::from(EXIT_CONFIG));
            }
            config.kiosk.enabled = true;
        }
        let clients = clients(&config, &data_dir)?;
        // The demo station starts with an order to scan for.
        let default_active = if demo { clients.manufacturer.packaging_order("Order143").await.ok() } else { None };
        let (station, journal_thread) = crate::station::Station::start(&config, clients, &data_dir, default_active)?;
        let mut line = crate::station::LineStation::start(&config, &data_dir, &station)?;
        if let Some(l) = line.as_mut() {
            // TODO(lead): the Scan tab takes `l.events` and calls `l.store.claim` (see line_store).
            l.log_events();
        }
        let exit = crate::tui::run(&config, station, demo).await;
        if let Some(l) = line {
            l.stop().await;
        }
        // The loop's last journal jobs are written before the process ends.
        journal_thread.finish();
        let exit = exit?;
        tracing::info!(?exit, "dashboard ended");
        Ok(ExitCode::SUCCESS)
    })
}

/// The Lagerkoll budget: this station's, and with a line store also the window shared by every
/// station using the same API key.
fn budget(c: &Config) -> anyhow::Result<std::sync::Arc<crate::api::budget::Budget>> {
    let own = crate::api::budget::Budget::per_minute(c.production.requests_per_minute);
    Ok(std::sync::Arc::new(match &c.line_store {
        Some(ls) => own.with_shared(crate::line_store::budget::SharedBudget::new(
            crate::line_store::connect::pool(ls, 2)?,
            ls.clone(),
            crate::line_store::budget::key_hash(&c.production.api_key, &c.production.store),
            c.production.requests_per_minute,
            crate::api::budget::WINDOW,
        )),
        None => own,
    }))
}

pub(super) fn clients(c: &Config, data_dir: &Path) -> anyhow::Result<Clients> {
    let job_timeout = c.manufacturer.timeout.max(c.production.timeout) * 2 + Duration::from_secs(5);
    Ok(Clients {
        manufacturer: std::sync::Arc::new(ManufacturerClient::new(c.manufacturer.clone())?),
        production: ProductionClient::with_budget(c.production.clone(), budget(c)?)?,
        job_timeout,
        picking: PickingOutput {
            dir: data_dir.join("picking-lists"),
            print_command: c.production.print_command.clone(),
        },
    })
}
