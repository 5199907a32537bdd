//! `shopfloor scanner-check`: the operator scans the README's test code; this shows exactly what
//! arrived and prints the `[scanner]` settings that make this scanner work, or what is wrong.

use crate::scan::scanner_check::{analyze, describe, TEST_HRI};
use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Undoes raw mode on every way out.
struct Raw;

impl Drop for Raw {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

pub fn run() -> anyhow::Result<ExitCode> {
    if !std::io::stdin().is_terminal() {
        eprintln!("error: scanner-check reads the scanner as a keyboard: run it in a terminal (or over ssh -t)");
        return Ok(ExitCode::from(super::EXIT_CONFIG));
    }
    println!("Scan the test code from the README now: a GS1 DataMatrix holding {TEST_HRI}.");
    println!("(Ctrl+C cancels; after 60 s without a scan it gives up.)");
    let mut keys = Vec::new();
    {
        crossterm::terminal::enable_raw_mode()?;
        let _raw = Raw;
        let start = Instant::now();
        let mut first: Option<Instant> = None;
        loop {
            // Once keys come, a pause of 1.5 s ends the scan (a scanner without a suffix).
            let wait = match first {
                Some(_) => Duration::from_millis(1_500),
                None => Duration::from_secs(60).saturating_sub(start.elapsed()),
            };
            if wait.is_zero() || !event::poll(wait)? {
                break;
            }
            let Event::Key(k) = event::read()? else { continue };
            if k.kind != KeyEventKind::Press {
                continue;
            }
            if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
                drop(_raw);
                println!("Cancelled.");
                return Ok(ExitCode::from(1));
            }
            let at = first.get_or_insert_with(Instant::now).elapsed();
            keys.push((k, at));
            if matches!(k.code, KeyCode::Enter | KeyCode::Tab)
                || (k.code == KeyCode::Char('j') && k.modifiers.contains(KeyModifiers::CONTROL))
            {
                break;
            }
        }
    }
    println!("\nWhat arrived ({} keys):", keys.len());
    let shown: Vec<String> = keys.iter().map(|(k, _)| describe(k)).collect();
    println!(
        "  {}",
        shown.iter().map(|s| if s.chars().count() == 1 { s.clone() } else { format!("<{s}>") }).collect::<String>()
    );
    let report = analyze(&keys);
    for n in &report.notes {
        println!("note: {n}");
    }
    for p in &report.problems {
        println!("problem: {p}");
    }
    match &report.settings {
        Some(s) => {
            println!("\nThis scanner works with these settings (put them in the config file):\n\n{s}");
            Ok(ExitCode::SUCCESS)
        }
        None => {
            println!("\nFix the problem above in the scanner's setup, then run scanner-check again.");
            Ok(ExitCode::from(1))
        }
    }
}
