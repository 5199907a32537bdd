//! `shopfloor board`: the line's live board, read-only and apart from the station dashboard.
//! One task reads the store (on every station's report, announced by NOTIFY, and every few
//! seconds so a station that goes quiet turns "silent"); the loop draws only when what it
//! shows has changed, and quits on q, Esc, Ctrl+C, end of input, SIGTERM or SIGHUP.

pub mod view;

use crate::config::line_store::LineStoreConfig;
use crate::line_store::{connect, heartbeat};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use std::time::Duration;
use tokio::sync::mpsc;
use view::Snapshot;

/// How often the board reads the store even without news.
const REFRESH: Duration = Duration::from_secs(5);

/// Reads the store into snapshots, reconnecting by itself.
pub async fn feed(cfg: LineStoreConfig, tx: mpsc::UnboundedSender<Snapshot>) {
    let mut last = Snapshot::default();
    loop {
        let (client, mut notes) = match connect::connect(&cfg, "shopfloor board").await {
            Ok(c) => c,
            Err(e) => {
                last.problem = Some(format!("{e}"));
                if tx.send(last.clone()).is_err() {
                    return;
                }
                tokio::time::sleep(REFRESH).await;
                continue;
            }
        };
        if let Err(e) = client.batch_execute(&format!("LISTEN {}", heartbeat::BOARD_CHANNEL)).await {
            last.problem = Some(format!("the line store refused to announce reports: {e}"));
            let _ = tx.send(last.clone());
            tokio::time::sleep(REFRESH).await;
            continue;
        }
        loop {
            match heartbeat::board(&client).await {
                Ok((now, rows)) => last = Snapshot { now: Some(now), rows, problem: None },
                Err(e) => {
                    last.problem = Some(format!("{e}"));
                    let _ = tx.send(last.clone());
                    break;
                }
            }
            if tx.send(last.clone()).is_err() {
                return;
            }
            tokio::select! {
                n = notes.recv() => {
                    if n.is_none() { break }
                    // A burst of reports makes one read.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    while notes.try_recv().is_ok() {}
                }
                _ = tokio::time::sleep(REFRESH) => {}
            }
        }
    }
}

enum Input {
    Quit,
    Redraw,
}

/// Runs the board until the user quits.
pub async fn run(cfg: LineStoreConfig) -> anyhow::Result<()> {
    let (snap_tx, mut snaps) = mpsc::unbounded_channel();
    let feeder = tokio::spawn(feed(cfg, snap_tx));
    let (in_tx, mut inputs) = mpsc::unbounded_channel();
    let mut terminal = ratatui::try_init()?;
    std::thread::Builder::new().name("board-input".into()).spawn(move || loop {
        let msg = match event::read() {
            Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => match k.code {
                KeyCode::Char('q') | KeyCode::Esc => Input::Quit,
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => Input::Quit,
                _ => continue,
            },
            Ok(Event::Resize(..)) => Input::Redraw,
            Ok(_) => continue,
            // The terminal is gone (an SSH link dropped): stop rather than spin.
            Err(_) => Input::Quit,
        };
        let quit = matches!(msg, Input::Quit);
        if in_tx.send(msg).is_err() || quit {
            return;
        }
    })?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut shown = Snapshot::default();
    let result = loop {
        if let Err(e) = terminal.draw(|f| view::view(&shown, f)) {
            break Err(e.into());
        }
        tokio::select! {
            s = snaps.recv() => match s {
                Some(s) if s != shown => shown = s,
                Some(_) => continue,
                None => break Ok(()),
            },
            i = inputs.recv() => match i {
                Some(Input::Redraw) => {}
                _ => break Ok(()),
            },
            _ = term.recv() => break Ok(()),
            _ = hup.recv() => break Ok(()),
        }
    };
    ratatui::restore();
    feeder.abort();
    result
}
