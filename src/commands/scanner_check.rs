//! `shopfloor scanner-check`: the operator scans the README's test code; this shows exactly what
//! arrived and prints the `[scanner]` settings that make this scanner work, or what is wrong.

use crate::input::decode::{Decoder, Event};
use crate::input::key::{Code, Key};
use crate::input::tty::{self, Chunk};
use crate::scan::scanner_check::{analyze, describe, TEST_HRI};
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
    let mut keys: Vec<(Key, Duration)> = Vec::new();
    {
        // Raw before the prompt: a scan that comes at once must arrive as the scanner sent it
        // (in cooked mode the terminal turns its CR into LF).
        crossterm::terminal::enable_raw_mode()?;
        let _raw = Raw;
        print!("Scan the test code from the README now: a GS1 DataMatrix holding {TEST_HRI}.\r\n");
        print!("(Ctrl+C cancels; after 60 s without a scan it gives up.)\r\n");
        std::io::Write::flush(&mut std::io::stdout())?;
        // The bytes as the dashboard reads them: the same decoder, so what is shown is what
        // the dashboard will get.
        let (tx, rx) = std::sync::mpsc::channel();
        tty::spawn(move |c| tx.send(c).is_ok())?;
        let mut decoder = Decoder::new();
        let start = Instant::now();
        let ms = |at: Instant| at.saturating_duration_since(start).as_millis() as u64;
        let mut first: Option<Instant> = None;
        'reading: loop {
            // Once keys come, a pause of 1.5 s ends the scan (a scanner without a suffix).
            let wait = match first {
                Some(_) => Duration::from_millis(1_500),
                None => Duration::from_secs(60).saturating_sub(start.elapsed()),
            };
            let (bytes, at) = match rx.recv_timeout(wait) {
                Ok(Chunk::Bytes(b, at)) => (b, at),
                Ok(Chunk::Closed) | Err(_) => break,
            };
            let mut events = Vec::new();
            decoder.feed(&bytes, ms(at), &mut events);
            // Give a lone ESC its time, then take what is left.
            decoder.expire(ms(at) + 1_000, &mut events);
            for e in events {
                let Event::Key(k) = e else { continue };
                if k == Key::ctrl('c') {
                    drop(_raw);
                    println!("Cancelled.");
                    return Ok(ExitCode::from(1));
                }
                let since = at.saturating_duration_since(*first.get_or_insert(at));
                keys.push((k, since));
                if matches!(k.code, Code::Enter | Code::Tab) || k == Key::ctrl('j') {
                    break 'reading;
                }
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
