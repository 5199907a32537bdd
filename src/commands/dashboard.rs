//! `shopfloor` and `shopfloor --demo`: checks everything that can be checked before the
//! terminal changes mode — the config, then the instance lock (one dashboard per data
//! directory; a second one says who holds it, or offers to take over from a holder whose
//! terminal is gone) — then runs the dashboard. Start and stop are logged.

use super::EXIT_CONFIG;
use crate::api::{ManufacturerClient, ProductionClient};
use crate::config::{self, Config};
use crate::instance::{self, InstanceLock};
use crate::sim::{self, SimOptions};
use crate::worker::{Clients, PickingOutput};
use anyhow::Context;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Exit code when another dashboard holds this station's data directory.
pub const EXIT_IN_USE: u8 = 3;

/// How long a takeover waits for the old dashboard to end.
const TAKE_OVER_WAIT: Duration = Duration::from_secs(30);

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
    // A user's config is checked first: its problems are the ones to fix first.
    let (user_config, controls) = if demo {
        (None, None)
    } else {
        match super::load_config_controls(config_path) {
            Ok((c, s)) => (Some(c), Some(s)),
            Err(code) => return Ok(code),
        }
    };
    let data_dir = data_dir(demo)?;
    crate::logging::private_dir(&data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    if let Some(c) = &user_config {
        crate::logging::configure(&c.log);
    }
    let lock = match lock(&data_dir)? {
        Ok(lock) => lock,
        Err(code) => return Ok(code),
    };
    if demo {
        // The demo's simulator starts afresh each run, so a journal from an earlier run would
        // call the first packs of this one DUPLICATE. Only now that this process holds the
        // lock can no other demo dashboard be writing to it.
        clear_demo_journal(&data_dir)
            .with_context(|| format!("cannot clear the demo journal in {}", data_dir.display()))?;
    }
    let holder = lock.holder();
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        pid = holder.pid,
        terminal = %holder.terminal,
        ssh_client = holder.ssh_client.as_deref().unwrap_or("-"),
        station = user_config.as_ref().map(|c| c.station.id.as_str()).unwrap_or("demo"),
        config = %user_config.as_ref().and_then(|c| c.source.as_deref()).map(|p| p.display().to_string()).unwrap_or_else(|| "(demo)".into()),
        data_dir = %data_dir.display(),
        kiosk,
        "dashboard started"
    );
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let result = rt.block_on(async {
        let (config, demo_sim) = match user_config {
            Some(c) => (c, None),
            None => {
                let listen = sim_listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
                // The demo has a fake printer of its own, named in its config, so printing needs
                // no setup.
                let printer = (sim::printer::DEMO_PRINTER.to_string(), SocketAddr::from(([127, 0, 0, 1], 0)));
                let options = SimOptions { listen, printers: vec![printer], ..SimOptions::default() };
                let handle = sim::start(options).await?;
                let snippet = handle.config_snippet();
                // Only NO_COLOR and the locale are taken from the environment: the demo's secrets
                // are the simulator's.
                let env = |k: &str| match k {
                    "NO_COLOR" | "LC_ALL" | "LC_CTYPE" | "LANG" => config::process_env(k),
                    _ => None,
                };
                let loaded = config::parse(&snippet, Path::new("(demo)"), &env).context("the demo config is invalid")?;
                let mut c = loaded.config;
                c.source = None;
                (c, Some((handle, loaded.controls)))
            }
        };
        let mut config = config;
        if kiosk {
            let supervisor = config.signin.operators.iter().any(crate::config::access::Operator::signs);
            if config.kiosk.supervisor_pin_hash.is_none() && !supervisor {
                eprintln!("error: --kiosk needs a supervisor, or nobody could ever quit: add one to [[operators]] with role = \"supervisor\" and a pin_hash (make it with `shopfloor hash-pin`)");
                return Ok(ExitCode::from(EXIT_CONFIG));
            }
            config.kiosk.enabled = true;
            config.signatures.follow_kiosk(true);
        }
        if config.kiosk.enabled {
            super::ignore_keyboard_signals();
        }
        // What the station starts with goes to the audit trail before it acts on any of it
        // (a start refused above records nothing).
        if let Some(snapshot) = controls.as_ref().or(demo_sim.as_ref().map(|(_, s)| s)) {
            // `--kiosk` turns the kiosk on whatever the file says: the control in force is
            // recorded, so a start without it shows as the kiosk turned off.
            let mut values = snapshot.values.clone();
            if kiosk {
                values.insert("kiosk.enabled".into(), "true".into());
            }
            let snapshot = crate::config::controls::Snapshot::of_values(values);
            crate::station::record_config(&config, &data_dir, &snapshot)
                .context("cannot record the config in the audit trail")?;
        }
        let clients = clients(&config, &data_dir)?;
        // The demo station starts with an order to scan for.
        let default_active = if demo { clients.manufacturer.packaging_order("Order143").await.ok() } else { None };
        let (mut station, journal_thread) =
            crate::station::Station::start(&config, clients, &data_dir, default_active)?;
        let mut line = crate::station::LineStation::start(&config, &data_dir, &mut station)?;
        let link = line.as_mut().and_then(|l| {
            l.events.take().map(|events| crate::tui::runtime::LineLink { store: l.store.clone(), events })
        });
        let exit = crate::tui::run(&config, station, link, demo).await;
        if let Some(l) = line {
            l.stop().await;
        }
        // The loop's last journal jobs are written before the process ends.
        journal_thread.finish();
        let exit = exit?;
        tracing::info!(?exit, "dashboard ended");
        Ok(ExitCode::SUCCESS)
    });
    if let Err(e) = &result {
        tracing::error!("dashboard stopped on an error: {e:#}");
    }
    tracing::info!(pid = holder.pid, "dashboard stopped");
    drop(lock);
    result
}

