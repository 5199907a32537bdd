//! Logs go to a file under the data directory, never to the terminal (the dashboard owns it).
//! No secret is ever passed to a log call; `Secret` prints as `***` should one slip through.

use std::path::PathBuf;

/// The directory for the journal, logs and saved files (`…/shopfloor` in the platform's data dir).
pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "shopfloor").map(|d| d.data_dir().to_path_buf())
}

/// Starts file logging if the data directory is writable; logging is best-effort and its
/// absence never stops the program. The level comes from `SHOPFLOOR_LOG` (default `info`).
pub fn init() -> Option<()> {
    let dir = data_dir()?.join("logs");
    std::fs::create_dir_all(&dir).ok()?;
    let file = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("shopfloor.log")).ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("SHOPFLOOR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init()
        .ok()
}
