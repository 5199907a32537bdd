//! `shopfloor printer status NAME` and `shopfloor printer test NAME`: one of the station's
//! printers, asked directly (no dashboard needed), for setting a printer up or finding a fault.

use crate::cli::PrinterAction;
use crate::domain::zebra::PrinterState;
use crate::domain::zpl::LabelData;
use crate::printing::printer::{Printer, Status, Timing};
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(config: Option<&Path>, action: PrinterAction) -> anyhow::Result<ExitCode> {
    let c = match super::load_config(config) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let name = match &action {
        PrinterAction::Status { name, .. } | PrinterAction::Test { name } => name.clone(),
    };
    let Some(p) = c.printers.iter().find(|p| p.name == name) else {
        let known: Vec<&str> = c.printers.iter().map(|p| p.name.as_str()).collect();
        let known = if known.is_empty() { "none: add a [[printers]] block".to_string() } else { known.join(", ") };
        eprintln!("error: there is no printer named {name} in the config (printers: {known})");
        return Ok(ExitCode::from(super::EXIT_CONFIG));
    };
    let printer = Printer::new(p.clone(), Timing::default());
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        match action {
            PrinterAction::Status { json, .. } => status(&printer, json).await,
            PrinterAction::Test { .. } => test(&printer).await,
        }
    })
}

fn local_time(t: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(t).format("%Y-%m-%d %H:%M:%S").to_string()
}

fn exit_for(state: &PrinterState) -> ExitCode {
    if state.accepts_jobs() || *state == PrinterState::Paused {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn word(s: &Status) -> String {
    match &s.state {
        PrinterState::Offline { since, .. } => format!("offline since {}", local_time(*since)),
        other => other.word(),
    }
}

async fn status(printer: &Printer, json: bool) -> anyhow::Result<ExitCode> {
    let s = printer.query().await;
    if json {
        let (since, reason) = match &s.state {
            PrinterState::Offline { since, reason } => (
                Some(chrono::DateTime::<chrono::Utc>::from(*since).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                Some(reason.clone()),
            ),
            _ => (None, None),
        };
        let v = serde_json::json!({
            "printer": printer.name(),
            "address": printer.config.address,
            "state": s.state.word(),
            "accepts_jobs": s.state.accepts_jobs(),
            "what_to_do": s.state.what_to_do(),
            "offline_since": since,
            "offline_reason": reason,
            "host_status": s.host,
            "error_status": s.errors,
        });
        println!("{v}");
        return Ok(exit_for(&s.state));
    }
    println!("printer {} at {}: {}", printer.name(), printer.config.address, word(&s));
    if let PrinterState::Offline { reason, .. } = &s.state {
        println!("  {reason}");
    }
    if let Some(todo) = s.state.what_to_do() {
        println!("  what to do: {todo}");
    }
    let yes = |b: bool| if b { "yes" } else { "no" };
    if let Some(h) = &s.host {
        println!("  paper out          {}", yes(h.paper_out));
        println!("  paused             {}", yes(h.paused));
        println!("  head open          {}", yes(h.head_up));
        println!("  ribbon out         {}", yes(h.ribbon_out));
        println!("  formats in buffer  {}", h.formats_in_buffer);
        println!("  labels remaining   {}", h.labels_remaining);
        println!("  receiving a format {}", yes(h.partial_format));
        println!("  buffer full        {}", yes(h.buffer_full));
        println!(
            "  temperature        {}",
            if h.over_temperature {
                "too hot"
            } else if h.under_temperature {
                "too cold"
            } else {
                "ok"
            }
        );
    }
    if let Some(e) = &s.errors {
        println!("  (~HS got no answer; ~HQES errors {:016X}, warnings {:016X})", e.errors, e.warnings);
    }
    Ok(exit_for(&s.state))
}

/// The README's scanner test code (serial TEST0001) with an expiry, so it never names a real pack.
fn test_label() -> LabelData {
    LabelData {
        order_id: "TEST".into(),
        gtin: "09520123456788".into(),
        batch: "ABC123".into(),
        expiry: "291231".into(),
        serial: "TEST0001".into(),
    }
}

async fn test(printer: &Printer) -> anyhow::Result<ExitCode> {
    let s = printer.query().await;
    if !matches!(s.state, PrinterState::Ready) {
        eprintln!(
            "error: printer {} is {}: {}. No test label was sent",
            printer.name(),
            word(&s),
            s.state.what_to_do().unwrap_or("wait until it has printed what it holds")
        );
        return Ok(ExitCode::FAILURE);
    }
    let data = test_label();
    if let Err(e) = printer.send(&printer.config.render(&data)).await {
        eprintln!("error: {e}");
        return Ok(ExitCode::FAILURE);
    }
    // Wait until the printer holds nothing more (or says why it cannot print).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut empty = 0;
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let s = printer.query().await;
        match s.state {
            PrinterState::Ready => {
                empty += 1;
                if empty >= 2 {
                    println!(
                        "test label printed on {}: {} (a test code, not a product's serial; throw the label away)",
                        printer.name(),
                        data.element_string()
                    );
                    return Ok(ExitCode::SUCCESS);
                }
            }
            PrinterState::Printing { .. } | PrinterState::Paused | PrinterState::Unknown => empty = 0,
            _ => {
                eprintln!(
                    "error: printer {} is {} and did not confirm the test label: {}",
                    printer.name(),
                    word(&s),
                    s.state.what_to_do().unwrap_or("look at the printer")
                );
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    eprintln!("error: printer {} did not finish the test label within 20 s; look at the printer", printer.name());
    Ok(ExitCode::FAILURE)
}
