//! `shopfloor sim`: runs the simulator in the foreground until Ctrl-C, SIGTERM or SIGHUP.

use crate::cli::SimArgs;
use crate::sim::{self, FaultSettings, SimOptions};
use anyhow::Context;
use std::process::ExitCode;

pub fn run(args: SimArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let opts = SimOptions {
            listen: args.listen,
            seed: args.seed,
            faults: FaultSettings {
                latency_ms: args.latency_ms,
                error_rate: args.error_rate,
                drop_rate: args.drop_rate,
                recommission: args.recommission.parse().map_err(anyhow::Error::msg)?,
            },
            printers: args.printers,
            ..SimOptions::default()
        };
        let handle = sim::start(opts).await?;
        let base = handle.base_url();
        eprintln!("shopfloor simulator listening on {base}");
        eprintln!("  Manufacturer V2 API    {base}{}/", sim::MANUFACTURER_PREFIX);
        eprintln!("  Production orders API  {base}{}/", sim::PRODUCTION_PREFIX);
        eprintln!("  Inspection             {base}/_sim/  (products, commissioned?product_code=GTIN, label_orders, production_orders, requests, faults)");
        for (name, addr) in handle.printers() {
            eprintln!("  Printer {name:<15} ZPL on raw TCP at {addr}; labels at {base}/_sim/printers/{name}/labels, faults at {base}/_sim/printers/{name}/faults");
        }
        eprintln!("Paste the following into a config file and check it with `shopfloor check-config FILE`:\n");
        // A reader that stops early (`| head`) must not take the simulator down with it.
        {
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = writeln!(out, "{}", handle.config_snippet()).and_then(|_| out.flush());
        }
        eprintln!("Press Ctrl-C to stop.");
        wait_for_stop().await;
        handle.stop().await;
        eprintln!("simulator stopped");
        Ok(ExitCode::SUCCESS)
    })
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let hup = signal(SignalKind::hangup());
        if let (Ok(mut term), Ok(mut hup)) = (term, hup) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
