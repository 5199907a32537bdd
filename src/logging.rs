//! Logs go to `shopfloor.log` under the data directory, rolled by size with a few old files
//! kept, and optionally to the system log; never to the terminal (the dashboard owns it).
//! No secret is ever passed to a log call; `Secret` prints as `***` should one slip through.
//!
//! Several processes of one user (a dashboard, an `audit`, a second dashboard refused by the
//! instance lock) write the same file: each line goes out in one `write` under an exclusive
//! `flock`, so lines never interleave and only one process rolls the file. A log that cannot be
//! written (a full disk) loses lines silently and says how many once it works again: an error
//! printed to the terminal would land on top of the dashboard.

use crate::config::log::LogConfig;
use rustix::fs::FlockOperation;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// The log file's name; rolled files add `.1` (newest) to `.N`.
pub const FILE_NAME: &str = "shopfloor.log";

/// The directory for the journal, logs and saved files (`…/shopfloor` in the platform's data dir).
pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "shopfloor").map(|d| d.data_dir().to_path_buf())
}

/// Creates `dir` (and its parents) if missing; the last component is made private (0700), and an
/// existing one that others may read is narrowed to 0700. Files the station writes there hold
/// serials, operators and order data.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta = std::fs::metadata(dir)?;
            if meta.is_dir()
                && meta.permissions().mode() & 0o077 != 0
                && meta.uid() == rustix::process::getuid().as_raw()
            {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// A log file rolled by size: `shopfloor.log`, then `shopfloor.log.1` … `.keep`. Safe to share
/// between processes: every line is written and every roll done under an exclusive lock.
pub struct RollingFile {
    dir: PathBuf,
    settings: LogConfig,
    file: Option<File>,
    lock: Option<File>,
    /// Lines that could not be written since the last one that could.
    lost: u64,
}

impl RollingFile {
    pub fn new(dir: &Path, settings: LogConfig) -> RollingFile {
        RollingFile { dir: dir.to_path_buf(), settings, file: None, lock: None, lost: 0 }
    }

    pub fn set_settings(&mut self, settings: LogConfig) {
        self.settings = settings;
    }

    /// The current file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Appends one whole line. Never fails: a line that cannot be written is counted, and the
    /// count is written before the next line that can be.
    pub fn write_line(&mut self, line: &[u8]) {
        if self.try_write(line).is_err() {
            self.lost += 1;
            // A file that failed is opened afresh next time (it may have been removed).
            self.file = None;
        }
    }

    fn try_write(&mut self, line: &[u8]) -> std::io::Result<()> {
        if self.lock.is_none() {
            private_dir(&self.dir)?;
            self.lock = Some(open_private(&self.dir.join(format!(".{FILE_NAME}.lock")))?);
        }
        let lock = self.lock.take().ok_or_else(|| std::io::Error::other("no lock file"))?;
        let result = rustix::fs::flock(&lock, FlockOperation::LockExclusive)
            .map_err(std::io::Error::from)
            .and_then(|()| self.write_locked(line));
        let _ = rustix::fs::flock(&lock, FlockOperation::Unlock);
        self.lock = Some(lock);
        result
    }

    fn write_locked(&mut self, line: &[u8]) -> std::io::Result<()> {
        let path = self.path();
        // Another process may have rolled the file since: follow the name, not the old file.
        let current = std::fs::metadata(&path).ok().map(|m| (m.dev(), m.ino()));
        let mine = match &self.file {
            Some(f) => f.metadata().ok().map(|m| (m.dev(), m.ino())),
            None => None,
        };
        if current.is_none() || current != mine {
            self.file = Some(open_private(&path)?);
        }
        let size = self.file.as_ref().map(|f| f.metadata().map(|m| m.len())).transpose()?.unwrap_or(0);
        let note = (self.lost > 0).then(|| {
            format!(
                "{} WARN shopfloor::logging: {} log line(s) were lost: the log could not be written (disk full or not writable?)\n",
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ"),
                self.lost
            )
        });
        let incoming = line.len() as u64 + note.as_ref().map_or(0, |n| n.len() as u64);
        if size > 0 && size + incoming > self.settings.max_file_bytes && is_regular(&path) {
            self.roll()?;
            self.file = Some(open_private(&path)?);
        }
        let file = self.file.as_mut().ok_or_else(|| std::io::Error::other("no log file"))?;
        if let Some(n) = note {
            file.write_all(n.as_bytes())?;
            self.lost = 0;
        }
        // One write of the whole line: with O_APPEND and the lock held, lines never interleave.
        file.write_all(line)
    }

    fn roll(&mut self) -> std::io::Result<()> {
        let keep = self.settings.keep_files;
        let name = |n: usize| self.dir.join(format!("{FILE_NAME}.{n}"));
        let _ = std::fs::remove_file(name(keep));
        for n in (1..keep).rev() {
            if name(n).exists() {
                std::fs::rename(name(n), name(n + 1))?;
            }
        }
        if keep == 0 {
            std::fs::remove_file(self.path())
        } else {
            std::fs::rename(self.path(), name(1))
        }
    }
}

fn is_regular(path: &Path) -> bool {
    std::fs::symlink_metadata(path).map(|m| m.file_type().is_file()).unwrap_or(false)
}

/// Opens for appending, created 0600.
fn open_private(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).mode(0o600).open(path)
}

