//! `[log]`: how big the log file grows before it is rolled, how many old files are kept, and
//! whether lines also go to the system log. The file is always written; these only shape it.

use serde::Deserialize;
use std::path::PathBuf;

/// Where the system log listens (journald and rsyslog both read it).
pub const SYSLOG_SOCKET: &str = "/dev/log";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogFile {
    /// Size in MB at which `shopfloor.log` is rolled to `shopfloor.log.1`.
    pub max_file_mb: u64,
    /// How many rolled files are kept besides the current one.
    pub keep_files: usize,
    /// Also send every line to the system log (journald or rsyslog, through /dev/log).
    pub syslog: bool,
}

impl Default for LogFile {
    fn default() -> Self {
        LogFile { max_file_mb: 10, keep_files: 5, syslog: false }
    }
}

/// The validated settings the logger uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    pub max_file_bytes: u64,
    pub keep_files: usize,
    pub syslog: bool,
    pub syslog_socket: PathBuf,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig::from(&LogFile::default())
    }
}

impl From<&LogFile> for LogConfig {
    fn from(f: &LogFile) -> Self {
        LogConfig {
            max_file_bytes: f.max_file_mb.clamp(1, 1024) * 1024 * 1024,
            keep_files: f.keep_files.min(100),
            syslog: f.syslog,
            syslog_socket: PathBuf::from(SYSLOG_SOCKET),
        }
    }
}

pub(super) fn check(c: &mut super::Checker, f: &LogFile) -> LogConfig {
    if !(1..=1024).contains(&f.max_file_mb) {
        c.push("log", "max_file_mb", format!("{} is out of range", f.max_file_mb), "a whole number of MB, 1 to 1024");
    }
    if f.keep_files > 100 {
        c.push("log", "keep_files", format!("{} is out of range", f.keep_files), "a whole number of files, 0 to 100");
    }
    LogConfig::from(f)
}
