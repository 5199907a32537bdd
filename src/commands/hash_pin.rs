//! `shopfloor hash-pin`: asks for a PIN twice without echo and prints its Argon2 hash, ready to
//! paste into the config. The PIN itself is never printed or logged.

use crate::config::access::{check_pin, hash_pin};
use crate::config::secret::Secret;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    let pin = if std::io::stdin().is_terminal() {
        let first = read_hidden("PIN: ")?;
        let again = read_hidden("PIN again: ")?;
        if first.expose() != again.expose() {
            eprintln!("error: the two PINs differ; nothing was printed. Run it again.");
            return Ok(ExitCode::from(1));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Secret::new(line.trim_end_matches(['\r', '\n']))
    };
    if let Err(why) = check_pin(pin.expose()) {
        eprintln!("error: {why}; nothing was printed.");
        return Ok(ExitCode::from(1));
    }
    let hash = hash_pin(&pin).map_err(anyhow::Error::msg)?;
    println!("{hash}");
    eprintln!("Put it in the config as a person's pin_hash = \"...\" in [[operators]] (a supervisor has role = \"supervisor\").");
    Ok(ExitCode::SUCCESS)
}

/// Reads a line with the terminal's echo off (raw mode), showing a dot per character.
fn read_hidden(prompt: &str) -> anyhow::Result<Secret> {
    use crossterm::event::{read, Event, KeyCode, KeyEventKind, KeyModifiers};
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    crossterm::terminal::enable_raw_mode()?;
    let mut typed = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err(anyhow::anyhow!("cancelled"))
                }
                KeyCode::Backspace if typed.pop().is_some() => {
                    let _ = write!(err, "\x08 \x08");
                }
                KeyCode::Char(c) => {
                    typed.push(c);
                    let _ = write!(err, "•");
                }
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(e.into()),
        }
        let _ = err.flush();
    };
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = writeln!(err, "\r");
    result.map(|_| Secret::new(typed))
}