/// Sends lines to the system log (`/dev/log`, read by journald or rsyslog) as RFC 3164
/// datagrams from `shopfloor[pid]`, facility user. Lost silently when nobody listens.
pub struct Syslog {
    socket: Option<UnixDatagram>,
    path: PathBuf,
}

impl Syslog {
    pub fn new(path: &Path) -> Syslog {
        Syslog { socket: None, path: path.to_path_buf() }
    }

    pub fn send(&mut self, level: &tracing::Level, line: &[u8]) {
        // Severity: 3 error, 4 warning, 6 info, 7 debug; facility user (1).
        let severity = match *level {
            tracing::Level::ERROR => 3,
            tracing::Level::WARN => 4,
            tracing::Level::INFO => 6,
            _ => 7,
        };
        let text = String::from_utf8_lossy(line);
        let msg = format!("<{}>shopfloor[{}]: {}", 8 + severity, std::process::id(), text.trim_end());
        if self.socket.is_none() {
            self.socket = UnixDatagram::unbound().ok().filter(|s| s.connect(&self.path).is_ok());
        }
        if let Some(s) = &self.socket {
            if s.send(msg.as_bytes()).is_err() {
                // The log daemon may have restarted: connect again next time.
                self.socket = None;
            }
        }
    }
}

/// The process's log sinks, shared by the subscriber's layers.
struct Sinks {
    file: Mutex<Option<RollingFile>>,
    syslog: Mutex<Syslog>,
    syslog_on: AtomicBool,
}

static SINKS: OnceLock<Sinks> = OnceLock::new();

/// Collects one event and hands it to the sink whole when dropped.
pub struct EventWriter {
    buf: Vec<u8>,
    level: tracing::Level,
    to_syslog: bool,
}

impl Write for EventWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        let Some(sinks) = SINKS.get() else { return };
        if self.buf.is_empty() {
            return;
        }
        if self.to_syslog {
            let mut s = sinks.syslog.lock().unwrap_or_else(|e| e.into_inner());
            s.send(&self.level, &self.buf);
        } else if let Some(f) = sinks.file.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            f.write_line(&self.buf);
        }
    }
}

#[derive(Clone, Copy)]
struct SinkWriter {
    to_syslog: bool,
}

impl<'a> MakeWriter<'a> for SinkWriter {
    type Writer = EventWriter;
    fn make_writer(&'a self) -> EventWriter {
        EventWriter { buf: Vec::new(), level: tracing::Level::INFO, to_syslog: self.to_syslog }
    }
    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> EventWriter {
        EventWriter { buf: Vec::with_capacity(256), level: *meta.level(), to_syslog: self.to_syslog }
    }
}

/// UTC time with microseconds, then the process id: several processes share one file.
struct TimeAndPid;

impl tracing_subscriber::fmt::time::FormatTime for TimeAndPid {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        write!(w, "{} [{}]", chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ"), std::process::id())
    }
}

/// Starts logging with the default settings (the config is read later; see [`configure`]).
/// Logging is best-effort: without a data directory nothing is logged and nothing fails.
/// The level comes from `SHOPFLOOR_LOG` (default `info`).
pub fn init() -> Option<()> {
    let dir = data_dir()?.join("logs");
    let _ = SINKS.set(Sinks {
        file: Mutex::new(Some(RollingFile::new(&dir, LogConfig::default()))),
        syslog: Mutex::new(Syslog::new(Path::new(crate::config::log::SYSLOG_SOCKET))),
        syslog_on: AtomicBool::new(false),
    });
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_env("SHOPFLOOR_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
    };
    let file_layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_timer(TimeAndPid)
        .log_internal_errors(false)
        .with_writer(SinkWriter { to_syslog: false })
        .with_filter(filter());
    // The system log stamps time and pid itself.
    let syslog_layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .without_time()
        .log_internal_errors(false)
        .with_writer(SinkWriter { to_syslog: true })
        .with_filter(tracing_subscriber::filter::filter_fn(|_| {
            SINKS.get().is_some_and(|s| s.syslog_on.load(Ordering::Relaxed))
        }))
        .with_filter(filter());
    tracing_subscriber::registry().with(file_layer).with(syslog_layer).try_init().ok()
}