/// Removes the demo station's journal (and its write-ahead files) so the demo starts empty,
/// like its simulator. Called only for `--demo`, whose data directory is the demo's own.
fn clear_demo_journal(data_dir: &Path) -> std::io::Result<()> {
    for name in ["journal.db", "journal.db-wal", "journal.db-shm", "journal.db-journal"] {
        match std::fs::remove_file(data_dir.join(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn data_dir(demo: bool) -> anyhow::Result<PathBuf> {
    Ok(if demo {
        crate::logging::data_dir()
            .map(|d| d.join("demo"))
            .unwrap_or_else(|| std::env::temp_dir().join("shopfloor-demo"))
    } else {
        crate::logging::data_dir().context("no data directory for this user (is HOME set?)")?
    })
}

/// Takes the instance lock, or says who holds it and — when its terminal is gone — offers to
/// take over. `Err` is the exit code to leave with.
fn lock(data_dir: &Path) -> anyhow::Result<Result<InstanceLock, ExitCode>> {
    let held = match InstanceLock::try_acquire(data_dir)? {
        Ok(lock) => return Ok(Ok(lock)),
        Err(held) => held,
    };
    eprintln!("This station's dashboard is already running: {}.", held.describe());
    if !held.terminal_gone() {
        eprintln!("Use that terminal, or quit that dashboard first. (Data directory: {}.)", data_dir.display());
        return Ok(Err(ExitCode::from(EXIT_IN_USE)));
    }
    if !instance::ask_take_over(&held) {
        eprintln!("Nothing was changed.");
        return Ok(Err(ExitCode::from(EXIT_IN_USE)));
    }
    eprintln!("Asking it to end and waiting (up to {} s)…", TAKE_OVER_WAIT.as_secs());
    match instance::take_over(data_dir, &held, TAKE_OVER_WAIT) {
        Ok(lock) => Ok(Ok(lock)),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(Err(ExitCode::from(EXIT_IN_USE)))
        }
    }
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