/// Applies the config's `[log]` settings to the running logger.
pub fn configure(settings: &LogConfig) {
    let Some(sinks) = SINKS.get() else { return };
    if let Some(f) = sinks.file.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        f.set_settings(settings.clone());
    }
    *sinks.syslog.lock().unwrap_or_else(|e| e.into_inner()) = Syslog::new(&settings.syslog_socket);
    sinks.syslog_on.store(settings.syslog, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(max: u64, keep: usize) -> LogConfig {
        LogConfig { max_file_bytes: max, keep_files: keep, ..LogConfig::default() }
    }

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap_or_default()
    }

    #[test]
    fn rolls_by_size_and_keeps_n_files() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let mut f = RollingFile::new(&logs, settings(100, 2));
        for i in 0..20 {
            f.write_line(format!("line {i:02} {}\n", "x".repeat(30)).as_bytes());
        }
        let mut names: Vec<String> =
            std::fs::read_dir(&logs).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, [".shopfloor.log.lock", "shopfloor.log", "shopfloor.log.1", "shopfloor.log.2"]);
        for name in ["shopfloor.log", "shopfloor.log.1", "shopfloor.log.2"] {
            assert!(std::fs::metadata(logs.join(name)).unwrap().len() <= 100, "{name} is over the limit");
        }
        assert!(read(&logs.join("shopfloor.log")).contains("line 19"));
        assert!(read(&logs.join("shopfloor.log.1")).contains("line 17"));
        assert!(!read(&logs.join("shopfloor.log.2")).contains("line 0"), "the oldest lines are gone");
    }

    #[test]
    fn files_and_directory_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("data/logs");
        let mut f = RollingFile::new(&logs, settings(1000, 1));
        f.write_line(b"hello\n");
        assert_eq!(std::fs::metadata(&logs).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(logs.join(FILE_NAME)).unwrap().permissions().mode() & 0o777, 0o600);
    }

    /// Two writers with their own open files stand for two processes: flock holds between
    /// open files, not only between processes.
    #[test]
    fn concurrent_writers_never_interleave_within_a_line_even_while_rolling() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().to_path_buf();
        let handles: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|who| {
                let logs = logs.clone();
                std::thread::spawn(move || {
                    let mut f = RollingFile::new(&logs, settings(20_000, 50));
                    for i in 0..300 {
                        let line = format!("{who} {i:04} {}\n", who.repeat(200));
                        f.write_line(line.as_bytes());
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let mut lines = 0;
        for e in std::fs::read_dir(&logs).unwrap() {
            let p = e.unwrap().path();
            if !p.file_name().unwrap().to_string_lossy().starts_with("shopfloor.log") {
                continue;
            }
            for l in read(&p).lines() {
                let mut parts = l.split(' ');
                let who = parts.next().unwrap();
                let _n = parts.next().unwrap();
                assert_eq!(parts.next().unwrap(), who.repeat(200), "a mixed line in {}: {l}", p.display());
                lines += 1;
            }
        }
        assert_eq!(lines, 900, "every line is in some file");
    }

    #[test]
    fn a_full_disk_loses_lines_silently_and_says_so_later() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        std::os::unix::fs::symlink("/dev/full", logs.join(FILE_NAME)).unwrap();
        let mut f = RollingFile::new(&logs, settings(1000, 2));
        f.write_line(b"first\n");
        f.write_line(b"second\n");
        assert_eq!(f.lost, 2);
        std::fs::remove_file(logs.join(FILE_NAME)).unwrap();
        f.write_line(b"third\n");
        let text = read(&logs.join(FILE_NAME));
        assert!(text.contains("2 log line(s) were lost"), "{text}");
        assert!(text.ends_with("third\n"), "{text}");
    }

    #[test]
    fn syslog_gets_one_datagram_per_line_with_priority_and_pid() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("log.sock");
        let server = UnixDatagram::bind(&sock).unwrap();
        let mut s = Syslog::new(&sock);
        s.send(&tracing::Level::WARN, b" WARN shopfloor: the backend answered 503\n");
        let mut buf = [0u8; 512];
        let n = server.recv(&mut buf).unwrap();
        let got = String::from_utf8_lossy(&buf[..n]);
        assert_eq!(got, format!("<12>shopfloor[{}]:  WARN shopfloor: the backend answered 503", std::process::id()));
        // Nobody listening: nothing fails, nothing is printed.
        drop(server);
        s.send(&tracing::Level::INFO, b"x\n");
    }
}
